//! The field of an iRacing session ([`IracingField`], [`LiveReader::field`]): the real Tsukuba file (which, like
//! every `.ibt`, has no `CarIdx*` arrays) and live maps built by hand with them.

use racecraft_capture::iracing::{
    Entrant, HEADER_LEN, IbtFile, IracingField, LiveRead, LiveReader, Roster, VAR_HEADER_LEN, VarHeader, VarType,
};
use racecraft_core::Field;
use std::path::Path;

fn tsukuba() -> IbtFile {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/iracing/tsukuba_formulavee_4laps.ibt");
    IbtFile::open(path).expect("the fixture parses")
}

#[test]
fn the_real_file_has_no_car_arrays_so_no_field_but_its_roster_reads() {
    let file = tsukuba();
    assert!(file.var("CarIdxPosition").is_none() && file.var("CarIdxF2Time").is_none());
    assert!(IracingField::new(&file.vars, &file.session_info).is_none());
    // The YAML's one driver, the player, in an offline testing session (no race: no gaps).
    let roster = Roster::parse(&file.session_info);
    assert_eq!(
        roster,
        Roster {
            player: Some(0),
            cars: vec![Entrant {
                car_idx: 0,
                driver: "Max Teichert2".into(),
                number: Some("64".into()),
                team: Some("Max Teichert2".into()),
            }],
            race_sessions: vec![],
        }
    );
}

/// The field's variables, 64 cars each, then `SessionNum`: name, type, count.
const VARS: [(&str, VarType, usize); 8] = [
    ("CarIdxPosition", VarType::Int, 64),
    ("CarIdxLap", VarType::Int, 64),
    ("CarIdxLapCompleted", VarType::Int, 64),
    ("CarIdxLastLapTime", VarType::Float, 64),
    ("CarIdxBestLapTime", VarType::Float, 64),
    ("CarIdxF2Time", VarType::Float, 64),
    ("CarIdxOnPitRoad", VarType::Bool, 64),
    ("SessionNum", VarType::Int, 1),
];

/// Variable headers for `VARS` (less those named in `without`), laid out one after the other, and the row length.
fn var_headers(without: &[&str]) -> (Vec<VarHeader>, usize) {
    let mut offset = 0;
    let mut vars = Vec::new();
    for (name, var_type, count) in VARS {
        if !without.contains(&name) {
            let v = VarHeader {
                var_type,
                offset,
                count,
                count_as_time: false,
                name: name.into(),
                desc: String::new(),
                unit: String::new(),
            };
            offset += count * var_type.size();
            vars.push(v);
        }
    }
    (vars, offset)
}

/// One car's values in a row.
#[derive(Clone, Copy)]
struct CarRow {
    position: i32,
    lap: i32,
    last: f32,
    best: f32,
    f2: f32,
    pit: bool,
}

/// A row holding `cars` (by CarIdx) and `session`.
fn row(vars: &[VarHeader], len: usize, cars: &[(usize, CarRow)], session: i32) -> Vec<u8> {
    let mut row = vec![0u8; len];
    let mut put = |name: &str, idx: usize, bytes: &[u8]| {
        if let Some(v) = vars.iter().find(|v| v.name == name) {
            let at = v.offset + idx * v.var_type.size();
            row[at..at + bytes.len()].copy_from_slice(bytes);
        }
    };
    put("SessionNum", 0, &session.to_le_bytes());
    for (idx, c) in cars {
        put("CarIdxPosition", *idx, &c.position.to_le_bytes());
        put("CarIdxLap", *idx, &c.lap.to_le_bytes());
        put("CarIdxLapCompleted", *idx, &(c.lap - 1).to_le_bytes());
        put("CarIdxLastLapTime", *idx, &c.last.to_le_bytes());
        put("CarIdxBestLapTime", *idx, &c.best.to_le_bytes());
        put("CarIdxF2Time", *idx, &c.f2.to_le_bytes());
        put("CarIdxOnPitRoad", *idx, &[u8::from(c.pit)]);
    }
    row
}

