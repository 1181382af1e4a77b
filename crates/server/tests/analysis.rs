//! The analysis endpoints on a real server holding a simulated session: the analysis agrees with the
//! simulator's truth, laps compare, the track is drawable, and bad requests are clear errors.

use std::time::Duration;

use racecraft_agent::{Agent, AgentConfig};
use racecraft_server::{RunningServer, ServerConfig};
use racecraft_sim::{SimConfig, Simulation, Track};
use serde_json::Value;

async fn get(url: &str) -> (u16, Value) {
    let response = reqwest::get(url).await.expect("GET");
    let status = response.status().as_u16();
    (status, response.json().await.expect("json"))
}

/// A server with two stored sessions of `laps` simulated laps each.
async fn loaded(laps: u32) -> (RunningServer, Simulation, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("tmp");
    let mut config = ServerConfig::new("127.0.0.1:0".parse().expect("addr"), dir.path().to_path_buf());
    config.writer.flush_interval = Duration::from_millis(100);
    let server = RunningServer::start(config).await.expect("server");
    let sim = Simulation::new(
        Track::builtin("Monza").expect("track"),
        SimConfig { laps, rate_hz: 60.0, seed: 4, ..SimConfig::default() },
    )
    .expect("sim");
    for _ in 0..2 {
        let agent = Agent::spawn(AgentConfig::new(server.url(), sim.meta(0))).expect("agent");
        for frame in sim.frames() {
            agent.push(frame);
        }
        agent.finish(Some(Duration::from_secs(60))).await.expect("delivered");
    }
    (server, sim, dir)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn session_analysis_track_and_lap_comparison() {
    let (server, sim, _dir) = loaded(3).await;
    let url = server.url();
    let (status, analysis) = get(&format!("{url}/api/sessions/1/analysis")).await;
    assert_eq!(status, 200, "{analysis}");
    let laps = analysis["laps"].as_array().expect("laps");
    let truth = &sim.truth().laps;
    assert_eq!(laps.len(), truth.len());
    for (lap, t) in laps.iter().zip(truth) {
        let got = lap["lap_time_s"].as_f64().expect("time");
        assert!((got - t.lap_time_s).abs() < 1e-3, "lap {}: {got} vs {}", t.lap_number, t.lap_time_s);
    }
    assert!(analysis["corners"].as_array().is_some_and(|c| c.len() >= 8), "Monza has corners");
    let best = analysis["best_lap"].as_u64().expect("best lap") as u32;
    let fastest = truth.iter().min_by(|a, b| a.lap_time_s.total_cmp(&b.lap_time_s)).expect("laps");
    assert_eq!(best, fastest.lap_number);

    // Lap ids for the other endpoints.
    let id_of = |n: u32| analysis["lap_ids"][n.to_string()].as_i64().expect("lap id");
    let slow = truth.iter().max_by(|a, b| a.lap_time_s.total_cmp(&b.lap_time_s)).expect("laps");
    let (status, cmp) = get(&format!("{url}/api/laps/{}/compare/{}", id_of(slow.lap_number), id_of(best))).await;
    assert_eq!(status, 200, "{cmp}");
    let expected = slow.lap_time_s - fastest.lap_time_s;
    assert!((cmp["difference_s"].as_f64().expect("difference") - expected).abs() < 2e-3, "{}", cmp["difference_s"]);
    let delta = cmp["delta"].as_array().expect("delta");
    let last = delta.last().expect("points")["delta_s"].as_f64().expect("delta_s");
    assert!((last - expected).abs() < 0.01, "the delta ends at the lap-time difference: {last} vs {expected}");
    let losses: f64 = cmp["stretches"].as_array().expect("stretches").iter().filter_map(|s| s["loss_s"].as_f64()).sum();
    assert!((losses - expected).abs() < 2e-3, "losses sum to the difference: {losses} vs {expected}");

    let (status, lap) = get(&format!("{url}/api/laps/{}/analysis?ref=best", id_of(slow.lap_number))).await;
    assert_eq!(status, 200, "{lap}");
    assert_eq!(lap["lap"]["lap_number"], slow.lap_number);
    assert!(!lap["corner_metrics"].as_array().expect("metrics").is_empty());
    assert_eq!(lap["comparison"]["reference_lap_number"], best);

    let (status, track) = get(&format!("{url}/api/sessions/1/track")).await;
    assert_eq!(status, 200);
    let length = track["length_m"].as_f64().expect("length");
    assert!((length - sim.truth().length_m).abs() / sim.truth().length_m < 0.02, "{length}");
    assert!(track["points"].as_array().is_some_and(|p| p.len() > 1000));
    assert!(track["corners"][0]["apex_xy"].is_array());
    server.shutdown().await.expect("shutdown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn analysis_requests_that_cannot_be_answered_are_clear_errors() {
    let (server, _sim, _dir) = loaded(2).await;
    let url = server.url();
    let (status, body) = get(&format!("{url}/api/sessions/99/analysis")).await;
    assert_eq!((status, body["error"].as_str().is_some()), (404, true), "{body}");
    let (_, laps1) = get(&format!("{url}/api/sessions/1/laps")).await;
    let (_, laps2) = get(&format!("{url}/api/sessions/2/laps")).await;
    let (a, b) = (laps1[0]["id"].as_i64().expect("id"), laps2[0]["id"].as_i64().expect("id"));
    let (status, body) = get(&format!("{url}/api/laps/{a}/compare/{b}")).await;
    assert_eq!(status, 422, "{body}");
    assert!(body["error"].as_str().is_some_and(|e| e.contains("different sessions")), "{body}");
    let (status, body) = get(&format!("{url}/api/laps/{a}/analysis?ref=fastest")).await;
    assert_eq!(status, 400, "{body}");
    let (status, _) = get(&format!("{url}/api/laps/{a}/compare/123456")).await;
    assert_eq!(status, 404);
    let (status, _) = get(&format!("{url}/api/laps/x/compare/1")).await;
    assert_eq!(status, 400);
    server.shutdown().await.expect("shutdown");
}
