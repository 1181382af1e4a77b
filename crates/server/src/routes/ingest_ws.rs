//! `GET /ws/ingest`: the agent's stream. Hello → welcome (with the next sequence number the server needs),
//! then binary frame batches; acks report what is durable so the agent can forget it.

use std::sync::Arc;

use axum::extract::State;
use axum::extract::ws::{Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::response::Response;
use futures_util::{Sink, SinkExt, Stream, StreamExt};
use racecraft_protocol::PROTOCOL_VERSION;
use racecraft_protocol::ingest::{AgentMessage, IngestReply};

use crate::AppError;
use crate::live::LiveSession;
use crate::state::AppState;
use axum::Extension;
use racecraft_auth::Principal;

pub(super) async fn upgrade(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    ws: WebSocketUpgrade,
) -> Response {
    // A message is buffered whole before it is looked at, so its size is the first bound on what one
    // connection costs; a single frame is capped the same, or one frame header could claim it all.
    let max = state.inner.limits.max_ingest_message_bytes;
    ws.max_message_size(max).max_frame_size(max).on_upgrade(move |socket: WebSocket| async move {
        let (sink, stream) = socket.split();
        run_agent(sink, stream, state, principal).await;
    })
}

/// How far ahead of the server's clock an agent's end time may be (clocks differ a little).
const END_CLOCK_SKEW_MS: i64 = 60_000;

/// How long answering an agent's Close may take before the connection is simply dropped.
const CLOSE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// The end time to store: the agent's when it is a positive time not ahead of `now_ms` by more than the
/// allowed clock skew, else `now_ms`.
fn end_time_ms(claimed: Option<i64>, now_ms: i64) -> i64 {
    claimed.filter(|&t| t > 0 && t <= now_ms.saturating_add(END_CLOCK_SKEW_MS)).unwrap_or(now_ms)
}

/// Serves one agent connection. Generic over the socket halves so it can be driven without a network.
pub(crate) async fn run_agent<Si, St, E>(mut sink: Si, mut stream: St, state: AppState, principal: Principal)
where
    Si: Sink<Message> + Unpin,
    St: Stream<Item = Result<Message, E>> + Unpin,
    E: std::fmt::Display,
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
                let _ = send_error(&mut sink, "frames_before_hello", "send a hello message before frames").await;
                continue;
            }
            Some(Ok(Message::Close(_))) => return super::answer_close(&mut sink, CLOSE_TIMEOUT).await,
            None | Some(Err(_)) => return,
            Some(Ok(_)) => continue,
        };
        match hello(&state, &principal, &text).await {
            Ok(live) => break live,
            Err(e) => {
                metrics.reject(e.reason());
                let _ = send_error(&mut sink, e.reason(), &e.to_string()).await;
                if matches!(e, AppError::NotFound(_) | AppError::Version(_)) {
                    return;
                }
            }
        }
    };
    let id = live.id;
    let welcome = IngestReply::Welcome { v: PROTOCOL_VERSION, session_id: id, next_seq: live.next_seq() };
    if sink.send(Message::Text(reply(&welcome))).await.is_err() {
        return;
    }

    let writer = state.writer();
    let mut persisted = writer.subscribe();
    let mut acked = 0u64;
    let closed = state.closed();
    tokio::pin!(closed);
    // An agent token revoked while it streams ends the connection.
    let revoked = match principal {
        Principal::Agent { token_id, .. } => {
            futures_util::future::Either::Left(state.auth().revoked(state.store().clone(), token_id))
        }
        _ => futures_util::future::Either::Right(std::future::pending()),
    };
    tokio::pin!(revoked);
    loop {
        tokio::select! {
            () = &mut closed => {
                let _ = sink.send(Message::Close(None)).await;
                break;
            }
            () = &mut revoked => {
                metrics.reject("token_revoked");
                let _ = send_error(&mut sink, "token_revoked", "this agent token has been revoked").await;
                let _ = sink.send(Message::Close(None)).await;
                break;
            }
            msg = stream.next() => match msg {
                Some(Ok(Message::Binary(bytes))) => {
                    // Decoding is CPU work of up to a few milliseconds: off the async workers, and awaited
                    // here so this connection's batches are ingested in the order they came.
                    let decoded = tokio::task::spawn_blocking(move || {
                        let mut frames = Vec::new();
                        racecraft_codec::wire::decode_frames(&bytes, &mut frames).map(|first_seq| (first_seq, frames))
                    })
                    .await;
                    let refusal = match decoded {
                        Ok(Ok((first_seq, frames))) => {
                            let ingested = live.ingest(Some(first_seq), frames, writer, metrics);
                            let n = ingested.accepted as u64;
                            metrics.frames_received.get_or_create(&[("transport", "ws")]).inc_by(n);
                            ingested.refused.map(|r| (r.reason(), format!("frames refused: {r}")))
                        }
                        Ok(Err(e)) => Some(("malformed_frames", format!("frames refused: {e}"))),
                        Err(e) => {
                            tracing::error!(session = id, error = %e, "batch decoder failed");
                            Some(("decoder_failed", "frames refused: the server could not decode them".into()))
                        }
                    };
                    if let Some((reason, message)) = refusal {
                        metrics.reject(reason);
                        if send_error(&mut sink, reason, &message).await.is_err() {
                            break;
                        }
                    }
                }
                Some(Ok(Message::Text(text))) => match serde_json::from_str::<AgentMessage>(&text) {
                    Ok(AgentMessage::End { ended_at_ms }) => {
                        live.end();
                        // Its state is freed once this connection and its viewers are gone.
                        state.live().release(&live);
                        // The end is written behind the session's last frames, through the spool while the
                        // database is away, so it is not lost in an outage.
                        if let Err(e) = writer.end_session(id, end_time_ms(ended_at_ms, racecraft_core::time::now_ms())) {
                            tracing::error!(session = id, error = %e, "storage writer refused to end the session");
                        }
                        super::analysis::prepare(&state, id);
                    }
                    Ok(AgentMessage::Field { field }) => live.set_field(field),
                    Ok(AgentMessage::Hello { .. }) => {
                        metrics.reject("repeated_hello");
                        if send_error(&mut sink, "repeated_hello", "already said hello").await.is_err() {
                            break;
                        }
                    }
                    Err(e) => {
                        metrics.reject("malformed_message");
                        if send_error(&mut sink, "malformed_message", &format!("message refused: {e}")).await.is_err() {
                            break;
                        }
                    }
                },
                Some(Ok(Message::Close(_))) => {
                    super::answer_close(&mut sink, CLOSE_TIMEOUT).await;
                    break;
                }
                None => break,
                // The socket cannot go on (for example a message over the size limit): say why, then close.
                Some(Err(e)) => {
                    metrics.reject("bad_socket_message");
                    let _ = send_error(&mut sink, "bad_socket_message", &format!("connection closed: {e}")).await;
                    break;
                }
                Some(Ok(_)) => {}
            },
            changed = persisted.changed() => {
                if changed.is_err() {
                    break;
                }
                let seq = writer.persisted_seq(id);
                if seq > acked {
                    acked = seq;
                    if sink.send(Message::Text(reply(&IngestReply::Ack { persisted_seq: seq }))).await.is_err() {
                        break;
                    }
                }
            }
        }
    }
}

