//! Race strategy (`racecraft_analysis::strategy`): hand-worked examples, every error, and the pit plan against
//! a brute-force search of small races. The oracle knows nothing of how `plan` reasons: it tries every stop lap
//! combination of up to three stops with fuel amounts on a grid, and runs each candidate lap by lap from the
//! model's definition; plans are checked by running them the same way.

use std::time::{Duration, Instant};

use proptest::prelude::*;
use racecraft_analysis::strategy::{
    LapFuel, MAX_LAPS_REMAINING, PitPlan, PitPlans, PlanInput, RaceLength, Stop, StrategyError, fuel_per_lap,
    fuel_to_finish, laps_of_fuel, laps_remaining, plan,
};

/// Fuel agreeing to this fraction of a lap's fuel is equal (the module's own tolerance is 100 times finer).
const FUEL_TOL_LAPS: f64 = 1e-7;

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}

/// Runs `stops` lap by lap under the model: the time it costs and the fuel at the finish, or the rule it breaks.
fn run(input: &PlanInput, stops: &[Stop]) -> Result<(f64, f64), String> {
    let (n, c) = (input.laps_remaining, input.fuel_per_lap);
    let margin = input.margin_laps * c;
    let tol = FUEL_TOL_LAPS * c;
    if stops.len() > input.max_stops as usize {
        return Err(format!("{} stops, at most {} allowed", stops.len(), input.max_stops));
    }
    if stops.windows(2).any(|w| w[0].lap >= w[1].lap) {
        return Err(String::from("stops not in strictly increasing lap order"));
    }
    if let Some(s) = stops.iter().find(|s| s.lap == 0 || s.lap >= n || s.fuel_added.is_nan() || s.fuel_added <= 0.0) {
        return Err(format!("stop {s:?}: lap outside 1..{n} or no fuel added"));
    }
    let mut fuel = input.fuel_now;
    let mut time = stops.len() as f64 * input.pit_lane_loss_s;
    let mut arrivals = Vec::new();
    for lap in 1..=n {
        let start = fuel;
        fuel -= c;
        time += input.fuel_weight_s_per_lap * (start + fuel) / 2.0;
        if fuel < margin - tol {
            return Err(format!("lap {lap} ends with {fuel}, under the margin {margin}"));
        }
        if let Some(s) = stops.iter().find(|s| s.lap == lap) {
            arrivals.push((lap, fuel));
            fuel += s.fuel_added;
            time += s.fuel_added / input.refuel_rate_per_s;
            if fuel > input.tank_capacity + tol {
                return Err(format!("lap {lap}: {fuel} in a tank of {}", input.tank_capacity));
            }
        }
    }
    for (i, &(lap, arrival)) in arrivals.iter().enumerate() {
        let next = arrivals.get(i + 1).map_or(n, |a| a.0);
        if arrival - f64::from(next - lap) * c >= margin {
            return Err(format!("the stop at lap {lap} is not needed"));
        }
    }
    Ok((time, fuel))
}

/// Checks a plan's stops against the model and that it reports its own time and fuel honestly.
fn check_plan(input: &PlanInput, p: &PitPlan) -> f64 {
    let (time, fuel) = run(input, &p.stops).unwrap_or_else(|e| panic!("{e}: {p:?} for {input:?}"));
    assert!(close(time, p.total_time_s), "plan says {} s, running it gives {time} s: {p:?}", p.total_time_s);
    assert!(close(p.pit_lane_s + p.refuel_s + p.fuel_weight_s, p.total_time_s), "{p:?}");
    assert!((fuel - p.fuel_at_finish).abs() <= FUEL_TOL_LAPS * input.fuel_per_lap, "{fuel} at the finish: {p:?}");
    time
}

