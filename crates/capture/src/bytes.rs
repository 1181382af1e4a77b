//! A bounds-checked little-endian cursor ([`Reader`]) and its mirror ([`Writer`]), for decoders that read a
//! datagram field by field in specification order (Forza, OutGauge).
//!
//! A read past the end is a [`Short`] value, never a panic, so a field list that disagrees with the checked
//! datagram size shows up as an error on the first packet instead of an out-of-bounds read.

/// A read needed more bytes than the buffer has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Short {
    /// Bytes the read needed the buffer to have, counted from its start.
    pub(crate) needed: usize,
    /// Bytes the buffer has.
    pub(crate) got: usize,
}

/// A cursor over one datagram.
#[derive(Debug)]
pub(crate) struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(buf: &'a [u8]) -> Reader<'a> {
        Reader { buf, pos: 0 }
    }

    /// Offset of the next read.
    pub(crate) fn pos(&self) -> usize {
        self.pos
    }

    /// The next `N` bytes.
    pub(crate) fn bytes<const N: usize>(&mut self) -> Result<[u8; N], Short> {
        let short = Short { needed: self.pos.saturating_add(N), got: self.buf.len() };
        let end = self.pos.checked_add(N).ok_or(short)?;
        let slice = self.buf.get(self.pos..end).ok_or(short)?;
        let out = <[u8; N]>::try_from(slice).map_err(|_| short)?;
        self.pos = end;
        Ok(out)
    }

    pub(crate) fn u8(&mut self) -> Result<u8, Short> {
        Ok(self.bytes::<1>()?[0])
    }

    pub(crate) fn i8(&mut self) -> Result<i8, Short> {
        Ok(i8::from_le_bytes(self.bytes()?))
    }

    pub(crate) fn u16(&mut self) -> Result<u16, Short> {
        Ok(u16::from_le_bytes(self.bytes()?))
    }

    pub(crate) fn i32(&mut self) -> Result<i32, Short> {
        Ok(i32::from_le_bytes(self.bytes()?))
    }

    pub(crate) fn u32(&mut self) -> Result<u32, Short> {
        Ok(u32::from_le_bytes(self.bytes()?))
    }

    pub(crate) fn f32(&mut self) -> Result<f32, Short> {
        Ok(f32::from_le_bytes(self.bytes()?))
    }

    /// Four consecutive `f32`s (one per wheel, FL FR RL RR).
    pub(crate) fn f32x4(&mut self) -> Result<[f32; 4], Short> {
        Ok([self.f32()?, self.f32()?, self.f32()?, self.f32()?])
    }

    /// Four consecutive `i32`s.
    pub(crate) fn i32x4(&mut self) -> Result<[i32; 4], Short> {
        Ok([self.i32()?, self.i32()?, self.i32()?, self.i32()?])
    }
}

/// Appends little-endian fields to a buffer, in specification order.
#[derive(Debug, Default)]
pub(crate) struct Writer {
    buf: Vec<u8>,
}

impl Writer {
    pub(crate) fn with_capacity(n: usize) -> Writer {
        Writer { buf: Vec::with_capacity(n) }
    }

    /// Offset of the next write.
    pub(crate) fn pos(&self) -> usize {
        self.buf.len()
    }

    pub(crate) fn bytes(&mut self, b: &[u8]) {
        self.buf.extend_from_slice(b);
    }

    pub(crate) fn u8(&mut self, v: u8) {
        self.buf.push(v);
    }

    pub(crate) fn i8(&mut self, v: i8) {
        self.bytes(&v.to_le_bytes());
    }

    pub(crate) fn u16(&mut self, v: u16) {
        self.bytes(&v.to_le_bytes());
    }

    pub(crate) fn i32(&mut self, v: i32) {
        self.bytes(&v.to_le_bytes());
    }

    pub(crate) fn u32(&mut self, v: u32) {
        self.bytes(&v.to_le_bytes());
    }

    pub(crate) fn f32(&mut self, v: f32) {
        self.bytes(&v.to_le_bytes());
    }

    pub(crate) fn f32x4(&mut self, v: [f32; 4]) {
        v.into_iter().for_each(|x| self.f32(x));
    }

    pub(crate) fn i32x4(&mut self, v: [i32; 4]) {
        v.into_iter().for_each(|x| self.i32(x));
    }

    pub(crate) fn into_vec(self) -> Vec<u8> {
        self.buf
    }
}

/// Plausibility filter: `v` when it lies in `lo..=hi` (NaN never does).
pub(crate) fn within(v: f32, lo: f32, hi: f32) -> Option<f32> {
    (lo..=hi).contains(&v).then_some(v)
}

/// A pedal in 0..1, with rounding noise at the ends clamped away.
pub(crate) fn pedal(v: f32) -> Option<f32> {
    within(v, -0.01, 1.01).map(|v| v.clamp(0.0, 1.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_mirror_writes_and_stop_at_the_end() {
        let mut w = Writer::with_capacity(16);
        w.u8(1);
        w.i8(-2);
        w.u16(0x0304);
        w.i32(-5);
        w.f32(1.5);
        assert_eq!(w.pos(), 12);
        let b = w.into_vec();
        let mut r = Reader::new(&b);
        assert_eq!((r.u8(), r.i8(), r.u16(), r.i32(), r.f32()), (Ok(1), Ok(-2), Ok(0x0304), Ok(-5), Ok(1.5)));
        assert_eq!(r.pos(), 12);
        assert_eq!(r.u8(), Err(Short { needed: 13, got: 12 }));
        assert_eq!(r.pos(), 12, "a failed read does not move the cursor");
    }
}
