//! Laps on a distance grid.
//!
//! Method: every sample inside a lap gets a lap distance, from the game's `lap_dist_m` when it publishes
//! one (samples that still carry the previous lap's distance just after the line, or that go backwards,
//! are dropped), else from the path length of the positions, else from integrated speed; the last two are
//! scaled so that the lap ends at the track length. Each lap is then resampled once onto the same grid
//! (`length / round(length / step)` apart, point 0 on the start line and the last point on the finish),
//! linearly between samples, with the lap's time pinned to 0 at the start and to its lap time at the end.
//! Delta, corners, metrics and the track model all read this grid.

use crate::columns::Columns;
use crate::laps::Lap;

/// One lap resampled onto the session's distance grid. Column `k` holds the value at `k * step_m`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LapTrace {
    /// The lap's number.
    pub lap_number: u32,
    /// Grid step, metres.
    pub step_m: f64,
    /// Time since the lap started, seconds.
    pub t_s: Vec<f64>,
    /// Speed, m/s.
    pub speed_mps: Vec<f32>,
    /// Throttle, 0..1.
    pub throttle: Vec<f32>,
    /// Brake, 0..1.
    pub brake: Vec<f32>,
    /// Gear (the sample's gear before the grid point, not interpolated).
    pub gear: Vec<f32>,
    /// Engine speed, rpm.
    pub rpm: Vec<f32>,
    /// Lateral acceleration, g, positive to the left.
    pub acc_lat_g: Vec<f32>,
    /// Longitudinal acceleration, g.
    pub acc_long_g: Vec<f32>,
    /// Position x, metres.
    pub x_m: Vec<f32>,
    /// Position y, metres.
    pub y_m: Vec<f32>,
    /// Heading, radians, continuous along the lap.
    pub yaw_rad: Vec<f32>,
}

impl LapTrace {
    /// Number of grid points.
    pub fn len(&self) -> usize {
        self.t_s.len()
    }

    /// Whether the trace is empty.
    pub fn is_empty(&self) -> bool {
        self.t_s.is_empty()
    }

    /// The lap's time at distance `d_m`, linear between grid points.
    pub fn time_at(&self, d_m: f64) -> f64 {
        let n = self.t_s.len();
        if n == 0 {
            return f64::NAN;
        }
        let x = (d_m / self.step_m).clamp(0.0, (n - 1) as f64);
        let k = (x.floor() as usize).min(n.saturating_sub(2));
        let f = x - k as f64;
        if n == 1 { self.t_s[0] } else { self.t_s[k] + f * (self.t_s[k + 1] - self.t_s[k]) }
    }

    /// Grid index nearest to `d_m`.
    pub fn index_of(&self, d_m: f64) -> usize {
        ((d_m / self.step_m).round().max(0.0) as usize).min(self.len().saturating_sub(1))
    }
}

fn finite(x: f32) -> Option<f64> {
    x.is_finite().then_some(f64::from(x))
}

/// Raw lap distances of every sample (NaN outside complete laps) before scaling, and each lap's raw length.
/// With the game's lap distance the raw length is `None` (it is the track's by definition).
pub(crate) fn raw_distances(c: &Columns, laps: &[Lap], game_length_m: Option<f64>) -> (Vec<f64>, Vec<Option<f64>>) {
    let mut dist = vec![f64::NAN; c.len()];
    let mut lengths = Vec::with_capacity(laps.len());
    let positions = c.has_positions();
    for lap in laps {
        let (a, b) = (lap.first, lap.end);
        let with_dist = (a..b).filter(|&i| c.lap_dist[i].is_finite()).count();
        if let Some(l) = game_length_m
            && with_dist * 10 >= (b - a) * 9
        {
            let mut max = 0.0f64;
            for i in a..b {
                let Some(d) = finite(c.lap_dist[i]) else { continue };
                // Stale distance from the previous lap just after the line, or going backwards.
                if (max < 0.5 * l && d > 0.75 * l) || d < max {
                    continue;
                }
                max = d;
                dist[i] = d.min(l);
            }
            lengths.push(None);
            continue;
        }
        // Path length of the positions, or integrated speed, from the crossing.
        let v0 = finite(c.speed[a]).unwrap_or(0.0);
        let mut d = v0 * (c.t_s[a] - lap.start_s).max(0.0);
        dist[a] = d;
        for i in a + 1..b {
            let step = if positions
                && let (Some(x0), Some(y0), Some(x1), Some(y1)) =
                    (finite(c.pos_x[i - 1]), finite(c.pos_y[i - 1]), finite(c.pos_x[i]), finite(c.pos_y[i]))
            {
                ((x1 - x0).powi(2) + (y1 - y0).powi(2)).sqrt()
            } else {
                let (s0, s1) = (finite(c.speed[i - 1]).unwrap_or(0.0), finite(c.speed[i]).unwrap_or(0.0));
                0.5 * (s0 + s1) * (c.t_s[i] - c.t_s[i - 1])
            };
            d += step;
            dist[i] = d;
        }
        let v1 = if b > a { finite(c.speed[b - 1]).unwrap_or(0.0) } else { 0.0 };
        let tail = if b > a { (lap.start_s + lap.lap_time_s - c.t_s[b - 1]).max(0.0) } else { 0.0 };
        lengths.push(Some(d + v1 * tail));
    }
    (dist, lengths)
}

