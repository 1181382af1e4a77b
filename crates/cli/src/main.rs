//! `racecraft`: the one binary. `start` runs the local server and captures any game into it, `serve` runs
//! the server alone, `simulate` drives a simulated car into a server through the agent, `demo` does both on
//! the embedded default.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result};
use clap::{Args, Parser, Subcommand};
use racecraft_core::time::now_ms;
use racecraft_server::{RunningServer, ServerConfig};
use racecraft_sim::{SimConfig, Simulation, Track};
use racecraft_uplink::{Agent, AgentConfig};

mod accounts;
mod analyze;
// Unix only: they start PostgreSQL clusters as another user, mount tmpfs and read /proc.
#[cfg(unix)]
mod bench;
mod capture;
#[cfg(unix)]
mod chaos;
mod decode;
mod files;
mod progress;
mod validate;
mod watch;

#[derive(Debug, Parser)]
#[command(name = "racecraft", version, about = "Sim-racing telemetry: capture, live, store, analyse.")]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Start the local server, capture any supported game into it and open the browser on the session list,
    /// until Ctrl-C (what a bare `racecraft` does when not run from a terminal, e.g. double-clicked).
    Start(capture::StartArgs),
    /// Run the server: ingest, live WebSocket fan-out, storage, REST API and web UI.
    Serve(ServerArgs),
    /// A team server's users: add one to a team (the first owner before the server starts), reset a password.
    User(accounts::UserArgs),
    /// A team server's agent tokens: create (for a team and driver), list, revoke.
    Token(accounts::TokenArgs),
    /// Drive a simulated car round a real circuit and stream it to a server.
    Simulate(SimulateArgs),
    /// Start the server on the embedded database and a simulated driver lapping Monza, until Ctrl-C.
    Demo(DemoArgs),
    #[cfg(unix)]
    /// Measure the hot paths, each beside a reference measured in the same run, and print one table.
    Bench(bench::BenchArgs),
    /// Summarize a recording: game, car, track, laps, duration, channels.
    Inspect(files::InspectArgs),
    /// Stream a recording into a server, paced like the original.
    Replay(files::ReplayArgs),
    /// Record a live session from a server into a `.rcr` file.
    Record(files::RecordArgs),
    /// Import a recording, iRacing `.ibt`, MoTeC `.ld` or CSV into a server's database as a session.
    Import(files::ImportArgs),
    /// Export a recording (or any importable file) as MoTeC `.ld` + `.ldx`, CSV or Parquet.
    Export(files::ExportArgs),
    /// Finish a recording a crash or a kill left open: keep every intact block, drop a torn tail, compact it.
    Compact(files::CompactArgs),
    /// Read a running game and stream it live to a server (a local one by default), optionally recording.
    Capture(capture::CaptureArgs),
    /// Decode raw game packets with the field names of the game's own specification.
    Decode(decode::DecodeArgs),
    /// Analyse a session: lap table, theoretical best, the corners to work on (or everything as JSON).
    Analyze(analyze::AnalyzeArgs),
    /// Compare one lap with another or the best: delta, loss per corner and straight, coaching.
    Compare(analyze::CompareArgs),
    /// Grade the analysis against the simulator's truth on every circuit: mistakes found, placed, typed and
    /// costed, false reports, corner counts against the official ones.
    Validate(validate::ValidateArgs),
    /// Serve Racecraft's analysis to an MCP client (desktop assistant, editor) on stdin/stdout: read-only tools
    /// for sessions, lap tables, corners and mistakes, lap comparison and channel windows, answered by a server.
    Mcp(McpArgs),
    #[cfg(unix)]
    /// Stream while killing the server, filling its disk and stopping its database; count frames sent,
    /// acknowledged and stored (needs root for a tmpfs).
    Chaos(chaos::ChaosArgs),
}

