//! The Racecraft channel model: what every game, file format, store and view agrees on.
//!
//! # Layout
//! - [`Channel`]: the closed set of normalized channels (SI units, pedals 0..1, gear −1/0/1..), each with a
//!   stable index, a name that carries its unit (`speed_mps`, `lap_dist_m`) and a unit string for display.
//! - [`Frame`]: one sample in time: `t_us` plus any subset of channels. A channel a game does not publish is
//!   absent, never zero.
//! - [`SessionMeta`]: game, car, track, driver and start time of a session.
//! - [`LapTracker`] and [`CompletedLap`]: lap and sector boundaries from a stream of frames.
//! - [`bytes::Reader`]: the one bounds-checked little-endian reader every decoder of outside bytes uses.
//! - [`positional`]: reads and writes at a file offset on Unix and Windows alike.
//! - [`Role`] and [`Visibility`]: a team member's role and who may read a session on a team server.
//! - [`time::now_ms`]: wall-clock milliseconds since the Unix epoch.
//! - [`signal::smooth_periodic`]: Gaussian smoothing around a closed lap (the simulator's track and the analysis's
//!   track model).
//!
//! This crate has no required dependencies; `serde` support is behind the `serde` feature.

pub mod bytes;
mod channel;
pub mod durable;
mod field;
mod frame;
mod lap;
pub mod positional;
mod session;
pub mod signal;
mod team;
pub mod time;

pub use channel::{CHANNEL_COUNT, Channel, ChannelInfo, Compound, Wheel};
pub use field::{Field, FieldCar};
pub use frame::Frame;
pub use lap::{CompletedLap, LapTracker};
pub use session::SessionMeta;
pub use team::{Role, UnknownName, Visibility};

/// Standard gravity, m/s², for converting between accelerations in g and SI.
pub const STANDARD_GRAVITY_MPS2: f64 = 9.806_65;
