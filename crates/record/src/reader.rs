//! [`RecordingReader`]: streams an `.rcr` file back, one block at a time.

use std::fs::File;
use std::io::{BufReader, ErrorKind, Read, Seek, SeekFrom};
use std::path::Path;

use racecraft_codec::chunk;
use racecraft_core::bytes::{self, Reader};
use racecraft_core::{Frame, SessionMeta};

use crate::format::{
    BLOCK_FRAMES, BLOCK_HEADER_LEN, BLOCK_LAP, BLOCK_META, BLOCK_RAW, BLOCK_TRAILER, FILE_HEADER_LEN, LAP_PAYLOAD_LEN,
    MAGIC, MAX_BLOCK_LEN, MAX_FRAMES_PER_BLOCK, VERSION, block_crc,
};
use crate::{Error, IndexEntry, LapMarker, RawPacket, Result, Trailer};

/// One thing read from a recording.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    /// Session metadata.
    Meta(SessionMeta),
    /// The frames of one frame block, in order.
    Frames(Vec<Frame>),
    /// A raw game packet.
    Raw(RawPacket),
    /// A lap marker.
    Lap(LapMarker),
    /// The trailer: the file was finished cleanly.
    End(Trailer),
    /// Something in the file could not be read; see [`Warning`].
    Warning(Warning),
}

/// A problem in the body of a recording, with the byte offset of the block where it starts.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("at byte {offset}: {kind}")]
pub struct Warning {
    /// Offset of the block header from the start of the file.
    pub offset: u64,
    /// What is wrong.
    pub kind: WarningKind,
}

impl Warning {
    /// Whether reading stopped here. Damage to the framing (truncation, checksum, length) ends the file;
    /// a block that is intact but whose content does not decode is skipped.
    pub fn is_fatal(&self) -> bool {
        !matches!(self.kind, WarningKind::BadContent { .. })
    }
}

/// What a [`Warning`] reports.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WarningKind {
    /// The file ends inside a block: the writer was stopped mid-write.
    #[error("truncated block: needs {needed} bytes, {available} left")]
    Truncated {
        /// Bytes the block needs, header included.
        needed: u64,
        /// Bytes left in the file.
        available: u64,
    },
    /// The block's checksum does not match: the bytes are damaged.
    #[error("block checksum mismatch: stored {stored:#010x}, computed {computed:#010x}")]
    Checksum {
        /// Checksum in the block header.
        stored: u32,
        /// Checksum of the bytes read.
        computed: u32,
    },
    /// The length field is beyond the format's limit: the header is damaged.
    #[error("block length {len} exceeds the limit")]
    TooLarge {
        /// The length found.
        len: u32,
    },
    /// The block's reserved byte is set.
    #[error("block reserved byte is {value:#04x}")]
    Reserved {
        /// The byte found.
        value: u8,
    },
    /// The block is intact but its content does not decode; reading continues after it.
    #[error("block of type {block_type} does not decode: {detail}")]
    BadContent {
        /// The block type.
        block_type: u8,
        /// Why.
        detail: String,
    },
    /// Reading failed for a reason other than the end of the file.
    #[error("read failed: {0}")]
    Io(String),
}

/// Streams the items of a recording, holding one block in memory at a time.
///
/// Opening checks the file header and fails on a foreign file or a newer version. After that the reader
/// never fails: it yields every intact block, and where the file is truncated or damaged it yields an
/// [`Item::Warning`] with the byte offset and stops. Unknown block types are skipped, so version 1 files
/// can gain new optional blocks.
#[derive(Debug)]
pub struct RecordingReader<R> {
    inner: R,
    pos: u64,
    buf: Vec<u8>,
    done: bool,
    /// The channels frame blocks are decoded with (a mask of `Channel::index` bits).
    channels: u64,
}

impl RecordingReader<BufReader<File>> {
    /// Opens the recording at `path`.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let file = File::open(path).map_err(|source| Error::Open { source, path: path.to_owned() })?;
        RecordingReader::from_reader(BufReader::with_capacity(64 * 1024, file))
    }
}

