//! Per-corner metrics for every lap, read off the lap's distance grid within the corner's zone.
//!
//! Definitions (assumptions: pedals 0..1, a pedal counts as pressed above [`PEDAL_ON`]):
//! - braking point: where the braking for the corner begins: the start of the last brake application before the
//!   slowest point, extended back over earlier applications separated from it by less than
//!   [`BRAKE_COAST_GAP_M`] of coasting (brake–coast–brake is one braking), however long the braking zone; never
//!   before the previous corner's slowest point nor within the previous corner's own brake application; none
//!   when the corner is taken without braking. Peak brake: the highest pedal between there and the slowest
//!   point.
//! - trail-braking depth: how far past the corner's entry (turn-in) the brake stays pressed, metres (0 when
//!   released before turn-in).
//! - entry speed: speed at the zone's start (the car arrives slower after a lift or a slow previous exit).
//! - minimum speed and where: the slowest point between the zone's start and its end.
//! - throttle pickup: the first point after the slowest point where the throttle is past [`THROTTLE_PICKUP`].
//! - exit speed: speed at the zone's end (the corner's exit). Gear: the gear at the slowest point, or, where
//!   the car was between gears there (neutral during a shift), the nearest gear engaged within the zone.
//! - time through the corner: time from the zone's start to its end; segment time: to the next zone's start
//!   (the last runs to the finish), which carries the cost of a slow exit down the following straight.
//! - grip used: the highest combined acceleration in the zone over the usable grip at that speed.

use serde::{Deserialize, Serialize};

use crate::corners::{Corner, CornerZone};
use crate::grip::GripEnvelope;
use crate::trace::LapTrace;

/// A pedal counts as pressed above this.
pub const PEDAL_ON: f32 = 0.05;
/// Throttle that counts as picked up after the apex.
pub const THROTTLE_PICKUP: f32 = 0.5;
/// Coasting shorter than this between two brake applications keeps them one braking, metres.
pub const BRAKE_COAST_GAP_M: f64 = 60.0;

/// What one lap did in one corner.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CornerMetrics {
    /// The corner's number.
    pub corner: u32,
    /// The lap's number.
    pub lap_number: u32,
    /// Speed at the zone's start, m/s.
    pub entry_speed_mps: f64,
    /// Where braking started, metres; `None` without braking.
    pub braking_point_m: Option<f64>,
    /// Highest brake pedal, 0..1.
    pub peak_brake: f64,
    /// How far past turn-in the brake stayed on, metres.
    pub trail_brake_depth_m: f64,
    /// Slowest speed, m/s.
    pub min_speed_mps: f64,
    /// Where, metres.
    pub min_speed_at_m: f64,
    /// Where the throttle came back past the pickup level, metres; `None` if it never did in the zone's
    /// segment.
    pub throttle_pickup_m: Option<f64>,
    /// Speed at the corner's exit, m/s.
    pub exit_speed_mps: f64,
    /// Gear at the slowest point.
    pub gear: Option<i8>,
    /// Time from the zone's start to the corner's exit, seconds.
    pub corner_time_s: f64,
    /// Time from the zone's start to the next zone's start, seconds.
    pub segment_time_s: f64,
    /// Highest combined acceleration over usable grip in the zone, 0..~1.
    pub grip_used: f64,
}

fn f(x: f32) -> f64 {
    f64::from(x)
}

/// Metrics of one lap in every zone. `segment_end_m[i]` is where zone `i`'s segment ends.
pub(crate) fn lap_metrics(
    trace: &LapTrace,
    corners: &[Corner],
    zones: &[CornerZone],
    grip: &GripEnvelope,
    out: &mut Vec<CornerMetrics>,
) {
    let n = trace.len();
    if n < 2 {
        return;
    }
    let step = trace.step_m;
    let length = (n - 1) as f64 * step;
    for (zi, z) in zones.iter().enumerate() {
        let Some(corner) = corners.iter().find(|c| c.number == z.corner) else { continue };
        // Braking for this corner cannot start before the previous corner's slowest point.
        let prev_slowest = if zi > 0 { zones[zi - 1].min_speed_m } else { 0.0 };
        let seg_end = zones.get(zi + 1).map_or(length, |next| next.start_m);
        let (a, b) = (trace.index_of(z.start_m), trace.index_of(z.end_m));
        let s_end = trace.index_of(seg_end);
        // Slowest point in the zone on this lap.
        let slowest = (a..=b).min_by(|&x, &y| trace.speed_mps[x].total_cmp(&trace.speed_mps[y])).unwrap_or(a);
        let mut search = trace.index_of(prev_slowest);
        if zi > 0 {
            // Past the previous corner's own braking, if it trails on beyond its slowest point.
            while search < slowest && trace.brake[search] > PEDAL_ON {
                search += 1;
            }
        }
        let braking = braking_start(&trace.brake, search, slowest, (BRAKE_COAST_GAP_M / step).ceil() as usize);
        let peak_brake = braking.map_or(0.0, |k0| (k0..=slowest).map(|k| f(trace.brake[k])).fold(0.0, f64::max));
        let entry = trace.index_of(if corner.entry_m <= corner.exit_m { corner.entry_m } else { 0.0 });
        let last_brake = braking.and_then(|k0| (k0..=b).rev().find(|&k| trace.brake[k] > PEDAL_ON));
        let trail = last_brake.map_or(0.0, |k| (k as f64 - entry as f64).max(0.0) * step);
        let pickup = (slowest..=s_end).find(|&k| trace.throttle[k] > THROTTLE_PICKUP);
        let mut grip_used = 0.0f64;
        for k in a..=b {
            let (lat, long) = (trace.acc_lat_g[k], trace.acc_long_g[k]);
            if lat.is_finite() && long.is_finite() {
                let usable = grip.usable_g(f(trace.speed_mps[k]));
                if usable > 0.0 {
                    grip_used = grip_used.max((f(lat).powi(2) + f(long).powi(2)).sqrt() / usable);
                }
            }
        }
        let gear = engaged_gear(&trace.gear, slowest, a, b);
        out.push(CornerMetrics {
            corner: z.corner,
            lap_number: trace.lap_number,
            entry_speed_mps: f(trace.speed_mps[a]),
            braking_point_m: braking.map(|k| k as f64 * step),
            peak_brake,
            trail_brake_depth_m: trail,
            min_speed_mps: f(trace.speed_mps[slowest]),
            min_speed_at_m: slowest as f64 * step,
            throttle_pickup_m: pickup.map(|k| k as f64 * step),
            exit_speed_mps: f(trace.speed_mps[b]),
            gear,
            corner_time_s: trace.time_at(z.end_m) - trace.time_at(z.start_m),
            segment_time_s: trace.time_at(seg_end) - trace.time_at(z.start_m),
            grip_used,
        });
    }
}

