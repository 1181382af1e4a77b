//! What a newcomer meets first: `simulate` with no server running, `serve` on a taken port.

use std::io::Read;
use std::net::{SocketAddr, TcpListener};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use racecraft_server::{RunningServer, ServerConfig};

fn racecraft() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_racecraft"));
    for var in ["RACECRAFT_SERVER", "RACECRAFT_LISTEN", "RACECRAFT_DATA_DIR", "RACECRAFT_DB"] {
        cmd.env_remove(var);
    }
    cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
    cmd
}

/// A port nothing listens on: bound by the OS, then released.
fn free_addr() -> SocketAddr {
    TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr")
}

/// Waits for the child to exit, killing it after `limit` (a hang is a failure, not a stuck suite).
fn output_within(mut child: Child, limit: Duration) -> Output {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            let mut stdout = Vec::new();
            let mut stderr = Vec::new();
            child.stdout.take().expect("stdout").read_to_end(&mut stdout).expect("read stdout");
            child.stderr.take().expect("stderr").read_to_end(&mut stderr).expect("read stderr");
            return Output { status, stdout, stderr };
        }
        if Instant::now() > deadline {
            child.kill().expect("kill");
            let out = child.wait_with_output().expect("wait");
            panic!(
                "still running after {limit:?}\nstdout: {}\nstderr: {}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn simulate_with_record_and_no_server_finishes_the_recording_and_exits() {
    let dir = tempfile::tempdir().expect("tempdir");
    let rcr = dir.path().join("s.rcr");
    let child = racecraft()
        .args(["simulate", "--laps", "1", "--rate", "60", "--speed", "0", "--record"])
        .arg(&rcr)
        // Not --server: where a local `racecraft serve` would listen, which nothing does.
        .env("RACECRAFT_LISTEN", free_addr().to_string())
        .spawn()
        .expect("runs");
    let out = output_within(child, Duration::from_secs(60));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("nothing was streamed"), "{stdout}");
    let recording = racecraft_record::read_all(&rcr).expect("a complete recording");
    assert!(recording.trailer.is_some(), "the recording is finished");
    assert!(!recording.frames.is_empty());
    assert_eq!(recording.laps.len(), 1);
}

#[test]
fn simulate_without_record_and_no_server_says_so_and_fails() {
    let child = racecraft()
        .args(["simulate", "--laps", "1", "--rate", "60", "--speed", "0"])
        .env("RACECRAFT_LISTEN", free_addr().to_string())
        .spawn()
        .expect("runs");
    let out = output_within(child, Duration::from_secs(60));
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("no server is running at http://127.0.0.1:"), "{stderr}");
    assert!(stderr.contains("racecraft serve"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn simulate_with_a_named_server_that_is_down_says_so_once_and_delivers_when_it_comes_up() {
    let dir = tempfile::tempdir().expect("tempdir");
    let addr = free_addr();
    let mut child = racecraft()
        .args(["simulate", "--laps", "1", "--rate", "60", "--speed", "0", "--record"])
        .arg(dir.path().join("s.rcr"))
        .env("RACECRAFT_SERVER", format!("http://{addr}"))
        .spawn()
        .expect("runs");
    // The message is the event to wait for: stderr up to the end of its first line.
    let mut stderr = child.stderr.take().expect("stderr");
    let (stderr, seen) = tokio::task::spawn_blocking(move || {
        let mut seen = Vec::new();
        let mut byte = [0u8; 1];
        while !seen.ends_with(b"\n") {
            let n = stderr.read(&mut byte).expect("read stderr");
            assert!(n == 1, "stderr closed before the message: {}", String::from_utf8_lossy(&seen));
            seen.push(byte[0]);
        }
        (stderr, String::from_utf8_lossy(&seen).into_owned())
    })
    .await
    .expect("join");
    assert!(seen.contains(&format!("No server answers at http://{addr} yet; retrying")), "{seen}");
    assert!(child.try_wait().expect("try_wait").is_none(), "exited instead of waiting for the server");

    // The server comes up on that address; the simulation reaches it and ends normally.
    let server = RunningServer::start(ServerConfig::new(addr, dir.path().join("data"))).await.expect("server");
    child.stderr = Some(stderr);
    let out = tokio::task::spawn_blocking(move || output_within(child, Duration::from_secs(120))).await.expect("join");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let rest = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}\n{rest}");
    assert!(stdout.contains("Session 1 stored."), "{stdout}");
    assert!(!rest.contains("No server answers"), "said more than once: {rest}");
    server.shutdown().await.expect("shutdown");
}

#[test]
fn serve_on_a_taken_port_names_the_address() {
    let dir = tempfile::tempdir().expect("tempdir");
    let taken = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = taken.local_addr().expect("addr");
    let child = racecraft()
        .args(["serve", "--listen", &addr.to_string()])
        .arg("--data-dir")
        .arg(dir.path())
        .spawn()
        .expect("runs");
    let out = output_within(child, Duration::from_secs(30));
    drop(taken);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(&format!("cannot listen on {addr}: ")), "{stderr}");
    assert!(!stderr.contains("starting the server on sqlite"), "blames the database: {stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_imported_session_ends_when_its_file_did_not_at_import_time() {
    use racecraft_core::{Channel, Frame, SessionMeta};
    let dir = tempfile::tempdir().expect("tempdir");
    let server = RunningServer::start(ServerConfig::new(([127, 0, 0, 1], 0).into(), dir.path().join("data")))
        .await
        .expect("server");
    // A session of 95.5 s started on 2025-01-30 at 18:00 UTC.
    let started_at_ms = 1_738_260_000_000;
    let meta = SessionMeta { game: "iracing".into(), track: "Spa".into(), started_at_ms, ..SessionMeta::default() };
    let path = dir.path().join("old.rcr");
    let mut writer = racecraft_record::RecordingWriter::create(&path, &meta).expect("create");
    for i in 0..=1910 {
        writer.push(Frame::new(i * 50_000).with(Channel::Speed, 40.0)).expect("push");
    }
    writer.finish().expect("finish");

    let url = server.url();
    let child = racecraft().arg("import").arg(&path).args(["--server", &url]).spawn().expect("runs");
    let out = tokio::task::spawn_blocking(move || output_within(child, Duration::from_secs(60))).await.expect("join");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    // The end travels behind the frames through the server's writer: wait until it is stored.
    let store = server.state().store().clone();
    let deadline = Instant::now() + Duration::from_secs(30);
    let session = loop {
        let session = store.session(1).await.expect("store").expect("session 1");
        if session.ended_at_ms.is_some() {
            break session;
        }
        assert!(Instant::now() < deadline, "the session never ended: {session:?}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    assert_eq!(session.started_at_ms, started_at_ms);
    assert_eq!(session.ended_at_ms, Some(started_at_ms + 95_500));
    server.shutdown().await.expect("shutdown");
}
