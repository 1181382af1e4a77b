//! Test-only helpers for code that talks to PostgreSQL.
//!
//! # Layout
//! - [`PgDatabase`]: a database of its own on the shared test server (`RACECRAFT_TEST_PG`, default
//!   `postgres://postgres@127.0.0.1:5432/test`), dropped again when the value is, so parallel tests never
//!   see each other's rows and the server stays clean.
//! - [`TempPostgres`]: a throwaway PostgreSQL cluster in a temporary directory that a test can stop and
//!   start again, to play a database outage. Needs the PostgreSQL server binaries (`RACECRAFT_PG_BIN`, else
//!   `/usr/lib/postgresql/<newest>/bin`, else `pg_config --bindir`, else `PATH`).
//! - [`Tmpfs`]: a small tmpfs mounted on a temporary directory, with [`Tmpfs::fill`] to play a full disk
//!   (needs the right to mount: root, or `CAP_SYS_ADMIN`). Unmounted on `Drop`, also when a test panics.
//!
//! Both are for tests: [`PgDatabase::create`] panics with a clear message when the shared server is not
//! there, since no test using it can do anything useful then.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};

use sqlx::{Connection, PgConnection};

/// What can go wrong setting up a test database.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A PostgreSQL tool could not be started.
    #[error("cannot run {program}: {source}")]
    Spawn {
        /// The program.
        program: String,
        /// Why.
        source: std::io::Error,
    },
    /// A PostgreSQL tool ran and failed.
    #[error("{program} failed ({status}): {output}")]
    Command {
        /// The program.
        program: String,
        /// Its exit status.
        status: String,
        /// Its stdout and stderr (and the server log for `pg_ctl start`).
        output: String,
    },
    /// A file system operation failed.
    #[error("I/O failed: {source}: {path}")]
    Io {
        /// The error.
        source: std::io::Error,
        /// The file or directory.
        path: PathBuf,
    },
    /// Talking to the database failed.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
}

/// Result with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The shared test server's URL: `RACECRAFT_TEST_PG`, or the local default.
pub fn shared_pg_url() -> String {
    std::env::var("RACECRAFT_TEST_PG").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned())
}

const DB_PREFIX: &str = "racecraft_test_";

/// A uniquely named database on the shared PostgreSQL server, dropped (`WITH (FORCE)`) on `Drop`.
#[derive(Debug)]
pub struct PgDatabase {
    name: String,
    url: String,
    admin_url: String,
}

impl PgDatabase {
    /// Creates a fresh, empty database.
    ///
    /// # Panics
    /// If the shared server cannot be reached or refuses: the test cannot run without it.
    pub async fn create() -> PgDatabase {
        let admin_url = shared_pg_url();
        match PgDatabase::try_create(&admin_url).await {
            Ok(db) => db,
            Err(e) => {
                panic!("cannot create a test database (is PostgreSQL running? set RACECRAFT_TEST_PG): {e}: {admin_url}")
            }
        }
    }

    /// Like [`PgDatabase::create`] on the server at `admin_url`, returning errors instead of panicking.
    pub async fn try_create(admin_url: &str) -> Result<PgDatabase> {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let mut conn = PgConnection::connect(admin_url).await?;
        remove_stale_databases(&mut conn).await;
        // pid + counter are unique among live test processes; the random part guards against a stale
        // database of an earlier process that had the same pid.
        let name = format!(
            "{DB_PREFIX}{}_{}_{:08x}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed),
            random_u32()
        );
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE \"{name}\""))).execute(&mut conn).await?;
        let _ = conn.close().await;
        Ok(PgDatabase { url: with_database(admin_url, &name), name, admin_url: admin_url.to_owned() })
    }

    /// The database's URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The database's name.
    pub fn name(&self) -> &str {
        &self.name
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        // Drop may run inside a Tokio runtime, where blocking on async work is not allowed: do it on a
        // thread of our own with a small runtime of its own.
        let admin_url = self.admin_url.clone();
        let name = self.name.clone();
        let dropped = std::thread::spawn(move || {
            let runtime =
                tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| e.to_string())?;
            runtime.block_on(async {
                let mut conn = PgConnection::connect(&admin_url).await.map_err(|e| e.to_string())?;
                let sql = format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
                sqlx::raw_sql(sqlx::AssertSqlSafe(sql)).execute(&mut conn).await.map_err(|e| e.to_string())?;
                let _ = conn.close().await;
                Ok::<(), String>(())
            })
        })
        .join();
        match dropped {
            Ok(Ok(())) => {}
            Ok(Err(e)) => eprintln!("warning: cannot drop test database {}: {e}", self.name),
            Err(_) => eprintln!("warning: dropping test database {} panicked", self.name),
        }
    }
}

