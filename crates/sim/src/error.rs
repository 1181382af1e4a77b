//! The crate's one error type.

use std::path::PathBuf;

/// Result with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong when loading a track, configuring a simulation or writing its truth.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// No built-in track has this name.
    #[error("unknown built-in track {0:?}")]
    UnknownTrack(String),
    /// A row of a track CSV could not be used.
    #[error("line {line}: {problem} in {source_name}")]
    Csv {
        /// File name or built-in track file the row came from.
        source_name: String,
        /// 1-based line number.
        line: usize,
        /// What is wrong with the row.
        problem: CsvProblem,
    },
    /// The file parsed but holds too few points to make a circuit.
    #[error("{found} points, a circuit needs at least {min} in {source_name}")]
    TooFewPoints {
        /// File name or built-in track file.
        source_name: String,
        /// Points found.
        found: usize,
        /// Points needed.
        min: usize,
    },
    /// The points do not describe a usable closed line (too short, or all in one place).
    #[error("degenerate geometry: {reason} in {source_name}")]
    Degenerate {
        /// File name or built-in track file.
        source_name: String,
        /// What is wrong.
        reason: &'static str,
    },
    /// A [`crate::SimConfig`] or [`crate::Car`] value is out of range.
    #[error("invalid simulation configuration: {0}")]
    Config(String),
    /// A file could not be read or written.
    #[error("I/O error on {}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The ground truth could not be serialized.
    #[error("cannot write ground truth to {}", path.display())]
    Json {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: serde_json::Error,
    },
}

/// What is wrong with one CSV row.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CsvProblem {
    /// The row does not have the expected number of comma-separated fields.
    #[error("expected {expected} fields, found {found}")]
    FieldCount {
        /// Fields the file kind has.
        expected: usize,
        /// Fields on this row.
        found: usize,
    },
    /// A field is not a decimal number.
    #[error("field {field} is not a number: {text:?}")]
    NotANumber {
        /// 1-based field number.
        field: usize,
        /// The field as written.
        text: String,
    },
    /// A field is NaN or infinite.
    #[error("field {field} is not finite")]
    NotFinite {
        /// 1-based field number.
        field: usize,
    },
    /// A track width is negative.
    #[error("field {field} is a negative track width")]
    NegativeWidth {
        /// 1-based field number.
        field: usize,
    },
}