#[derive(Debug, Args)]
pub(crate) struct ServerArgs {
    /// Address to listen on. Anything beyond loopback (0.0.0.0, a LAN address) runs in team mode: sign-in
    /// required, and the server refuses to start until `racecraft user add` has made its first owner.
    #[arg(long, env = "RACECRAFT_LISTEN", default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// `team`: require sign-in even on loopback (behind a reverse proxy on this machine); `auto`: team when
    /// listening beyond loopback or with --trust-proxy; `local` only on loopback.
    #[arg(long, env = "RACECRAFT_AUTH", value_enum, default_value = "auto")]
    auth: AuthArg,
    /// Behind a reverse proxy: take the client's address from X-Forwarded-For (for sign-in throttling) and
    /// mark the login cookie Secure when --public-url is https. Implies team mode.
    #[arg(long, env = "RACECRAFT_TRUST_PROXY")]
    trust_proxy: bool,
    /// Serve HTTPS with this PEM certificate chain (and --tls-key); login cookies are then Secure.
    #[arg(long, env = "RACECRAFT_TLS_CERT", requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// The PEM private key of --tls-cert.
    #[arg(long, env = "RACECRAFT_TLS_KEY", requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// Turns on the coaching chat ("Ask" on a session's page) with this OpenAI-compatible endpoint, up to /v1:
    /// Ollama (http://127.0.0.1:11434/v1), llama.cpp's server, LM Studio, vLLM, OpenAI. The session's analysis
    /// and the questions are sent there; nothing is sent anywhere unless this is set. A key, if the endpoint
    /// wants one, goes in RACECRAFT_LLM_API_KEY.
    #[arg(long, env = "RACECRAFT_LLM_URL", requires = "llm_model")]
    llm_url: Option<String>,
    /// The model to ask at --llm-url (qwen2.5:7b, gpt-4o-mini, ...).
    #[arg(long, env = "RACECRAFT_LLM_MODEL", requires = "llm_url")]
    llm_model: Option<String>,
    /// Where the SQLite database and the storage spool live [default: $XDG_DATA_HOME/racecraft or
    /// ~/.local/share/racecraft; %LOCALAPPDATA%\Racecraft on Windows].
    #[arg(long, env = "RACECRAFT_DATA_DIR")]
    data_dir: Option<PathBuf>,
    /// Database URL: sqlite://PATH or postgres://USER@HOST/DB [default: SQLite in the data dir].
    #[arg(long, env = "RACECRAFT_DB")]
    db: Option<String>,
    /// The URL users reach the server by, if not the listen address (a LAN name, a reverse proxy): its host
    /// is served and its origin may write.
    #[arg(long, env = "RACECRAFT_PUBLIC_URL")]
    public_url: Option<String>,
    /// Another host name requests may carry (repeatable, or comma-separated). Loopback names, the listen
    /// address and IP literals of an all-interfaces listener are always served; other names are refused as
    /// DNS rebinding.
    #[arg(long, env = "RACECRAFT_ALLOW_HOST", value_delimiter = ',')]
    allow_host: Vec<String>,
    /// Another page origin allowed to write and open WebSockets (repeatable, or comma-separated), e.g.
    /// Vite's dev server `http://localhost:5173`. Requests without an Origin (agents, scripts) always are.
    #[arg(long, env = "RACECRAFT_ALLOW_ORIGIN", value_delimiter = ',')]
    allow_origin: Vec<String>,
}

/// `--token`: the agent token a team server asks of everything that streams.
#[derive(Debug, Clone, Default, Args)]
pub(crate) struct TokenArg {
    /// Agent token for a team server (`racecraft token create`); sent only to the server named.
    #[arg(long, env = "RACECRAFT_TOKEN", hide_env_values = true)]
    pub(crate) token: Option<String>,
}

/// `--auth`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum AuthArg {
    Auto,
    Local,
    Team,
}

#[derive(Debug, Clone, Args)]
struct SimArgs {
    /// A built-in circuit (Monza, Spa, Silverstone, ...) or the path of a centre-line CSV.
    #[arg(long, env = "RACECRAFT_TRACK", default_value = "Monza")]
    track: String,
    /// Sample rate, Hz (60–333).
    #[arg(long, env = "RACECRAFT_RATE", default_value_t = 60.0)]
    rate: f64,
    /// Time factor: 1 = real time, 4 = four times faster, 0 = as fast as possible.
    #[arg(long, env = "RACECRAFT_SPEED", default_value_t = 1.0)]
    speed: f64,
    /// Seed for the driver's lap-to-lap variation and mistakes.
    #[arg(long, env = "RACECRAFT_SEED", default_value_t = 1)]
    seed: u64,
    /// The team the simulated car races for.
    #[arg(long, default_value = "")]
    team: String,
    /// The car's race number: a team's sessions with the same number on the same track are one car's stints,
    /// so a second `simulate` with another `--driver` takes the car over (a driver swap).
    #[arg(long = "car", value_name = "NUMBER", default_value = "")]
    car_number: String,
    /// The driver's name.
    #[arg(long, default_value = "Sim Driver")]
    driver: String,
    /// Fuel in the tank at the start, litres.
    #[arg(long, value_name = "LITRES", default_value_t = 60.0)]
    fuel: f64,
    /// A pit stop at the end of lap LAP, adding LITRES of fuel and, with `:tyres`, fitting new tyres
    /// (e.g. `--pit 12:40:tyres`); repeat for more stops.
    #[arg(long = "pit", value_name = "LAP[:LITRES[:tyres]]", value_parser = parse_pit_stop)]
    pit_stops: Vec<racecraft_sim::PitStop>,
    /// Race against this many simulated opponents, sent as the race's field (a timing tower) twice a second
    /// [default: none; `demo`: 11].
    #[arg(long = "field", value_name = "CARS", value_parser = clap::value_parser!(u32).range(0..=60))]
    opponents: Option<u32>,
}

