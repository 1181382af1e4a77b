//! Little-endian reads from bytes that came from outside: datagrams, recordings, spool segments, other tools'
//! files. Every decoder of outside bytes reads through [`Reader`]; a read past the end is an [`Error`] the caller
//! handles, never a panic and never a made-up zero.
//!
//! - [`Reader::new`]: a cursor read field by field in specification order.
//! - [`Reader::at`]: a cursor at an absolute offset, for one read at a known place (`Reader::at(b, 8).u32()`).
//! - [`array_at`]: `N` bytes at an offset, `None` past the end.

use std::fmt;

/// A read that the buffer could not satisfy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Error {
    /// A read needed more bytes than the buffer has.
    Short {
        /// What was being read (a packet's or a block's name), for the error message.
        what: &'static str,
        /// Offset of the read.
        offset: usize,
        /// Bytes the read needed from `offset`.
        needed: usize,
        /// Bytes the buffer has.
        len: usize,
    },
    /// [`Reader::finish`]: bytes were left unread.
    Leftover {
        /// What was being read.
        what: &'static str,
        /// Bytes read.
        read: usize,
        /// Bytes the buffer has.
        len: usize,
    },
}

impl Error {
    /// Bytes the buffer would have had to have, counted from its start (for `Leftover`, the bytes read).
    pub fn end(&self) -> usize {
        match *self {
            Error::Short { offset, needed, .. } => offset.saturating_add(needed),
            Error::Leftover { read, .. } => read,
        }
    }

    /// Bytes the buffer has.
    pub fn buffer_len(&self) -> usize {
        match *self {
            Error::Short { len, .. } | Error::Leftover { len, .. } => len,
        }
    }

    /// What was being read.
    pub fn what(&self) -> &'static str {
        match *self {
            Error::Short { what, .. } | Error::Leftover { what, .. } => what,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Error::Short { what, offset, needed, len } => {
                write!(f, "{what}: {needed} bytes needed at offset {offset}, the buffer has {len}")
            }
            Error::Leftover { what, read, len } => write!(f, "{what}: {} bytes left after {read}", len - read),
        }
    }
}

impl std::error::Error for Error {}

/// A bounds-checked little-endian cursor. A failed read does not move it.
#[derive(Debug, Clone)]
pub struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
    what: &'static str,
}

impl<'a> Reader<'a> {
    /// A cursor at the start of `buf`.
    pub fn new(buf: &'a [u8]) -> Reader<'a> {
        Reader { buf, pos: 0, what: "bytes" }
    }

    /// A cursor at `offset` of `buf` (past the end is allowed: every read from there fails).
    pub fn at(buf: &'a [u8], offset: usize) -> Reader<'a> {
        Reader { buf, pos: offset, what: "bytes" }
    }

    /// Names what is read, for errors.
    #[must_use]
    pub fn named(mut self, what: &'static str) -> Reader<'a> {
        self.what = what;
        self
    }

    fn short(&self, needed: usize) -> Error {
        Error::Short { what: self.what, offset: self.pos, needed, len: self.buf.len() }
    }

    /// Offset of the next read.
    pub fn pos(&self) -> usize {
        self.pos
    }

    /// Bytes not read yet.
    pub fn remaining(&self) -> usize {
        self.buf.len().saturating_sub(self.pos)
    }

    /// The bytes not read yet.
    pub fn rest(&self) -> &'a [u8] {
        self.buf.get(self.pos..).unwrap_or_default()
    }

    /// The next `n` bytes.
    pub fn take(&mut self, n: usize) -> Result<&'a [u8], Error> {
        let end = self.pos.checked_add(n).ok_or_else(|| self.short(n))?;
        let out = self.buf.get(self.pos..end).ok_or_else(|| self.short(n))?;
        self.pos = end;
        Ok(out)
    }

    /// The next `N` bytes.
    pub fn array<const N: usize>(&mut self) -> Result<[u8; N], Error> {
        let slice = self.take(N)?;
        let mut out = [0; N];
        out.copy_from_slice(slice);
        Ok(out)
    }

    /// Skips `n` bytes.
    pub fn skip(&mut self, n: usize) -> Result<(), Error> {
        self.take(n).map(|_| ())
    }

    /// A reader over the next `len` bytes (one record), advancing past them.
    pub fn record(&mut self, len: usize) -> Result<Reader<'a>, Error> {
        let buf = self.take(len)?;
        Ok(Reader { buf, pos: 0, what: self.what })
    }

