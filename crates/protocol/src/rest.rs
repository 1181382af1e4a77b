//! Session and lap bodies: `GET /api/sessions[/{id}]`, `GET /api/sessions/{id}/laps`, and the viewer's
//! hello and `lap_completed`.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// A session as the API and the viewers see it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct Session {
    /// Database id (ids of sessions created while the database was away start at 2^52; all fit a JS number).
    #[ts(type = "number")]
    pub id: i64,
    /// Display name.
    pub name: String,
    /// Source game or tool.
    pub game: String,
    /// Car name.
    pub car: String,
    /// Track name.
    pub track: String,
    /// Driver name.
    pub driver: String,
    /// Wall-clock start, ms since the Unix epoch.
    #[ts(type = "number")]
    pub started_at_ms: i64,
    /// Wall-clock end, ms since the Unix epoch; `null` while it has not ended.
    #[ts(type = "number | null")]
    pub ended_at_ms: Option<i64>,
    /// Hidden from the default session list.
    pub archived: bool,
    /// Completed laps stored.
    #[ts(type = "number")]
    pub lap_count: u64,
    /// Fastest valid lap, s.
    pub best_lap_s: Option<f64>,
    /// Telemetry frames stored.
    #[ts(type = "number")]
    pub frame_count: u64,
    /// Receiving data now.
    pub live: bool,
}

/// A completed lap.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct Lap {
    /// Database id; `null` for a lap completed live and not stored yet.
    #[ts(type = "number | null")]
    pub id: Option<i64>,
    /// Its session.
    #[ts(type = "number")]
    pub session_id: i64,
    /// The game's lap number.
    pub lap_number: u32,
    /// Lap time, s.
    pub lap_time_s: f64,
    /// Sector times, s.
    pub sectors_s: Vec<f64>,
    /// Session time at the lap's start, s.
    pub start_t_s: f64,
    /// Frames in the lap.
    #[ts(type = "number")]
    pub frame_count: u64,
    /// Not flagged, not broken by a gap, not an out-lap.
    pub valid: bool,
    /// The capture joined after the lap had started.
    pub out_lap: bool,
    /// The car was in the pit lane during the lap.
    pub pit: bool,
}

/// One channel of the channel model (`GET /api/channels`, the viewer's hello).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct ChannelInfo {
    /// Index in the compact binary frame's mask.
    pub index: u8,
    /// Name with its unit, e.g. `speed_mps`.
    pub name: String,
    /// Unit, e.g. `m/s`.
    pub unit: String,
    /// What it is (only in `GET /api/channels`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub description: Option<String>,
}
