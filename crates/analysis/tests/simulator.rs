//! The analysis against the simulator's ground truth: laps, sectors, mistakes, shift points, corners, and
//! the track model saved and reused.

use racecraft_analysis::{
    AnalysisOptions, BoundarySource, LapTiming, MistakeKind, Reference, SessionAnalysis, TrackModel, analyze_session,
    analyze_session_with_model, compare_across_sessions, compare_laps,
};
use racecraft_core::{Channel, Frame};
use racecraft_sim::{Car, DriverModel, MistakeKind as TruthKind, SimConfig, Simulation, Track};

fn simulate(
    track: &str,
    laps: u32,
    rate_hz: f64,
    seed: u64,
    driver: DriverModel,
    car: Car,
) -> (Simulation, Vec<Frame>) {
    let sim = Simulation::new(
        Track::builtin(track).expect("builtin"),
        SimConfig { laps, rate_hz, seed, driver, car, ..SimConfig::default() },
    )
    .expect("valid config");
    let frames = sim.frames().collect();
    (sim, frames)
}

fn analyze(sim: &Simulation, frames: &[Frame]) -> SessionAnalysis {
    analyze_session(&sim.meta(0), frames, &AnalysisOptions::default()).expect("analysis")
}

/// Two models equal up to JSON's last-digit rounding of floats.
fn assert_same_model(a: &TrackModel, b: &TrackModel) {
    assert_eq!(
        (a.version, &a.track, a.points.len(), a.corners.len(), a.laps_used),
        (b.version, &b.track, b.points.len(), b.corners.len(), b.laps_used)
    );
    assert_eq!(a.points, b.points);
    assert_eq!(a.curvature_per_m, b.curvature_per_m);
    assert!((a.length_m - b.length_m).abs() < 1e-9 && (a.closure_m - b.closure_m).abs() < 1e-9);
    assert_eq!(a.sector_intervals_m.len(), b.sector_intervals_m.len());
    for (x, y) in a.sector_intervals_m.iter().zip(&b.sector_intervals_m) {
        assert!((x[0] - y[0]).abs() < 1e-9 && (x[1] - y[1]).abs() < 1e-9);
    }
}

/// Every timed lap found, with the truth's lap time to 1 ms.
fn assert_lap_times(a: &SessionAnalysis, sim: &Simulation, what: &str) {
    let truth = sim.truth();
    let numbers: Vec<u32> = a.laps.iter().map(|l| l.lap_number).collect();
    let expected: Vec<u32> = truth.laps.iter().map(|l| l.lap_number).collect();
    assert_eq!(numbers, expected, "{what}");
    for (lap, t) in a.laps.iter().zip(&truth.laps) {
        assert!(
            (lap.lap_time_s - t.lap_time_s).abs() < 1e-3,
            "{what}: lap {} {} vs {}",
            t.lap_number,
            lap.lap_time_s,
            t.lap_time_s
        );
        assert!(
            (lap.start_s - t.start_s).abs() < 1e-3,
            "{what}: lap {} starts {} vs {}",
            t.lap_number,
            lap.start_s,
            t.start_s
        );
        assert!(lap.valid, "{what}: {lap:?}");
    }
}

fn assert_sector_times(a: &SessionAnalysis, sim: &Simulation, tolerance_s: f64, what: &str) {
    for (lap, t) in a.laps.iter().zip(&sim.truth().laps) {
        assert_eq!(lap.sectors_s.len(), 3, "{what}");
        for (s, ts) in lap.sectors_s.iter().zip(&t.sectors_s) {
            assert!(
                (s - ts).abs() < tolerance_s,
                "{what}: lap {} sectors {:?} vs {:?}",
                t.lap_number,
                lap.sectors_s,
                t.sectors_s
            );
        }
    }
}

fn without(frames: &[Frame], channels: &[Channel]) -> Vec<Frame> {
    frames
        .iter()
        .map(|f| {
            let mut f = *f;
            for &c in channels {
                f.clear(c);
            }
            f
        })
        .collect()
}

