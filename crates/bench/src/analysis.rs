//! B7, analysis: the full analysis of a simulated 20-lap, 333 Hz Monza session, warm (frames in memory) and
//! cold (read and decode the finished recording first), against one streaming pass over the same frames.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

use racecraft_core::{Channel, Frame};
use serde::Serialize;

use crate::{Error, Result, Scale};

/// B7 figures.
#[derive(Debug, Clone, Serialize)]
pub struct AnalysisReport {
    /// Laps simulated.
    pub laps: u32,
    /// Sample rate, Hz.
    pub rate_hz: f64,
    /// Frames analysed.
    pub frames: usize,
    /// Laps the analysis found.
    pub laps_found: usize,
    /// Full analysis with the frames in memory, ms (fastest of the runs).
    pub warm_ms: f64,
    /// Read and decode the recording file, then the full analysis, ms (fastest of the runs).
    pub cold_ms: f64,
    /// Of `cold_ms`, reading and decoding the recording, ms.
    pub read_ms: f64,
    /// Recording size, bytes.
    pub file_bytes: u64,
    /// One streaming pass summing the speed channel over the same frames, ms: the reference.
    pub stream_ms: f64,
    /// `racecraft analyze FILE --json` as a process of its own, when the bench knows the binary.
    pub process: Option<ProcessReport>,
}

/// The analysis as a user runs it: a fresh `racecraft analyze` process, beside the same binary doing nothing.
#[derive(Debug, Clone, Serialize)]
pub struct ProcessReport {
    /// Wall time from spawn to exit of `racecraft analyze FILE --json`, ms (fastest of the runs).
    pub analyze_ms: f64,
    /// Its peak resident memory (GNU time's `%M`), kB (largest of the runs).
    pub analyze_peak_kb: u64,
    /// Laps in the JSON it printed (must be the laps the in-process analysis found).
    pub analyze_laps: usize,
    /// The reference: `racecraft --version`, spawn to exit, ms (fastest of the runs).
    pub start_ms: f64,
    /// Its peak resident memory, kB.
    pub start_peak_kb: u64,
}

/// GNU time, which reports a child's peak memory. Not the kernel's figure for a child spawned from here: a
/// process spawned by this (large) one starts with this one's high-water mark, while GNU time's own child is
/// forked from GNU time's small copy.
const GNU_TIME: &str = "/usr/bin/time";

/// Runs `exe args` under GNU time, its output to `stdout`; wall time in ms and peak RSS in kB.
fn timed_run(exe: &Path, args: &[&std::ffi::OsStr], stdout: &Path, dir: &Path) -> Result<(f64, u64)> {
    let report = dir.join("time.txt");
    let start = Instant::now();
    let status = Command::new(GNU_TIME)
        .args(["-f", "%M", "-o"])
        .arg(&report)
        .arg(exe)
        .args(args)
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(stdout)?)
        .stderr(Stdio::inherit())
        .status()
        .map_err(|e| failed(format!("{GNU_TIME} (Debian's `time` package, scripts/deps.sh installs it): {e}")))?;
    let ms = start.elapsed().as_secs_f64() * 1e3;
    if !status.success() {
        return Err(failed(format!("{} {args:?} failed: {status}", exe.display())));
    }
    let text = std::fs::read_to_string(&report)?;
    let kb = text
        .lines()
        .last()
        .and_then(|l| l.trim().parse().ok())
        .ok_or_else(|| failed(format!("{GNU_TIME} printed no peak memory: {text:?}")))?;
    Ok((ms, kb))
}

