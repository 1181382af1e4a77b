//! `GET /ws/ingest`: the agent's stream. Hello → welcome (with the next sequence number the server needs),
//! then binary frame batches; acks report what is durable so the agent can forget it.

use std::sync::Arc;

use axum::extract::State;
use axum::extract::ws::{Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::response::Response;
use futures_util::{Sink, SinkExt, Stream, StreamExt};
use racecraft_core::SessionMeta;
use serde::Deserialize;
use serde_json::json;

use crate::AppError;
use crate::live::LiveSession;
use crate::state::AppState;

pub(super) async fn upgrade(State(state): State<AppState>, ws: WebSocketUpgrade) -> Response {
    ws.max_message_size(64 << 20).on_upgrade(move |socket: WebSocket| async move {
        let (sink, stream) = socket.split();
        run_agent(sink, stream, state).await;
    })
}

#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
enum AgentText {
    Hello { session_id: Option<i64>, meta: Option<SessionMeta> },
    End,
}

/// Serves one agent connection. Generic over the socket halves so it can be driven without a network.
pub(crate) async fn run_agent<Si, St, E>(mut sink: Si, mut stream: St, state: AppState)
where
    Si: Sink<Message> + Unpin,
    St: Stream<Item = Result<Message, E>> + Unpin,
{
    let metrics = state.metrics();
    metrics.ws_agents.inc();
    let _guard = GaugeGuard(&metrics.ws_agents);

    // Until hello: nothing else is accepted.
    let live: Arc<LiveSession> = loop {
        let text = match stream.next().await {
            Some(Ok(Message::Text(t))) => t,
            Some(Ok(Message::Binary(_))) => {
                metrics.reject("frames_before_hello");
                let _ = send_error(&mut sink, "send a hello message before frames").await;
                continue;
            }
            Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return,
            Some(Ok(_)) => continue,
        };
        match hello(&state, &text).await {
            Ok(live) => break live,
            Err(e) => {
                metrics.reject(e.reason());
                let _ = send_error(&mut sink, &e.to_string()).await;
                if matches!(e, AppError::NotFound(_)) {
                    return;
                }
            }
        }
    };
    let id = live.id;
    let welcome = json!({"type": "welcome", "session_id": id, "next_seq": live.next_seq()});
    if sink.send(Message::Text(welcome.to_string().into())).await.is_err() {
        return;
    }

    let writer = state.writer();
    let mut persisted = writer.subscribe();
    let mut acked = 0u64;
    let closed = state.closed();
    tokio::pin!(closed);
    loop {
        tokio::select! {
            () = &mut closed => {
                let _ = sink.send(Message::Close(None)).await;
                break;
            }
            msg = stream.next() => match msg {
                Some(Ok(Message::Binary(bytes))) => {
                    let mut frames = Vec::new();
                    match racecraft_codec::wire::decode_frames(&bytes, &mut frames) {
                        Ok(first_seq) => {
                            let n = live.ingest(Some(first_seq), frames, writer, metrics).accepted;
                            metrics.frames_received.get_or_create(&[("transport", "ws")]).inc_by(n as u64);
                        }
                        Err(e) => {
                            metrics.reject("malformed_frames");
                            if send_error(&mut sink, &format!("frames refused: {e}")).await.is_err() {
                                break;
                            }
                        }
                    }
                }
                Some(Ok(Message::Text(text))) => match serde_json::from_str::<AgentText>(&text) {
                    Ok(AgentText::End) => {
                        live.end();
                        if let Err(e) = writer.end_session(id) {
                            tracing::error!(session = id, error = %e, "storage writer refused to end the session");
                        }
                        if let Err(e) = state.store().end_session(id, super::now_ms()).await {
                            tracing::warn!(session = id, error = %e, "could not mark session ended");
                        }
                        super::analysis::prepare(&state, id);
                    }
                    Ok(AgentText::Hello { .. }) => {
                        metrics.reject("repeated_hello");
                        if send_error(&mut sink, "already said hello").await.is_err() {
                            break;
                        }
                    }
                    Err(e) => {
                        metrics.reject("malformed_message");
                        if send_error(&mut sink, &format!("message refused: {e}")).await.is_err() {
                            break;
                        }
                    }
                },
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break,
                Some(Ok(_)) => {}
            },
            changed = persisted.changed() => {
                if changed.is_err() {
                    break;
                }
                let seq = writer.persisted_seq(id);
                if seq > acked {
                    acked = seq;
                    let ack = json!({"type": "ack", "persisted_seq": seq});
                    if sink.send(Message::Text(ack.to_string().into())).await.is_err() {
                        break;
                    }
                }
            }
        }
    }
}

async fn hello(state: &AppState, text: &str) -> Result<Arc<LiveSession>, AppError> {
    let msg: AgentText = serde_json::from_str(text).map_err(|e| AppError::BadRequest(format!("hello refused: {e}")))?;
    let AgentText::Hello { session_id, meta } = msg else {
        return Err(AppError::BadRequest("the first message must be a hello".into()));
    };
    match (session_id, meta) {
        (Some(id), _) => super::activate(state, id).await,
        (None, Some(meta)) => {
            let session = state.store().create_session(&meta, None).await?;
            super::activate(state, session.id).await
        }
        (None, None) => Err(AppError::BadRequest("hello needs a session_id or the meta of a new session".into())),
    }
}

async fn send_error<Si: Sink<Message> + Unpin>(sink: &mut Si, message: &str) -> Result<(), Si::Error> {
    let msg = json!({"type": "error", "message": message}).to_string();
    sink.send(Message::Text(Utf8Bytes::from(msg))).await
}

/// Decrements a gauge when a connection ends, however it ends.
pub(super) struct GaugeGuard<'a>(pub(super) &'a prometheus_client::metrics::gauge::Gauge);

impl Drop for GaugeGuard<'_> {
    fn drop(&mut self) {
        self.0.dec();
    }
}
