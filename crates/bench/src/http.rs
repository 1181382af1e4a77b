//! Ingest throughput with the server on a one-worker runtime (one core), load from the caller's runtime.

use std::time::{Duration, Instant};

use racecraft_core::{Frame, SessionMeta};
use racecraft_uplink::{Agent, AgentConfig};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::{Error, Result, Scale, temp_server_as};

/// A server runtime with one worker thread, kept alive as long as the value.
struct OneCore {
    rt: Option<tokio::runtime::Runtime>,
}

impl OneCore {
    fn new() -> Result<OneCore> {
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build()?;
        Ok(OneCore { rt: Some(rt) })
    }

    fn spawn<F: std::future::Future + Send + 'static>(&self, f: F) -> tokio::task::JoinHandle<F::Output>
    where
        F::Output: Send + 'static,
    {
        self.rt.as_ref().expect("runtime lives until drop").spawn(f)
    }
}

impl Drop for OneCore {
    fn drop(&mut self) {
        // Dropped from async code, where a blocking runtime shutdown is not allowed.
        if let Some(rt) = self.rt.take() {
            rt.shutdown_background();
        }
    }
}

/// Frames per second through the agent's binary WebSocket stream, counted when the server has accepted them.
pub async fn ingest_binary(scale: Scale) -> Result<f64> {
    ingest_binary_as(scale, false).await
}

