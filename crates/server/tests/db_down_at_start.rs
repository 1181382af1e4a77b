//! Regression: the server refused to start while PostgreSQL was down (`RunningServer::start` →
//! `Store::connect` failed), although its spool exists for exactly that. It must start degraded, take and
//! acknowledge writes into the spool, and catch up (schema migrated, spool drained) once the database is
//! reachable.

mod common;

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use racecraft_core::{Channel, Frame, SessionMeta};
use racecraft_server::{RunningServer, ServerConfig};
use racecraft_store::Store;
use racecraft_testkit::PgCluster;
use serde_json::Value;
use tokio_tungstenite::tungstenite::Message;

use common::{health, within};

fn frames(first_seq: u64, n: u64) -> Vec<Frame> {
    (first_seq..first_seq + n)
        .map(|seq| {
            Frame::new(seq as i64 * 10_000)
                .with(Channel::Speed, 40.0 + (seq as f32 * 0.01).sin())
                .with(Channel::Lap, 1.0)
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_starts_degraded_while_postgres_is_down_and_catches_up() {
    let mut pg = PgCluster::start().expect("throwaway PostgreSQL");
    // A session from before the outage, so frames can be written for it while the database is away.
    let meta = SessionMeta {
        game: "sim".into(),
        car: "car".into(),
        track: "Monza".into(),
        driver: "d".into(),
        started_at_ms: 0,
        ..Default::default()
    };
    let id = {
        let store = Store::connect(&pg.url()).await.expect("connect");
        let id = store.create_session(&meta, None).await.expect("session").id;
        store.close().await;
        id
    };
    pg.stop().expect("stop PostgreSQL");

    let dir = tempfile::tempdir().expect("tempdir");
    let mut config = ServerConfig::new("127.0.0.1:0".parse().expect("addr"), dir.path().to_path_buf());
    config.db = Some(pg.url());
    config.writer.flush_interval = Duration::from_secs(3600);
    config.writer.retry_interval = Duration::from_millis(100);
    let server = within("start", RunningServer::start(config)).await.expect("the server starts without its database");
    let url = server.url();

    let h = health(&url).await;
    assert_eq!(h["status"], "degraded", "{h}");
    assert_eq!(h["db"]["available"], false, "{h}");
    assert!(h["reason"].as_str().is_some_and(|r| r.contains("database")), "{h}");

    // Writes are taken and acknowledged into the spool meanwhile.
    let writer = server.state().writer();
    writer.frames(id, 0, frames(0, 500)).expect("frames");
    within("flush to the spool", writer.flush()).await.expect("flushed to the spool");
    assert_eq!(writer.persisted_seq(id), 500);
    assert!(writer.status().spooled_batches > 0);

    // An agent resuming a session this server knows nothing about gets a `storage` refusal while the
    // database is down (the agent retries), and the connection stays usable. (A new session works: see
    // new_session_during_outage.rs.)
    let ws_url = format!("{}/ws/ingest", url.replacen("http://", "ws://", 1));
    let (mut ws, _) = tokio_tungstenite::connect_async(ws_url).await.expect("connect");
    let hello = serde_json::json!({"type": "hello", "session_id": id + 1, "meta": meta}).to_string();
    ws.send(Message::Text(hello.into())).await.expect("send hello");
    let reply = within("hello reply", ws.next()).await.expect("a reply").expect("a message");
    let reply: Value = serde_json::from_str(reply.to_text().expect("text")).expect("json");
    assert_eq!((reply["type"].as_str(), reply["reason"].as_str()), (Some("error"), Some("storage")), "{reply}");
    drop(ws);

    pg.restart().expect("start PostgreSQL");
    within("database available", writer.db_availability().wait_for(|up| *up)).await.expect("writer alive");
    let h = health(&url).await;
    assert_eq!(h["status"], "ok", "{h}");
    assert_eq!(h["db"]["spooled_batches"], 0, "{h}");

    // What was written during the outage is in the database, and new sessions work.
    let stored = server.state().store().session_frames(id).await.expect("frames");
    assert_eq!(stored.len(), 500);
    assert_eq!(
        stored.iter().map(|f| f.t_us).collect::<Vec<_>>(),
        frames(0, 500).iter().map(|f| f.t_us).collect::<Vec<_>>()
    );
    let sessions: Value =
        reqwest::get(format!("{url}/api/sessions")).await.expect("GET").json().await.expect("sessions JSON");
    assert_eq!(sessions.as_array().map(Vec::len), Some(1), "{sessions}");
    server.shutdown().await.expect("shutdown");
}