#[test]
fn lap_times_match_the_truth_on_several_tracks_and_from_every_boundary_source() {
    for (track, rate) in [("Monza", 60.0), ("Spa", 60.0), ("Budapest", 100.0), ("Norisring", 60.0)] {
        let (sim, frames) = simulate(track, 4, rate, 5, DriverModel::default(), Car::default());
        let a = analyze(&sim, &frames);
        assert_eq!(a.boundaries, BoundarySource::LapCounter);
        assert!(a.laps.iter().all(|l| l.timing == LapTiming::Game));
        assert_lap_times(&a, &sim, &format!("{track} game times"));

        // No game lap times: crossings interpolated between samples.
        let f = without(&frames, &[Channel::LapTime, Channel::LastLapTime]);
        let a = analyze(&sim, &f);
        assert!(a.laps.iter().all(|l| l.timing == LapTiming::Crossings));
        assert_lap_times(&a, &sim, &format!("{track} counter crossings"));

        // No lap counter: lap distance wrapping.
        let f = without(&frames, &[Channel::Lap, Channel::LapTime, Channel::LastLapTime]);
        let a = analyze(&sim, &f);
        assert_eq!(a.boundaries, BoundarySource::LapDistance);
        assert_lap_times(&a, &sim, &format!("{track} lap distance"));

        // Positions only: the start line where the recording begins.
        let f = without(
            &frames,
            &[
                Channel::Lap,
                Channel::LapTime,
                Channel::LastLapTime,
                Channel::LapDist,
                Channel::LapDistPct,
                Channel::Sector,
            ],
        );
        let a = analyze(&sim, &f);
        assert_eq!(a.boundaries, BoundarySource::Positions);
        assert_lap_times(&a, &sim, &format!("{track} positions"));
        assert!((a.track_length_m - sim.truth().length_m).abs() < 0.005 * sim.truth().length_m);
    }
}

#[test]
fn sector_times_match_the_truth_once_the_boundaries_are_known() {
    // The game's sector channel only brackets a boundary between two samples, so the estimate tightens with
    // rate and laps: at 333 Hz it is good to 1 ms within a few laps.
    for track in ["Monza", "Silverstone"] {
        let (sim, frames) = simulate(track, 4, 333.0, 2, DriverModel::default(), Car::default());
        let a = analyze(&sim, &frames);
        assert_sector_times(&a, &sim, 1e-3, &format!("{track} 333 Hz"));
        for lap in &a.laps {
            assert!((lap.sectors_s.iter().sum::<f64>() - lap.lap_time_s).abs() < 1e-9);
        }
    }
    // At 60 Hz a short session alone is good to a few ms; with the model saved from an earlier session
    // (here one recorded at 333 Hz, whose boundary intervals this one narrows further) it is good to 1 ms.
    let (first, frames) = simulate("Spa", 6, 333.0, 8, DriverModel::default(), Car::default());
    let earlier = analyze(&first, &frames);
    let text = earlier.track_model.to_json().expect("json");
    let saved = TrackModel::from_json(&text).expect("reads back");
    assert_same_model(&saved, &earlier.track_model);
    let (sim, frames) = simulate("Spa", 3, 60.0, 9, DriverModel::default(), Car::default());
    let alone = analyze(&sim, &frames);
    assert_sector_times(&alone, &sim, 0.01, "Spa 60 Hz alone");
    let a =
        analyze_session_with_model(&sim.meta(0), &frames, &AnalysisOptions::default(), Some(&saved)).expect("analysis");
    assert_sector_times(&a, &sim, 1e-3, "Spa 60 Hz with the saved model");
    // Boundaries the game publishes (iRacing's SectorStartPct) are used as they are.
    let options = AnalysisOptions {
        sector_boundaries_m: Some(sim.truth().sector_boundaries_m.to_vec()),
        ..AnalysisOptions::default()
    };
    let a = analyze_session(&sim.meta(0), &frames, &options).expect("analysis");
    assert_sector_times(&a, &sim, 1e-3, "Spa 60 Hz with published boundaries");
}

