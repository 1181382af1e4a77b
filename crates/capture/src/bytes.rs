//! Little-endian byte access shared by every decoder, in the three shapes the games' formats call for:
//!
//! - [`Reader`] / [`Writer`]: a bounds-checked cursor and its mirror, for datagrams read field by field in
//!   specification order (F1, Forza, OutGauge). A read past the end is a [`Short`] value, never a panic, so a
//!   field list that disagrees with the checked datagram size is an error on the first packet.
//! - [`array_at`]: one checked read at an offset, `None` past the end (iRacing's variable rows and headers).
//! - [`Field`] and [`layout!`]: a table of `field: Type = offset` rows that defines a struct, its parser and its
//!   encoder at once, with a compile-time check that every field fits (AC/ACC shared memory pages, AC UDP).

/// A read needed more bytes than the buffer has (or, from [`Reader::finish`], bytes were left unread).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Short {
    /// What was being read (a packet's name), for the error message.
    pub(crate) what: &'static str,
    /// Bytes the read needed the buffer to have, counted from its start.
    pub(crate) needed: usize,
    /// Bytes the buffer has.
    pub(crate) got: usize,
}

/// A short F1 datagram (or one with bytes left over) is the crate's [`crate::Error::Length`].
impl From<Short> for crate::Error {
    fn from(s: Short) -> crate::Error {
        crate::Error::Length { packet: s.what, expected: s.needed, got: s.got }
    }
}

/// A cursor over one datagram.
#[derive(Debug)]
pub(crate) struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
    what: &'static str,
}

