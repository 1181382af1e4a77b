//! Consistency: how much lap times and corners vary.
//!
//! Method: over the valid laps (all complete laps when none is valid), the mean, standard deviation and
//! spread of lap times; per corner, the standard deviation of its segment time and of its minimum speed,
//! ranked by segment-time variation (the corners where the lap time is won and lost from lap to lap).

use serde::{Deserialize, Serialize};

use crate::metrics::CornerMetrics;

/// Lap-time spread and the corners that vary most.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Consistency {
    /// Laps counted.
    pub laps: usize,
    /// Mean lap time, seconds.
    pub mean_lap_s: f64,
    /// Standard deviation of lap time, seconds.
    pub std_lap_s: f64,
    /// Slowest minus fastest, seconds.
    pub spread_s: f64,
    /// Corners, most variable first.
    pub corners: Vec<CornerConsistency>,
}

/// How one corner varies from lap to lap.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CornerConsistency {
    /// The corner's number.
    pub corner: u32,
    /// Standard deviation of the segment time, seconds.
    pub segment_std_s: f64,
    /// Standard deviation of the minimum speed, m/s.
    pub min_speed_std_mps: f64,
    /// Standard deviation of the braking point, metres (0 when never braked).
    pub braking_point_std_m: f64,
}

fn mean_std(values: impl Iterator<Item = f64> + Clone) -> (f64, f64) {
    let n = values.clone().count();
    if n == 0 {
        return (f64::NAN, f64::NAN);
    }
    let mean = values.clone().sum::<f64>() / n as f64;
    let var = values.map(|x| (x - mean).powi(2)).sum::<f64>() / n as f64;
    (mean, var.sqrt())
}

/// Consistency over `lap_times` (the counted laps) and their corner metrics.
pub(crate) fn consistency(lap_times: &[(u32, f64)], metrics: &[CornerMetrics], corners: &[u32]) -> Consistency {
    let (mean, std) = mean_std(lap_times.iter().map(|l| l.1));
    let max = lap_times.iter().map(|l| l.1).fold(f64::NEG_INFINITY, f64::max);
    let min = lap_times.iter().map(|l| l.1).fold(f64::INFINITY, f64::min);
    let counted = |m: &&CornerMetrics| lap_times.iter().any(|l| l.0 == m.lap_number);
    let mut per_corner: Vec<CornerConsistency> = corners
        .iter()
        .map(|&c| {
            let ms = metrics.iter().filter(|m| m.corner == c).filter(counted);
            let (_, seg) = mean_std(ms.clone().map(|m| m.segment_time_s));
            let (_, vmin) = mean_std(ms.clone().map(|m| m.min_speed_mps));
            let (_, bp) = mean_std(ms.filter_map(|m| m.braking_point_m));
            CornerConsistency {
                corner: c,
                segment_std_s: seg,
                min_speed_std_mps: vmin,
                braking_point_std_m: if bp.is_finite() { bp } else { 0.0 },
            }
        })
        .collect();
    per_corner.sort_by(|a, b| b.segment_std_s.total_cmp(&a.segment_std_s));
    Consistency {
        laps: lap_times.len(),
        mean_lap_s: mean,
        std_lap_s: std,
        spread_s: if lap_times.is_empty() { f64::NAN } else { max - min },
        corners: per_corner,
    }
}
