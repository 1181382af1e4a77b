//! The uplink to a Racecraft server: one WebSocket to `/ws/ingest` that delivers every frame pushed into it,
//! whoever produces them (game capture in `racecraft-agent`, the simulator, an imported file, the benchmarks).
//!
//! # Layout
//! - [`Agent`]: spawn it with an [`AgentConfig`], [`Agent::push`] frames as they are produced (never blocks),
//!   then [`Agent::finish`] to wait until the server has made every frame durable.
//! - Underneath, one task owns the WebSocket (`/ws/ingest`, see `docs/protocol.md`): it numbers frames,
//!   sends each as soon as it arrives (batching only what piled up while the link was down), keeps every
//!   frame until the server acks it as persisted, and on any failure reconnects with exponential backoff and
//!   resends from the sequence number the server asks for. Nothing pushed is lost while the buffer holds.
//!   A hello the server refuses for a passing reason (its database is away) is retried with the same
//!   backoff; only a refusal that cannot change (an unknown session) ends the agent. Acks and welcomes are
//!   checked against what was sent: a number from the future or going backwards is logged and ignored.

use std::collections::VecDeque;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use racecraft_codec::chunk::ChunkEncoder;
use racecraft_core::{Field, Frame, SessionMeta};
use racecraft_protocol::ingest::{AgentMessage, IngestReply, hello_refusal_is_final};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::Message;

/// What can end an agent.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The server URL cannot be used.
    #[error("invalid server URL: {0}")]
    Url(String),
    /// The server refused the session for good (it does not know the session id, or cannot read the hello).
    #[error("server refused the session: {0}")]
    Refused(String),
    /// `finish` ran out of time before the server acknowledged every frame.
    #[error("timed out with {unacked} frames not yet acknowledged by the server")]
    Timeout {
        /// Frames still unacknowledged.
        unacked: u64,
    },
    /// The agent task stopped unexpectedly.
    #[error("agent task failed: {0}")]
    Task(String),
}

/// Result with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// How to reach the server and what to send.
#[derive(Debug, Clone)]
pub struct AgentConfig {
    /// Server base URL, `http://host:port` (or `ws://`).
    pub server: String,
    /// Metadata of the session to create.
    pub meta: SessionMeta,
    /// Continue this existing session instead of creating one.
    pub session_id: Option<i64>,
    /// Frames kept while unacknowledged; past this the oldest are dropped and counted.
    pub max_buffer_frames: usize,
    /// Most frames in one catch-up message.
    pub max_batch_frames: usize,
    /// First reconnect delay.
    pub backoff_min: Duration,
    /// Longest reconnect delay.
    pub backoff_max: Duration,
    /// When the session ended, ms since the Unix epoch, sent with the end (an imported file's own end);
    /// `None`: the server's clock when the end arrives.
    pub ended_at_ms: Option<i64>,
    /// The agent token a team server asks for (`racecraft token create`), sent as `Authorization: Bearer`.
    pub token: Option<String>,
}

impl AgentConfig {
    /// Defaults for `server` and `meta`: 1 M frames of buffer (50 min at 333 Hz), batches of 4096, backoff
    /// from 100 ms to 5 s.
    pub fn new(server: impl Into<String>, meta: SessionMeta) -> AgentConfig {
        AgentConfig {
            server: server.into(),
            meta,
            session_id: None,
            max_buffer_frames: 1_000_000,
            max_batch_frames: 4096,
            backoff_min: Duration::from_millis(100),
            backoff_max: Duration::from_secs(5),
            ended_at_ms: None,
            token: None,
        }
    }
}

/// Counters of an agent's life.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AgentStats {
    /// Session id, once the server has said it.
    pub session_id: Option<i64>,
    /// Frames pushed.
    pub pushed: u64,
    /// Frames the server acknowledged as persisted.
    pub acked: u64,
    /// Frames dropped because the buffer was full.
    pub dropped: u64,
    /// Successful connections after the first.
    pub reconnects: u64,
    /// The server is connected now.
    pub connected: bool,
}

