//! iRacing's live telemetry memory, played back from an `.ibt` file.
//!
//! The simulator keeps a memory map: the irsdk header, the session-info YAML, the variable headers, and
//! `numBuf` (3) row buffers written round-robin, each slot stamped with the `tickCount` of the row it holds.
//! A `.ibt` file has the same header and variable headers (with one buffer slot, pointing at its records), so
//! the map is the file's head with three slots appended, and each published row goes into the next slot with
//! the next tick count. Written into a file ([`LiveMapWriter::create`]), or on Windows into the simulator's own
//! mapping `Local\IRSDKMemMapFileName`, signalling `Local\IRSDKDataValidEvent` after each row
//! ([`LiveMapWriter::create_named`]).

use racecraft_core::positional::write_all_at;
use std::fs::{File, OpenOptions};
use std::path::PathBuf;

use racecraft_capture::iracing::IbtFile;

use crate::{Error, Result};

/// Offset of `numBuf` in the irsdk header.
const NUM_BUF_AT: usize = 32;
/// Offset of `varBuf[0]` (`tickCount`, `bufOffset`, 2 pad words per slot).
const VAR_BUF_AT: usize = 48;
/// Row buffers in the live map.
const SLOTS: usize = 3;

/// Where the map is.
#[derive(Debug)]
enum Map {
    File {
        path: PathBuf,
        file: File,
    },
    #[cfg(windows)]
    Named {
        mapping: racecraft_shm::Mapping,
        event: racecraft_shm::Event,
    },
}

/// The live map, fed row by row from an `.ibt`.
#[derive(Debug)]
pub struct LiveMapWriter {
    map: Map,
    rows: Vec<Vec<u8>>,
    slot_at: [usize; SLOTS],
    tick: i32,
    next: usize,
}

/// The live map made from an `.ibt`.
struct Layout {
    /// The map's first bytes: the file's head with three empty slots (tick 0).
    head: Vec<u8>,
    /// The file's rows.
    rows: Vec<Vec<u8>>,
    /// Where each slot is.
    slot_at: [usize; SLOTS],
}

/// The live map for the `.ibt` bytes `ibt`.
fn layout(ibt: &[u8]) -> Result<Layout> {
    let parsed = IbtFile::parse(ibt).map_err(|e| Error::Input(e.to_string()))?;
    let buf_len = usize::try_from(parsed.header.buf_len).map_err(|_| Error::Input("bufLen".into()))?;
    let data_at = usize::try_from(parsed.header.var_buf[0].buf_offset).map_err(|_| Error::Input("bufOffset".into()))?;
    let rows: Vec<Vec<u8>> = (0..parsed.record_count())
        .filter_map(|i| ibt.get(data_at + i * buf_len..data_at + (i + 1) * buf_len).map(<[u8]>::to_vec))
        .collect();
    let mut head = ibt.get(..data_at).ok_or_else(|| Error::Input("file shorter than its header".into()))?.to_vec();
    head[NUM_BUF_AT..NUM_BUF_AT + 4].copy_from_slice(&(SLOTS as i32).to_le_bytes());
    let mut slot_at = [0; SLOTS];
    for (slot, at) in slot_at.iter_mut().enumerate() {
        *at = data_at + slot * buf_len;
        let entry = VAR_BUF_AT + 16 * slot;
        head[entry..entry + 4].copy_from_slice(&0i32.to_le_bytes());
        head[entry + 4..entry + 8].copy_from_slice(&(*at as i32).to_le_bytes());
    }
    head.resize(data_at + SLOTS * buf_len, 0);
    Ok(Layout { head, rows, slot_at })
}

impl LiveMapWriter {
    /// Creates the map as the file `path` from the `.ibt` bytes `ibt`: its head, three empty slots (tick 0).
    pub fn create(path: impl Into<PathBuf>, ibt: &[u8]) -> Result<LiveMapWriter> {
        let path = path.into();
        let Layout { head, rows, slot_at } = layout(ibt)?;
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .open(&path)
            .map_err(|source| Error::Write { path: path.clone(), source })?;
        write_all_at(&file, &head, 0).map_err(|source| Error::Write { path: path.clone(), source })?;
        Ok(LiveMapWriter { map: Map::File { path, file }, rows, slot_at, tick: 0, next: 0 })
    }

    /// Creates the simulator's own mapping and event from the `.ibt` bytes `ibt`, as iRacing does when it starts.
    #[cfg(windows)]
    pub fn create_named(ibt: &[u8]) -> Result<LiveMapWriter> {
        use racecraft_capture::iracing::{DATA_VALID_EVENT, MAP_NAME};
        let Layout { head, rows, slot_at } = layout(ibt)?;
        let mapping = racecraft_shm::Mapping::create(MAP_NAME, head.len())
            .map_err(|source| Error::Write { path: MAP_NAME.into(), source })?;
        mapping.write(0, &head);
        let event = racecraft_shm::Event::create(DATA_VALID_EVENT)
            .map_err(|source| Error::Write { path: DATA_VALID_EVENT.into(), source })?;
        Ok(LiveMapWriter { map: Map::Named { mapping, event }, rows, slot_at, tick: 0, next: 0 })
    }

    /// Rows the file holds.
    pub fn rows(&self) -> usize {
        self.rows.len()
    }

    /// Publishes row `index` of the file into the next slot with the next tick count, as the simulator does
    /// each 1/60 s (and signals its event, on Windows). Rows past the end are ignored.
    pub fn publish(&mut self, index: usize) -> Result<()> {
        let Some(row) = self.rows.get(index) else { return Ok(()) };
        let slot = self.next % SLOTS;
        self.next += 1;
        self.tick += 1;
        let entry = VAR_BUF_AT + 16 * slot;
        match &self.map {
            Map::File { path, file } => {
                let io = |source| Error::Write { path: path.clone(), source };
                write_all_at(file, row, self.slot_at[slot] as u64).map_err(io)?;
                write_all_at(file, &self.tick.to_le_bytes(), entry as u64).map_err(io)
            }
            #[cfg(windows)]
            Map::Named { mapping, event } => {
                mapping.write(self.slot_at[slot], row);
                mapping.write(entry, &self.tick.to_le_bytes());
                event.signal().map_err(|source| Error::Write {
                    path: racecraft_capture::iracing::DATA_VALID_EVENT.into(),
                    source,
                })
            }
        }
    }

    /// Where the map is: its file, or the mapping's name.
    pub fn location(&self) -> String {
        match &self.map {
            Map::File { path, .. } => path.display().to_string(),
            #[cfg(windows)]
            Map::Named { .. } => racecraft_capture::iracing::MAP_NAME.to_string(),
        }
    }
}
