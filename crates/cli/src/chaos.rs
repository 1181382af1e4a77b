//! `racecraft chaos`: a bounded fault run. A simulated session streams through the agent into a `racecraft
//! serve` child process while a seeded schedule kills the server (SIGKILL, then a restart on the same port
//! and data), fills its disk (a small tmpfs) until `ENOSPC` and frees it again, and, on PostgreSQL, stops the
//! database for a few seconds (with or without killing the server meanwhile). At the end it counts frames sent, acknowledged and stored, reads every stored
//! frame back, and fails when an acknowledged frame is missing or a frame is stored twice.
//!
//! # Layout
//! - [`chaos`]: the run: set up the [`Rig`], stream, inject [`Planned`] faults on a thread of their own,
//!   finish, verify, print a [`Summary`].
//! - [`Rig`]: everything the run starts, each part a guard that undoes itself on `Drop` (also on error or
//!   panic): the [`ServerProcess`], an optional [`PgCluster`], the [`Tmpfs`] and the [`WorkDir`].
//!
//! The faults never overlap: each is undone (disk freed, database started, server running) before the next
//! one starts. Only `kill_server_during_db_outage` restarts the server while its database is away, on
//! purpose; if that start fails it is counted, and the server is started again once the database is back.

use std::collections::HashSet;
use std::fs::OpenOptions;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};
use clap::{Args, ValueEnum};
use racecraft_core::LapTracker;
use racecraft_services::{PgCluster, Tmpfs, free_port};
use racecraft_sim::{SimConfig, Simulation};
use racecraft_uplink::{Agent, AgentConfig};
use serde::Serialize;

/// Flags of `racecraft chaos`.
#[derive(Debug, Args)]
pub struct ChaosArgs {
    /// Seconds to stream while faults are injected (the whole run takes about 10–30 s more).
    #[arg(long, env = "RACECRAFT_CHAOS_DURATION", default_value_t = 60.0)]
    duration: f64,
    /// The server's database: SQLite on the tmpfs, or a throwaway PostgreSQL cluster the command starts.
    #[arg(long, env = "RACECRAFT_CHAOS_DB", value_enum, default_value_t = ChaosDb::Sqlite)]
    db: ChaosDb,
    /// Seed of the fault schedule and of the simulated driver.
    #[arg(long, env = "RACECRAFT_SEED", default_value_t = 1)]
    seed: u64,
    /// Circuit to simulate (a short one keeps laps coming).
    #[arg(long, default_value = "Norisring")]
    track: String,
    /// Sample rate, Hz (60–333).
    #[arg(long, default_value_t = 333.0)]
    rate: f64,
    /// Time factor of the stream (2 = twice real time); must be positive.
    #[arg(long, default_value_t = 2.0)]
    speed: f64,
    /// Print the summary as JSON on stdout (progress still goes to stderr).
    #[arg(long)]
    json: bool,
    /// Keep the work directory (server log, a copy of the server's data) even when the run passes.
    #[arg(long)]
    keep: bool,
}

/// Which database the server under test uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Serialize)]
#[serde(rename_all = "snake_case")]
enum ChaosDb {
    /// SQLite in the server's data directory, on the tmpfs.
    Sqlite,
    /// A PostgreSQL cluster in the work directory, on disk; only the spool is on the tmpfs.
    Postgres,
}

/// Size of the server's disk: small, so filling it takes a moment and little memory.
const TMPFS_BYTES: u64 = 64 << 20;
/// When the first fault comes: the stream is established by then.
const FIRST_FAULT: Duration = Duration::from_secs(2);
/// Time between one fault being undone and the next, seconds.
const GAP_S: (f64, f64) = (1.5, 3.5);
/// How long a full disk or a stopped database lasts, seconds.
const HOLD_S: (f64, f64) = (3.0, 6.0);
/// Bound on the faults of one run, whatever the duration.
const MAX_FAULTS: usize = 60;
/// A fault starts only if it can be undone this long before the stream ends (a restart included).
const UNDO_MARGIN: Duration = Duration::from_secs(2);
/// How long a server start may take before it counts as failed.
const START_TIMEOUT: Duration = Duration::from_secs(30);
/// How long the agent gets, once the faults have stopped, to have every frame acknowledged.
const FINISH_TIMEOUT: Duration = Duration::from_secs(60);

/// The kinds of fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
enum FaultKind {
    /// SIGKILL the server, start it again on the same port and data directory.
    KillServer,
    /// Fill the server's disk until `ENOSPC`, hold, delete the filler.
    FillDisk,
    /// `pg_ctl stop -m immediate`, hold, start the cluster again.
    StopDatabase,
    /// Stop the database as above, and while it is down SIGKILL the server and start it again: the server
    /// must come up without its database (spooling), not only after it.
    KillServerDuringDbOutage,
}

/// One fault of the schedule.
#[derive(Debug, Clone, Copy)]
struct Planned {
    /// When it starts, after the stream started (later if the previous fault took longer).
    at: Duration,
    kind: FaultKind,
    /// How long the disk stays full or the database down.
    hold: Duration,
}

