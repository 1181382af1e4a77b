//! The field of an F1 session ([`F1Normalizer::field`]), checked against the reference decode of the real
//! captures (tests/data/f1, see PROVENANCE.md there) and against packets built by hand from the specification.

use proptest::prelude::*;
use racecraft_capture::f1::{self, F1Normalizer, Format, HEADER_LEN, LapData, Packet, ParticipantData, packet_spec};
use racecraft_core::{Compound, Field};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/f1")
}

/// One line of the z0mt3c capture: its kind, raw bytes and that library's decode.
struct Captured {
    kind: String,
    bytes: Vec<u8>,
    parsed: Value,
}

fn load(year: u16) -> Vec<Captured> {
    let text = std::fs::read_to_string(data_dir().join(format!("{year}.jsonl"))).expect("fixture readable");
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let v: Value = serde_json::from_str(line).expect("valid JSON line");
            let raw = v["message"].get("data").unwrap_or(&v["message"]);
            let bytes = raw.as_array().expect("byte array").iter().map(|b| b.as_u64().expect("byte") as u8).collect();
            Captured { kind: v["packetID"].as_str().expect("packetID").to_owned(), bytes, parsed: v["parsed"].clone() }
        })
        .collect()
}

fn num(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("a number: {v}"))
}

/// The compound the specification's visual codes name (the reference decode gives the codes).
fn visual(code: u64) -> Option<Compound> {
    match code {
        0 => None,
        16 => Some(Compound::Soft),
        17 => Some(Compound::Medium),
        18 => Some(Compound::Hard),
        7 => Some(Compound::Intermediate),
        8 => Some(Compound::Wet),
        _ => Some(Compound::Other),
    }
}

/// The status text the field gives for each `m_resultStatus` of the specification.
fn status_text(code: u64) -> Option<&'static str> {
    match code {
        1 => Some("inactive"),
        3 => Some("finished"),
        4 => Some("did_not_finish"),
        5 => Some("disqualified"),
        6 => Some("not_classified"),
        7 => Some("retired"),
        _ => None,
    }
}

/// A gap of the reference's lap data, s: its milliseconds (into which it folds a non-zero F1 24 minutes part,
/// dropping the minutes key) plus any minutes it kept.
fn reference_gap(car: &Value, what: &str) -> f64 {
    let ms = num(&car[format!("m_deltaTo{what}InMS")]);
    let minutes = car.get(format!("m_deltaTo{what}Minutes")).map_or(0.0, num);
    minutes * 60.0 + ms / 1000.0
}

/// Checks the gaps of a field among themselves: the leader is at 0 with no interval, gaps grow down the order,
/// and no interval is longer than the car's gap to the leader.
fn assert_gaps_consistent(field: &Field, what: &str) {
    let mut last_gap = 0.0;
    for car in &field.cars {
        if car.position == Some(1) {
            assert_eq!((car.gap_to_leader_s, car.interval_s), (Some(0.0), None), "{what}: leader");
            continue;
        }
        if let Some(gap) = car.gap_to_leader_s {
            assert!(gap >= last_gap, "{what}: car {} gap {gap} after {last_gap}", car.index);
            last_gap = gap;
            if let Some(interval) = car.interval_s {
                assert!(interval > 0.0 && interval <= gap + 1e-9, "{what}: car {} {interval} vs {gap}", car.index);
            }
        }
    }
}

