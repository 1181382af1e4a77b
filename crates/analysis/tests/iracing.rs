//! The analysis on a real iRacing file: Tsukuba 1000 outer, Formula Vee, 4 laps of which 2 complete
//! (crates/capture/tests/data/iracing/PROVENANCE.md).

use std::path::Path;

use racecraft_analysis::{
    AnalysisOptions, BoundarySource, GeometrySource, LapTiming, SessionAnalysis, analyze_session,
};
use racecraft_capture::iracing::IbtFile;

fn ibt() -> IbtFile {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../capture/tests/data/iracing/tsukuba_formulavee_4laps.ibt");
    IbtFile::open(&path).expect("fixture parses")
}

fn analysis() -> SessionAnalysis {
    let ibt = ibt();
    let frames: Vec<_> = ibt.frames().collect();
    analyze_session(&ibt.meta(), &frames, &AnalysisOptions::default()).expect("analysis")
}

#[test]
fn lap_times_are_the_games_own() {
    // The game's LapLastLapTime, as published once settled after each crossing.
    let f = ibt();
    let var = f.var("LapLastLapTime").expect("var");
    let mut game: Vec<f64> = Vec::new();
    for r in f.records() {
        let t = r.value(var).expect("value");
        if t > 0.0 && game.last() != Some(&t) {
            game.push(t);
        }
    }
    let a = analysis();
    assert_eq!(a.boundaries, BoundarySource::LapCounter);
    assert_eq!(a.laps.iter().map(|l| l.lap_number).collect::<Vec<_>>(), [1, 2]);
    for (lap, g) in a.laps.iter().zip(&game) {
        assert_eq!(lap.timing, LapTiming::Game);
        assert!((lap.lap_time_s - g).abs() < 1e-6, "{} vs {g}", lap.lap_time_s);
        // (No sum check: the last sector is the remainder of the lap, so the sectors sum to it by construction.)
        assert!(!lap.sectors_s.is_empty() && lap.sectors_s.iter().all(|s| *s > 0.0), "{:?}", lap.sectors_s);
    }
    assert!((a.laps[0].lap_time_s - 25.9145).abs() < 1e-3 && (a.laps[1].lap_time_s - 23.9797).abs() < 1e-3);
    // Lap 1 starts from the grid: it crosses the line at a third of lap 2's speed.
    assert!(a.laps[0].flags.standing_start && !a.laps[0].valid, "{:?}", a.laps[0]);
    assert!(a.laps[1].valid && a.laps[1].session_best);
    assert_eq!(a.best_lap, Some(2));
}

#[test]
fn the_track_model_closes_on_itself() {
    let a = analysis();
    let m = &a.track_model;
    assert_eq!(m.geometry, GeometrySource::Positions);
    // iRacing's lap distance gives the length; the averaged line ends where it started, to within the
    // distance covered in one sample at the line (about 0.5 m) and the GPS noise.
    assert!((m.length_m - 675.3).abs() < 1.0, "{}", m.length_m);
    assert!(m.closure_m < 2.0, "closure {} m", m.closure_m);
    // The line's own length agrees with the lap distance, and the line turns once round (clockwise).
    let n = m.points.len();
    let line: f64 = (0..n)
        .map(|i| {
            let (a, b) = (m.points[i], m.points[(i + 1) % n]);
            f64::from(b[0] - a[0]).hypot(f64::from(b[1] - a[1]))
        })
        .sum();
    assert!((line - m.length_m).abs() < 0.03 * m.length_m, "{line} vs {}", m.length_m);
    let turning: f64 = m.curvature_per_m.iter().map(|k| f64::from(*k) * m.step_m).sum();
    assert!((turning + std::f64::consts::TAU).abs() < 0.3, "{turning}");
}

#[test]
fn corners_are_found_where_the_car_slows() {
    let a = analysis();
    let best = a.trace(2).expect("lap 2");
    // Every real corner (more than a kink) is where the car slows down: its slowest point is well below the
    // speed at the start of its zone, and the driver brakes for it.
    let mut braking_corners = 0;
    for (c, z) in a.corners.iter().zip(&a.zones) {
        if c.turn_deg < 30.0 {
            continue;
        }
        let m = a.metrics(2, c.number).expect("metrics");
        let entry_speed = f64::from(best.speed_mps[best.index_of(z.start_m)]);
        assert!(m.min_speed_mps < entry_speed - 3.0, "{c:?}: {} vs {entry_speed}", m.min_speed_mps);
        assert!(m.braking_point_m.is_some(), "{c:?}");
        braking_corners += 1;
    }
    assert!(braking_corners >= 2);
    // And every big slowdown on the lap lies in a corner: local speed minima 5 m/s below the previous peak.
    let mut peak = 0.0f32;
    for k in 1..best.len() - 1 {
        let v = best.speed_mps[k];
        peak = peak.max(v);
        if v <= best.speed_mps[k - 1] && v <= best.speed_mps[k + 1] && v < peak - 5.0 {
            let d = k as f64 * best.step_m;
            assert!(a.corners.iter().any(|c| d >= c.entry_m - 10.0 && d <= c.exit_m + 10.0), "slowdown at {d} m");
            peak = v;
        }
    }
}
