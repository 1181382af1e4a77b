//! The pit wall's car state and stint grouping on hand-made stints whose every figure is known.

use racecraft_analysis::pitwall::{
    AlertKind, CarInput, RaceSettings, STINT_GAP_MS, SessionKey, Severity, StintInput, car_status, group_stints,
};
use racecraft_analysis::strategy::{self, PlanInput};
use racecraft_core::{Channel, CompletedLap, Compound, Frame};

const LAP_S: f64 = 100.0;
const BURN_L: f64 = 3.0;

fn key(id: i64, car: &str, started_at_ms: i64, ended_at_ms: Option<i64>) -> SessionKey {
    SessionKey {
        id,
        team: (None, "Apex".into()),
        car_number: car.into(),
        track: "Spa".into(),
        started_at_ms,
        ended_at_ms,
    }
}

#[test]
fn a_driver_swap_continues_the_car_and_a_long_break_starts_a_new_event() {
    let hour = 3_600_000;
    let sessions = [
        key(1, "7", 0, Some(hour)),
        // Takes car 7 over 10 minutes after the first stint ended: the same car.
        key(2, "7", hour + 600_000, None),
        key(3, "12", 0, Some(hour)),
        // Car 12 again the next day: a new event replaces the old one.
        key(4, "12", 30 * hour, None),
        // No car number: not a team car.
        key(5, "", 0, None),
        // Car 9 starts while its first session still runs (an overlap): still one car.
        key(6, "9", 0, None),
        key(7, "9", 5 * hour, Some(6 * hour)),
    ];
    assert_eq!(group_stints(&sessions), vec![vec![4], vec![1, 2], vec![6, 7]]);

    // Right at the gap it continues; one millisecond later it does not.
    let edge = [key(1, "7", 0, Some(hour)), key(2, "7", hour + STINT_GAP_MS, None)];
    assert_eq!(group_stints(&edge), vec![vec![1, 2]]);
    let past = [key(1, "7", 0, Some(hour)), key(2, "7", hour + STINT_GAP_MS + 1, None)];
    assert_eq!(group_stints(&past), vec![vec![2]]);

    // Another team's car 7, and car 7 at another track, are other cars.
    let mut other_team = key(8, "7", 0, None);
    other_team.team = (Some(2), "Apex".into());
    let mut other_track = key(9, "7", 0, None);
    other_track.track = "Monza".into();
    assert_eq!(group_stints(&[key(1, "7", 0, None), other_team, other_track]).len(), 3);
}

fn lap(lap_number: u32, lap_time_s: f64, sectors_s: [f64; 3]) -> CompletedLap {
    CompletedLap {
        lap_number,
        lap_time_s,
        sectors_s: sectors_s.to_vec(),
        start_t_us: 0,
        end_t_us: 0,
        frame_count: 1,
        valid: true,
        out_lap: false,
        pit: false,
    }
}

/// A frame at session time `t_s` on `lap` with `fuel` litres and tyre temperatures `temp_c`.
fn frame(t_s: f64, lap: u32, fuel: f64, temp_c: f32) -> Frame {
    let mut f = Frame::new((t_s * 1e6) as i64)
        .with(Channel::Lap, lap as f32)
        .with(Channel::Fuel, fuel as f32)
        .with(Channel::TyreCompound, Compound::Medium.code())
        .with(Channel::Position, 3.0)
        .with(Channel::InPit, 0.0);
    for (k, c) in
        [Channel::TyreWearFl, Channel::TyreWearFr, Channel::TyreWearRl, Channel::TyreWearRr].into_iter().enumerate()
    {
        f.set(c, 0.01 * lap as f32 + 0.001 * k as f32);
    }
    for c in [Channel::TyreTempFl, Channel::TyreTempFr, Channel::TyreTempRl, Channel::TyreTempRr] {
        f.set(c, temp_c);
    }
    f
}