#[test]
fn the_field_of_every_real_session_matches_the_reference_decode() {
    let mut checked = BTreeMap::new();
    let mut bests = 0;
    for year in [2023u16, 2024] {
        let caps = load(year);
        // The captures mix sessions, and not in time order: each session's packets, by session time.
        let mut sessions: BTreeMap<u64, Vec<(f32, &Captured, Packet)>> = BTreeMap::new();
        for cap in &caps {
            let Ok(packet) = f1::decode(&cap.bytes) else { continue };
            let h = *packet.header();
            sessions.entry(h.session_uid).or_default().push((h.session_time, cap, packet));
        }
        for (uid, mut lines) in sessions {
            if !lines.iter().any(|(_, c, _)| c.kind == "lapData") {
                continue;
            }
            lines.sort_by(|a, b| a.0.total_cmp(&b.0));
            let mut norm = F1Normalizer::new(None);
            for (_, _, packet) in &lines {
                norm.push(packet);
            }
            let field = norm.field().expect("a field once lap data has come");
            let last = |kind: &str| lines.iter().rev().find(|(_, c, _)| c.kind == kind).map(|(_, c, _)| &c.parsed);
            let lap = last("lapData").expect("lap data");
            let participants = last("participants");
            let status = last("carStatus");
            let damage = last("carDamage");
            let what = format!("{year} session {uid}");
            let (t_last, _, last_packet) = lines.last().expect("packets");
            assert_eq!(field.t_us, (f64::from(*t_last) * 1e6).round() as i64, "{what}");

            // The cars: every used slot, and only the active participants where the game has named them.
            let active = participants.map_or(22, |p| num(&p["m_numActiveCars"]) as usize);
            let expected: Vec<usize> =
                (0..22).filter(|&i| num(&lap["m_lapData"][i]["m_resultStatus"]) != 0.0 && i < active).collect();
            let mut got: Vec<usize> = field.cars.iter().map(|c| c.index as usize).collect();
            got.sort_unstable();
            assert_eq!(got, expected, "{what}: cars");
            // Sorted by position, which here runs 1..=n.
            let positions: Vec<Option<u32>> = field.cars.iter().map(|c| c.position).collect();
            assert_eq!(positions, (1..=expected.len() as u32).map(Some).collect::<Vec<_>>(), "{what}");

            let player = match last_packet.header().player_car() {
                Some(p) => p,
                // Spectating without a chosen car: the frames follow the leader.
                None => (0..22).find(|&i| num(&lap["m_lapData"][i]["m_carPosition"]) == 1.0).expect("leader"),
            };
            assert_eq!(field.cars.iter().filter(|c| c.is_player).count(), 1, "{what}");
            for car in &field.cars {
                let i = car.index as usize;
                let l = &lap["m_lapData"][i];
                let w = format!("{what} car {i}");
                assert_eq!(car.is_player, i == player, "{w}");
                assert_eq!(car.position.map(f64::from), Some(num(&l["m_carPosition"])), "{w}");
                assert_eq!(car.lap.map(f64::from), Some(num(&l["m_currentLapNum"])), "{w}");
                let last_lap = num(&l["m_lastLapTimeInMS"]) / 1000.0;
                assert_eq!(car.last_lap_s, (last_lap > 0.0).then_some(last_lap), "{w}");
                assert_eq!(car.pit_stops.map(f64::from), Some(num(&l["m_numPitStops"])), "{w}");
                assert_eq!(car.in_pit, num(&l["m_pitStatus"]) != 0.0, "{w}");
                assert_eq!(car.status.as_deref(), status_text(l["m_resultStatus"].as_u64().expect("code")), "{w}");
                let timed = matches!(l["m_resultStatus"].as_u64(), Some(2 | 3));
                let (gap, interval) = (reference_gap(l, "RaceLeader"), reference_gap(l, "CarInFront"));
                if car.position == Some(1) {
                    assert_eq!((car.gap_to_leader_s, car.interval_s), (Some(0.0), None), "{w}");
                } else {
                    let close = |got: Option<f64>, want: f64| match got {
                        Some(g) => (g - want).abs() < 1e-9 && want > 0.0 && timed,
                        None => want == 0.0 || !timed,
                    };
                    assert!(close(car.gap_to_leader_s, gap), "{w}: gap {:?} vs {gap}", car.gap_to_leader_s);
                    assert!(close(car.interval_s, interval), "{w}: interval {:?} vs {interval}", car.interval_s);
                }
                match participants {
                    Some(p) => {
                        let e = &p["m_participants"][i];
                        assert_eq!(car.driver, e["m_name"].as_str().expect("name"), "{w}");
                        let number = num(&e["m_raceNumber"]);
                        assert_eq!(car.number, (number > 0.0).then(|| number.to_string()), "{w}");
                    }
                    None => {
                        assert_eq!((car.driver.as_str(), car.number.as_deref(), car.team.as_deref()), ("", None, None))
                    }
                }
                match status {
                    Some(s) => {
                        let s = &s["m_carStatusData"][i];
                        let code = s["m_visualTyreCompound"].as_u64().expect("code");
                        assert_eq!(car.compound, visual(code), "{w}");
                        assert_eq!(car.tyre_age_laps.map(f64::from), Some(num(&s["m_tyresAgeLaps"])), "{w}");
                    }
                    None => assert_eq!((car.compound, car.tyre_age_laps), (None, None), "{w}"),
                }
                match damage {
                    Some(d) => {
                        let d = &d["m_carDamageData"][i];
                        let parts = [
                            "m_frontLeftWingDamage",
                            "m_frontRightWingDamage",
                            "m_rearWingDamage",
                            "m_floorDamage",
                            "m_diffuserDamage",
                            "m_sidepodDamage",
                            "m_gearBoxDamage",
                            "m_engineDamage",
                        ];
                        let worst = parts.iter().map(|p| num(&d[*p])).fold(0.0, f64::max);
                        let destroyed = num(&d["m_engineBlown"]) == 1.0 || num(&d["m_engineSeized"]) == 1.0;
                        let want = if destroyed { 1.0 } else { worst / 100.0 };
                        assert!(car.damage.is_some_and(|got| (got - want).abs() < 1e-6), "{w}: {:?}", car.damage);
                    }
                    None => assert_eq!(car.damage, None, "{w}"),
                }
                // The best lap of the car's latest history packet, if any came.
                let history = lines
                    .iter()
                    .rev()
                    .map(|(_, c, _)| c)
                    .find(|c| c.kind == "sessionHistory" && num(&c.parsed["m_carIdx"]) as usize == i);
                let best = history.and_then(|h| {
                    let n = h.parsed["m_bestLapTimeLapNum"].as_u64().expect("lap number") as usize;
                    let ms = num(&h.parsed["m_lapHistoryData"][n.checked_sub(1)?]["m_lapTimeInMS"]);
                    (ms > 0.0).then_some(ms / 1000.0)
                });
                assert_eq!(car.best_lap_s, best, "{w}");
                bests += usize::from(best.is_some());
            }
            assert_gaps_consistent(&field, &what);
            checked.insert(what, field.cars.len());
        }
    }
    // The sessions with lap data (PROVENANCE.md): F1 23 13351386519630378008 (5 cars, named, on intermediates)
    // and 10330761881788864363 (spectating); F1 24 15747386989728148181 (20 named cars at the start, on wets)
    // and 8812468836485910916 (lap data and one history, a 1 min 1.1 s gap in minutes and milliseconds).
    assert_eq!(checked.len(), 4, "{checked:?}");
    assert!(checked.values().all(|n| *n >= 5), "{checked:?}");
    // One of the history packets names a best lap (F1 24, car 2: 84.39 s); the others have none yet.
    assert_eq!(bests, 1);
}