    /// Errors unless every byte has been read.
    pub fn finish(&self) -> Result<(), Error> {
        if self.pos == self.buf.len() {
            Ok(())
        } else {
            Err(Error::Leftover { what: self.what, read: self.pos, len: self.buf.len() })
        }
    }

    /// A fixed-size, NUL-terminated UTF-8 string field (invalid UTF-8 is replaced, not refused).
    pub fn string<const N: usize>(&mut self) -> Result<String, Error> {
        let raw = self.array::<N>()?;
        let end = raw.iter().position(|b| *b == 0).unwrap_or(N);
        Ok(String::from_utf8_lossy(&raw[..end]).into_owned())
    }

    /// Four consecutive `f32`s (one per wheel, FL FR RL RR).
    pub fn f32x4(&mut self) -> Result<[f32; 4], Error> {
        Ok(array_of(self.array::<16>()?, f32::from_le_bytes))
    }

    /// Four consecutive `i32`s.
    pub fn i32x4(&mut self) -> Result<[i32; 4], Error> {
        Ok(array_of(self.array::<16>()?, i32::from_le_bytes))
    }
}

fn array_of<T>(raw: [u8; 16], f: fn([u8; 4]) -> T) -> [T; 4] {
    std::array::from_fn(|i| f([raw[4 * i], raw[4 * i + 1], raw[4 * i + 2], raw[4 * i + 3]]))
}

macro_rules! reads {
    ($($name:ident: $ty:ty),* $(,)?) => {
        impl Reader<'_> {
            $(
                #[doc = concat!("The next `", stringify!($ty), "`, little-endian.")]
                pub fn $name(&mut self) -> Result<$ty, Error> {
                    Ok(<$ty>::from_le_bytes(self.array()?))
                }
            )*
        }
    };
}

reads!(u8: u8, i8: i8, u16: u16, i16: i16, u32: u32, i32: i32, u64: u64, i64: i64, f32: f32, f64: f64);

