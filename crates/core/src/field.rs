//! The field: every car of a race as the game publishes it (positions, laps, gaps, tyres, pit stops), for a
//! timing tower. A snapshot, replaced by the next one, not a telemetry channel of one car.

use crate::Compound;

/// Every car the game reports, at one moment.
#[derive(Debug, Clone, PartialEq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Field {
    /// Session time of the snapshot, µs (the clock of the session's frames).
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub t_us: i64,
    /// The cars, by position (cars without one last).
    pub cars: Vec<FieldCar>,
}

/// One car of the field. Every figure is the game's own; `None` where the game does not publish it.
#[derive(Debug, Clone, PartialEq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct FieldCar {
    /// The game's index of the car (F1: 0..21, iRacing: CarIdx).
    pub index: u32,
    /// Race position, 1 leading.
    pub position: Option<u32>,
    /// Race number.
    pub number: Option<String>,
    /// Driver name.
    pub driver: String,
    /// Team name.
    pub team: Option<String>,
    /// The car the recording or capture follows.
    pub is_player: bool,
    /// The lap the car is on.
    pub lap: Option<u32>,
    /// Last lap, s.
    pub last_lap_s: Option<f64>,
    /// Best lap, s.
    pub best_lap_s: Option<f64>,
    /// Gap to the leader, s.
    pub gap_to_leader_s: Option<f64>,
    /// Gap to the car ahead, s.
    pub interval_s: Option<f64>,
    /// In the pit lane now.
    pub in_pit: bool,
    /// Pit stops made.
    pub pit_stops: Option<u32>,
    /// Tyre compound fitted.
    #[cfg_attr(feature = "ts", ts(as = "Option<String>"))]
    pub compound: Option<Compound>,
    /// Laps on this set of tyres.
    pub tyre_age_laps: Option<u32>,
    /// Damage of the worst damaged part, 0..1.
    pub damage: Option<f64>,
    /// Racing, or why not: `"retired"`, `"disqualified"`, `"not_classified"`, … (`None` while racing or unknown).
    pub status: Option<String>,
}
