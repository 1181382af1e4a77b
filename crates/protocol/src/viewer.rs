//! What a live viewer receives on `GET /ws/{session_id}`: text messages tagged by `type`.
//!
//! In `format=binary` mode telemetry arrives as binary messages (`u8 1 · u64 seq · compact frame`) instead of
//! `telemetry_update` text; everything else stays JSON.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::rest::{ChannelInfo, Lap, Session};

/// One message to a live viewer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ViewerMessage {
    /// First message: the session, the channel model, the laps so far.
    Hello {
        /// Protocol version of the server ([`crate::PROTOCOL_VERSION`]).
        v: u32,
        /// The session.
        session: Session,
        /// The channel model.
        channels: Vec<ChannelInfo>,
        /// Laps completed so far, stored and live.
        laps: Vec<Lap>,
        /// Fastest valid lap so far, s.
        best_lap_s: Option<f64>,
    },
    /// A late joiner's copy of the current lap so far, once, right after the hello.
    LapBacklog {
        /// Lap number of the frames.
        lap: Option<u32>,
        /// Sequence number of the first frame.
        #[ts(type = "number")]
        first_seq: u64,
        /// Session time of each frame, s.
        t_s: Vec<f64>,
        /// Columns of equal length, `null` where a frame lacks the channel.
        channels: BTreeMap<String, Vec<Option<f64>>>,
    },
    /// One frame (JSON mode): its present channels.
    TelemetryUpdate {
        /// Sequence number within the session.
        #[ts(type = "number")]
        seq: u64,
        /// Session time, s.
        t_s: f64,
        /// Channel name → value.
        frame: BTreeMap<String, f64>,
    },
    /// A lap completed.
    LapCompleted {
        /// The lap.
        lap: Lap,
        /// Fastest valid lap now, s.
        best_lap_s: Option<f64>,
    },
    /// Figures of the lap just completed, right after its `lap_completed`.
    InsightUpdate(LapInsight),
    /// This viewer fell behind and skipped to the newest data.
    Lagged {
        /// Frames skipped.
        #[ts(type = "number")]
        skipped: u64,
    },
    /// The session ended.
    SessionEnded,
}

/// The server's figures for a just-completed lap; bests are over the valid laps before it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct LapInsight {
    /// The lap.
    pub lap_number: u32,
    /// Its time, s.
    pub lap_time_s: f64,
    /// Valid.
    pub valid: bool,
    /// Fastest valid lap before it, s.
    pub best_lap_s: Option<f64>,
    /// This lap minus that best, s (positive: slower).
    pub delta_to_best_s: Option<f64>,
    /// Its sector times, s.
    pub sectors_s: Vec<f64>,
    /// Each sector minus the best of that sector before it, s.
    pub sector_deltas_s: Vec<Option<f64>>,
    /// Top speed, m/s.
    pub top_speed_mps: Option<f64>,
    /// Largest lateral acceleration, g.
    pub max_lat_g: Option<f64>,
    /// Largest braking deceleration, g.
    pub max_brake_g: Option<f64>,
    /// Share of the lap at full throttle, %.
    pub full_throttle_pct: Option<f64>,
    /// Tyre figures, when the source has tyre channels.
    pub tyres: Option<TyreInsight>,
}

/// Tyre figures of a lap, per wheel in the order FL, FR, RL, RR.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct TyreInsight {
    /// Hottest temperature seen, °C.
    pub max_temp_c: Vec<Option<f64>>,
    /// Lowest pressure seen, kPa.
    pub pressure_min_kpa: Vec<Option<f64>>,
    /// Highest pressure seen, kPa.
    pub pressure_max_kpa: Vec<Option<f64>>,
    /// The hottest wheel (`fl`, `fr`, `rl`, `rr`).
    pub hottest: Option<String>,
}

/// `GET /ws/{session_id}?format=json|binary&v=1`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct ViewerQuery {
    /// How telemetry arrives: `json` (default) as `telemetry_update` text, `binary` as compact frames.
    #[serde(default)]
    #[ts(optional)]
    pub format: Option<TelemetryFormat>,
    /// The protocol version the viewer speaks; refused clearly when it is not the server's.
    #[serde(default)]
    #[ts(optional)]
    pub v: Option<u32>,
}

/// [`ViewerQuery::format`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum TelemetryFormat {
    /// `telemetry_update` text messages.
    #[default]
    Json,
    /// Binary messages: `u8 1 · u64 seq · compact frame`.
    Binary,
}
