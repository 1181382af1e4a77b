//! Corners: where they are, and the stretch of lap each one owns.
//!
//! Method: on the track model's smoothed curvature, a corner is a run of one sign with `|κ|` above
//! [`CORNER_CURVATURE_PER_M`]; runs of the same direction less than [`MERGE_GAP_M`] apart are one corner
//! (a double apex), and a run that turns the car by less than [`MIN_TURN_DEG`] is a kink, not a corner.
//! The apex is the point of highest curvature. Corners are numbered in driving order from the start line and
//! saved with the model, so the numbers stay the same across laps and sessions. Without positions the
//! curvature comes from lateral acceleration over speed squared (see `track_model`), so the same method
//! applies.
//!
//! Each corner owns a zone for timing: it starts where the car starts slowing for it on the session's
//! median speed profile (walking back from the slowest point while the speed keeps rising, but never
//! before the previous corner's exit), less a lead of [`ZONE_LEAD_M`] so that braking early still falls
//! inside, and ends at the corner's exit. The stretch from one exit to the next zone's start is a
//! straight. Zones and straights partition the lap, so their losses sum to the lap-time difference.

use serde::{Deserialize, Serialize};

/// Thresholds of corner detection.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CornerParams {
    /// Curvature above which the line is in a corner, 1/m.
    pub curvature_per_m: f64,
    /// Runs of the same direction closer than this are one corner, metres.
    pub merge_gap_m: f64,
    /// A run that turns the car less than this is a kink, not a corner, degrees.
    pub min_turn_deg: f64,
    /// A run is split in two at a curvature valley below this fraction of the smaller of the peaks either
    /// side (a compound corner with two apexes, counted as two turns as circuits number them).
    pub split_valley_fraction: f64,
}

impl Default for CornerParams {
    fn default() -> CornerParams {
        CornerParams {
            curvature_per_m: CORNER_CURVATURE_PER_M,
            merge_gap_m: MERGE_GAP_M,
            min_turn_deg: MIN_TURN_DEG,
            split_valley_fraction: SPLIT_VALLEY_FRACTION,
        }
    }
}

/// Curvature above which the line is in a corner, 1/m (a 700 m radius).
pub const CORNER_CURVATURE_PER_M: f64 = 1.0 / 700.0;
/// Runs of the same direction closer than this are one corner, metres.
pub const MERGE_GAP_M: f64 = 20.0;
/// A run that turns the car less than this is a kink, degrees.
pub const MIN_TURN_DEG: f64 = 10.0;
/// See [`CornerParams::split_valley_fraction`].
pub const SPLIT_VALLEY_FRACTION: f64 = 0.5;
/// How far before the point where braking starts a corner's zone begins, metres.
pub const ZONE_LEAD_M: f64 = 40.0;

/// Direction of a corner.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Turning left.
    Left,
    /// Turning right.
    Right,
}

/// A corner of the track. `entry_m` is greater than `exit_m` only for a corner across the start line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Corner {
    /// 1-based number in driving order from the start line.
    pub number: u32,
    /// Which way it turns.
    pub direction: Direction,
    /// Where the curvature rises above the threshold, metres.
    pub entry_m: f64,
    /// Point of highest curvature, metres.
    pub apex_m: f64,
    /// Where the curvature falls below the threshold, metres.
    pub exit_m: f64,
    /// Total change of heading through the corner, degrees.
    pub turn_deg: f64,
    /// Tightest radius, metres.
    pub min_radius_m: f64,
}

impl Corner {
    /// Display name, `Turn 4`.
    pub fn name(&self) -> String {
        format!("Turn {}", self.number)
    }
}

/// Finds the corners on a periodic curvature profile with points `step_m` apart, with the default
/// thresholds.
pub fn detect_corners(curvature: &[f32], step_m: f64) -> Vec<Corner> {
    detect_corners_with(curvature, step_m, &CornerParams::default())
}

