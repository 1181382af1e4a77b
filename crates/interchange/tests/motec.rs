//! MoTeC `.ld` / `.ldx`: MoTeC's Sample1.ld as the golden input, the independent `motec-i2` crate as the oracle
//! for what we write, and robustness against truncated, flipped and random bytes.
#![allow(clippy::unwrap_used)]

use std::io::Cursor;

use proptest::prelude::*;
use racecraft_core::{Channel, Frame};
use racecraft_interchange::motec::{
    DataType, Error, LapMarker, LdChannel, LdFile, LdMeta, LdxDetails, encode_ld, frames_to_ld_channels, ldx_string,
    write_ld, write_ld_file, write_ldx,
};

const SAMPLE1: &[u8] = include_bytes!("data/motec/Sample1.ld");

fn close(a: &[f64], b: &[f64]) {
    assert_eq!(a.len(), b.len(), "{a:?} vs {b:?}");
    for (x, y) in a.iter().zip(b) {
        assert!((x - y).abs() < 1e-9, "{a:?} vs {b:?}");
    }
}

#[test]
fn sample1_header_and_event() {
    assert_eq!(SAMPLE1.len(), 1_207_996);
    let ld = LdFile::read(SAMPLE1).unwrap();
    let h = &ld.header;
    assert_eq!(h.marker, 0x40);
    assert_eq!(h.channel_meta_ptr, 13384);
    assert_eq!(h.channel_data_ptr, 23056);
    assert_eq!(h.event_ptr, 1762);
    assert_eq!(h.device_serial, 12007);
    assert_eq!(h.device_type, "ADL");
    assert_eq!(h.device_version, 420);
    assert_eq!(h.num_channels, 78);
    assert_eq!(h.date, "23/11/2005");
    assert_eq!(h.time, "09:53:00");
    assert_eq!(h.driver, "");
    assert_eq!(h.vehicle_id, "11A");
    assert_eq!(h.venue, "Calder");
    assert_eq!(h.short_comment, "second warmup");
    assert_eq!(h.session, "2");
    let e = ld.event.as_ref().unwrap();
    assert_eq!(e.name, "i2 data day");
    assert_eq!(e.session, "2");
    assert_eq!(e.comment, "Calder Park, 23/11/05, fine sunny day");
    assert_eq!(e.venue_ptr, 0x1336);
}

#[test]
fn sample1_channels() {
    let ld = LdFile::read(SAMPLE1).unwrap();
    assert_eq!(ld.channels.len(), 78);
    assert!(ld.channels.iter().all(|c| c.data_type == DataType::I16));
    let expect = [
        ("Ground Speed", "km/h", 10, 4540, [34.3, 34.8, 35.2]),
        ("Engine RPM", "rpm", 10, 4540, [1650.0, 1626.0, 1656.0]),
        ("G Force Lat", "G", 20, 9080, [0.09, 0.08, 0.04]),
        ("Air Temp Inlet", "C", 2, 908, [19.9, 19.9, 20.1]),
    ];
    for (name, unit, rate, count, first) in expect {
        let ch = ld.channel(name).unwrap();
        assert_eq!((ch.unit.as_str(), ch.rate_hz, ch.count), (unit, rate, count), "{name}");
        let values = ld.channel_values(ch).unwrap();
        assert_eq!(values.len(), count as usize);
        close(&values[..3], &first);
    }
    let rpm = ld.channel("Engine RPM").unwrap();
    assert_eq!((rpm.mul, rpm.scale, rpm.dec_places), (6, 10, -1));
    assert_eq!(ld.channel("Ground Speed").unwrap().dec_places, 1);
    assert_eq!(ld.channel("G Force Lat").unwrap().dec_places, 2);

    // List links are consistent and the last channel's data ends exactly at end of file.
    for w in ld.channels.windows(2) {
        assert_eq!(w[0].next_ptr, w[1].offset);
        assert_eq!(w[1].prev_ptr, w[0].offset);
    }
    let last = ld.channels.last().unwrap();
    assert_eq!(last.name, "Steered Angle");
    assert_eq!(u64::from(last.data_ptr) + last.data_len().unwrap(), SAMPLE1.len() as u64);
    for ch in &ld.channels {
        assert_eq!(ld.channel_values(ch).unwrap().len(), ch.count as usize);
    }
}

