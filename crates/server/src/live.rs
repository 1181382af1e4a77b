//! Live sessions: where ingest meets the viewers.
//!
//! Each [`LiveSession`] owns, behind one short-held lock, the sequence counter that de-duplicates resent
//! frames, the [`LapTracker`], the laps completed so far, and the current lap's backlog for late joiners.
//! Publishing a frame to viewers and snapshotting for a new viewer happen under that same lock, so a viewer
//! gets the backlog and then every later frame, with no gap and no repeat. The broadcast never blocks the
//! producer: a viewer that falls behind loses its oldest messages and skips to the newest (see `routes::view`).

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Instant;

use axum::extract::ws::Utf8Bytes;
use bytes::Bytes;
use racecraft_codec::chunk::{ChunkEncoder, Compression};
use racecraft_core::{Channel, CompletedLap, Frame, LapTracker};
use racecraft_store::Writer;
use tokio::sync::broadcast;

use crate::metrics::Metrics;

/// Frames per sealed backlog chunk: about 3 s at 333 Hz.
const BACKLOG_CHUNK_FRAMES: usize = 1024;

/// A message on a session's live broadcast.
#[derive(Debug, Clone)]
pub enum LiveEvent {
    /// One frame, encoded lazily and at most once per format, however many viewers there are.
    Telemetry(Arc<TelemetryItem>),
    /// A pre-encoded JSON event (`lap_completed`, `session_ended`).
    Text(Utf8Bytes),
}

/// A frame on its way to viewers.
#[derive(Debug)]
pub struct TelemetryItem {
    /// Sequence number within the session.
    pub seq: u64,
    /// The frame.
    pub frame: Frame,
    binary: OnceLock<Bytes>,
    json: OnceLock<Utf8Bytes>,
}

impl TelemetryItem {
    fn new(seq: u64, frame: Frame) -> TelemetryItem {
        TelemetryItem { seq, frame, binary: OnceLock::new(), json: OnceLock::new() }
    }

    /// Binary form: `u8 1 · u64 seq · compact frame`.
    pub fn binary(&self) -> Bytes {
        self.binary
            .get_or_init(|| {
                let mut out = Vec::with_capacity(9 + racecraft_codec::compact::encoded_len(&self.frame));
                racecraft_codec::wire::encode_telemetry(self.seq, &self.frame, &mut out);
                Bytes::from(out)
            })
            .clone()
    }

