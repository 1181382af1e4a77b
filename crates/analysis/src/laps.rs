//! Laps and sectors.
//!
//! Method. Lap boundaries are start-line crossings, found in this order of preference:
//! 1. the game's lap counter: a crossing between two samples where the counter increases (or where it first
//!    appears near the line);
//! 2. lap distance: a crossing where `lap_dist_m` falls by more than half a lap between two samples;
//! 3. positions: a crossing of the start line (the saved track model's, or else where the recording
//!    begins, which is where a simulator starts), within [`START_LINE_HALF_WIDTH_M`] of its centre.
//!
//! The crossing time is interpolated between the two samples: from the game's time into the new lap when
//! it is consistent with the sample interval, else linearly in lap distance (exact for a constant
//! acceleration to well under 1 ms at 60 Hz), else linearly in the signed distance to the start line. A lap's
//! time is the game's own `last_lap_s` (read from the first second of the next lap, where games publish it,
//! sometimes late) when it agrees with the crossings, else the difference of the crossings.
//!
//! Sector times are the lap's time at each sector boundary distance, interpolated in distance between
//! samples; the last sector is the remainder, so sectors always sum to the lap time. Boundaries come from
//! the options (a game that publishes them), the saved track model, the game's sector channel (the
//! intersection over all laps of the distance intervals in which it changes, so the estimate tightens with
//! every lap and every session), or else three equal-length sectors.
//!
//! Flags: out-lap (began in the pit lane), in-lap (ended there), pit (in the pit lane at any time),
//! invalid by the game (`lap_valid` = 0), cut (the path driven is more than [`CUT_FRACTION`] shorter than
//! the lap), reset (the car jumped: lap distance back by more than [`RESET_JUMP_M`] or a position jump), and
//! capture gap (a hole longer than [`MAX_GAP_S`]), standing start (crossing the line below
//! [`STANDING_START_MPS`] or [`STANDING_START_FRACTION`] of the session's usual speed there). A lap is valid
//! when it has none of them.

use serde::{Deserialize, Serialize};

use crate::columns::Columns;

/// A hole in the capture longer than this invalidates the lap, seconds.
pub const MAX_GAP_S: f64 = 1.0;
/// A backwards jump in lap distance larger than this (and not a crossing) is a reset, metres.
pub const RESET_JUMP_M: f64 = 50.0;
/// A lap whose driven path is shorter than the lap by more than this fraction was cut.
pub const CUT_FRACTION: f64 = 0.03;
/// A lap crossing the line slower than this began from a standstill, m/s.
pub const STANDING_START_MPS: f64 = 5.0;
/// ... or slower than this fraction of the session's usual speed at the line.
pub const STANDING_START_FRACTION: f64 = 0.5;
/// How far from the start line's centre a crossing may be, metres.
pub const START_LINE_HALF_WIDTH_M: f64 = 30.0;

/// How a lap's time was obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum LapTiming {
    /// The game's own lap time.
    Game,
    /// The difference of two interpolated start-line crossings.
    Crossings,
}

/// What found the lap boundaries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum BoundarySource {
    /// The game's lap counter.
    #[default]
    LapCounter,
    /// Lap distance wrapping round.
    LapDistance,
    /// Positions crossing the start line.
    Positions,
}

/// Why a lap does not count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct LapFlags {
    /// Began in the pit lane.
    pub out_lap: bool,
    /// Ended in the pit lane.
    pub in_lap: bool,
    /// In the pit lane at some point.
    pub pit: bool,
    /// The game flagged the lap invalid.
    pub game_invalid: bool,
    /// The path driven was clearly shorter than the lap.
    pub cut: bool,
    /// The car jumped back or was moved (reset, tow, teleport).
    pub reset: bool,
    /// The capture had a hole longer than [`MAX_GAP_S`].
    pub capture_gap: bool,
    /// Began well below racing speed: a standing start, or a restart after a stop.
    pub standing_start: bool,
}

impl LapFlags {
    /// Whether any flag is set.
    pub fn any(&self) -> bool {
        self.out_lap
            || self.in_lap
            || self.pit
            || self.game_invalid
            || self.cut
            || self.reset
            || self.capture_gap
            || self.standing_start
    }
}

