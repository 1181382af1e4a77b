//! Bounds-checked little-endian reads from a datagram.

use crate::{Error, Result};

/// A cursor over one datagram. Every read is bounds-checked and returns [`Error::Length`] rather than
/// panicking, so even a layout mistake cannot turn into an out-of-bounds read.
#[derive(Debug)]
pub(crate) struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
    packet: &'static str,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(buf: &'a [u8], packet: &'static str) -> Reader<'a> {
        Reader { buf, pos: 0, packet }
    }

    fn short(&self, need: usize) -> Error {
        Error::Length { packet: self.packet, expected: self.pos.saturating_add(need), got: self.buf.len() }
    }

    pub(crate) fn bytes<const N: usize>(&mut self) -> Result<[u8; N]> {
        let end = self.pos.checked_add(N).ok_or_else(|| self.short(N))?;
        let slice = self.buf.get(self.pos..end).ok_or_else(|| self.short(N))?;
        let out = <[u8; N]>::try_from(slice).map_err(|_| self.short(N))?;
        self.pos = end;
        Ok(out)
    }

    pub(crate) fn skip(&mut self, n: usize) -> Result<()> {
        let end = self.pos.checked_add(n).filter(|end| *end <= self.buf.len()).ok_or_else(|| self.short(n))?;
        self.pos = end;
        Ok(())
    }

    /// Errors unless every byte has been read.
    pub(crate) fn finish(&self) -> Result<()> {
        if self.pos == self.buf.len() {
            Ok(())
        } else {
            Err(Error::Length { packet: self.packet, expected: self.pos, got: self.buf.len() })
        }
    }

    pub(crate) fn u8(&mut self) -> Result<u8> {
        Ok(self.bytes::<1>()?[0])
    }

    pub(crate) fn i8(&mut self) -> Result<i8> {
        Ok(i8::from_le_bytes(self.bytes()?))
    }

    pub(crate) fn u16(&mut self) -> Result<u16> {
        Ok(u16::from_le_bytes(self.bytes()?))
    }

    pub(crate) fn i16(&mut self) -> Result<i16> {
        Ok(i16::from_le_bytes(self.bytes()?))
    }

    pub(crate) fn u32(&mut self) -> Result<u32> {
        Ok(u32::from_le_bytes(self.bytes()?))
    }

    pub(crate) fn u64(&mut self) -> Result<u64> {
        Ok(u64::from_le_bytes(self.bytes()?))
    }

    pub(crate) fn f32(&mut self) -> Result<f32> {
        Ok(f32::from_le_bytes(self.bytes()?))
    }

    /// A fixed-size, NUL-terminated UTF-8 string field (invalid UTF-8 is replaced, not refused).
    pub(crate) fn string<const N: usize>(&mut self) -> Result<String> {
        let raw = self.bytes::<N>()?;
        let end = raw.iter().position(|b| *b == 0).unwrap_or(N);
        Ok(String::from_utf8_lossy(&raw[..end]).into_owned())
    }
}

impl<'a> Reader<'a> {
    /// Bytes not read yet.
    pub(crate) fn remaining(&self) -> usize {
        self.buf.len().saturating_sub(self.pos)
    }

    /// A reader over the next `len` bytes (one per-car record), advancing past them.
    pub(crate) fn record(&mut self, len: usize) -> Result<Reader<'a>> {
        let start = self.pos;
        self.skip(len)?;
        let slice = self.buf.get(start..self.pos).ok_or_else(|| self.short(len))?;
        Ok(Reader { buf: slice, pos: 0, packet: self.packet })
    }
}
