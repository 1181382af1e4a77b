//! A full disk under the SQLite database and the spool (a real tmpfs, filled with a filler file).
//!
//! Regression: with the data directory full, a COMMIT failed with SQLITE_FULL and SQLite kept that
//! transaction open on a connection sqlx then returned to its pool. That connection held the write lock
//! ("database is locked" for every other writer, so the spool never drained), and batches written through it
//! "committed" into the dead transaction: acknowledged, spool truncated, never stored. Meanwhile the status
//! said the database was available whenever `SELECT 1` answered.

use std::time::Duration;

use racecraft_store::{Spool, Store, Writer, WriterConfig};
use racecraft_testkit::Tmpfs;

use crate::common::{assert_bit_exact, frames, meta};

/// Bounds a wait that should end quickly, so a bug fails the test instead of hanging it.
async fn within<T>(what: &str, f: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(30), f).await.unwrap_or_else(|_| panic!("timed out: {what}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn disk_full_loses_no_acknowledged_frame_and_drains_without_a_restart() {
    let disk = Tmpfs::mount(4 << 20)
        .unwrap_or_else(|e| panic!("this test needs a tmpfs to fill (run as root or with CAP_SYS_ADMIN): {e}"));
    let url = format!("sqlite://{}/racecraft.db", disk.path().display());
    let store = Store::connect(&url).await.expect("connect");
    let spool_dir = disk.path().join("spool");
    let spool = Spool::open(&spool_dir).await.expect("spool");
    let config = WriterConfig {
        // Flushes happen when the test says so; retries run on their own.
        flush_interval: Duration::from_secs(3600),
        max_chunk_frames: 512,
        retry_interval: Duration::from_millis(20),
    };
    let writer = Writer::spawn(store.clone(), spool.clone(), config);
    let s = store.create_session(&meta("Spa", 0), None).await.expect("create");
    const STEP: usize = 2000;
    let all = frames(0, STEP * 40, 1_000_000);
    let mut sent = 0usize;
    let send = |writer: &Writer, sent: &mut usize| {
        writer.frames(s.id, *sent as u64, all[*sent..*sent + STEP].to_vec()).expect("frames");
        *sent += STEP;
    };

    for _ in 0..5 {
        send(&writer, &mut sent);
        within("flush", writer.flush()).await.expect("flush before the disk fills");
    }
    assert_eq!(writer.persisted_seq(s.id), sent as u64);
    assert_eq!(writer.status().degraded_reason(), None);

    disk.fill().expect("fill the tmpfs");
    let mut failed = 0;
    for i in 0..10 {
        send(&writer, &mut sent);
        let flushed = within("flush", writer.flush()).await;
        let status = writer.status();
        if flushed.is_err() {
            failed += 1;
            // Reported at once, not after a grace period.
            let reason =
                status.degraded_reason().unwrap_or_else(|| panic!("step {i}: not persisted, status {status:?}"));
            assert!(status.held_batches > 0 && !status.db_available, "step {i}: {status:?}");
            assert!(reason.contains("No space left") || reason.contains("full"), "step {i}: {reason}");
        }
        // Whatever was acknowledged is durable somewhere: never more than was handed over.
        assert!(writer.persisted_seq(s.id) <= sent as u64);
    }
    assert!(failed > 0, "the full disk never failed a flush");
    let acked_while_full = writer.persisted_seq(s.id);

    disk.free().expect("free the tmpfs");
    for _ in 0..5 {
        send(&writer, &mut sent);
        within("flush after freeing space", writer.flush()).await.expect("flush after freeing space");
    }
    // Back on the database, spool drained, nothing held: without a restart.
    within("database available", writer.db_availability().wait_for(|up| *up)).await.expect("writer alive");
    within("flush", writer.flush()).await.expect("flush");
    let status = writer.status();
    assert_eq!((status.spooled_batches, status.held_batches, status.pending_frames), (0, 0, 0), "{status:?}");
    assert_eq!(status.degraded_reason(), None, "{status:?}");
    assert_eq!(spool.pending_batches(), 0);

    let acked = writer.persisted_seq(s.id);
    assert!(acked >= acked_while_full);
    assert_eq!(acked, sent as u64, "every frame handed over is acknowledged once space returns");
    let stored = store.session_frames(s.id).await.expect("frames");
    // Acknowledged minus stored: must be zero, bit for bit.
    assert_eq!(stored.len() as u64, acked, "acknowledged {acked}, stored {}", stored.len());
    assert_bit_exact(&stored, &all[..sent]);
    let corrupt: Vec<_> = std::fs::read_dir(&spool_dir)
        .expect("spool dir")
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().contains("corrupt"))
        .collect();
    assert!(corrupt.is_empty(), "the spool was torn: {corrupt:?}");

    store.close().await;
    // The writer task may still hold the spool file: `Drop` unmounts lazily.
    drop((writer, spool, disk));
}