impl<R: Read> RecordingReader<R> {
    /// Reads and checks the file header from `inner`.
    pub fn from_reader(mut inner: R) -> Result<Self> {
        let mut header = [0u8; FILE_HEADER_LEN];
        let got = read_full(&mut inner, &mut header)?;
        let mut magic = [0u8; 8];
        magic.copy_from_slice(&header[..8]);
        // A short file that does not start like ours is foreign; one that does is ours, cut short.
        if magic[..got.min(8)] != MAGIC[..got.min(8)] {
            return Err(Error::ForeignFile { found: magic });
        }
        if got < FILE_HEADER_LEN {
            return Err(Error::TooShort { len: got });
        }
        let version = u16::from_le_bytes([header[8], header[9]]);
        if version == 0 {
            return Err(Error::InvalidVersion { found: version });
        }
        if version > VERSION {
            return Err(Error::NewerVersion { found: version, supported: VERSION });
        }
        let flags = u16::from_le_bytes([header[10], header[11]]);
        if flags != 0 {
            return Err(Error::ReservedFlags { flags });
        }
        Ok(RecordingReader {
            inner,
            pos: FILE_HEADER_LEN as u64,
            buf: Vec::new(),
            done: false,
            channels: racecraft_core::Frame::ALL_CHANNELS_MASK,
        })
    }

    /// Decodes only the channels in `mask` (`Channel::index` bits) of every frame: the others are stepped
    /// over, which makes reading a few channels of a long recording several times faster.
    pub fn only_channels(mut self, mask: u64) -> Self {
        self.channels = mask;
        self
    }

    /// Reads every remaining item into a [`Recording`].
    pub fn into_recording(self) -> Recording {
        let mut rec = Recording::default();
        for item in self {
            match item {
                Item::Meta(meta) => {
                    rec.meta.get_or_insert(meta);
                }
                Item::Frames(frames) => rec.frames.extend(frames),
                Item::Raw(_) => rec.raw_count += 1,
                Item::Lap(lap) => rec.laps.push(lap),
                Item::End(trailer) => rec.trailer = Some(trailer),
                Item::Warning(w) => rec.warnings.push(w),
            }
        }
        rec
    }

    fn stop(&mut self, offset: u64, kind: WarningKind) -> Option<Item> {
        self.done = true;
        Some(Item::Warning(Warning { offset, kind }))
    }

    fn next_item(&mut self) -> Option<Item> {
        loop {
            let offset = self.pos;
            let kind = match self.next_block()? {
                Ok(kind) => kind,
                Err(warning) => return Some(warning),
            };
            if let Some(item) = decode_block(kind, &self.buf, self.channels, offset, Vec::new()) {
                return Some(item);
            }
        }
    }

    /// Reads the next intact block into `self.buf`: its type, or the warning that ends the reading.
    fn next_block(&mut self) -> Option<std::result::Result<u8, Item>> {
        if self.done {
            return None;
        }
        let offset = self.pos;
        let mut header = [0u8; BLOCK_HEADER_LEN];
        let got = match read_full(&mut self.inner, &mut header) {
            Ok(n) => n,
            Err(e) => return self.stop(offset, WarningKind::Io(e.to_string())).map(Err),
        };
        if got == 0 {
            self.done = true;
            return None;
        }
        if got < BLOCK_HEADER_LEN {
            let kind = WarningKind::Truncated { needed: BLOCK_HEADER_LEN as u64, available: got as u64 };
            return self.stop(offset, kind).map(Err);
        }
        let kind = header[0];
        let len = u32::from_le_bytes([header[2], header[3], header[4], header[5]]);
        let stored = u32::from_le_bytes([header[6], header[7], header[8], header[9]]);
        if len > MAX_BLOCK_LEN {
            return self.stop(offset, WarningKind::TooLarge { len }).map(Err);
        }
        // read_to_end grows the buffer with the bytes actually there, so a length that promises more
        // than the file holds costs no more memory than the file.
        self.buf.clear();
        // Room for a usual block at once (the buffer is handed on in parallel reading, so it starts empty);
        // a longer one grows as its bytes arrive.
        self.buf.reserve((len as usize).min(RESERVE_BYTES));
        if let Err(e) = (&mut self.inner).take(u64::from(len)).read_to_end(&mut self.buf) {
            return self.stop(offset, WarningKind::Io(e.to_string())).map(Err);
        }
        if self.buf.len() < len as usize {
            let kind = WarningKind::Truncated {
                needed: (BLOCK_HEADER_LEN as u64) + u64::from(len),
                available: (BLOCK_HEADER_LEN + self.buf.len()) as u64,
            };
            return self.stop(offset, kind).map(Err);
        }
        let head6 = [header[0], header[1], header[2], header[3], header[4], header[5]];
        let computed = block_crc(&head6, &self.buf);
        if computed != stored {
            return self.stop(offset, WarningKind::Checksum { stored, computed }).map(Err);
        }
        if header[1] != 0 {
            return self.stop(offset, WarningKind::Reserved { value: header[1] }).map(Err);
        }
        self.pos += (BLOCK_HEADER_LEN as u64) + u64::from(len);
        Some(Ok(kind))
    }
}

