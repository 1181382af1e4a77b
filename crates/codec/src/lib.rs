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

/// A little-endian reader over untrusted bytes that fails instead of panicking.
#[derive(Debug)]
pub(crate) struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(bytes: &'a [u8]) -> Reader<'a> {
        Reader { bytes, pos: 0 }
    }

    pub(crate) fn position(&self) -> usize {
        self.pos
    }

    pub(crate) fn remaining(&self) -> &'a [u8] {
        &self.bytes[self.pos..]
    }

    pub(crate) fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        let available = self.bytes.len() - self.pos;
        if n > available {
            return Err(Error::Truncated { offset: self.pos, needed: n, available });
        }
        let out = &self.bytes[self.pos..self.pos + n];
        self.pos += n;
        Ok(out)
    }

    pub(crate) fn array<const N: usize>(&mut self) -> Result<[u8; N]> {
        let mut out = [0; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }

    pub(crate) fn u8(&mut self) -> Result<u8> {
        Ok(self.array::<1>()?[0])
    }

    pub(crate) fn u32(&mut self) -> Result<u32> {
        Ok(u32::from_le_bytes(self.array()?))
    }

    pub(crate) fn u64(&mut self) -> Result<u64> {
        Ok(u64::from_le_bytes(self.array()?))
    }

    pub(crate) fn i64(&mut self) -> Result<i64> {
        Ok(i64::from_le_bytes(self.array()?))
    }

    pub(crate) fn f32(&mut self) -> Result<f32> {
        Ok(f32::from_le_bytes(self.array()?))
    }
}
