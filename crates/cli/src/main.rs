//! `racecraft`: the one binary. `serve` runs the server, `simulate` drives a simulated car into a server
//! through the agent, `demo` does both on the embedded default.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result};
use clap::{Args, Parser, Subcommand};
use racecraft_agent::{Agent, AgentConfig};
use racecraft_server::{RunningServer, ServerConfig};
use racecraft_sim::{SimConfig, Simulation, Track};

#[derive(Debug, Parser)]
#[command(name = "racecraft", version, about = "Sim-racing telemetry: capture, live, store, analyse.")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the server: ingest, live WebSocket fan-out, storage, REST API and web UI.
    Serve(ServerArgs),
    /// Drive a simulated car round a real circuit and stream it to a server.
    Simulate(SimulateArgs),
    /// Start the server on the embedded database and a simulated driver lapping Monza, until Ctrl-C.
    Demo(DemoArgs),
    /// Measure the hot paths, each beside a reference measured in the same run, and print one table.
    Bench(BenchArgs),
}

#[derive(Debug, Args)]
struct BenchArgs {
    /// Run only these groups (comma-separated): latency, ingest, storage, memory.
    #[arg(long, value_delimiter = ',')]
    only: Vec<String>,
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
    /// Tiny sizes: checks that everything runs, measures nothing worth reporting.
    #[arg(long)]
    smoke: bool,
    /// Pin the server process of the latency runs to these cores (a `taskset` list, e.g. `0`); run the bench
    /// itself on the others (`taskset -c 1 racecraft bench --server-cpus 0`).
    #[arg(long)]
    server_cpus: Option<String>,
}

#[derive(Debug, Args)]
struct ServerArgs {
    /// Address to listen on. Access control comes later, so the default stays on loopback.
    #[arg(long, env = "RACECRAFT_LISTEN", default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// Where the SQLite database and the storage spool live [default: $XDG_DATA_HOME/racecraft or ~/.local/share/racecraft].
    #[arg(long, env = "RACECRAFT_DATA_DIR")]
    data_dir: Option<PathBuf>,
    /// Database URL: sqlite://PATH or postgres://USER@HOST/DB [default: SQLite in the data dir].
    #[arg(long, env = "RACECRAFT_DB")]
    db: Option<String>,
}

#[derive(Debug, Args)]
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
    /// Server to stream to.
    #[arg(long, env = "RACECRAFT_SERVER", default_value = "http://127.0.0.1:8080")]
    server: String,
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
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().context("starting the runtime")?;
    runtime.block_on(async move {
        match cli.command {
            Command::Serve(args) => serve(args).await,
            Command::Simulate(args) => simulate(args).await,
            Command::Demo(args) => demo(args).await,
            Command::Bench(args) => bench(args).await,
        }
    })
}

fn server_config(args: &ServerArgs) -> Result<ServerConfig> {
    let data_dir = match &args.data_dir {
        Some(d) => d.clone(),
        None => default_data_dir()?,
    };
    let mut config = ServerConfig::new(args.listen, data_dir);
    config.db = args.db.clone();
    Ok(config)
}

fn default_data_dir() -> Result<PathBuf> {
    if let Some(xdg) = std::env::var_os("XDG_DATA_HOME").filter(|v| !v.is_empty()) {
        return Ok(PathBuf::from(xdg).join("racecraft"));
    }
    if let Some(appdata) = std::env::var_os("LOCALAPPDATA").filter(|v| !v.is_empty()) {
        return Ok(PathBuf::from(appdata).join("racecraft"));
    }
    let home = std::env::var_os("HOME").context("no HOME to put the data directory in; pass --data-dir")?;
    Ok(Path::new(&home).join(".local/share/racecraft"))
}

async fn start(config: ServerConfig) -> Result<RunningServer> {
    let db = config.db_url();
    let server = RunningServer::start(config).await.with_context(|| format!("starting the server on {db}"))?;
    tracing::info!(url = %server.url(), "racecraft server listening");
    Ok(server)
}