/// A stint of `laps` completed laps from lap 1 with `fuel_start` litres, burning [`BURN_L`] a lap, now
/// `into_s` seconds into the next lap.
fn stint(session_id: i64, driver: &str, started_at_ms: i64, laps: u32, fuel_start: f64, into_s: f64) -> StintInput {
    let fuel_at = |lap: u32| fuel_start - BURN_L * f64::from(lap - 1);
    let completed: Vec<CompletedLap> =
        (1..=laps).map(|n| lap(n, LAP_S + f64::from(n % 2), [30.0, 40.0 + f64::from(n % 2), 30.0])).collect();
    let lap_starts = (1..=laps + 1).map(|n| (n, frame(f64::from(n - 1) * LAP_S, n, fuel_at(n), 90.0))).collect();
    let now_t = f64::from(laps) * LAP_S + into_s;
    let now_fuel = fuel_at(laps + 1) - BURN_L * into_s / LAP_S;
    StintInput {
        session_id,
        driver: driver.into(),
        started_at_ms,
        ended_at_ms: None,
        live: true,
        laps: completed,
        lap_starts,
        last: Some(frame(now_t, laps + 1, now_fuel, 90.0)),
    }
}

fn car(stints: Vec<StintInput>) -> CarInput {
    CarInput {
        team: "Apex".into(),
        car_number: "7".into(),
        track: "Spa".into(),
        car: "GT3".into(),
        stints,
        field: None,
    }
}

#[test]
fn figures_carry_across_a_driver_swap() {
    let mut first = stint(1, "Ana", 0, 6, 80.0, 0.0);
    first.live = false;
    first.ended_at_ms = Some(700_000);
    first.last = first.lap_starts.last().map(|(_, f)| *f);
    // Ana's stint ended on lap 7's line with 62 l; Ben takes over with the same fuel and drives 4 laps.
    let second = stint(2, "Ben", 720_000, 4, 62.0, 50.0);
    let settings = RaceSettings { race_laps: Some(40), ..RaceSettings::default() };
    let status = car_status(&car(vec![first, second]), &settings, 0).expect("a car");

    assert_eq!((status.driver.as_str(), status.session_id, status.live), ("Ben", 2, true));
    assert_eq!((status.laps_completed, status.lap, status.position), (10, Some(5), Some(3)));
    assert_eq!(status.compound.as_deref(), Some("medium"));
    let fuel = status.fuel.as_ref().expect("fuel");
    assert_eq!(fuel.unit, "l");
    let rate = fuel.rate.expect("a rate");
    assert!((rate.per_lap - BURN_L).abs() < 1e-5, "{rate:?}");
    assert_eq!(rate.laps_used, 5);
    // Ben is half way round lap 5 with 62 - 4·3 - 1.5 = 48.5 l: 16.17 laps of fuel.
    assert!((fuel.now - 48.5).abs() < 1e-4);
    assert!((fuel.laps_left.expect("laps left") - 48.5 / 3.0).abs() < 1e-4);
    // 30 laps remain from the line (50 l there): (30 + 1) · 3 = 93 l needed, 43 to add.
    assert_eq!(status.laps_remaining, Some(30.0));
    assert!((fuel.to_finish.expect("to finish") - 93.0).abs() < 1e-4);
    assert!((fuel.to_add.expect("to add") - 43.0).abs() < 1e-4);
    // The plan is the strategy's for the same figures.
    let want = strategy::plan(&PlanInput {
        laps_remaining: 30,
        fuel_now: 50.0,
        fuel_per_lap: rate.per_lap,
        tank_capacity: settings.tank_capacity,
        margin_laps: settings.margin_laps,
        pit_lane_loss_s: settings.pit_lane_loss_s,
        refuel_rate_per_s: settings.refuel_rate_per_s,
        fuel_weight_s_per_lap: settings.fuel_weight_s_per_lap,
        max_stops: settings.max_stops,
    })
    .expect("a plan");
    assert_eq!(status.plan.as_ref(), Some(&want));
    assert_eq!(want.fastest.stops.len(), 1);
    assert!(!status.pit_lane_loss_measured);

    // The stint table continues over the swap.
    let stints: Vec<(u32, &str, u32)> = status.stints.iter().map(|s| (s.stint, s.driver.as_str(), s.laps)).collect();
    assert_eq!(stints, [(1, "Ana", 6), (2, "Ben", 4)]);
    assert!((status.stints[1].fuel_per_lap.expect("fuel") - BURN_L).abs() < 1e-5);
    assert!((status.stints[1].average_lap_s.expect("pace") - 100.5).abs() < 1e-9);
    // Ben's stint started on lap 1's tyres of the hand-made frames: 0.01 + 0.003 on the worst (RR).
    assert!((status.stints[1].tyre_wear_start.expect("wear") - 0.013).abs() < 1e-6);
    // Best lap 100 s (even laps); the last lap (Ben's 4th, even) matches the best sectors.
    assert_eq!(status.best_lap_s, Some(LAP_S));
    assert_eq!(status.last_lap_s, Some(LAP_S));
    assert_eq!(status.sector_deltas_s, vec![0.0, 0.0, 0.0]);
    // 48.5 l is 16 laps: no fuel alert. The window for the one stop is open: a full tank (100 l) at the end of
    // this lap covers the 29 laps after it with a lap in hand (90 l).
    let kinds: Vec<AlertKind> = status.alerts.iter().map(|a| a.kind).collect();
    assert_eq!(kinds, [AlertKind::PitWindowOpen]);
}