// Boxing the frame would allocate once per frame on the hot path; `Finish` is sent once.
#[allow(clippy::large_enum_variant)]
enum Cmd {
    Push(Frame),
    Field(Box<Field>),
    Finish,
}

/// A running uplink.
#[derive(Debug)]
pub struct Agent {
    tx: mpsc::UnboundedSender<Cmd>,
    stats: watch::Receiver<AgentStats>,
    task: JoinHandle<Result<AgentStats>>,
}

impl Agent {
    /// Starts the uplink task on the current tokio runtime.
    pub fn spawn(config: AgentConfig) -> Result<Agent> {
        let url = ingest_url(&config.server)?;
        let (tx, rx) = mpsc::unbounded_channel();
        let (stats_tx, stats) = watch::channel(AgentStats::default());
        let task = tokio::spawn(Uplink::new(config, url, rx, stats_tx).run());
        Ok(Agent { tx, stats, task })
    }

    /// Queues a frame. Never blocks; the frame is sent as soon as the link allows.
    pub fn push(&self, frame: Frame) {
        // Err only after the task has ended, when finish() reports why.
        let _ = self.tx.send(Cmd::Push(frame));
    }

    /// Sends the field of the race (replacing one not yet sent). Never blocks; not stored, not resent.
    pub fn field(&self, field: Field) {
        let _ = self.tx.send(Cmd::Field(Box::new(field)));
    }

    /// The latest counters.
    pub fn stats(&self) -> AgentStats {
        self.stats.borrow().clone()
    }

    /// Waits until the server has assigned (or confirmed) the session id.
    pub async fn session_id(&self) -> Result<i64> {
        let mut watch = self.stats.clone();
        let stats = watch
            .wait_for(|s| s.session_id.is_some())
            .await
            .map_err(|_| Error::Task("the agent stopped before the server assigned a session".into()))?;
        Ok(stats.session_id.unwrap_or_default())
    }

    /// A watch on the counters (for example to learn the session id).
    pub fn watch(&self) -> watch::Receiver<AgentStats> {
        self.stats.clone()
    }

    /// Waits until every pushed frame is persisted by the server, ends the session and closes. With a
    /// `timeout`, gives up after it with [`Error::Timeout`].
    pub async fn finish(self, timeout: Option<Duration>) -> Result<AgentStats> {
        let _ = self.tx.send(Cmd::Finish);
        let stats = self.stats.clone();
        let mut task = self.task;
        let joined = match timeout {
            Some(t) => match tokio::time::timeout(t, &mut task).await {
                Ok(j) => j,
                Err(_) => {
                    task.abort();
                    let s = stats.borrow().clone();
                    return Err(Error::Timeout { unacked: s.pushed - s.acked - s.dropped });
                }
            },
            None => task.await,
        };
        joined.map_err(|e| Error::Task(e.to_string()))?
    }
}

fn ingest_url(server: &str) -> Result<url::Url> {
    let mut url = url::Url::parse(server).map_err(|e| Error::Url(format!("{e}: {server}")))?;
    let scheme = match url.scheme() {
        "http" | "ws" => "ws",
        "https" | "wss" => "wss",
        other => return Err(Error::Url(format!("unsupported scheme `{other}`: {server}"))),
    };
    url.set_scheme(scheme).map_err(|()| Error::Url(format!("cannot use scheme {scheme}: {server}")))?;
    url.set_path("/ws/ingest");
    Ok(url)
}

/// A message as the text sent on the socket.
fn text(message: &AgentMessage) -> String {
    // Plain data: serializing cannot fail.
    serde_json::to_string(message).unwrap_or_default()
}

