//! `racecraft start` and a bare `racecraft`: the local server with capture of whatever game runs, as a
//! double-click starts them, ended by Ctrl-C with what was captured stored.

mod common;

use std::net::{SocketAddr, TcpListener};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use racecraft_protocol::rest::Session;
use racecraft_server::{RunningServer, ServerConfig};

use common::Running;

/// The binary with none of our variables inherited, no terminal on any side.
fn racecraft() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_racecraft"));
    for (var, _) in std::env::vars_os() {
        if var.to_string_lossy().starts_with("RACECRAFT_") {
            cmd.env_remove(var);
        }
    }
    cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
    cmd
}

/// A port nothing listens on: bound by the OS, then released.
fn free_addr() -> SocketAddr {
    TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr")
}

async fn sessions(url: &str) -> Vec<Session> {
    let response = reqwest::get(format!("{url}/api/sessions")).await.expect("GET /api/sessions");
    assert!(response.status().is_success(), "{}", response.status());
    response.json().await.expect("sessions")
}

/// The sessions stored in `data_dir`, read by a fresh server after the one that wrote them has gone.
async fn stored_sessions(data_dir: &Path) -> Vec<Session> {
    let server = RunningServer::start(ServerConfig::new(([127, 0, 0, 1], 0).into(), data_dir.to_path_buf()))
        .await
        .expect("server on the same data");
    let stored = sessions(&server.url()).await;
    server.shutdown().await.expect("shutdown");
    stored
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn start_shows_a_game_live_without_naming_it_and_stores_its_frames_on_ctrl_c() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (data, shm) = (dir.path().join("data"), dir.path().join("shm"));
    std::fs::create_dir_all(&shm).expect("shm dir");
    let addr = free_addr();
    let url = format!("http://{addr}");
    let mut cmd = racecraft();
    cmd.args(["start", "--no-browser", "--listen", &addr.to_string(), "--data-dir"]).arg(&data);
    cmd.arg("--shm-dir").arg(&shm);
    let start = Running::spawn(cmd);
    start.wait_line("Capturing");

    // ACC starts: the emulator publishes its shared memory pages, as the game does.
    let truth = dir.path().join("truth.json");
    let mut game = racecraft();
    game.args(["simulate", "--as", "acc", "--track", "Norisring", "--laps", "2", "--rate", "60", "--speed", "10"]);
    game.arg("--shm-dir").arg(&shm).arg("--truth").arg(&truth);
    let game = game.spawn().expect("emulator starts");

    let deadline = Instant::now() + Duration::from_secs(60);
    let live = loop {
        if let Some(s) = sessions(&url).await.into_iter().find(|s| s.live) {
            break s;
        }
        assert!(Instant::now() < deadline, "no live session appeared");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(live.game, "acc");
    assert_eq!(live.track, "Norisring");
    let game = tokio::task::spawn_blocking(move || game.wait_with_output()).await.expect("join").expect("emulator");
    assert!(game.status.success(), "{}", String::from_utf8_lossy(&game.stderr));

    let (out, stdout) = tokio::task::spawn_blocking(move || start.interrupt()).await.expect("join");
    assert!(out.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    let captured: u64 = stdout
        .split_whitespace()
        .skip_while(|w| *w != "Captured")
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("a summary line: {stdout}"));
    assert!(captured > 0, "{stdout}");
    assert!(stdout.contains("in 1 session(s)"), "{stdout}");
    assert!(stdout.contains("0 undelivered"), "{stdout}");

    let truth: serde_json::Value = serde_json::from_slice(&std::fs::read(&truth).expect("truth")).expect("json");
    let laps = truth["laps"].as_array().expect("laps").len() as u64;
    let stored = stored_sessions(&data).await;
    assert_eq!(stored.len(), 1, "{stored:?}");
    assert_eq!(stored[0].id, live.id);
    assert_eq!(stored[0].frame_count, captured, "every captured frame is stored");
    assert_eq!(stored[0].lap_count, laps);
    assert!(!stored[0].live);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bare_racecraft_without_a_terminal_starts_and_stops_on_ctrl_c() {
    let dir = tempfile::tempdir().expect("tempdir");
    let addr = free_addr();
    let mut cmd = racecraft();
    // What a desktop launcher passes: nothing on the command line; settings only from the environment.
    cmd.env("RACECRAFT_LISTEN", addr.to_string())
        .env("RACECRAFT_DATA_DIR", dir.path().join("data"))
        .env("RACECRAFT_SHM_DIR", dir.path())
        .env("RACECRAFT_NO_BROWSER", "true");
    let bare = Running::spawn(cmd);
    bare.wait_line("Capturing");
    // The server answers before its database has opened: poll until it says ok.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let response = reqwest::get(format!("http://{addr}/api/health")).await.expect("GET /api/health");
        let health: serde_json::Value = response.json().await.expect("json");
        if health["status"] == "ok" {
            break;
        }
        assert!(Instant::now() < deadline, "never healthy: {health}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let (out, stdout) = tokio::task::spawn_blocking(move || bare.interrupt()).await.expect("join");
    assert!(out.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("Captured 0 frames"), "{stdout}");
}

#[test]
fn a_bare_racecraft_in_a_terminal_prints_help() {
    // `script` gives the program a pseudo-terminal, as a shell would.
    let bin = env!("CARGO_BIN_EXE_racecraft");
    let out = Command::new("script")
        .args(["--quiet", "--return", "--command", bin, "/dev/null"])
        .stdin(Stdio::null())
        .output()
        .expect("script (util-linux) runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("Usage: racecraft"), "{stdout}");
    assert!(stdout.contains("start"), "{stdout}");
}
