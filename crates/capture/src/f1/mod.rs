//! F1 23 / F1 24 / F1 25 UDP telemetry.
//!
//! Every datagram starts with the 29-byte [`PacketHeader`]; [`decode`] checks `m_packetFormat` first (2023,
//! 2024 or 2025; the games can be set to send an older year's format, so the year is never guessed from
//! anything else), then `m_packetId`, then that the datagram has exactly the specification's size for this
//! format and packet, and only then reads the fields, explicitly little-endian. Trailing bytes are refused
//! like missing ones: the game always sends the exact size, so any other size means a different layout.
//!
//! Decoded: Motion (0), Session (1, every field including the forecast samples and F1 24+ settings), Lap
//! Data (2), Event (3), Participants (4), Car Telemetry (6), Car Status (7) and Car Damage (10), all 22 cars;
//! Session History (11) and Tyre Sets (12), one car per packet; Motion Ex (13, the player's car, F1 24/25
//! additions included); Car Setups (5), Final Classification (8) and Lobby Info (9), all 22 slots; Time Trial
//! (14, F1 24+) and Lap Positions (15, F1 25): every packet the three specifications define. [`decode`] keeps
//! [`Error::NotDecoded`] for an id given a size in [`packet_spec`] but no layout.
//!
//! Field names follow the game's specification in snake case (`m_lastLapTimeInMS` → `last_lap_time_in_ms`);
//! `serde::Serialize` emits the specification's own names (the F1 25 ones where years differ).

mod field;
mod normalize;
mod packets;

pub use normalize::F1Normalizer;
pub use packets::{
    CLASSIFICATION_STINT_SLOTS, CarDamageData, CarDamagePacket, CarMotionData, CarSetupData, CarSetupsPacket,
    CarStatusData, CarStatusPacket, CarTelemetryData, CarTelemetryPacket, EventDetails, EventPacket,
    FinalClassificationData, FinalClassificationPacket, LAP_HISTORY_SLOTS, LAP_POSITIONS_LAPS, LAP_VALID, LapData,
    LapDataPacket, LapHistoryData, LapPositionsPacket, LobbyInfoData, LobbyInfoPacket, MarshalZone, MotionExPacket,
    MotionPacket, ParticipantData, ParticipantsPacket, SECTOR_1_VALID, SECTOR_2_VALID, SECTOR_3_VALID,
    SessionHistoryPacket, SessionPacket, TYRE_SET_SLOTS, TYRE_STINT_SLOTS, TimeTrialDataSet, TimeTrialPacket,
    TyreSetData, TyreSetsPacket, TyreStintHistoryData, WeatherForecastSample,
};

use crate::bytes::Reader;
use crate::{Error, Result};
use serde::Serialize;

/// Number of car slots in every per-car array of F1 23/24/25.
pub const CAR_COUNT: usize = 22;

/// Size of the [`PacketHeader`] in F1 23/24/25.
pub const HEADER_LEN: usize = 29;

/// `m_playerCarIndex` / `m_secondaryPlayerCarIndex` value meaning "no such car" (spectating, no second player).
pub const NO_CAR: u8 = 255;

/// The UDP format year, from `m_packetFormat`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Format {
    /// `m_packetFormat` 2023 (F1 23, or a later game set to the 2023 format).
    Y2023,
    /// `m_packetFormat` 2024.
    Y2024,
    /// `m_packetFormat` 2025.
    Y2025,
}

impl Format {
    /// The format for an `m_packetFormat` value, if supported.
    pub fn from_packet_format(format: u16) -> Option<Format> {
        match format {
            2023 => Some(Format::Y2023),
            2024 => Some(Format::Y2024),
            2025 => Some(Format::Y2025),
            _ => None,
        }
    }

    /// The `m_packetFormat` value.
    pub fn packet_format(self) -> u16 {
        match self {
            Format::Y2023 => 2023,
            Format::Y2024 => 2024,
            Format::Y2025 => 2025,
        }
    }
}