/// Every injected mistake found at the truth's corner (matched by apex), with its cost within 20 %.
fn assert_mistakes_found(track: &str, seed: u64, driver: DriverModel) -> usize {
    let (sim, frames) = simulate(track, 8, 60.0, seed, driver, Car::default());
    let a = analyze(&sim, &frames);
    let truth = sim.truth();
    let mut checked = 0;
    for lap in &truth.laps {
        for m in &lap.mistakes {
            // The same corner: the truth's apex inside ours (corners may be split a little differently), or
            // the place of the mistake (the braking point for early braking) inside our corner's zone; the
            // latter matters where one braking zone serves two corners and the truth names the second.
            let apex = truth.corners[m.corner as usize - 1].apex_m;
            let same = |n: u32| {
                let c = &a.corners[n as usize - 1];
                let z = &a.zones[n as usize - 1];
                (c.apex_m - apex).abs() < 30.0
                    || (c.entry_m - 20.0..=c.exit_m + 20.0).contains(&apex)
                    || (z.start_m..=z.end_m).contains(&m.distance_m)
            };
            let found =
                a.mistakes.iter().find(|x| x.lap_number == lap.lap_number && same(x.corner)).unwrap_or_else(|| {
                    panic!("{track} seed {seed} lap {}: {m:?} not found in {:?}", lap.lap_number, a.mistakes)
                });
            let err = (found.time_lost_s - m.cost_s).abs() / m.cost_s;
            assert!(
                err < 0.2,
                "{track} seed {seed} lap {}: cost {} vs {} ({m:?})",
                lap.lap_number,
                found.time_lost_s,
                m.cost_s
            );
            let kind = match m.kind {
                TruthKind::EarlyBraking => MistakeKind::EarlyBraking,
                TruthKind::SlowApex => MistakeKind::SlowApex,
            };
            // A slow apex after a late brake release can also read as braking early; the corner is what counts.
            assert!(found.kind == kind || m.kind == TruthKind::SlowApex, "{track}: {found:?} vs {m:?}");
            assert!(found.advice.is_some(), "{found:?}");
            checked += 1;
        }
    }
    // No mistakes where there were none.
    for x in &a.mistakes {
        let t = &truth.laps[x.lap_number as usize - 1];
        assert!(!t.mistakes.is_empty(), "{track} seed {seed}: false mistake {x:?}");
    }
    checked
}

#[test]
fn every_injected_mistake_is_found_at_its_corner_with_its_cost() {
    let mut checked = 0;
    for (track, seed) in [("Spa", 3), ("Monza", 3), ("Silverstone", 7), ("Budapest", 11)] {
        checked += assert_mistakes_found(track, seed, DriverModel::default());
    }
    // A steadier driver with more mistakes: the costs stand out further from lap-to-lap variation.
    let steady = DriverModel {
        brake_early_max_m: 1.0,
        min_speed_frac_min: 0.99,
        min_speed_frac_max: 1.0,
        mistake_probability: 0.6,
    };
    for (track, seed) in [("Sakhir", 1), ("Sochi", 4)] {
        checked += assert_mistakes_found(track, seed, steady.clone());
    }
    assert!(checked >= 15, "{checked}");
}

