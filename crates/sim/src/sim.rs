//! [`Simulation`]: a whole session solved up front, then played back as frames.
//!
//! The session is one long profile over `laps + 2` laps: a lap before lap 1 (driven ideally, so lap 1 starts
//! at flying speed exactly at the start line), the timed laps, and a lap after the last one, of which about
//! [`OVERRUN_S`] is played so that a consumer sees the final crossing. Solving the laps as one profile keeps
//! speed continuous across the start line whatever the driver did on the lap before.

use racecraft_core::SessionMeta;
use serde::{Deserialize, Serialize};

use crate::car::Car;
use crate::consumption::Consumption;
use crate::driver::{self, Corner, DriverModel, LapPlan, LimitBuilder, MistakeKind};
use crate::error::{Error, Result};
use crate::frames::Frames;
use crate::pit::{self, PitStop};
use crate::qss::{self, segment_time};
use crate::track::Track;
use crate::truth::{CornerTruth, Direction, GroundTruth, LapTruth, MistakeTruth, PitStopTruth, ShiftPoint};

/// Frames played after the last lap completes, seconds.
pub const OVERRUN_S: f64 = 1.0;
/// Accepted sample rates, Hz.
pub const RATE_HZ_RANGE: std::ops::RangeInclusive<f64> = 60.0..=333.0;
/// Most laps in one session (the profile holds every lap in memory, about 20 bytes a metre).
pub const MAX_LAPS: u32 = 500;
/// The driver downshifts once the lower gear would run at most this far below the upshift rpm.
pub const DOWNSHIFT_MARGIN_RPM: f64 = 500.0;

/// What to simulate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SimConfig {
    /// Timed laps, 1..=[`MAX_LAPS`].
    pub laps: u32,
    /// Frame rate, Hz, in [`RATE_HZ_RANGE`].
    pub rate_hz: f64,
    /// Seed of the driver's lap-to-lap variation.
    pub seed: u64,
    /// The car.
    pub car: Car,
    /// The driver.
    pub driver: DriverModel,
    /// The driver's name, as the session names it.
    pub driver_name: String,
    /// The team the car races for; empty for none.
    pub team: String,
    /// The car's race number; empty for none.
    pub car_number: String,
    /// Tread already worn at the start of lap 1, FL, FR, RL, RR (a stint on used tyres).
    pub tyre_wear_start: [f64; 4],
    /// Pit stops, each at the end of a lap.
    pub pit_stops: Vec<PitStop>,
}

impl Default for SimConfig {
    fn default() -> SimConfig {
        SimConfig {
            laps: 3,
            rate_hz: 60.0,
            seed: 1,
            car: Car::default(),
            driver: DriverModel::default(),
            driver_name: "Sim Driver".into(),
            team: String::new(),
            car_number: String::new(),
            tyre_wear_start: [0.0; 4],
            pit_stops: Vec::new(),
        }
    }
}

impl SimConfig {
    /// Checks every field.
    pub fn validate(&self) -> Result<()> {
        if !(1..=MAX_LAPS).contains(&self.laps) {
            return Err(Error::Config(format!("laps must be in 1..={MAX_LAPS}, is {}", self.laps)));
        }
        if !RATE_HZ_RANGE.contains(&self.rate_hz) {
            return Err(Error::Config(format!("rate_hz must be in 60..=333, is {}", self.rate_hz)));
        }
        if let Some(w) = self.tyre_wear_start.iter().find(|w| !(0.0..=1.0).contains(*w)) {
            return Err(Error::Config(format!("tyre_wear_start must be in 0..=1, is {w}")));
        }
        pit::validate(&self.pit_stops, self.laps)?;
        self.car.validate()?;
        self.driver.validate()
    }
}

