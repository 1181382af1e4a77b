//! Race strategy for the pit wall: fuel used per lap, laps and fuel to the finish, and the fastest pit plan.
//!
//! Pure arithmetic on a car's completed laps: no I/O, no clock, no allocation but the plan's list of stops.
//! Fuel is in the game's own unit (litres or kilograms, whichever the game publishes): every `fuel_*` value
//! of one call must be in the same unit, and rates are per that unit. Nothing here converts.
//!
//! # Contents
//! - [`fuel_per_lap`]: mean consumption and pace over the last laps that count ([`LapFuel::counts`]), with
//!   the spread, as a [`FuelRate`].
//! - [`laps_remaining`] for a [`RaceLength`] in laps or in time; [`fuel_to_finish`]; [`laps_of_fuel`].
//! - [`plan`]: the fastest [`PitPlan`] to the finish for a [`PlanInput`], with the fastest plan of the fewest
//!   stops and of one stop more ([`PitPlans`]), or a [`StrategyError`].
//!
//! # The model of [`plan`]
//! - Laps are counted from now: the car is at the start/finish line with `fuel_now` and `laps_remaining`
//!   laps to run. A stop happens at the end of a lap (1-based), never at the end of the last one.
//! - Every lap uses exactly `fuel_per_lap`, spread evenly over the lap, and takes the same time but for the
//!   fuel weight cost.
//! - The margin is `margin_laps × fuel_per_lap` of fuel, kept at the end of every lap (before refuelling)
//!   and at the finish. The tank never holds more than `tank_capacity`.
//! - A stop costs `pit_lane_loss_s` (driving through the pit lane against staying on track) plus
//!   `fuel_added / refuel_rate_per_s` stationary: refuelling is the only stationary work modelled (tyres
//!   changed during refuelling cost nothing more).
//! - Fuel weight costs `fuel_weight_s_per_lap` seconds per unit of fuel per lap, charged on each lap's mean
//!   fuel load (the average of its start and end).
//! - Every stop adds fuel that is needed: the fuel the car arrives with would not last to the next stop (or
//!   the finish) with the margin. A stop for nothing only adds its pit-lane loss.
//! - Fuel amounts that agree to [`TOLERANCE_LAPS`] of a lap's fuel count as equal, so that a tank of exactly
//!   16 laps holds 16 laps despite floating-point rounding; limits hold to that tolerance.
//!
//! [`plan`] is exact under this model (the argument is in [`plan`]'s body) and takes O(laps) time.

use serde::{Deserialize, Serialize};

/// Fuel amounts closer than this fraction of one lap's fuel count as equal.
pub const TOLERANCE_LAPS: f64 = 1e-9;

/// Most laps remaining that [`plan`] accepts: a 24-hour race with 9-second laps (the plan has up to one stop
/// per lap, so this bounds its size).
pub const MAX_LAPS_REMAINING: u32 = 10_000;

/// One completed lap's time and fuel, the input of [`fuel_per_lap`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct LapFuel {
    /// Lap time, s.
    pub lap_time_s: f64,
    /// Fuel when the lap started, in the game's unit.
    pub fuel_start: f64,
    /// Fuel when the lap ended, in the same unit.
    pub fuel_end: f64,
    /// Run under green flag throughout.
    pub green: bool,
    /// The car entered or left the pit lane during the lap.
    pub pit: bool,
}

impl LapFuel {
    /// Whether the lap counts for consumption and pace: green, no pit, fuel not risen (refuelled), and every
    /// value finite with a positive lap time.
    pub fn counts(&self) -> bool {
        self.green
            && !self.pit
            && self.lap_time_s.is_finite()
            && self.lap_time_s > 0.0
            && self.fuel_start.is_finite()
            && self.fuel_end.is_finite()
            && self.fuel_end <= self.fuel_start
            && (self.fuel_start - self.fuel_end).is_finite()
    }
}

/// Fuel use and pace over recent counting laps, from [`fuel_per_lap`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct FuelRate {
    /// Mean fuel used per lap, in the laps' fuel unit.
    pub per_lap: f64,
    /// The least any of those laps used.
    pub min_per_lap: f64,
    /// The most any of those laps used.
    pub max_per_lap: f64,
    /// How many laps the figures come from.
    pub laps_used: usize,
    /// Mean lap time of the same laps, s.
    pub pace_s: f64,
}