/// The brute force: the least time of every plan with exactly `s` stops, for each `s` up to `max_stops` (at
/// most 3), over every choice of stop laps and fuel amounts that are whole multiples of `grid`.
fn brute_force(input: &PlanInput, grid: f64) -> Vec<Option<f64>> {
    struct Search<'a> {
        input: &'a PlanInput,
        grid: f64,
        best: Vec<Option<f64>>,
        /// The stops so far: lap and the fuel the car arrived with.
        stops: Vec<(u32, f64)>,
    }
    impl Search<'_> {
        /// Runs lap `done + 1` with `fuel` aboard at its start, then tries every continuation.
        fn go(&mut self, done: u32, fuel: f64, time: f64) {
            let i = self.input;
            let (n, c) = (i.laps_remaining, i.fuel_per_lap);
            let margin = i.margin_laps * c;
            let lap = done + 1;
            let end = fuel - c;
            let time = time + i.fuel_weight_s_per_lap * (fuel + end) / 2.0;
            if end < margin - FUEL_TOL_LAPS * c {
                return;
            }
            if lap == n {
                let needed = self.stops.iter().enumerate().all(|(k, &(at, arrival))| {
                    let next = self.stops.get(k + 1).map_or(n, |s| s.0);
                    arrival - f64::from(next - at) * c < margin
                });
                if needed {
                    let b = &mut self.best[self.stops.len()];
                    *b = Some(b.map_or(time, |b| b.min(time)));
                }
                return;
            }
            self.go(lap, end, time);
            if self.stops.len() < i.max_stops as usize {
                for k in 1.. {
                    let add = f64::from(k) * self.grid;
                    if end + add > i.tank_capacity + FUEL_TOL_LAPS * c {
                        break;
                    }
                    self.stops.push((lap, end));
                    self.go(lap, end + add, time + i.pit_lane_loss_s + add / i.refuel_rate_per_s);
                    self.stops.pop();
                }
            }
        }
    }
    assert!(input.max_stops <= 3 && input.laps_remaining >= 1);
    let mut s = Search { input, grid, best: vec![None; input.max_stops as usize + 1], stops: Vec::new() };
    s.go(0, input.fuel_now, 0.0);
    s.best
}

fn input(laps: u32, fuel_now: f64, per_lap: f64, tank: f64) -> PlanInput {
    PlanInput {
        laps_remaining: laps,
        fuel_now,
        fuel_per_lap: per_lap,
        tank_capacity: tank,
        margin_laps: 0.0,
        pit_lane_loss_s: 25.0,
        refuel_rate_per_s: 2.5,
        fuel_weight_s_per_lap: 0.0,
        max_stops: 3,
    }
}

fn stops(p: &PitPlan) -> Vec<(u32, f64)> {
    p.stops.iter().map(|s| (s.lap, s.fuel_added)).collect()
}

fn plans(i: &PlanInput) -> PitPlans {
    let p = plan(i).unwrap_or_else(|e| panic!("{e}: {i:?}"));
    check_plan(i, &p.fastest);
    check_plan(i, &p.fewest_stops);
    if let Some(o) = &p.one_more_stop {
        check_plan(i, o);
    }
    p
}

#[test]
fn one_stop_of_110_litres_at_lap_16() {
    // 60 laps at 2.5 l is 150 l; 40 l aboard lasts 40 / 2.5 = 16 laps, so the stop is at the end of lap 16
    // (arriving with 0 l) and adds 150 - 40 = 110 l, which a 120 l tank holds. 25 s in the pit lane plus
    // 110 / 2.5 = 44 s refuelling: 69 s.
    let i = input(60, 40.0, 2.5, 120.0);
    let p = plans(&i);
    assert_eq!(stops(&p.fastest), [(16, 110.0)]);
    assert_eq!(p.fastest.total_time_s, 69.0);
    assert_eq!(p.fastest.fuel_at_finish, 0.0);
    assert_eq!(p.fewest_stops, p.fastest);
    // Two stops: the 44 laps after lap 16 in two stints of 22 (55 l each): 2 × 25 + 44 = 94 s, 25 s slower.
    let two = p.one_more_stop.as_ref().expect("two stops fit");
    assert_eq!(stops(two), [(16, 55.0), (38, 55.0)]);
    assert_eq!(two.total_time_s, 94.0);
    assert_eq!(p.one_more_stop_gain_s(), Some(-25.0));
}

