//! The analysis engine: from a session's frames to where the time went, corner by corner, and what to
//! change. Everything runs locally on `&[Frame]` from any source.
//!
//! # Layout
//! - [`analyze_session`] (and [`analyze_session_with_model`] to reuse a saved [`TrackModel`]) produces a
//!   [`SessionAnalysis`]: laps with sectors and flags, the track model, corners, per-corner metrics of every
//!   lap, the grip envelope, theoretical bests, shift points, consistency, mistakes and coaching.
//! - [`compare_laps`] compares one lap with a reference ([`Reference::Best`] or another lap) as a
//!   [`LapComparison`]: the delta trace (decimated, and in full with [`SessionAnalysis::delta`]), the loss
//!   per corner and per straight, and coaching for that lap.
//!
//! # Input
//! Every value is checked once, where the frames become columns ([`limits`]): non-finite and physically absurd
//! values (a speed of 3·10³⁸ m/s, a throttle of 100, a position 10⁹ m away) are read as absent, frames at absurd
//! times are skipped, and a lap longer than [`limits::MAX_LAP_LENGTH_M`] is no lap. The distance grid is coarsened
//! when needed so that all laps together hold at most [`GRID_POINTS_PER_SAMPLE`] points per sample (at least
//! [`MIN_GRID_BUDGET`]): memory follows the data, not what a lap-distance channel claims. No input panics.
//!
//! # Methods and their assumptions
//! Each is described in full where it is decided (the module named after it); in short:
//! - **Laps and sectors** (`laps`): boundaries from the game's lap counter, else lap distance wrapping,
//!   else positions crossing the start line (the saved model's, or where the recording begins), each
//!   crossing interpolated between the two samples around it; the lap time is the game's own when it
//!   publishes one and it agrees. Sector times are the lap's time at each boundary distance; boundaries
//!   come from the options, the game's sector channel (bracketed between samples, narrowed over laps and
//!   sessions), the saved model, or thirds. Flags: out-, in- and pit laps, game-invalid, cut, reset,
//!   capture gap, standing start. Assumes one car, and lap distance (when present) measured from the line.
//! - **Distance grid** (`trace`): every lap resampled once onto one grid ([`AnalysisOptions::grid_step_m`]),
//!   linear between samples, time pinned to 0 and to the lap time at the ends. Assumes the car moves
//!   forward along the lap.
//! - **Track model** ([`TrackModel`]): positions averaged over the counted laps at equal lap distance and
//!   smoothed; without positions, dead reckoning from speed and heading with the closing error spread
//!   along the lap, and curvature from lateral acceleration over speed squared. Saved as JSON; a later
//!   session of the same track (length within 1 %) refines the line and keeps its corners and start line.
//! - **Corners** ([`detect_corners`]): runs of curvature above a 700 m radius, joined across short gaps,
//!   split at deep curvature valleys, kinks under 10° dropped; numbered from the start line. Each corner
//!   owns a zone from just before where the median lap starts slowing for it to its exit. Assumes the
//!   racing line: a kink it straightens is not a corner.
//! - **Per-corner metrics** ([`CornerMetrics`]): braking point, peak brake, trail-braking depth, entry,
//!   minimum and exit speed, throttle pickup, gear, time through the corner and to the next corner, grip
//!   used. Assumes pedals 0..1.
//! - **Grip** ([`GripEnvelope`]): the G-G diagram by 5 m/s speed bins; usable grip is the 99th percentile
//!   of combined acceleration. Assumes some laps near the limit: it is what the car did, not what it could.
//! - **Theoretical best** ([`TheoreticalBest`]): best sectors summed, and best corner-to-corner segments
//!   summed, with the lap each comes from. Assumes the pieces are independent.
//! - **Delta** ([`delta_trace`], [`LapComparison`]): `t_lap(d) − t_ref(d)` on the grid, positive = slower;
//!   losses per corner zone and straight telescope to the lap-time difference.
//! - **Shift points** ([`ShiftAnalysis`]): the torque curve, drag and rolling resistance fitted by least
//!   squares to full-throttle acceleration in every gear; the best upshift is where the next gear pulls
//!   harder at the same speed. Assumes power-limited acceleration and cannot see above the rpm used.
//! - **Coaching** ([`Advice`]): rule-based sentences from the differences in corner metrics against a
//!   faster lap, ranked by the time at stake. Assumes the faster lap's way through is the better one.
//! - **Consistency** ([`Consistency`]): lap-time spread, and the corners whose segment time varies most.
//!
//! # Performance
//! One pass copies the frames into columns (thinned to about 100 Hz, keeping full-rate samples at every
//! lap, sector and gear change, so timing keeps its precision); every lap is resampled once onto the
//! distance grid, and everything after that works on the grid or on the columns, with no allocation per
//! sample. Cost grows linearly with frames and laps: on one core, about 35 ms of CPU for 20 laps of Monza
//! at 333 Hz (720 000 frames), 20 ms at 60 Hz (`benches/analysis.rs`).
//!
//! Mistakes ([`SessionAnalysis::mistakes`]): a corner where a lap's apex is [`MISTAKE_APEX_FRACTION`]
//! slower than the session's median there, or its braking [`MISTAKE_BRAKE_M`] earlier, or its segment
//! [`MISTAKE_SIGMAS`] robust deviations slower. The cost is the time over the median lap's for the corner's
//! segment (from the lap's own braking point when it braked before the zone), carried on into the following
//! segments while the car reaches them slower than the median lap; assumes the median
//! lap is the driver's normal way through, so a mistake's cost is known to within the driver's ordinary
//! lap-to-lap variation in that corner.

// Column code walks several parallel slices by sample index.
#![allow(clippy::needless_range_loop)]

