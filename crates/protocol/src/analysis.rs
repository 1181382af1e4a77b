//! Analysis bodies: `GET /api/sessions/{id}/analysis`, `/track`, `/references`, `GET /api/laps/{id}/analysis`
//! and `GET /api/laps/{id}/compare/{ref_id}`.
//!
//! The analysis engine's results ([`SessionAnalysis`], [`LapComparison`] and what they hold) are defined once,
//! in `racecraft-analysis`, and re-exported here; the bodies add what only the server knows (stored lap ids,
//! sessions).

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

pub use racecraft_analysis::{
    Advice, CornerComparison, CornerMetrics, DeltaPoint, GeometrySource, GripEnvelope, Lap as AnalysedLap,
    LapComparison, SessionAnalysis, StretchLoss, TheoreticalBest,
};

use crate::rest::Lap;

/// `GET /api/sessions/{id}/analysis`: everything the analysis found, plus the stored laps' ids.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct SessionAnalysisBody {
    /// The session.
    #[ts(type = "number")]
    pub session_id: i64,
    /// Lap number (as a string key) → id of the stored lap in `/api/laps`.
    #[ts(type = "Record<string, number>")]
    pub lap_ids: BTreeMap<String, i64>,
    /// The analysis (shared with the server's cache, not copied per request).
    #[serde(flatten)]
    pub analysis: Arc<SessionAnalysis>,
}

/// `GET /api/sessions/{id}/track`: the track model's centre line, start line and corners, for drawing the map.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct TrackMap {
    /// Track name.
    pub track: String,
    /// Lap length, m.
    pub length_m: f64,
    /// Where the geometry came from.
    pub geometry: GeometrySource,
    /// Centre line every ~2 m (at most 4000 points): `[x_m, y_m, distance_m]`.
    pub points: Vec<[f64; 3]>,
    /// The start line's position; `null` without geometry.
    pub start: Option<[f32; 2]>,
    /// Corners in driving order.
    pub corners: Vec<TrackCorner>,
}

/// A corner on the [`TrackMap`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct TrackCorner {
    /// Corner number, 1.. in driving order.
    pub number: u32,
    /// Display name ("T4" or the circuit's own).
    pub name: String,
    /// Turn-in, m from the start line.
    pub entry_m: f64,
    /// Apex, m.
    pub apex_m: f64,
    /// Exit, m.
    pub exit_m: f64,
    /// Apex position on the centre line; `null` when the model has no geometry there.
    pub apex_xy: Option<[f32; 2]>,
}

/// `GET /api/laps/{id}/analysis?ref=best|<lap id>`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct LapAnalysisQuery {
    /// `best` (the default) or a lap id, of the same session or of another session on the same track.
    #[serde(default, rename = "ref")]
    #[ts(optional)]
    pub reference: Option<String>,
}

/// `GET /api/laps/{id}/analysis`: one lap, its corner metrics and its comparison with the reference.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct LapAnalysis {
    /// The stored lap.
    #[ts(type = "number")]
    pub lap_id: i64,
    /// The lap as analysed.
    pub lap: AnalysedLap,
    /// Its metrics in every corner.
    pub corner_metrics: Vec<CornerMetrics>,
    /// Against the reference.
    pub comparison: LapComparison,
    /// The reference lap's session.
    #[ts(type = "number")]
    pub reference_session_id: i64,
}

/// `GET /api/laps/{id}/compare/{ref_id}`: delta, losses per corner and straight, coaching.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct LapCompare {
    /// The stored lap.
    #[ts(type = "number")]
    pub lap_id: i64,
    /// The stored reference lap.
    #[ts(type = "number")]
    pub reference_lap_id: i64,
    /// The reference lap's session.
    #[ts(type = "number")]
    pub reference_session_id: i64,
    /// The comparison.
    #[serde(flatten)]
    pub comparison: LapComparison,
}

/// `GET /api/sessions/{id}/references`: other sessions on the same track, fastest first (at most 20).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct References {
    /// The track.
    pub track: String,
    /// The sessions, each with its laps.
    pub sessions: Vec<ReferenceSession>,
}

/// A session in [`References`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct ReferenceSession {
    /// The session.
    #[ts(type = "number")]
    pub session_id: i64,
    /// Display name.
    pub name: String,
    /// Driver.
    pub driver: String,
    /// Car.
    pub car: String,
    /// Game.
    pub game: String,
    /// Wall-clock start, ms since the Unix epoch.
    #[ts(type = "number")]
    pub started_at_ms: i64,
    /// Fastest valid lap, s.
    pub best_lap_s: Option<f64>,
    /// Its stored laps.
    pub laps: Vec<Lap>,
}
