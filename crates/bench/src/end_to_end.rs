//! B5, end to end: an emulated Assetto Corsa sending UDP remote telemetry at 333 Hz → a real
//! `racecraft capture --game ac-udp` process → a real `racecraft serve` process → a WebSocket viewer, all on
//! loopback. Latency is the viewer's receive time minus the emulator's send time of the same frame, matched
//! by a unique engine rpm the benchmark writes into each measured frame; frames lost = published − received.

use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use racecraft_core::{Channel, Frame};
use racecraft_emulator::ac_udp::AcUdpServer;
use serde::Serialize;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_tungstenite::tungstenite::Message;

use crate::{Error, Result, Scale, ServerProcess, percentile};

/// The rpm of measured frame `i` is `RPM_BASE + i`; warm-up frames run below it.
const RPM_BASE: f32 = 20_000.0;

/// B5 figures.
#[derive(Debug, Clone, Serialize)]
pub struct EndToEndReport {
    /// Frames per second the emulated game sent.
    pub rate_hz: f64,
    /// Measured frames published by the game.
    pub published: usize,
    /// Of them, received by the viewer.
    pub received: usize,
    /// `published − received`.
    pub lost: usize,
    /// Median latency, µs.
    pub p50_us: f64,
    /// 99th percentile, µs.
    pub p99_us: f64,
    /// 99.9th percentile, µs.
    pub p999_us: f64,
    /// Worst, µs.
    pub max_us: f64,
}

/// Kills the child on drop.
struct Process(std::process::Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn failed(e: impl std::fmt::Display) -> Error {
    Error::Failed(e.to_string())
}

/// The id of the live session on the server at `port`, if there is one yet.
async fn live_session(port: u16) -> Result<Option<i64>> {
    let mut s = tokio::net::TcpStream::connect(("127.0.0.1", port)).await?;
    s.write_all(b"GET /api/sessions HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n").await?;
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).await?;
    let text = String::from_utf8_lossy(&buf);
    let Some((_, body)) = text.split_once("\r\n\r\n") else { return Ok(None) };
    let Ok(v) = serde_json::from_str::<serde_json::Value>(body.trim()) else { return Ok(None) };
    Ok(v.as_array().into_iter().flatten().filter(|s| s["live"] == true).filter_map(|s| s["id"].as_i64()).max())
}

/// Runs B5 with the binary at `exe` for the server and the capture agent (10 s of measured frames; 0.3 s at
/// smoke scale). `server_cpus` pins the server as in [`crate::live_latency`].
pub async fn end_to_end(exe: &Path, server_cpus: Option<&str>, scale: Scale) -> Result<EndToEndReport> {
    let rate_hz = 333.0;
    let n = scale.pick(3330, 100);
    let server = ServerProcess::start(exe, server_cpus).await?;
    let sim = racecraft_sim::Simulation::new(
        racecraft_sim::Track::builtin("Monza")?,
        racecraft_sim::SimConfig { laps: 1, rate_hz, ..Default::default() },
    )?;
    let meta = sim.meta(0);
    let samples: Vec<Frame> = sim.frames().collect();
    let mut game = AcUdpServer::bind("127.0.0.1:0", meta).map_err(failed)?;
    let game_port = game.local_addr().map_err(failed)?.port();
    let capture = Process(
        Command::new(exe)
            .args(["capture", "--game", "ac-udp", "--host", "127.0.0.1", "--port", &game_port.to_string()])
            .args(["--server", &server.url()])
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?,
    );

    // The game: warm-up frames until told to go, then `n` measured frames, each stamped when sent.
    let origin = Instant::now();
    let go = Arc::new(AtomicBool::new(false));
    let stop = Arc::new(AtomicBool::new(false));
    let (go_game, stop_game) = (Arc::clone(&go), Arc::clone(&stop));
    let period = Duration::from_secs_f64(1.0 / rate_hz);
    let game_thread = std::thread::spawn(move || -> Result<Vec<f64>> {
        let mut sent = Vec::with_capacity(n);
        let start = Instant::now();
        let mut step = 0u32;
        while sent.len() < n && !stop_game.load(Ordering::Relaxed) {
            let due = start + period * step;
            if let Some(wait) = due.checked_duration_since(Instant::now()) {
                std::thread::sleep(wait);
            }
            let mut f = samples[step as usize % samples.len()];
            f.t_us = i64::from(step) * 3003;
            if go_game.load(Ordering::Relaxed) {
                f.set(Channel::Rpm, RPM_BASE + sent.len() as f32);
                sent.push(origin.elapsed().as_secs_f64() * 1e6);
            } else {
                f.set(Channel::Rpm, 5_000.0);
            }
            game.publish(&f).map_err(failed)?;
            step += 1;
        }
        Ok(sent)
    });

    let ready = async {
        let started = Instant::now();
        loop {
            if let Some(id) = live_session(server_port(&server)).await? {
                return Ok::<_, Error>(id);
            }
            if started.elapsed() > Duration::from_secs(20) {
                return Err(failed("no live session after 20 s: the capture agent did not connect"));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    };
    let result = async {
        let id = ready.await?;
        let ws_url = format!("ws://127.0.0.1:{}/ws/{id}?format=binary", server_port(&server));
        let (ws, _) = tokio_tungstenite::connect_async(&ws_url).await.map_err(|e| failed(format!("viewer: {e}")))?;
        let (_, mut rx) = ws.split();
        let mut received = vec![f64::NAN; n];
        let mut warm = false;
        let deadline = tokio::time::sleep(Duration::from_secs_f64(n as f64 / rate_hz + 10.0));
        tokio::pin!(deadline);
        let mut got = 0;
        while got < n {
            tokio::select! {
                () = &mut deadline => break,
                msg = rx.next() => match msg {
                    Some(Ok(Message::Binary(b))) => {
                        let now = origin.elapsed().as_secs_f64() * 1e6;
                        let Ok((_, f)) = racecraft_codec::wire::decode_telemetry(&b) else { continue };
                        let rpm = f.get(Channel::Rpm).unwrap_or(0.0);
                        if rpm >= RPM_BASE {
                            let i = (rpm - RPM_BASE) as usize;
                            if i < n && received[i].is_nan() {
                                received[i] = now;
                                got += 1;
                            }
                        } else if !warm {
                            // Warm-up frames flow end to end: start the measured ones.
                            warm = true;
                            go.store(true, Ordering::Relaxed);
                        }
                    }
                    Some(Ok(_)) => {}
                    _ => break,
                },
            }
        }
        Ok::<_, Error>(received)
    }
    .await;
    stop.store(true, Ordering::Relaxed);
    let sent = tokio::task::spawn_blocking(move || game_thread.join())
        .await
        .map_err(failed)?
        .map_err(|_| failed("the emulated game panicked"))??;
    drop(capture);
    drop(server);
    let received = result?;
    if sent.is_empty() {
        return Err(failed("the game never published a measured frame: no warm-up frame reached the viewer"));
    }
    let mut lat: Vec<f64> = sent.iter().zip(&received).filter(|(_, r)| !r.is_nan()).map(|(s, r)| r - s).collect();
    lat.sort_by(f64::total_cmp);
    Ok(EndToEndReport {
        rate_hz,
        published: sent.len(),
        received: lat.len(),
        lost: sent.len() - lat.len(),
        p50_us: percentile(&lat, 50.0),
        p99_us: percentile(&lat, 99.0),
        p999_us: percentile(&lat, 99.9),
        max_us: lat.last().copied().unwrap_or(f64::NAN),
    })
}

fn server_port(server: &ServerProcess) -> u16 {
    server.port
}
