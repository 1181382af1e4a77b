//! [`Spool`]: write batches on local disk while the database is away.
//!
//! ```text
//! spool.log = record*
//! record    = magic "RCSP" · u32 payload_len · u32 crc32(payload) · payload
//! payload   = u8 version = 1 · u32 chunk_count · chunk* · u32 lap_count · lap*
//!           | u8 version = 2 · u32 session_count · session* · u32 chunk_count · chunk* · u32 lap_count · lap*
//!             · u32 end_count · end*
//! chunk     = i64 session_id · u8 has_lap · u32 lap_number · u64 first_seq · u32 frame_count
//!             · i64 t_start_us · i64 t_end_us · u32 data_len · data (the codec chunk, as is)
//! lap       = i64 session_id · u32 lap_number · f64 lap_time_s · u32 sector_count · f64 sectors_s*
//!             · i64 start_t_us · i64 end_t_us · u64 frame_count · u8 flags (bit 0 valid, 1 out_lap, 2 pit)
//! session   = i64 id · i64 started_at_ms · i64 created_at_ms · str name · str game · str car · str track
//!             · str driver                                   (str = u32 len · UTF-8 bytes)
//!             [· i64 team_id · i64 driver_user_id             (version 3 and 4: the owner, 0 for none)]
//!             [· str team · str car_number                    (version 4: the entry the agent named)]
//! end       = i64 session_id · i64 ended_at_ms
//! ```
//! A batch without sessions or ends is written as version 1, which every build reads; version 2 only when
//! it carries them.
//! All little-endian. A record is acknowledged only after `fdatasync`, so a crash can leave at most a torn
//! last record; an append that fails (a full disk fails part way through a record) is cut off again before
//! the next one, so later records never follow torn bytes. Opening or draining the spool keeps every complete
//! record before a torn or corrupt one and cuts the file there, with a warning naming the byte offset; the
//! bytes cut off are first copied to `spool.log.corrupt-<offset>-<ms>`, so nothing is dropped unseen. A record with a valid checksum but a version
//! this build does not know is an error, and the file is left alone for the newer build.
//!
//! One process owns a spool directory at a time. The directory also holds `session_ids`, the last id handed out
//! for a session created while the database was away ([`Spool::next_session_id`]).

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{BufReader, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use racecraft_core::bytes::{self, Reader};
use racecraft_core::{CompletedLap, SessionMeta};

use crate::model::{ChunkRow, NewLap, NewSession, OFFLINE_SESSION_ID_BASE, Owner, Session, SessionEnd, WriteBatch};
use crate::{Error, Result, Store};

const MAGIC: [u8; 4] = *b"RCSP";
/// The version of a record with only chunks and laps, readable by every build.
const VERSION: u8 = 1;
/// The version of a record that also carries sessions and session ends.
const VERSION_SESSIONS: u8 = 2;
/// Version 2 with each session's owner (team and driver ids, 0 for none) after its texts.
const VERSION_OWNED: u8 = 3;
/// Version 3 with each session's entry (team name and car number as the agent named them) after its owner.
const VERSION_ENTRY: u8 = 4;
const RECORD_HEADER_LEN: u64 = 12;
/// Refuses absurd lengths from a corrupt header before allocating for them.
const MAX_PAYLOAD_LEN: u32 = 1 << 30;
const FILE_NAME: &str = "spool.log";
const SESSION_IDS_FILE: &str = "session_ids";
/// Offline ids are `OFFLINE_SESSION_ID_BASE + ms × this` at least: ordered by time, so a data directory that
/// was wiped (or another server on the same database) starts far from the ids handed out before.
const IDS_PER_MS: i64 = 1024;

/// An append-only log of [`WriteBatch`]es in `<dir>/spool.log`. Cheap to clone: clones share the file.
#[derive(Debug, Clone)]
pub struct Spool {
    inner: Arc<Mutex<Inner>>,
    /// Serializes drains, which read outside the `inner` lock.
    drain_lock: Arc<tokio::sync::Mutex<()>>,
    path: Arc<PathBuf>,
}

#[derive(Debug)]
struct Inner {
    file: File,
    /// End of the last complete record; appends go here.
    len: u64,
    /// Records before this offset are in the database already (a drain that stopped part way).
    drained_to: u64,
    /// Records between `drained_to` and `len`.
    pending: usize,
    /// Per session, the sequence number after the last spooled frame.
    next_seq: HashMap<i64, u64>,
    /// A failed append left bytes after `len` that could not be cut off yet.
    torn_tail: bool,
    /// Sessions created in records since the spool was opened, with their ends.
    sessions: HashMap<i64, Session>,
    /// The last id [`Spool::next_session_id`] handed out (0: none yet).
    last_session_id: i64,
    /// The directory.
    dir: PathBuf,
}

/// What reading at an offset found.
enum Scan {
    Record {
        batch: WriteBatch,
        len: u64,
    },
    End,
    /// A torn or corrupt record: everything from here on is unusable.
    Bad(String),
    Version(u8),
}

impl Spool {
    /// Opens (or creates) the spool in `dir`, creating the directory if needed. A torn or corrupt tail left by
    /// a crash is cut off with a warning.
    pub async fn open(dir: impl AsRef<Path>) -> Result<Spool> {
        let dir = dir.as_ref().to_path_buf();
        let path = dir.join(FILE_NAME);
        let path2 = path.clone();
        let inner = blocking(&path, move || open_blocking(&dir, &path2)).await??;
        Ok(Spool {
            inner: Arc::new(Mutex::new(inner)),
            drain_lock: Arc::new(tokio::sync::Mutex::new(())),
            path: Arc::new(path),
        })
    }

    /// The spool file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends a batch and syncs it to disk: when this returns `Ok`, the batch survives a crash.
    pub async fn append(&self, batch: &WriteBatch) -> Result<()> {
        let mut record = Vec::with_capacity(64 + batch.chunks.iter().map(|c| c.data.len() + 64).sum::<usize>());
        encode_record(batch, &mut record);
        let ends: Vec<(i64, u64)> = batch.chunks.iter().map(|c| (c.session_id, c.end_seq())).collect();
        let (sessions, session_ends) = (batch.sessions.clone(), batch.ends.clone());
        let inner = Arc::clone(&self.inner);
        let path = Arc::clone(&self.path);
        blocking(&self.path, move || {
            let mut g = lock(&inner);
            let at = g.len;
            if g.torn_tail {
                // An earlier failed append could not cut its partial record off: do it before writing.
                g.file.set_len(at).map_err(|source| Error::Io { source, path: path.to_path_buf() })?;
                g.torn_tail = false;
            }
            let written = g
                .file
                .seek(SeekFrom::Start(at))
                .and_then(|_| g.file.write_all(&record))
                .and_then(|()| g.file.sync_data());
            if let Err(source) = written {
                // Leave no partial record behind (a full disk fails part way through a record): appends
                // always go to `len`, and a reopen would otherwise stop at the torn bytes.
                if let Err(e) = g.file.set_len(at) {
                    tracing::warn!(path = %path.display(), offset = at, error = %e, "cannot cut off a failed spool append; retrying with the next one");
                    g.torn_tail = true;
                }
                return Err(Error::Io { source, path: path.to_path_buf() });
            }
            g.len = at + record.len() as u64;
            g.pending += 1;
            for (session_id, end) in ends {
                let next = g.next_seq.entry(session_id).or_default();
                *next = (*next).max(end);
            }
            note_sessions(&mut g.sessions, &sessions, &session_ends);
            Ok(())
        })
        .await?
    }

    /// Batches waiting to be written to the database.
    pub fn pending_batches(&self) -> usize {
        lock(&self.inner).pending
    }

    /// The sequence number after the last frame of `session_id` that ever went through this spool since it
    /// was opened (0 if none). Combine with [`Store::next_seq`] to find where an agent resumes.
    pub fn next_seq(&self, session_id: i64) -> u64 {
        lock(&self.inner).next_seq.get(&session_id).copied().unwrap_or(0)
    }

    /// Every session with a sequence number that went through this spool since it was opened, with the
    /// sequence number after its last spooled frame.
    pub fn next_seqs(&self) -> Vec<(i64, u64)> {
        lock(&self.inner).next_seq.iter().map(|(&id, &seq)| (id, seq)).collect()
    }

    /// The sessions created in records of this spool since it was opened (also those written to the
    /// database since), with their ends: what a server that restarted during an outage knows of them.
    pub fn sessions(&self) -> Vec<Session> {
        lock(&self.inner).sessions.values().cloned().collect()
    }

    /// A new id for a session created while the database is away, at or above
    /// [`OFFLINE_SESSION_ID_BASE`]: above the last one this spool directory handed out (kept in its
    /// `session_ids` file, synced before the id is returned, so a restart never repeats one) and above
    /// `base + now_ms × 1024`.
    pub async fn next_session_id(&self) -> Result<i64> {
        let inner = Arc::clone(&self.inner);
        blocking(&self.path, move || {
            let mut g = lock(&inner);
            let floor = crate::now_ms().max(0).saturating_mul(IDS_PER_MS).saturating_add(OFFLINE_SESSION_ID_BASE);
            let id = floor.max(g.last_session_id.saturating_add(1)).max(OFFLINE_SESSION_ID_BASE);
            if id >= 2 * OFFLINE_SESSION_ID_BASE {
                return Err(Error::OutOfRange { what: "offline session id", value: id as u64 });
            }
            write_session_ids(&g.dir, id)?;
            g.last_session_id = id;
            Ok(id)
        })
        .await?
    }

    /// The batches waiting to be written, oldest first (for inspection and tests).
    pub async fn read_batches(&self) -> Result<Vec<WriteBatch>> {
        let _drain = self.drain_lock.lock().await;
        let (from, to) = {
            let g = lock(&self.inner);
            (g.drained_to, g.len)
        };
        let path = Arc::clone(&self.path);
        blocking(&self.path, move || {
            let io = |source| Error::Io { source, path: path.to_path_buf() };
            let mut reader = BufReader::new(File::open(&*path).map_err(io)?);
            reader.seek(SeekFrom::Start(from)).map_err(io)?;
            let mut batches = Vec::new();
            let mut offset = from;
            while offset < to {
                match read_record(&mut reader, to - offset).map_err(io)? {
                    Scan::Record { batch, len } => {
                        batches.push(batch);
                        offset += len;
                    }
                    Scan::End | Scan::Bad(_) => break,
                    Scan::Version(version) => {
                        return Err(Error::SpoolVersion { offset, version, path: path.to_path_buf() });
                    }
                }
            }
            Ok(batches)
        })
        .await?
    }

    /// Writes every spooled batch to `store`, oldest first, then empties the file; returns how many batches
    /// it wrote. On a store error it stops and returns the error, keeping the batches not yet written (the
    /// next drain carries on from there). A corrupt record ends the drain: the records before it are written,
    /// it and everything after it discarded with a warning.
    pub async fn drain(&self, store: &Store) -> Result<usize> {
        let _drain = self.drain_lock.lock().await;
        let mut written = 0;
        let mut reader: Option<(BufReader<File>, u64)> = None;
        loop {
            let (offset, end) = {
                let mut g = lock(&self.inner);
                if g.drained_to >= g.len {
                    // Everything is in the database: start the file afresh. Appends take the same lock, so
                    // none can slip in between the check and the truncation.
                    if g.len > 0 {
                        let path = self.path.to_path_buf();
                        g.file
                            .set_len(0)
                            .and_then(|()| g.file.sync_data())
                            .map_err(|source| Error::Io { source, path })?;
                        g.len = 0;
                        g.drained_to = 0;
                        g.pending = 0;
                    }
                    return Ok(written);
                }
                (g.drained_to, g.len)
            };
            let path = Arc::clone(&self.path);
            let previous = reader.take();
            let (rdr, scan) = blocking(&self.path, move || {
                let io = |source| Error::Io { source, path: path.to_path_buf() };
                let mut rdr = match previous {
                    Some((rdr, pos)) if pos == offset => rdr,
                    _ => {
                        let mut rdr = BufReader::new(File::open(&*path).map_err(io)?);
                        rdr.seek(SeekFrom::Start(offset)).map_err(io)?;
                        rdr
                    }
                };
                let scan = read_record(&mut rdr, end - offset).map_err(io)?;
                Ok::<_, Error>((rdr, scan))
            })
            .await??;
            match scan {
                Scan::Record { batch, len } => {
                    reader = Some((rdr, offset + len));
                    store.write(&batch).await?;
                    let mut g = lock(&self.inner);
                    g.drained_to = offset + len;
                    g.pending = g.pending.saturating_sub(1);
                    written += 1;
                }
                Scan::End => {
                    // The file is shorter than we thought: nothing more to read.
                    let mut g = lock(&self.inner);
                    g.len = offset;
                    g.pending = 0;
                }
                Scan::Bad(reason) => {
                    // Mid-file corruption (the file is only ever appended, and failed appends are cut off):
                    // what follows was acknowledged, so it is kept aside for inspection, never just dropped.
                    let kept = keep_tail(&self.path, offset);
                    tracing::error!(path = %self.path.display(), offset, kept_in = %kept, reason, "corrupt spool record; cutting the spool there");
                    let mut g = lock(&self.inner);
                    let path = self.path.to_path_buf();
                    g.file.set_len(offset).map_err(|source| Error::Io { source, path })?;
                    g.len = offset;
                    g.pending = 0;
                }
                Scan::Version(version) => {
                    return Err(Error::SpoolVersion { offset, version, path: self.path.to_path_buf() });
                }
            }
        }
    }
}

fn lock(inner: &Mutex<Inner>) -> MutexGuard<'_, Inner> {
    // The state is plain bookkeeping that every path keeps consistent before it can panic.
    inner.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Runs blocking file work off the async worker threads.
async fn blocking<T: Send + 'static>(path: &Path, f: impl FnOnce() -> T + Send + 'static) -> Result<T> {
    match tokio::task::spawn_blocking(f).await {
        Ok(v) => Ok(v),
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        Err(_) => Err(Error::Io { source: std::io::Error::other("runtime shutting down"), path: path.to_path_buf() }),
    }
}