/// The mean fuel used per lap and the mean lap time over the last `window` laps that
/// [count](LapFuel::counts) (all of them when fewer), with the least and most used; `None` when no lap
/// counts (or `window` is 0). `laps` are in the order they were driven.
pub fn fuel_per_lap(laps: &[LapFuel], window: usize) -> Option<FuelRate> {
    let mut n = 0usize;
    let (mut fuel, mut time) = (0.0, 0.0);
    let (mut min, mut max) = (f64::INFINITY, f64::NEG_INFINITY);
    for lap in laps.iter().rev().filter(|l| l.counts()).take(window) {
        let used = lap.fuel_start - lap.fuel_end;
        n += 1;
        fuel += used;
        time += lap.lap_time_s;
        min = min.min(used);
        max = max.max(used);
    }
    (n > 0).then(|| FuelRate {
        per_lap: fuel / n as f64,
        min_per_lap: min,
        max_per_lap: max,
        laps_used: n,
        pace_s: time / n as f64,
    })
}

/// How much of the race is left, as the car crosses the start/finish line.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum RaceLength {
    /// A race over a number of laps: the laps still to start.
    Laps {
        /// Laps still to start.
        remaining: u32,
    },
    /// A timed race: the time on the clock.
    Time {
        /// Time remaining when the car crosses the line, s.
        remaining_s: f64,
    },
}

/// The laps the car still has to start, counted from the start/finish line.
///
/// In a timed race the car finishes the lap it is on when time runs out, so with `remaining_s` on the clock
/// as it crosses the line it starts `floor(remaining_s / pace_s) + 1` more laps: with time left exactly a
/// whole number of laps, the clock reaches 0 as the car crosses the line and the rule still gives it one
/// more lap (series that end on that crossing need one lap less). Assumes every lap at `pace_s` and that the
/// leader's pace is the car's (a lapped car can finish a lap earlier). `None` for a timed race when `pace_s`
/// is not positive and finite or `remaining_s` is negative or not finite (games use -1 for "no limit").
pub fn laps_remaining(length: RaceLength, pace_s: f64) -> Option<f64> {
    match length {
        RaceLength::Laps { remaining } => Some(f64::from(remaining)),
        RaceLength::Time { remaining_s } => {
            let valid = pace_s.is_finite() && pace_s > 0.0 && remaining_s.is_finite() && remaining_s >= 0.0;
            let laps = (remaining_s / pace_s).floor() + 1.0;
            (valid && laps.is_finite()).then_some(laps)
        }
    }
}

/// The fuel needed in the tank now to run `laps_remaining` laps and keep `margin_laps` laps' worth at the
/// finish, in the unit of `fuel_per_lap`.
pub fn fuel_to_finish(laps_remaining: f64, fuel_per_lap: f64, margin_laps: f64) -> f64 {
    (laps_remaining + margin_laps) * fuel_per_lap
}

/// How many laps (with a fraction) `fuel_now` lasts; `None` unless `fuel_now` is finite and not negative and
/// `fuel_per_lap` finite and positive.
pub fn laps_of_fuel(fuel_now: f64, fuel_per_lap: f64) -> Option<f64> {
    let valid = fuel_now.is_finite() && fuel_now >= 0.0 && fuel_per_lap.is_finite() && fuel_per_lap > 0.0;
    let laps = fuel_now / fuel_per_lap;
    (valid && laps.is_finite()).then_some(laps)
}

/// What [`plan`] needs. Fuel in the game's unit throughout.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PlanInput {
    /// Laps still to run, counted from the start/finish line (see [`laps_remaining`]).
    pub laps_remaining: u32,
    /// Fuel in the tank now.
    pub fuel_now: f64,
    /// Fuel used per lap (see [`fuel_per_lap`]).
    pub fuel_per_lap: f64,
    /// Most fuel the tank holds.
    pub tank_capacity: f64,
    /// Fuel kept in reserve at the end of every lap, in laps of fuel.
    pub margin_laps: f64,
    /// Time lost driving through the pit lane against staying on track, stationary time excluded, s.
    pub pit_lane_loss_s: f64,
    /// Fuel added per second while stationary.
    pub refuel_rate_per_s: f64,
    /// Lap time lost per unit of fuel carried, s per unit per lap (0 to ignore weight).
    pub fuel_weight_s_per_lap: f64,
    /// Most stops allowed.
    pub max_stops: u32,
}