/// The seeded schedule: faults in rounds, each round every kind once in a shuffled order (so a short run
/// still sees every kind), separated by random gaps, until `duration` is used up.
fn plan(seed: u64, kinds: &[FaultKind], duration: Duration) -> Vec<Planned> {
    let mut rng = SplitMix64(seed ^ 0x6368_616f_735f_7275);
    let mut planned = Vec::new();
    let mut at = FIRST_FAULT;
    'rounds: loop {
        let mut round = kinds.to_vec();
        for i in (1..round.len()).rev() {
            round.swap(i, (rng.next() % (i as u64 + 1)) as usize);
        }
        for kind in round {
            let hold = match kind {
                FaultKind::KillServer => Duration::ZERO,
                FaultKind::FillDisk | FaultKind::StopDatabase | FaultKind::KillServerDuringDbOutage => {
                    Duration::from_secs_f64(rng.between(HOLD_S))
                }
            };
            if at + hold + UNDO_MARGIN > duration || planned.len() == MAX_FAULTS {
                break 'rounds;
            }
            planned.push(Planned { at, kind, hold });
            // A restart takes about a second; the plan leaves room for it.
            at += hold + Duration::from_secs(1) + Duration::from_secs_f64(rng.between(GAP_S));
        }
    }
    planned
}