fn open_blocking(dir: &Path, path: &Path) -> Result<Inner> {
    let io = |source, p: &Path| Error::Io { source, path: p.to_path_buf() };
    std::fs::create_dir_all(dir).map_err(|e| io(e, dir))?;
    let existed = path.exists();
    let file =
        OpenOptions::new().read(true).write(true).create(true).truncate(false).open(path).map_err(|e| io(e, path))?;
    if !existed {
        racecraft_core::durable::sync_dir(dir).map_err(|e| io(e, dir))?;
    }
    let file_len = file.metadata().map_err(|e| io(e, path))?.len();
    let mut reader = BufReader::new(&file);
    let mut inner_len = 0u64;
    let mut pending = 0usize;
    let mut next_seq = HashMap::new();
    let mut sessions = HashMap::new();
    loop {
        match read_record(&mut reader, file_len - inner_len).map_err(|e| io(e, path))? {
            Scan::Record { batch, len } => {
                for c in &batch.chunks {
                    let next: &mut u64 = next_seq.entry(c.session_id).or_default();
                    *next = (*next).max(c.end_seq());
                }
                note_sessions(&mut sessions, &batch.sessions, &batch.ends);
                pending += 1;
                inner_len += len;
            }
            Scan::End => break,
            Scan::Bad(reason) => {
                let kept = keep_tail(path, inner_len);
                tracing::warn!(
                    path = %path.display(),
                    offset = inner_len,
                    discarded_bytes = file_len - inner_len,
                    kept_in = %kept,
                    reason,
                    "cutting off a torn or corrupt spool tail"
                );
                file.set_len(inner_len).and_then(|()| file.sync_data()).map_err(|e| io(e, path))?;
                break;
            }
            Scan::Version(version) => {
                return Err(Error::SpoolVersion { offset: inner_len, version, path: path.to_path_buf() });
            }
        }
    }
    let last_session_id = read_session_ids(dir);
    Ok(Inner {
        file,
        len: inner_len,
        drained_to: 0,
        pending,
        next_seq,
        torn_tail: false,
        sessions,
        last_session_id,
        dir: dir.to_path_buf(),
    })
}

