//! B8, seek and decode one lap: open a finished 333 Hz multi-lap recording, find the lap's first block
//! through the trailer index, and decode up to the lap's end; against copying that lap's raw frames.

use std::time::Instant;

use racecraft_core::{Channel, Frame};
use racecraft_record::{Item, RecordingReader};
use serde::Serialize;

use crate::{Error, Result, Scale};

/// B8 figures.
#[derive(Debug, Clone, Serialize)]
pub struct SeekReport {
    /// Laps in the recording.
    pub laps: u32,
    /// The lap read back.
    pub lap: u32,
    /// Frames in that lap.
    pub lap_frames: usize,
    /// Frames decoded to get them (whole blocks around the lap).
    pub decoded_frames: usize,
    /// Frame blocks in the trailer index.
    pub index_entries: usize,
    /// Open, read the trailer, seek, decode the lap, ms (fastest of the runs).
    pub seek_decode_ms: f64,
    /// Copying the lap's frames in memory, ms (fastest of the runs): the reference.
    pub memcpy_ms: f64,
}

fn failed(e: impl std::fmt::Display) -> Error {
    Error::Failed(e.to_string())
}

/// Runs B8: a 5-lap 333 Hz recording, lap 3 read back (3 laps at 60 Hz, lap 2, at smoke scale).
pub fn seek_lap(scale: Scale) -> Result<SeekReport> {
    let laps = scale.pick(5, 3) as u32;
    let rate_hz = if scale == Scale::Full { 333.0 } else { 60.0 };
    let lap = laps.div_ceil(2);
    let sim = racecraft_sim::Simulation::new(
        racecraft_sim::Track::builtin("Monza")?,
        racecraft_sim::SimConfig { laps, rate_hz, ..Default::default() },
    )?;
    let frames: Vec<Frame> = sim.frames().collect();
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("laps.rcr");
    let mut writer = racecraft_record::RecordingWriter::create(&path, &sim.meta(0)).map_err(failed)?;
    for f in &frames {
        writer.push(*f).map_err(failed)?;
    }
    writer.finish().map_err(failed)?;

    let in_lap = |f: &Frame| f.get(Channel::Lap).is_some_and(|l| l as u32 == lap);
    let expected: Vec<Frame> = frames.iter().filter(|f| in_lap(f)).copied().collect();
    let (Some(first), Some(last)) = (expected.first(), expected.last()) else {
        return Err(failed(format!("the simulation has no lap {lap}")));
    };
    let (start_us, end_us) = (first.t_us, last.t_us);

    let runs = scale.pick(7, 1);
    let mut best = f64::INFINITY;
    let (mut decoded_frames, mut index_entries) = (0, 0);
    for _ in 0..runs {
        let start = Instant::now();
        let mut reader = RecordingReader::open(&path).map_err(failed)?;
        let trailer = reader.trailer().map_err(failed)?.ok_or_else(|| failed("the recording has no trailer"))?;
        // The last block starting at or before the lap's first frame.
        let at = trailer.index.partition_point(|e| e.first_t_us <= start_us).saturating_sub(1);
        let entry = trailer.index.get(at).ok_or_else(|| failed("empty index"))?;
        reader.seek_to_block(entry.offset).map_err(failed)?;
        let mut got = Vec::with_capacity(expected.len());
        let mut decoded = 0;
        for item in reader {
            match item {
                Item::Frames(block) => {
                    decoded += block.len();
                    let past_end = block.first().is_some_and(|f| f.t_us > end_us);
                    got.extend(block.into_iter().filter(|f| f.t_us >= start_us && f.t_us <= end_us));
                    if past_end || got.last().is_some_and(|f| f.t_us == end_us) {
                        break;
                    }
                }
                Item::Warning(w) => return Err(failed(format!("{w:?}"))),
                Item::End(_) => break,
                _ => {}
            }
        }
        best = best.min(start.elapsed().as_secs_f64() * 1e3);
        if got != expected {
            return Err(failed(format!("lap {lap}: read {} frames, expected {}", got.len(), expected.len())));
        }
        decoded_frames = decoded;
        index_entries = trailer.index.len();
    }
    let mut copy = expected.clone();
    let mut memcpy_ms = f64::INFINITY;
    for _ in 0..runs.max(3) {
        let start = Instant::now();
        copy.copy_from_slice(std::hint::black_box(&expected));
        std::hint::black_box(&copy);
        memcpy_ms = memcpy_ms.min(start.elapsed().as_secs_f64() * 1e3);
    }
    Ok(SeekReport {
        laps,
        lap,
        lap_frames: expected.len(),
        decoded_frames,
        index_entries,
        seek_decode_ms: best,
        memcpy_ms,
    })
}