async fn serve(args: ServerArgs) -> Result<()> {
    let server = start(server_config(&args)?).await?;
    println!("Racecraft is serving at {}", server.url());
    tokio::signal::ctrl_c().await.context("waiting for Ctrl-C")?;
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
    let config = SimConfig { laps, rate_hz: sim.rate, seed: sim.seed, ..SimConfig::default() };
    Simulation::new(track, config).context("building the simulation")
}

/// Streams a simulation through an agent, paced by `speed`; returns the session id.
async fn drive(simulation: &Simulation, server: &str, speed: f64) -> Result<i64> {
    let meta = simulation.meta(now_ms());
    let agent = Agent::spawn(AgentConfig::new(server, meta)).context("starting the agent")?;
    let started = tokio::time::Instant::now();
    for frame in simulation.frames() {
        if speed > 0.0 {
            let due = started + Duration::from_secs_f64(frame.t_us as f64 * 1e-6 / speed);
            tokio::time::sleep_until(due).await;
        }
        agent.push(frame);
    }
    let stats = agent.finish(None).await.context("delivering the session")?;
    stats.session_id.context("the server never assigned a session id")
}

async fn simulate(args: SimulateArgs) -> Result<()> {
    let simulation = simulation(&args.sim, args.laps)?;
    if let Some(path) = &args.truth {
        simulation.truth().write_json(path).with_context(|| format!("writing ground truth to {}", path.display()))?;
    }
    let truth = simulation.truth();
    println!(
        "Simulating {} laps of {} ({:.0} m) at {} Hz, speed x{} → {}",
        args.laps, truth.track, truth.length_m, args.sim.rate, args.sim.speed, args.server
    );
    let session = drive(&simulation, &args.server, args.sim.speed).await?;
    for lap in &truth.laps {
        println!("  lap {:>2}  {}", lap.lap_number, format_lap(lap.lap_time_s));
    }
    println!("Session {session} stored.");
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
            let simulation = simulation(&SimArgs { seed, ..clone_sim(&sim) }, laps)?;
            drive(&simulation, &url, sim.speed).await?;
            seed += 1;
        }
        #[allow(unreachable_code)]
        Ok::<(), anyhow::Error>(())
    };
    tokio::select! {
        r = driving => r?,
        r = tokio::signal::ctrl_c() => r.context("waiting for Ctrl-C")?,
    }
    server.shutdown().await.context("shutting down")?;
    Ok(())
}

/// One row of the bench table.
struct Row {
    workload: String,
    figure: String,
    reference: String,
    ratio: String,
}