#[test]
fn the_real_named_sessions_carry_names_teams_compounds() {
    // Spot values read from the captures, so the general test above cannot pass on empty fields.
    let field = real_session_field(2024, 15747386989728148181);
    assert_eq!(field.cars.len(), 20);
    let player = field.cars.iter().find(|c| c.is_player).expect("player");
    assert_eq!((player.index, player.position, player.driver.as_str()), (19, Some(1), "COPPENS"));
    assert_eq!((player.number.as_deref(), player.team.as_deref()), (Some("1"), Some("Mercedes")));
    assert!(field.cars.iter().all(|c| c.compound == Some(Compound::Wet) && c.tyre_age_laps == Some(0)));
    let laursen = field.cars.iter().find(|c| c.index == 1).expect("car 1");
    assert_eq!((laursen.driver.as_str(), laursen.team.as_deref()), ("LAURSEN", Some("Sauber")));

    let field = real_session_field(2023, 13351386519630378008);
    let teams: Vec<Option<&str>> = field.cars.iter().map(|c| c.team.as_deref()).collect();
    assert!(teams.contains(&Some("Alpha Tauri")), "{teams:?}");
    let player = field.cars.iter().find(|c| c.is_player).expect("player");
    assert_eq!((player.index, player.position, player.driver.as_str()), (2, Some(2), "z0mt3c"));
    assert_eq!((player.gap_to_leader_s, player.interval_s), (Some(2.506), Some(2.506)));
    assert_eq!((player.last_lap_s, player.compound), (Some(99.563), Some(Compound::Intermediate)));
    // The fifth car is disqualified: no gap, a status.
    let dsq = field.cars.iter().find(|c| c.position == Some(5)).expect("P5");
    assert_eq!((dsq.status.as_deref(), dsq.gap_to_leader_s), (Some("disqualified"), None));

    let field = real_session_field(2024, 8812468836485910916);
    let last = field.cars.last().expect("cars");
    assert_eq!((last.position, last.gap_to_leader_s, last.interval_s), (Some(20), Some(61.1), Some(49.2)));
}

