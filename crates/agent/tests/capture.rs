//! Capture end to end over real sockets and files: the simulator publishing as a game (emulator) →
//! `Capture` → server → stored laps, compared with the simulator's ground truth.

use std::path::Path;
use std::time::Duration;

use racecraft_agent::{Capture, CaptureConfig, CaptureStats, SourceConfig};
use racecraft_capture::assetto_corsa::Game;
use racecraft_emulator::ac_shm::SharedMemoryWriter;
use racecraft_emulator::ac_udp::AcUdpServer;
use racecraft_server::{RunningServer, ServerConfig};
use racecraft_sim::{SimConfig, Simulation, Track};
use serde_json::Value;

fn simulation(laps: u32) -> Simulation {
    let track = Track::builtin("Norisring").expect("track");
    Simulation::new(track, SimConfig { laps, rate_hz: 60.0, seed: 7, ..SimConfig::default() }).expect("simulation")
}

async fn server(dir: &Path) -> RunningServer {
    let mut config = ServerConfig::new("127.0.0.1:0".parse().expect("addr"), dir.to_path_buf());
    config.writer.flush_interval = Duration::from_millis(100);
    RunningServer::start(config).await.expect("server")
}

async fn get(url: &str) -> Value {
    reqwest::get(url).await.expect("GET").json().await.expect("json")
}

fn assert_laps_match(laps: &Value, sim: &Simulation) {
    let laps = laps.as_array().expect("laps");
    let truth = &sim.truth().laps;
    assert_eq!(laps.len(), truth.len(), "{laps:?}");
    for (lap, t) in laps.iter().zip(truth) {
        let got = lap["lap_time_s"].as_f64().expect("lap_time_s");
        assert!((got - t.lap_time_s).abs() <= 1e-3, "lap {}: {got} vs truth {}", t.lap_number, t.lap_time_s);
    }
}

async fn wait_for(capture: &Capture, what: &str, until: impl Fn(&CaptureStats) -> bool) {
    let mut watch = capture.watch();
    tokio::time::timeout(Duration::from_secs(60), watch.wait_for(|s| until(s)))
        .await
        .unwrap_or_else(|_| panic!("timed out waiting for {what}: {:?}", capture.stats()))
        .expect("capture running");
}

