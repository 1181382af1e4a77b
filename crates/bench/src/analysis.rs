//! B7, analysis: the full analysis of a simulated 20-lap, 333 Hz Monza session, warm (frames in memory) and
//! cold (read and decode the finished recording first), against one streaming pass over the same frames.

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
}

fn failed(e: impl std::fmt::Display) -> Error {
    Error::Failed(e.to_string())
}

/// Runs B7: 20 laps at 333 Hz (2 laps at 60 Hz at smoke scale).
pub fn analysis(scale: Scale) -> Result<AnalysisReport> {
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
    Ok(AnalysisReport {
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