/// One pit stop of a [`PitPlan`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Stop {
    /// The stop is at the end of this lap, counted from now (1 = the lap the car is starting).
    pub lap: u32,
    /// Fuel to add.
    pub fuel_added: f64,
}

/// A way to the finish: its stops and what it costs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PitPlan {
    /// The stops, in lap order.
    pub stops: Vec<Stop>,
    /// Pit-lane losses of all stops, s.
    pub pit_lane_s: f64,
    /// Stationary refuelling time of all stops, s.
    pub refuel_s: f64,
    /// Fuel weight cost summed over every remaining lap, s.
    pub fuel_weight_s: f64,
    /// The sum of the three: the time this plan costs against running the remaining laps with no fuel
    /// aboard and no stop, s.
    pub total_time_s: f64,
    /// Fuel left at the finish.
    pub fuel_at_finish: f64,
}

/// What [`plan`] found: the fastest plan and the alternatives the pit wall weighs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PitPlans {
    /// The fastest plan within `max_stops` (of the fastest, the one with fewest stops).
    pub fastest: PitPlan,
    /// The fastest plan with the fewest stops that reach the finish.
    pub fewest_stops: PitPlan,
    /// The fastest plan with one stop more than `fewest_stops`, when one is possible within `max_stops`
    /// (never when no stop is needed: that stop's fuel would not be needed).
    pub one_more_stop: Option<PitPlan>,
}

impl PitPlans {
    /// How much faster one stop more is than the fewest stops, s (negative: slower); `None` when there is no
    /// such plan.
    pub fn one_more_stop_gain_s(&self) -> Option<f64> {
        self.one_more_stop.as_ref().map(|p| self.fewest_stops.total_time_s - p.total_time_s)
    }
}

/// Why [`plan`] has no plan.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum StrategyError {
    /// An input out of its domain.
    #[error("invalid {field} = {value}: must be {expected}")]
    InvalidInput {
        /// The [`PlanInput`] field.
        field: &'static str,
        /// Its value.
        value: f64,
        /// What it must be.
        expected: &'static str,
    },
    /// Infeasible: the fuel aboard does not reach the end of the first lap with the margin, where the first
    /// stop could be.
    #[error("infeasible: {fuel_now:.2} of fuel does not last the first lap with the margin ({needed:.2} needed)")]
    NotEnoughFuel {
        /// Fuel now.
        fuel_now: f64,
        /// Fuel needed to end the lap with the margin.
        needed: f64,
    },
    /// Infeasible: reaching the finish needs more stops than allowed.
    #[error("infeasible: reaching the finish needs {needed} stops, and at most {max_stops} are allowed")]
    TooManyStops {
        /// The fewest stops that reach the finish.
        needed: u32,
        /// The most allowed.
        max_stops: u32,
    },
}

impl PlanInput {
    /// Every field in its domain, and the margin in fuel units (finite).
    fn check(&self) -> Result<f64, StrategyError> {
        let invalid = |field, value, expected| Err(StrategyError::InvalidInput { field, value, expected });
        let fields = [
            ("fuel_now", self.fuel_now, false),
            ("fuel_per_lap", self.fuel_per_lap, true),
            ("tank_capacity", self.tank_capacity, true),
            ("margin_laps", self.margin_laps, false),
            ("pit_lane_loss_s", self.pit_lane_loss_s, false),
            ("refuel_rate_per_s", self.refuel_rate_per_s, true),
            ("fuel_weight_s_per_lap", self.fuel_weight_s_per_lap, false),
        ];
        for (field, value, positive) in fields {
            if !value.is_finite() {
                return invalid(field, value, "finite");
            }
            if positive && value <= 0.0 {
                return invalid(field, value, "positive");
            }
            if value < 0.0 {
                return invalid(field, value, "zero or positive");
            }
        }
        if self.fuel_now > self.tank_capacity {
            return invalid("fuel_now", self.fuel_now, "at most tank_capacity");
        }
        if self.laps_remaining > MAX_LAPS_REMAINING {
            return invalid("laps_remaining", f64::from(self.laps_remaining), "at most MAX_LAPS_REMAINING (10000)");
        }
        let margin = self.margin_laps * self.fuel_per_lap;
        if !margin.is_finite() {
            return invalid("margin_laps", self.margin_laps, "a finite amount of fuel");
        }
        Ok(margin)
    }
}