/// Scales the distances of laps with a raw length so that each ends at `length_m`.
pub(crate) fn scale_distances(dist: &mut [f64], laps: &[Lap], lengths: &[Option<f64>], length_m: f64) {
    for (lap, raw) in laps.iter().zip(lengths) {
        if let Some(raw) = raw
            && *raw > 0.0
        {
            let k = length_m / raw;
            for d in &mut dist[lap.first..lap.end] {
                *d *= k;
            }
        }
    }
}

/// Resamples one lap onto a grid of `points` points `step_m` apart.
pub(crate) fn resample(c: &Columns, dist: &[f64], lap: &Lap, points: usize, step_m: f64) -> LapTrace {
    let mut tr = LapTrace {
        lap_number: lap.lap_number,
        step_m,
        t_s: Vec::with_capacity(points),
        speed_mps: Vec::with_capacity(points),
        throttle: Vec::with_capacity(points),
        brake: Vec::with_capacity(points),
        gear: Vec::with_capacity(points),
        rpm: Vec::with_capacity(points),
        acc_lat_g: Vec::with_capacity(points),
        acc_long_g: Vec::with_capacity(points),
        x_m: Vec::with_capacity(points),
        y_m: Vec::with_capacity(points),
        yaw_rad: Vec::with_capacity(points),
    };
    let length_m = step_m * (points - 1) as f64;
    // `prev` and `next` walk the samples as the grid advances.
    let mut prev: Option<usize> = None; // last sample at or before the grid point
    let mut next = lap.first; // first candidate sample after it
    let mut yaw_offset = 0.0f64;
    let mut last_yaw: Option<f64> = None;
    for j in 0..points {
        let d = if j + 1 == points { length_m } else { j as f64 * step_m };
        while next < lap.end && !(dist[next].is_finite() && dist[next] > d) {
            if dist[next].is_finite() {
                prev = Some(next);
            }
            next += 1;
        }
        let after = (next < lap.end).then_some(next);
        let (d0, t0, i0) = match prev {
            Some(i) => (dist[i], c.t_s[i] - lap.start_s, Some(i)),
            None => (0.0, 0.0, None),
        };
        let (d1, t1, i1) = match after {
            Some(i) => (dist[i], c.t_s[i] - lap.start_s, Some(i)),
            None => (length_m, lap.lap_time_s, None),
        };
        let f = if d1 > d0 { ((d - d0) / (d1 - d0)).clamp(0.0, 1.0) } else { 1.0 };
        let t = if j == 0 {
            0.0
        } else if j + 1 == points {
            lap.lap_time_s
        } else {
            t0 + f * (t1 - t0)
        };
        tr.t_s.push(t);
        // Channel values: between the two samples; at the ends, the nearest sample.
        let (ia, ib) = match (i0, i1) {
            (Some(a), Some(b)) => (a, b),
            (Some(a), None) => (a, a),
            (None, Some(b)) => (b, b),
            (None, None) => (lap.first, lap.first),
        };
        let lerp = |col: &[f32]| -> f32 {
            let (a, b) = (col[ia], col[ib]);
            if ia == ib { a } else { a + (b - a) * f as f32 }
        };
        tr.speed_mps.push(lerp(&c.speed));
        tr.throttle.push(lerp(&c.throttle));
        tr.brake.push(lerp(&c.brake));
        tr.gear.push(if f < 1.0 { c.gear[ia] } else { c.gear[ib] });
        tr.rpm.push(lerp(&c.rpm));
        tr.acc_lat_g.push(lerp(&c.acc_lat));
        tr.acc_long_g.push(lerp(&c.acc_long));
        tr.x_m.push(lerp(&c.pos_x));
        tr.y_m.push(lerp(&c.pos_y));
        // Heading, unwrapped along the lap so it can be interpolated and averaged.
        let (ya, yb) = (f64::from(c.yaw[ia]), f64::from(c.yaw[ib]));
        let yaw = if ya.is_finite() && yb.is_finite() { ya + f * wrap(yb - ya) } else { f64::NAN };
        let unwrapped = match (last_yaw, yaw.is_finite()) {
            (Some(l), true) => {
                let u = yaw + yaw_offset;
                let jump = wrap(u - l) - (u - l);
                yaw_offset += jump;
                yaw + yaw_offset
            }
            (None, true) => yaw,
            (_, false) => f64::NAN,
        };
        if unwrapped.is_finite() {
            last_yaw = Some(unwrapped);
        }
        tr.yaw_rad.push(unwrapped as f32);
    }
    tr
}