struct Uplink {
    config: AgentConfig,
    url: url::Url,
    rx: mpsc::UnboundedReceiver<Cmd>,
    stats_tx: watch::Sender<AgentStats>,
    stats: AgentStats,
    /// Unacknowledged frames; `buffer[0]` has sequence number `base_seq`.
    buffer: VecDeque<Frame>,
    base_seq: u64,
    /// Next sequence number to send on the current connection: `base_seq <= cursor <= base_seq + buffer.len()`.
    /// Frames from `cursor` on have not reached this connection's server, so an ack beyond it is bogus.
    cursor: u64,
    /// One past the highest sequence number ever sent: a welcome beyond it is bogus.
    sent_upto: u64,
    /// An impossible ack or welcome was logged already (once is enough to see a broken server).
    warned_seq: bool,
    finishing: bool,
    /// A welcome has been received on some connection.
    welcomed: bool,
    encoder: ChunkEncoder,
    out: Vec<u8>,
    batch: Vec<Frame>,
    /// The newest field of the race not sent yet.
    field: Option<Box<Field>>,
}

enum LinkEnd {
    /// Connection lost, or the hello refused for now; reconnect. `welcomed`: the server had said welcome, so
    /// the backoff starts again from its minimum.
    Lost { welcomed: bool },
    /// Everything acked and the session ended.
    Done,
}

impl Uplink {
    fn new(
        config: AgentConfig,
        url: url::Url,
        rx: mpsc::UnboundedReceiver<Cmd>,
        stats_tx: watch::Sender<AgentStats>,
    ) -> Uplink {
        let stats = AgentStats { session_id: config.session_id, ..AgentStats::default() };
        Uplink {
            config,
            url,
            rx,
            stats_tx,
            stats,
            buffer: VecDeque::new(),
            base_seq: 0,
            cursor: 0,
            sent_upto: 0,
            warned_seq: false,
            finishing: false,
            welcomed: false,
            encoder: ChunkEncoder::new(),
            out: Vec::new(),
            batch: Vec::new(),
            field: None,
        }
    }

    async fn run(mut self) -> Result<AgentStats> {
        let mut backoff = self.config.backoff_min;
        loop {
            match tokio_tungstenite::connect_async_with_config(self.request()?, None, true).await {
                Ok((ws, _)) => match self.session(ws).await? {
                    LinkEnd::Done => {
                        self.stats.connected = false;
                        self.publish();
                        return Ok(self.stats);
                    }
                    LinkEnd::Lost { welcomed } => {
                        self.stats.connected = false;
                        self.publish();
                        // A refused hello keeps doubling the wait: a server whose database is away is
                        // not asked again every 100 ms.
                        if welcomed {
                            backoff = self.config.backoff_min;
                        }
                    }
                },
                // A team server that refuses the token will refuse it again: stop with its reason.
                Err(tokio_tungstenite::tungstenite::Error::Http(response))
                    if matches!(response.status().as_u16(), 401 | 403) =>
                {
                    let body = response.body().as_deref().map(String::from_utf8_lossy).unwrap_or_default();
                    let reason = serde_json::from_str::<racecraft_protocol::rest::ErrorBody>(&body)
                        .map(|b| b.error)
                        .unwrap_or_else(|_| response.status().to_string());
                    return Err(Error::Refused(format!("{reason} (HTTP {})", response.status().as_u16())));
                }
                Err(e) => tracing::debug!(error = %e, url = %self.url, "connect failed"),
            }
            // Keep taking frames while we wait to reconnect.
            let wait = tokio::time::sleep(backoff);
            tokio::pin!(wait);
            loop {
                tokio::select! {
                    () = &mut wait => break,
                    cmd = self.rx.recv() => self.command(cmd),
                }
            }
            backoff = (backoff * 2).min(self.config.backoff_max);
        }
    }

    /// The WebSocket request: the ingest URL, with the agent token when there is one.
    fn request(&self) -> Result<tokio_tungstenite::tungstenite::handshake::client::Request> {
        use tokio_tungstenite::tungstenite::client::IntoClientRequest;
        let mut request =
            self.url.as_str().into_client_request().map_err(|e| Error::Url(format!("{e}: {}", self.url)))?;
        if let Some(token) = &self.config.token {
            let value = format!("Bearer {token}")
                .parse()
                .map_err(|_| Error::Url("the agent token holds characters a header cannot carry".into()))?;
            request.headers_mut().insert("authorization", value);
        }
        Ok(request)
    }

