//! The game side of a capture: one blocking thread per source, reading the game the way it publishes and
//! sending [`Event`]s to the session task.
//!
//! Threads, not tasks: shared memory is polled with a fixed period, and a UDP receive with a timeout is the
//! simplest loop that notices both data and silence. Each thread owns its decoder state; nothing here allocates
//! per frame except the optional copy of a raw packet for the recording (and the field's snapshot, built at most
//! twice a second).

use std::fs::File;
use std::net::{SocketAddr, UdpSocket};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use racecraft_capture::assetto_corsa::udp::{Handshake, Operation};
use racecraft_capture::assetto_corsa::{AcUdp, PageReader, PageSource, Update, decode_datagram};
use racecraft_capture::f1::{self, F1Normalizer, Packet};
use racecraft_capture::iracing::{LiveMemory, LiveRead, LiveReader};
use racecraft_capture::{forza, json, outgauge};
use racecraft_core::{Field, Frame, SessionMeta};
use tokio::sync::mpsc;

/// What a source thread reports.
#[derive(Debug)]
pub(crate) enum Event {
    /// The game's session description; a change of game, car or track starts a new session.
    Meta { source: usize, meta: SessionMeta },
    /// The game started a new session on the same car and track (an F1 session UID change, say).
    NewSession { source: usize },
    /// A normalized frame; `t_us` is the source's clock (game time or arrival time), rebased per session.
    Frame { source: usize, frame: Frame },
    /// The field of the race, on the same clock as the frames.
    Field { source: usize, field: Field },
    /// A packet as received, for recordings that keep raw bytes.
    Raw { source: usize, t_us: i64, bytes: Vec<u8> },
    /// A packet that did not decode.
    Rejected { source: usize, error: String },
    /// No data for the idle timeout: the game has gone (or paused for long).
    Idle { source: usize },
}

/// Settings every source thread shares.
#[derive(Debug, Clone)]
pub(crate) struct Common {
    pub source: usize,
    pub events: mpsc::Sender<Event>,
    pub stop: Arc<AtomicBool>,
    pub epoch: Instant,
    pub idle_timeout: Duration,
    pub raw: bool,
}

impl Common {
    fn now_us(&self) -> i64 {
        self.epoch.elapsed().as_micros() as i64
    }

    /// Sends an event; false once the session task has gone (the capture is stopping).
    fn send(&self, event: Event) -> bool {
        self.events.blocking_send(event).is_ok()
    }

    fn stopped(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }
}

/// Tracks silence, reporting [`Event::Idle`] once per silent spell.
#[derive(Debug)]
struct Silence {
    last_data: Instant,
    reported: bool,
}

impl Silence {
    fn new() -> Silence {
        Silence { last_data: Instant::now(), reported: true }
    }

    fn data(&mut self) {
        self.last_data = Instant::now();
        self.reported = false;
    }

    fn check(&mut self, common: &Common) -> bool {
        if !self.reported && self.last_data.elapsed() >= common.idle_timeout {
            self.reported = true;
            return common.send(Event::Idle { source: common.source });
        }
        true
    }
}

/// How often to look for a game that is not running.
const NOT_RUNNING_PERIOD: Duration = Duration::from_millis(100);

/// Polls AC/ACC shared memory (the game's mappings, or a directory of `acpmf_*` files) every `period`.
pub(crate) fn ac_shared_memory<S: PageSource>(common: Common, mut reader: PageReader<S>, period: Duration) {
    let mut silence = Silence::new();
    let mut meta: Option<SessionMeta> = None;
    let mut next = Instant::now();
    let mut last_error: Option<String> = None;
    while !common.stopped() {
        match reader.poll(common.now_us()) {
            Ok(Some(Update::Frame(frame))) => {
                last_error = None;
                if let Some(m) = reader.session_meta()
                    && meta.as_ref() != Some(&m)
                {
                    meta = Some(m.clone());
                    if !common.send(Event::Meta { source: common.source, meta: m }) {
                        return;
                    }
                }
                silence.data();
                if !common.send(Event::Frame { source: common.source, frame }) {
                    return;
                }
            }
            Ok(Some(Update::NotRunning)) => {
                meta = None;
                // No game: look again ten times a second rather than at the physics rate.
                if !silence.check(&common) {
                    return;
                }
                std::thread::sleep(NOT_RUNNING_PERIOD);
                next = Instant::now();
                continue;
            }
            Ok(None) => {}
            Err(e) => {
                // Reported once per distinct error, not at the polling rate.
                let text = e.to_string();
                if last_error.as_deref() != Some(text.as_str()) {
                    last_error = Some(text.clone());
                    if !common.send(Event::Rejected { source: common.source, error: text }) {
                        return;
                    }
                }
            }
        }
        if !silence.check(&common) {
            return;
        }
        next += period;
        let now = Instant::now();
        match next.checked_duration_since(now) {
            Some(wait) => std::thread::sleep(wait),
            // Fell behind (the machine was busy): poll now and keep the period from here.
            None => next = now,
        }
    }
}