/// A race weekend's session info: practice (0) and race (1); four drivers, a pace car and a spectator.
const RACE_YAML: &str = "---
WeekendInfo:
 TrackName: tsukuba 1k outer
SessionInfo:
 Sessions:
 - SessionNum: 0
   SessionType: Practice
   SessionName: PRACTICE
 - SessionNum: 1
   SessionType: Race
   SessionName: RACE
DriverInfo:
 DriverCarIdx: 3
 PaceCarIdx: 0
 DriverTires:
 - TireIndex: 0
   TireCompoundType: \"Hard\"
 Drivers:
 - CarIdx: 0
   UserName: Pace Car
   CarNumber: \"0\"
   CarIsPaceCar: 1
   IsSpectator: 0
 - CarIdx: 1
   UserName: Ann Alpha
   TeamName: Alpha Racing
   CarNumber: \"7\"
   CarNumberRaw: 7
   CarIsPaceCar: 0
   IsSpectator: 0
 - CarIdx: 2
   UserName: Ben Beta
   TeamName: Beta Team
   CarNumber: \"12\"
   CarIsPaceCar: 0
   IsSpectator: 0
 - CarIdx: 3
   UserName: Cat Gamma
   TeamName: Gamma
   CarNumber: \"003\"
   CarIsPaceCar: 0
   IsSpectator: 0
 - CarIdx: 4
   UserName: Dan Watching
   CarNumber: \"99\"
   CarIsPaceCar: 0
   IsSpectator: 1
 - CarIdx: 5
   UserName: Eve Late
   TeamName: Epsilon
   CarNumber: \"5\"
   CarIsPaceCar: 0
   IsSpectator: 0

SplitTimeInfo:
 Sectors:
 - SectorNum: 0
   SectorStartPct: 0.000000
";

fn race_cars() -> Vec<(usize, CarRow)> {
    let car = |position, lap, last, best, f2, pit| CarRow { position, lap, last, best, f2, pit };
    vec![
        // The pace car and the spectator carry values too: they are not in the field.
        (0, car(0, 3, 30.0, 30.0, 0.0, false)),
        (1, car(2, 5, 21.95, 21.80, 1.25, false)),
        (2, car(1, 5, 21.70, 21.60, 0.0, false)),
        (3, car(3, 5, 22.40, 21.90, 3.5, true)),
        (4, car(4, 1, 25.0, 25.0, 9.0, false)),
        // Not classified yet: no position, no lap, times −1 as the simulator writes them.
        (5, car(0, 0, -1.0, -1.0, 0.0, true)),
    ]
}

type Summary = (u32, Option<u32>, String, Option<String>, bool, Option<u32>, Option<f64>, Option<f64>, bool);

fn summary(field: &Field) -> Vec<Summary> {
    field
        .cars
        .iter()
        .map(|c| {
            (
                c.index,
                c.position,
                c.driver.clone(),
                c.number.clone(),
                c.is_player,
                c.lap,
                c.gap_to_leader_s,
                c.interval_s,
                c.in_pit,
            )
        })
        .collect()
}

fn close(a: Option<f64>, b: Option<f64>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => (a - b).abs() < 1e-5,
        (a, b) => a == b,
    }
}

