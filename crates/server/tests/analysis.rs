//! The analysis endpoints on a real server holding a simulated session: the analysis agrees with the
//! simulator's truth, laps compare, the track is drawable, and bad requests are clear errors.

use std::time::Duration;

use racecraft_server::{RunningServer, ServerConfig};
use racecraft_sim::{SimConfig, Simulation, Track};
use racecraft_uplink::{Agent, AgentConfig};
use serde_json::Value;

async fn get(url: &str) -> (u16, Value) {
    let response = reqwest::get(url).await.expect("GET");
    let status = response.status().as_u16();
    (status, response.json().await.expect("json"))
}

/// A comparison whose laps differ by `expected` seconds (truth): its difference, the delta's end and the
/// losses per corner and straight all say so.
fn assert_comparison(cmp: &Value, expected: f64) {
    assert!((cmp["difference_s"].as_f64().expect("difference") - expected).abs() < 2e-3, "{}", cmp["difference_s"]);
    let delta = cmp["delta"].as_array().expect("delta");
    let last = delta.last().expect("points")["delta_s"].as_f64().expect("delta_s");
    assert!((last - expected).abs() < 0.01, "the delta ends at the lap-time difference: {last} vs {expected}");
    let losses: f64 = cmp["stretches"].as_array().expect("stretches").iter().filter_map(|s| s["loss_s"].as_f64()).sum();
    assert!((losses - expected).abs() < 2e-3, "losses sum to the difference: {losses} vs {expected}");
}

/// A simulated session.
fn simulation(track: &str, laps: u32, seed: u64) -> Simulation {
    Simulation::new(
        Track::builtin(track).expect("track"),
        SimConfig { laps, rate_hz: 60.0, seed, ..SimConfig::default() },
    )
    .expect("sim")
}

/// Stores one session of `sim` through an agent.
async fn store(server: &RunningServer, sim: &Simulation) {
    let agent = Agent::spawn(AgentConfig::new(server.url(), sim.meta(0))).expect("agent");
    for frame in sim.frames() {
        agent.push(frame);
    }
    agent.finish(Some(Duration::from_secs(60))).await.expect("delivered");
}

