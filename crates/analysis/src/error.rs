//! The crate's error type.

use std::path::PathBuf;

/// Why an analysis could not be made.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// No frames at all.
    #[error("no frames to analyse")]
    NoFrames,
    /// Too few frames (with increasing time) to find a lap.
    #[error("too few frames to analyse: {found} (need at least {min})")]
    TooFewFrames {
        /// Frames with increasing time.
        found: usize,
        /// The least accepted.
        min: usize,
    },
    /// No complete lap: no start-line crossing twice, or the lap filter kept none.
    #[error("no complete lap in the session")]
    NoLaps,
    /// The requested lap is not among the session's complete laps.
    #[error("lap {0} is not a complete lap of this session")]
    UnknownLap(u32),
    /// A reference lap from a session whose lap length says it is another track (or another layout).
    #[error(
        "the reference session's lap is {other_length_m:.0} m long and this one {length_m:.0} m: not the same track"
    )]
    DifferentTrack {
        /// This session's lap length, metres.
        length_m: f64,
        /// The reference session's, metres.
        other_length_m: f64,
    },
    /// A saved track model from a newer version.
    #[error("track model version {0} is newer than this version reads")]
    ModelVersion(u32),
    /// A saved track model that does not make sense.
    #[error("invalid track model: {0}")]
    InvalidModel(&'static str),
    /// JSON encoding or decoding.
    #[error("track model JSON: {0}")]
    Json(#[source] serde_json::Error),
    /// Reading or writing a file.
    #[error("{source}: {}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        source: std::io::Error,
    },
}

/// Result with the crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