fn real_session_field(year: u16, uid: u64) -> Field {
    let mut packets: Vec<Packet> =
        load(year).iter().filter_map(|c| f1::decode(&c.bytes).ok()).filter(|p| p.header().session_uid == uid).collect();
    packets.sort_by(|a, b| a.header().session_time.total_cmp(&b.header().session_time));
    let mut norm = F1Normalizer::new(None);
    for p in &packets {
        norm.push(p);
    }
    norm.field().expect("field")
}

// ---------------------------------------------------------------------------------------------------------
// Hand-built packets

fn header_bytes(format: u16, id: u8, player: u8) -> Vec<u8> {
    let mut b = Vec::with_capacity(HEADER_LEN);
    b.extend_from_slice(&format.to_le_bytes());
    b.extend_from_slice(&[(format % 100) as u8, 1, 2, 1, id]);
    b.extend_from_slice(&0x0102_0304_0506_0708u64.to_le_bytes());
    b.extend_from_slice(&12.5f32.to_le_bytes());
    b.extend_from_slice(&77u32.to_le_bytes());
    b.extend_from_slice(&78u32.to_le_bytes());
    b.extend_from_slice(&[player, 255]);
    b
}

/// A zero-filled packet of the right size with a valid header.
fn blank(format: u16, id: u8, player: u8) -> Vec<u8> {
    let f = Format::from_packet_format(format).expect("supported");
    let mut b = header_bytes(format, id, player);
    b.resize(packet_spec(f, id).expect("defined").1, 0);
    b
}

/// Lap Data record offsets of F1 24/25; F1 23 lacks the two minutes bytes (the fields after the first are 1
/// byte earlier, those after the second 2).
struct LapAt {
    front_ms: usize,
    front_min: Option<usize>,
    leader_ms: usize,
    leader_min: Option<usize>,
    position: usize,
    result: usize,
}

fn lap_at(format: u16) -> LapAt {
    if format == 2023 {
        LapAt { front_ms: 14, front_min: None, leader_ms: 16, leader_min: None, position: 30, result: 43 }
    } else {
        LapAt { front_ms: 14, front_min: Some(16), leader_ms: 17, leader_min: Some(19), position: 32, result: 45 }
    }
}

