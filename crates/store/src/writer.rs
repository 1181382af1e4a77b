//! [`Writer`]: the storage pipeline behind the live path.
//!
//! The live path hands frames and laps over an unbounded channel and never waits. One task owns all
//! buffering: per session it collects frames into a chunk buffer, cutting a chunk when the lap number
//! changes or the buffer is full, and on every flush it writes all cut chunks and laps as one
//! [`WriteBatch`]. When the database fails, the batch goes to the [`Spool`] instead, and so does every later
//! batch until a background drain has emptied the spool: batches reach the database in the order they were
//! made, which keeps the per-session watermark a plain maximum.
//!
//! Sessions can be created here too while the database is away ([`Writer::create_session`]): the row gets an
//! id from the offline range and travels in the next batch ahead of its chunks; a session's end travels
//! behind its last chunks ([`Writer::end_session`]). Both survive in the spool like frames.

use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use racecraft_codec::chunk::{self, ChunkEncoder, Compression};
use racecraft_core::{CompletedLap, Frame, SessionMeta};
use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::JoinHandle;
use tokio::time::{Instant, MissedTickBehavior};

use crate::model::{ChunkRow, NewLap, NewSession, Session, SessionEnd, WriteBatch};
use crate::{Error, Result, Spool, Store};

/// Tuning of the [`Writer`].
#[derive(Debug, Clone)]
pub struct WriterConfig {
    /// How often buffered frames are written (default 1 s): the longest a frame waits before it is durable
    /// and acknowledged.
    pub flush_interval: Duration,
    /// Most frames in one chunk (default 4096, about 12 s at 333 Hz).
    pub max_chunk_frames: usize,
    /// How often the spool is replayed into the database during an outage (default 500 ms).
    pub retry_interval: Duration,
}

impl Default for WriterConfig {
    fn default() -> Self {
        WriterConfig {
            flush_interval: Duration::from_secs(1),
            max_chunk_frames: 4096,
            retry_interval: Duration::from_millis(500),
        }
    }
}

/// A snapshot of the writer for health checks and metrics.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize)]
pub struct WriterStatus {
    /// Batches go straight to the database (`false` during an outage and until the spool is drained).
    pub db_available: bool,
    /// Batches in the spool waiting for the database.
    pub spooled_batches: usize,
    /// Frames handed to the writer and not yet durable (queued, buffered, or held after a failed write).
    pub pending_frames: usize,
    /// Chunks made durable (in the database or the spool) since the writer started.
    pub written_chunks: u64,
    /// Frames made durable (in the database or the spool) since the writer started.
    pub written_frames: u64,
    /// Flushed batches that neither the database nor the spool took: held in memory, not acknowledged.
    pub held_batches: usize,
    /// The last write failure of the current trouble (database or spool), until writes go straight to the
    /// database again.
    pub last_error: Option<String>,
}

impl WriterStatus {
    /// Why storage is not fully healthy, or `None` when batches go straight to the database with nothing
    /// spooled or held.
    pub fn degraded_reason(&self) -> Option<String> {
        let mut reasons = Vec::new();
        if self.held_batches > 0 {
            reasons.push(format!(
                "{} batches held in memory: neither the database nor the spool takes them",
                self.held_batches
            ));
        }
        if !self.db_available {
            reasons.push("database unavailable: writes go to the spool".to_owned());
        }
        if self.spooled_batches > 0 {
            reasons.push(format!("{} batches spooled, waiting for the database", self.spooled_batches));
        }
        if reasons.is_empty() && self.last_error.is_none() {
            return None;
        }
        if let Some(e) = &self.last_error {
            reasons.push(format!("last error: {e}"));
        }
        Some(reasons.join("; "))
    }
}

/// Handle to the storage task. Cheap to clone; the task flushes and stops when the last handle is dropped
/// (await [`Writer::flush`] first to know when that is done).
#[derive(Debug, Clone)]
pub struct Writer {
    tx: mpsc::UnboundedSender<Command>,
    shared: Arc<Shared>,
}

