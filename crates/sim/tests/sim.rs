//! The simulator as its consumers see it: frames, lap times through `LapTracker`, and the ground truth.

use std::sync::OnceLock;

use racecraft_core::{Channel, Frame, LapTracker, STANDARD_GRAVITY_MPS2 as G};
use racecraft_sim::{
    Car, DriverModel, Error, GroundTruth, MistakeKind, OVERRUN_S, PIT_LANE_SPEED_MPS, PitStop, REFUEL_LPS, STOP_BASE_S,
    SimConfig, Simulation, Track,
};

fn sim(track: &str, cfg: SimConfig) -> Simulation {
    Simulation::new(Track::builtin(track).expect("builtin track"), cfg).expect("simulation")
}

/// Monza, 3 laps at 100 Hz, shared by the tests that only read it.
fn monza() -> &'static (Simulation, Vec<Frame>) {
    static MONZA: OnceLock<(Simulation, Vec<Frame>)> = OnceLock::new();
    MONZA.get_or_init(|| {
        let s = sim("Monza", SimConfig { laps: 3, rate_hz: 100.0, seed: 11, ..SimConfig::default() });
        let frames = s.frames().collect();
        (s, frames)
    })
}

fn get(f: &Frame, c: Channel) -> f64 {
    f64::from(f.get(c).unwrap_or_else(|| panic!("{} missing at t_us {}", c.name(), f.t_us)))
}

#[test]
fn lap_times_are_plausible_for_the_default_car() {
    let monza = sim("Monza", SimConfig::default());
    let spa = sim("Spa", SimConfig::default());
    for lap in &monza.truth().laps {
        assert!((80.0..130.0).contains(&lap.lap_time_s), "Monza {lap:?}");
    }
    for lap in &spa.truth().laps {
        assert!((120.0..170.0).contains(&lap.lap_time_s), "Spa {lap:?}");
    }
    // Every circuit: a GT car laps at 140-250 km/h on average (the IMS oval faster), and the driver is never
    // faster than the ideal lap.
    for name in Track::builtin_names() {
        let s = sim(name, SimConfig { laps: 1, ..SimConfig::default() });
        let truth = s.truth();
        let kmh = truth.length_m / truth.ideal_lap_time_s * 3.6;
        let range = if *name == "IMS" { 250.0..300.0 } else { 140.0..250.0 };
        assert!(range.contains(&kmh), "{name}: {kmh} km/h");
        assert!(truth.laps[0].lap_time_s >= truth.ideal_lap_time_s - 1e-9, "{name}");
        assert!(truth.laps[0].lap_time_s < truth.ideal_lap_time_s * 1.05, "{name}");
    }
}

#[test]
fn speed_and_accelerations_are_consistent() {
    let (s, frames) = monza();
    let car = &s.config().car;
    let dt = 1.0 / s.config().rate_hz;
    let mut lat_errors = Vec::new();
    for w in frames.windows(3) {
        let [a, b, c] = [&w[0], &w[1], &w[2]];
        if get(c, Channel::Lap) as u32 > s.config().laps {
            break;
        }
        // acc_long is the exact derivative of speed, piecewise constant: between two samples the speed change
        // lies within the trapezoid's error bound for a step in acceleration.
        let (v0, v1) = (get(a, Channel::Speed), get(b, Channel::Speed));
        let (a0, a1) = (get(a, Channel::AccLong) * G, get(b, Channel::AccLong) * G);
        let trapezoid = 0.5 * (a0 + a1) * dt;
        assert!(
            (v1 - v0 - trapezoid).abs() <= 0.5 * (a1 - a0).abs() * dt + 2e-4,
            "t_us {}: dv {} vs {trapezoid}",
            b.t_us,
            v1 - v0
        );

        // acc_lat is v²κ: compare with speed × yaw rate (central difference), positive turning left.
        let mut dyaw = get(c, Channel::Yaw) - get(a, Channel::Yaw);
        dyaw = (dyaw + std::f64::consts::PI).rem_euclid(std::f64::consts::TAU) - std::f64::consts::PI;
        let from_yaw = v1 * dyaw / (2.0 * dt);
        let lat = get(b, Channel::AccLat) * G;
        lat_errors.push((lat - from_yaw).abs());
        assert!((lat - from_yaw).abs() < 0.05 * lat.abs() + 0.5, "t_us {}: lat {lat} vs v·yaw rate {from_yaw}", b.t_us);

        // Steering follows curvature: steer = κ · wheelbase · ratio, so it has acc_lat's sign and size.
        let steer = get(b, Channel::Steer);
        let lat_from_steer = v1 * v1 * steer / (car.wheelbase_m * car.steering_ratio);
        assert!((lat_from_steer - lat).abs() < 1e-3 * lat.abs().max(1.0));

        // The tyres never give more than the friction circle (with downforce) allows.
        let tyre_long = a1 + car.resistance_n(v1) / car.mass_kg;
        let combined = tyre_long.hypot(lat);
        assert!(combined <= car.grip_mps2(v1) * 1.03, "t_us {}: {combined} > {}", b.t_us, car.grip_mps2(v1));

        // Position moves at the speed along the heading.
        let dx = get(b, Channel::PosX) - get(a, Channel::PosX);
        let dy = get(b, Channel::PosY) - get(a, Channel::PosY);
        let travelled = dx.hypot(dy);
        assert!((travelled - 0.5 * (v0 + v1) * dt).abs() < 0.02 * v1 * dt + 0.01, "t_us {}", b.t_us);
        let (vx, vy) = (get(b, Channel::VelX), get(b, Channel::VelY));
        assert!((vx.hypot(vy) - v1).abs() < 1e-3 * v1);
        assert!((vy.atan2(vx) - get(b, Channel::Yaw)).abs() % std::f64::consts::TAU < 1e-3);
    }
    lat_errors.sort_by(f64::total_cmp);
    let median = lat_errors[lat_errors.len() / 2];
    assert!(median < 0.05, "median lateral error {median} m/s²");
}