mod best;
mod coaching;
mod columns;
mod consistency;
mod corners;
mod delta;
mod error;
mod grip;
mod laps;
pub mod limits;
pub mod live;
mod metrics;
pub mod pitwall;
mod shifts;
pub mod strategy;
mod trace;
mod track_model;

use racecraft_core::{Frame, SessionMeta};
use serde::{Deserialize, Serialize};

pub use best::{BestPiece, SectorBests, TheoreticalBest};
pub use coaching::{Advice, Finding};
pub use consistency::{Consistency, CornerConsistency};
pub use corners::{Corner, CornerParams, CornerZone, Direction, detect_corners, detect_corners_with};
pub use delta::{DeltaPoint, Stretch, StretchLoss, decimate, delta_trace};
pub use error::{Error, Result};
pub use grip::{GripBin, GripEnvelope, USABLE_PERCENTILE};
pub use laps::{BoundarySource, Lap, LapFlags, LapTiming, MAX_GAP_S, StartLine};
pub use metrics::CornerMetrics;
pub use shifts::{ShiftAdvice, ShiftAnalysis};
pub use trace::LapTrace;
pub use track_model::{CURVATURE_SIGMA_M, GeometrySource, MODEL_VERSION, TrackModel};

use columns::Columns;

pub use columns::CHANNELS_READ;

/// All laps' distance grids together hold at most this many points per sample read (real laps need one or two:
/// 60 Hz at 90 m/s is a sample every 1.5 m), so sparse samples claiming long laps cannot make the analysis
/// allocate out of proportion to them.
pub const GRID_POINTS_PER_SAMPLE: usize = 50;
/// The grid budget of a session with few samples: points over all laps (a 25 km lap at 1 m, eight times).
pub const MIN_GRID_BUDGET: usize = 200_000;

/// Fewest frames worth analysing.
pub const MIN_FRAMES: usize = 10;
/// A mistake costs at least this much against the session's usual, seconds.
pub const MISTAKE_MIN_S: f64 = 0.05;
/// A segment this many robust standard deviations (1.4826 × MAD) slower than usual is a mistake by itself.
pub const MISTAKE_SIGMAS: f64 = 4.0;
/// An apex this fraction slower than the usual one is a mistake.
pub const MISTAKE_APEX_FRACTION: f64 = 0.04;
/// Braking this much earlier than usual is a mistake, metres.
pub const MISTAKE_BRAKE_M: f64 = 10.0;
/// A mistake's cost is counted from this far before the lap's braking point when that is before the zone,
/// metres.
pub const MISTAKE_LEAD_M: f64 = 20.0;
/// A car this much slower than usual at the next zone still carries the mistake's cost, m/s.
pub const MISTAKE_CARRY_MPS: f64 = 0.5;

/// How to analyse.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(default)]
pub struct AnalysisOptions {
    /// Spacing of the distance grid laps are resampled onto, metres.
    pub grid_step_m: f64,
    /// Only these laps (by number); `None` for all.
    pub laps: Option<Vec<u32>>,
    /// The driver's personal best before this session, seconds, to mark a new one.
    pub personal_best_s: Option<f64>,
    /// Inner sector boundaries, metres, when the game publishes them (they take precedence).
    pub sector_boundaries_m: Option<Vec<f64>>,
    /// Points in a decimated delta trace.
    pub delta_points: usize,
}

impl Default for AnalysisOptions {
    fn default() -> AnalysisOptions {
        AnalysisOptions {
            grid_step_m: 1.0,
            laps: None,
            personal_best_s: None,
            sector_boundaries_m: None,
            delta_points: 500,
        }
    }
}

/// Where the sector boundaries came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum SectorSource {
    /// [`AnalysisOptions::sector_boundaries_m`].
    Options,
    /// The game's sector channel (narrowed by a saved model's).
    Game,
    /// A saved track model.
    Model,
    /// Three equal-length sectors.
    #[default]
    Thirds,
}

/// The model in the analysis output: what it is, without its points.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TrackSummary {
    /// Lap length, metres.
    pub length_m: f64,
    /// Where the geometry came from.
    pub geometry: GeometrySource,
    /// Gap between the averaged line's end and start, metres.
    pub closure_m: f64,
    /// Points in the model.
    pub points: usize,
    /// Laps in the model, over all sessions.
    pub laps_used: u32,
    /// The start line.
    pub start_line: Option<StartLine>,
}

/// Grip use of one lap.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct LapGrip {
    /// The lap.
    pub lap_number: u32,
    /// Mean over corners of the grip used, 0..~1.
    pub mean_grip_used: f64,
    /// Highest over corners.
    pub peak_grip_used: f64,
}

/// What kind of mistake.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum MistakeKind {
    /// Braked at least [`MISTAKE_BRAKE_M`] earlier than usual.
    EarlyBraking,
    /// At least [`MISTAKE_APEX_FRACTION`] slower at the apex than usual.
    SlowApex,
    /// No single cause, but the segment took far longer than usual.
    SlowSegment,
}

/// A corner where a lap lost clearly more time than usual.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Mistake {
    /// The lap.
    pub lap_number: u32,
    /// The corner.
    pub corner: u32,
    /// What went wrong.
    pub kind: MistakeKind,
    /// Time lost against the session's usual: the corner's segment, and the next ones while the car is
    /// still slower than usual when it reaches them, seconds.
    pub time_lost_s: f64,
    /// The median segment time, seconds.
    pub typical_segment_s: f64,
    /// What was different, compared with the lap whose segment time is the median.
    pub advice: Option<Advice>,
}