fn note_sessions(known: &mut HashMap<i64, Session>, created: &[NewSession], ends: &[SessionEnd]) {
    for s in created {
        known.entry(s.id).or_insert_with(|| s.session());
    }
    for e in ends {
        if let Some(s) = known.get_mut(&e.session_id) {
            s.ended_at_ms = Some(e.ended_at_ms);
        }
    }
}

/// The last offline session id handed out from `dir`, or 0. An unreadable file is only warned about: the
/// time floor of [`Spool::next_session_id`] still keeps new ids above the ones handed out before.
fn read_session_ids(dir: &Path) -> i64 {
    let path = dir.join(SESSION_IDS_FILE);
    match std::fs::read_to_string(&path) {
        Ok(text) => text.trim().parse().unwrap_or_else(|e| {
            tracing::warn!(path = %path.display(), error = %e, "unreadable offline session id file; ids continue from the clock");
            0
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => 0,
        Err(e) => {
            tracing::warn!(path = %path.display(), error = %e, "cannot read the offline session id file; ids continue from the clock");
            0
        }
    }
}

/// Replaces `dir/session_ids` with `id`, durably (temporary file, sync, rename, directory sync).
fn write_session_ids(dir: &Path, id: i64) -> Result<()> {
    let path = dir.join(SESSION_IDS_FILE);
    let tmp = dir.join(format!("{SESSION_IDS_FILE}.tmp"));
    let written = (|| {
        let mut f = File::create(&tmp)?;
        f.write_all(format!("{id}\n").as_bytes())?;
        f.sync_all()?;
        std::fs::rename(&tmp, &path)?;
        racecraft_core::durable::sync_dir(dir)
    })();
    written.map_err(|source| Error::Io { source, path })
}

/// Copies the spool's bytes from `offset` on to `spool.log.corrupt-<offset>-<ms>` before they are cut
/// off; returns where they went (or why they could not be kept), for the log.
fn keep_tail(path: &Path, offset: u64) -> String {
    let target = path.with_extension(format!("log.corrupt-{offset}-{}", crate::now_ms()));
    let copied = (|| {
        let mut from = File::open(path)?;
        from.seek(SeekFrom::Start(offset))?;
        let mut to = File::create(&target)?;
        std::io::copy(&mut from, &mut to)?;
        to.sync_all()
    })();
    match copied {
        Ok(()) => target.display().to_string(),
        Err(e) => format!("nowhere ({e})"),
    }
}

/// Reads the record at the reader's position; `remaining` is how many bytes of the file follow it.
fn read_record(r: &mut impl Read, remaining: u64) -> std::io::Result<Scan> {
    if remaining == 0 {
        return Ok(Scan::End);
    }
    if remaining < RECORD_HEADER_LEN {
        return Ok(Scan::Bad(format!("torn record header: {remaining} bytes")));
    }
    let mut header = [0u8; RECORD_HEADER_LEN as usize];
    r.read_exact(&mut header)?;
    if header[..4] != MAGIC {
        return Ok(Scan::Bad(format!("bad record magic {:02x?}", &header[..4])));
    }
    let len = u32::from_le_bytes([header[4], header[5], header[6], header[7]]);
    let stored = u32::from_le_bytes([header[8], header[9], header[10], header[11]]);
    if len > MAX_PAYLOAD_LEN {
        return Ok(Scan::Bad(format!("record length {len} exceeds {MAX_PAYLOAD_LEN}")));
    }
    if u64::from(len) > remaining - RECORD_HEADER_LEN {
        return Ok(Scan::Bad(format!("torn record: {len} bytes announced, {} left", remaining - RECORD_HEADER_LEN)));
    }
    let mut payload = vec![0u8; len as usize];
    r.read_exact(&mut payload)?;
    let computed = crc32fast::hash(&payload);
    if computed != stored {
        return Ok(Scan::Bad(format!("checksum mismatch: stored {stored:#010x}, computed {computed:#010x}")));
    }
    Ok(match decode_payload(&payload) {
        Ok(batch) => Scan::Record { batch, len: RECORD_HEADER_LEN + u64::from(len) },
        Err(Malformed::Version(v)) => Scan::Version(v),
        Err(Malformed::Content(detail)) => Scan::Bad(detail),
    })
}

fn encode_record(batch: &WriteBatch, out: &mut Vec<u8>) {
    let start = out.len();
    out.extend_from_slice(&MAGIC);
    out.extend_from_slice(&[0; 8]);
    let payload_start = out.len();
    let with_sessions = !batch.sessions.is_empty() || !batch.ends.is_empty();
    let entry = batch.sessions.iter().any(|s| !s.meta.team.is_empty() || !s.meta.car_number.is_empty());
    let owned = entry || batch.sessions.iter().any(|s| s.owner.is_some());
    if with_sessions {
        out.push(if entry {
            VERSION_ENTRY
        } else if owned {
            VERSION_OWNED
        } else {
            VERSION_SESSIONS
        });
        out.extend_from_slice(&(batch.sessions.len() as u32).to_le_bytes());
        for s in &batch.sessions {
            out.extend_from_slice(&s.id.to_le_bytes());
            out.extend_from_slice(&s.meta.started_at_ms.to_le_bytes());
            out.extend_from_slice(&s.created_at_ms.to_le_bytes());
            for text in [&s.name, &s.meta.game, &s.meta.car, &s.meta.track, &s.meta.driver] {
                out.extend_from_slice(&(text.len() as u32).to_le_bytes());
                out.extend_from_slice(text.as_bytes());
            }
            if owned {
                let team = s.owner.map_or(0, |o| o.team_id);
                let driver = s.owner.and_then(|o| o.driver_user_id).unwrap_or(0);
                out.extend_from_slice(&team.to_le_bytes());
                out.extend_from_slice(&driver.to_le_bytes());
            }
            if entry {
                for text in [&s.meta.team, &s.meta.car_number] {
                    out.extend_from_slice(&(text.len() as u32).to_le_bytes());
                    out.extend_from_slice(text.as_bytes());
                }
            }
        }
    } else {
        out.push(VERSION);
    }
    out.extend_from_slice(&(batch.chunks.len() as u32).to_le_bytes());
    for c in &batch.chunks {
        out.extend_from_slice(&c.session_id.to_le_bytes());
        out.push(u8::from(c.lap_number.is_some()));
        out.extend_from_slice(&c.lap_number.unwrap_or(0).to_le_bytes());
        out.extend_from_slice(&c.first_seq.to_le_bytes());
        out.extend_from_slice(&c.frame_count.to_le_bytes());
        out.extend_from_slice(&c.t_start_us.to_le_bytes());
        out.extend_from_slice(&c.t_end_us.to_le_bytes());
        out.extend_from_slice(&(c.data.len() as u32).to_le_bytes());
        out.extend_from_slice(&c.data);
    }
    out.extend_from_slice(&(batch.laps.len() as u32).to_le_bytes());
    for l in &batch.laps {
        let lap = &l.lap;
        out.extend_from_slice(&l.session_id.to_le_bytes());
        out.extend_from_slice(&lap.lap_number.to_le_bytes());
        out.extend_from_slice(&lap.lap_time_s.to_le_bytes());
        out.extend_from_slice(&(lap.sectors_s.len() as u32).to_le_bytes());
        for s in &lap.sectors_s {
            out.extend_from_slice(&s.to_le_bytes());
        }
        out.extend_from_slice(&lap.start_t_us.to_le_bytes());
        out.extend_from_slice(&lap.end_t_us.to_le_bytes());
        out.extend_from_slice(&lap.frame_count.to_le_bytes());
        out.push(u8::from(lap.valid) | u8::from(lap.out_lap) << 1 | u8::from(lap.pit) << 2);
    }
    if with_sessions {
        out.extend_from_slice(&(batch.ends.len() as u32).to_le_bytes());
        for e in &batch.ends {
            out.extend_from_slice(&e.session_id.to_le_bytes());
            out.extend_from_slice(&e.ended_at_ms.to_le_bytes());
        }
    }
    let payload_len = (out.len() - payload_start) as u32;
    let crc = crc32fast::hash(&out[payload_start..]);
    out[start + 4..start + 8].copy_from_slice(&payload_len.to_le_bytes());
    out[start + 8..start + 12].copy_from_slice(&crc.to_le_bytes());
}

enum Malformed {
    Version(u8),
    Content(String),
}

/// A short read in a checksummed payload is malformed content.
impl From<bytes::Error> for Malformed {
    fn from(e: bytes::Error) -> Malformed {
        Malformed::Content(match e {
            bytes::Error::Short { needed, len, .. } => {
                format!("payload ends at {len} where {needed} more bytes were expected")
            }
            other => other.to_string(),
        })
    }
}

/// A length-prefixed UTF-8 string.
fn text(r: &mut Reader<'_>) -> Result<String, Malformed> {
    let n = count(r, 1)?;
    let bytes = r.take(n)?;
    String::from_utf8(bytes.to_vec()).map_err(|e| Malformed::Content(format!("session text: {e}")))
}

/// A count of items each at least `min_item_len` bytes long, checked against what is left so a corrupt count
/// cannot make us allocate.
fn count(r: &mut Reader<'_>, min_item_len: usize) -> Result<usize, Malformed> {
    let n = r.u32()? as usize;
    let left = r.remaining();
    if n.saturating_mul(min_item_len) > left {
        return Err(Malformed::Content(format!("count {n} does not fit in the {left} bytes left")));
    }
    Ok(n)
}

fn decode_payload(payload: &[u8]) -> Result<WriteBatch, Malformed> {
    let mut r = Reader::new(payload);
    let version = r.u8()?;
    if !matches!(version, VERSION | VERSION_SESSIONS | VERSION_OWNED | VERSION_ENTRY) {
        return Err(Malformed::Version(version));
    }
    let with_sessions = version != VERSION;
    let mut sessions = Vec::new();
    if with_sessions {
        let session_count = count(&mut r, 44)?;
        sessions.reserve(session_count);
        for _ in 0..session_count {
            let id = r.i64()?;
            let started_at_ms = r.i64()?;
            let created_at_ms = r.i64()?;
            let name = text(&mut r)?;
            let mut meta = SessionMeta {
                game: text(&mut r)?,
                car: text(&mut r)?,
                track: text(&mut r)?,
                driver: text(&mut r)?,
                started_at_ms,
                ..Default::default()
            };
            let owner = if version >= VERSION_OWNED {
                let team_id = r.i64()?;
                let driver = r.i64()?;
                (team_id != 0).then(|| Owner { team_id, driver_user_id: (driver != 0).then_some(driver) })
            } else {
                None
            };
            if version == VERSION_ENTRY {
                meta.team = text(&mut r)?;
                meta.car_number = text(&mut r)?;
            }
            sessions.push(NewSession { id, name, meta, created_at_ms, owner });
        }
    }
    let chunk_count = count(&mut r, 45)?;
    let mut chunks = Vec::with_capacity(chunk_count);
    for _ in 0..chunk_count {
        let session_id = r.i64()?;
        let has_lap = r.u8()?;
        let lap = r.u32()?;
        let lap_number = match has_lap {
            0 => None,
            1 => Some(lap),
            other => return Err(Malformed::Content(format!("has_lap flag {other}"))),
        };
        let first_seq = r.u64()?;
        let frame_count = r.u32()?;
        let t_start_us = r.i64()?;
        let t_end_us = r.i64()?;
        let data_len = r.u32()? as usize;
        let data = r.take(data_len)?.to_vec();
        chunks.push(ChunkRow { session_id, lap_number, first_seq, frame_count, t_start_us, t_end_us, data });
    }
    let lap_count = count(&mut r, 49)?;
    let mut laps = Vec::with_capacity(lap_count);
    for _ in 0..lap_count {
        let session_id = r.i64()?;
        let lap_number = r.u32()?;
        let lap_time_s = r.f64()?;
        let sector_count = count(&mut r, 8)?;
        let sectors_s = (0..sector_count).map(|_| r.f64()).collect::<Result<Vec<_>, _>>()?;
        let start_t_us = r.i64()?;
        let end_t_us = r.i64()?;
        let frame_count = r.u64()?;
        let flags = r.u8()?;
        if flags & !0b111 != 0 {
            return Err(Malformed::Content(format!("unknown lap flags {flags:#04x}")));
        }
        laps.push(NewLap {
            session_id,
            lap: CompletedLap {
                lap_number,
                lap_time_s,
                sectors_s,
                start_t_us,
                end_t_us,
                frame_count,
                valid: flags & 1 != 0,
                out_lap: flags & 2 != 0,
                pit: flags & 4 != 0,
            },
        });
    }
    let mut ends = Vec::new();
    if with_sessions {
        let end_count = count(&mut r, 16)?;
        ends.reserve(end_count);
        for _ in 0..end_count {
            ends.push(SessionEnd { session_id: r.i64()?, ended_at_ms: r.i64()? });
        }
    }
    if r.remaining() != 0 {
        return Err(Malformed::Content(format!("{} trailing bytes", r.remaining())));
    }
    Ok(WriteBatch { sessions, chunks, laps, ends })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn batch() -> WriteBatch {
        WriteBatch {
            chunks: vec![ChunkRow {
                session_id: 7,
                lap_number: Some(2),
                first_seq: 100,
                frame_count: 3,
                t_start_us: -5,
                t_end_us: 20,
                data: vec![1, 2, 3],
            }],
            laps: vec![NewLap {
                session_id: 7,
                lap: CompletedLap {
                    lap_number: 1,
                    lap_time_s: 85.5,
                    sectors_s: vec![30.0, 55.5],
                    start_t_us: 1,
                    end_t_us: 85_500_001,
                    frame_count: 5,
                    valid: true,
                    out_lap: false,
                    pit: true,
                },
            }],
            ..WriteBatch::default()
        }
    }

    fn batch_with_sessions() -> WriteBatch {
        WriteBatch {
            sessions: vec![NewSession {
                id: OFFLINE_SESSION_ID_BASE + 7,
                name: "Monza · GT3 ✓".into(),
                meta: SessionMeta {
                    game: "sim".into(),
                    car: "GT3".into(),
                    track: "Monza".into(),
                    driver: String::new(),
                    started_at_ms: 1_763_700_000_000,
                    ..SessionMeta::default()
                },
                created_at_ms: 1_763_700_000_123,
                owner: None,
            }],
            ends: vec![SessionEnd { session_id: 7, ended_at_ms: 1_763_700_090_000 }],
            ..batch()
        }
    }

    #[test]
    fn golden_bytes() {
        let mut out = Vec::new();
        encode_record(&WriteBatch::default(), &mut out);
        let payload = [VERSION, 0, 0, 0, 0, 0, 0, 0, 0];
        let mut expected = b"RCSP".to_vec();
        expected.extend_from_slice(&9u32.to_le_bytes());
        expected.extend_from_slice(&crc32fast::hash(&payload).to_le_bytes());
        expected.extend_from_slice(&payload);
        assert_eq!(out, expected);

        out.clear();
        encode_record(&batch(), &mut out);
        // header + version + 2 counts + chunk (45 + 3 data) + lap (49 + 2 sectors)
        assert_eq!(out.len(), 12 + 1 + 8 + 48 + 65);
    }

    #[test]
    fn payload_round_trip_and_every_truncation_fails() {
        let mut out = Vec::new();
        encode_record(&batch(), &mut out);
        let payload = &out[12..];
        assert!(matches!(decode_payload(payload), Ok(b) if b == batch()));
        for n in 0..payload.len() {
            assert!(decode_payload(&payload[..n]).is_err(), "truncated to {n}");
        }
    }

    #[test]
    fn sessions_and_ends_round_trip_as_version_2_and_every_truncation_fails() {
        let mut out = Vec::new();
        encode_record(&batch_with_sessions(), &mut out);
        let payload = &out[12..];
        assert_eq!(payload[0], VERSION_SESSIONS);
        assert!(matches!(decode_payload(payload), Ok(b) if b == batch_with_sessions()));
        for n in 0..payload.len() {
            assert!(decode_payload(&payload[..n]).is_err(), "truncated to {n}");
        }
    }

    #[test]
    fn owned_sessions_round_trip_as_version_3_and_every_truncation_fails() {
        let mut owned = batch_with_sessions();
        owned.sessions[0].owner = Some(Owner { team_id: 3, driver_user_id: Some(9) });
        owned.sessions.push(NewSession {
            id: OFFLINE_SESSION_ID_BASE + 8,
            owner: Some(Owner { team_id: 4, driver_user_id: None }),
            ..owned.sessions[0].clone()
        });
        let mut out = Vec::new();
        encode_record(&owned, &mut out);
        let payload = &out[12..];
        assert_eq!(payload[0], VERSION_OWNED);
        assert!(matches!(decode_payload(payload), Ok(b) if b == owned));
        for n in 0..payload.len() {
            assert!(decode_payload(&payload[..n]).is_err(), "truncated to {n}");
        }
    }

    #[test]
    fn entries_round_trip_as_version_4_and_every_truncation_fails() {
        let mut entered = batch_with_sessions();
        entered.sessions[0].meta.team = "Apex Racing".into();
        entered.sessions[0].meta.car_number = "7".into();
        entered.sessions.push(NewSession {
            id: OFFLINE_SESSION_ID_BASE + 8,
            owner: Some(Owner { team_id: 4, driver_user_id: Some(2) }),
            meta: SessionMeta { car_number: "12".into(), ..entered.sessions[0].meta.clone() },
            ..entered.sessions[0].clone()
        });
        let mut out = Vec::new();
        encode_record(&entered, &mut out);
        let payload = &out[12..];
        assert_eq!(payload[0], VERSION_ENTRY);
        assert!(matches!(decode_payload(payload), Ok(b) if b == entered));
        for n in 0..payload.len() {
            assert!(decode_payload(&payload[..n]).is_err(), "truncated to {n}");
        }
    }

    #[test]
    fn version_1_golden_record_still_reads() {
        // A record as the build before version 2 wrote it: one chunk of session 7, one lap.
        let mut payload = vec![1u8];
        payload.extend_from_slice(&1u32.to_le_bytes());
        payload.extend_from_slice(&7i64.to_le_bytes());
        payload.push(1);
        payload.extend_from_slice(&2u32.to_le_bytes());
        payload.extend_from_slice(&100u64.to_le_bytes());
        payload.extend_from_slice(&3u32.to_le_bytes());
        payload.extend_from_slice(&(-5i64).to_le_bytes());
        payload.extend_from_slice(&20i64.to_le_bytes());
        payload.extend_from_slice(&3u32.to_le_bytes());
        payload.extend_from_slice(&[1, 2, 3]);
        payload.extend_from_slice(&1u32.to_le_bytes());
        payload.extend_from_slice(&7i64.to_le_bytes());
        payload.extend_from_slice(&1u32.to_le_bytes());
        payload.extend_from_slice(&85.5f64.to_le_bytes());
        payload.extend_from_slice(&2u32.to_le_bytes());
        payload.extend_from_slice(&30.0f64.to_le_bytes());
        payload.extend_from_slice(&55.5f64.to_le_bytes());
        payload.extend_from_slice(&1i64.to_le_bytes());
        payload.extend_from_slice(&85_500_001i64.to_le_bytes());
        payload.extend_from_slice(&5u64.to_le_bytes());
        payload.push(0b101);
        assert!(matches!(decode_payload(&payload), Ok(b) if b == batch()));
        // ...and a batch without sessions is still written exactly so.
        let mut out = Vec::new();
        encode_record(&batch(), &mut out);
        assert_eq!(out[12..], payload[..]);
    }

    #[test]
    fn unknown_version_is_reported_as_such() {
        let mut out = Vec::new();
        encode_record(&batch(), &mut out);
        out[12] = VERSION_ENTRY + 1;
        let crc = crc32fast::hash(&out[12..]);
        out[8..12].copy_from_slice(&crc.to_le_bytes());
        let remaining = out.len() as u64;
        assert!(matches!(read_record(&mut &out[..], remaining), Ok(Scan::Version(v)) if v == VERSION_ENTRY + 1));
    }

    #[tokio::test]
    async fn offline_session_ids_rise_across_reopens_and_stay_in_their_range() {
        let dir = tempfile::tempdir().expect("tempdir");
        let spool = Spool::open(dir.path()).await.expect("open");
        let a = spool.next_session_id().await.expect("id");
        let b = spool.next_session_id().await.expect("id");
        assert!(b > a && a >= OFFLINE_SESSION_ID_BASE + crate::now_ms() / 2 * IDS_PER_MS, "{a} {b}");
        assert!(b < 2 * OFFLINE_SESSION_ID_BASE, "{b} is exact in JavaScript");
        drop(spool);
        // A clock set back cannot repeat an id: the file remembers the last one.
        std::fs::write(dir.path().join(SESSION_IDS_FILE), format!("{}\n", b + 1_000_000_000)).expect("write");
        let spool = Spool::open(dir.path()).await.expect("reopen");
        assert_eq!(spool.next_session_id().await.expect("id"), b + 1_000_000_001);
    }
}
