//! Compaction: rewriting a recording with long frame blocks.
//!
//! The writer cuts a frame block at least every 100 ms so that a killed process loses at most that much,
//! but a 33-frame chunk compresses poorly: every column restarts its prediction and the entropy coder has
//! little to learn from. Compaction reads the finished (or crashed) file and writes the same items again
//! with frame blocks of thousands of frames, about half the size, into a temporary file beside it that
//! then replaces the original by an atomic rename. Until the rename the original is untouched, so a crash
//! during compaction loses nothing.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use racecraft_codec::chunk::ChunkEncoder;

use crate::format::MAX_FRAMES_PER_BLOCK;
use crate::{Error, Item, RecordingReader, RecordingWriter, Result, Warning, WriterConfig};

/// Frames per compacted block by default: 8192 frames, 25 s at 333 Hz.
pub const COMPACT_FRAMES: usize = 8192;

/// zstd level of compacted blocks. Level 3 is within 5 % of level 9 on this layout at a third of its time.
const COMPACT_ZSTD_LEVEL: i32 = 3;

/// What a compaction did.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CompactReport {
    /// Frames carried over.
    pub frames: u64,
    /// File size before, bytes.
    pub bytes_before: u64,
    /// File size after, bytes.
    pub bytes_after: u64,
    /// What could not be read from the original (a torn tail after a crash); those bytes are dropped.
    pub warnings: Vec<Warning>,
}

/// Rewrites the recording at `path` with frame blocks of [`COMPACT_FRAMES`] frames; see [`compact_with`].
pub fn compact(path: impl AsRef<Path>) -> Result<CompactReport> {
    compact_with(path, COMPACT_FRAMES)
}

/// Rewrites the recording at `path` with frame blocks of up to `max_frames` frames (clamped to
/// 1..=65 536), keeping its metadata, raw packets and lap markers, and ending it with a trailer. Works on a
/// file a crash left without trailer too: everything readable is kept and the damaged tail is reported in
/// [`CompactReport::warnings`]. Fails, leaving the file as it was, if the file has no metadata block.
pub fn compact_with(path: impl AsRef<Path>, max_frames: usize) -> Result<CompactReport> {
    let path = path.as_ref();
    let bytes_before = std::fs::metadata(path).map_err(|source| Error::Open { source, path: path.to_owned() })?.len();
    let mut reader = RecordingReader::open(path)?;
    let meta = match reader.next() {
        Some(Item::Meta(meta)) => meta,
        _ => return Err(Error::NoMeta { path: path.to_owned() }),
    };
    let tmp = temp_path(path);
    let config = WriterConfig {
        max_frames: max_frames.clamp(1, MAX_FRAMES_PER_BLOCK as usize),
        // Never cut by age: blocks are cut by count only, and flushed at the end.
        max_age: Duration::MAX,
        compact_frames: 0,
    };
    let result = (|| {
        let encoder = ChunkEncoder::with_zstd_level(COMPACT_ZSTD_LEVEL);
        let mut w = RecordingWriter::create_inner(&tmp, &meta, config, encoder)?;
        let now = Instant::now();
        let mut report = CompactReport { bytes_before, ..CompactReport::default() };
        for item in reader {
            match item {
                Item::Frames(frames) => {
                    report.frames += frames.len() as u64;
                    for f in frames {
                        w.push_at(f, now)?;
                    }
                }
                Item::Raw(raw) => w.push_raw_at(raw.t_us, &raw.source, &raw.bytes, now)?,
                Item::Lap(lap) => w.lap(&lap)?,
                Item::Warning(warning) => report.warnings.push(warning),
                // A second metadata block (none is written today) and the old trailer are not carried over.
                Item::Meta(_) | Item::End(_) => {}
            }
        }
        w.finish_file()?;
        drop(w);
        std::fs::rename(&tmp, path)?;
        // The rename is durable once the directory is synced.
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            racecraft_core::durable::sync_dir(dir)?;
        }
        report.bytes_after = std::fs::metadata(path)?.len();
        Ok(report)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// `<name>.compacting` beside `path`.
fn temp_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_owned();
    name.push(".compacting");
    path.with_file_name(name)
}
