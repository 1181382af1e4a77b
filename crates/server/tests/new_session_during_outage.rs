//! Regression: an agent's hello for a new session failed while the database was away (`hello()` created the
//! session row in the database, and going live read it back), so nobody saw the car until the database
//! returned. Now the session is created offline: an id the database never hands out, the row spooled ahead
//! of its frames, its end behind them. The car is live at once, every frame is acknowledged as it reaches
//! the spool, and the session, its frames, laps and end are all in the database once it is back.

mod common;

use std::time::Duration;

use futures_util::StreamExt;
use racecraft_core::{Channel, Frame};
use racecraft_server::{Limits, RunningServer, ServerConfig};
use racecraft_sim::{SimConfig, Simulation, Track};
use racecraft_store::OFFLINE_SESSION_ID_BASE;
use racecraft_uplink::{Agent, AgentConfig};
use serde_json::Value;
use tokio_tungstenite::tungstenite::Message;

use common::{assert_laps_match_truth, get, within};

fn config(data_dir: &std::path::Path, db: String) -> ServerConfig {
    let mut config = ServerConfig::new("127.0.0.1:0".parse().expect("addr"), data_dir.to_path_buf());
    config.db = Some(db);
    config.writer.flush_interval = Duration::from_millis(100);
    config.writer.retry_interval = Duration::from_millis(100);
    // Room for the whole session, so a viewer reading as fast as it can never has to skip.
    config.limits = Limits { viewer_buffer_messages: 1 << 16, ..Limits::default() };
    config
}

/// What a viewer saw of the session: every sequence number, the laps, and whether it saw the end.
#[derive(Debug, Default)]
struct Seen {
    seqs: Vec<u64>,
    laps: Vec<Value>,
    ended: bool,
}

/// Connects a JSON viewer to `/ws/{id}` (its hello needs no database) and collects until `session_ended`.
async fn view(url: &str, id: i64) -> tokio::task::JoinHandle<Seen> {
    let ws_url = format!("{}/ws/{id}", url.replacen("http://", "ws://", 1));
    let (mut ws, _) = within("viewer connects", tokio_tungstenite::connect_async(&ws_url)).await.expect("viewer");
    let hello = within("viewer hello", ws.next()).await.expect("hello").expect("hello");
    let hello: Value = serde_json::from_str(hello.to_text().expect("text")).expect("json");
    assert_eq!((hello["type"].as_str(), hello["session"]["id"].as_i64()), (Some("hello"), Some(id)), "{hello}");
    tokio::spawn(async move {
        let mut seen = Seen::default();
        while let Some(Ok(msg)) = ws.next().await {
            let Message::Text(text) = msg else { continue };
            let m: Value = serde_json::from_str(&text).expect("json message");
            match m["type"].as_str() {
                Some("lap_backlog") => {
                    let first = m["first_seq"].as_u64().expect("first_seq");
                    seen.seqs.extend(first..first + m["t_s"].as_array().expect("t_s").len() as u64);
                }
                Some("telemetry_update") => seen.seqs.push(m["seq"].as_u64().expect("seq")),
                Some("lap_completed") => seen.laps.push(m["lap"].clone()),
                Some("session_ended") => {
                    seen.ended = true;
                    break;
                }
                Some("lagged") => panic!("a fast viewer must not lag: {m}"),
                _ => {}
            }
        }
        seen
    })
}

/// With the server's database away: an agent starts a new session, a viewer watches it live, every frame is
/// acknowledged, the agent ends it. Returns the session id.
async fn stream_while_the_database_is_away(url: &str, sim: &Simulation) -> i64 {
    let agent = Agent::spawn(AgentConfig::new(url, sim.meta(1_763_700_000_000))).expect("agent");
    let id = within("the server assigns a session", agent.session_id()).await.expect("session id");
    assert!(id >= OFFLINE_SESSION_ID_BASE, "{id}: an id from the offline range");
    let viewer = view(url, id).await;

    let frames: Vec<_> = sim.frames().collect();
    for frame in &frames {
        agent.push(*frame);
    }
    // Every frame acknowledged (durable in the spool) while the database is still away.
    let stats = within("every frame acknowledged", agent.finish(None)).await.expect("agent");
    assert_eq!((stats.acked, stats.dropped, stats.reconnects), (frames.len() as u64, 0, 0), "{stats:?}");
    let seen = within("the viewer sees the end", viewer).await.expect("viewer task");
    assert!(seen.ended);
    assert_eq!(seen.seqs, (0..frames.len() as u64).collect::<Vec<_>>(), "every frame live, in order");
    assert_laps_match_truth(&seen.laps, sim);
    let health = get(&format!("{url}/api/health")).await;
    assert_eq!(health["db"]["available"], false, "still away: {health}");
    assert!(health["db"]["spooled_batches"].as_u64().is_some_and(|n| n > 0), "{health}");
    id
}