/// The item an intact block of type `kind` holds (`None` for a type this version does not know), or the
/// warning that its content does not decode. Frames go into `frames` (emptied first: a buffer to reuse).
fn decode_block(kind: u8, payload: &[u8], channels: u64, offset: u64, frames: Vec<Frame>) -> Option<Item> {
    let item = match kind {
        BLOCK_META => decode_meta(payload),
        BLOCK_FRAMES => decode_frames(payload, channels, frames),
        BLOCK_RAW => decode_raw(payload),
        BLOCK_LAP => decode_lap(payload),
        BLOCK_TRAILER => decode_trailer(payload),
        _ => return None,
    };
    Some(item.unwrap_or_else(|detail| {
        Item::Warning(Warning { offset, kind: WarningKind::BadContent { block_type: kind, detail } })
    }))
}

impl<R: Read + Send> RecordingReader<R> {
    /// Shows `sink` every remaining item in file order, as iterating would, with the frame blocks decoded on
    /// `threads` threads while this one takes what they have done: on a multi-core machine a long recording
    /// is read in a fraction of the time. At most [`PARALLEL_WINDOW`] blocks are in flight and their frame
    /// buffers are reused once `sink` has seen them, so memory stays a few blocks whatever the file's length.
    pub fn for_each_parallel(self, threads: usize, mut sink: impl FnMut(&Item)) {
        use std::collections::BTreeMap;
        use std::sync::{Mutex, mpsc};
        let threads = threads.max(1);
        let channels = self.channels;
        // A block to decode: its place in the file order, type, offset and bytes.
        type Work = (u64, u8, u64, Vec<u8>);
        let (work_tx, work_rx) = mpsc::sync_channel::<Work>(PARALLEL_WINDOW);
        let work_rx = Mutex::new(work_rx);
        let (done_tx, done_rx) = mpsc::channel::<(u64, Option<Item>)>();
        // One token per block in flight: the reader takes one before handing a block on, this thread gives it
        // back once the block's item has gone to the sink.
        let (token_tx, token_rx) = mpsc::sync_channel::<()>(PARALLEL_WINDOW);
        // Frame buffers the sink has seen, for the workers to fill again.
        let spare: Mutex<Vec<Vec<Frame>>> = Mutex::new(Vec::new());
        std::thread::scope(|scope| {
            for _ in 0..threads {
                let done_tx = done_tx.clone();
                let (work_rx, spare) = (&work_rx, &spare);
                scope.spawn(move || {
                    loop {
                        let next = work_rx.lock().map(|rx| rx.recv());
                        let Ok(Ok((seq, kind, offset, payload))) = next else { break };
                        let frames = spare.lock().ok().and_then(|mut s| s.pop()).unwrap_or_default();
                        if done_tx.send((seq, decode_block(kind, &payload, channels, offset, frames))).is_err() {
                            break;
                        }
                    }
                });
            }
            let reader_done = done_tx;
            let mut reader = self;
            scope.spawn(move || {
                let mut seq = 0u64;
                loop {
                    if token_tx.send(()).is_err() {
                        break;
                    }
                    let offset = reader.pos;
                    match reader.next_block() {
                        None => break,
                        Some(Err(warning)) => {
                            let _ = reader_done.send((seq, Some(warning)));
                            break;
                        }
                        Some(Ok(kind)) => {
                            let payload = std::mem::take(&mut reader.buf);
                            if work_tx.send((seq, kind, offset, payload)).is_err() {
                                break;
                            }
                        }
                    }
                    seq += 1;
                }
            });
            // Owned here, so that if the sink panics the receivers go with this thread's unwinding and the
            // reader and workers, finding no one to hand on to, stop instead of waiting forever.
            let (done_rx, token_rx) = (done_rx, token_rx);
            let mut next = 0u64;
            let mut ready: BTreeMap<u64, Option<Item>> = BTreeMap::new();
            let mut show = |item: Item| {
                sink(&item);
                if let Item::Frames(frames) = item
                    && let Ok(mut spare) = spare.lock()
                    && spare.len() < PARALLEL_WINDOW + threads
                {
                    spare.push(frames);
                }
            };
            for (seq, item) in done_rx {
                ready.insert(seq, item);
                while let Some(item) = ready.remove(&next) {
                    next += 1;
                    let _ = token_rx.recv();
                    if let Some(item) = item {
                        show(item);
                    }
                }
            }
            // Every sender is gone: the reader stopped and the workers drained the queue.
            for item in ready.into_values().flatten() {
                show(item);
            }
        });
    }
}