/// Everything the analysis found in one session.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SessionAnalysis {
    /// Source game.
    pub game: String,
    /// Car.
    pub car: String,
    /// Track.
    pub track: String,
    /// Driver.
    pub driver: String,
    /// What found the lap boundaries.
    pub boundaries: BoundarySource,
    /// Lap length, metres.
    pub track_length_m: f64,
    /// Spacing of the distance grid, metres.
    pub grid_step_m: f64,
    /// Inner sector boundaries, metres.
    pub sector_boundaries_m: Vec<f64>,
    /// Where they came from.
    pub sector_source: SectorSource,
    /// Complete laps, in order.
    pub laps: Vec<Lap>,
    /// The fastest valid lap (the fastest complete lap when none is valid).
    pub best_lap: Option<u32>,
    /// Its time, seconds.
    pub best_lap_s: Option<f64>,
    /// Sum of best sectors and of best segments.
    pub theoretical_best: TheoreticalBest,
    /// The track model's summary.
    pub track_model_summary: TrackSummary,
    /// Corners in driving order.
    pub corners: Vec<Corner>,
    /// The stretch each corner owns for timing.
    pub zones: Vec<CornerZone>,
    /// Every lap in every corner, by lap then corner.
    pub corner_metrics: Vec<CornerMetrics>,
    /// The G-G envelope.
    pub grip: GripEnvelope,
    /// Grip used per lap.
    pub lap_grip: Vec<LapGrip>,
    /// Shift points.
    pub shifts: ShiftAnalysis,
    /// Lap-time spread and the corners that vary most.
    pub consistency: Consistency,
    /// Corner segments that took clearly longer than usual, largest first.
    pub mistakes: Vec<Mistake>,
    /// The corners to work on: the best lap against the lap that was fastest in each corner, ranked.
    pub coaching: Vec<Advice>,
    /// The options it was made with.
    pub options: AnalysisOptions,
    /// The full track model (save it with [`TrackModel::save`] to reuse it).
    #[serde(skip)]
    pub track_model: TrackModel,
    /// Every lap on the distance grid, in the order of `laps`.
    #[serde(skip)]
    pub traces: Vec<LapTrace>,
}

impl SessionAnalysis {
    /// The lap numbered `lap_number`.
    pub fn lap(&self, lap_number: u32) -> Option<&Lap> {
        self.laps.iter().find(|l| l.lap_number == lap_number)
    }

    /// The trace of lap `lap_number`.
    pub fn trace(&self, lap_number: u32) -> Option<&LapTrace> {
        self.traces.iter().find(|t| t.lap_number == lap_number)
    }

    /// The metrics of one lap in one corner.
    pub fn metrics(&self, lap_number: u32, corner: u32) -> Option<&CornerMetrics> {
        self.corner_metrics.iter().find(|m| m.lap_number == lap_number && m.corner == corner)
    }

    /// The full-resolution delta of `lap_number` against `reference`, one value per grid point.
    pub fn delta(&self, lap_number: u32, reference: Reference) -> Result<Vec<f64>> {
        let lap = self.trace(lap_number).ok_or(Error::UnknownLap(lap_number))?;
        let r = self.reference_lap(reference)?;
        let r = self.trace(r).ok_or(Error::UnknownLap(r))?;
        Ok(delta_trace(lap, r))
    }

    fn reference_lap(&self, reference: Reference) -> Result<u32> {
        match reference {
            Reference::Best => self.best_lap.ok_or(Error::NoLaps),
            Reference::Lap(n) => self.lap(n).map(|l| l.lap_number).ok_or(Error::UnknownLap(n)),
        }
    }

    /// Laps that count for bests, spread and typical values: the valid ones, or all when none is valid.
    fn counted(&self) -> Vec<usize> {
        let valid: Vec<usize> = (0..self.laps.len()).filter(|&i| self.laps[i].valid).collect();
        if valid.is_empty() { (0..self.laps.len()).collect() } else { valid }
    }
}

/// What to compare a lap with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Reference {
    /// The session's best lap.
    Best,
    /// Lap by number.
    Lap(u32),
}

/// One corner of a lap against the reference.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CornerComparison {
    /// The corner.
    pub corner: u32,
    /// Time lost in the corner's zone, seconds.
    pub zone_loss_s: f64,
    /// Time lost from the zone's start to the next zone's start, seconds.
    pub segment_loss_s: f64,
    /// This lap's metrics.
    pub lap: CornerMetrics,
    /// The reference's metrics.
    pub reference: CornerMetrics,
}

/// One lap against a reference lap.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct LapComparison {
    /// The lap.
    pub lap_number: u32,
    /// The reference lap.
    pub reference_lap_number: u32,
    /// The lap's time, seconds.
    pub lap_time_s: f64,
    /// The reference's time, seconds.
    pub reference_lap_time_s: f64,
    /// `lap_time_s − reference_lap_time_s`, seconds.
    pub difference_s: f64,
    /// The delta trace, decimated to [`AnalysisOptions::delta_points`].
    pub delta: Vec<DeltaPoint>,
    /// Loss per corner zone and straight, in lap order; they sum to `difference_s`.
    pub stretches: Vec<StretchLoss>,
    /// Per corner, in corner order.
    pub corners: Vec<CornerComparison>,
    /// Advice for this lap, most time at stake first.
    pub coaching: Vec<Advice>,
}

/// Analyses a session. See the crate documentation for the methods.
pub fn analyze_session(meta: &SessionMeta, frames: &[Frame], options: &AnalysisOptions) -> Result<SessionAnalysis> {
    analyze_session_with_model(meta, frames, options, None)
}

