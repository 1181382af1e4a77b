//! The messages that cross a Racecraft process boundary, defined once, as serde types used by both ends.
//!
//! # Layout
//! - [`ingest`]: the agent's stream (`GET /ws/ingest`): [`ingest::AgentMessage`] in,
//!   [`ingest::IngestReply`] out.
//! - [`viewer`]: what a live viewer (`GET /ws/{session_id}`) receives: [`viewer::ViewerMessage`].
//! - [`rest`]: the REST API's request and response bodies (sessions, laps, frames, health, ingest, export,
//!   errors), also used in the viewer's hello: [`rest::Session`], [`rest::Lap`], [`rest::ChannelInfo`], ...
//! - [`analysis`]: the analysis endpoints' bodies, around the analysis engine's own result types.
//! - [`chat`]: the coaching chat: whether a model is configured, a question, the streamed answer's events.
//! - [`team`]: the team server's bodies: login, the signed-in user, members, agent tokens, share links.
//! - [`typescript`]: the browser's TypeScript declarations, generated from these types
//!   (`web/src/lib/protocol.ts`; a test fails when that file is stale).
//!
//! Every version of the protocol has a number, [`PROTOCOL_VERSION`]; the viewer's hello carries it, and a
//! client may ask for one (`?v=1`) and is refused clearly when the server does not speak it. Units follow the
//! house rule: SI, in the field names (`_s`, `_mps`, `_kpa`, `_c`, `_g`).

pub mod analysis;
pub mod chat;
pub mod ingest;
pub mod pitwall;
pub mod rest;
pub mod team;
pub mod typescript;
pub mod viewer;

/// The protocol version this build speaks.
pub const PROTOCOL_VERSION: u32 = 1;
