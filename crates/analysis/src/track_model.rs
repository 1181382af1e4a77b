//! The track model: a centre line with distance along it, the track length, the start line, sector
//! boundaries and the corners, saved per track so later sessions reuse and refine it.
//!
//! Method: with positions, the model is the average of every valid lap's position at each grid distance
//! (lap distance is the coordinate, so laps line up), smoothed with a periodic Gaussian of
//! [`SMOOTH_SIGMA_M`]; heading comes from central differences of the smoothed line and curvature from the
//! change of heading over the arc length between points. Without positions, each lap is dead-reckoned from
//! its speed and heading (the yaw channel, or the heading integrated from lateral acceleration, `ψ' = a_y /
//! v²`), averaged, and its closing error spread linearly along the lap; curvature then comes from the
//! lateral acceleration (`κ = a_y / v²`) where the car is fast enough for it to mean something. The
//! closing gap before any correction is kept as a quality figure: a model of a closed circuit closes.
//!
//! Reuse: a saved model of the same track (lengths within [`SAME_TRACK_TOLERANCE`]) is merged with the new
//! laps weighted by lap count; its start line, corners (so their numbers never change) and sector
//! boundaries are kept, and the boundary intervals are narrowed by the new session's evidence.

use std::path::Path;

use racecraft_core::signal::smooth_periodic;
use serde::{Deserialize, Serialize};

use crate::corners::Corner;
use crate::error::{Error, Result};
use crate::laps::StartLine;
use crate::trace::LapTrace;

/// Smoothing of the averaged line, metres.
pub const SMOOTH_SIGMA_M: f64 = 4.0;
/// Smoothing of the curvature before corner detection, metres.
pub const CURVATURE_SIGMA_M: f64 = 8.0;
/// Two lengths within this fraction are the same track.
pub const SAME_TRACK_TOLERANCE: f64 = 0.01;
/// Version of the saved JSON.
pub const MODEL_VERSION: u32 = 1;
/// Below this speed lateral acceleration says nothing useful about curvature, m/s.
const MIN_SPEED_FOR_CURVATURE_MPS: f32 = 8.0;

/// Where the model's geometry came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum GeometrySource {
    /// Averaged positions.
    #[default]
    Positions,
    /// Dead reckoning from speed and heading; curvature from lateral acceleration.
    DeadReckoning,
    /// No positions and no heading: curvature from lateral acceleration only, no line.
    LateralAcceleration,
}

/// A track model. Point `k` of `points` and `curvature_per_m` is at lap distance `k * step_m`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(default)]
pub struct TrackModel {
    /// Format version ([`MODEL_VERSION`]).
    pub version: u32,
    /// Track name as the source reports it.
    pub track: String,
    /// Lap length, metres.
    pub length_m: f64,
    /// Distance between points, metres.
    pub step_m: f64,
    /// Smoothed centre line, `[x_m, y_m]` (empty without geometry); periodic, the start line at point 0.
    pub points: Vec<[f32; 2]>,
    /// Signed curvature, 1/m, positive turning left, smoothed over [`CURVATURE_SIGMA_M`].
    pub curvature_per_m: Vec<f32>,
    /// Where the geometry came from.
    pub geometry: GeometrySource,
    /// The start line, when positions are known.
    pub start_line: Option<StartLine>,
    /// Gap between the averaged line's end and its start before smoothing, metres.
    pub closure_m: f64,
    /// Inner sector boundaries as `[lo_m, hi_m]` intervals known to contain them.
    pub sector_intervals_m: Vec<[f64; 2]>,
    /// Corners in driving order.
    pub corners: Vec<Corner>,
    /// Laps that went into the model, over all sessions.
    pub laps_used: u32,
}

impl TrackModel {
    /// Inner sector boundary distances (the middle of each known interval), metres.
    pub fn sector_boundaries_m(&self) -> Vec<f64> {
        self.sector_intervals_m.iter().map(|[lo, hi]| 0.5 * (lo + hi)).collect()
    }

    /// The model as JSON.
    pub fn to_json(&self) -> Result<String> {
        serde_json::to_string(self).map_err(Error::Json)
    }

    /// A model from JSON.
    pub fn from_json(text: &str) -> Result<TrackModel> {
        let model: TrackModel = serde_json::from_str(text).map_err(Error::Json)?;
        if model.version > MODEL_VERSION {
            return Err(Error::ModelVersion(model.version));
        }
        if !(model.length_m.is_finite() && model.length_m > 0.0 && model.step_m > 0.0) {
            return Err(Error::InvalidModel("length and step must be positive"));
        }
        if !model.points.is_empty() && model.points.len() != model.curvature_per_m.len() {
            return Err(Error::InvalidModel("points and curvature differ in length"));
        }
        Ok(model)
    }

