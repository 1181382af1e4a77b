//! `GET /api/pitwall`: every team car the caller may read, with its stints, fuel and tyre figures, pit plan
//! and alerts.
//!
//! The figures are the analysis engine's ([`racecraft_analysis::pitwall`]), defined once there and
//! re-exported here; the query is the engineer's [`RaceSettings`].

use serde::{Deserialize, Serialize};
use ts_rs::TS;

pub use racecraft_analysis::pitwall::{
    Alert, AlertKind, CarStatus, FuelStatus, RaceSettings, Severity, StintStatus, TyreStatus,
};
pub use racecraft_analysis::strategy::{FuelRate, PitPlan, PitPlans, Stop};

pub use racecraft_core::{Field, FieldCar};

/// `GET /api/sessions/{id}/field`: the field of the race the session's game reports, for a timing tower.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct FieldBody {
    /// The session.
    #[ts(type = "number")]
    pub session_id: i64,
    /// The latest field its agent sent while it is live; `null` when it is not live or its game reports no
    /// field.
    pub field: Option<Field>,
}

/// The pit wall.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct PitWall {
    /// The settings the figures were computed with (the query's, defaults filled in).
    pub settings: RaceSettings,
    /// The server's clock when it answered, ms since the Unix epoch.
    #[ts(type = "number")]
    pub now_ms: i64,
    /// One per team car, by team and car number.
    pub cars: Vec<CarStatus>,
}
