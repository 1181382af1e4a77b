//! Test-only helpers for code that talks to PostgreSQL or needs a disk to fill. The services themselves are
//! `racecraft-services`' (re-exported here); what this crate adds is the test's side of them.
//!
//! # Layout
//! - [`PgDatabase`]: a database of its own on the shared test server (`RACECRAFT_TEST_PG`, default
//!   `postgres://postgres@127.0.0.1:5432/test`), dropped again when the value is, so parallel tests never
//!   see each other's rows and the server stays clean. [`PgDatabase::create`] panics with a clear message
//!   when the shared server is not there, since no test using it can do anything useful then.
//! - [`PgCluster`]: a throwaway PostgreSQL cluster that a test can stop, kill and restart, to play a database
//!   outage.
//! - [`LlmServer`]: a real OpenAI-compatible model server (llama.cpp's, tiny random weights) for the chat.
//! - [`Tmpfs`]: a small tmpfs with [`Tmpfs::fill`] to play a full disk (needs root or `CAP_SYS_ADMIN`).

pub mod llm;

pub use llm::LlmServer;
pub use racecraft_services::{Error, PgCluster, Result, Tmpfs};

/// The shared test server's URL: `RACECRAFT_TEST_PG`, or the local default.
pub fn shared_pg_url() -> String {
    std::env::var("RACECRAFT_TEST_PG").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned())
}

/// A uniquely named database on the shared test server, dropped on `Drop`
/// (a [`racecraft_services::PgDatabase`] on [`shared_pg_url`]).
#[derive(Debug)]
pub struct PgDatabase(racecraft_services::PgDatabase);

impl PgDatabase {
    /// Creates a fresh, empty database on the shared test server.
    ///
    /// # Panics
    /// If the shared server cannot be reached or refuses: the test cannot run without it.
    pub async fn create() -> PgDatabase {
        let admin_url = shared_pg_url();
        match racecraft_services::PgDatabase::create(&admin_url).await {
            Ok(db) => PgDatabase(db),
            Err(e) => {
                panic!("cannot create a test database (is PostgreSQL running? set RACECRAFT_TEST_PG): {e}: {admin_url}")
            }
        }
    }

    /// The database's URL.
    pub fn url(&self) -> &str {
        self.0.url()
    }

    /// The database's name.
    pub fn name(&self) -> &str {
        self.0.name()
    }
}

/// Hostile input for the ingest path, built by hand so tests do not depend on the encoder they attack.
pub mod hostile {
    /// A valid columnar chunk (`racecraft_codec::chunk`) of `n` frames with no channels at t = 0, LZ4-compressed
    /// to a few kilobytes: small on the wire, `n` frames once decoded.
    pub fn lz4_bomb(n: u32) -> Vec<u8> {
        let raw_len = n as usize + 8;
        // An LZ4 block of `raw_len` zero bytes: one literal, a match of the rest at offset 1, then the five
        // literals the format's end rule asks for.
        let mut body = vec![0x1F, 0, 1, 0];
        let mut rest = raw_len - 1 - 5 - 4 - 15;
        while rest >= 255 {
            body.push(255);
            rest -= 255;
        }
        body.push(rest as u8);
        body.push(0x50);
        body.extend_from_slice(&[0; 5]);
        let mut chunk = vec![2, 1, 0, 0];
        chunk.extend_from_slice(&n.to_le_bytes());
        chunk.extend_from_slice(&(raw_len as u32).to_le_bytes());
        chunk.extend_from_slice(&crc32fast::hash(&body).to_le_bytes());
        chunk.extend_from_slice(&body);
        chunk
    }

    /// An agent's binary batch message (`u8 2 · u64 first_seq · u32 count · chunk`) around any chunk, whatever
    /// count it claims.
    pub fn ingest_batch(first_seq: u64, count: u32, chunk: &[u8]) -> Vec<u8> {
        let mut out = vec![racecraft_codec::wire::KIND_FRAMES];
        out.extend_from_slice(&first_seq.to_le_bytes());
        out.extend_from_slice(&count.to_le_bytes());
        out.extend_from_slice(chunk);
        out
    }
}