#[test]
fn a_100_litre_tank_needs_two_stops_for_110_litres() {
    // As above, but a full tank lasts 40 laps and 44 remain after lap 16: two stops, stints of 22 laps.
    let i = input(60, 40.0, 2.5, 100.0);
    let p = plans(&i);
    assert_eq!(stops(&p.fastest), [(16, 55.0), (38, 55.0)]);
    assert_eq!(p.fastest.total_time_s, 94.0);
    // Three stops: 44 = 15 + 15 + 14 laps, 37.5 + 37.5 + 35 l; 75 + 44 = 119 s.
    let three = p.one_more_stop.as_ref().expect("three stops fit");
    assert_eq!(stops(three), [(16, 37.5), (31, 37.5), (46, 35.0)]);
    assert_eq!(three.total_time_s, 119.0);
    // With at most two stops there is no third.
    let p = plans(&PlanInput { max_stops: 2, ..i });
    assert_eq!(p.one_more_stop, None);
}

/// 40 laps at 2.5 l, 40 l aboard, 100 l tank, a margin of one lap (2.5 l), refuelling at 2 l/s, and fuel weight
/// costing 0.05 s per litre per lap.
///
/// The first stop is at lap (40 - 2.5) / 2.5 = 15, arriving with 2.5 l. The car needs 40 × 2.5 + 2.5 - 40 =
/// 62.5 l more: 31.25 s of refuelling whatever the plan. Lap i of 1..=15 carries 41.25 - 2.5·i l on average,
/// 15 × 41.25 - 2.5 × 120 = 318.75 l·laps in all. The laps of a stint of ℓ laps ending at 2.5 l carry
/// 3.75 + 2.5·t for t in 0..ℓ, ℓ × 3.75 + 2.5 × ℓ(ℓ - 1)/2 l·laps in all (25 laps: 843.75; 13: 243.75;
/// 12: 210; 9: 123.75; 8: 100).
///
/// - One stop (fill to 65 l): 318.75 + 843.75 = 1162.5 l·laps = 58.125 s.
/// - Two stops, stints 13 and 12: 318.75 + 243.75 + 210 = 772.5 l·laps = 38.625 s.
/// - Three stops, stints 9, 8, 8: 318.75 + 123.75 + 200 = 642.5 l·laps = 32.125 s.
fn heavy(pit_lane_loss_s: f64) -> PlanInput {
    PlanInput {
        margin_laps: 1.0,
        refuel_rate_per_s: 2.0,
        fuel_weight_s_per_lap: 0.05,
        pit_lane_loss_s,
        ..input(40, 40.0, 2.5, 100.0)
    }
}

#[test]
fn with_fuel_weight_a_short_extra_stop_is_faster_when_the_pit_lane_is_short() {
    // 15 s pit lane: one stop 15 + 31.25 + 58.125 = 104.375 s; two 30 + 31.25 + 38.625 = 99.875 s; three
    // 45 + 31.25 + 32.125 = 108.375 s.
    let p = plans(&heavy(15.0));
    assert_eq!(stops(&p.fewest_stops), [(15, 62.5)]);
    assert!(close(p.fewest_stops.total_time_s, 104.375));
    // Two stops: fill from 2.5 to 2.5 + 13 × 2.5 = 35 l at lap 15, and to 32.5 l at lap 28.
    assert_eq!(stops(&p.fastest), [(15, 32.5), (28, 30.0)]);
    assert!(close(p.fastest.total_time_s, 99.875));
    assert!(close(p.fastest.fuel_weight_s, 38.625));
    assert!(close(p.fastest.refuel_s, 31.25));
    assert_eq!(p.fastest.fuel_at_finish, 2.5);
    assert_eq!(p.one_more_stop.as_ref(), Some(&p.fastest));
    assert!(close(p.one_more_stop_gain_s().expect("two stops fit"), 4.5));
}

#[test]
fn with_fuel_weight_one_stop_stays_fastest_when_the_pit_lane_is_long() {
    // 30 s pit lane: one stop 119.375 s; two 129.875 s; three 153.375 s.
    let p = plans(&heavy(30.0));
    assert_eq!(stops(&p.fastest), [(15, 62.5)]);
    assert!(close(p.fastest.total_time_s, 119.375));
    assert!(close(p.one_more_stop_gain_s().expect("two stops fit"), -10.5));
}

