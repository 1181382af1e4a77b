//! Delta time and where it was lost.
//!
//! Method: both laps are on the same distance grid, so the delta at grid point `k` is `t_lap(k) −
//! t_ref(k)`: positive means slower. It is 0 at the start line (both times are 0 there) and equals the
//! lap-time difference at the finish (both are pinned to their lap times). The loss over a stretch is the
//! delta at its end minus the delta at its start; corner zones and the straights between them partition
//! the lap, so the losses telescope to the total difference exactly.

use serde::{Deserialize, Serialize};

use crate::corners::CornerZone;
use crate::trace::LapTrace;

/// One point of a delta trace.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct DeltaPoint {
    /// Lap distance, metres.
    pub distance_m: f64,
    /// `t_lap − t_ref` at that distance, seconds (positive = slower).
    pub delta_s: f64,
}

/// What a stretch of lap is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Stretch {
    /// A corner's zone.
    Corner {
        /// The corner's number.
        corner: u32,
    },
    /// A straight; `after` is the corner it follows (`None` from the start line to the first corner).
    Straight {
        /// The corner before it.
        after: Option<u32>,
    },
}

impl std::fmt::Display for Stretch {
    /// `Turn 4`, `start straight`, `straight after T4`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Stretch::Corner { corner } => write!(f, "Turn {corner}"),
            Stretch::Straight { after: None } => f.write_str("start straight"),
            Stretch::Straight { after: Some(c) } => write!(f, "straight after T{c}"),
        }
    }
}

/// Time lost over one stretch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct StretchLoss {
    /// Corner or straight.
    #[serde(flatten)]
    pub stretch: Stretch,
    /// Where it starts, metres.
    pub start_m: f64,
    /// Where it ends, metres.
    pub end_m: f64,
    /// Time lost against the reference, seconds (negative = gained).
    pub loss_s: f64,
}

/// The delta at every grid point of `lap` against `reference` (same grid).
pub fn delta_trace(lap: &LapTrace, reference: &LapTrace) -> Vec<f64> {
    lap.t_s.iter().zip(&reference.t_s).map(|(a, b)| a - b).collect()
}

/// `delta` at `points` evenly spaced distances (the first and the last always included).
pub fn decimate(delta: &[f64], step_m: f64, points: usize) -> Vec<DeltaPoint> {
    let n = delta.len();
    if n == 0 || points == 0 {
        return Vec::new();
    }
    let points = points.clamp(2, n.max(2));
    (0..points)
        .map(|i| {
            let k = if n == 1 { 0 } else { (i * (n - 1) + (points - 1) / 2) / (points - 1) };
            let k = k.min(n - 1);
            DeltaPoint { distance_m: k as f64 * step_m, delta_s: delta[k] }
        })
        .collect()
}

/// The lap as stretches: a straight, then each corner's zone and the straight after it.
pub fn stretches(zones: &[CornerZone], length_m: f64) -> Vec<(Stretch, f64, f64)> {
    let mut out = Vec::with_capacity(2 * zones.len() + 1);
    let mut at = 0.0;
    let mut after = None;
    for z in zones {
        let start = z.start_m.clamp(at, length_m);
        let end = z.end_m.clamp(start, length_m);
        out.push((Stretch::Straight { after }, at, start));
        out.push((Stretch::Corner { corner: z.corner }, start, end));
        at = end;
        after = Some(z.corner);
    }
    out.push((Stretch::Straight { after }, at, length_m));
    out
}

/// Losses over each stretch of `lap` against `reference`.
pub fn stretch_losses(lap: &LapTrace, reference: &LapTrace, zones: &[CornerZone]) -> Vec<StretchLoss> {
    let length = lap.step_m * lap.len().saturating_sub(1) as f64;
    stretches(zones, length)
        .into_iter()
        .map(|(stretch, start_m, end_m)| {
            let d = |x: f64| lap.time_at(x) - reference.time_at(x);
            StretchLoss { stretch, start_m, end_m, loss_s: d(end_m) - d(start_m) }
        })
        .collect()
}