/// Publishes the simulation as AC or ACC shared memory at `speed` times real time, on its own thread.
fn play_shared_memory(dir: &Path, game: Game, sim: &Simulation, speed: f64) -> std::thread::JoinHandle<u64> {
    let mut writer = SharedMemoryWriter::create(dir, game, &sim.meta(0)).expect("pages");
    let frames: Vec<_> = sim.frames().collect();
    std::thread::spawn(move || racecraft_emulator::play(frames, speed, |f| writer.publish(f)).expect("publish"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acc_shared_memory_laps_equal_the_simulators_truth() {
    let tmp = tempfile::tempdir().expect("tmp");
    let server = server(&tmp.path().join("server")).await;
    let pages = tmp.path().join("shm");
    std::fs::create_dir_all(&pages).expect("dir");
    let sim = simulation(2);

    let mut config = CaptureConfig::new(vec![SourceConfig::AcSharedMemory { dir: pages.clone() }], server.url());
    config.poll_period = Duration::from_micros(500);
    config.record = Some(tmp.path().join("acc.rcr"));
    let capture = Capture::spawn(config).expect("capture");
    let published = play_shared_memory(&pages, Game::Acc, &sim, 10.0).join().expect("emulator");
    let stats = capture.stop(Duration::from_secs(120)).await.expect("stop");

    assert_eq!(stats.following, Some("ac/shm"));
    assert_eq!(stats.sessions.len(), 1, "{stats:?}");
    assert_eq!(stats.undelivered, 0);
    assert_eq!(stats.acked, stats.frames, "every captured frame is durable");
    // Shared memory is overwritten in place: how many steps a poller sees depends on how busy the machine is
    // (the laps below must be exact regardless), but it never sees one step twice.
    assert!(stats.frames > 0 && stats.frames <= published, "{} of {published}", stats.frames);

    let id = stats.sessions[0];
    let session = get(&format!("{}/api/sessions/{id}", server.url())).await;
    assert_eq!(session["game"], "acc");
    assert_eq!(session["track"], "Norisring");
    assert_eq!(session["car"], sim.meta(0).car);
    assert_laps_match(&get(&format!("{}/api/sessions/{id}/laps", server.url())).await, &sim);

    let recording = racecraft_record::read_all(tmp.path().join("acc.rcr")).expect("recording");
    assert_eq!(recording.frames.len() as u64, stats.frames);
    assert!(recording.frames.windows(2).all(|w| w[1].t_us > w[0].t_us), "a step was captured twice");
    assert_eq!(recording.meta.expect("meta").game, "acc");
    server.shutdown().await.expect("shutdown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ac_udp_laps_equal_the_simulators_truth() {
    let tmp = tempfile::tempdir().expect("tmp");
    let server = server(tmp.path()).await;
    let sim = simulation(2);
    let mut game = AcUdpServer::bind("127.0.0.1:0", sim.meta(0)).expect("game");
    let addr = game.local_addr().expect("addr");

    let capture =
        Capture::spawn(CaptureConfig::new(vec![SourceConfig::AcUdp { game: addr }], server.url())).expect("capture");
    let frames: Vec<_> = sim.frames().collect();
    let published = std::thread::spawn(move || {
        // The game streams only once a client has subscribed.
        while game.subscribers() == 0 {
            game.serve_requests().expect("serve");
            std::thread::sleep(Duration::from_millis(5));
        }
        let n = racecraft_emulator::play(frames, 10.0, |f| game.publish(f)).expect("publish");
        (n, game)
    });
    let (published, game) = published.join().expect("emulator");
    wait_for(&capture, "every datagram", |s| s.frames >= published * 99 / 100).await;
    let stats = capture.stop(Duration::from_secs(120)).await.expect("stop");

    assert_eq!(stats.sessions.len(), 1, "{stats:?}");
    assert_eq!(stats.rejected, 0);
    assert_eq!(stats.acked, stats.frames);
    let id = stats.sessions[0];
    let session = get(&format!("{}/api/sessions/{id}", server.url())).await;
    assert_eq!(session["game"], "ac");
    assert_eq!(session["track"], "Norisring");
    assert_laps_match(&get(&format!("{}/api/sessions/{id}/laps", server.url())).await, &sim);
    // The capture said goodbye: the game dropped it from its subscribers.
    // The dismissal is a datagram: poll for it with a deadline rather than sleep a guess and assert.
    let mut game = game;
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        game.serve_requests().expect("serve");
        if game.subscribers() == 0 {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "dismissed on stop: still {} subscribers", game.subscribers());
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    server.shutdown().await.expect("shutdown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_game_quitting_and_returning_splits_sessions_only_after_the_idle_timeout() {
    let tmp = tempfile::tempdir().expect("tmp");
    let server = server(&tmp.path().join("server")).await;
    let pages = tmp.path().join("shm");
    std::fs::create_dir_all(&pages).expect("dir");
    let sim = simulation(1);
    let frames: Vec<_> = sim.frames().collect();
    let (first, rest) = frames.split_at(frames.len() / 2);

    let mut config = CaptureConfig::new(vec![SourceConfig::AcSharedMemory { dir: pages.clone() }], server.url());
    config.poll_period = Duration::from_micros(500);
    // Ten times the absence below, so a busy machine cannot stretch the one into the other.
    config.idle_timeout = Duration::from_millis(3000);
    let capture = Capture::spawn(config).expect("capture");

    // Half a lap, the bridge removes the files (game quit), then comes back well within the idle timeout.
    let mut writer = SharedMemoryWriter::create(&pages, Game::AssettoCorsa, &sim.meta(0)).expect("pages");
    racecraft_emulator::play(first.iter().copied(), 20.0, |f| writer.publish(f)).expect("publish");
    writer.remove().expect("remove");
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut writer = SharedMemoryWriter::create(&pages, Game::AssettoCorsa, &sim.meta(0)).expect("pages");
    racecraft_emulator::play(rest.iter().copied(), 20.0, |f| writer.publish(f)).expect("publish");
    wait_for(&capture, "one session", |s| s.sessions.len() == 1).await;
    let one = capture.stats();
    assert_eq!(one.sessions_started, 1, "a short absence stays one session: {one:?}");

    // Now silence until the idle timeout has ended the session (an event, not a sleep), then the game again: a
    // second session.
    wait_for(&capture, "the idle timeout to end the session", |s| s.following.is_none()).await;
    assert_eq!(capture.stats().sessions_started, 1, "{:?}", capture.stats());
    racecraft_emulator::play(first.iter().copied(), 20.0, |f| writer.publish(f)).expect("publish");
    wait_for(&capture, "a second session", |s| s.sessions.len() == 2).await;
    let stats = capture.stop(Duration::from_secs(120)).await.expect("stop");
    assert_eq!(stats.sessions_started, 2, "{stats:?}");
    assert_eq!(stats.acked, stats.frames);
    let laps = get(&format!("{}/api/sessions/{}/laps", server.url(), stats.sessions[0])).await;
    assert_laps_match(&laps, &sim);
    server.shutdown().await.expect("shutdown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn frames_captured_while_the_server_is_down_are_delivered_when_it_returns() {
    let tmp = tempfile::tempdir().expect("tmp");
    let data = tmp.path().join("server");
    let first = server(&data).await;
    let url = first.url();
    let addr: std::net::SocketAddr = url.trim_start_matches("http://").parse().expect("addr");
    let pages = tmp.path().join("shm");
    std::fs::create_dir_all(&pages).expect("dir");
    let sim = simulation(1);
    let frames: Vec<_> = sim.frames().collect();
    let third = frames.len() / 3;

    let mut config = CaptureConfig::new(vec![SourceConfig::AcSharedMemory { dir: pages.clone() }], url.clone());
    config.poll_period = Duration::from_micros(500);
    let capture = Capture::spawn(config).expect("capture");
    let mut writer = SharedMemoryWriter::create(&pages, Game::Acc, &sim.meta(0)).expect("pages");
    racecraft_emulator::play(frames[..third].iter().copied(), 20.0, |f| writer.publish(f)).expect("publish");
    first.shutdown().await.expect("shutdown");
    // The server is away for this third of the lap.
    racecraft_emulator::play(frames[third..2 * third].iter().copied(), 20.0, |f| writer.publish(f)).expect("publish");
    let mut config = ServerConfig::new(addr, data.clone());
    config.writer.flush_interval = Duration::from_millis(100);
    let second = RunningServer::start(config).await.expect("restart");
    racecraft_emulator::play(frames[2 * third..].iter().copied(), 20.0, |f| writer.publish(f)).expect("publish");
    let stats = capture.stop(Duration::from_secs(120)).await.expect("stop");

    assert_eq!(stats.undelivered, 0, "{stats:?}");
    assert_eq!(stats.acked, stats.frames);
    let id = stats.sessions[0];
    let session = get(&format!("{}/api/sessions/{id}", second.url())).await;
    assert_eq!(session["frame_count"].as_u64(), Some(stats.frames), "{session}");
    assert_laps_match(&get(&format!("{}/api/sessions/{id}/laps", second.url())).await, &sim);
    second.shutdown().await.expect("shutdown");
}

/// The real F1 23 and F1 24 packets in `racecraft-capture`'s fixtures, in capture order.
fn f1_packets(year: u16) -> Vec<Vec<u8>> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("../capture/tests/data/f1/{year}.jsonl"));
    let text = std::fs::read_to_string(&path).expect("fixture");
    text.lines()
        .map(|line| {
            let v: Value = serde_json::from_str(line).expect("json line");
            let bytes = match &v["message"] {
                Value::Array(a) => a,
                m => m["data"].as_array().expect("buffer"),
            };
            bytes.iter().map(|b| b.as_u64().expect("byte") as u8).collect()
        })
        .collect()
}

/// A server in `dir` and an F1 capture into it on a port of its own (the address to send to).
async fn f1_capture(dir: &Path) -> (RunningServer, Capture, std::net::SocketAddr) {
    let server = server(dir).await;
    let listen = "127.0.0.1:0".parse().expect("addr");
    let capture = Capture::spawn(CaptureConfig::new(vec![SourceConfig::F1 { listen, follow: None }], server.url()))
        .expect("capture");
    let to = capture.local_addrs()[0].expect("bound");
    (server, capture, to)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn real_f1_packets_over_udp_are_captured_like_the_decoder_reads_them() {
    use racecraft_capture::f1::{self, F1Normalizer, Packet};
    let tmp = tempfile::tempdir().expect("tmp");
    let (server, capture, to) = f1_capture(tmp.path()).await;

    // The oracle: the same datagrams through the decoder and normalizer directly.
    let packets = f1_packets(2024);
    let mut normalizer = F1Normalizer::new(None);
    let mut expected = Vec::new();
    let mut track = None;
    for p in &packets {
        let packet = match f1::decode(p) {
            Ok(packet) => packet,
            Err(racecraft_capture::Error::NotDecoded { .. }) => continue,
            Err(e) => panic!("fixture packet refused: {e}"),
        };
        if let Packet::Session(s) = &packet {
            track = f1::track_name(s.track_id);
        }
        expected.extend(normalizer.push(&packet));
    }
    assert!(!expected.is_empty(), "the fixture has car telemetry for the player");

    let socket = std::net::UdpSocket::bind("127.0.0.1:0").expect("game socket");
    // An F1 22 packet (unsupported) first: refused with a clear error, nothing else disturbed.
    let old = std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("../capture/tests/data/f1/dumps/2022-06.bin"))
        .expect("dump");
    socket.send_to(&old, to).expect("send");
    for p in &packets {
        socket.send_to(p, to).expect("send");
        // Also a duplicate of every datagram, as a network may deliver: captured once.
        socket.send_to(p, to).expect("send");
        std::thread::sleep(Duration::from_millis(2));
    }
    wait_for(&capture, "the frames", |s| s.frames >= expected.len() as u64).await;
    let stats = capture.stop(Duration::from_secs(120)).await.expect("stop");
    assert_eq!(stats.frames, expected.len() as u64, "{stats:?}");
    assert!(stats.last_error.as_deref().is_some_and(|e| e.contains("2022")), "{stats:?}");
    let id = stats.sessions[0];
    let session = get(&format!("{}/api/sessions/{id}", server.url())).await;
    assert_eq!(session["game"], "f1-24");
    assert_eq!(session["track"].as_str(), track, "{session}");
    assert_eq!(session["frame_count"].as_u64(), Some(expected.len() as u64));
    server.shutdown().await.expect("shutdown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn real_f1_packets_over_udp_give_the_server_the_field_while_live() {
    use racecraft_capture::f1::{self, F1Normalizer};
    let tmp = tempfile::tempdir().expect("tmp");
    let (server, capture, to) = f1_capture(tmp.path()).await;

    // One F1 24 session (uid 15747386989728148181): session, the player's telemetry (the frame that starts the
    // capture's session), participants, car status, car damage, a history, and the lap data last, so that the
    // first field due (once lap data has come) holds every car's names and tyres.
    let all = f1_packets(2024);
    let packets: Vec<&Vec<u8>> = [2, 7, 13, 8, 10, 1, 5].iter().map(|&i| &all[i]).collect();
    // The oracle: the same packets through the decoder and normalizer directly.
    let mut normalizer = F1Normalizer::new(None);
    let mut frame_t_us = None;
    for p in &packets {
        let frame = normalizer.push(&f1::decode(p).expect("fixture packet"));
        frame_t_us = frame_t_us.or(frame.map(|f| f.t_us));
    }
    let expected = normalizer.field().expect("a field");
    assert_eq!(expected.cars.len(), 20);

    let socket = std::net::UdpSocket::bind("127.0.0.1:0").expect("game socket");
    for p in &packets {
        socket.send_to(p, to).expect("send");
    }
    // The field reaches the server's live session (an event on another task: polled with a deadline).
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    let (id, field) = loop {
        let live = server.state().live();
        if let Some(found) = live.live_ids().into_iter().find_map(|id| Some((id, live.get(id)?.field()?))) {
            break found;
        }
        assert!(std::time::Instant::now() < deadline, "no field on the server: {:?}", capture.stats());
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    // The cars as the decoder reads them; the time on the session's clock (from its first frame).
    assert_eq!(field.cars, expected.cars);
    assert_eq!(field.t_us, expected.t_us - frame_t_us.expect("a frame"));
    let body = get(&format!("{}/api/sessions/{id}/field", server.url())).await;
    let cars = body["field"]["cars"].as_array().expect("cars");
    assert_eq!(cars.len(), 20, "{body}");
    assert_eq!((cars[0]["driver"].as_str(), cars[0]["is_player"].as_bool()), (Some("COPPENS"), Some(true)));
    assert_eq!(cars[0]["compound"], "wet", "{}", cars[0]);

    let stats = capture.stop(Duration::from_secs(120)).await.expect("stop");
    assert_eq!((stats.sessions, stats.frames), (vec![id], 1));
    server.shutdown().await.expect("shutdown");
}

/// Plays `sim` as a datagram game into a capture listening on one port; returns the capture's stats and the
/// stored session.
async fn capture_datagrams(
    source: SourceConfig,
    game: racecraft_emulator::udp::DatagramGame,
    sim: &Simulation,
) -> (CaptureStats, Value, RunningServer, u64, racecraft_record::Recording) {
    let tmp = tempfile::tempdir().expect("tmp");
    let server = server(&tmp.path().join("server")).await;
    let mut config = CaptureConfig::new(vec![source], server.url());
    config.record = Some(tmp.path().join("capture.rcr"));
    config.record_raw = true;
    let capture = Capture::spawn(config).expect("capture");
    let to = capture.local_addrs()[0].expect("bound");
    let mut sender = racecraft_emulator::udp::DatagramSender::new(game, to).expect("sender");
    let frames: Vec<_> = sim.frames().collect();
    let published = std::thread::spawn(move || racecraft_emulator::play(frames, 10.0, |f| sender.publish(f)))
        .join()
        .expect("emulator")
        .expect("publish");
    wait_for(&capture, "every datagram", |s| s.frames >= published * 99 / 100).await;
    let stats = capture.stop(Duration::from_secs(120)).await.expect("stop");
    let session = get(&format!("{}/api/sessions/{}", server.url(), stats.sessions[0])).await;
    let recording = racecraft_record::read_all(tmp.path().join("capture.rcr")).expect("recording");
    // The server's database lives in `tmp` until the caller is done with the server.
    std::mem::forget(tmp);
    (stats, session, server, published, recording)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forza_fm2023_laps_equal_the_simulators_truth() {
    use racecraft_capture::forza::Format;
    let sim = simulation(2);
    let listen = "127.0.0.1:0".parse().expect("addr");
    let game = racecraft_emulator::udp::DatagramGame::Forza(Format::Fm2023Dash);
    let (stats, session, server, published, recording) =
        capture_datagrams(SourceConfig::Forza { listen }, game, &sim).await;
    assert_eq!(recording.frames.len() as u64, stats.frames);
    assert_eq!(stats.rejected, 0, "{stats:?}");
    assert_eq!(session["game"], "forza-fm2023");
    assert!(stats.frames <= published);
    assert_eq!(stats.acked, stats.frames, "{stats:?}");
    // Forza's LastLap is an f32 of seconds: exact to well under a millisecond.
    assert_laps_match(&get(&format!("{}/api/sessions/{}/laps", server.url(), stats.sessions[0])).await, &sim);
    server.shutdown().await.expect("shutdown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outgauge_and_json_frames_arrive_with_their_values() {
    let sim = simulation(1);
    let top_speed = sim.frames().filter_map(|f| f.speed_mps()).fold(0.0f32, f32::max);
    for (source, game, name) in [
        (
            SourceConfig::OutGauge { listen: "127.0.0.1:0".parse().expect("addr") },
            racecraft_emulator::udp::DatagramGame::OutGauge { with_id: true },
            "outgauge",
        ),
        (
            SourceConfig::JsonUdp { listen: "127.0.0.1:0".parse().expect("addr") },
            racecraft_emulator::udp::DatagramGame::Json,
            "json",
        ),
    ] {
        let (stats, session, server, published, recording) = capture_datagrams(source, game, &sim).await;
        assert_eq!(stats.rejected, 0, "{name}: {stats:?}");
        assert!(stats.frames <= published && stats.frames * 100 >= published * 99, "{name}: {stats:?}");
        assert_eq!(stats.acked, stats.frames, "{name}");
        assert_eq!(session["frame_count"].as_u64(), Some(stats.frames), "{name}");
        // The recording holds every frame and, with --raw, every datagram as received.
        assert_eq!(recording.frames.len() as u64, stats.frames, "{name}");
        assert_eq!(recording.raw_count, stats.frames, "{name}");
        let max = recording.frames.iter().filter_map(|f| f.speed_mps()).fold(0.0f32, f32::max);
        assert!((max - top_speed).abs() < 0.01, "{name}: top speed {max} vs {top_speed}");
        server.shutdown().await.expect("shutdown");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn iracing_live_memory_played_from_a_real_ibt_gives_the_games_lap_times() {
    let ibt_path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../capture/tests/data/iracing/tsukuba_formulavee_4laps.ibt");
    let ibt = std::fs::read(&ibt_path).expect("fixture");
    // The game's own times for the completed laps, from the file (which can look ahead to the settled values).
    let file = racecraft_capture::iracing::IbtFile::parse(&ibt).expect("ibt");
    let mut tracker = racecraft_core::LapTracker::new();
    let expected: Vec<_> = file.frames().filter_map(|f| tracker.push(&f)).collect();
    assert_eq!(expected.len(), 2);

    let tmp = tempfile::tempdir().expect("tmp");
    let server = server(&tmp.path().join("server")).await;
    let map = tmp.path().join("IRSDKMemMapFileName");
    let mut game = racecraft_emulator::iracing::LiveMapWriter::create(&map, &ibt).expect("map");
    let mut config = CaptureConfig::new(vec![SourceConfig::IracingMemory { path: map.clone() }], server.url());
    config.poll_period = Duration::from_millis(1);
    let capture = Capture::spawn(config).expect("capture");
    let rows = game.rows();
    // The simulator writes a row every 1/60 s; played 8× faster here.
    std::thread::spawn(move || {
        for i in 0..rows {
            game.publish(i).expect("publish");
            std::thread::sleep(Duration::from_micros(16_667 / 8));
        }
    })
    .join()
    .expect("emulator");
    let stats = capture.stop(Duration::from_secs(120)).await.expect("stop");
    assert_eq!(stats.sessions.len(), 1, "{stats:?}");
    assert!(stats.frames as usize > rows / 2, "{stats:?} of {rows} rows");
    let id = stats.sessions[0];
    let session = get(&format!("{}/api/sessions/{id}", server.url())).await;
    assert_eq!(session["game"], "iracing");
    // Car and track from the session-info YAML in the map.
    assert_eq!(
        (session["track"].as_str(), session["car"].as_str()),
        (Some("Tsukuba Circuit 1k Outer"), Some("Formula Vee"))
    );
    let laps = get(&format!("{}/api/sessions/{id}/laps", server.url())).await;
    let laps = laps.as_array().expect("laps");
    // Live, iRacing publishes LapLastLapTime up to half a second after the counter moves: still exact.
    let got: Vec<(u64, f64)> =
        laps.iter().map(|l| (l["lap_number"].as_u64().expect("n"), l["lap_time_s"].as_f64().expect("t"))).collect();
    for want in &expected {
        let lap = got.iter().find(|(n, _)| *n == u64::from(want.lap_number)).unwrap_or_else(|| panic!("{got:?}"));
        assert!((lap.1 - want.lap_time_s).abs() < 1e-3, "lap {}: {} vs {}", want.lap_number, lap.1, want.lap_time_s);
    }
    server.shutdown().await.expect("shutdown");
}

#[tokio::test]
async fn a_port_held_by_another_program_fails_one_game_or_costs_only_that_source() {
    let held = std::net::UdpSocket::bind("127.0.0.1:0").expect("hold a port");
    let taken = held.local_addr().expect("addr");
    let dir = tempfile::tempdir().expect("tmp");
    let sources = vec![
        SourceConfig::AcSharedMemory { dir: dir.path().to_path_buf() },
        SourceConfig::F1 { listen: taken, follow: None },
    ];
    // Asked for that game: a clear error naming the port.
    let err = Capture::spawn(CaptureConfig::new(sources.clone(), "http://127.0.0.1:9")).expect_err("port in use");
    assert!(err.to_string().contains(&taken.to_string()), "{err}");
    // Watching every game: the others still run.
    let mut config = CaptureConfig::new(sources, "http://127.0.0.1:9");
    config.skip_unbindable = true;
    let capture = Capture::spawn(config).expect("starts without the held port");
    assert_eq!(capture.local_addrs(), &[None, None]);
    let stats = capture.stop(Duration::from_secs(1)).await.expect("stop");
    assert_eq!(stats.frames, 0);
    // With nothing left to watch, it says so.
    let mut config = CaptureConfig::new(vec![SourceConfig::F1 { listen: taken, follow: None }], "http://127.0.0.1:9");
    config.skip_unbindable = true;
    assert!(Capture::spawn(config).is_err());
}