#[test]
fn a_mistake_is_compared_with_a_clean_lap_even_when_many_laps_err_at_that_corner() {
    // A driver who errs on every lap, on circuits with few braking corners: several laps err at one corner, and
    // the lap the advice compares with ("on a typical lap (lap N)") must not be one that erred there itself.
    let erratic = DriverModel { mistake_probability: 1.0, ..DriverModel::default() };
    let mut compared = 0;
    let mut crowded = 0;
    for (track, seed) in [("IMS", 1), ("IMS", 2), ("Norisring", 1), ("Norisring", 2), ("Monza", 3)] {
        let (sim, frames) = simulate(track, 10, 60.0, seed, erratic.clone(), Car::default());
        let a = analyze(&sim, &frames);
        let reported_at = |lap: u32, corner: u32| a.mistakes.iter().any(|m| m.lap_number == lap && m.corner == corner);
        for x in &a.mistakes {
            let Some(advice) = &x.advice else { continue };
            let laps_erring_here = a.laps.iter().filter(|l| reported_at(l.lap_number, x.corner)).count();
            crowded += usize::from(laps_erring_here >= 3);
            assert!(
                !reported_at(advice.reference_lap_number, x.corner),
                "{track} seed {seed}: lap {} at corner {} compared with lap {}, which erred there too",
                x.lap_number,
                x.corner,
                advice.reference_lap_number
            );
            compared += 1;
        }
    }
    assert!(compared >= 20 && crowded >= 3, "{compared} mistakes compared, {crowded} at corners where 3+ laps erred");
}

#[test]
fn shift_points_match_the_car_model() {
    // The driver revs to the limiter, so the data covers the whole rev range the optimum can lie in.
    let car = Car { shift_rpm: 9000.0, ..Car::default() };
    let (sim, frames) = simulate("Monza", 3, 60.0, 1, DriverModel::default(), car);
    let a = analyze(&sim, &frames);
    let truth = &sim.truth().shift_points;
    assert_eq!(a.shifts.shifts.len(), truth.len());
    for (ours, t) in a.shifts.shifts.iter().zip(truth) {
        assert_eq!(ours.gear, t.gear);
        assert!((ours.optimal_rpm - t.optimal_rpm).abs() < 100.0, "{ours:?} vs {t:?}");
        let driver = ours.driver_rpm.expect("upshifts seen");
        assert!((driver - t.driver_rpm).abs() < 100.0, "{ours:?} vs {t:?}");
    }
    // The default driver shifts at 8500 rpm, below every optimum: the analysis says the optimum is at or
    // above the highest rpm it saw, and that the driver shifts there.
    let (sim, frames) = simulate("Monza", 3, 60.0, 1, DriverModel::default(), Car::default());
    let a = analyze(&sim, &frames);
    for (ours, t) in a.shifts.shifts.iter().zip(&sim.truth().shift_points) {
        assert!(ours.at_limit && ours.optimal_rpm > 8400.0 && t.optimal_rpm >= ours.optimal_rpm, "{ours:?} vs {t:?}");
        assert!((ours.driver_rpm.expect("seen") - 8500.0).abs() < 100.0);
    }
}

#[test]
fn corner_counts_are_close_to_the_official_turn_counts() {
    // Differences are where an official count numbers a kink that the racing line straightens (Hockenheim's
    // straights, Austin's esses) or numbers the parts of one constant-direction corner separately (Shanghai's
    // turns 1–3 and 11–13): the model sees where the car turns, not where the organisers put boards.
    let mut total = (0, 0);
    let mut within_three = 0;
    let mut table = String::new();
    for &track in Track::builtin_names() {
        let official = Track::official_turns(track).expect("every built-in circuit has its count");
        let (sim, frames) = simulate(track, 1, 60.0, 1, DriverModel::perfect(), Car::default());
        let a = analyze(&sim, &frames);
        let ours = a.corners.len();
        table.push_str(&format!("{track}: {ours} (official {official})\n"));
        assert!(ours.abs_diff(official) <= 6, "{table}");
        within_three += usize::from(ours.abs_diff(official) <= 3);
        total.0 += ours;
        total.1 += official;
        // Numbered in driving order, apex inside each corner.
        for (i, c) in a.corners.iter().enumerate() {
            assert_eq!(c.number as usize, i + 1);
            assert!(c.apex_m >= 0.0 && c.apex_m <= a.track_length_m);
        }
    }
    println!("{table}");
    assert!(within_three >= 15, "{table}");
    assert!((total.0 as f64 - total.1 as f64).abs() <= 0.12 * total.1 as f64, "{total:?}\n{table}");
}