/// Analyses a session reusing a saved track model of the same track: its start line, sector boundaries and
/// corner numbers are kept, and its geometry is refined with this session's laps
/// ([`SessionAnalysis::track_model`] is the refined model, to save again).
pub fn analyze_session_with_model(
    meta: &SessionMeta,
    frames: &[Frame],
    options: &AnalysisOptions,
    saved: Option<&TrackModel>,
) -> Result<SessionAnalysis> {
    if frames.is_empty() {
        return Err(Error::NoFrames);
    }
    analyze_from_columns(meta, Columns::from_frames(frames), options, saved)
}

/// A session's frames as the analysis reads them, taken block by block: a recording can be analysed while it
/// is decoded without ever holding all its frames (only the columns the analysis reads, thinned to about
/// 100 Hz). [`analyze_frame_columns`] then gives what [`analyze_session_with_model`] gives for the same frames.
#[derive(Debug, Default)]
pub struct FrameColumns {
    builder: columns::ColumnsBuilder,
    lap_counter: bool,
}

impl FrameColumns {
    /// Nothing yet.
    pub fn new() -> FrameColumns {
        FrameColumns::default()
    }

    /// Nothing yet; about `frames` frames to come (a recording's frame count), so the columns are sized once
    /// rather than grown. A wrong hint costs only memory or copies, and no more than about 1 M samples per column
    /// are reserved whatever it says.
    pub fn with_expected_frames(frames: usize) -> FrameColumns {
        let mut c = FrameColumns::default();
        c.builder.expect(frames);
        c
    }

    /// Takes the next frames, in recording order. Only the channels in [`CHANNELS_READ`] are read.
    pub fn extend(&mut self, frames: &[Frame]) {
        if !self.lap_counter {
            self.lap_counter = frames.iter().any(|f| f.get(racecraft_core::Channel::Lap).is_some());
        }
        self.builder.extend(frames);
    }

    /// Frames taken so far.
    pub fn frames_seen(&self) -> usize {
        self.builder.frames_seen()
    }

    /// Whether any frame taken carries a lap counter (a log without one is lapped by its markers, which must
    /// be stamped on the frames first).
    pub fn has_lap_counter(&self) -> bool {
        self.lap_counter
    }
}

/// [`analyze_session_with_model`] on frames taken through [`FrameColumns`].
pub fn analyze_frame_columns(
    meta: &SessionMeta,
    frames: FrameColumns,
    options: &AnalysisOptions,
    saved: Option<&TrackModel>,
) -> Result<SessionAnalysis> {
    if frames.frames_seen() == 0 {
        return Err(Error::NoFrames);
    }
    analyze_from_columns(meta, frames.builder.finish(), options, saved)
}