#[test]
fn gear_rpm_and_pedals_are_consistent() {
    let (s, frames) = monza();
    let car = &s.config().car;
    let mut gears_seen = [false; 7];
    let mut clutch_presses = 0;
    let mut prev_clutch = 0.0;
    for f in frames {
        let v = get(f, Channel::Speed);
        let gear = get(f, Channel::Gear) as u8;
        let rpm = get(f, Channel::Rpm);
        assert!((1..=car.gear_count()).contains(&gear));
        gears_seen[usize::from(gear)] = true;
        let expected = car.rpm_at(v, gear).max(car.idle_rpm);
        assert!((rpm - expected).abs() < 0.5, "t_us {}: rpm {rpm} vs {expected}", f.t_us);
        assert!(rpm <= car.redline_rpm);
        // Never above the shift point (bar the top gear), never lugging in too high a gear.
        if gear < car.gear_count() {
            assert!(rpm <= car.shift_rpm + 1.0, "t_us {}: rpm {rpm} in gear {gear}", f.t_us);
        }
        if gear > 1 {
            assert!(car.rpm_at(v, gear - 1) >= car.shift_rpm - 501.0, "t_us {}: gear {gear} too high", f.t_us);
        }
        let (throttle, brake, clutch) = (get(f, Channel::Throttle), get(f, Channel::Brake), get(f, Channel::Clutch));
        for p in [throttle, brake, clutch] {
            assert!((0.0..=1.0).contains(&p));
        }
        assert!(throttle == 0.0 || brake == 0.0, "t_us {}: both pedals", f.t_us);
        // Hard deceleration is braking, acceleration is throttle (full when the engine is what limits).
        let acc = get(f, Channel::AccLong);
        if acc < -0.8 {
            assert!(brake > 0.2, "t_us {}: {acc} g with brake {brake}", f.t_us);
        }
        if acc > 0.05 {
            assert!(throttle > 0.0 && brake == 0.0, "t_us {}: {acc} g with throttle {throttle}", f.t_us);
            let full = car.drive_force_n(v, gear);
            let needed = acc * G * car.mass_kg + car.resistance_n(v);
            assert!(throttle == 1.0 || needed < full, "t_us {}: partial throttle needs less than full power", f.t_us);
        }
        let steer = get(f, Channel::Steer);
        assert!((get(f, Channel::SteerInput) - steer / car.steering_lock_rad).abs() < 1e-5);
        if clutch > 0.0 && prev_clutch == 0.0 {
            clutch_presses += 1;
        }
        prev_clutch = clutch;
        assert!(get(f, Channel::Fuel) <= car.fuel_start_l);
        for c in [Channel::TyreTempFl, Channel::TyreTempFr, Channel::TyreTempRl, Channel::TyreTempRr] {
            assert!((40.0..130.0).contains(&get(f, c)));
        }
        for c in [Channel::SlipRatioFl, Channel::SlipRatioFr, Channel::SlipRatioRl, Channel::SlipRatioRr] {
            assert!(get(f, c).abs() < 0.15);
        }
    }
    assert!(gears_seen[1..].iter().all(|g| *g), "every gear is used at Monza: {gears_seen:?}");
    assert!(clutch_presses > 20 * s.config().laps as usize, "{clutch_presses} clutch presses");
    let first = &frames[0];
    let last = &frames[frames.len() - 1];
    assert!(get(last, Channel::Fuel) < get(first, Channel::Fuel) - 1.0, "fuel is used");
    assert!(get(first, Channel::Throttle) == 1.0, "Monza's start line is flat out");
}

