//! The binary itself: `racecraft simulate` against a real server, its ground truth, and its errors.

mod common;

use std::process::Command;

use racecraft_server::{RunningServer, ServerConfig};

use common::Running;

fn racecraft() -> Command {
    Command::new(env!("CARGO_BIN_EXE_racecraft"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn simulate_streams_a_session_and_writes_the_truth() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = RunningServer::start(ServerConfig::new(([127, 0, 0, 1], 0).into(), dir.path().join("data")))
        .await
        .expect("server");
    let truth_path = dir.path().join("truth.json");
    let url = server.url();
    let truth_arg = truth_path.clone();
    let out = tokio::task::spawn_blocking(move || {
        racecraft()
            .args(["simulate", "--track", "spa", "--laps", "2", "--rate", "100", "--speed", "0", "--seed", "5"])
            .arg("--truth")
            .arg(&truth_arg)
            .args(["--server", &url])
            .output()
            .expect("runs")
    })
    .await
    .expect("join");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("Session 1 stored."), "{stdout}");

    let truth: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&truth_path).expect("truth file")).expect("json");
    assert_eq!(truth["track"], "Spa");
    let laps = server.state().store().laps(1).await.expect("laps");
    assert_eq!(laps.len(), 2);
    for (lap, t) in laps.iter().zip(truth["laps"].as_array().expect("laps")) {
        let expected = t["lap_time_s"].as_f64().expect("time");
        assert!((lap.lap_time_s - expected).abs() < 1e-3, "{} vs {expected}", lap.lap_time_s);
    }
    server.shutdown().await.expect("shutdown");
}

