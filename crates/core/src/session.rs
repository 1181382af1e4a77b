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
    /// The team the car races for, as the agent names it; empty when it names none. On a team server the
    /// session's team is the one of the agent's token or user, whatever this says.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "String::is_empty"))]
    pub team: String,
    /// The car's race number or entry name ("7"), empty when none. Sessions of one team with the same car
    /// number on the same track, one after the other, are the stints of one car: a driver swap continues them.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "String::is_empty"))]
    pub car_number: String,
}