#[test]
fn lap_tracker_recovers_the_truth() {
    let (monza_sim, monza_frames) = monza();
    check_laps_through_tracker(monza_sim, monza_frames);
    for (track, rate) in [("Norisring", 333.0), ("Spa", 60.0)] {
        let s = sim(track, SimConfig { laps: 2, rate_hz: rate, ..SimConfig::default() });
        let frames: Vec<Frame> = s.frames().collect();
        check_laps_through_tracker(&s, &frames);
    }
}

fn check_laps_through_tracker(s: &Simulation, frames: &[Frame]) {
    let track = s.track().name();
    let rate = s.config().rate_hz;
    {
        let truth = s.truth();
        let mut tracker = LapTracker::new();
        let laps: Vec<_> = frames.iter().filter_map(|f| tracker.push(f)).collect();
        assert_eq!(laps.len(), truth.laps.len(), "{track}");
        for (got, want) in laps.iter().zip(&truth.laps) {
            assert_eq!(got.lap_number, want.lap_number);
            assert!((got.lap_time_s - want.lap_time_s).abs() < 1e-3, "{track}: {got:?} vs {want:?}");
            assert!(got.valid && !got.out_lap && !got.pit, "{track}: {got:?}");
            assert_eq!(got.sectors_s.len(), 3);
            let sum: f64 = got.sectors_s.iter().sum();
            assert!((sum - got.lap_time_s).abs() < 1e-9);
            let truth_sum: f64 = want.sectors_s.iter().sum();
            assert!((truth_sum - want.lap_time_s).abs() < 1e-9);
            for (g, w) in got.sectors_s.iter().zip(want.sectors_s) {
                assert!((g - w).abs() <= 1.0 / rate + 1e-3, "{track}: sector {g} vs {w}");
            }
            assert!((got.start_t_us as f64 * 1e-6 - want.start_s).abs() < 1e-5);
        }

        // The session starts on the start line at a flying speed and ends OVERRUN_S into the next lap.
        let first = &frames[0];
        assert_eq!(first.t_us, 0);
        assert_eq!(get(first, Channel::Lap), 1.0);
        assert_eq!(get(first, Channel::LapTime), 0.0);
        assert_eq!(get(first, Channel::LapDist), 0.0);
        assert!(get(first, Channel::Speed) > 30.0);
        assert!(!first.has(Channel::LastLapTime));
        let last = &frames[frames.len() - 1];
        let final_lap = truth.laps.last().expect("laps");
        assert_eq!(get(last, Channel::Lap) as u32, final_lap.lap_number + 1);
        assert_eq!(
            f64::from(last.get(Channel::LastLapTime).expect("last lap")),
            f64::from(final_lap.lap_time_s as f32)
        );
        let end_s = final_lap.start_s + final_lap.lap_time_s + OVERRUN_S;
        assert!((last.t_s() - end_s).abs() <= 1.0 / rate + 1e-6);
        assert_eq!(frames.len() as u64, s.frame_count());
        assert_eq!(s.frames().len() as u64, s.frame_count());
    }
}

#[test]
fn frames_have_every_channel_and_track_the_lap() {
    let (s, frames) = monza();
    let length = s.track().length_m();
    let step_us = 1e6 / s.config().rate_hz;
    let mut prev: Option<&Frame> = None;
    for (k, f) in frames.iter().enumerate() {
        assert!((f.t_us as f64 - k as f64 * step_us).abs() <= 0.5);
        let missing: Vec<_> = Channel::ALL.iter().filter(|c| !f.has(**c)).map(|c| c.name()).collect();
        let lap = get(f, Channel::Lap) as u32;
        // The simulator reports fuel as a volume, and knows no compound, damage or other cars.
        let expected_missing: &[&str] = if lap == 1 {
            &["last_lap_s", "fuel_kg", "tyre_compound", "damage", "position"]
        } else {
            &["fuel_kg", "tyre_compound", "damage", "position"]
        };
        assert_eq!(missing, expected_missing, "t_us {}", f.t_us);
        let dist = get(f, Channel::LapDist);
        assert!((0.0..length).contains(&dist));
        assert!((get(f, Channel::LapDistPct) - dist / length).abs() < 1e-6);
        let sector = get(f, Channel::Sector);
        let [b1, b2] = s.track().sector_boundaries_m();
        let expected = if dist < b1 - 0.01 {
            0.0
        } else if dist < b2 - 0.01 {
            1.0
        } else {
            2.0
        };
        if (dist - b1).abs() > 0.01 && (dist - b2).abs() > 0.01 {
            assert_eq!(sector, expected, "t_us {} at {dist} m", f.t_us);
        }
        assert_eq!(get(f, Channel::InPit), 0.0);
        assert_eq!(get(f, Channel::LapValid), 1.0);
        assert_eq!(get(f, Channel::AccVert), 1.0);
        if let Some(p) = prev {
            let same_lap = get(p, Channel::Lap) as u32 == lap;
            if same_lap {
                assert!(dist > get(p, Channel::LapDist));
                let dt = (f.t_us - p.t_us) as f64 * 1e-6;
                assert!((get(f, Channel::LapTime) - get(p, Channel::LapTime) - dt).abs() < 1e-4);
            } else {
                assert_eq!(lap, get(p, Channel::Lap) as u32 + 1);
                assert!(get(f, Channel::LapTime) < 0.02);
            }
        }
        prev = Some(f);
    }
}