/// Once the database is back and the spool drained: the session row, its end, every frame and the laps; then
/// a new session gets an id of the database's own (the database holds `others` sessions besides these two).
async fn assert_stored(server: &RunningServer, id: i64, sim: &Simulation, others: usize) {
    let url = server.url();
    let writer = server.state().writer();
    within("database available", writer.db_availability().wait_for(|up| *up)).await.expect("writer alive");
    let health = get(&format!("{url}/api/health")).await;
    assert_eq!((health["status"].as_str(), health["db"]["spooled_batches"].as_u64()), (Some("ok"), Some(0)));

    let n = sim.frame_count();
    let session = get(&format!("{url}/api/sessions/{id}")).await;
    assert_eq!(session["id"], id, "{session}");
    assert_eq!(session["frame_count"].as_u64(), Some(n), "{session}");
    assert_eq!(session["lap_count"].as_u64(), Some(sim.truth().laps.len() as u64), "{session}");
    assert_eq!(session["track"], sim.meta(0).track, "{session}");
    let stored = server.state().store().session(id).await.expect("query").expect("row");
    assert!(stored.ended_at_ms.is_some(), "the end given during the outage is stored: {stored:?}");
    let laps = get(&format!("{url}/api/sessions/{id}/laps")).await;
    assert_laps_match_truth(laps.as_array().expect("laps"), sim);
    let frames = server.state().store().session_frames(id).await.expect("frames");
    let sent: Vec<_> = sim.frames().collect();
    assert_eq!(frames.len(), sent.len());
    assert!(frames.iter().zip(&sent).all(|(a, b)| a.t_us == b.t_us), "the frames sent, in order");

    // A session created once the database is back gets an id of the database's own again.
    let created: Value = reqwest::Client::new()
        .post(format!("{url}/api/sessions"))
        .header("content-type", "application/json")
        .body(r#"{"game":"sim","track":"Spa"}"#)
        .send()
        .await
        .expect("POST /api/sessions")
        .json()
        .await
        .expect("JSON");
    assert!(created["id"].as_i64().is_some_and(|new| new < OFFLINE_SESSION_ID_BASE), "{created}");
    let sessions = get(&format!("{url}/api/sessions")).await;
    assert_eq!(sessions.as_array().map(Vec::len), Some(others + 2), "{sessions}");
}

fn simulation() -> Simulation {
    let track = Track::builtin("Monza").expect("track");
    Simulation::new(track, SimConfig { laps: 2, rate_hz: 60.0, seed: 5, ..SimConfig::default() }).expect("sim")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_session_streams_live_while_postgres_is_down_and_is_stored_when_it_returns() {
    let mut pg = racecraft_testkit::PgCluster::start().expect("throwaway PostgreSQL");
    pg.stop().expect("stop PostgreSQL");
    let dir = tempfile::tempdir().expect("tempdir");
    let server = within("start", RunningServer::start(config(dir.path(), pg.url()))).await.expect("server starts");
    let health = get(&format!("{}/api/health", server.url())).await;
    assert_eq!((health["status"].as_str(), health["db"]["available"].as_bool()), (Some("degraded"), Some(false)));
    let sim = simulation();
    let id = stream_while_the_database_is_away(&server.url(), &sim).await;

    pg.restart().expect("start PostgreSQL");
    assert_stored(&server, id, &sim, 0).await;
    server.shutdown().await.expect("shutdown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_session_streams_live_while_the_sqlite_disk_is_full_and_is_stored_once_there_is_space() {
    let disk = racecraft_testkit::Tmpfs::mount(4 << 20)
        .unwrap_or_else(|e| panic!("this test needs a tmpfs to fill (run as root or with CAP_SYS_ADMIN): {e}"));
    // The database on the disk that fills up, the spool on another.
    let dir = tempfile::tempdir().expect("tempdir");
    let db = format!("sqlite://{}", disk.path().join("racecraft.db").display());
    let server = within("start", RunningServer::start(config(dir.path(), db))).await.expect("server starts");
    let writer = server.state().writer().clone();
    within("database available", writer.db_availability().wait_for(|up| *up)).await.expect("writer alive");
    // Another car is streaming when the disk fills; its frames show the writer the database is away. (A
    // small insert may still fit in SQLite's write-ahead log on a full disk, so this session is not created
    // until the writer has seen a batch fail.)
    let store = server.state().store();
    let other = store.create_session(&simulation().meta(0), None).await.expect("session").id;
    disk.fill().expect("fill the database's disk");
    let mut sent = 0;
    for _ in 0..20 {
        let frames: Vec<_> =
            (sent..sent + 2000).map(|seq| Frame::new(seq * 10_000).with(Channel::Speed, 50.0)).collect();
        writer.frames(other, sent as u64, frames).expect("frames");
        sent += 2000;
        within("flush", writer.flush()).await.expect("flushed to the database or the spool");
        if !writer.db_available() {
            break;
        }
    }
    assert!(!writer.db_available(), "the full disk never failed a batch");

    let sim = simulation();
    let id = stream_while_the_database_is_away(&server.url(), &sim).await;

    disk.free().expect("free the database's disk");
    assert_stored(&server, id, &sim, 1).await;
    assert_eq!(store.next_seq(other).await.expect("next_seq"), sent as u64);
    server.shutdown().await.expect("shutdown");
}
