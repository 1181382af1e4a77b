//! The live memory map: the same header and variables as a `.ibt`, with up to four rotating row slots.

use super::header::{self, HEADER_LEN, Header, VarHeader, check_range};
use super::normalize::{Origin, VarMap};
use racecraft_core::Frame;

/// Copies before giving up when the simulator keeps overwriting the slot being read.
const READ_ATTEMPTS: usize = 3;

/// Byte-addressable memory the simulator writes to. For a plain slice the copy is ordinary; a real
/// mapping implements [`LiveMemory::copy_to`] with volatile reads, since the writer is another process.
pub trait LiveMemory {
    /// Size in bytes.
    fn len(&self) -> usize;
    /// Whether the memory is empty.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Copies `out.len()` bytes from `offset` into `out`; `false` when out of range.
    fn copy_to(&self, offset: usize, out: &mut [u8]) -> bool;
}

impl LiveMemory for [u8] {
    fn len(&self) -> usize {
        <[u8]>::len(self)
    }

    fn copy_to(&self, offset: usize, out: &mut [u8]) -> bool {
        match offset.checked_add(out.len()).and_then(|end| self.get(offset..end)) {
            Some(src) => {
                out.copy_from_slice(src);
                true
            }
            None => false,
        }
    }
}

/// One consistent row copied out of the map.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveRecord {
    /// The slot's `tickCount`, unchanged before and after the copy.
    pub tick_count: i32,
    /// Which `varBuf` slot it came from.
    pub slot: usize,
    /// The row (`bufLen` bytes).
    pub bytes: Vec<u8>,
}

/// Reads the newest row of the live map and normalizes it. Rebuild it when the header's layout changes
/// (a new session); [`LiveReader::latest`] returns `None` then.
#[derive(Debug, Clone)]
pub struct LiveReader {
    /// The header as read when the reader was built.
    pub header: Header,
    /// The variable headers.
    pub vars: Vec<VarHeader>,
    map: VarMap,
    origin: Option<Origin>,
}

fn read_header<M: LiveMemory + ?Sized>(mem: &M) -> Result<Header, super::Error> {
    let mut h = [0u8; HEADER_LEN];
    if !mem.copy_to(0, &mut h) {
        return Err(header::truncated("header", 0, HEADER_LEN, mem.len()));
    }
    Header::parse(&h)
}

impl LiveReader {
    /// Reads the header and variable headers, checking that every used slot lies inside `mem`.
    pub fn new<M: LiveMemory + ?Sized>(mem: &M) -> Result<LiveReader, crate::Error> {
        let header = read_header(mem)?;
        let vars_end =
            (header.var_header_offset as usize).saturating_add(header.num_vars as usize * header::VAR_HEADER_LEN);
        check_range("variable headers", 0, vars_end, mem.len())?;
        let mut prefix = vec![0; vars_end];
        if !mem.copy_to(0, &mut prefix) {
            return Err(header::truncated("variable headers", 0, vars_end, mem.len()).into());
        }
        let vars = header::parse_vars(&prefix, &header)?;
        for slot in header.slots() {
            check_range("variable buffer", slot.buf_offset as usize, header.buf_len as usize, mem.len())?;
        }
        let map = VarMap::new(&vars);
        Ok(LiveReader { header, vars, map, origin: None })
    }

    /// The variable called `name`.
    pub fn var(&self, name: &str) -> Option<&VarHeader> {
        self.vars.iter().find(|v| v.name == name)
    }

    /// Copies the slot with the newest `tickCount`, then re-reads that `tickCount`: if the simulator
    /// wrote the slot meanwhile, the copy may be torn and is retried. `None` when the simulator is not
    /// connected, the layout changed, or every attempt was torn.
    pub fn latest<M: LiveMemory + ?Sized>(&self, mem: &M) -> Option<LiveRecord> {
        for _ in 0..READ_ATTEMPTS {
            let now = read_header(mem).ok()?;
            let same_layout = now.num_vars == self.header.num_vars
                && now.var_header_offset == self.header.var_header_offset
                && now.buf_len == self.header.buf_len
                && now.num_buf == self.header.num_buf
                && now.slots().iter().zip(self.header.slots()).all(|(a, b)| a.buf_offset == b.buf_offset);
            if !same_layout || now.status & 1 == 0 {
                return None;
            }
            let (slot, newest) = now.slots().iter().enumerate().max_by_key(|(_, s)| s.tick_count)?;
            let mut bytes = vec![0; now.buf_len as usize];
            if !mem.copy_to(newest.buf_offset as usize, &mut bytes) {
                return None;
            }
            let mut tick = [0u8; 4];
            if !mem.copy_to(48 + 16 * slot, &mut tick) {
                return None;
            }
            if i32::from_le_bytes(tick) == newest.tick_count {
                return Some(LiveRecord { tick_count: newest.tick_count, slot, bytes });
            }
        }
        None
    }

    /// The newest row as a frame; `t_us` is the simulator's `SessionTime` (time since the session began).
    /// `None` when that time is not a plausible one (non-finite, negative, beyond 30 days): a torn or corrupt
    /// row, skipped rather than stamped with a time that would stretch the session over years.
    pub fn frame(&mut self, record: &LiveRecord) -> Option<Frame> {
        let t_s = match self.map.session_time(&record.bytes) {
            Some(t_s) => t_s,
            // The variable is there but holds no number: a torn row.
            None if self.map.session_time.is_some() => return None,
            None => 0.0,
        };
        if !(super::ibt::MIN_SESSION_TIME_S..=super::ibt::MAX_SESSION_TIME_S).contains(&t_s) {
            return None;
        }
        Some(self.map.frame(&record.bytes, (t_s * 1e6).round() as i64, &mut self.origin))
    }

    /// [`LiveReader::latest`] then [`LiveReader::frame`].
    pub fn read_frame<M: LiveMemory + ?Sized>(&mut self, mem: &M) -> Option<Frame> {
        let record = self.latest(mem)?;
        self.frame(&record)
    }
}
