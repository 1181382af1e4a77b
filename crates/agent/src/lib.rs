//! The capture runtime: read a game, cut its data into sessions, stream each session to a server through the
//! uplink (`racecraft-uplink`'s [`Agent`]), and optionally record it to a `.rcr` file.
//!
//! # Layout
//! - [`Capture`]: started with a [`CaptureConfig`] naming its [`SourceConfig`]s, stopped with [`Capture::stop`];
//!   [`CaptureStats`] counts what it did, [`Error`] says what went wrong.
//! - [`SourceConfig`] names where the data comes from (AC/ACC shared memory, AC UDP, F1, Forza, OutGauge, JSON
//!   over UDP, iRacing live memory);
//!   [`Capture::spawn`] binds every socket up front (a port in use is an error at once, not later), then starts
//!   one blocking thread per source (see `sources.rs`) feeding one session task.
//! - With several sources (`--game auto`), the first to deliver a frame is followed; the others are ignored until
//!   it falls silent for the idle timeout.
//! - Sessions: a session starts with the first frame; a new one starts when the game reports a different game,
//!   car or track, or a new session of its own, or after the source was silent for the idle timeout (the game
//!   quit, or the player sat in the menus). Silence shorter than that stays one session, with a capture gap.
//! - The server going away is the uplink's business: frames are kept until the server acknowledges them as
//!   durable and resent after reconnecting, so nothing is lost while the uplink's buffer holds.

mod sources;

use std::net::{SocketAddr, UdpSocket};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use racecraft_capture::assetto_corsa::PageReader;
use racecraft_core::{Frame, LapTracker, SessionMeta};
use racecraft_record::{LapMarker, RecordingWriter};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

use racecraft_uplink::{Agent, AgentConfig, AgentStats};
use sources::{Common, DatagramDecoder, Event, F1Decoder, ForzaDecoder, JsonDecoder, OutGaugeDecoder};

/// Default UDP port of F1 23/24/25 telemetry.
pub const F1_PORT: u16 = 20777;
/// Port we suggest for Forza Data Out (the game sends wherever the player sets; 5300 is the common choice).
pub const FORZA_PORT: u16 = 5300;
/// Port we suggest for OutGauge (BeamNG's default is 4444; LFS sends where `cfg.txt` says).
pub const OUTGAUGE_PORT: u16 = 4444;
/// Port of Racecraft's JSON-over-UDP input.
pub const JSON_PORT: u16 = 20778;

/// Where a capture reads the game.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceConfig {
    /// Assetto Corsa or ACC shared memory, as `acpmf_*` files in a directory (`/dev/shm` with a Proton bridge).
    AcSharedMemory {
        /// The directory holding the page files.
        dir: PathBuf,
    },
    /// Assetto Corsa's UDP remote telemetry: the game's address (port 9996).
    AcUdp {
        /// Where the game listens.
        game: SocketAddr,
    },
    /// F1 23, F1 24 or F1 25 UDP telemetry.
    F1 {
        /// Where to listen (the game sends to this address).
        listen: SocketAddr,
        /// The car to follow while the game reports no player car (spectating); the leader when `None`.
        follow: Option<u8>,
    },
    /// Forza Data Out (FM7, FH4, FH5, FM 2023), Sled or Dash.
    Forza {
        /// Where to listen.
        listen: SocketAddr,
    },
    /// OutGauge from Live for Speed or BeamNG.
    OutGauge {
        /// Where to listen.
        listen: SocketAddr,
    },
    /// One JSON object per datagram, in the shape of `POST /api/ingest`.
    JsonUdp {
        /// Where to listen.
        listen: SocketAddr,
    },
    /// iRacing's live telemetry memory, read through a file.
    IracingMemory {
        /// The file holding the memory map's contents.
        path: PathBuf,
    },
    /// Assetto Corsa or ACC shared memory, the game's own named mappings `Local\acpmf_*` (Windows).
    #[cfg(windows)]
    AcMappings,
    /// iRacing's live telemetry, the simulator's own mapping `Local\IRSDKMemMapFileName`, read each time it
    /// signals `Local\IRSDKDataValidEvent` (Windows).
    #[cfg(windows)]
    IracingMapping,
}

