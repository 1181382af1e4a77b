//! Throwaway instances of real services, for the product's own runs that need them (`racecraft bench`,
//! `racecraft chaos`) and for tests (through `racecraft-testkit`).
//!
//! # Layout
//! - [`PgDatabase`]: a database of its own on a PostgreSQL server, dropped again when the value is.
//! - [`PgCluster`]: a private PostgreSQL cluster (initdb, pg_ctl) on 127.0.0.1 at a free port, which can be
//!   stopped, killed like a crash and restarted on the same port and data, to play a database outage. Needs the
//!   PostgreSQL server binaries (`RACECRAFT_PG_BIN`, else `/usr/lib/postgresql/<newest>/bin`, else
//!   `pg_config --bindir`, else `PATH`).
//! - [`Tmpfs`]: a small tmpfs with [`Tmpfs::fill`] to play a full disk (needs the right to mount: root, or
//!   `CAP_SYS_ADMIN`). Unmounted on `Drop`, also when the caller panics.
//! - [`Error`]: what can go wrong setting any of them up; a missing tool or right says which.

mod cluster;
mod database;
mod tmpfs;

use std::path::PathBuf;

pub use cluster::PgCluster;
pub use database::PgDatabase;
pub use tmpfs::Tmpfs;

/// What can go wrong setting up or driving a throwaway service.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A tool could not be started.
    #[error("cannot run {program}: {source}")]
    Spawn {
        /// The program.
        program: String,
        /// Why.
        source: std::io::Error,
    },
    /// A PostgreSQL server tool is not where the binaries were looked for.
    #[error(
        "the PostgreSQL server binaries are needed (install them, or set RACECRAFT_PG_BIN to their directory): \
         {tool} not found: {path}"
    )]
    PgToolMissing {
        /// The tool (`initdb`, `pg_ctl`).
        tool: String,
        /// Where it was looked for.
        path: PathBuf,
    },
    /// Running as root, which initdb refuses, without a `postgres` user to run it as instead.
    #[error("running as root, and there is no `postgres` user to run initdb as: {path}")]
    NoPostgresUser {
        /// The cluster's directory.
        path: PathBuf,
    },
    /// A tool ran and failed.
    #[error("{program} failed ({status}): {output}")]
    Command {
        /// The program.
        program: String,
        /// Its exit status.
        status: String,
        /// Its stdout and stderr (and the server log for `pg_ctl start`).
        output: String,
    },
    /// `mount -t tmpfs` failed, most often for want of the right to mount.
    #[error("mounting a tmpfs needs root (or CAP_SYS_ADMIN): mount -t tmpfs failed ({status}): {output}: {path}")]
    Mount {
        /// Its exit status.
        status: String,
        /// Its stderr.
        output: String,
        /// The mount point.
        path: PathBuf,
    },
    /// A database name that is not one this crate generates (only `[a-z0-9_]`, at most 63 bytes).
    #[error("not a database name of ours (only [a-z0-9_], at most 63 bytes): {0:?}")]
    Identifier(String),
    /// A file system operation failed.
    #[error("I/O failed: {source}: {path}")]
    Io {
        /// The error.
        source: std::io::Error,
        /// The file or directory.
        path: PathBuf,
    },
    /// Talking to the database server failed.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
}

/// Result with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A TCP port on 127.0.0.1 that is free now (another process may take it before it is used).
pub fn free_port() -> Result<u16> {
    let io = |source| Error::Io { source, path: PathBuf::from("127.0.0.1:0") };
    let listener = std::net::TcpListener::bind("127.0.0.1:0").map_err(io)?;
    Ok(listener.local_addr().map_err(io)?.port())
}

/// A tool's stdout and stderr, as text.
fn output_text(output: &std::process::Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
}
