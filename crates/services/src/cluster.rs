//! A private PostgreSQL cluster.

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use crate::{Error, Result, free_port, output_text};

/// A private PostgreSQL cluster (initdb, trust auth, user `postgres`) listening on 127.0.0.1 at a free port,
/// on the same port and data across [`PgCluster::stop`], [`PgCluster::kill`] and [`PgCluster::restart`].
/// Stopped on `Drop`.
///
/// As root (which initdb and postgres refuse) the tools run as the `postgres` user. Each tool runs in a
/// process group of its own, so a Ctrl-C at the terminal stops the caller, not the database.
#[derive(Debug)]
pub struct PgCluster {
    bin: PathBuf,
    /// The cluster's directory: `data/`, `postgres.log`, the socket.
    dir: PathBuf,
    port: u16,
    running: bool,
    /// Run the tools as the `postgres` user.
    as_postgres: bool,
    /// Extra server settings.
    settings: &'static str,
    /// The temporary directory of [`PgCluster::start`]; last, so it is removed after the server is stopped.
    temp: Option<tempfile::TempDir>,
}

impl PgCluster {
    /// Creates a cluster in a temporary directory, removed on `Drop`, and starts it. Nothing on it has to
    /// survive a machine crash, so it runs with `fsync=off` and `full_page_writes=off` (a stop or kill of the
    /// server loses nothing committed either way).
    pub fn start() -> Result<PgCluster> {
        let temp = tempfile::Builder::new()
            .prefix("racecraft-pg-")
            .tempdir()
            .map_err(|source| Error::Io { source, path: std::env::temp_dir() })?;
        let dir = temp.path().to_path_buf();
        PgCluster::init(dir, "-c fsync=off -c full_page_writes=off", Some(temp))
    }

    /// Creates a cluster in `dir` (created here; it must not exist) with PostgreSQL's default settings, and
    /// starts it. On `Drop` the data is removed and the server log (`postgres.log`) kept.
    pub fn start_in(dir: &Path) -> Result<PgCluster> {
        std::fs::create_dir(dir).map_err(|source| Error::Io { source, path: dir.to_path_buf() })?;
        PgCluster::init(dir.to_path_buf(), "", None)
    }

    fn init(dir: PathBuf, settings: &'static str, temp: Option<tempfile::TempDir>) -> Result<PgCluster> {
        let as_postgres = is_root();
        if as_postgres {
            chown_to_postgres(&dir)?;
        }
        let mut pg = PgCluster { bin: pg_bin_dir(), dir, port: 0, running: false, as_postgres, settings, temp };
        let data = pg.data().display().to_string();
        pg.run("initdb", &["-D", &data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync"])?;
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

    /// The server's log file.
    pub fn log_path(&self) -> PathBuf {
        self.dir.join("postgres.log")
    }

    /// Whether the server is running (as far as this handle knows).
    pub fn is_running(&self) -> bool {
        self.running
    }

    /// Starts the server again after [`PgCluster::stop`] or [`PgCluster::kill`], on the same port and data.
    /// Returns once it accepts connections.
    pub fn restart(&mut self) -> Result<()> {
        let options =
            format!("-p {} -k {} -c listen_addresses=127.0.0.1 {}", self.port, self.dir.display(), self.settings);
        let data = self.data().display().to_string();
        let log = self.log_path();
        let log_arg = log.display().to_string();
        let started =
            self.run("pg_ctl", &["-D", &data, "-l", &log_arg, "-o", options.trim_end(), "-w", "-t", "30", "start"]);
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
        let data = self.data().display().to_string();
        self.run("pg_ctl", &["-D", &data, "-m", mode, "-w", "-t", "30", "stop"])?;
        self.running = false;
        Ok(())
    }

    fn data(&self) -> PathBuf {
        self.dir.join("data")
    }

    fn run(&self, tool: &str, args: &[&str]) -> Result<()> {
        let program = self.bin.join(tool);
        // An empty `bin` means PATH: a missing tool shows as a spawn error below.
        if !self.bin.as_os_str().is_empty() && !program.exists() {
            return Err(Error::PgToolMissing { tool: tool.to_owned(), path: program });
        }
        let mut command = if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&program);
            c
        } else {
            Command::new(&program)
        };
        // The cluster's own directory is where the tools may write; never the caller's working directory.
        command.args(args).current_dir(&self.dir).process_group(0);
        let output = command.output().map_err(|source| match source.kind() {
            std::io::ErrorKind::NotFound if !self.as_postgres => {
                Error::PgToolMissing { tool: tool.to_owned(), path: program.clone() }
            }
            _ => Error::Spawn { program: program.display().to_string(), source },
        })?;
        if output.status.success() {
            return Ok(());
        }
        Err(Error::Command {
            program: program.display().to_string(),
            status: output.status.to_string(),
            output: output_text(&output),
        })
    }
}

impl Drop for PgCluster {
    fn drop(&mut self) {
        if self.running
            && let Err(e) = self.kill()
        {
            eprintln!("warning: cannot stop the throwaway PostgreSQL cluster: {e}: {}", self.dir.display());
        }
        // A cluster in a caller's directory keeps its log there; a temporary one goes entirely.
        if self.temp.is_none() {
            let _ = std::fs::remove_dir_all(self.data());
        }
    }
}

/// Where initdb and pg_ctl are: `RACECRAFT_PG_BIN`, the newest `/usr/lib/postgresql/<major>/bin`,
/// `pg_config --bindir`, else `PATH` (an empty directory).
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
    PathBuf::new()
}

fn is_root() -> bool {
    static ROOT: OnceLock<bool> = OnceLock::new();
    *ROOT.get_or_init(|| id(&["-u"]) == Some(0))
}

/// `id ARGS` as a number (a uid or gid).
fn id(args: &[&str]) -> Option<u32> {
    let out = Command::new("id").args(args).output().ok()?;
    String::from_utf8_lossy(&out.stdout).trim().parse().ok()
}

fn chown_to_postgres(dir: &Path) -> Result<()> {
    let (Some(uid), Some(gid)) = (id(&["-u", "postgres"]), id(&["-g", "postgres"])) else {
        return Err(Error::NoPostgresUser { path: dir.to_path_buf() });
    };
    std::os::unix::fs::chown(dir, Some(uid), Some(gid)).map_err(|source| Error::Io { source, path: dir.to_path_buf() })
}