fn analyze_from_columns(
    meta: &SessionMeta,
    c: Columns,
    options: &AnalysisOptions,
    saved: Option<&TrackModel>,
) -> Result<SessionAnalysis> {
    if c.len() < MIN_FRAMES {
        return Err(Error::TooFewFrames { found: c.len(), min: MIN_FRAMES });
    }
    let step_wanted =
        if options.grid_step_m.is_finite() && options.grid_step_m > 0.05 { options.grid_step_m } else { 1.0 };

    // Laps.
    let game_length = laps::length_from_lap_distance(&c);
    let saved_length = saved.map(|m| m.length_m).filter(|l| l.is_finite() && *l > 0.0);
    let (mut all_laps, boundaries) =
        laps::detect_laps(&c, game_length.or(saved_length), saved.and_then(|m| m.start_line));
    if let Some(keep) = &options.laps {
        all_laps.retain(|l| keep.contains(&l.lap_number));
    }
    if all_laps.is_empty() {
        return Err(Error::NoLaps);
    }

    // Distances and the grid.
    let (mut dist, raw_lengths) = trace::raw_distances(&c, &all_laps, game_length);
    let length_m = match game_length {
        Some(l) => l,
        None => {
            let mut valid: Vec<f64> =
                all_laps.iter().zip(&raw_lengths).filter(|(l, _)| l.valid).filter_map(|(_, r)| *r).collect();
            if valid.is_empty() {
                valid = raw_lengths.iter().filter_map(|r| *r).collect();
            }
            let measured = laps::median(&mut valid);
            match saved_length {
                Some(s) if (measured - s).abs() <= track_model::SAME_TRACK_TOLERANCE * s => s,
                _ => measured,
            }
        }
    };
    if !(length_m.is_finite() && length_m > 10.0 * step_wanted && length_m <= f64::from(limits::MAX_LAP_LENGTH_M)) {
        return Err(Error::NoLaps);
    }
    // The grid is never finer than the samples warrant (see the crate docs, # Input).
    let budget = (GRID_POINTS_PER_SAMPLE.saturating_mul(c.len())).max(MIN_GRID_BUDGET);
    let step_wanted = step_wanted.max(length_m * all_laps.len() as f64 / budget as f64);
    trace::scale_distances(&mut dist, &all_laps, &raw_lengths, length_m);
    let points = (length_m / step_wanted).round() as usize + 1;
    let step_m = length_m / (points - 1) as f64;

    // Sectors.
    let game_intervals = laps::sector_intervals(&dist, &c, &all_laps);
    let saved_intervals = saved
        .filter(|m| (m.length_m - length_m).abs() <= track_model::SAME_TRACK_TOLERANCE * length_m)
        .map(|m| m.sector_intervals_m.clone())
        .filter(|v| !v.is_empty());
    let (intervals, sector_source): (Vec<[f64; 2]>, SectorSource) =
        match (&options.sector_boundaries_m, &game_intervals) {
            (Some(b), _) if b.iter().any(|d| d.is_finite() && *d > 0.0 && *d < length_m) => {
                // Only boundaries inside the lap, in order: options come from outside too.
                let mut inside: Vec<f64> =
                    b.iter().copied().filter(|d| d.is_finite() && *d > 0.0 && *d < length_m).collect();
                inside.sort_by(f64::total_cmp);
                (inside.iter().map(|&d| [d, d]).collect(), SectorSource::Options)
            }
            (_, Some(g)) => {
                let mut v: Vec<[f64; 2]> = g.iter().map(|&(lo, hi)| [lo, hi]).collect();
                if let Some(s) = &saved_intervals
                    && s.len() == v.len()
                {
                    for (a, b) in v.iter_mut().zip(s) {
                        let (lo, hi) = (a[0].max(b[0]), a[1].min(b[1]));
                        if lo <= hi {
                            *a = [lo, hi];
                        }
                    }
                }
                (v, SectorSource::Game)
            }
            _ => match &saved_intervals {
                Some(s) => (s.clone(), SectorSource::Model),
                None => (vec![[length_m / 3.0; 2], [2.0 * length_m / 3.0; 2]], SectorSource::Thirds),
            },
        };
    let sector_boundaries_m: Vec<f64> = intervals.iter().map(|[lo, hi]| 0.5 * (lo + hi)).collect();
    for lap in &mut all_laps {
        lap.sectors_s = laps::sector_times(&dist, &c, lap, length_m, &sector_boundaries_m);
    }

    // Traces.
    let traces: Vec<LapTrace> = all_laps.iter().map(|l| trace::resample(&c, &dist, l, points, step_m)).collect();
    let mut analysis = SessionAnalysis {
        game: meta.game.clone(),
        car: meta.car.clone(),
        track: meta.track.clone(),
        driver: meta.driver.clone(),
        boundaries,
        track_length_m: length_m,
        grid_step_m: step_m,
        sector_boundaries_m,
        sector_source,
        laps: all_laps,
        traces,
        options: options.clone(),
        ..SessionAnalysis::default()
    };
    let counted = analysis.counted();

    // Track model and corners.
    let model_traces: Vec<&LapTrace> = counted.iter().map(|&i| &analysis.traces[i]).collect();
    let mut model = track_model::build(&meta.track, &model_traces, length_m, step_m);
    model.sector_intervals_m = intervals;
    if let Some(saved) = saved {
        model = track_model::merge(saved, model);
    }
    if model.corners.is_empty() {
        model.corners = detect_corners(&model.curvature_per_m, model.step_m);
    }
    analysis.corners = model.corners.clone();
    analysis.track_model_summary = TrackSummary {
        length_m: model.length_m,
        geometry: model.geometry,
        closure_m: model.closure_m,
        points: model.points.len(),
        laps_used: model.laps_used,
        start_line: model.start_line,
    };
    analysis.track_model = model;

    // Zones from the median speed profile of the counted laps.
    let mut median_speed = vec![0.0f32; points];
    let mut column: Vec<f64> = Vec::with_capacity(counted.len());
    for (k, slot) in median_speed.iter_mut().enumerate() {
        column.clear();
        column.extend(counted.iter().map(|&i| f64::from(analysis.traces[i].speed_mps[k])).filter(|v| v.is_finite()));
        *slot = if column.is_empty() { 0.0 } else { laps::median(&mut column) as f32 };
    }
    analysis.zones = corners::corner_zones(&analysis.corners, &median_speed, step_m);

    // Grip, metrics, shifts.
    analysis.grip = grip::envelope(&c);
    let mut metrics = Vec::with_capacity(analysis.traces.len() * analysis.zones.len());
    for t in &analysis.traces {
        metrics::lap_metrics(t, &analysis.corners, &analysis.zones, &analysis.grip, &mut metrics);
    }
    analysis.corner_metrics = metrics;
    analysis.lap_grip = analysis
        .laps
        .iter()
        .map(|l| {
            let used: Vec<f64> =
                analysis.corner_metrics.iter().filter(|m| m.lap_number == l.lap_number).map(|m| m.grip_used).collect();
            LapGrip {
                lap_number: l.lap_number,
                mean_grip_used: if used.is_empty() { 0.0 } else { used.iter().sum::<f64>() / used.len() as f64 },
                peak_grip_used: used.iter().copied().fold(0.0, f64::max),
            }
        })
        .collect();
    analysis.shifts = shifts::shift_analysis(&c);

    // Bests.
    let best =
        counted.iter().copied().min_by(|&a, &b| analysis.laps[a].lap_time_s.total_cmp(&analysis.laps[b].lap_time_s));
    if let Some(b) = best {
        let lap = &mut analysis.laps[b];
        lap.session_best = lap.valid;
        lap.personal_best = lap.valid && options.personal_best_s.is_none_or(|pb| lap.lap_time_s < pb);
        analysis.best_lap = Some(lap.lap_number);
        analysis.best_lap_s = Some(lap.lap_time_s);
    }
    analysis.theoretical_best = theoretical_best(&analysis, &counted);
    let mut so_far = SectorBests::default();
    for lap in &mut analysis.laps {
        lap.sector_deltas_s = so_far.sector_deltas(&lap.sectors_s);
        so_far.add(lap.lap_time_s, &lap.sectors_s, lap.valid);
    }

    // Consistency.
    let lap_times: Vec<(u32, f64)> =
        counted.iter().map(|&i| (analysis.laps[i].lap_number, analysis.laps[i].lap_time_s)).collect();
    let corner_numbers: Vec<u32> = analysis.corners.iter().map(|c| c.number).collect();
    analysis.consistency = consistency::consistency(&lap_times, &analysis.corner_metrics, &corner_numbers);

    analysis.mistakes = find_mistakes(&analysis, &counted, &median_speed);
    analysis.coaching = session_coaching(&analysis, &counted);
    Ok(analysis)
}