    fn command(&mut self, cmd: Option<Cmd>) {
        match cmd {
            Some(Cmd::Push(frame)) => {
                self.stats.pushed += 1;
                self.buffer.push_back(frame);
                if self.buffer.len() > self.config.max_buffer_frames {
                    self.buffer.pop_front();
                    self.stats.dropped += 1;
                    // A frame already sent on this connection keeps its number (the server may have it); one
                    // not sent gives its number to the next, so the stream the server sees has no gap,
                    // which it would refuse.
                    if self.base_seq < self.cursor {
                        self.base_seq += 1;
                    }
                }
            }
            Some(Cmd::Field(field)) => self.field = Some(field),
            // The Agent handle is gone without finish(): finish anyway so nothing pushed is abandoned.
            Some(Cmd::Finish) | None => self.finishing = true,
        }
    }

    fn publish(&self) {
        self.stats_tx.send_replace(self.stats.clone());
    }

    async fn session<S>(&mut self, mut ws: S) -> Result<LinkEnd>
    where
        S: futures_util::Sink<Message>
            + futures_util::Stream<Item = Result<Message, tokio_tungstenite::tungstenite::Error>>
            + Unpin,
    {
        let hello = AgentMessage::Hello {
            v: Some(racecraft_protocol::PROTOCOL_VERSION),
            session_id: self.stats.session_id,
            meta: Some(self.config.meta.clone()),
        };
        if ws.send(Message::Text(text(&hello).into())).await.is_err() {
            return Ok(LinkEnd::Lost { welcomed: false });
        }
        // Welcome.
        let next_seq = loop {
            match ws.next().await {
                Some(Ok(Message::Text(t))) => match serde_json::from_str::<IngestReply>(&t) {
                    Ok(IngestReply::Welcome { session_id, next_seq, .. }) => {
                        self.stats.session_id = Some(session_id);
                        break next_seq;
                    }
                    Ok(IngestReply::Error { message, reason }) if hello_refusal_is_final(reason.as_deref()) => {
                        return Err(Error::Refused(message));
                    }
                    Ok(IngestReply::Error { message, reason }) => {
                        // Storage away, or an older server that gives no reason: the frames stay buffered
                        // and the hello is tried again after the backoff.
                        tracing::warn!(%message, ?reason, "server refused the hello for now; retrying");
                        let _ = ws.close().await;
                        return Ok(LinkEnd::Lost { welcomed: false });
                    }
                    _ => {}
                },
                Some(Ok(_)) => {}
                Some(Err(_)) | None => return Ok(LinkEnd::Lost { welcomed: false }),
            }
        };
        self.stats.connected = true;
        if self.welcomed {
            self.stats.reconnects += 1;
        }
        self.on_welcome(next_seq);
        self.publish();
        // The highest ack seen on this connection, to notice one going backwards.
        let mut last_ack = next_seq;

        loop {
            // Send whatever is unsent, oldest first.
            let max_batch = self.config.max_batch_frames.clamp(1, racecraft_codec::wire::MAX_BATCH_FRAMES as usize);
            loop {
                let from = self.cursor.saturating_sub(self.base_seq) as usize;
                if from >= self.buffer.len() {
                    break;
                }
                let n = (self.buffer.len() - from).min(max_batch);
                self.batch.clear();
                self.batch.extend(self.buffer.range(from..from + n));
                self.out.clear();
                let first_seq = self.base_seq + from as u64;
                racecraft_codec::wire::encode_frames(&mut self.encoder, first_seq, &self.batch, &mut self.out);
                if ws.send(Message::Binary(self.out.clone().into())).await.is_err() {
                    return Ok(LinkEnd::Lost { welcomed: true });
                }
                self.cursor = first_seq + n as u64;
                self.sent_upto = self.sent_upto.max(self.cursor);
            }
            if let Some(field) = self.field.take() {
                let message = AgentMessage::Field { field: *field };
                if ws.send(Message::Text(text(&message).into())).await.is_err() {
                    return Ok(LinkEnd::Lost { welcomed: true });
                }
            }
            if self.finishing && self.buffer.is_empty() {
                let end = AgentMessage::End { ended_at_ms: self.config.ended_at_ms };
                let _ = ws.send(Message::Text(text(&end).into())).await;
                let _ = ws.close().await;
                return Ok(LinkEnd::Done);
            }
            tokio::select! {
                cmd = self.rx.recv(), if !self.finishing => {
                    self.command(cmd);
                    // Take whatever else is already queued, so a backlog goes out as one batch.
                    while let Ok(cmd) = self.rx.try_recv() {
                        self.command(Some(cmd));
                    }
                }
                msg = ws.next() => match msg {
                    Some(Ok(Message::Text(t))) => match serde_json::from_str::<IngestReply>(&t) {
                        Ok(IngestReply::Ack { persisted_seq }) => {
                            if persisted_seq > self.cursor {
                                self.warn_seq(persisted_seq, "ack beyond the frames sent on this connection; ignored");
                            } else if persisted_seq < last_ack {
                                self.warn_seq(persisted_seq, "ack going backwards; ignored");
                            } else {
                                last_ack = persisted_seq;
                                self.ack(persisted_seq);
                                self.publish();
                            }
                        }
                        Ok(IngestReply::Error { message, reason }) => {
                            tracing::warn!(%message, ?reason, "server refused a message");
                        }
                        _ => {}
                    },
                    Some(Ok(Message::Close(_))) | Some(Err(_)) | None => return Ok(LinkEnd::Lost { welcomed: true }),
                    Some(Ok(_)) => {}
                },
            }
        }
    }

