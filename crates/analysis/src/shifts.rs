//! Shift points: per gear, the upshift rpm that maximises acceleration, from the session's own data.
//!
//! Method. Each gear's overall ratio is measured as the median of `rpm / speed` in that gear. At full
//! throttle (throttle ≥ [`FULL_THROTTLE`], no brake, clutch out, away from gear changes) a car accelerates
//! at `a = r_g · T(rpm) − d₀ − d₂·v²`: the engine's torque curve `T` through the gear's ratio `r_g`, less
//! rolling resistance and drag (per unit mass). That is linear in the unknowns, so `T` (piecewise linear,
//! knots every [`KNOT_RPM`] rpm, lightly smoothed), `d₀` and `d₂` come from one least-squares fit over all
//! gears, refitted twice without the samples it explains worst (a gear label that lags the real gear, a
//! kerb); using several gears at the same speed is what separates engine from drag. The best upshift out of
//! gear `g` is the first rpm at which gear `g+1`, at the same road speed, gives the higher wheel force
//! `r_{g+1}·T(rpm·r_{g+1}/r_g) ≥ r_g·T(rpm)`; when that never happens below the highest rpm seen in gear
//! `g`, the answer is that rpm (shift at the limit), flagged `at_limit`. Assumes a rear-wheel grip that
//! does not limit the accelerations used (they are the power-limited ones) and a torque curve that does not
//! change through the session; the fit cannot see above the highest rpm the driver used.
//!
//! The driver's own shift rpm per gear is the median of the last rpm before each upshift. The fit reads at
//! most one sample per 10 ms.

use serde::{Deserialize, Serialize};

use crate::columns::Columns;
use crate::laps::median;

/// Throttle that counts as full.
pub const FULL_THROTTLE: f32 = 0.98;
/// Spacing of the torque curve's knots, rpm.
pub const KNOT_RPM: f64 = 250.0;
/// Samples this soon after a gear change are left out of the fit, seconds.
pub const AFTER_SHIFT_S: f64 = 0.25;
/// The fit reads at most this many samples, evenly spread over the session.
pub const MAX_FIT_SAMPLES: usize = 20_000;
/// Samples further than this many robust deviations from the first fits are left out of the final fit.
pub const TRIM_SIGMAS: f64 = 3.0;
const G: f64 = racecraft_core::STANDARD_GRAVITY_MPS2;

/// The upshift out of one gear.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ShiftAdvice {
    /// The gear shifted out of.
    pub gear: u8,
    /// The rpm that maximises acceleration.
    pub optimal_rpm: f64,
    /// The optimum is the highest rpm seen in this gear: the next gear never pulls harder in the data.
    pub at_limit: bool,
    /// The driver's median shift rpm out of this gear; `None` if never seen.
    pub driver_rpm: Option<f64>,
    /// Upshifts out of this gear seen.
    pub upshifts: usize,
}

/// Shift analysis of a session.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ShiftAnalysis {
    /// Measured `rpm / speed` per gear (index 0 = first gear), rpm per m/s; 0 when never used.
    pub gear_ratios_rpm_per_mps: Vec<f64>,
    /// Per gear, from first to the second-highest gear used.
    pub shifts: Vec<ShiftAdvice>,
    /// Full-throttle samples in the fit.
    pub samples: usize,
    /// Relative torque curve `[rpm, torque]` (arbitrary scale) at the knots.
    pub torque_curve: Vec<[f64; 2]>,
}

fn ok(x: f32) -> Option<f64> {
    x.is_finite().then_some(f64::from(x))
}