/// `LAP[:LITRES[:tyres]]` as a pit stop.
fn parse_pit_stop(text: &str) -> std::result::Result<racecraft_sim::PitStop, String> {
    let mut parts = text.split(':');
    let lap = parts.next().unwrap_or_default();
    let lap: u32 = lap.trim().parse().map_err(|_| format!("`{lap}` is not a lap number (LAP[:LITRES[:tyres]])"))?;
    let fuel_l = match parts.next() {
        None | Some("") => 0.0,
        Some(l) => l.trim().parse::<f64>().map_err(|_| format!("`{l}` is not a number of litres"))?,
    };
    let tyres = match parts.next() {
        None => false,
        Some("tyres" | "tires") => true,
        Some(other) => return Err(format!("`{other}`: the third part can only be `tyres`")),
    };
    if let Some(extra) = parts.next() {
        return Err(format!("`{extra}`: a pit stop is LAP[:LITRES[:tyres]]"));
    }
    Ok(racecraft_sim::PitStop { lap, fuel_l, tyres })
}

#[derive(Debug, Args)]
struct SimulateArgs {
    #[command(flatten)]
    sim: SimArgs,
    /// Laps to drive.
    #[arg(long, env = "RACECRAFT_LAPS", default_value_t = 3)]
    laps: u32,
    /// Write the ground truth (lap and sector times, mistakes and their cost) to this JSON file.
    #[arg(long, env = "RACECRAFT_TRUTH")]
    truth: Option<PathBuf>,
    /// Server to stream to; waited for (retrying) until it answers. Without it, the local server at
    /// `--serve-on`, and with `--record` only if it is running.
    #[arg(long, env = "RACECRAFT_SERVER")]
    server: Option<String>,
    #[command(flatten)]
    token: TokenArg,
    /// Without `--server`: the address a local `racecraft serve` listens on.
    #[arg(long, env = "RACECRAFT_LISTEN", default_value = "127.0.0.1:8080")]
    serve_on: SocketAddr,
    /// Also write the session to this recording (`.rcr`).
    #[arg(long)]
    record: Option<PathBuf>,
    /// Publish as this game instead of streaming to a server, for `racecraft capture` to read.
    #[arg(long = "as", value_enum)]
    as_game: Option<EmulatedGame>,
    /// `--as ac|acc`: directory for the `acpmf_*` page files [Windows default: the game's own mappings].
    #[cfg_attr(not(windows), arg(long, default_value = "/dev/shm"))]
    #[cfg_attr(windows, arg(long))]
    shm_dir: Option<PathBuf>,
    /// `--as iracing`: the `.ibt` file to play, row by row at its own rate (times `--speed`), as iRacing's live
    /// telemetry.
    #[arg(value_name = "FILE.ibt", required_if_eq("as_game", "iracing"))]
    ibt: Option<PathBuf>,
    /// `--as iracing`: write the live map to this file [Windows default: the simulator's own mapping and event].
    #[arg(long)]
    iracing_file: Option<PathBuf>,
    /// `--as ac-udp`: address to answer AC's UDP protocol on.
    #[arg(long, default_value = "127.0.0.1:9996")]
    listen: SocketAddr,
    /// `--as forza, forza-horizon, outgauge, json`: where to send the datagrams.
    #[arg(long, default_value = "127.0.0.1:5300")]
    to: SocketAddr,
}

/// Games the simulator can publish as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum EmulatedGame {
    /// Assetto Corsa shared memory pages.
    Ac,
    /// ACC shared memory pages.
    Acc,
    /// Assetto Corsa's UDP remote telemetry server.
    AcUdp,
    /// Forza Motorsport 2023 Data Out, Dash layout (331 bytes).
    Forza,
    /// Forza Horizon 4/5 Data Out (324 bytes).
    ForzaHorizon,
    /// OutGauge with the ID field (96 bytes).
    Outgauge,
    /// JSON over UDP.
    Json,
    /// iRacing's live telemetry memory, played from an `.ibt` file.
    Iracing,
}

#[derive(Debug, Args)]
struct McpArgs {
    /// The Racecraft server whose data the tools read.
    #[arg(long, env = "RACECRAFT_SERVER", default_value = "http://127.0.0.1:8080")]
    server: String,
    /// On a team server: sign in as this user (password from RACECRAFT_PASSWORD); the tools then read what the
    /// user may read.
    #[arg(long, env = "RACECRAFT_USER")]
    user: Option<String>,
}

#[derive(Debug, Args)]
struct DemoArgs {
    #[command(flatten)]
    server: ServerArgs,
    #[command(flatten)]
    sim: SimArgs,
    /// Laps per simulated session; a new session starts when one ends.
    #[arg(long, env = "RACECRAFT_LAPS", default_value_t = 10)]
    laps: u32,
}

fn main() -> Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    match cli.command {
        Some(command) => run(command),
        None => bare(),
    }
}

