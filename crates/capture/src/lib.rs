//! Reading the games: each game's own bytes, parsed (never transmuted) and normalized to
//! [`racecraft_core::Frame`]s.
//!
//! # Layout
//! - [`f1`]: EA/Codemasters F1 23, F1 24 and F1 25 UDP telemetry (default port 20777): [`f1::decode`] turns
//!   one datagram into a typed [`f1::Packet`] that keeps the game's field names, and [`f1::F1Normalizer`]
//!   turns a stream of packets into frames for one followed car and keeps the race's field (every car's
//!   position, gaps, tyres, pit stops) for [`f1::F1Normalizer::field`].
//! - [`iracing`]: iRacing `.ibt` files and the live memory map.
//! - [`assetto_corsa`]: AC and ACC shared memory pages, and AC's UDP remote telemetry.
//! - [`forza`]: Forza "Data Out" UDP (FM7, FH4/FH5, FM 2023): [`forza::decode`] picks the layout (Sled 232,
//!   FM7 Dash 311, Horizon Dash 324, FM 2023 Dash 331 bytes) by length into a [`forza::Packet`];
//!   [`forza::Packet::to_frame`] / [`forza::ForzaNormalizer`] make frames (none while `IsRaceOn` is 0).
//! - [`outgauge`]: OutGauge UDP (Live for Speed, BeamNG), 92 or 96 bytes, as an [`outgauge::OutGauge`].
//! - [`json`]: JSON over UDP from home-made tools, one [`json::ApiPoint`] per datagram (the server's
//!   `/api/ingest` shape) and its conversion to a frame.
//! - The AC, Forza, OutGauge and JSON types also encode, byte for byte, so tests and emulators can play the
//!   game's side.
//! - `bytes` (private): the one little-endian byte access every decoder uses (a bounds-checked cursor, checked
//!   reads at an offset, and the `layout!` offset tables).
//! - [`Error`] and [`Result`]: the crate's one error type. Bytes that are not what the game sends are an
//!   error value, never a panic and never a half-read packet.

pub mod assetto_corsa;
mod bytes;
pub mod f1;
pub mod forza;
pub mod iracing;
pub mod json;
pub mod outgauge;

/// Everything that can go wrong while decoding a game's bytes.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Error {
    /// The datagram is not the size the game sends for this packet (short, or with trailing bytes).
    #[error("{packet} packet: expected {expected} bytes, got {got}")]
    Length {
        /// Which packet (or `"header"`) was being read.
        packet: &'static str,
        /// The size the game's specification gives.
        expected: usize,
        /// The size received.
        got: usize,
    },
    /// `m_packetFormat` is not one this crate decodes (F1 22 and older, or a future year).
    #[error("unsupported F1 packet format {format} (supported: 2023, 2024, 2025)")]
    UnsupportedFormat {
        /// The `m_packetFormat` value received.
        format: u16,
    },
    /// `m_packetId` is not defined for this format.
    #[error("unknown packet id {id} for F1 format {format}")]
    UnknownPacket {
        /// The `m_packetFormat` value.
        format: u16,
        /// The `m_packetId` value.
        id: u8,
    },
    /// A packet the game defines (and whose length was right) but this crate does not decode yet.
    #[error("{name} packet (id {id}) of F1 format {format} is not decoded")]
    NotDecoded {
        /// The `m_packetFormat` value.
        format: u16,
        /// The `m_packetId` value.
        id: u8,
        /// The packet's name in the specification.
        name: &'static str,
    },
    /// iRacing bytes that are not what the simulator writes.
    #[error(transparent)]
    Iracing(#[from] iracing::Error),
    /// Assetto Corsa bytes that are not what the game writes.
    #[error(transparent)]
    AssettoCorsa(#[from] assetto_corsa::Error),
    /// Forza Data Out bytes that are not what the games send.
    #[error(transparent)]
    Forza(#[from] forza::Error),
    /// OutGauge bytes that are not what the games send.
    #[error(transparent)]
    OutGauge(#[from] outgauge::Error),
    /// A JSON datagram that is not one point object.
    #[error(transparent)]
    Json(#[from] json::Error),
}

/// Result with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
