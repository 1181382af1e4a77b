//! F1 23/24/25 decoder and normalizer, checked against real captures (tests/data/f1, see PROVENANCE.md there).

use proptest::prelude::*;
use racecraft_capture::Error;
use racecraft_capture::f1::{
    self, CAR_COUNT, CLASSIFICATION_STINT_SLOTS, CarDamageData, CarMotionData, CarSetupData, CarStatusData,
    CarTelemetryData, EventDetails, F1Normalizer, FinalClassificationData, Format, HEADER_LEN, LAP_HISTORY_SLOTS,
    LAP_POSITIONS_LAPS, LAP_VALID, LapData, LapHistoryData, LobbyInfoData, MotionExPacket, Packet, ParticipantData,
    SECTOR_1_VALID, SECTOR_2_VALID, SECTOR_3_VALID, SessionPacket, TYRE_SET_SLOTS, TYRE_STINT_SLOTS, TimeTrialDataSet,
    TyreSetData, TyreStintHistoryData, packet_spec,
};
use racecraft_core::{Channel, Compound, Frame, Wheel};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

const DECODED_IDS: [u8; 16] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15];

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/f1")
}

/// One line of the z0mt3c capture: raw bytes and that library's decode.
struct Captured {
    kind: String,
    bytes: Vec<u8>,
    parsed: Value,
}

fn load(year: u16) -> Vec<Captured> {
    let path = data_dir().join(format!("{year}.jsonl"));
    let text = std::fs::read_to_string(&path).expect("fixture readable");
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let v: Value = serde_json::from_str(line).expect("valid JSON line");
            // The raw bytes are either a plain array or Node's {"type":"Buffer","data":[...]}.
            let raw = v["message"].get("data").unwrap_or(&v["message"]);
            let bytes = raw
                .as_array()
                .expect("byte array")
                .iter()
                .map(|b| u8::try_from(b.as_u64().expect("byte")).expect("byte range"))
                .collect();
            Captured { kind: v["packetID"].as_str().expect("packetID").to_owned(), bytes, parsed: v["parsed"].clone() }
        })
        .collect()
}

fn all_captured() -> Vec<Captured> {
    let mut all = load(2023);
    all.extend(load(2024));
    all
}

/// The z0mt3c library's names for lap-data fields that the F1 24/25 specification renamed.
fn alias(key: &str) -> &str {
    match key {
        "m_sector1TimeMSPart" => "m_sector1TimeInMS",
        "m_sector1TimeMinutesPart" => "m_sector1TimeMinutes",
        "m_sector2TimeMSPart" => "m_sector2TimeInMS",
        "m_sector2TimeMinutesPart" => "m_sector2TimeMinutes",
        "m_sector3TimeMSPart" => "m_sector3TimeInMS",
        "m_sector3TimeMinutesPart" => "m_sector3TimeMinutes",
        "m_deltaToCarInFrontMSPart" => "m_deltaToCarInFrontInMS",
        "m_deltaToCarInFrontMinutesPart" => "m_deltaToCarInFrontMinutes",
        "m_deltaToRaceLeaderMSPart" => "m_deltaToRaceLeaderInMS",
        "m_deltaToRaceLeaderMinutesPart" => "m_deltaToRaceLeaderMinutes",
        other => other,
    }
}

/// Compares our serialization with the reference decode: every key of ours that the reference also has must
/// match (floats within 1e-6 relative); keys the reference lacks are collected in `missing`.
fn compare(
    ours: &Value,
    theirs: &Value,
    path: &str,
    skip: &[&str],
    missing: &mut BTreeSet<String>,
    leaves: &mut usize,
) {
    match (ours, theirs) {
        (Value::Object(o), Value::Object(t)) => {
            let merged = merge_minutes(o, t);
            for (k, v) in merged.as_ref().unwrap_or(o) {
                if skip.contains(&k.as_str()) {
                    continue;
                }
                match t.get(alias(k)) {
                    Some(tv) => compare(v, tv, &format!("{path}.{k}"), skip, missing, leaves),
                    None => {
                        missing.insert(k.clone());
                    }
                }
            }
        }
        (Value::Array(o), Value::Array(t)) => {
            assert_eq!(o.len(), t.len(), "array length at {path}");
            for (i, (a, b)) in o.iter().zip(t).enumerate() {
                compare(a, b, &format!("{path}[{i}]"), skip, missing, leaves);
            }
        }
        (Value::Number(a), Value::Number(b)) => {
            let (a, b) = (a.as_f64().expect("number"), b.as_f64().expect("number"));
            assert!((a - b).abs() <= 1e-6 * a.abs().max(1.0), "{path}: ours {a}, reference {b}");
            *leaves += 1;
        }
        // The reference prints the 64-bit session UID as a string.
        (Value::Number(a), Value::String(b)) => {
            assert_eq!(&a.to_string(), b, "{path}");
            *leaves += 1;
        }
        (a, b) => {
            assert_eq!(a, b, "{path}");
            *leaves += 1;
        }
    }
}

/// The reference folds a non-zero minutes part into the milliseconds part of lap-data times (and drops the
/// minutes key); do the same to ours before comparing.
fn merge_minutes(
    ours: &serde_json::Map<String, Value>,
    theirs: &serde_json::Map<String, Value>,
) -> Option<serde_json::Map<String, Value>> {
    let mut merged = ours.clone();
    let mut changed = false;
    for part in ["m_sector1Time", "m_sector2Time", "m_sector3Time", "m_deltaToCarInFront", "m_deltaToRaceLeader"] {
        let (ms_key, min_key) = (format!("{part}MSPart"), format!("{part}MinutesPart"));
        if let (Some(ms), Some(min)) = (ours.get(&ms_key), ours.get(&min_key))
            && !theirs.contains_key(alias(&min_key))
        {
            let total = ms.as_u64().expect("ms") + 60_000 * min.as_u64().expect("minutes");
            merged.insert(ms_key, total.into());
            merged.remove(&min_key);
            changed = true;
        }
    }
    changed.then_some(merged)
}

/// Session fields before the weather forecast: the reference reads the F1 24 session packet with F1 23's 56
/// forecast samples (F1 24 has 64), so only these match; the rest is checked at the right offsets in
/// `f1_24_session_fields_after_the_64_sample_forecast`.
const BEFORE_FORECAST: [&str; 21] = [
    "m_header",
    "m_weather",
    "m_trackTemperature",
    "m_airTemperature",
    "m_totalLaps",
    "m_trackLength",
    "m_sessionType",
    "m_trackId",
    "m_formula",
    "m_sessionTimeLeft",
    "m_sessionDuration",
    "m_pitSpeedLimit",
    "m_gamePaused",
    "m_isSpectating",
    "m_spectatorCarIndex",
    "m_sliProNativeSupport",
    "m_numMarshalZones",
    "m_marshalZones",
    "m_safetyCarStatus",
    "m_networkGame",
    "m_numWeatherForecastSamples",
];

#[test]
fn every_captured_packet_decodes_and_matches_the_reference_decode() {
    let mut checked = 0;
    for cap in all_captured() {
        let id = cap.bytes[6];
        let format = u16::from_le_bytes([cap.bytes[0], cap.bytes[1]]);
        let packet = match f1::decode(&cap.bytes) {
            Ok(p) => p,
            Err(Error::NotDecoded { id: got, .. }) if !DECODED_IDS.contains(&id) => {
                assert_eq!(got, id);
                continue;
            }
            Err(e) => panic!("{format} {} packet: {e}", cap.kind),
        };
        assert_eq!(packet.header().packet_id, id);
        let ours = serde_json::to_value(&packet).expect("serializable");
        // The reference reads the F1 24 session packet with F1 23's 56 forecast samples (F1 24 has 64), so
        // its values after the forecast are misaligned; those are checked independently below.
        let after_forecast: Vec<String> = if format == 2024 && id == 1 {
            ours.as_object()
                .expect("object")
                .keys()
                .filter(|k| !BEFORE_FORECAST.contains(&k.as_str()))
                .cloned()
                .collect()
        } else {
            Vec::new()
        };
        let skip: Vec<&str> = after_forecast.iter().map(String::as_str).collect();
        let skip = &skip[..];
        let mut missing = BTreeSet::new();
        let mut leaves = 0;
        compare(&ours, &cap.parsed, "", skip, &mut missing, &mut leaves);
        if id == 3 && cap.parsed.get("m_eventDetails").is_none() {
            // The reference omits details for codes that have none; ours must then be empty too.
            assert_eq!(ours["m_eventDetails"], Value::Null, "{}", cap.parsed["m_eventStringCode"]);
            missing.remove("m_eventDetails");
        }
        assert!(missing.is_empty(), "{format} {}: fields not in the reference: {missing:?}", cap.kind);
        let min_leaves = match id {
            3 => 13,
            1 => 60,
            // Car damage: 4 wear + 4 tyre + 4 brake damage + 18 single values per car.
            10 => 12 + 22 * 30,
            // Session history: 7 values, 100 laps × 8, 8 stints × 3.
            11 => 12 + 7 + 100 * 8 + 8 * 3,
            // Tyre sets: car index, 20 sets × 9, fitted index.
            12 => 12 + 1 + 20 * 9 + 1,
            // Car setups: 22 values per car (F1 24 adds the engine braking and the next front wing value).
            5 => 12 + 22 * 22,
            // Final classification: car count, 11 values and 3 × 8 stints per car.
            8 => 12 + 1 + 22 * 35,
            // Motion Ex: 9 wheel arrays × 4 and 11 single values (F1 24 adds 5 more).
            13 => 12 + 9 * 4 + 11,
            _ => 12 + 22 * 10,
        };
        assert!(leaves >= min_leaves, "{format} {}: only {leaves} values compared", cap.kind);
        checked += 1;
    }
    // 30 + 28 packets, all of types now decoded.
    assert_eq!(checked, 30 + 28);
}

