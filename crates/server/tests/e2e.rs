//! End to end over real sockets: simulator → agent → server → WebSocket viewer + storage, on SQLite and
//! PostgreSQL, across a restart and across a database outage.

mod common;

use std::time::Duration;

use futures_util::StreamExt;
use racecraft_server::{Limits, RunningServer, ServerConfig};
use racecraft_sim::{SimConfig, Simulation, Track};
use racecraft_uplink::{Agent, AgentConfig};
use serde_json::Value;
use tokio_tungstenite::tungstenite::Message;

use common::{assert_laps_match_truth, get, post};

fn config(dir: &std::path::Path, db: Option<String>) -> ServerConfig {
    let mut config = ServerConfig::new("127.0.0.1:0".parse().expect("addr"), dir.to_path_buf());
    config.db = db;
    config.writer.flush_interval = Duration::from_millis(200);
    config.writer.retry_interval = Duration::from_millis(200);
    // Room for a whole test session, so a viewer that reads as fast as it can never has to skip.
    config.limits = Limits { viewer_buffer_messages: 1 << 16, ..Limits::default() };
    config
}

fn simulation(track: &str, laps: u32, rate_hz: f64, seed: u64) -> Simulation {
    let track = Track::builtin(track).expect("track");
    Simulation::new(track, SimConfig { laps, rate_hz, seed, ..SimConfig::default() }).expect("simulation")
}

/// Every message a viewer gets is one of the protocol's, with no field the type does not know: the hand-written
/// fast paths (telemetry, backlog) included.
fn assert_protocol(message: &Value) {
    let typed: racecraft_protocol::viewer::ViewerMessage =
        serde_json::from_value(message.clone()).unwrap_or_else(|e| panic!("not a protocol message ({e}): {message}"));
    let again = serde_json::to_value(&typed).expect("serializes");
    assert!(same(&again, message), "fields the type does not carry:\n{message}\n{again}");
}

/// Equal JSON, numbers compared by value (`1` and `1.0` alike).
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same(x, y)),
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        _ => a == b,
    }
}

struct Viewer {
    insights: Vec<(usize, Value)>,
    seqs: Vec<u64>,
    laps: Vec<Value>,
    received_at: Vec<tokio::time::Instant>,
}

/// Connects a JSON viewer and collects until `session_ended`.
async fn view(url: String, id: i64) -> tokio::task::JoinHandle<Viewer> {
    let ws_url = format!("{}/ws/{id}", url.replace("http://", "ws://"));
    let (mut ws, _) = tokio_tungstenite::connect_async(&ws_url).await.expect("viewer connects");
    // The hello comes once the viewer is subscribed: from then on it misses nothing.
    let hello = ws.next().await.expect("hello").expect("hello");
    let hello: Value = serde_json::from_str(hello.to_text().expect("text")).expect("json");
    assert_eq!(hello["type"], "hello");
    assert_protocol(&hello);
    tokio::spawn(async move {
        let mut v = Viewer { seqs: Vec::new(), laps: Vec::new(), received_at: Vec::new(), insights: Vec::new() };
        while let Some(Ok(msg)) = ws.next().await {
            let Message::Text(text) = msg else { continue };
            let m: Value = serde_json::from_str(&text).expect("json message");
            assert_protocol(&m);
            match m["type"].as_str() {
                Some("lap_backlog") => {
                    let first = m["first_seq"].as_u64().expect("first_seq");
                    let n = m["t_s"].as_array().expect("t_s").len() as u64;
                    v.seqs.extend(first..first + n);
                }
                Some("telemetry_update") => {
                    v.seqs.push(m["seq"].as_u64().expect("seq"));
                    v.received_at.push(tokio::time::Instant::now());
                }
                Some("lap_completed") => v.laps.push(m["lap"].clone()),
                // Laps seen when the insight came: it must follow its own lap_completed.
                Some("insight_update") => v.insights.push((v.laps.len(), m)),
                Some("session_ended") => break,
                Some("lagged") => panic!("a fast viewer must not lag: {m}"),
                _ => {}
            }
        }
        v
    })
}