/// What a datagram decoder made of one packet.
#[derive(Debug, Default)]
pub(crate) struct Decoded {
    pub frame: Option<Frame>,
    pub meta: Option<SessionMeta>,
    pub new_session: bool,
    /// The field of the race, a few times a second where the game reports it.
    pub field: Option<Field>,
}

/// A decoder for one game's UDP datagrams.
pub(crate) trait DatagramDecoder: Send {
    /// Decodes one datagram that arrived at `t_us` (capture clock).
    fn decode(&mut self, bytes: &[u8], t_us: i64) -> Result<Decoded, String>;
}

/// How often a source sends the field, µs of the capture clock: a timing tower needs no more, and the game's
/// lap data comes at the telemetry rate.
const FIELD_PERIOD_US: i64 = 500_000;

/// Whether a field is due at `t_us`, the last one having gone at `last` (capture clock); notes it if so.
fn field_due(last: &mut Option<i64>, t_us: i64) -> bool {
    // A clock that went back (a new epoch) sends at once rather than waiting for it to catch up.
    let due = last.is_none_or(|l| t_us - l >= FIELD_PERIOD_US || t_us < l);
    if due {
        *last = Some(t_us);
    }
    due
}

/// F1 23/24/25: frames for the followed car, the session's track from the Session packet, and the field every
/// [`FIELD_PERIOD_US`] once Lap Data has come.
#[derive(Debug)]
pub(crate) struct F1Decoder {
    normalizer: F1Normalizer,
    session_uid: Option<u64>,
    meta: Option<SessionMeta>,
    last_frame_id: Option<(u64, u32)>,
    last_field_us: Option<i64>,
}

impl F1Decoder {
    pub(crate) fn new(follow: Option<u8>) -> F1Decoder {
        F1Decoder {
            normalizer: F1Normalizer::new(follow),
            session_uid: None,
            meta: None,
            last_frame_id: None,
            last_field_us: None,
        }
    }
}

impl DatagramDecoder for F1Decoder {
    fn decode(&mut self, bytes: &[u8], t_us: i64) -> Result<Decoded, String> {
        let packet = match f1::decode(bytes) {
            Ok(packet) => packet,
            // A packet the game defines but frames do not use (tyre sets, damage, …): not an error.
            Err(racecraft_capture::Error::NotDecoded { .. }) => return Ok(Decoded::default()),
            Err(e) => return Err(e.to_string()),
        };
        let header = *packet.header();
        let mut out = Decoded::default();
        if self.session_uid.is_some_and(|uid| uid != header.session_uid) {
            out.new_session = true;
        }
        self.session_uid = Some(header.session_uid);
        if let Packet::Session(session) = &packet {
            let meta = SessionMeta {
                game: format!("f1-{}", header.packet_format % 100),
                car: String::new(),
                track: f1::track_name(session.track_id)
                    .map_or_else(|| format!("track {}", session.track_id), str::to_owned),
                driver: String::new(),
                started_at_ms: 0,
                ..Default::default()
            };
            if self.meta.as_ref() != Some(&meta) {
                self.meta = Some(meta.clone());
                out.meta = Some(meta);
            }
        }
        // Car Telemetry is sent once per game frame; a repeated (session, frame) pair is a duplicate datagram.
        if matches!(packet, Packet::CarTelemetry(_)) {
            let id = (header.session_uid, header.frame_identifier);
            if self.last_frame_id == Some(id) {
                return Ok(out);
            }
            self.last_frame_id = Some(id);
        }
        out.frame = self.normalizer.push(&packet);
        // Only a packet that changes the field can make it due, so a snapshot never repeats an old one.
        let changes_field = matches!(
            packet,
            Packet::LapData(_)
                | Packet::Participants(_)
                | Packet::CarStatus(_)
                | Packet::CarDamage(_)
                | Packet::SessionHistory(_)
        );
        if changes_field && self.normalizer.has_lap_data() && field_due(&mut self.last_field_us, t_us) {
            out.field = self.normalizer.field();
        }
        Ok(out)
    }
}