#[test]
fn a_race_field_from_the_car_arrays_and_the_drivers() {
    let (vars, len) = var_headers(&[]);
    let field = IracingField::new(&vars, RACE_YAML).expect("the arrays are there");
    assert_eq!(field.roster().race_sessions, [1]);
    let got = field.field(&row(&vars, len, &race_cars(), 1), 42_000_000);
    assert_eq!(got.t_us, 42_000_000);
    let s = |v: &str| v.to_owned();
    let want: Vec<Summary> = vec![
        (2, Some(1), s("Ben Beta"), Some(s("12")), false, Some(5), Some(0.0), None, false),
        (1, Some(2), s("Ann Alpha"), Some(s("7")), false, Some(5), Some(1.25), Some(1.25), false),
        (3, Some(3), s("Cat Gamma"), Some(s("003")), true, Some(5), Some(3.5), Some(2.25), true),
        (5, None, s("Eve Late"), Some(s("5")), false, None, None, None, true),
    ];
    let got_summary = summary(&got);
    assert_eq!(got_summary.len(), want.len(), "{got_summary:?}");
    for (g, w) in got_summary.iter().zip(&want) {
        assert_eq!((g.0, g.1, &g.2, &g.3, g.4, g.5, g.8), (w.0, w.1, &w.2, &w.3, w.4, w.5, w.8));
        assert!(close(g.6, w.6) && close(g.7, w.7), "gaps of car {}: {g:?} vs {w:?}", g.0);
    }
    let ann = &got.cars[1];
    assert_eq!(ann.team.as_deref(), Some("Alpha Racing"));
    assert!(close(ann.last_lap_s, Some(21.95)) && close(ann.best_lap_s, Some(21.80)));
    let eve = &got.cars[3];
    assert_eq!((eve.last_lap_s, eve.best_lap_s), (None, None));
    // What iRacing does not publish per car.
    for car in &got.cars {
        assert_eq!(
            (car.pit_stops, car.compound, car.tyre_age_laps, car.damage, &car.status),
            (None, None, None, None, &None)
        );
    }

    // In practice `CarIdxF2Time` is a best lap, not a gap: no gaps.
    let practice = field.field(&row(&vars, len, &race_cars(), 0), 0);
    assert!(practice.cars.iter().all(|c| c.gap_to_leader_s.is_none() && c.interval_s.is_none()));
}

#[test]
fn missing_arrays_leave_their_values_out() {
    // Only `CarIdxLapCompleted`: the lap the car is on is one more.
    let (vars, len) = var_headers(&["CarIdxLap", "CarIdxF2Time", "SessionNum"]);
    let field = IracingField::new(&vars, RACE_YAML).expect("positions are there");
    let got = field.field(&row(&vars, len, &race_cars(), 1), 0);
    let laps: Vec<(u32, Option<u32>)> = got.cars.iter().map(|c| (c.index, c.lap)).collect();
    // Car 5 has completed −1 laps (0 started): no lap.
    assert_eq!(laps, [(2, Some(5)), (1, Some(5)), (3, Some(5)), (5, None)]);
    // Without the session number the session type is unknown: no gaps.
    assert!(got.cars.iter().all(|c| c.gap_to_leader_s.is_none()));
    // A YAML without drivers: no cars. A row shorter than the arrays: values absent, no panic.
    assert!(field.field(&[0u8; 8], 0).cars.iter().all(|c| c.position.is_none()));
    assert!(IracingField::new(&vars, "").expect("field").field(&row(&vars, len, &race_cars(), 1), 0).cars.is_empty());
}

#[test]
fn the_builder_on_the_real_files_yaml_gives_its_one_car() {
    let file = tsukuba();
    let (vars, len) = var_headers(&[]);
    let field = IracingField::new(&vars, &file.session_info).expect("hand-made arrays");
    let car = CarRow { position: 1, lap: 3, last: 21.9, best: 21.8, f2: 21.8, pit: false };
    // The file's session is offline testing (session 0): no gaps, even for the leader.
    let got = field.field(&row(&vars, len, &[(0, car)], 0), 1);
    assert_eq!(got.cars.len(), 1);
    let c = &got.cars[0];
    assert_eq!(
        (c.index, c.position, c.driver.as_str(), c.number.as_deref()),
        (0, Some(1), "Max Teichert2", Some("64"))
    );
    assert_eq!((c.is_player, c.lap, c.gap_to_leader_s), (true, Some(3), None));
}

// ---------------------------------------------------------------------------------------------------------
// The live map