#[test]
fn runs_are_deterministic() {
    let cfg = SimConfig { laps: 2, rate_hz: 120.0, seed: 99, ..SimConfig::default() };
    let a = sim("Budapest", cfg.clone());
    let b = sim("Budapest", cfg.clone());
    assert_eq!(a.truth(), b.truth());
    assert!(a.frames().eq(b.frames()));
    let c = sim("Budapest", SimConfig { seed: 100, ..cfg });
    assert_ne!(a.truth().laps[0].lap_time_s, c.truth().laps[0].lap_time_s);
}

#[test]
fn a_perfect_driver_laps_at_the_ideal_time() {
    let s = sim("Silverstone", SimConfig { laps: 3, driver: DriverModel::perfect(), ..SimConfig::default() });
    let truth = s.truth();
    for lap in &truth.laps {
        assert!((lap.lap_time_s - truth.ideal_lap_time_s).abs() < 1e-6, "{lap:?}");
        assert!(lap.mistakes.is_empty());
    }
    // The ordinary driver is slower by a few tenths, lap after lap.
    let normal = sim("Silverstone", SimConfig { laps: 3, ..SimConfig::default() });
    for lap in &normal.truth().laps {
        let lost = lap.lap_time_s - truth.ideal_lap_time_s;
        assert!((0.05..2.0).contains(&lost), "{lap:?}");
    }
}

#[test]
fn a_mistake_costs_exactly_its_cost() {
    let cfg = SimConfig { laps: 12, seed: 2, ..SimConfig::default() };
    let with = sim("Catalunya", cfg.clone());
    let twin =
        sim("Catalunya", SimConfig { driver: DriverModel { mistake_probability: 0.0, ..cfg.driver.clone() }, ..cfg });
    let laps = &with.truth().laps;
    let twins = &twin.truth().laps;
    let has_mistake = |k: usize| laps.get(k).is_some_and(|l| !l.mistakes.is_empty());
    let mut checked = 0;
    let mut kinds = Vec::new();
    for (k, lap) in laps.iter().enumerate() {
        if k > 0 && has_mistake(k - 1) || has_mistake(k + 1) {
            continue;
        }
        match lap.mistakes.as_slice() {
            [] => assert!((lap.lap_time_s - twins[k].lap_time_s).abs() < 1e-9, "lap {} {lap:?}", k + 1),
            [m] => {
                assert!(m.cost_s > 0.005, "{m:?}");
                assert!((lap.lap_time_s - m.cost_s - twins[k].lap_time_s).abs() < 1e-6, "{lap:?} vs {:?}", twins[k]);
                let corner = &with.truth().corners[m.corner as usize - 1];
                assert!(corner.braking_point_m.is_some(), "mistakes happen at braking corners");
                match m.kind {
                    MistakeKind::EarlyBraking => {
                        assert!((15.0..=35.0).contains(&m.magnitude));
                        let ideal = corner.braking_point_m.expect("braking corner");
                        let early = (ideal - m.distance_m).rem_euclid(with.truth().length_m);
                        assert!((early - m.magnitude).abs() < 1e-6, "{m:?} vs braking point {ideal}");
                    }
                    MistakeKind::SlowApex => {
                        assert!((0.88..=0.94).contains(&m.magnitude));
                        assert_eq!(m.distance_m, corner.apex_m);
                        let slowest = lap.corner_min_speeds_mps[m.corner as usize - 1];
                        let usual = twins[k].corner_min_speeds_mps[m.corner as usize - 1];
                        assert!(slowest < usual * 0.97, "{slowest} vs {usual}");
                    }
                }
                kinds.push(m.kind);
                checked += 1;
            }
            more => panic!("at most one mistake a lap: {more:?}"),
        }
    }
    assert!(checked >= 2, "the seed gives isolated mistakes to check");
    let mistakes = laps.iter().filter(|l| !l.mistakes.is_empty()).count();
    assert!((2..=8).contains(&mistakes), "about one lap in three: {mistakes} of 12");
    assert!(kinds.contains(&MistakeKind::EarlyBraking) && kinds.contains(&MistakeKind::SlowApex), "{kinds:?}");
}

