//! [`RecordingWriter`]: streams a session to an `.rcr` file.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use racecraft_codec::chunk::{ChunkEncoder, Compression};
use racecraft_core::{Frame, SessionMeta};

use crate::format::{
    BLOCK_FRAMES, BLOCK_HEADER_LEN, BLOCK_LAP, BLOCK_META, BLOCK_RAW, BLOCK_TRAILER, MAGIC, MAX_BLOCK_LEN,
    MAX_FRAMES_PER_BLOCK, VERSION, block_crc,
};
use crate::{Error, IndexEntry, LapMarker, Result};

/// When the writer cuts a frame block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WriterConfig {
    /// Write a frame block once this many frames are pending (clamped to 1..=65 536).
    pub max_frames: usize,
    /// Write everything pending once the oldest unwritten data is this old, by wall time. This is the most
    /// a killed process can lose.
    pub max_age: Duration,
    /// On [`RecordingWriter::finish`], rewrite the file with frame blocks of up to this many frames
    /// ([`crate::compact`]); 0 keeps the file as written. Clamped to 65 536.
    pub compact_frames: usize,
}

impl Default for WriterConfig {
    fn default() -> Self {
        // 1024 frames is 3 s at 333 Hz: at real rates the 100 ms age cuts blocks, the count only caps memory.
        // Compacted blocks of 8192 frames (25 s at 333 Hz) reach about 14 B/frame on simulated 333 Hz frames
        // against about 31 B/frame for the 100 ms blocks; longer blocks gain little more.
        WriterConfig { max_frames: 1024, max_age: Duration::from_millis(100), compact_frames: crate::COMPACT_FRAMES }
    }
}

/// Streams a session to an `.rcr` file: metadata first, then frame, raw-packet and lap blocks, then on
/// [`RecordingWriter::finish`] a trailer with the seek index.
///
/// Every block goes to the operating system as soon as it is cut, so a killed process leaves every block
/// it wrote on disk. There is no fsync per block: an fsync costs milliseconds on many disks and would stall
/// a 333 Hz capture loop, and it only protects against an OS crash or power loss, after which the reader
/// still recovers every block that reached the disk. [`RecordingWriter::finish`] does fsync.
#[derive(Debug)]
pub struct RecordingWriter {
    out: BufWriter<File>,
    path: PathBuf,
    compression: Compression,
    /// Bytes written so far (the offset of the next block).
    pos: u64,
    config: WriterConfig,
    pending: Vec<Frame>,
    /// When the oldest data not yet handed to the OS (pending frames or buffered blocks) arrived.
    oldest_unwritten: Option<Instant>,
    encoder: ChunkEncoder,
    chunk: Vec<u8>,
    index: Vec<IndexEntry>,
    frame_count: u64,
    /// Set once a write fails: the file then ends at an unknown point, so nothing more is appended.
    failed: bool,
    finished: bool,
}

impl RecordingWriter {
    /// Creates (or truncates) `path` and writes the file header and the session metadata.
    pub fn create(path: impl AsRef<Path>, meta: &SessionMeta) -> Result<RecordingWriter> {
        RecordingWriter::create_with(path, meta, WriterConfig::default())
    }

    /// [`RecordingWriter::create`] with a custom block policy.
    pub fn create_with(path: impl AsRef<Path>, meta: &SessionMeta, config: WriterConfig) -> Result<RecordingWriter> {
        RecordingWriter::create_inner(path.as_ref(), meta, config, ChunkEncoder::new())
    }

