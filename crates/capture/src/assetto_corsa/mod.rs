//! Assetto Corsa and Assetto Corsa Competizione: shared memory pages and AC's UDP remote telemetry.
//!
//! # Layout
//! - [`physics::PhysicsPage`], [`graphics::GraphicsPage`], [`static_page::StaticPage`]: the three shared memory
//!   pages, each parsed field by field at the offsets of the games' `#pragma pack(4)` structs (never transmuted),
//!   accepting exactly the sizes the games write (physics 580 / 712 / 800, graphics 296 / 1588, static 684 / 820).
//! - [`reader::PageReader`]: polls a directory of `acpmf_*` files (the layout the Linux/Proton bridges create in
//!   `/dev/shm`), copies each page under the `packetId` check and yields [`Frame`](racecraft_core::Frame)s.
//! - [`udp`]: AC's remote telemetry on UDP port 9996: the 12-byte handshake, the 408-byte response, `RTCarInfo`
//!   (328 bytes) and `RTLap` (212 bytes), decoded by length and encoded byte for byte (for emulating the game).
//!
//! Coordinates: the games use a y-up world; frames store z up, so world x, y, z become frame x, z, y (swapping
//! two axes also turns the games' left-handed system into a right-handed one).

pub mod graphics;
pub mod physics;
pub mod reader;
pub mod static_page;
pub mod udp;
mod wide_str;

pub use graphics::GraphicsPage;
pub use physics::{PhysicsPage, PhysicsValues};
#[cfg(windows)]
pub use reader::MappingSource;
pub use reader::{DirSource, PageKind, PageReader, PageSource, Update};
pub use static_page::StaticPage;
pub use udp::{AcUdp, decode_datagram};
pub use wide_str::WideStr;

use std::path::PathBuf;

/// What can go wrong reading Assetto Corsa bytes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// A shared memory page whose length is none of the sizes the games write.
    #[error("{page} page: expected one of {expected:?} bytes, got {got}")]
    PageSize {
        /// `"physics"`, `"graphics"` or `"static"`.
        page: &'static str,
        /// The sizes AC and ACC write for this page.
        expected: &'static [usize],
        /// The length received.
        got: usize,
    },
    /// A UDP datagram whose length is not one AC sends (408, 328 or 212 bytes; 12 for a handshake request).
    #[error("AC UDP {what}: expected {expected} bytes, got {got}")]
    DatagramSize {
        /// What was being decoded.
        what: &'static str,
        /// The expected length (0 when any of the game's lengths would do).
        expected: usize,
        /// The length received.
        got: usize,
    },
    /// An `RTCarInfo` datagram whose `identifier` is not `'a'` or whose `size` field is not 328.
    #[error("AC UDP RTCarInfo header: identifier {identifier:#04x}, size {size} (expected 'a', 328)")]
    CarInfoHeader {
        /// The identifier byte received.
        identifier: u8,
        /// The size field received.
        size: i32,
    },
    /// A handshake request with an `operationId` outside 0..=3.
    #[error("unknown AC UDP operation id {0}")]
    UnknownOperation(i32),
    /// Reading a page file failed for a reason other than the file being absent.
    #[error("reading {page} page ({kind}): {path}")]
    Io {
        /// Which page.
        page: &'static str,
        /// The I/O error's kind.
        kind: std::io::ErrorKind,
        /// The file.
        path: PathBuf,
    },
}

/// Result with this module's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Which game wrote the pages, told apart by the static page's `smVersion`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Game {
    /// Assetto Corsa (shared memory versions 1.0 to 1.7).
    AssettoCorsa,
    /// Assetto Corsa Competizione (shared memory version 1.8 and later).
    Acc,
}

impl Game {
    /// The game for a `smVersion` string such as `"1.7"` or `"1.9"`; `None` when empty or not a version.
    pub fn from_sm_version(sm_version: &str) -> Option<Game> {
        let (major, minor) = sm_version.trim().split_once('.').unwrap_or((sm_version.trim(), "0"));
        let major: u32 = major.parse().ok()?;
        let minor: u32 = minor.split('.').next().unwrap_or("0").parse().ok()?;
        match (major, minor) {
            (0, _) => None,
            (1, 0..=7) => Some(Game::AssettoCorsa),
            _ => Some(Game::Acc),
        }
    }

    /// The short name used in [`racecraft_core::SessionMeta::game`].
    pub fn id(self) -> &'static str {
        match self {
            Game::AssettoCorsa => "ac",
            Game::Acc => "acc",
        }
    }

    /// Size of the physics page this game writes (580 for AC: the documented v1.7 struct, whose later tail is
    /// not in the official document; 800 for ACC).
    pub fn physics_size(self) -> usize {
        match self {
            Game::AssettoCorsa => physics::AC_SIZE,
            Game::Acc => physics::ACC_SIZE,
        }
    }

    /// Size of the graphics page this game writes.
    pub fn graphics_size(self) -> usize {
        match self {
            Game::AssettoCorsa => graphics::AC_SIZE,
            Game::Acc => graphics::ACC_SIZE,
        }
    }
}

/// The games' world (x, y up, z) as frame (x, y, z up).
pub(crate) fn world_to_frame([x, y, z]: [f32; 3]) -> [f32; 3] {
    [x, z, y]
}