/// Forza Data Out (Sled or Dash, any of the four layouts): frames on the game's own clock.
#[derive(Debug, Default)]
pub(crate) struct ForzaDecoder {
    normalizer: forza::ForzaNormalizer,
    meta: Option<SessionMeta>,
}

impl DatagramDecoder for ForzaDecoder {
    fn decode(&mut self, bytes: &[u8], _t_us: i64) -> Result<Decoded, String> {
        let packet = forza::decode(bytes).map_err(|e| e.to_string())?;
        let mut out = Decoded::default();
        let sled = packet.sled();
        // Menus and pauses send packets with IsRaceOn = 0: no car, no session change.
        if sled.race_on() {
            let (game, track) = match &packet {
                forza::Packet::Sled { .. } => ("forza", String::new()),
                forza::Packet::Fm7Dash { .. } => ("forza-fm7", String::new()),
                forza::Packet::HorizonDash { .. } => ("forza-horizon", String::new()),
                forza::Packet::Fm2023Dash { extra, .. } => ("forza-fm2023", format!("track {}", extra.track_ordinal)),
            };
            let meta = SessionMeta {
                game: game.into(),
                car: format!("car {}", sled.car_ordinal),
                track,
                driver: String::new(),
                started_at_ms: 0,
                ..Default::default()
            };
            if self.meta.as_ref() != Some(&meta) {
                self.meta = Some(meta.clone());
                out.meta = Some(meta);
            }
        }
        out.frame = self.normalizer.push(&packet);
        Ok(out)
    }
}

/// OutGauge (Live for Speed, BeamNG): frames on the arrival clock (BeamNG sends `time` 0).
#[derive(Debug, Default)]
pub(crate) struct OutGaugeDecoder {
    meta: Option<SessionMeta>,
}

impl DatagramDecoder for OutGaugeDecoder {
    fn decode(&mut self, bytes: &[u8], t_us: i64) -> Result<Decoded, String> {
        let packet = outgauge::decode(bytes).map_err(|e| e.to_string())?;
        let car = packet.car.text();
        let game = if car == "beam" { "beamng" } else { "lfs" };
        let meta = SessionMeta { game: game.into(), car, ..SessionMeta::default() };
        let mut out = Decoded::default();
        if self.meta.as_ref() != Some(&meta) {
            self.meta = Some(meta.clone());
            out.meta = Some(meta);
        }
        out.frame = Some(packet.to_frame(t_us));
        Ok(out)
    }
}

/// JSON over UDP: one `/api/ingest` point per datagram.
#[derive(Debug, Default)]
pub(crate) struct JsonDecoder {
    normalizer: json::JsonNormalizer,
    meta: Option<SessionMeta>,
}

impl DatagramDecoder for JsonDecoder {
    fn decode(&mut self, bytes: &[u8], t_us: i64) -> Result<Decoded, String> {
        let point = json::decode(bytes).map_err(|e| e.to_string())?;
        let mut out = Decoded::default();
        if point.track.is_some() || point.chassis.is_some() {
            let meta = SessionMeta {
                game: "json".into(),
                car: point.chassis.clone().unwrap_or_default(),
                track: point.track.clone().unwrap_or_default(),
                ..SessionMeta::default()
            };
            if self.meta.as_ref() != Some(&meta) {
                self.meta = Some(meta.clone());
                out.meta = Some(meta);
            }
        }
        out.frame = Some(self.normalizer.push(&point, t_us).map_err(|e| e.to_string())?);
        Ok(out)
    }
}