/// Reads `N` bytes at `at`, or `None` past the end.
pub fn array_at<const N: usize>(b: &[u8], at: usize) -> Option<[u8; N]> {
    b.get(at..at.checked_add(N)?)?.try_into().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_in_order_and_stop_at_the_end() {
        let b = [1u8, 0xfe, 4, 3, 0xfb, 0xff, 0xff, 0xff, 0, 0, 0xc0, 0x3f];
        let mut r = Reader::new(&b).named("test");
        assert_eq!((r.u8(), r.i8(), r.u16(), r.i32(), r.f32()), (Ok(1), Ok(-2), Ok(0x0304), Ok(-5), Ok(1.5)));
        assert_eq!((r.pos(), r.remaining(), r.rest()), (12, 0, &[][..]));
        assert_eq!(r.finish(), Ok(()));
        let err = r.u8().expect_err("past the end");
        assert_eq!(err, Error::Short { what: "test", offset: 12, needed: 1, len: 12 });
        assert_eq!((err.end(), err.buffer_len(), err.what()), (13, 12, "test"));
        assert_eq!(r.pos(), 12, "a failed read does not move the cursor");
    }

    #[test]
    fn every_width_reads_little_endian() {
        let b: Vec<u8> = (1..=8).collect();
        let r = || Reader::new(&b);
        assert_eq!(r().u16(), Ok(0x0201));
        assert_eq!(r().i16(), Ok(0x0201));
        assert_eq!(r().u32(), Ok(0x0403_0201));
        assert_eq!(r().u64(), Ok(0x0807_0605_0403_0201));
        assert_eq!(r().i64(), Ok(0x0807_0605_0403_0201));
        assert_eq!(Reader::new(&2.5f64.to_le_bytes()).f64(), Ok(2.5));
        assert_eq!(Reader::new(&[0; 7]).f64(), Err(Error::Short { what: "bytes", offset: 0, needed: 8, len: 7 }));
    }

    #[test]
    fn absolute_reads_past_the_end_are_errors_not_zero() {
        let b = [1u8, 2, 3, 4, 5];
        assert_eq!(Reader::at(&b, 1).u32(), Ok(0x0504_0302));
        assert_eq!(Reader::at(&b, 2).u32(), Err(Error::Short { what: "bytes", offset: 2, needed: 4, len: 5 }));
        assert!(Reader::at(&b, 9).u8().is_err());
        assert!(Reader::at(&b, usize::MAX).u16().is_err());
        assert_eq!(Reader::at(&b, 9).rest(), &[][..]);
        assert_eq!(Reader::at(&b, 9).remaining(), 0);
        assert_eq!(array_at::<2>(&b, 3), Some([4, 5]));
        assert_eq!(array_at::<2>(&b, 4), None);
        assert_eq!(array_at::<2>(&b, usize::MAX), None);
    }

    #[test]
    fn records_skips_strings_and_leftovers() {
        let b = [1u8, 2, 3, 4, 5];
        let mut r = Reader::new(&b).named("test");
        let mut rec = r.record(2).expect("two bytes");
        assert_eq!(rec.u16(), Ok(0x0201));
        assert_eq!(rec.finish(), Ok(()));
        assert_eq!(r.finish(), Err(Error::Leftover { what: "test", read: 2, len: 5 }));
        assert_eq!(r.skip(4).map_err(|e| e.end()), Err(6));
        assert_eq!(r.skip(3), Ok(()));
        assert_eq!(Reader::new(b"ab\0cd").string::<5>(), Ok("ab".to_owned()));
        assert_eq!(Reader::new(b"abcd").string::<4>(), Ok("abcd".to_owned()));
        let mut w = Vec::new();
        [1.0f32, -2.0, 3.5, 0.0].iter().for_each(|v| w.extend_from_slice(&v.to_le_bytes()));
        assert_eq!(Reader::new(&w).f32x4(), Ok([1.0, -2.0, 3.5, 0.0]));
        assert_eq!(Reader::new(&w).i32x4().map(|v| v[0]), Ok(1.0f32.to_bits() as i32));
        assert!(Reader::new(&w[..15]).f32x4().is_err());
    }

    /// A small generated check without a property-testing dependency (core has none): every read at every
    /// offset of buffers of every length up to 24 either returns the `from_le_bytes` of the bytes there or,
    /// exactly when they do not fit, an error; it never panics.
    #[test]
    fn every_read_at_every_offset_is_checked() {
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        for len in 0..24 {
            let b: Vec<u8> = (0..len)
                .map(|_| {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    seed as u8
                })
                .collect();
            for at in 0..len + 10 {
                let fits = |n: usize| at + n <= len;
                let u32_at = Reader::at(&b, at).u32();
                assert_eq!(u32_at.is_ok(), fits(4));
                if let Ok(v) = u32_at {
                    assert_eq!(v, u32::from_le_bytes(b[at..at + 4].try_into().expect("4 bytes")));
                }
                assert_eq!(Reader::at(&b, at).u8().ok(), b.get(at).copied());
                assert_eq!(Reader::at(&b, at).u64().is_ok(), fits(8));
                assert_eq!(Reader::at(&b, at).f64().is_ok(), fits(8));
                assert_eq!(Reader::at(&b, at).i16().is_ok(), fits(2));
                assert_eq!(array_at::<4>(&b, at).is_some(), fits(4));
            }
        }
    }
}