#[derive(Debug)]
struct Shared {
    /// Per session, every frame with a smaller seq is durable.
    watermarks: Mutex<HashMap<i64, u64>>,
    /// Counts watermark advances; receivers then read [`Writer::persisted_seq`].
    watermark_tx: watch::Sender<u64>,
    db_available_tx: watch::Sender<bool>,
    pending_frames: AtomicUsize,
    written_chunks: AtomicU64,
    written_frames: AtomicU64,
    held_batches: AtomicUsize,
    last_error: Mutex<Option<String>>,
    spool: Spool,
    /// Sessions created through the writer (this run, or found in the spool), by id: what a hello can go
    /// live with while the database cannot be asked.
    offline_sessions: Mutex<HashMap<i64, Session>>,
}

enum Command {
    Frames { session_id: i64, first_seq: u64, frames: Vec<Frame> },
    Lap(NewLap),
    Session(NewSession),
    End(SessionEnd),
    Flush(oneshot::Sender<Result<()>>),
}

impl Writer {
    /// Starts the storage task on the current Tokio runtime. A spool left non-empty by an earlier run is
    /// drained into the database first. With a store that has not reached its database yet
    /// ([`Store::connect_lazy_with`]), the writer starts on its spool and switches to the database once it
    /// answers.
    pub fn spawn(store: Store, spool: Spool, config: WriterConfig) -> Writer {
        let db_available = spool.pending_batches() == 0 && store.is_migrated();
        // What an earlier run spooled is durable: its sessions and watermarks carry over.
        let offline_sessions = spool.sessions().into_iter().map(|s| (s.id, s)).collect();
        let shared = Arc::new(Shared {
            watermarks: Mutex::new(spool.next_seqs().into_iter().collect()),
            watermark_tx: watch::Sender::new(0),
            db_available_tx: watch::Sender::new(db_available),
            pending_frames: AtomicUsize::new(0),
            written_chunks: AtomicU64::new(0),
            written_frames: AtomicU64::new(0),
            held_batches: AtomicUsize::new(0),
            last_error: Mutex::new(None),
            spool: spool.clone(),
            offline_sessions: Mutex::new(offline_sessions),
        });
        let (tx, rx) = mpsc::unbounded_channel();
        let max_chunk_frames = config.max_chunk_frames.clamp(1, chunk::MAX_FRAMES as usize);
        let task = Task {
            store,
            spool,
            config: WriterConfig { max_chunk_frames, ..config },
            shared: Arc::clone(&shared),
            sessions: HashMap::new(),
            ready: Vec::new(),
            laps: Vec::new(),
            new_sessions: Vec::new(),
            ends: Vec::new(),
            stalled: VecDeque::new(),
            encoder: ChunkEncoder::new(),
            db_available,
            outage_logged: false,
            spool_error_logged: false,
        };
        tokio::spawn(task.run(rx));
        Writer { tx, shared }
    }

    /// Queues frames of one session: consecutive sequence numbers from `first_seq`, in order. Frames the
    /// writer already has (a resend) are skipped; a jump forward starts a new chunk. Sequence numbers beyond
    /// `i64::MAX` (what the database can hold) are refused here, before they could make a batch that no
    /// retry would ever write.
    pub fn frames(&self, session_id: i64, first_seq: u64, frames: Vec<Frame>) -> Result<()> {
        let n = frames.len();
        if first_seq.checked_add(n as u64).is_none_or(|end| end > i64::MAX as u64) {
            return Err(Error::OutOfRange { what: "frame sequence number", value: first_seq });
        }
        self.shared.pending_frames.fetch_add(n, Ordering::Relaxed);
        self.send(Command::Frames { session_id, first_seq, frames }).inspect_err(|_| {
            self.shared.pending_frames.fetch_sub(n, Ordering::Relaxed);
        })
    }

