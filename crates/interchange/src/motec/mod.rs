//! MoTeC i2 `.ld` logs (read and write) and `.ldx` companions (laps as beacons).
//!
//! # Layout
//! - [`LdFile`]: parses a `.ld` file (header, event, channel list) and decodes channels to engineering units.
//! - [`read_frames`]: a parsed log as Racecraft frames ([`LdFrames`]): channels Racecraft knows converted back
//!   to SI on one grid at the fastest rate. The frames are bounded by the samples the file holds: a log whose
//!   headers describe more is refused with [`Error::FramesExceedSamples`].
//! - [`write_ld`] / [`write_ld_file`]: write float32 channels described by [`LdMeta`] and [`LdChannel`].
//! - [`frames_to_ld_channels`]: Racecraft [`Frame`](racecraft_core::Frame)s to MoTeC-named channels in
//!   MoTeC display units, resampled to a fixed rate. The log keeps true session time (gaps are held), so its
//!   size follows the time span: a span out of proportion to the frames (corrupt frame times) is refused with
//!   [`Error::SparseFrames`] before anything is allocated, never written as gigabytes of held samples.
//! - [`write_ldx`] / [`ldx_string`]: the XML sidecar that carries laps as beacon markers.
//!
//! The `.ld` layout follows the reverse-engineered description in `shared/reference/protocols.md` §5; all
//! integers are little-endian and every pointer is checked against the file size before it is followed.

mod frames;
mod import;
mod ldx;
mod read;
mod write;

pub use frames::{LD_MIN_SAMPLE_BUDGET, LD_SAMPLES_PER_FRAME, frames_to_ld_channels, ld_name_for, ld_sample_budget};
pub use import::{LdFrames, read_frames};
pub use ldx::{LapMarker, LdxDetails, ldx_string, write_ldx};
pub use read::{DataType, LdChannelMeta, LdEvent, LdFile, LdHeader};
pub use write::{LdChannel, LdMeta, encode_ld, write_ld, write_ld_file};

use std::path::PathBuf;

/// Size of the file header (`ldHead`) in bytes.
pub const HEADER_LEN: usize = 0x6E2;
/// Size of the event block (`ldEvent`) in bytes.
pub const EVENT_LEN: usize = 1154;
/// Size of one channel metadata block (`ldChan`) in bytes.
pub const CHANNEL_META_LEN: usize = 124;
/// The value of the first header word of every `.ld` file.
pub const LD_MARKER: u32 = 0x40;

/// Errors reading or writing MoTeC files.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Reading or writing failed.
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
    /// Opening or creating a file failed.
    #[error("I/O error: {source}: {}", path.display())]
    File {
        /// The underlying error.
        source: std::io::Error,
        /// The file.
        path: PathBuf,
    },
    /// The file is shorter than the fixed header.
    #[error("not a MoTeC .ld file: {len} bytes, the header alone is {HEADER_LEN}")]
    TooShort {
        /// File length.
        len: usize,
    },
    /// The first header word is not [`LD_MARKER`].
    #[error("not a MoTeC .ld file: header marker {found:#x}, expected {LD_MARKER:#x}")]
    BadMarker {
        /// The marker found.
        found: u32,
    },
    /// A pointer or a length reaches past the end of the file.
    #[error("{what} at offset {offset} with length {len} reaches past the end of the file ({file_len} bytes)")]
    OutOfBounds {
        /// Which structure.
        what: &'static str,
        /// Its offset.
        offset: u64,
        /// Its length in bytes.
        len: u64,
        /// The file length.
        file_len: usize,
    },
    /// The channel metadata list points back to a block already visited.
    #[error("channel list loops back to offset {offset}")]
    ChannelListCycle {
        /// The offset visited twice.
        offset: u32,
    },
    /// The channels' sample data add up to more bytes than the file has: blocks share or overlap their data.
    #[error(
        "the channels claim {claimed} bytes of samples, more than the whole file ({file_len} bytes): channel blocks \
         share their data"
    )]
    SharedChannelData {
        /// Sample bytes claimed by the channels read so far.
        claimed: u64,
        /// The file length.
        file_len: usize,
    },
    /// The channels' rates and sample counts describe more frames than the log holds samples (see
    /// [`read_frames`]).
    #[error(
        "cannot read the MoTeC log as frames: its longest channel lasts {duration_s:.1} s, which at the fastest \
         rate of {rate_hz} Hz is {frames} frames, more than the {samples} samples its channels hold (are the \
         channel rates or sample counts corrupt?)"
    )]
    FramesExceedSamples {
        /// Duration of the longest channel (samples / rate), seconds.
        duration_s: f64,
        /// The fastest channel's rate, Hz.
        rate_hz: u16,
        /// Frames that duration at that rate needs.
        frames: u64,
        /// Samples of the channels read as frames.
        samples: u64,
    },
    /// A channel uses a sample type this reader does not decode.
    #[error("channel {channel:?}: unsupported data type (class {class}, size {size})")]
    UnsupportedDataType {
        /// Channel name.
        channel: String,
        /// Type class word.
        class: u16,
        /// Type size word.
        size: u16,
    },
    /// A channel's scale word is zero, so its values cannot be decoded.
    #[error("channel {channel:?}: scale is 0")]
    ZeroScale {
        /// Channel name.
        channel: String,
    },
    /// The sample rate of a channel to write is outside 1..=65535 Hz.
    #[error("channel {channel:?}: sample rate must be at least 1 Hz")]
    ZeroRate {
        /// Channel name.
        channel: String,
    },
    /// Frames too sparse for their time span: a fixed-rate log of them would hold far more samples than there
    /// is data (see [`frames_to_ld_channels`]).
    #[error(
        "cannot write a MoTeC log: the frames span {span_s:.0} s but there are only {frames} of them; at {rate_hz} Hz \
         that is {samples} samples per channel, more than the {max_samples} allowed (are the frame times corrupt?)"
    )]
    SparseFrames {
        /// Time from the first frame to the last, seconds.
        span_s: f64,
        /// Frames given.
        frames: usize,
        /// The log's sample rate, Hz.
        rate_hz: u16,
        /// Samples per channel the log would need.
        samples: u128,
        /// Samples per channel allowed for this many frames ([`ld_sample_budget`]).
        max_samples: u64,
    },
    /// The file to write would exceed the 4 GiB that 32-bit pointers address.
    #[error("the .ld file would exceed 4 GiB")]
    TooLarge,
}

/// Result with this module's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
