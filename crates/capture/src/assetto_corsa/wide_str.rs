//! AC's fixed-width UTF-16LE strings (`wchar_t[N]` on Windows), as a [`Field`] for the pages' `layout!` tables.

use crate::bytes::Field;

/// A fixed-width UTF-16LE string of `N` code units (`wchar_t[N]` on Windows).
///
/// Decoding stops at the first NUL, and also at the first `'%'` when `PERCENT` is set: AC's UDP names end with
/// `'%'` followed by garbage. Encoding writes the text, then the terminator (`'%'` or NUL) and NULs, cutting the
/// text at a character boundary if it is longer than fits.
#[derive(Debug, Clone, PartialEq, Eq, Default, Hash, serde::Serialize)]
#[serde(transparent)]
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
