//! Live latency: the time from a frame entering the agent to a viewer holding it, over loopback.

use std::time::{Duration, Instant};

use futures_util::StreamExt;
use racecraft_core::Frame;
use serde::Serialize;
use tokio_tungstenite::tungstenite::Message;

use crate::{Error, Result, Scale, percentile, temp_server_as};

/// Latency percentiles over every delivery to every viewer.
#[derive(Debug, Clone, Serialize)]
pub struct LatencyReport {
    /// Viewers connected.
    pub viewers: usize,
    /// Frames per second sent.
    pub rate_hz: f64,
    /// Frames sent in the measured window.
    pub frames: usize,
    /// Deliveries received (frames × viewers when nothing is lost).
    pub deliveries: usize,
    /// Deliveries that never arrived.
    pub lost: usize,
    /// Median, µs.
    pub p50_us: f64,
    /// 99th percentile, µs.
    pub p99_us: f64,
    /// 99.9th percentile, µs.
    pub p999_us: f64,
    /// Deliveries per second, from the first send until every viewer has its frames.
    pub deliveries_per_s: f64,
    /// Worst, µs.
    pub max_us: f64,
}

/// Streams frames at `rate_hz` through a real agent and server to `viewers` binary WebSocket viewers (each
/// its own connection, on a runtime of their own) and measures every delivery. The frame's `t_us` carries
/// the moment it was pushed, on a clock the viewers share.
///
/// With `server_exe`, the server is that binary's `serve` in a process of its own (as deployed), optionally
/// pinned to the given cores; without, it runs in this process.
pub async fn live_latency(
    viewers: usize,
    rate_hz: f64,
    scale: Scale,
    server_exe: Option<(&std::path::Path, Option<&str>)>,
) -> Result<LatencyReport> {
    live_latency_with(viewers, rate_hz, scale, server_exe, false).await
}

/// [`live_latency`] with the server in this process, in team mode when `team`: the agent streams with a
/// token and every viewer signs in with a login cookie.
pub async fn live_latency_as(viewers: usize, rate_hz: f64, scale: Scale, team: bool) -> Result<LatencyReport> {
    live_latency_with(viewers, rate_hz, scale, None, team).await
}