/// A block's bytes reserved before reading it, at most: what a block header claims is believed this far.
const RESERVE_BYTES: usize = 1 << 20;

/// Blocks in flight in [`RecordingReader::for_each_parallel`].
pub const PARALLEL_WINDOW: usize = 8;

impl<R: Read + Seek> RecordingReader<R> {
    /// Reads the trailer from the end of the file without scanning the blocks, then returns to where the
    /// reader was. `None` when the file has no intact trailer (it was not finished cleanly).
    pub fn trailer(&mut self) -> Result<Option<Trailer>> {
        let end = self.inner.seek(SeekFrom::End(0))?;
        let found = self.trailer_at_end(end);
        self.inner.seek(SeekFrom::Start(self.pos))?;
        found
    }

    fn trailer_at_end(&mut self, end: u64) -> Result<Option<Trailer>> {
        // The smallest trailer block: header, frame count, entry count, its own length.
        const MIN_LEN: u64 = BLOCK_HEADER_LEN as u64 + 16;
        if end < FILE_HEADER_LEN as u64 + MIN_LEN {
            return Ok(None);
        }
        self.inner.seek(SeekFrom::Start(end - 4))?;
        let mut len = [0u8; 4];
        self.inner.read_exact(&mut len)?;
        let block_len = u64::from(u32::from_le_bytes(len));
        if !(MIN_LEN..=end - FILE_HEADER_LEN as u64).contains(&block_len)
            || block_len > u64::from(MAX_BLOCK_LEN) + BLOCK_HEADER_LEN as u64
        {
            return Ok(None);
        }
        self.inner.seek(SeekFrom::Start(end - block_len))?;
        let mut block = Vec::new();
        (&mut self.inner).take(block_len).read_to_end(&mut block)?;
        let Some((header, payload)) = block.split_first_chunk::<BLOCK_HEADER_LEN>() else { return Ok(None) };
        let head6 = [header[0], header[1], header[2], header[3], header[4], header[5]];
        let stored = u32::from_le_bytes([header[6], header[7], header[8], header[9]]);
        let payload_len = u32::from_le_bytes([header[2], header[3], header[4], header[5]]);
        if header[0] != BLOCK_TRAILER
            || header[1] != 0
            || payload_len as usize != payload.len()
            || block_crc(&head6, payload) != stored
        {
            return Ok(None);
        }
        Ok(match decode_trailer(payload) {
            Ok(Item::End(trailer)) => Some(trailer),
            _ => None,
        })
    }

    /// Continues reading at the block that starts at `offset`, e.g. a frame block from the trailer's index.
    pub fn seek_to_block(&mut self, offset: u64) -> Result<()> {
        self.inner.seek(SeekFrom::Start(offset))?;
        self.pos = offset;
        self.done = false;
        Ok(())
    }
}

impl<R: Read> Iterator for RecordingReader<R> {
    type Item = Item;

    fn next(&mut self) -> Option<Item> {
        self.next_item()
    }
}

/// A whole recording in memory.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Recording {
    /// Session metadata (the first metadata block), if the file has one.
    pub meta: Option<SessionMeta>,
    /// Every frame, in file order.
    pub frames: Vec<Frame>,
    /// Lap markers, in file order.
    pub laps: Vec<LapMarker>,
    /// Number of raw packets.
    pub raw_count: u64,
    /// The trailer, present when the writer finished cleanly.
    pub trailer: Option<Trailer>,
    /// Everything that could not be read, with byte offsets.
    pub warnings: Vec<Warning>,
}