    /// Creates the file with `encoder` for the frame blocks (the compactor's differs in level).
    pub(crate) fn create_inner(
        path: &Path,
        meta: &SessionMeta,
        config: WriterConfig,
        encoder: ChunkEncoder,
    ) -> Result<RecordingWriter> {
        let file = File::create(path).map_err(|source| Error::Open { source, path: path.to_owned() })?;
        let config = WriterConfig {
            max_frames: config.max_frames.clamp(1, MAX_FRAMES_PER_BLOCK as usize),
            compact_frames: config.compact_frames.min(MAX_FRAMES_PER_BLOCK as usize),
            ..config
        };
        let mut w = RecordingWriter {
            out: BufWriter::with_capacity(64 * 1024, file),
            path: path.to_owned(),
            // zstd even for 100 ms blocks: about 30 % smaller than LZ4 there, and a block is encoded only
            // every 100 ms, far from the capture loop's budget.
            compression: Compression::Zstd,
            pos: 0,
            config,
            pending: Vec::new(),
            oldest_unwritten: None,
            encoder,
            chunk: Vec::new(),
            index: Vec::new(),
            frame_count: 0,
            failed: false,
            finished: false,
        };
        let mut header = [0u8; crate::format::FILE_HEADER_LEN];
        header[..8].copy_from_slice(&MAGIC);
        header[8..10].copy_from_slice(&VERSION.to_le_bytes());
        w.write_bytes(&header)?;
        let json = serde_json::to_vec(meta)?;
        w.write_block(BLOCK_META, &json)?;
        w.flush_os()?;
        Ok(w)
    }

    /// Adds a frame, checking the wall clock now; see [`RecordingWriter::push_at`].
    pub fn push(&mut self, frame: Frame) -> Result<()> {
        self.push_at(frame, Instant::now())
    }

    /// Adds a frame that arrived at `now`. Writes a frame block when enough frames are pending or the oldest
    /// unwritten data is older than the configured age.
    pub fn push_at(&mut self, frame: Frame, now: Instant) -> Result<()> {
        self.check()?;
        self.pending.push(frame);
        self.oldest_unwritten.get_or_insert(now);
        if self.pending.len() >= self.config.max_frames {
            self.write_frames()?;
        }
        self.flush_if_due(now).map(|_| ())
    }

    /// Writes a raw game packet block: `t_us` is session time, `source` names the game and channel.
    pub fn push_raw(&mut self, t_us: i64, source: &str, bytes: &[u8]) -> Result<()> {
        self.push_raw_at(t_us, source, bytes, Instant::now())
    }

    /// [`RecordingWriter::push_raw`] with the caller's clock.
    pub fn push_raw_at(&mut self, t_us: i64, source: &str, bytes: &[u8], now: Instant) -> Result<()> {
        self.check()?;
        let tag_len = u8::try_from(source.len()).map_err(|_| Error::TooLarge {
            what: "raw packet source tag",
            len: source.len(),
            limit: 255,
        })?;
        let limit = MAX_BLOCK_LEN as usize - 9 - source.len();
        if bytes.len() > limit {
            return Err(Error::TooLarge { what: "raw packet", len: bytes.len(), limit });
        }
        let mut payload = Vec::with_capacity(9 + source.len() + bytes.len());
        payload.extend_from_slice(&t_us.to_le_bytes());
        payload.push(tag_len);
        payload.extend_from_slice(source.as_bytes());
        payload.extend_from_slice(bytes);
        self.write_block(BLOCK_RAW, &payload)?;
        self.oldest_unwritten.get_or_insert(now);
        self.flush_if_due(now).map(|_| ())
    }

    /// Writes a lap marker block.
    pub fn lap(&mut self, lap: &LapMarker) -> Result<()> {
        self.check()?;
        let mut payload = [0u8; crate::format::LAP_PAYLOAD_LEN];
        payload[0..4].copy_from_slice(&lap.lap_number.to_le_bytes());
        payload[4..12].copy_from_slice(&lap.end_t_us.to_le_bytes());
        payload[12..20].copy_from_slice(&lap.lap_time_s.to_le_bytes());
        payload[20] = u8::from(lap.valid);
        self.write_block(BLOCK_LAP, &payload)?;
        let now = Instant::now();
        self.oldest_unwritten.get_or_insert(now);
        self.flush_if_due(now).map(|_| ())
    }