impl<'a> Reader<'a> {
    /// A cursor at the start of `buf`; `what` names it in errors.
    pub(crate) fn new(buf: &'a [u8], what: &'static str) -> Reader<'a> {
        Reader { buf, pos: 0, what }
    }

    fn short(&self, need: usize) -> Short {
        Short { what: self.what, needed: self.pos.saturating_add(need), got: self.buf.len() }
    }

    /// Offset of the next read.
    pub(crate) fn pos(&self) -> usize {
        self.pos
    }

    /// The next `N` bytes.
    pub(crate) fn bytes<const N: usize>(&mut self) -> Result<[u8; N], Short> {
        let short = self.short(N);
        let end = self.pos.checked_add(N).ok_or(short)?;
        let slice = self.buf.get(self.pos..end).ok_or(short)?;
        let out = <[u8; N]>::try_from(slice).map_err(|_| short)?;
        self.pos = end;
        Ok(out)
    }

    /// Skips `n` bytes.
    pub(crate) fn skip(&mut self, n: usize) -> Result<(), Short> {
        let end = self.pos.checked_add(n).filter(|end| *end <= self.buf.len()).ok_or_else(|| self.short(n))?;
        self.pos = end;
        Ok(())
    }

    /// Errors unless every byte has been read.
    pub(crate) fn finish(&self) -> Result<(), Short> {
        if self.pos == self.buf.len() {
            Ok(())
        } else {
            Err(Short { what: self.what, needed: self.pos, got: self.buf.len() })
        }
    }

    /// Bytes not read yet.
    pub(crate) fn remaining(&self) -> usize {
        self.buf.len().saturating_sub(self.pos)
    }

    /// A reader over the next `len` bytes (one per-car record), advancing past them.
    pub(crate) fn record(&mut self, len: usize) -> Result<Reader<'a>, Short> {
        let start = self.pos;
        self.skip(len)?;
        let slice = self.buf.get(start..self.pos).ok_or_else(|| self.short(len))?;
        Ok(Reader { buf: slice, pos: 0, what: self.what })
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

    pub(crate) fn i16(&mut self) -> Result<i16, Short> {
        Ok(i16::from_le_bytes(self.bytes()?))
    }

    pub(crate) fn i32(&mut self) -> Result<i32, Short> {
        Ok(i32::from_le_bytes(self.bytes()?))
    }

    pub(crate) fn u32(&mut self) -> Result<u32, Short> {
        Ok(u32::from_le_bytes(self.bytes()?))
    }

    pub(crate) fn u64(&mut self) -> Result<u64, Short> {
        Ok(u64::from_le_bytes(self.bytes()?))
    }

    pub(crate) fn f32(&mut self) -> Result<f32, Short> {
        Ok(f32::from_le_bytes(self.bytes()?))
    }

    /// A fixed-size, NUL-terminated UTF-8 string field (invalid UTF-8 is replaced, not refused).
    pub(crate) fn string<const N: usize>(&mut self) -> Result<String, Short> {
        let raw = self.bytes::<N>()?;
        let end = raw.iter().position(|b| *b == 0).unwrap_or(N);
        Ok(String::from_utf8_lossy(&raw[..end]).into_owned())
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

/// Reads `N` bytes at `at`, or `None` past the end.
pub(crate) fn array_at<const N: usize>(b: &[u8], at: usize) -> Option<[u8; N]> {
    b.get(at..at.checked_add(N)?)?.try_into().ok()
}

/// A fixed-size value stored little-endian at an offset, for [`layout!`] tables.
pub(crate) trait Field: Sized {
    /// Bytes the value takes.
    const SIZE: usize;
    /// Reads the value at `off`; the caller has checked that `b` is long enough.
    fn read(b: &[u8], off: usize) -> Self;
    /// Writes the value at `off`; the caller has checked that `b` is long enough.
    fn write(&self, b: &mut [u8], off: usize);
}

fn four(b: &[u8], off: usize) -> [u8; 4] {
    let mut a = [0; 4];
    a.copy_from_slice(&b[off..off + 4]);
    a
}

impl Field for i32 {
    const SIZE: usize = 4;
    fn read(b: &[u8], off: usize) -> Self {
        i32::from_le_bytes(four(b, off))
    }
    fn write(&self, b: &mut [u8], off: usize) {
        b[off..off + 4].copy_from_slice(&self.to_le_bytes());
    }
}

impl Field for f32 {
    const SIZE: usize = 4;
    fn read(b: &[u8], off: usize) -> Self {
        f32::from_le_bytes(four(b, off))
    }
    fn write(&self, b: &mut [u8], off: usize) {
        b[off..off + 4].copy_from_slice(&self.to_le_bytes());
    }
}

impl Field for bool {
    const SIZE: usize = 1;
    fn read(b: &[u8], off: usize) -> Self {
        b[off] != 0
    }
    fn write(&self, b: &mut [u8], off: usize) {
        b[off] = u8::from(*self);
    }
}

impl Field for u8 {
    const SIZE: usize = 1;
    fn read(b: &[u8], off: usize) -> Self {
        b[off]
    }
    fn write(&self, b: &mut [u8], off: usize) {
        b[off] = *self;
    }
}

impl<T: Field, const N: usize> Field for [T; N] {
    const SIZE: usize = T::SIZE * N;
    fn read(b: &[u8], off: usize) -> Self {
        std::array::from_fn(|i| T::read(b, off + i * T::SIZE))
    }
    fn write(&self, b: &mut [u8], off: usize) {
        for (i, v) in self.iter().enumerate() {
            v.write(b, off + i * T::SIZE);
        }
    }
}

/// Defines a struct from a table of `field: Type = offset` rows, with `read_fields` (parse a buffer already
/// checked to be at least `$size` bytes) and `write_fields`; a compile-time check keeps every field inside `$size`.
macro_rules! layout {
    (
        $(#[$meta:meta])*
        pub struct $name:ident ($size:expr) {
            $( $(#[$fmeta:meta])* $field:ident : $ty:ty = $off:expr, )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, serde::Serialize)]
        #[serde(rename_all = "camelCase")]
        pub struct $name {
            $( $(#[$fmeta])* pub $field: $ty, )*
        }

        /// All zeros, as a page is before the game writes it.
        impl Default for $name {
            fn default() -> Self {
                Self::read_fields(&[0; $size])
            }
        }

        impl $name {
            pub(crate) fn read_fields(b: &[u8]) -> Self {
                $name { $( $field: <$ty as $crate::bytes::Field>::read(b, $off), )* }
            }

            pub(crate) fn write_fields(&self, b: &mut [u8]) {
                $( $crate::bytes::Field::write(&self.$field, b, $off); )*
            }
        }

        const _: () = {
            $( assert!($off + <$ty as $crate::bytes::Field>::SIZE <= $size); )*
        };
    };
}

pub(crate) use layout;

/// Plausibility filter: `v` when it lies in `lo..=hi` (NaN never does).
pub(crate) fn within(v: f32, lo: f32, hi: f32) -> Option<f32> {
    (lo..=hi).contains(&v).then_some(v)
}

/// A pedal in 0..1, with rounding noise at the ends clamped away.
pub(crate) fn pedal(v: f32) -> Option<f32> {
    within(v, -0.01, 1.01).map(|v| v.clamp(0.0, 1.0))
}

/// Serializes a fixed-size array of any length as a sequence (serde's own impls stop at 32 elements).
pub(crate) fn serialize_array<S: serde::Serializer, T: serde::Serialize, const N: usize>(
    values: &[T; N],
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.collect_seq(values.iter())
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
        let mut r = Reader::new(&b, "test");
        assert_eq!((r.u8(), r.i8(), r.u16(), r.i32(), r.f32()), (Ok(1), Ok(-2), Ok(0x0304), Ok(-5), Ok(1.5)));
        assert_eq!((r.pos(), r.remaining()), (12, 0));
        assert_eq!(r.finish(), Ok(()));
        assert_eq!(r.u8(), Err(Short { what: "test", needed: 13, got: 12 }));
        assert_eq!(r.pos(), 12, "a failed read does not move the cursor");
    }

    #[test]
    fn records_skips_and_leftovers() {
        let b = [1u8, 2, 3, 4, 5];
        let mut r = Reader::new(&b, "test");
        let mut rec = r.record(2).expect("two bytes");
        assert_eq!(rec.u16(), Ok(0x0201));
        assert_eq!(rec.finish(), Ok(()));
        assert_eq!(r.finish(), Err(Short { what: "test", needed: 2, got: 5 }));
        assert_eq!(r.skip(4), Err(Short { what: "test", needed: 6, got: 5 }));
        assert_eq!(r.skip(3), Ok(()));
        assert_eq!(array_at::<2>(&b, 3), Some([4, 5]));
        assert_eq!(array_at::<2>(&b, 4), None);
        assert_eq!(array_at::<2>(&b, usize::MAX), None);
    }
}