async fn hello(state: &AppState, principal: &Principal, text: &str) -> Result<Arc<LiveSession>, AppError> {
    let msg: AgentMessage =
        serde_json::from_str(text).map_err(|e| AppError::BadRequest(format!("hello refused: {e}")))?;
    let AgentMessage::Hello { v, session_id, meta } = msg else {
        return Err(AppError::BadRequest("the first message must be a hello".into()));
    };
    if let Some(v) = v.filter(|v| *v != PROTOCOL_VERSION) {
        return Err(AppError::Version(format!(
            "this server speaks ingest protocol v{PROTOCOL_VERSION}, the agent sent v{v}: update one of them"
        )));
    }
    match (session_id, meta) {
        (Some(id), _) => super::activate_to_stream(state, principal, id).await,
        (None, Some(meta)) => {
            let owner = crate::auth::stream_owner(principal)?;
            let session = super::create_session(state, &meta, owner).await?;
            Ok(super::activate_new(state, session))
        }
        (None, None) => Err(AppError::BadRequest("hello needs a session_id or the meta of a new session".into())),
    }
}

/// Sends `{"type":"error","reason":..,"message":..}`; `reason` is the `ingest_rejected_total` label, so an
/// agent can tell a refusal worth retrying (`storage`) from one that will not change (`not_found`).
async fn send_error<Si: Sink<Message> + Unpin>(sink: &mut Si, reason: &str, message: &str) -> Result<(), Si::Error> {
    let error = IngestReply::Error { reason: Some(reason.to_owned()), message: message.to_owned() };
    sink.send(Message::Text(reply(&error))).await
}