/// Drops test databases left behind by test processes that no longer exist (killed before their `Drop`).
/// Once per process, and only where a process's liveness can be checked.
async fn remove_stale_databases(conn: &mut PgConnection) {
    static DONE: OnceLock<()> = OnceLock::new();
    if !cfg!(target_os = "linux") || DONE.set(()).is_err() {
        return;
    }
    let sql = "SELECT datname FROM pg_database WHERE datname LIKE 'racecraft\\_test\\_%'";
    let Ok(names) = sqlx::query_scalar::<_, String>(sql).fetch_all(&mut *conn).await else {
        return;
    };
    for name in names {
        let pid =
            name.strip_prefix(DB_PREFIX).and_then(|rest| rest.split('_').next()).and_then(|p| p.parse::<u32>().ok());
        if let Some(pid) = pid
            && pid != std::process::id()
            && !Path::new(&format!("/proc/{pid}")).exists()
        {
            let sql = format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
            let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(sql)).execute(&mut *conn).await;
        }
    }
}

/// `url` with its database (path) replaced by `name`, keeping credentials, host and query.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let authority_start = base.find("://").map_or(0, |i| i + 3);
    let base = match base[authority_start..].find('/') {
        Some(i) => &base[..authority_start + i],
        None => base,
    };
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}

/// A random number without a random-number crate: std seeds every `RandomState` from the OS.
fn random_u32() -> u32 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u32(std::process::id());
    h.finish() as u32
}

/// A private PostgreSQL cluster in a temporary directory, listening on 127.0.0.1 at a free port.
/// Stopped and deleted on `Drop`.
#[derive(Debug)]
pub struct TempPostgres {
    bin: PathBuf,
    data: PathBuf,
    port: u16,
    running: bool,
    /// Run the tools as the `postgres` user (we are root, and initdb refuses root).
    as_postgres: bool,
    // Last, so it is removed after the server is stopped.
    dir: tempfile::TempDir,
}