/// Runs one command on a runtime shaped for it.
fn run(command: Command) -> Result<()> {
    // The capture agent is one polling thread and a few tasks: one runtime thread saves a cross-thread wake-up
    // per frame (at 333 Hz, most of its CPU). Everything else gets a worker per core.
    let runtime = match &command {
        Command::Capture(args) if args.uses_remote_server() => tokio::runtime::Builder::new_current_thread(),
        _ => tokio::runtime::Builder::new_multi_thread(),
    }
    .enable_all()
    .build()
    .context("starting the runtime")?;
    runtime.block_on(async move {
        match command {
            Command::Start(args) => capture::start(args).await,
            Command::Serve(args) => serve(args).await,
            Command::Simulate(args) => simulate(args).await,
            Command::Demo(args) => demo(args).await,
            #[cfg(unix)]
            Command::Bench(args) => bench::bench(args).await,
            Command::Inspect(args) => files::inspect(args),
            Command::Replay(args) => files::replay(args).await,
            Command::Record(args) => files::record(args).await,
            Command::Import(args) => files::import(args).await,
            Command::Export(args) => files::export(args),
            Command::Compact(args) => files::compact(args),
            Command::Decode(args) => decode::decode(args),
            Command::Capture(args) => capture::capture(args).await,
            Command::Analyze(args) => analyze::analyze(args),
            Command::Compare(args) => analyze::compare(args),
            Command::Validate(args) => validate::validate(args),
            Command::User(args) => accounts::user(args).await,
            Command::Token(args) => accounts::token(args).await,
            Command::Mcp(args) => {
                let password = match &args.user {
                    Some(user) => Some(std::env::var("RACECRAFT_PASSWORD").with_context(|| {
                        format!("--user {user} needs the password in the environment variable RACECRAFT_PASSWORD")
                    })?),
                    None => None,
                };
                let login = args.user.as_deref().zip(password.as_deref());
                racecraft_mcp::serve_stdio(&args.server, login).await.context("MCP server")
            }
            #[cfg(unix)]
            Command::Chaos(args) => chaos::chaos(args).await,
        }
    })
}

/// A bare `racecraft`: help for someone at a terminal, `start` for a double-click or a desktop launcher.
fn bare() -> Result<()> {
    if !launched_without_a_terminal() {
        use clap::CommandFactory as _;
        Cli::command().print_help()?;
        return Ok(());
    }
    let start = Cli::try_parse_from(["racecraft", "start"])?.command.context("`start` is a command")?;
    run(start)
}

/// Whether nobody started us from a terminal. A desktop launcher gives the program neither a terminal to read
/// from nor one to write to. On Windows a double-click does give it a console, but one made for it alone, whereas
/// a console opened from cmd or PowerShell also holds the shell.
fn launched_without_a_terminal() -> bool {
    use std::io::IsTerminal as _;
    #[cfg(windows)]
    if windows_console::ours_alone() {
        return true;
    }
    !std::io::stdin().is_terminal() && !std::io::stdout().is_terminal()
}

#[cfg(windows)]
#[allow(unsafe_code)] // One call into kernel32 with a buffer it fills; nothing is kept.
mod windows_console {
    /// Whether this process is the only one attached to its console.
    pub(crate) fn ours_alone() -> bool {
        let mut pids = [0u32; 2];
        // SAFETY: `pids` is valid for writes of the `pids.len()` process ids passed beside it.
        let attached =
            unsafe { windows_sys::Win32::System::Console::GetConsoleProcessList(pids.as_mut_ptr(), pids.len() as u32) };
        attached == 1
    }
}

/// Resolves on Ctrl-C, and on Windows also when the console window is closed (Windows then allows a few
/// seconds to finish, enough to store what was captured).
pub(crate) async fn stop_requested() -> std::io::Result<()> {
    #[cfg(windows)]
    {
        let mut close = tokio::signal::windows::ctrl_close()?;
        tokio::select! {
            r = tokio::signal::ctrl_c() => r,
            _ = close.recv() => Ok(()),
        }
    }
    #[cfg(not(windows))]
    tokio::signal::ctrl_c().await
}

pub(crate) fn server_config(args: &ServerArgs) -> Result<ServerConfig> {
    let data_dir = match &args.data_dir {
        Some(d) => d.clone(),
        None => default_data_dir()?,
    };
    let mut config = ServerConfig::new(args.listen, data_dir);
    config.db = args.db.clone();
    config.auth.mode = match args.auth {
        AuthArg::Local => racecraft_server::AuthMode::Local,
        AuthArg::Team => racecraft_server::AuthMode::Team,
        AuthArg::Auto if args.trust_proxy => racecraft_server::AuthMode::Team,
        AuthArg::Auto => config.auth.mode,
    };
    config.auth.trust_proxy = args.trust_proxy;
    if let (Some(cert), Some(key)) = (&args.tls_cert, &args.tls_key) {
        config.tls = Some(racecraft_server::TlsFiles { cert: cert.clone(), key: key.clone() });
    }
    if let (Some(url), Some(model)) = (&args.llm_url, &args.llm_model) {
        let key = std::env::var("RACECRAFT_LLM_API_KEY").ok();
        config.chat = Some(racecraft_chat::Endpoint::new(url, model, key).context("--llm-url")?);
    }
    config.auth.secure_cookies = args.public_url.as_deref().is_some_and(|u| u.starts_with("https://"));
    for host in &args.allow_host {
        config.access = config.access.allow_host(host)?;
    }
    for origin in args.public_url.iter().chain(&args.allow_origin) {
        config.access = config.access.allow_origin(origin)?;
    }
    Ok(config)
}