impl Recording {
    /// Gives frames that have no lap counter one from the lap markers (a MoTeC log's beacons, a CSV's lap
    /// ends), so that whatever reads the frames finds the same laps as the markers: a frame before a marker's
    /// end time is in that marker's lap, and from then on the frames carry that lap's time as the last lap
    /// time. Frames after the last marker are in the next lap. Nothing is changed when any frame already has a
    /// lap counter or there are no markers; returns whether frames were changed.
    pub fn stamp_laps_from_markers(&mut self) -> bool {
        use racecraft_core::Channel;
        if self.laps.is_empty() || self.frames.iter().any(|f| f.get(Channel::Lap).is_some()) {
            return false;
        }
        let mut markers = self.laps.clone();
        markers.sort_by_key(|m| m.end_t_us);
        let mut next = 0;
        for frame in &mut self.frames {
            while next < markers.len() && frame.t_us >= markers[next].end_t_us {
                next += 1;
            }
            let lap = match markers.get(next) {
                Some(m) => m.lap_number,
                None => markers.last().map_or(1, |m| m.lap_number.saturating_add(1)),
            };
            frame.set(Channel::Lap, lap as f32);
            if let Some(done) = next.checked_sub(1).map(|i| &markers[i])
                && frame.get(Channel::LastLapTime).is_none()
            {
                frame.set(Channel::LastLapTime, done.lap_time_s as f32);
            }
        }
        true
    }
}

/// Reads the whole recording at `path`.
pub fn read_all(path: impl AsRef<Path>) -> Result<Recording> {
    Ok(RecordingReader::open(path)?.into_recording())
}

/// Fills `buf` as far as the input allows; returns how many bytes it read.
fn read_full(r: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

type Decoded = std::result::Result<Item, String>;

fn decode_meta(payload: &[u8]) -> Decoded {
    serde_json::from_slice(payload).map(Item::Meta).map_err(|e| e.to_string())
}

fn decode_frames(payload: &[u8], channels: u64, mut frames: Vec<Frame>) -> Decoded {
    // Check the frame count before decoding so a damaged-but-checksummed chunk cannot ask for more
    // memory than a writer of this format would ever use.
    let (header, _) = chunk::header(payload).map_err(|e| e.to_string())?;
    if header.frame_count > MAX_FRAMES_PER_BLOCK {
        return Err(format!("{} frames exceeds the limit of {MAX_FRAMES_PER_BLOCK}", header.frame_count));
    }
    frames.clear();
    frames.reserve(header.frame_count as usize);
    chunk::decode_channels_into(payload, channels, &mut frames).map_err(|e| e.to_string())?;
    Ok(Item::Frames(frames))
}

fn decode_raw(payload: &[u8]) -> Decoded {
    let short = |_| format!("raw packet block of {} bytes is too short", payload.len());
    let mut r = Reader::new(payload);
    let t_us = r.i64().map_err(short)?;
    let tag_len = r.u8().map_err(short)? as usize;
    let tag = r.take(tag_len).map_err(short)?;
    let source = std::str::from_utf8(tag).map_err(|e| format!("source tag: {e}"))?.to_owned();
    Ok(Item::Raw(RawPacket { t_us, source, bytes: r.rest().to_vec() }))
}

fn decode_lap(payload: &[u8]) -> Decoded {
    let p: &[u8; LAP_PAYLOAD_LEN] =
        payload.try_into().map_err(|_| format!("lap block is {} bytes, expected {LAP_PAYLOAD_LEN}", payload.len()))?;
    let mut r = Reader::new(p);
    let fields = (|| Ok::<_, bytes::Error>((r.u32()?, r.i64()?, r.f64()?, r.u8()?)))();
    let (lap_number, end_t_us, lap_time_s, valid) = fields.map_err(|e| e.to_string())?;
    let valid = match valid {
        0 => false,
        1 => true,
        other => return Err(format!("lap valid flag is {other}")),
    };
    Ok(Item::Lap(LapMarker { lap_number, end_t_us, lap_time_s, valid }))
}

fn decode_trailer(payload: &[u8]) -> Decoded {
    let bad = || format!("trailer of {} bytes is malformed", payload.len());
    if payload.len() < 16 {
        return Err(bad());
    }
    let mut r = Reader::new(payload);
    let frame_count = r.u64().map_err(|_| bad())?;
    let count = r.u32().map_err(|_| bad())? as usize;
    let entries = r.take(payload.len() - 16).map_err(|_| bad())?;
    if entries.len() != count.checked_mul(16).ok_or_else(bad)? {
        return Err(bad());
    }
    let block_len = r.u32().map_err(|_| bad())?;
    if block_len as usize != BLOCK_HEADER_LEN + payload.len() {
        return Err(bad());
    }
    let index = entries
        .chunks_exact(16)
        .map(|e| {
            let mut r = Reader::new(e);
            Ok(IndexEntry { first_t_us: r.i64()?, offset: r.u64()? })
        })
        .collect::<std::result::Result<_, bytes::Error>>()
        .map_err(|_| bad())?;
    Ok(Item::End(Trailer { frame_count, index }))
}
