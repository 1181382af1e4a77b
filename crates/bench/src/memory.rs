//! Server memory: RSS of a real `racecraft serve` process, idle and with one agent and ten viewers.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use futures_util::StreamExt;
use racecraft_core::Frame;
use serde::Serialize;

use crate::{Error, Result, Scale};

/// Resident memory of the server process, kB.
#[derive(Debug, Clone, Serialize)]
pub struct MemoryReport {
    /// After start-up, nothing connected.
    pub idle_kb: u64,
    /// At the end of the loaded phase.
    pub loaded_kb: u64,
    /// Peak over the whole run (`VmHWM`).
    pub peak_kb: u64,
    /// Frames streamed in the loaded phase.
    pub frames: usize,
    /// Viewers connected in the loaded phase.
    pub viewers: usize,
}

#[derive(Debug)]
/// A `racecraft serve` child process on a free loopback port and a temporary data directory; killed on drop.
pub struct ServerProcess {
    child: Child,
    pub(crate) port: u16,
    _dir: tempfile::TempDir,
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl ServerProcess {
    /// Starts `exe serve` and waits until it accepts connections. With `cpus` (a `taskset` list such as
    /// `"0"`), the server is pinned to those cores, so load generators can run on the others.
    pub async fn start(exe: &Path, cpus: Option<&str>) -> Result<ServerProcess> {
        let dir = tempfile::tempdir()?;
        let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let mut command = match cpus {
            Some(cpus) => {
                let mut c = Command::new("taskset");
                c.args(["-c", cpus]).arg(exe);
                c
            }
            None => Command::new(exe),
        };
        let child = command
            .args(["serve", "--listen", &format!("127.0.0.1:{port}"), "--data-dir"])
            .arg(dir.path())
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?;
        let server = ServerProcess { child, port, _dir: dir };
        for _ in 0..200 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
                return Ok(server);
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        Err(Error::Failed("the server did not start listening".into()))
    }

    /// `http://127.0.0.1:port`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

fn status_kb(pid: u32, field: &str) -> Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    status
        .lines()
        .find_map(|l| l.strip_prefix(field).map(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>()))
        .ok_or_else(|| Error::Failed(format!("no {field} in /proc/{pid}/status")))?
        .map_err(|e| Error::Failed(e.to_string()))
}

/// Starts `exe serve` on a free port and a temporary data directory, measures it idle, then streams a 333 Hz
/// simulated session into it in real time with `viewers` binary viewers attached.
pub async fn server_memory(exe: &Path, viewers: usize, scale: Scale) -> Result<MemoryReport> {
    let server = ServerProcess::start(exe, None).await?;
    let pid = server.pid();
    let url = server.url();
    let port = server.port;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let idle_kb = status_kb(pid, "VmRSS:")?;

    let (agent, id) = crate::bench_agent(&url).await?;
    let ws_url = format!("ws://127.0.0.1:{port}/ws/{id}?format=binary");
    let mut tasks = Vec::new();
    for _ in 0..viewers {
        let (ws, _) =
            tokio_tungstenite::connect_async(&ws_url).await.map_err(|e| Error::Failed(format!("viewer: {e}")))?;
        tasks.push(tokio::spawn(async move {
            let (_, mut rx) = ws.split();
            while let Some(Ok(_)) = rx.next().await {}
        }));
    }
    let sim = racecraft_sim::Simulation::new(
        racecraft_sim::Track::builtin("Monza")?,
        racecraft_sim::SimConfig { laps: 1, rate_hz: 333.0, ..Default::default() },
    )?;
    let frames = scale.pick(333 * 30, 333);
    let samples: Vec<Frame> = sim.frames().take(frames).collect();
    let start = tokio::time::Instant::now();
    for (i, f) in samples.iter().enumerate() {
        tokio::time::sleep_until(start + Duration::from_micros(i as u64 * 3003)).await;
        agent.push(*f);
    }
    let loaded_kb = status_kb(pid, "VmRSS:")?;
    let peak_kb = status_kb(pid, "VmHWM:")?;
    let _ = agent.finish(Some(Duration::from_secs(10))).await;
    for t in tasks {
        t.abort();
    }
    Ok(MemoryReport { idle_kb, loaded_kb, peak_kb, frames: samples.len(), viewers })
}
