//! Session metadata.

/// What a session is: which game, car, track and driver, and when it started.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(default, deny_unknown_fields))]
pub struct SessionMeta {
    /// Source game or tool, e.g. `"sim"`, `"ac"`, `"f1-24"`.
    pub game: String,
    /// Car name as the source reports it.
    pub car: String,
    /// Track name as the source reports it.
    pub track: String,
    /// Driver name.
    pub driver: String,
    /// Wall-clock start, milliseconds since the Unix epoch (UTC).
    pub started_at_ms: i64,
}