/// `trace` (a lap of another session of the same track) moved onto a grid of `points` points `step_m` apart.
///
/// Distances are scaled by the ratio of the two lap lengths (they differ by the two sessions' length estimates,
/// within [`SAME_TRACK_TOLERANCE`](crate::track_model::SAME_TRACK_TOLERANCE)), values are linear between the
/// trace's grid points, gear is the one before the point, and the lap time at the finish is kept exactly.
pub(crate) fn regrid(trace: &LapTrace, points: usize, step_m: f64) -> LapTrace {
    let n = trace.len();
    let mut out = LapTrace { lap_number: trace.lap_number, step_m, ..LapTrace::default() };
    if n < 2 || points < 2 {
        return out;
    }
    let scale = ((n - 1) as f64 * trace.step_m) / ((points - 1) as f64 * step_m);
    let at = |j: usize| -> (usize, f64) {
        let x = (j as f64 * step_m * scale / trace.step_m).clamp(0.0, (n - 1) as f64);
        let k = (x.floor() as usize).min(n - 2);
        (k, x - k as f64)
    };
    let lerp32 = |col: &[f32], k: usize, f: f64| -> f32 { col[k] + (col[k + 1] - col[k]) * f as f32 };
    for j in 0..points {
        let (k, f) = if j + 1 == points { (n - 2, 1.0) } else { at(j) };
        out.t_s.push(trace.t_s[k] + f * (trace.t_s[k + 1] - trace.t_s[k]));
        out.speed_mps.push(lerp32(&trace.speed_mps, k, f));
        out.throttle.push(lerp32(&trace.throttle, k, f));
        out.brake.push(lerp32(&trace.brake, k, f));
        out.gear.push(if f < 1.0 { trace.gear[k] } else { trace.gear[k + 1] });
        out.rpm.push(lerp32(&trace.rpm, k, f));
        out.acc_lat_g.push(lerp32(&trace.acc_lat_g, k, f));
        out.acc_long_g.push(lerp32(&trace.acc_long_g, k, f));
        out.x_m.push(lerp32(&trace.x_m, k, f));
        out.y_m.push(lerp32(&trace.y_m, k, f));
        out.yaw_rad.push(lerp32(&trace.yaw_rad, k, f));
    }
    out
}

/// The angle in (-π, π].
pub(crate) fn wrap(a: f64) -> f64 {
    use std::f64::consts::{PI, TAU};
    if a > -PI && a <= PI {
        return a;
    }
    let r = (a + PI).rem_euclid(TAU) - PI;
    if r <= -PI { r + TAU } else { r }
}
