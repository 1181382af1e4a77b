//! `GET /ws/{session_id}`: a live viewer. Hello, the current lap so far, then every frame and event as it
//! happens. A viewer that falls behind skips to the newest data and is counted; nobody else waits for it.

use axum::extract::rejection::QueryRejection;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Query, State};
use axum::response::Response;
use futures_util::{Sink, SinkExt, Stream, StreamExt};
use tokio::sync::broadcast::error::{RecvError, TryRecvError};

use super::ingest_ws::GaugeGuard;
use crate::AppError;
use crate::error::PathParam;
use crate::live::{LiveEvent, TelemetryItem, columns_json, text};
use crate::state::AppState;
use racecraft_protocol::rest::{Lap, Session};
use racecraft_protocol::viewer::ViewerMessage;
use racecraft_protocol::viewer::{TelemetryFormat, ViewerQuery};

pub(super) async fn upgrade(
    State(state): State<AppState>,
    PathParam(id): PathParam<i64>,
    query: Result<Query<ViewerQuery>, QueryRejection>,
    ws: WebSocketUpgrade,
) -> Result<Response, AppError> {
    let Query(q) = query.map_err(|e| AppError::BadRequest(e.body_text()))?;
    let binary = q.format.unwrap_or_default() == TelemetryFormat::Binary;
    if let Some(v) = q.v.filter(|v| *v != racecraft_protocol::PROTOCOL_VERSION) {
        return Err(AppError::BadRequest(format!(
            "this server speaks live protocol v{}, the viewer asked for v{v}",
            racecraft_protocol::PROTOCOL_VERSION
        )));
    }
    // Joining a live session needs no database: its row and stored laps were loaded when it went live, so a
    // crowd joining at once never waits behind storage writes for a connection.
    let (session, db_laps, live) = match state.live().get(id) {
        Some(live) => (live.row().clone(), live.stored_laps().to_vec(), Some(live)),
        None => {
            let session =
                state.store().session(id).await?.ok_or_else(|| AppError::NotFound(format!("no session {id}")))?;
            if session.ended_at_ms.is_none() {
                // It may still get data (the viewer opened it before its source connected): follow it so
                // the viewer sees the data when it comes.
                let live = super::activate(&state, id).await?;
                (live.row().clone(), live.stored_laps().to_vec(), Some(live))
            } else {
                let laps = state.store().laps(id).await?;
                (session, laps.iter().map(crate::messages::stored_lap).collect(), None)
            }
        }
    };
    Ok(ws.on_upgrade(move |socket: WebSocket| async move {
        let (sink, stream) = socket.split();
        let best_lap_s = session.best_lap_s;
        let session = crate::messages::session(&session, live.is_some_and(|l| l.is_live()));
        run_viewer(sink, stream, state, id, session, db_laps, best_lap_s, binary).await;
    }))
}