/// A reply as the text sent on the socket.
fn reply(message: &IngestReply) -> Utf8Bytes {
    // Plain data: serializing cannot fail.
    Utf8Bytes::from(serde_json::to_string(message).unwrap_or_default())
}

/// Decrements a gauge when a connection ends, however it ends.
pub(super) struct GaugeGuard<'a>(pub(super) &'a prometheus_client::metrics::gauge::Gauge);

impl Drop for GaugeGuard<'_> {
    fn drop(&mut self) {
        self.0.dec();
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use racecraft_codec::chunk::{ChunkEncoder, MAX_FRAMES};
    use racecraft_codec::wire::{self, MAX_BATCH_FRAMES};
    use racecraft_core::{Channel, Frame};
    use racecraft_store::{Spool, Store, Writer, WriterConfig};
    use serde_json::Value;
    use tokio::sync::mpsc;

    use super::*;
    use crate::Limits;
    use crate::live::LiveEvent;

    async fn state(dir: &std::path::Path) -> AppState {
        let store = Store::connect(&format!("sqlite://{}", dir.join("t.db").display())).await.expect("store");
        let spool = Spool::open(dir.join("spool")).await.expect("spool");
        let config = WriterConfig { flush_interval: Duration::from_millis(10), ..WriterConfig::default() };
        let writer = Writer::spawn(store.clone(), spool, config);
        AppState::new(store, writer, Limits::default())
    }

    /// An agent connection driven by the test: what it sends, and what the server answers.
    struct Agent {
        to_server: mpsc::UnboundedSender<Message>,
        from_server: mpsc::UnboundedReceiver<Message>,
        task: tokio::task::JoinHandle<()>,
    }

    impl Agent {
        fn connect(state: &AppState) -> Agent {
            let (to_server, rx) = mpsc::unbounded_channel::<Message>();
            let (tx, from_server) = mpsc::unbounded_channel::<Message>();
            let sink = Box::pin(futures_util::sink::unfold(tx, |tx, msg: Message| async move {
                tx.send(msg).map(|()| tx).map_err(|_| std::io::Error::other("test dropped the agent"))
            }));
            let stream = Box::pin(futures_util::stream::unfold(rx, |mut rx| async move {
                rx.recv().await.map(|m| (Ok::<_, std::io::Error>(m), rx))
            }));
            let task = tokio::spawn(run_agent(sink, stream, state.clone(), Principal::LocalOwner));
            Agent { to_server, from_server, task }
        }

        fn send_batch(&self, first_seq: u64, frames: &[Frame]) {
            let mut bytes = Vec::new();
            wire::encode_frames(&mut ChunkEncoder::new(), first_seq, frames, &mut bytes);
            self.send_binary(bytes);
        }

        fn send_binary(&self, bytes: Vec<u8>) {
            self.to_server.send(Message::Binary(bytes.into())).expect("server reads");
        }

        /// The next text message, as JSON.
        async fn next(&mut self) -> Value {
            loop {
                let msg = tokio::time::timeout(Duration::from_secs(10), self.from_server.recv())
                    .await
                    .expect("the server answers")
                    .expect("connection open");
                if let Message::Text(t) = msg {
                    return serde_json::from_str(t.as_str()).expect("json");
                }
            }
        }

        /// Says hello for a new session; returns its id.
        async fn hello(&mut self) -> i64 {
            let hello = r#"{"type":"hello","session_id":null,"meta":{"game":"sim","track":"Monza"}}"#;
            self.to_server.send(Message::Text(hello.into())).expect("server reads");
            let welcome = self.next().await;
            assert_eq!((welcome["type"].as_str(), welcome["next_seq"].as_u64()), (Some("welcome"), Some(0)));
            welcome["session_id"].as_i64().expect("id")
        }
    }

    fn frames(n: usize) -> Vec<Frame> {
        (0..n).map(|i| Frame::new(i as i64 * 3_000).with(Channel::Speed, i as f32)).collect()
    }

    fn rejected(state: &AppState, reason: &str) -> u64 {
        let metrics = state.metrics().render();
        let prefix = format!(r#"racecraft_ingest_rejected_total{{reason="{reason}"}} "#);
        metrics.lines().find_map(|l| l.strip_prefix(prefix.as_str())).map_or(0, |n| n.parse().expect("count"))
    }

    #[tokio::test]
    async fn an_agent_of_another_protocol_version_is_refused_clearly() {
        let dir = tempfile::tempdir().expect("tempdir");
        let state = state(dir.path()).await;
        let mut agent = Agent::connect(&state);
        let hello = r#"{"type":"hello","v":2,"session_id":null,"meta":{"game":"sim","track":"Monza"}}"#;
        agent.to_server.send(Message::Text(hello.into())).expect("server reads");
        let error = agent.next().await;
        assert_eq!(error["reason"], "version", "{error}");
        assert!(error["message"].as_str().is_some_and(|m| m.contains("v1") && m.contains("v2")), "{error}");
        tokio::time::timeout(Duration::from_secs(10), agent.task).await.expect("connection closed").expect("task");
        assert_eq!(state.store().sessions(true).await.expect("store").len(), 0, "no session created");
        // Its own version, said or not, is welcome.
        let mut agent = Agent::connect(&state);
        let hello = r#"{"type":"hello","v":1,"session_id":null,"meta":{"game":"sim","track":"Monza"}}"#;
        agent.to_server.send(Message::Text(hello.into())).expect("server reads");
        let welcome = agent.next().await;
        assert_eq!((welcome["type"].as_str(), welcome["v"].as_u64()), (Some("welcome"), Some(1)), "{welcome}");
    }

    #[test]
    fn the_agents_end_time_is_kept_when_plausible() {
        let now = 1_770_000_000_000;
        let parse = |t: &str| serde_json::from_str::<AgentMessage>(t).expect("parses");
        assert!(matches!(parse(r#"{"type":"end"}"#), AgentMessage::End { ended_at_ms: None }));
        let AgentMessage::End { ended_at_ms } = parse(r#"{"type":"end","ended_at_ms":1738240000000}"#) else {
            panic!("not an end")
        };
        // An imported session from January 2025 keeps its own end.
        assert_eq!(end_time_ms(ended_at_ms, now), 1_738_240_000_000);
        assert_eq!(end_time_ms(None, now), now);
        assert_eq!(end_time_ms(Some(now + END_CLOCK_SKEW_MS), now), now + END_CLOCK_SKEW_MS);
        // From the future, or before 1970: the server's clock.
        assert_eq!(end_time_ms(Some(now + END_CLOCK_SKEW_MS + 1), now), now);
        assert_eq!(end_time_ms(Some(0), now), now);
        assert_eq!(end_time_ms(Some(i64::MIN), now), now);
    }

    #[tokio::test]
    async fn forged_first_seq_of_10_to_the_12_is_refused_whole_and_moves_no_watermark() {
        let dir = tempfile::tempdir().expect("tempdir");
        let state = state(dir.path()).await;
        let mut agent = Agent::connect(&state);
        let id = agent.hello().await;
        let live = state.live().get(id).expect("live");
        let (mut viewer, _) = live.subscribe();

        // Frames from the future (the forged message), and numbers past what the store can hold.
        for first_seq in [1_000_000_000_000u64, 1 << 63, u64::MAX - 2] {
            agent.send_batch(first_seq, &frames(5));
            let reply = agent.next().await;
            assert_eq!(reply["type"], "error", "{reply}");
            assert_eq!(reply["reason"], "seq_gap", "{reply}");
            let message = reply["message"].as_str().expect("message");
            assert_eq!(
                message,
                format!("frames refused: batch starts at seq {first_seq} but this session expects 0 next (a gap)")
            );
        }
        assert_eq!(rejected(&state, "seq_gap"), 3);
        assert_eq!(live.next_seq(), 0, "the watermark did not move");

        // The honest batch that follows is taken from 0, and is all that is stored and shown.
        agent.send_batch(0, &frames(5));
        let ack = agent.next().await;
        assert_eq!(ack, serde_json::json!({"type": "ack", "persisted_seq": 5}));
        assert_eq!(state.store().next_seq(id).await.expect("store"), 5);
        assert_eq!(state.store().session_frames(id).await.expect("store"), frames(5));
        let mut seqs = Vec::new();
        while let Ok(event) = viewer.try_recv() {
            if let LiveEvent::Telemetry(item) = event {
                seqs.push(item.seq);
            }
        }
        assert_eq!(seqs, [0, 1, 2, 3, 4], "viewers saw nothing of the refused batches");

        // A resend that overlaps what is stored is still fine (duplicates dropped), and the next expected
        // number itself is not a gap.
        agent.send_batch(3, &frames(4));
        assert_eq!(agent.next().await["persisted_seq"], 7);
        assert_eq!(live.next_seq(), 7);
        drop(agent.to_server);
        agent.task.await.expect("connection ends");
    }

    use racecraft_testkit::hostile::lz4_bomb;

    fn batch(count: u32, chunk: &[u8]) -> Vec<u8> {
        racecraft_testkit::hostile::ingest_batch(0, count, chunk)
    }

    #[tokio::test]
    async fn hostile_batches_claiming_the_largest_frame_count_are_refused_and_store_nothing() {
        let dir = tempfile::tempdir().expect("tempdir");
        let state = state(dir.path()).await;
        let mut agent = Agent::connect(&state);
        let id = agent.hello().await;

        // The hand-made chunk is what the codec itself reads: it decodes there, without the batch limit.
        let bomb = lz4_bomb(MAX_FRAMES);
        assert!(bomb.len() < 8 * 1024, "{} bytes", bomb.len());
        let small = lz4_bomb(1000);
        assert_eq!(racecraft_codec::chunk::decode(&small).expect("valid chunk").len(), 1000);

        let hostile = [
            (batch(MAX_FRAMES, &bomb), format!("batch of {MAX_FRAMES} frames exceeds the limit of {MAX_BATCH_FRAMES}")),
            (batch(u32::MAX, &bomb), format!("batch of {} frames exceeds the limit of {MAX_BATCH_FRAMES}", u32::MAX)),
            (batch(1000, &bomb), format!("batch says 1000 frames, its chunk {MAX_FRAMES}")),
            (batch(MAX_FRAMES, &bomb[..40]), "exceeds the limit".to_string()),
            (batch(1000, &small[..18]), "2 body bytes cannot hold 1008 bytes".to_string()),
        ];
        for (bytes, why) in &hostile {
            agent.send_binary(bytes.clone());
            let reply = agent.next().await;
            assert_eq!((reply["type"].as_str(), reply["reason"].as_str()), (Some("error"), Some("malformed_frames")));
            let message = reply["message"].as_str().expect("message");
            assert!(message.starts_with("frames refused: ") && message.contains(why.as_str()), "{message}");
        }
        assert_eq!(rejected(&state, "malformed_frames"), hostile.len() as u64);

        // Nothing of them is live or stored: the next honest batch starts at 0 and is all there is.
        agent.send_binary(batch(1000, &small));
        assert_eq!(agent.next().await["persisted_seq"], 1000);
        assert_eq!(state.store().next_seq(id).await.expect("store"), 1000);
        assert_eq!(state.live().get(id).expect("live").next_seq(), 1000);
    }

    #[test]
    fn the_ingest_message_limit_holds_the_largest_batch_an_agent_sends() {
        let largest = wire::max_frames_message_len(MAX_BATCH_FRAMES as usize);
        let limit = Limits::default().max_ingest_message_bytes;
        assert!(largest <= limit, "{largest} > {limit}");
        // ...and is not the 64 MiB it was: a small multiple of that batch.
        assert!(limit <= 2 * largest, "{limit} vs {largest}");
    }
}