async fn bench(args: BenchArgs) -> Result<()> {
    use racecraft_bench as b;
    const GROUPS: [&str; 4] = ["latency", "ingest", "storage", "memory"];
    for g in &args.only {
        anyhow::ensure!(GROUPS.contains(&g.as_str()), "unknown bench group `{g}`; groups: {}", GROUPS.join(", "));
    }
    let run = |g: &str| args.only.is_empty() || args.only.iter().any(|o| o == g);
    let scale = if args.smoke { b::Scale::Smoke } else { b::Scale::Full };
    let mut rows = Vec::new();
    let mut json = serde_json::Map::new();
    if run("latency") {
        let (rtt50, rtt99) = b::loopback_rtt(scale)?;
        let exe = std::env::current_exe().context("locating this binary")?;
        json.insert("loopback_rtt_us".into(), serde_json::json!({"p50": rtt50, "p99": rtt99}));
        let mut lat = Vec::new();
        for viewers in [1, 10, 100] {
            eprintln!("bench: live latency, {viewers} viewers at 333 Hz");
            let r = b::live_latency(viewers, 333.0, scale, Some((&exe, args.server_cpus.as_deref()))).await?;
            rows.push(Row {
                workload: format!("live: agent → server process → {viewers} viewer(s), 333 Hz"),
                figure: format!(
                    "p50 {:.0} µs · p99 {:.0} µs · max {:.0} µs · lost {}",
                    r.p50_us, r.p99_us, r.max_us, r.lost
                ),
                reference: format!("TCP RTT p50 {rtt50:.0} µs, p99 {rtt99:.0} µs"),
                ratio: format!("p50 {:.1}× RTT", r.p50_us / rtt50),
            });
            lat.push(r);
        }
        json.insert("live_latency".into(), serde_json::to_value(lat)?);
    }
    if run("ingest") {
        eprintln!("bench: ingest");
        let binary = b::ingest_binary(scale).await?;
        let json_rate = b::ingest_json(scale, 32).await?;
        let hello = b::hello_world_http(scale, 32).await?;
        rows.push(Row {
            workload: "ingest, binary agent stream (server on 1 core)".into(),
            figure: format!("{:.0} frames/s", binary),
            reference: format!("JSON one frame per POST: {json_rate:.0}/s"),
            ratio: format!("{:.0}×", binary / json_rate),
        });
        rows.push(Row {
            workload: "ingest, JSON one point per POST /api/ingest (1 core)".into(),
            figure: format!("{json_rate:.0} frames/s"),
            reference: format!("axum hello-world POST: {hello:.0} req/s"),
            ratio: format!("{:.2}× hello-world", json_rate / hello),
        });
        json.insert(
            "ingest".into(),
            serde_json::json!({"binary_fps": binary, "json_fps": json_rate, "hello_world_rps": hello}),
        );
    }
    if run("storage") {
        eprintln!("bench: storage size");
        let r = b::storage_size(scale)?;
        rows.push(Row {
            workload: format!("stored bytes/frame, 333 Hz sim, {:.0} channels", r.channels),
            figure: format!("{:.1} B/frame", r.chunk_bytes),
            reference: format!(
                "raw {:.0} B · compact {:.0} B · LZ4 rows {:.1} B",
                r.struct_bytes, r.compact_bytes, r.row_lz4_bytes
            ),
            ratio: format!("{:.1}× smaller than LZ4 rows", r.row_lz4_bytes / r.chunk_bytes),
        });
        rows.push(Row {
            workload: "chunk codec speed".into(),
            figure: format!(
                "encode {:.1} M frames/s · decode {:.1} M frames/s",
                r.encode_fps / 1e6,
                r.decode_fps / 1e6
            ),
            reference: String::new(),
            ratio: String::new(),
        });
        json.insert("storage".into(), serde_json::to_value(r)?);
    }
    if run("memory") {
        eprintln!("bench: server memory");
        let exe = std::env::current_exe().context("locating this binary")?;
        let r = b::server_memory(&exe, 10, scale).await?;
        rows.push(Row {
            workload: format!("server RSS: idle / 1 agent + {} viewers at 333 Hz", r.viewers),
            figure: format!(
                "{:.1} MB / {:.1} MB (peak {:.1} MB)",
                r.idle_kb as f64 / 1024.0,
                r.loaded_kb as f64 / 1024.0,
                r.peak_kb as f64 / 1024.0
            ),
            reference: String::new(),
            ratio: String::new(),
        });
        json.insert("memory".into(), serde_json::to_value(r)?);
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&json)?);
        return Ok(());
    }
    println!("| workload | figure | reference (same run) | ratio |\n|---|---|---|---|");
    for r in rows {
        println!("| {} | {} | {} | {} |", r.workload, r.figure, r.reference, r.ratio);
    }
    Ok(())
}

fn clone_sim(s: &SimArgs) -> SimArgs {
    SimArgs { track: s.track.clone(), rate: s.rate, speed: s.speed, seed: s.seed }
}

fn format_lap(s: f64) -> String {
    let ms = (s * 1000.0).round() as u64;
    format!("{}:{:02}.{:03}", ms / 60_000, ms / 1000 % 60, ms % 1000)
}

fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
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
    fn lap_format() {
        assert_eq!(format_lap(85.1234), "1:25.123");
        assert_eq!(format_lap(59.9996), "1:00.000");
    }
}