/// A live map: header, variable headers, session-info YAML, one row slot holding `row`.
fn live_map(vars: &[VarHeader], yaml: &str, row: &[u8], update: i32) -> Vec<u8> {
    let var_at = HEADER_LEN;
    let info_at = var_at + vars.len() * VAR_HEADER_LEN;
    let info_len = yaml.len() + 16;
    let row_at = info_at + info_len;
    let mut m = vec![0u8; row_at + row.len()];
    let fields = [
        2, // ver
        1, // status: connected
        60,
        update,
        info_len as i32,
        info_at as i32,
        vars.len() as i32,
        var_at as i32,
        1, // numBuf
        row.len() as i32,
    ];
    for (i, v) in fields.iter().enumerate() {
        m[4 * i..4 * i + 4].copy_from_slice(&v.to_le_bytes());
    }
    m[48..52].copy_from_slice(&7i32.to_le_bytes()); // tickCount
    m[52..56].copy_from_slice(&(row_at as i32).to_le_bytes());
    for (i, v) in vars.iter().enumerate() {
        let at = var_at + i * VAR_HEADER_LEN;
        let raw_type = match v.var_type {
            VarType::Char => 0i32,
            VarType::Bool => 1,
            VarType::Int => 2,
            VarType::BitField => 3,
            VarType::Float => 4,
            VarType::Double => 5,
        };
        m[at..at + 4].copy_from_slice(&raw_type.to_le_bytes());
        m[at + 4..at + 8].copy_from_slice(&(v.offset as i32).to_le_bytes());
        m[at + 8..at + 12].copy_from_slice(&(v.count as i32).to_le_bytes());
        m[at + 16..at + 16 + v.name.len()].copy_from_slice(v.name.as_bytes());
    }
    m[info_at..info_at + yaml.len()].copy_from_slice(yaml.as_bytes());
    m[row_at..].copy_from_slice(row);
    m
}

#[test]
fn the_live_reader_gives_the_field_and_rereads_the_drivers_when_the_yaml_changes() {
    let (vars, len) = var_headers(&[]);
    let mem = live_map(&vars, RACE_YAML, &row(&vars, len, &race_cars(), 1), 1);
    let mut live = LiveReader::new(mem.as_slice()).expect("a valid map");
    let LiveRead::Row(record) = live.next_after(mem.as_slice(), None) else { panic!("a row") };
    let field = live.field(mem.as_slice(), &record).expect("a field");
    // No `SessionTime` variable: the frames' clock starts at 0.
    assert_eq!(field.t_us, 0);
    assert_eq!(field.cars.iter().map(|c| c.index).collect::<Vec<_>>(), [2, 1, 3, 5]);

    // The simulator renames a driver and bumps `sessionInfoUpdate`: the next field has the new name.
    let renamed = RACE_YAML.replace("Ann Alpha", "Ann Renamed");
    let mem = live_map(&vars, &renamed, &row(&vars, len, &race_cars(), 1), 2);
    assert!(live.meta_if_changed(mem.as_slice()).is_some());
    let field = live.field(mem.as_slice(), &record).expect("a field");
    assert_eq!(field.cars[1].driver, "Ann Renamed");
}

#[test]
fn the_live_reader_on_the_real_files_layout_has_no_field() {
    // The file's own header, variables and YAML read as a live map, its first record in the one slot.
    let file = tsukuba();
    let bytes =
        std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/iracing/tsukuba_formulavee_4laps.ibt"))
            .expect("fixture");
    let record = file.record(1).expect("a record");
    let mut mem = bytes[..file.header.var_buf[0].buf_offset as usize].to_vec();
    mem[4..8].copy_from_slice(&1i32.to_le_bytes());
    mem[32..36].copy_from_slice(&1i32.to_le_bytes());
    mem[48..52].copy_from_slice(&1i32.to_le_bytes());
    let row_at = mem.len() as i32;
    mem[52..56].copy_from_slice(&row_at.to_le_bytes());
    mem.extend_from_slice(record.bytes);
    let mut live = LiveReader::new(mem.as_slice()).expect("a valid map");
    let LiveRead::Row(row) = live.next_after(mem.as_slice(), None) else { panic!("a row") };
    assert!(live.frame(&row).is_some(), "the row reads as a frame");
    assert_eq!(live.field(mem.as_slice(), &row), None);
}
