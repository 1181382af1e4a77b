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
use racecraft_core::{Channel, CompletedLap, Field, Frame, LapTracker};
use racecraft_protocol::rest::Lap;
use racecraft_protocol::viewer::ViewerMessage;
use racecraft_store::{LapRow, Session, Writer};
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

/// A viewer message as the text sent on the socket.
pub(crate) fn text(message: &ViewerMessage) -> Utf8Bytes {
    // Plain data with finite numbers or null: serializing cannot fail.
    Utf8Bytes::from(serde_json::to_string(message).unwrap_or_default())
}

/// Writes a frame's present channels as a JSON object. A non-finite value (a game or tool may send one) is
/// left out: JSON has no spelling for it, and one `inf` would make the whole message unreadable.
pub fn frame_object(frame: &Frame, out: &mut String) {
    out.push('{');
    let mut first = true;
    for (channel, value) in frame.iter().filter(|(_, v)| v.is_finite()) {
        if !first {
            out.push(',');
        }
        first = false;
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
            match f.get(*channel).filter(|v| v.is_finite()) {
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

/// The live sessions of this server.
#[derive(Debug)]
pub struct LiveRegistry {
    sessions: Mutex<HashMap<i64, Arc<LiveSession>>>,
    /// Sessions created by `POST /api/ingest`, by (track, chassis).
    api_sessions: Mutex<HashMap<ApiKey, i64>>,
    capacity: usize,
}

impl LiveRegistry {
    pub(crate) fn new(capacity: usize) -> LiveRegistry {
        LiveRegistry { sessions: Mutex::new(HashMap::new()), api_sessions: Mutex::new(HashMap::new()), capacity }
    }

    /// The `/api/ingest` session for a (track, chassis) key.
    pub fn api_session(&self, key: &ApiKey) -> Option<i64> {
        lock(&self.api_sessions).get(key).copied()
    }

    /// Records the `/api/ingest` session for a key; if another request won the race, returns its id instead.
    pub fn set_api_session(&self, key: ApiKey, id: i64) -> i64 {
        *lock(&self.api_sessions).entry(key).or_insert(id)
    }

    /// The live session `id`, if it is live.
    pub fn get(&self, id: i64) -> Option<Arc<LiveSession>> {
        lock(&self.sessions).get(&id).cloned()
    }

    /// Makes a stored session live from what [`Resume`] loaded, or returns it if it already is (another
    /// connection won the race). The second value is the laps the replay found complete that the store does
    /// not have yet (empty when the session was already live); the caller hands them to the writer.
    pub fn activate(&self, resume: Resume) -> (Arc<LiveSession>, Vec<CompletedLap>) {
        let id = resume.session.id;
        let mut sessions = lock(&self.sessions);
        if let Some(live) = sessions.get(&id) {
            return (live.clone(), Vec::new());
        }
        let (live, recovered) = LiveSession::new(resume, self.capacity);
        let live = Arc::new(live);
        sessions.insert(id, live.clone());
        (live, recovered)
    }

    /// Forgets a session (deleted, or ended and drained).
    pub fn remove(&self, id: i64) -> Option<Arc<LiveSession>> {
        lock(&self.sessions).remove(&id)
    }

    /// Forgets `live` once it has ended, unless the registry already holds a newer activation of it. Its
    /// state is freed when the last connection holding it (agent, viewers) closes.
    pub fn release(&self, live: &Arc<LiveSession>) {
        let mut sessions = lock(&self.sessions);
        if sessions.get(&live.id).is_some_and(|held| Arc::ptr_eq(held, live)) {
            sessions.remove(&live.id);
        }
    }

    /// How many sessions this server follows (live, or opened by a viewer and waiting for data).
    pub fn len(&self) -> usize {
        lock(&self.sessions).len()
    }

    /// Whether it follows no session.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Ids of sessions currently live (receiving data, not ended).
    pub fn live_ids(&self) -> Vec<i64> {
        lock(&self.sessions).values().filter(|s| s.is_live()).map(|s| s.id).collect()
    }

    /// The live session that received data most recently.
    pub fn most_recent(&self) -> Option<Arc<LiveSession>> {
        self.most_recent_where(|_| true)
    }

    /// The live session that received data most recently among those `wanted` keeps.
    pub fn most_recent_where(&self, wanted: impl Fn(&Arc<LiveSession>) -> bool) -> Option<Arc<LiveSession>> {
        lock(&self.sessions)
            .values()
            .filter(|s| s.is_live() && wanted(s))
            .max_by_key(|s| *lock(&s.last_active))
            .cloned()
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A panic while holding one of these locks cannot leave the data half-updated in a way that matters more
    // than losing the server, so recover the guard rather than propagate the poison.
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Which live session `/api/ingest` points without a session id go to: one per owner, track and chassis.
pub type ApiKey = (Option<racecraft_store::Owner>, String, String);

/// One session that is receiving data.
#[derive(Debug)]
pub struct LiveSession {
    /// Session id.
    pub id: i64,
    /// The stored row when the session went live here: viewers that join get it without a database query.
    row: Session,
    /// Laps the store had when the session went live here, with their ids.
    stored_laps: Vec<Lap>,
    state: Mutex<IngestState>,
    tx: broadcast::Sender<LiveEvent>,
    last_active: Mutex<Instant>,
    /// The latest field of the race its agent sent, if its game reports one.
    field: Mutex<Option<Arc<Field>>>,
}

#[derive(Debug)]
struct IngestState {
    next_seq: u64,
    tracker: LapTracker,
    insights: racecraft_analysis::live::LiveInsights,
    laps: Vec<Lap>,
    best_lap_s: Option<f64>,
    /// The latest `insight_update`, for viewers that join later.
    last_insight: Option<Utf8Bytes>,
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
    /// Why the whole batch was refused (nothing of it published or stored), if it was.
    pub refused: Option<SeqRefused>,
}

/// A batch whose sequence numbers this session cannot take.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SeqRefused {
    /// The batch starts past the next expected number: frames from the future, with a gap before them.
    #[error("batch starts at seq {first_seq} but this session expects {next_seq} next (a gap)")]
    Gap {
        /// The batch's first sequence number.
        first_seq: u64,
        /// The session's next expected one.
        next_seq: u64,
    },
    /// The batch's last sequence number would not fit the store's signed 64-bit sequence column.
    #[error("batch of {count} frames from seq {first_seq} ends past the largest sequence number (2^63 - 1)")]
    Overflow {
        /// The batch's first sequence number.
        first_seq: u64,
        /// Frames in the batch.
        count: usize,
    },
}

impl SeqRefused {
    /// Short label for the `ingest_rejected_total{reason}` counter.
    pub fn reason(&self) -> &'static str {
        match self {
            SeqRefused::Gap { .. } => "seq_gap",
            SeqRefused::Overflow { .. } => "seq_overflow",
        }
    }
}

/// What a new viewer starts from.
#[derive(Debug)]
pub struct ViewerStart {
    /// Laps completed while live (JSON).
    pub laps: Vec<Lap>,
    /// Best valid lap so far.
    pub best_lap_s: Option<f64>,
    /// The current lap so far.
    pub backlog: BacklogSnapshot,
    /// The session already ended.
    pub ended: bool,
    /// The latest `insight_update` message.
    pub last_insight: Option<Utf8Bytes>,
}

/// What a stored session needs to go live on this server.
#[derive(Debug)]
pub struct Resume {
    /// Its row.
    pub session: Session,
    /// Its stored laps.
    pub stored_laps: Vec<LapRow>,
    /// The sequence number after the last durable frame: where its agent resumes.
    pub next_seq: u64,
    /// Stored frames from the start of its last stored lap on, oldest first. A server that restarted in the
    /// middle of a lap replays them, so the lap in progress is timed from its real start, with its sectors
    /// and frame count, instead of being cut into an invalid fragment.
    pub replay: Vec<Frame>,
}

impl Resume {
    /// A session with nothing stored yet.
    pub fn fresh(session: Session) -> Resume {
        Resume { session, stored_laps: Vec::new(), next_seq: 0, replay: Vec::new() }
    }
}

impl LiveSession {
    fn new(resume: Resume, capacity: usize) -> (LiveSession, Vec<CompletedLap>) {
        let Resume { session, stored_laps, next_seq, replay } = resume;
        let (tx, _) = broadcast::channel(capacity.max(1));
        let best_lap_s = session.best_lap_s;
        let last_stored_lap = stored_laps.iter().map(|l| l.lap_number).max();
        let stored_json = stored_laps.iter().map(crate::messages::stored_lap).collect();
        let live = LiveSession {
            id: session.id,
            row: session,
            stored_laps: stored_json,
            state: Mutex::new(IngestState {
                next_seq,
                tracker: LapTracker::new(),
                insights: racecraft_analysis::live::LiveInsights::default(),
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
            field: Mutex::new(None),
        };
        let recovered = live.replay(&replay, last_stored_lap);
        (live, recovered)
    }

    /// Feeds stored frames through the lap tracker, insights and backlog without publishing or storing
    /// them; returns the laps they complete that are newer than `last_stored_lap`.
    fn replay(&self, frames: &[Frame], last_stored_lap: Option<u32>) -> Vec<CompletedLap> {
        let mut st = lock(&self.state);
        let first_seq = st.next_seq.saturating_sub(frames.len() as u64);
        let mut recovered = Vec::new();
        for (i, frame) in frames.iter().enumerate() {
            st.insights.frame(frame);
            if let Some(lap) = st.tracker.push(frame)
                && last_stored_lap.is_none_or(|last| lap.lap_number > last)
            {
                if lap.valid && st.best_lap_s.is_none_or(|b| lap.lap_time_s < b) {
                    st.best_lap_s = Some(lap.lap_time_s);
                }
                st.laps.push(crate::messages::live_lap(self.id, &lap));
                recovered.push(lap);
            }
            st.backlog.push(first_seq + i as u64, frame);
        }
        recovered
    }

    /// The stored row as of when the session went live here.
    pub fn row(&self) -> &Session {
        &self.row
    }

    /// The laps the store had when the session went live here (the ones completed since are in
    /// [`ViewerStart::laps`]).
    pub fn stored_laps(&self) -> &[Lap] {
        &self.stored_laps
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
    /// number was already accepted are dropped, so an agent may resend freely. A batch that starts past the
    /// next expected number, or ends past `i64::MAX`, is refused whole ([`Ingested::refused`]): accepting it
    /// would move the session's watermark over frames that never came.
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
            // Checked under the lock, against the same next_seq the frames would be numbered after.
            let refused = if first > st.next_seq {
                Some(SeqRefused::Gap { first_seq: first, next_seq: st.next_seq })
            } else if first.checked_add(frames.len() as u64).is_none_or(|end| end > i64::MAX as u64) {
                Some(SeqRefused::Overflow { first_seq: first, count: frames.len() })
            } else {
                None
            };
            if refused.is_some() {
                return Ingested { refused, ..Ingested::default() };
            }
            let duplicates = (st.next_seq.saturating_sub(first) as usize).min(frames.len());
            frames.drain(..duplicates);
            let start_seq = first + duplicates as u64;
            let viewers = self.tx.receiver_count() > 0;
            for (i, frame) in frames.iter().enumerate() {
                let seq = start_seq + i as u64;
                st.insights.frame(frame);
                if let Some(lap) = st.tracker.push(frame) {
                    let message = crate::messages::live_lap(self.id, &lap);
                    if lap.valid && st.best_lap_s.is_none_or(|b| lap.lap_time_s < b) {
                        st.best_lap_s = Some(lap.lap_time_s);
                    }
                    let msg = ViewerMessage::LapCompleted { lap: message.clone(), best_lap_s: st.best_lap_s };
                    st.laps.push(message);
                    let _ = self.tx.send(LiveEvent::Text(text(&msg)));
                    let insight = text(&ViewerMessage::InsightUpdate(st.insights.lap(&lap)));
                    st.last_insight = Some(insight.clone());
                    let _ = self.tx.send(LiveEvent::Text(insight));
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
        Ingested { accepted, duplicates, laps, refused: None }
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
            let _ = self.tx.send(LiveEvent::Text(text(&ViewerMessage::SessionEnded)));
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

    /// Keeps the latest field of the race.
    pub fn set_field(&self, field: Field) {
        *lock(&self.field) = Some(Arc::new(field));
    }

    /// The latest field of the race, if the agent sent one.
    pub fn field(&self) -> Option<Arc<Field>> {
        lock(&self.field).clone()
    }

    /// The newest frame, if any frame of the current lap arrived.
    pub fn latest(&self) -> Option<Frame> {
        let st = lock(&self.state);
        match st.backlog.tail.last() {
            Some(frame) => Some(*frame),
            // The tail was just sealed into a chunk: decode that one chunk (outside the lock).
            None => {
                let chunk = st.backlog.sealed.last().cloned()?;
                drop(st);
                let mut frames = Vec::new();
                racecraft_codec::chunk::decode_into(&chunk, &mut frames).ok()?;
                frames.pop()
            }
        }
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
    /// time since the session went live here. A stamp too far from the origin is refused.
    pub fn api_time_us(&self, meta_time_s: Option<f64>) -> Result<i64, racecraft_capture::json::Error> {
        let mut st = lock(&self.state);
        match meta_time_s {
            Some(t) => {
                let origin = *st.api_time_origin_s.get_or_insert(t);
                racecraft_capture::json::session_time_us(t, origin)
            }
            None => Ok(st.created.elapsed().as_micros() as i64),
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

#[cfg(test)]
mod tests {
    use racecraft_core::{Channel, Frame};

    use super::*;

    #[test]
    fn non_finite_values_never_make_unreadable_json() {
        // 1e39 in a JSON point overflows f32 to infinity; a game may send NaN.
        let frame = Frame::new(1_000)
            .with(Channel::Speed, f32::INFINITY)
            .with(Channel::Rpm, f32::NAN)
            .with(Channel::Throttle, 0.5);
        let item = TelemetryItem::new(3, frame);
        let msg: serde_json::Value = serde_json::from_str(item.json().as_str()).expect("valid JSON");
        assert_eq!(msg["frame"], serde_json::json!({"throttle": 0.5}));
        let mut columns = String::from("{");
        columns_json(&[frame, Frame::new(2_000).with(Channel::Speed, 10.0)], None, &mut columns);
        columns.push('}');
        let columns: serde_json::Value = serde_json::from_str(&columns).expect("valid JSON");
        assert_eq!(columns["channels"]["speed_mps"], serde_json::json!([null, 10]));
        // NaN may not even count as present; either way no column holds it.
        assert!(columns["channels"].get("rpm").is_none_or(|v| *v == serde_json::json!([null, null])), "{columns}");
    }
}