/// A Lap Data packet of `format` with `edit(record, car)` applied to each car's record.
fn lap_data(format: u16, player: u8, edit: impl Fn(&mut [u8], usize)) -> Packet {
    let f = Format::from_packet_format(format).expect("format");
    let len = LapData::record_len(f);
    let mut b = blank(format, 2, player);
    for car in 0..22 {
        let at = HEADER_LEN + car * len;
        edit(&mut b[at..at + len], car);
    }
    f1::decode(&b).expect("lap data decodes")
}

fn field_of(packets: &[Packet]) -> Field {
    let mut norm = F1Normalizer::new(None);
    for p in packets {
        norm.push(p);
    }
    norm.field().expect("a field")
}

#[test]
fn result_status_codes_become_status_texts_and_invalid_slots_are_left_out() {
    let at = lap_at(2024);
    let lap = lap_data(2024, 0, |r, car| {
        if car <= 8 {
            r[at.position] = car as u8 + 1;
            r[at.result] = [0, 1, 2, 3, 4, 5, 6, 7, 200][car];
        }
    });
    let field = field_of(&[lap]);
    let got: Vec<(u32, Option<&str>)> = field.cars.iter().map(|c| (c.index, c.status.as_deref())).collect();
    assert_eq!(
        got,
        [
            (1, Some("inactive")),
            (2, None),
            (3, Some("finished")),
            (4, Some("did_not_finish")),
            (5, Some("disqualified")),
            (6, Some("not_classified")),
            (7, Some("retired")),
            // A code the specifications do not define: no status rather than a guess.
            (8, None),
        ]
    );
}

#[test]
fn gaps_join_their_minutes_parts_from_f1_24_on() {
    for format in [2023u16, 2024, 2025] {
        let at = lap_at(format);
        let lap = lap_data(format, 1, |r, car| {
            if car > 3 {
                return;
            }
            r[at.result] = 2;
            r[at.position] = car as u8 + 1;
            // (leader ms, leader minutes, car in front ms, its minutes): the leader's own are ignored; car 3 is
            // untimed (0).
            let (lm, lmin, fm, fmin): (u16, u8, u16, u8) =
                [(900, 0, 900, 0), (1100, 1, 65_000, 0), (30_000, 2, 2_000, 1), (0, 0, 0, 0)][car];
            r[at.leader_ms..at.leader_ms + 2].copy_from_slice(&lm.to_le_bytes());
            r[at.front_ms..at.front_ms + 2].copy_from_slice(&fm.to_le_bytes());
            if let (Some(l), Some(f)) = (at.leader_min, at.front_min) {
                r[l] = lmin;
                r[f] = fmin;
            }
        });
        let field = field_of(&[lap]);
        let gaps: Vec<(Option<f64>, Option<f64>)> =
            field.cars.iter().map(|c| (c.gap_to_leader_s, c.interval_s)).collect();
        let want = if format == 2023 {
            // F1 23 has milliseconds only (whatever the bytes after them say, they are other fields).
            [(Some(0.0), None), (Some(1.1), Some(65.0)), (Some(30.0), Some(2.0)), (None, None)]
        } else {
            [(Some(0.0), None), (Some(61.1), Some(65.0)), (Some(150.0), Some(62.0)), (None, None)]
        };
        assert_eq!(gaps, want, "{format}");
        assert_eq!(field.cars.iter().filter(|c| c.is_player).map(|c| c.index).collect::<Vec<_>>(), [1], "{format}");
    }
}

/// Index, position, driver, number and team of a car.
type Named<'a> = (u32, Option<u32>, &'a str, Option<&'a str>, Option<&'a str>);