    /// Writes the model as JSON to `path`.
    pub fn save(&self, path: &Path) -> Result<()> {
        let text = self.to_json()?;
        std::fs::write(path, text).map_err(|source| Error::Io { path: path.to_owned(), source })
    }

    /// Reads a model saved with [`TrackModel::save`].
    pub fn load(path: &Path) -> Result<TrackModel> {
        let text = std::fs::read_to_string(path).map_err(|source| Error::Io { path: path.to_owned(), source })?;
        TrackModel::from_json(&text)
    }

    /// Curvature at lap distance `d_m` (nearest point), 1/m.
    pub fn curvature_at(&self, d_m: f64) -> f64 {
        let n = self.curvature_per_m.len();
        if n == 0 {
            return 0.0;
        }
        let k = ((d_m / self.step_m).round() as i64).rem_euclid(n as i64) as usize;
        f64::from(self.curvature_per_m[k])
    }
}

/// Builds the model's geometry and curvature from the laps' traces (`points` grid points, the last on the
/// finish line, so the periodic model has `points - 1`).
pub(crate) fn build(track: &str, traces: &[&LapTrace], length_m: f64, step_m: f64) -> TrackModel {
    let mut model = TrackModel {
        version: MODEL_VERSION,
        track: track.to_owned(),
        length_m,
        step_m,
        laps_used: traces.len() as u32,
        ..TrackModel::default()
    };
    let Some(first) = traces.first() else { return model };
    let n = first.len().saturating_sub(1);
    if n < 3 {
        return model;
    }
    let has_pos = traces.iter().all(|t| t.x_m.iter().filter(|x| x.is_finite()).count() * 10 >= t.len() * 9);
    let has_yaw = traces.iter().all(|t| t.yaw_rad.iter().filter(|x| x.is_finite()).count() * 10 >= t.len() * 9);
    let has_lat = traces.iter().any(|t| t.acc_lat_g.iter().any(|x| x.is_finite()));
    // Average line over n + 1 points (the last is the finish).
    let mut xs = vec![0.0f64; n + 1];
    let mut ys = vec![0.0f64; n + 1];
    let mut counts = vec![0u32; n + 1];
    if has_pos {
        model.geometry = GeometrySource::Positions;
        for t in traces {
            for k in 0..=n {
                let (x, y) = (t.x_m[k], t.y_m[k]);
                if x.is_finite() && y.is_finite() {
                    xs[k] += f64::from(x);
                    ys[k] += f64::from(y);
                    counts[k] += 1;
                }
            }
        }
    } else if has_yaw || has_lat {
        model.geometry = GeometrySource::DeadReckoning;
        for t in traces {
            let (mut x, mut y, mut psi) = (0.0f64, 0.0f64, 0.0f64);
            for k in 0..=n {
                if k > 0 {
                    psi = if has_yaw {
                        f64::from(t.yaw_rad[k])
                    } else {
                        let (a, v) = (t.acc_lat_g[k], t.speed_mps[k]);
                        let kappa = if a.is_finite() && v > MIN_SPEED_FOR_CURVATURE_MPS {
                            f64::from(a) * racecraft_core::STANDARD_GRAVITY_MPS2 / f64::from(v * v)
                        } else {
                            0.0
                        };
                        psi + kappa * step_m
                    };
                    let h = if has_yaw { 0.5 * (psi + f64::from(t.yaw_rad[k - 1])) } else { psi };
                    if h.is_finite() {
                        x += h.cos() * step_m;
                        y += h.sin() * step_m;
                    }
                } else if has_yaw {
                    psi = f64::from(t.yaw_rad[0]);
                }
                xs[k] += x;
                ys[k] += y;
                counts[k] += 1;
            }
        }
    } else {
        model.geometry = GeometrySource::LateralAcceleration;
    }
    if counts.iter().all(|&c| c > 0) {
        for k in 0..=n {
            xs[k] /= f64::from(counts[k]);
            ys[k] /= f64::from(counts[k]);
        }
        let (gx, gy) = (xs[n] - xs[0], ys[n] - ys[0]);
        model.closure_m = gx.hypot(gy);
        if model.geometry == GeometrySource::DeadReckoning {
            for k in 0..=n {
                let f = k as f64 / n as f64;
                xs[k] -= f * gx;
                ys[k] -= f * gy;
            }
        }
        xs.truncate(n);
        ys.truncate(n);
        let sigma = SMOOTH_SIGMA_M / step_m;
        let xs = smooth_periodic(&xs, sigma);
        let ys = smooth_periodic(&ys, sigma);
        model.points = xs.iter().zip(&ys).map(|(&x, &y)| [x as f32, y as f32]).collect();
        model.start_line = (model.geometry == GeometrySource::Positions).then(|| StartLine {
            x_m: xs[0],
            y_m: ys[0],
            heading_rad: (ys[1] - ys[n - 1]).atan2(xs[1] - xs[n - 1]),
        });
    }
    model.curvature_per_m = if model.geometry == GeometrySource::Positions || (has_yaw && !has_lat) {
        curvature_of_line(&model.points, step_m)
    } else {
        curvature_from_lateral(traces, n)
    };
    model
}