    /// JSON `telemetry_update` message.
    pub fn json(&self) -> Utf8Bytes {
        self.json
            .get_or_init(|| {
                let mut s = String::with_capacity(64 + 24 * self.frame.len());
                let _ =
                    write!(s, r#"{{"type":"telemetry_update","seq":{},"t_s":{},"frame":"#, self.seq, self.frame.t_s());
                frame_object(&self.frame, &mut s);
                s.push('}');
                Utf8Bytes::from(s)
            })
            .clone()
    }
}

/// Writes a frame's present channels as a JSON object.
pub fn frame_object(frame: &Frame, out: &mut String) {
    out.push('{');
    for (i, (channel, value)) in frame.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let _ = write!(out, r#""{}":{}"#, channel.name(), value);
    }
    out.push('}');
}

/// Writes frames column by column: `"t_s":[..],"channels":{"name":[..],..}` (no surrounding braces), with
/// `null` where a frame lacks a channel. `channels` = `None` means every channel present in any frame.
pub fn columns_json(frames: &[Frame], channels: Option<&[Channel]>, out: &mut String) {
    out.push_str(r#""t_s":["#);
    for (i, f) in frames.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let _ = write!(out, "{}", f.t_s());
    }
    out.push_str(r#"],"channels":{"#);
    let union = frames.iter().fold(0u64, |m, f| m | f.present_mask());
    let all: Vec<Channel>;
    let chosen = match channels {
        Some(c) => c,
        None => {
            all = Channel::ALL.iter().copied().filter(|c| union & (1 << c.index()) != 0).collect();
            &all
        }
    };
    for (k, channel) in chosen.iter().enumerate() {
        if k > 0 {
            out.push(',');
        }
        let _ = write!(out, r#""{}":["#, channel.name());
        for (i, f) in frames.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            match f.get(*channel) {
                Some(v) => {
                    let _ = write!(out, "{v}");
                }
                None => out.push_str("null"),
            }
        }
        out.push(']');
    }
    out.push('}');
}

/// Lap as sent to viewers and over the REST API.
pub fn lap_json(session_id: i64, id: Option<i64>, lap: &CompletedLap) -> serde_json::Value {
    serde_json::json!({
        "id": id,
        "session_id": session_id,
        "lap_number": lap.lap_number,
        "lap_time_s": lap.lap_time_s,
        "sectors_s": lap.sectors_s,
        "start_t_s": lap.start_t_us as f64 * 1e-6,
        "frame_count": lap.frame_count,
        "valid": lap.valid,
        "out_lap": lap.out_lap,
        "pit": lap.pit,
    })
}

/// The live sessions of this server.
#[derive(Debug)]
pub struct LiveRegistry {
    sessions: Mutex<HashMap<i64, Arc<LiveSession>>>,
    /// Sessions created by `POST /api/ingest`, by (track, chassis).
    api_sessions: Mutex<HashMap<(String, String), i64>>,
    capacity: usize,
}

impl LiveRegistry {
    pub(crate) fn new(capacity: usize) -> LiveRegistry {
        LiveRegistry { sessions: Mutex::new(HashMap::new()), api_sessions: Mutex::new(HashMap::new()), capacity }
    }

    /// The `/api/ingest` session for a (track, chassis) key.
    pub fn api_session(&self, key: &(String, String)) -> Option<i64> {
        lock(&self.api_sessions).get(key).copied()
    }

    /// Records the `/api/ingest` session for a key; if another request won the race, returns its id instead.
    pub fn set_api_session(&self, key: (String, String), id: i64) -> i64 {
        *lock(&self.api_sessions).entry(key).or_insert(id)
    }

    /// The live session `id`, if it is live.
    pub fn get(&self, id: i64) -> Option<Arc<LiveSession>> {
        lock(&self.sessions).get(&id).cloned()
    }

    /// Makes session `id` live with `next_seq` as its first expected sequence number, or returns it if it
    /// already is (another connection won the race).
    pub fn activate(&self, id: i64, next_seq: u64, best_lap_s: Option<f64>) -> Arc<LiveSession> {
        lock(&self.sessions)
            .entry(id)
            .or_insert_with(|| Arc::new(LiveSession::new(id, next_seq, best_lap_s, self.capacity)))
            .clone()
    }

    /// Forgets a session (deleted, or ended and drained).
    pub fn remove(&self, id: i64) -> Option<Arc<LiveSession>> {
        lock(&self.sessions).remove(&id)
    }

    /// Ids of sessions currently live (receiving data, not ended).
    pub fn live_ids(&self) -> Vec<i64> {
        lock(&self.sessions).values().filter(|s| s.is_live()).map(|s| s.id).collect()
    }

    /// The live session that received data most recently.
    pub fn most_recent(&self) -> Option<Arc<LiveSession>> {
        lock(&self.sessions).values().filter(|s| s.is_live()).max_by_key(|s| *lock(&s.last_active)).cloned()
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A panic while holding one of these locks cannot leave the data half-updated in a way that matters more
    // than losing the server, so recover the guard rather than propagate the poison.
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// One session that is receiving data.
#[derive(Debug)]
pub struct LiveSession {
    /// Session id.
    pub id: i64,
    state: Mutex<IngestState>,
    tx: broadcast::Sender<LiveEvent>,
    last_active: Mutex<Instant>,
}

#[derive(Debug)]
struct IngestState {
    next_seq: u64,
    tracker: LapTracker,
    insights: crate::insight::Insights,
    laps: Vec<serde_json::Value>,
    best_lap_s: Option<f64>,
    /// The latest `insight_update`, for viewers that join later.
    last_insight: Option<String>,
    backlog: Backlog,
    ended: bool,
    /// Frames have arrived since the session was activated.
    received: bool,
    /// Last AC `packetId` seen through `POST /ingest`, to drop repeats.
    last_packet_id: Option<i64>,
    /// First `meta_time` seen through `POST /api/ingest`, the session's time origin, seconds.
    api_time_origin_s: Option<f64>,
    created: Instant,
}

/// What [`LiveSession::ingest`] did with a batch.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Ingested {
    /// Frames accepted.
    pub accepted: usize,
    /// Frames dropped because their sequence number was already accepted.
    pub duplicates: usize,
    /// Laps completed by this batch.
    pub laps: usize,
}

/// What a new viewer starts from.
#[derive(Debug)]
pub struct ViewerStart {
    /// Laps completed while live (JSON).
    pub laps: Vec<serde_json::Value>,
    /// Best valid lap so far.
    pub best_lap_s: Option<f64>,
    /// The current lap so far.
    pub backlog: BacklogSnapshot,
    /// The session already ended.
    pub ended: bool,
    /// The latest `insight_update` message.
    pub last_insight: Option<String>,
}

impl LiveSession {
    fn new(id: i64, next_seq: u64, best_lap_s: Option<f64>, capacity: usize) -> LiveSession {
        let (tx, _) = broadcast::channel(capacity.max(1));
        LiveSession {
            id,
            state: Mutex::new(IngestState {
                next_seq,
                tracker: LapTracker::new(),
                insights: crate::insight::Insights::default(),
                laps: Vec::new(),
                best_lap_s,
                last_insight: None,
                backlog: Backlog::default(),
                ended: false,
                received: false,
                last_packet_id: None,
                api_time_origin_s: None,
                created: Instant::now(),
            }),
            tx,
            last_active: Mutex::new(Instant::now()),
        }
    }

    /// Next sequence number this session expects.
    pub fn next_seq(&self) -> u64 {
        lock(&self.state).next_seq
    }

    /// Whether the agent has ended the session.
    pub fn is_ended(&self) -> bool {
        lock(&self.state).ended
    }

    /// Receiving data: it has had frames since the server started following it, and has not ended. A
    /// session a viewer opened before its source connected is followed but not yet live.
    pub fn is_live(&self) -> bool {
        let st = lock(&self.state);
        st.received && !st.ended
    }

    /// Accepts a batch of frames numbered from `first_seq` (`None`: numbered by the server, for sources that
    /// carry no sequence), publishes them to viewers and hands them to the storage writer. Frames whose
    /// number was already accepted are dropped, so an agent may resend freely.
    pub fn ingest(
        &self,
        first_seq: Option<u64>,
        mut frames: Vec<Frame>,
        writer: &Writer,
        metrics: &Metrics,
    ) -> Ingested {
        let mut completed: Vec<CompletedLap> = Vec::new();
        let (start_seq, duplicates) = {
            let mut st = lock(&self.state);
            let first = first_seq.unwrap_or(st.next_seq);
            let duplicates = (st.next_seq.saturating_sub(first) as usize).min(frames.len());
            frames.drain(..duplicates);
            let start_seq = first + duplicates as u64;
            let viewers = self.tx.receiver_count() > 0;
            for (i, frame) in frames.iter().enumerate() {
                let seq = start_seq + i as u64;
                st.insights.frame(frame);
                if let Some(lap) = st.tracker.push(frame) {
                    let json = lap_json(self.id, None, &lap);
                    if lap.valid && st.best_lap_s.is_none_or(|b| lap.lap_time_s < b) {
                        st.best_lap_s = Some(lap.lap_time_s);
                    }
                    let msg = serde_json::json!({"type": "lap_completed", "lap": json, "best_lap_s": st.best_lap_s});
                    st.laps.push(json);
                    let _ = self.tx.send(LiveEvent::Text(Utf8Bytes::from(msg.to_string())));
                    let insight = st.insights.lap(&lap);
                    st.last_insight = Some(insight.to_string());
                    let _ = self.tx.send(LiveEvent::Text(Utf8Bytes::from(insight.to_string())));
                    completed.push(lap);
                }
                st.backlog.push(seq, frame);
                if viewers {
                    // Err only means nobody is listening any more.
                    let _ = self.tx.send(LiveEvent::Telemetry(Arc::new(TelemetryItem::new(seq, *frame))));
                }
            }
            st.next_seq = st.next_seq.max(start_seq + frames.len() as u64);
            st.received |= !frames.is_empty();
            (start_seq, duplicates)
        };
        *lock(&self.last_active) = Instant::now();
        let accepted = frames.len();
        let laps = completed.len();
        // The writer only fails once its task has stopped, i.e. while the server is shutting down.
        if accepted > 0
            && let Err(e) = writer.frames(self.id, start_seq, frames)
        {
            tracing::error!(session = self.id, error = %e, "storage writer refused frames");
        }
        for lap in completed {
            if let Err(e) = writer.lap(self.id, lap) {
                tracing::error!(session = self.id, error = %e, "storage writer refused a lap");
            }
        }
        if duplicates > 0 {
            metrics.frames_dropped.get_or_create(&[("reason", "duplicate")]).inc_by(duplicates as u64);
        }
        metrics.laps_completed.inc_by(laps as u64);
        Ingested { accepted, duplicates, laps }
    }

    /// Subscribes a viewer: its receiver and the state it starts from, taken atomically.
    pub fn subscribe(&self) -> (broadcast::Receiver<LiveEvent>, ViewerStart) {
        let st = lock(&self.state);
        let rx = self.tx.subscribe();
        let start = ViewerStart {
            laps: st.laps.clone(),
            best_lap_s: st.best_lap_s,
            backlog: st.backlog.snapshot(),
            ended: st.ended,
            last_insight: st.last_insight.clone(),
        };
        (rx, start)
    }

    /// Marks the session ended and tells viewers.
    pub fn end(&self) {
        let mut st = lock(&self.state);
        if !st.ended {
            st.ended = true;
            let _ = self.tx.send(LiveEvent::Text(Utf8Bytes::from_static(r#"{"type":"session_ended"}"#)));
        }
    }

    /// The newest `n` frames of the current lap.
    pub fn recent(&self, n: usize) -> Vec<Frame> {
        let snapshot = lock(&self.state).backlog.snapshot();
        let mut frames = snapshot.frames();
        let skip = frames.len().saturating_sub(n);
        frames.drain(..skip);
        frames
    }

    /// Drops an AC-style frame whose `packetId` is not newer than the last one; true if it is new.
    pub fn accept_packet_id(&self, packet_id: i64) -> bool {
        let mut st = lock(&self.state);
        if st.last_packet_id.is_some_and(|last| packet_id <= last) {
            return false;
        }
        st.last_packet_id = Some(packet_id);
        true
    }

    /// Session time for a sample stamped `meta_time_s` (the first stamp is the origin); without a stamp, the
    /// time since the session went live here.
    pub fn api_time_us(&self, meta_time_s: Option<f64>) -> i64 {
        let mut st = lock(&self.state);
        match meta_time_s {
            Some(t) => {
                let origin = *st.api_time_origin_s.get_or_insert(t);
                ((t - origin) * 1e6).round() as i64
            }
            None => st.created.elapsed().as_micros() as i64,
        }
    }
}

/// The current lap so far, kept compressed: sealed chunks plus an open tail.
#[derive(Debug, Default)]
struct Backlog {
    lap: Option<u32>,
    sealed: Vec<Arc<[u8]>>,
    tail: Vec<Frame>,
    last_seq: Option<u64>,
    encoder: ChunkEncoder,
    scratch: Vec<u8>,
}

/// A copy of a backlog, cheap to take under the lock and decoded outside it.
#[derive(Debug, Default)]
pub struct BacklogSnapshot {
    /// Lap number of the frames.
    pub lap: Option<u32>,
    sealed: Vec<Arc<[u8]>>,
    tail: Vec<Frame>,
    /// Sequence number of the newest frame in the snapshot.
    pub last_seq: Option<u64>,
}

impl Backlog {
    fn push(&mut self, seq: u64, frame: &Frame) {
        if frame.lap() != self.lap {
            self.lap = frame.lap();
            self.sealed.clear();
            self.tail.clear();
        }
        self.tail.push(*frame);
        self.last_seq = Some(seq);
        if self.tail.len() >= BACKLOG_CHUNK_FRAMES {
            self.scratch.clear();
            self.encoder.encode(&self.tail, Compression::Lz4, &mut self.scratch);
            self.sealed.push(Arc::from(self.scratch.as_slice()));
            self.tail.clear();
        }
    }

    fn snapshot(&self) -> BacklogSnapshot {
        BacklogSnapshot { lap: self.lap, sealed: self.sealed.clone(), tail: self.tail.clone(), last_seq: self.last_seq }
    }
}

impl BacklogSnapshot {
    /// All frames, oldest first.
    pub fn frames(&self) -> Vec<Frame> {
        let mut out = Vec::with_capacity(self.sealed.len() * BACKLOG_CHUNK_FRAMES + self.tail.len());
        for chunk in &self.sealed {
            // These bytes were encoded by this process a moment ago; a failure would be a codec bug.
            if let Err(e) = racecraft_codec::chunk::decode_into(chunk, &mut out) {
                tracing::error!(error = %e, "backlog chunk failed to decode");
            }
        }
        out.extend_from_slice(&self.tail);
        out
    }
}
