//! Stored bytes per frame: the columnar chunk against the raw frame and LZ4 over raw rows.

use racecraft_codec::chunk::{ChunkEncoder, Compression};
use racecraft_core::Frame;
use serde::Serialize;

use crate::{Result, Scale};

/// Bytes per frame of one simulated session.
#[derive(Debug, Clone, Serialize)]
pub struct SizeReport {
    /// Frames measured.
    pub frames: usize,
    /// Present channels per frame (average).
    pub channels: f64,
    /// In-memory frame (`size_of::<Frame>()`).
    pub struct_bytes: f64,
    /// Compact encoding (timestamp, mask, present values), uncompressed.
    pub compact_bytes: f64,
    /// LZ4 over whole compact rows, the same chunking.
    pub row_lz4_bytes: f64,
    /// Our chunk (columns, XOR, shuffle, LZ4) as stored.
    pub chunk_bytes: f64,
    /// Encode speed of the chunk codec, frames per second.
    pub encode_fps: f64,
    /// Decode speed, frames per second.
    pub decode_fps: f64,
}

/// Measures a 333 Hz simulated session of Monza in 1-second chunks (the storage writer's cadence).
pub fn storage_size(scale: Scale) -> Result<SizeReport> {
    let laps = scale.pick(2, 1) as u32;
    let sim = racecraft_sim::Simulation::new(
        racecraft_sim::Track::builtin("Monza")?,
        racecraft_sim::SimConfig { laps, rate_hz: 333.0, ..Default::default() },
    )?;
    let frames: Vec<Frame> = sim.frames().collect();
    let chunk = 333;
    let mut encoder = ChunkEncoder::new();
    let mut chunk_total = 0usize;
    let mut row_total = 0usize;
    let mut compact_total = 0usize;
    let mut out = Vec::new();
    let mut rows = Vec::new();
    let start = std::time::Instant::now();
    for part in frames.chunks(chunk) {
        out.clear();
        encoder.encode(part, Compression::Lz4, &mut out);
        chunk_total += out.len();
    }
    let encode_s = start.elapsed().as_secs_f64();
    let mut encoded = Vec::new();
    for part in frames.chunks(chunk) {
        rows.clear();
        for f in part {
            racecraft_codec::compact::encode(f, &mut rows);
        }
        compact_total += rows.len();
        row_total += lz4_flex::block::compress(&rows).len();
        encoded.push(racecraft_codec::chunk::encode(part));
    }
    let start = std::time::Instant::now();
    let mut back = Vec::with_capacity(frames.len());
    for c in &encoded {
        racecraft_codec::chunk::decode_into(c, &mut back).map_err(|e| crate::Error::Failed(e.to_string()))?;
    }
    let decode_s = start.elapsed().as_secs_f64();
    if back != frames {
        return Err(crate::Error::Failed("chunk round trip changed the frames".into()));
    }
    let n = frames.len() as f64;
    Ok(SizeReport {
        frames: frames.len(),
        channels: frames.iter().map(|f| f.len() as f64).sum::<f64>() / n,
        struct_bytes: std::mem::size_of::<Frame>() as f64,
        compact_bytes: compact_total as f64 / n,
        row_lz4_bytes: row_total as f64 / n,
        chunk_bytes: chunk_total as f64 / n,
        encode_fps: n / encode_s,
        decode_fps: n / decode_s,
    })
}