#[test]
fn no_stop_when_the_fuel_aboard_lasts() {
    // 10 laps at 2 l with a 1-lap margin need 22 l; 30 l aboard finishes with 10 l. The mean loads are
    // 29, 27, ..., 11 l: 200 l·laps, 20 s at 0.1 s per litre per lap.
    let i = PlanInput { margin_laps: 1.0, fuel_weight_s_per_lap: 0.1, ..input(10, 30.0, 2.0, 50.0) };
    let p = plans(&i);
    assert!(p.fastest.stops.is_empty());
    assert_eq!(p.fastest.fuel_at_finish, 10.0);
    assert!(close(p.fastest.total_time_s, 20.0));
    assert_eq!(p.one_more_stop, None);
    // Exactly enough (22 l) is still no stop.
    let p = plans(&PlanInput { fuel_now: 22.0, ..i });
    assert!(p.fastest.stops.is_empty());
    assert_eq!(p.fastest.fuel_at_finish, 2.0);
}

#[test]
fn exactly_a_whole_number_of_laps_survives_rounding() {
    // 81 l lasts 30 laps of 2.7 l, though 81.0 / 2.7 = 29.999999999999996 in binary: 30 laps need no stop.
    let i = input(30, 81.0, 2.7, 81.0);
    assert!(plans(&i).fastest.stops.is_empty());
    // 60 laps: a stop at lap 30, and a full 81 l tank lasts the other 30.
    let p = plans(&PlanInput { laps_remaining: 60, ..i });
    assert_eq!(p.fastest.stops.len(), 1, "{p:?}");
    assert_eq!(p.fastest.stops[0].lap, 30);
    assert!((p.fastest.stops[0].fuel_added - 81.0).abs() < 1e-9, "{p:?}");
}

#[test]
fn five_hundred_laps_and_many_stops_are_instant() {
    // 500 laps at 2 l, 90 of a 100 l tank aboard, 1-lap margin: the first stop at lap 44, then 456 laps of at
    // most 49 per tank: 10 stops at least.
    let i = PlanInput {
        margin_laps: 1.0,
        fuel_weight_s_per_lap: 0.03,
        pit_lane_loss_s: 20.0,
        max_stops: 10,
        ..input(500, 90.0, 2.0, 100.0)
    };
    let mut elapsed = Duration::ZERO;
    let mut timed = |i: &PlanInput| {
        let start = Instant::now();
        let p = plan(i);
        elapsed += start.elapsed();
        p
    };
    let p = timed(&i).expect("a plan");
    check_plan(&i, &p.fastest);
    assert_eq!(p.fewest_stops.stops.len(), 10);
    assert_eq!(p.fewest_stops.stops[0].lap, 44);
    // Heavy fuel and a free pit lane: a stop every lap after the first stop is fastest.
    let i = PlanInput { max_stops: MAX_LAPS_REMAINING, pit_lane_loss_s: 0.0, fuel_weight_s_per_lap: 1.0, ..i };
    let p = timed(&i).expect("a plan");
    check_plan(&i, &p.fastest);
    assert_eq!(p.fastest.stops.len(), 456);
    // The longest race accepted, with a thousand stops.
    let i = PlanInput { laps_remaining: MAX_LAPS_REMAINING, fuel_per_lap: 0.01, ..i };
    let p = timed(&i).expect("a plan");
    check_plan(&i, &p.fastest);
    assert!(p.fastest.stops.len() > 1000, "{}", p.fastest.stops.len());
    // Debug build, shared machine: generous, yet far below what a search over plans would take.
    assert!(elapsed < Duration::from_millis(500), "{elapsed:?}");
}