#[test]
fn corners_and_shift_points_are_in_the_truth() {
    let (s, _) = monza();
    let truth = s.truth();
    // Monza has 11 numbered turns; the race line merges none of them.
    assert!((9..=13).contains(&truth.corners.len()), "{}", truth.corners.len());
    let mut last_entry = -1.0;
    for (i, c) in truth.corners.iter().enumerate() {
        assert_eq!(c.number as usize, i + 1);
        assert!(c.entry_m > last_entry);
        last_entry = c.entry_m;
        assert!(c.entry_m <= c.apex_m && c.apex_m <= c.exit_m, "{c:?}");
        assert!(c.entry_m <= c.min_speed_m && c.min_speed_m <= c.exit_m, "{c:?}");
        assert!((10.0..90.0).contains(&c.min_speed_mps));
        if let Some(b) = c.braking_point_m {
            assert!(b < c.min_speed_m, "{c:?}");
        }
    }
    // The first chicane is the slowest point of the lap.
    let slowest = truth.corners.iter().map(|c| c.min_speed_mps).fold(f64::MAX, f64::min);
    assert!(truth.corners[..2].iter().any(|c| c.min_speed_mps == slowest));
    for lap in &truth.laps {
        assert_eq!(lap.corner_min_speeds_mps.len(), truth.corners.len());
        for (got, c) in lap.corner_min_speeds_mps.iter().zip(&truth.corners) {
            assert!(*got <= c.min_speed_mps + 0.01 && *got > 0.85 * c.min_speed_mps, "{got} vs {c:?}");
        }
    }

    let car = &s.config().car;
    let gears: Vec<u8> = truth.shift_points.iter().map(|p| p.gear).collect();
    assert_eq!(gears, (1..car.gear_count()).collect::<Vec<_>>());
    for p in &truth.shift_points {
        assert_eq!(p.driver_rpm, car.shift_rpm);
        assert!((car.redline_rpm * 0.5..=car.redline_rpm).contains(&p.optimal_rpm), "{p:?}");
        // At the optimal point the next gear pulls at least as hard, just before it this gear pulls harder.
        if p.optimal_rpm < car.redline_rpm {
            let v = car.max_speed_in_gear_mps(p.gear, p.optimal_rpm);
            assert!(car.drive_force_n(v, p.gear + 1) >= car.drive_force_n(v, p.gear));
            let before = car.max_speed_in_gear_mps(p.gear, p.optimal_rpm - 20.0);
            assert!(car.drive_force_n(before, p.gear + 1) < car.drive_force_n(before, p.gear));
        }
    }
}

#[test]
fn truth_round_trips_through_json() {
    let s = sim("Norisring", SimConfig { laps: 2, ..SimConfig::default() });
    let path = std::env::temp_dir().join(format!("racecraft-sim-truth-{}.json", std::process::id()));
    s.truth().write_json(&path).expect("write");
    let text = std::fs::read_to_string(&path).expect("read back");
    let _ = std::fs::remove_file(&path);
    let back: serde_json::Value = serde_json::from_str(&text).expect("parse");
    let want = serde_json::to_value(s.truth()).expect("to value");
    assert_json_close(&back, &want, "$");
    let typed: GroundTruth = serde_json::from_str(&text).expect("typed");
    assert_eq!((typed.track.as_str(), typed.seed, typed.laps.len()), ("Norisring", 1, 2));
    let kinds =
        |t: &GroundTruth| t.laps.iter().flat_map(|l| l.mistakes.iter().map(|m| (m.corner, m.kind))).collect::<Vec<_>>();
    assert_eq!(kinds(&typed), kinds(s.truth()));
    assert!(text.contains("\"sector_boundaries_m\"") && text.contains("\"shift_points\""));
    let bad = s.truth().write_json(std::path::Path::new("/nonexistent/dir/truth.json"));
    assert!(matches!(bad, Err(Error::Io { .. })));
}