/// A small seeded generator (SplitMix64): the schedule must be the same for the same seed.
#[derive(Debug)]
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `[lo, hi)`.
    fn between(&mut self, (lo, hi): (f64, f64)) -> f64 {
        lo + (hi - lo) * (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Something that happened during the run, with its time since the stream started and the frames
/// acknowledged by then (a fault that bites stalls them).
#[derive(Debug, Clone, Serialize)]
struct Event {
    t_s: f64,
    acked: u64,
    what: String,
}

/// The run's timeline, shared by the stream and the fault thread; each event is also printed to stderr.
#[derive(Debug, Clone)]
struct Timeline {
    t0: Instant,
    /// The most frames the agent has seen acknowledged.
    acked: Arc<AtomicU64>,
    events: Arc<Mutex<Vec<Event>>>,
}

impl Timeline {
    fn new() -> Timeline {
        Timeline { t0: Instant::now(), acked: Arc::default(), events: Arc::default() }
    }

    fn log(&self, what: impl Into<String>) {
        let event = Event {
            t_s: self.t0.elapsed().as_secs_f64(),
            acked: self.acked.load(Ordering::Relaxed),
            what: what.into(),
        };
        eprintln!("[{:6.1} s, {:>7} acked] {}", event.t_s, event.acked, event.what);
        self.events.lock().unwrap_or_else(|e| e.into_inner()).push(event);
    }

    /// Seconds since the stream started, and the frames acknowledged by now.
    fn now(&self) -> (f64, u64) {
        (self.t0.elapsed().as_secs_f64(), self.acked.load(Ordering::Relaxed))
    }

    fn events(&self) -> Vec<Event> {
        self.events.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

/// Faults injected, by kind, and what went wrong with the server along the way.
#[derive(Debug, Default, Clone, Serialize)]
struct FaultCounts {
    kill_server: u32,
    fill_disk: u32,
    stop_database: u32,
    kill_server_during_db_outage: u32,
    /// The server exited without being killed.
    unplanned_server_exits: u32,
    /// A start of the server that did not answer within the start timeout, or exited while starting.
    server_start_failures: u32,
    /// Each fault, in order.
    injected: Vec<FaultRecord>,
    /// Faults that could not be injected or undone (the schedule stops at the first).
    errors: Vec<String>,
}

/// One fault as it happened: from when it was in place (server dead, disk full, database down) until it was
/// undone (server answering, filler deleted, database accepting connections), with the frames acknowledged
/// at both ends.
#[derive(Debug, Clone, Serialize)]
struct FaultRecord {
    kind: FaultKind,
    from_s: f64,
    to_s: f64,
    acked_from: u64,
    acked_to: u64,
}

/// What one run measured; printed as a table or as JSON.
#[derive(Debug, Serialize)]
struct Summary {
    db: ChaosDb,
    seed: u64,
    track: String,
    rate_hz: f64,
    speed: f64,
    duration_s: f64,
    faults: FaultCounts,
    frames_sent: u64,
    frames_acked: u64,
    /// `frame_count` of `GET /api/sessions/{id}` (the frames read back when the server would not start).
    frames_stored: u64,
    acked_minus_stored: i64,
    stored_minus_sent: i64,
    /// Frames read back from the database (every chunk of the session decoded).
    frames_read_back: u64,
    /// Frames read back more than once (the same session time in two chunks).
    frames_stored_twice: u64,
    /// Acknowledged frames not among those read back.
    acked_frames_missing: u64,
    /// Frames read back that were never sent.
    frames_not_sent: u64,
    /// The frames read back are exactly the first ones sent, in order, each once.
    coverage_exact: bool,
    agent_reconnects: u64,
    agent_dropped: u64,
    lap_rows_stored: u64,
    /// Laps completed in the frames sent (the same lap tracker the server runs).
    lap_rows_expected: u64,
    session_id: Option<i64>,
    time_s: f64,
    server_log: String,
    /// Kept only when the run failed (with the server's log and a copy of its data).
    work_dir: Option<String>,
    failures: Vec<String>,
    warnings: Vec<String>,
    ok: bool,
    events: Vec<Event>,
}

/// Runs `racecraft chaos`.
pub async fn chaos(args: ChaosArgs) -> Result<()> {
    ensure!(
        args.duration.is_finite() && args.duration >= 5.0,
        "--duration must be at least 5 s, not {}",
        args.duration
    );
    ensure!(args.speed.is_finite() && args.speed > 0.0, "--speed must be positive, not {}", args.speed);
    ensure!(
        racecraft_sim::RATE_HZ_RANGE.contains(&args.rate),
        "--rate must be between 60 and 333 Hz, not {}",
        args.rate
    );
    let started = Instant::now();
    let duration = Duration::from_secs_f64(args.duration);
    let simulation = simulation(&args)?;
    let kinds: &[FaultKind] = match args.db {
        ChaosDb::Sqlite => &[FaultKind::KillServer, FaultKind::FillDisk],
        ChaosDb::Postgres => {
            &[FaultKind::KillServer, FaultKind::FillDisk, FaultKind::StopDatabase, FaultKind::KillServerDuringDbOutage]
        }
    };
    let schedule = plan(args.seed, kinds, duration);

    let mut rig = tokio::task::block_in_place(|| Rig::set_up(args.db))?;
    eprintln!(
        "racecraft chaos: {} faults planned over {:.0} s ({:?}), work dir {}, server log {}",
        schedule.len(),
        args.duration,
        args.db,
        rig.work.path.display(),
        rig.server.log.display()
    );
    if let Err(e) = tokio::task::block_in_place(|| rig.server.start()) {
        rig.work.keep = true;
        return Err(e.context(format!("the first server start failed; work dir kept: {}", rig.work.path.display())));
    }
    let url = rig.server.url();

    let timeline = Timeline::new();
    timeline.log(format!("server up at {url}; streaming {} at {} Hz ×{}", args.track, args.rate, args.speed));
    let stop = Arc::new(AtomicBool::new(false));
    let stream_end = timeline.t0 + duration;
    let faults = {
        let (stop, timeline) = (stop.clone(), timeline.clone());
        std::thread::Builder::new()
            .name("chaos-faults".into())
            .spawn(move || run_faults(rig, schedule, stream_end, &stop, &timeline))
            .context("starting the fault thread")?
    };
    // Whatever happens to the stream, the fault thread is told to stop and joined, so the rig comes back and
    // is cleaned up here.
    let streamed = stream(&simulation, &url, args.speed, stream_end, &timeline).await;
    stop.store(true, Ordering::Relaxed);
    let (mut rig, counts) = tokio::task::block_in_place(|| faults.join())
        .map_err(|_| anyhow::anyhow!("the fault thread panicked (its guards have cleaned up)"))?;
    let streamed = streamed?;

    let outcome = finish_and_verify(&args, &mut rig, streamed, counts, &timeline, started).await;
    let summary = match outcome {
        Ok(summary) => summary,
        Err(e) => {
            rig.work.keep = true;
            rig.copy_data_for_post_mortem();
            print_log_tail(&rig.server.log);
            eprintln!("racecraft chaos: the run could not be measured; work dir kept: {}", rig.work.path.display());
            return Err(e);
        }
    };
    if !summary.ok || args.keep {
        rig.work.keep = true;
        rig.copy_data_for_post_mortem();
    }
    let summary = Summary {
        work_dir: rig.work.keep.then(|| rig.work.path.display().to_string()),
        time_s: started.elapsed().as_secs_f64(),
        ..summary
    };
    print_summary(&summary, args.json)?;
    if !summary.ok {
        print_log_tail(&rig.server.log);
    }
    tokio::task::block_in_place(|| drop(rig));
    if !summary.ok {
        bail!("chaos run failed: {}; server log: {}", summary.failures.join("; "), summary.server_log);
    }
    Ok(())
}

/// The session to stream: enough laps of the circuit to last the whole run.
fn simulation(args: &ChaosArgs) -> Result<Simulation> {
    let track = crate::load_track(&args.track)?;
    let config = |laps| SimConfig { laps, rate_hz: args.rate, seed: args.seed, ..SimConfig::default() };
    let one_lap = Simulation::new(track.clone(), config(1)).context("building the simulation")?;
    let lap_s = (one_lap.duration_us() as f64 * 1e-6).max(1.0);
    let laps = ((args.duration * args.speed / lap_s).ceil() as u32 + 1).min(racecraft_sim::MAX_LAPS);
    Simulation::new(track, config(laps)).context("building the simulation")
}

/// What the stream did, for the verification.
#[derive(Debug)]
struct Streamed {
    agent: Agent,
    /// Session times of the frames pushed, in order: frame `i` has sequence number `i`.
    sent_t_us: Vec<i64>,
    expected_laps: u64,
    max_acked: Arc<AtomicU64>,
    session_id: Arc<AtomicI64>,
}

/// Pushes the simulation through an agent, paced by `speed`, until `end` (or Ctrl-C).
async fn stream(simulation: &Simulation, url: &str, speed: f64, end: Instant, timeline: &Timeline) -> Result<Streamed> {
    let mut config = AgentConfig::new(url, simulation.meta(crate::now_ms()));
    // A short backoff: the server is back within a second or two of each fault, and a long wait would
    // only hide how quickly it recovers.
    config.backoff_min = Duration::from_millis(50);
    config.backoff_max = Duration::from_millis(500);
    let agent = Agent::spawn(config).context("starting the agent")?;
    let max_acked = timeline.acked.clone();
    let session_id = Arc::new(AtomicI64::new(0));
    {
        let (max_acked, session_id) = (max_acked.clone(), session_id.clone());
        let mut watch = agent.watch();
        tokio::spawn(async move {
            loop {
                let stats = watch.borrow_and_update().clone();
                max_acked.fetch_max(stats.acked, Ordering::Relaxed);
                if let Some(id) = stats.session_id {
                    session_id.store(id, Ordering::Relaxed);
                }
                if watch.changed().await.is_err() {
                    break;
                }
            }
        });
    }
    let mut frames = simulation.frames().peekable();
    let mut sent_t_us = Vec::with_capacity(simulation.frame_count() as usize);
    let mut laps = LapTracker::new();
    let mut expected_laps = 0u64;
    let started = tokio::time::Instant::now();
    let end = tokio::time::Instant::from_std(end);
    let mut tick = tokio::time::interval(Duration::from_millis(10));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let ctrl_c = tokio::signal::ctrl_c();
    tokio::pin!(ctrl_c);
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = &mut ctrl_c => {
                timeline.log("interrupted (Ctrl-C)");
                bail!("interrupted");
            }
        }
        let now = tokio::time::Instant::now();
        let due_us = ((now - started).as_secs_f64() * speed * 1e6) as i64;
        while let Some(frame) = frames.next_if(|f| f.t_us <= due_us) {
            if laps.push(&frame).is_some() {
                expected_laps += 1;
            }
            sent_t_us.push(frame.t_us);
            agent.push(frame);
        }
        if now >= end || frames.peek().is_none() {
            break;
        }
    }
    timeline.log(format!(
        "stream ended: {} frames sent, {} acknowledged so far",
        sent_t_us.len(),
        max_acked.load(Ordering::Relaxed)
    ));
    Ok(Streamed { agent, sent_t_us, expected_laps, max_acked, session_id })
}

/// Runs the schedule on its own thread (everything here blocks); returns the rig and what was injected.
fn run_faults(
    mut rig: Rig,
    schedule: Vec<Planned>,
    stream_end: Instant,
    stop: &AtomicBool,
    timeline: &Timeline,
) -> (Rig, FaultCounts) {
    let mut counts = FaultCounts::default();
    for planned in schedule {
        if !rig.idle_until(timeline.t0 + planned.at, stop, timeline, &mut counts) {
            break;
        }
        // Delays (slow restarts) push faults later; one that can no longer be undone in time is not started.
        if Instant::now() + planned.hold + UNDO_MARGIN > stream_end {
            break;
        }
        if let Err(e) = rig.inject(planned, stop, timeline, &mut counts) {
            let error = format!("fault {:?} failed: {e:#}", planned.kind);
            timeline.log(format!("{error}; no more faults"));
            counts.errors.push(error);
            break;
        }
    }
    // Until the stream ends, a server that exits on its own is still noticed and started again.
    rig.idle_until(stream_end, stop, timeline, &mut counts);
    (rig, counts)
}

/// Everything the run started. Fields drop in order: the server before its database, the database before
/// the disk, the disk before the work directory that holds its mount point.
#[derive(Debug)]
struct Rig {
    server: ServerProcess,
    db: Option<PgCluster>,
    disk: Tmpfs,
    work: WorkDir,
}

impl Rig {
    fn set_up(db: ChaosDb) -> Result<Rig> {
        let work = WorkDir::create()?;
        let data = work.path.join("data");
        std::fs::create_dir(&data).with_context(|| format!("creating {}", data.display()))?;
        let disk = Tmpfs::mount_at(&data, TMPFS_BYTES)
            .context("racecraft chaos mounts a tmpfs as the server's disk, for its disk-full faults")?;
        let (db, db_url) = match db {
            ChaosDb::Sqlite => (None, format!("sqlite://{}", data.join("racecraft.db").display())),
            ChaosDb::Postgres => {
                let cluster = PgCluster::start_in(&work.path.join("pg"))
                    .context("racecraft chaos --db postgres starts a PostgreSQL cluster of its own")?;
                let url = cluster.url();
                (Some(cluster), url)
            }
        };
        let server = ServerProcess::new(free_port()?, data, db_url, work.path.join("server.log"))?;
        Ok(Rig { server, db, disk, work })
    }

    /// Waits until `until`, restarting a server that exited on its own. False when told to stop, or when the
    /// server cannot be started again.
    fn idle_until(&mut self, until: Instant, stop: &AtomicBool, timeline: &Timeline, counts: &mut FaultCounts) -> bool {
        loop {
            if stop.load(Ordering::Relaxed) {
                return false;
            }
            self.watch_server(timeline, counts);
            if self.ensure_server(timeline, counts).is_err() {
                return false;
            }
            let now = Instant::now();
            if now >= until {
                return true;
            }
            std::thread::sleep((until - now).min(Duration::from_millis(100)));
        }
    }

    /// Holds a fault for `hold` (shorter when told to stop), noting a server that exits meanwhile.
    fn hold(&mut self, hold: Duration, stop: &AtomicBool, timeline: &Timeline, counts: &mut FaultCounts) {
        let until = Instant::now() + hold;
        while !stop.load(Ordering::Relaxed) {
            self.watch_server(timeline, counts);
            let now = Instant::now();
            if now >= until {
                break;
            }
            std::thread::sleep((until - now).min(Duration::from_millis(100)));
        }
    }

    fn inject(
        &mut self,
        planned: Planned,
        stop: &AtomicBool,
        timeline: &Timeline,
        counts: &mut FaultCounts,
    ) -> Result<()> {
        let (from_s, acked_from);
        let (to_s, acked_to);
        match planned.kind {
            FaultKind::KillServer => {
                self.server.kill()?;
                (from_s, acked_from) = timeline.now();
                counts.kill_server += 1;
                timeline.log("fault: server killed (SIGKILL); restarting it");
                let restarted = self.ensure_server(timeline, counts);
                (to_s, acked_to) = timeline.now();
                counts.injected.push(FaultRecord { kind: planned.kind, from_s, to_s, acked_from, acked_to });
                return restarted;
            }
            FaultKind::FillDisk => {
                let bytes = self.disk.fill()?;
                (from_s, acked_from) = timeline.now();
                counts.fill_disk += 1;
                timeline.log(format!(
                    "fault: disk full ({:.1} MiB of filler until ENOSPC), holding {:.1} s",
                    bytes as f64 / (1 << 20) as f64,
                    planned.hold.as_secs_f64()
                ));
                self.hold(planned.hold, stop, timeline, counts);
                self.disk.free()?;
                (to_s, acked_to) = timeline.now();
                timeline.log("disk freed");
            }
            FaultKind::StopDatabase => {
                let db = self.db.as_mut().context("no database cluster to stop")?;
                db.kill()?;
                (from_s, acked_from) = timeline.now();
                counts.stop_database += 1;
                timeline
                    .log(format!("fault: database stopped (immediate), holding {:.1} s", planned.hold.as_secs_f64()));
                self.hold(planned.hold, stop, timeline, counts);
                let db = self.db.as_mut().context("no database cluster to start")?;
                db.restart()
                    .with_context(|| format!("starting PostgreSQL again (its log: {})", db.log_path().display()))?;
                (to_s, acked_to) = timeline.now();
                timeline.log("database started");
            }
            FaultKind::KillServerDuringDbOutage => {
                let db = self.db.as_mut().context("no database cluster to stop")?;
                db.kill()?;
                (from_s, acked_from) = timeline.now();
                counts.kill_server_during_db_outage += 1;
                timeline.log(format!(
                    "fault: database stopped (immediate), server killed (SIGKILL) and restarted while it is down, \
                     holding {:.1} s",
                    planned.hold.as_secs_f64()
                ));
                self.server.kill()?;
                // A start that fails is counted (a failure of the run); the server is started again once the
                // database is back, so the rest of the run still measures something.
                if self.ensure_server(timeline, counts).is_err() {
                    timeline.log("the server would not start without its database; retrying once the database is back");
                }
                self.hold(planned.hold, stop, timeline, counts);
                let db = self.db.as_mut().context("no database cluster to start")?;
                db.restart()
                    .with_context(|| format!("starting PostgreSQL again (its log: {})", db.log_path().display()))?;
                (to_s, acked_to) = timeline.now();
                timeline.log("database started");
            }
        }
        counts.injected.push(FaultRecord { kind: planned.kind, from_s, to_s, acked_from, acked_to });
        // The fault is undone (disk free, database up) before the server starts again.
        self.ensure_server(timeline, counts)
    }

    /// Notes a server that exited without being killed.
    fn watch_server(&mut self, timeline: &Timeline, counts: &mut FaultCounts) {
        if let Some(status) = self.server.exited() {
            counts.unplanned_server_exits += 1;
            timeline.log(format!("the server exited on its own ({status}); log: {}", self.server.log.display()));
        }
    }

    /// Starts the server if it is not running.
    fn ensure_server(&mut self, timeline: &Timeline, counts: &mut FaultCounts) -> Result<()> {
        if self.server.is_running() {
            return Ok(());
        }
        let started = Instant::now();
        match self.server.start() {
            Ok(()) => {
                timeline.log(format!("server up again after {:.2} s", started.elapsed().as_secs_f64()));
                Ok(())
            }
            Err(e) => {
                counts.server_start_failures += 1;
                timeline.log(format!("the server did not start: {e:#}"));
                Err(e)
            }
        }
    }

    /// Copies what the server left on the tmpfs (database, spool; not the filler) into the work directory,
    /// which outlives the unmount, for a failed run to be examined.
    fn copy_data_for_post_mortem(&self) {
        let to = self.work.path.join("data-after-run");
        if let Err(e) = copy_tree(self.disk.path(), &to) {
            eprintln!("warning: cannot copy the server's data to {}: {e}", to.display());
        }
    }
}

fn copy_tree(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        if entry.file_name() == Tmpfs::FILLER {
            continue;
        }
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_tree(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), target)?;
        }
    }
    Ok(())
}