/// A solved session: the speed profile of every lap, the ground truth, and the frames on demand.
#[derive(Clone)]
pub struct Simulation {
    pub(crate) track: Track,
    pub(crate) cfg: SimConfig,
    /// Speed at each session point (point `g` is track point `g % n` of session lap `g / n`), m/s.
    pub(crate) v: Vec<f64>,
    /// Time at each session point, seconds from the start of lap 1 (negative before it).
    pub(crate) t: Vec<f64>,
    /// Per segment: full throttle because power limits.
    pub(crate) power_limited: Vec<bool>,
    /// Gear changes after t = 0: (time s, new gear).
    pub(crate) shifts: Vec<(f64, u8)>,
    /// Gear at t = 0.
    pub(crate) initial_gear: u8,
    /// Session time of the last frame, microseconds.
    pub(crate) end_us: i64,
    pub(crate) frame_count: u64,
    pub(crate) truth: GroundTruth,
    pub(crate) consumption: Consumption,
    /// The pit stops by session point of their box, in order.
    pub(crate) stops: Vec<StopAt>,
}

/// A pit stop placed on the profile.
#[derive(Debug, Clone, Copy)]
pub(crate) struct StopAt {
    /// Session point of the box.
    pub point: usize,
    /// What is done there.
    pub stop: PitStop,
}

