//! The live memory map: the same header and variables as a `.ibt`, with up to four rotating row slots.

use super::field::IracingField;
use super::header::{self, HEADER_LEN, Header, VarHeader, check_range};
use super::normalize::{Origin, VarMap};
use racecraft_core::{Field, Frame, SessionMeta};

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

/// What [`LiveReader::next_after`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LiveRead {
    /// A row newer than the last one read.
    Row(LiveRecord),
    /// Nothing newer yet (or every copy was torn: try again at the next update).
    Unchanged,
    /// The simulator is in its menus (not connected): keep the reader and wait for it.
    Disconnected,
    /// The layout changed or the session restarted (or the header no longer reads): build a new reader.
    Gone,
}

#[cfg(windows)]
impl LiveMemory for racecraft_shm::Mapping {
    fn len(&self) -> usize {
        racecraft_shm::Mapping::len(self)
    }

    fn copy_to(&self, offset: usize, out: &mut [u8]) -> bool {
        self.read(offset, out)
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
    /// The field's variables and cars, with the `sessionInfoUpdate` whose YAML named the cars.
    field: Option<(i32, Option<IracingField>)>,
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
        Ok(LiveReader { header, vars, map, origin: None, field: None })
    }

    /// The variable called `name`.
    pub fn var(&self, name: &str) -> Option<&VarHeader> {
        self.vars.iter().find(|v| v.name == name)
    }

    /// The header again, `None` when the simulator is not connected or the layout is not the one this reader
    /// was built for (a new session).
    fn current_header<M: LiveMemory + ?Sized>(&self, mem: &M) -> Option<Header> {
        self.header_or(mem).ok()
    }

    /// The header again, or why there is no row to read: [`LiveRead::Disconnected`] when the simulator is in its
    /// menus with this layout, [`LiveRead::Gone`] when the layout is not this reader's.
    fn header_or<M: LiveMemory + ?Sized>(&self, mem: &M) -> Result<Header, LiveRead> {
        let now = read_header(mem).map_err(|_| LiveRead::Gone)?;
        let same_layout = now.num_vars == self.header.num_vars
            && now.var_header_offset == self.header.var_header_offset
            && now.buf_len == self.header.buf_len
            && now.num_buf == self.header.num_buf
            && now.slots().iter().zip(self.header.slots()).all(|(a, b)| a.buf_offset == b.buf_offset);
        match (same_layout, now.status & 1 != 0) {
            (false, _) => Err(LiveRead::Gone),
            (true, false) => Err(LiveRead::Disconnected),
            (true, true) => Ok(now),
        }
    }

    /// Copies `slot` of `header` and re-reads its `tickCount`: `None` when the simulator wrote the slot meanwhile
    /// (the copy may be torn) or the slot is outside the memory.
    fn copy_slot<M: LiveMemory + ?Sized>(&self, mem: &M, header: &Header, slot: usize) -> Option<LiveRecord> {
        let wanted = header.slots()[slot];
        let mut bytes = vec![0; header.buf_len as usize];
        let mut tick = [0u8; 4];
        let copied = mem.copy_to(wanted.buf_offset as usize, &mut bytes) && mem.copy_to(48 + 16 * slot, &mut tick);
        (copied && i32::from_le_bytes(tick) == wanted.tick_count).then_some(LiveRecord {
            tick_count: wanted.tick_count,
            slot,
            bytes,
        })
    }

    /// Copies the slot with the newest `tickCount`, then re-reads that `tickCount`: if the simulator
    /// wrote the slot meanwhile, the copy may be torn and is retried. `None` when the simulator is not
    /// connected, the layout changed, or every attempt was torn.
    pub fn latest<M: LiveMemory + ?Sized>(&self, mem: &M) -> Option<LiveRecord> {
        for _ in 0..READ_ATTEMPTS {
            let now = self.current_header(mem)?;
            let (slot, _) = now.slots().iter().enumerate().max_by_key(|(_, s)| s.tick_count)?;
            if let Some(record) = self.copy_slot(mem, &now, slot) {
                return Some(record);
            }
        }
        None
    }

