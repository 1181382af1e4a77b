//! iRacing `.ibt` reader and live reader, checked against a real file (tests/data/iracing, see PROVENANCE.md).

use proptest::prelude::*;
use racecraft_capture::Error;
use racecraft_capture::iracing::{
    self, HEADER_LEN, IbtFile, LiveMemory, LiveRead, LiveReader, SUB_HEADER_LEN, VAR_HEADER_LEN, VarType,
};
use racecraft_core::{Channel, LapTracker};
use std::cell::Cell;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

const FILE_LEN: usize = 3_652_791;
const DATA_AT: usize = 48_912;
const BUF_LEN: usize = 1051;
const RECORDS: usize = 3429;

fn fixture_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/iracing/tsukuba_formulavee_4laps.ibt")
}

fn bytes() -> &'static [u8] {
    static BYTES: OnceLock<Vec<u8>> = OnceLock::new();
    BYTES.get_or_init(|| std::fs::read(fixture_path()).expect("fixture readable"))
}

fn file() -> &'static IbtFile {
    static FILE: OnceLock<IbtFile> = OnceLock::new();
    FILE.get_or_init(|| IbtFile::open(fixture_path()).expect("fixture parses"))
}

fn value(name: &str, record: usize) -> f64 {
    let f = file();
    f.value(record, f.var(name).unwrap_or_else(|| panic!("{name} missing"))).expect("record present")
}

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol
}

#[test]
fn struct_sizes() {
    assert_eq!((HEADER_LEN, SUB_HEADER_LEN, VAR_HEADER_LEN), (112, 32, 144));
    assert_eq!(VarType::Double.size(), 8);
    assert_eq!(VarType::Bool.size(), 1);
}

#[test]
fn header_and_sub_header_match_provenance() {
    let f = file();
    assert_eq!(bytes().len(), FILE_LEN);
    let h = &f.header;
    assert_eq!((h.ver, h.tick_rate, h.num_vars, h.var_header_offset, h.num_buf, h.buf_len), (2, 60, 270, 144, 1, 1051));
    assert_eq!(h.var_buf[0].buf_offset, DATA_AT as i32);
    assert_eq!((h.session_info_len, h.session_info_offset), (9888, 39024));
    let s = &f.sub_header;
    assert_eq!((s.session_start_date, s.lap_count, s.record_count), (1_738_253_369, 4, RECORDS as i32));
    assert_eq!(DATA_AT + RECORDS * BUF_LEN, FILE_LEN);
    assert!(close(s.session_start_time, value("SessionTime", 0), 1.0), "{s:?}");
    assert!(close(s.session_end_time, value("SessionTime", RECORDS - 1), 1.0), "{s:?}");
    assert_eq!(f.record_count(), RECORDS);
    assert_eq!(f.records().len(), RECORDS);
    assert_eq!(f.truncated_records, 0);
    assert_eq!(f.vars.len(), 270);
}

#[test]
fn var_headers_match_provenance() {
    let f = file();
    for (name, ty, offset) in [
        ("SessionTime", VarType::Double, 0),
        ("Throttle", VarType::Float, 189),
        ("Brake", VarType::Float, 193),
        ("Gear", VarType::Int, 201),
        ("RPM", VarType::Float, 205),
        ("Lap", VarType::Int, 209),
        ("LapDist", VarType::Float, 217),
        ("LapDistPct", VarType::Float, 221),
        ("Speed", VarType::Float, 310),
        ("Lat", VarType::Double, 334),
        ("Lon", VarType::Double, 342),
        ("SessionTimeOfDay", VarType::Float, 61),
    ] {
        let v = f.var(name).unwrap_or_else(|| panic!("{name} missing"));
        assert_eq!((v.var_type, v.offset, v.count), (ty, offset, 1), "{name}");
    }
    assert_eq!(f.var("Speed").map(|v| v.unit.as_str()), Some("m/s"));
    let torque = f.var("SteeringWheelTorque_ST").expect("present");
    assert_eq!((torque.count, torque.count_as_time), (6, true));
    let row = f.record(1000).expect("record");
    assert!(row.value_at(torque, 5).is_some_and(f64::is_finite));
    assert!(row.value_at(torque, 6).is_none());
    assert!(f.var("NoSuchVar").is_none());
}

