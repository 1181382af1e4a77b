//! Pit stops: the pit lane as a speed-limited stretch of the race line around the start line, a stop in the
//! box on the line, refuelling and a tyre change.
//!
//! Assumptions: the pit lane runs alongside the main straight and shares the race line's geometry, from
//! [`PIT_LANE_BEFORE_M`] before the line to [`PIT_LANE_AFTER_M`] after it, at [`PIT_LANE_SPEED_MPS`]; the box
//! is on the line, so the car crosses it (and starts the next lap) as it stops, and the time stationary
//! belongs to the out-lap. Stationary for [`STOP_BASE_S`] (jacks, release) plus the longer of refuelling at
//! [`REFUEL_LPS`] and a tyre change ([`TYRE_CHANGE_S`]), which run at the same time.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// Pit-lane speed limit, m/s (80 km/h).
pub const PIT_LANE_SPEED_MPS: f64 = 80.0 / 3.6;
/// Pit lane entry, metres before the line.
pub const PIT_LANE_BEFORE_M: f64 = 300.0;
/// Pit lane exit, metres after the line.
pub const PIT_LANE_AFTER_M: f64 = 300.0;
/// Refuelling rate, litres per second.
pub const REFUEL_LPS: f64 = 2.0;
/// Time stationary for a tyre change, s.
pub const TYRE_CHANGE_S: f64 = 4.0;
/// Time stationary whatever is done, s.
pub const STOP_BASE_S: f64 = 2.0;

/// A planned pit stop.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PitStop {
    /// The stop is at the end of this timed lap (1-based; never the last).
    pub lap: u32,
    /// Fuel added, litres.
    #[serde(default)]
    pub fuel_l: f64,
    /// A new set of tyres is fitted.
    #[serde(default)]
    pub tyres: bool,
}

impl PitStop {
    /// Time stationary in the box, s.
    pub fn stationary_s(&self) -> f64 {
        let tyres = if self.tyres { TYRE_CHANGE_S } else { 0.0 };
        STOP_BASE_S + (self.fuel_l / REFUEL_LPS).max(tyres)
    }
}

/// Checks stops against a session of `laps` timed laps: each after a lap that is not the last, fuel finite
/// and not negative, at most one stop per lap.
pub(crate) fn validate(stops: &[PitStop], laps: u32) -> Result<()> {
    for (k, stop) in stops.iter().enumerate() {
        if stop.lap == 0 || stop.lap >= laps {
            return Err(Error::Config(format!(
                "pit stop at the end of lap {}: it must follow a lap from 1 to {} (not the last)",
                stop.lap,
                laps.saturating_sub(1)
            )));
        }
        if !(stop.fuel_l.is_finite() && stop.fuel_l >= 0.0) {
            return Err(Error::Config(format!("pit stop fuel must be zero or more litres, is {}", stop.fuel_l)));
        }
        if stops[..k].iter().any(|s| s.lap == stop.lap) {
            return Err(Error::Config(format!("two pit stops at the end of lap {}", stop.lap)));
        }
    }
    Ok(())
}

/// The session points of the pit lane of a stop whose box is at session point `box_point`.
pub(crate) fn lane(box_point: usize, ds: f64) -> std::ops::RangeInclusive<usize> {
    let before = (PIT_LANE_BEFORE_M / ds).round() as usize;
    let after = (PIT_LANE_AFTER_M / ds).round() as usize;
    box_point.saturating_sub(before)..=box_point + after
}

/// Caps the speed limits of session points `first..first + limits.len()` in the pit lane of every stop, and
/// stops the car at each box.
pub(crate) fn apply(limits: &mut [f64], first: usize, boxes: &[usize], ds: f64) {
    for &b in boxes {
        for g in lane(b, ds) {
            if let Some(limit) = g.checked_sub(first).and_then(|j| limits.get_mut(j)) {
                *limit = if g == b { 0.0 } else { limit.min(PIT_LANE_SPEED_MPS) };
            }
        }
    }
}
