//! Little-endian byte access shared by every decoder, in the three shapes the games' formats call for:
//!
//! - [`Reader`] (racecraft-core's, the one every decoder of outside bytes uses) / [`Writer`]: a bounds-checked
//!   cursor and its mirror, for datagrams read field by field in specification order (F1, Forza, OutGauge). A
//!   read past the end is a [`Short`] value, never a panic, so a field list that disagrees with the checked
//!   datagram size is an error on the first packet.
//! - [`array_at`]: one checked read at an offset, `None` past the end (iRacing's variable rows and headers).
//! - [`Field`] and [`layout!`]: a table of `field: Type = offset` rows that defines a struct, its parser and its
//!   encoder at once, with a compile-time check that every field fits (AC/ACC shared memory pages, AC UDP).

pub(crate) use racecraft_core::bytes::{Error as Short, Reader, array_at};

/// A short F1 datagram (or one with bytes left over) is the crate's [`crate::Error::Length`].
impl From<Short> for crate::Error {
    fn from(s: Short) -> crate::Error {
        crate::Error::Length { packet: s.what(), expected: s.end(), got: s.buffer_len() }
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
    use proptest::prelude::*;

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
        let mut r = Reader::new(&b).named("test");
        assert_eq!((r.u8(), r.i8(), r.u16(), r.i32(), r.f32()), (Ok(1), Ok(-2), Ok(0x0304), Ok(-5), Ok(1.5)));
        assert_eq!(r.finish(), Ok(()));
        let short = r.u8().expect_err("past the end");
        assert_eq!(
            crate::Error::from(short).to_string(),
            crate::Error::Length { packet: "test", expected: 13, got: 12 }.to_string()
        );
    }

    proptest! {
        /// Whatever is written reads back the same; cut anywhere short, the read is an error, never a panic.
        #[test]
        fn written_fields_read_back_and_a_cut_is_an_error(
            a in any::<u8>(), b in any::<i8>(), c in any::<u16>(), d in any::<i32>(), e in any::<u32>(),
            f in any::<[f32; 4]>(), cut in 0usize..24,
        ) {
            let mut w = Writer::with_capacity(28);
            w.u8(a);
            w.i8(b);
            w.u16(c);
            w.i32(d);
            w.u32(e);
            w.f32x4(f);
            let bytes = w.into_vec();
            let read = |buf: &[u8]| -> Result<_, Short> {
                let mut r = Reader::new(buf);
                let fields = (r.u8()?, r.i8()?, r.u16()?, r.i32()?, r.u32()?, r.f32x4()?.map(f32::to_bits));
                r.finish()?;
                Ok(fields)
            };
            prop_assert_eq!(read(&bytes), Ok((a, b, c, d, e, f.map(f32::to_bits))));
            let short = read(&bytes[..cut]).expect_err("cut short");
            prop_assert!(short.end() > cut);
            prop_assert_eq!(short.buffer_len(), cut);
        }
    }
}