#[test]
fn sample1_agrees_with_motec_i2() {
    let ld = LdFile::read(SAMPLE1).unwrap();
    let mut cur = Cursor::new(SAMPLE1.to_vec());
    let mut r = motec_i2::LDReader::new(&mut cur);
    let theirs = r.read_channels().unwrap();
    assert_eq!(theirs.len(), ld.channels.len());
    for (ours, them) in ld.channels.iter().zip(&theirs) {
        assert_eq!(ours.name, them.name);
        assert_eq!(ours.short_name, them.short_name);
        assert_eq!(ours.unit, them.unit);
        assert_eq!(ours.rate_hz, them.sample_rate);
        let expected: Vec<f64> = r.channel_data(them).unwrap().iter().map(|s| s.decode_f64(them)).collect();
        close(&ld.channel_values(ours).unwrap(), &expected);
    }
}

fn meta() -> LdMeta {
    LdMeta {
        driver: "A. Driver".into(),
        vehicle: "GT3 #7".into(),
        venue: "Spa".into(),
        event: "Racecraft test".into(),
        session: "Practice 1".into(),
        comment: "round trip".into(),
        date: "22/11/2026".into(),
        time: "05:53:00".into(),
    }
}

fn sample_channels() -> Vec<LdChannel> {
    vec![
        LdChannel {
            name: "Ground Speed".into(),
            short_name: "Gnd Spd".into(),
            unit: "km/h".into(),
            rate_hz: 20,
            values: (0..200).map(|i| i as f32 * 0.7).collect(),
        },
        LdChannel {
            name: "Engine RPM".into(),
            short_name: "RPM".into(),
            unit: "rpm".into(),
            rate_hz: 10,
            values: (0..100).map(|i| 3000.0 + i as f32 * 12.5).collect(),
        },
        LdChannel { name: "Empty".into(), short_name: "E".into(), unit: "".into(), rate_hz: 1, values: vec![] },
    ]
}

#[test]
fn written_file_reads_in_motec_i2() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("out.ld");
    let channels = sample_channels();
    write_ld_file(&path, &meta(), &channels).unwrap();
    let bytes = std::fs::read(&path).unwrap();

    let mut cur = Cursor::new(bytes.clone());
    let mut r = motec_i2::LDReader::new(&mut cur);
    let h = r.read_header().unwrap();
    assert_eq!(h.driver, "A. Driver");
    assert_eq!(h.vehicleid, "GT3 #7");
    assert_eq!(h.venue, "Spa");
    assert_eq!(h.session, "Practice 1");
    assert_eq!(h.short_comment, "round trip");
    assert_eq!(h.date_string, "22/11/2026");
    assert_eq!(h.time_string, "05:53:00");
    assert_eq!(h.num_channels, 3);
    assert_eq!(h.event_ptr, 1762);
    let ev = r.read_event().unwrap().unwrap();
    assert_eq!((ev.name.as_str(), ev.session.as_str()), ("Racecraft test", "Practice 1"));
    assert_eq!(r.read_venue().unwrap().unwrap().name, "Spa");
    assert_eq!(r.read_vehicle().unwrap().unwrap().id, "GT3 #7");

    let theirs = r.read_channels().unwrap();
    assert_eq!(theirs.len(), channels.len());
    for (them, ours) in theirs.iter().zip(&channels) {
        assert_eq!(them.name, ours.name);
        assert_eq!(them.short_name, ours.short_name);
        assert_eq!(them.unit, ours.unit);
        assert_eq!(them.sample_rate, ours.rate_hz);
        assert_eq!(them.data_count as usize, ours.values.len());
        assert_eq!(them.datatype, motec_i2::Datatype::F32);
        let got: Vec<f64> = r.channel_data(them).unwrap().iter().map(|s| s.decode_f64(them)).collect();
        let want: Vec<f64> = ours.values.iter().map(|&v| f64::from(v)).collect();
        close(&got, &want);
    }
    // Data is laid out like MoTeC's: the last channel with samples ends at end of file.
    let last = theirs.iter().rfind(|c| c.data_count > 0).unwrap();
    assert_eq!(last.data_addr as usize + last.data_count as usize * 4, bytes.len());
}

