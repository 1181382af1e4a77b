//! MoTeC-layout CSV: round trips, metadata, plain CSVs, unknown columns and hostile input.
// Tests fail loudly on the first surprise; that is what unwrap is for here.
#![allow(clippy::unwrap_used)]

use proptest::prelude::*;
use racecraft_core::{CHANNEL_COUNT, Channel, Frame, SessionMeta};
use racecraft_interchange::csv::{CsvOptions, Error, read_csv, write_csv};

fn meta() -> SessionMeta {
    SessionMeta {
        game: "ac".into(),
        car: "ks_mazda_mx5_cup".into(),
        track: "monza, \"junior\"".into(),
        driver: "Test Driver".into(),
        started_at_ms: 1_763_790_000_250,
        ..Default::default()
    }
}

fn frames() -> Vec<Frame> {
    (0..50)
        .map(|i| {
            let mut f = Frame::new(i * 16_667 - 3)
                .with(Channel::Speed, 30.0 + i as f32 * 0.1)
                .with(Channel::Throttle, 1.0 / 3.0)
                .with(Channel::Gear, 3.0);
            if i % 3 == 0 {
                f.set(Channel::TyreTempFl, 85.123_46 + i as f32);
            }
            if i % 5 == 0 {
                f.set(Channel::Steer, -1e-7 * i as f32);
            }
            f
        })
        .collect()
}

fn write(frames: &[Frame], laps: &[f64]) -> Vec<u8> {
    let mut out = Vec::new();
    let options = CsvOptions { comment: "unit test".into(), ..CsvOptions::default() };
    write_csv(&mut out, &meta(), frames, laps, &options).unwrap();
    out
}

/// Compares bit-exact, so -0.0 vs 0.0 or a last-digit rounding would show.
fn assert_same(a: &[Frame], b: &[Frame]) {
    assert_eq!(a.len(), b.len());
    for (x, y) in a.iter().zip(b) {
        assert_eq!(x.t_us, y.t_us);
        assert_eq!(x.present_mask(), y.present_mask(), "{x:?} vs {y:?}");
        for i in 0..CHANNEL_COUNT {
            assert_eq!(x.value_at(i).to_bits(), y.value_at(i).to_bits(), "{x:?} vs {y:?}");
        }
    }
}

#[test]
fn round_trip_is_bit_exact() {
    let frames = frames();
    let laps = [0.4, 1.0 / 3.0];
    let got = read_csv(write(&frames, &laps).as_slice()).unwrap();
    assert_same(&got.frames, &frames);
    assert_eq!(got.meta, meta());
    assert_eq!(got.laps, laps);
    assert!(got.unknown_columns.is_empty());
}