#[test]
fn every_invalid_input_is_named() {
    let ok = input(10, 10.0, 2.0, 20.0);
    let cases: Vec<(PlanInput, &str)> = vec![
        (PlanInput { fuel_now: f64::NAN, ..ok }, "fuel_now"),
        (PlanInput { fuel_now: -1.0, ..ok }, "fuel_now"),
        (PlanInput { fuel_now: 21.0, ..ok }, "fuel_now"),
        (PlanInput { fuel_per_lap: 0.0, ..ok }, "fuel_per_lap"),
        (PlanInput { fuel_per_lap: -2.0, ..ok }, "fuel_per_lap"),
        (PlanInput { fuel_per_lap: f64::INFINITY, ..ok }, "fuel_per_lap"),
        (PlanInput { tank_capacity: 0.0, fuel_now: 0.0, ..ok }, "tank_capacity"),
        (PlanInput { tank_capacity: f64::NAN, ..ok }, "tank_capacity"),
        (PlanInput { margin_laps: -0.5, ..ok }, "margin_laps"),
        (PlanInput { margin_laps: f64::NAN, ..ok }, "margin_laps"),
        (PlanInput { margin_laps: 1e308, ..ok }, "margin_laps"),
        (PlanInput { pit_lane_loss_s: -1.0, ..ok }, "pit_lane_loss_s"),
        (PlanInput { pit_lane_loss_s: f64::INFINITY, ..ok }, "pit_lane_loss_s"),
        (PlanInput { refuel_rate_per_s: 0.0, ..ok }, "refuel_rate_per_s"),
        (PlanInput { refuel_rate_per_s: f64::NEG_INFINITY, ..ok }, "refuel_rate_per_s"),
        (PlanInput { fuel_weight_s_per_lap: -0.01, ..ok }, "fuel_weight_s_per_lap"),
        (PlanInput { fuel_weight_s_per_lap: f64::NAN, ..ok }, "fuel_weight_s_per_lap"),
        (PlanInput { laps_remaining: MAX_LAPS_REMAINING + 1, ..ok }, "laps_remaining"),
    ];
    assert!(plan(&ok).is_ok());
    for (i, name) in cases {
        match plan(&i) {
            Err(e @ StrategyError::InvalidInput { field, .. }) => {
                assert_eq!(field, name, "{i:?}");
                let message = e.to_string();
                assert!(message.starts_with(&format!("invalid {name} = ")), "{message}");
            }
            other => panic!("{i:?} gave {other:?}"),
        }
    }
}

#[test]
fn infeasible_plans_say_why() {
    // 2 l does not last a 2.5 l lap.
    let e = plan(&input(10, 2.0, 2.5, 100.0)).expect_err("cannot reach a stop");
    assert_eq!(e, StrategyError::NotEnoughFuel { fuel_now: 2.0, needed: 2.5 });
    assert!(e.to_string().contains("does not last the first lap"), "{e}");
    // With a one-lap margin, 4 l does not end the lap with 2.5 l.
    let e = plan(&PlanInput { margin_laps: 1.0, ..input(10, 4.0, 2.5, 100.0) }).expect_err("margin");
    assert_eq!(e, StrategyError::NotEnoughFuel { fuel_now: 4.0, needed: 5.0 });
    // 60 laps from 40 l in a 100 l tank need two stops (see above).
    let e = plan(&PlanInput { max_stops: 1, ..input(60, 40.0, 2.5, 100.0) }).expect_err("two stops");
    assert_eq!(e, StrategyError::TooManyStops { needed: 2, max_stops: 1 });
    assert_eq!(e.to_string(), "infeasible: reaching the finish needs 2 stops, and at most 1 are allowed");
    // A car that could do with no stop is never told it needs one.
    assert!(plan(&PlanInput { max_stops: 0, ..input(10, 20.0, 2.0, 20.0) }).is_ok());
    assert_eq!(
        plan(&PlanInput { max_stops: 0, ..input(11, 20.0, 2.0, 20.0) }),
        Err(StrategyError::TooManyStops { needed: 1, max_stops: 0 })
    );
}

fn lap(time: f64, start: f64, end: f64) -> LapFuel {
    LapFuel { lap_time_s: time, fuel_start: start, fuel_end: end, green: true, pit: false }
}

/// Laps 1, 6 and 7 count (3, 2.5 and 3 l; 90, 91 and 92 s); the others must be ignored.
fn stint() -> Vec<LapFuel> {
    vec![
        lap(90.0, 100.0, 97.0),
        LapFuel { pit: true, ..lap(120.0, 97.0, 95.0) },
        lap(95.0, 50.0, 80.0), // refuelled during the lap
        LapFuel { green: false, ..lap(130.0, 80.0, 79.0) },
        lap(90.0, 80.0, f64::NAN),
        lap(91.0, 80.0, 77.5),
        lap(92.0, 77.5, 74.5),
        lap(f64::NAN, 74.5, 72.0),
        lap(0.0, 72.0, 70.0),
        lap(90.0, f64::INFINITY, 70.0),
    ]
}