impl TempPostgres {
    /// Creates a cluster (initdb, trust auth, user `postgres`, `fsync=off`) and starts it.
    pub fn start() -> Result<TempPostgres> {
        let bin = pg_bin_dir();
        let as_postgres = is_root();
        let dir = tempfile::Builder::new()
            .prefix("racecraft-pg-")
            .tempdir()
            .map_err(|source| Error::Io { source, path: std::env::temp_dir() })?;
        if as_postgres {
            chown_to_postgres(dir.path())?;
        }
        let data = dir.path().join("data");
        let mut pg = TempPostgres { bin, data, port: 0, running: false, as_postgres, dir };
        let data_arg = pg.data.display().to_string();
        pg.run("initdb", &["-D", &data_arg, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync"])?;
        // Another process may take the port between our probe and the server's bind: try a few.
        let mut last_error = None;
        for _ in 0..5 {
            pg.port = free_port()?;
            match pg.restart() {
                Ok(()) => return Ok(pg),
                Err(e) => last_error = Some(e),
            }
        }
        Err(last_error.unwrap_or_else(|| Error::Command {
            program: "pg_ctl".to_owned(),
            status: "not run".to_owned(),
            output: String::new(),
        }))
    }

    /// URL of the `postgres` database as user `postgres`.
    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    /// The TCP port, the same across stops and starts.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Whether the server is running (as far as this handle knows).
    pub fn is_running(&self) -> bool {
        self.running
    }

    /// Starts the server again after [`TempPostgres::stop`] or [`TempPostgres::kill`], on the same port and
    /// data. Returns once it accepts connections.
    pub fn restart(&mut self) -> Result<()> {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off",
            self.port,
            self.dir.path().display()
        );
        let data = self.data.display().to_string();
        let log = self.dir.path().join("postgres.log");
        let log_arg = log.display().to_string();
        let started = self.run("pg_ctl", &["-D", &data, "-l", &log_arg, "-o", &options, "-w", "-t", "30", "start"]);
        if let Err(Error::Command { program, status, output }) = started {
            let server_log = std::fs::read_to_string(&log).unwrap_or_default();
            return Err(Error::Command { program, status, output: format!("{output}\nserver log:\n{server_log}") });
        }
        started?;
        self.running = true;
        Ok(())
    }

    /// Stops the server (`pg_ctl stop -m fast`: clients are disconnected, nothing is lost).
    pub fn stop(&mut self) -> Result<()> {
        self.stop_with("fast")
    }

    /// Stops the server abruptly (`pg_ctl stop -m immediate`, like a crash; recovery runs on restart).
    pub fn kill(&mut self) -> Result<()> {
        self.stop_with("immediate")
    }

    fn stop_with(&mut self, mode: &str) -> Result<()> {
        let data = self.data.display().to_string();
        self.run("pg_ctl", &["-D", &data, "-m", mode, "-w", "-t", "30", "stop"])?;
        self.running = false;
        Ok(())
    }

    fn run(&self, tool: &str, args: &[&str]) -> Result<()> {
        let program = self.bin.join(tool);
        let mut command = if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&program);
            c
        } else {
            Command::new(&program)
        };
        // The cluster's own directory is where the tools may write; never the caller's working directory.
        command.args(args).current_dir(self.dir.path());
        let output =
            command.output().map_err(|source| Error::Spawn { program: program.display().to_string(), source })?;
        if output.status.success() {
            return Ok(());
        }
        Err(Error::Command {
            program: program.display().to_string(),
            status: output.status.to_string(),
            output: format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr)),
        })
    }
}

impl Drop for TempPostgres {
    fn drop(&mut self) {
        if self.running {
            let _ = self.stop_with("immediate");
        }
    }
}

fn free_port() -> Result<u16> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")
        .map_err(|source| Error::Io { source, path: PathBuf::from("127.0.0.1:0") })?;
    let port = listener.local_addr().map_err(|source| Error::Io { source, path: PathBuf::from("127.0.0.1:0") })?.port();
    Ok(port)
}

fn pg_bin_dir() -> PathBuf {
    if let Ok(dir) = std::env::var("RACECRAFT_PG_BIN") {
        return PathBuf::from(dir);
    }
    // Debian/Ubuntu layout: /usr/lib/postgresql/<major>/bin; take the newest major.
    if let Ok(entries) = std::fs::read_dir("/usr/lib/postgresql") {
        let newest = entries
            .flatten()
            .filter_map(|e| Some((e.file_name().to_str()?.parse::<u32>().ok()?, e.path().join("bin"))))
            .filter(|(_, bin)| bin.join("initdb").exists())
            .max_by_key(|(major, _)| *major);
        if let Some((_, bin)) = newest {
            return bin;
        }
    }
    if let Ok(out) = Command::new("pg_config").arg("--bindir").output()
        && out.status.success()
    {
        return PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    }
    // Empty: the tools are looked up on PATH.
    PathBuf::new()
}

fn is_root() -> bool {
    static ROOT: OnceLock<bool> = OnceLock::new();
    *ROOT.get_or_init(|| id(&["-u"]) == Some(0))
}

fn id(args: &[&str]) -> Option<u32> {
    let out = Command::new("id").args(args).output().ok()?;
    String::from_utf8_lossy(&out.stdout).trim().parse().ok()
}

#[cfg(unix)]
fn chown_to_postgres(dir: &Path) -> Result<()> {
    let (Some(uid), Some(gid)) = (id(&["-u", "postgres"]), id(&["-g", "postgres"])) else {
        return Err(Error::Io {
            source: std::io::Error::new(std::io::ErrorKind::NotFound, "no `postgres` user to run initdb as"),
            path: dir.to_path_buf(),
        });
    };
    std::os::unix::fs::chown(dir, Some(uid), Some(gid)).map_err(|source| Error::Io { source, path: dir.to_path_buf() })
}

