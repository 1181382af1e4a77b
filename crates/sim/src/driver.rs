//! The simulated driver: corners, and what the driver does differently on each lap.
//!
//! Corners are found on the curvature profile (smoothed again, over [`DETECT_SIGMA_M`]): runs of one sign
//! above [`CORNER_CURVATURE`], merged when less than [`MERGE_GAP_M`] apart, numbered in driving order from
//! the start line. A corner has a braking zone when the ideal profile slows by at least
//! [`MIN_BRAKING_DROP_MPS`] into its slowest point.
//!
//! On each lap the driver takes every corner at a random fraction of its cornering limit (between
//! [`DriverModel::min_speed_frac_min`] and `..._max`) and brakes a few metres early (up to
//! [`DriverModel::brake_early_max_m`]), as a driver who never quite finds the limit. Now and then
//! ([`DriverModel::mistake_probability`] per lap) one braking corner goes wrong: braking 15–35 m too early, or
//! a too-slow apex at 88–94 % of the limit. Braking early by `d` means following the ideal braking curve
//! `d` metres too soon until the speed has fallen most of the way to the corner's minimum (see
//! [`BRAKE_RELEASE_FRACTION`]), then releasing the brake and rolling at that speed until the ideal curve
//! comes down to it. All of it only lowers per-point speed limits; the QSS passes (see `qss`) then make a
//! feasible profile out of them.

use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use racecraft_core::signal::smooth_periodic;

/// Curvature above which the line is in a corner, 1/m (a 300 m radius).
pub const CORNER_CURVATURE: f64 = 1.0 / 300.0;
/// Smoothing of the curvature for corner detection, metres.
pub const DETECT_SIGMA_M: f64 = 8.0;
/// Runs of the same direction closer than this are one corner, metres.
pub const MERGE_GAP_M: f64 = 30.0;
/// Shorter runs are ignored, metres.
pub const MIN_CORNER_LENGTH_M: f64 = 6.0;
/// A corner is a braking corner when the ideal lap slows by at least this much into it, m/s.
pub const MIN_BRAKING_DROP_MPS: f64 = 3.0;
/// A driver who brakes too early releases the brake once `v²` is this fraction of the way from the corner's
/// minimum to the braking-point speed: early braking costs time without being a crawl to the apex.
pub const BRAKE_RELEASE_FRACTION: f64 = 0.2;
/// Range of an early-braking mistake, metres before the ideal braking point.
pub const EARLY_BRAKING_MISTAKE_M: (f64, f64) = (15.0, 35.0);
/// Range of a slow-apex mistake, as a fraction of the cornering limit.
pub const SLOW_APEX_MISTAKE_FRAC: (f64, f64) = (0.88, 0.94);

/// How the simulated driver varies from lap to lap.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DriverModel {
    /// Largest early braking on an ordinary lap, metres before the ideal braking point (uniform from 0).
    pub brake_early_max_m: f64,
    /// Lowest fraction of a corner's cornering limit the driver takes it at.
    pub min_speed_frac_min: f64,
    /// Highest fraction of a corner's cornering limit the driver takes it at (at most 1).
    pub min_speed_frac_max: f64,
    /// Probability that a lap has one mistake.
    pub mistake_probability: f64,
}

impl Default for DriverModel {
    fn default() -> DriverModel {
        DriverModel {
            brake_early_max_m: 3.0,
            min_speed_frac_min: 0.97,
            min_speed_frac_max: 1.0,
            mistake_probability: 1.0 / 3.0,
        }
    }
}

impl DriverModel {
    /// A driver who takes every lap at the limit and never errs: every lap is the ideal lap.
    pub fn perfect() -> DriverModel {
        DriverModel {
            brake_early_max_m: 0.0,
            min_speed_frac_min: 1.0,
            min_speed_frac_max: 1.0,
            mistake_probability: 0.0,
        }
    }

    /// Checks the ranges.
    pub fn validate(&self) -> Result<()> {
        let bad = |what: &str| Err(Error::Config(format!("driver: {what}")));
        if !(0.0..=100.0).contains(&self.brake_early_max_m) {
            return bad("brake_early_max_m must be in 0..=100");
        }
        if !(0.5..=1.0).contains(&self.min_speed_frac_min)
            || !(0.5..=1.0).contains(&self.min_speed_frac_max)
            || self.min_speed_frac_min > self.min_speed_frac_max
        {
            return bad("min_speed_frac_min <= min_speed_frac_max, both in 0.5..=1");
        }
        if !(0.0..=1.0).contains(&self.mistake_probability) {
            return bad("mistake_probability must be in 0..=1");
        }
        Ok(())
    }
}