    /// Where this connection starts, from the welcome's `next_seq` (frames below it are stored). A number
    /// this agent never reached, or one below what it still holds, never makes it skip or forget a frame.
    fn on_welcome(&mut self, next_seq: u64) {
        let first = !self.welcomed;
        self.welcomed = true;
        if first && self.config.session_id.is_some() {
            // Continuing a session another process started: our frames follow what the server has.
            self.base_seq = next_seq;
            self.cursor = next_seq;
            self.sent_upto = next_seq;
        } else if next_seq > self.sent_upto {
            self.warn_seq(next_seq, "welcome beyond the frames this agent has sent; resending all it holds");
            self.cursor = self.base_seq;
        } else if next_seq >= self.base_seq {
            self.ack(next_seq);
            self.cursor = next_seq.min(self.base_seq + self.buffer.len() as u64);
        } else {
            // The server lacks frames this agent no longer has (acked before a server lost them, or dropped
            // from a full buffer): what is left follows what the server has, so it sees no gap.
            tracing::warn!(next_seq, base_seq = self.base_seq, "server is missing frames this agent no longer has");
            self.base_seq = next_seq;
            self.cursor = next_seq;
        }
    }

    /// Logs an impossible sequence number from the server, once.
    fn warn_seq(&mut self, seq: u64, what: &str) {
        if !self.warned_seq {
            self.warned_seq = true;
            tracing::warn!(seq, base_seq = self.base_seq, sent = self.cursor, "{what}");
        }
    }

    /// Forgets frames the server has persisted: those below `persisted_seq`, never more than it holds.
    fn ack(&mut self, persisted_seq: u64) {
        while self.base_seq < persisted_seq && !self.buffer.is_empty() {
            self.buffer.pop_front();
            self.base_seq += 1;
            self.stats.acked += 1;
        }
        self.cursor = self.cursor.max(self.base_seq);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        assert_eq!(ingest_url("http://127.0.0.1:8080").expect("ok").as_str(), "ws://127.0.0.1:8080/ws/ingest");
        assert_eq!(ingest_url("https://x.example/").expect("ok").as_str(), "wss://x.example/ws/ingest");
        assert!(matches!(ingest_url("ftp://x"), Err(Error::Url(_))));
        assert!(matches!(ingest_url("not a url"), Err(Error::Url(_))));
    }
}
