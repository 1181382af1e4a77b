//! Binary encodings of [`racecraft_core::Frame`]s. One codec for every path, so the same frames come back
//! bit-exact from the wire, the database and recordings.
//!
//! # Layout
//! - [`compact`]: one frame as `t_us · presence mask · f32 per present channel`: the live path (agent →
//!   server → viewer), no compression, no allocation.
//! - [`chunk`]: many frames column by column, each column predicted (constant, previous value or linear
//!   extrapolation, XOR or difference), byte-shuffled, then LZ4 or zstd: storage chunks, recording blocks
//!   and catch-up batches. Layout, not codec, is what makes telemetry small. Version-1 chunks (XOR with
//!   the previous value, LZ4) are still decoded.
//! - [`wire`]: the framing of binary WebSocket messages around those two.
//!
//! Every decoder takes untrusted bytes and returns [`Error`] on anything malformed; none panics.

pub mod chunk;
pub mod compact;
pub mod wire;

/// What can go wrong decoding bytes from outside.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum Error {
    /// The input ended before a complete value.
    #[error("truncated input: need {needed} bytes at offset {offset}, have {available}")]
    Truncated {
        /// Offset of the value that did not fit.
        offset: usize,
        /// Bytes it needs.
        needed: usize,
        /// Bytes left.
        available: usize,
    },
    /// A format version this build does not know.
    #[error("unsupported {what} version {version}")]
    UnsupportedVersion {
        /// Which format.
        what: &'static str,
        /// The version found.
        version: u8,
    },
    /// Structurally invalid content.
    #[error("malformed {what}: {detail}")]
    Malformed {
        /// Which format.
        what: &'static str,
        /// What is wrong.
        detail: String,
    },
    /// The checksum does not match the content.
    #[error("checksum mismatch: stored {stored:#010x}, computed {computed:#010x}")]
    Checksum {
        /// Checksum in the data.
        stored: u32,
        /// Checksum of the bytes read.
        computed: u32,
    },
}

/// Result with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The little-endian reader every decoder here reads untrusted bytes with.
pub(crate) use racecraft_core::bytes::Reader;

/// A read past the end is [`Error::Truncated`].
impl From<racecraft_core::bytes::Error> for Error {
    fn from(e: racecraft_core::bytes::Error) -> Error {
        match e {
            racecraft_core::bytes::Error::Short { offset, needed, len, .. } => {
                Error::Truncated { offset, needed, available: len.saturating_sub(offset) }
            }
            racecraft_core::bytes::Error::Leftover { what, read, len } => {
                Error::Malformed { what, detail: format!("{} trailing bytes after {read}", len - read) }
            }
        }
    }
}