/// A corner on the race line, by point index (entry may be after exit when it spans the start line).
#[derive(Debug, Clone)]
pub(crate) struct Corner {
    pub left: bool,
    pub entry: usize,
    pub apex: usize,
    pub exit: usize,
    /// Slowest point of the ideal lap within the corner.
    pub slowest: usize,
    /// Points from the ideal braking point to `slowest`, for a braking corner.
    pub braking_points: Option<usize>,
}

impl Corner {
    /// Points of the corner, from entry to exit in driving order.
    pub fn points(&self, n: usize) -> impl Iterator<Item = usize> + '_ {
        let len = (self.exit + n - self.entry) % n + 1;
        (0..len).map(move |k| (self.entry + k) % n)
    }
}

/// Finds the corners on `curvature` (point spacing `ds`), with `nominal` the ideal lap's speed at each
/// point (for the slowest point and the braking zone).
///
/// Deliberately not the analysis's detection (`racecraft_analysis::detect_corners`): these corners are where the
/// simulated driver makes its mistakes, the ground truth the analysis is measured against, so the two must not
/// share code, or a test of one against the other could pass by construction.
pub(crate) fn detect_corners(curvature: &[f64], ds: f64, nominal: &[f64]) -> Vec<Corner> {
    let n = curvature.len();
    let k = smooth_periodic(curvature, DETECT_SIGMA_M / ds);
    let above = |i: usize| k[i].abs() >= CORNER_CURVATURE;
    // Runs as (first, last) offsets from a point below the threshold, so no run straddles the scan start.
    let mut runs: Vec<(usize, usize, bool)> = Vec::new();
    match (0..n).find(|&i| !above(i)) {
        None => runs.push((0, n - 1, k[0] > 0.0)),
        Some(start) => {
            let mut current: Option<(usize, usize, bool)> = None;
            for off in 0..n {
                let i = (start + off) % n;
                let left = k[i] > 0.0;
                current = match (current, above(i)) {
                    (Some((a, _, dir)), true) if dir == left => Some((a, off, dir)),
                    (prev, true) => {
                        runs.extend(prev);
                        Some((off, off, left))
                    }
                    (prev, false) => {
                        runs.extend(prev);
                        None
                    }
                };
            }
            runs.extend(current);
            runs = merge_runs(runs, (MERGE_GAP_M / ds).ceil() as usize)
                .into_iter()
                .map(|(a, b, dir)| ((start + a) % n, (start + b) % n, dir))
                .collect();
        }
    }
    let min_points = (MIN_CORNER_LENGTH_M / ds).ceil() as usize;
    let mut corners: Vec<Corner> = runs
        .into_iter()
        .filter(|(a, b, _)| (b + n - a) % n + 1 >= min_points)
        .map(|(entry, exit, left)| {
            let mut corner = Corner { left, entry, apex: entry, exit, slowest: entry, braking_points: None };
            let pts: Vec<usize> = corner.points(n).collect();
            corner.apex = pts.iter().copied().max_by(|&a, &b| k[a].abs().total_cmp(&k[b].abs())).unwrap_or(entry);
            corner.slowest = pts.iter().copied().min_by(|&a, &b| nominal[a].total_cmp(&nominal[b])).unwrap_or(entry);
            corner.braking_points = braking_zone(nominal, corner.slowest);
            corner
        })
        .collect();
    corners.sort_by_key(|c| c.entry);
    corners
}

fn merge_runs(runs: Vec<(usize, usize, bool)>, max_gap: usize) -> Vec<(usize, usize, bool)> {
    let mut out: Vec<(usize, usize, bool)> = Vec::with_capacity(runs.len());
    for run in runs {
        match out.last_mut() {
            Some(last) if last.2 == run.2 && run.0 - last.1 <= max_gap => last.1 = run.1,
            _ => out.push(run),
        }
    }
    out
}