#[test]
fn alerts_for_low_fuel_the_box_call_hot_tyres_and_damage() {
    // 10 l at the line, 3 l a lap, 20 laps to go: box now; fuel for about 3 laps.
    let mut s = stint(1, "Ana", 0, 10, 37.0, 20.0);
    if let Some(last) = s.last.as_mut() {
        last.set(Channel::TyreTempFr, 121.0);
        last.set(Channel::Damage, 0.6);
    }
    let settings = RaceSettings { race_laps: Some(30), tank_capacity: 100.0, ..RaceSettings::default() };
    let status = car_status(&car(vec![s]), &settings, 0).expect("a car");
    let fuel = status.fuel.as_ref().expect("fuel");
    assert!(fuel.laps_left.expect("laps") < settings.low_fuel_laps);
    let got: Vec<(AlertKind, Severity)> = status.alerts.iter().map(|a| (a.kind, a.severity)).collect();
    assert_eq!(
        got,
        [
            (AlertKind::BoxThisLap, Severity::Critical),
            (AlertKind::Damage, Severity::Critical),
            (AlertKind::LowFuel, Severity::Warning),
            (AlertKind::TyreTemperature, Severity::Warning),
        ]
    );
    assert!(status.alerts[0].message.starts_with("Box this lap: add "), "{:?}", status.alerts[0]);
    assert_eq!(status.alerts[3].message, "FR tyre 121 °C, above its window (70–110 °C)");

    // With enough fuel to finish there is no fuel alert, however few laps are left.
    let settings = RaceSettings { race_laps: Some(11), ..settings };
    let status = car_status(&car(vec![stint(1, "Ana", 0, 10, 37.0, 20.0)]), &settings, 0).expect("a car");
    assert!(status.alerts.iter().all(|a| a.kind != AlertKind::LowFuel), "{:?}", status.alerts);
    assert_eq!(status.plan.as_ref().map(|p| p.fastest.stops.len()), Some(0));
}