#[test]
fn layout_has_metadata_names_units_and_empty_cells() {
    let text = String::from_utf8(write(&frames()[..2], &[52.5, 103.0])).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], r#""Format","MoTeC CSV File""#);
    assert_eq!(lines[1], r#""Venue","monza, ""junior""""#);
    for key in ["Vehicle", "Driver", "Device", "Comment", "Log Date", "Log Time", "Sample Rate", "Duration", "Range"] {
        assert!(lines.iter().any(|l| l.starts_with(&format!("\"{key}\","))), "{key} missing");
    }
    assert!(lines.contains(&r#""Log Date","22/11/2025""#));
    assert!(lines.contains(&r#""Log Time","05:40:00.250""#));
    assert!(lines.contains(&r#""Beacon Markers","52.5 103""#));
    let header = lines.iter().position(|l| l.starts_with(r#""Time","#)).unwrap();
    assert_eq!(lines[header - 1], "");
    assert_eq!(lines[header], r#""Time","speed_mps","gear","throttle","steer_rad","tyre_temp_fl_c""#);
    assert_eq!(lines[header + 1], r#""s","m/s","","0..1","rad","°C""#);
    assert_eq!(lines[header + 2], "");
    assert_eq!(lines[header + 3], r#""-0.000003","30","3","0.33333334","-0","85.12346""#);
    assert_eq!(lines[header + 4], r#""0.016664","30.1","3","0.33333334","","""#);

    let got = read_csv(text.as_bytes()).unwrap();
    let keys: Vec<&str> = got.metadata.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(&keys[..3], ["Format", "Venue", "Vehicle"]);
    assert!(got.metadata.contains(&("Comment".into(), "unit test".into())));
}

#[test]
fn chosen_channels_are_written_in_order() {
    let mut out = Vec::new();
    let options = CsvOptions { channels: Some(vec![Channel::Rpm, Channel::Speed]), ..CsvOptions::default() };
    write_csv(&mut out, &meta(), &frames()[..1], &[], &options).unwrap();
    let got = read_csv(out.as_slice()).unwrap();
    assert_eq!(got.frames, vec![Frame::new(-3).with(Channel::Speed, 30.0)]);
    assert!(String::from_utf8(out).unwrap().contains(r#""Time","rpm","speed_mps""#));
}

#[test]
fn plain_header_only_csv_imports() {
    let text = "Time,speed_mps,gear\n0.0,10.5,2\n0.5,,3\n";
    let got = read_csv(text.as_bytes()).unwrap();
    assert_eq!(
        got.frames,
        vec![
            Frame::new(0).with(Channel::Speed, 10.5).with(Channel::Gear, 2.0),
            Frame::new(500_000).with(Channel::Gear, 3.0),
        ]
    );
    assert_eq!(got.meta, SessionMeta::default());
    assert!(got.laps.is_empty() && got.unknown_columns.is_empty());
}

#[test]
fn tab_and_semicolon_separated_files_read_like_the_comma_one() {
    let (frames, laps) = (frames(), vec![12.5, 25.0]);
    let csv = String::from_utf8(write(&frames, &laps)).unwrap();
    let expected = read_csv(csv.as_bytes()).unwrap();
    for delimiter in ["\t", ";"] {
        // Cells are quoted and no value holds a comma, so this is the same file with another delimiter.
        let text = csv.replace("\",\"", &format!("\"{delimiter}\""));
        assert!(!text.contains("\",\""));
        let got = read_csv(text.as_bytes()).unwrap_or_else(|e| panic!("{delimiter:?}: {e}"));
        assert_eq!(got, expected, "{delimiter:?}");
    }
    // Unquoted, as spreadsheets save them; the semicolon one with decimal commas.
    let tsv = "Time\tspeed_mps\tgear\n0.0\t10.5\t2\n0.5\t\t3\n";
    let ssv = "Time;speed_mps;gear\n0,0;10,5;2\n0,5;;3\n";
    let want = vec![
        Frame::new(0).with(Channel::Speed, 10.5).with(Channel::Gear, 2.0),
        Frame::new(500_000).with(Channel::Gear, 3.0),
    ];
    assert_eq!(read_csv(tsv.as_bytes()).unwrap().frames, want);
    assert_eq!(read_csv(ssv.as_bytes()).unwrap().frames, want);
}

#[test]
fn motec_display_names_convert_to_si() {
    let text = "\"Time\",\"Ground Speed\",\"Throttle Pos\",\"Steering Angle\",\"Engine RPM\"\n\
                \"s\",\"km/h\",\"%\",\"deg\",\"rpm\"\n\n\"1.000\",\"36\",\"50\",\"180\",\"7000\"\n";
    let got = read_csv(text.as_bytes()).unwrap();
    let f = got.frames[0];
    assert_eq!(f.t_us, 1_000_000);
    assert!((f.get(Channel::Speed).unwrap() - 10.0).abs() < 1e-5);
    assert_eq!(f.get(Channel::Throttle), Some(0.5));
    assert!((f.get(Channel::Steer).unwrap() - std::f32::consts::PI).abs() < 1e-6);
    assert_eq!(f.get(Channel::Rpm), Some(7000.0));
}

#[test]
fn unknown_columns_are_reported() {
    let text = "Time,speed_mps,Oil Temp,Speed,gear\n,m/s,C,m/s,fortnights\n0,1,90,2,3\n";
    let got = read_csv(text.as_bytes()).unwrap();
    // "Speed" repeats speed_mps; gear has a unit we cannot convert.
    assert_eq!(got.unknown_columns, ["Oil Temp", "Speed", "gear"]);
    assert_eq!(got.frames, vec![Frame::new(0).with(Channel::Speed, 1.0)]);
}

#[test]
fn bad_number_names_line_and_column() {
    let text = "Time,speed_mps,rpm\n0,1,2\n0.1,1,abc\n";
    match read_csv(text.as_bytes()) {
        Err(Error::BadNumber { line: 3, column: 3, name, value }) => {
            assert_eq!((name.as_str(), value.as_str()), ("rpm", "abc"));
        }
        other => panic!("{other:?}"),
    }
    let err = read_csv("Time,rpm\n0,1\nx,1\n".as_bytes()).unwrap_err();
    assert!(matches!(err, Error::BadTime { .. }), "{err}");
    let err = read_csv("Time,rpm\n0,1\n1,2,3\n".as_bytes()).unwrap_err();
    assert!(matches!(err, Error::FieldCount { line: 3, expected: 2, found: 3 }), "{err}");
    assert!(matches!(read_csv(&b""[..]), Err(Error::MissingHeader)));
    assert!(matches!(read_csv(&b"\"Format\",\"MoTeC CSV File\"\n"[..]), Err(Error::MissingHeader)));
}

#[test]
fn every_truncation_is_an_error_or_a_prefix() {
    let frames = frames();
    let bytes = write(&frames[..6], &[0.05]);
    for len in 0..bytes.len() {
        if let Ok(got) = read_csv(&bytes[..len]) {
            assert!(got.frames.len() <= 6);
            // Rows before the cut one are intact.
            let whole = got.frames.len().saturating_sub(1);
            assert_same(&got.frames[..whole], &frames[..whole]);
        }
    }
}

#[test]
fn garbage_never_panics() {
    let mut state = 0x2545_f491_4f6c_dd1du64;
    for len in 0..400 {
        let bytes: Vec<u8> = (0..len)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                // Bias towards CSV structure so the parser gets past the first row.
                b"\"\n,0.1-eTime xs\xff"[(state % 16) as usize]
            })
            .collect();
        for input in [bytes.clone(), [b"Time,rpm\n".as_slice(), &bytes].concat()] {
            // Whatever imports writes back and imports to the same frames (the fuzz target's oracle too).
            if let Ok(got) = read_csv(input.as_slice()) {
                let again = read_csv(write(&got.frames, &got.laps).as_slice()).unwrap();
                assert_same(&again.frames, &got.frames);
            }
        }
    }
}

fn arb_frame() -> impl Strategy<Value = Frame> {
    (any::<i64>(), any::<u64>(), proptest::collection::vec(any::<f32>(), CHANNEL_COUNT))
        .prop_map(|(t, mask, values)| Frame::from_slots(t, mask, &values.try_into().unwrap()))
}

proptest! {
    #[test]
    fn proptest_round_trip(frames in proptest::collection::vec(arb_frame(), 0..20),
                           laps in proptest::collection::vec(0.0f64..1e6, 0..5)) {
        let got = read_csv(write(&frames, &laps).as_slice()).unwrap();
        assert_same(&got.frames, &frames);
        prop_assert_eq!(got.laps, laps);
        prop_assert_eq!(got.meta, meta());
    }
}

/// A logger's own column names and units, mapped by hand: `Spd=speed_mps:km/h` reads "Spd" in km/h, a map
/// without a unit takes the file's units row, and a mapped column wins over one recognised by its name.
#[test]
fn columns_mapped_by_hand_take_their_channel_and_unit() {
    use racecraft_interchange::csv::{ColumnMap, read_csv_mapped};
    let text = "Time,Spd,Pedal,Speed\ns,,%,m/s\n0.0,36,50,1\n0.1,72,100,2\n";
    let maps: Vec<ColumnMap> =
        ["Spd=speed_mps:km/h", "pedal=throttle"].iter().map(|m| m.parse().expect("map")).collect();
    let s = read_csv_mapped(text.as_bytes(), &maps).expect("read");
    let speeds: Vec<_> = s.frames.iter().map(|f| f.get(Channel::Speed)).collect();
    assert_eq!(speeds, [Some(10.0), Some(20.0)], "km/h from the map, not the file's own Speed column");
    let throttle: Vec<_> = s.frames.iter().map(|f| f.get(Channel::Throttle)).collect();
    assert_eq!(throttle, [Some(0.5), Some(1.0)], "% from the units row");
    assert_eq!(s.unknown_columns, ["Speed"], "the recognised column gave way to the mapped one");
    // Without the maps, "Spd" and "Pedal" are unknown.
    let plain = read_csv(text.as_bytes()).expect("read");
    assert_eq!(plain.unknown_columns, ["Spd", "Pedal"]);

    // Mistakes say what is wrong and what was seen.
    let err = "Spd=warp_factor".parse::<ColumnMap>().expect_err("no such channel");
    assert!(err.contains("no channel `warp_factor`") && err.contains("speed_mps"), "{err}");
    let err = "Spd=speed_mps:furlongs".parse::<ColumnMap>().expect_err("no such unit");
    assert!(err.contains("cannot convert `furlongs`"), "{err}");
    assert!("speed_mps".parse::<ColumnMap>().is_err());
    let missing: ColumnMap = "Velocity=speed_mps".parse().expect("map");
    let err = read_csv_mapped(text.as_bytes(), &[missing]).expect_err("not in the file").to_string();
    assert!(err.contains("\"Velocity\"") && err.contains("Spd, Pedal, Speed"), "{err}");
    let bad_unit: ColumnMap = "Pedal=speed_mps".parse().expect("map");
    let err = read_csv_mapped(text.as_bytes(), &[bad_unit]).expect_err("% is no speed").to_string();
    assert!(err.contains("cannot convert \"%\" to speed_mps"), "{err}");
}