/// Finds the corners with the given thresholds.
pub fn detect_corners_with(curvature: &[f32], step_m: f64, params: &CornerParams) -> Vec<Corner> {
    let n = curvature.len();
    if n < 3 || step_m <= 0.0 {
        return Vec::new();
    }
    let k = |i: usize| f64::from(curvature[i % n]);
    let above = |i: usize| k(i).abs() >= params.curvature_per_m;
    // Start the scan at a point below the threshold so no run straddles it.
    let Some(start) = (0..n).find(|&i| !above(i)) else { return Vec::new() };
    let mut runs: Vec<(usize, usize, bool)> = Vec::new(); // (first, last) offsets from start, left?
    let mut current: Option<(usize, usize, bool)> = None;
    for off in 0..n {
        let i = start + off;
        let left = k(i) > 0.0;
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
    let gap = (params.merge_gap_m / step_m).ceil() as usize;
    let mut merged: Vec<(usize, usize, bool)> = Vec::with_capacity(runs.len());
    for run in runs {
        match merged.last_mut() {
            Some(last) if last.2 == run.2 && run.0 - last.1 <= gap => last.1 = run.1,
            _ => merged.push(run),
        }
    }
    let turn_of = |a: usize, b: usize| (a..=b).map(|o| k(start + o)).sum::<f64>() * step_m;
    let min_turn = params.min_turn_deg.to_radians();
    let mut split: Vec<(usize, usize, bool)> = Vec::with_capacity(merged.len());
    let mut stack: Vec<(usize, usize, bool)> = merged.into_iter().rev().collect();
    while let Some((a, b, left)) = stack.pop() {
        // The deepest valley between two peaks of the run, if deep enough and both halves are corners.
        let mag = |o: usize| k(start + o).abs();
        let mut best: Option<(usize, f64)> = None;
        let mut peak_before = 0.0f64;
        for o in a + 1..b {
            peak_before = peak_before.max(mag(o - 1));
            if mag(o) <= mag(o - 1) && mag(o) <= mag(o + 1) {
                let peak_after = (o + 1..=b).map(mag).fold(0.0, f64::max);
                let ratio = mag(o) / peak_before.min(peak_after).max(1e-12);
                if ratio < params.split_valley_fraction
                    && turn_of(a, o).abs() >= min_turn
                    && turn_of(o, b).abs() >= min_turn
                    && best.is_none_or(|(_, r)| ratio < r)
                {
                    best = Some((o, ratio));
                }
            }
        }
        match best {
            Some((o, _)) => {
                stack.push((o + 1, b, left));
                stack.push((a, o, left));
            }
            None => split.push((a, b, left)),
        }
    }
    let merged = split;
    let mut corners: Vec<Corner> = merged
        .into_iter()
        .filter_map(|(a, b, left)| {
            let turn = turn_of(a, b);
            if turn.abs() < min_turn {
                return None;
            }
            let apex = (a..=b).max_by(|&x, &y| k(start + x).abs().total_cmp(&k(start + y).abs()))?;
            let at = |o: usize| ((start + o) % n) as f64 * step_m;
            Some(Corner {
                number: 0,
                direction: if left { Direction::Left } else { Direction::Right },
                entry_m: at(a),
                apex_m: at(apex),
                exit_m: at(b),
                turn_deg: turn.abs().to_degrees(),
                min_radius_m: 1.0 / k(start + apex).abs(),
            })
        })
        .collect();
    // Driving order from the start line: by apex, so a corner across the line counts where it is taken.
    corners.sort_by(|a, b| a.apex_m.total_cmp(&b.apex_m));
    for (i, c) in corners.iter_mut().enumerate() {
        c.number = i as u32 + 1;
    }
    corners
}

/// The stretch of lap a corner owns for timing, in lap coordinates (`0 ≤ start_m ≤ min_speed_m ≤ end_m ≤
/// length`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CornerZone {
    /// The corner's number.
    pub corner: u32,
    /// Where the zone starts: the braking point on the median lap less a lead, metres.
    pub start_m: f64,
    /// Where the median lap starts slowing for the corner, metres.
    pub braking_m: f64,
    /// Slowest point of the median lap in the corner, metres.
    pub min_speed_m: f64,
    /// The corner's exit, metres.
    pub end_m: f64,
}

/// Zones for `corners` from the median speed profile on the grid (`step_m` apart, first point on the
/// start line, last on the finish).
pub fn corner_zones(corners: &[Corner], median_speed: &[f32], step_m: f64) -> Vec<CornerZone> {
    let points = median_speed.len();
    if points < 2 {
        return Vec::new();
    }
    let length = (points - 1) as f64 * step_m;
    let idx = |d: f64| ((d / step_m).round().max(0.0) as usize).min(points - 1);
    let mut zones: Vec<CornerZone> = Vec::with_capacity(corners.len());
    let mut floor = 0usize; // nothing may start before the previous zone's end
    for c in corners {
        // A corner across the start line is timed in this lap's coordinates on the side of its apex: from the
        // start line to its exit when the apex is past the line, else from its entry to the finish.
        let (entry, exit) = match (c.entry_m <= c.exit_m, c.apex_m <= c.exit_m) {
            (true, _) => (c.entry_m, c.exit_m),
            (false, true) => (0.0, c.exit_m),
            (false, false) => (c.entry_m, length),
        };
        let (mut a, b) = (idx(entry).max(floor), idx(exit).max(floor));
        if a > b {
            a = b;
        }
        let slowest = (a..=b).min_by(|&x, &y| median_speed[x].total_cmp(&median_speed[y])).unwrap_or(a);
        let mut j = slowest;
        while j > floor && median_speed[j - 1] > median_speed[j] {
            j -= 1;
        }
        let lead = (ZONE_LEAD_M / step_m).round() as usize;
        let start = j.saturating_sub(lead).max(floor);
        zones.push(CornerZone {
            corner: c.number,
            start_m: start as f64 * step_m,
            braking_m: j as f64 * step_m,
            min_speed_m: slowest as f64 * step_m,
            end_m: b.max(slowest) as f64 * step_m,
        });
        floor = b.max(slowest);
    }
    zones
}