#[test]
fn f1_24_session_fields_after_the_64_sample_forecast() {
    let cap = load(2024).into_iter().find(|c| c.kind == "session").expect("a session packet");
    let Ok(Packet::Session(s)) = f1::decode(&cap.bytes) else { panic!("session decodes") };
    assert_eq!(SessionPacket::forecast_slots(Format::Y2024), 64);
    assert_eq!(s.track_id, 16);
    assert_eq!(s.track_length, 4294);
    assert_eq!(s.ai_difficulty, 90);
    assert_eq!(s.season_link_identifier, 1_574_631_615);
    assert_eq!(s.weekend_link_identifier, 1_574_631_615);
    assert_eq!(s.session_link_identifier, 1_574_631_615);
    // Sector starts are plausible distances along a 4294 m lap, in order.
    let s2 = s.sector2_lap_distance_start.expect("F1 24 has sector starts");
    let s3 = s.sector3_lap_distance_start.expect("F1 24 has sector starts");
    assert!((s2 - 1167.1445).abs() < 1e-3 && (s3 - 3113.1223).abs() < 1e-3, "{s2} {s3}");
    // Read by hand off that packet: the forecast starts at 29 + 19 + 21 × 5 + 3 = 156 (8, 0, 5, 26, 2, 24, 2, 90:
    // race, now, light rain, 26 °C, 24 °C, 90 % rain); after the 64 samples, forecast accuracy and AI difficulty (668) and the link
    // identifiers (670), the assists from 682: gearbox 1 at 687, game mode 3 at 694, time of day u32 934 at 696; the F1 24
    // settings from 708: equal performance 1, recovery 1, flashback limit 3, surface 1, …, collisions 2 at 718,
    // pit stop experience 2 at 724, licence level MP 1 at 731, 2 sessions in the weekend at 732, the
    // weekend structure (8, 15, then zeros) at 733, the sector starts at 745.
    assert_eq!(s.weather_forecast_samples.len(), 64);
    let sample = s.weather_forecast_samples[0];
    assert_eq!((sample.session_type, sample.time_offset, sample.weather, sample.track_temperature), (8, 0, 5, 26));
    assert_eq!((sample.air_temperature, sample.rain_percentage), (24, 90));
    assert_eq!((s.gearbox_assist, s.game_mode, s.time_of_day), (1, 3, 934));
    assert_eq!((s.equal_car_performance, s.recovery_mode, s.flashback_limit), (Some(1), Some(1), Some(3)));
    assert_eq!((s.collisions, s.pit_stop_experience, s.affects_licence_level_mp), (Some(2), Some(2), Some(1)));
    assert_eq!(s.num_sessions_in_weekend, Some(2));
    assert_eq!(s.weekend_structure, Some([8, 15, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]));
    // Valid samples first: all of them name a session and a weather.
    let valid = &s.weather_forecast_samples[..usize::from(s.num_weather_forecast_samples)];
    assert!(valid.iter().all(|w| w.session_type > 0 && w.weather <= 5 && w.rain_percentage <= 100), "{valid:?}");
    let cap = load(2023).into_iter().find(|c| c.kind == "session").expect("a session packet");
    let Ok(Packet::Session(s)) = f1::decode(&cap.bytes) else { panic!("session decodes") };
    assert_eq!((s.sector2_lap_distance_start, s.session_link_identifier), (None, 1_500_336_237));
}

