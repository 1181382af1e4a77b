//! Regression: with the data directory full, `/api/health` said `ok` for 19 s (the writer called the
//! database available again whenever `SELECT 1` answered, and frames held in memory did not count). It must
//! say `degraded`, with the reason, from the first batch that fails to persist, and `ok` again once space
//! returns and everything is stored.

mod common;

use std::time::Duration;

use racecraft_core::{Channel, Frame};
use racecraft_server::{RunningServer, ServerConfig};
use racecraft_testkit::Tmpfs;

use common::{health, within};

fn frames(first_seq: u64, n: u64) -> Vec<Frame> {
    (first_seq..first_seq + n)
        .map(|seq| {
            let x = seq as f32;
            Frame::new(seq as i64 * 10_000)
                .with(Channel::Speed, 40.0 + (x * 0.37).sin() * 13.0)
                .with(Channel::Rpm, 5000.0 + (x * 0.11).cos() * 900.0)
                .with(Channel::Lap, 1.0)
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_is_degraded_from_the_first_failed_batch_on_a_full_disk() {
    let disk = Tmpfs::mount(4 << 20)
        .unwrap_or_else(|e| panic!("this test needs a tmpfs to fill (run as root or with CAP_SYS_ADMIN): {e}"));
    let mut config = ServerConfig::new("127.0.0.1:0".parse().expect("addr"), disk.path().to_path_buf());
    config.writer.flush_interval = Duration::from_secs(3600);
    config.writer.retry_interval = Duration::from_millis(50);
    let server = within("start", RunningServer::start(config)).await.expect("server starts");
    let url = server.url();
    let writer = server.state().writer().clone();
    within("database available", writer.db_availability().wait_for(|up| *up)).await.expect("writer alive");
    let meta = racecraft_core::SessionMeta {
        game: "sim".into(),
        car: "car".into(),
        track: "Spa".into(),
        driver: "d".into(),
        started_at_ms: 0,
        ..Default::default()
    };
    let id = server.state().store().create_session(&meta, None).await.expect("session").id;
    const STEP: u64 = 2000;
    writer.frames(id, 0, frames(0, STEP)).expect("frames");
    within("flush", writer.flush()).await.expect("flush");
    assert_eq!(health(&url).await["status"], "ok");

    disk.fill().expect("fill");
    let mut sent = STEP;
    let mut failed = false;
    for _ in 0..10 {
        writer.frames(id, sent, frames(sent, STEP)).expect("frames");
        sent += STEP;
        if within("flush", writer.flush()).await.is_err() {
            failed = true;
            break;
        }
    }
    assert!(failed, "the full disk never failed a flush");
    // Right after the first failure, not after a grace period.
    let h = health(&url).await;
    assert_eq!(h["status"], "degraded", "{h}");
    assert!(h["reason"].as_str().is_some_and(|r| r.contains("No space left")), "{h}");
    assert!(h["db"]["held_batches"].as_u64().is_some_and(|n| n > 0), "{h}");

    disk.free().expect("free");
    within("flush after freeing space", writer.flush()).await.expect("flush after freeing space");
    within("database available", writer.db_availability().wait_for(|up| *up)).await.expect("writer alive");
    within("flush", writer.flush()).await.expect("flush");
    let h = health(&url).await;
    assert_eq!(h["status"], "ok", "{h}");
    assert_eq!(writer.persisted_seq(id), sent);
    let stored = server.state().store().session_frames(id).await.expect("frames");
    assert_eq!(stored.len() as u64, sent, "acknowledged {sent}, stored {}", stored.len());
    server.shutdown().await.expect("shutdown");
    drop(disk);
}