/// Walks back from `slowest` while the ideal speed keeps falling towards it; a braking zone when the drop
/// is large enough.
fn braking_zone(nominal: &[f64], slowest: usize) -> Option<usize> {
    let n = nominal.len();
    let mut j = slowest;
    let mut count = 0;
    while count < n / 2 {
        let prev = (j + n - 1) % n;
        if nominal[prev] > nominal[j] + 1e-9 {
            j = prev;
            count += 1;
        } else {
            break;
        }
    }
    (nominal[j] - nominal[slowest] >= MIN_BRAKING_DROP_MPS).then_some(count)
}

/// The kind of a driver mistake.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MistakeKind {
    /// Braked well before the braking point.
    EarlyBraking,
    /// Took the corner well below its limit.
    SlowApex,
}

/// One mistake planned for a lap.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct PlannedMistake {
    pub corner: usize,
    pub kind: MistakeKind,
    /// Metres early for [`MistakeKind::EarlyBraking`], fraction of the limit for [`MistakeKind::SlowApex`].
    pub amount: f64,
}

/// What the driver does on one lap.
#[derive(Debug, Clone, Default)]
pub(crate) struct LapPlan {
    /// Per corner: fraction of the cornering limit (empty: 1 everywhere).
    pub min_speed_frac: Vec<f64>,
    /// Per corner: metres braked early (empty: 0 everywhere).
    pub brake_early_m: Vec<f64>,
    pub mistake: Option<PlannedMistake>,
}

impl LapPlan {
    /// Fraction of the limit at corner `c`, with or without this lap's mistake.
    pub fn frac(&self, c: usize, with_mistake: bool) -> f64 {
        match self.mistake {
            Some(m) if with_mistake && m.corner == c && m.kind == MistakeKind::SlowApex => m.amount,
            _ => self.min_speed_frac.get(c).copied().unwrap_or(1.0),
        }
    }

    /// Metres braked early at corner `c`, with or without this lap's mistake.
    pub fn brake_early(&self, c: usize, with_mistake: bool) -> f64 {
        let base = self.brake_early_m.get(c).copied().unwrap_or(0.0);
        match self.mistake {
            Some(m) if with_mistake && m.corner == c && m.kind == MistakeKind::EarlyBraking => base + m.amount,
            _ => base,
        }
    }
}

/// One plan per lap, drawn from `seed`. The same draws are made whatever the model's settings, so two
/// models differing only in `mistake_probability` give the same laps apart from the mistakes.
pub(crate) fn plan_laps(model: &DriverModel, corners: &[Corner], laps: u32, seed: u64) -> Vec<LapPlan> {
    let mut rng = SmallRng::seed_from_u64(seed);
    let braking: Vec<usize> = (0..corners.len()).filter(|&c| corners[c].braking_points.is_some()).collect();
    let lerp = |(lo, hi): (f64, f64), u: f64| lo + (hi - lo) * u;
    (0..laps)
        .map(|_| {
            let mut plan = LapPlan::default();
            for _ in corners {
                let frac = lerp((model.min_speed_frac_min, model.min_speed_frac_max), rng.random::<f64>());
                plan.min_speed_frac.push(frac);
                plan.brake_early_m.push(model.brake_early_max_m * rng.random::<f64>());
            }
            let (roll, pick, kind, size): (f64, f64, f64, f64) =
                (rng.random(), rng.random(), rng.random(), rng.random());
            if roll < model.mistake_probability && !braking.is_empty() {
                let corner = braking[((pick * braking.len() as f64) as usize).min(braking.len() - 1)];
                plan.mistake = Some(if kind < 0.5 {
                    PlannedMistake {
                        corner,
                        kind: MistakeKind::EarlyBraking,
                        amount: lerp(EARLY_BRAKING_MISTAKE_M, size),
                    }
                } else {
                    PlannedMistake { corner, kind: MistakeKind::SlowApex, amount: lerp(SLOW_APEX_MISTAKE_FRAC, size) }
                });
            }
            plan
        })
        .collect()
}

/// Everything needed to turn lap plans into per-point speed limits.
#[derive(Debug)]
pub(crate) struct LimitBuilder<'a> {
    /// Cornering limit at each track point, m/s.
    pub base: &'a [f64],
    /// The ideal lap's speed at each track point, m/s.
    pub nominal: &'a [f64],
    /// Corner index at each track point, if in one.
    pub corner_at: &'a [Option<u16>],
    pub corners: &'a [Corner],
    /// Plans by session lap: index 0 is the lap before lap 1, the last one the lap after the last.
    pub plans: &'a [LapPlan],
    pub ds: f64,
}