#[test]
fn bad_arguments_are_clear_errors() {
    for (args, needle) in [
        (vec!["simulate", "--track", "Atlantis"], "unknown track `Atlantis`"),
        (vec!["simulate", "--rate", "1000"], "--rate must be between 60 and 333 Hz"),
        (vec!["simulate", "--laps", "0"], "--laps must be at least 1"),
        (vec!["serve", "--listen", "nowhere"], "invalid socket address"),
        (vec!["bench", "--only", "warp"], "unknown bench group `warp`"),
    ] {
        let out = racecraft().args(&args).output().expect("runs");
        assert!(!out.status.success(), "{args:?} should fail");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(needle), "{args:?}: {stderr}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_recording_inspects_and_replays_into_a_server() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = RunningServer::start(ServerConfig::new(([127, 0, 0, 1], 0).into(), dir.path().join("data")))
        .await
        .expect("server");
    let url = server.url();
    let rcr = dir.path().join("monza.rcr");
    let (rcr_arg, url_arg) = (rcr.clone(), url.clone());
    let out = tokio::task::spawn_blocking(move || {
        racecraft()
            .args(["simulate", "--laps", "1", "--rate", "60", "--speed", "0", "--record"])
            .arg(&rcr_arg)
            .args(["--server", &url_arg])
            .output()
            .expect("runs")
    })
    .await
    .expect("join");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    let out = racecraft().arg("inspect").arg(&rcr).arg("--json").output().expect("runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(summary["track"], "Monza");
    assert_eq!(summary["laps"].as_array().map(Vec::len), Some(1));
    assert_eq!(summary["finished_cleanly"], true);
    let frames = summary["frames"].as_u64().expect("frames");
    let stored = server.state().store().session(1).await.expect("store").expect("session 1");
    assert_eq!(stored.frame_count, frames, "the recording holds what was streamed");

    // Export reads the .rcr through its progress reader; with stderr not a terminal nothing is drawn.
    let csv = dir.path().join("monza.csv");
    let out = racecraft().arg("export").arg(&rcr).args(["--format", "csv", "--out"]).arg(&csv).output().expect("runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.stderr.is_empty(), "no progress bar off a terminal: {}", String::from_utf8_lossy(&out.stderr));
    let back = racecraft_interchange::csv::read_csv(std::fs::File::open(&csv).expect("csv")).expect("reads back");
    assert_eq!(back.frames.len() as u64, frames);

    let (rcr_arg, url_arg) = (rcr.clone(), url.clone());
    let out = tokio::task::spawn_blocking(move || {
        racecraft().arg("replay").arg(&rcr_arg).args(["--speed", "0", "--server", &url_arg]).output().expect("runs")
    })
    .await
    .expect("join");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let replayed = server.state().store().session(2).await.expect("store").expect("session 2");
    assert_eq!(replayed.frame_count, frames);
    let laps = server.state().store().laps(2).await.expect("laps");
    let truth = server.state().store().laps(1).await.expect("laps");
    assert_eq!(laps.len(), 1);
    assert!((laps[0].lap_time_s - truth[0].lap_time_s).abs() < 1e-6);

    let out = racecraft().arg("inspect").arg(dir.path().join("nothing.ld")).output().expect("runs");
    assert!(!out.status.success());

    // A recording a crash left open (100 ms blocks, no trailer, a torn last block): compact keeps every intact
    // block and finishes the file.
    let recording = racecraft_record::read_all(&rcr).expect("read");
    let torn = dir.path().join("torn.rcr");
    {
        let meta = recording.meta.clone().expect("meta");
        let mut w = racecraft_record::RecordingWriter::create(&torn, &meta).expect("create");
        for (i, f) in recording.frames.iter().enumerate() {
            w.push(*f).expect("push");
            if i % 33 == 32 {
                w.flush().expect("flush");
            }
        }
    } // dropped without finish: what a kill leaves
    let len = std::fs::metadata(&torn).expect("metadata").len();
    std::fs::OpenOptions::new().write(true).open(&torn).expect("open").set_len(len - 10).expect("tear");
    let out = racecraft().arg("compact").arg(&torn).output().expect("runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("warning: dropped"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = racecraft().arg("inspect").arg(&torn).arg("--json").output().expect("runs");
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(summary["finished_cleanly"], true);
    let kept = summary["frames"].as_u64().expect("frames");
    assert!(kept > 0 && kept < frames, "{kept} of {frames} frames kept");
    // Not a recording: an error, and the file as it was.
    let junk = dir.path().join("junk.rcr");
    std::fs::write(&junk, b"not a recording at all").expect("write");
    let out = racecraft().arg("compact").arg(&junk).output().expect("runs");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("compacting"), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(std::fs::read(&junk).expect("read"), b"not a recording at all");
    server.shutdown().await.expect("shutdown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn record_from_server_captures_a_live_session() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = RunningServer::start(ServerConfig::new(([127, 0, 0, 1], 0).into(), dir.path().join("data")))
        .await
        .expect("server");
    let meta = racecraft_core::SessionMeta { game: "sim".into(), track: "Spa".into(), ..Default::default() };
    let session = server.state().store().create_session(&meta, None).await.expect("session");
    let rcr = dir.path().join("live.rcr");
    let mut recorder = tokio::process::Command::new(env!("CARGO_BIN_EXE_racecraft"))
        .args(["record", "--from-server", &server.url(), "--session", &session.id.to_string(), "--out"])
        .arg(&rcr)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("recorder starts");
    // Wait until the recorder is watching.
    let metrics = server.state().metrics();
    for _ in 0..200 {
        if metrics.ws_viewers.get() == 1 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(metrics.ws_viewers.get(), 1, "recorder connected");

    let sim = racecraft_sim::Simulation::new(
        racecraft_sim::Track::builtin("Spa").expect("track"),
        racecraft_sim::SimConfig { laps: 1, rate_hz: 60.0, ..Default::default() },
    )
    .expect("sim");
    let mut cfg = racecraft_uplink::AgentConfig::new(server.url(), meta);
    cfg.session_id = Some(session.id);
    let agent = racecraft_uplink::Agent::spawn(cfg).expect("agent");
    // 30x real time: a live stream, not a bulk load (a viewer that falls behind would skip ahead).
    let start = tokio::time::Instant::now();
    for f in sim.frames() {
        tokio::time::sleep_until(start + std::time::Duration::from_micros(f.t_us as u64 / 30)).await;
        agent.push(f);
    }
    agent.finish(Some(std::time::Duration::from_secs(30))).await.expect("delivered");
    let status = tokio::time::timeout(std::time::Duration::from_secs(30), recorder.wait())
        .await
        .expect("recorder stops when the session ends")
        .expect("wait");
    assert!(status.success());

    let recording = racecraft_record::read_all(&rcr).expect("readable");
    assert_eq!(recording.frames.len() as u64, sim.frame_count());
    assert_eq!(recording.frames, sim.frames().collect::<Vec<_>>(), "bit-exact through the live path");
    assert_eq!(recording.laps.len(), 1);
    assert!((recording.laps[0].lap_time_s - sim.truth().laps[0].lap_time_s).abs() < 1e-3);
    server.shutdown().await.expect("shutdown");
}

#[test]
fn decode_prints_f1_packets_with_the_spec_names_and_names_what_it_refuses() {
    let dumps = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../capture/tests/data/f1/dumps");
    let out =
        racecraft().args(["decode", "--game", "f1", "--json"]).arg(dumps.join("2024-06.bin")).output().expect("runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let cars = v["packet"]["m_carTelemetryData"].as_array().expect("all cars");
    assert_eq!(cars.len(), 22);
    assert!(cars[0]["m_engineRPM"].is_u64());

    // Car Damage, Session History and Tyre Sets print with the specification's names too.
    let decoded = |file: &str| {
        let out = racecraft().args(["decode", "--game", "f1", "--json"]).arg(dumps.join(file)).output().expect("runs");
        assert!(out.status.success(), "{file}: {}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice::<serde_json::Value>(&out.stdout).expect("json")["packet"].clone()
    };
    let damage = decoded("2024-10.bin");
    let cars = damage["m_carDamageData"].as_array().expect("all cars");
    assert_eq!(cars.len(), 22);
    assert_eq!(cars[0]["m_tyresWear"].as_array().map(Vec::len), Some(4));
    let history = decoded("2024-11.bin");
    assert_eq!(history["m_lapHistoryData"].as_array().map(Vec::len), Some(100));
    assert_eq!(history["m_tyreStintsHistoryData"][0]["m_endLap"], 255);
    let sets = decoded("2024-12.bin");
    assert_eq!(sets["m_tyreSetData"].as_array().map(Vec::len), Some(20));
    assert_eq!(sets["m_fittedIdx"], 6);
    let motion_ex = decoded("2024-13.bin");
    assert_eq!(motion_ex["m_wheelVertForce"].as_array().map(Vec::len), Some(4));
    assert!(motion_ex["m_chassisYaw"].is_number(), "F1 24 adds the chassis yaw");
    let setups = decoded("2024-05.bin");
    assert_eq!(setups["m_carSetups"].as_array().map(Vec::len), Some(22));
    assert!(setups["m_nextFrontWingValue"].is_number(), "F1 24 adds the next front wing value");
    let classification = decoded("2024-08.bin");
    assert_eq!(classification["m_numCars"], 20);
    assert_eq!(classification["m_classificationData"][1]["m_position"], 1);
    let time_trial = decoded("2024-14.bin");
    assert_eq!(time_trial["m_personalBestDataSet"]["m_lapTimeInMS"], 87_027);
    let session = decoded("2024-01.bin");
    assert_eq!(session["m_weatherForecastSamples"].as_array().map(Vec::len), Some(64));
    assert_eq!(session["m_weekendStructure"].as_array().map(Vec::len), Some(12));
    let lobby = decoded("2024-09.bin");
    assert_eq!(lobby["m_lobbyPlayers"][0]["m_name"], "maciejpedzich");

    let out = racecraft().args(["decode", "--game", "f1"]).arg(dumps.join("2022-00.bin")).output().expect("runs");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("unsupported F1 packet format 2022"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ibt_inspects_and_imports_with_the_games_lap_times() {
    let ibt = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../capture/tests/data/iracing/tsukuba_formulavee_4laps.ibt");
    let out = racecraft().arg("inspect").arg(&ibt).arg("--json").output().expect("runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(summary["frames"], 3429);
    assert_eq!(summary["track"], "Tsukuba Circuit 1k Outer");
    let laps = summary["laps"].as_array().expect("laps");
    assert_eq!(laps.len(), 2);
    assert!((laps[1]["lap_time_s"].as_f64().expect("time") - 23.98).abs() < 0.01);

    let dir = tempfile::tempdir().expect("tempdir");
    let server = RunningServer::start(ServerConfig::new(([127, 0, 0, 1], 0).into(), dir.path().join("data")))
        .await
        .expect("server");
    let url = server.url();
    let out = tokio::task::spawn_blocking(move || {
        racecraft().arg("import").arg(&ibt).args(["--server", &url]).output().expect("runs")
    })
    .await
    .expect("join");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let session = server.state().store().session(1).await.expect("store").expect("imported session");
    assert_eq!(session.frame_count, 3429);
    assert_eq!(session.track, "Tsukuba Circuit 1k Outer");
    let stored = server.state().store().laps(1).await.expect("laps");
    assert_eq!(stored.len(), 2);
    server.shutdown().await.expect("shutdown");
}

#[test]
fn exports_motec_and_csv_that_read_back() {
    let ibt = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../capture/tests/data/iracing/tsukuba_formulavee_4laps.ibt");
    let dir = tempfile::tempdir().expect("tempdir");
    let ld = dir.path().join("tsukuba.ld");
    let out = racecraft().arg("export").arg(&ibt).args(["--format", "motec", "--out"]).arg(&ld).output().expect("runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.stderr.is_empty(), "no progress bar off a terminal: {}", String::from_utf8_lossy(&out.stderr));
    let file = racecraft_interchange::motec::LdFile::open(&ld).expect("our .ld reads back");
    let speed = file.channel("Ground Speed").expect("speed channel");
    assert_eq!(speed.unit, "km/h");
    assert_eq!(speed.rate_hz, 60);
    let max_kmh = file.channel_values(speed).expect("values").into_iter().fold(0.0, f64::max);
    // The oracle is the file's own Speed variable (m/s), read straight from the .ibt records, not a number copied
    // from an earlier run. The .ld is on a fixed 60 Hz grid (hold the latest sample), so the peak may come from a
    // neighbouring sample.
    let source = racecraft_capture::iracing::IbtFile::open(&ibt).expect("ibt");
    let var = source.var("Speed").expect("Speed variable");
    let max_ibt_kmh = source.records().filter_map(|r| r.value(var)).fold(0.0, f64::max) * 3.6;
    assert!(max_ibt_kmh > 100.0, "{max_ibt_kmh}");
    assert!((max_kmh - max_ibt_kmh).abs() < 0.1, "{max_kmh} vs {max_ibt_kmh} in the .ibt");
    let ldx = std::fs::read_to_string(dir.path().join("tsukuba.ldx")).expect("ldx beside it");
    assert_eq!(ldx.matches("ClassName=\"BCN\"").count(), 2, "{ldx}");

    let csv = dir.path().join("lap2.csv");
    let out = racecraft()
        .arg("export")
        .arg(&ibt)
        .args(["--format", "csv", "--laps", "2", "--out"])
        .arg(&csv)
        .output()
        .expect("runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let back = racecraft_interchange::csv::read_csv(std::fs::File::open(&csv).expect("csv")).expect("reads back");
    assert!(back.frames.iter().all(|f| f.lap() == Some(2)));
    assert!(back.frames.len() > 1000);
    // One lap: one beacon, at its end (the lap is 23–26 s long).
    assert_eq!(back.laps.len(), 1, "{:?}", back.laps);
    assert!((20.0..30.0).contains(&back.laps[0]), "{:?}", back.laps);

    let out = racecraft()
        .arg("export")
        .arg(&ibt)
        .args(["--format", "csv", "--laps", "9", "--out"])
        .arg(&csv)
        .output()
        .expect("runs");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("nothing to export"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn capture_reads_the_simulator_publishing_as_a_game() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = RunningServer::start(ServerConfig::new(([127, 0, 0, 1], 0).into(), dir.path().join("data")))
        .await
        .expect("server");
    let port = std::net::UdpSocket::bind("127.0.0.1:0").expect("probe").local_addr().expect("addr").port();
    let listen = format!("127.0.0.1:{port}");
    let rcr = dir.path().join("json.rcr");
    let mut cmd = racecraft();
    cmd.args(["capture", "--game", "json", "--listen", &listen, "--server", &server.url(), "--raw", "--record"])
        .arg(&rcr)
        .args(["--team", "Apex", "--car-number", "7"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    // The capture binds before it prints its "Capturing ..." line: wait for that line instead of sleeping a guess.
    let capture = tokio::task::spawn_blocking(move || {
        let capture = Running::spawn(cmd);
        capture.wait_line("Capturing");
        capture
    })
    .await
    .expect("join");
    let out = tokio::task::spawn_blocking(move || {
        racecraft()
            .args(["simulate", "--as", "json", "--to", &listen, "--track", "Norisring", "--laps", "1"])
            .args(["--rate", "60", "--speed", "20"])
            .output()
            .expect("runs")
    })
    .await
    .expect("join");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let published: u64 = String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .skip_while(|w| *w != "Published")
        .nth(1)
        .and_then(|n| n.parse().ok())
        .expect("published count");
    // Wait until the server has every frame, then stop the capture as a user would (Ctrl-C).
    for _ in 0..300 {
        let sessions = server.state().store().sessions(false).await.expect("sessions");
        if sessions.first().is_some_and(|s| s.frame_count == published) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let (output, stdout) = tokio::task::spawn_blocking(move || capture.interrupt()).await.expect("join");
    assert!(output.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&output.stderr));
    assert!(stdout.contains(&format!("Captured {published} frames in 1 session(s)")), "{stdout}");
    assert!(stdout.contains("0 undelivered"), "{stdout}");
    let recording = racecraft_record::read_all(&rcr).expect("recording");
    assert_eq!(recording.frames.len() as u64, published);
    // The entry named on the command line reaches the session and the recording, for the pit wall.
    let session = &server.state().store().sessions(false).await.expect("sessions")[0];
    assert_eq!((session.team.as_str(), session.car_number.as_str()), ("Apex", "7"));
    let meta = recording.meta.as_ref().expect("meta");
    assert_eq!((meta.team.as_str(), meta.car_number.as_str()), ("Apex", "7"));
    assert_eq!(recording.raw_count, published);
    server.shutdown().await.expect("shutdown");
}

#[test]
fn decode_prints_ac_pages_with_the_games_field_names() {
    let dir = tempfile::tempdir().expect("tempdir");
    let frame = racecraft_core::Frame::new(0)
        .with(racecraft_core::Channel::Speed, 50.0)
        .with(racecraft_core::Channel::Gear, 3.0);
    let page = racecraft_emulator::ac_shm::physics_page(racecraft_capture::assetto_corsa::Game::Acc, &frame, 42);
    let path = dir.path().join("physics.bin");
    std::fs::write(&path, page.encode()).expect("write");
    std::fs::write(dir.path().join("short.bin"), [0u8; 100]).expect("write");
    let out = racecraft().args(["decode", "--game", "ac-shm", "--json"]).arg(dir.path()).output().expect("runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = stdout.lines().find(|l| l.contains("physics.bin")).expect("decoded page");
    let v: serde_json::Value = serde_json::from_str(line).expect("json");
    assert_eq!(v["packet"]["packetId"], 42);
    assert_eq!(v["packet"]["gear"], 4, "the game counts 0 = R, 1 = N");
    assert!((v["packet"]["speedKmh"].as_f64().expect("speed") - 180.0).abs() < 1e-3);
    // The file that is no page is named with the sizes it could have had, and fails the command.
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("short.bin: 100 bytes is no AC/ACC page size"));
}

#[test]
fn bench_smoke_measures_the_server_and_the_capture_agent_processes() {
    let out = racecraft().args(["bench", "--smoke", "--only", "memory,capture", "--json"]).output().expect("runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert!(v["memory"]["idle_kb"].as_u64().is_some_and(|kb| kb > 1000), "{v}");
    let capture = &v["capture"];
    assert!(capture["published"].as_u64().is_some_and(|n| n > 300), "{v}");
    assert!(capture["rss_kb"].as_u64().is_some_and(|kb| kb > 1000), "{v}");
    assert!(capture["cpu_percent"].as_f64().is_some_and(|p| p > 0.0 && p < 100.0), "{v}");
    assert!(capture["idle_cpu_percent"].as_f64().is_some_and(|p| p >= 0.0), "{v}");
}

/// `v[path]` as a number that is finite and above zero.
fn positive(v: &serde_json::Value, path: &[&str]) -> f64 {
    let mut at = v;
    for key in path {
        at = if let Ok(i) = key.parse::<usize>() { &at[i] } else { &at[*key] };
    }
    let x = at.as_f64().unwrap_or(f64::NAN);
    assert!(x.is_finite() && x > 0.0, "{} = {at} in {v}", path.join("."));
    x
}

/// Every number anywhere in `v` is finite (serde_json writes NaN and infinities as null).
fn no_nulls(v: &serde_json::Value, path: &str, allowed: &[&str]) {
    match v {
        serde_json::Value::Null => assert!(allowed.iter().any(|a| path.ends_with(a)), "null at {path}"),
        serde_json::Value::Array(a) => {
            a.iter().enumerate().for_each(|(i, x)| no_nulls(x, &format!("{path}.{i}"), allowed))
        }
        serde_json::Value::Object(m) => m.iter().for_each(|(k, x)| no_nulls(x, &format!("{path}.{k}"), allowed)),
        _ => {}
    }
}

#[test]
fn bench_smoke_runs_every_group_and_reports_sane_figures() {
    // Structure and sanity only: a slow machine must never fail this test.
    let out = racecraft().args(["bench", "--smoke", "--json"]).output().expect("runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    // A machine without node or PostgreSQL reports those rows as skipped (null / a reason).
    no_nulls(&v, "", &["node_rps", "skipped"]);
    let decode = v["b1_decode"]["rows"].as_array().expect("B1 rows");
    assert_eq!(decode.len(), 7, "{v}");
    for i in 0..decode.len() {
        let i = i.to_string();
        positive(&v, &["b1_decode", "rows", &i, "decode_ns"]);
        positive(&v, &["b1_decode", "rows", &i, "memcpy_ns"]);
    }
    for key in ["compacted_bytes", "zstd19_bytes", "decode_fps", "memcpy_fps"] {
        positive(&v, &["b2_storage", key]);
        positive(&v, &["b2_storage_ibt", key]);
    }
    for key in ["binary_fps", "json_fps", "hello_world_rps"] {
        positive(&v, &["b3_ingest", key]);
    }
    let fanout = v["b4_fanout"].as_array().expect("B4 runs");
    assert_eq!(fanout.len(), 4, "1 and 10 viewers at 60 and 333 Hz: {v}");
    for i in 0..fanout.len() {
        let i = i.to_string();
        let p50 = positive(&v, &["b4_fanout", &i, "p50_us"]);
        let p999 = positive(&v, &["b4_fanout", &i, "p999_us"]);
        assert!(p50 <= p999, "{v}");
        positive(&v, &["b4_fanout", &i, "deliveries_per_s"]);
    }
    positive(&v, &["loopback_rtt_us", "p50"]);
    let e2e = &v["b5_end_to_end"];
    positive(&v, &["b5_end_to_end", "p50_us"]);
    positive(&v, &["b5_end_to_end", "p999_us"]);
    assert_eq!(e2e["published"].as_u64(), Some(100), "{v}");
    assert!(e2e["received"].as_u64().is_some_and(|r| r > 0), "{v}");
    for key in ["fdatasync_p50_us", "seq_write_mbps"] {
        positive(&v, &["b6_storage_write", "disk", key]);
    }
    positive(&v, &["b6_storage_write", "sqlite", "frames_per_s"]);
    if v["b6_storage_write"]["postgres"]["skipped"].is_null() {
        positive(&v, &["b6_storage_write", "postgres", "frames_per_s"]);
    }
    for key in ["warm_ms", "cold_ms", "stream_ms"] {
        positive(&v, &["b7_analysis", key]);
    }
    // The analysis as a process of its own, beside the binary starting: it printed the laps found in process.
    for key in ["analyze_ms", "analyze_peak_kb", "start_ms", "start_peak_kb"] {
        positive(&v, &["b7_analysis", "process", key]);
    }
    assert_eq!(v["b7_analysis"]["process"]["analyze_laps"], v["b7_analysis"]["laps_found"], "{v}");
    for key in ["seek_decode_ms", "memcpy_ms", "lap_frames"] {
        positive(&v, &["b8_seek", key]);
    }
    for key in ["binary_bytes", "json_bytes", "compact_bytes", "raw_bytes"] {
        positive(&v, &["b9_wire", key]);
    }
    for key in
        ["json_fps_on", "json_fps_off", "binary_fps_on", "binary_fps_off", "fanout_p99_us_on", "fanout_p99_us_off"]
    {
        positive(&v, &["b10_auth", key]);
    }
    positive(&v, &["memory", "peak_kb"]);
    positive(&v, &["capture", "peak_kb"]);
}

#[test]
fn bench_old_group_names_still_run() {
    let out = racecraft().args(["bench", "--smoke", "--only", "storage", "--json"]).output().expect("runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    positive(&v, &["b2_storage", "compacted_bytes"]);
    assert!(v.get("b1_decode").is_none(), "{v}");
}

/// Three simulated laps of Monza at 60 Hz recorded to `dir/monza.rcr`, with a lap marker at each lap's end.
fn simulated_recording(dir: &std::path::Path, seed: u64) -> (std::path::PathBuf, racecraft_sim::Simulation) {
    let track = racecraft_sim::Track::builtin("Monza").expect("track");
    let cfg = racecraft_sim::SimConfig { laps: 3, rate_hz: 60.0, seed, ..racecraft_sim::SimConfig::default() };
    let sim = racecraft_sim::Simulation::new(track, cfg).expect("sim");
    let rcr = dir.join("monza.rcr");
    let mut writer = racecraft_record::RecordingWriter::create(&rcr, &sim.meta(0)).expect("create");
    let mut tracker = racecraft_core::LapTracker::new();
    for frame in sim.frames() {
        writer.push(frame).expect("push");
        if let Some(lap) = tracker.push(&frame) {
            writer.lap(&racecraft_record::LapMarker::from(&lap)).expect("lap");
        }
    }
    writer.finish().expect("finish");
    (rcr, sim)
}

#[test]
fn analyze_and_compare_a_simulated_recording() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (rcr, sim) = simulated_recording(dir.path(), 1);
    let truth = sim.truth();

    let out = racecraft().arg("analyze").arg(&rcr).output().expect("runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("Monza · Racecraft GT · racecraft-sim"), "{text}");
    for lap in &truth.laps {
        let ms = (lap.lap_time_s * 1000.0).round() as u64;
        let shown = format!("{}:{:02}.{:03}", ms / 60_000, ms / 1000 % 60, ms % 1000);
        assert!(text.contains(&shown), "lap {} {shown} missing:\n{text}", lap.lap_number);
    }
    assert!(text.contains("theoretical best") && text.contains("corners to work on"), "{text}");

    let out = racecraft().arg("analyze").arg(&rcr).arg("--json").output().expect("runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let laps = json["laps"].as_array().expect("laps");
    assert_eq!(laps.len(), truth.laps.len());
    for (lap, t) in laps.iter().zip(&truth.laps) {
        assert!((lap["lap_time_s"].as_f64().expect("time") - t.lap_time_s).abs() < 1e-3);
    }
    assert!(json["corners"].as_array().is_some_and(|c| c.len() >= 8));

    let out =
        racecraft().arg("compare").arg(&rcr).args(["--lap", "1", "--ref", "best", "--json"]).output().expect("runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let cmp: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let total: f64 =
        cmp["stretches"].as_array().expect("stretches").iter().map(|s| s["loss_s"].as_f64().expect("loss")).sum();
    assert!((total - cmp["difference_s"].as_f64().expect("difference")).abs() < 1e-9);
    let out = racecraft().arg("compare").arg(&rcr).args(["--lap", "1", "--ref", "3"]).output().expect("runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("against lap 3"));

    let out = racecraft().arg("compare").arg(&rcr).args(["--lap", "9"]).output().expect("runs");
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("lap 9 is not a complete lap"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A MoTeC CSV whose laps are only in its beacon markers (no lap counter, lap time or lap distance column):
/// `analyze` finds the laps between the beacons, with the beacons' times (before, it guessed laps from positions).
#[test]
fn analyze_takes_the_laps_of_a_motec_csv_from_its_beacon_markers() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (rcr, sim) = simulated_recording(dir.path(), 4);
    let csv = dir.path().join("full.csv");
    let out = racecraft().arg("export").arg(&rcr).args(["--format", "csv", "--out"]).arg(&csv).output().expect("runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    // Drop every column that says where a lap starts or ends; the beacon markers stay.
    let text = std::fs::read_to_string(&csv).expect("csv");
    let beacons = text.lines().find(|l| l.starts_with("\"Beacon Markers\"")).expect("a beacon row");
    let ends = beacons.split_once(',').map_or("", |(_, v)| v.trim_matches('"'));
    assert_eq!(ends.split_whitespace().count(), 3, "a beacon at each lap's end: {beacons}");
    let lines: Vec<&str> = text.lines().collect();
    let header_at = lines.iter().position(|l| l.starts_with("\"Time\"")).expect("header row");
    let dropped = ["lap", "last_lap_s", "lap_time_s", "lap_dist_m", "lap_dist_pct", "sector"];
    let header: Vec<&str> = lines[header_at].split(',').collect();
    let keep: Vec<usize> = (0..header.len()).filter(|&i| !dropped.contains(&header[i].trim_matches('"'))).collect();
    assert_eq!(header.len() - keep.len(), dropped.len(), "every lap column was there: {header:?}");
    let mut stripped = String::new();
    for (i, line) in lines.iter().enumerate() {
        if i >= header_at && !line.is_empty() {
            let cells: Vec<&str> = line.split(',').collect();
            stripped.push_str(&keep.iter().filter_map(|&k| cells.get(k).copied()).collect::<Vec<_>>().join(","));
        } else {
            stripped.push_str(line);
        }
        stripped.push('\n');
    }
    let beacons_only = dir.path().join("beacons.csv");
    std::fs::write(&beacons_only, stripped).expect("write");

    let out = racecraft().arg("analyze").arg(&beacons_only).arg("--json").output().expect("runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(json["boundaries"], "lap_counter", "laps from the beacons, not guessed from positions");
    let laps = json["laps"].as_array().expect("laps");
    // What precedes the first beacon is not known to be a whole lap (in a MoTeC log it is usually the out-lap):
    // the laps are the ones between beacons.
    let truth = &sim.truth().laps[1..];
    assert_eq!(laps.len(), truth.len(), "{laps:?}");
    for (lap, t) in laps.iter().zip(truth) {
        assert_eq!(lap["lap_number"].as_u64(), Some(u64::from(t.lap_number)));
        assert_eq!(lap["timing"], "game", "lap {}: its time is the beacons'", t.lap_number);
        assert!((lap["lap_time_s"].as_f64().expect("time") - t.lap_time_s).abs() < 1e-3, "{lap} vs {t:?}");
    }
}

/// A recording whose frames carry no lap counter but whose lap markers say where laps end (a converted logger
/// file): `analyze`, which otherwise analyses a recording as it decodes it, stamps the markers on the frames
/// first and finds the laps between them, as for the MoTeC CSV above.
#[test]
fn analyze_takes_the_laps_of_a_recording_from_its_lap_markers() {
    use racecraft_core::Channel;
    let dir = tempfile::tempdir().expect("tempdir");
    let track = racecraft_sim::Track::builtin("Monza").expect("track");
    let cfg = racecraft_sim::SimConfig { laps: 4, rate_hz: 60.0, seed: 4, ..racecraft_sim::SimConfig::default() };
    let sim = racecraft_sim::Simulation::new(track, cfg).expect("sim");
    let rcr = dir.path().join("markers.rcr");
    let mut writer = racecraft_record::RecordingWriter::create(&rcr, &sim.meta(0)).expect("create");
    let mut tracker = racecraft_core::LapTracker::new();
    for mut frame in sim.frames() {
        let lap = tracker.push(&frame);
        for ch in [
            Channel::Lap,
            Channel::LastLapTime,
            Channel::LapTime,
            Channel::LapDist,
            Channel::LapDistPct,
            Channel::Sector,
        ] {
            frame.clear(ch);
        }
        writer.push(frame).expect("push");
        if let Some(lap) = lap {
            writer.lap(&racecraft_record::LapMarker::from(&lap)).expect("lap");
        }
    }
    writer.finish().expect("finish");

    let out = racecraft().arg("analyze").arg(&rcr).arg("--json").output().expect("runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(json["boundaries"], "lap_counter", "laps from the markers, not guessed from positions");
    // `--map` is for CSV files, a recording included.
    let out = racecraft().arg("analyze").arg(&rcr).args(["--map", "Spd=speed_mps"]).output().expect("runs");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--map applies to CSV files"), "{out:?}");
    let laps = json["laps"].as_array().expect("laps");
    let truth = &sim.truth().laps[1..];
    assert_eq!(laps.len(), truth.len(), "{laps:?}");
    for (lap, t) in laps.iter().zip(truth) {
        assert_eq!(lap["lap_number"].as_u64(), Some(u64::from(t.lap_number)));
        assert!((lap["lap_time_s"].as_f64().expect("time") - t.lap_time_s).abs() < 1e-3, "{lap} vs {t:?}");
    }
}

/// `racecraft validate` counts what the simulator injected (checked here from the simulator itself) and grades
/// the analysis of the same sessions: on Monza with seed 3, a session the analysis crate's own simulator test
/// checks mistake by mistake, every mistake is found at its corner with its kind and cost, and nothing else.
#[test]
fn validate_grades_the_analysis_against_the_simulators_truth() {
    let out = racecraft().args(["validate", "--tracks", "Monza,Spa", "--seeds", "3", "--json"]).output().expect("runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let circuits = v["circuits"].as_array().expect("circuits");
    assert_eq!(circuits.len(), 2);
    for card in circuits {
        let track = card["track"].as_str().expect("track");
        let injected: u64 = (1..=3)
            .map(|seed| {
                let cfg =
                    racecraft_sim::SimConfig { laps: 8, rate_hz: 60.0, seed, ..racecraft_sim::SimConfig::default() };
                let sim = racecraft_sim::Simulation::new(racecraft_sim::Track::builtin(track).expect("track"), cfg)
                    .expect("sim");
                sim.truth().laps.iter().flat_map(|l| &l.mistakes).filter(|m| m.cost_s >= 0.05).count() as u64
            })
            .sum();
        assert_eq!(card["injected"].as_u64(), Some(injected), "{card}");
        assert_eq!(card["sessions"].as_u64(), Some(3));
        let found = card["found"].as_u64().expect("found");
        assert!(found <= injected && card["typed"].as_u64() <= Some(found), "{card}");
        assert_eq!(card["official_turns"].as_u64(), racecraft_sim::Track::official_turns(track).map(|n| n as u64));
    }
    let total = &v["total"];
    assert_eq!(total["sessions"].as_u64(), Some(6));

    let out = racecraft()
        .args(["validate", "--tracks", "Monza", "--first-seed", "3", "--seeds", "1", "--json"])
        .output()
        .expect("runs");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let monza = &v["circuits"][0];
    assert!(monza["injected"].as_u64() > Some(0), "{monza}");
    for field in ["found", "typed", "cost_within_tolerance"] {
        assert_eq!(monza[field], monza["injected"], "{field}: {monza}");
    }
    for field in ["doubles", "misplaced", "false_reports"] {
        assert_eq!(monza[field], 0, "{field}: {monza}");
    }
    let out = racecraft().args(["validate", "--tracks", "Nowhere"]).output().expect("runs");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("Nowhere"), "{}", String::from_utf8_lossy(&out.stderr));
}

/// `--map` reads a logger's own columns: here a speed in km/h under a name Racecraft does not know and a lap
/// counter, which then laps the file.
#[test]
fn map_reads_columns_racecraft_does_not_recognise() {
    let dir = tempfile::tempdir().expect("tempdir");
    let csv = dir.path().join("logger.csv");
    let mut text = String::from("Time,Spd,LapNo\n");
    for i in 0..300 {
        text.push_str(&format!("{:.1},{},{}\n", i as f64 * 0.1, 100 + i % 7, 1 + i / 100));
    }
    std::fs::write(&csv, text).expect("write");
    let inspect = |maps: &[&str]| {
        let mut cmd = racecraft();
        cmd.arg("inspect").arg(&csv).arg("--json");
        for m in maps {
            cmd.args(["--map", m]);
        }
        cmd.output().expect("runs")
    };
    let plain = inspect(&[]);
    assert!(
        String::from_utf8_lossy(&plain.stderr).contains("Spd, LapNo"),
        "{}",
        String::from_utf8_lossy(&plain.stderr)
    );
    let out = inspect(&["Spd=speed_mps:km/h", "lapno=lap"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["channels"], serde_json::json!(["speed_mps", "lap"]), "{v}");
    assert_eq!(v["frames"], 300);

    let out = inspect(&["Spd=speed"]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("no channel `speed`"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = racecraft().arg("inspect").arg("missing.ibt").args(["--map", "Spd=speed_mps"]).output().expect("runs");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("--map applies to CSV files"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `import --watch DIR`: each file that lands in the folder is imported once it is complete, a file that cannot
/// be read is reported and skipped, and a restarted watcher imports only what is new.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn import_watch_imports_each_new_file_once() {
    let ibt = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../capture/tests/data/iracing/tsukuba_formulavee_4laps.ibt");
    let dir = tempfile::tempdir().expect("tempdir");
    let watched = dir.path().join("telemetry");
    std::fs::create_dir(&watched).expect("folder");
    let server = RunningServer::start(ServerConfig::new(([127, 0, 0, 1], 0).into(), dir.path().join("data")))
        .await
        .expect("server");
    // A file appears whole, as a game finishing its file does (written beside, then renamed in).
    let drop_in = |name: &str, bytes: &[u8]| {
        let tmp = dir.path().join(name);
        std::fs::write(&tmp, bytes).expect("write");
        std::fs::rename(&tmp, watched.join(name)).expect("rename");
    };
    let watcher = || {
        let mut cmd = racecraft();
        cmd.args(["import", "--watch"]).arg(&watched).args(["--server", &server.url()]);
        cmd.stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped());
        Running::spawn(cmd)
    };
    let watching = |before: usize| {
        format!("Watching {} for ibt, ld, csv, rcr files ({before} imported before)", watched.display())
    };

    let running = watcher();
    tokio::task::block_in_place(|| running.wait_line(&watching(0)));
    // The broken file first: it settles no later than the good one, so it is tried before it.
    drop_in("broken.csv", b"this is not a telemetry log\n");
    drop_in("tsukuba.ibt", &std::fs::read(&ibt).expect("ibt"));
    tokio::task::block_in_place(|| running.wait_line("imported tsukuba.ibt"));
    let (output, stdout) = tokio::task::block_in_place(|| running.interrupt());
    assert!(output.status.success(), "Ctrl-C ends the watch cleanly");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("not imported: broken.csv"), "{stderr}");
    assert!(!stdout.contains("imported broken.csv"), "{stdout}");
    let sessions = server.state().store().sessions(false).await.expect("sessions");
    assert_eq!(sessions.len(), 1);
    assert_eq!(sessions[0].frame_count, 3429);
    assert_eq!(sessions[0].track, "Tsukuba Circuit 1k Outer");

    // Restarted: what it tried before stays done; a new file is imported.
    let running = watcher();
    tokio::task::block_in_place(|| running.wait_line(&watching(2)));
    drop_in("again.ibt", &std::fs::read(&ibt).expect("ibt"));
    tokio::task::block_in_place(|| running.wait_line("imported again.ibt"));
    let (_, stdout) = tokio::task::block_in_place(|| running.interrupt());
    assert!(!stdout.contains("imported tsukuba.ibt"), "{stdout}");
    assert_eq!(server.state().store().sessions(false).await.expect("sessions").len(), 2, "nothing twice");
    server.shutdown().await.expect("shutdown");
}
