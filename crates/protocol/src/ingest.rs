//! The agent's stream, `GET /ws/ingest`: text messages both ways (tagged by `type`), and binary frame batches
//! from the agent (`u8 2 · u64 first_seq · u32 count · chunk`, see `racecraft_codec::wire`).

use racecraft_core::{Field, SessionMeta};
use serde::{Deserialize, Serialize};

/// Agent → server.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum AgentMessage {
    /// First message: the session to stream into, or the meta of a new one.
    Hello {
        /// The protocol version the agent speaks; absent means 1.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        v: Option<u32>,
        /// An existing session (resuming after a reconnect).
        session_id: Option<i64>,
        /// A new session's meta.
        meta: Option<SessionMeta>,
    },
    /// The field of the race as the game reports it (every car's position, laps, gaps, tyres), a few times a
    /// second where the game publishes it. The latest replaces the one before; it is not stored.
    Field {
        /// The snapshot, its time on the session's clock.
        field: Field,
    },
    /// The session is over.
    End {
        /// When it ended by the agent's account (an imported file's own end), ms since the Unix epoch; the
        /// server uses it when plausible, else its own clock.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        ended_at_ms: Option<i64>,
    },
}

/// Server → agent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum IngestReply {
    /// The hello was accepted.
    Welcome {
        /// The protocol version of the server.
        #[serde(default = "one")]
        v: u32,
        /// The session the frames go to.
        session_id: i64,
        /// Frames with a smaller sequence number are stored already; the agent resends from here.
        next_seq: u64,
    },
    /// Every frame with a smaller sequence number is durable; the agent may forget them.
    Ack {
        /// The watermark.
        persisted_seq: u64,
    },
    /// A message was refused.
    Error {
        /// A label for the cause (`storage`: retry later; `not_found`, `bad_request`, `version`: final;
        /// `seq_gap`, `malformed_frames`, ...: that message only). Older servers send none.
        #[serde(default)]
        reason: Option<String>,
        /// What went wrong, for people.
        message: String,
    },
}

fn one() -> u32 {
    1
}

/// Whether a hello refused with `reason` is worth retrying: the session does not exist, the hello cannot be
/// read, or the versions differ are final; anything else (storage away, an older server's unlabelled error)
/// may pass.
pub fn hello_refusal_is_final(reason: Option<&str>) -> bool {
    matches!(reason, Some("not_found" | "bad_request" | "version"))
}