#[test]
fn record_values_match_provenance() {
    assert!(close(value("SessionTime", 1000), 203.7, 1e-3));
    assert_eq!(value("Lap", 1000), 1.0);
    assert!(close(value("LapDist", 1000), 316.01, 0.01));
    assert!(close(value("Speed", 1000), 30.968, 1e-3));
    assert_eq!(value("Throttle", 1000), 1.0);
    assert_eq!(value("Gear", 1000), 3.0);
    assert!(close(value("RPM", 1000), 5509.17, 0.01));
    let speed = file().var("Speed").expect("Speed");
    let (argmax, max) = file()
        .records()
        .map(|r| (r.index, r.value(speed).expect("speed")))
        .fold((0, f64::MIN), |best, x| if x.1 > best.1 { x } else { best });
    assert_eq!(argmax, 2700);
    assert!(close(max, 37.5197, 1e-4));
    assert!(close(value("LapLastLapTime", RECORDS - 1), 23.98, 0.005));
    assert!(file().value(RECORDS, speed).is_none());
}

#[test]
fn session_info_and_meta() {
    let f = file();
    assert!(f.session_info.starts_with("---\nWeekendInfo:\n TrackName: tsukuba 1kouter"));
    assert!(f.session_info.chars().count() <= 9888 && f.session_info.contains("DriverInfo:"));
    let meta = f.meta();
    assert_eq!(meta.game, "iracing");
    assert_eq!(meta.track, "Tsukuba Circuit 1k Outer");
    assert_eq!(meta.car, "Formula Vee");
    assert_eq!(meta.driver, "Max Teichert2");
    assert_eq!(meta.started_at_ms, 1_738_253_369_000);
}

#[test]
fn frames_normalize_the_game_values() {
    let frames: Vec<_> = file().frames().collect();
    assert_eq!(frames.len(), RECORDS);
    assert_eq!(frames[0].t_us, 0);
    let f = &frames[1000];
    assert!(close(f.t_s(), 203.7 - value("SessionTime", 0), 1e-5));
    assert!(close(f64::from(f.get(Channel::Speed).expect("speed")), 30.968, 1e-3));
    assert_eq!(f.gear(), Some(3));
    assert_eq!(f.lap(), Some(1));
    assert_eq!(f.get(Channel::Throttle), Some(1.0));
    // iRacing's Clutch is 1 = engaged (pedal up): ours is 0 then.
    assert_eq!(value("Clutch", 1000), 1.0);
    assert_eq!(f.get(Channel::Clutch), Some(0.0));
    assert!(close(f64::from(f.get(Channel::LapDist).expect("dist")), 316.01, 0.01));
    // A right-hander: steering and lateral acceleration both negative (+ left).
    assert!(f.get(Channel::Steer).expect("steer") < 0.0);
    assert!(close(f64::from(f.get(Channel::AccLat).expect("lat")), -9.024 / 9.80665, 1e-3));
    assert!(f.get(Channel::Fuel).is_some_and(|l| l > 6.0 && l < 7.0));
    assert!(f.get(Channel::TyreTempFl).is_some_and(|t| t > 20.0 && t < 80.0));
    assert!(f.get(Channel::TyrePressFl).is_some_and(|p| p > 100.0 && p < 140.0));
    assert_eq!(f.get(Channel::InPit), Some(0.0));
    assert!(f.get(Channel::LapValid).is_none());
    // Lap 0 (before the first crossing) carries no lap channels; the first record has no GPS fix.
    assert!(frames[0].lap().is_none() && frames[213].lap().is_none());
    assert!(!frames[0].has(Channel::PosX));
    // Positions stay on a 1 km track; the world velocity points along the GPS track, and so does the
    // heading apart from the slip angle.
    let wrap = |a: f64| (a + std::f64::consts::PI).rem_euclid(std::f64::consts::TAU) - std::f64::consts::PI;
    let mut heading_err = Vec::new();
    for w in frames[300..3400].windows(6).step_by(25) {
        let (a, b) = (&w[0], &w[5]);
        let (x0, y0) = (a.get(Channel::PosX).expect("x"), a.get(Channel::PosY).expect("y"));
        let (x1, y1) = (b.get(Channel::PosX).expect("x"), b.get(Channel::PosY).expect("y"));
        assert!(x0.abs() < 1000.0 && y0.abs() < 1000.0);
        if a.speed_mps().expect("speed") > 10.0 {
            let track = f64::from(y1 - y0).atan2(f64::from(x1 - x0));
            let (vx, vy) = (a.get(Channel::VelX).expect("vx"), a.get(Channel::VelY).expect("vy"));
            let vel_dir = f64::from(vy).atan2(f64::from(vx));
            assert!(wrap(track - vel_dir).abs() < 0.1, "velocity {vel_dir} vs track {track} at {}", a.t_us);
            assert!(close(f64::from(vx.hypot(vy)), f64::from(a.speed_mps().expect("speed")), 0.5));
            heading_err.push(wrap(track - f64::from(a.get(Channel::Yaw).expect("yaw"))).abs());
        }
    }
    heading_err.sort_by(f64::total_cmp);
    assert!(heading_err[heading_err.len() / 2] < 0.05, "{heading_err:?}");
}

