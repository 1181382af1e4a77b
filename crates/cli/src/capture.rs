//! `racecraft capture`: read a running game and stream it to a server (or to a local one), optionally recording.

use std::net::{SocketAddr, ToSocketAddrs};
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use clap::{Args, ValueEnum};
use racecraft_agent::{Capture, CaptureConfig, F1_PORT, FORZA_PORT, JSON_PORT, OUTGAUGE_PORT, SourceConfig};

use crate::ServerArgs;

/// Which game to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CaptureGame {
    /// Watch every source below that needs no address and follow the first that delivers data.
    Auto,
    /// Assetto Corsa or ACC shared memory (the game's `Local\acpmf_*` mappings on Windows, `/dev/shm/acpmf_*`
    /// under Proton; `--shm-dir` to read files elsewhere).
    Ac,
    /// Same as `ac`: ACC is told apart from AC by the pages themselves.
    Acc,
    /// Assetto Corsa's UDP remote telemetry (the game listens on port 9996; `--host` for another PC).
    AcUdp,
    /// F1 23, F1 24, F1 25 UDP telemetry (listens on 0.0.0.0:20777; `--listen` to change).
    F1,
    /// Forza Motorsport 7 / 2023, Forza Horizon 4 / 5 Data Out (listens on 0.0.0.0:5300).
    Forza,
    /// OutGauge from Live for Speed or BeamNG (listens on 0.0.0.0:4444).
    Outgauge,
    /// One JSON object per datagram, as POST /api/ingest takes (listens on 0.0.0.0:20778).
    Json,
    /// iRacing's live telemetry (the simulator's own mapping on Windows; elsewhere a file, `--iracing-file`).
    Iracing,
}

/// Flags of `racecraft capture`.
#[derive(Debug, Args)]
pub struct CaptureArgs {
    /// The game to read.
    #[arg(long, value_enum, env = "RACECRAFT_GAME", default_value = "auto")]
    game: CaptureGame,
    /// Server to stream to; without it a local server is started (embedded database, see the serve flags).
    #[arg(long, env = "RACECRAFT_SERVER")]
    server: Option<String>,
    #[command(flatten)]
    token: crate::TokenArg,
    /// AC UDP: the PC the game runs on.
    #[arg(long, default_value = "127.0.0.1")]
    host: String,
    /// AC UDP: the game's port.
    #[arg(long, default_value_t = 9996)]
    port: u16,
    /// UDP games: the address to listen on [default: 0.0.0.0 and the game's usual port].
    #[arg(long)]
    listen: Option<SocketAddr>,
    /// Directory of the AC/ACC shared memory page files [Windows default: the game's own mappings].
    #[cfg_attr(not(windows), arg(long, env = "RACECRAFT_SHM_DIR", default_value = "/dev/shm"))]
    #[cfg_attr(windows, arg(long, env = "RACECRAFT_SHM_DIR"))]
    shm_dir: Option<PathBuf>,
    /// iRacing: a file holding the live telemetry memory [Windows default: the simulator's own mapping].
    #[arg(long, env = "RACECRAFT_IRACING_FILE")]
    iracing_file: Option<PathBuf>,
    /// F1: the car to follow while spectating (0..21) [default: the leader].
    #[arg(long)]
    car: Option<u8>,
    /// Also record each session to this `.rcr` file (later sessions get `-2`, `-3`, … before the extension).
    #[arg(long)]
    record: Option<PathBuf>,
    /// Keep the raw game packets in the recording, so a later decoder can re-read them.
    #[arg(long, requires = "record")]
    raw: bool,
    /// End the session after this many seconds without data.
    #[arg(long, default_value_t = 30.0)]
    idle_timeout: f64,
    /// Driver name for games that do not report one.
    #[arg(long, env = "RACECRAFT_DRIVER", default_value = "")]
    driver: String,
    /// The team the car races for, for the pit wall.
    #[arg(long, env = "RACECRAFT_TEAM", default_value = "")]
    team: String,
    /// The car's race number, for the pit wall: a team's sessions with the same number on the same track are
    /// one car's stints, so the next driver's capture continues the car (a driver swap).
    #[arg(long, env = "RACECRAFT_CAR_NUMBER", default_value = "")]
    car_number: String,
    /// Without `--server`: the address the local server listens on.
    #[arg(long, env = "RACECRAFT_LISTEN", default_value = "127.0.0.1:8080")]
    serve_on: SocketAddr,
    /// Without `--server`: the local server's data directory (see `racecraft serve --help`).
    #[arg(long, env = "RACECRAFT_DATA_DIR")]
    data_dir: Option<PathBuf>,
    /// Without `--server`: the local server's database URL (see `racecraft serve --help`).
    #[arg(long, env = "RACECRAFT_DB")]
    db: Option<String>,
}