/// Shift points from the session.
pub(crate) fn shift_analysis(c: &Columns) -> ShiftAnalysis {
    let n = c.len();
    let clutch_out = |i: usize| !c.clutch[i].is_finite() || c.clutch[i] <= 0.05;
    let gear_of = |i: usize| ok(c.gear[i]).filter(|g| *g >= 1.0 && *g <= 12.0).map(|g| g as usize);
    // Ratios.
    let mut per_gear: Vec<Vec<f64>> = vec![Vec::new(); 13];
    // A median of a constant per gear: every 4th sample is plenty.
    for i in (0..n).step_by(4 * c.stats_stride) {
        if let (Some(g), Some(r), Some(v)) = (gear_of(i), ok(c.rpm[i]), ok(c.speed[i]))
            && v > 5.0
            && clutch_out(i)
        {
            per_gear[g].push(r / v);
        }
    }
    let ratios: Vec<f64> =
        (1..=12).map(|g| if per_gear[g].len() >= 20 { median(&mut per_gear[g]) } else { 0.0 }).collect();
    let top = ratios.iter().rposition(|r| *r > 0.0).map_or(0, |i| i + 1);
    let mut out = ShiftAnalysis { gear_ratios_rpm_per_mps: ratios[..top].to_vec(), ..ShiftAnalysis::default() };
    if top < 2 {
        return out;
    }
    // Driver's upshifts, each gear's highest rpm, and the time since the last gear change, on the samples
    // the statistics read.
    let stride = c.stats_stride;
    let mut driver: Vec<Vec<f64>> = vec![Vec::new(); 13];
    let mut max_rpm = [0.0f64; 13];
    let mut last_change = f64::NEG_INFINITY;
    let mut since_change = vec![f64::INFINITY; n.div_ceil(stride)];
    let mut prev: Option<(usize, usize)> = None; // (sample, gear)
    for (s, i) in (0..n).step_by(stride).enumerate() {
        let g = gear_of(i);
        if let (Some(g), Some((j, p))) = (g, prev)
            && g != p
        {
            // The change happened between samples j and i: find it at full rate for the rpm just before.
            let k = (j + 1..=i).find(|&k| gear_of(k).is_some_and(|x| x != p)).unwrap_or(i);
            last_change = c.t_s[k];
            if g == p + 1
                && let Some(r) = ok(c.rpm[k - 1])
            {
                driver[p].push(r);
            }
        }
        if let (Some(g), Some(r)) = (g, ok(c.rpm[i])) {
            max_rpm[g] = max_rpm[g].max(r);
        }
        if let Some(g) = g {
            prev = Some((i, g));
        }
        since_change[s] = c.t_s[i] - last_change;
    }
    // The fit.
    let usable = |i: usize| -> Option<(f64, f64, f64, f64)> {
        let g = gear_of(i)?;
        let r_g = *ratios.get(g - 1).filter(|r| **r > 0.0)?;
        let (rpm, v, a) = (ok(c.rpm[i])?, ok(c.speed[i])?, ok(c.acc_long[i])?);
        let full = c.throttle[i] >= FULL_THROTTLE && (c.brake[i].is_nan() || c.brake[i] <= 0.02) && clutch_out(i);
        (full && v > 5.0 && since_change[i / stride] > AFTER_SHIFT_S).then_some((r_g, rpm, v, a * G))
    };
    let obs: Vec<(f64, f64, f64, f64)> = (0..n).step_by(stride).filter_map(usable).collect();
    let (mut lo, mut hi) = (f64::INFINITY, 0.0f64);
    for &(_, rpm, _, _) in &obs {
        lo = lo.min(rpm);
        hi = hi.max(rpm);
    }
    if hi.is_nan() || hi <= lo {
        return out;
    }
    let k0 = (lo / KNOT_RPM).floor() * KNOT_RPM;
    let knots = ((hi - k0) / KNOT_RPM).ceil() as usize + 1;
    let m = knots + 2;
    out.samples = obs.len();
    if obs.len() < 50 {
        return out;
    }
    // Fit, then refit without the samples the fit explains worst (a mislabelled gear, a kerb, a bump),
    // keeping those within TRIM_SIGMAS robust deviations.
    // More than MAX_FIT_SAMPLES evenly spread samples only add time.
    let every = obs.len().div_ceil(MAX_FIT_SAMPLES);
    let obs: Vec<(f64, f64, f64, f64)> = obs.into_iter().step_by(every).collect();
    let mut keep = vec![true; obs.len()];
    let mut residuals = vec![0.0f64; obs.len()];
    let mut scratch = Vec::with_capacity(obs.len());
    let mut sol = Vec::new();
    for round in 0..3 {
        let Some(x) = fit(&obs, &keep, k0, knots, m) else { return out };
        sol = x;
        if round == 2 {
            break;
        }
        for (r, o) in residuals.iter_mut().zip(&obs) {
            *r = (o.3 - predict(&sol, k0, knots, o)).abs();
        }
        scratch.clear();
        scratch.extend_from_slice(&residuals);
        let sigma = 1.4826 * median(&mut scratch);
        if sigma.is_nan() || sigma <= 0.0 {
            break;
        }
        for (k, r) in keep.iter_mut().zip(&residuals) {
            *k = *r <= TRIM_SIGMAS * sigma;
        }
    }
    let torque = |rpm: f64| {
        let x = ((rpm - k0) / KNOT_RPM).clamp(0.0, (knots - 1) as f64);
        let k = (x.floor() as usize).min(knots.saturating_sub(2));
        let f = x - k as f64;
        sol[k] * (1.0 - f) + sol[(k + 1).min(knots - 1)] * f
    };
    out.torque_curve = (0..knots).map(|k| [k0 + k as f64 * KNOT_RPM, sol[k]]).collect();
    for g in 1..top {
        let (r0, r1) = (ratios[g - 1], ratios[g]);
        if r0 <= 0.0 || r1 <= 0.0 || max_rpm[g] <= 0.0 {
            continue;
        }
        let limit = max_rpm[g].min(hi);
        let mut rpm = (0.5 * limit).max(k0);
        let mut found = None;
        while rpm <= limit {
            if r1 * torque(rpm * r1 / r0) >= r0 * torque(rpm) {
                found = Some(rpm);
                break;
            }
            rpm += 10.0;
        }
        let upshifts = driver[g].len();
        out.shifts.push(ShiftAdvice {
            gear: g as u8,
            optimal_rpm: found.unwrap_or(limit),
            at_limit: found.is_none(),
            driver_rpm: (upshifts > 0).then(|| median(&mut driver[g])),
            upshifts,
        });
    }
    out
}