/// The data directory when `--data-dir` is not given, for this platform and environment.
pub(crate) fn default_data_dir() -> Result<PathBuf> {
    data_dir_from(cfg!(windows), |name| std::env::var_os(name)).context(if cfg!(windows) {
        "no %LOCALAPPDATA% to put the data directory in; pass --data-dir"
    } else {
        "no HOME to put the data directory in; pass --data-dir"
    })
}

/// `%LOCALAPPDATA%\Racecraft` on Windows (per user, not roamed: a telemetry database is machine-local), the XDG
/// data home elsewhere. Variables are read through `var` so both platforms' choices are tested everywhere.
fn data_dir_from(windows: bool, var: impl Fn(&str) -> Option<std::ffi::OsString>) -> Option<PathBuf> {
    let var = |name: &str| var(name).filter(|v| !v.is_empty());
    if windows {
        return var("LOCALAPPDATA").map(|appdata| PathBuf::from(appdata).join("Racecraft"));
    }
    if let Some(xdg) = var("XDG_DATA_HOME") {
        return Some(PathBuf::from(xdg).join("racecraft"));
    }
    if let Some(appdata) = var("LOCALAPPDATA") {
        return Some(PathBuf::from(appdata).join("racecraft"));
    }
    var("HOME").map(|home| Path::new(&home).join(".local/share/racecraft"))
}

pub(crate) async fn start(config: ServerConfig) -> Result<RunningServer> {
    let db = config.db_url();
    let server = match RunningServer::start(config).await {
        Ok(server) => server,
        // The address is the whole story; the database is not involved.
        Err(e @ racecraft_server::StartError::Listen { .. }) => return Err(e.into()),
        Err(e) => return Err(e).with_context(|| format!("starting the server on {db}")),
    };
    tracing::info!(url = %server.url(), "racecraft server listening");
    Ok(server)
}

async fn serve(args: ServerArgs) -> Result<()> {
    let server = start(server_config(&args)?).await?;
    println!("Racecraft is serving at {}", server.url());
    stop_requested().await.context("waiting for Ctrl-C")?;
    server.shutdown().await.context("shutting down")?;
    Ok(())
}

fn load_track(name: &str) -> Result<Track> {
    let path = Path::new(name);
    if path.extension().is_some_and(|e| e.eq_ignore_ascii_case("csv")) || path.exists() {
        return Track::from_csv_path(path).with_context(|| format!("loading track {}", path.display()));
    }
    Track::builtin(name)
        .with_context(|| format!("unknown track `{name}`; built-in tracks: {}", Track::builtin_names().join(", ")))
}

fn simulation(sim: &SimArgs, laps: u32) -> Result<Simulation> {
    anyhow::ensure!((60.0..=333.0).contains(&sim.rate), "--rate must be between 60 and 333 Hz, not {}", sim.rate);
    anyhow::ensure!(sim.speed >= 0.0 && sim.speed.is_finite(), "--speed must be 0 (as fast as possible) or positive");
    anyhow::ensure!(laps >= 1, "--laps must be at least 1");
    let track = load_track(&sim.track)?;
    anyhow::ensure!(sim.fuel >= 0.0 && sim.fuel.is_finite(), "--fuel must be zero or more litres, not {}", sim.fuel);
    let config = SimConfig {
        laps,
        rate_hz: sim.rate,
        seed: sim.seed,
        team: sim.team.clone(),
        car_number: sim.car_number.clone(),
        driver_name: sim.driver.clone(),
        car: racecraft_sim::Car { fuel_start_l: sim.fuel, ..racecraft_sim::Car::default() },
        pit_stops: sim.pit_stops.clone(),
        ..SimConfig::default()
    };
    Simulation::new(track, config).context("building the simulation")
}

/// Simulated opponents of the demo's driver.
const DEMO_OPPONENTS: u32 = 11;

/// How often a simulated race's field is sent, in session time.
const FIELD_EVERY_US: i64 = 500_000;