impl Simulation {
    /// Solves the whole session. All the work happens here; [`Simulation::frames`] only interpolates.
    pub fn new(track: Track, cfg: SimConfig) -> Result<Simulation> {
        cfg.validate()?;
        let car = &cfg.car;
        let n = track.len();
        let ds = track.step_m();
        let curvature = track.curvature();
        let base: Vec<f64> = curvature.iter().map(|&k| car.cornering_limit_mps(k)).collect();

        // The ideal lap, periodic: solve three in a row and keep the middle one.
        let limits3: Vec<f64> = base.iter().cycle().take(3 * n + 1).copied().collect();
        let p3 = qss::solve(car, curvature, 0, ds, &limits3, base[0], base[0]);
        let nominal: Vec<f64> = p3.v[n..2 * n].to_vec();
        let ideal_lap_time_s: f64 = (n..2 * n).map(|i| segment_time(ds, p3.v[i], p3.v[i + 1])).sum();

        let corners = driver::detect_corners(curvature, ds, &nominal);
        let mut corner_at: Vec<Option<u16>> = vec![None; n];
        for (c, corner) in corners.iter().enumerate() {
            for p in corner.points(n) {
                corner_at[p] = Some(c as u16);
            }
        }
        let laps = cfg.laps as usize;
        let mut plans = Vec::with_capacity(laps + 2);
        plans.push(LapPlan::default());
        plans.extend(driver::plan_laps(&cfg.driver, &corners, cfg.laps, cfg.seed));
        plans.push(LapPlan::default());
        let builder = LimitBuilder {
            base: &base,
            nominal: &nominal,
            corner_at: &corner_at,
            corners: &corners,
            plans: &plans,
            ds,
        };

        let mut stops: Vec<StopAt> =
            cfg.pit_stops.iter().map(|s| StopAt { point: (s.lap as usize + 1) * n, stop: *s }).collect();
        stops.sort_by_key(|s| s.point);
        let boxes: Vec<usize> = stops.iter().map(|s| s.point).collect();
        let stationary = |i: usize| stops.iter().find(|s| s.point == i).map_or(0.0, |s| s.stop.stationary_s());

        let points = (laps + 2) * n + 1;
        let mut limits = vec![0.0; points];
        builder.fill(&mut limits, 0, None);
        pit::apply(&mut limits, 0, &boxes, ds);
        let profile = qss::solve(car, curvature, 0, ds, &limits, nominal[0], nominal[0]);
        drop(limits);
        let v = profile.v;

        let mut t = Vec::with_capacity(points);
        t.push(0.0);
        for i in 0..points - 1 {
            let next = t[i] + segment_time(ds, v[i], v[i + 1]) + stationary(i);
            t.push(next);
        }
        let t0 = t[n];
        for x in &mut t {
            *x -= t0;
        }

        let third = n / 3;
        let lap_time =
            |v: &[f64], from: usize| -> f64 { (from..from + n).map(|i| segment_time(ds, v[i], v[i + 1])).sum() };
        let mut lap_truths = Vec::with_capacity(laps);
        for (lap, plan) in plans.iter().enumerate().take(laps + 1).skip(1) {
            let start = lap * n;
            let s1 = t[start + third] - t[start];
            let s2 = t[start + 2 * third] - t[start + third];
            let s3 = t[start + n] - t[start + 2 * third];
            let corner_min_speeds_mps =
                corners.iter().map(|c| c.points(n).map(|p| v[start + p]).fold(f64::INFINITY, f64::min)).collect();
            let mut mistakes = Vec::new();
            if let Some(m) = plan.mistake {
                // The same lap without the mistake, solved over it and its neighbours and entered and left at the
                // speeds of the real session: laps k-1 and k+1 each have a corner that pins the speed, so lap k
                // comes out exactly as a full re-solve would give it.
                let first = (lap - 1) * n;
                let mut window = vec![0.0; 3 * n + 1];
                builder.fill(&mut window, first, Some(lap));
                pit::apply(&mut window, first, &boxes, ds);
                let twin = qss::solve(car, curvature, first, ds, &window, v[first], v[first + 3 * n]);
                let corner = &corners[m.corner];
                let distance = match m.kind {
                    MistakeKind::EarlyBraking => {
                        let zone = corner.braking_points.unwrap_or(0) as f64 * ds;
                        (corner.slowest as f64 * ds - zone - m.amount).rem_euclid(track.length_m())
                    }
                    MistakeKind::SlowApex => corner.apex as f64 * ds,
                };
                mistakes.push(MistakeTruth {
                    corner: m.corner as u32 + 1,
                    distance_m: distance,
                    kind: m.kind,
                    magnitude: m.amount,
                    // The twin is driven through the same pit lane; the time stationary is no mistake's.
                    cost_s: (t[start + n] - t[start])
                        - (start..start + n).map(stationary).sum::<f64>()
                        - lap_time(&twin.v, n),
                });
            }
            lap_truths.push(LapTruth {
                lap_number: lap as u32,
                start_s: t[start],
                lap_time_s: t[start + n] - t[start],
                sectors_s: [s1, s2, s3],
                corner_min_speeds_mps,
                mistakes,
                fuel_used_l: 0.0,
                fuel_at_end_l: 0.0,
                tyre_wear_at_end: [0.0; 4],
            });
        }

        let consumption = Consumption::new(car);
        let mut fuel_l = car.fuel_start_l;
        let mut wear = cfg.tyre_wear_start;
        for (lap, truth) in lap_truths.iter_mut().enumerate() {
            let start = (lap + 1) * n;
            let mut burnt = 0.0;
            for i in start..start + n {
                if let Some(s) = stops.iter().find(|s| s.point == i) {
                    fuel_l += s.stop.fuel_l;
                    if s.stop.tyres {
                        wear = [0.0; 4];
                    }
                }
                let moving_s = t[i + 1] - t[i] - stationary(i);
                burnt += segment_fuel_l(&consumption, car, &v, ds, i, moving_s, moving_s);
                for (total, w) in wear.iter_mut().zip(segment_wear(&v, curvature, ds, n, i, ds)) {
                    *total += w;
                }
            }
            fuel_l -= burnt;
            truth.fuel_used_l = burnt;
            truth.fuel_at_end_l = fuel_l;
            truth.tyre_wear_at_end = wear;
        }
        let fuel_per_lap_l = lap_truths.iter().map(|l| l.fuel_used_l).sum::<f64>() / laps as f64;

        // Each stop's cost: its in-lap and out-lap against the same two laps driven past the pit lane, solved
        // over them and their neighbours and entered and left at the session's own speeds.
        let pit_stop_truths = stops
            .iter()
            .map(|s| {
                let lap = s.stop.lap as usize;
                let first = (lap - 1) * n;
                let mut window = vec![0.0; 4 * n + 1];
                builder.fill(&mut window, first, None);
                let others: Vec<usize> = boxes.iter().copied().filter(|b| *b != s.point).collect();
                pit::apply(&mut window, first, &others, ds);
                let twin = qss::solve(car, curvature, first, ds, &window, v[first], v[first + 4 * n]);
                let without = lap_time(&twin.v, n) + lap_time(&twin.v, 2 * n);
                let with = t[(lap + 2) * n]
                    - t[lap * n]
                    - (lap * n..(lap + 2) * n).filter(|&i| i != s.point).map(stationary).sum::<f64>();
                PitStopTruth {
                    lap: s.stop.lap,
                    fuel_added_l: s.stop.fuel_l,
                    tyres: s.stop.tyres,
                    stationary_s: s.stop.stationary_s(),
                    time_lost_s: with - without,
                }
            })
            .collect();

        let (initial_gear, shifts) = shift_events(car, &v, &t, ds);
        let end_us = ((t[(laps + 1) * n] + OVERRUN_S) * 1e6).floor() as i64;
        let frame_count = frame_count(end_us, cfg.rate_hz);

        let truth = GroundTruth {
            track: track.name().to_owned(),
            car: car.name.clone(),
            length_m: track.length_m(),
            rate_hz: cfg.rate_hz,
            seed: cfg.seed,
            sector_boundaries_m: track.sector_boundaries_m(),
            ideal_lap_time_s,
            corners: corner_truths(&corners, &nominal, ds, n),
            laps: lap_truths,
            team: cfg.team.clone(),
            car_number: cfg.car_number.clone(),
            driver: cfg.driver_name.clone(),
            fuel_start_l: car.fuel_start_l,
            fuel_per_lap_l,
            pit_stops: pit_stop_truths,
            shift_points: (1..car.gear_count())
                .filter_map(|g| {
                    let optimal_rpm = car.optimal_upshift_rpm(g)?;
                    Some(ShiftPoint { gear: g, optimal_rpm, driver_rpm: car.shift_rpm })
                })
                .collect(),
        };
        Ok(Simulation {
            track,
            cfg,
            v,
            t,
            power_limited: profile.power_limited,
            shifts,
            initial_gear,
            end_us,
            frame_count,
            truth,
            consumption,
            stops,
        })
    }