#[test]
fn every_dump_decodes_or_is_refused_with_a_clear_error() {
    let dir = data_dir().join("dumps");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("dumps dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "bin"))
        .collect();
    files.sort();
    assert!(files.len() > 90, "{} dumps", files.len());
    for path in files {
        let name = path.file_stem().and_then(|s| s.to_str()).expect("utf-8 name").to_owned();
        let mut parts = name.split('-');
        let year: u16 = parts.next().and_then(|y| y.parse().ok()).expect("year");
        let id: u8 = parts.next().and_then(|i| i.parse().ok()).expect("id");
        let code = parts.next();
        let bytes = std::fs::read(&path).expect("dump readable");
        let got = f1::decode(&bytes);
        match (year, id, code) {
            // F1 22 has a 24-byte header and other layouts: refused by format, before anything else is read.
            (2022, ..) => assert_eq!(got, Err(Error::UnsupportedFormat { format: 2022 }), "{name}"),
            // These two event dumps are not the 45 bytes F1 24 sends.
            (2024, 3, Some("RDFL")) => {
                assert_eq!(got, Err(Error::Length { packet: "Event", expected: 45, got: 44 }), "{name}")
            }
            (2024, 3, Some("SCAR")) => {
                assert_eq!(got, Err(Error::Length { packet: "Event", expected: 45, got: 47 }), "{name}")
            }
            (_, id, _) if DECODED_IDS.contains(&id) => {
                let packet = got.unwrap_or_else(|e| panic!("{name}: {e}"));
                assert_eq!(packet.header().packet_format, year);
                if let (Packet::Event(e), Some(code)) = (&packet, code) {
                    assert_eq!(e.event_string_code, code);
                }
            }
            (_, id, _) => {
                assert!(matches!(got, Err(Error::NotDecoded { id: i, .. }) if i == id), "{name}: {got:?}")
            }
        }
    }
}

#[test]
fn record_sizes_add_up_to_the_packet_sizes() {
    for format in [Format::Y2023, Format::Y2024, Format::Y2025] {
        let size = |id| packet_spec(format, id).expect("defined").1;
        assert_eq!(CarMotionData::LEN, 60);
        assert_eq!(CarTelemetryData::LEN, 60);
        assert_eq!(CarStatusData::LEN, 55);
        assert_eq!(size(0), HEADER_LEN + CAR_COUNT * CarMotionData::LEN);
        assert_eq!(size(2), HEADER_LEN + CAR_COUNT * LapData::record_len(format) + 2);
        assert_eq!(size(3), HEADER_LEN + 4 + 12);
        assert_eq!(size(4), HEADER_LEN + 1 + CAR_COUNT * ParticipantData::record_len(format));
        assert_eq!(size(6), HEADER_LEN + CAR_COUNT * CarTelemetryData::LEN + 3);
        assert_eq!(size(7), HEADER_LEN + CAR_COUNT * CarStatusData::LEN);
        assert_eq!(size(10), HEADER_LEN + CAR_COUNT * CarDamageData::record_len(format));
        assert_eq!(
            size(11),
            HEADER_LEN + 7 + LAP_HISTORY_SLOTS * LapHistoryData::LEN + TYRE_STINT_SLOTS * TyreStintHistoryData::LEN
        );
        assert_eq!(size(12), HEADER_LEN + 1 + TYRE_SET_SLOTS * TyreSetData::LEN + 1);
        assert_eq!(size(13), HEADER_LEN + MotionExPacket::body_len(format));
        if format != Format::Y2023 {
            assert_eq!(size(14), HEADER_LEN + 3 * TimeTrialDataSet::LEN);
        }
        if format == Format::Y2025 {
            assert_eq!(size(15), HEADER_LEN + 2 + LAP_POSITIONS_LAPS * CAR_COUNT);
        }
        assert_eq!(size(9), HEADER_LEN + 1 + CAR_COUNT * LobbyInfoData::record_len(format));
        let next_front_wing = if format == Format::Y2023 { 0 } else { 4 };
        assert_eq!(size(5), HEADER_LEN + CAR_COUNT * CarSetupData::record_len(format) + next_front_wing);
        assert_eq!(size(8), HEADER_LEN + 1 + CAR_COUNT * FinalClassificationData::record_len(format));
        // Session up to the link identifiers: 19 + 21 zones × 5 + 3 + forecast × 8 + 2 + 3 × 4.
        let prefix = HEADER_LEN + 19 + 21 * 5 + 3 + SessionPacket::forecast_slots(format) * 8 + 2 + 12;
        // Then 22 bytes of assists and rules, the u32 time of day; F1 24+ add 25 settings, the 12-session weekend
        // structure and the two f32 sector starts.
        assert_eq!(size(1), prefix + 22 + 4 + if format == Format::Y2023 { 0 } else { 25 + 12 + 8 });
    }
    assert_eq!(LapData::record_len(Format::Y2023), 50);
    assert_eq!(LapData::record_len(Format::Y2024), 57);
    assert_eq!(LapData::record_len(Format::Y2025), 57);
    assert_eq!(ParticipantData::record_len(Format::Y2023), 58);
    assert_eq!(ParticipantData::record_len(Format::Y2024), 60);
    assert_eq!(ParticipantData::record_len(Format::Y2025), 57);
    assert_eq!(CarDamageData::record_len(Format::Y2023), 42);
    assert_eq!(CarDamageData::record_len(Format::Y2024), 42);
    assert_eq!(CarDamageData::record_len(Format::Y2025), 46);
    assert_eq!(
        [2023, 2024, 2025].map(|y| CarSetupData::record_len(Format::from_packet_format(y).expect("year"))),
        [49, 50, 50]
    );
    assert_eq!(
        [2023, 2024, 2025].map(|y| FinalClassificationData::record_len(Format::from_packet_format(y).expect("year"))),
        [45, 45, 46]
    );
    assert_eq!((LapHistoryData::LEN, TyreStintHistoryData::LEN, TyreSetData::LEN), (14, 3, 10));
}

fn header_bytes(format: u16, id: u8, player: u8) -> Vec<u8> {
    let mut b = Vec::with_capacity(HEADER_LEN);
    b.extend_from_slice(&format.to_le_bytes());
    b.extend_from_slice(&[(format % 100) as u8, 1, 2, 1, id]);
    b.extend_from_slice(&0x0102_0304_0506_0708u64.to_le_bytes());
    b.extend_from_slice(&12.5f32.to_le_bytes());
    b.extend_from_slice(&77u32.to_le_bytes());
    b.extend_from_slice(&78u32.to_le_bytes());
    b.extend_from_slice(&[player, 255]);
    assert_eq!(b.len(), HEADER_LEN);
    b
}

/// A zero-filled packet of the right size with a valid header.
fn blank(format: u16, id: u8, player: u8) -> Vec<u8> {
    let f = Format::from_packet_format(format).expect("supported");
    let mut b = header_bytes(format, id, player);
    b.resize(packet_spec(f, id).expect("defined").1, 0);
    b
}

#[test]
fn golden_header_bytes() {
    let Ok(Packet::CarStatus(p)) = f1::decode(&blank(2025, 7, 3)) else { panic!("decodes") };
    let h = p.header;
    assert_eq!((h.packet_format, h.game_year, h.game_major_version, h.game_minor_version), (2025, 25, 1, 2));
    assert_eq!((h.packet_version, h.packet_id, h.session_uid), (1, 7, 0x0102_0304_0506_0708));
    assert_eq!((h.session_time, h.frame_identifier, h.overall_frame_identifier), (12.5, 77, 78));
    assert_eq!((h.player_car_index, h.secondary_player_car_index, h.player_car()), (3, 255, Some(3)));
}

#[test]
fn golden_f1_25_participant() {
    // F1 25 has no real capture here: build one participant record by hand from the specification.
    let mut b = blank(2025, 4, 0);
    b[HEADER_LEN] = 2;
    let rec = HEADER_LEN + 1 + ParticipantData::record_len(Format::Y2025); // second car
    b[rec..rec + 7].copy_from_slice(&[1, 9, 255, 3, 0, 44, 10]);
    b[rec + 7..rec + 7 + 8].copy_from_slice(b"HAMILTON");
    b[rec + 39..rec + 45].copy_from_slice(&[1, 0, 0x34, 0x12, 1, 2]);
    b[rec + 45..rec + 51].copy_from_slice(&[255, 0, 0, 0, 255, 0]);
    let Ok(Packet::Participants(p)) = f1::decode(&b) else { panic!("decodes") };
    let car = &p.participants[1];
    assert_eq!((p.num_active_cars, car.race_number, car.name.as_str()), (2, 44, "HAMILTON"));
    assert_eq!((car.tech_level, car.platform, car.num_colours), (Some(0x1234), 1, Some(2)));
    assert_eq!(car.livery_colours, Some([[255, 0, 0], [0, 255, 0], [0, 0, 0], [0, 0, 0]]));
    assert_eq!(
        p.participants[2],
        ParticipantData {
            tech_level: Some(0),
            num_colours: Some(0),
            livery_colours: Some([[0; 3]; 4]),
            ..Default::default()
        }
    );
}

/// Every real packet of `id` (the z0mt3c captures and the dumps), with its format year.
fn real_packets(id: u8) -> Vec<(u16, Packet)> {
    let mut raw: Vec<Vec<u8>> = all_captured().into_iter().map(|c| c.bytes).collect();
    for year in [2023, 2024] {
        let path = data_dir().join(format!("dumps/{year}-{id:02}.bin"));
        if path.exists() {
            raw.push(std::fs::read(&path).expect("dump readable"));
        }
    }
    raw.into_iter()
        .filter(|b| b[6] == id)
        .map(|b| {
            let packet = f1::decode(&b).unwrap_or_else(|e| panic!("packet {id}: {e}"));
            (packet.header().packet_format, packet)
        })
        .collect()
}

/// Counts per format year, checked against the captures' contents (PROVENANCE.md).
fn count_by_year(packets: &[(u16, Packet)]) -> (usize, usize) {
    (packets.iter().filter(|(y, _)| *y == 2023).count(), packets.iter().filter(|(y, _)| *y == 2024).count())
}

/// Tyre compounds the F1 23–25 specifications define, actual and visual: 7 inter, 8 wet, 9/10 classic dry/wet,
/// 11–15 F2, 16–22 modern dry (C0–C6 or soft/medium/hard by year). 0 marks an unused slot.
fn known_compound(c: u8) -> bool {
    (7..=22).contains(&c)
}

#[test]
fn every_real_car_damage_packet_decodes_with_physical_values() {
    let packets = real_packets(10);
    assert_eq!(count_by_year(&packets), (2, 2));
    for (year, packet) in &packets {
        let Packet::CarDamage(p) = packet else { panic!("{year}: {packet:?}") };
        for car in &p.car_damage_data {
            assert!(car.tyres_wear.iter().all(|w| (0.0..=100.0).contains(w)), "{year}: {:?}", car.tyres_wear);
            let percents = [
                &car.tyres_damage[..],
                &car.brakes_damage[..],
                &[
                    car.front_left_wing_damage,
                    car.front_right_wing_damage,
                    car.rear_wing_damage,
                    car.floor_damage,
                    car.diffuser_damage,
                    car.sidepod_damage,
                    car.gear_box_damage,
                    car.engine_damage,
                    car.engine_mguh_wear,
                    car.engine_es_wear,
                    car.engine_ce_wear,
                    car.engine_ice_wear,
                    car.engine_mguk_wear,
                    car.engine_tc_wear,
                ],
            ]
            .concat();
            assert!(percents.iter().all(|v| *v <= 100), "{year}: {car:?}");
            let flags = [car.drs_fault, car.ers_fault, car.engine_blown, car.engine_seized];
            assert!(flags.iter().all(|f| *f <= 1), "{year}: {car:?}");
            assert_eq!(car.tyre_blisters, None, "F1 23/24 have no blisters");
        }
    }
    // Read by hand off the F1 24 capture's carDamage line (2024.jsonl): car 0's record starts at byte 29; its
    // four little-endian f32 (bytes 29..45) are the tyre wear, the next four bytes the tyre damage.
    let Some((_, Packet::CarDamage(p))) = packets.iter().find(|(y, _)| *y == 2024) else { panic!("F1 24 damage") };
    let car = &p.car_damage_data[0];
    let expected = [1.552_296, 1.575_601_8, 1.483_974_1, 1.504_477_3];
    assert!(car.tyres_wear.iter().zip(expected).all(|(a, b)| (a - b).abs() < 1e-6), "{:?}", car.tyres_wear);
    assert_eq!((car.tyres_damage, car.brakes_damage, car.front_left_wing_damage), ([1; 4], [0; 4], 0));
}

#[test]
fn every_real_session_history_packet_decodes_and_its_sectors_add_up_to_the_lap() {
    let packets = real_packets(11);
    assert_eq!(count_by_year(&packets), (2, 3));
    let mut complete_laps = 0;
    for (year, packet) in &packets {
        let Packet::SessionHistory(p) = packet else { panic!("{year}: {packet:?}") };
        assert!(usize::from(p.car_idx) < CAR_COUNT, "{year}: car {}", p.car_idx);
        assert!(p.num_laps >= 1 && usize::from(p.num_laps) <= LAP_HISTORY_SLOTS, "{year}: {} laps", p.num_laps);
        assert!(p.num_tyre_stints >= 1 && usize::from(p.num_tyre_stints) <= TYRE_STINT_SLOTS, "{year}");
        for best in [p.best_lap_time_lap_num, p.best_sector1_lap_num, p.best_sector2_lap_num, p.best_sector3_lap_num] {
            assert!(best <= p.num_laps, "{year}: best lap {best} of {}", p.num_laps);
        }
        let (laps, unused) = p.lap_history_data.split_at(usize::from(p.num_laps));
        assert!(unused.iter().all(|l| *l == LapHistoryData::default()), "{year}: unused lap slots are empty");
        for lap in laps {
            assert!(
                lap.lap_valid_bit_flags & !(LAP_VALID | SECTOR_1_VALID | SECTOR_2_VALID | SECTOR_3_VALID) == 0,
                "{year}: {lap:?}"
            );
            let sectors = lap.sector_times_ms();
            // A lap under 10 minutes; sector milliseconds parts under a minute.
            assert!(lap.lap_time_in_ms < 600_000, "{year}: {lap:?}");
            assert!(sectors.iter().all(|s| *s < 600_000), "{year}: {lap:?}");
            if lap.lap_time_in_ms > 0 && sectors.iter().all(|s| *s > 0) {
                // The game rounds each sector and the lap separately: the real laps are 1 ms (F1 24) and 2 ms
                // (F1 23: 31109 + 40375 + 27248 = 98732 against 98734) short, so allow the three roundings.
                let sum: u32 = sectors.iter().sum();
                assert!(sum.abs_diff(lap.lap_time_in_ms) <= 2, "{year}: {sectors:?} against {lap:?}");
                complete_laps += 1;
            }
        }
        let (stints, unused) = p.tyre_stints_history_data.split_at(usize::from(p.num_tyre_stints));
        assert!(unused.iter().all(|s| *s == TyreStintHistoryData::default()), "{year}: unused stint slots");
        for stint in stints {
            assert!(known_compound(stint.tyre_actual_compound), "{year}: {stint:?}");
            assert!(known_compound(stint.tyre_visual_compound), "{year}: {stint:?}");
        }
        // The current stint has not ended: end lap 255.
        assert_eq!(stints.last().map(|s| s.end_lap), Some(255), "{year}");
    }
    assert_eq!(complete_laps, 2);
    // Read by hand off the F1 24 capture's second sessionHistory line (2024.jsonl, car 2): the seven bytes after
    // the header are 2, 2, 1, 1, 2, 1, 1; lap 1's record follows (u32 84390, then u16 28722 + u8 0, u16 38242
    // + u8 0, u16 17425 + u8 0, flags 0x0F); the stints start 1400 bytes later (255, 17, 16).
    let Some(Packet::SessionHistory(p)) = packets
        .iter()
        .map(|(_, p)| p)
        .find(|p| matches!(p, Packet::SessionHistory(s) if s.header.packet_format == 2024 && s.car_idx == 2))
    else {
        panic!("F1 24 history of car 2")
    };
    assert_eq!((p.num_laps, p.num_tyre_stints, p.best_lap_time_lap_num, p.best_sector1_lap_num), (2, 1, 1, 2));
    let lap = p.lap_history_data[0];
    assert_eq!(
        (lap.lap_time_in_ms, lap.sector_times_ms(), lap.lap_valid_bit_flags),
        (84_390, [28_722, 38_242, 17_425], 0x0F)
    );
    assert_eq!(
        p.tyre_stints_history_data[0],
        TyreStintHistoryData { end_lap: 255, tyre_actual_compound: 17, tyre_visual_compound: 16 }
    );
}

#[test]
fn every_real_tyre_sets_packet_decodes_with_physical_values() {
    let packets = real_packets(12);
    assert_eq!(count_by_year(&packets), (3, 2));
    let mut filled = 0;
    for (year, packet) in &packets {
        let Packet::TyreSets(p) = packet else { panic!("{year}: {packet:?}") };
        assert!(usize::from(p.car_idx) < CAR_COUNT, "{year}: car {}", p.car_idx);
        assert!(usize::from(p.fitted_idx) < TYRE_SET_SLOTS, "{year}: fitted {}", p.fitted_idx);
        // The F1 23 capture has two packets of all-zero sets (cars the game sends no sets for).
        if p.tyre_set_data.iter().all(|s| *s == TyreSetData::default()) {
            continue;
        }
        filled += 1;
        for set in &p.tyre_set_data {
            assert!(known_compound(set.actual_tyre_compound) && known_compound(set.visual_tyre_compound), "{set:?}");
            assert!(set.wear <= 100 && set.available <= 1 && set.fitted <= 1, "{year}: {set:?}");
            assert!(set.life_span <= set.usable_life, "{year}: {set:?}");
            // Lap delta against the fitted set: seconds, not minutes.
            assert!(set.lap_delta_time.unsigned_abs() < 30_000, "{year}: {set:?}");
        }
        let fitted: Vec<usize> = (0..TYRE_SET_SLOTS).filter(|i| p.tyre_set_data[*i].fitted == 1).collect();
        assert_eq!(fitted, [usize::from(p.fitted_idx)], "{year}");
    }
    assert_eq!(filled, 3);
    // Read by hand off the F1 24 capture's tyreSets line (2024.jsonl): byte 29 is the car (6), the last byte the
    // fitted index (17); set 17 starts at 30 + 17 × 10: 8, 8, 0, 1, 0, 56, 56, i16 0, 1 (fitted full wets);
    // set 0: 17, 16, 0, 0, 1, 38, 38, i16 8031 (0x1F5F), 0.
    let Some(Packet::TyreSets(p)) = packets
        .iter()
        .map(|(_, p)| p)
        .find(|p| matches!(p, Packet::TyreSets(s) if s.header.packet_format == 2024 && s.car_idx == 6))
    else {
        panic!("F1 24 tyre sets of car 6")
    };
    assert_eq!(p.fitted_idx, 17);
    let wet = TyreSetData {
        actual_tyre_compound: 8,
        visual_tyre_compound: 8,
        wear: 0,
        available: 1,
        recommended_session: 0,
        life_span: 56,
        usable_life: 56,
        lap_delta_time: 0,
        fitted: 1,
    };
    assert_eq!(p.tyre_set_data[17], wet);
    let first = p.tyre_set_data[0];
    assert_eq!((first.actual_tyre_compound, first.visual_tyre_compound, first.recommended_session), (17, 16, 1));
    assert_eq!((first.life_span, first.lap_delta_time, first.fitted), (38, 8031, 0));
}

#[test]
fn golden_f1_25_car_damage_with_blisters() {
    // F1 25 has no real capture here: build the second car's 46-byte record by hand from the specification.
    let mut b = blank(2025, 10, 0);
    let rec = HEADER_LEN + CarDamageData::record_len(Format::Y2025);
    for (i, w) in [12.5f32, 13.0, 20.25, 21.0].iter().enumerate() {
        b[rec + 4 * i..rec + 4 * i + 4].copy_from_slice(&w.to_le_bytes());
    }
    b[rec + 16..rec + 28].copy_from_slice(&[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    b[rec + 28..rec + 46].copy_from_slice(&[13, 14, 15, 16, 17, 18, 1, 1, 19, 20, 21, 22, 23, 24, 25, 26, 1, 1]);
    let Ok(Packet::CarDamage(p)) = f1::decode(&b) else { panic!("decodes") };
    let car = &p.car_damage_data[1];
    assert_eq!(car.tyres_wear, [12.5, 13.0, 20.25, 21.0]);
    assert_eq!(
        (car.tyres_damage, car.brakes_damage, car.tyre_blisters),
        ([1, 2, 3, 4], [5, 6, 7, 8], Some([9, 10, 11, 12]))
    );
    assert_eq!((car.front_left_wing_damage, car.front_right_wing_damage, car.rear_wing_damage), (13, 14, 15));
    assert_eq!((car.floor_damage, car.diffuser_damage, car.sidepod_damage), (16, 17, 18));
    assert_eq!((car.drs_fault, car.ers_fault, car.gear_box_damage, car.engine_damage), (1, 1, 19, 20));
    assert_eq!((car.engine_mguh_wear, car.engine_es_wear, car.engine_ce_wear, car.engine_ice_wear), (21, 22, 23, 24));
    assert_eq!((car.engine_mguk_wear, car.engine_tc_wear, car.engine_blown, car.engine_seized), (25, 26, 1, 1));
    assert_eq!(p.car_damage_data[2], CarDamageData { tyre_blisters: Some([0; 4]), ..Default::default() });
    let v = serde_json::to_value(&p).expect("serializable");
    assert_eq!(v["m_carDamageData"][1]["m_tyreBlisters"], serde_json::json!([9, 10, 11, 12]));
}

#[test]
fn every_real_motion_ex_packet_decodes_with_physical_values() {
    let packets = real_packets(13);
    // Captures: F1 23 2, F1 24 1; dumps: one of each (all-zero idle cars).
    assert_eq!(count_by_year(&packets), (3, 2));
    for (year, packet) in &packets {
        let Packet::MotionEx(p) = packet else { panic!("{year}: {packet:?}") };
        let wheels = [
            p.suspension_position,
            p.suspension_velocity,
            p.suspension_acceleration,
            p.wheel_speed,
            p.wheel_slip_ratio,
            p.wheel_slip_angle,
            p.wheel_lat_force,
            p.wheel_long_force,
            p.wheel_vert_force,
        ];
        assert!(wheels.iter().flatten().all(|v| v.is_finite()), "{year}: {p:?}");
        // Suspension travel in millimetres, wheel speeds under 400 km/h, forces under 50 kN.
        assert!(p.suspension_position.iter().all(|v| v.abs() < 200.0), "{year}: {p:?}");
        assert!(p.wheel_speed.iter().all(|v| v.abs() < 112.0), "{year}: {p:?}");
        assert!(p.wheel_vert_force.iter().all(|v| v.abs() < 50_000.0), "{year}: {p:?}");
        assert!((0.0..1.0).contains(&p.height_of_cog_above_ground), "{year}: {p:?}");
        assert!(p.front_wheels_angle.abs() < 1.0, "{year}: {p:?}");
        let f1_24 = [p.front_aero_height, p.rear_aero_height, p.front_roll_angle, p.rear_roll_angle, p.chassis_yaw];
        assert_eq!(f1_24.iter().all(Option::is_some), *year == 2024, "{year}: {p:?}");
        assert!(f1_24.iter().flatten().all(|v| v.abs() < 1.0), "{year}: {p:?}");
        assert_eq!((p.chassis_pitch, p.wheel_camber, p.wheel_camber_gain), (None, None, None), "F1 25 only");
    }
    // Read by hand off the F1 24 capture's motionEx line (2024.jsonl): the suspension positions are the four
    // f32 at bytes 29..45 (-9.856642, -9.508014, 35.24289, 35.29057), the height of CoG the f32 at 157
    // (0.3509712), the front and rear aero heights the f32 at 217 and 221 (0.05260219, 0.08469082).
    let Some((_, Packet::MotionEx(p))) = packets
        .iter()
        .find(|(y, p)| *y == 2024 && matches!(p, Packet::MotionEx(m) if m.height_of_cog_above_ground > 0.0))
    else {
        panic!("F1 24 motion ex")
    };
    let expected = [-9.856_642, -9.508_014, 35.242_89, 35.290_57];
    assert!(p.suspension_position.iter().zip(expected).all(|(a, b)| (a - b).abs() < 1e-4), "{p:?}");
    assert!((p.height_of_cog_above_ground - 0.350_971_2).abs() < 1e-6);
    assert!((p.front_aero_height.unwrap_or_default() - 0.052_602_19).abs() < 1e-7);
    assert!((p.rear_aero_height.unwrap_or_default() - 0.084_690_82).abs() < 1e-7);
}

#[test]
fn golden_f1_25_motion_ex_with_pitch_and_camber() {
    // F1 25 has no real capture here: fill the 61 f32 after the header with 1.0, 2.0, … and check each lands in
    // its field (9 wheel arrays, 11 singles, the F1 24 five, then pitch, camber and camber gain).
    let mut b = blank(2025, 13, 0);
    assert_eq!(b.len(), HEADER_LEN + MotionExPacket::body_len(Format::Y2025));
    for i in 0..61u16 {
        let at = HEADER_LEN + 4 * usize::from(i);
        b[at..at + 4].copy_from_slice(&f32::from(i + 1).to_le_bytes());
    }
    let Ok(Packet::MotionEx(p)) = f1::decode(&b) else { panic!("decodes") };
    assert_eq!(p.suspension_position, [1.0, 2.0, 3.0, 4.0]);
    assert_eq!(p.wheel_long_force, [29.0, 30.0, 31.0, 32.0]);
    assert_eq!((p.height_of_cog_above_ground, p.local_velocity_z, p.angular_acceleration_z), (33.0, 36.0, 42.0));
    assert_eq!((p.front_wheels_angle, p.wheel_vert_force), (43.0, [44.0, 45.0, 46.0, 47.0]));
    assert_eq!((p.front_aero_height, p.rear_aero_height, p.front_roll_angle), (Some(48.0), Some(49.0), Some(50.0)));
    assert_eq!((p.rear_roll_angle, p.chassis_yaw, p.chassis_pitch), (Some(51.0), Some(52.0), Some(53.0)));
    assert_eq!((p.wheel_camber, p.wheel_camber_gain), (Some([54.0, 55.0, 56.0, 57.0]), Some([58.0, 59.0, 60.0, 61.0])));
    let v = serde_json::to_value(&p).expect("serializable");
    assert_eq!(v["m_wheelCamberGain"], serde_json::json!([58.0, 59.0, 60.0, 61.0]));
    assert_eq!(v["m_chassisPitch"], serde_json::json!(53.0));
}

#[test]
fn every_real_car_setups_packet_decodes_with_physical_values() {
    let packets = real_packets(5);
    assert_eq!(count_by_year(&packets), (2, 2));
    let mut visible = 0;
    for (year, packet) in &packets {
        let Packet::CarSetups(p) = packet else { panic!("{year}: {packet:?}") };
        assert_eq!(p.next_front_wing_value.is_some(), *year >= 2024, "{year}");
        for car in &p.car_setups {
            assert_eq!(car.engine_braking.is_some(), *year >= 2024, "{year}");
            // Other players' setups may be private (all zeros).
            if car.brake_bias == 0 {
                continue;
            }
            visible += 1;
            assert!(car.front_wing <= 50 && car.rear_wing <= 50, "{year}: {car:?}");
            assert!(car.on_throttle <= 100 && car.off_throttle <= 100 && car.brake_pressure <= 100, "{year}: {car:?}");
            assert!((50..=70).contains(&car.brake_bias), "{year}: {car:?}");
            assert!(car.engine_braking.unwrap_or(0) <= 100, "{year}: {car:?}");
            assert!(
                [car.front_camber, car.rear_camber].iter().all(|c| (-5.0..=0.0).contains(c)) || *year == 2023,
                "{car:?}"
            );
            assert!([car.front_toe, car.rear_toe].iter().all(|t| (0.0..=1.0).contains(t)), "{year}: {car:?}");
            let pressures = [
                car.rear_left_tyre_pressure,
                car.rear_right_tyre_pressure,
                car.front_left_tyre_pressure,
                car.front_right_tyre_pressure,
            ];
            assert!(pressures.iter().all(|p| (15.0..=35.0).contains(p)), "{year}: PSI {pressures:?}");
            assert!((0.0..=110.0).contains(&car.fuel_load), "{year}: {car:?}");
        }
    }
    assert!(visible >= 4, "{visible} setups");
    // Read by hand off the F1 24 capture's carSetups line (2024.jsonl): player car 19's 50-byte record starts at
    // 29 + 19 × 50 = 979: wings 26, 24, differential 25, 70, front camber f32 -3.5 at 983; brake bias 58 at
    // 1006, engine braking 30 at 1007, fuel load f32 10.0 at 1025; m_nextFrontWingValue f32 26.0 at 1129.
    let Some(Packet::CarSetups(p)) = packets.iter().map(|(_, p)| p).find(
        |p| matches!(p, Packet::CarSetups(s) if s.header.packet_format == 2024 && s.car_setups[19].front_wing == 26),
    ) else {
        panic!("F1 24 setups")
    };
    let car = &p.car_setups[19];
    assert_eq!((car.front_wing, car.rear_wing, car.on_throttle, car.off_throttle), (26, 24, 25, 70));
    assert_eq!((car.front_camber, car.brake_bias, car.engine_braking, car.fuel_load), (-3.5, 58, Some(30), 10.0));
    assert_eq!(p.next_front_wing_value, Some(26.0));
}

#[test]
fn every_real_final_classification_packet_decodes_with_a_consistent_result() {
    let packets = real_packets(8);
    // The F1 23 capture and dump, the F1 24 dump.
    assert_eq!(count_by_year(&packets), (2, 1));
    for (year, packet) in &packets {
        let Packet::FinalClassification(p) = packet else { panic!("{year}: {packet:?}") };
        let n = usize::from(p.num_cars);
        assert!((1..=CAR_COUNT).contains(&n), "{year}: {n} cars");
        let (cars, unused) = p.classification_data.split_at(n);
        let mut positions: Vec<u8> = cars.iter().map(|c| c.position).collect();
        positions.sort_unstable();
        assert_eq!(positions, (1..=p.num_cars).collect::<Vec<_>>(), "{year}: positions");
        assert!(unused.iter().all(|c| *c == FinalClassificationData::default()), "{year}: unused slots");
        for car in cars {
            assert_eq!(car.result_reason, None, "F1 25 only");
            assert!(car.result_status <= 7 && usize::from(car.grid_position) <= CAR_COUNT, "{year}: {car:?}");
            assert!(car.num_penalties <= car.penalties_time.max(car.num_penalties), "{year}: {car:?}");
            let stints = usize::from(car.num_tyre_stints);
            assert!((1..=CLASSIFICATION_STINT_SLOTS).contains(&stints), "{year}: {car:?}");
            assert!(car.tyre_stints_actual[..stints].iter().all(|c| known_compound(*c)), "{year}: {car:?}");
            assert!(car.tyre_stints_visual[..stints].iter().all(|c| known_compound(*c)), "{year}: {car:?}");
            assert_eq!(car.tyre_stints_end_laps[stints - 1], 255, "{year}: the last stint runs to the flag");
            // At most 25 points plus one for the fastest lap, none outside the top ten (the F1 23 capture's short
            // race gave its third 4 points: the scale depends on the race length).
            assert!(car.points <= 26 && (car.position <= 10 || car.points == 0), "{year}: {car:?}");
            // A finisher's race time is at least its laps at its best lap's pace.
            if car.result_status == 3 {
                let floor = f64::from(car.num_laps) * f64::from(car.best_lap_time_in_ms) / 1000.0;
                assert!(car.total_race_time >= floor - 0.001 && car.total_race_time < 3.0 * floor, "{year}: {car:?}");
            }
        }
    }
    // Read by hand off dumps/2024-08.bin: byte 29 is the car count (20); car 1's record at 30 + 45 = 75 reads
    // position 1, 5 laps, grid 2, 26 points, 0 stops, status 3, u32 90957 at 81, f64 458.30783… at 85; car 19
    // (the player, 30 + 19 × 45 = 885) finished 5th from pole with 10 points.
    let Some((_, Packet::FinalClassification(p))) = packets.iter().find(|(y, _)| *y == 2024) else { panic!("F1 24") };
    assert_eq!(p.num_cars, 20);
    let winner = &p.classification_data[1];
    assert_eq!((winner.position, winner.num_laps, winner.grid_position, winner.points), (1, 5, 2, 26));
    assert_eq!((winner.num_pit_stops, winner.result_status, winner.best_lap_time_in_ms), (0, 3, 90_957));
    assert!((winner.total_race_time - 458.307_830_810_546_9).abs() < 1e-9, "{}", winner.total_race_time);
    assert_eq!((winner.num_tyre_stints, winner.tyre_stints_actual[0], winner.tyre_stints_visual[0]), (1, 18, 16));
    let player = &p.classification_data[19];
    assert_eq!((player.position, player.grid_position, player.points), (5, 1, 10));
    // That race scored the full scale: 25, 18, 15, 12, 10, 8, 6, 4, 2, 1 and one for the fastest lap.
    let points: u32 = p.classification_data.iter().map(|c| u32::from(c.points)).sum();
    assert_eq!(points, 102);
}

#[test]
fn golden_f1_25_final_classification_with_result_reason() {
    // F1 25 has no real capture here: build the first car's 46-byte record by hand from the specification.
    let mut b = blank(2025, 8, 0);
    b[HEADER_LEN] = 1;
    let rec = HEADER_LEN + 1;
    b[rec..rec + 7].copy_from_slice(&[1, 57, 3, 25, 2, 3, 9]);
    b[rec + 7..rec + 11].copy_from_slice(&83_456u32.to_le_bytes());
    b[rec + 11..rec + 19].copy_from_slice(&5_012.75f64.to_le_bytes());
    b[rec + 19..rec + 22].copy_from_slice(&[5, 1, 3]);
    b[rec + 22..rec + 25].copy_from_slice(&[18, 17, 19]);
    b[rec + 30..rec + 33].copy_from_slice(&[17, 16, 18]);
    b[rec + 38..rec + 41].copy_from_slice(&[20, 40, 255]);
    let Ok(Packet::FinalClassification(p)) = f1::decode(&b) else { panic!("decodes") };
    let car = &p.classification_data[0];
    assert_eq!((p.num_cars, car.position, car.num_laps, car.grid_position, car.points), (1, 1, 57, 3, 25));
    assert_eq!((car.num_pit_stops, car.result_status, car.result_reason), (2, 3, Some(9)));
    assert_eq!((car.best_lap_time_in_ms, car.total_race_time), (83_456, 5_012.75));
    assert_eq!((car.penalties_time, car.num_penalties, car.num_tyre_stints), (5, 1, 3));
    assert_eq!(car.tyre_stints_actual, [18, 17, 19, 0, 0, 0, 0, 0]);
    assert_eq!(car.tyre_stints_visual, [17, 16, 18, 0, 0, 0, 0, 0]);
    assert_eq!(car.tyre_stints_end_laps, [20, 40, 255, 0, 0, 0, 0, 0]);
    assert_eq!(p.classification_data[1], FinalClassificationData { result_reason: Some(0), ..Default::default() });
    let v = serde_json::to_value(&p).expect("serializable");
    assert_eq!(v["m_classificationData"][0]["m_resultReason"], 9);
}

#[test]
fn the_real_time_trial_packet_decodes_with_sectors_adding_up_to_the_lap() {
    let packets = real_packets(14);
    // Only the F1 24 dump: F1 23 has no packet 14 and the captures none.
    assert_eq!(count_by_year(&packets), (0, 1));
    let Some((_, Packet::TimeTrial(p))) = packets.first() else { panic!("time trial") };
    for set in [&p.player_session_best_data_set, &p.personal_best_data_set, &p.rival_data_set] {
        assert!(usize::from(set.car_idx) < CAR_COUNT, "{set:?}");
        let flags = [set.anti_lock_brakes, set.equal_car_performance, set.custom_setup, set.valid];
        assert!(flags.iter().all(|f| *f <= 1) && set.traction_control <= 2 && set.gearbox_assist <= 3, "{set:?}");
        if set.lap_time_in_ms > 0 {
            let sum = set.sector1_time_in_ms + set.sector2_time_in_ms + set.sector3_time_in_ms;
            assert!(sum.abs_diff(set.lap_time_in_ms) <= 2, "{set:?}");
        }
    }
    // Read by hand off dumps/2024-14.bin: the personal best set starts at 29 + 24 = 53: car 1, team 1, u32 87027
    // at 55, sectors 27631, 35630, 23765 at 59, 63, 67; then TC 0, gearbox 0, ABS 0, equal performance 1,
    // custom setup 1, valid 1. The session best (at 29) is empty but for team 1 and valid 1; no rival.
    let expected = TimeTrialDataSet {
        car_idx: 1,
        team_id: 1,
        lap_time_in_ms: 87_027,
        sector1_time_in_ms: 27_631,
        sector2_time_in_ms: 35_630,
        sector3_time_in_ms: 23_765,
        traction_control: 0,
        gearbox_assist: 0,
        anti_lock_brakes: 0,
        equal_car_performance: 1,
        custom_setup: 1,
        valid: 1,
    };
    assert_eq!(p.personal_best_data_set, expected);
    assert_eq!(
        p.player_session_best_data_set,
        TimeTrialDataSet { team_id: 1, equal_car_performance: 1, valid: 1, ..Default::default() }
    );
    assert_eq!(p.rival_data_set, TimeTrialDataSet::default());
}

#[test]
fn golden_f1_25_lap_positions() {
    // Packet 15 exists only in F1 25, with no real capture here: build one by hand. Laps 3 to 5 of a 3-car race
    // (lap start 2): the lap-major array holds car 0, 1, 2's positions per lap, 0 for the other slots.
    let mut b = blank(2025, 15, 0);
    b[HEADER_LEN] = 3;
    b[HEADER_LEN + 1] = 2;
    for (lap, positions) in [[1u8, 2, 3], [2, 1, 3], [3, 1, 2]].iter().enumerate() {
        let at = HEADER_LEN + 2 + lap * CAR_COUNT;
        b[at..at + 3].copy_from_slice(positions);
    }
    // The last byte: the last car on the 50th lap slot.
    let last = b.len() - 1;
    b[last] = 22;
    let Ok(Packet::LapPositions(p)) = f1::decode(&b) else { panic!("decodes") };
    assert_eq!((p.num_laps, p.lap_start), (3, 2));
    assert_eq!(p.position_for_vehicle_idx[0][..4], [1, 2, 3, 0]);
    assert_eq!(p.position_for_vehicle_idx[1][..4], [2, 1, 3, 0]);
    assert_eq!(p.position_for_vehicle_idx[2][..4], [3, 1, 2, 0]);
    assert_eq!(p.position_for_vehicle_idx[LAP_POSITIONS_LAPS - 1][CAR_COUNT - 1], 22);
    assert_eq!(p.position_for_vehicle_idx.iter().flatten().filter(|v| **v != 0).count(), 10);
    let v = serde_json::to_value(&p).expect("serializable");
    assert_eq!(v["m_positionForVehicleIdx"].as_array().map(Vec::len), Some(LAP_POSITIONS_LAPS));
    assert_eq!(v["m_positionForVehicleIdx"][1][0], 2);
    // F1 23/24 do not define packet 15.
    for format in [2023u16, 2024] {
        let b = blank(2025, 15, 0);
        let mut b = b[..].to_vec();
        b[..2].copy_from_slice(&format.to_le_bytes());
        assert_eq!(f1::decode(&b), Err(Error::UnknownPacket { format, id: 15 }));
    }
}

#[test]
fn every_real_lobby_info_packet_decodes() {
    let packets = real_packets(9);
    // Only the dumps: one lobby of one human player each for F1 23 and F1 24.
    assert_eq!(count_by_year(&packets), (1, 1));
    for (year, packet) in &packets {
        let Packet::LobbyInfo(p) = packet else { panic!("{year}: {packet:?}") };
        assert_eq!(p.num_players, 1, "{year}");
        let (players, unused) = p.lobby_players.split_at(usize::from(p.num_players));
        for player in players {
            assert!(player.ai_controlled <= 1 && player.ready_status <= 2, "{year}: {player:?}");
            assert!([1, 3, 4, 6, 255].contains(&player.platform), "{year}: {player:?}");
            assert_eq!(player.tech_level.is_some(), *year >= 2024, "{year}: {player:?}");
        }
        // Unused slots are empty but for "no team selected" (255).
        for slot in unused {
            assert_eq!(slot.name, "", "{year}");
            assert_eq!((slot.team_id, slot.ai_controlled, slot.car_number), (255, 0, 0), "{year}");
        }
    }
    // Read by hand off dumps/2024-09.bin: byte 29 is the player count (1); the first 58-byte record at 30 reads
    // AI 0, team 255, nationality 63, platform 1 (Steam), the name "maciejpedzich" NUL-padded to 48 bytes, car
    // number 95 at 82, your telemetry 0, show online names 1, tech level u16 134 at 85, ready status 0.
    let Some((_, Packet::LobbyInfo(p))) = packets.iter().find(|(y, _)| *y == 2024) else { panic!("F1 24 lobby") };
    let expected = LobbyInfoData {
        ai_controlled: 0,
        team_id: 255,
        nationality: 63,
        platform: 1,
        name: "maciejpedzich".into(),
        car_number: 95,
        your_telemetry: Some(0),
        show_online_names: Some(1),
        tech_level: Some(134),
        ready_status: 0,
    };
    assert_eq!(p.lobby_players[0], expected);
    // The F1 23 dump: the same player, car 12, without the F1 24 fields.
    let Some((_, Packet::LobbyInfo(p))) = packets.iter().find(|(y, _)| *y == 2023) else { panic!("F1 23 lobby") };
    let f1_23 =
        LobbyInfoData { car_number: 12, your_telemetry: None, show_online_names: None, tech_level: None, ..expected };
    assert_eq!(p.lobby_players[0], f1_23);
}

#[test]
fn golden_f1_25_lobby_player_with_a_32_byte_name() {
    // F1 25 has no real lobby packet here: build the second 42-byte record by hand from the specification.
    let mut b = blank(2025, 9, 0);
    b[HEADER_LEN] = 2;
    let rec = HEADER_LEN + 1 + LobbyInfoData::record_len(Format::Y2025);
    b[rec..rec + 4].copy_from_slice(&[1, 3, 10, 3]);
    let name = "A name of thirty-one characters";
    b[rec + 4..rec + 4 + name.len()].copy_from_slice(name.as_bytes());
    b[rec + 36..rec + 42].copy_from_slice(&[44, 1, 0, 0x2C, 0x01, 1]);
    let Ok(Packet::LobbyInfo(p)) = f1::decode(&b) else { panic!("decodes") };
    let player = &p.lobby_players[1];
    assert_eq!(
        (p.num_players, player.ai_controlled, player.team_id, player.nationality, player.platform),
        (2, 1, 3, 10, 3)
    );
    assert_eq!((player.name.as_str(), player.car_number), (name, 44));
    assert_eq!((player.your_telemetry, player.show_online_names, player.tech_level), (Some(1), Some(0), Some(300)));
    assert_eq!(player.ready_status, 1);
    let v = serde_json::to_value(&p).expect("serializable");
    assert_eq!(v["m_lobbyPlayers"][1]["m_techLevel"], 300);
}

#[test]
fn zeroed_packets_of_every_defined_size_decode_or_are_not_decoded() {
    for format in [2023u16, 2024, 2025] {
        for id in 0..=20u8 {
            let f = Format::from_packet_format(format).expect("supported");
            match packet_spec(f, id) {
                None => {
                    let mut b = header_bytes(format, id, 0);
                    b.resize(1000, 0);
                    assert_eq!(f1::decode(&b), Err(Error::UnknownPacket { format, id }));
                }
                Some(_) if DECODED_IDS.contains(&id) => {
                    assert!(f1::decode(&blank(format, id, 0)).is_ok(), "{format} id {id}");
                }
                Some((name, _)) => {
                    assert_eq!(f1::decode(&blank(format, id, 0)), Err(Error::NotDecoded { format, id, name }));
                }
            }
        }
    }
    assert_eq!(f1::decode(&[0; 1349]), Err(Error::UnsupportedFormat { format: 0 }));
    assert_eq!(f1::decode(&[]), Err(Error::Length { packet: "header", expected: HEADER_LEN, got: 0 }));
}

#[test]
fn every_truncation_and_extension_of_every_real_packet_is_a_length_error() {
    for cap in all_captured() {
        let n = cap.bytes.len();
        for len in 0..n {
            match f1::decode(&cap.bytes[..len]) {
                Err(Error::Length { got, .. }) => assert_eq!(got, len),
                other => panic!("{} truncated to {len}: {other:?}", cap.kind),
            }
        }
        // Trailing bytes are refused too: the game always sends the exact size.
        for extra in [1usize, 3, 64] {
            let mut longer = cap.bytes.clone();
            longer.resize(n + extra, 0);
            assert_eq!(
                f1::decode(&longer)
                    .map(|_| ())
                    .map_err(|e| matches!(e, Error::Length { expected, .. } if expected == n)),
                Err(true),
                "{} with {extra} extra bytes",
                cap.kind
            );
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, rng_seed: proptest::test_runner::RngSeed::Fixed(20777), ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..1500)) {
        let _ = f1::decode(&bytes);
    }

    #[test]
    fn random_bodies_with_a_valid_header_and_size_decode(format in 2023u16..=2025, id in 0u8..16, seed in proptest::collection::vec(any::<u8>(), 64)) {
        let f = Format::from_packet_format(format).expect("supported");
        if let Some((_, size)) = packet_spec(f, id) {
            let mut b = header_bytes(format, id, 0);
            b.extend((0..size - HEADER_LEN).map(|i| seed[i % seed.len()].wrapping_add(i as u8)));
            match f1::decode(&b) {
                Ok(p) => prop_assert_eq!(p.header().packet_id, id),
                Err(e) => prop_assert!(matches!(e, Error::NotDecoded { .. }), "{}", e),
            }
        }
    }

    #[test]
    fn bit_flips_in_real_packets_never_panic(which in 0usize..58, pos in any::<usize>(), bit in 0u8..8) {
        static CAPS: std::sync::OnceLock<Vec<Captured>> = std::sync::OnceLock::new();
        let caps = CAPS.get_or_init(all_captured);
        let mut bytes = caps[which % caps.len()].bytes.clone();
        let i = pos % bytes.len();
        bytes[i] ^= 1 << bit;
        let mut norm = F1Normalizer::new(None);
        if let Ok(packet) = f1::decode(&bytes) {
            let _ = norm.push(&packet);
        }
    }
}

// ---------------------------------------------------------------------------------------------------------
// Normalizer

/// The F1 24 packets of one session (uid 15747386989728148181): session, motion, lap data, telemetry.
fn f1_24_session_packets(player: Option<u8>) -> Vec<Packet> {
    let caps = load(2024);
    [2, 4, 5, 7]
        .iter()
        .map(|&i| {
            let mut bytes = caps[i].bytes.clone();
            if let Some(p) = player {
                bytes[27] = p;
            }
            f1::decode(&bytes).expect("decodes")
        })
        .collect()
}

fn run(norm: &mut F1Normalizer, packets: &[Packet]) -> Vec<Frame> {
    packets.iter().filter_map(|p| norm.push(p)).collect()
}

fn expect_car(frame: &Frame, packets: &[Packet], car: usize) {
    let (Packet::Motion(m), Packet::LapData(l), Packet::CarTelemetry(t)) = (&packets[1], &packets[2], &packets[3])
    else {
        panic!("packet order")
    };
    let (m, l, t) = (&m.car_motion_data[car], &l.lap_data[car], &t.car_telemetry_data[car]);
    let close = |c: Channel, v: f32| {
        let got = frame.get(c).unwrap_or_else(|| panic!("{} missing", c.name()));
        assert!((got - v).abs() <= 1e-4 * v.abs().max(1.0), "{}: {got} vs {v}", c.name());
    };
    assert_eq!(frame.t_us, 11_990_670);
    close(Channel::Speed, f32::from(t.speed) / 3.6);
    close(Channel::Rpm, f32::from(t.engine_rpm));
    close(Channel::Gear, f32::from(t.gear));
    close(Channel::Throttle, t.throttle);
    close(Channel::SteerInput, -t.steer);
    close(Channel::TyreTempFl, f32::from(t.tyres_surface_temperature[2]));
    close(Channel::TyreTempRr, f32::from(t.tyres_surface_temperature[1]));
    close(Channel::TyrePressFr, t.tyres_pressure[3] * 6.894_757);
    close(Channel::PosX, m.world_position_x);
    close(Channel::PosY, -m.world_position_z);
    close(Channel::PosZ, m.world_position_y);
    close(Channel::AccLong, m.g_force_longitudinal);
    close(Channel::Lap, f32::from(l.current_lap_num));
    close(Channel::LapTime, l.current_lap_time_in_ms as f32 / 1000.0);
    if l.lap_distance >= 0.0 {
        close(Channel::LapDist, l.lap_distance);
        close(Channel::LapDistPct, l.lap_distance / 4294.0);
    } else {
        // Before the start line is first crossed the game counts down to it: no distance along the lap.
        assert!(!frame.has(Channel::LapDist) && !frame.has(Channel::LapDistPct));
    }
    close(Channel::Sector, f32::from(l.sector));
    close(Channel::LapValid, if l.current_lap_invalid == 0 { 1.0 } else { 0.0 });
    close(Channel::InPit, if l.pit_status == 0 { 0.0 } else { 1.0 });
}

#[test]
fn follows_the_player_car() {
    let packets = f1_24_session_packets(None);
    let frames = run(&mut F1Normalizer::new(Some(3)), &packets);
    assert_eq!(frames.len(), 1, "one frame per telemetry packet");
    expect_car(&frames[0], &packets, 19);
    // The player has not completed a lap: no last lap time rather than 0 s.
    assert_eq!(frames[0].last_lap_s(), None);
}

#[test]
fn spectating_follows_the_chosen_car_or_else_the_leader() {
    let packets = f1_24_session_packets(Some(255));
    let frames = run(&mut F1Normalizer::new(Some(5)), &packets);
    expect_car(&frames[0], &packets, 5);

    let Packet::LapData(l) = &packets[2] else { panic!("lap data") };
    let leader = l.leader().expect("a car in P1");
    let frames = run(&mut F1Normalizer::new(None), &packets);
    expect_car(&frames[0], &packets, leader);

    // Out-of-range choice falls back to the leader; without lap data there is no leader and no frame.
    let frames = run(&mut F1Normalizer::new(Some(22)), &packets);
    expect_car(&frames[0], &packets, leader);
    assert!(run(&mut F1Normalizer::new(None), &packets[3..]).is_empty());
    // An unused slot (no position, result status 0) gives no frame rather than a frame of zeros.
    assert_eq!((l.lap_data[21].car_position, l.lap_data[21].result_status), (0, 0));
    assert!(run(&mut F1Normalizer::new(Some(21)), &packets).is_empty());
}

#[test]
fn real_spectator_lap_data_names_the_leader() {
    // F1 23 lap data sent while spectating (m_playerCarIndex 255).
    let cap = load(2023).into_iter().filter(|c| c.kind == "lapData").nth(1).expect("second lap data packet");
    let Ok(Packet::LapData(l)) = f1::decode(&cap.bytes) else { panic!("lap data decodes") };
    assert_eq!(l.header.player_car(), None);
    let leader = l.leader().expect("a car in P1");
    assert_eq!(cap.parsed["m_lapData"][leader]["m_carPosition"], 1);
    let mut norm = F1Normalizer::new(None);
    assert_eq!(norm.push(&Packet::LapData(l.clone())), None);
    assert_eq!(norm.followed_car(&l.header), Some(leader));
}

#[test]
fn values_from_another_session_are_dropped() {
    let caps = load(2024);
    // Lap data of session 8812468836485910916, then telemetry of session 15747386989728148181.
    let packets: Vec<Packet> = [6, 7].iter().map(|&i| f1::decode(&caps[i].bytes).expect("decodes")).collect();
    let frames = run(&mut F1Normalizer::new(None), &packets);
    assert_eq!(frames.len(), 1);
    assert!(frames[0].has(Channel::Speed) && !frames[0].has(Channel::Lap) && !frames[0].has(Channel::PosX));
}

#[test]
fn implausible_values_become_missing_channels() {
    let mut b = blank(2024, 6, 0);
    let rec = HEADER_LEN;
    b[rec + 2..rec + 6].copy_from_slice(&2.5f32.to_le_bytes()); // throttle beyond 1
    b[rec + 6..rec + 10].copy_from_slice(&f32::NAN.to_le_bytes()); // steer
    b[rec + 14] = 180; // clutch beyond 100
    b[rec + 15] = 12; // gear beyond 8
    let packet = f1::decode(&b).expect("decodes");
    let frame = F1Normalizer::new(None).push(&packet).expect("player car 0");
    for c in [Channel::Throttle, Channel::SteerInput, Channel::Clutch, Channel::Gear, Channel::TyrePressFl] {
        assert!(!frame.has(c), "{} should be missing", c.name());
    }
    assert_eq!(frame.get(Channel::Brake), Some(0.0));
    assert_eq!(frame.speed_mps(), Some(0.0));
}

#[test]
fn world_axes_are_right_handed_and_yaw_matches_the_heading() {
    for year in [2023, 2024] {
        let cap = load(year).into_iter().find(|c| c.kind == "motion").expect("motion packet");
        let packet = f1::decode(&cap.bytes).expect("decodes");
        let Packet::Motion(m) = &packet else { panic!("motion") };
        for (car, md) in m.car_motion_data.iter().enumerate() {
            let s = 1.0 / 32767.0;
            let fwd =
                [md.world_forward_dir_x, md.world_forward_dir_y, md.world_forward_dir_z].map(|v| f32::from(v) * s);
            let right = [md.world_right_dir_x, md.world_right_dir_y, md.world_right_dir_z].map(|v| f32::from(v) * s);
            if fwd == [0.0; 3] {
                continue; // empty slot
            }
            // forward × up(0,1,0) = (-fz, 0, fx) must equal right in a right-handed y-up world.
            assert!((-fwd[2] - right[0]).abs() < 0.05 && (fwd[0] - right[2]).abs() < 0.05, "{year} car {car}");
            // Our yaw is the heading of the forward vector mapped into our axes (x, -z).
            let mut norm = F1Normalizer::new(Some(car as u8));
            norm.push(&packet);
            let mut t = blank(year, 6, 255);
            t[7..15].copy_from_slice(&cap.bytes[7..15]);
            let frame = norm.push(&f1::decode(&t).expect("decodes")).expect("frame");
            let yaw = frame.get(Channel::Yaw).expect("yaw");
            let heading = (-fwd[2]).atan2(fwd[0]);
            let diff = (yaw - heading + std::f32::consts::PI).rem_euclid(std::f32::consts::TAU) - std::f32::consts::PI;
            assert!(diff.abs() < 0.01, "{year} car {car}: yaw {yaw} heading {heading}");
            assert!((frame.get(Channel::Pitch).expect("pitch") - fwd[1].asin()).abs() < 0.01, "{year} car {car} pitch");
        }
    }
}

#[test]
fn event_details_by_code() {
    let caps = load(2024);
    let details: Vec<(String, EventDetails)> = caps
        .iter()
        .filter(|c| c.kind == "event")
        .map(|c| match f1::decode(&c.bytes) {
            Ok(Packet::Event(e)) => (e.event_string_code, e.event_details),
            other => panic!("{other:?}"),
        })
        .collect();
    assert!(details.contains(&("COLL".into(), EventDetails::Collision { vehicle1_idx: 11, vehicle2_idx: 5 })));
    assert!(details.contains(&("SCAR".into(), EventDetails::SafetyCar { safety_car_type: 2, event_type: 0 })));
    assert!(details.contains(&("SEND".into(), EventDetails::None)));
}

// ---------------------------------------------------------------------------------------------------------
// Pit wall channels: fuel mass, tyre wear, compound, damage, race position

/// The frame the normalizer makes of capture lines `lines` of `year` (telemetry last), with the player's car
/// index and the reference decode of the Car Status, Car Damage and Lap Data lines among them.
fn pit_wall_frame(year: u16, lines: &[usize]) -> (Frame, usize, [Value; 3]) {
    let caps = load(year);
    let packets: Vec<Packet> = lines.iter().map(|&i| f1::decode(&caps[i].bytes).expect("decodes")).collect();
    let player = packets[0].header().player_car().expect("a player car");
    let parsed = |kind: &str, key: &str| {
        let cap = lines.iter().map(|&i| &caps[i]).find(|c| c.kind == kind).expect(kind);
        cap.parsed[key][player].clone()
    };
    let reference = [
        parsed("carStatus", "m_carStatusData"),
        parsed("carDamage", "m_carDamageData"),
        parsed("lapData", "m_lapData"),
    ];
    let frames = run(&mut F1Normalizer::new(None), &packets);
    assert_eq!(frames.len(), 1, "{year}: one telemetry packet");
    (frames[0], player, reference)
}

#[test]
fn pit_wall_channels_of_real_sessions_match_the_reference_decode() {
    // One session per year: F1 23 uid 13351386519630378008 (player car 2, on intermediates) and F1 24 uid
    // 15747386989728148181 (player car 19, on wets); status, damage and lap data before the telemetry.
    for (year, lines, car, compound) in
        [(2023, &[20, 4, 2, 5][..], 2, Compound::Intermediate), (2024, &[5, 8, 10, 7][..], 19, Compound::Wet)]
    {
        let (frame, player, [status, damage, lap]) = pit_wall_frame(year, lines);
        assert_eq!(player, car);
        let num = |v: &Value| v.as_f64().expect("number") as f32;
        let close = |c: Channel, want: f32| {
            let got = frame.get(c).unwrap_or_else(|| panic!("{year}: {} missing", c.name()));
            assert!((got - want).abs() <= 1e-6, "{year}: {} {got}, reference {want}", c.name());
        };
        close(Channel::FuelKg, num(&status["m_fuelInTank"]));
        assert_eq!(status["m_visualTyreCompound"], if year == 2023 { 7 } else { 8 });
        assert_eq!(frame.get(Channel::TyreCompound), Some(compound.code()));
        // The reference's wear array is in the game's order RL, RR, FL, FR, in percent.
        let wear = &damage["m_tyresWear"];
        for (i, wheel) in
            [Wheel::RearLeft, Wheel::RearRight, Wheel::FrontLeft, Wheel::FrontRight].into_iter().enumerate()
        {
            close(Channel::tyre_wear(wheel), num(&wear[i]) / 100.0);
        }
        // A car undamaged in both captures: every part the reference lists is 0.
        for part in ["m_frontLeftWingDamage", "m_rearWingDamage", "m_floorDamage", "m_engineDamage", "m_engineBlown"] {
            assert_eq!(damage[part], 0, "{year}: {part}");
        }
        assert_eq!(frame.get(Channel::Damage), Some(0.0));
        close(Channel::Position, num(&lap["m_carPosition"]));
        assert_eq!(frame.get(Channel::Position), Some(if year == 2023 { 2.0 } else { 1.0 }));
        // The other cars: the tyre wear read for every one matches the reference in the game's order.
        let caps = load(year);
        let line = lines.iter().find(|&&i| caps[i].kind == "carDamage").expect("damage line");
        let Ok(Packet::CarDamage(p)) = f1::decode(&caps[*line].bytes) else { panic!("car damage") };
        for (car, record) in p.car_damage_data.iter().enumerate() {
            let reference = &caps[*line].parsed["m_carDamageData"][car]["m_tyresWear"];
            for i in 0..4 {
                assert!((record.tyres_wear[i] - num(&reference[i])).abs() <= 1e-6, "{year} car {car} wheel {i}");
            }
        }
    }
}

#[test]
fn pit_wall_channels_wait_for_the_packets_that_carry_them() {
    // Session, motion, lap data and telemetry: no Car Status or Car Damage yet, so no fuel mass, compound, wear
    // or damage rather than zeros; the position comes with the lap data.
    let packets = f1_24_session_packets(None);
    let frame = run(&mut F1Normalizer::new(None), &packets)[0];
    for c in [Channel::FuelKg, Channel::TyreCompound, Channel::Damage, Channel::Fuel] {
        assert!(!frame.has(c), "{} without its packet", c.name());
    }
    assert!(Wheel::ALL.into_iter().all(|w| !frame.has(Channel::tyre_wear(w))));
    assert_eq!(frame.get(Channel::Position), Some(1.0));
    // Without lap data, no position either.
    let frame = run(&mut F1Normalizer::new(None), &packets[3..])[0];
    assert!(!frame.has(Channel::Position));
}

/// A Car Status, a Car Damage and a Car Telemetry packet of `format` for player car 0, with `status` and
/// `damage` applied to car 0's records (record-relative offsets), run through a fresh normalizer.
fn hand_built(format: u16, status: impl Fn(&mut [u8]), damage: impl Fn(&mut [u8])) -> Frame {
    let year = Format::from_packet_format(format).expect("format");
    let mut s = blank(format, 7, 0);
    status(&mut s[HEADER_LEN..HEADER_LEN + CarStatusData::LEN]);
    let mut d = blank(format, 10, 0);
    damage(&mut d[HEADER_LEN..HEADER_LEN + CarDamageData::record_len(year)]);
    let packets: Vec<Packet> = [s, d, blank(format, 6, 0)].iter().map(|b| f1::decode(b).expect("decodes")).collect();
    run(&mut F1Normalizer::new(None), &packets).pop().expect("a frame")
}

/// Car Status record offsets (specification order: five u8, then `m_fuelInTank`, …).
const FUEL_IN_TANK_AT: usize = 5;
const VISUAL_COMPOUND_AT: usize = 26;

#[test]
fn f1_fuel_mass_and_visual_compound_codes() {
    let with = |fuel: f32, actual: u8, visual: u8| {
        hand_built(
            2024,
            |r| {
                r[FUEL_IN_TANK_AT..FUEL_IN_TANK_AT + 4].copy_from_slice(&fuel.to_le_bytes());
                r[VISUAL_COMPOUND_AT - 1] = actual;
                r[VISUAL_COMPOUND_AT] = visual;
            },
            |_| {},
        )
    };
    let frame = with(42.5, 19, 16);
    assert_eq!(frame.get(Channel::FuelKg), Some(42.5));
    assert!(!frame.has(Channel::Fuel), "a mass is not litres");
    // The visual code decides (the actual one, here C2, is not a place in the weekend's set).
    assert_eq!(frame.get(Channel::TyreCompound), Some(Compound::Soft.code()));
    let cases = [
        (16, Some(Compound::Soft)),
        (17, Some(Compound::Medium)),
        (18, Some(Compound::Hard)),
        (7, Some(Compound::Intermediate)),
        (8, Some(Compound::Wet)),
        // F1 Classic dry/wet actual codes, F2 codes, anything unknown: another compound.
        (9, Some(Compound::Other)),
        (15, Some(Compound::Other)),
        (19, Some(Compound::Other)),
        (255, Some(Compound::Other)),
        // An empty slot's 0 is no compound.
        (0, None),
    ];
    for (code, want) in cases {
        let got = with(10.0, code, code).get(Channel::TyreCompound);
        assert_eq!(got.map(|c| Compound::from_code(c).expect("a code")), want, "visual {code}");
    }
    for bad in [f32::NAN, f32::INFINITY, -1.0] {
        assert!(!with(bad, 16, 16).has(Channel::FuelKg), "fuel {bad}");
    }
}

#[test]
fn f1_tyre_wear_is_reordered_and_scaled_from_percent_in_every_format() {
    for format in [2023, 2024, 2025] {
        // The game's order is RL, RR, FL, FR.
        let frame = hand_built(
            format,
            |_| {},
            |r| {
                for (i, w) in [10.0f32, 20.0, 30.0, 45.5].into_iter().enumerate() {
                    r[4 * i..4 * i + 4].copy_from_slice(&w.to_le_bytes());
                }
            },
        );
        let wear = Wheel::ALL.map(|w| frame.get(Channel::tyre_wear(w)).expect("wear"));
        assert_eq!(wear, [0.3, 0.455, 0.1, 0.2], "{format}: FL, FR, RL, RR");
    }
    // A value that is no percentage is left out, the other wheels kept.
    let frame = hand_built(
        2024,
        |_| {},
        |r| {
            r[0..4].copy_from_slice(&f32::NAN.to_le_bytes());
            r[4..8].copy_from_slice(&150.0f32.to_le_bytes());
            r[8..12].copy_from_slice(&(-1.0f32).to_le_bytes());
            r[12..16].copy_from_slice(&100.0f32.to_le_bytes());
        },
    );
    assert!(!frame.has(Channel::TyreWearRl) && !frame.has(Channel::TyreWearRr) && !frame.has(Channel::TyreWearFl));
    assert_eq!(frame.get(Channel::TyreWearFr), Some(1.0));
}

#[test]
fn f1_damage_is_the_worst_listed_part() {
    // Record-relative offset of `m_frontLeftWingDamage`: after wear (16), tyre and brake damage (8), and in
    // F1 25 the blisters (4). The parts follow in specification order.
    for (format, wing_at) in [(2023, 24), (2024, 24), (2025, 28)] {
        let names = [
            "front left wing",
            "front right wing",
            "rear wing",
            "floor",
            "diffuser",
            "sidepod",
            "DRS fault",
            "ERS fault",
            "gearbox",
            "engine",
        ];
        for (k, name) in names.into_iter().enumerate() {
            let frame = hand_built(
                format,
                |_| {},
                |r| {
                    r[wing_at + k] = if name.ends_with("fault") { 1 } else { 37 };
                    r[wing_at + 1] = r[wing_at + 1].max(12); // a lesser part elsewhere
                },
            );
            let want = if name.ends_with("fault") { 0.12 } else { 0.37 };
            assert_eq!(frame.get(Channel::Damage), Some(want), "{format}: {name}");
        }
        // Tyre and brake damage and the power unit's wear are not damage of a part.
        let frame = hand_built(
            format,
            |_| {},
            |r| {
                r[16..24].fill(90);
                r[wing_at + 10..wing_at + 16].fill(80);
            },
        );
        assert_eq!(frame.get(Channel::Damage), Some(0.0), "{format}: wear is not damage");
        // A blown or seized engine is destroyed.
        for flag in [16, 17] {
            let frame = hand_built(format, |_| {}, |r| r[wing_at + flag] = 1);
            assert_eq!(frame.get(Channel::Damage), Some(1.0), "{format}: flag {flag}");
        }
        // 100 % is destroyed; above it, or a flag other than 0/1, is not what the game sends.
        let frame = hand_built(format, |_| {}, |r| r[wing_at + 3] = 100);
        assert_eq!(frame.get(Channel::Damage), Some(1.0));
        for (at, v) in [(3, 101), (16, 2)] {
            let frame = hand_built(format, |_| {}, |r| r[wing_at + at] = v);
            assert!(!frame.has(Channel::Damage), "{format}: byte {at} = {v}");
        }
    }
}

#[test]
fn f1_position_from_lap_data() {
    // F1 24 lap data record: `m_carPosition` at 32, `m_resultStatus` at 45.
    for (position, want) in [(1, Some(1.0)), (14, Some(14.0)), (22, Some(22.0)), (0, None), (23, None)] {
        let mut lap = blank(2024, 2, 0);
        lap[HEADER_LEN + 32] = position;
        lap[HEADER_LEN + 45] = 2; // active
        let packets: Vec<Packet> = [lap, blank(2024, 6, 0)].iter().map(|b| f1::decode(b).expect("decodes")).collect();
        let frame = run(&mut F1Normalizer::new(None), &packets).pop().expect("a frame");
        assert_eq!(frame.get(Channel::Position), want, "m_carPosition {position}");
    }
}