/// Packet ids of F1 23/24/25 (`m_packetId`).
pub mod packet_id {
    /// Motion: position, velocity, orientation, g-forces of every car.
    pub const MOTION: u8 = 0;
    /// Session: track, weather, session type.
    pub const SESSION: u8 = 1;
    /// Lap data: lap times, distance, position of every car.
    pub const LAP_DATA: u8 = 2;
    /// Event: a four-letter code and its details.
    pub const EVENT: u8 = 3;
    /// Participants: names and teams.
    pub const PARTICIPANTS: u8 = 4;
    /// Car setups: wings, differential, suspension, brakes, tyre pressures of every car.
    pub const CAR_SETUPS: u8 = 5;
    /// Car telemetry: speed, pedals, gear, rpm, tyres.
    pub const CAR_TELEMETRY: u8 = 6;
    /// Car status: fuel, ERS, tyre compound.
    pub const CAR_STATUS: u8 = 7;
    /// Final classification: result of every car at the end of a race.
    pub const FINAL_CLASSIFICATION: u8 = 8;
    /// Lobby info: the players of a multiplayer lobby.
    pub const LOBBY_INFO: u8 = 9;
    /// Car damage: tyre wear, wing, floor and power unit damage of every car.
    pub const CAR_DAMAGE: u8 = 10;
    /// Session history: lap and sector times and tyre stints of one car.
    pub const SESSION_HISTORY: u8 = 11;
    /// Tyre sets: the 20 tyre sets of one car.
    pub const TYRE_SETS: u8 = 12;
    /// Motion Ex: extended motion of the player's car.
    pub const MOTION_EX: u8 = 13;
    /// Time trial: session best, personal best and rival laps (F1 24+).
    pub const TIME_TRIAL: u8 = 14;
    /// Lap positions: every car's position lap by lap (F1 25).
    pub const LAP_POSITIONS: u8 = 15;
}

/// Specification name and total datagram size of packet `id` in `format`; `None` for ids the format does not
/// define. Sizes are from the specification and were checked on real captures (protocols.md §3).
pub fn packet_spec(format: Format, id: u8) -> Option<(&'static str, usize)> {
    use Format::*;
    let size = match (id, format) {
        (0, _) => 1349,
        (1, Y2023) => 644,
        (1, Y2024 | Y2025) => 753,
        (2, Y2023) => 1131,
        (2, Y2024 | Y2025) => 1285,
        (3, _) => 45,
        (4, Y2023) => 1306,
        (4, Y2024) => 1350,
        (4, Y2025) => 1284,
        (5, Y2023) => 1107,
        (5, Y2024 | Y2025) => 1133,
        (6, _) => 1352,
        (7, _) => 1239,
        (8, Y2023 | Y2024) => 1020,
        (8, Y2025) => 1042,
        (9, Y2023) => 1218,
        (9, Y2024) => 1306,
        (9, Y2025) => 954,
        (10, Y2023 | Y2024) => 953,
        (10, Y2025) => 1041,
        (11, _) => 1460,
        (12, _) => 231,
        (13, Y2023) => 217,
        (13, Y2024) => 237,
        (13, Y2025) => 273,
        (14, Y2024 | Y2025) => 101,
        (15, Y2025) => 1131,
        _ => return None,
    };
    let name = [
        "Motion",
        "Session",
        "Lap Data",
        "Event",
        "Participants",
        "Car Setups",
        "Car Telemetry",
        "Car Status",
        "Final Classification",
        "Lobby Info",
        "Car Damage",
        "Session History",
        "Tyre Sets",
        "Motion Ex",
        "Time Trial",
        "Lap Positions",
    ][usize::from(id)];
    Some((name, size))
}

/// The header every F1 23/24/25 packet starts with (29 bytes).
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct PacketHeader {
    /// 2023, 2024 or 2025.
    #[serde(rename = "m_packetFormat")]
    pub packet_format: u16,
    /// Last two digits of the game's year, e.g. 24.
    #[serde(rename = "m_gameYear")]
    pub game_year: u8,
    /// Game major version, "X.00".
    #[serde(rename = "m_gameMajorVersion")]
    pub game_major_version: u8,
    /// Game minor version, "1.XX".
    #[serde(rename = "m_gameMinorVersion")]
    pub game_minor_version: u8,
    /// Version of this packet type.
    #[serde(rename = "m_packetVersion")]
    pub packet_version: u8,
    /// Packet type, see [`packet_id`].
    #[serde(rename = "m_packetId")]
    pub packet_id: u8,
    /// Unique identifier of the session.
    #[serde(rename = "m_sessionUID")]
    pub session_uid: u64,
    /// Session timestamp, seconds.
    #[serde(rename = "m_sessionTime")]
    pub session_time: f32,
    /// Frame the data was retrieved on (goes back after flashbacks).
    #[serde(rename = "m_frameIdentifier")]
    pub frame_identifier: u32,
    /// Overall frame identifier (does not go back after flashbacks).
    #[serde(rename = "m_overallFrameIdentifier")]
    pub overall_frame_identifier: u32,
    /// Index of the player's car, [`NO_CAR`] when spectating.
    #[serde(rename = "m_playerCarIndex")]
    pub player_car_index: u8,
    /// Index of the second player's car in split screen, [`NO_CAR`] if none.
    #[serde(rename = "m_secondaryPlayerCarIndex")]
    pub secondary_player_car_index: u8,
}