/// A server with two stored sessions of `laps` simulated laps each (the same drive twice).
async fn loaded(laps: u32) -> (RunningServer, Simulation, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("tmp");
    let mut config = ServerConfig::new("127.0.0.1:0".parse().expect("addr"), dir.path().to_path_buf());
    config.writer.flush_interval = Duration::from_millis(100);
    let server = RunningServer::start(config).await.expect("server");
    let sim = simulation("Monza", laps, 4);
    for _ in 0..2 {
        store(&server, &sim).await;
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
    assert_comparison(&cmp, expected);

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
    // The same drive stored twice: a lap against its copy in the other session loses nothing.
    let (status, body) = get(&format!("{url}/api/laps/{a}/compare/{b}")).await;
    assert_eq!(status, 200, "{body}");
    assert!(body["difference_s"].as_f64().is_some_and(|d| d.abs() < 1e-9), "{body}");
    // A lap of another track is refused.
    store(&server, &simulation("Spa", 2, 1)).await;
    let (_, laps3) = get(&format!("{url}/api/sessions/3/laps")).await;
    let spa = laps3[0]["id"].as_i64().expect("id");
    let (status, body) = get(&format!("{url}/api/laps/{a}/compare/{spa}")).await;
    assert_eq!(status, 422, "{body}");
    assert!(body["error"].as_str().is_some_and(|e| e.contains("same track")), "{body}");
    let (status, body) = get(&format!("{url}/api/laps/{a}/analysis?ref={spa}")).await;
    assert_eq!(status, 422, "{body}");
    let (status, body) = get(&format!("{url}/api/laps/{a}/analysis?ref=fastest")).await;
    assert_eq!(status, 400, "{body}");
    let (status, _) = get(&format!("{url}/api/laps/{a}/compare/123456")).await;
    assert_eq!(status, 404);
    let (status, _) = get(&format!("{url}/api/laps/x/compare/1")).await;
    assert_eq!(status, 400);
    server.shutdown().await.expect("shutdown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lap_compares_with_a_lap_of_another_session_on_the_same_track() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut config = ServerConfig::new("127.0.0.1:0".parse().expect("addr"), dir.path().to_path_buf());
    config.writer.flush_interval = Duration::from_millis(100);
    let server = RunningServer::start(config).await.expect("server");
    let url = server.url();
    let (mine, theirs) = (simulation("Monza", 3, 21), simulation("Monza", 3, 22));
    store(&server, &mine).await;
    store(&server, &theirs).await;
    store(&server, &simulation("Spa", 2, 1)).await;

    // Session 2 is offered as a reference for session 1, with its laps; the Spa session is not.
    let (status, refs) = get(&format!("{url}/api/sessions/1/references")).await;
    assert_eq!(status, 200, "{refs}");
    let sessions = refs["sessions"].as_array().expect("sessions");
    assert_eq!(sessions.iter().map(|s| s["session_id"].as_i64()).collect::<Vec<_>>(), vec![Some(2)], "{refs}");
    let ref_laps = sessions[0]["laps"].as_array().expect("laps");
    assert_eq!(ref_laps.len(), theirs.truth().laps.len());

    // My slowest lap against their fastest.
    let slow = mine.truth().laps.iter().max_by(|a, b| a.lap_time_s.total_cmp(&b.lap_time_s)).expect("laps");
    let fast = theirs.truth().laps.iter().min_by(|a, b| a.lap_time_s.total_cmp(&b.lap_time_s)).expect("laps");
    let (_, my_laps) = get(&format!("{url}/api/sessions/1/laps")).await;
    let lap_id = |laps: &Value, n: u32| {
        laps.as_array()
            .expect("laps")
            .iter()
            .find(|l| l["lap_number"] == n)
            .and_then(|l| l["id"].as_i64())
            .expect("lap")
    };
    let (a, b) = (lap_id(&my_laps, slow.lap_number), lap_id(&Value::Array(ref_laps.clone()), fast.lap_number));
    let (status, cmp) = get(&format!("{url}/api/laps/{a}/compare/{b}")).await;
    assert_eq!(status, 200, "{cmp}");
    assert_eq!(
        (cmp["reference_session_id"].as_i64(), cmp["reference_lap_number"].as_u64()),
        (Some(2), Some(u64::from(fast.lap_number)))
    );
    let expected = slow.lap_time_s - fast.lap_time_s;
    assert_comparison(&cmp, expected);
    assert!(!cmp["corners"].as_array().expect("corners").is_empty());

    let (status, lap) = get(&format!("{url}/api/laps/{a}/analysis?ref={b}")).await;
    assert_eq!(status, 200, "{lap}");
    assert_eq!(lap["reference_session_id"], 2);
    assert_eq!(lap["comparison"]["difference_s"], cmp["difference_s"]);
    server.shutdown().await.expect("shutdown");
}

/// `GET url` as bytes, with its content type and disposition.
async fn download(url: &str) -> (u16, String, String, Vec<u8>) {
    let response = reqwest::get(url).await.expect("GET");
    let header =
        |name: &str| response.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    let (status, kind, disposition) =
        (response.status().as_u16(), header("content-type"), header("content-disposition"));
    (status, kind, disposition, response.bytes().await.expect("body").to_vec())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chosen_laps_export_as_motec_and_csv() {
    use racecraft_interchange::{csv::read_csv, motec::LdFile};
    let (server, sim, _dir) = loaded(3).await;
    let url = server.url();
    let truth = &sim.truth().laps;
    let (_, laps) = get(&format!("{url}/api/sessions/1/laps")).await;
    let frames_in = |n: u32| {
        laps.as_array()
            .expect("laps")
            .iter()
            .find(|l| l["lap_number"] == n)
            .and_then(|l| l["frame_count"].as_u64())
            .expect("lap")
    };

    // Laps 1 and 3, laid end to end.
    let (status, kind, disposition, ld) = download(&format!("{url}/api/sessions/1/export?format=ld&laps=1,3")).await;
    assert_eq!((status, kind.as_str()), (200, "application/octet-stream"));
    assert!(
        disposition.starts_with("attachment;")
            && disposition.contains("monza-")
            && disposition.contains("-s1-L1-L3.ld\""),
        "{disposition}"
    );
    let ld = LdFile::read(&ld).expect("an .ld our reader and MoTeC's layout agree on");
    let speed = ld.channel_values(ld.channel("Ground Speed").expect("speed")).expect("values");
    let span_s = truth[0].lap_time_s + truth[2].lap_time_s;
    assert!(((speed.len() - 1) as f64 / 60.0 - span_s).abs() < 0.05, "{} samples for {span_s} s", speed.len());
    assert!(speed.iter().all(|v| v.is_finite() && *v >= 0.0 && *v < 400.0));

    let (status, kind, _, ldx) = download(&format!("{url}/api/sessions/1/export?format=ldx&laps=1,3")).await;
    assert_eq!((status, kind.as_str()), (200, "application/xml"));
    let ldx = String::from_utf8(ldx).expect("utf-8");
    let beacons: Vec<f64> = ldx
        .split("Time=\"")
        .skip(1)
        .map(|s| s.split('"').next().expect("time").parse::<f64>().expect("number") * 1e-6)
        .collect();
    assert_eq!(beacons.len(), 2, "{ldx}");
    assert!((beacons[0] - truth[0].lap_time_s).abs() < 0.02, "{beacons:?}");
    assert!((beacons[1] - span_s).abs() < 0.02, "{beacons:?} vs {span_s}");
    assert!(ldx.contains("Total Laps\" Value=\"2\""), "{ldx}");

    let (status, kind, disposition, csv) = download(&format!("{url}/api/sessions/1/export?format=csv&laps=2")).await;
    assert_eq!((status, kind.as_str()), (200, "text/csv; charset=utf-8"));
    assert!(disposition.ends_with("-s1-L2.csv\""), "{disposition}");
    let csv = read_csv(&csv[..]).expect("csv");
    assert_eq!(csv.frames.len() as u64, frames_in(2));
    assert_eq!(csv.meta.track, "Monza");
    assert_eq!(csv.laps.len(), 1);
    assert!((csv.laps[0] - truth[1].lap_time_s).abs() < 0.02, "{:?}", csv.laps);

    // The whole session.
    let (status, _, disposition, csv) = download(&format!("{url}/api/sessions/1/export?format=csv")).await;
    assert_eq!(status, 200);
    assert!(disposition.ends_with("-s1.csv\""), "{disposition}");
    let (_, session) = get(&format!("{url}/api/sessions/1")).await;
    assert_eq!(read_csv(&csv[..]).expect("csv").frames.len() as u64, session["frame_count"].as_u64().expect("frames"));

    // Clear errors.
    for (query, expected) in [
        ("format=pdf", 400),
        ("format=ld&laps=9", 404),
        ("format=ld&laps=x", 400),
        ("laps=1", 400),
        ("format=ld&laps=", 400),
    ] {
        let (status, body) = get(&format!("{url}/api/sessions/1/export?{query}")).await;
        assert_eq!(status, expected, "{query}: {body}");
        assert!(body["error"].is_string(), "{query}: {body}");
    }
    let (status, _) = get(&format!("{url}/api/sessions/99/export?format=csv")).await;
    assert_eq!(status, 404);
    server.shutdown().await.expect("shutdown");
}

/// The value of `racecraft_session_analyses_total{trigger="..."}`, 0 when absent.
async fn analyses(url: &str, trigger: &str) -> u64 {
    let text = reqwest::get(format!("{url}/metrics")).await.expect("GET").text().await.expect("text");
    let key = format!("racecraft_session_analyses_total{{trigger=\"{trigger}\"}} ");
    text.lines().find_map(|l| l.strip_prefix(&key)).map_or(0, |v| v.trim().parse().expect("count"))
}

/// Waits (up to a minute) until `n` analyses were made for `trigger`.
async fn wait_for_analyses(url: &str, trigger: &str, n: u64) {
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while analyses(url, trigger).await < n {
        assert!(std::time::Instant::now() < deadline, "fewer than {n} background analyses ({trigger})");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// What the session page asks for at once: the analysis, the track and a comparison.
async fn open_page(url: &str, ids: &[i64]) -> ((u16, Value), (u16, Value), (u16, Value)) {
    let (analysis, track, compare) = (
        format!("{url}/api/sessions/1/analysis"),
        format!("{url}/api/sessions/1/track"),
        format!("{url}/api/laps/{}/compare/{}", ids[0], ids[1]),
    );
    tokio::join!(get(&analysis), get(&track), get(&compare))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ended_sessions_are_analysed_before_anyone_asks_and_parallel_requests_share_one_analysis() {
    let (server, _sim, dir) = loaded(2).await;
    let url = server.url();
    // Both sessions ended (the agent said so): each is analysed once in the background.
    wait_for_analyses(&url, "session_ended", 2).await;
    // Opening one then finds everything ready: the page's requests analyse nothing.
    let (_, laps) = get(&format!("{url}/api/sessions/1/laps")).await;
    let ids: Vec<i64> = laps.as_array().expect("laps").iter().filter_map(|l| l["id"].as_i64()).collect();
    let (a, t, c) = open_page(&url, &ids).await;
    assert_eq!((a.0, t.0, c.0), (200, 200, 200));
    assert_eq!(analyses(&url, "request").await, 0);
    assert_eq!(analyses(&url, "session_ended").await, 2);
    server.shutdown().await.expect("shutdown");

    // A restarted server analyses the most recent sessions before anyone asks.
    let restart = |prepare: usize| {
        let mut config = ServerConfig::new("127.0.0.1:0".parse().expect("addr"), dir.path().to_path_buf());
        config.writer.flush_interval = Duration::from_millis(100);
        config.limits.prepare_recent_sessions = prepare;
        RunningServer::start(config)
    };
    let server = restart(1).await.expect("server");
    let url = server.url();
    wait_for_analyses(&url, "server_started", 1).await;
    let (status, _) = get(&format!("{url}/api/sessions/2/analysis")).await;
    assert_eq!(status, 200);
    assert_eq!(
        (analyses(&url, "request").await, analyses(&url, "server_started").await),
        (0, 1),
        "session 2 was ready"
    );
    server.shutdown().await.expect("shutdown");

    // Without that nothing is cached after a restart: the page's parallel requests share one analysis.
    let server = restart(0).await.expect("server");
    let url = server.url();
    let (a, t, c) = open_page(&url, &ids).await;
    assert_eq!((a.0, t.0, c.0), (200, 200, 200));
    assert_eq!(analyses(&url, "request").await, 1, "three requests, one analysis");
    server.shutdown().await.expect("shutdown");
}
