//! The server as a separate process under abuse: killed with SIGKILL mid-lap, and fed hostile bodies, with
//! what it stored and the memory it took checked from outside.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use racecraft_server::{RunningServer, ServerConfig};
use racecraft_sim::{SimConfig, Simulation, Track};
use racecraft_uplink::{Agent, AgentConfig};
use serde_json::Value;

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port()
}

/// `racecraft serve` on `port` over `data_dir`, once its health endpoint answers.
async fn serve(port: u16, data_dir: &Path) -> Child {
    let mut child = Command::new(env!("CARGO_BIN_EXE_racecraft"))
        .args(["serve", "--listen", &format!("127.0.0.1:{port}"), "--data-dir"])
        .arg(data_dir)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .spawn()
        .expect("server starts");
    let url = format!("http://127.0.0.1:{port}/api/health");
    let client = reqwest::Client::new();
    for _ in 0..300 {
        if client.get(&url).send().await.is_ok_and(|r| r.status().is_success()) {
            return child;
        }
        assert!(child.try_wait().expect("wait").is_none(), "the server exited before answering");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let _ = child.kill();
    panic!("the server did not answer {url}");
}

async fn get(url: &str) -> Value {
    reqwest::get(url).await.expect("GET").json().await.expect("JSON")
}

/// Peak resident memory of a process, bytes.
fn peak_rss_bytes(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("/proc status");
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).expect("VmHWM");
    line.split_whitespace().nth(1).and_then(|kb| kb.parse::<u64>().ok()).expect("kB") * 1024
}

/// The lap rows of a session, without the database ids that differ between runs.
async fn lap_rows(url: &str, id: i64) -> Vec<Value> {
    let laps = get(&format!("{url}/api/sessions/{id}/laps")).await;
    laps.as_array()
        .expect("laps")
        .iter()
        .map(|l| {
            let mut l = l.clone();
            let m = l.as_object_mut().expect("object");
            m.remove("id");
            m.remove("session_id");
            l
        })
        .collect()
}