/// One complete lap.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(rename = "AnalysedLap"))]
pub struct Lap {
    /// The game's lap number, or 1.. in order when the source has no counter.
    pub lap_number: u32,
    /// Session time at the start-line crossing that began the lap, seconds.
    pub start_s: f64,
    /// Lap time, seconds.
    pub lap_time_s: f64,
    /// Sector times, seconds; they sum to `lap_time_s`.
    pub sectors_s: Vec<f64>,
    /// Where the lap time came from.
    pub timing: LapTiming,
    /// Out-lap, in-lap, pit, invalid, cut, reset, gap.
    pub flags: LapFlags,
    /// No flag set: the lap counts for bests.
    pub valid: bool,
    /// The fastest valid lap of the session.
    pub session_best: bool,
    /// The session best, and faster than the personal best given in the options (if any).
    pub personal_best: bool,
    /// Each sector minus the best of that sector over the laps before this one ([`crate::SectorBests`]: the
    /// valid ones, or all while none is valid), seconds; `null` where there is none yet. Negative: a new best.
    pub sector_deltas_s: Vec<Option<f64>>,
    /// First sample inside the lap (index into the analysed columns).
    #[serde(skip)]
    pub(crate) first: usize,
    /// One past the last sample inside the lap.
    #[serde(skip)]
    pub(crate) end: usize,
}

/// A start-line crossing: time, the sample after it, the lap it begins (`None` for a break: the counter
/// went back, so the lap in progress is abandoned).
#[derive(Debug, Clone, Copy)]
struct Crossing {
    t_s: f64,
    sample: usize,
    lap: Option<u32>,
}

/// A start line: a point and the direction of travel across it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct StartLine {
    /// Centre of the line, metres.
    pub x_m: f64,
    /// Centre of the line, metres.
    pub y_m: f64,
    /// Direction of travel, radians counter-clockwise from +x.
    pub heading_rad: f64,
}

/// Median of `values` (reordered); NaN when empty.
pub(crate) fn median(values: &mut [f64]) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    let mid = values.len() / 2;
    let (_, m, _) = values.select_nth_unstable_by(mid, f64::total_cmp);
    *m
}

/// The lap length implied by the game's lap distance, metres: `lap_dist / lap_dist_pct` where both are
/// published, else the largest lap distance seen. `None` without lap distance.
pub(crate) fn length_from_lap_distance(c: &Columns) -> Option<f64> {
    let mut ratios: Vec<f64> = c
        .lap_dist
        .iter()
        .zip(&c.lap_dist_pct)
        // A median of a near-constant ratio: every 8th sample is plenty.
        .step_by(8)
        .filter(|(d, p)| d.is_finite() && p.is_finite() && **p > 0.2 && **p < 0.98)
        .map(|(d, p)| f64::from(*d) / f64::from(*p))
        .collect();
    if ratios.len() >= 10 {
        let m = median(&mut ratios);
        if m.is_finite() && m > 100.0 {
            return Some(m);
        }
    }
    let max = c.lap_dist.iter().filter(|d| d.is_finite()).fold(f64::NAN, |m, &d| m.max(f64::from(d)));
    (max.is_finite() && max > 100.0).then_some(max)
}

/// Finds the complete laps. `length_m` is the lap length when known (for interpolating lap-distance
/// crossings); `start_line` is used only when there is neither a lap counter nor lap distance.
pub(crate) fn detect_laps(
    c: &Columns,
    length_m: Option<f64>,
    start_line: Option<StartLine>,
) -> (Vec<Lap>, BoundarySource) {
    let n = c.len();
    let has_counter = c.lap.iter().any(|l| l.is_finite());
    let has_dist = c.lap_dist.iter().filter(|d| d.is_finite()).count() * 2 >= n;
    let (crossings, source) = if has_counter {
        (counter_crossings(c, length_m), BoundarySource::LapCounter)
    } else if has_dist && length_m.is_some() {
        (distance_crossings(c, length_m.unwrap_or(0.0)), BoundarySource::LapDistance)
    } else if c.has_positions() {
        (position_crossings(c, start_line), BoundarySource::Positions)
    } else {
        (Vec::new(), BoundarySource::LapCounter)
    };
    let mut laps = Vec::new();
    for w in crossings.windows(2) {
        let (a, b) = (w[0], w[1]);
        let Some(lap_number) = a.lap else { continue };
        if b.lap.is_none() || b.t_s <= a.t_s || b.sample <= a.sample {
            continue;
        }
        let crossing_time = b.t_s - a.t_s;
        let (lap_time_s, timing) = match game_lap_time(c, b.sample, b.t_s, crossing_time) {
            Some(t) => (t, LapTiming::Game),
            None => (crossing_time, LapTiming::Crossings),
        };
        let mut lap = Lap {
            lap_number,
            start_s: a.t_s,
            lap_time_s,
            sectors_s: Vec::new(),
            timing,
            flags: LapFlags::default(),
            valid: false,
            session_best: false,
            personal_best: false,
            sector_deltas_s: Vec::new(),
            first: a.sample,
            end: b.sample,
        };
        lap.flags = flags(c, &lap, length_m);
        laps.push(lap);
    }
    // A lap that crosses the line far slower than the others do (or almost stopped) began from a standstill.
    let line_speed = |l: &Lap| finite(c.speed[l.first]).unwrap_or(f64::NAN);
    let mut speeds: Vec<f64> = laps.iter().map(line_speed).filter(|v| v.is_finite()).collect();
    let usual = median(&mut speeds);
    for lap in &mut laps {
        let v = line_speed(lap);
        lap.flags.standing_start = v < STANDING_START_MPS || v < STANDING_START_FRACTION * usual;
        lap.valid = !lap.flags.any();
    }
    (laps, source)
}

