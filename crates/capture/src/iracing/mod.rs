//! iRacing: `.ibt` telemetry files and the live memory map (same header and variable layout).
//!
//! # Layout
//! - [`header`]: the irsdk structures, [`Header`], [`DiskSubHeader`] and [`VarHeader`], each parsed with
//!   explicit little-endian reads and bounds checks.
//! - [`IbtFile`]: a whole `.ibt` file: headers, session-info YAML text, records, and [`IbtFile::frames`]
//!   normalized to [`racecraft_core::Frame`]s.
//! - [`IracingField`]: the field of a session (every car's position, laps, gap) from a row's `CarIdx*` arrays and
//!   the session-info YAML's drivers ([`Roster`]); the live map has them, `.ibt` files do not.
//! - [`LiveReader`]: the live memory map (`Local\IRSDKMemMapFileName`), read from any [`LiveMemory`]: bytes, a
//!   file, or (on Windows) the named mapping itself.
//!
//! Layout reference: `shared/reference/protocols.md` §6.

mod field;
pub mod header;
mod ibt;
mod live;
mod normalize;

pub use field::{Entrant, IracingField, Roster};
pub use header::{DiskSubHeader, HEADER_LEN, Header, SUB_HEADER_LEN, VAR_HEADER_LEN, VarBuf, VarHeader, VarType};
pub use ibt::{IbtFile, MAX_RECORD_STEP_S, MAX_SESSION_TIME_S, MIN_SESSION_TIME_S, Record};
pub use live::{LiveMemory, LiveRead, LiveReader, LiveRecord};

use std::path::PathBuf;

/// The simulator's live map on Windows.
pub const MAP_NAME: &str = "Local\\IRSDKMemMapFileName";
/// The event the simulator signals each time it has written a row.
pub const DATA_VALID_EVENT: &str = "Local\\IRSDKDataValidEvent";

/// What can go wrong reading iRacing bytes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// The bytes end before a structure that the header says is there.
    #[error("iRacing {what}: need bytes {start}..{end}, have {len}")]
    Truncated {
        /// Which structure was being read.
        what: &'static str,
        /// First byte of the structure.
        start: u64,
        /// One past its last byte.
        end: u64,
        /// Bytes available.
        len: u64,
    },
    /// `ver` is not the irsdk header version this crate reads (2).
    #[error("unsupported iRacing header version {0} (supported: 2)")]
    Version(i32),
    /// A header field holds a value no simulator writes (negative, zero where a size is needed, or huge).
    #[error("iRacing header field {field} has implausible value {value}")]
    Field {
        /// The irsdk field name.
        field: &'static str,
        /// The value read.
        value: i64,
    },
    /// A variable header is malformed: unknown type, name not NUL-terminated, or data outside the row.
    #[error("iRacing variable #{index} ({name}): {problem}")]
    Var {
        /// Index among the variable headers.
        index: usize,
        /// The name as far as it could be read (lossy).
        name: String,
        /// What is wrong.
        problem: &'static str,
    },
    /// The file could not be read.
    #[error("reading iRacing file: {kind}: {}", path.display())]
    Io {
        /// The I/O error kind.
        kind: std::io::ErrorKind,
        /// The file.
        path: PathBuf,
    },
}