impl PacketHeader {
    /// Reads and checks the header: format first (so an F1 22 datagram, whose header is shorter, is reported
    /// as an unsupported format), then the length.
    pub fn parse(bytes: &[u8]) -> Result<PacketHeader> {
        let format = match bytes {
            [a, b, ..] => u16::from_le_bytes([*a, *b]),
            _ => return Err(Error::Length { packet: "header", expected: HEADER_LEN, got: bytes.len() }),
        };
        if Format::from_packet_format(format).is_none() {
            return Err(Error::UnsupportedFormat { format });
        }
        let mut r = Reader::new(bytes).named("header");
        let header = PacketHeader {
            packet_format: r.u16()?,
            game_year: r.u8()?,
            game_major_version: r.u8()?,
            game_minor_version: r.u8()?,
            packet_version: r.u8()?,
            packet_id: r.u8()?,
            session_uid: r.u64()?,
            session_time: r.f32()?,
            frame_identifier: r.u32()?,
            overall_frame_identifier: r.u32()?,
            player_car_index: r.u8()?,
            secondary_player_car_index: r.u8()?,
        };
        Ok(header)
    }

    /// The format year. Always `Some` for a header returned by [`PacketHeader::parse`].
    pub fn format(&self) -> Option<Format> {
        Format::from_packet_format(self.packet_format)
    }

    /// The player's car index, or `None` when spectating (or out of range).
    pub fn player_car(&self) -> Option<usize> {
        Some(usize::from(self.player_car_index)).filter(|i| *i < CAR_COUNT)
    }
}

/// One decoded F1 datagram.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Packet {
    /// Packet 0.
    Motion(Box<MotionPacket>),
    /// Packet 1.
    Session(Box<SessionPacket>),
    /// Packet 2.
    LapData(Box<LapDataPacket>),
    /// Packet 3.
    Event(EventPacket),
    /// Packet 4.
    Participants(Box<ParticipantsPacket>),
    /// Packet 5.
    CarSetups(Box<CarSetupsPacket>),
    /// Packet 6.
    CarTelemetry(Box<CarTelemetryPacket>),
    /// Packet 7.
    CarStatus(Box<CarStatusPacket>),
    /// Packet 8.
    FinalClassification(Box<FinalClassificationPacket>),
    /// Packet 9.
    LobbyInfo(Box<LobbyInfoPacket>),
    /// Packet 10.
    CarDamage(Box<CarDamagePacket>),
    /// Packet 11.
    SessionHistory(Box<SessionHistoryPacket>),
    /// Packet 12.
    TyreSets(Box<TyreSetsPacket>),
    /// Packet 13.
    MotionEx(Box<MotionExPacket>),
    /// Packet 14.
    TimeTrial(Box<TimeTrialPacket>),
    /// Packet 15.
    LapPositions(Box<LapPositionsPacket>),
}

impl Packet {
    /// The packet's header.
    pub fn header(&self) -> &PacketHeader {
        match self {
            Packet::Motion(p) => &p.header,
            Packet::Session(p) => &p.header,
            Packet::LapData(p) => &p.header,
            Packet::Event(p) => &p.header,
            Packet::Participants(p) => &p.header,
            Packet::CarTelemetry(p) => &p.header,
            Packet::CarStatus(p) => &p.header,
            Packet::CarDamage(p) => &p.header,
            Packet::SessionHistory(p) => &p.header,
            Packet::TyreSets(p) => &p.header,
            Packet::CarSetups(p) => &p.header,
            Packet::FinalClassification(p) => &p.header,
            Packet::MotionEx(p) => &p.header,
            Packet::LobbyInfo(p) => &p.header,
            Packet::TimeTrial(p) => &p.header,
            Packet::LapPositions(p) => &p.header,
        }
    }
}