/// The fastest pit plan to the finish under the model of the [module](self), with the fastest plans of the
/// fewest stops and of one stop more; an error when the input is out of its domain or no plan within
/// `max_stops` reaches the finish. O(laps) time.
pub fn plan(input: &PlanInput) -> Result<PitPlans, StrategyError> {
    let margin = input.check()?;
    let (n, c) = (input.laps_remaining, input.fuel_per_lap);
    // Why the plan below is the fastest. Write F for fuel_now, m for the margin, N for the laps, and
    // X = (F - m) / c for the laps the fuel aboard lasts with the margin.
    //
    // 1. Fix the stop laps k_1 < ... < k_s. Refuelling time is the total added over the rate, and the weight
    //    cost is a constant plus w·Σ_j a_j·(N - k_j) (each unit added at k_j is carried N - k_j laps). With
    //    A_j = a_1 + ... + a_j that sum is A_s·(N - k_s) + Σ_{j<s} A_j·(k_{j+1} - k_j): every A_j has a positive
    //    coefficient and only a lower bound from the margin (reach k_{j+1}, or the finish, with m), so the
    //    fastest fill meets each bound: the car reaches every later stop and the finish with exactly m, and
    //    each stop fills to m + (its stint's laps)·c. The tank limit then says each stint after a stop is at
    //    most `stint_max` laps, and the margin that the first stop is at most floor(X) laps from now.
    // 2. Every stop's fuel is needed (see the module); for the first stop this is k_2 > X (without it the car
    //    would reach k_2 with m); the later ones arrive with m, so theirs always is.
    // 3. The first stop is as late as it can be, k_1 = floor(X): while k_1 < floor(X), k_2 > X gives
    //    k_2 >= k_1 + 2, and moving stop 1 one lap later with k_2 kept (stint 1 one lap shorter) keeps every
    //    rule and changes only lap k_1 + 1, whose end-of-lap fuel goes from m + (k_2 - k_1 - 1)·c (stint 1,
    //    ending at m) to F - (k_1 + 1)·c (first stint): a change of F - m - k_2·c < 0 by 2. So any plan of s
    //    stops becomes no slower with k_1 = floor(X), which satisfies 2 whatever k_2.
    // 4. The stints after the stops then share R = N - floor(X) laps, each 1..=stint_max laps, and a stint of
    //    ℓ laps ending at m costs w·(ℓ·(m + c/2) + c·ℓ·(ℓ - 1)/2), convex in ℓ: the sum is least when the
    //    lengths differ by at most one lap (moving a lap from a stint to one two laps shorter never costs), in
    //    any order. The rest of the time (first stint, total refuelling) is the same for every s.
    // 5. So s stops are possible for ceil(R / stint_max) <= s <= min(R, max_stops), and the fastest s is found
    //    by trying each. With no weight cost all plans of s stops take the same time; this one is returned.
    let reach = (input.fuel_now - margin) / c + TOLERANCE_LAPS;
    if reach >= f64::from(n) {
        let none = build(input, margin, 0, 0, 0);
        return Ok(PitPlans { fastest: none.clone(), fewest_stops: none, one_more_stop: None });
    }
    if reach < 1.0 {
        let needed = margin + if n > 0 { c } else { 0.0 };
        return Err(StrategyError::NotEnoughFuel { fuel_now: input.fuel_now, needed });
    }
    // 1 <= first < n, so this is exact.
    let first = reach.floor() as u32;
    let rest = n - first;
    // At least one lap: the tank holds `fuel_now`, which lasts one.
    let stint_max = ((input.tank_capacity - margin) / c + TOLERANCE_LAPS).floor().clamp(1.0, f64::from(rest)) as u32;
    let fewest = rest.div_ceil(stint_max);
    if fewest > input.max_stops {
        return Err(StrategyError::TooManyStops { needed: fewest, max_stops: input.max_stops });
    }
    let most = input.max_stops.min(rest);
    let w = input.fuel_weight_s_per_lap;
    // Fuel-laps of a stint of `l` laps that ends with the margin.
    let stint = |l: u32| {
        let l = f64::from(l);
        l * (margin + c / 2.0) + c * l * (l - 1.0) / 2.0
    };
    // The part of the time that depends on the number of stops.
    let cost = |s: u32| {
        let (q, r) = (rest / s, rest % s);
        f64::from(s) * input.pit_lane_loss_s + w * (f64::from(r) * stint(q + 1) + f64::from(s - r) * stint(q))
    };
    let mut best = (fewest, cost(fewest));
    for s in fewest + 1..=most {
        let t = cost(s);
        if t < best.1 {
            best = (s, t);
        }
    }
    let fewest_plan = build(input, margin, first, rest, fewest);
    let fastest = if best.0 == fewest { fewest_plan.clone() } else { build(input, margin, first, rest, best.0) };
    let one_more_stop = (fewest < most).then(|| build(input, margin, first, rest, fewest + 1));
    Ok(PitPlans { fastest, fewest_stops: fewest_plan, one_more_stop })
}