/// Row offsets of the variables below, as a separate script read them from the file's variable headers.
const PLAYER_CAR_POSITION_AT: usize = 115; // int
const WEAR_AT: [(&str, [usize; 3]); 4] =
    [("LF", [835, 839, 843]), ("RF", [783, 787, 791]), ("LR", [983, 987, 991]), ("RR", [931, 935, 939])]; // float, left / middle / right

fn row(record: usize) -> &'static [u8] {
    &bytes()[DATA_AT + record * BUF_LEN..DATA_AT + (record + 1) * BUF_LEN]
}

fn row_i32(record: usize, at: usize) -> i32 {
    i32::from_le_bytes(row(record)[at..at + 4].try_into().expect("4 bytes"))
}

fn row_f32(record: usize, at: usize) -> f32 {
    f32::from_le_bytes(row(record)[at..at + 4].try_into().expect("4 bytes"))
}

#[test]
fn race_position_and_tyre_wear_of_the_real_file() {
    let f = file();
    assert_eq!(f.var("PlayerCarPosition").map(|v| v.offset), Some(PLAYER_CAR_POSITION_AT));
    for (wheel, offs) in WEAR_AT {
        for (part, at) in ["L", "M", "R"].into_iter().zip(offs) {
            let var = f.var(&format!("{wheel}wear{part}")).expect("wear variable");
            assert_eq!((var.offset, var.unit.as_str()), (at, "%"), "{wheel}wear{part}");
        }
    }
    let frames: Vec<_> = f.frames().collect();
    // Not classified until the race has a position for the car: 0 in the row, no channel in the frame.
    let first = (0..RECORDS).find(|&r| row_i32(r, PLAYER_CAR_POSITION_AT) != 0).expect("classified at some point");
    assert!(first > 0);
    for (r, frame) in frames.iter().enumerate() {
        let raw = row_i32(r, PLAYER_CAR_POSITION_AT);
        let want = (raw >= 1).then_some(raw as f32);
        assert_eq!(frame.get(Channel::Position), want, "record {r}");
        // A practice run on new tyres with no pit stop: every strip reads 1.0 (all tread left) in the rows,
        // so nothing is worn.
        for ((_, offs), wheel) in WEAR_AT.iter().zip(racecraft_core::Wheel::ALL) {
            let least = offs.iter().map(|&at| row_f32(r, at)).fold(f32::INFINITY, f32::min);
            assert_eq!(least, 1.0, "record {r}");
            assert_eq!(frame.get(Channel::tyre_wear(wheel)), Some(1.0 - least), "record {r}");
        }
    }
    assert_eq!(frames[RECORDS - 1].get(Channel::Position), Some(1.0));
}