#[test]
fn fuel_and_tread_in_the_frames_follow_the_truth() {
    let (s, frames) = monza();
    let truth = s.truth();
    let car = &s.config().car;
    assert_eq!(truth.fuel_start_l, car.fuel_start_l);
    let step_s = 1.0 / s.config().rate_hz;
    // The most fuel one frame interval can burn (the profile's force is taken at a segment's entry speed, so
    // the power may exceed the engine's by the speed gained over one segment, well under 2 %), and a bound on
    // the tread one interval can wear.
    let frame_fuel = car.fuel_flow_max_lps * step_s * 1.02;
    let frame_wear = 85.0 * step_s * 20e-6;
    let mut prev: Option<&Frame> = None;
    for f in frames {
        if let Some(p) = prev {
            assert!(get(f, Channel::Fuel) <= get(p, Channel::Fuel), "t_us {}: fuel rose", f.t_us);
            assert!(get(p, Channel::Fuel) - get(f, Channel::Fuel) <= frame_fuel, "t_us {}", f.t_us);
            for c in [Channel::TyreWearFl, Channel::TyreWearFr, Channel::TyreWearRl, Channel::TyreWearRr] {
                let (a, b) = (get(p, c), get(f, c));
                assert!(b >= a - 1e-7 && b - a <= frame_wear, "t_us {}: {} {a} -> {b}", f.t_us, c.name());
            }
        }
        prev = Some(f);
    }
    // At each crossing of the line the frames hold the truth's fuel and tread, to within one frame's worth.
    let mut fuel_used = 0.0;
    for lap in &truth.laps {
        let end_s = lap.start_s + lap.lap_time_s;
        let at = frames.iter().find(|f| f.t_s() >= end_s).expect("a frame after the lap");
        let since = at.t_s() - end_s;
        assert!(since < step_s + 1e-9);
        assert!((get(at, Channel::Fuel) - lap.fuel_at_end_l).abs() <= frame_fuel, "lap {}", lap.lap_number);
        for (w, c) in
            [Channel::TyreWearFl, Channel::TyreWearFr, Channel::TyreWearRl, Channel::TyreWearRr].into_iter().enumerate()
        {
            assert!((get(at, c) - lap.tyre_wear_at_end[w]).abs() <= frame_wear, "lap {}: {}", lap.lap_number, c.name());
        }
        // A Monza lap of a GT car: a few litres and under 2 % of the tread.
        assert!((2.0..6.0).contains(&lap.fuel_used_l), "lap {}: {} l", lap.lap_number, lap.fuel_used_l);
        fuel_used += lap.fuel_used_l;
    }
    let last = truth.laps.last().expect("laps");
    assert!(last.tyre_wear_at_end.iter().all(|w| (0.001..0.06).contains(w)), "{:?}", last.tyre_wear_at_end);
    assert!((truth.fuel_per_lap_l - fuel_used / truth.laps.len() as f64).abs() < 1e-9);
    assert!((truth.fuel_start_l - fuel_used - last.fuel_at_end_l).abs() < 1e-9);
}

#[test]
fn a_stint_on_used_tyres_starts_worn_and_a_lighter_tank_burns_the_same() {
    let base = SimConfig { laps: 2, rate_hz: 60.0, seed: 3, ..SimConfig::default() };
    let fresh = sim("Norisring", base.clone());
    let used = sim(
        "Norisring",
        SimConfig {
            tyre_wear_start: [0.2, 0.25, 0.1, 0.15],
            car: Car { fuel_start_l: 20.0, ..Car::default() },
            ..base
        },
    );
    let first = used.frames().next().expect("a frame");
    assert_eq!(first.get(Channel::TyreWearFr), Some(0.25));
    assert_eq!(first.get(Channel::Fuel), Some(20.0));
    for (a, b) in fresh.truth().laps.iter().zip(&used.truth().laps) {
        // The model's mass does not change with fuel: the same laps burn the same fuel and wear the same.
        assert!((a.fuel_used_l - b.fuel_used_l).abs() < 1e-12);
        assert!((b.tyre_wear_at_end[1] - a.tyre_wear_at_end[1] - 0.25).abs() < 1e-12);
    }
    let bad = SimConfig { tyre_wear_start: [0.0, 1.5, 0.0, 0.0], ..SimConfig::default() };
    assert!(matches!(Simulation::new(Track::builtin("Norisring").expect("track"), bad), Err(Error::Config(_))));
}

