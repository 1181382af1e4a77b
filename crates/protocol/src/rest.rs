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
    /// Its team on a team server; `null` on a local one.
    #[serde(default)]
    #[ts(type = "number | null")]
    pub team_id: Option<i64>,
    /// Who besides its driver and the team's owners and engineers may read it.
    #[serde(default)]
    #[ts(type = "\"private\" | \"team\" | \"link\"")]
    pub visibility: racecraft_core::Visibility,
    /// The team the agent named for the car (a display name; `team_id` is the owning team on a team server).
    #[serde(default)]
    pub team: String,
    /// The car's race number the agent named; empty when none. A team's sessions with the same car number on
    /// the same track are the stints of one car.
    #[serde(default)]
    pub car_number: String,
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

/// Every error body: `{"error": "..."}`, with the HTTP status saying which kind.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct ErrorBody {
    /// What went wrong, for a person to read.
    pub error: String,
}

/// `GET /api/health`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct Health {
    /// `ok`, or `degraded` while storage is behind or failing (the server still takes data).
    pub status: HealthStatus,
    /// Why it is degraded.
    pub reason: Option<String>,
    /// The server's version.
    pub version: String,
    /// The database and the storage pipeline.
    pub db: DbHealth,
    /// Sessions receiving data now.
    #[ts(type = "number")]
    pub live_sessions: u64,
}

/// Overall state in [`Health`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum HealthStatus {
    /// Everything acknowledged is in the database or on its way.
    Ok,
    /// Storage is behind: batches spooled to disk or held in memory, or the database is away.
    Degraded,
}

/// The storage side of [`Health`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct DbHealth {
    /// `sqlite` or `postgres`.
    pub backend: String,
    /// The database answered the last write.
    pub available: bool,
    /// Batches waiting in the on-disk spool.
    #[ts(type = "number")]
    pub spooled_batches: u64,
    /// Batches held in memory because the spool could not take them (disk full).
    #[ts(type = "number")]
    pub held_batches: u64,
    /// Frames acknowledged and not yet in the database.
    #[ts(type = "number")]
    pub pending_frames: u64,
    /// The last storage error.
    pub last_error: Option<String>,
}

/// `GET /api/sessions?archived=true`: include archived sessions.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct ListSessionsQuery {
    /// List archived sessions too.
    #[serde(default)]
    pub archived: bool,
}

/// `POST /api/sessions`: a session to stream into (over `/ws/ingest`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct CreateSession {
    /// Display name; made from the metadata when absent.
    #[serde(default)]
    #[ts(optional)]
    pub name: Option<String>,
    /// Source game or tool.
    #[serde(default)]
    pub game: String,
    /// Car name.
    #[serde(default)]
    pub car: String,
    /// Track name.
    #[serde(default)]
    pub track: String,
    /// Driver name.
    #[serde(default)]
    pub driver: String,
    /// Wall-clock start, ms since the Unix epoch; now when absent.
    #[serde(default)]
    #[ts(optional, type = "number")]
    pub started_at_ms: Option<i64>,
    /// The team the car races for.
    #[serde(default)]
    #[ts(optional)]
    pub team: Option<String>,
    /// The car's race number: the team's sessions with the same number on the same track are its stints.
    #[serde(default)]
    #[ts(optional)]
    pub car_number: Option<String>,
}

/// `PATCH /api/sessions/{id}`: rename, archive, and/or change who may read it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct UpdateSession {
    /// New display name.
    #[serde(default)]
    #[ts(optional)]
    pub name: Option<String>,
    /// Archive (hide from the default list) or bring back.
    #[serde(default)]
    #[ts(optional)]
    pub archived: Option<bool>,
    /// Who may read it (team server).
    #[serde(default)]
    #[ts(optional, type = "\"private\" | \"team\" | \"link\"")]
    pub visibility: Option<racecraft_core::Visibility>,
}

/// `GET /api/laps/{id}?channels=a,b&max_points=N`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct LapQuery {
    /// Comma-separated channel names; every channel the lap has when absent.
    #[serde(default)]
    #[ts(optional)]
    pub channels: Option<String>,
    /// Min/max decimation to at most this many frames, keeping the first channel's peaks.
    #[serde(default)]
    #[ts(optional, type = "number")]
    pub max_points: Option<u64>,
}

/// `GET /api/recent/{n}?session_id=&channels=`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct RecentQuery {
    /// The live session; the most recent one when absent.
    #[serde(default)]
    #[ts(optional, type = "number")]
    pub session_id: Option<i64>,
    /// Comma-separated channel names.
    #[serde(default)]
    #[ts(optional)]
    pub channels: Option<String>,
}

/// Frames as columns: one time column and one column per channel, `null` where a frame lacks it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
pub struct Columns {
    /// Session time of each frame, s.
    pub t_s: Vec<f64>,
    /// Channel name (with unit) → values.
    pub channels: std::collections::BTreeMap<String, Vec<Option<f64>>>,
}

/// `GET /api/laps/{id}`: the lap and its frames.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct LapFrames {
    /// The lap.
    pub lap: Lap,
    /// Its frames.
    #[serde(flatten)]
    pub columns: Columns,
}

/// `GET /api/recent/{n}`: the latest frames of a live session.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct RecentFrames {
    /// The session.
    #[ts(type = "number")]
    pub session_id: i64,
    /// Its latest frames.
    #[serde(flatten)]
    pub columns: Columns,
}

/// `POST /api/ingest?session_id=` and `POST /ingest`: what was taken.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct Ingested {
    /// The session the frames went to; `null` when the body held no frame and none was created.
    #[ts(type = "number | null")]
    pub session_id: Option<i64>,
    /// Frames accepted.
    #[ts(type = "number")]
    pub accepted: u64,
    /// Frames already received before (`POST /ingest` resends), not stored twice.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional, type = "number")]
    pub duplicates: Option<u64>,
}

/// `GET /api/sessions/{id}/export?format=ld|ldx|csv&laps=1,2`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct ExportQuery {
    /// The file format.
    pub format: ExportFormat,
    /// Comma-separated lap numbers, laid end to end; the whole session when absent.
    #[serde(default)]
    #[ts(optional)]
    pub laps: Option<String>,
}

/// Export file formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ExportFormat {
    /// MoTeC i2 log.
    Ld,
    /// MoTeC i2 lap markers beside an `.ld`.
    Ldx,
    /// CSV, one row per frame.
    Csv,
}