fn finite(x: f32) -> Option<f64> {
    x.is_finite().then_some(f64::from(x))
}

/// Whether sample `i` is just past the start line: the game's lap time or lap distance says so.
fn near_line(c: &Columns, i: usize, length_m: Option<f64>) -> bool {
    if let Some(t) = finite(c.lap_time[i]) {
        return (0.0..1.0).contains(&t);
    }
    if let Some(p) = finite(c.lap_dist_pct[i]) {
        return p < 0.02;
    }
    match (finite(c.lap_dist[i]), length_m) {
        (Some(d), Some(l)) => d < 0.02 * l,
        _ => false,
    }
}

/// Time of the crossing just before sample `i`.
fn crossing_time(c: &Columns, i: usize, length_m: Option<f64>) -> f64 {
    let t = c.t_s[i];
    let dt = if i > 0 { t - c.t_s[i - 1] } else { f64::INFINITY };
    if let Some(into) = finite(c.lap_time[i])
        && into >= 0.0
        && into <= dt.min(1.0) + 0.002
    {
        return t - into;
    }
    if i > 0
        && let (Some(d0), Some(d1), Some(l)) = (finite(c.lap_dist[i - 1]), finite(c.lap_dist[i]), length_m)
        && d0 > d1 + 0.5 * l
    {
        let before = (l - d0).max(0.0);
        let f = before / (before + d1.max(0.0)).max(1e-9);
        return c.t_s[i - 1] + f.clamp(0.0, 1.0) * dt;
    }
    if let (Some(d), Some(v)) = (finite(c.lap_dist[i]), finite(c.speed[i]))
        && v > 1.0
        && d / v <= dt.min(1.0)
    {
        return t - d / v;
    }
    t
}

fn counter_crossings(c: &Columns, length_m: Option<f64>) -> Vec<Crossing> {
    let mut out = Vec::new();
    let mut last: Option<(usize, f32)> = None;
    for i in 0..c.len() {
        let lap = c.lap[i];
        if !lap.is_finite() || lap < 0.0 {
            continue;
        }
        match last {
            Some((j, prev)) if lap > prev => {
                // The counter moved on: a crossing, if it happened between adjacent samples or near the line.
                if j + 1 == i || near_line(c, i, length_m) {
                    out.push(Crossing { t_s: crossing_time(c, i, length_m), sample: i, lap: Some(lap as u32) });
                } else {
                    out.push(Crossing { t_s: c.t_s[i], sample: i, lap: None });
                }
            }
            Some((_, prev)) if lap < prev => out.push(Crossing { t_s: c.t_s[i], sample: i, lap: None }),
            Some(_) => {}
            None => {
                if near_line(c, i, length_m) {
                    out.push(Crossing { t_s: crossing_time(c, i, length_m), sample: i, lap: Some(lap as u32) });
                }
            }
        }
        last = Some((i, lap));
    }
    out
}

fn distance_crossings(c: &Columns, length_m: f64) -> Vec<Crossing> {
    let mut out = Vec::new();
    let mut lap = 1;
    let mut prev: Option<f64> = None;
    for i in 0..c.len() {
        let Some(d) = finite(c.lap_dist[i]) else { continue };
        let crossed = match prev {
            Some(p) => p > d + 0.5 * length_m,
            None => near_line(c, i, Some(length_m)),
        };
        if crossed {
            out.push(Crossing { t_s: crossing_time(c, i, Some(length_m)), sample: i, lap: Some(lap) });
            lap += 1;
        }
        prev = Some(d);
    }
    out
}