/// Segment boundaries: the start line, each zone's start, the finish.
fn segment_labels(a: &SessionAnalysis) -> Vec<(String, f64, f64)> {
    let mut out = Vec::with_capacity(a.zones.len() + 1);
    let mut from = (String::from("Start"), 0.0);
    for z in &a.zones {
        out.push((format!("{}–T{}", from.0, z.corner), from.1, z.start_m));
        from = (format!("T{}", z.corner), z.start_m);
    }
    out.push((format!("{}–Finish", from.0), from.1, a.track_length_m));
    out
}

fn theoretical_best(a: &SessionAnalysis, counted: &[usize]) -> TheoreticalBest {
    let sector_times: Vec<(u32, Vec<f64>)> =
        counted.iter().map(|&i| (a.laps[i].lap_number, a.laps[i].sectors_s.clone())).collect();
    let mut bounds = vec![0.0];
    bounds.extend(&a.sector_boundaries_m);
    bounds.push(a.track_length_m);
    let sector_labels: Vec<(String, f64, f64)> =
        bounds.windows(2).enumerate().map(|(i, w)| (format!("S{}", i + 1), w[0], w[1])).collect();
    let (sectors_s, best_sectors) = best::best_pieces(&sector_times, &sector_labels);
    let labels = segment_labels(a);
    let segment_times: Vec<(u32, Vec<f64>)> = counted
        .iter()
        .map(|&i| {
            let t = &a.traces[i];
            (a.laps[i].lap_number, labels.iter().map(|(_, s, e)| t.time_at(*e) - t.time_at(*s)).collect())
        })
        .collect();
    let (segments_s, best_segments) = best::best_pieces(&segment_times, &labels);
    TheoreticalBest { sectors_s, best_sectors, segments_s, best_segments }
}

/// Mistakes: corners where a lap's metrics stand out (an apex much slower than usual, braking much earlier
/// than usual) or whose segment simply took far longer than usual, with the time they cost.
///
/// "Usual" is taken from clean laps only: a first pass finds the mistakes against every counted lap, then the
/// search runs again with, at each corner, the laps that erred there (or at the corner before, whose loss runs
/// on into it) left out of the medians and of the choice of the typical lap. So when several laps err at one
/// corner, neither the usual figures nor the lap the advice compares with are themselves mistakes.
fn find_mistakes(a: &SessionAnalysis, counted: &[usize], median_speed: &[f32]) -> Vec<Mistake> {
    let nz = a.zones.len();
    if counted.len() < 3 || nz == 0 {
        return Vec::new();
    }
    let mut dirty = vec![vec![false; a.laps.len()]; nz];
    let first = mistakes_against(a, counted, median_speed, &dirty);
    for mistake in &first {
        let Some(li) = a.laps.iter().position(|l| l.lap_number == mistake.lap_number) else { continue };
        let Some(k) = a.zones.iter().position(|z| z.corner == mistake.corner) else { continue };
        dirty[k][li] = true;
        if k + 1 < nz {
            dirty[k + 1][li] = true;
        }
    }
    mistakes_against(a, counted, median_speed, &dirty)
}

