//! `GET /ws/{session_id}`: a live viewer. Hello, the current lap so far, then every frame and event as it
//! happens. A viewer that falls behind skips to the newest data and is counted; nobody else waits for it.

use axum::extract::ws::{Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::response::Response;
use futures_util::{Sink, SinkExt, Stream, StreamExt};
use serde::Deserialize;
use serde_json::{Value, json};
use tokio::sync::broadcast::error::{RecvError, TryRecvError};

use super::ingest_ws::GaugeGuard;
use crate::AppError;
use crate::error::PathParam;
use crate::live::{LiveEvent, TelemetryItem, columns_json};
use crate::state::AppState;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ViewQuery {
    format: Option<String>,
}

pub(super) async fn upgrade(
    State(state): State<AppState>,
    PathParam(id): PathParam<i64>,
    query: Result<Query<ViewQuery>, QueryRejection>,
    ws: WebSocketUpgrade,
) -> Result<Response, AppError> {
    let Query(q) = query.map_err(|e| AppError::BadRequest(e.body_text()))?;
    let binary = match q.format.as_deref() {
        None | Some("json") => false,
        Some("binary") => true,
        Some(other) => return Err(AppError::BadRequest(format!("format must be json or binary, not `{other}`"))),
    };
    let session = state.store().session(id).await?.ok_or_else(|| AppError::NotFound(format!("no session {id}")))?;
    let laps = state.store().laps(id).await?;
    // A session that has not ended may still get data (the viewer opened it before its source connected):
    // follow it so the viewer sees the data when it comes.
    if session.ended_at_ms.is_none() {
        super::activate(&state, id).await?;
    }
    let mut session_json = serde_json::to_value(&session).unwrap_or(Value::Null);
    let db_laps: Vec<Value> = laps.iter().filter_map(|l| serde_json::to_value(l).ok()).collect();
    Ok(ws.on_upgrade(move |socket: WebSocket| async move {
        let (sink, stream) = socket.split();
        if let Value::Object(m) = &mut session_json {
            m.insert("live".into(), Value::Bool(state.live().get(id).is_some_and(|s| s.is_live())));
        }
        run_viewer(sink, stream, state, id, session_json, db_laps, session.best_lap_s, binary).await;
    }))
}

/// Serves one viewer. Generic over the socket halves so it can be driven without a network.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn run_viewer<Si, St, E>(
    mut sink: Si,
    mut stream: St,
    state: AppState,
    id: i64,
    session: Value,
    db_laps: Vec<Value>,
    db_best_lap_s: Option<f64>,
    binary: bool,
) where
    Si: Sink<Message> + Unpin,
    St: Stream<Item = Result<Message, E>> + Unpin,
{
    let metrics = state.metrics();
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
            if !laps.iter().any(|l| l["lap_number"] == lap["lap_number"]) {
                laps.push(lap.clone());
            }
        }
        best = match (best, start.best_lap_s) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
    }
    let channels: Vec<Value> = racecraft_core::Channel::ALL
        .iter()
        .map(|c| json!({"index": c.index(), "name": c.name(), "unit": c.info().unit}))
        .collect();
    let hello = json!({"type": "hello", "session": session, "channels": channels, "laps": laps, "best_lap_s": best});
    if sink.send(Message::Text(hello.to_string().into())).await.is_err() {
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
            if sink.send(Message::Text(msg.into())).await.is_err() {
                return;
            }
        }
        backlog_last_seq = start.backlog.last_seq;
        if start.ended {
            let _ = sink.send(Message::Text(Utf8Bytes::from_static(r#"{"type":"session_ended"}"#))).await;
        }
    }

    let Some(rx) = rx.as_mut() else {
        // Not live: the hello was everything. Wait for the viewer to leave.
        while let Some(Ok(msg)) = stream.next().await {
            if matches!(msg, Message::Close(_)) {
                break;
            }
        }
        return;
    };

    let telemetry = |item: &TelemetryItem| if binary { Message::Binary(item.binary()) } else { Message::Text(item.json()) };
    loop {
        tokio::select! {
            event = rx.recv() => {
                let result = match event {
                    Ok(LiveEvent::Telemetry(item)) => {
                        if backlog_last_seq.is_some_and(|s| item.seq <= s) {
                            continue;
                        }
                        sink.send(telemetry(&item)).await
                    }
                    Ok(LiveEvent::Text(text)) => sink.send(Message::Text(text)).await,
                    Err(RecvError::Lagged(n)) => {
                        // Skip to the newest frame; keep the events.
                        let mut skipped = n;
                        let mut newest = None;
                        let mut events = Vec::new();
                        loop {
                            match rx.try_recv() {
                                Ok(LiveEvent::Telemetry(item)) => {
                                    if newest.replace(item).is_some() {
                                        skipped += 1;
                                    }
                                }
                                Ok(LiveEvent::Text(t)) => events.push(t),
                                Err(TryRecvError::Lagged(k)) => skipped += k,
                                Err(_) => break,
                            }
                        }
                        metrics.ws_client_lagged.inc();
                        metrics.ws_frames_skipped.inc_by(skipped);
                        let mut r = sink.send(Message::Text(json!({"type": "lagged", "skipped": skipped}).to_string().into())).await;
                        for t in events {
                            if r.is_ok() {
                                r = sink.send(Message::Text(t)).await;
                            }
                        }
                        match (r, newest) {
                            (Ok(()), Some(item)) => sink.send(telemetry(&item)).await,
                            (r, _) => r,
                        }
                    }
                    Err(RecvError::Closed) => break,
                };
                if result.is_err() {
                    break;
                }
            }
            msg = stream.next() => match msg {
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break,
                Some(Ok(_)) => {}
            }
        }
    }
}
