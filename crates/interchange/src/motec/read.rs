//! The `.ld` reader.

use std::collections::HashSet;
use std::path::Path;

use racecraft_core::bytes::{self, Reader};

use super::{CHANNEL_META_LEN, EVENT_LEN, Error, HEADER_LEN, LD_MARKER, Result};

/// The file header fields Racecraft understands (offsets in protocols.md §5).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LdHeader {
    /// First word, always [`LD_MARKER`].
    pub marker: u32,
    /// Offset of the first channel metadata block (0: no channels).
    pub channel_meta_ptr: u32,
    /// Offset where channel data starts.
    pub channel_data_ptr: u32,
    /// Offset of the event block (0: none).
    pub event_ptr: u32,
    /// Logger serial number.
    pub device_serial: u32,
    /// Logger type, e.g. `"ADL"`.
    pub device_type: String,
    /// Logger firmware version.
    pub device_version: u16,
    /// Channel count as the header states it (the linked list is authoritative).
    pub num_channels: u32,
    /// Date, `dd/mm/yyyy`.
    pub date: String,
    /// Time of day, `HH:MM:SS` or `HH:MM`.
    pub time: String,
    /// Driver name.
    pub driver: String,
    /// Vehicle id.
    pub vehicle_id: String,
    /// Venue name.
    pub venue: String,
    /// Session, as stored in the header (the event block has its own copy).
    pub session: String,
    /// Short comment.
    pub short_comment: String,
    /// The "pro logging" word at offset 1502.
    pub pro_logging: u32,
}

/// The event block.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LdEvent {
    /// Event name.
    pub name: String,
    /// Session name.
    pub session: String,
    /// Long comment.
    pub comment: String,
    /// Offset of the venue block (16-bit, 0: none).
    pub venue_ptr: u16,
}

/// How a channel's samples are stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DataType {
    /// Signed 16-bit integer (class 0, 3 or 5, size 2).
    I16,
    /// Signed 32-bit integer (class 0, 3 or 5, size 4).
    I32,
    /// IEEE half float (class 7, size 2).
    F16,
    /// IEEE single float (class 7, size 4).
    F32,
    /// A class/size pair this reader does not decode; its values are refused, the rest of the file is not.
    Unknown {
        /// Class word.
        class: u16,
        /// Size word.
        size: u16,
    },
}

impl DataType {
    /// Decodes the class and size words of a channel block.
    pub fn from_words(class: u16, size: u16) -> DataType {
        match (class, size) {
            // Class 0 is labelled "beacon" by motec-i2 but holds plain integers; 5 appears in some loggers' files.
            (0 | 3 | 5, 2) => DataType::I16,
            (0 | 3 | 5, 4) => DataType::I32,
            (7, 2) => DataType::F16,
            (7, 4) => DataType::F32,
            (class, size) => DataType::Unknown { class, size },
        }
    }

    /// Bytes per sample, if known.
    pub fn size(self) -> Option<usize> {
        match self {
            DataType::I16 | DataType::F16 => Some(2),
            DataType::I32 | DataType::F32 => Some(4),
            DataType::Unknown { .. } => None,
        }
    }
}

/// One channel's metadata block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LdChannelMeta {
    /// Offset of this block in the file.
    pub offset: u32,
    /// Offset of the previous block (0 for the first).
    pub prev_ptr: u32,
    /// Offset of the next block (0 for the last).
    pub next_ptr: u32,
    /// Offset of the samples.
    pub data_ptr: u32,
    /// Number of samples.
    pub count: u32,
    /// Counter/id word.
    pub id: u16,
    /// Sample type.
    pub data_type: DataType,
    /// Sample rate in Hz.
    pub rate_hz: u16,
    /// Offset added after scaling (see [`LdChannelMeta::decode`]).
    pub shift: i16,
    /// Multiplier.
    pub mul: i16,
    /// Divisor.
    pub scale: i16,
    /// Decimal places: the raw value is divided by 10^dec_places.
    pub dec_places: i16,
    /// Channel name.
    pub name: String,
    /// Short name.
    pub short_name: String,
    /// Display unit.
    pub unit: String,
}

impl LdChannelMeta {
    /// Converts a raw sample to engineering units: `(raw / scale · 10^−dec + shift) · mul`.
    ///
    /// This is ldparser's formula; motec-i2 omits `shift` and only accepts 0 there, so the two agree on every
    /// file either can read. Callers guarantee `scale != 0`.
    pub fn decode(&self, raw: f64) -> f64 {
        self.decoder()(raw)
    }

    /// [`LdChannelMeta::decode`] with the power of ten computed once.
    fn decoder(&self) -> impl Fn(f64) -> f64 + use<> {
        let (scale, shift, mul) = (f64::from(self.scale), f64::from(self.shift), f64::from(self.mul));
        let pow = 10f64.powi(-i32::from(self.dec_places));
        move |raw| (raw / scale * pow + shift) * mul
    }

    /// Bytes of sample data, if the type is known.
    pub fn data_len(&self) -> Option<u64> {
        self.data_type.size().map(|s| s as u64 * u64::from(self.count))
    }
}