#[test]
fn tyre_wear_is_one_minus_the_least_tread_left_and_position_needs_a_classification() {
    // The first records of the real file, with record 1's values replaced.
    let mut data = small_file().to_vec();
    let rec = DATA_AT + BUF_LEN;
    let mut put = |at: usize, v: f32| data[rec + at..rec + at + 4].copy_from_slice(&v.to_le_bytes());
    // LF: worn most on the left strip; RF: evenly; LR: one strip unreadable; RR: one strip beyond 1.
    let strips = [[0.7, 0.8, 0.9], [0.95, 0.95, 0.95], [f32::NAN, 0.6, 0.75], [1.5, 0.5, 0.55]];
    for ((_, offs), values) in WEAR_AT.iter().zip(strips) {
        for (at, v) in offs.iter().zip(values) {
            put(*at, v);
        }
    }
    data[rec + PLAYER_CAR_POSITION_AT..rec + PLAYER_CAR_POSITION_AT + 4].copy_from_slice(&3i32.to_le_bytes());
    let file = IbtFile::parse(&data).expect("parses");
    let frames: Vec<_> = file.frames().collect();
    let wear: Vec<f32> =
        racecraft_core::Wheel::ALL.iter().map(|&w| frames[1].get(Channel::tyre_wear(w)).expect("wear")).collect();
    let want = [0.3, 0.05, 0.4, 0.5];
    assert!(wear.iter().zip(want).all(|(a, b)| (a - b).abs() < 1e-6), "FL, FR, RL, RR: {wear:?}");
    assert_eq!(frames[1].get(Channel::Position), Some(3.0));
    assert!(!frames[0].has(Channel::Position), "0 is not a position");
    // Every strip unreadable: no wear rather than a made-up one.
    let mut data = small_file().to_vec();
    for at in WEAR_AT[0].1 {
        data[rec + at..rec + at + 4].copy_from_slice(&(-0.5f32).to_le_bytes());
    }
    let file = IbtFile::parse(&data).expect("parses");
    assert!(!file.frames().nth(1).expect("record 1").has(Channel::TyreWearFl));
}

#[test]
fn lap_tracker_reproduces_the_game_lap_times() {
    // Laps 1 and 2 complete inside the recording (lap 0 is the run to the line, lap 3 is cut short).
    // The game publishes each time up to 0.5 s after the counter changes: read the settled values.
    let last = file().var("LapLastLapTime").expect("var");
    let mut game_times: Vec<f64> = Vec::new();
    for r in file().records() {
        let t = r.value(last).expect("value");
        if t > 0.0 && game_times.last() != Some(&t) {
            game_times.push(t);
        }
    }
    assert_eq!(game_times.len(), 2);
    let mut tracker = LapTracker::new();
    let laps: Vec<_> = file().frames().filter_map(|f| tracker.push(&f)).collect();
    assert_eq!(laps.iter().map(|l| l.lap_number).collect::<Vec<_>>(), [1, 2]);
    for (lap, game) in laps.iter().zip(&game_times) {
        assert!(close(lap.lap_time_s, *game, 1e-3), "{lap:?} vs {game}");
        assert!(lap.valid && !lap.out_lap && !lap.pit, "{lap:?}");
        assert!(close((lap.end_t_us - lap.start_t_us) as f64 * 1e-6, *game, 1e-3));
    }
    assert!(close(laps[0].lap_time_s, 25.9145, 1e-3));
    assert!(close(laps[1].lap_time_s, 23.9797, 1e-3));
    // Lap 2 starts where lap 1 ends, at the counter change (record 1769, within one sample).
    assert!((laps[1].start_t_us - laps[0].end_t_us).abs() < 17_000);
    assert_eq!(tracker.current_lap(), Some(3));
}

#[test]
fn truncated_files_are_errors_or_short_files() {
    let b = bytes();
    for cut in [0, 50, 111, 130, 144 + 144 * 10 + 5, 39_024 - 1, 39_024 + 100, DATA_AT - 1] {
        let err = IbtFile::parse(&b[..cut]).expect_err("cut before the records");
        assert!(matches!(err, Error::Iracing(iracing::Error::Truncated { .. })), "{cut}: {err}");
    }
    for (cut, complete) in [(DATA_AT, 0), (DATA_AT + 10 * BUF_LEN + 500, 10), (FILE_LEN - 1, RECORDS - 1)] {
        let f = IbtFile::parse(&b[..cut]).expect("header fits");
        assert_eq!(f.record_count(), complete, "{cut}");
        assert_eq!(f.truncated_records, (RECORDS - complete) as u64);
        assert_eq!(f.frames().count(), complete);
    }
    for cut in (0..FILE_LEN).step_by(4999) {
        match IbtFile::parse(&b[..cut]) {
            Ok(f) => assert_eq!(f.record_count(), cut.saturating_sub(DATA_AT) / BUF_LEN),
            Err(_) => assert!(cut < DATA_AT),
        }
    }
}