    /// Session metadata: game `racecraft-sim`, the car's and track's names, and the configured driver, team
    /// and car number.
    pub fn meta(&self, started_at_ms: i64) -> SessionMeta {
        SessionMeta {
            game: "racecraft-sim".into(),
            car: self.cfg.car.name.clone(),
            track: self.track.name().to_owned(),
            driver: self.cfg.driver_name.clone(),
            started_at_ms,
            team: self.cfg.team.clone(),
            car_number: self.cfg.car_number.clone(),
        }
    }

    /// Fuel burnt in the first `tau_s` seconds of moving through profile segment `i`, litres.
    pub(crate) fn segment_fuel_l(&self, i: usize, tau_s: f64) -> f64 {
        let moving_s = self.t[i + 1] - self.t[i] - self.stop_at(i).map_or(0.0, |s| s.stationary_s());
        segment_fuel_l(&self.consumption, &self.cfg.car, &self.v, self.track.step_m(), i, tau_s, moving_s)
    }

    /// The pit stop whose box is session point `i`, if there is one.
    pub(crate) fn stop_at(&self, i: usize) -> Option<&PitStop> {
        self.stops.iter().find(|s| s.point == i).map(|s| &s.stop)
    }

    /// Whether segment `i` (from point `i` to `i + 1`) lies in a pit lane the car drives through: both its
    /// ends are under the pit-lane limit.
    pub(crate) fn in_pit_lane(&self, i: usize) -> bool {
        self.stops.iter().any(|s| {
            let lane = pit::lane(s.point, self.track.step_m());
            *lane.start() <= i && i < *lane.end()
        })
    }

    /// Tread worn on each tyre over the first `metres` of profile segment `i`.
    pub(crate) fn segment_wear(&self, i: usize, metres: f64) -> [f64; 4] {
        segment_wear(&self.v, self.track.curvature(), self.track.step_m(), self.track.len(), i, metres)
    }

    /// The exact facts of the session.
    pub fn truth(&self) -> &GroundTruth {
        &self.truth
    }

    /// The track.
    pub fn track(&self) -> &Track {
        &self.track
    }

    /// The configuration it was built from.
    pub fn config(&self) -> &SimConfig {
        &self.cfg
    }

    /// Number of frames [`Simulation::frames`] yields.
    pub fn frame_count(&self) -> u64 {
        self.frame_count
    }

    /// Session time of the last frame, microseconds.
    pub fn duration_us(&self) -> i64 {
        self.end_us
    }

    /// The frames, from the start line at `t_us = 0` to [`OVERRUN_S`] after the last lap.
    pub fn frames(&self) -> Frames<'_> {
        Frames::new(self)
    }

    /// Timestamp of frame `k`, microseconds.
    pub(crate) fn frame_time_us(&self, k: u64) -> i64 {
        frame_time_us(k, self.cfg.rate_hz)
    }
}