impl SourceConfig {
    /// A short name for logs and recordings' raw-packet tags.
    pub fn tag(&self) -> &'static str {
        match self {
            SourceConfig::AcSharedMemory { .. } => "ac/shm",
            #[cfg(windows)]
            SourceConfig::AcMappings => "ac/shm",
            #[cfg(windows)]
            SourceConfig::IracingMapping => "iracing/memory",
            SourceConfig::AcUdp { .. } => "ac/udp",
            SourceConfig::F1 { .. } => "f1/udp",
            SourceConfig::IracingMemory { .. } => "iracing/memory",
            SourceConfig::Forza { .. } => "forza/udp",
            SourceConfig::OutGauge { .. } => "outgauge/udp",
            SourceConfig::JsonUdp { .. } => "json/udp",
        }
    }

    /// The address to bind a UDP socket on: the listening address, or any local port to talk to AC.
    fn bind_addr(&self) -> Option<SocketAddr> {
        match self {
            SourceConfig::AcUdp { game } => Some(if game.is_ipv4() {
                SocketAddr::from(([0, 0, 0, 0], 0))
            } else {
                SocketAddr::from(([0u16; 8], 0))
            }),
            SourceConfig::F1 { listen, .. }
            | SourceConfig::Forza { listen }
            | SourceConfig::OutGauge { listen }
            | SourceConfig::JsonUdp { listen } => Some(*listen),
            SourceConfig::AcSharedMemory { .. } | SourceConfig::IracingMemory { .. } => None,
            #[cfg(windows)]
            SourceConfig::AcMappings | SourceConfig::IracingMapping => None,
        }
    }

    /// The decoder of a source that listens for datagrams (JSON for any other, never asked for).
    fn decoder(&self) -> Box<dyn DatagramDecoder> {
        match self {
            SourceConfig::F1 { follow, .. } => Box::new(F1Decoder::new(*follow)),
            SourceConfig::Forza { .. } => Box::<ForzaDecoder>::default(),
            SourceConfig::OutGauge { .. } => Box::<OutGaugeDecoder>::default(),
            _ => Box::<JsonDecoder>::default(),
        }
    }

    /// The game id for sessions whose source does not name one.
    fn default_game(&self) -> &'static str {
        match self {
            SourceConfig::AcSharedMemory { .. } | SourceConfig::AcUdp { .. } => "ac",
            #[cfg(windows)]
            SourceConfig::AcMappings => "ac",
            #[cfg(windows)]
            SourceConfig::IracingMapping => "iracing",
            SourceConfig::F1 { .. } => "f1",
            SourceConfig::IracingMemory { .. } => "iracing",
            SourceConfig::Forza { .. } => "forza",
            SourceConfig::OutGauge { .. } => "outgauge",
            SourceConfig::JsonUdp { .. } => "json",
        }
    }
}

/// How to capture.
#[derive(Debug, Clone)]
pub struct CaptureConfig {
    /// The sources to watch; the first to deliver data is followed.
    pub sources: Vec<SourceConfig>,
    /// Server base URL.
    pub server: String,
    /// Driver name for sessions whose source does not name one.
    pub driver: String,
    /// The team the car races for (the pit wall groups a team's cars by it and `car_number`).
    pub team: String,
    /// The car's race number: a team's sessions with the same number on the same track are one car's stints.
    pub car_number: String,
    /// Also record each session to this file (`name.rcr`; later sessions `name-2.rcr`, `name-3.rcr`, …).
    pub record: Option<PathBuf>,
    /// Keep the raw game packets in the recording (UDP sources), so a later decoder can re-read them.
    pub record_raw: bool,
    /// Silence after which a session ends.
    pub idle_timeout: Duration,
    /// Shared memory polling period (AC physics runs at about 333 Hz, iRacing at 60 Hz).
    pub poll_period: Duration,
    /// Skip (with a warning) a UDP source whose port cannot be bound, instead of failing: for watching every
    /// game at once, where another program may hold one of the ports. At least one source must start.
    pub skip_unbindable: bool,
    /// The agent token a team server asks for.
    pub token: Option<String>,
}

