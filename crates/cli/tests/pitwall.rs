//! The pit wall end to end: simulated team cars streamed by `racecraft simulate` agents into a real server,
//! a driver swap by a second agent, and `GET /api/pitwall` against the simulator's truth.

use std::path::Path;
use std::process::Command;

use racecraft_protocol::pitwall::PitWall;
use racecraft_server::{RunningServer, ServerConfig};
use racecraft_sim::GroundTruth;

/// Runs `racecraft simulate` on Spa at 60 Hz as fast as it goes, writing the truth to `truth`.
async fn simulate(url: &str, truth: &Path, args: &[&str]) -> GroundTruth {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_racecraft"));
    cmd.args(["simulate", "--track", "Spa", "--rate", "60", "--speed", "0", "--team", "Apex", "--server", url])
        .args(args)
        .arg("--truth")
        .arg(truth);
    let out = tokio::task::spawn_blocking(move || cmd.output().expect("runs")).await.expect("join");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&std::fs::read(truth).expect("truth")).expect("truth json")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_team_cars_and_a_driver_swap_on_the_pit_wall() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = RunningServer::start(ServerConfig::new(([127, 0, 0, 1], 0).into(), dir.path().join("data")))
        .await
        .expect("server");
    let url = server.url();

    // Car 7: Ana drives 5 laps with a stop for 20 l after lap 2, then Ben takes the car over with the fuel she
    // left and drives 3.
    let ana_args = ["--car", "7", "--driver", "Ana", "--laps", "5", "--pit", "2:20"];
    let ana = simulate(&url, &dir.path().join("ana.json"), &ana_args).await;
    let fuel_left = ana.laps.last().expect("laps").fuel_at_end_l;
    let ben_args = ["--car", "7", "--driver", "Ben", "--laps", "3", "--seed", "2", "--fuel", &format!("{fuel_left}")];
    let ben = simulate(&url, &dir.path().join("ben.json"), &ben_args).await;
    // Car 12: Cleo, 3 laps.
    let cleo = simulate(&url, &dir.path().join("cleo.json"), &["--car", "12", "--driver", "Cleo", "--laps", "3"]).await;

    let wall: PitWall = reqwest::get(format!("{url}/api/pitwall?race_laps=30&tank_capacity=100&margin_laps=1"))
        .await
        .expect("GET")
        .json()
        .await
        .expect("json");
    // Asked again, the pit wall answers from what it kept of the stored laps: the same figures.
    let again: PitWall = reqwest::get(format!("{url}/api/pitwall?race_laps=30&tank_capacity=100&margin_laps=1"))
        .await
        .expect("GET")
        .json()
        .await
        .expect("json");
    assert_eq!(again.cars, wall.cars);
    let numbers: Vec<&str> = wall.cars.iter().map(|c| c.car_number.as_str()).collect();
    assert_eq!(numbers, ["12", "7"], "both cars, ordered by number as text");
    let seven = &wall.cars[1];
    assert_eq!((seven.team.as_str(), seven.track.as_str(), seven.driver.as_str()), ("Apex", "Spa", "Ben"));

    // The swap continues the stint table; a pit stop starts a stint too.
    let stints: Vec<(u32, &str, u32)> = seven.stints.iter().map(|s| (s.stint, s.driver.as_str(), s.laps)).collect();
    // Ana's stop splits her session: laps 1-2, then from the out-lap (lap 3) on.
    assert_eq!(stints, [(1, "Ana", 2), (2, "Ana", 3), (3, "Ben", 3)]);
    assert_eq!(seven.laps_completed, 8);
    assert_eq!(seven.laps_remaining, Some(22.0));

    // Fuel per lap over the last 5 green laps (Ana's 4 and 5, Ben's 1 to 3: Ana's 2 and 3 were in the pit
    // lane) against the truth: within 1 %.
    let truth_laps: Vec<f64> = ana.laps.iter().chain(&ben.laps).map(|l| l.fuel_used_l).collect();
    let truth_rate = truth_laps[3..].iter().sum::<f64>() / 5.0;
    let fuel = seven.fuel.as_ref().expect("fuel");
    assert_eq!(fuel.unit, "l");
    let rate = fuel.rate.expect("a fuel rate");
    assert_eq!(rate.laps_used, 5);
    assert!((rate.per_lap / truth_rate - 1.0).abs() < 0.01, "{} vs truth {truth_rate}", rate.per_lap);
    // Laps of fuel left, within 0.1 lap: the session's last frame is a second into lap 4.
    let truth_left = ben.laps.last().expect("laps").fuel_at_end_l / truth_rate;
    let laps_left = fuel.laps_left.expect("laps left");
    assert!((laps_left - truth_left).abs() < 0.1, "{laps_left} vs truth {truth_left}");
    // Ben's stint burns what the truth says too.
    let ben_rate = ben.laps.iter().map(|l| l.fuel_used_l).sum::<f64>() / 3.0;
    assert!((seven.stints[2].fuel_per_lap.expect("stint fuel") / ben_rate - 1.0).abs() < 0.01);

    // The pit-lane loss measured on Ana's stop (refuelling apart, as the plan counts it) against the truth's,
    // within a second (the laps it is measured against vary by the driver's own variation).
    let stop = &ana.pit_stops[0];
    let truth_loss = stop.time_lost_s - stop.fuel_added_l / racecraft_sim::REFUEL_LPS;
    assert!(seven.pit_lane_loss_measured);
    assert!((seven.pit_lane_loss_s - truth_loss).abs() < 1.0, "{} vs truth {truth_loss}", seven.pit_lane_loss_s);

    // The plan reaches the finish: what its stops add is what the finish needs beyond the fuel at the line.
    let plan = seven.plan.as_ref().expect("a plan");
    let added: f64 = plan.fastest.stops.iter().map(|s| s.fuel_added).sum();
    assert!(!plan.fastest.stops.is_empty());
    assert!((added - fuel.to_add.expect("to add")).abs() < 1e-6 * truth_rate, "{added} vs {:?}", fuel.to_add);

    // Car 12 has its own figures.
    let twelve = &wall.cars[0];
    assert_eq!((twelve.driver.as_str(), twelve.stints.len(), twelve.laps_completed), ("Cleo", 1, 3));
    let cleo_rate = cleo.laps.iter().map(|l| l.fuel_used_l).sum::<f64>() / 3.0;
    let rate = twelve.fuel.as_ref().and_then(|f| f.rate).expect("rate");
    assert!((rate.per_lap / cleo_rate - 1.0).abs() < 0.01);

    // A malformed setting is refused, not guessed.
    for query in ["race_laps=lots", "race_lapz=30"] {
        let bad = reqwest::get(format!("{url}/api/pitwall?{query}")).await.expect("GET");
        assert_eq!(bad.status(), 400, "{query}");
    }
    server.shutdown().await.expect("shutdown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_simulated_race_sends_its_field_for_the_timing_tower_while_live() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = RunningServer::start(ServerConfig::new(([127, 0, 0, 1], 0).into(), dir.path().join("data")))
        .await
        .expect("server");
    let url = server.url();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_racecraft"));
    cmd.args(["simulate", "--track", "Norisring", "--rate", "60", "--speed", "4", "--laps", "2", "--field", "5"])
        .args(["--team", "Apex", "--car", "7", "--driver", "Ana", "--server", &url])
        .stdout(std::process::Stdio::null());
    let mut child = cmd.spawn().expect("simulate");

    // Wait for the field to arrive (the session goes live, then a field comes every half second).
    let mut field = None;
    for _ in 0..600 {
        let sessions: serde_json::Value =
            reqwest::get(format!("{url}/api/sessions")).await.expect("GET").json().await.expect("json");
        if let Some(id) = sessions.as_array().and_then(|a| a.first()).and_then(|s| s["id"].as_i64()) {
            let body: racecraft_protocol::pitwall::FieldBody =
                reqwest::get(format!("{url}/api/sessions/{id}/field")).await.expect("GET").json().await.expect("json");
            if let Some(f) = body.field.filter(|f| f.t_us > 0) {
                field = Some(f);
                break;
            }
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let field = field.expect("a field while the session is live");
    assert_eq!(field.cars.len(), 6);
    let me = field.cars.iter().find(|c| c.is_player).expect("the simulated car");
    assert_eq!((me.driver.as_str(), me.number.as_deref(), me.team.as_deref()), ("Ana", Some("7"), Some("Apex")));
    assert_eq!(field.cars.iter().filter_map(|c| c.position).collect::<Vec<_>>(), [1, 2, 3, 4, 5, 6]);

    // The pit wall carries the car's race field too.
    let wall: PitWall = reqwest::get(format!("{url}/api/pitwall")).await.expect("GET").json().await.expect("json");
    let car = wall.cars.first().expect("car 7");
    assert!(car.live);
    assert_eq!(car.field.as_ref().map(|f| f.cars.len()), Some(6));
    assert!(car.position.is_some(), "the car's position comes from the field");

    child.kill().expect("stop simulate");
    child.wait().expect("reaped");
    server.shutdown().await.expect("shutdown");
}