#[test]
fn a_pit_stop_slows_the_car_in_the_lane_stops_it_refuels_and_fits_new_tyres() {
    let base = SimConfig { laps: 3, rate_hz: 60.0, seed: 4, ..SimConfig::default() };
    let stop = PitStop { lap: 1, fuel_l: 30.0, tyres: true };
    let s = sim("Norisring", SimConfig { pit_stops: vec![stop], ..base.clone() });
    let frames: Vec<Frame> = s.frames().collect();
    let truth = s.truth();
    let pit = &truth.pit_stops[0];
    assert_eq!((pit.lap, pit.fuel_added_l, pit.tyres), (1, 30.0, true));
    assert_eq!(pit.stationary_s, STOP_BASE_S + 30.0 / REFUEL_LPS);

    // In the lane the car keeps to the limit; it stands still in the box for the time stationary.
    let in_pit: Vec<&Frame> = frames.iter().filter(|f| get(f, Channel::InPit) == 1.0).collect();
    assert!(!in_pit.is_empty());
    assert!(in_pit.iter().all(|f| get(f, Channel::Speed) <= PIT_LANE_SPEED_MPS + 1e-4));
    let laps_in_pit: std::collections::BTreeSet<u32> = in_pit.iter().map(|f| get(f, Channel::Lap) as u32).collect();
    assert_eq!(laps_in_pit.into_iter().collect::<Vec<_>>(), [1, 2]);
    let still: Vec<&Frame> = frames.iter().filter(|f| get(f, Channel::Speed) == 0.0).collect();
    let rate = s.config().rate_hz;
    assert!(((still.len() as f64) / rate - pit.stationary_s).abs() <= 2.0 / rate, "{} frames still", still.len());
    // The tank fills by what was added while the car stands; the tyres are new from the stop on.
    let (first, last) = (still[0], still[still.len() - 1]);
    let filled = get(last, Channel::Fuel) - get(first, Channel::Fuel);
    assert!((filled - 30.0).abs() < 0.1, "{filled}");
    assert!(get(last, Channel::TyreWearFl) < 1e-6);
    assert!(get(frames.last().expect("frames"), Channel::TyreWearFl) > 0.0);

    // The lap tracker flags the in-lap and the out-lap; the truth's lap times are the frames'.
    let mut tracker = LapTracker::new();
    let laps: Vec<_> = frames.iter().filter_map(|f| tracker.push(f)).collect();
    assert_eq!(laps.iter().map(|l| l.pit).collect::<Vec<_>>(), [true, true, false]);
    for (got, want) in laps.iter().zip(&truth.laps) {
        assert!((got.lap_time_s - want.lap_time_s).abs() < 2.0 / rate, "{got:?} vs {want:?}");
    }
    // Fuel adds up: start - burnt + added.
    let burnt: f64 = truth.laps.iter().map(|l| l.fuel_used_l).sum();
    let end = truth.laps.last().expect("laps").fuel_at_end_l;
    assert!((truth.fuel_start_l - burnt + 30.0 - end).abs() < 1e-9);

    // What the stop cost, against the same session driven without it: the in-lap and out-lap differ by exactly
    // the truth's time lost, and the last lap is the same lap.
    let without = sim("Norisring", base);
    let two_laps = |t: &GroundTruth| t.laps[0].lap_time_s + t.laps[1].lap_time_s;
    let lost = two_laps(truth) - two_laps(without.truth());
    assert!((lost - pit.time_lost_s).abs() < 1e-6, "{lost} vs {}", pit.time_lost_s);
    assert!(pit.time_lost_s > pit.stationary_s + 5.0, "{pit:?}");
    assert!((truth.laps[2].lap_time_s - without.truth().laps[2].lap_time_s).abs() < 1e-6);

    // Stops must follow a lap that is not the last, one per lap, with fuel that is a number.
    for bad in [
        vec![PitStop { lap: 3, fuel_l: 0.0, tyres: false }],
        vec![PitStop { lap: 0, fuel_l: 0.0, tyres: false }],
        vec![PitStop { lap: 1, fuel_l: f64::NAN, tyres: false }],
        vec![stop, stop],
    ] {
        let cfg = SimConfig { laps: 3, pit_stops: bad.clone(), ..SimConfig::default() };
        assert!(
            matches!(Simulation::new(Track::builtin("Norisring").expect("track"), cfg), Err(Error::Config(_))),
            "{bad:?}"
        );
    }
}

#[test]
fn meta_names_the_session() {
    let (s, _) = monza();
    let meta = s.meta(1_763_700_000_000);
    assert_eq!(meta.game, "racecraft-sim");
    assert_eq!(meta.car, Car::default().name);
    assert_eq!(meta.track, "Monza");
    assert_eq!(meta.driver, "Sim Driver");
    assert_eq!(meta.started_at_ms, 1_763_700_000_000);
    assert_eq!((meta.team.as_str(), meta.car_number.as_str()), ("", ""));

    let entered = sim(
        "Norisring",
        SimConfig {
            laps: 1,
            team: "Apex Racing".into(),
            car_number: "7".into(),
            driver_name: "Ana Lopes".into(),
            ..SimConfig::default()
        },
    );
    let meta = entered.meta(0);
    assert_eq!((meta.team.as_str(), meta.car_number.as_str(), meta.driver.as_str()), ("Apex Racing", "7", "Ana Lopes"));
    assert_eq!((entered.truth().team.as_str(), entered.truth().driver.as_str()), ("Apex Racing", "Ana Lopes"));
}

#[test]
fn bad_configurations_are_rejected() {
    let track = || Track::builtin("Norisring").expect("track");
    let bad = [
        SimConfig { rate_hz: 50.0, ..SimConfig::default() },
        SimConfig { rate_hz: 400.0, ..SimConfig::default() },
        SimConfig { rate_hz: f64::NAN, ..SimConfig::default() },
        SimConfig { laps: 0, ..SimConfig::default() },
        SimConfig { car: Car { tyre_mu: 0.0, ..Car::default() }, ..SimConfig::default() },
        SimConfig { driver: DriverModel { min_speed_frac_min: 1.1, ..DriverModel::default() }, ..SimConfig::default() },
    ];
    for cfg in bad {
        assert!(matches!(Simulation::new(track(), cfg.clone()), Err(Error::Config(_))), "{cfg:?}");
    }
    for rate in [60.0, 333.0] {
        assert!(Simulation::new(track(), SimConfig { rate_hz: rate, laps: 1, ..SimConfig::default() }).is_ok());
    }
}