/// One pass of [`find_mistakes`]: the usual figures of zone `k` come from the counted laps `li` with
/// `!dirty[k][li]` (all counted laps when fewer than 3 are clean).
fn mistakes_against(a: &SessionAnalysis, counted: &[usize], median_speed: &[f32], dirty: &[Vec<bool>]) -> Vec<Mistake> {
    let mut out = Vec::new();
    let nz = a.zones.len();
    // The laps whose figures make "usual" over zones `zones`: clean in every one of them, or every counted lap.
    let clean_over = |zones: std::ops::Range<usize>| -> Vec<usize> {
        let clean: Vec<usize> =
            counted.iter().copied().filter(|&li| zones.clone().all(|k| !dirty.get(k).is_some_and(|d| d[li]))).collect();
        if clean.len() >= 3 { clean } else { counted.to_vec() }
    };
    let clean_laps: Vec<Vec<u32>> =
        (0..nz).map(|k| clean_over(k..k + 1).iter().map(|&i| a.laps[i].lap_number).collect()).collect();
    let mut scratch: Vec<f64> = Vec::with_capacity(counted.len());
    let mut med = |f: &dyn Fn(&CornerMetrics) -> Option<f64>, k: usize| -> Option<f64> {
        let corner = a.zones[k].corner;
        scratch.clear();
        scratch.extend(clean_laps[k].iter().filter_map(|&n| a.metrics(n, corner).and_then(f)));
        (scratch.len() >= 3).then(|| laps::median(&mut scratch))
    };
    // Per zone: the usual segment time, minimum speed and braking point, and the spread of segment times.
    struct Usual {
        segment_s: f64,
        min_speed_mps: f64,
        braking_m: Option<f64>,
    }
    let usual: Vec<Option<Usual>> = a
        .zones
        .iter()
        .enumerate()
        .map(|(k, _)| {
            let segment_s = med(&|m| Some(m.segment_time_s), k)?;
            let min_speed_mps = med(&|m| Some(m.min_speed_mps), k)?;
            let braking_m = med(&|m| m.braking_point_m, k);
            Some(Usual { segment_s, min_speed_mps, braking_m })
        })
        .collect();
    let mut scratch_times: Vec<f64> = Vec::with_capacity(counted.len());
    let speed_at = |d: f64| median_speed.get((d / a.grid_step_m).round() as usize).copied().unwrap_or(0.0);
    let zone_start = |k: usize| a.zones.get(k).map_or(a.track_length_m, |z| z.start_m);
    // Time over `from..to` (zones `zones`) of one lap, and its median and robust deviation over the laps clean
    // there.
    let mut window = |zones: std::ops::Range<usize>, from: f64, to: f64, lap: usize| -> (f64, f64, f64) {
        let span = |t: &LapTrace| t.time_at(to) - t.time_at(from);
        scratch_times.clear();
        scratch_times.extend(clean_over(zones).iter().map(|&i| span(&a.traces[i])));
        let median = laps::median(&mut scratch_times);
        // The spread over every counted lap: the driver's ordinary variation, which leaving the mistakes out
        // would understate.
        scratch_times.clear();
        scratch_times.extend(counted.iter().map(|&i| span(&a.traces[i])));
        let all_median = laps::median(&mut scratch_times);
        for x in scratch_times.iter_mut() {
            *x = (*x - all_median).abs();
        }
        let sigma = 1.4826 * laps::median(&mut scratch_times);
        (span(&a.traces[lap]), median, sigma)
    };
    for (li, lap) in a.laps.iter().enumerate() {
        let trace = &a.traces[li];
        // The cost runs on into the next segments while the car arrives there slower than usual.
        let carry = |mut j: usize| {
            while j + 1 < nz {
                let at = a.zones[j + 1].start_m;
                let behind =
                    f64::from(trace.speed_mps[trace.index_of(at)]) < f64::from(speed_at(at)) - MISTAKE_CARRY_MPS;
                if !behind {
                    break;
                }
                j += 1;
            }
            j
        };
        let mut found: Vec<Mistake> = Vec::new();
        for (k, z) in a.zones.iter().enumerate() {
            let (Some(u), Some(m)) = (&usual[k], a.metrics(lap.lap_number, z.corner)) else { continue };
            let slow_apex = m.min_speed_mps < (1.0 - MISTAKE_APEX_FRACTION) * u.min_speed_mps;
            let early = matches!((m.braking_point_m, u.braking_m), (Some(b), Some(ub)) if ub - b >= MISTAKE_BRAKE_M);
            let mut candidate: Option<(usize, MistakeKind, f64)> = None;
            if slow_apex || early {
                // From the lap's own braking point when it braked before the zone.
                let from = z.start_m.min(m.braking_point_m.map_or(z.start_m, |b| b - MISTAKE_LEAD_M)).max(0.0);
                let (t, median, _) = window(k..carry(k) + 1, from, zone_start(carry(k) + 1), li);
                let kind = if early { MistakeKind::EarlyBraking } else { MistakeKind::SlowApex };
                candidate = Some((k, kind, t - median));
            }
            // A segment, or two in a row (a loss split across a chicane), far slower than usual: the corner
            // of the two that lost more.
            for span in 1..=2usize {
                if candidate.is_some() || k + span > nz {
                    break;
                }
                let (t, median, sigma) = window(k..k + span, z.start_m, zone_start(k + span), li);
                if t - median > MISTAKE_MIN_S.max(MISTAKE_SIGMAS * sigma) {
                    let mut worst = (k, f64::NEG_INFINITY);
                    for j in k..k + span {
                        let (t, median, _) = window(j..j + 1, zone_start(j), zone_start(j + 1), li);
                        if t - median > worst.1 {
                            worst = (j, t - median);
                        }
                    }
                    let worst = worst.0;
                    let end = carry(k + span - 1) + 1;
                    let (t, median, _) = window(k..end, z.start_m, zone_start(end), li);
                    candidate = Some((worst, MistakeKind::SlowSegment, t - median));
                }
            }
            let Some((c, kind, lost)) = candidate else { continue };
            if lost < MISTAKE_MIN_S {
                continue;
            }
            let corner = a.zones[c].corner;
            // One mistake per corner: a specific cause wins over a slow segment, else the larger loss.
            if let Some(prev) = found.iter_mut().find(|x| x.corner == corner) {
                let specific = kind != MistakeKind::SlowSegment;
                if prev.kind == MistakeKind::SlowSegment && (specific || lost > prev.time_lost_s) {
                    prev.kind = kind;
                    prev.time_lost_s = lost;
                }
                continue;
            }
            found.push(Mistake {
                lap_number: lap.lap_number,
                corner,
                kind,
                time_lost_s: lost,
                typical_segment_s: usual[c].as_ref().map_or(f64::NAN, |u| u.segment_s),
                advice: None,
            });
        }
        for mistake in &mut found {
            // Compare with the clean lap closest to the usual segment time.
            let Some(k) = a.zones.iter().position(|z| z.corner == mistake.corner) else { continue };
            let Some(u) = usual[k].as_ref() else { continue };
            let typical = clean_laps[k]
                .iter()
                .filter(|&&n| n != lap.lap_number)
                .filter_map(|&n| a.metrics(n, mistake.corner).map(|x| (n, (x.segment_time_s - u.segment_s).abs())))
                .min_by(|x, y| x.1.total_cmp(&y.1))
                .map(|(n, _)| n);
            mistake.advice = typical.and_then(|r| {
                let (m, rm) = (a.metrics(lap.lap_number, mistake.corner)?, a.metrics(r, mistake.corner)?);
                coaching::advise(m, rm, mistake.time_lost_s, &format!("on a typical lap (lap {r})"))
            });
        }
        out.extend(found);
    }
    out.sort_by(|x, y| y.time_lost_s.total_cmp(&x.time_lost_s));
    out
}