#[test]
fn written_file_reads_back_in_our_reader() {
    let mut bytes = Vec::new();
    let channels = sample_channels();
    write_ld(&mut bytes, &meta(), &channels).unwrap();
    let ld = LdFile::read(&bytes).unwrap();
    assert_eq!(ld.header.driver, "A. Driver");
    assert_eq!(ld.header.device_type, "ADL");
    assert_eq!(ld.event.as_ref().unwrap().comment, "round trip");
    assert_eq!(ld.channels.len(), 3);
    for (ch, want) in ld.channels.iter().zip(&channels) {
        assert_eq!(ch.data_type, DataType::F32);
        let got = ld.channel_values(ch).unwrap();
        assert_eq!(got, want.values.iter().map(|&v| f64::from(v)).collect::<Vec<_>>());
    }
}

#[test]
fn long_names_are_cut_to_their_fields() {
    let ch = LdChannel {
        name: "x".repeat(40),
        short_name: "abcdefghij".into(),
        unit: "u".repeat(20),
        rate_hz: 5,
        values: vec![1.0],
    };
    let bytes = encode_ld(&LdMeta { driver: "d".repeat(100), ..LdMeta::default() }, &[ch]).unwrap();
    let ld = LdFile::read(&bytes).unwrap();
    assert_eq!(ld.header.driver.len(), 63);
    let c = &ld.channels[0];
    assert_eq!((c.name.len(), c.short_name.as_str(), c.unit.len()), (31, "abcdefg", 11));
}

#[test]
fn zero_rate_is_refused() {
    let ch = LdChannel { name: "Bad".into(), rate_hz: 0, ..LdChannel::default() };
    assert!(matches!(encode_ld(&meta(), &[ch]), Err(Error::ZeroRate { .. })));
}

#[test]
fn frames_export_through_motec_i2() {
    let frames: Vec<Frame> = (0..50)
        .map(|i| {
            // Irregular spacing: 16 ms then 17 ms, as a 60 Hz game produces.
            let t_us = i64::from(i) * 16_500;
            let mut f = Frame::new(t_us)
                .with(Channel::Speed, 50.0)
                .with(Channel::Throttle, 0.25)
                .with(Channel::Steer, std::f32::consts::FRAC_PI_2)
                .with(Channel::Gear, 3.0)
                .with(Channel::AccLat, -1.5);
            if i >= 10 {
                f.set(Channel::LapDist, i as f32);
            }
            f
        })
        .collect();
    let chs = frames_to_ld_channels(&frames, 20).unwrap();
    let bytes = encode_ld(&meta(), &chs).unwrap();
    let mut cur = Cursor::new(bytes);
    let mut r = motec_i2::LDReader::new(&mut cur);
    let theirs = r.read_channels().unwrap();
    let get = |name: &str| theirs.iter().find(|c| c.name == name).unwrap().clone();
    let speed = get("Ground Speed");
    assert_eq!((speed.unit.as_str(), speed.sample_rate), ("km/h", 20));
    // 49 · 16.5 ms = 808.5 ms → samples at 0, 50, ..., 800 ms.
    assert_eq!(speed.data_count, 17);
    let values = |c: &motec_i2::ChannelMetadata, r: &mut motec_i2::LDReader<'_, Cursor<Vec<u8>>>| -> Vec<f64> {
        r.channel_data(c).unwrap().iter().map(|s| s.decode_f64(c)).collect()
    };
    assert!(values(&speed, &mut r).iter().all(|&v| (v - 180.0).abs() < 1e-4));
    let thr = get("Throttle Pos");
    assert_eq!(thr.unit, "%");
    assert!(values(&thr, &mut r).iter().all(|&v| (v - 25.0).abs() < 1e-4));
    let steer = get("Steering Angle");
    assert_eq!(steer.unit, "deg");
    assert!(values(&steer, &mut r).iter().all(|&v| (v - 90.0).abs() < 1e-4));
    assert_eq!(get("G Force Lat").unit, "G");
    assert_eq!(get("Gear").unit, "");
    let dist = values(&get("Lap Distance"), &mut r);
    // Absent before frame 10 (t = 165 ms): 0 at 0..150 ms, then the held value.
    assert_eq!(&dist[..4], &[0.0, 0.0, 0.0, 0.0]);
    assert_eq!(dist[4], 12.0); // 200 ms: latest frame is i = 12 (198 ms).
}

