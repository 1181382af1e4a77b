//! The irsdk structures (`irsdk_header`, `irsdk_diskSubHeader`, `irsdk_varHeader`), parsed field by field.

use super::Error;
use crate::bytes::array_at;

/// Size of `irsdk_header`.
pub const HEADER_LEN: usize = 112;
/// Size of `irsdk_diskSubHeader` (`.ibt` only, directly after the header).
pub const SUB_HEADER_LEN: usize = 32;
/// Size of one `irsdk_varHeader`.
pub const VAR_HEADER_LEN: usize = 144;
/// Slots in `varBuf` (`IRSDK_MAX_BUFS`).
pub const MAX_BUFS: usize = 4;
/// More variables than any simulator build publishes (about 300 today): a larger count is corruption.
pub const MAX_VARS: i32 = 16_384;
/// Upper bound for one row of variables (today about 1 KiB in files, a few KiB live).
pub const MAX_BUF_LEN: i32 = 1 << 24;

pub(crate) fn i32_at(b: &[u8], at: usize) -> Option<i32> {
    array_at(b, at).map(i32::from_le_bytes)
}

pub(crate) fn truncated(what: &'static str, start: usize, len_needed: usize, have: usize) -> Error {
    Error::Truncated { what, start: start as u64, end: start as u64 + len_needed as u64, len: have as u64 }
}

/// Checks that `start..start+len` lies inside a buffer of `have` bytes.
pub(crate) fn check_range(what: &'static str, start: usize, len: usize, have: usize) -> Result<(), Error> {
    match start.checked_add(len) {
        Some(end) if end <= have => Ok(()),
        _ => Err(truncated(what, start, len, have)),
    }
}

/// A non-negative `i32` field as `usize`, at most `max`.
fn field(name: &'static str, value: i32, min: i32, max: i32) -> Result<usize, Error> {
    if (min..=max).contains(&value) {
        Ok(value as usize)
    } else {
        Err(Error::Field { field: name, value: i64::from(value) })
    }
}

/// One `varBuf` slot: where a row of variables lives and at which tick it was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct VarBuf {
    /// Tick at which the row was written (`tickCount`); the live map rotates through slots.
    pub tick_count: i32,
    /// Byte offset of the row (`bufOffset`); in a `.ibt`, the first record.
    pub buf_offset: i32,
}

/// `irsdk_header` (112 bytes at offset 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    /// Header version (`ver`), 2.
    pub ver: i32,
    /// Status bits (`status`); bit 0 = connected.
    pub status: i32,
    /// Rows per second (`tickRate`).
    pub tick_rate: i32,
    /// Incremented whenever the session info changes (`sessionInfoUpdate`).
    pub session_info_update: i32,
    /// Length of the session-info YAML (`sessionInfoLen`).
    pub session_info_len: i32,
    /// Offset of the session-info YAML (`sessionInfoOffset`).
    pub session_info_offset: i32,
    /// Number of variable headers (`numVars`).
    pub num_vars: i32,
    /// Offset of the variable headers (`varHeaderOffset`).
    pub var_header_offset: i32,
    /// Slots in use in `var_buf` (`numBuf`): 1 in files, up to 4 live.
    pub num_buf: i32,
    /// Length of one row (`bufLen`).
    pub buf_len: i32,
    /// The row slots (`varBuf`).
    pub var_buf: [VarBuf; MAX_BUFS],
}