fn simulation() -> Simulation {
    let track = Track::builtin("Norisring").expect("track");
    Simulation::new(track, SimConfig { laps: 3, rate_hz: 60.0, seed: 21, ..SimConfig::default() }).expect("sim")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_killed_mid_lap_stores_the_same_laps_as_an_uninterrupted_run() {
    let sim = simulation();
    let frames: Vec<_> = sim.frames().collect();
    let per_lap = frames.len() / 3;

    // The uninterrupted run.
    let dir = tempfile::tempdir().expect("tempdir");
    let reference = RunningServer::start(ServerConfig::new(([127, 0, 0, 1], 0).into(), dir.path().join("ref")))
        .await
        .expect("reference server");
    let agent = Agent::spawn(AgentConfig::new(reference.url(), sim.meta(0))).expect("agent");
    for f in &frames {
        agent.push(*f);
    }
    let stats = agent.finish(Some(Duration::from_secs(60))).await.expect("delivered");
    let expected = lap_rows(&reference.url(), stats.session_id.expect("id")).await;
    reference.shutdown().await.expect("shutdown");
    assert!(expected.len() >= 2, "the reference run has laps: {expected:?}");

    // The same session into a server process that is killed in the middle of lap 2.
    let port = free_port();
    let url = format!("http://127.0.0.1:{port}");
    let data = dir.path().join("killed");
    let mut server = serve(port, &data).await;
    let mut cfg = AgentConfig::new(&url, sim.meta(0));
    cfg.backoff_max = Duration::from_millis(200);
    let agent = Agent::spawn(cfg).expect("agent");
    let cut = per_lap + per_lap / 2;
    for f in &frames[..cut] {
        agent.push(*f);
    }
    // Killed once most of it is stored, with a lap completed and the next one half done.
    let mut watch = agent.watch();
    tokio::time::timeout(Duration::from_secs(60), watch.wait_for(|s| s.acked >= (cut - 30) as u64))
        .await
        .expect("acknowledged in time")
        .expect("agent alive");
    server.kill().expect("SIGKILL");
    server.wait().expect("reaped");
    for f in &frames[cut..] {
        agent.push(*f);
    }
    let mut server = serve(port, &data).await;
    let stats = agent.finish(Some(Duration::from_secs(60))).await.expect("everything delivered after the restart");
    assert!(stats.reconnects >= 1, "{stats:?}");
    let id = stats.session_id.expect("id");
    let session = get(&format!("{url}/api/sessions/{id}")).await;
    assert_eq!(session["frame_count"].as_u64(), Some(frames.len() as u64), "every frame stored once");
    let got = lap_rows(&url, id).await;
    server.kill().expect("stop");
    server.wait().expect("reaped");
    assert_eq!(got, expected, "lap rows after a kill -9 and restart equal the uninterrupted run's");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_json_bodies_are_refused_without_ballooning_the_server() {
    let dir = tempfile::tempdir().expect("tempdir");
    let port = free_port();
    let url = format!("http://127.0.0.1:{port}");
    let mut server = serve(port, dir.path()).await;
    let idle = peak_rss_bytes(server.id());

    // Just under the 4 MiB body limit: a million empty objects, and a few hundred thousand one-channel points.
    let limit = 4 << 20;
    let mut empty = String::from("[");
    while empty.len() < limit - 8 {
        empty.push_str("{},");
    }
    empty.pop();
    empty.push(']');
    let mut tiny = String::from("[");
    while tiny.len() < limit - 16 {
        tiny.push_str(r#"{"rpm":1},"#);
    }
    tiny.pop();
    tiny.push(']');
    let client = reqwest::Client::new();
    let mut requests = Vec::new();
    for i in 0..8 {
        let body = if i % 2 == 0 { empty.clone() } else { tiny.clone() };
        let path = if i % 4 < 2 { "/api/ingest" } else { "/ingest?session_id=1" };
        let request = client.post(format!("{url}{path}")).header("content-type", "application/json").body(body).send();
        requests.push(tokio::spawn(async move {
            let response = request.await.expect("answered");
            (response.status().as_u16(), response.json::<Value>().await.expect("JSON error body"))
        }));
    }
    for request in requests {
        let (status, body) = request.await.expect("task");
        assert!((400..500).contains(&status), "{status}: {body}");
        assert!(body["error"].as_str().is_some_and(|e| !e.is_empty()), "{body}");
    }
    let peak = peak_rss_bytes(server.id());
    // 8 bodies of 4 MiB are 32 MiB; before the fix these took the server to 1.7 GB.
    let growth = peak.saturating_sub(idle);
    assert!(growth < 160 << 20, "peak {} MB after {} MB idle", peak >> 20, idle >> 20);
    // And it still works.
    let ok = client
        .post(format!("{url}/api/ingest"))
        .header("content-type", "application/json")
        .body(r#"{"track":"Monza","rpm":5000}"#)
        .send()
        .await
        .expect("answered");
    assert_eq!(ok.status().as_u16(), 200);
    server.kill().expect("stop");
    server.wait().expect("reaped");
}

/// Resident memory of a process now, bytes.
fn rss_bytes(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("/proc status");
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).expect("VmRSS");
    line.split_whitespace().nth(1).and_then(|kb| kb.parse::<u64>().ok()).expect("kB") * 1024
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn finished_and_deleted_sessions_give_their_memory_back() {
    let dir = tempfile::tempdir().expect("tempdir");
    let port = free_port();
    let url = format!("http://127.0.0.1:{port}");
    let mut server = serve(port, dir.path()).await;
    let track = Track::builtin("Norisring").expect("track");
    let sim =
        Simulation::new(track, SimConfig { laps: 1, rate_hz: 60.0, seed: 3, ..SimConfig::default() }).expect("sim");
    let frames: Vec<_> = sim.frames().take(600).collect();
    let mut ids = Vec::new();
    // Sessions in waves of ten at once: each waits about a second for the server's flush to acknowledge it.
    let run = async |n: usize, ids: &mut Vec<i64>| {
        for _ in 0..n / 10 {
            let mut agents = Vec::new();
            for _ in 0..10 {
                let agent = Agent::spawn(AgentConfig::new(&url, sim.meta(0))).expect("agent");
                for f in &frames {
                    agent.push(*f);
                }
                agents.push(agent);
            }
            for agent in agents {
                let stats = agent.finish(Some(Duration::from_secs(30))).await.expect("delivered");
                ids.push(stats.session_id.expect("id"));
            }
        }
    };
    // Warm up: allocator arenas, the database's caches, the analysis of ended sessions.
    run(10, &mut ids).await;
    let warm = rss_bytes(server.id());
    run(100, &mut ids).await;
    let after = rss_bytes(server.id());
    let client = reqwest::Client::new();
    for id in &ids {
        let r = client.delete(format!("{url}/api/sessions/{id}")).send().await.expect("DELETE");
        assert_eq!(r.status().as_u16(), 204);
    }
    let deleted = rss_bytes(server.id());
    eprintln!(
        "server RSS: {} MB warm, {} MB after 100 sessions, {} MB after deleting them",
        warm >> 20,
        after >> 20,
        deleted >> 20
    );
    let health = get(&format!("{url}/api/health")).await;
    server.kill().expect("stop");
    server.wait().expect("reaped");
    assert_eq!(health["live_sessions"], 0, "{health}");
    // Before the fix every ended session kept about 0.8 MB: 100 of them added ~80 MB.
    let growth = after.saturating_sub(warm);
    assert!(
        growth < 16 << 20,
        "100 finished sessions grew the server by {} MB ({} → {} MB)",
        growth >> 20,
        warm >> 20,
        after >> 20
    );
    assert!(deleted <= after + (8 << 20), "deleting them grew it: {} → {} MB", after >> 20, deleted >> 20);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_viewers_join_a_live_session_at_once() {
    use futures_util::StreamExt;
    let dir = tempfile::tempdir().expect("tempdir");
    let port = free_port();
    let url = format!("http://127.0.0.1:{port}");
    let mut server = serve(port, dir.path()).await;
    // A car streaming, so storage writes compete with the joins.
    let sim = simulation();
    let agent = Agent::spawn(AgentConfig::new(&url, sim.meta(0))).expect("agent");
    let mut frames = sim.frames().collect::<Vec<_>>().into_iter();
    for f in frames.by_ref().take(600) {
        agent.push(f);
    }
    let id = agent.session_id().await.expect("session");
    let feeder = tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_millis(5));
        for f in frames {
            tick.tick().await;
            agent.push(f);
        }
        agent
    });

    let ws_url = format!("ws://127.0.0.1:{port}/ws/{id}?format=binary");
    let joins = (0..1000).map(|_| {
        let ws_url = ws_url.clone();
        tokio::spawn(async move {
            let (mut ws, _) = tokio_tungstenite::connect_async(&ws_url).await.map_err(|e| e.to_string())?;
            let hello = ws.next().await.ok_or("closed before hello")?.map_err(|e| e.to_string())?;
            let hello: Value =
                serde_json::from_str(hello.to_text().map_err(|e| e.to_string())?).map_err(|e| e.to_string())?;
            Ok::<_, String>((hello, ws))
        })
    });
    let results = futures_util::future::join_all(joins).await;
    let mut sockets = Vec::new();
    let mut failures = Vec::new();
    for r in results {
        match r.expect("task") {
            Ok((hello, ws)) if hello["type"] == "hello" && hello["session"]["id"] == id => sockets.push(ws),
            Ok((hello, _)) => failures.push(format!("unexpected first message {hello}")),
            Err(e) => failures.push(e),
        }
    }
    assert!(failures.is_empty(), "{} of 1000 viewers failed to join, e.g. {:?}", failures.len(), failures.first());
    assert_eq!(sockets.len(), 1000);
    let metrics = reqwest::get(format!("{url}/metrics")).await.expect("metrics").text().await.expect("text");
    assert!(metrics.contains("racecraft_ws_viewers 1000"), "{metrics}");
    drop(sockets);
    feeder.abort();
    server.kill().expect("stop");
    server.wait().expect("reaped");
}