#[test]
fn a_different_car_changes_the_lap() {
    let base = sim("Hockenheim", SimConfig { laps: 1, driver: DriverModel::perfect(), ..SimConfig::default() });
    let grippy = Car { tyre_mu: 1.7, ..Car::default() };
    let no_aero = Car { downforce_area_m2: 0.0, ..Car::default() };
    let faster =
        sim("Hockenheim", SimConfig { laps: 1, car: grippy, driver: DriverModel::perfect(), ..SimConfig::default() });
    let slower =
        sim("Hockenheim", SimConfig { laps: 1, car: no_aero, driver: DriverModel::perfect(), ..SimConfig::default() });
    let t = |s: &Simulation| s.truth().laps[0].lap_time_s;
    assert!(t(&faster) < t(&base) - 1.0, "{} vs {}", t(&faster), t(&base));
    assert!(t(&slower) > t(&base) + 1.0, "{} vs {}", t(&slower), t(&base));
}

/// Equal JSON trees, numbers within a relative 1e-12 (JSON parsing may round the last bit).
fn assert_json_close(a: &serde_json::Value, b: &serde_json::Value, at: &str) {
    use serde_json::Value;
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            let (x, y) = (x.as_f64().expect("number"), y.as_f64().expect("number"));
            assert!((x - y).abs() <= 1e-12 * x.abs().max(y.abs()), "{at}: {x} vs {y}");
        }
        (Value::Array(x), Value::Array(y)) => {
            assert_eq!(x.len(), y.len(), "{at}");
            for (i, (x, y)) in x.iter().zip(y).enumerate() {
                assert_json_close(x, y, &format!("{at}[{i}]"));
            }
        }
        (Value::Object(x), Value::Object(y)) => {
            assert_eq!(x.keys().collect::<Vec<_>>(), y.keys().collect::<Vec<_>>(), "{at}");
            for (k, v) in x {
                assert_json_close(v, &y[k], &format!("{at}.{k}"));
            }
        }
        _ => assert_eq!(a, b, "{at}"),
    }
}

#[test]
fn the_field_orders_the_car_and_its_opponents_by_progress() {
    let (s, _) = monza();
    let truth = s.truth();
    assert_eq!(s.field_at(0, 5_000_000).cars.len(), 1, "no opponents asked for");
    let end_us = ((truth.laps[2].start_s + truth.laps[2].lap_time_s) * 1e6) as i64;
    for t_us in [1_000_000, end_us / 2, end_us - 1] {
        let field = s.field_at(5, t_us);
        assert_eq!(field.cars.len(), 6);
        let positions: Vec<u32> = field.cars.iter().filter_map(|c| c.position).collect();
        assert_eq!(positions, [1, 2, 3, 4, 5, 6]);
        assert_eq!(field.cars[0].gap_to_leader_s, Some(0.0));
        let mut previous = 0.0;
        for car in &field.cars {
            let gap = car.gap_to_leader_s.expect("gap");
            let interval = car.interval_s.expect("interval");
            assert!(gap >= previous && (gap - previous - interval).abs() < 1e-9, "{car:?}");
            previous = gap;
        }
        assert_eq!(field.cars.iter().filter(|c| c.is_player).count(), 1);
    }
    // At the end of lap 3: the fastest opponent (0.5 % quicker than the ideal lap) leads, the slowest is last,
    // and the car itself has completed exactly 3 laps with the truth's times.
    let field = s.field_at(5, end_us + 1_000);
    assert_eq!(field.cars[0].driver, "Sim Opponent 5");
    assert_eq!(field.cars[5].driver, "Sim Opponent 1");
    let me = field.cars.iter().find(|c| c.is_player).expect("the car");
    assert_eq!(me.lap, Some(4));
    assert_eq!(me.last_lap_s, Some(truth.laps[2].lap_time_s));
    let best = truth.laps.iter().map(|l| l.lap_time_s).fold(f64::INFINITY, f64::min);
    assert_eq!(me.best_lap_s, Some(best));
    // An opponent's lap time is its pace, its lap count follows it.
    let slowest = &field.cars[5];
    let pace = truth.ideal_lap_time_s * 1.045;
    assert!((slowest.last_lap_s.expect("a lap") - pace).abs() < 1e-9);
    assert_eq!(slowest.lap, Some(((end_us as f64 + 1_000.0) * 1e-6 / pace).floor() as u32 + 1));
}