#[test]
fn open_missing_file_names_the_path() {
    let err = LdFile::open("/nonexistent/racecraft.ld").unwrap_err();
    assert!(err.to_string().ends_with("/nonexistent/racecraft.ld"), "{err}");
}

#[test]
fn bad_marker_and_short_files() {
    assert!(matches!(LdFile::read(&[]), Err(Error::TooShort { len: 0 })));
    let mut bytes = SAMPLE1[..4000].to_vec();
    bytes[0] = 0x41;
    assert!(matches!(LdFile::read(&bytes), Err(Error::BadMarker { found: 0x41 })));
}

#[test]
fn channel_list_cycle_is_refused() {
    let mut bytes = encode_ld(&meta(), &sample_channels()).unwrap();
    let first = u32::from_le_bytes(bytes[8..12].try_into().unwrap()) as usize;
    // Second block's next pointer back to the first block.
    let second = first + 124;
    bytes[second + 4..second + 8].copy_from_slice(&(first as u32).to_le_bytes());
    assert!(matches!(LdFile::read(&bytes), Err(Error::ChannelListCycle { .. })));
    // A block pointing to itself.
    bytes[first + 4..first + 8].copy_from_slice(&(first as u32).to_le_bytes());
    assert!(matches!(LdFile::read(&bytes), Err(Error::ChannelListCycle { .. })));
}

#[test]
fn unknown_type_is_refused_per_channel() {
    let mut bytes = encode_ld(&meta(), &sample_channels()).unwrap();
    let first = u32::from_le_bytes(bytes[8..12].try_into().unwrap()) as usize;
    bytes[first + 18..first + 20].copy_from_slice(&17536u16.to_le_bytes());
    bytes[first + 20..first + 22].copy_from_slice(&5u16.to_le_bytes());
    let ld = LdFile::read(&bytes).unwrap();
    assert_eq!(ld.channels[0].data_type, DataType::Unknown { class: 17536, size: 5 });
    let err = ld.channel_values(&ld.channels[0]).unwrap_err();
    assert!(matches!(err, Error::UnsupportedDataType { class: 17536, size: 5, .. }), "{err}");
    assert!(ld.channel_values(&ld.channels[1]).is_ok());
}

/// Reads `bytes` and every channel's values; must not panic. Returns whether the header and list parsed.
fn read_all(bytes: &[u8]) -> bool {
    match LdFile::read(bytes) {
        Ok(ld) => {
            for ch in &ld.channels {
                let _ = ld.channel_values(ch);
            }
            true
        }
        Err(_) => false,
    }
}

#[test]
fn every_truncation_of_a_small_file_is_an_error() {
    let bytes = encode_ld(&meta(), &sample_channels()).unwrap();
    for len in 0..bytes.len() {
        assert!(!read_all(&bytes[..len]), "truncated to {len} bytes was accepted");
    }
    assert!(read_all(&bytes));
}