    /// Writes everything pending if the oldest unwritten data is at least the configured age at `now`.
    /// Call it from a timer so the last frames reach the disk when frames stop coming. Returns whether it
    /// wrote.
    pub fn flush_if_due(&mut self, now: Instant) -> Result<bool> {
        self.check()?;
        match self.oldest_unwritten {
            Some(oldest) if now.saturating_duration_since(oldest) >= self.config.max_age => {
                self.flush()?;
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    /// Writes pending frames as a block and hands every buffered byte to the OS (no fsync).
    pub fn flush(&mut self) -> Result<()> {
        self.check()?;
        self.write_frames()?;
        self.flush_os()
    }

    /// Writes pending frames and the trailer, then flushes and fsyncs the file; then, unless
    /// [`WriterConfig::compact_frames`] is 0, rewrites it with long frame blocks ([`crate::compact`]). The
    /// file is complete before compaction starts, and compaction replaces it atomically, so a failure or a
    /// kill during compaction leaves the complete 100 ms-block file.
    pub fn finish(mut self) -> Result<()> {
        self.finish_file()?;
        let (path, frames) = (std::mem::take(&mut self.path), self.config.compact_frames);
        drop(self);
        if frames > 0 {
            crate::compact::compact_with(&path, frames)?;
        }
        Ok(())
    }

    /// Writes pending frames and the trailer, flushes and fsyncs.
    pub(crate) fn finish_file(&mut self) -> Result<()> {
        self.check()?;
        self.write_frames()?;
        let mut payload = Vec::with_capacity(16 + 16 * self.index.len());
        payload.extend_from_slice(&self.frame_count.to_le_bytes());
        payload.extend_from_slice(&(self.index.len() as u32).to_le_bytes());
        for e in &self.index {
            payload.extend_from_slice(&e.first_t_us.to_le_bytes());
            payload.extend_from_slice(&e.offset.to_le_bytes());
        }
        // The trailer's own size, last, so a seeking reader finds the index from the end of the file.
        let block_len = (BLOCK_HEADER_LEN + payload.len() + 4) as u32;
        payload.extend_from_slice(&block_len.to_le_bytes());
        self.write_block(BLOCK_TRAILER, &payload)?;
        self.flush_os()?;
        self.finished = true;
        self.out.get_ref().sync_all()?;
        Ok(())
    }

    /// Frames waiting for the next frame block.
    pub fn pending_frames(&self) -> usize {
        self.pending.len()
    }

    fn check(&self) -> Result<()> {
        if self.failed { Err(Error::Poisoned) } else { Ok(()) }
    }

    fn write_frames(&mut self) -> Result<()> {
        let Some(first) = self.pending.first() else { return Ok(()) };
        let entry = IndexEntry { first_t_us: first.t_us, offset: self.pos };
        self.chunk.clear();
        self.encoder.encode(&self.pending, self.compression, &mut self.chunk);
        let chunk = std::mem::take(&mut self.chunk);
        let result = self.write_block(BLOCK_FRAMES, &chunk);
        self.chunk = chunk;
        result?;
        self.index.push(entry);
        self.frame_count += self.pending.len() as u64;
        self.pending.clear();
        Ok(())
    }

    fn write_block(&mut self, kind: u8, payload: &[u8]) -> Result<()> {
        let len = u32::try_from(payload.len()).ok().filter(|l| *l <= MAX_BLOCK_LEN).ok_or(Error::TooLarge {
            what: "block payload",
            len: payload.len(),
            limit: MAX_BLOCK_LEN as usize,
        })?;
        let mut header = [0u8; BLOCK_HEADER_LEN];
        header[0] = kind;
        header[2..6].copy_from_slice(&len.to_le_bytes());
        let head6: [u8; 6] = [header[0], header[1], header[2], header[3], header[4], header[5]];
        header[6..10].copy_from_slice(&block_crc(&head6, payload).to_le_bytes());
        self.write_bytes(&header)?;
        self.write_bytes(payload)
    }

    fn write_bytes(&mut self, bytes: &[u8]) -> Result<()> {
        self.out.write_all(bytes).inspect_err(|_| self.failed = true)?;
        self.pos += bytes.len() as u64;
        Ok(())
    }

    fn flush_os(&mut self) -> Result<()> {
        self.out.flush().inspect_err(|_| self.failed = true)?;
        self.oldest_unwritten = None;
        Ok(())
    }
}

impl Drop for RecordingWriter {
    /// Best effort for a writer dropped without [`RecordingWriter::finish`]: pending frames are written so
    /// the file holds everything pushed, without a trailer. Errors cannot be returned from here.
    fn drop(&mut self) {
        if !self.finished && !self.failed {
            let _ = self.flush();
        }
    }
}