/// Decodes one UDP datagram of F1 23, 24 or 25.
///
/// Errors: [`Error::UnsupportedFormat`] for other `m_packetFormat`s, [`Error::UnknownPacket`] for ids the
/// format does not define, [`Error::Length`] unless the datagram has exactly the specification's size, and
/// [`Error::NotDecoded`] for well-formed packets of a type this crate skips.
pub fn decode(bytes: &[u8]) -> Result<Packet> {
    let header = PacketHeader::parse(bytes)?;
    let format = header.format().ok_or(Error::UnsupportedFormat { format: header.packet_format })?;
    let id = header.packet_id;
    let (name, expected) = packet_spec(format, id).ok_or(Error::UnknownPacket { format: header.packet_format, id })?;
    if bytes.len() != expected {
        return Err(Error::Length { packet: name, expected, got: bytes.len() });
    }
    let mut r = Reader::new(bytes).named(name);
    r.skip(HEADER_LEN)?;
    let packet = match id {
        packet_id::MOTION => Packet::Motion(Box::new(MotionPacket::read(header, &mut r)?)),
        packet_id::SESSION => Packet::Session(Box::new(SessionPacket::read(header, format, &mut r)?)),
        packet_id::LAP_DATA => Packet::LapData(Box::new(LapDataPacket::read(header, format, &mut r)?)),
        packet_id::EVENT => Packet::Event(EventPacket::read(header, format, &mut r)?),
        packet_id::PARTICIPANTS => Packet::Participants(Box::new(ParticipantsPacket::read(header, format, &mut r)?)),
        packet_id::CAR_TELEMETRY => Packet::CarTelemetry(Box::new(CarTelemetryPacket::read(header, &mut r)?)),
        packet_id::CAR_STATUS => Packet::CarStatus(Box::new(CarStatusPacket::read(header, &mut r)?)),
        packet_id::CAR_DAMAGE => Packet::CarDamage(Box::new(CarDamagePacket::read(header, format, &mut r)?)),
        packet_id::SESSION_HISTORY => Packet::SessionHistory(Box::new(SessionHistoryPacket::read(header, &mut r)?)),
        packet_id::TYRE_SETS => Packet::TyreSets(Box::new(TyreSetsPacket::read(header, &mut r)?)),
        packet_id::CAR_SETUPS => Packet::CarSetups(Box::new(CarSetupsPacket::read(header, format, &mut r)?)),
        packet_id::FINAL_CLASSIFICATION => {
            Packet::FinalClassification(Box::new(FinalClassificationPacket::read(header, format, &mut r)?))
        }
        packet_id::MOTION_EX => Packet::MotionEx(Box::new(MotionExPacket::read(header, format, &mut r)?)),
        packet_id::LOBBY_INFO => Packet::LobbyInfo(Box::new(LobbyInfoPacket::read(header, format, &mut r)?)),
        packet_id::TIME_TRIAL => Packet::TimeTrial(Box::new(TimeTrialPacket::read(header, &mut r)?)),
        packet_id::LAP_POSITIONS => Packet::LapPositions(Box::new(LapPositionsPacket::read(header, &mut r)?)),
        _ => return Err(Error::NotDecoded { format: header.packet_format, id, name }),
    };
    // The layouts account for every byte; a mismatch here is a layout bug, reported rather than ignored.
    r.finish()?;
    Ok(packet)
}

/// The circuit for a Session packet's `m_trackId` (F1 23–25 numbering), `None` for unknown ids and −1.
pub fn track_name(track_id: i8) -> Option<&'static str> {
    const TRACKS: [&str; 42] = [
        "Melbourne",
        "Paul Ricard",
        "Shanghai",
        "Sakhir (Bahrain)",
        "Catalunya",
        "Monaco",
        "Montreal",
        "Silverstone",
        "Hockenheim",
        "Hungaroring",
        "Spa",
        "Monza",
        "Singapore",
        "Suzuka",
        "Abu Dhabi",
        "Texas",
        "Brazil",
        "Austria",
        "Sochi",
        "Mexico",
        "Baku (Azerbaijan)",
        "Sakhir Short",
        "Silverstone Short",
        "Texas Short",
        "Suzuka Short",
        "Hanoi",
        "Zandvoort",
        "Imola",
        "Portimão",
        "Jeddah",
        "Miami",
        "Las Vegas",
        "Losail",
        "",
        "",
        "",
        "",
        "",
        "",
        "Silverstone (Reverse)",
        "Austria (Reverse)",
        "Zandvoort (Reverse)",
    ];
    TRACKS.get(usize::try_from(track_id).ok()?).copied().filter(|name| !name.is_empty())
}
