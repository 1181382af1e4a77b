//! The capture agent's own cost: a real `racecraft capture` process polling ACC shared memory that an emulated
//! game rewrites at 333 Hz, measured by the kernel's per-thread CPU accounting and the process's RSS. The
//! reference, in the same run: the same process polling while no game is running (the cost of the polling
//! loop alone).

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use racecraft_capture::assetto_corsa::Game;
use racecraft_emulator::ac_shm::SharedMemoryWriter;
use racecraft_sim::{SimConfig, Simulation, Track};
use serde::Serialize;

use crate::{Error, Result, Scale, ServerProcess};

/// The capture agent at 333 Hz.
#[derive(Debug, Clone, Serialize)]
pub struct CaptureReport {
    /// CPU while capturing a 333 Hz game, percent of one core.
    pub cpu_percent: f64,
    /// CPU while polling with no game running, percent of one core (the same-run reference).
    pub idle_cpu_percent: f64,
    /// Resident memory at the end of the capture window, kB.
    pub rss_kb: u64,
    /// Peak resident memory (`VmHWM`), kB.
    pub peak_kb: u64,
    /// Physics steps the emulated game published in the window.
    pub published: u64,
    /// Seconds measured.
    pub seconds: f64,
}

/// Kills the child on drop.
struct Process(Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// CPU time of every thread of `pid`, from `/proc/<pid>/task/*/schedstat` (nanoseconds on CPU).
fn cpu_ns(pid: u32) -> Result<u64> {
    let mut total = 0;
    for task in std::fs::read_dir(format!("/proc/{pid}/task"))? {
        let stat = std::fs::read_to_string(task?.path().join("schedstat")).unwrap_or_default();
        total += stat.split_whitespace().next().and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
    }
    Ok(total)
}

fn status_kb(pid: u32, field: &str) -> Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    status
        .lines()
        .find_map(|l| l.strip_prefix(field).and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok()))
        .ok_or_else(|| Error::Failed(format!("no {field} in /proc/{pid}/status")))
}

/// CPU share of one core used by `pid` over `window`.
fn cpu_percent(pid: u32, window: Duration) -> Result<f64> {
    let (start, t0) = (cpu_ns(pid)?, Instant::now());
    std::thread::sleep(window);
    let used = cpu_ns(pid)?.saturating_sub(start);
    Ok(used as f64 / t0.elapsed().as_nanos() as f64 * 100.0)
}

/// Runs `exe capture --game acc` against a server process and an emulated ACC at 333 Hz.
pub async fn capture_agent(exe: &Path, scale: Scale) -> Result<CaptureReport> {
    let seconds = scale.pick(10, 1) as f64;
    let server = ServerProcess::start(exe, None).await?;
    let pages = tempfile::tempdir()?;
    let capture = Command::new(exe)
        .args(["capture", "--game", "acc", "--server", &server.url(), "--shm-dir"])
        .arg(pages.path())
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?;
    let capture = Process(capture);
    let pid = capture.0.id();
    // Let it start, then measure the polling loop with no game.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let window = Duration::from_secs_f64(seconds);
    let idle_cpu_percent = tokio::task::spawn_blocking(move || cpu_percent(pid, window))
        .await
        .map_err(|e| Error::Failed(e.to_string()))??;

    // The game: 333 Hz physics steps written in place, paced in real time, for the window plus a margin.
    let laps = 1;
    let sim =
        Simulation::new(Track::builtin("Monza")?, SimConfig { laps, rate_hz: 333.0, seed: 3, ..SimConfig::default() })?;
    let mut writer =
        SharedMemoryWriter::create(pages.path(), Game::Acc, &sim.meta(0)).map_err(|e| Error::Failed(e.to_string()))?;
    let steps = ((seconds + 2.0) * 333.0) as usize;
    let frames: Vec<_> = sim.frames().take(steps).collect();
    let game = std::thread::spawn(move || racecraft_emulator::play(frames, 1.0, |f| writer.publish(f)));
    tokio::time::sleep(Duration::from_secs(1)).await;
    let cpu_percent = tokio::task::spawn_blocking(move || cpu_percent(pid, window))
        .await
        .map_err(|e| Error::Failed(e.to_string()))??;
    let rss_kb = status_kb(pid, "VmRSS:")?;
    let peak_kb = status_kb(pid, "VmHWM:")?;
    let published = game
        .join()
        .map_err(|_| Error::Failed("the emulated game panicked".into()))?
        .map_err(|e| Error::Failed(e.to_string()))?;
    drop(capture);
    drop(server);
    Ok(CaptureReport { cpu_percent, idle_cpu_percent, rss_kb, peak_kb, published, seconds })
}
