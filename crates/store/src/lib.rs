//! Sessions, laps and telemetry chunks in SQLite or PostgreSQL, with a disk spool while the database is away.
//!
//! # Layout
//! - [`Store`]: one handle over either backend ([`Backend`]), chosen by URL. Sessions ([`Session`]), laps
//!   ([`LapRow`]) and telemetry chunks ([`ChunkRow`], frames encoded with `racecraft_codec::chunk`) are
//!   written together in one transaction per [`WriteBatch`]; writing a batch twice is harmless. Connected
//!   eagerly ([`Store::connect`]) or lazily ([`Store::connect_lazy_with`]: migrations on first contact), so
//!   a server can start while its database is down.
//! - [`Spool`]: an append-only, checksummed file of [`WriteBatch`]es that holds what the database could not
//!   take, and replays it into the [`Store`] once the database is back.
//! - [`Writer`]: the task between the live path and the store. It takes frames and laps without ever waiting
//!   for the database, cuts them into chunks, flushes them periodically, falls back to the spool during an
//!   outage, and publishes a per-session persisted watermark ([`Writer::persisted_seq`]) for agent acks.
//!   [`WriterStatus::degraded_reason`] says why storage is not healthy (spooling, batches held in memory,
//!   the last write error). It creates sessions while the database is away ([`Writer::create_session`]:
//!   ids from [`OFFLINE_SESSION_ID_BASE`] on, which the database's own ids never reach, the row carried in a
//!   batch as a [`NewSession`] ahead of its chunks), and records session ends behind their last frames
//!   ([`Writer::end_session`], a [`SessionEnd`]), so neither is lost in an outage.
//!
//! Data path: live frames → [`Writer`] → [`Store::write`] (or [`Spool::append`], later [`Spool::drain`]).

mod model;
mod spool;
mod store;
mod writer;

pub use model::{
    ChunkRow, LapEdges, LapRow, NewLap, NewSession, OFFLINE_SESSION_ID_BASE, Owner, Session, SessionEnd, WriteBatch,
};
pub use spool::Spool;
pub use store::{AgentToken, Backend, Member, Membership, ShareLink, Store, StoreConfig, User};
pub use writer::{Writer, WriterConfig, WriterStatus};

use std::path::PathBuf;

use racecraft_core::time::now_ms;

/// Everything that can go wrong in this crate.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The database refused or failed a query, or could not be reached.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// Running the schema migrations failed.
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// The URL names no backend this crate supports.
    #[error("unsupported database URL (expected sqlite:// or postgres://): {url}")]
    UnsupportedUrl {
        /// The URL as given.
        url: String,
    },
    /// A value does not fit its column (a sequence number beyond `i64::MAX`, say).
    #[error("{what} {value} is out of range for the database")]
    OutOfRange {
        /// Which value.
        what: &'static str,
        /// The value.
        value: u64,
    },
    /// A lap with a time that is not a finite number (NaN, infinite), refused before it reaches a batch.
    #[error("lap {lap_number} of session {session_id} has a non-finite {what}")]
    NotFinite {
        /// Its session.
        session_id: i64,
        /// Its lap number.
        lap_number: u32,
        /// Which value.
        what: &'static str,
    },
    /// A stored row holds something this build cannot read back.
    #[error("corrupt {what} in session {session_id}: {detail}")]
    CorruptRow {
        /// Which kind of row.
        what: &'static str,
        /// Its session.
        session_id: i64,
        /// What is wrong.
        detail: String,
    },
    /// A stored chunk does not decode.
    #[error("corrupt chunk at seq {first_seq} of session {session_id}: {source}")]
    CorruptChunk {
        /// Its session.
        session_id: i64,
        /// Its first sequence number.
        first_seq: u64,
        /// The codec's complaint.
        source: racecraft_codec::Error,
    },
    /// A file system operation failed (the spool, or the SQLite file's directory).
    #[error("I/O failed: {source}: {path}")]
    Io {
        /// The I/O error.
        source: std::io::Error,
        /// The file or directory.
        path: PathBuf,
    },
    /// The spool holds a record written by a newer version of this crate; it is left untouched.
    #[error("spool record at byte {offset} has unsupported version {version}: {path}")]
    SpoolVersion {
        /// Byte offset of the record.
        offset: u64,
        /// The version found.
        version: u8,
        /// The spool file.
        path: PathBuf,
    },
    /// The writer task is gone (the runtime is shutting down, or it panicked).
    #[error("the storage writer has stopped")]
    WriterClosed,
    /// Neither the database nor the spool took a batch; it stays in memory and is retried.
    #[error("batch not persisted (database unavailable and spool failed): {0}")]
    NotPersisted(String),
}

/// Result with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