#[cfg(not(unix))]
fn chown_to_postgres(_dir: &Path) -> Result<()> {
    Ok(())
}

/// A tmpfs of a given size mounted on a fresh temporary directory: a disk a test can fill. Unmounted (and the
/// directory removed) on `Drop`, so a failing test leaves no mount behind.
#[derive(Debug)]
pub struct Tmpfs {
    mounted: bool,
    // Last, so it is removed after the unmount.
    dir: tempfile::TempDir,
}

/// The file [`Tmpfs::fill`] writes.
const FILLER: &str = "filler";

impl Tmpfs {
    /// Mounts a tmpfs of `size_bytes` on a new temporary directory.
    ///
    /// # Errors
    /// [`Error::Command`] when `mount` fails (not root, no `CAP_SYS_ADMIN`, in a container without the
    /// right): the message says so, and a test needing a full disk should fail with it, not skip.
    pub fn mount(size_bytes: u64) -> Result<Tmpfs> {
        let dir = tempfile::Builder::new()
            .prefix("racecraft-tmpfs-")
            .tempdir()
            .map_err(|source| Error::Io { source, path: std::env::temp_dir() })?;
        let size = format!("size={size_bytes}");
        let output = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &size, "tmpfs"])
            .arg(dir.path())
            .output()
            .map_err(|source| Error::Spawn { program: "mount".to_owned(), source })?;
        if !output.status.success() {
            return Err(Error::Command {
                program: "mount -t tmpfs (a full-disk test needs root or CAP_SYS_ADMIN)".to_owned(),
                status: output.status.to_string(),
                output: format!(
                    "{}{}",
                    String::from_utf8_lossy(&output.stdout),
                    String::from_utf8_lossy(&output.stderr)
                ),
            });
        }
        Ok(Tmpfs { mounted: true, dir })
    }

    /// The mount point.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes a filler file until the file system is full (`ENOSPC`); returns the bytes it took.
    pub fn fill(&self) -> Result<u64> {
        use std::io::Write;
        let path = self.dir.path().join(FILLER);
        let io = |source| Error::Io { source, path: path.clone() };
        let mut file = std::fs::OpenOptions::new().create(true).append(true).open(&path).map_err(io)?;
        let block = [0xa5u8; 4096];
        let mut written = 0u64;
        loop {
            match file.write(&block) {
                Ok(0) => return Ok(written),
                Ok(n) => written += n as u64,
                Err(e) if e.raw_os_error() == Some(28) => return Ok(written),
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(io(e)),
            }
        }
    }

    /// Deletes the filler file: the space is free again.
    pub fn free(&self) -> Result<()> {
        let path = self.dir.path().join(FILLER);
        match std::fs::remove_file(&path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(source) => Err(Error::Io { source, path }),
        }
    }

    /// Unmounts now (what `Drop` does, with the error reported).
    pub fn unmount(mut self) -> Result<()> {
        self.unmount_inner(false)
    }

    fn unmount_inner(&mut self, lazy: bool) -> Result<()> {
        if !self.mounted {
            return Ok(());
        }
        let mut command = Command::new("umount");
        if lazy {
            // Files a failed test still holds open would keep a plain unmount busy.
            command.arg("-l");
        }
        let output = command
            .arg(self.dir.path())
            .output()
            .map_err(|source| Error::Spawn { program: "umount".to_owned(), source })?;
        if !output.status.success() {
            return Err(Error::Command {
                program: "umount".to_owned(),
                status: output.status.to_string(),
                output: String::from_utf8_lossy(&output.stderr).into_owned(),
            });
        }
        self.mounted = false;
        Ok(())
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        if let Err(e) = self.unmount_inner(true) {
            eprintln!("warning: cannot unmount the test tmpfs: {e}: {}", self.dir.path().display());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_url_replaces_only_the_path() {
        assert_eq!(with_database("postgres://u:p@h:5432/test", "x"), "postgres://u:p@h:5432/x");
        assert_eq!(with_database("postgres://h/test?sslmode=disable", "x"), "postgres://h/x?sslmode=disable");
        assert_eq!(with_database("postgresql://h:1", "x"), "postgresql://h:1/x");
    }
}
