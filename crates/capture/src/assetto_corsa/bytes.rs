//! Explicit little-endian field access shared by the pages and datagrams, and the [`layout!`] macro that turns
//! one table of `field: type = offset` into a struct, its parser and its encoder, so the two cannot disagree.

/// A fixed-size value stored little-endian at an offset.
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

/// A fixed-width UTF-16LE string of `N` code units (`wchar_t[N]` on Windows).
///
/// Decoding stops at the first NUL, and also at the first `'%'` when `PERCENT` is set: AC's UDP names end with
/// `'%'` followed by garbage. Encoding writes the text, then the terminator (`'%'` or NUL) and NULs, cutting the
/// text at a character boundary if it is longer than fits.
#[derive(Debug, Clone, PartialEq, Eq, Default, Hash)]
pub struct WideStr<const N: usize, const PERCENT: bool = false>(pub String);

impl<const N: usize, const PERCENT: bool> WideStr<N, PERCENT> {
    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<const N: usize, const PERCENT: bool> std::fmt::Display for WideStr<N, PERCENT> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl<const N: usize, const PERCENT: bool> From<&str> for WideStr<N, PERCENT> {
    fn from(s: &str) -> Self {
        WideStr(s.to_owned())
    }
}

impl<const N: usize, const PERCENT: bool> PartialEq<&str> for WideStr<N, PERCENT> {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

impl<const N: usize, const PERCENT: bool> Field for WideStr<N, PERCENT> {
    const SIZE: usize = 2 * N;
    fn read(b: &[u8], off: usize) -> Self {
        let units: Vec<u16> = (0..N)
            .map(|i| u16::from_le_bytes([b[off + 2 * i], b[off + 2 * i + 1]]))
            .take_while(|&u| u != 0 && !(PERCENT && u == u16::from(b'%')))
            .collect();
        WideStr(String::from_utf16_lossy(&units))
    }
    fn write(&self, b: &mut [u8], off: usize) {
        let mut units: Vec<u16> = Vec::with_capacity(N);
        for c in self.0.chars() {
            let mut buf = [0u16; 2];
            let enc = c.encode_utf16(&mut buf);
            if units.len() + enc.len() > N {
                break;
            }
            units.extend_from_slice(enc);
        }
        if PERCENT && units.len() < N {
            units.push(u16::from(b'%'));
        }
        units.resize(N, 0);
        for (i, u) in units.iter().enumerate() {
            b[off + 2 * i..off + 2 * i + 2].copy_from_slice(&u.to_le_bytes());
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
        #[derive(Debug, Clone, PartialEq)]
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
                $name { $( $field: <$ty as $crate::assetto_corsa::bytes::Field>::read(b, $off), )* }
            }

            pub(crate) fn write_fields(&self, b: &mut [u8]) {
                $( $crate::assetto_corsa::bytes::Field::write(&self.$field, b, $off); )*
            }
        }

        const _: () = {
            $( assert!($off + <$ty as $crate::assetto_corsa::bytes::Field>::SIZE <= $size); )*
        };
    };
}

pub(crate) use layout;