/// A parsed `.ld` file. Holds the bytes so channel values decode on demand.
#[derive(Debug, Clone)]
pub struct LdFile {
    /// The header.
    pub header: LdHeader,
    /// The event block, if the header points to one.
    pub event: Option<LdEvent>,
    /// Channels in list order.
    pub channels: Vec<LdChannelMeta>,
    bytes: Vec<u8>,
}

/// A field read past the end of its block is [`Error::OutOfBounds`] (blocks are checked against the file before
/// their fields are read, so this guards rather than happens).
impl From<bytes::Error> for Error {
    fn from(e: bytes::Error) -> Error {
        let offset = match e {
            bytes::Error::Short { offset, .. } => offset,
            bytes::Error::Leftover { read, .. } => read,
        };
        Error::OutOfBounds {
            what: e.what(),
            offset: offset as u64,
            len: e.end().saturating_sub(offset) as u64,
            file_len: e.buffer_len(),
        }
    }
}

/// A NUL-terminated fixed-width string. Bytes are Latin-1 (the Windows code page i2 writes is a superset for
/// printable text), so decoding never fails.
fn fixed_str(b: &[u8], off: usize, len: usize) -> String {
    let field = b.get(off..off + len).unwrap_or_default();
    let end = field.iter().position(|&c| c == 0).unwrap_or(field.len());
    field[..end].iter().map(|&c| char::from(c)).collect()
}

/// The `len` bytes at `offset`, or [`Error::OutOfBounds`].
fn block<'a>(bytes: &'a [u8], offset: u64, len: u64, what: &'static str) -> Result<&'a [u8]> {
    let oob = || Error::OutOfBounds { what, offset, len, file_len: bytes.len() };
    let end = offset.checked_add(len).ok_or_else(oob)?;
    let (start, end) = (usize::try_from(offset).map_err(|_| oob())?, usize::try_from(end).map_err(|_| oob())?);
    bytes.get(start..end).ok_or_else(oob)
}

/// IEEE 754 half to single precision, done by hand to avoid a dependency for a type no writer we know uses.
fn f16_to_f32(h: u16) -> f32 {
    let sign = if h & 0x8000 != 0 { -1.0f32 } else { 1.0 };
    let exp = i32::from((h >> 10) & 0x1F);
    let frac = f32::from(h & 0x3FF);
    match exp {
        0 => sign * frac * 2f32.powi(-24),
        31 if frac == 0.0 => sign * f32::INFINITY,
        31 => f32::NAN,
        _ => sign * (1.0 + frac / 1024.0) * 2f32.powi(exp - 15),
    }
}

impl LdFile {
    /// Parses `.ld` bytes. Every pointer and length is checked against the file size; a looping channel list
    /// is refused, and so are channels whose sample bytes add up to more than the file (blocks sharing their
    /// data), so decoding every channel takes memory in proportion to the file. Channels with an unknown
    /// sample type are listed but their values are refused.
    pub fn read(bytes: &[u8]) -> Result<LdFile> {
        if bytes.len() < HEADER_LEN {
            return Err(Error::TooShort { len: bytes.len() });
        }
        let h = &bytes[..HEADER_LEN];
        let marker = Reader::at(h, 0).u32()?;
        if marker != LD_MARKER {
            return Err(Error::BadMarker { found: marker });
        }
        let header = LdHeader {
            marker,
            channel_meta_ptr: Reader::at(h, 8).u32()?,
            channel_data_ptr: Reader::at(h, 12).u32()?,
            event_ptr: Reader::at(h, 36).u32()?,
            device_serial: Reader::at(h, 70).u32()?,
            device_type: fixed_str(h, 74, 8),
            device_version: Reader::at(h, 82).u16()?,
            num_channels: Reader::at(h, 86).u32()?,
            date: fixed_str(h, 94, 16),
            time: fixed_str(h, 126, 16),
            driver: fixed_str(h, 158, 64),
            vehicle_id: fixed_str(h, 222, 64),
            venue: fixed_str(h, 350, 64),
            pro_logging: Reader::at(h, 1502).u32()?,
            session: fixed_str(h, 1508, 64),
            short_comment: fixed_str(h, 1572, 64),
        };

        let event = match header.event_ptr {
            0 => None,
            ptr => {
                let e = block(bytes, u64::from(ptr), EVENT_LEN as u64, "event block")?;
                Some(LdEvent {
                    name: fixed_str(e, 0, 64),
                    session: fixed_str(e, 64, 64),
                    comment: fixed_str(e, 128, 1024),
                    venue_ptr: Reader::at(e, 1152).u16()?,
                })
            }
        };

        let mut channels = Vec::new();
        let mut seen = HashSet::new();
        // Sample bytes all channels claim: blocks may point at the same data, so without this bound decoding
        // every channel would grow with the square of the file size.
        let mut claimed = 0u64;
        let mut next = header.channel_meta_ptr;
        while next != 0 {
            // A block cannot be visited twice, so the list is at most file_len / 124 long: no separate cap needed.
            if !seen.insert(next) {
                return Err(Error::ChannelListCycle { offset: next });
            }
            let c = block(bytes, u64::from(next), CHANNEL_META_LEN as u64, "channel metadata")?;
            let meta = LdChannelMeta {
                offset: next,
                prev_ptr: Reader::at(c, 0).u32()?,
                next_ptr: Reader::at(c, 4).u32()?,
                data_ptr: Reader::at(c, 8).u32()?,
                count: Reader::at(c, 12).u32()?,
                id: Reader::at(c, 16).u16()?,
                data_type: DataType::from_words(Reader::at(c, 18).u16()?, Reader::at(c, 20).u16()?),
                rate_hz: Reader::at(c, 22).u16()?,
                shift: Reader::at(c, 24).i16()?,
                mul: Reader::at(c, 26).i16()?,
                scale: Reader::at(c, 28).i16()?,
                dec_places: Reader::at(c, 30).i16()?,
                name: fixed_str(c, 32, 32),
                short_name: fixed_str(c, 64, 8),
                unit: fixed_str(c, 72, 12),
            };
            if let Some(len) = meta.data_len() {
                block(bytes, u64::from(meta.data_ptr), len, "channel data")?;
                claimed = claimed.saturating_add(len);
                if claimed > bytes.len() as u64 {
                    return Err(Error::SharedChannelData { claimed, file_len: bytes.len() });
                }
            }
            next = meta.next_ptr;
            channels.push(meta);
        }
        Ok(LdFile { header, event, channels, bytes: bytes.to_vec() })
    }