/// Acceleration the fitted model predicts for an observation `(r_g, rpm, v, a)`.
fn predict(x: &[f64], k0: f64, knots: usize, o: &(f64, f64, f64, f64)) -> f64 {
    let (r_g, rpm, v, _) = *o;
    let t = (rpm - k0) / KNOT_RPM;
    let t = t.clamp(0.0, (knots - 1) as f64);
    let k = (t.floor() as usize).min(knots.saturating_sub(2));
    let f = t - k as f64;
    r_g * (x[k] * (1.0 - f) + x[(k + 1).min(knots - 1)] * f) - x[knots] - x[knots + 1] * v * v
}

/// Least squares over the kept observations: normal equations with light second-difference smoothing of
/// the torque curve.
fn fit(obs: &[(f64, f64, f64, f64)], keep: &[bool], k0: f64, knots: usize, m: usize) -> Option<Vec<f64>> {
    let mut ata = vec![0.0f64; m * m];
    let mut atb = vec![0.0f64; m];
    for (&(r_g, rpm, v, a), _) in obs.iter().zip(keep).filter(|(_, k)| **k) {
        let x = ((rpm - k0) / KNOT_RPM).clamp(0.0, (knots - 1) as f64);
        let k = (x.floor() as usize).min(knots.saturating_sub(2));
        let f = x - k as f64;
        let row = [(k, r_g * (1.0 - f)), ((k + 1).min(knots - 1), r_g * f), (knots, -1.0), (knots + 1, -v * v)];
        for &(p, vp) in &row {
            atb[p] += vp * a;
            for &(q, vq) in &row {
                ata[p * m + q] += vp * vq;
            }
        }
    }
    let scale = (0..knots).map(|k| ata[k * m + k]).sum::<f64>() / knots as f64;
    let lambda = 1e-4 * scale;
    for k in 1..knots.saturating_sub(1) {
        let idx = [(k - 1, 1.0), (k, -2.0), (k + 1, 1.0)];
        for &(p, vp) in &idx {
            for &(q, vq) in &idx {
                ata[p * m + q] += lambda * vp * vq;
            }
        }
    }
    for p in 0..m {
        ata[p * m + p] += 1e-9 * (ata[p * m + p].abs() + 1.0);
    }
    solve(&mut ata, &mut atb, m)
}

/// Solves the dense `m × m` system in place (Gaussian elimination with partial pivoting).
fn solve(a: &mut [f64], b: &mut [f64], m: usize) -> Option<Vec<f64>> {
    for col in 0..m {
        let pivot = (col..m).max_by(|&x, &y| a[x * m + col].abs().total_cmp(&a[y * m + col].abs()))?;
        if a[pivot * m + col].abs() < 1e-300 {
            return None;
        }
        if pivot != col {
            for k in 0..m {
                a.swap(pivot * m + k, col * m + k);
            }
            b.swap(pivot, col);
        }
        for row in col + 1..m {
            let factor = a[row * m + col] / a[col * m + col];
            if factor != 0.0 {
                for k in col..m {
                    a[row * m + k] -= factor * a[col * m + k];
                }
                b[row] -= factor * b[col];
            }
        }
    }
    let mut x = vec![0.0; m];
    for row in (0..m).rev() {
        let s: f64 = (row + 1..m).map(|k| a[row * m + k] * x[k]).sum();
        x[row] = (b[row] - s) / a[row * m + row];
    }
    x.iter().all(|v| v.is_finite()).then_some(x)
}