async fn live_latency_with(
    viewers: usize,
    rate_hz: f64,
    scale: Scale,
    server_exe: Option<(&std::path::Path, Option<&str>)>,
    team: bool,
) -> Result<LatencyReport> {
    // Five seconds per run keeps the eight B4 runs within a minute; p99.9 still rests on ≥ 300 samples.
    let frames = scale.pick((rate_hz * 5.0) as usize, 20);
    let mut access = None;
    let (server, process) = match server_exe {
        Some((exe, cpus)) => (None, Some(crate::ServerProcess::start(exe, cpus).await?)),
        None => {
            let (server, dir, team_access) = temp_server_as(racecraft_server::Limits::default(), team).await?;
            access = team_access;
            (Some((server, dir)), None)
        }
    };
    let url = match (&server, &process) {
        (Some((s, _)), _) => s.url(),
        (_, Some(p)) => p.url(),
        _ => unreachable!("one of the two is set"),
    };
    let (agent, session_id) = crate::bench_agent_as(&url, access.as_ref().map(|a| a.token.as_str())).await?;
    let cookie = access.map(|a| a.cookie);
    let origin = Instant::now();
    let ws_url = format!("{}/ws/{session_id}?format=binary", url.replace("http://", "ws://"));

    // Viewers on their own thread and runtime, so their work does not sit in the server's scheduler queue.
    let (ready_tx, mut ready_rx) = tokio::sync::mpsc::channel(viewers.max(1));
    let viewer_thread = std::thread::spawn(move || -> Result<(Vec<f64>, usize)> {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
        rt.block_on(async move {
            let mut tasks = Vec::new();
            for _ in 0..viewers {
                let mut request =
                    tokio_tungstenite::tungstenite::client::IntoClientRequest::into_client_request(ws_url.as_str())
                        .map_err(|e| Error::Failed(format!("viewer request: {e}")))?;
                if let Some(cookie) = &cookie {
                    let value = cookie.parse().map_err(|_| Error::Failed("cookie header".into()))?;
                    request.headers_mut().insert("cookie", value);
                }
                let (ws, _) = tokio_tungstenite::connect_async(request)
                    .await
                    .map_err(|e| Error::Failed(format!("viewer connect: {e}")))?;
                let ready = ready_tx.clone();
                tasks.push(tokio::spawn(async move {
                    let (_, mut rx) = ws.split();
                    let _ = ready.send(()).await;
                    let mut lat = Vec::with_capacity(frames);
                    let deadline = tokio::time::sleep(Duration::from_secs_f64(frames as f64 / rate_hz + 5.0));
                    tokio::pin!(deadline);
                    while lat.len() < frames {
                        tokio::select! {
                            () = &mut deadline => break,
                            msg = rx.next() => match msg {
                                Some(Ok(Message::Binary(b))) => {
                                    let now_us = origin.elapsed().as_secs_f64() * 1e6;
                                    if let Ok((_, f)) = racecraft_codec::wire::decode_telemetry(&b) {
                                        lat.push(now_us - f.t_us as f64);
                                    }
                                }
                                Some(Ok(_)) => {}
                                _ => break,
                            },
                        }
                    }
                    lat
                }));
            }
            drop(ready_tx);
            let mut all = Vec::new();
            let mut lost = 0;
            for t in tasks {
                let lat = t.await.map_err(|e| Error::Failed(e.to_string()))?;
                lost += frames - lat.len();
                all.extend(lat);
            }
            Ok((all, lost))
        })
    });
    for _ in 0..viewers {
        ready_rx.recv().await.ok_or_else(|| Error::Failed("a viewer failed to connect".into()))?;
    }
    // Let the hellos settle before the clock starts.
    tokio::time::sleep(Duration::from_millis(200)).await;

    let sim = racecraft_sim::Simulation::new(
        racecraft_sim::Track::builtin("Monza")?,
        racecraft_sim::SimConfig { laps: 1, rate_hz: rate_hz.clamp(60.0, 333.0), ..Default::default() },
    )?;
    let samples: Vec<Frame> = sim.frames().collect();
    let period = Duration::from_secs_f64(1.0 / rate_hz);
    let start = tokio::time::Instant::now();
    for (i, sample) in samples.iter().cycle().take(frames).enumerate() {
        tokio::time::sleep_until(start + period * i as u32).await;
        let mut f: Frame = *sample;
        f.t_us = origin.elapsed().as_micros() as i64;
        agent.push(f);
    }
    let (mut lat, lost) = tokio::task::spawn_blocking(move || viewer_thread.join())
        .await
        .map_err(|e| Error::Failed(e.to_string()))?
        .map_err(|_| Error::Failed("viewer thread panicked".into()))??;
    // From the first send to the last viewer done: when viewers fall behind, deliveries take longer than sending.
    let window_s = start.elapsed().as_secs_f64();
    let _ = agent.finish(Some(Duration::from_secs(10))).await;
    if let Some((server, _dir)) = server {
        server.shutdown().await?;
    }
    drop(process);
    lat.sort_by(f64::total_cmp);
    Ok(LatencyReport {
        viewers,
        rate_hz,
        frames,
        deliveries: lat.len(),
        lost,
        p50_us: percentile(&lat, 50.0),
        p99_us: percentile(&lat, 99.0),
        p999_us: percentile(&lat, 99.9),
        deliveries_per_s: lat.len() as f64 / window_s,
        max_us: lat.last().copied().unwrap_or(f64::NAN),
    })
}

/// Loopback TCP round trip (64 bytes, `TCP_NODELAY`), p50 and p99 in µs: the floor under every latency here.
pub fn loopback_rtt(scale: Scale) -> Result<(f64, f64)> {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    let n = scale.pick(20_000, 200);
    let echo = std::thread::spawn(move || -> std::io::Result<()> {
        let (mut s, _) = listener.accept()?;
        s.set_nodelay(true)?;
        let mut buf = [0u8; 64];
        for _ in 0..n {
            s.read_exact(&mut buf)?;
            s.write_all(&buf)?;
        }
        Ok(())
    });
    let mut c = std::net::TcpStream::connect(addr)?;
    c.set_nodelay(true)?;
    let mut buf = [7u8; 64];
    let mut rtt = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        c.write_all(&buf)?;
        c.read_exact(&mut buf)?;
        rtt.push(t.elapsed().as_secs_f64() * 1e6);
    }
    echo.join().map_err(|_| Error::Failed("echo thread panicked".into()))??;
    rtt.sort_by(f64::total_cmp);
    Ok((percentile(&rtt, 50.0), percentile(&rtt, 99.0)))
}