/// After the faults: every frame acknowledged, the server up, then what is stored counted and read back.
async fn finish_and_verify(
    args: &ChaosArgs,
    rig: &mut Rig,
    streamed: Streamed,
    mut faults: FaultCounts,
    timeline: &Timeline,
    started: Instant,
) -> Result<Summary> {
    let mut failures = Vec::new();
    let mut warnings = Vec::new();
    // A server that died after the last fault, or never came back, is started (and counted) here. If it will
    // not start, what is stored is still counted, from the database directly.
    let server_up = tokio::task::block_in_place(|| {
        rig.watch_server(timeline, &mut faults);
        rig.ensure_server(timeline, &mut faults)
    });
    let Streamed { agent, sent_t_us, expected_laps, max_acked, session_id } = streamed;
    let finish_timeout = if server_up.is_ok() { FINISH_TIMEOUT } else { Duration::ZERO };
    let finished = agent.finish(Some(finish_timeout)).await;
    let (agent_reconnects, agent_dropped) = match &finished {
        Ok(stats) => {
            max_acked.fetch_max(stats.acked, Ordering::Relaxed);
            if let Some(id) = stats.session_id {
                session_id.store(id, Ordering::Relaxed);
            }
            timeline.log(format!("agent finished: {} acknowledged, {} reconnects", stats.acked, stats.reconnects));
            (stats.reconnects, stats.dropped)
        }
        Err(e) if server_up.is_ok() => {
            timeline.log(format!("agent did not finish: {e}"));
            failures
                .push(format!("the agent did not finish within {} s after the faults: {e}", FINISH_TIMEOUT.as_secs()));
            (0, 0)
        }
        Err(_) => {
            failures.push("the server could not be started for the final count (counted from the database)".into());
            (0, 0)
        }
    };
    // The agent's task may be aborted by the timeout; its last word is in the watch.
    let frames_acked = max_acked.load(Ordering::Relaxed);
    let session_id = Some(session_id.load(Ordering::Relaxed)).filter(|&id| id > 0);
    let frames_sent = sent_t_us.len() as u64;

    let Some(id) = session_id else {
        bail!("the server never assigned a session id; server log: {}", rig.server.log.display());
    };
    let api_frame_count = match server_up {
        Ok(()) => {
            let port = rig.server.port;
            let (status, body) = tokio::task::block_in_place(|| http_get(port, &format!("/api/sessions/{id}")))?;
            ensure!(status == 200, "GET /api/sessions/{id} answered {status}: {body}");
            let session: racecraft_protocol::rest::Session =
                serde_json::from_str(&body).with_context(|| format!("reading GET /api/sessions/{id}"))?;
            Some(session.frame_count)
        }
        Err(_) => None,
    };

    // Read every frame back, with the server stopped so nothing else touches the database.
    tokio::task::block_in_place(|| rig.server.stop());
    let store = racecraft_store::Store::connect(&rig.server.db_url)
        .await
        .with_context(|| format!("opening the database to read the session back: {}", rig.server.db_url))?;
    let read_back = store.session_frames(id).await.context("reading the session's frames back");
    let laps = store.laps(id).await.context("reading the session's laps");
    store.close().await;
    let (read_back, laps) = (read_back?, laps?);
    let stored_t_us: Vec<i64> = read_back.iter().map(|f| f.t_us).collect();
    let coverage = Coverage::of(&sent_t_us, &stored_t_us, frames_acked);
    let frames_stored = api_frame_count.unwrap_or(stored_t_us.len() as u64);

    let acked_minus_stored = frames_acked as i64 - frames_stored as i64;
    let stored_minus_sent = frames_stored as i64 - frames_sent as i64;
    if acked_minus_stored != 0 {
        failures.push(format!("acknowledged − stored = {acked_minus_stored} (must be 0)"));
    }
    if stored_minus_sent > 0 {
        failures.push(format!("stored − sent = {stored_minus_sent} (must be ≤ 0)"));
    }
    if coverage.twice > 0 {
        failures.push(format!("{} frames stored twice", coverage.twice));
    }
    if coverage.acked_missing > 0 {
        failures.push(format!("{} acknowledged frames missing from the database", coverage.acked_missing));
    }
    if coverage.not_sent > 0 {
        failures.push(format!("{} stored frames were never sent", coverage.not_sent));
    }
    if stored_t_us.len() as u64 != frames_stored {
        failures.push(format!(
            "the API counts {frames_stored} frames but {} were read back from the database",
            stored_t_us.len()
        ));
    }
    failures.extend(faults.errors.iter().cloned());
    if faults.unplanned_server_exits > 0 {
        failures.push(format!("the server exited on its own {} time(s)", faults.unplanned_server_exits));
    }
    if faults.server_start_failures > 0 {
        failures.push(format!("the server failed to start {} time(s)", faults.server_start_failures));
    }
    if laps.len() as u64 != expected_laps {
        warnings.push(format!(
            "{} lap rows stored, {expected_laps} laps completed in the frames sent (lap numbers stored: {:?})",
            laps.len(),
            laps.iter().map(|l| l.lap_number).collect::<Vec<_>>()
        ));
    }
    Ok(Summary {
        db: args.db,
        seed: args.seed,
        track: args.track.clone(),
        rate_hz: args.rate,
        speed: args.speed,
        duration_s: args.duration,
        faults,
        frames_sent,
        frames_acked,
        frames_stored,
        acked_minus_stored,
        stored_minus_sent,
        frames_read_back: stored_t_us.len() as u64,
        frames_stored_twice: coverage.twice,
        acked_frames_missing: coverage.acked_missing,
        frames_not_sent: coverage.not_sent,
        coverage_exact: coverage.exact,
        agent_reconnects,
        agent_dropped,
        lap_rows_stored: laps.len() as u64,
        lap_rows_expected: expected_laps,
        session_id,
        time_s: started.elapsed().as_secs_f64(),
        server_log: rig.server.log.display().to_string(),
        work_dir: None,
        ok: failures.is_empty(),
        failures,
        warnings,
        events: timeline.events(),
    })
}