/// Streams a simulation through an agent, paced by `speed`, with the field of `opponents` simulated cars;
/// returns the session id.
async fn drive(simulation: &Simulation, server: &str, token: Option<&str>, speed: f64, opponents: u32) -> Result<i64> {
    let meta = simulation.meta(now_ms());
    let config = AgentConfig { token: token.map(str::to_owned), ..AgentConfig::new(server, meta) };
    let agent = Agent::spawn(config).context("starting the agent")?;
    let started = tokio::time::Instant::now();
    let mut next_field_us = 0;
    for frame in simulation.frames() {
        if speed > 0.0 {
            let due = started + Duration::from_secs_f64(frame.t_us as f64 * 1e-6 / speed);
            tokio::time::sleep_until(due).await;
        }
        if opponents > 0 && frame.t_us >= next_field_us {
            agent.field(simulation.field_at(opponents, frame.t_us));
            next_field_us = frame.t_us + FIELD_EVERY_US;
        }
        agent.push(frame);
    }
    let stats = agent.finish(None).await.context("delivering the session")?;
    stats.session_id.context("the server never assigned a session id")
}

async fn simulate(args: SimulateArgs) -> Result<()> {
    if args.as_game == Some(EmulatedGame::Iracing) {
        let published = tokio::task::block_in_place(|| emulate_iracing(&args))?;
        println!("Published {published} rows as iRacing.");
        return Ok(());
    }
    let simulation = simulation(&args.sim, args.laps)?;
    if let Some(path) = &args.truth {
        simulation.truth().write_json(path).with_context(|| format!("writing ground truth to {}", path.display()))?;
    }
    let truth = simulation.truth();
    let server = match &args.server {
        Some(url) => url.clone(),
        None => local_url(args.serve_on),
    };
    println!(
        "Simulating {} laps of {} ({:.0} m) at {} Hz, speed x{} → {}",
        args.laps, truth.track, truth.length_m, args.sim.rate, args.sim.speed, server
    );
    if let Some(path) = &args.record {
        write_recording(&simulation, path)?;
    }
    if let Some(game) = args.as_game {
        let published = tokio::task::block_in_place(|| emulate(&simulation, game, &args))?;
        println!("Published {published} frames as {game:?}.");
        return Ok(());
    }
    if !reachable(&server).await {
        match (&args.server, &args.record) {
            // Asked for by name: it may be on its way up; the agent retries until it answers.
            (Some(_), _) => {
                eprintln!("No server answers at {server} yet; retrying until it does (Ctrl-C to stop).")
            }
            (None, Some(path)) => {
                println!(
                    "No server is running at {server}: nothing was streamed; the recording is complete: {}",
                    path.display()
                );
                return Ok(());
            }
            (None, None) => anyhow::bail!(
                "no server is running at {server}: start one with `racecraft serve` (or run `racecraft demo`), \
                 name one with --server, or write the session to a file with --record"
            ),
        }
    }
    let session =
        drive(&simulation, &server, args.token.token.as_deref(), args.sim.speed, args.sim.opponents.unwrap_or(0))
            .await?;
    for lap in &truth.laps {
        println!("  lap {:>2}  {}", lap.lap_number, format_lap(lap.lap_time_s));
    }
    println!("Session {session} stored.");
    Ok(())
}

/// The URL of a local server listening on `addr` (an all-interfaces listener is reached on loopback).
fn local_url(addr: SocketAddr) -> String {
    let mut addr = addr;
    if addr.ip().is_unspecified() {
        let loopback: std::net::IpAddr =
            if addr.is_ipv4() { std::net::Ipv4Addr::LOCALHOST.into() } else { std::net::Ipv6Addr::LOCALHOST.into() };
        addr.set_ip(loopback);
    }
    format!("http://{addr}")
}

/// Whether something accepts TCP connections at the server URL's host and port (within a few seconds). A
/// malformed URL counts as reachable: the agent then says what is wrong with it.
async fn reachable(server: &str) -> bool {
    let Some((host, port)) = host_port(server) else { return true };
    let connect = tokio::net::TcpStream::connect((host.as_str(), port));
    matches!(tokio::time::timeout(Duration::from_secs(3), connect).await, Ok(Ok(_)))
}

/// Host and port of an `http(s)://` or `ws(s)://` URL (the scheme's port when none is given).
fn host_port(server: &str) -> Option<(String, u16)> {
    let (scheme, rest) = server.split_once("://")?;
    let default_port = match scheme.to_ascii_lowercase().as_str() {
        "http" | "ws" => 80,
        "https" | "wss" => 443,
        _ => return None,
    };
    let authority = rest.split(['/', '?', '#']).next()?;
    let authority = authority.rsplit_once('@').map_or(authority, |(_, a)| a);
    let (host, port) = match authority.strip_prefix('[') {
        Some(v6) => {
            let (host, after) = v6.split_once(']')?;
            (host, after.strip_prefix(':'))
        }
        None => match authority.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        },
    };
    let port = match port {
        Some(p) => p.parse().ok()?,
        None => default_port,
    };
    (!host.is_empty()).then(|| (host.to_string(), port))
}

