//! Stored bytes per frame and codec speed: our chunk codec against the raw rows, LZ4 over raw rows, and
//! zstd -19 on our own layout, on simulated 333 Hz frames and on a real iRacing `.ibt` file.

use std::path::Path;
use std::time::Instant;

use racecraft_codec::chunk::{self, ChunkEncoder, Compression};
use racecraft_core::{CHANNEL_COUNT, Frame};
use serde::Serialize;

use crate::{Result, Scale};

/// The real iRacing file the storage bench reads when it is there (a source checkout).
pub const IBT_SAMPLE: &str =
    concat!(env!("CARGO_MANIFEST_DIR"), "/../capture/tests/data/iracing/tsukuba_formulavee_4laps.ibt");

/// Size of Assetto Corsa's (and ACC's) shared-memory physics page, bytes: the raw struct a capture of those
/// games copies per sample. A size reference only; no AC data is measured here.
pub const AC_PHYSICS_PAGE_BYTES: usize = 800;

/// Frames per compacted recording block (the recording's default).
const COMPACTED_FRAMES: usize = racecraft_record::COMPACT_FRAMES;

/// Bytes per frame and codec speed on one data set.
#[derive(Debug, Clone, Serialize)]
pub struct SizeReport {
    /// What was measured.
    pub dataset: String,
    /// Sample rate, Hz.
    pub rate_hz: f64,
    /// Frames measured.
    pub frames: usize,
    /// Present channels per frame (average).
    pub channels: f64,
    /// In-memory frame (`size_of::<Frame>()`).
    pub struct_bytes: f64,
    /// The source's own raw row: the in-memory frame for the simulator, the game's record for `.ibt`.
    pub raw_row_bytes: f64,
    /// Compact encoding (timestamp, mask, present values), uncompressed.
    pub compact_bytes: f64,
    /// LZ4 over whole raw rows, one-second chunks.
    pub row_lz4_bytes: f64,
    /// Our chunk as the store and live path write it: one-second chunks, LZ4.
    pub chunk_bytes: f64,
    /// Our chunk as the recording writer's 100 ms blocks hold it (zstd), block header included.
    pub journal_bytes: f64,
    /// Our chunk as a finished (compacted) recording holds it: 8192-frame blocks, zstd level 3, block
    /// header included.
    pub compacted_bytes: f64,
    /// The entropy reference: zstd -19 over the same raw layout as the compacted blocks.
    pub zstd19_bytes: f64,
    /// Encode speed of compacted blocks (zstd), frames per second, one core.
    pub encode_fps: f64,
    /// Decode speed of compacted blocks, frames per second, one core.
    pub decode_fps: f64,
    /// Encode speed of one-second LZ4 chunks, frames per second.
    pub lz4_encode_fps: f64,
    /// Decode speed of one-second LZ4 chunks, frames per second.
    pub lz4_decode_fps: f64,
    /// `memcpy` of the in-memory frames, frames per second: the speed reference.
    pub memcpy_fps: f64,
}

impl SizeReport {
    /// Frames per second as MB/s of in-memory frames (184 B each).
    pub fn mbps(&self, fps: f64) -> f64 {
        fps * self.struct_bytes / 1e6
    }
}

/// Measures two laps of Monza simulated at 333 Hz (one at smoke scale).
pub fn storage_size(scale: Scale) -> Result<SizeReport> {
    let laps = scale.pick(2, 1) as u32;
    let sim = racecraft_sim::Simulation::new(
        racecraft_sim::Track::builtin("Monza")?,
        racecraft_sim::SimConfig { laps, rate_hz: 333.0, ..Default::default() },
    )?;
    let frames: Vec<Frame> = sim.frames().collect();
    measure(format!("simulator, Monza, {laps} lap(s), 333 Hz"), 333.0, &frames, None, scale)
}

/// Measures the iRacing `.ibt` file at `path` (e.g. [`IBT_SAMPLE`]): its records normalized to frames,
/// against its own raw records.
pub fn storage_size_ibt(path: &Path, scale: Scale) -> Result<SizeReport> {
    let ibt = racecraft_capture::iracing::IbtFile::open(path).map_err(|e| crate::Error::Failed(e.to_string()))?;
    let frames: Vec<Frame> = ibt.frames().collect();
    let rows: Vec<&[u8]> = ibt.records().map(|r| r.bytes).collect();
    let rate = f64::from(ibt.header.tick_rate.max(1));
    let name = path.file_name().map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned());
    measure(format!("iRacing {name}, {rate:.0} Hz"), rate, &frames, Some(&rows), scale)
}

/// The in-memory layout of a frame as bytes: `t_us`, presence mask, 41 values, padding to 184 bytes.
fn struct_row(f: &Frame, out: &mut Vec<u8>) {
    let start = out.len();
    out.extend_from_slice(&f.t_us.to_le_bytes());
    out.extend_from_slice(&f.present_mask().to_le_bytes());
    for ch in 0..CHANNEL_COUNT {
        out.extend_from_slice(&f.value_at(ch).to_le_bytes());
    }
    out.resize(start + std::mem::size_of::<Frame>(), 0);
}

fn failed(e: impl std::fmt::Display) -> crate::Error {
    crate::Error::Failed(e.to_string())
}