impl LimitBuilder<'_> {
    /// Fills `out` with the limits of session points `first..first + out.len()` (point `g` is track point
    /// `g % n` of plan `g / n`). `without_mistake` leaves out that plan's mistake.
    pub fn fill(&self, out: &mut [f64], first: usize, without_mistake: Option<usize>) {
        let n = self.base.len();
        let last_plan = self.plans.len() - 1;
        for (j, slot) in out.iter_mut().enumerate() {
            let g = first + j;
            let lap = (g / n).min(last_plan);
            let p = g % n;
            let frac = match self.corner_at[p] {
                Some(c) => self.plans[lap].frac(usize::from(c), without_mistake != Some(lap)),
                None => 1.0,
            };
            *slot = self.base[p] * frac;
        }
        // Early braking: each lap's braking caps reach back at most into the lap before.
        let end = first + out.len();
        for lap in first / n..=(end / n + 1).min(last_plan) {
            for (c, corner) in self.corners.iter().enumerate() {
                let Some(zone) = corner.braking_points else { continue };
                let early = self.plans[lap].brake_early(c, without_mistake != Some(lap));
                if early <= 0.0 {
                    continue;
                }
                // Along the ideal braking curve `early` metres too soon, down to the release speed, then held
                // until the ideal curve comes down to it.
                let slowest = lap * n + corner.slowest;
                let v_min2 = self.nominal[corner.slowest].powi(2);
                let v_brake2 = self.nominal[(corner.slowest + n - zone % n) % n].powi(2);
                let release = (v_min2 + BRAKE_RELEASE_FRACTION * (v_brake2 - v_min2)).sqrt();
                let from = slowest.saturating_sub(zone + (early / self.ds).ceil() as usize);
                for g in from.max(first)..=slowest.min(end.saturating_sub(1)) {
                    let back = (slowest - g) as f64 * self.ds;
                    let cap = self.nominal_before(corner.slowest, back - early).max(release);
                    let slot = &mut out[g - first];
                    *slot = slot.min(cap);
                }
            }
        }
    }

    /// The ideal lap's speed `back` metres before track point `p` (at `p` itself when `back` < 0), linear
    /// between points.
    fn nominal_before(&self, p: usize, back: f64) -> f64 {
        let n = self.nominal.len();
        let x = back.max(0.0) / self.ds;
        let k = x.floor() as usize;
        let f = x - k as f64;
        let at = |k: usize| self.nominal[(p + n - k % n) % n];
        at(k) * (1.0 - f) + at(k + 1) * f
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_merge_only_in_the_same_direction() {
        let runs = vec![(0, 10, true), (20, 30, true), (35, 40, false), (100, 110, false)];
        assert_eq!(merge_runs(runs, 10), vec![(0, 30, true), (35, 40, false), (100, 110, false)]);
    }

    #[test]
    fn plans_are_deterministic_and_mistakes_do_not_shift_the_draws() {
        let corner = Corner { left: true, entry: 0, apex: 5, exit: 10, slowest: 5, braking_points: Some(30) };
        let corners = vec![corner.clone(), corner];
        let with = plan_laps(&DriverModel::default(), &corners, 30, 7);
        let again = plan_laps(&DriverModel::default(), &corners, 30, 7);
        let without = plan_laps(&DriverModel { mistake_probability: 0.0, ..DriverModel::default() }, &corners, 30, 7);
        let mistakes = with.iter().filter(|p| p.mistake.is_some()).count();
        assert!((4..=20).contains(&mistakes), "{mistakes}");
        for ((a, b), c) in with.iter().zip(&again).zip(&without) {
            assert_eq!(a.min_speed_frac, b.min_speed_frac);
            assert_eq!(a.mistake, b.mistake);
            assert_eq!(a.min_speed_frac, c.min_speed_frac);
            assert_eq!(a.brake_early_m, c.brake_early_m);
            assert!(c.mistake.is_none());
            for f in &a.min_speed_frac {
                assert!((0.97..=1.0).contains(f));
            }
        }
    }
}
