//! The simulated driver: a point-mass quasi-steady-state (QSS) lap model on real circuits, with ground truth.
//!
//! Racecraft's stand-in for a game and the test oracle for analysis: the car follows a real circuit's race
//! line at the limit of a simple but physically consistent model, so speed, accelerations, pedals, gear and
//! rpm agree with each other, and every lap, sector, corner and driver mistake is known exactly.
//!
//! # Layout
//! - [`Track`]: a circuit (20 built in, or any centre-line CSV) resampled with smoothed curvature.
//! - [`Car`]: mass, aero, tyre grip, engine torque curve and gearbox of the point-mass car.
//! - [`DriverModel`]: how the driver varies from lap to lap and how often a mistake happens.
//! - [`Simulation`]: solves a whole session from a [`SimConfig`] once, then yields [`racecraft_core::Frame`]s
//!   through [`Frames`] without allocating.
//! - [`GroundTruth`]: lap and sector times, corners, mistakes and their cost, shift points, fuel burnt and
//!   tread worn; JSON on disk.
//!
//! The method and its assumptions are described where they are decided: `track` (resampling, curvature),
//! `car` (forces), `qss` (the speed profile), `driver` (corners, variation, mistakes), `consumption` (fuel and tread), `pit` (pit lane and stops),
//! `frames` (channels).

mod car;
mod consumption;
mod driver;
mod error;
mod field;
mod frames;
mod pit;
mod qss;
mod sim;
mod track;
mod truth;

pub use car::Car;
pub use driver::{DriverModel, MistakeKind};
pub use error::{CsvProblem, Error, Result};
pub use frames::Frames;
pub use pit::{
    PIT_LANE_AFTER_M, PIT_LANE_BEFORE_M, PIT_LANE_SPEED_MPS, PitStop, REFUEL_LPS, STOP_BASE_S, TYRE_CHANGE_S,
};
pub use sim::{MAX_LAPS, OVERRUN_S, RATE_HZ_RANGE, SimConfig, Simulation};
pub use track::Track;
pub use truth::{CornerTruth, Direction, GroundTruth, LapTruth, MistakeTruth, PitStopTruth, ShiftPoint};