#[test]
fn participants_name_only_the_active_cars_and_teams_by_year() {
    for (format, team_6, team_9) in
        [(2023u16, "Alpha Tauri", "Alfa Romeo"), (2024, "RB", "Sauber"), (2025, "RB", "Sauber")]
    {
        let f = Format::from_packet_format(format).expect("format");
        let at = lap_at(format);
        let lap = lap_data(format, 0, |r, car| {
            if car < 3 {
                r[at.result] = 2;
                r[at.position] = 3 - car as u8;
            }
        });
        let mut b = blank(format, 4, 0);
        b[HEADER_LEN] = 2; // two active cars: the third lap-data slot is not one of them
        let len = ParticipantData::record_len(f);
        for (car, (team, number, name)) in [(6u8, 44u8, "GILES"), (9, 0, "COPPENS"), (3, 7, "THIRD")].iter().enumerate()
        {
            let rec = HEADER_LEN + 1 + car * len;
            b[rec + 3] = *team;
            b[rec + 5] = *number;
            b[rec + 7..rec + 7 + name.len()].copy_from_slice(name.as_bytes());
        }
        let participants = f1::decode(&b).expect("participants decode");
        let field = field_of(&[lap, participants]);
        let got: Vec<Named<'_>> = field
            .cars
            .iter()
            .map(|c| (c.index, c.position, c.driver.as_str(), c.number.as_deref(), c.team.as_deref()))
            .collect();
        assert_eq!(
            got,
            [(1, Some(2), "COPPENS", None, Some(team_9)), (0, Some(3), "GILES", Some("44"), Some(team_6))],
            "{format}"
        );
    }
}

#[test]
fn best_lap_comes_from_each_cars_session_history() {
    let at = lap_at(2024);
    let lap = lap_data(2024, 0, |r, car| {
        if car < 2 {
            r[at.result] = 2;
            r[at.position] = car as u8 + 1;
        }
    });
    let history = |car: u8, best: u8, laps: &[u32]| {
        let mut b = blank(2024, 11, 0);
        b[HEADER_LEN..HEADER_LEN + 4].copy_from_slice(&[car, laps.len() as u8, 0, best]);
        for (i, ms) in laps.iter().enumerate() {
            let at = HEADER_LEN + 7 + i * 14;
            b[at..at + 4].copy_from_slice(&ms.to_le_bytes());
        }
        f1::decode(&b).expect("history decodes")
    };
    let best = |packets: &[Packet]| field_of(packets).cars.iter().map(|c| c.best_lap_s).collect::<Vec<_>>();
    let car1 = history(1, 2, &[80_000, 79_500, 81_000]);
    assert_eq!(best(&[lap.clone(), car1.clone()]), [None, Some(79.5)]);
    // Another car's history keeps this one's; the car's own newer history replaces it.
    let car0 = history(0, 1, &[90_000]);
    assert_eq!(best(&[lap.clone(), car1.clone(), car0]), [Some(90.0), Some(79.5)]);
    assert_eq!(best(&[lap.clone(), car1.clone(), history(1, 3, &[80_000, 79_500, 79_000])]), [None, Some(79.0)]);
    // No best lap yet (0), or one beyond the laps held or at 0 ms: none.
    for (n, laps) in [(0u8, &[80_000u32][..]), (101, &[80_000][..]), (1, &[0][..])] {
        assert_eq!(best(&[lap.clone(), history(1, n, laps)]), [None, None], "best lap {n}");
    }
    // A car index beyond the slots is ignored.
    assert_eq!(best(&[lap, history(200, 1, &[70_000])]), [None, None]);
}

#[test]
fn no_field_before_lap_data_and_none_from_another_session() {
    let mut norm = F1Normalizer::new(None);
    norm.push(&f1::decode(&blank(2024, 7, 0)).expect("status"));
    assert!(norm.field().is_none() && !norm.has_lap_data());
    let at = lap_at(2024);
    norm.push(&lap_data(2024, 0, |r, car| {
        if car == 0 {
            r[at.result] = 2;
            r[at.position] = 1;
        }
    }));
    assert_eq!(norm.field().expect("field").cars.len(), 1);
    // A packet of another session drops this session's lap data.
    let mut other = blank(2024, 7, 0);
    other[7] ^= 0xff;
    norm.push(&f1::decode(&other).expect("status"));
    assert!(norm.field().is_none());
}