/// Publishes the simulation the way `game` does, paced by `--speed`; returns the frames published.
fn emulate(simulation: &Simulation, game: EmulatedGame, args: &SimulateArgs) -> Result<u64> {
    use racecraft_capture::assetto_corsa::Game;
    use racecraft_emulator::udp::{DatagramGame, DatagramSender};
    let meta = simulation.meta(now_ms());
    let speed = args.sim.speed;
    let frames = simulation.frames();
    let datagrams = |kind: DatagramGame| -> Result<u64> {
        println!("Sending {kind:?} datagrams to {}", args.to);
        let mut sender = DatagramSender::new(kind, args.to)?;
        Ok(racecraft_emulator::play(frames.clone(), speed, |f| sender.publish(f))?)
    };
    match game {
        EmulatedGame::Ac | EmulatedGame::Acc => {
            use racecraft_emulator::ac_shm::SharedMemoryWriter;
            let game = if game == EmulatedGame::Acc { Game::Acc } else { Game::AssettoCorsa };
            let mut writer = match &args.shm_dir {
                Some(dir) => SharedMemoryWriter::create(dir, game, &meta)
                    .with_context(|| format!("creating the page files in {}", dir.display()))?,
                #[cfg(windows)]
                None => SharedMemoryWriter::create_named(game, &meta).context("creating the game's mappings")?,
                #[cfg(not(windows))]
                None => anyhow::bail!("--shm-dir is needed: AC's named mappings exist only on Windows"),
            };
            println!("Writing {game:?} shared memory pages in {}", writer.location());
            let published = racecraft_emulator::play(frames, speed, |f| writer.publish(f))?;
            writer.remove()?;
            Ok(published)
        }
        EmulatedGame::AcUdp => {
            let mut server = racecraft_emulator::ac_udp::AcUdpServer::bind(args.listen, meta)
                .with_context(|| format!("binding {}", args.listen))?;
            println!("Answering AC's UDP protocol on {}; waiting for a client", server.local_addr()?);
            while server.subscribers() == 0 {
                server.serve_requests()?;
                std::thread::sleep(Duration::from_millis(10));
            }
            Ok(racecraft_emulator::play(frames, speed, |f| server.publish(f))?)
        }
        EmulatedGame::Forza => datagrams(DatagramGame::Forza(racecraft_capture::forza::Format::Fm2023Dash)),
        EmulatedGame::ForzaHorizon => datagrams(DatagramGame::Forza(racecraft_capture::forza::Format::HorizonDash)),
        EmulatedGame::Outgauge => datagrams(DatagramGame::OutGauge { with_id: true }),
        EmulatedGame::Json => datagrams(DatagramGame::Json),
        EmulatedGame::Iracing => anyhow::bail!("--as iracing plays an .ibt file, not the simulation"),
    }
}

/// `simulate --as iracing FILE.ibt`: the file's rows published as the simulator's live map, at the file's tick
/// rate times `--speed`; returns the rows published.
fn emulate_iracing(args: &SimulateArgs) -> Result<u64> {
    use racecraft_emulator::iracing::LiveMapWriter;
    let path = args.ibt.as_ref().context("--as iracing needs the .ibt file to play")?;
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let tick_rate = racecraft_capture::iracing::Header::parse(&bytes)
        .with_context(|| format!("reading {}", path.display()))?
        .tick_rate
        .max(1);
    let mut writer = match &args.iracing_file {
        Some(map) => LiveMapWriter::create(map, &bytes).with_context(|| format!("creating {}", map.display()))?,
        #[cfg(windows)]
        None => LiveMapWriter::create_named(&bytes).context("creating iRacing's mapping")?,
        #[cfg(not(windows))]
        None => anyhow::bail!("--iracing-file is needed: iRacing's named mapping exists only on Windows"),
    };
    println!(
        "Publishing {} rows of {} as iRacing's live telemetry in {}",
        writer.rows(),
        path.display(),
        writer.location()
    );
    let row_us = 1_000_000 / i64::from(tick_rate);
    let rows = (0..writer.rows()).map(|i| racecraft_core::Frame::new(i as i64 * row_us));
    let mut index = 0;
    Ok(racecraft_emulator::play(rows, args.sim.speed, |_| {
        writer.publish(index)?;
        index += 1;
        Ok(())
    })?)
}

/// Writes a whole simulated session, with its laps, to a recording.
fn write_recording(simulation: &Simulation, path: &Path) -> Result<()> {
    let meta = simulation.meta(now_ms());
    let mut writer = racecraft_record::RecordingWriter::create(path, &meta)
        .with_context(|| format!("creating {}", path.display()))?;
    let mut tracker = racecraft_core::LapTracker::new();
    for frame in simulation.frames() {
        if let Some(lap) = tracker.push(&frame) {
            writer.lap(&racecraft_record::LapMarker::from(&lap))?;
        }
        writer.push(frame)?;
    }
    writer.finish().with_context(|| format!("finishing {}", path.display()))?;
    Ok(())
}