#[test]
fn sampled_truncations_of_sample1_are_errors() {
    let mut rng = 0x9E37_79B9_7F4A_7C15u64;
    let mut lens: Vec<usize> = vec![0, 1, 4, 1761, 1762, 13384, 13384 + 123, 23056, SAMPLE1.len() - 1];
    for _ in 0..200 {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        lens.push((rng % SAMPLE1.len() as u64) as usize);
    }
    for len in lens {
        assert!(!read_all(&SAMPLE1[..len]), "truncated to {len} bytes was accepted");
    }
}

#[test]
fn bit_flips_never_panic() {
    let small = encode_ld(&meta(), &sample_channels()).unwrap();
    for bit in 0..small.len() * 8 {
        let mut b = small.clone();
        b[bit / 8] ^= 1 << (bit % 8);
        read_all(&b);
    }
    // Sample1: every bit of the channel pointers and list links of the header and the first blocks, then a
    // sample of bits across the header and the channel list (data bits cannot fail). Reading Sample1 fully is
    // tens of milliseconds in a debug build, so this stays a sample.
    let mut b = SAMPLE1.to_vec();
    let mut bits: Vec<usize> = (8 * 8..16 * 8).chain(13384 * 8..(13384 + 16) * 8).collect();
    let mut rng = 0x2545_F491_4F6C_DD1Du64;
    for _ in 0..100 {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        bits.push((rng % (23056 * 8)) as usize);
    }
    for bit in bits {
        let byte = bit / 8;
        b[byte] ^= 1 << (bit % 8);
        // Decoding all of Sample1 is slow in a debug build: decode only the channel whose block changed, or
        // every channel when the pointer to the channel list changed.
        if let Ok(ld) = LdFile::read(&b) {
            for ch in &ld.channels {
                if (8..12).contains(&byte) || (ch.offset as usize..ch.offset as usize + 124).contains(&byte) {
                    let _ = ld.channel_values(ch);
                }
            }
        }
        b[byte] ^= 1 << (bit % 8);
    }
}

fn arb_channel() -> impl Strategy<Value = LdChannel> {
    (
        "[ -~]{0,40}",
        "[A-Za-z]{0,7}",
        "[A-Za-z/%]{0,11}",
        1u16..=1000,
        prop::collection::vec(any::<f32>().prop_filter("finite", |v| v.is_finite()), 0..64),
    )
        .prop_map(|(name, short_name, unit, rate_hz, values)| LdChannel {
            name,
            short_name,
            unit,
            rate_hz,
            values,
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn round_trip(channels in prop::collection::vec(arb_channel(), 0..8), driver in "[ -~]{0,63}") {
        let m = LdMeta { driver: driver.clone(), ..meta() };
        let bytes = encode_ld(&m, &channels).unwrap();
        let ld = LdFile::read(&bytes).unwrap();
        prop_assert_eq!(&ld.header.driver, &driver);
        prop_assert_eq!(ld.channels.len(), channels.len());
        for (got, want) in ld.channels.iter().zip(&channels) {
            let name: String = want.name.chars().take(31).collect();
            prop_assert_eq!(&got.name, &name);
            prop_assert_eq!(&got.short_name, &want.short_name);
            prop_assert_eq!(&got.unit, &want.unit);
            prop_assert_eq!(got.rate_hz, want.rate_hz);
            let values = ld.channel_values(got).unwrap();
            prop_assert_eq!(values, want.values.iter().map(|&v| f64::from(v)).collect::<Vec<_>>());
        }
    }

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..4096)) {
        read_all(&bytes);
    }

    #[test]
    fn random_bytes_behind_a_valid_header_never_panic(tail in prop::collection::vec(any::<u8>(), 0..4096)) {
        let mut bytes = SAMPLE1[..1762].to_vec();
        bytes.extend(tail);
        read_all(&bytes);
    }
}

