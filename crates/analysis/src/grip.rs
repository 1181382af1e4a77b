//! The grip envelope: the G-G diagram binned by speed.
//!
//! Method: every sample with lateral and longitudinal acceleration, at more than [`MIN_SPEED_MPS`], goes
//! into a speed bin [`BIN_MPS`] wide. Per bin: percentiles of the combined acceleration
//! `√(lat² + long²)`, and the [`USABLE_PERCENTILE`] of lateral, braking and driving acceleration. The car's
//! usable grip at a speed is that percentile of the combined acceleration in its bin (so a single spike
//! does not count as grip), interpolated between bin centres; bins with fewer than [`MIN_BIN_SAMPLES`]
//! samples borrow from their neighbours. At high rates only one sample per `STATS_PERIOD_S` (10 ms) is read. Assumes the session contains some laps near the limit: the
//! envelope is what this car did today, not what it could do.

use serde::{Deserialize, Serialize};

use crate::columns::Columns;

/// Width of a speed bin, m/s.
pub const BIN_MPS: f64 = 5.0;
/// Slower samples say little about grip, m/s.
pub const MIN_SPEED_MPS: f64 = 5.0;
/// The percentile taken as usable grip.
pub const USABLE_PERCENTILE: f64 = 0.99;
/// A bin with fewer samples is filled from its neighbours.
pub const MIN_BIN_SAMPLES: usize = 20;

/// One speed bin of the G-G diagram.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct GripBin {
    /// Lower edge of the bin, m/s.
    pub speed_from_mps: f64,
    /// Upper edge, m/s.
    pub speed_to_mps: f64,
    /// Samples in the bin.
    pub samples: usize,
    /// Median combined acceleration, g.
    pub combined_p50_g: f64,
    /// 90th percentile of combined acceleration, g.
    pub combined_p90_g: f64,
    /// Usable grip: the [`USABLE_PERCENTILE`] of combined acceleration, g.
    pub usable_g: f64,
    /// The same percentile of |lateral|, g.
    pub lateral_g: f64,
    /// The same percentile of braking (−longitudinal), g.
    pub braking_g: f64,
    /// The same percentile of driving (+longitudinal), g.
    pub driving_g: f64,
}

/// The grip envelope of a session.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct GripEnvelope {
    /// Bins in increasing speed.
    pub bins: Vec<GripBin>,
    /// Usable grip over all speeds: the highest of the well-filled bins, g.
    pub usable_g: f64,
}

impl GripEnvelope {
    /// Usable grip at `speed_mps`, g (interpolated between bin centres; 0 without data).
    pub fn usable_g(&self, speed_mps: f64) -> f64 {
        let bins = &self.bins;
        if bins.is_empty() || !speed_mps.is_finite() {
            return self.usable_g;
        }
        let centre = |b: &GripBin| 0.5 * (b.speed_from_mps + b.speed_to_mps);
        if speed_mps <= centre(&bins[0]) {
            return bins[0].usable_g;
        }
        for w in bins.windows(2) {
            let (c0, c1) = (centre(&w[0]), centre(&w[1]));
            if speed_mps <= c1 {
                let f = (speed_mps - c0) / (c1 - c0);
                return w[0].usable_g + f * (w[1].usable_g - w[0].usable_g);
            }
        }
        bins[bins.len() - 1].usable_g
    }
}

fn percentile(values: &mut [f32], p: f64) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    let k = ((values.len() - 1) as f64 * p).round() as usize;
    let (_, v, _) = values.select_nth_unstable_by(k, f32::total_cmp);
    f64::from(*v)
}

/// The envelope from every sample of the session.
pub(crate) fn envelope(c: &Columns) -> GripEnvelope {
    let max_speed = c.speed.iter().filter(|v| v.is_finite()).fold(0.0f32, |m, &v| m.max(v));
    // Speeds are bounded where they are read (crate::limits); the cap keeps this safe on its own too.
    let nbins = ((f64::from(max_speed) / BIN_MPS).floor().min(199.0) as usize) + 1;
    let mut combined: Vec<Vec<f32>> = vec![Vec::new(); nbins];
    let mut lat: Vec<Vec<f32>> = vec![Vec::new(); nbins];
    let mut long: Vec<Vec<f32>> = vec![Vec::new(); nbins];
    for i in (0..c.len()).step_by(c.stats_stride) {
        let (v, a, l) = (c.speed[i], c.acc_lat[i], c.acc_long[i]);
        if !(v.is_finite() && a.is_finite() && l.is_finite()) || f64::from(v) < MIN_SPEED_MPS {
            continue;
        }
        let b = ((f64::from(v) / BIN_MPS) as usize).min(nbins - 1);
        let g = (a * a + l * l).sqrt();
        combined[b].push(g);
        lat[b].push(a.abs());
        long[b].push(l);
    }
    let mut bins = Vec::new();
    for b in 0..nbins {
        if combined[b].is_empty() {
            continue;
        }
        let samples = combined[b].len();
        let usable = percentile(&mut combined[b], USABLE_PERCENTILE);
        let p50 = percentile(&mut combined[b], 0.5);
        let p90 = percentile(&mut combined[b], 0.9);
        let lateral = percentile(&mut lat[b], USABLE_PERCENTILE);
        let driving = percentile(&mut long[b], USABLE_PERCENTILE).max(0.0);
        let braking = (-percentile(&mut long[b], 1.0 - USABLE_PERCENTILE)).max(0.0);
        bins.push(GripBin {
            speed_from_mps: b as f64 * BIN_MPS,
            speed_to_mps: (b + 1) as f64 * BIN_MPS,
            samples,
            combined_p50_g: p50,
            combined_p90_g: p90,
            usable_g: usable,
            lateral_g: lateral,
            braking_g: braking,
            driving_g: driving,
        });
    }
    // Over all speeds: the best well-filled bin (any bin when none is well filled).
    let best = |well_filled: bool| {
        bins.iter().filter(|b| !well_filled || b.samples >= MIN_BIN_SAMPLES).map(|b| b.usable_g).fold(0.0, f64::max)
    };
    let usable_all = if bins.iter().any(|b| b.samples >= MIN_BIN_SAMPLES) { best(true) } else { best(false) };
    // Sparse bins borrow the usable grip of the nearest well-filled bin.
    let full: Vec<(usize, f64)> =
        bins.iter().enumerate().filter(|(_, b)| b.samples >= MIN_BIN_SAMPLES).map(|(i, b)| (i, b.usable_g)).collect();
    if !full.is_empty() {
        for i in 0..bins.len() {
            if bins[i].samples < MIN_BIN_SAMPLES {
                let nearest = full.iter().min_by_key(|(j, _)| j.abs_diff(i)).map_or(usable_all, |(_, g)| *g);
                bins[i].usable_g = nearest;
            }
        }
    }
    GripEnvelope { bins, usable_g: usable_all }
}