    /// Queues a completed lap; it is written with the next flush. A lap the database cannot hold (a
    /// non-finite time) is refused here.
    pub fn lap(&self, session_id: i64, lap: CompletedLap) -> Result<()> {
        let lap = NewLap { session_id, lap };
        lap.check()?;
        self.send(Command::Lap(lap))
    }

    /// Creates a session without the database: an id from the spool's offline range (never one the
    /// database hands out), and the row written with the next batch, ahead of the session's chunks. Returns
    /// once the row is durable (in the database or the spool), or with [`Error::NotPersisted`].
    pub async fn create_session(&self, meta: &SessionMeta, name: Option<&str>) -> Result<Session> {
        self.create_owned_session(meta, name, None).await
    }

    /// [`Writer::create_session`] for a session belonging to `owner`.
    pub async fn create_owned_session(
        &self,
        meta: &SessionMeta,
        name: Option<&str>,
        owner: Option<crate::Owner>,
    ) -> Result<Session> {
        let id = self.shared.spool.next_session_id().await?;
        let name = name.map_or_else(|| crate::store::default_name(meta), str::to_owned);
        let new = NewSession { id, name, meta: meta.clone(), created_at_ms: crate::now_ms(), owner };
        let session = new.session();
        lock(&self.shared.offline_sessions).insert(id, session.clone());
        self.send(Command::Session(new))?;
        self.flush().await?;
        Ok(session)
    }

    /// A session created through [`Writer::create_session`] (by this run, or by an earlier one whose spool
    /// this writer took over), as created, with its end if it has ended.
    pub fn offline_session(&self, id: i64) -> Option<Session> {
        lock(&self.shared.offline_sessions).get(&id).cloned()
    }

    /// The session is over: its end is written after its frames (through the spool if need be), everything
    /// pending is flushed now, and its buffers are forgotten.
    pub fn end_session(&self, session_id: i64, ended_at_ms: i64) -> Result<()> {
        if let Some(s) = lock(&self.shared.offline_sessions).get_mut(&session_id) {
            s.ended_at_ms = Some(ended_at_ms);
        }
        self.send(Command::End(SessionEnd { session_id, ended_at_ms }))
    }

