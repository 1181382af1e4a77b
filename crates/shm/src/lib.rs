//! Named shared memory and events, as Windows games publish their telemetry.
//!
//! Assetto Corsa and ACC keep three file mappings (`Local\acpmf_physics`, `Local\acpmf_graphics`,
//! `Local\acpmf_static`); iRacing keeps one (`Local\IRSDKMemMapFileName`) and signals an event
//! (`Local\IRSDKDataValidEvent`) each time it writes a row. This crate opens those by name for reading and, for
//! the emulators, creates them and writes to them. It knows nothing of the bytes: the capture crate parses them.
//!
//! - [`Mapping`]: a named file mapping and a view of it; copies in and out are bounds-checked and never hand out
//!   a reference into memory another process is writing.
//! - [`Event`]: a named event to wait on (readers) or signal (writers).
//!
//! Windows only: on other platforms the crate is empty, and the games' pages are files (`/dev/shm`).

#[cfg(windows)]
mod windows;

#[cfg(windows)]
pub use windows::{Event, Mapping};