impl Header {
    /// Parses and sanity-checks the header at the start of `b`. Offsets are checked against `b` by the
    /// callers, which know which regions they need.
    pub fn parse(b: &[u8]) -> Result<Header, Error> {
        let h = array_at::<HEADER_LEN>(b, 0).ok_or_else(|| truncated("header", 0, HEADER_LEN, b.len()))?;
        let at = |o: usize| i32_at(&h, o).unwrap_or_default();
        let mut var_buf = [VarBuf::default(); MAX_BUFS];
        for (i, slot) in var_buf.iter_mut().enumerate() {
            *slot = VarBuf { tick_count: at(48 + 16 * i), buf_offset: at(52 + 16 * i) };
        }
        let header = Header {
            ver: at(0),
            status: at(4),
            tick_rate: at(8),
            session_info_update: at(12),
            session_info_len: at(16),
            session_info_offset: at(20),
            num_vars: at(24),
            var_header_offset: at(28),
            num_buf: at(32),
            buf_len: at(36),
            var_buf,
        };
        if header.ver != 2 {
            return Err(Error::Version(header.ver));
        }
        field("numVars", header.num_vars, 0, MAX_VARS)?;
        field("varHeaderOffset", header.var_header_offset, 0, i32::MAX)?;
        field("numBuf", header.num_buf, 1, MAX_BUFS as i32)?;
        field("bufLen", header.buf_len, 1, MAX_BUF_LEN)?;
        field("sessionInfoLen", header.session_info_len, 0, i32::MAX)?;
        field("sessionInfoOffset", header.session_info_offset, 0, i32::MAX)?;
        for slot in &header.var_buf[..header.num_buf as usize] {
            field("varBuf.bufOffset", slot.buf_offset, 0, i32::MAX)?;
        }
        Ok(header)
    }

    /// The used `varBuf` slots.
    pub fn slots(&self) -> &[VarBuf] {
        // num_buf was checked to be 1..=4 in `parse`.
        &self.var_buf[..(self.num_buf.clamp(1, MAX_BUFS as i32) as usize)]
    }
}

/// `irsdk_diskSubHeader` (32 bytes at offset 112, `.ibt` only).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DiskSubHeader {
    /// Wall-clock start, Unix seconds (`sessionStartDate`, a `time_t`).
    pub session_start_date: i64,
    /// Session time of the first record, seconds (`sessionStartTime`).
    pub session_start_time: f64,
    /// Session time of the last record, seconds (`sessionEndTime`).
    pub session_end_time: f64,
    /// Laps in the file (`sessionLapCount`).
    pub lap_count: i32,
    /// Records the file claims (`sessionRecordCount`).
    pub record_count: i32,
}

impl DiskSubHeader {
    /// Parses the sub-header that follows the header in `b`.
    pub fn parse(b: &[u8]) -> Result<DiskSubHeader, Error> {
        let s = array_at::<SUB_HEADER_LEN>(b, HEADER_LEN)
            .ok_or_else(|| truncated("disk sub-header", HEADER_LEN, SUB_HEADER_LEN, b.len()))?;
        let f64_at = |o: usize| array_at(&s, o).map(f64::from_le_bytes).unwrap_or_default();
        let sub = DiskSubHeader {
            session_start_date: array_at(&s, 0).map(i64::from_le_bytes).unwrap_or_default(),
            session_start_time: f64_at(8),
            session_end_time: f64_at(16),
            lap_count: i32_at(&s, 24).unwrap_or_default(),
            record_count: i32_at(&s, 28).unwrap_or_default(),
        };
        field("sessionRecordCount", sub.record_count, 0, i32::MAX)?;
        Ok(sub)
    }
}

/// `irsdk_VarType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum VarType {
    /// `irsdk_char`, 1 byte.
    Char,
    /// `irsdk_bool`, 1 byte.
    Bool,
    /// `irsdk_int`, 4 bytes.
    Int,
    /// `irsdk_bitField`, 4 bytes.
    BitField,
    /// `irsdk_float`, 4 bytes.
    Float,
    /// `irsdk_double`, 8 bytes.
    Double,
}

impl VarType {
    /// The type for an `irsdk_VarType` value.
    pub fn from_raw(raw: i32) -> Option<VarType> {
        Some(match raw {
            0 => VarType::Char,
            1 => VarType::Bool,
            2 => VarType::Int,
            3 => VarType::BitField,
            4 => VarType::Float,
            5 => VarType::Double,
            _ => return None,
        })
    }

    /// Bytes per element.
    pub const fn size(self) -> usize {
        match self {
            VarType::Char | VarType::Bool => 1,
            VarType::Int | VarType::BitField | VarType::Float => 4,
            VarType::Double => 8,
        }
    }