/// Serves one viewer. Generic over the socket halves so it can be driven without a network.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn run_viewer<Si, St, E>(
    mut sink: Si,
    mut stream: St,
    state: AppState,
    id: i64,
    session: Session,
    db_laps: Vec<Lap>,
    db_best_lap_s: Option<f64>,
    binary: bool,
) where
    Si: Sink<Message> + Unpin,
    St: Stream<Item = Result<Message, E>> + Unpin,
{
    let metrics = state.metrics();
    let stall = state.inner.limits.viewer_stall_timeout;
    metrics.ws_viewers.inc();
    let _guard = GaugeGuard(&metrics.ws_viewers);

    let live = state.live().get(id);
    let (mut rx, start) = match &live {
        Some(l) => {
            let (rx, start) = l.subscribe();
            (Some(rx), Some(start))
        }
        None => (None, None),
    };

    // Laps: the stored ones (with ids), plus any completed live but not yet written.
    let mut laps = db_laps;
    let mut best = db_best_lap_s;
    if let Some(start) = &start {
        for lap in &start.laps {
            if !laps.iter().any(|l| l.lap_number == lap.lap_number) {
                laps.push(lap.clone());
            }
        }
        best = match (best, start.best_lap_s) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
    }
    let hello = ViewerMessage::Hello {
        v: racecraft_protocol::PROTOCOL_VERSION,
        session,
        channels: crate::messages::channels(false),
        laps,
        best_lap_s: best,
    };
    if send(&mut sink, Message::Text(text(&hello)), stall, metrics).await.is_err() {
        return;
    }

    let mut backlog_last_seq = None;
    if let Some(start) = start {
        let frames = start.backlog.frames();
        if !frames.is_empty() {
            let mut msg = String::from(r#"{"type":"lap_backlog","lap":"#);
            msg.push_str(&start.backlog.lap.map_or("null".to_string(), |l| l.to_string()));
            let first_seq = start.backlog.last_seq.map_or(0, |last| last + 1 - frames.len() as u64);
            msg.push_str(&format!(r#","first_seq":{first_seq},"#));
            columns_json(&frames, None, &mut msg);
            msg.push('}');
            if send(&mut sink, Message::Text(msg.into()), stall, metrics).await.is_err() {
                return;
            }
        }
        backlog_last_seq = start.backlog.last_seq;
        if let Some(insight) = start.last_insight
            && send(&mut sink, Message::Text(insight), stall, metrics).await.is_err()
        {
            return;
        }
        if start.ended {
            let _ = send(&mut sink, Message::Text(text(&ViewerMessage::SessionEnded)), stall, metrics).await;
        }
    }

    let Some(rx) = rx.as_mut() else {
        // Not live: the hello was everything. Wait for the viewer to leave or the server to close.
        let closed = state.closed();
        tokio::pin!(closed);
        loop {
            tokio::select! {
                () = &mut closed => break,
                msg = stream.next() => match msg {
                    Some(Ok(Message::Close(_))) => {
                        super::answer_close(&mut sink, stall).await;
                        break;
                    }
                    None | Some(Err(_)) => break,
                    Some(Ok(_)) => {}
                },
            }
        }
        return;
    };

    let telemetry = |item: &TelemetryItem| telemetry_message(item, binary);
    let mut batch: Vec<Message> = Vec::with_capacity(MAX_BATCH_MESSAGES);
    let mut open = true;
    let closed = state.closed();
    tokio::pin!(closed);
    loop {
        tokio::select! {
            () = &mut closed => {
                let _ = send(&mut sink, Message::Close(None), stall, metrics).await;
                break;
            }
            event = rx.recv() => {
                // Whatever else is already queued goes out with it in one write: a viewer that is a few
                // messages behind costs one flush, not one per message.
                let mut event = Some(event);
                while let Some(next) = event.take() {
                    match next {
                        Ok(LiveEvent::Telemetry(item)) => {
                            if backlog_last_seq.is_none_or(|s| item.seq > s) {
                                batch.push(telemetry(&item));
                            }
                        }
                        Ok(LiveEvent::Text(text)) => batch.push(Message::Text(text)),
                        Err(RecvError::Lagged(n)) => skip_ahead(rx, n, &mut batch, binary, metrics),
                        Err(RecvError::Closed) => {
                            open = false;
                            break;
                        }
                    }
                    if batch.len() >= MAX_BATCH_MESSAGES {
                        break;
                    }
                    event = match rx.try_recv() {
                        Ok(e) => Some(Ok(e)),
                        Err(TryRecvError::Empty) => None,
                        Err(TryRecvError::Lagged(n)) => Some(Err(RecvError::Lagged(n))),
                        Err(TryRecvError::Closed) => Some(Err(RecvError::Closed)),
                    };
                }
                if deliver(&mut sink, &mut batch, stall, metrics).await.is_err() || !open {
                    break;
                }
            }
            msg = stream.next() => match msg {
                Some(Ok(Message::Close(_))) => {
                    super::answer_close(&mut sink, stall).await;
                    break;
                }
                None | Some(Err(_)) => break,
                Some(Ok(_)) => {}
            }
        }
    }
}

/// Most messages written to a viewer in one go.
const MAX_BATCH_MESSAGES: usize = 64;

fn telemetry_message(item: &TelemetryItem, binary: bool) -> Message {
    if binary { Message::Binary(item.binary()) } else { Message::Text(item.json()) }
}

/// A viewer fell `lagged` messages behind: drop its queue, keeping the events and the newest frame, and
/// tell it how many frames it skipped.
fn skip_ahead(
    rx: &mut tokio::sync::broadcast::Receiver<LiveEvent>,
    lagged: u64,
    batch: &mut Vec<Message>,
    binary: bool,
    metrics: &crate::metrics::Metrics,
) {
    let mut skipped = lagged;
    let mut newest = None;
    let mut events = Vec::new();
    loop {
        match rx.try_recv() {
            Ok(LiveEvent::Telemetry(item)) => {
                if newest.replace(item).is_some() {
                    skipped += 1;
                }
            }
            Ok(LiveEvent::Text(t)) => events.push(Message::Text(t)),
            Err(TryRecvError::Lagged(k)) => skipped += k,
            Err(_) => break,
        }
    }
    // Frames already in the batch are older than the skip: they go too.
    let before = batch.len();
    batch.retain(|m| !matches!(m, Message::Binary(_)) && !is_telemetry_text(m));
    skipped += (before - batch.len()) as u64;
    metrics.ws_client_lagged.inc();
    metrics.ws_frames_skipped.inc_by(skipped);
    batch.push(Message::Text(text(&ViewerMessage::Lagged { skipped })));
    batch.extend(events);
    batch.extend(newest.map(|item| telemetry_message(&item, binary)));
}

fn is_telemetry_text(m: &Message) -> bool {
    matches!(m, Message::Text(t) if t.as_str().starts_with(r#"{"type":"telemetry_update""#))
}

/// Writes a batch with one flush, giving up on a viewer whose connection takes nothing for `stall`.
async fn deliver<Si: Sink<Message> + Unpin>(
    sink: &mut Si,
    batch: &mut Vec<Message>,
    stall: std::time::Duration,
    metrics: &crate::metrics::Metrics,
) -> Result<(), ViewerGone> {
    if batch.is_empty() {
        return Ok(());
    }
    let write = async {
        for message in batch.drain(..) {
            sink.feed(message).await?;
        }
        sink.flush().await
    };
    match tokio::time::timeout(stall, write).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(_)) => Err(ViewerGone),
        Err(_) => {
            metrics.ws_viewers_stalled.inc();
            Err(ViewerGone)
        }
    }
}

/// Sends one message, giving up on a viewer whose connection has taken nothing for `stall` (counted).
async fn send<Si: Sink<Message> + Unpin>(
    sink: &mut Si,
    message: Message,
    stall: std::time::Duration,
    metrics: &crate::metrics::Metrics,
) -> Result<(), ViewerGone> {
    match tokio::time::timeout(stall, sink.send(message)).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(_)) => Err(ViewerGone),
        Err(_) => {
            metrics.ws_viewers_stalled.inc();
            Err(ViewerGone)
        }
    }
}

/// The viewer's connection failed or stalled.
#[derive(Debug)]
struct ViewerGone;

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use futures_util::stream;
    use racecraft_core::{Channel, Frame};
    use racecraft_store::{Spool, Store, Writer, WriterConfig};

    use super::*;
    use crate::Limits;

    async fn state(dir: &std::path::Path, buffer: usize) -> AppState {
        let store = Store::connect(&format!("sqlite://{}", dir.join("t.db").display())).await.expect("store");
        let spool = Spool::open(dir.join("spool")).await.expect("spool");
        let writer = Writer::spawn(store.clone(), spool, WriterConfig::default());
        AppState::new(store, writer, Limits { viewer_buffer_messages: buffer, ..Limits::default() })
    }

    type Sent = tokio::sync::mpsc::Receiver<Message>;

    /// A viewer whose socket accepts `capacity` messages before it blocks until the test reads them.
    fn viewer(state: &AppState, id: i64, capacity: usize) -> (Sent, tokio::task::JoinHandle<()>) {
        let (tx, rx) = tokio::sync::mpsc::channel(capacity);
        let sink =
            Box::pin(futures_util::sink::unfold(tx, |tx, msg: Message| async move { tx.send(msg).await.map(|()| tx) }));
        let task = tokio::spawn(run_viewer(
            sink,
            stream::pending::<Result<Message, std::io::Error>>(),
            state.clone(),
            id,
            Session {
                id,
                name: String::new(),
                game: String::new(),
                car: String::new(),
                track: String::new(),
                driver: String::new(),
                started_at_ms: 0,
                ended_at_ms: None,
                archived: false,
                lap_count: 0,
                best_lap_s: None,
                frame_count: 0,
                live: true,
                team_id: None,
                visibility: racecraft_core::Visibility::Team,
                team: String::new(),
                car_number: String::new(),
            },
            Vec::new(),
            None,
            true,
        ));
        (rx, task)
    }

    fn telemetry_seq(msg: &Message) -> Option<u64> {
        match msg {
            Message::Binary(b) => racecraft_codec::wire::decode_telemetry(b).ok().map(|(seq, _)| seq),
            _ => None,
        }
    }

    #[tokio::test]
    async fn a_slow_viewer_skips_ahead_and_nobody_waits_for_it() {
        let dir = tempfile::tempdir().expect("tempdir");
        let state = state(dir.path(), 16).await;
        let session = state.store().create_session(&Default::default(), None).await.expect("session");
        let (live, _) = state.live().activate(crate::live::Resume::fresh(session.clone()));

        let (mut slow_rx, _slow) = viewer(&state, session.id, 1);
        let (mut fast_rx, _fast) = viewer(&state, session.id, 100_000);
        // Both have said hello once they are subscribed.
        assert!(matches!(slow_rx.recv().await, Some(Message::Text(_))));
        assert!(matches!(fast_rx.recv().await, Some(Message::Text(_))));

        let n = 2_000u64;
        let mut fast_seqs = Vec::new();
        for i in 0..n {
            let frame = Frame::new(i as i64 * 3_000).with(Channel::Speed, i as f32);
            let done = live.ingest(None, vec![frame], state.writer(), state.metrics());
            assert_eq!(done.accepted, 1, "ingest never waits for a viewer");
            // The fast viewer keeps up.
            tokio::task::yield_now().await;
            while let Ok(msg) = fast_rx.try_recv() {
                fast_seqs.extend(telemetry_seq(&msg));
            }
        }
        tokio::time::timeout(Duration::from_secs(5), async {
            while fast_seqs.last() != Some(&(n - 1)) {
                fast_seqs.extend(fast_rx.recv().await.as_ref().and_then(telemetry_seq));
            }
        })
        .await
        .expect("fast viewer gets everything");
        assert_eq!(fast_seqs, (0..n).collect::<Vec<_>>(), "every frame, in order, for the fast viewer");

        // The slow viewer wakes up: it is told it lagged and jumps to the newest frame.
        let mut lagged = None;
        let mut last_seq = None;
        tokio::time::timeout(Duration::from_secs(5), async {
            while last_seq != Some(n - 1) {
                match slow_rx.recv().await.expect("slow viewer still connected") {
                    Message::Text(t) if t.as_str().contains("lagged") => {
                        lagged = serde_json::from_str::<serde_json::Value>(t.as_str()).ok();
                    }
                    msg => last_seq = telemetry_seq(&msg).or(last_seq),
                }
            }
        })
        .await
        .expect("slow viewer reaches the newest frame");
        let skipped = lagged.expect("a lagged notice")["skipped"].as_u64().expect("count");
        assert!(skipped > 1000, "skipped {skipped}");
        assert!(state.metrics().render().contains("racecraft_ws_client_lagged_total 1"));
    }

    /// A live session and a viewer whose socket holds one message, past its hello; time paused after the
    /// database setup (a paused clock would time out the pool).
    async fn paused_viewer(
        dir: &std::path::Path,
    ) -> (AppState, std::sync::Arc<crate::live::LiveSession>, Sent, tokio::task::JoinHandle<()>) {
        let state = state(dir, 16).await;
        let session = state.store().create_session(&Default::default(), None).await.expect("session");
        tokio::time::pause();
        let (live, _) = state.live().activate(crate::live::Resume::fresh(session.clone()));
        let (mut rx, task) = viewer(&state, session.id, 1);
        assert!(matches!(rx.recv().await, Some(Message::Text(_))), "hello");
        (state, live, rx, task)
    }

    #[tokio::test]
    async fn a_viewer_that_stops_reading_is_disconnected_and_counted() {
        let dir = tempfile::tempdir().expect("tempdir");
        // A socket that takes the hello and then nothing more, like a client that stopped reading.
        let (state, live, rx, task) = paused_viewer(dir.path()).await;
        for i in 0..4 {
            live.ingest(None, vec![Frame::new(i * 3_000).with(Channel::Speed, 1.0)], state.writer(), state.metrics());
        }
        // Time is paused: the runtime jumps ahead to the stall timeout once everything is idle.
        tokio::time::timeout(Duration::from_secs(60), task).await.expect("viewer dropped").expect("viewer task");
        let metrics = state.metrics().render();
        assert!(metrics.contains("racecraft_ws_viewers_stalled_total 1"), "{metrics}");
        assert!(metrics.contains("racecraft_ws_viewers 0"), "{metrics}");
        drop(rx);
    }

    #[tokio::test]
    async fn a_viewer_that_reads_slowly_is_not_disconnected() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (state, live, mut rx, task) = paused_viewer(dir.path()).await;
        let stall = Limits::default().viewer_stall_timeout;
        for i in 0..5 {
            live.ingest(None, vec![Frame::new(i * 3_000).with(Channel::Speed, 1.0)], state.writer(), state.metrics());
            // Reads one message every half stall timeout: slow, but never stalled.
            tokio::time::sleep(stall / 2).await;
            assert!(rx.recv().await.is_some(), "message {i}");
        }
        assert!(!task.is_finished(), "still connected");
        assert!(state.metrics().render().contains("racecraft_ws_viewers_stalled_total 0"));
    }
}