impl CaptureArgs {
    /// Whether frames go to another server (without one, a local server runs in this process too).
    pub fn uses_remote_server(&self) -> bool {
        self.server.is_some()
    }
}

fn sources(args: &CaptureArgs) -> Result<Vec<SourceConfig>> {
    let listen = |port: u16| args.listen.unwrap_or_else(|| SocketAddr::from(([0, 0, 0, 0], port)));
    let f1_listen = listen(F1_PORT);
    let ac_udp = || -> Result<SourceConfig> {
        let game = (args.host.as_str(), args.port)
            .to_socket_addrs()
            .with_context(|| format!("resolving {}", args.host))?
            .next()
            .with_context(|| format!("{} has no address", args.host))?;
        Ok(SourceConfig::AcUdp { game })
    };
    Ok(match args.game {
        CaptureGame::Ac | CaptureGame::Acc => vec![ac_pages(args.shm_dir.as_ref())?],
        CaptureGame::AcUdp => vec![ac_udp()?],
        CaptureGame::F1 => vec![SourceConfig::F1 { listen: f1_listen, follow: args.car }],
        CaptureGame::Forza => vec![SourceConfig::Forza { listen: listen(FORZA_PORT) }],
        CaptureGame::Outgauge => vec![SourceConfig::OutGauge { listen: listen(OUTGAUGE_PORT) }],
        CaptureGame::Json => vec![SourceConfig::JsonUdp { listen: listen(JSON_PORT) }],
        CaptureGame::Iracing => match iracing(args.iracing_file.as_ref()) {
            Some(source) => vec![source],
            None => {
                bail!("--game iracing needs --iracing-file here (the simulator's own mapping exists only on Windows)")
            }
        },
        CaptureGame::Auto => {
            // --listen names one port, so with auto every UDP game listens on its usual port.
            anyhow::ensure!(args.listen.is_none(), "--listen needs a specific --game");
            let mut all = vec![
                ac_pages(args.shm_dir.as_ref())?,
                SourceConfig::F1 { listen: f1_listen, follow: args.car },
                SourceConfig::Forza { listen: listen(FORZA_PORT) },
                SourceConfig::OutGauge { listen: listen(OUTGAUGE_PORT) },
                SourceConfig::JsonUdp { listen: listen(JSON_PORT) },
                ac_udp()?,
            ];
            all.extend(iracing(args.iracing_file.as_ref()));
            all
        }
    })
}

/// AC/ACC shared memory: the page files in `dir`, or (Windows) the game's own named mappings.
fn ac_pages(dir: Option<&PathBuf>) -> Result<SourceConfig> {
    match dir {
        Some(dir) => Ok(SourceConfig::AcSharedMemory { dir: dir.clone() }),
        #[cfg(windows)]
        None => Ok(SourceConfig::AcMappings),
        #[cfg(not(windows))]
        None => bail!("--shm-dir is needed: AC's named mappings exist only on Windows"),
    }
}

/// iRacing's live memory: the file `file`, or (Windows) the simulator's own mapping; `None` without either.
fn iracing(file: Option<&PathBuf>) -> Option<SourceConfig> {
    match file {
        Some(path) => Some(SourceConfig::IracingMemory { path: path.clone() }),
        #[cfg(windows)]
        None => Some(SourceConfig::IracingMapping),
        #[cfg(not(windows))]
        None => None,
    }
}

/// Flags of `racecraft start`: the server's, and where to look for the games that are not found by port.
#[derive(Debug, Args)]
pub struct StartArgs {
    #[command(flatten)]
    server: ServerArgs,
    /// Do not open the default browser on the session list.
    #[arg(long, env = "RACECRAFT_NO_BROWSER")]
    no_browser: bool,
    /// Directory of the AC/ACC shared memory page files [Windows default: the game's own mappings].
    #[cfg_attr(not(windows), arg(long, env = "RACECRAFT_SHM_DIR", default_value = "/dev/shm"))]
    #[cfg_attr(windows, arg(long, env = "RACECRAFT_SHM_DIR"))]
    shm_dir: Option<PathBuf>,
    /// iRacing: a file holding the live telemetry memory [Windows default: the simulator's own mapping].
    #[arg(long, env = "RACECRAFT_IRACING_FILE")]
    iracing_file: Option<PathBuf>,
    /// Driver name for games that do not report one.
    #[arg(long, env = "RACECRAFT_DRIVER", default_value = "")]
    driver: String,
}