/// The plan with the first stop at the end of lap `first` and `stops` stops sharing the `rest` laps after it
/// as evenly as possible (the longer stints first), each filling to the margin plus its stint's fuel; its
/// times from running it lap by lap.
fn build(input: &PlanInput, margin: f64, first: u32, rest: u32, stops: u32) -> PitPlan {
    let c = input.fuel_per_lap;
    let (q, r) = (rest.checked_div(stops).unwrap_or(0), rest.checked_rem(stops).unwrap_or(0));
    let mut out = Vec::with_capacity(stops as usize);
    let (mut fuel, mut weight, mut added) = (input.fuel_now, 0.0, 0.0);
    let (mut next, mut j) = (first, 0u32);
    for lap in 1..=input.laps_remaining {
        let end = fuel - c;
        weight += (fuel + end) / 2.0;
        fuel = end;
        if j < stops && lap == next {
            let len = q + u32::from(j < r);
            let add = margin + f64::from(len) * c - fuel;
            out.push(Stop { lap, fuel_added: add });
            fuel += add;
            added += add;
            next += len;
            j += 1;
        }
    }
    let pit_lane_s = f64::from(stops) * input.pit_lane_loss_s;
    let refuel_s = added / input.refuel_rate_per_s;
    let fuel_weight_s = weight * input.fuel_weight_s_per_lap;
    PitPlan {
        stops: out,
        pit_lane_s,
        refuel_s,
        fuel_weight_s,
        total_time_s: pit_lane_s + refuel_s + fuel_weight_s,
        fuel_at_finish: fuel,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> PlanInput {
        PlanInput {
            laps_remaining: 10,
            fuel_now: 10.0,
            fuel_per_lap: 2.0,
            tank_capacity: 20.0,
            margin_laps: 0.0,
            pit_lane_loss_s: 20.0,
            refuel_rate_per_s: 2.0,
            fuel_weight_s_per_lap: 0.0,
            max_stops: 3,
        }
    }

    #[test]
    fn stints_after_the_first_stop_differ_by_at_most_one_lap() {
        // 10 l lasts 5 laps: first stop at lap 5, then 5 laps; with 3 stops the stints are 2, 2, 1.
        let p = build(&input(), 0.0, 5, 5, 3);
        let laps: Vec<u32> = p.stops.iter().map(|s| s.lap).collect();
        assert_eq!(laps, [5, 7, 9]);
        let added: Vec<f64> = p.stops.iter().map(|s| s.fuel_added).collect();
        assert_eq!(added, [4.0, 4.0, 2.0]);
        assert_eq!(p.fuel_at_finish, 0.0);
    }

    #[test]
    fn zero_laps_needs_only_the_margin() {
        let p = plan(&PlanInput { laps_remaining: 0, ..input() }).expect("a plan");
        assert!(p.fastest.stops.is_empty());
        assert_eq!(p.fastest.fuel_at_finish, 10.0);
        let e = plan(&PlanInput { laps_remaining: 0, margin_laps: 6.0, ..input() });
        assert_eq!(e, Err(StrategyError::NotEnoughFuel { fuel_now: 10.0, needed: 12.0 }));
    }
}