/// The frames read back against the frames sent, by session time (unique per simulated frame).
#[derive(Debug, PartialEq, Eq)]
struct Coverage {
    twice: u64,
    acked_missing: u64,
    not_sent: u64,
    exact: bool,
}

impl Coverage {
    fn of(sent: &[i64], stored: &[i64], acked: u64) -> Coverage {
        let mut seen = HashSet::with_capacity(stored.len());
        let twice = stored.iter().filter(|t| !seen.insert(**t)).count() as u64;
        let sent_set: HashSet<i64> = sent.iter().copied().collect();
        let not_sent = seen.iter().filter(|t| !sent_set.contains(t)).count() as u64;
        let acked = (acked as usize).min(sent.len());
        let acked_missing = sent[..acked].iter().filter(|t| !seen.contains(t)).count() as u64;
        let exact = stored.len() <= sent.len() && stored == &sent[..stored.len()];
        Coverage { twice, acked_missing, not_sent, exact }
    }
}

fn print_summary(s: &Summary, json: bool) -> Result<()> {
    if json {
        println!("{}", serde_json::to_string_pretty(s).context("writing the summary as JSON")?);
        return Ok(());
    }
    let db = match s.db {
        ChaosDb::Sqlite => "SQLite",
        ChaosDb::Postgres => "PostgreSQL",
    };
    println!(
        "racecraft chaos: {db}, {:.0} s of {} at {} Hz ×{}, seed {}, session {}",
        s.duration_s,
        s.track,
        s.rate_hz,
        s.speed,
        s.seed,
        s.session_id.map_or("-".to_owned(), |id| id.to_string())
    );
    let row = |name: &str, value: String| println!("  {name:<34} {value:>10}");
    println!("faults injected");
    row("server killed (SIGKILL) + restarted", s.faults.kill_server.to_string());
    row("disk filled to ENOSPC + freed", s.faults.fill_disk.to_string());
    match s.db {
        ChaosDb::Postgres => row("database stopped + started", s.faults.stop_database.to_string()),
        ChaosDb::Sqlite => row("database stopped + started", "n/a".to_owned()),
    }
    match s.db {
        ChaosDb::Postgres => {
            row("db stopped, server killed meanwhile", s.faults.kill_server_during_db_outage.to_string())
        }
        ChaosDb::Sqlite => row("db stopped, server killed meanwhile", "n/a".to_owned()),
    }
    row("server exited on its own", s.faults.unplanned_server_exits.to_string());
    row("server start failures", s.faults.server_start_failures.to_string());
    println!("frames");
    row("sent", s.frames_sent.to_string());
    row("acknowledged", s.frames_acked.to_string());
    row("stored (API frame_count)", s.frames_stored.to_string());
    println!("  {:<34} {:>10}   must be 0", "acknowledged − stored", s.acked_minus_stored);
    println!("  {:<34} {:>10}   must be ≤ 0", "stored − sent", s.stored_minus_sent);
    row("read back from the database", s.frames_read_back.to_string());
    row("stored twice", s.frames_stored_twice.to_string());
    row("acknowledged but missing", s.acked_frames_missing.to_string());
    row("stored but never sent", s.frames_not_sent.to_string());
    row("first frames sent, in order, once", if s.coverage_exact { "yes" } else { "NO" }.to_owned());
    row("agent reconnects", s.agent_reconnects.to_string());
    row("agent buffer drops", s.agent_dropped.to_string());
    println!("laps");
    row("lap rows stored", s.lap_rows_stored.to_string());
    row("laps completed in the frames sent", s.lap_rows_expected.to_string());
    row("time taken, s", format!("{:.1}", s.time_s));
    for w in &s.warnings {
        println!("warning: {w}");
    }
    for f in &s.failures {
        println!("FAILED: {f}");
    }
    if let Some(dir) = &s.work_dir {
        println!("kept for examination: {dir} (server log: {})", s.server_log);
    }
    println!("{}", if s.ok { "result: OK" } else { "result: FAILED" });
    Ok(())
}