/// Signed curvature of a periodic line, smoothed.
fn curvature_of_line(points: &[[f32; 2]], step_m: f64) -> Vec<f32> {
    let n = points.len();
    if n < 3 {
        return vec![0.0; n];
    }
    let p = |i: usize| [f64::from(points[i % n][0]), f64::from(points[i % n][1])];
    let heading: Vec<f64> = (0..n)
        .map(|i| {
            let (a, b) = (p(i + n - 1), p(i + 1));
            (b[1] - a[1]).atan2(b[0] - a[0])
        })
        .collect();
    let raw: Vec<f64> = (0..n)
        .map(|i| {
            let (a, b) = (p(i + n - 1), p(i + 1));
            let arc = (b[0] - a[0]).hypot(b[1] - a[1]).max(1e-6);
            let turn = crate::trace::wrap(heading[(i + 1) % n] - heading[(i + n - 1) % n]);
            // Heading at i±1 spans two steps of arc.
            turn / arc.max(step_m)
        })
        .collect();
    smooth_periodic(&raw, CURVATURE_SIGMA_M / step_m).into_iter().map(|k| k as f32).collect()
}

/// Curvature from lateral acceleration averaged over laps, `κ = a_y / v²`, smoothed.
fn curvature_from_lateral(traces: &[&LapTrace], n: usize) -> Vec<f32> {
    let mut sum = vec![0.0f64; n];
    let mut count = vec![0u32; n];
    for t in traces {
        for k in 0..n {
            let (a, v) = (t.acc_lat_g[k], t.speed_mps[k]);
            if a.is_finite() && v.is_finite() && v > MIN_SPEED_FOR_CURVATURE_MPS {
                sum[k] += f64::from(a) * racecraft_core::STANDARD_GRAVITY_MPS2 / f64::from(v * v);
                count[k] += 1;
            }
        }
    }
    let raw: Vec<f64> = sum.iter().zip(&count).map(|(s, &c)| if c > 0 { s / f64::from(c) } else { 0.0 }).collect();
    let step = traces.first().map_or(1.0, |t| t.step_m);
    smooth_periodic(&raw, CURVATURE_SIGMA_M / step).into_iter().map(|k| k as f32).collect()
}

/// Merges a saved model into a new one of the same track: geometry weighted by laps, the saved corners,
/// start line and (narrowed) sector intervals kept.
pub(crate) fn merge(saved: &TrackModel, mut new: TrackModel) -> TrackModel {
    let same = saved.length_m > 0.0 && ((new.length_m - saved.length_m) / saved.length_m).abs() <= SAME_TRACK_TOLERANCE;
    if !same {
        return new;
    }
    let n = new.points.len();
    if n > 0 && !saved.points.is_empty() && saved.geometry == new.geometry {
        let (ws, wn) = (f64::from(saved.laps_used), f64::from(new.laps_used));
        let m = saved.points.len();
        for (k, p) in new.points.iter_mut().enumerate() {
            let j = ((k as f64 / n as f64) * m as f64).round() as usize % m;
            let q = saved.points[j];
            for a in 0..2 {
                p[a] = ((f64::from(p[a]) * wn + f64::from(q[a]) * ws) / (wn + ws)) as f32;
            }
        }
        new.curvature_per_m = curvature_of_line(&new.points, new.step_m);
    }
    new.laps_used += saved.laps_used;
    if saved.start_line.is_some() {
        new.start_line = saved.start_line;
    }
    if !saved.corners.is_empty() {
        new.corners = saved.corners.clone();
    }
    if saved.sector_intervals_m.len() == new.sector_intervals_m.len() {
        for (a, b) in new.sector_intervals_m.iter_mut().zip(&saved.sector_intervals_m) {
            let (lo, hi) = (a[0].max(b[0]), a[1].min(b[1]));
            if lo <= hi {
                *a = [lo, hi];
            }
        }
    } else if new.sector_intervals_m.is_empty() {
        new.sector_intervals_m = saved.sector_intervals_m.clone();
    }
    new
}
