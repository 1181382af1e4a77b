//! The measurements behind `racecraft bench`: the suite B1–B9 of the performance notes, plus memory. Each
//! returns numbers from code that ran in this invocation, with a reference measured in the same run where one
//! applies: our machines are noisy, so a figure means something only beside its reference.
//!
//! # Layout
//! - B1 [`capture_decode`]: each game's packet or page → frame, ns/frame, against copying the same bytes.
//! - B2 [`storage_size`] / [`storage_size_ibt`]: stored bytes per frame (simulated 333 Hz frames, a real
//!   iRacing file) against the raw rows, LZ4 over raw rows and zstd -19 on our layout; codec speed against
//!   memcpy.
//! - B3 [`ingest_binary`] / [`ingest_json`] / [`hello_world_http`] / [`ingest_json_node`]: ingest throughput
//!   against a do-nothing handler of the same framework and a minimal Node `http` server.
//! - B4 [`live_latency`] / [`loopback_rtt`]: a frame entering the agent → WebSocket viewers, against the TCP
//!   round trip on this machine.
//! - B5 [`end_to_end`]: emulated game → `racecraft capture` → `racecraft serve` → viewer.
//! - B6 [`storage_write`] ([`disk`], [`store_write_sqlite`], [`store_write_postgres`]): sustained writes against fdatasync and
//!   sequential write bandwidth.
//! - B7 [`analysis`]: full session analysis, warm and cold, against one streaming pass.
//! - B8 [`seek_lap`]: seek and decode one lap of a recording, against copying it.
//! - B9 [`wire_size`]: bytes per frame sent to a browser viewer, binary and JSON.
//! - Memory: [`server_memory`] (RSS of a real `racecraft serve`) and [`capture_agent`] (CPU and RSS of a
//!   real `racecraft capture`).
//! - [`Scale`]: full size for `racecraft bench`, smoke size for `cargo test`.

mod analysis;
mod capture;
mod decode;
mod end_to_end;
mod http;
mod latency;
mod memory;
mod seek;
mod size;
mod store_write;
mod wire;

pub use analysis::{AnalysisReport, analysis};
pub use capture::{CaptureReport, capture_agent};
pub use decode::{DecodeReport, DecodeRow, capture_decode};
pub use end_to_end::{EndToEndReport, end_to_end};
pub use http::{hello_world_http, ingest_binary, ingest_binary_as, ingest_json, ingest_json_as, ingest_json_node};
pub use latency::{LatencyReport, live_latency, live_latency_as, loopback_rtt};
pub use memory::{MemoryReport, ServerProcess, server_memory};
pub use seek::{SeekReport, seek_lap};
pub use size::{AC_PHYSICS_PAGE_BYTES, IBT_SAMPLE, SizeReport, storage_size, storage_size_ibt};
pub use store_write::{
    DiskReport, StorageWriteReport, StoreWriteReport, disk, storage_write, store_write, store_write_postgres,
    store_write_sqlite,
};
pub use wire::{WireReport, wire_size};

/// Errors of a benchmark run.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The server under test failed to start.
    #[error("server: {0}")]
    Server(#[from] racecraft_server::StartError),
    /// A socket failed.
    #[error("io: {0}")]
    Io(#[from] std::io::Error),
    /// The simulator refused its configuration.
    #[error("simulator: {0}")]
    Sim(#[from] racecraft_sim::Error),
    /// The bench's own database setup failed.
    #[error("store: {0}")]
    Store(#[from] racecraft_store::Error),
    /// Something did not behave as the benchmark needs.
    #[error("{0}")]
    Failed(String),
}

/// Result with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// How big a run is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scale {
    /// The real measurement (seconds per workload).
    Full,
    /// A few hundred iterations: proves the code runs, measures nothing worth reporting.
    Smoke,
}

impl Scale {
    /// `full` at full scale, `smoke` otherwise.
    pub fn pick(self, full: usize, smoke: usize) -> usize {
        match self {
            Scale::Full => full,
            Scale::Smoke => smoke,
        }
    }
}

/// Percentile of a sorted slice (nearest rank).
pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// An agent streaming a new bench session to `url`, once the server has given it a session id.
pub(crate) async fn bench_agent(url: &str) -> Result<(racecraft_uplink::Agent, i64)> {
    bench_agent_as(url, None).await
}

/// [`bench_agent`] with an agent token (a team server).
pub(crate) async fn bench_agent_as(url: &str, token: Option<&str>) -> Result<(racecraft_uplink::Agent, i64)> {
    let meta = racecraft_core::SessionMeta { game: "bench".into(), track: "Monza".into(), ..Default::default() };
    let config = racecraft_uplink::AgentConfig {
        token: token.map(str::to_owned),
        ..racecraft_uplink::AgentConfig::new(url, meta)
    };
    let agent = racecraft_uplink::Agent::spawn(config).map_err(|e| Error::Failed(e.to_string()))?;
    let id = agent.session_id().await.map_err(|e| Error::Failed(e.to_string()))?;
    Ok((agent, id))
}

/// A server on a temporary SQLite database, bound to loopback port 0.
pub(crate) async fn temp_server(
    limits: racecraft_server::Limits,
) -> Result<(racecraft_server::RunningServer, tempfile::TempDir)> {
    let (server, dir, _) = temp_server_as(limits, false).await?;
    Ok((server, dir))
}

/// How the bench's clients prove who they are to a team server.
#[derive(Debug, Clone)]
pub(crate) struct TeamAccess {
    /// An agent token of the team's driver (`Authorization: Bearer …`).
    pub(crate) token: String,
    /// A login cookie of the same user (`Cookie: …`), for viewers.
    pub(crate) cookie: String,
}

/// [`temp_server`], in team mode with one team, its driver, an agent token and a login when `team`.
pub(crate) async fn temp_server_as(
    limits: racecraft_server::Limits,
    team: bool,
) -> Result<(racecraft_server::RunningServer, tempfile::TempDir, Option<TeamAccess>)> {
    use racecraft_auth::secret::{self, Kind};
    let dir = tempfile::tempdir()?;
    let mut config = racecraft_server::ServerConfig::new(([127, 0, 0, 1], 0).into(), dir.path().to_path_buf());
    config.limits = limits;
    let access = if team {
        let failed = |e: &dyn std::fmt::Display| Error::Failed(format!("setting up the team: {e}"));
        let store = racecraft_store::Store::connect(&config.db_url()).await?;
        let (team_id, _) = store.ensure_team("bench").await?;
        // No one signs in with a password here; the login below is made directly.
        let user = store.create_user("driver", "-").await?.ok_or_else(|| failed(&"user exists"))?;
        store.set_membership(team_id, user.id, racecraft_core::Role::Driver).await?;
        let token = secret::generate(Kind::Agent).map_err(|e| failed(&e))?;
        store.create_agent_token(&secret::digest(&token), team_id, user.id, "bench").await?;
        let login = secret::generate(Kind::Login).map_err(|e| failed(&e))?;
        store.create_login(&secret::digest(&login), user.id, i64::MAX).await?;
        store.close().await;
        config.auth.mode = racecraft_server::AuthMode::Team;
        Some(TeamAccess { token, cookie: format!("racecraft_session={login}") })
    } else {
        None
    };
    let server = racecraft_server::RunningServer::start(config).await?;
    Ok((server, dir, access))
}