#[test]
fn corners_are_stable_across_laps_and_sessions() {
    let (sim, frames) = simulate("Silverstone", 3, 60.0, 1, DriverModel::default(), Car::default());
    let first = analyze(&sim, &frames);
    let (sim2, frames2) = simulate("Silverstone", 3, 100.0, 2, DriverModel::default(), Car::default());
    let second = analyze(&sim2, &frames2);
    assert_eq!(first.corners.len(), second.corners.len());
    for (a, b) in first.corners.iter().zip(&second.corners) {
        assert_eq!(a.direction, b.direction);
        assert!((a.apex_m - b.apex_m).abs() < 10.0, "{a:?} vs {b:?}");
    }
    // Reusing the saved model keeps its corners and numbers, and adds the laps to it.
    let dir = std::env::temp_dir().join(format!("racecraft-analysis-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let path = dir.join("silverstone.json");
    first.track_model.save(&path).expect("save");
    let saved = TrackModel::load(&path).expect("load");
    let reused = analyze_session_with_model(&sim2.meta(0), &frames2, &AnalysisOptions::default(), Some(&saved))
        .expect("analysis");
    assert_eq!(reused.corners.len(), first.corners.len());
    for (a, b) in reused.corners.iter().zip(&first.corners) {
        assert_eq!((a.number, a.direction), (b.number, b.direction));
        assert!((a.apex_m - b.apex_m).abs() < 1e-6);
    }
    assert_eq!(reused.track_model.laps_used, 6);
    std::fs::remove_dir_all(&dir).expect("cleanup");
}

#[test]
fn track_model_from_positions_and_from_dead_reckoning() {
    let (sim, frames) = simulate("Montreal", 2, 60.0, 1, DriverModel::perfect(), Car::default());
    let a = analyze(&sim, &frames);
    let m = &a.track_model;
    assert!((m.length_m - sim.truth().length_m).abs() < 0.5);
    assert!(m.closure_m < 2.0, "{}", m.closure_m);
    // The model lies on the race line.
    let line = sim.track().race_line();
    for (k, p) in m.points.iter().enumerate().step_by(97) {
        let nearest =
            line.iter().map(|q| (q[0] - f64::from(p[0])).hypot(q[1] - f64::from(p[1]))).fold(f64::MAX, f64::min);
        assert!(nearest < 1.0, "point {k}: {nearest} m off the line");
    }
    // Without positions: dead reckoning from speed and heading still finds the corners.
    let f = without(&frames, &[Channel::PosX, Channel::PosY, Channel::PosZ]);
    let b = analyze(&sim, &f);
    assert_eq!(b.track_model.geometry, racecraft_analysis::GeometrySource::DeadReckoning);
    assert!(b.corners.len().abs_diff(a.corners.len()) <= 1, "{} vs {}", b.corners.len(), a.corners.len());
    for c in &b.corners {
        assert!(a.corners.iter().any(|d| (d.apex_m - c.apex_m).abs() < 25.0), "{c:?}");
    }
    // Without positions or heading: lateral acceleration alone.
    let f = without(&frames, &[Channel::PosX, Channel::PosY, Channel::PosZ, Channel::Yaw]);
    let c = analyze(&sim, &f);
    assert!(c.corners.len().abs_diff(a.corners.len()) <= 1, "{} vs {}", c.corners.len(), a.corners.len());
}

#[test]
fn a_lap_compares_with_a_lap_of_another_session_on_the_same_track() {
    let options = AnalysisOptions { delta_points: 6000, ..AnalysisOptions::default() };
    let (sim_a, frames_a) = simulate("Monza", 3, 100.0, 11, DriverModel::default(), Car::default());
    let (sim_b, frames_b) = simulate("Monza", 3, 60.0, 12, DriverModel::default(), Car::default());
    let a = analyze_session(&sim_a.meta(0), &frames_a, &options).expect("analysis a");
    let b = analyze_session(&sim_b.meta(0), &frames_b, &options).expect("analysis b");
    let (truth_a, truth_b) = (&sim_a.truth().laps[1], &sim_b.truth().laps[2]);
    let c = compare_across_sessions(&a, 2, &b, 3).expect("comparison");
    assert_eq!((c.lap_number, c.reference_lap_number), (2, 3));
    let difference = truth_a.lap_time_s - truth_b.lap_time_s;
    assert!((c.difference_s - difference).abs() < 2e-3, "{} vs {difference}", c.difference_s);
    let (first, last) = (c.delta.first().expect("delta"), c.delta.last().expect("delta"));
    assert!(first.delta_s.abs() < 1e-9 && (last.delta_s - c.difference_s).abs() < 1e-9);
    let losses: f64 = c.stretches.iter().map(|s| s.loss_s).sum();
    assert!((losses - c.difference_s).abs() < 1e-6, "losses {losses} vs {}", c.difference_s);
    // At each sector boundary the delta is the difference of the two laps' sector times so far (truth).
    let boundaries = sim_a.truth().sector_boundaries_m;
    for (k, boundary) in boundaries.iter().enumerate() {
        let so_far = |t: &racecraft_sim::LapTruth| t.sectors_s[..=k].iter().sum::<f64>();
        let expected = so_far(truth_a) - so_far(truth_b);
        let near =
            c.delta.iter().min_by(|p, q| (p.distance_m - boundary).abs().total_cmp(&(q.distance_m - boundary).abs()));
        let got = near.expect("points").delta_s;
        assert!((got - expected).abs() < 5e-3, "sector {k}: delta {got} vs truth {expected}");
    }
    // The reference lap, measured in this session's corners, has the other session's own corner figures.
    assert_eq!(c.corners.len(), a.zones.len());
    for cc in &c.corners {
        let own = b.metrics(3, cc.corner).expect("reference metrics");
        assert!((cc.reference.min_speed_mps - own.min_speed_mps).abs() < 0.5, "T{}: {cc:?} vs {own:?}", cc.corner);
    }

    // Against a lap of its own session it is exactly the same-session comparison.
    let across = compare_across_sessions(&a, 2, &a, 1).expect("comparison");
    let within = compare_laps(&a, 2, Reference::Lap(1)).expect("comparison");
    assert_eq!(across.delta.len(), within.delta.len());
    for (x, y) in across.delta.iter().zip(&within.delta) {
        assert!((x.delta_s - y.delta_s).abs() < 1e-9 && (x.distance_m - y.distance_m).abs() < 1e-9);
    }
    for (x, y) in across.corners.iter().zip(&within.corners) {
        assert_eq!(x.reference, y.reference);
    }

    // Another track is refused.
    let (sim_c, frames_c) = simulate("Spa", 2, 60.0, 3, DriverModel::default(), Car::default());
    let spa = analyze_session(&sim_c.meta(0), &frames_c, &options).expect("analysis spa");
    let err = compare_across_sessions(&a, 2, &spa, 1).expect_err("different track");
    assert!(matches!(err, racecraft_analysis::Error::DifferentTrack { .. }), "{err}");
    assert!(matches!(compare_across_sessions(&a, 2, &b, 99), Err(racecraft_analysis::Error::UnknownLap(99))));
}

#[test]
fn the_channels_read_are_all_the_analysis_needs() {
    let (sim, frames) = simulate("Budapest", 2, 100.0, 3, DriverModel::default(), Car::default());
    let unread: Vec<Channel> =
        Channel::ALL.iter().copied().filter(|c| racecraft_analysis::CHANNELS_READ & (1 << c.index()) == 0).collect();
    assert!(!unread.is_empty() && unread.len() < Channel::ALL.len());
    let reduced = without(&frames, &unread);
    assert!(
        reduced.iter().zip(&frames).any(|(r, f)| r != f),
        "the simulator publishes channels the analysis does not read"
    );
    assert_eq!(analyze(&sim, &reduced), analyze(&sim, &frames));
}