#[test]
fn a_timed_race_counts_laps_from_the_line_and_pit_laps_measure_the_loss() {
    let mut s = stint(1, "Ana", 1_000_000, 8, 60.0, 10.0);
    // Lap 4 an in-lap of 125 s, lap 5 the out-lap of 121 s (both in the pit lane, as the lap tracker flags
    // them), with 20 l added: lap 5 ends with 20 - 3 = 17 l more than it started with.
    s.laps[3].pit = true;
    s.laps[3].lap_time_s = 125.0;
    s.laps[4].pit = true;
    s.laps[4].lap_time_s = 121.0;
    for (lap, frame) in &mut s.lap_starts {
        if *lap >= 6 {
            frame.set(Channel::Fuel, frame.get(Channel::Fuel).expect("fuel") + 20.0);
        }
    }
    if let Some(last) = s.last.as_mut() {
        last.set(Channel::Fuel, last.get(Channel::Fuel).expect("fuel") + 20.0);
    }
    // Pace over the last 5 green laps (3, 6, 7, 8, 2 → 101, 100, 101, 100, 100): 100.4 s. Lap 9 started 800 s
    // after the session's start; 1 000 s remain from there: floor(1000 / 100.4) + 1 = 10 laps.
    let ends_at = 1_000_000 + 800_000 + 1_000_000;
    let settings = RaceSettings { race_ends_at_ms: Some(ends_at), ..RaceSettings::default() };
    let status = car_status(&car(vec![s]), &settings, 0).expect("a car");
    assert_eq!(status.laps_remaining, Some(10.0));
    assert!(status.pit_lane_loss_measured);
    // Two laps at 100.4 s and 20 l at 2 l/s are not the pit lane's: 246 - 200.8 - 10 = 35.2 s.
    let want = 125.0 + 121.0 - 2.0 * 100.4 - 20.0 / settings.refuel_rate_per_s;
    assert!((status.pit_lane_loss_s - want).abs() < 1e-4, "{} vs {want}", status.pit_lane_loss_s);
    // The pit laps do not count for fuel: 6 counting laps, the last 5 used, and 3 l a lap.
    let rate = status.fuel.as_ref().and_then(|f| f.rate).expect("rate");
    assert_eq!(rate.laps_used, 5);
    assert!((rate.per_lap - BURN_L).abs() < 1e-5);
    // The stop splits Ana's session into two stints: laps 1-4 (the in-lap included), then the out-lap on.
    let stints: Vec<(u32, u32)> = status.stints.iter().map(|s| (s.stint, s.laps)).collect();
    assert_eq!(stints, [(1, 4), (2, 4)]);
    assert_eq!(status.stints[1].started_at_ms, 1_000_000 + 400_000);
    assert_eq!(status.stints[0].ended_at_ms, Some(1_000_000 + 400_000));
    assert!(status.stints[1].live && !status.stints[0].live);
    // While the car is still in the lane after its in-lap, that stop is not measured yet.
    let mut s = stint(1, "Ana", 1_000_000, 8, 60.0, 10.0);
    s.laps[7].pit = true;
    if let Some(last) = s.last.as_mut() {
        last.set(Channel::InPit, 1.0);
    }
    let status = car_status(&car(vec![s]), &settings, 0).expect("a car");
    assert!(!status.pit_lane_loss_measured && status.in_pit);
    // ... and its stint goes on until the car leaves the lane.
    assert_eq!(status.stints.len(), 1);
    assert_eq!(status.pit_lane_loss_s, settings.pit_lane_loss_s);
}

#[test]
fn a_car_without_frames_or_fuel_still_has_a_row() {
    let mut s = stint(1, "Ana", 0, 0, 60.0, 0.0);
    s.last = None;
    s.lap_starts.clear();
    let status = car_status(&car(vec![s]), &RaceSettings::default(), 0).expect("a car");
    assert_eq!((status.laps_completed, status.lap, status.fuel.is_none()), (0, None, true));
    assert!(status.plan.is_none() && status.alerts.is_empty());
    assert!(car_status(&car(vec![]), &RaceSettings::default(), 0).is_none());
}

#[test]
fn a_dry_tank_measures_no_consumption_and_says_so() {
    // 7 l at the start, 3 l a lap: dry during lap 3; the game shows 0 from then on.
    let mut s = stint(1, "Ana", 0, 6, 7.0, 10.0);
    let dry = |f: &mut Frame| f.set(Channel::Fuel, f.get(Channel::Fuel).expect("fuel").max(0.0));
    s.lap_starts.iter_mut().for_each(|(_, f)| dry(f));
    s.last.iter_mut().for_each(dry);
    let status =
        car_status(&car(vec![s]), &RaceSettings { race_laps: Some(20), ..RaceSettings::default() }, 0).expect("a car");
    let fuel = status.fuel.as_ref().expect("fuel");
    // Laps 1 and 2 burnt 3 l each; laps 3 on ran dry and measure nothing.
    let rate = fuel.rate.expect("a rate");
    assert_eq!(rate.laps_used, 2);
    assert!((rate.per_lap - BURN_L).abs() < 1e-5);
    assert_eq!(fuel.now, 0.0);
    let out = status.alerts.iter().find(|a| a.kind == AlertKind::LowFuel).expect("a fuel alert");
    assert_eq!((out.severity, out.message.as_str()), (Severity::Critical, "Out of fuel (0.0 l)"));
    assert!(status.plan_error.as_deref().is_some_and(|e| e.contains("0.00 of fuel")), "{:?}", status.plan_error);
}
