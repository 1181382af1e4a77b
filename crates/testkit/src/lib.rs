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
//! - [`Tmpfs`]: a small tmpfs with [`Tmpfs::fill`] to play a full disk (needs root or `CAP_SYS_ADMIN`).

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