/// The last lines of the server's log, on stderr, for a failed run.
fn print_log_tail(log: &Path) {
    const LINES: usize = 30;
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    eprintln!("---- last {} lines of {} ----", LINES.min(lines.len()), log.display());
    for line in &lines[lines.len().saturating_sub(LINES)..] {
        eprintln!("{line}");
    }
    eprintln!("----");
}

/// A `GET` over plain HTTP/1.0 (no chunked bodies, the connection closes after the answer): status and body.
fn http_get(port: u16, path: &str) -> Result<(u16, String)> {
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    let mut stream =
        TcpStream::connect_timeout(&addr, Duration::from_secs(2)).with_context(|| format!("connecting to {addr}"))?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    stream.set_write_timeout(Some(Duration::from_secs(10)))?;
    write!(stream, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\nAccept: application/json\r\n\r\n")?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response).with_context(|| format!("reading the answer to GET {path}"))?;
    let response = String::from_utf8_lossy(&response);
    let (head, body) = response.split_once("\r\n\r\n").with_context(|| format!("a malformed answer to GET {path}"))?;
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .with_context(|| format!("no status in the answer to GET {path}"))?;
    Ok((status, body.to_owned()))
}

/// `racecraft serve` as a child process on a fixed port and data directory; killed on `Drop`.
#[derive(Debug)]
struct ServerProcess {
    exe: PathBuf,
    port: u16,
    data_dir: PathBuf,
    db_url: String,
    /// stdout and stderr of every start, appended.
    log: PathBuf,
    child: Option<Child>,
    starts: u32,
}

impl ServerProcess {
    fn new(port: u16, data_dir: PathBuf, db_url: String, log: PathBuf) -> Result<ServerProcess> {
        let exe = std::env::current_exe().context("finding the racecraft binary")?;
        Ok(ServerProcess { exe, port, data_dir, db_url, log, child: None, starts: 0 })
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn is_running(&self) -> bool {
        self.child.is_some()
    }

    /// Spawns the server and waits until `/api/health` answers.
    fn start(&mut self) -> Result<()> {
        self.starts += 1;
        let mut log = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)
            .with_context(|| format!("opening {}", self.log.display()))?;
        writeln!(log, "==== racecraft chaos: server start #{} ====", self.starts)?;
        let child = Command::new(&self.exe)
            .args(["serve", "--listen", &format!("127.0.0.1:{}", self.port), "--db", &self.db_url, "--data-dir"])
            .arg(&self.data_dir)
            .env("RUST_LOG", std::env::var("RUST_LOG").unwrap_or_else(|_| "info".to_owned()))
            // A log file, not a terminal: no colour codes.
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            // Its own process group: a Ctrl-C at the terminal is ours to handle, not the server's.
            .process_group(0)
            .spawn()
            .with_context(|| format!("starting {}", self.exe.display()))?;
        let child = self.child.insert(child);
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            if let Some(status) = child.try_wait()? {
                self.child = None;
                bail!("the server exited while starting ({status}); log: {}", self.log.display());
            }
            if http_get(self.port, "/api/health").is_ok_and(|(status, _)| status == 200) {
                return Ok(());
            }
            if Instant::now() >= deadline {
                self.kill()?;
                bail!("the server did not answer within {} s; log: {}", START_TIMEOUT.as_secs(), self.log.display());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// SIGKILL, and reap it.
    fn kill(&mut self) -> Result<()> {
        if let Some(mut child) = self.child.take() {
            // Err only when it has already exited; wait reaps it either way.
            let _ = child.kill();
            child.wait().context("reaping the server")?;
        }
        Ok(())
    }

    /// The exit status of a server that exited by itself (it is then no longer running).
    fn exited(&mut self) -> Option<std::process::ExitStatus> {
        let status = self.child.as_mut()?.try_wait().ok()??;
        self.child = None;
        Some(status)
    }

    /// Stops the server the way Ctrl-C does (SIGINT: it flushes storage), or kills it after 10 s.
    fn stop(&mut self) {
        let Some(child) = self.child.as_mut() else {
            return;
        };
        let interrupted =
            Command::new("kill").args(["-INT", &child.id().to_string()]).status().is_ok_and(|s| s.success());
        let deadline = Instant::now() + Duration::from_secs(10);
        while interrupted && Instant::now() < deadline {
            if let Ok(Some(_)) = child.try_wait() {
                self.child = None;
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.kill();
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.kill();
    }
}

/// A fresh directory under the system temp dir: the server's log, the tmpfs mount point, the PostgreSQL
/// cluster. Removed on `Drop` unless `keep` (a failed run keeps it for examination).
#[derive(Debug)]
struct WorkDir {
    path: PathBuf,
    keep: bool,
}

impl WorkDir {
    fn create() -> Result<WorkDir> {
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
        let path = std::env::temp_dir().join(format!("racecraft-chaos-{}-{nanos:09}", std::process::id()));
        std::fs::create_dir(&path).with_context(|| format!("creating the work directory {}", path.display()))?;
        Ok(WorkDir { path, keep: false })
    }
}

impl Drop for WorkDir {
    fn drop(&mut self) {
        if !self.keep
            && let Err(e) = std::fs::remove_dir_all(&self.path)
        {
            eprintln!("warning: cannot remove the work directory: {e}: {}", self.path.display());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schedule_is_seeded_bounded_and_has_every_kind_early() {
        let kinds =
            [FaultKind::KillServer, FaultKind::FillDisk, FaultKind::StopDatabase, FaultKind::KillServerDuringDbOutage];
        let a = plan(7, &kinds, Duration::from_secs(60));
        let b = plan(7, &kinds, Duration::from_secs(60));
        assert_eq!(format!("{a:?}"), format!("{b:?}"));
        assert_ne!(format!("{a:?}"), format!("{:?}", plan(8, &kinds, Duration::from_secs(60))));
        for k in kinds {
            assert!(a[..kinds.len()].iter().any(|p| p.kind == k), "{k:?} in the first round: {a:?}");
        }
        for p in &a {
            assert!(p.at + p.hold + UNDO_MARGIN <= Duration::from_secs(60));
            assert!(p.hold <= Duration::from_secs_f64(HOLD_S.1));
        }
        assert!(a.windows(2).all(|w| w[1].at >= w[0].at + w[0].hold + Duration::from_secs(1)));
        assert!(plan(1, &kinds, Duration::from_secs(100_000)).len() == MAX_FAULTS);
    }

    #[test]
    fn coverage_finds_duplicates_gaps_and_strangers() {
        let sent = [0, 10, 20, 30, 40];
        assert_eq!(
            Coverage::of(&sent, &[0, 10, 20], 3),
            Coverage { twice: 0, acked_missing: 0, not_sent: 0, exact: true }
        );
        assert_eq!(
            Coverage::of(&sent, &[0, 10, 10, 20], 3),
            Coverage { twice: 1, acked_missing: 0, not_sent: 0, exact: false }
        );
        assert_eq!(
            Coverage::of(&sent, &[0, 20], 3),
            Coverage { twice: 0, acked_missing: 1, not_sent: 0, exact: false }
        );
        assert_eq!(
            Coverage::of(&sent, &[0, 10, 15], 2),
            Coverage { twice: 0, acked_missing: 0, not_sent: 1, exact: false }
        );
    }
}