    /// Decodes one element from exactly [`VarType::size`] bytes at `at` in `row`.
    pub fn decode(self, row: &[u8], at: usize) -> Option<f64> {
        Some(match self {
            VarType::Char => f64::from(*row.get(at)?),
            VarType::Bool => f64::from(u8::from(*row.get(at)? != 0)),
            VarType::Int => f64::from(i32_at(row, at)?),
            VarType::BitField => f64::from(u32::from_le_bytes(array_at(row, at)?)),
            VarType::Float => f64::from(f32::from_le_bytes(array_at(row, at)?)),
            VarType::Double => f64::from_le_bytes(array_at(row, at)?),
        })
    }
}

/// `irsdk_varHeader`: one variable's type, place in the row, name, description and unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VarHeader {
    /// Element type.
    pub var_type: VarType,
    /// Byte offset within a row; not aligned in general.
    pub offset: usize,
    /// Number of elements (1 for scalars).
    pub count: usize,
    /// Whether the elements are successive samples in time rather than an array (`countAsTime`).
    pub count_as_time: bool,
    /// Name, e.g. `Speed`.
    pub name: String,
    /// Description.
    pub desc: String,
    /// Unit, e.g. `m/s`.
    pub unit: String,
}

/// A NUL-terminated string inside its fixed-size field; `None` when no NUL is found.
fn c_string(field: &[u8]) -> Option<String> {
    let end = field.iter().position(|&c| c == 0)?;
    // Names are ASCII; descriptions and units may be cp1252. Latin-1 decoding is close enough and never fails.
    Some(field[..end].iter().map(|&c| char::from(c)).collect())
}

impl VarHeader {
    /// Parses variable header `index` of `header` from `b`, checking that it lies in `b` and that its data
    /// lies inside a row of `header.buf_len` bytes.
    pub fn parse(b: &[u8], header: &Header, index: usize) -> Result<VarHeader, Error> {
        let start = (header.var_header_offset as usize).saturating_add(index.saturating_mul(VAR_HEADER_LEN));
        let v = array_at::<VAR_HEADER_LEN>(b, start)
            .ok_or_else(|| truncated("variable header", start, VAR_HEADER_LEN, b.len()))?;
        let raw_name = &v[16..48];
        let lossy: String = raw_name.iter().take_while(|&&c| c != 0).map(|&c| char::from(c)).collect();
        let err = |problem| Error::Var { index, name: lossy.clone(), problem };
        let name = c_string(raw_name).ok_or_else(|| err("name not NUL-terminated"))?;
        let desc = c_string(&v[48..112]).ok_or_else(|| err("description not NUL-terminated"))?;
        let unit = c_string(&v[112..144]).ok_or_else(|| err("unit not NUL-terminated"))?;
        let var_type = VarType::from_raw(i32_at(&v, 0).unwrap_or(-1)).ok_or_else(|| err("unknown type"))?;
        let offset = i32_at(&v, 4).unwrap_or(-1);
        let count = i32_at(&v, 8).unwrap_or(-1);
        if offset < 0 || count < 1 {
            return Err(err("negative offset or count below 1"));
        }
        let (offset, count) = (offset as usize, count as usize);
        let end = count.checked_mul(var_type.size()).and_then(|n| n.checked_add(offset));
        if end.is_none_or(|end| end > header.buf_len as usize) {
            return Err(err("data outside the row"));
        }
        Ok(VarHeader { var_type, offset, count, count_as_time: v[12] != 0, name, desc, unit })
    }

    /// Element `index` of this variable in `row`, as `f64` (bools are 0/1, bit fields unsigned).
    pub fn value_at(&self, row: &[u8], index: usize) -> Option<f64> {
        if index >= self.count {
            return None;
        }
        self.var_type.decode(row, self.offset.checked_add(index.checked_mul(self.var_type.size())?)?)
    }

    /// The first element of this variable in `row`.
    pub fn value(&self, row: &[u8]) -> Option<f64> {
        self.value_at(row, 0)
    }
}

/// Parses all `numVars` variable headers.
pub(crate) fn parse_vars(b: &[u8], header: &Header) -> Result<Vec<VarHeader>, Error> {
    let n = header.num_vars as usize;
    check_range("variable headers", header.var_header_offset as usize, n * VAR_HEADER_LEN, b.len())?;
    (0..n).map(|i| VarHeader::parse(b, header, i)).collect()
}