#[test]
fn a_spectator_field_flags_the_chosen_car() {
    let at = lap_at(2025);
    let lap = lap_data(2025, 255, |r, car| {
        if car < 3 {
            r[at.result] = 2;
            r[at.position] = car as u8 + 1;
        }
    });
    for (follow, want) in [(Some(2), 2), (None, 0)] {
        let mut norm = F1Normalizer::new(follow);
        norm.push(&lap);
        let field = norm.field().expect("field");
        let flagged: Vec<u32> = field.cars.iter().filter(|c| c.is_player).map(|c| c.index).collect();
        assert_eq!(flagged, [want], "follow {follow:?}");
    }
}

/// Every real packet of both captures and the dumps that decodes.
fn every_real_packet() -> Vec<Vec<u8>> {
    let mut raw: Vec<Vec<u8>> = load(2023).into_iter().chain(load(2024)).map(|c| c.bytes).collect();
    let mut dumps: Vec<PathBuf> = std::fs::read_dir(data_dir().join("dumps"))
        .expect("dumps")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "bin"))
        .collect();
    dumps.sort();
    raw.extend(dumps.iter().map(|p| std::fs::read(p).expect("dump")));
    raw.retain(|b| f1::decode(b).is_ok());
    raw
}

/// One datagram of a random sequence: a real packet, random bytes, or a valid header with a random body.
#[derive(Debug, Clone)]
enum Datagram {
    Real(usize),
    Bytes(Vec<u8>),
    Body { format: u16, id: u8, player: u8, seed: Vec<u8> },
}

fn datagram() -> impl Strategy<Value = Datagram> {
    prop_oneof![
        (0usize..1000).prop_map(Datagram::Real),
        proptest::collection::vec(any::<u8>(), 0..1500).prop_map(Datagram::Bytes),
        (2023u16..=2025, 0u8..16, any::<u8>(), proptest::collection::vec(any::<u8>(), 1..64))
            .prop_map(|(format, id, player, seed)| Datagram::Body { format, id, player, seed }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 256,
        rng_seed: proptest::test_runner::RngSeed::Fixed(2024),
        ..ProptestConfig::default()
    })]

    #[test]
    fn any_sequence_of_packets_gives_a_well_formed_field(datagrams in proptest::collection::vec(datagram(), 1..40)) {
        let real = every_real_packet();
        let mut norm = F1Normalizer::new(None);
        for d in datagrams {
            let bytes = match d {
                Datagram::Real(i) => real[i % real.len()].clone(),
                Datagram::Bytes(b) => b,
                Datagram::Body { format, id, player, seed } => {
                    let f = Format::from_packet_format(format).expect("format");
                    let Some((_, size)) = packet_spec(f, id) else { continue };
                    let mut b = header_bytes(format, id, player);
                    // A random body: the seed repeated, so every field of the layout gets arbitrary bytes.
                    b.extend(seed.iter().cycle().take(size - HEADER_LEN));
                    b
                }
            };
            let Ok(packet) = f1::decode(&bytes) else { continue };
            norm.push(&packet);
            let Some(field) = norm.field() else {
                prop_assert!(!norm.has_lap_data());
                continue;
            };
            prop_assert!(field.cars.len() <= 22);
            prop_assert!(field.cars.iter().filter(|c| c.is_player).count() <= 1);
            // By position, cars without one last.
            let keys: Vec<u32> = field.cars.iter().map(|c| c.position.unwrap_or(u32::MAX)).collect();
            prop_assert!(keys.windows(2).all(|w| w[0] <= w[1]), "{keys:?}");
            for car in &field.cars {
                prop_assert!(car.index < 22 && car.position.is_none_or(|p| (1..=22).contains(&p)));
                for v in [car.gap_to_leader_s, car.interval_s, car.last_lap_s, car.best_lap_s].into_iter().flatten() {
                    prop_assert!(v.is_finite() && v >= 0.0);
                }
                prop_assert!(car.damage.is_none_or(|d| (0.0..=1.0).contains(&d)));
            }
        }
    }
}