/// The best lap against, corner by corner, the lap that was fastest there.
fn session_coaching(a: &SessionAnalysis, counted: &[usize]) -> Vec<Advice> {
    let Some(best) = a.best_lap else { return Vec::new() };
    let mut out = Vec::new();
    for z in &a.zones {
        let Some(mine) = a.metrics(best, z.corner) else { continue };
        let fastest = counted
            .iter()
            .filter_map(|&i| a.metrics(a.laps[i].lap_number, z.corner))
            .min_by(|x, y| x.segment_time_s.total_cmp(&y.segment_time_s));
        let Some(fastest) = fastest else { continue };
        if fastest.lap_number == best {
            continue;
        }
        let at_stake = mine.segment_time_s - fastest.segment_time_s;
        if let Some(advice) = coaching::advise(mine, fastest, at_stake, &format!("on lap {}", fastest.lap_number)) {
            out.push(advice);
        }
    }
    coaching::rank(&mut out);
    out
}

/// Compares lap `lap_number` with `reference`: delta, loss per corner and straight, and coaching.
pub fn compare_laps(analysis: &SessionAnalysis, lap_number: u32, reference: Reference) -> Result<LapComparison> {
    let ref_number = analysis.reference_lap(reference)?;
    let ref_lap = analysis.lap(ref_number).ok_or(Error::UnknownLap(ref_number))?;
    let r = analysis.trace(ref_number).ok_or(Error::UnknownLap(ref_number))?;
    let reference_name = match reference {
        Reference::Best => String::from("on your best lap"),
        Reference::Lap(n) => format!("on lap {n}"),
    };
    let ref_metrics: Vec<&CornerMetrics> =
        analysis.corner_metrics.iter().filter(|m| m.lap_number == ref_number).collect();
    let same_lap = lap_number == ref_number;
    compare_with_trace(analysis, lap_number, r, ref_lap.lap_time_s, &ref_metrics, &reference_name, !same_lap)
}

/// Compares lap `lap_number` of `analysis` with lap `reference_lap` of `other`, another session on the same
/// track (for instance a coach's lap, or last week's best).
///
/// The reference lap is moved onto this session's distance grid (its distances scaled by the ratio of the two
/// sessions' lap lengths) and measured in this session's corners, so the delta, the losses per corner and
/// straight and the coaching read exactly as for a lap of the same session. Tracks whose lap lengths differ by
/// more than [`track_model::SAME_TRACK_TOLERANCE`] are refused with [`Error::DifferentTrack`].
pub fn compare_across_sessions(
    analysis: &SessionAnalysis,
    lap_number: u32,
    other: &SessionAnalysis,
    reference_lap: u32,
) -> Result<LapComparison> {
    let (mine, theirs) = (analysis.track_length_m, other.track_length_m);
    if !(mine > 0.0 && theirs > 0.0 && ((theirs - mine) / mine).abs() <= track_model::SAME_TRACK_TOLERANCE) {
        return Err(Error::DifferentTrack { length_m: mine, other_length_m: theirs });
    }
    let points = analysis.trace(lap_number).ok_or(Error::UnknownLap(lap_number))?.len();
    let ref_lap = other.lap(reference_lap).ok_or(Error::UnknownLap(reference_lap))?;
    let r = other.trace(reference_lap).ok_or(Error::UnknownLap(reference_lap))?;
    let r = trace::regrid(r, points, analysis.grid_step_m);
    let mut ref_metrics = Vec::with_capacity(analysis.zones.len());
    metrics::lap_metrics(&r, &analysis.corners, &analysis.zones, &analysis.grip, &mut ref_metrics);
    let ref_metrics: Vec<&CornerMetrics> = ref_metrics.iter().collect();
    let reference_name = format!("on lap {reference_lap} of the reference session");
    compare_with_trace(analysis, lap_number, &r, ref_lap.lap_time_s, &ref_metrics, &reference_name, true)
}

/// The comparison of lap `lap_number` with a reference trace on the same grid and its corner metrics.
fn compare_with_trace(
    analysis: &SessionAnalysis,
    lap_number: u32,
    r: &LapTrace,
    reference_lap_time_s: f64,
    ref_metrics: &[&CornerMetrics],
    reference_name: &str,
    advise: bool,
) -> Result<LapComparison> {
    let lap = analysis.lap(lap_number).ok_or(Error::UnknownLap(lap_number))?;
    let t = analysis.trace(lap_number).ok_or(Error::UnknownLap(lap_number))?;
    let full = delta_trace(t, r);
    let points = analysis.options.delta_points;
    let stretches = delta::stretch_losses(t, r, &analysis.zones);
    let mut corners_out = Vec::with_capacity(analysis.zones.len());
    let mut coaching = Vec::new();
    let length = analysis.track_length_m;
    for (zi, z) in analysis.zones.iter().enumerate() {
        let (Some(m), Some(rm)) =
            (analysis.metrics(lap_number, z.corner), ref_metrics.iter().find(|m| m.corner == z.corner))
        else {
            continue;
        };
        let d = |x: f64| t.time_at(x) - r.time_at(x);
        let seg_end = analysis.zones.get(zi + 1).map_or(length, |n| n.start_m);
        let segment_loss_s = d(seg_end) - d(z.start_m);
        corners_out.push(CornerComparison {
            corner: z.corner,
            zone_loss_s: d(z.end_m) - d(z.start_m),
            segment_loss_s,
            lap: m.clone(),
            reference: (*rm).clone(),
        });
        if advise && let Some(advice) = coaching::advise(m, rm, segment_loss_s, reference_name) {
            coaching.push(advice);
        }
    }
    coaching::rank(&mut coaching);
    Ok(LapComparison {
        lap_number,
        reference_lap_number: r.lap_number,
        lap_time_s: lap.lap_time_s,
        reference_lap_time_s,
        difference_s: lap.lap_time_s - reference_lap_time_s,
        delta: decimate(&full, analysis.grid_step_m, points),
        stretches,
        corners: corners_out,
        coaching,
    })
}