/// `racecraft start`: the local server, capture of any game, and the browser on the session list.
pub async fn start(args: StartArgs) -> Result<()> {
    let capture = CaptureArgs {
        game: CaptureGame::Auto,
        server: None,
        token: crate::TokenArg::default(),
        host: "127.0.0.1".to_string(),
        port: 9996,
        listen: None,
        shm_dir: args.shm_dir,
        iracing_file: args.iracing_file,
        car: None,
        record: None,
        raw: false,
        idle_timeout: 30.0,
        driver: args.driver,
        team: String::new(),
        car_number: String::new(),
        serve_on: args.server.listen,
        data_dir: None,
        db: None,
    };
    run(capture, Some(args.server), !args.no_browser).await
}

/// Runs until Ctrl-C, then delivers what is left (up to 30 s) and prints a summary.
pub async fn capture(args: CaptureArgs) -> Result<()> {
    let local = args.server.is_none().then(|| ServerArgs {
        listen: args.serve_on,
        data_dir: args.data_dir.clone(),
        db: args.db.clone(),
        public_url: None,
        allow_host: Vec::new(),
        allow_origin: Vec::new(),
        // The capture's own server is for this machine: local, and refused if --serve-on leaves loopback.
        auth: crate::AuthArg::Local,
        trust_proxy: false,
        tls_cert: None,
        tls_key: None,
        llm_url: None,
        llm_model: None,
    });
    run(args, local, false).await
}

/// Captures into `args.server`, or into a server started here with `local`'s flags.
async fn run(args: CaptureArgs, local: Option<ServerArgs>, open_browser: bool) -> Result<()> {
    anyhow::ensure!(args.idle_timeout > 0.0 && args.idle_timeout.is_finite(), "--idle-timeout must be positive");
    let local = match &local {
        Some(local) => Some(crate::start(crate::server_config(local)?).await?),
        None => None,
    };
    let server = args.server.clone().or_else(|| local.as_ref().map(|s| s.url())).context("no server")?;
    let mut config = CaptureConfig::new(sources(&args)?, server.clone());
    config.driver = args.driver.clone();
    config.team = args.team.clone();
    config.car_number = args.car_number.clone();
    config.token = args.token.token.clone();
    config.record = args.record.clone();
    config.record_raw = args.raw;
    config.idle_timeout = Duration::from_secs_f64(args.idle_timeout);
    // Watching every game: a port another program holds costs that one game, not the capture.
    config.skip_unbindable = args.game == CaptureGame::Auto;
    let tags: Vec<_> = config.sources.iter().map(SourceConfig::tag).collect();
    let capture = Capture::spawn(config).context("starting the capture")?;
    println!("Capturing {} → {server} (Ctrl-C to stop)", tags.join(", "));
    if local.is_some() {
        println!("Open {server} to watch live.");
    }
    if open_browser {
        // Detached: the browser outlives us, and a launcher that waits for it must not hold the capture up.
        if let Err(e) = open::that_detached(&server) {
            tracing::warn!(error = %e, "could not open a browser; open {server} yourself");
        }
    }
    let mut watch = capture.watch();
    let mut following = None;
    loop {
        tokio::select! {
            r = crate::stop_requested() => { r.context("waiting for Ctrl-C")?; break; }
            changed = watch.changed() => {
                if changed.is_err() { break; }
                let now = watch.borrow().following;
                if now != following {
                    match now {
                        Some(tag) => println!("Receiving {tag}."),
                        None => println!("Source silent; session ended. Waiting for the game."),
                    }
                    following = now;
                }
            }
        }
    }
    let stats = capture.stop(Duration::from_secs(30)).await.context("stopping the capture")?;
    println!(
        "Captured {} frames in {} session(s) {:?}; {} not decoded; {} undelivered.",
        stats.frames, stats.sessions_started, stats.sessions, stats.rejected, stats.undelivered
    );
    for path in &stats.recordings {
        println!("Recorded {}", path.display());
    }
    if let Some(server) = local {
        server.shutdown().await.context("shutting down")?;
    }
    Ok(())
}