#[test]
fn implausible_headers_are_typed_errors() {
    let mut b = bytes()[..DATA_AT + 5 * BUF_LEN].to_vec();
    b[0] = 3;
    assert_eq!(IbtFile::parse(&b).expect_err("version"), Error::Iracing(iracing::Error::Version(3)));
    b[0] = 2;
    b[36..40].copy_from_slice(&0i32.to_le_bytes());
    assert!(matches!(IbtFile::parse(&b), Err(Error::Iracing(iracing::Error::Field { field: "bufLen", .. }))));
    b[36..40].copy_from_slice(&(BUF_LEN as i32).to_le_bytes());
    // An unterminated name in variable 0.
    b[144 + 16..144 + 48].fill(b'A');
    assert!(matches!(IbtFile::parse(&b), Err(Error::Iracing(iracing::Error::Var { index: 0, .. }))));
    let err = IbtFile::open("/nonexistent/x.ibt").expect_err("missing");
    assert!(err.to_string().ends_with("/nonexistent/x.ibt"), "{err}");
}

fn small_file() -> &'static [u8] {
    &bytes()[..DATA_AT + 3 * BUF_LEN]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, rng_seed: proptest::test_runner::RngSeed::Fixed(7), ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..4096)) {
        if let Ok(f) = IbtFile::parse(&data) {
            let _ = f.frames().count();
            let _ = f.meta();
        }
        if let Ok(mut live) = LiveReader::new(data.as_slice()) {
            let _ = live.read_frame(data.as_slice());
        }
    }

    #[test]
    fn header_bit_flips_never_panic(bit in 0..(HEADER_LEN + SUB_HEADER_LEN + 2 * VAR_HEADER_LEN) * 8, more in 0..DATA_AT * 8) {
        let mut data = small_file().to_vec();
        data[bit / 8] ^= 1 << (bit % 8);
        data[more / 8] ^= 1 << (more % 8);
        if let Ok(f) = IbtFile::parse(&data) {
            prop_assert!(f.record_count() * f.header.buf_len as usize <= data.len());
            let _ = f.frames().count();
            let _ = f.meta();
        }
        if let Ok(mut live) = LiveReader::new(data.as_slice()) {
            let _ = live.read_frame(data.as_slice());
        }
    }
}

/// A live map built from the file: header with `numBuf` 3, the file's variable headers, and three slots
/// holding records `rows` with tick counts `ticks`.
fn live_snapshot(rows: [usize; 3], ticks: [i32; 3]) -> Vec<u8> {
    let b = bytes();
    let mut m = b[..DATA_AT].to_vec();
    m[32..36].copy_from_slice(&3i32.to_le_bytes());
    for (slot, (row, tick)) in rows.iter().zip(ticks).enumerate() {
        let at = m.len();
        m[48 + 16 * slot..52 + 16 * slot].copy_from_slice(&tick.to_le_bytes());
        m[52 + 16 * slot..56 + 16 * slot].copy_from_slice(&(at as i32).to_le_bytes());
        m.extend_from_slice(&b[DATA_AT + row * BUF_LEN..DATA_AT + (row + 1) * BUF_LEN]);
    }
    m
}

#[test]
fn live_rows_with_an_implausible_session_time_are_skipped() {
    let mem = live_snapshot([10, 1000, 2000], [5, 9, 7]);
    let mut live = LiveReader::new(mem.as_slice()).expect("valid map");
    let mut rec = live.latest(mem.as_slice()).expect("consistent");
    // `SessionTime` is the double at offset 0 of a row (PROVENANCE.md).
    for bad in [f64::NAN, f64::INFINITY, 1e300, -1e300, -5.0, 40.0 * 86_400.0] {
        rec.bytes[..8].copy_from_slice(&bad.to_le_bytes());
        assert!(live.frame(&rec).is_none(), "SessionTime {bad}");
    }
    rec.bytes[..8].copy_from_slice(&3600.0f64.to_le_bytes());
    assert!(close(live.frame(&rec).expect("an hour in").t_s(), 3600.0, 1e-6));
}

#[test]
fn live_reader_picks_the_newest_slot() {
    let mem = live_snapshot([10, 1000, 2000], [5, 9, 7]);
    let mut live = LiveReader::new(mem.as_slice()).expect("valid map");
    let rec = live.latest(mem.as_slice()).expect("consistent");
    assert_eq!((rec.slot, rec.tick_count), (1, 9));
    let frame = live.frame(&rec).expect("a plausible session time");
    assert!(close(frame.t_s(), 203.7, 1e-3));
    assert!(close(f64::from(frame.speed_mps().expect("speed")), 30.968, 1e-3));
    assert_eq!(frame.gear(), Some(3));
    // Same mapping as the file (apart from the file's settled-lap look-ahead and relative time).
    let from_file = file().frames().nth(1000).expect("frame");
    for c in [Channel::Rpm, Channel::Throttle, Channel::Clutch, Channel::Steer, Channel::AccLat, Channel::Fuel] {
        assert_eq!(frame.get(c), from_file.get(c), "{c:?}");
    }
    let mem = live_snapshot([10, 1000, 2000], [5, 9, 70]);
    assert_eq!(live.latest(mem.as_slice()).map(|r| r.slot), Some(2));
    // Not connected: status bit 0 clear.
    let mut off = mem.clone();
    off[4] = 0;
    assert!(live.latest(off.as_slice()).is_none());
    // A map too short for its slots is an error when the reader is built.
    assert!(LiveReader::new(&mem[..mem.len() - 1]).is_err());
}