/// The start line where the recording begins: the first position, facing the way the car moves.
pub(crate) fn start_line_at_recording_start(c: &Columns) -> Option<StartLine> {
    let i = (0..c.len()).find(|&i| c.pos_x[i].is_finite() && c.pos_y[i].is_finite())?;
    let (x0, y0) = (f64::from(c.pos_x[i]), f64::from(c.pos_y[i]));
    let heading = (i + 1..c.len())
        .filter(|&j| c.pos_x[j].is_finite() && c.pos_y[j].is_finite())
        .map(|j| (f64::from(c.pos_x[j]) - x0, f64::from(c.pos_y[j]) - y0))
        .find(|(dx, dy)| dx.hypot(*dy) > 2.0)
        .map(|(dx, dy)| dy.atan2(dx))
        .or_else(|| finite(c.yaw[i]))?;
    Some(StartLine { x_m: x0, y_m: y0, heading_rad: heading })
}

fn position_crossings(c: &Columns, start_line: Option<StartLine>) -> Vec<Crossing> {
    let from_start = start_line.is_none();
    let Some(line) = start_line.or_else(|| start_line_at_recording_start(c)) else { return Vec::new() };
    let (cx, cy) = (line.heading_rad.cos(), line.heading_rad.sin());
    let mut out = Vec::new();
    let mut lap = 1;
    let mut prev: Option<(usize, f64)> = None;
    for i in 0..c.len() {
        let (Some(x), Some(y)) = (finite(c.pos_x[i]), finite(c.pos_y[i])) else { continue };
        let (dx, dy) = (x - line.x_m, y - line.y_m);
        let along = dx * cx + dy * cy;
        let across = (dx * cy - dy * cx).abs();
        match prev {
            None if from_start => {
                out.push(Crossing { t_s: c.t_s[i], sample: i, lap: Some(lap) });
                lap += 1;
            }
            Some((j, a0)) if a0 < 0.0 && along >= 0.0 && across < START_LINE_HALF_WIDTH_M => {
                let recent = out.last().is_some_and(|k: &Crossing| c.t_s[i] - k.t_s < 5.0);
                if !recent {
                    let f = -a0 / (along - a0).max(1e-12);
                    let t = c.t_s[j] + f * (c.t_s[i] - c.t_s[j]);
                    out.push(Crossing { t_s: t, sample: i, lap: Some(lap) });
                    lap += 1;
                }
            }
            _ => {}
        }
        prev = Some((i, along));
    }
    out
}

/// The game's time for the lap that ended at the crossing before sample `next`: the settled `last_lap_s`
/// in the second after the crossing, when it agrees with the crossings.
fn game_lap_time(c: &Columns, next: usize, crossing_s: f64, crossing_time: f64) -> Option<f64> {
    let mut found = None;
    let mut j = next;
    while j < c.len() && c.t_s[j] <= crossing_s + 1.0 {
        if let Some(t) = finite(c.last_lap[j]) {
            found = Some(t);
        }
        j += 1;
    }
    let t = found?;
    (t > 0.0 && (t - crossing_time).abs() <= 0.25f64.max(0.005 * crossing_time)).then_some(t)
}