#[test]
fn ldx_golden_structure() {
    let laps = [LapMarker { end_time_s: 95.5 }, LapMarker { end_time_s: 183.25 }, LapMarker { end_time_s: 271.0 }];
    let details = LdxDetails { total_laps: 3, fastest: Some((2, 87.75)) };
    let x = ldx_string(&laps, &details);
    assert!(x.starts_with(
        "<?xml version=\"1.0\"?>\n<LDXFile Locale=\"English_United States.1252\" DefaultLocale=\"C\" Version=\"1.6\">"
    ));
    assert!(x.contains("<MarkerGroup Name=\"Beacons\" Index=\"3\">"));
    let times: Vec<&str> = x
        .match_indices("ClassName=\"BCN\"")
        .map(|(i, _)| {
            let rest = &x[i..];
            let start = rest.find("Time=\"").unwrap() + 6;
            let end = start + rest[start..].find('"').unwrap();
            &rest[start..end]
        })
        .collect();
    assert_eq!(times, ["95500000.00", "183250000.00", "271000000.00"]);
    assert!(x.contains("Name=\"Manual.1\"") && x.contains("Name=\"Manual.3\""));
    assert!(x.contains("<String Id=\"Total Laps\" Value=\"3\"/>"));
    assert!(x.contains("<String Id=\"Fastest Time\" Value=\"1:27.750\"/>"));
    assert!(x.contains("<String Id=\"Fastest Lap\" Value=\"2\"/>"));
    assert!(x.trim_end().ends_with("</LDXFile>"));
    // Balanced elements.
    for tag in ["LDXFile", "Layers", "Layer", "MarkerBlock", "MarkerGroup", "Details"] {
        assert_eq!(x.matches(&format!("<{tag}>")).count() + x.matches(&format!("<{tag} ")).count(), 1, "{tag}");
        assert_eq!(x.matches(&format!("</{tag}>")).count(), 1, "{tag}");
    }

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("out.ldx");
    write_ldx(&path, &laps, &details).unwrap();
    assert_eq!(std::fs::read_to_string(&path).unwrap(), x);
}

#[test]
fn ldx_without_laps() {
    let x = ldx_string(&[], &LdxDetails::default());
    assert_eq!(x.matches("<Marker ").count(), 0);
    assert!(x.contains("<String Id=\"Total Laps\" Value=\"0\"/>"));
    assert!(!x.contains("Fastest"));
}

#[test]
fn written_header_golden_bytes() {
    let bytes = encode_ld(&meta(), &sample_channels()).unwrap();
    let u32_at = |b: &[u8], o: usize| u32::from_le_bytes(b[o..o + 4].try_into().unwrap());
    // Fixed layout: header, event (1154), venue (1100), vehicle (260), three 124-byte channel blocks, data.
    assert_eq!(u32_at(&bytes, 0), 0x40);
    assert_eq!(u32_at(&bytes, 8), 1762 + 1154 + 1100 + 260);
    assert_eq!(u32_at(&bytes, 12), 4276 + 3 * 124);
    assert_eq!(u32_at(&bytes, 36), 1762);
    assert_eq!(u32_at(&bytes, 86), 3);
    assert_eq!(bytes.len(), 4276 + 3 * 124 + (200 + 100) * 4);
    // The words whose meaning is unknown are copied from MoTeC's own Sample1.ld.
    assert_eq!(bytes[64..86], SAMPLE1[64..86]);
    assert_eq!(bytes[1502..1506], SAMPLE1[1502..1506]);
    // Event → venue → vehicle 16-bit pointers.
    assert_eq!(bytes[1762 + 1152..1762 + 1154], 2916u16.to_le_bytes());
    assert_eq!(bytes[2916 + 1098..2916 + 1100], 4016u16.to_le_bytes());
    // First channel block: prev 0, next = second block, float32 at 20 Hz, shift 0, mul 1, scale 1, dec 0.
    let c = &bytes[4276..4276 + 124];
    assert_eq!(u32_at(c, 0), 0);
    assert_eq!(u32_at(c, 4), 4276 + 124);
    assert_eq!(u32_at(c, 8), 4276 + 3 * 124);
    assert_eq!(u32_at(c, 12), 200);
    assert_eq!(c[18..32], [7, 0, 4, 0, 20, 0, 0, 0, 1, 0, 1, 0, 0, 0]);
    assert_eq!(&c[32..45], b"Ground Speed\0");
}