#[test]
fn live_reader_after_a_tick_takes_the_oldest_newer_row_and_sees_a_restart() {
    // Slots hold ticks 5, 9, 7: a reader that last read tick 5 takes 7, then 9, then has nothing new.
    let mem = live_snapshot([10, 1000, 2000], [5, 9, 7]);
    let live = LiveReader::new(mem.as_slice()).expect("valid map");
    let mut seen = Vec::new();
    let mut last = Some(5);
    while let LiveRead::Row(record) = live.next_after(mem.as_slice(), last) {
        seen.push((record.slot, record.tick_count));
        last = Some(record.tick_count);
    }
    assert_eq!(seen, [(2, 7), (1, 9)]);
    assert_eq!(live.next_after(mem.as_slice(), Some(9)), LiveRead::Unchanged);
    // Never read before: the newest row only.
    assert!(matches!(live.next_after(mem.as_slice(), None), LiveRead::Row(r) if r.tick_count == 9));
    // The simulator restarted its session: every tick count is below the last one read.
    assert_eq!(live.next_after(mem.as_slice(), Some(500)), LiveRead::Gone);
    // In the menus (status bit 0 clear): nothing to read, but the layout is still this reader's.
    let mut off = mem.clone();
    off[4] = 0;
    assert_eq!(live.next_after(off.as_slice(), Some(5)), LiveRead::Disconnected);
    assert_eq!(live.next_after(off.as_slice(), None), LiveRead::Disconnected);
    // Another layout (a variable buffer moved): a new reader is needed.
    let mut moved = mem.clone();
    moved[52..56].copy_from_slice(&(DATA_AT as i32 + 4).to_le_bytes());
    assert_eq!(live.next_after(moved.as_slice(), Some(5)), LiveRead::Gone);
    // Car, track and driver from the session-info YAML inside the map, again only once it is rewritten.
    let meta = live.session_meta(mem.as_slice()).expect("session info");
    assert_eq!((meta.track.as_str(), meta.car.as_str()), ("Tsukuba Circuit 1k Outer", "Formula Vee"));
    assert_eq!(meta.game, "iracing");
    let mut live = live;
    assert_eq!(live.meta_if_changed(mem.as_slice()), None, "sessionInfoUpdate has not moved");
    let mut rewritten = mem.clone();
    let update = i32::from_le_bytes(mem[12..16].try_into().expect("4 bytes"));
    rewritten[12..16].copy_from_slice(&(update + 1).to_le_bytes());
    assert_eq!(live.meta_if_changed(rewritten.as_slice()), Some(meta));
    assert_eq!(live.meta_if_changed(rewritten.as_slice()), None, "told once");
}

/// Memory whose slot-1 tick count advances every time the row is copied: every read is torn.
struct Racing {
    mem: Vec<u8>,
    copies: Cell<i32>,
}

impl LiveMemory for Racing {
    fn len(&self) -> usize {
        self.mem.len()
    }

    fn copy_to(&self, offset: usize, out: &mut [u8]) -> bool {
        let ok = self.mem.as_slice().copy_to(offset, out);
        if out.len() == BUF_LEN {
            self.copies.set(self.copies.get() + 1);
        }
        if offset == 64 && out.len() == 4 {
            out.copy_from_slice(&(9 + self.copies.get()).to_le_bytes());
        }
        ok
    }
}

#[test]
fn live_reader_rejects_torn_reads() {
    let racing = Racing { mem: live_snapshot([10, 1000, 2000], [5, 9, 7]), copies: Cell::new(0) };
    let live = LiveReader::new(&racing).expect("valid map");
    assert!(live.latest(&racing).is_none());
    assert_eq!(racing.copies.get(), 3);
}