fn flags(c: &Columns, lap: &Lap, length_m: Option<f64>) -> LapFlags {
    let mut f = LapFlags::default();
    let (a, b) = (lap.first, lap.end);
    let pit = |i: usize| c.in_pit[i] > 0.5;
    f.out_lap = pit(a);
    f.in_lap = b > a && pit(b - 1);
    f.pit = (a..b).any(pit);
    f.game_invalid = (a..b).any(|i| c.lap_valid[i] == 0.0);
    f.capture_gap = (a + 1..b).any(|i| c.t_s[i] - c.t_s[i - 1] > MAX_GAP_S)
        || (a > 0 && c.t_s[a] - c.t_s[a - 1] > MAX_GAP_S)
        || (b < c.len() && c.t_s[b] - c.t_s[b - 1] > MAX_GAP_S);
    // Jumps and the path length, on the samples statistics read (a reset or a cut is far larger than what
    // a 10 ms step hides).
    let mut path = 0.0;
    let stride = c.stats_stride;
    let mut i0 = a;
    for i in (a + stride..b).step_by(stride).chain((b > a + 1).then_some(b - 1)) {
        if i <= i0 {
            continue;
        }
        if let (Some(d0), Some(d1)) = (finite(c.lap_dist[i0]), finite(c.lap_dist[i]))
            && d0 - d1 > RESET_JUMP_M
        {
            f.reset = true;
        }
        if let (Some(x0), Some(y0), Some(x1), Some(y1)) =
            (finite(c.pos_x[i0]), finite(c.pos_y[i0]), finite(c.pos_x[i]), finite(c.pos_y[i]))
        {
            let step = ((x1 - x0).powi(2) + (y1 - y0).powi(2)).sqrt();
            let v = finite(c.speed[i]).unwrap_or(100.0).max(finite(c.speed[i0]).unwrap_or(0.0));
            if step > RESET_JUMP_M + 2.0 * v * (c.t_s[i] - c.t_s[i0]) {
                f.reset = true;
            }
            path += step;
        }
        i0 = i;
    }
    if let Some(l) = length_m
        && c.has_positions()
        && path > 0.0
        && !f.reset
        && !f.capture_gap
        && path < (1.0 - CUT_FRACTION) * l
    {
        f.cut = true;
    }
    f
}

/// The lap's time at lap distance `d`, by linear interpolation of `(dist, t)` over its samples, with the
/// lap's start at distance 0 and its end at `length_m`.
pub(crate) fn time_at_distance(dist: &[f64], c: &Columns, lap: &Lap, length_m: f64, d: f64) -> f64 {
    let (mut d0, mut t0) = (0.0, 0.0);
    for i in lap.first..lap.end {
        let di = dist[i];
        if !di.is_finite() || di <= d0 {
            continue;
        }
        let ti = c.t_s[i] - lap.start_s;
        if di >= d {
            return t0 + (ti - t0) * (d - d0) / (di - d0);
        }
        (d0, t0) = (di, ti);
    }
    if length_m > d0 { t0 + (lap.lap_time_s - t0) * (d - d0) / (length_m - d0) } else { t0 }
}

/// Sector times from boundary distances (inner boundaries only, increasing).
pub(crate) fn sector_times(dist: &[f64], c: &Columns, lap: &Lap, length_m: f64, boundaries_m: &[f64]) -> Vec<f64> {
    let mut out = Vec::with_capacity(boundaries_m.len() + 1);
    let mut from = 0.0;
    for &b in boundaries_m {
        let at = time_at_distance(dist, c, lap, length_m, b).clamp(from, lap.lap_time_s);
        out.push(at - from);
        from = at;
    }
    out.push(lap.lap_time_s - from);
    out
}

/// Sector boundary distances from the game's sector channel: for each boundary, the intersection over all
/// laps of the distance intervals in which the sector changed. Returns `(lo, hi)` per inner boundary.
pub(crate) fn sector_intervals(dist: &[f64], c: &Columns, laps: &[Lap]) -> Option<Vec<(f64, f64)>> {
    let mut intervals: Vec<(f64, f64)> = Vec::new();
    let mut count = None;
    for lap in laps.iter().filter(|l| !l.flags.reset && !l.flags.capture_gap) {
        let mut here: Vec<(f64, f64)> = Vec::new();
        let mut prev: Option<(f32, f64)> = None;
        for i in lap.first..lap.end {
            let (s, d) = (c.sector[i], dist[i]);
            if !s.is_finite() || !d.is_finite() {
                continue;
            }
            if let Some((ps, pd)) = prev
                && s > ps
            {
                here.push((pd, d));
            }
            prev = Some((s, d));
        }
        if here.is_empty() {
            continue;
        }
        match count {
            None => {
                count = Some(here.len());
                intervals = here;
            }
            Some(k) if k == here.len() => {
                for (acc, new) in intervals.iter_mut().zip(&here) {
                    let (lo, hi) = (acc.0.max(new.0), acc.1.min(new.1));
                    // Disjoint intervals (a noisy lap): keep the tighter of the two.
                    *acc = if lo <= hi {
                        (lo, hi)
                    } else if new.1 - new.0 < acc.1 - acc.0 {
                        *new
                    } else {
                        *acc
                    };
                }
            }
            Some(_) => {}
        }
    }
    (!intervals.is_empty()).then_some(intervals)
}
