//! The Racecraft recording format (`.rcr`): one session in one append-only file that survives a crash.
//!
//! # Layout
//! - [`RecordingWriter`]: streams a session to disk. Frames are batched into codec chunks
//!   ([`racecraft_codec::chunk`]) and written as a block at least every 100 ms, so a killed process loses at
//!   most that much.
//! - [`RecordingReader`]: streams [`Item`]s back one block at a time with bounded memory. A truncated or
//!   corrupt tail becomes a [`Warning`] after every intact block, never an error that loses them. On a
//!   seekable input, [`RecordingReader::trailer`] finds the [`Trailer`]'s frame-block index from the end of
//!   the file and [`RecordingReader::seek_to_block`] jumps to a block.
//! - [`compact`](fn@compact): rewrites a finished or crashed file with long frame blocks, about half the
//!   size of the 100 ms blocks; [`RecordingWriter::finish`] does it by default.
//! - [`read_all`] and [`Recording`]: the whole file in memory, for tools and tests.
//! - [`format`](mod@format): the constants of the byte layout, described in full in `FORMAT.md`.

pub mod compact;
pub mod format;
mod reader;
mod writer;

use std::path::PathBuf;

pub use compact::{COMPACT_FRAMES, CompactReport, compact, compact_with};
pub use reader::{Item, Recording, RecordingReader, Warning, WarningKind, read_all};
pub use writer::{RecordingWriter, WriterConfig};

/// One raw game packet kept next to the frames, so a later decoder can decode the source again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawPacket {
    /// Session time at which the packet arrived, microseconds.
    pub t_us: i64,
    /// Which source produced it, e.g. `"f1-24/udp"`; at most 255 bytes of UTF-8.
    pub source: String,
    /// The packet exactly as received.
    pub bytes: Vec<u8>,
}

/// A completed lap as marked in the recording.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LapMarker {
    /// The game's lap number.
    pub lap_number: u32,
    /// Session time at which the lap ended, microseconds.
    pub end_t_us: i64,
    /// Lap time, seconds.
    pub lap_time_s: f64,
    /// Whether the game counted the lap as valid.
    pub valid: bool,
}

impl From<&racecraft_core::CompletedLap> for LapMarker {
    fn from(lap: &racecraft_core::CompletedLap) -> LapMarker {
        LapMarker { lap_number: lap.lap_number, end_t_us: lap.end_t_us, lap_time_s: lap.lap_time_s, valid: lap.valid }
    }
}

/// One entry of the seek index in the trailer: where a frame block starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IndexEntry {
    /// `t_us` of the first frame in the block.
    pub first_t_us: i64,
    /// Byte offset of the block header from the start of the file.
    pub offset: u64,
}

/// The end-of-file block of a cleanly finished recording.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Trailer {
    /// Frames in the whole recording.
    pub frame_count: u64,
    /// Every frame block, in file order.
    pub index: Vec<IndexEntry>,
}

/// What can go wrong opening, writing or reading the header of a recording.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Reading or writing failed.
    #[error("recording I/O failed")]
    Io(#[from] std::io::Error),
    /// Opening or creating the file failed.
    #[error("cannot open recording {path}")]
    Open {
        /// The underlying error.
        #[source]
        source: std::io::Error,
        /// The file.
        path: PathBuf,
    },
    /// The file is shorter than the 12-byte file header.
    #[error("not a recording: {len} bytes is shorter than the file header")]
    TooShort {
        /// Bytes available.
        len: usize,
    },
    /// The magic bytes are not ours: some other kind of file.
    #[error("not a Racecraft recording: magic bytes are {found:02x?}")]
    ForeignFile {
        /// The first eight bytes of the file.
        found: [u8; 8],
    },
    /// Written by a newer Racecraft with a format this build cannot read.
    #[error("recording format version {found} is newer than the newest this build reads ({supported})")]
    NewerVersion {
        /// The version in the file.
        found: u16,
        /// The newest version this build reads.
        supported: u16,
    },
    /// Version 0 does not exist: the header is damaged.
    #[error("recording format version {found} is not a valid version")]
    InvalidVersion {
        /// The version in the file.
        found: u16,
    },
    /// Reserved header flags are set; a newer writer may depend on them.
    #[error("reserved header flags {flags:#06x} are set")]
    ReservedFlags {
        /// The flags found.
        flags: u16,
    },
    /// A value does not fit in a block of this format.
    #[error("{what} is {len} bytes, the limit is {limit}")]
    TooLarge {
        /// What was too large.
        what: &'static str,
        /// Its size.
        len: usize,
        /// The limit.
        limit: usize,
    },
    /// Session metadata could not be serialized.
    #[error("cannot serialize session metadata")]
    Meta(#[from] serde_json::Error),
    /// The file has no session metadata block where the writer always puts one, so it cannot be compacted.
    #[error("recording has no metadata block: {path}")]
    NoMeta {
        /// The file.
        path: PathBuf,
    },
    /// The writer was used after a write failed; the file ends at the last complete block.
    #[error("the recording writer failed earlier and is closed")]
    Poisoned,
}

/// Result with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