    /// Flushes everything handed over before this call. The future resolves once it is durable (in the
    /// database or the spool), or with [`Error::NotPersisted`] if neither would take it.
    pub fn flush(&self) -> impl Future<Output = Result<()>> + Send + 'static {
        let (tx, rx) = oneshot::channel();
        let sent = self.send(Command::Flush(tx));
        async move {
            sent?;
            rx.await.map_err(|_| Error::WriterClosed)?
        }
    }

    /// Every frame of `session_id` with `seq` below this is durable (0 before the first flush).
    pub fn persisted_seq(&self, session_id: i64) -> u64 {
        lock(&self.shared.watermarks).get(&session_id).copied().unwrap_or(0)
    }

    /// Changes whenever any session's [`Writer::persisted_seq`] advances (the value counts advances).
    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.shared.watermark_tx.subscribe()
    }

    /// Whether batches currently go straight to the database; changes when an outage starts or the spool
    /// has been drained after one.
    pub fn db_availability(&self) -> watch::Receiver<bool> {
        self.shared.db_available_tx.subscribe()
    }

    /// Whether batches currently go straight to the database (see [`Writer::db_availability`]).
    pub fn db_available(&self) -> bool {
        *self.shared.db_available_tx.borrow()
    }

    /// Whether the writer has found the database away (a write or a retry failed) and has not caught up
    /// since. Unlike `!db_available()`, false while a writer that just started has not reached the database
    /// yet: asking the database is then still worth it.
    pub fn db_away(&self) -> bool {
        !self.db_available() && lock(&self.shared.last_error).is_some()
    }

    /// A snapshot for health checks and metrics.
    pub fn status(&self) -> WriterStatus {
        WriterStatus {
            db_available: *self.shared.db_available_tx.borrow(),
            spooled_batches: self.shared.spool.pending_batches(),
            pending_frames: self.shared.pending_frames.load(Ordering::Relaxed),
            written_chunks: self.shared.written_chunks.load(Ordering::Relaxed),
            written_frames: self.shared.written_frames.load(Ordering::Relaxed),
            held_batches: self.shared.held_batches.load(Ordering::Relaxed),
            last_error: lock(&self.shared.last_error).clone(),
        }
    }

    fn send(&self, command: Command) -> Result<()> {
        self.tx.send(command).map_err(|_| Error::WriterClosed)
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The frames of one session not yet cut into a chunk.
struct SessionBuf {
    /// Sequence number of `frames[0]`.
    first_seq: u64,
    /// Sequence number the next frame should have.
    next_seq: u64,
    /// The lap number of every frame in `frames`.
    lap: Option<u32>,
    /// Reused across chunks, so steady state does not allocate per frame.
    frames: Vec<Frame>,
}

struct Task {
    store: Store,
    spool: Spool,
    config: WriterConfig,
    shared: Arc<Shared>,
    sessions: HashMap<i64, SessionBuf>,
    /// Chunks cut since the last flush.
    ready: Vec<ChunkRow>,
    /// Laps received since the last flush.
    laps: Vec<NewLap>,
    /// Sessions created since the last flush.
    new_sessions: Vec<NewSession>,
    /// Session ends received since the last flush.
    ends: Vec<SessionEnd>,
    /// Flushed batches that neither the database nor the spool took yet, oldest first.
    stalled: VecDeque<WriteBatch>,
    encoder: ChunkEncoder,
    /// Batches go to the database (not the spool).
    db_available: bool,
    /// The current outage has been logged: one warning per outage, not one per retry.
    outage_logged: bool,
    spool_error_logged: bool,
}

impl Task {
    async fn run(mut self, mut rx: mpsc::UnboundedReceiver<Command>) {
        let mut flush_tick = ticker(self.config.flush_interval);
        let mut retry_tick = ticker(self.config.retry_interval);
        // A spool left by an earlier run is replayed right away.
        let mut drain = if self.db_available { None } else { Some(self.start_drain()) };
        loop {
            tokio::select! {
                command = rx.recv() => match command {
                    Some(command) => self.handle(command).await,
                    None => {
                        // Every handle is gone: write what is left and stop. Errors are logged by flush.
                        let _ = self.flush().await;
                        return;
                    }
                },
                _ = flush_tick.tick() => {
                    let _ = self.flush().await;
                }
                _ = retry_tick.tick(), if drain.is_none() && self.needs_retry() => {
                    let _ = self.persist_stalled().await;
                    if !self.db_available || self.spool.pending_batches() > 0 {
                        drain = Some(self.start_drain());
                    }
                }
                result = async {
                    match drain.as_mut() {
                        Some(handle) => handle.await,
                        None => std::future::pending().await,
                    }
                }, if drain.is_some() => {
                    drain = None;
                    if self.drained(result).await {
                        drain = Some(self.start_drain());
                    }
                }
            }
        }
    }

    async fn handle(&mut self, command: Command) {
        match command {
            Command::Frames { session_id, first_seq, frames } => self.push_frames(session_id, first_seq, &frames),
            Command::Lap(lap) => self.laps.push(lap),
            Command::Session(session) => self.new_sessions.push(session),
            Command::End(end) => {
                self.ends.push(end);
                let _ = self.flush().await;
                self.sessions.remove(&end.session_id);
            }
            Command::Flush(done) => {
                let _ = done.send(self.flush().await);
            }
        }
    }

    fn push_frames(&mut self, session_id: i64, first_seq: u64, frames: &[Frame]) {
        let max = self.config.max_chunk_frames;
        let s = self.sessions.entry(session_id).or_insert_with(|| SessionBuf {
            first_seq,
            next_seq: first_seq,
            lap: None,
            frames: Vec::with_capacity(max.min(1024)),
        });
        // A resend overlapping what we have: keep only the new frames.
        let skip = s.next_seq.saturating_sub(first_seq).min(frames.len() as u64) as usize;
        if skip > 0 {
            self.shared.pending_frames.fetch_sub(skip, Ordering::Relaxed);
        }
        let frames = &frames[skip..];
        if frames.is_empty() {
            return;
        }
        let seq = first_seq + skip as u64;
        if seq > s.next_seq {
            // Frames went missing upstream: chunks hold consecutive frames, so start a new one.
            cut(&mut self.encoder, &mut self.ready, session_id, s);
            s.first_seq = seq;
            s.next_seq = seq;
        }
        for frame in frames {
            let lap = frame.lap();
            if !s.frames.is_empty() && (lap != s.lap || s.frames.len() >= max) {
                cut(&mut self.encoder, &mut self.ready, session_id, s);
            }
            if s.frames.is_empty() {
                s.lap = lap;
            }
            s.frames.push(*frame);
            s.next_seq += 1;
        }
    }

    /// Cuts every buffer and persists all pending data as one batch (after any stalled ones).
    async fn flush(&mut self) -> Result<()> {
        for (&session_id, s) in &mut self.sessions {
            cut(&mut self.encoder, &mut self.ready, session_id, s);
        }
        let batch = WriteBatch {
            sessions: std::mem::take(&mut self.new_sessions),
            chunks: std::mem::take(&mut self.ready),
            laps: std::mem::take(&mut self.laps),
            ends: std::mem::take(&mut self.ends),
        };
        if !batch.is_empty() {
            self.stalled.push_back(batch);
        }
        self.persist_stalled().await
    }

    async fn persist_stalled(&mut self) -> Result<()> {
        let result = async {
            while let Some(batch) = self.stalled.pop_front() {
                if let Err(e) = self.persist(&batch).await {
                    self.stalled.push_front(batch);
                    return Err(e);
                }
            }
            Ok(())
        }
        .await;
        self.shared.held_batches.store(self.stalled.len(), Ordering::Relaxed);
        result
    }

    /// Writes the held batches straight to the database, oldest first (the spool is empty): the test of
    /// whether the database takes writes again. A full disk still answers `SELECT 1`.
    async fn write_stalled(&mut self) -> Result<()> {
        let result = async {
            while let Some(batch) = self.stalled.pop_front() {
                if let Err(e) = self.store.write(&batch).await {
                    self.stalled.push_front(batch);
                    return Err(e);
                }
                self.persisted(&batch);
            }
            Ok(())
        }
        .await;
        self.shared.held_batches.store(self.stalled.len(), Ordering::Relaxed);
        result
    }

    fn set_error(&self, error: Option<String>) {
        *lock(&self.shared.last_error) = error;
    }

    /// Writes one batch to the database, or to the spool while the database is away.
    async fn persist(&mut self, batch: &WriteBatch) -> Result<()> {
        if self.db_available && self.spool.pending_batches() == 0 {
            match self.store.write(batch).await {
                Ok(()) => {
                    self.persisted(batch);
                    return Ok(());
                }
                Err(e) => {
                    self.set_error(Some(format!("database write failed: {e}")));
                    self.mark_unavailable(&e);
                }
            }
        }
        match self.spool.append(batch).await {
            Ok(()) => {
                self.spool_error_logged = false;
                self.persisted(batch);
                Ok(())
            }
            Err(e) => {
                if !self.spool_error_logged {
                    tracing::error!(error = %e, "cannot spool a batch either; holding it in memory and retrying");
                    self.spool_error_logged = true;
                }
                self.set_error(Some(format!("spool append failed: {e}")));
                Err(Error::NotPersisted(e.to_string()))
            }
        }
    }

    fn persisted(&mut self, batch: &WriteBatch) {
        let frames = batch.frame_count();
        self.shared.pending_frames.fetch_sub(frames as usize, Ordering::Relaxed);
        self.shared.written_chunks.fetch_add(batch.chunks.len() as u64, Ordering::Relaxed);
        self.shared.written_frames.fetch_add(frames, Ordering::Relaxed);
        let mut advanced = false;
        {
            let mut watermarks = lock(&self.shared.watermarks);
            for c in &batch.chunks {
                let w = watermarks.entry(c.session_id).or_default();
                if c.end_seq() > *w {
                    *w = c.end_seq();
                    advanced = true;
                }
            }
        }
        if advanced {
            self.shared.watermark_tx.send_modify(|n| *n += 1);
        }
    }

    fn mark_unavailable(&mut self, error: &Error) {
        if !self.outage_logged {
            tracing::warn!(error = %error, spool = %self.spool.path().display(), "database unavailable; spooling writes");
            self.outage_logged = true;
        }
        if self.db_available {
            self.db_available = false;
            self.shared.db_available_tx.send_replace(false);
        }
    }

    fn needs_retry(&self) -> bool {
        !self.db_available || !self.stalled.is_empty() || self.spool.pending_batches() > 0
    }

    /// Replays the spool in the background (or, with nothing spooled, just checks the database), so the
    /// task keeps taking frames while a retry waits for an unreachable database.
    fn start_drain(&self) -> JoinHandle<Result<usize>> {
        let store = self.store.clone();
        let spool = self.spool.clone();
        tokio::spawn(async move {
            if spool.pending_batches() > 0 { spool.drain(&store).await } else { store.ping().await.map(|()| 0) }
        })
    }

    /// Takes the outcome of a drain; returns whether to start another one right away.
    async fn drained(&mut self, result: Result<Result<usize>, tokio::task::JoinError>) -> bool {
        match result {
            Ok(Ok(_)) if self.spool.pending_batches() > 0 => {
                // Batches were spooled while the drain ran: they go first, before the database takes new ones.
                true
            }
            Ok(Ok(batches)) => {
                // The spool is empty and the database answered; it is back only once it has taken the
                // batches held in memory (if any), written straight to it in order.
                if let Err(e) = self.write_stalled().await {
                    self.set_error(Some(format!("database write failed: {e}")));
                    return false;
                }
                if self.outage_logged {
                    tracing::info!(batches, "database available again; spool drained");
                }
                self.outage_logged = false;
                self.db_available = true;
                // The error goes before the announcement: whoever wakes on it reads a healthy status.
                self.set_error(None);
                self.shared.db_available_tx.send_replace(true);
                false
            }
            Ok(Err(e)) => {
                if !self.outage_logged {
                    tracing::warn!(error = %e, spool = %self.spool.path().display(), "cannot drain the spool into the database");
                    self.outage_logged = true;
                }
                self.set_error(Some(format!("spool drain failed: {e}")));
                false
            }
            Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
            Err(_) => false,
        }
    }
}

/// Encodes a session's buffered frames into a chunk ready for the next batch.
fn cut(encoder: &mut ChunkEncoder, ready: &mut Vec<ChunkRow>, session_id: i64, s: &mut SessionBuf) {
    let (Some(first), Some(last)) = (s.frames.first(), s.frames.last()) else {
        return;
    };
    let mut data = Vec::with_capacity(64 + s.frames.len() * 16);
    encoder.encode(&s.frames, Compression::Lz4, &mut data);
    let frame_count = s.frames.len() as u32;
    ready.push(ChunkRow {
        session_id,
        lap_number: s.lap,
        first_seq: s.first_seq,
        frame_count,
        t_start_us: first.t_us,
        t_end_us: last.t_us,
        data,
    });
    s.first_seq += u64::from(frame_count);
    s.frames.clear();
}

fn ticker(period: Duration) -> tokio::time::Interval {
    let period = period.max(Duration::from_millis(1));
    let mut interval = tokio::time::interval_at(Instant::now() + period, period);
    interval.set_missed_tick_behavior(MissedTickBehavior::Delay);
    interval
}