async fn demo(args: DemoArgs) -> Result<()> {
    let server = start(server_config(&args.server)?).await?;
    let url = server.url();
    println!("Racecraft demo: open {url} (Ctrl-C to stop)");
    let sim = args.sim;
    let laps = args.laps;
    let driving = async {
        let mut seed = sim.seed;
        loop {
            let simulation = simulation(&SimArgs { seed, ..sim.clone() }, laps)?;
            drive(&simulation, &url, None, sim.speed, sim.opponents.unwrap_or(DEMO_OPPONENTS)).await?;
            seed += 1;
        }
        #[allow(unreachable_code)]
        Ok::<(), anyhow::Error>(())
    };
    tokio::select! {
        r = driving => r?,
        r = stop_requested() => r.context("waiting for Ctrl-C")?,
    }
    server.shutdown().await.context("shutting down")?;
    Ok(())
}

pub(crate) fn format_lap(s: f64) -> String {
    let ms = (s * 1000.0).round() as u64;
    format!("{}:{:02}.{:03}", ms / 60_000, ms / 1000 % 60, ms % 1000)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn server_urls_give_host_and_port() {
        let hp = |s: &str| host_port(s);
        assert_eq!(hp("http://127.0.0.1:8080"), Some(("127.0.0.1".into(), 8080)));
        assert_eq!(hp("https://racecraft.example/x"), Some(("racecraft.example".into(), 443)));
        assert_eq!(hp("ws://user@[::1]:9000/ws"), Some(("::1".into(), 9000)));
        assert_eq!(hp("http://[::1]"), Some(("::1".into(), 80)));
        assert_eq!(hp("ftp://host"), None);
        assert_eq!(hp("localhost:8080"), None);
        assert_eq!(local_url("0.0.0.0:8080".parse().expect("addr")), "http://127.0.0.1:8080");
    }

    /// Every `(--flag, RACECRAFT_VAR)` pair of the command tree.
    fn env_flags(cmd: &clap::Command, out: &mut std::collections::BTreeSet<(String, String)>) {
        for arg in cmd.get_arguments() {
            if let (Some(long), Some(env)) = (arg.get_long(), arg.get_env()) {
                out.insert((format!("--{long}"), env.to_string_lossy().into_owned()));
            }
        }
        for sub in cmd.get_subcommands() {
            env_flags(sub, out);
        }
    }

    #[test]
    fn the_readme_lists_exactly_the_flags_that_have_an_environment_variable() {
        let readme = include_str!("../../../README.md");
        let section = readme.split("## Configuration").nth(1).expect("a Configuration section");
        let section = section.split("\n## ").next().unwrap_or(section);
        let documented: std::collections::BTreeSet<(String, String)> = section
            .lines()
            .filter_map(|line| {
                let cells: Vec<&str> = line.split('|').map(|c| c.trim().trim_matches('`')).collect();
                (cells.len() > 3 && cells[1].starts_with("--") && cells[2].starts_with("RACECRAFT_"))
                    .then(|| (cells[1].to_string(), cells[2].to_string()))
            })
            .collect();
        let mut declared = std::collections::BTreeSet::new();
        env_flags(&Cli::command(), &mut declared);
        assert!(!declared.is_empty());
        let undocumented: Vec<_> = declared.difference(&documented).collect();
        let unreal: Vec<_> = documented.difference(&declared).collect();
        assert!(undocumented.is_empty(), "flags with a variable missing from the README's table: {undocumented:?}");
        assert!(unreal.is_empty(), "README rows naming a variable the flag does not have: {unreal:?}");
    }

    #[test]
    fn the_data_dir_is_local_app_data_on_windows_and_xdg_elsewhere() {
        let env = |vars: &'static [(&'static str, &'static str)]| {
            move |name: &str| vars.iter().find(|(k, _)| *k == name).map(|(_, v)| std::ffi::OsString::from(v))
        };
        let all = env(&[
            ("LOCALAPPDATA", r"C:\Users\ana\AppData\Local"),
            ("XDG_DATA_HOME", "/home/ana/.data"),
            ("HOME", "/home/ana"),
        ]);
        assert_eq!(data_dir_from(true, all), Some(Path::new(r"C:\Users\ana\AppData\Local").join("Racecraft")));
        assert_eq!(data_dir_from(false, all), Some(PathBuf::from("/home/ana/.data/racecraft")));
        let home = env(&[("HOME", "/home/ana"), ("XDG_DATA_HOME", "")]);
        assert_eq!(data_dir_from(false, home), Some(PathBuf::from("/home/ana/.local/share/racecraft")));
        // Windows has no HOME convention to fall back on: without %LOCALAPPDATA% the user names one.
        assert_eq!(data_dir_from(true, home), None);
        assert_eq!(data_dir_from(false, env(&[])), None);
    }

    #[test]
    fn lap_format() {
        assert_eq!(format_lap(85.1234), "1:25.123");
        assert_eq!(format_lap(59.9996), "1:00.000");
    }
}
