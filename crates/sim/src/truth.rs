//! [`GroundTruth`]: what the simulated session really was, for checking analysis against.

use std::io::Write;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::driver::MistakeKind;
use crate::error::{Error, Result};

/// The exact facts of a simulated session. Distances are from the start line along the race line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroundTruth {
    /// Track name.
    pub track: String,
    /// Car name.
    pub car: String,
    /// Lap length, metres.
    pub length_m: f64,
    /// Sample rate of the frames, Hz.
    pub rate_hz: f64,
    /// Seed of the driver's lap-to-lap variation.
    pub seed: u64,
    /// Distances where sectors 1 and 2 start, metres.
    pub sector_boundaries_m: [f64; 2],
    /// Time of a flying lap at the car's limit everywhere (no variation, no mistakes), seconds.
    pub ideal_lap_time_s: f64,
    /// Corners in driving order.
    pub corners: Vec<CornerTruth>,
    /// Every timed lap, lap 1 first.
    pub laps: Vec<LapTruth>,
    /// Upshift points per gear (every gear but the top one).
    pub shift_points: Vec<ShiftPoint>,
    /// The team the car races for; empty for none.
    #[serde(default)]
    pub team: String,
    /// The car's race number; empty for none.
    #[serde(default)]
    pub car_number: String,
    /// The driver's name.
    #[serde(default)]
    pub driver: String,
    /// Fuel in the tank at the start of lap 1, litres.
    #[serde(default)]
    pub fuel_start_l: f64,
    /// Fuel burnt per timed lap on average, litres.
    #[serde(default)]
    pub fuel_per_lap_l: f64,
    /// The pit stops, in order.
    #[serde(default)]
    pub pit_stops: Vec<PitStopTruth>,
}

/// A pit stop and what it cost.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PitStopTruth {
    /// At the end of this lap (the in-lap; the next one is the out-lap).
    pub lap: u32,
    /// Fuel added, litres.
    pub fuel_added_l: f64,
    /// A new set of tyres was fitted.
    pub tyres: bool,
    /// Time stationary in the box, s.
    pub stationary_s: f64,
    /// In-lap plus out-lap minus the same two laps without the stop, s: pit lane and time stationary.
    pub time_lost_s: f64,
}

/// Direction of a corner.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Turning left (positive curvature).
    Left,
    /// Turning right.
    Right,
}

/// A corner of the race line. `entry_m` is greater than `exit_m` only for a corner across the start line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CornerTruth {
    /// 1-based number in driving order from the start line.
    pub number: u32,
    /// Which way it turns.
    pub direction: Direction,
    /// Where the curvature rises above the corner threshold, metres.
    pub entry_m: f64,
    /// Point of highest curvature, metres.
    pub apex_m: f64,
    /// Where the curvature falls below the threshold, metres.
    pub exit_m: f64,
    /// Slowest point of the ideal lap in the corner, metres.
    pub min_speed_m: f64,
    /// Speed there on the ideal lap, m/s.
    pub min_speed_mps: f64,
    /// Where the ideal lap starts braking for it, metres; `None` for a corner taken without braking.
    pub braking_point_m: Option<f64>,
}

/// One timed lap.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LapTruth {
    /// 1-based lap number, as in the frames' `lap` channel.
    pub lap_number: u32,
    /// Session time when the lap started, seconds.
    pub start_s: f64,
    /// Exact lap time, seconds.
    pub lap_time_s: f64,
    /// Exact sector times, seconds; they sum to `lap_time_s`.
    pub sectors_s: [f64; 3],
    /// Slowest speed in each corner on this lap, m/s, in corner order.
    pub corner_min_speeds_mps: Vec<f64>,
    /// The driver's mistakes on this lap (at most one).
    pub mistakes: Vec<MistakeTruth>,
    /// Fuel burnt on this lap, litres (what a stop added is not counted).
    #[serde(default)]
    pub fuel_used_l: f64,
    /// Fuel left at the end of the lap, litres (negative once the model ran dry: the engine keeps running).
    #[serde(default)]
    pub fuel_at_end_l: f64,
    /// Tread worn since the start of lap 1 at the end of this lap, FL, FR, RL, RR (0 new, 1 worn through).
    #[serde(default)]
    pub tyre_wear_at_end: [f64; 4],
}

/// A driver mistake and what it cost.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MistakeTruth {
    /// Number of the corner.
    pub corner: u32,
    /// Where it happened, metres: the braking point for early braking, the apex for a slow apex.
    pub distance_m: f64,
    /// What went wrong.
    pub kind: MistakeKind,
    /// Metres too early (early braking) or fraction of the cornering limit (slow apex).
    pub magnitude: f64,
    /// Lap time lost: this lap's time minus the same lap driven without the mistake, seconds.
    pub cost_s: f64,
}

/// Upshift points out of one gear.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShiftPoint {
    /// The gear shifted out of.
    pub gear: u8,
    /// The rpm that maximises acceleration: where the next gear's wheel force overtakes this one's.
    pub optimal_rpm: f64,
    /// The rpm at which the simulated driver shifts.
    pub driver_rpm: f64,
}

impl GroundTruth {
    /// Writes the truth as pretty-printed JSON to `path`.
    pub fn write_json(&self, path: &Path) -> Result<()> {
        let io = |source| Error::Io { path: path.to_owned(), source };
        let file = std::fs::File::create(path).map_err(io)?;
        let mut writer = std::io::BufWriter::new(file);
        serde_json::to_writer_pretty(&mut writer, self)
            .map_err(|source| Error::Json { path: path.to_owned(), source })?;
        writer.write_all(b"\n").map_err(io)?;
        writer.flush().map_err(io)
    }
}