impl CaptureConfig {
    /// Defaults: idle timeout 30 s, shared memory polled every 3 ms.
    pub fn new(sources: Vec<SourceConfig>, server: impl Into<String>) -> CaptureConfig {
        CaptureConfig {
            sources,
            server: server.into(),
            driver: String::new(),
            team: String::new(),
            car_number: String::new(),
            record: None,
            record_raw: false,
            idle_timeout: Duration::from_secs(30),
            poll_period: Duration::from_millis(3),
            skip_unbindable: false,
            token: None,
        }
    }
}

/// Counters of a capture.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CaptureStats {
    /// Frames captured (all sessions).
    pub frames: u64,
    /// Packets or pages that did not decode.
    pub rejected: u64,
    /// The latest decode error, for display.
    pub last_error: Option<String>,
    /// Server ids of the sessions started, in order (an id appears once the server assigned it).
    pub sessions: Vec<i64>,
    /// Sessions started (including any not yet given an id).
    pub sessions_started: u64,
    /// The source being followed, if any.
    pub following: Option<&'static str>,
    /// Frames the server has acknowledged as durable, over finished sessions.
    pub acked: u64,
    /// Frames not delivered when the capture stopped (the server was unreachable until the stop timeout).
    pub undelivered: u64,
    /// Recordings written.
    pub recordings: Vec<PathBuf>,
}

