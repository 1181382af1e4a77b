//! The binary itself: `racecraft simulate` against a real server, its ground truth, and its errors.

use std::process::Command;

use racecraft_server::{RunningServer, ServerConfig};

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