// The profile holds thousands of points: show what identifies the session instead.
impl std::fmt::Debug for Simulation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Simulation")
            .field("track", &self.track.name())
            .field("laps", &self.cfg.laps)
            .field("rate_hz", &self.cfg.rate_hz)
            .field("seed", &self.cfg.seed)
            .field("frame_count", &self.frame_count)
            .finish_non_exhaustive()
    }
}

/// Fuel burnt in the first `tau_s` seconds of moving through segment `i` of the profile `v`, which takes
/// `moving_s` seconds, litres.
fn segment_fuel_l(
    consumption: &Consumption,
    car: &Car,
    v: &[f64],
    ds: f64,
    i: usize,
    tau_s: f64,
    moving_s: f64,
) -> f64 {
    consumption.fuel_l(car, v[i], v[i + 1], ds, tau_s.min(moving_s))
}

/// Tread worn over the first `metres` of segment `i`: its acceleration and entry speed, the curvature where it
/// starts.
fn segment_wear(v: &[f64], curvature: &[f64], ds: f64, n: usize, i: usize, metres: f64) -> [f64; 4] {
    let accel = (v[i + 1] * v[i + 1] - v[i] * v[i]) / (2.0 * ds);
    Consumption::wear(v[i], accel, curvature[i % n], metres)
}

fn frame_time_us(k: u64, rate_hz: f64) -> i64 {
    (k as f64 * 1e6 / rate_hz).round() as i64
}

/// Frames with `t_us <= end_us`.
fn frame_count(end_us: i64, rate_hz: f64) -> u64 {
    let mut k = (end_us as f64 * rate_hz / 1e6).floor() as u64 + 2;
    while frame_time_us(k, rate_hz) > end_us {
        k -= 1;
    }
    k + 1
}

/// Walks the profile and records gear changes: up at the shift rpm, down once the lower gear is
/// [`DOWNSHIFT_MARGIN_RPM`] below it (the hysteresis keeps the gear from flickering at a speed peak).
fn shift_events(car: &Car, v: &[f64], t: &[f64], ds: f64) -> (u8, Vec<(f64, u8)>) {
    let top = car.gear_count();
    let up = |g: u8| car.max_speed_in_gear_mps(g, car.shift_rpm);
    let down = |g: u8| car.max_speed_in_gear_mps(g - 1, car.shift_rpm - DOWNSHIFT_MARGIN_RPM);
    let mut gear = car.gear_for(v[0]);
    let mut initial = None;
    let mut events = Vec::new();
    for i in 0..v.len() - 1 {
        if initial.is_none() && t[i] >= 0.0 {
            initial = Some(gear);
        }
        let (v0, v1) = (v[i], v[i + 1]);
        let a = (v1 * v1 - v0 * v0) / (2.0 * ds);
        let dt = t[i + 1] - t[i];
        let crossing = |target: f64| if a.abs() > 1e-12 { ((target - v0) / a).clamp(0.0, dt) } else { 0.0 };
        loop {
            let (target, next) = if gear < top && v1 >= up(gear) {
                (up(gear), gear + 1)
            } else if gear > 1 && v1 < down(gear) {
                (down(gear), gear - 1)
            } else {
                break;
            };
            gear = next;
            let at = t[i] + crossing(target);
            if at >= 0.0 && initial.is_some() {
                events.push((at, gear));
            }
        }
    }
    (initial.unwrap_or(gear), events)
}

fn corner_truths(corners: &[Corner], nominal: &[f64], ds: f64, n: usize) -> Vec<CornerTruth> {
    corners
        .iter()
        .enumerate()
        .map(|(c, corner)| CornerTruth {
            number: c as u32 + 1,
            direction: if corner.left { Direction::Left } else { Direction::Right },
            entry_m: corner.entry as f64 * ds,
            apex_m: corner.apex as f64 * ds,
            exit_m: corner.exit as f64 * ds,
            min_speed_m: corner.slowest as f64 * ds,
            min_speed_mps: nominal[corner.slowest],
            braking_point_m: corner.braking_points.map(|z| ((corner.slowest + n - z) % n) as f64 * ds),
        })
        .collect()
}
