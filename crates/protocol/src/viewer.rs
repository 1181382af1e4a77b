//! What a live viewer receives on `GET /ws/{session_id}`: text messages tagged by `type`.
//!
//! In `format=binary` mode telemetry arrives as binary messages (`u8 1 · u64 seq · compact frame`) instead of
//! `telemetry_update` text; everything else stays JSON.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

pub use racecraft_analysis::live::{LapInsight, TyreInsight};

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