fn process_report(exe: &Path, recording: &Path, runs: usize, dir: &Path) -> Result<ProcessReport> {
    let out = dir.join("analysis.json");
    let (mut analyze_ms, mut analyze_peak_kb) = (f64::INFINITY, 0);
    let (mut start_ms, mut start_peak_kb) = (f64::INFINITY, 0);
    for _ in 0..runs {
        let (ms, kb) = timed_run(exe, &["--version".as_ref()], &out, dir)?;
        start_ms = start_ms.min(ms);
        start_peak_kb = start_peak_kb.max(kb);
        let (ms, kb) = timed_run(exe, &["analyze".as_ref(), recording.as_os_str(), "--json".as_ref()], &out, dir)?;
        analyze_ms = analyze_ms.min(ms);
        analyze_peak_kb = analyze_peak_kb.max(kb);
    }
    let printed: serde_json::Value = serde_json::from_slice(&std::fs::read(&out)?).map_err(failed)?;
    let analyze_laps = printed["laps"].as_array().map_or(0, Vec::len);
    Ok(ProcessReport { analyze_ms, analyze_peak_kb, analyze_laps, start_ms, start_peak_kb })
}

fn failed(e: impl std::fmt::Display) -> Error {
    Error::Failed(e.to_string())
}

/// Runs B7: 20 laps at 333 Hz (2 laps at 60 Hz at smoke scale); with `exe` (the `racecraft` binary) also as
/// a process of its own.
pub fn analysis(scale: Scale, exe: Option<&Path>) -> Result<AnalysisReport> {
    let laps = scale.pick(20, 2) as u32;
    let rate_hz = if scale == Scale::Full { 333.0 } else { 60.0 };
    let sim = racecraft_sim::Simulation::new(
        racecraft_sim::Track::builtin("Monza")?,
        racecraft_sim::SimConfig { laps, rate_hz, ..Default::default() },
    )?;
    let meta = sim.meta(0);
    let frames: Vec<Frame> = sim.frames().collect();
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("session.rcr");
    let mut writer = racecraft_record::RecordingWriter::create(&path, &meta).map_err(failed)?;
    for f in &frames {
        writer.push(*f).map_err(failed)?;
    }
    writer.finish().map_err(failed)?;
    let file_bytes = std::fs::metadata(&path)?.len();

    let options = racecraft_analysis::AnalysisOptions::default();
    let runs = scale.pick(3, 1);
    let mut warm_ms = f64::INFINITY;
    let mut laps_found = 0;
    for _ in 0..runs {
        let start = Instant::now();
        let a = racecraft_analysis::analyze_session(&meta, &frames, &options).map_err(failed)?;
        warm_ms = warm_ms.min(start.elapsed().as_secs_f64() * 1e3);
        laps_found = a.laps.len();
        std::hint::black_box(&a);
    }
    let (mut cold_ms, mut read_ms) = (f64::INFINITY, f64::INFINITY);
    for _ in 0..runs {
        let start = Instant::now();
        let rec = racecraft_record::read_all(&path).map_err(failed)?;
        let read = start.elapsed().as_secs_f64() * 1e3;
        if rec.frames.len() != frames.len() {
            return Err(failed(format!("the recording holds {} of {} frames", rec.frames.len(), frames.len())));
        }
        let meta = rec.meta.clone().unwrap_or_else(|| meta.clone());
        let a = racecraft_analysis::analyze_session(&meta, &rec.frames, &options).map_err(failed)?;
        std::hint::black_box(&a);
        if start.elapsed().as_secs_f64() * 1e3 < cold_ms {
            cold_ms = start.elapsed().as_secs_f64() * 1e3;
            read_ms = read;
        }
    }
    let mut stream_ms = f64::INFINITY;
    for _ in 0..runs.max(3) {
        let start = Instant::now();
        let sum: f64 =
            std::hint::black_box(&frames).iter().map(|f| f64::from(f.get(Channel::Speed).unwrap_or(0.0))).sum();
        std::hint::black_box(sum);
        stream_ms = stream_ms.min(start.elapsed().as_secs_f64() * 1e3);
    }
    let process = match exe {
        Some(exe) => Some(process_report(exe, &path, runs.max(3), dir.path())?),
        None => None,
    };
    Ok(AnalysisReport {
        process,
        laps,
        rate_hz,
        frames: frames.len(),
        laps_found,
        warm_ms,
        cold_ms,
        read_ms,
        file_bytes,
        stream_ms,
    })
}