/// Where the braking that ends at `slowest` begins, searching no earlier than `from`: the last brake
/// application before `slowest`, joined with earlier ones while the coasting between them is shorter than
/// `max_gap` points.
fn braking_start(brake: &[f32], from: usize, slowest: usize, max_gap: usize) -> Option<usize> {
    let pressed = |k: usize| brake.get(k).is_some_and(|b| *b > PEDAL_ON);
    let mut start = (from..=slowest).rev().find(|&k| pressed(k))?;
    loop {
        while start > from && pressed(start - 1) {
            start -= 1;
        }
        // An earlier application within the gap belongs to the same braking.
        let earlier = (start.saturating_sub(max_gap).max(from)..start).rev().find(|&k| pressed(k));
        match earlier {
            Some(k) => start = k,
            None => return Some(start),
        }
    }
}

/// The gear engaged at `at`, or the nearest one engaged within `lo..=hi` when `at` is between gears (neutral
/// during a shift, or no gear channel there).
fn engaged_gear(gear: &[f32], at: usize, lo: usize, hi: usize) -> Option<i8> {
    let engaged = |k: usize| gear.get(k).copied().filter(|g| g.is_finite() && *g != 0.0).map(|g| g as i8);
    (0..=hi.saturating_sub(lo)).find_map(|d| {
        let before = at.checked_sub(d).filter(|k| *k >= lo).and_then(engaged);
        before.or_else(|| Some(at + d).filter(|k| *k <= hi).and_then(engaged))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Brake pedal samples from a pattern: `#` pressed, `.` released, one character a point.
    fn pedal(pattern: &str) -> Vec<f32> {
        pattern.chars().map(|c| if c == '#' { 0.8 } else { 0.0 }).collect()
    }

    #[test]
    fn a_long_braking_zone_is_found_from_its_start() {
        // 150 points of braking before the slowest point: no cap cuts it short.
        let brake = pedal(&format!("{}{}{}", ".".repeat(50), "#".repeat(150), ".".repeat(10)));
        assert_eq!(braking_start(&brake, 0, 205, 30), Some(50));
    }

    #[test]
    fn brake_coast_brake_is_one_braking_and_a_distant_dab_is_not() {
        //            dab far back        first application  coast  second application  slowest
        let brake = pedal(&format!(
            "{}{}{}{}{}{}",
            ".".repeat(10),
            "##",
            ".".repeat(100),
            "#".repeat(20),
            ".".repeat(15),
            "#".repeat(30)
        ));
        let slowest = brake.len() - 1;
        assert_eq!(braking_start(&brake, 0, slowest, 30), Some(112), "the first application, not the dab at 10");
        // Never before where the search may start (the previous corner's slowest point).
        assert_eq!(braking_start(&brake, 120, slowest, 30), Some(120));
        assert_eq!(braking_start(&pedal(&".".repeat(40)), 0, 39, 30), None, "taken without braking");
    }

    #[test]
    fn a_shift_through_neutral_at_the_slowest_point_keeps_the_gear() {
        let gear = [4.0, 3.0, 3.0, 0.0, 0.0, 2.0, 2.0];
        assert_eq!(engaged_gear(&gear, 3, 0, 6), Some(3), "the nearest engaged gear, the earlier on a tie");
        assert_eq!(engaged_gear(&gear, 4, 0, 6), Some(2));
        assert_eq!(engaged_gear(&gear, 1, 0, 6), Some(3));
        assert_eq!(engaged_gear(&[0.0, f32::NAN, 0.0], 1, 0, 2), None);
        assert_eq!(engaged_gear(&[-1.0, 0.0], 1, 0, 1), Some(-1), "reverse is a gear");
    }
}