    /// Reads and parses the file at `path`.
    pub fn open(path: impl AsRef<Path>) -> Result<LdFile> {
        let path = path.as_ref();
        let bytes = std::fs::read(path).map_err(|source| Error::File { source, path: path.to_owned() })?;
        LdFile::read(&bytes)
    }

    /// The first channel named `name`.
    pub fn channel(&self, name: &str) -> Option<&LdChannelMeta> {
        self.channels.iter().find(|c| c.name == name)
    }

    /// The file's bytes.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The raw (unscaled) samples of `ch` as `f64`.
    pub fn raw_values(&self, ch: &LdChannelMeta) -> Result<Vec<f64>> {
        let size = ch.data_type.size().ok_or_else(|| unsupported(ch))?;
        let data = block(&self.bytes, u64::from(ch.data_ptr), size as u64 * u64::from(ch.count), "channel data")?;
        let values: std::result::Result<Vec<f64>, bytes::Error> = match ch.data_type {
            DataType::I16 => data.chunks_exact(2).map(|s| Reader::new(s).i16().map(f64::from)).collect(),
            DataType::I32 => data.chunks_exact(4).map(|s| Reader::new(s).i32().map(f64::from)).collect(),
            DataType::F16 => {
                data.chunks_exact(2).map(|s| Reader::new(s).u16().map(|h| f64::from(f16_to_f32(h)))).collect()
            }
            DataType::F32 => data.chunks_exact(4).map(|s| Reader::new(s).f32().map(f64::from)).collect(),
            DataType::Unknown { .. } => return Err(unsupported(ch)),
        };
        Ok(values?)
    }

    /// The samples of `ch` in engineering units (the channel's [`LdChannelMeta::unit`]).
    pub fn channel_values(&self, ch: &LdChannelMeta) -> Result<Vec<f64>> {
        if ch.scale == 0 {
            return Err(Error::ZeroScale { channel: ch.name.clone() });
        }
        let mut values = self.raw_values(ch)?;
        let decode = ch.decoder();
        for v in &mut values {
            *v = decode(*v);
        }
        Ok(values)
    }
}

fn unsupported(ch: &LdChannelMeta) -> Error {
    let (class, size) = match ch.data_type {
        DataType::Unknown { class, size } => (class, size),
        _ => (0, 0),
    };
    Error::UnsupportedDataType { channel: ch.name.clone(), class, size }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn half_floats() {
        assert_eq!(f16_to_f32(0x3C00), 1.0);
        assert_eq!(f16_to_f32(0xC000), -2.0);
        assert_eq!(f16_to_f32(0x7BFF), 65504.0);
        assert_eq!(f16_to_f32(0x0001), 2f32.powi(-24));
        assert!(f16_to_f32(0x7E00).is_nan());
    }

    #[test]
    fn a_field_past_its_block_is_out_of_bounds_not_zero() {
        let err = Error::from(Reader::at(&[1, 2, 3], 1).u32().expect_err("past the end"));
        assert!(matches!(err, Error::OutOfBounds { offset: 1, len: 4, file_len: 3, .. }), "{err:?}");
    }

    #[test]
    fn scaling_formula() {
        let ch = LdChannelMeta {
            offset: 0,
            prev_ptr: 0,
            next_ptr: 0,
            data_ptr: 0,
            count: 0,
            id: 0,
            data_type: DataType::I16,
            rate_hz: 10,
            shift: 0,
            mul: 6,
            scale: 10,
            dec_places: -1,
            name: "Engine RPM".into(),
            short_name: String::new(),
            unit: "rpm".into(),
        };
        assert!((ch.decode(275.0) - 1650.0).abs() < 1e-9);
    }
}