#[test]
fn fuel_per_lap_ignores_pit_refuelled_yellow_and_broken_laps() {
    let r = fuel_per_lap(&stint(), 5).expect("three laps count");
    assert_eq!(r.laps_used, 3);
    assert!(close(r.per_lap, 8.5 / 3.0), "{r:?}");
    assert_eq!((r.min_per_lap, r.max_per_lap), (2.5, 3.0));
    assert!(close(r.pace_s, 91.0), "{r:?}");
}

#[test]
fn fuel_per_lap_takes_the_last_counting_laps_of_the_window() {
    let r = fuel_per_lap(&stint(), 2).expect("two laps");
    assert_eq!(r.laps_used, 2);
    assert_eq!((r.per_lap, r.min_per_lap, r.max_per_lap, r.pace_s), (2.75, 2.5, 3.0, 91.5));
    let r = fuel_per_lap(&stint(), 1).expect("one lap");
    assert_eq!((r.laps_used, r.per_lap, r.pace_s), (1, 3.0, 92.0));
    assert_eq!(fuel_per_lap(&stint(), 0), None);
    assert_eq!(fuel_per_lap(&[], 5), None);
    assert_eq!(fuel_per_lap(&stint()[1..5], 5), None);
    // A lap that used nothing (fuel use off) counts.
    let r = fuel_per_lap(&[lap(80.0, 10.0, 10.0)], 5).expect("counts");
    assert_eq!((r.per_lap, r.laps_used), (0.0, 1));
}

#[test]
fn laps_remaining_in_a_timed_race_counts_the_lap_running_when_time_ends() {
    let t = |remaining_s| laps_remaining(RaceLength::Time { remaining_s }, 100.0);
    // 3600 s at 100 s a lap: the clock reads 0 as the car ends lap 36 and it runs one more, 37.
    assert_eq!(t(3600.0), Some(37.0));
    assert_eq!(t(3599.999), Some(36.0));
    assert_eq!(t(3600.001), Some(37.0));
    assert_eq!(t(100.0), Some(2.0));
    assert_eq!(t(99.999), Some(1.0));
    assert_eq!(t(0.0), Some(1.0));
    assert_eq!(t(-1.0), None);
    assert_eq!(t(f64::NAN), None);
    assert_eq!(t(f64::INFINITY), None);
    for pace in [0.0, -90.0, f64::NAN, f64::INFINITY] {
        assert_eq!(laps_remaining(RaceLength::Time { remaining_s: 3600.0 }, pace), None, "{pace}");
    }
    // A race over laps needs no pace.
    assert_eq!(laps_remaining(RaceLength::Laps { remaining: 12 }, f64::NAN), Some(12.0));
    assert_eq!(laps_remaining(RaceLength::Laps { remaining: 0 }, 90.0), Some(0.0));
}

#[test]
fn fuel_to_finish_and_laps_of_fuel() {
    // 12 laps and a 1-lap margin at 2.5 l: 32.5 l.
    assert_eq!(fuel_to_finish(12.0, 2.5, 1.0), 32.5);
    assert_eq!(fuel_to_finish(0.0, 2.5, 0.0), 0.0);
    assert_eq!(laps_of_fuel(10.0, 2.5), Some(4.0));
    assert_eq!(laps_of_fuel(11.0, 2.5), Some(4.4));
    assert_eq!(laps_of_fuel(0.0, 2.5), Some(0.0));
    for (fuel, per_lap) in [(10.0, 0.0), (10.0, -1.0), (f64::NAN, 2.0), (-1.0, 2.0), (10.0, f64::NAN), (1e308, 1e-308)]
    {
        assert_eq!(laps_of_fuel(fuel, per_lap), None, "{fuel} {per_lap}");
    }
}