/// [`ingest_binary`], against a team server with the agent holding a token when `team`.
pub async fn ingest_binary_as(scale: Scale, team: bool) -> Result<f64> {
    let n = scale.pick(1_000_000, 2_000);
    let core = OneCore::new()?;
    let (server, dir, access) =
        core.spawn(temp_server_as(racecraft_server::Limits::default(), team)).await.map_err(join)??;
    let sim = racecraft_sim::Simulation::new(
        racecraft_sim::Track::builtin("Monza")?,
        racecraft_sim::SimConfig { laps: 1, rate_hz: 333.0, ..Default::default() },
    )?;
    let samples: Vec<Frame> = sim.frames().collect();
    let meta = SessionMeta { game: "bench".into(), ..SessionMeta::default() };
    let config = AgentConfig { token: access.map(|a| a.token), ..AgentConfig::new(server.url(), meta) };
    let agent = Agent::spawn(config).map_err(|e| Error::Failed(e.to_string()))?;
    let state = server.state().clone();
    let received = || state.metrics().frames_received.get_or_create(&[("transport", "ws")]).get();
    let start = Instant::now();
    for (i, f) in samples.iter().cycle().take(n).enumerate() {
        let mut f = *f;
        f.t_us = i as i64 * 3003;
        agent.push(f);
    }
    while received() < n as u64 {
        if start.elapsed() > Duration::from_secs(120) {
            return Err(Error::Failed(format!("only {} of {n} frames arrived", received())));
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    let rate = n as f64 / start.elapsed().as_secs_f64();
    let _ = agent.finish(Some(Duration::from_secs(30))).await;
    core.spawn(server.shutdown()).await.map_err(join)??;
    drop(dir);
    Ok(rate)
}

/// The one-point JSON body of the ingest benchmarks.
const INGEST_BODY: &[u8] = br#"{"session_id":1,"lap":1,"lapdist_m":120.5,"speed_kmh":144.2,"accx_can":0.21,"accy_can":-1.13,"Steering_Angle":-42.5,"pbrake_f":12.5,"rpm":6120,"gear":4}"#;

/// Requests (= frames) per second of one-point JSON posts to `/api/ingest` over `connections` keep-alive
/// connections.
pub async fn ingest_json(scale: Scale, connections: usize) -> Result<f64> {
    ingest_json_as(scale, connections, false).await
}

/// [`ingest_json`], against a team server with every request carrying an agent token when `team`.
pub async fn ingest_json_as(scale: Scale, connections: usize, team: bool) -> Result<f64> {
    let core = OneCore::new()?;
    let (server, dir, access) =
        core.spawn(temp_server_as(racecraft_server::Limits::default(), team)).await.map_err(join)??;
    let headers = access.map(|a| format!("Authorization: Bearer {}\r\n", a.token)).unwrap_or_default();
    let body = INGEST_BODY;
    // Session 1 must exist.
    let created = post(&server.url(), "/api/sessions", br#"{"game":"bench"}"#, 1, &headers).await?;
    if created == 0.0 {
        return Err(Error::Failed("could not create the session".into()));
    }
    let requests = scale.pick(60_000, 300);
    let rate = post(&server.url(), "/api/ingest", body, requests.div_ceil(connections) * connections, &headers).await?;
    core.spawn(server.shutdown()).await.map_err(join)??;
    drop(dir);
    Ok(rate)
}

/// The same load against a handler that does nothing (`POST /` → 204) on the same framework and runtime.
pub async fn hello_world_http(scale: Scale, connections: usize) -> Result<f64> {
    let core = OneCore::new()?;
    let listener = core.spawn(tokio::net::TcpListener::bind("127.0.0.1:0")).await.map_err(join)??;
    let addr = listener.local_addr()?;
    let app = axum::Router::new().route("/", axum::routing::post(|| async { axum::http::StatusCode::NO_CONTENT }));
    let server = core.spawn(async move { axum::serve(listener, app).await });
    let requests = scale.pick(60_000, 300);
    let rate = load(addr, "/", b"{}", requests.div_ceil(connections) * connections, connections, "").await?;
    server.abort();
    Ok(rate)
}

async fn post(url: &str, path: &str, body: &[u8], requests: usize, headers: &str) -> Result<f64> {
    let addr: std::net::SocketAddr =
        url.trim_start_matches("http://").parse().map_err(|e| Error::Failed(format!("{e}")))?;
    let connections = if requests >= 32 { 32 } else { 1 };
    load(addr, path, body, requests, connections, headers).await
}

/// Sends `requests` POSTs split over `connections` keep-alive connections, each with the extra `headers`
/// (CRLF-terminated lines); returns requests per second.
async fn load(
    addr: std::net::SocketAddr,
    path: &str,
    body: &[u8],
    requests: usize,
    connections: usize,
    headers: &str,
) -> Result<f64> {
    let req = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\n{headers}Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    let mut bytes = req.into_bytes();
    bytes.extend_from_slice(body);
    let per = requests / connections.max(1);
    let start = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..connections.max(1) {
        let bytes = bytes.clone();
        tasks.push(tokio::spawn(async move {
            let mut s = tokio::net::TcpStream::connect(addr).await?;
            s.set_nodelay(true)?;
            let mut buf = vec![0u8; 4096];
            for _ in 0..per {
                s.write_all(&bytes).await?;
                read_response(&mut s, &mut buf).await?;
            }
            Ok::<_, Error>(())
        }));
    }
    for t in tasks {
        t.await.map_err(join)??;
    }
    Ok((per * connections.max(1)) as f64 / start.elapsed().as_secs_f64())
}

/// Reads one HTTP/1.1 response with a Content-Length body; fails on any status other than 2xx.
async fn read_response(s: &mut tokio::net::TcpStream, buf: &mut Vec<u8>) -> Result<()> {
    let mut have = 0;
    loop {
        if have == buf.len() {
            buf.resize(buf.len() * 2, 0);
        }
        let n = s.read(&mut buf[have..]).await?;
        if n == 0 {
            return Err(Error::Failed("connection closed mid-response".into()));
        }
        have += n;
        if let Some(end) = buf[..have].windows(4).position(|w| w == b"\r\n\r\n") {
            let head = std::str::from_utf8(&buf[..end]).map_err(|e| Error::Failed(e.to_string()))?;
            if !head.starts_with("HTTP/1.1 2") {
                return Err(Error::Failed(format!("unexpected response: {}", head.lines().next().unwrap_or(""))));
            }
            let len = head
                .lines()
                .find_map(|l| l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().to_string()))
                .and_then(|v| v.parse::<usize>().ok())
                .unwrap_or(0);
            let mut body_have = have - end - 4;
            while body_have < len {
                let n = s.read(&mut buf[..]).await?;
                if n == 0 {
                    return Err(Error::Failed("connection closed mid-body".into()));
                }
                body_have += n;
            }
            return Ok(());
        }
    }
}

fn join(e: tokio::task::JoinError) -> Error {
    Error::Failed(e.to_string())
}

/// The Node reference server's script, embedded so an installed binary carries it.
const NODE_INGEST_REF: &str = include_str!("../node/ingest_ref.mjs");

/// The same JSON load as [`ingest_json`] against a minimal Node `http` server (`node/ingest_ref.mjs`) that
/// parses the body and answers as `/api/ingest` does; Node runs one thread, so one core. `Ok(None)` when
/// `node` is not installed.
pub async fn ingest_json_node(scale: Scale, connections: usize) -> Result<Option<f64>> {
    use tokio::io::AsyncBufReadExt;
    let dir = tempfile::tempdir()?;
    let script = dir.path().join("ingest_ref.mjs");
    std::fs::write(&script, NODE_INGEST_REF)?;
    let child = tokio::process::Command::new("node")
        .arg(&script)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn();
    let mut child = match child {
        Ok(c) => c,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    let stdout = child.stdout.take().ok_or_else(|| Error::Failed("node: no stdout".into()))?;
    let mut line = String::new();
    let mut stdout = tokio::io::BufReader::new(stdout);
    tokio::time::timeout(Duration::from_secs(10), stdout.read_line(&mut line))
        .await
        .map_err(|_| Error::Failed("node did not report its port".into()))??;
    let port: u16 = line.trim().parse().map_err(|e| Error::Failed(format!("node printed `{}`: {e}", line.trim())))?;
    let body = INGEST_BODY;
    let requests = scale.pick(60_000, 300);
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    let rate = load(addr, "/api/ingest", body, requests.div_ceil(connections) * connections, connections, "").await?;
    let _ = child.kill().await;
    Ok(Some(rate))
}