/// Fastest of `runs` timings of `f`, seconds: the machines are shared, the fastest run is the least
/// disturbed.
fn best_of(runs: usize, mut f: impl FnMut() -> Result<()>) -> Result<f64> {
    let mut best = f64::INFINITY;
    for _ in 0..runs {
        let start = Instant::now();
        f()?;
        best = best.min(start.elapsed().as_secs_f64());
    }
    Ok(best)
}

fn encode_all(frames: &[Frame], per_chunk: usize, encoder: &mut ChunkEncoder, c: Compression) -> Vec<Vec<u8>> {
    frames
        .chunks(per_chunk)
        .map(|part| {
            let mut out = Vec::new();
            encoder.encode(part, c, &mut out);
            out
        })
        .collect()
}

fn measure(
    dataset: String,
    rate_hz: f64,
    frames: &[Frame],
    raw_rows: Option<&[&[u8]]>,
    scale: Scale,
) -> Result<SizeReport> {
    let n = frames.len();
    if n == 0 {
        return Err(failed("no frames to measure"));
    }
    let nf = n as f64;
    let second = (rate_hz.round() as usize).max(1);
    let journal = (rate_hz / 10.0).round().max(1.0) as usize;
    let block_header = racecraft_record::format::BLOCK_HEADER_LEN;

    // Rows: the source's raw rows when it has them, else the in-memory frame.
    let mut row_bytes = Vec::new();
    let (mut row_total, mut compact_total) = (0usize, 0usize);
    for (k, part) in frames.chunks(second).enumerate() {
        row_bytes.clear();
        match raw_rows {
            Some(rows) => rows.iter().skip(k * second).take(part.len()).for_each(|r| row_bytes.extend_from_slice(r)),
            None => part.iter().for_each(|f| struct_row(f, &mut row_bytes)),
        }
        row_total += lz4_flex::block::compress(&row_bytes).len();
        let mut compact = Vec::new();
        for f in part {
            racecraft_codec::compact::encode(f, &mut compact);
        }
        compact_total += compact.len();
    }
    let raw_row_bytes = raw_rows.map_or(std::mem::size_of::<Frame>(), |r| r.first().map_or(0, |r| r.len()));

    let mut encoder = ChunkEncoder::new();
    let size = |chunks: &[Vec<u8>], header: usize| chunks.iter().map(|c| c.len() + header).sum::<usize>() as f64 / nf;
    let store = encode_all(frames, second, &mut encoder, Compression::Lz4);
    let journal_chunks = encode_all(frames, journal, &mut encoder, Compression::Zstd);
    let compacted = encode_all(frames, COMPACTED_FRAMES, &mut encoder, Compression::Zstd);
    // zstd -19 over exactly the raw bodies the compacted blocks compressed.
    let mut zstd19_total = 0usize;
    for part in frames.chunks(COMPACTED_FRAMES) {
        encoder.encode(part, Compression::None, &mut Vec::new());
        zstd19_total += zstd::bulk::compress(encoder.last_raw_body(), 19).map_err(failed)?.len() + chunk::HEADER_LEN;
    }

    // Every path decodes to the same frames, bit for bit.
    for chunks in [&store, &journal_chunks, &compacted] {
        let mut back = Vec::with_capacity(n);
        for c in chunks {
            chunk::decode_into(c, &mut back).map_err(failed)?;
        }
        if back != frames {
            return Err(failed("chunk round trip changed the frames"));
        }
    }

    let runs = scale.pick(5, 1);
    let mut out = Vec::new();
    let mut timed_encode = |per_chunk: usize, c: Compression| {
        best_of(runs, || {
            for part in frames.chunks(per_chunk) {
                out.clear();
                encoder.encode(part, c, &mut out);
            }
            Ok(())
        })
    };
    let encode_s = timed_encode(COMPACTED_FRAMES, Compression::Zstd)?;
    let lz4_encode_s = timed_encode(second, Compression::Lz4)?;
    // Decoding into one reused buffer, block by block, as the streaming reader does.
    let mut back = Vec::with_capacity(COMPACTED_FRAMES);
    let mut timed_decode = |chunks: &[Vec<u8>]| {
        best_of(runs, || {
            for c in chunks {
                back.clear();
                chunk::decode_into(c, &mut back).map_err(failed)?;
            }
            Ok(())
        })
    };
    let decode_s = timed_decode(&compacted)?;
    let lz4_decode_s = timed_decode(&store)?;
    let mut copy = frames.to_vec();
    let memcpy_s = best_of(runs.max(3), || {
        copy.copy_from_slice(frames);
        std::hint::black_box(&copy);
        Ok(())
    })?;

    Ok(SizeReport {
        dataset,
        rate_hz,
        frames: n,
        channels: frames.iter().map(|f| f.len() as f64).sum::<f64>() / nf,
        struct_bytes: std::mem::size_of::<Frame>() as f64,
        raw_row_bytes: raw_row_bytes as f64,
        compact_bytes: compact_total as f64 / nf,
        row_lz4_bytes: row_total as f64 / nf,
        chunk_bytes: size(&store, 0),
        journal_bytes: size(&journal_chunks, block_header),
        compacted_bytes: size(&compacted, block_header),
        zstd19_bytes: (zstd19_total + compacted.len() * block_header) as f64 / nf,
        encode_fps: nf / encode_s,
        decode_fps: nf / decode_s,
        lz4_encode_fps: nf / lz4_encode_s,
        lz4_decode_fps: nf / lz4_decode_s,
        memcpy_fps: nf / memcpy_s,
    })
}