/// Compares `plan` with the brute force on one input; `exact` when every fuel value is a multiple of `grid`,
/// so the grid holds the best plan and the two must agree.
fn agree(i: &PlanInput, grid: f64, exact: bool) {
    let best = brute_force(i, grid);
    let tol = |t: f64| 1e-6 * t.abs().max(1.0);
    match plan(i) {
        Err(StrategyError::InvalidInput { .. }) => panic!("valid input refused: {i:?}"),
        Err(e) => assert!(best.iter().all(Option::is_none), "{e}, but the brute force found {best:?} for {i:?}"),
        Ok(p) => {
            let fastest = check_plan(i, &p.fastest);
            let fewest = check_plan(i, &p.fewest_stops);
            let s = p.fewest_stops.stops.len();
            assert!(s <= p.fastest.stops.len(), "{p:?}");
            // Nothing the brute force finds is faster, whatever the number of stops.
            for (k, b) in best.iter().enumerate() {
                if let Some(b) = *b {
                    assert!(fastest <= b + tol(b), "{k} stops take {b} s, the fastest plan {fastest} s: {p:?} {i:?}");
                    assert!(k >= s, "{k} stops reach the finish, the fewest says {s}: {p:?} {i:?}");
                    if k == s {
                        assert!(fewest <= b + tol(b), "{k} stops: {b} s < {fewest} s: {p:?} {i:?}");
                    }
                }
            }
            let one_more = p.one_more_stop.as_ref().map(|o| {
                assert_eq!(o.stops.len(), s + 1, "{p:?}");
                check_plan(i, o)
            });
            if let (Some(o), Some(&Some(b))) = (one_more, best.get(s + 1)) {
                assert!(o <= b + tol(b), "{} stops: {b} s < {o} s: {p:?} {i:?}", s + 1);
            }
            if exact {
                let min = best.iter().flatten().copied().fold(f64::INFINITY, f64::min);
                assert!((min - fastest).abs() <= tol(min), "brute force {min} s, plan {fastest} s: {p:?} {i:?}");
                let b = best[s].expect("the brute force finds the fewest stops");
                assert!((b - fewest).abs() <= tol(b), "{s} stops: brute force {b} s, plan {fewest} s: {p:?} {i:?}");
                let b = best.get(s + 1).copied().flatten();
                assert_eq!(b.is_some(), one_more.is_some(), "one stop more: {b:?} against {one_more:?}: {i:?}");
                if let (Some(b), Some(o)) = (b, one_more) {
                    assert!((b - o).abs() <= tol(b), "{} stops: brute force {b} s, plan {o} s: {i:?}", s + 1);
                }
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 1024,
        rng_seed: proptest::test_runner::RngSeed::Fixed(18),
        ..ProptestConfig::default()
    })]

    /// Every fuel value a multiple of 0.5 (exact in binary): the best plan adds multiples of 0.5 too, so a
    /// brute force over amounts in steps of 0.5 finds it, and `plan` must match it, including the fewest stops
    /// and one stop more.
    #[test]
    fn plan_matches_a_brute_force_search_on_a_grid(
        race_share in prop_oneof![0.0..=1.0f64, 0.7..=1.0f64],
        per_lap_halves in 1..=3u32,
        tank_halves in 4..=16u32,
        fuel_share in prop_oneof![0.0..=1.0f64, 0.6..=1.0f64],
        margin_laps in prop_oneof![Just(0u32), 0..=2u32],
        pit_lane_loss_s in prop_oneof![0.0..4.0f64, 0.0..40.0f64],
        refuel_rate_per_s in 0.5..4.0f64,
        fuel_weight_s_per_lap in prop_oneof![Just(0.0), 0.0..1.0f64],
        max_stops in 0..=3u32,
    ) {
        // Mostly races up to one lap longer than the stops allowed can reach (a full tank at each stop), at
        // most 25 laps: the interesting ones.
        let fuel_halves = (fuel_share * f64::from(tank_halves)).round() as u32;
        let margin_halves = margin_laps * per_lap_halves;
        let laps_of = |halves: u32| halves.saturating_sub(margin_halves) / per_lap_halves;
        let longest = (laps_of(fuel_halves) + max_stops * laps_of(tank_halves) + 1).clamp(1, 25);
        let i = PlanInput {
            laps_remaining: 1 + (race_share * f64::from(longest - 1)).round() as u32,
            fuel_now: f64::from(fuel_halves) * 0.5,
            fuel_per_lap: f64::from(per_lap_halves) * 0.5,
            tank_capacity: f64::from(tank_halves) * 0.5,
            margin_laps: f64::from(margin_laps),
            pit_lane_loss_s,
            refuel_rate_per_s,
            fuel_weight_s_per_lap,
            max_stops,
        };
        agree(&i, 0.5, true);
    }

    /// Any real values: no plan on a grid of a sixteenth of the tank beats `plan`'s, and when the grid has a
    /// plan `plan` has one.
    #[test]
    fn no_plan_on_a_fine_grid_beats_plan(
        race_share in prop_oneof![0.0..=1.0f64, 0.7..=1.0f64],
        per_lap in 0.3..4.0f64,
        tank_laps in 1.0..8.0f64,
        fuel_share in prop_oneof![0.0..=1.0f64, 0.6..=1.0f64],
        margin_laps in prop_oneof![Just(0.0), 0.0..1.5f64],
        pit_lane_loss_s in prop_oneof![0.0..4.0f64, 0.0..40.0f64],
        refuel_rate_per_s in 0.5..4.0f64,
        fuel_weight_s_per_lap in 0.0..1.0f64,
        max_stops in 0..=3u32,
    ) {
        let tank_capacity = tank_laps * per_lap;
        let longest = (fuel_share * tank_laps + f64::from(max_stops) * tank_laps - margin_laps + 1.0).clamp(1.0, 14.0);
        let i = PlanInput {
            laps_remaining: 1 + (race_share * (longest - 1.0)).round() as u32,
            fuel_now: fuel_share * tank_capacity,
            fuel_per_lap: per_lap,
            tank_capacity,
            margin_laps,
            pit_lane_loss_s,
            refuel_rate_per_s,
            fuel_weight_s_per_lap,
            max_stops,
        };
        agree(&i, tank_capacity / 16.0, false);
    }

    /// Laps that do not count (pit, refuelled, yellow, not finite), inserted anywhere, change nothing.
    #[test]
    fn fuel_per_lap_is_blind_to_laps_that_do_not_count(
        used in proptest::collection::vec((0.0..5.0f64, 60.0..120.0f64), 0..12),
        noise in proptest::collection::vec((0..=12usize, 0..4u8), 0..12),
        window in 0..15usize,
    ) {
        let mut fuel = 100.0;
        let clean: Vec<LapFuel> = used
            .iter()
            .map(|&(u, t)| {
                fuel -= u;
                lap(t, fuel + u, fuel)
            })
            .collect();
        let mut noisy = clean.clone();
        for &(at, kind) in noise.iter().rev() {
            let bad = match kind {
                0 => LapFuel { pit: true, ..lap(100.0, 50.0, 40.0) },
                1 => lap(100.0, 40.0, 60.0),
                2 => LapFuel { green: false, ..lap(100.0, 50.0, 10.0) },
                _ => lap(100.0, f64::NAN, 10.0),
            };
            noisy.insert(at.min(noisy.len()), bad);
        }
        prop_assert_eq!(fuel_per_lap(&noisy, window), fuel_per_lap(&clean, window));
        // And the window is respected: the figures are those of the last `window` clean laps.
        let tail = &clean[clean.len().saturating_sub(window)..];
        let r = fuel_per_lap(&clean, window);
        prop_assert_eq!(r.map(|r| r.laps_used), (!tail.is_empty()).then_some(tail.len()));
        if let Some(r) = r {
            let first = tail.first().map_or(f64::NAN, |l| l.fuel_start);
            let last = tail.last().map_or(f64::NAN, |l| l.fuel_end);
            // The mean telescopes: first start minus last end over the laps.
            prop_assert!((r.per_lap - (first - last) / tail.len() as f64).abs() < 1e-9);
            prop_assert!(r.min_per_lap <= r.per_lap + 1e-12 && r.per_lap <= r.max_per_lap + 1e-12);
        }
    }
}