/// What can go wrong in a capture.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// No source given.
    #[error("no source to capture from")]
    NoSource,
    /// A UDP socket could not be bound.
    #[error("binding UDP {addr} for {source_tag}: {error}")]
    Bind {
        /// The source.
        source_tag: &'static str,
        /// The address.
        addr: SocketAddr,
        /// Why.
        error: std::io::Error,
    },
    /// A recording could not be written.
    #[error("recording: {0}")]
    Record(#[from] racecraft_record::Error),
    /// A session's uplink failed (it could not start, or the server refused the session for good).
    #[error(transparent)]
    Uplink(#[from] racecraft_uplink::Error),
    /// A source thread could not be started, or the capture's own task failed.
    #[error("capture task failed: {0}")]
    Task(String),
}

/// Result with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A running capture.
#[derive(Debug)]
pub struct Capture {
    stop: Arc<AtomicBool>,
    stats: watch::Receiver<CaptureStats>,
    task: JoinHandle<Result<CaptureStats>>,
    threads: Vec<std::thread::JoinHandle<()>>,
    local_addrs: Vec<Option<SocketAddr>>,
    stop_tx: Option<tokio::sync::oneshot::Sender<Duration>>,
}

impl Capture {
    /// Binds the sources' sockets and starts capturing on the current tokio runtime.
    pub fn spawn(config: CaptureConfig) -> Result<Capture> {
        if config.sources.is_empty() {
            return Err(Error::NoSource);
        }
        let stop = Arc::new(AtomicBool::new(false));
        let (events_tx, events_rx) = mpsc::channel(65_536);
        let epoch = Instant::now();
        let mut threads = Vec::new();
        let mut local_addrs = Vec::new();
        let mut start = || -> Result<()> {
            for (index, source) in config.sources.iter().enumerate() {
                let common = Common {
                    source: index,
                    events: events_tx.clone(),
                    stop: stop.clone(),
                    epoch,
                    idle_timeout: config.idle_timeout,
                    raw: config.record_raw && config.record.is_some(),
                };
                let bind = |addr: SocketAddr| -> Result<Option<UdpSocket>> {
                    match UdpSocket::bind(addr) {
                        Ok(socket) => Ok(Some(socket)),
                        Err(error) if config.skip_unbindable => {
                            tracing::warn!(source = source.tag(), %addr, %error, "port unavailable; not watching this source");
                            Ok(None)
                        }
                        Err(error) => Err(Error::Bind { source_tag: source.tag(), addr, error }),
                    }
                };
                // Sockets first, so a port in use is reported before the source starts.
                let socket = match source.bind_addr() {
                    Some(addr) => match bind(addr)? {
                        Some(socket) => Some(socket),
                        None => {
                            local_addrs.push(None);
                            continue;
                        }
                    },
                    None => None,
                };
                local_addrs.push(socket.as_ref().and_then(|s| s.local_addr().ok()));
                let thread = std::thread::Builder::new().name(format!("capture-{}", source.tag()));
                let period = config.poll_period;
                let spawned = match (source.clone(), socket) {
                    (SourceConfig::AcSharedMemory { dir }, _) => {
                        thread.spawn(move || sources::ac_shared_memory(common, PageReader::open(dir), period))
                    }
                    (SourceConfig::IracingMemory { path }, _) => {
                        thread.spawn(move || sources::iracing_memory(common, sources::MapFile::new(path), period))
                    }
                    #[cfg(windows)]
                    (SourceConfig::AcMappings, _) => {
                        thread.spawn(move || sources::ac_shared_memory(common, PageReader::named(), period))
                    }
                    #[cfg(windows)]
                    (SourceConfig::IracingMapping, _) => {
                        thread.spawn(move || sources::iracing_memory(common, sources::NamedMap::default(), period))
                    }
                    (SourceConfig::AcUdp { game }, Some(socket)) => {
                        thread.spawn(move || sources::ac_udp_client(common, socket, game))
                    }
                    (listener, Some(socket)) => {
                        let decoder = listener.decoder();
                        thread.spawn(move || sources::udp_listener(common, socket, decoder))
                    }
                    // Every UDP source has a socket by now.
                    (_, None) => continue,
                };
                threads.push(spawned.map_err(|e| Error::Task(e.to_string()))?);
            }
            Ok(())
        };
        if let Err(e) = start() {
            // Sources already started must not outlive a capture that failed to start.
            stop.store(true, Ordering::Relaxed);
            return Err(e);
        }
        drop(events_tx);
        if threads.is_empty() {
            return Err(Error::NoSource);
        }
        let (stats_tx, stats) = watch::channel(CaptureStats::default());
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel();
        let sessions = Sessions::new(config, stats_tx);
        let task = tokio::spawn(sessions.run(events_rx, stop_rx));
        Ok(Capture { stop, stats, task, threads, local_addrs, stop_tx: Some(stop_tx) })
    }

    /// The local address of each source's socket, in source order (`None` for sources without one).
    pub fn local_addrs(&self) -> &[Option<SocketAddr>] {
        &self.local_addrs
    }

    /// The latest counters.
    pub fn stats(&self) -> CaptureStats {
        self.stats.borrow().clone()
    }

    /// A watch on the counters.
    pub fn watch(&self) -> watch::Receiver<CaptureStats> {
        self.stats.clone()
    }

    /// Stops reading, ends the current session and waits up to `deliver_timeout` for the server to acknowledge
    /// every frame (frames still undelivered are counted in [`CaptureStats::undelivered`]).
    pub async fn stop(mut self, deliver_timeout: Duration) -> Result<CaptureStats> {
        // The source threads first: once they have ended, everything they read is queued (a packet's raw copy
        // and its frame together), and the session task, still running meanwhile, takes all of it.
        self.stop.store(true, Ordering::Relaxed);
        let threads = std::mem::take(&mut self.threads);
        let _ = tokio::task::spawn_blocking(move || threads.into_iter().for_each(|t| drop(t.join()))).await;
        if let Some(tx) = self.stop_tx.take() {
            let _ = tx.send(deliver_timeout);
        }
        match (&mut self.task).await {
            Ok(result) => result,
            Err(e) => Err(Error::Task(e.to_string())),
        }
    }
}

/// One session being captured.
struct Active {
    agent: Agent,
    recorder: Option<RecordingWriter>,
    tracker: LapTracker,
    /// The source clock's value at the session's first frame; frames are rebased to start at 0.
    origin_us: i64,
    last_t_us: i64,
}

/// A finished session still delivering its frames, and a watch on its progress.
type Finishing = (JoinHandle<racecraft_uplink::Result<AgentStats>>, watch::Receiver<AgentStats>);

/// The session task: follows one source, cuts sessions, feeds agents and recorders.
struct Sessions {
    config: CaptureConfig,
    stats_tx: watch::Sender<CaptureStats>,
    stats: CaptureStats,
    following: Option<usize>,
    meta: Vec<Option<SessionMeta>>,
    active: Option<Active>,
    finishing: Vec<Finishing>,
    /// Ids of sessions whose agent has not said its id yet.
    pending_ids: Vec<watch::Receiver<AgentStats>>,
    /// Raw packets received while no session was running, kept for the next session's recording.
    pre_session_raw: std::collections::VecDeque<(usize, i64, Vec<u8>)>,
}

/// Raw packets kept from before a session's first frame.
const PRE_SESSION_RAW: usize = 256;

impl Sessions {
    fn new(config: CaptureConfig, stats_tx: watch::Sender<CaptureStats>) -> Sessions {
        let meta = vec![None; config.sources.len()];
        Sessions {
            config,
            stats_tx,
            stats: CaptureStats::default(),
            following: None,
            meta,
            active: None,
            finishing: Vec::new(),
            pending_ids: Vec::new(),
            pre_session_raw: std::collections::VecDeque::new(),
        }
    }

    async fn run(
        mut self,
        mut events: mpsc::Receiver<Event>,
        mut stop: tokio::sync::oneshot::Receiver<Duration>,
    ) -> Result<CaptureStats> {
        let mut tick = tokio::time::interval(Duration::from_millis(100));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let deliver_timeout = loop {
            tokio::select! {
                timeout = &mut stop => break timeout.unwrap_or(Duration::ZERO),
                event = events.recv() => match event {
                    Some(event) => self.handle(event)?,
                    // The source threads end only when asked to stop, so the stop message is on its way.
                    None => break (&mut stop).await.unwrap_or(Duration::ZERO),
                },
                _ = tick.tick() => self.housekeeping()?,
            }
        };
        // Frames already read are part of the session: take what the threads queued before they ended.
        while let Ok(event) = events.try_recv() {
            self.handle(event)?;
        }
        self.end_session()?;
        let deadline = tokio::time::Instant::now() + deliver_timeout;
        for (handle, watch) in std::mem::take(&mut self.finishing) {
            match tokio::time::timeout_at(deadline, handle).await {
                Ok(Ok(Ok(agent))) => self.stats.acked += agent.acked,
                Ok(Ok(Err(e))) => return Err(e.into()),
                Ok(Err(e)) => return Err(Error::Task(e.to_string())),
                Err(_) => {
                    // Out of time: what the server has acknowledged so far is durable, the rest is not.
                    let agent = watch.borrow().clone();
                    self.stats.acked += agent.acked;
                    self.stats.undelivered += agent.pushed - agent.acked - agent.dropped;
                }
            }
        }
        self.collect_ids();
        self.publish();
        Ok(self.stats)
    }

    fn handle(&mut self, event: Event) -> Result<()> {
        match event {
            Event::Meta { source, meta } => {
                let changed = self.meta[source].as_ref().is_some_and(|old| !same_session(old, &meta));
                self.meta[source] = Some(meta);
                if changed && self.following == Some(source) {
                    self.end_session()?;
                }
            }
            Event::NewSession { source } => {
                if self.following == Some(source) {
                    self.end_session()?;
                }
            }
            Event::Frame { source, frame } => {
                if self.following.is_none() {
                    self.following = Some(source);
                    self.stats.following = Some(self.config.sources[source].tag());
                    tracing::info!(source = self.config.sources[source].tag(), "capturing");
                }
                if self.following == Some(source) {
                    self.frame(source, frame)?;
                }
            }
            Event::Field { source, mut field } => {
                if self.following == Some(source)
                    && let Some(active) = self.active.as_ref()
                {
                    field.t_us -= active.origin_us;
                    active.agent.field(field);
                }
            }
            Event::Raw { source, t_us, bytes } => match self.active.as_mut() {
                Some(active) if self.following == Some(source) => {
                    if let Some(recorder) = active.recorder.as_mut() {
                        recorder.push_raw(t_us - active.origin_us, self.config.sources[source].tag(), &bytes)?;
                    }
                }
                // Packets before the first frame (a session packet, the datagram that starts the session) belong
                // to the session about to start.
                None if self.following.is_none_or(|f| f == source) => {
                    if self.pre_session_raw.len() == PRE_SESSION_RAW {
                        self.pre_session_raw.pop_front();
                    }
                    self.pre_session_raw.push_back((source, t_us, bytes));
                }
                _ => {}
            },
            Event::Rejected { source, error } => {
                self.stats.rejected += 1;
                if self.stats.rejected <= 5 {
                    tracing::warn!(source = self.config.sources[source].tag(), %error, "packet not decoded");
                }
                self.stats.last_error = Some(error);
                self.publish();
            }
            Event::Idle { source } => {
                if self.following == Some(source) {
                    tracing::info!(source = self.config.sources[source].tag(), "source silent; session ended");
                    self.end_session()?;
                    self.following = None;
                    self.stats.following = None;
                    self.publish();
                }
            }
        }
        Ok(())
    }

    fn frame(&mut self, source: usize, frame: Frame) -> Result<()> {
        // A source clock that jumps backwards (a restarted game) cannot continue a session.
        if self.active.as_ref().is_some_and(|a| frame.t_us < a.last_t_us) {
            self.end_session()?;
        }
        if self.active.is_none() {
            self.start_session(source, frame.t_us)?;
        }
        let Some(active) = self.active.as_mut() else { return Ok(()) };
        active.last_t_us = frame.t_us;
        let mut frame = frame;
        frame.t_us -= active.origin_us;
        if let Some(recorder) = active.recorder.as_mut() {
            if let Some(lap) = active.tracker.push(&frame) {
                recorder.lap(&LapMarker::from(&lap))?;
            }
            recorder.push(frame)?;
        }
        active.agent.push(frame);
        self.stats.frames += 1;
        if self.stats.frames.is_multiple_of(1024) {
            self.publish();
        }
        Ok(())
    }

    fn start_session(&mut self, source: usize, origin_us: i64) -> Result<()> {
        let config = &self.config.sources[source];
        let mut meta = self.meta[source].clone().unwrap_or_else(|| SessionMeta {
            game: config.default_game().into(),
            car: String::new(),
            track: String::new(),
            driver: String::new(),
            started_at_ms: 0,
            ..Default::default()
        });
        meta.started_at_ms = racecraft_core::time::now_ms();
        if meta.driver.is_empty() {
            meta.driver = self.config.driver.clone();
        }
        meta.team = self.config.team.clone();
        meta.car_number = self.config.car_number.clone();
        let agent = Agent::spawn(AgentConfig {
            token: self.config.token.clone(),
            ..AgentConfig::new(self.config.server.clone(), meta.clone())
        })?;
        self.pending_ids.push(agent.watch());
        self.stats.sessions_started += 1;
        let recorder = match &self.config.record {
            Some(path) => {
                let path = numbered(path, self.stats.sessions_started);
                let writer = RecordingWriter::create(&path, &meta)?;
                self.stats.recordings.push(path);
                Some(writer)
            }
            None => None,
        };
        tracing::info!(game = %meta.game, car = %meta.car, track = %meta.track, "session started");
        let mut recorder = recorder;
        for (from, t_us, bytes) in std::mem::take(&mut self.pre_session_raw) {
            if let Some(recorder) = recorder.as_mut()
                && from == source
            {
                recorder.push_raw(t_us - origin_us, config.tag(), &bytes)?;
            }
        }
        self.active = Some(Active { agent, recorder, tracker: LapTracker::new(), origin_us, last_t_us: origin_us });
        self.publish();
        Ok(())
    }

    fn end_session(&mut self) -> Result<()> {
        if let Some(active) = self.active.take() {
            if let Some(recorder) = active.recorder {
                recorder.finish()?;
            }
            // Delivery goes on in the background while the next session starts.
            let watch = active.agent.watch();
            self.finishing.push((tokio::spawn(active.agent.finish(None)), watch));
        }
        Ok(())
    }

    fn housekeeping(&mut self) -> Result<()> {
        if let Some(recorder) = self.active.as_mut().and_then(|a| a.recorder.as_mut()) {
            recorder.flush_if_due(Instant::now())?;
        }
        let mut still = Vec::new();
        for (handle, watch) in std::mem::take(&mut self.finishing) {
            if handle.is_finished() {
                match futures_util::FutureExt::now_or_never(handle) {
                    Some(Ok(Ok(agent))) => self.stats.acked += agent.acked,
                    Some(Ok(Err(e))) => tracing::warn!(error = %e, "a finished session's delivery failed"),
                    Some(Err(e)) => tracing::warn!(error = %e, "a session's delivery task failed"),
                    None => {}
                }
            } else {
                still.push((handle, watch));
            }
        }
        self.finishing = still;
        self.collect_ids();
        self.publish();
        Ok(())
    }

    fn collect_ids(&mut self) {
        let mut waiting = Vec::new();
        for watch in std::mem::take(&mut self.pending_ids) {
            match watch.borrow().session_id {
                Some(id) => self.stats.sessions.push(id),
                None => waiting.push(watch.clone()),
            }
        }
        self.pending_ids = waiting;
    }

    fn publish(&self) {
        self.stats_tx.send_replace(self.stats.clone());
    }
}

/// Whether two descriptions are the same session (game, car and track; the start time is not compared).
fn same_session(a: &SessionMeta, b: &SessionMeta) -> bool {
    a.game == b.game && a.car == b.car && a.track == b.track
}

/// `path` for the first session, `stem-N.ext` for the N-th.
fn numbered(path: &std::path::Path, n: u64) -> PathBuf {
    if n <= 1 {
        return path.to_path_buf();
    }
    let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    let name = match path.extension() {
        Some(ext) => format!("{stem}-{n}.{}", ext.to_string_lossy()),
        None => format!("{stem}-{n}"),
    };
    path.with_file_name(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recordings_are_numbered_after_the_first() {
        assert_eq!(numbered(std::path::Path::new("/t/spa.rcr"), 1), PathBuf::from("/t/spa.rcr"));
        assert_eq!(numbered(std::path::Path::new("/t/spa.rcr"), 3), PathBuf::from("/t/spa-3.rcr"));
        assert_eq!(numbered(std::path::Path::new("spa"), 2), PathBuf::from("spa-2"));
    }

    #[test]
    fn sessions_differ_by_game_car_or_track() {
        let a =
            SessionMeta { game: "ac".into(), car: "ks_ferrari".into(), track: "monza".into(), ..Default::default() };
        assert!(same_session(&a, &SessionMeta { started_at_ms: 5, driver: "x".into(), ..a.clone() }));
        assert!(!same_session(&a, &SessionMeta { track: "spa".into(), ..a.clone() }));
    }
}