    /// The oldest row newer than `last_tick` (the newest row when `last_tick` is `None`), so that a reader woken
    /// late still gets every row the slots hold, in order. Torn copies are retried.
    pub fn next_after<M: LiveMemory + ?Sized>(&self, mem: &M, last_tick: Option<i32>) -> LiveRead {
        for _ in 0..READ_ATTEMPTS {
            let now = match self.header_or(mem) {
                Ok(now) => now,
                Err(why) => return why,
            };
            let Some(last) = last_tick else {
                let Some((slot, _)) = now.slots().iter().enumerate().max_by_key(|(_, s)| s.tick_count) else {
                    return LiveRead::Unchanged;
                };
                match self.copy_slot(mem, &now, slot) {
                    Some(record) => return LiveRead::Row(record),
                    None => continue,
                }
            };
            let newest = now.slots().iter().map(|s| s.tick_count).max().unwrap_or(0);
            if newest < last {
                // The tick count went back: the simulator restarted its session.
                return LiveRead::Gone;
            }
            let Some((slot, _)) =
                now.slots().iter().enumerate().filter(|(_, s)| s.tick_count > last).min_by_key(|(_, s)| s.tick_count)
            else {
                return LiveRead::Unchanged;
            };
            if let Some(record) = self.copy_slot(mem, &now, slot) {
                return LiveRead::Row(record);
            }
        }
        LiveRead::Unchanged
    }

    /// The session-info YAML's car, track and driver again when the simulator has rewritten it (its
    /// `sessionInfoUpdate` moved) since the reader was built or last asked; `None` when it has not.
    pub fn meta_if_changed<M: LiveMemory + ?Sized>(&mut self, mem: &M) -> Option<SessionMeta> {
        let now = read_header(mem).ok()?;
        if now.session_info_update == self.header.session_info_update {
            return None;
        }
        self.header.session_info_update = now.session_info_update;
        self.header.session_info_offset = now.session_info_offset;
        self.header.session_info_len = now.session_info_len;
        self.session_meta(mem)
    }

    /// Car, track and driver from the session-info YAML in the map; the start time is not in the live map (0).
    pub fn session_meta<M: LiveMemory + ?Sized>(&self, mem: &M) -> Option<SessionMeta> {
        self.session_info(mem).map(|text| super::ibt::session_meta(&text, 0))
    }

    /// The row's `SessionTime`, s (0 for a map without it); `None` when the variable holds no number (a torn
    /// row) or an implausible one (negative, beyond 30 days).
    fn row_time_s(&self, record: &LiveRecord) -> Option<f64> {
        let t_s = match self.map.session_time(&record.bytes) {
            Some(t_s) => t_s,
            None if self.map.session_time.is_some() => return None,
            None => 0.0,
        };
        (super::ibt::MIN_SESSION_TIME_S..=super::ibt::MAX_SESSION_TIME_S).contains(&t_s).then_some(t_s)
    }

    /// The newest row as a frame; `t_us` is the simulator's `SessionTime` (time since the session began).
    /// `None` when that time is not a plausible one (non-finite, negative, beyond 30 days): a torn or corrupt
    /// row, skipped rather than stamped with a time that would stretch the session over years.
    pub fn frame(&mut self, record: &LiveRecord) -> Option<Frame> {
        let t_s = self.row_time_s(record)?;
        Some(self.map.frame(&record.bytes, (t_s * 1e6).round() as i64, &mut self.origin))
    }

    /// The field of `record` (see [`IracingField`]), on the frames' clock; `None` when the map has no `CarIdx*`
    /// arrays or the row's time is not plausible. The cars are read again from the session-info YAML when the
    /// simulator has rewritten it (as [`LiveReader::meta_if_changed`] notices).
    pub fn field<M: LiveMemory + ?Sized>(&mut self, mem: &M, record: &LiveRecord) -> Option<Field> {
        let t_s = self.row_time_s(record)?;
        let update = self.header.session_info_update;
        if self.field.as_ref().is_none_or(|(seen, _)| *seen != update) {
            let text = self.session_info(mem).unwrap_or_default();
            self.field = Some((update, IracingField::new(&self.vars, &text)));
        }
        let (_, field) = self.field.as_ref()?;
        Some(field.as_ref()?.field(&record.bytes, (t_s * 1e6).round() as i64))
    }

    /// The session-info YAML text in the map.
    fn session_info<M: LiveMemory + ?Sized>(&self, mem: &M) -> Option<String> {
        let len = usize::try_from(self.header.session_info_len).ok()?;
        let at = usize::try_from(self.header.session_info_offset).ok()?;
        let mut text = vec![0; len];
        mem.copy_to(at, &mut text).then(|| super::ibt::session_info_text(&text))
    }

    /// [`LiveReader::latest`] then [`LiveReader::frame`].
    pub fn read_frame<M: LiveMemory + ?Sized>(&mut self, mem: &M) -> Option<Frame> {
        let record = self.latest(mem)?;
        self.frame(&record)
    }
}