/// Receives datagrams on `socket` and decodes them.
pub(crate) fn udp_listener(common: Common, socket: UdpSocket, mut decoder: Box<dyn DatagramDecoder>) {
    let mut buf = vec![0u8; 65_536];
    let mut silence = Silence::new();
    // A short timeout so stop requests and silence are noticed promptly.
    let _ = socket.set_read_timeout(Some(Duration::from_millis(100)));
    while !common.stopped() {
        match socket.recv_from(&mut buf) {
            Ok((n, _from)) => {
                let t_us = common.now_us();
                silence.data();
                if common.raw && !common.send(Event::Raw { source: common.source, t_us, bytes: buf[..n].to_vec() }) {
                    return;
                }
                let ok = match decoder.decode(&buf[..n], t_us) {
                    Ok(decoded) => forward(&common, decoded),
                    Err(error) => common.send(Event::Rejected { source: common.source, error }),
                };
                if !ok {
                    return;
                }
            }
            Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => {}
            Err(e) => {
                if !common.send(Event::Rejected { source: common.source, error: format!("receive: {e}") }) {
                    return;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
        }
        if !silence.check(&common) {
            return;
        }
    }
}

fn forward(common: &Common, decoded: Decoded) -> bool {
    let source = common.source;
    if decoded.new_session && !common.send(Event::NewSession { source }) {
        return false;
    }
    if let Some(meta) = decoded.meta
        && !common.send(Event::Meta { source, meta })
    {
        return false;
    }
    if let Some(field) = decoded.field
        && !common.send(Event::Field { source, field })
    {
        return false;
    }
    match decoded.frame {
        Some(frame) => common.send(Event::Frame { source, frame }),
        None => true,
    }
}

/// AC's remote telemetry: handshake with the game at `game`, subscribe to updates and laps, re-handshake after
/// silence (the game restarted), dismiss on stop.
pub(crate) fn ac_udp_client(common: Common, socket: UdpSocket, game: SocketAddr) {
    let mut buf = [0u8; 1024];
    let mut silence = Silence::new();
    let _ = socket.set_read_timeout(Some(Duration::from_millis(100)));
    let mut subscribed = false;
    let mut last_handshake: Option<Instant> = None;
    let mut last_data = Instant::now();
    let send = |op: Operation| socket.send_to(&Handshake::new(op).encode(), game);
    while !common.stopped() {
        let silent_for = last_data.elapsed();
        if (!subscribed || silent_for > Duration::from_secs(2))
            && last_handshake.is_none_or(|t| t.elapsed() >= Duration::from_secs(1))
        {
            subscribed = false;
            last_handshake = Some(Instant::now());
            // The game may not be running yet: a refused send just means "try again later".
            let _ = send(Operation::Handshake);
        }
        match socket.recv_from(&mut buf) {
            Ok((n, from)) if from == game => {
                let t_us = common.now_us();
                last_data = Instant::now();
                if common.raw && !common.send(Event::Raw { source: common.source, t_us, bytes: buf[..n].to_vec() }) {
                    break;
                }
                let ok = match decode_datagram(&buf[..n]) {
                    Ok(AcUdp::Response(response)) => {
                        let _ = send(Operation::SubscribeUpdate);
                        let _ = send(Operation::SubscribeSpot);
                        subscribed = true;
                        let meta = SessionMeta {
                            game: "ac".into(),
                            car: response.car_name.0.clone(),
                            track: response.track_name.0.clone(),
                            driver: response.driver_name.0.clone(),
                            started_at_ms: 0,
                            ..Default::default()
                        };
                        common.send(Event::Meta { source: common.source, meta })
                    }
                    Ok(AcUdp::CarInfo(info)) => {
                        silence.data();
                        common.send(Event::Frame { source: common.source, frame: info.to_frame(t_us) })
                    }
                    // Lap times also arrive in every RTCarInfo (`lastLap`); RTLap is for other cars' laps.
                    Ok(AcUdp::Lap(_)) => true,
                    Err(e) => common.send(Event::Rejected { source: common.source, error: e.to_string() }),
                };
                if !ok {
                    break;
                }
            }
            // Datagrams from anyone but the game are ignored.
            Ok(_) => {}
            Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => {}
            // ICMP "port unreachable" from a send while the game was away.
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => {}
            Err(e) => {
                if !common.send(Event::Rejected { source: common.source, error: format!("receive: {e}") }) {
                    break;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
        }
        if !silence.check(&common) {
            break;
        }
    }
    if subscribed {
        let _ = send(Operation::Dismiss);
    }
}

/// Where iRacing's live map is read: a file holding its contents, or (Windows) the simulator's own mapping.
pub(crate) trait LiveMap {
    /// The memory once open.
    type Memory: LiveMemory;
    /// Opens the map; `None` while the simulator is not running.
    fn open(&mut self) -> Option<Self::Memory>;
    /// Waits for the simulator's next update: its event where it has one, else `period`.
    fn wait(&mut self, period: Duration);
}

/// iRacing's live memory read through a file (the map's contents, as a test or a bridge writes it).
#[derive(Debug)]
pub(crate) struct MapFile {
    path: PathBuf,
}

impl MapFile {
    pub(crate) fn new(path: PathBuf) -> MapFile {
        MapFile { path }
    }
}

/// An open [`MapFile`].
#[derive(Debug)]
pub(crate) struct FileMemory {
    file: File,
    len: usize,
}

impl LiveMemory for FileMemory {
    fn len(&self) -> usize {
        self.len
    }

    fn copy_to(&self, offset: usize, out: &mut [u8]) -> bool {
        offset.checked_add(out.len()).is_some_and(|end| end <= self.len)
            && racecraft_core::positional::read_exact_at(&self.file, out, offset as u64).is_ok()
    }
}

impl LiveMap for MapFile {
    type Memory = FileMemory;

    fn open(&mut self) -> Option<FileMemory> {
        let file = File::open(&self.path).ok()?;
        let len = file.metadata().ok()?.len() as usize;
        Some(FileMemory { file, len })
    }

    fn wait(&mut self, period: Duration) {
        std::thread::sleep(period);
    }
}

/// The simulator's own mapping, read when its data-valid event says a row was written: no polling.
#[cfg(windows)]
#[derive(Debug, Default)]
pub(crate) struct NamedMap {
    event: Option<racecraft_shm::Event>,
}

/// Longest wait on the event, so that a stop or a silence is noticed.
#[cfg(windows)]
const EVENT_WAIT: Duration = Duration::from_millis(250);

#[cfg(windows)]
impl LiveMap for NamedMap {
    type Memory = racecraft_shm::Mapping;

    fn open(&mut self) -> Option<racecraft_shm::Mapping> {
        use racecraft_capture::iracing::{DATA_VALID_EVENT, MAP_NAME};
        let mapping = racecraft_shm::Mapping::open(MAP_NAME).ok().flatten()?;
        self.event = racecraft_shm::Event::open(DATA_VALID_EVENT).ok().flatten();
        Some(mapping)
    }

    fn wait(&mut self, period: Duration) {
        // Without the event (never seen from iRacing itself), fall back to polling.
        let woken = self.event.as_ref().map(|event| event.wait(Some(EVENT_WAIT)));
        if !matches!(woken, Some(Ok(_))) {
            std::thread::sleep(period);
        }
    }
}

/// Reads iRacing's live memory: every row the simulator writes (the slots hold the last few, so a reader woken
/// late loses none), car, track and driver from the session-info YAML.
pub(crate) fn iracing_memory<M: LiveMap>(common: Common, mut map: M, period: Duration) {
    let mut silence = Silence::new();
    let mut reader: Option<(LiveReader, M::Memory)> = None;
    let mut last_tick = None;
    let mut last_field_us = None;
    while !common.stopped() {
        if reader.is_none() {
            reader = map.open().and_then(|memory| Some((LiveReader::new(&memory).ok()?, memory)));
            if let Some((live, memory)) = &reader
                && let Some(meta) = live.session_meta(memory)
                && !common.send(Event::Meta { source: common.source, meta })
            {
                return;
            }
        }
        let mut lost = false;
        if let Some((live, memory)) = reader.as_mut() {
            // A rewritten session-info YAML may name another car or track (a new session).
            if let Some(meta) = live.meta_if_changed(memory)
                && !common.send(Event::Meta { source: common.source, meta })
            {
                return;
            }
            loop {
                match live.next_after(memory, last_tick) {
                    LiveRead::Row(record) => {
                        last_tick = Some(record.tick_count);
                        silence.data();
                        if let Some(frame) = live.frame(&record)
                            && !common.send(Event::Frame { source: common.source, frame })
                        {
                            return;
                        }
                        // After the frame, so that the first row's field finds the session its frame started.
                        if field_due(&mut last_field_us, common.now_us())
                            && let Some(field) = live.field(memory, &record)
                            && !common.send(Event::Field { source: common.source, field })
                        {
                            return;
                        }
                    }
                    // Nothing new, or the simulator is in its menus: keep the reader and wait.
                    LiveRead::Unchanged | LiveRead::Disconnected => break,
                    // The layout changed or the session restarted: rebuild the reader.
                    LiveRead::Gone => {
                        lost = true;
                        break;
                    }
                }
            }
        }
        if lost {
            reader = None;
            last_tick = None;
        }
        if !silence.check(&common) {
            return;
        }
        if reader.is_some() {
            map.wait(period);
        } else {
            std::thread::sleep(NOT_RUNNING_PERIOD);
        }
    }
}
