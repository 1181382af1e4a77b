//! Files other tools read and write.
//!
//! # Layout
//! - [`motec`]: MoTeC i2 `.ld` logs (read and write) and `.ldx` companions (laps as beacons).
//! - [`export`]: a session or chosen laps (laid end to end) as `.ld` + `.ldx` or CSV; the CLI and the server
//!   both export through it.
//! - [`csv`]: the MoTeC CSV layout (metadata rows, channel names, units, data), read and write.
//! - `parquet` (feature `parquet`): columnar export.

pub mod csv;
pub mod export;
pub mod motec;
/// Parquet export (feature `parquet`).
#[cfg(feature = "parquet")]
pub mod parquet;