/// Streams `sim` into a new session, with one viewer watching from the start; returns the session id.
async fn stream(server_url: &str, sim: &Simulation, pace: Option<f64>) -> (i64, Viewer) {
    let created = post(&format!("{server_url}/api/sessions"), r#"{"game":"racecraft-sim","track":"test"}"#).await;
    let id = created["id"].as_i64().expect("id");
    let viewer = view(server_url.to_string(), id).await;
    let mut cfg = AgentConfig::new(server_url, sim.meta(0));
    cfg.session_id = Some(id);
    let agent = Agent::spawn(cfg).expect("agent");
    let start = tokio::time::Instant::now();
    for frame in sim.frames() {
        if let Some(speed) = pace {
            tokio::time::sleep_until(start + Duration::from_secs_f64(frame.t_us as f64 * 1e-6 / speed)).await;
        }
        agent.push(frame);
    }
    let stats = agent.finish(Some(Duration::from_secs(60))).await.expect("agent delivers everything");
    assert_eq!(stats.acked, sim.frame_count());
    assert_eq!(stats.dropped, 0);
    let viewer =
        tokio::time::timeout(Duration::from_secs(30), viewer).await.expect("viewer ends").expect("viewer task");
    (id, viewer)
}

/// One `insight_update` right after each `lap_completed`, for that lap, comparing with the laps before it.
fn assert_insights_follow_laps(viewer: &Viewer) {
    assert_eq!(viewer.insights.len(), viewer.laps.len());
    let mut best_sectors: Vec<f64> = Vec::new();
    for (i, ((seen, insight), lap)) in viewer.insights.iter().zip(&viewer.laps).enumerate() {
        assert_eq!(*seen, i + 1, "insight {i} arrived right after its lap");
        assert_eq!(insight["lap_number"], lap["lap_number"]);
        assert_eq!(insight["lap_time_s"], lap["lap_time_s"]);
        let sectors: Vec<f64> =
            lap["sectors_s"].as_array().expect("sectors").iter().filter_map(Value::as_f64).collect();
        assert_eq!(sectors.len(), 3);
        for (k, s) in sectors.iter().enumerate() {
            let delta = insight["sector_deltas_s"][k].as_f64();
            match best_sectors.get(k) {
                Some(best) => assert!(delta.is_some_and(|d| (d - (s - best)).abs() < 1e-9), "{insight}"),
                None => assert_eq!(delta, None),
            }
        }
        if lap["valid"] == true {
            best_sectors = if best_sectors.is_empty() {
                sectors.clone()
            } else {
                best_sectors.iter().zip(&sectors).map(|(a, b)| a.min(*b)).collect()
            };
        }
        assert!(insight["tyres"]["max_temp_c"][0].as_f64().is_some_and(|t| t > 20.0), "{insight}");
        assert!(insight["top_speed_mps"].as_f64().is_some_and(|v| v > 50.0), "{insight}");
    }
}

async fn spine(db: Option<String>) {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = RunningServer::start(config(dir.path(), db.clone())).await.expect("server starts");
    let url = server.url();
    let sim = simulation("Monza", 3, 60.0, 7);
    let (id, viewer) = stream(&url, &sim, None).await;

    // Every frame, in order, live.
    let n = sim.frame_count();
    assert_eq!(viewer.seqs.len() as u64, n);
    assert!(viewer.seqs.iter().enumerate().all(|(i, s)| *s == i as u64), "frames in order without gaps");
    assert_laps_match_truth(&viewer.laps, &sim);
    assert_insights_follow_laps(&viewer);

    // Stored.
    let laps = get(&format!("{url}/api/sessions/{id}/laps")).await;
    assert_laps_match_truth(laps.as_array().expect("laps"), &sim);
    let session = get(&format!("{url}/api/sessions/{id}")).await;
    assert_eq!(session["frame_count"].as_u64(), Some(n));
    assert_eq!(session["lap_count"].as_u64(), Some(3));
    let lap_id = laps[1]["id"].as_i64().expect("lap id");
    let lap = get(&format!("{url}/api/laps/{lap_id}?channels=speed_mps,pos_x_m&max_points=500")).await;
    assert!(lap["t_s"].as_array().expect("t").len() <= 500);
    assert!(lap["channels"]["speed_mps"].as_array().expect("speed").len() > 100);
    server.shutdown().await.expect("shutdown");

    // A restart keeps everything.
    let server = RunningServer::start(config(dir.path(), db)).await.expect("server restarts");
    let url = server.url();
    let laps = get(&format!("{url}/api/sessions/{id}/laps")).await;
    assert_laps_match_truth(laps.as_array().expect("laps"), &sim);
    let session = get(&format!("{url}/api/sessions/{id}")).await;
    assert_eq!(session["frame_count"].as_u64(), Some(n));
    server.shutdown().await.expect("shutdown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spine_on_sqlite() {
    spine(None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spine_on_postgres() {
    let db = racecraft_testkit::PgDatabase::create().await;
    spine(Some(db.url().to_string())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn database_outage_loses_nothing_and_viewers_keep_going() {
    let mut pg = racecraft_testkit::PgCluster::start().expect("throwaway postgres");
    let dir = tempfile::tempdir().expect("tempdir");
    let server = RunningServer::start(config(dir.path(), Some(pg.url()))).await.expect("server starts");
    let url = server.url();
    // One lap of Monza at 60 Hz, played 12x real time: about 9 s of streaming.
    let sim = simulation("Monza", 1, 60.0, 3);
    let streaming = {
        let url = url.clone();
        let sim = simulation("Monza", 1, 60.0, 3);
        tokio::spawn(async move { stream(&url, &sim, Some(12.0)).await })
    };
    // The outage starts once the stream is flowing into the database (frames stored), not after a guessed sleep.
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let sessions = get(&format!("{url}/api/sessions")).await;
        let list = sessions.as_array().cloned().unwrap_or_default();
        if list.iter().any(|s| s["frame_count"].as_u64().unwrap_or(0) > 0) {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "no frames stored before the outage: {sessions}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    pg.stop().expect("stop postgres");
    let down_at = tokio::time::Instant::now();
    // The writer notices on its next flush (within its connection timeout) and spools from then on.
    let mut health = Value::Null;
    for _ in 0..200 {
        health = get(&format!("{url}/api/health")).await;
        if health["db"]["available"] == false {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(health["status"], "degraded", "{health}");
    assert_eq!(health["db"]["available"], false, "{health}");
    // The outage lasts until two more seconds of the session have gone live (an event, however fast this runs).
    let live_t_s = |recent: &Value| recent["t_s"][0].as_f64();
    let t0 = live_t_s(&get(&format!("{url}/api/recent/1")).await).expect("a live session");
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while live_t_s(&get(&format!("{url}/api/recent/1")).await).is_none_or(|t| t < t0 + 2.0) {
        assert!(std::time::Instant::now() < deadline, "the session stopped going live during the outage");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    pg.restart().expect("start postgres again");
    let up_at = tokio::time::Instant::now();

    let (id, viewer) = streaming.await.expect("streaming task");
    let during_outage = viewer.received_at.iter().filter(|t| **t > down_at && **t < up_at).count();
    assert!(during_outage > 100, "viewers kept receiving while the database was down ({during_outage} frames)");
    assert_eq!(viewer.seqs.len() as u64, sim.frame_count());

    // Everything accepted reaches the database once it is back.
    let mut stored = 0;
    for _ in 0..100 {
        let session = get(&format!("{url}/api/sessions/{id}")).await;
        stored = session["frame_count"].as_u64().unwrap_or(0);
        if stored == sim.frame_count() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(stored, sim.frame_count());
    let laps = get(&format!("{url}/api/sessions/{id}/laps")).await;
    assert_laps_match_truth(laps.as_array().expect("laps"), &sim);
    let health = get(&format!("{url}/api/health")).await;
    assert_eq!(health["status"], "ok", "{health}");
    server.shutdown().await.expect("shutdown");
}

/// A free loopback port (bound, read, released).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn agent_buffers_while_the_server_is_away_and_across_a_restart() {
    let dir = tempfile::tempdir().expect("tempdir");
    let port = free_port();
    let mut cfg = config(dir.path(), None);
    cfg.listen = ([127, 0, 0, 1], port).into();
    let url = format!("http://127.0.0.1:{port}");
    let sim = simulation("Spa", 1, 60.0, 11);
    let frames: Vec<_> = sim.frames().collect();
    let third = frames.len() / 3;

    // No server yet: the agent takes frames and keeps retrying. The port is held by a listener that accepts and
    // hangs up (no WebSocket handshake), so the retries are events to wait for rather than a sleep to guess.
    let refuser = tokio::net::TcpListener::bind(("127.0.0.1", port)).await.expect("hold the port");
    let mut agent_cfg = AgentConfig::new(&url, sim.meta(0));
    agent_cfg.backoff_max = Duration::from_millis(200);
    let agent = Agent::spawn(agent_cfg).expect("agent");
    for f in &frames[..third] {
        agent.push(*f);
    }
    for attempt in 1..=3 {
        let (conn, _) = tokio::time::timeout(Duration::from_secs(10), refuser.accept())
            .await
            .unwrap_or_else(|_| panic!("the agent retried connecting (attempt {attempt})"))
            .expect("accept");
        drop(conn);
    }
    let stats = agent.stats();
    assert_eq!((stats.acked, stats.connected, stats.session_id), (0, false, None), "{stats:?}");
    drop(refuser);

    // The server comes up: the backlog goes out and is acknowledged.
    let server = RunningServer::start(cfg.clone()).await.expect("server starts");
    let mut watch = agent.watch();
    tokio::time::timeout(Duration::from_secs(20), watch.wait_for(|s| s.acked == third as u64))
        .await
        .expect("backlog acknowledged in time")
        .expect("agent alive");

    // The server restarts mid-stream; frames pushed meanwhile are kept and resent once, not twice.
    for f in &frames[third..2 * third] {
        agent.push(*f);
    }
    server.shutdown().await.expect("shutdown");
    for f in &frames[2 * third..] {
        agent.push(*f);
    }
    // The agent has seen the link drop before the server is back (an event, not a sleep).
    tokio::time::timeout(Duration::from_secs(10), watch.wait_for(|s| !s.connected))
        .await
        .expect("the agent noticed the server going away")
        .expect("agent alive");
    let server = RunningServer::start(cfg).await.expect("server restarts");
    let stats = agent.finish(Some(Duration::from_secs(30))).await.expect("everything delivered");
    assert_eq!(stats.acked, frames.len() as u64);
    assert!(stats.reconnects >= 1, "{stats:?}");
    let id = stats.session_id.expect("session id");
    let session = get(&format!("{url}/api/sessions/{id}")).await;
    assert_eq!(session["frame_count"].as_u64(), Some(frames.len() as u64), "every frame stored exactly once");
    let laps = get(&format!("{url}/api/sessions/{id}/laps")).await;
    assert_laps_match_truth(laps.as_array().expect("laps"), &sim);
    server.shutdown().await.expect("shutdown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn garbage_on_the_ingest_socket_is_refused_and_the_connection_survives() {
    use futures_util::SinkExt;
    let dir = tempfile::tempdir().expect("tempdir");
    let server = RunningServer::start(config(dir.path(), None)).await.expect("server starts");
    let ws_url = format!("{}/ws/ingest", server.url().replace("http://", "ws://"));
    let (mut ws, _) = tokio_tungstenite::connect_async(&ws_url).await.expect("connect");
    let next_text = async |ws: &mut tokio_tungstenite::WebSocketStream<_>| -> Value {
        loop {
            if let Message::Text(t) = ws.next().await.expect("message").expect("message") {
                return serde_json::from_str(&t).expect("json");
            }
        }
    };
    // Frames before hello, a hello for a session that does not exist's neighbour: bad JSON.
    ws.send(Message::Binary(vec![2, 0, 0].into())).await.expect("send");
    assert_eq!(next_text(&mut ws).await["type"], "error");
    ws.send(Message::Text("{not json".into())).await.expect("send");
    assert_eq!(next_text(&mut ws).await["type"], "error");
    ws.send(Message::Text(r#"{"type":"hello","meta":{"game":"sim","track":"Monza"}}"#.into())).await.expect("send");
    let welcome = next_text(&mut ws).await;
    assert_eq!(welcome["type"], "welcome", "{welcome}");
    let id = welcome["session_id"].as_i64().expect("id");
    for garbage in [vec![], vec![9u8; 40], vec![2, 1, 0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0, 1, 2, 3]] {
        ws.send(Message::Binary(garbage.into())).await.expect("send");
        let reply = next_text(&mut ws).await;
        assert_eq!(reply["type"], "error", "{reply}");
    }
    // Still accepted afterwards.
    let frames: Vec<_> =
        (0..10).map(|i| racecraft_core::Frame::new(i).with(racecraft_core::Channel::Speed, 1.0)).collect();
    let mut bytes = Vec::new();
    racecraft_codec::wire::encode_frames(&mut racecraft_codec::chunk::ChunkEncoder::new(), 0, &frames, &mut bytes);
    ws.send(Message::Binary(bytes.into())).await.expect("send");
    let ack = next_text(&mut ws).await;
    assert_eq!(ack, serde_json::json!({"type": "ack", "persisted_seq": 10}));
    let metrics = server.state().metrics().render();
    assert!(metrics.contains(r#"racecraft_ingest_rejected_total{reason="malformed_frames"} 3"#), "{metrics}");
    assert!(metrics.contains(r#"racecraft_ingest_rejected_total{reason="frames_before_hello"} 1"#), "{metrics}");
    let session = get(&format!("{}/api/sessions/{id}", server.url())).await;
    assert_eq!(session["frame_count"], 10);
    server.shutdown().await.expect("shutdown");
}

/// A viewer that closes gets the server's Close back (RFC 6455's closing handshake), on a live session and on a
/// finished one, and so does an agent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_viewer_or_agent_that_closes_gets_a_close_back() {
    use futures_util::SinkExt;
    let dir = tempfile::tempdir().expect("tempdir");
    let server = RunningServer::start(config(dir.path(), None)).await.expect("server starts");
    let url = server.url();
    let live = post(&format!("{url}/api/sessions"), r#"{"game":"sim"}"#).await["id"].as_i64().expect("id");
    let ended = post(&format!("{url}/api/sessions"), r#"{"game":"sim"}"#).await["id"].as_i64().expect("id");
    let agent = Agent::spawn(AgentConfig { session_id: Some(ended), ..AgentConfig::new(&url, Default::default()) })
        .expect("agent");
    agent.push(racecraft_core::Frame::new(0).with(racecraft_core::Channel::Speed, 1.0));
    agent.finish(Some(Duration::from_secs(30))).await.expect("the session ends");
    let ws = url.replace("http://", "ws://");
    for (path, hello) in [(format!("/ws/{live}"), true), (format!("/ws/{ended}"), true), ("/ws/ingest".into(), false)] {
        let (mut ws, _) = tokio_tungstenite::connect_async(format!("{ws}{path}")).await.expect("connects");
        if hello {
            assert!(matches!(ws.next().await, Some(Ok(Message::Text(_)))), "hello");
        }
        ws.send(Message::Close(None)).await.expect("close");
        let answered = tokio::time::timeout(Duration::from_secs(10), async {
            while let Some(msg) = ws.next().await {
                if let Ok(Message::Close(_)) = msg {
                    return true;
                }
                if let Err(e) = msg {
                    eprintln!("{path}: {e}");
                    return false;
                }
            }
            false
        })
        .await
        .expect("the server answers or hangs up");
        assert!(answered, "{path}: the connection ended without the server's Close");
    }
    server.shutdown().await.expect("shutdown");
}
