//! JSON over UDP: one `/api/ingest`-shaped object per datagram, its frame conversion, clear errors for
//! everything else, and hostile input.

use proptest::prelude::*;
use racecraft_capture::json::{self, ApiPoint, BRAKE_PRESSURE_FULL_BAR, Error, JsonNormalizer, MetaTime};
use racecraft_core::{Channel, Frame};

fn approx(a: Option<f32>, b: f32) -> bool {
    a.is_some_and(|a| (a - b).abs() <= 1e-4 * b.abs().max(1.0))
}

const FULL: &str = r#"{"meta_time": 12.5, "track": "Spa", "chassis": "GT3", "lap": 3, "lapdist_m": 1234.5,
    "speed_kmh": 180.0, "accx_can": -0.8, "accy_can": 1.2, "Steering_Angle": 90.0, "pbrake_f": 50.0,
    "aps": 40.0, "rpm": 7200, "gear": 4, "session_id": 9, "extra_field": [1, 2]}"#;

#[test]
fn decodes_every_field() {
    let p = json::decode(FULL.as_bytes()).expect("one object");
    assert_eq!(p.meta_time, Some(MetaTime::Seconds(12.5)));
    assert_eq!((p.track.as_deref(), p.chassis.as_deref()), (Some("Spa"), Some("GT3")));
    assert_eq!((p.lap, p.lapdist_m, p.speed_kmh), (Some(3), Some(1234.5), Some(180.0)));
    assert_eq!((p.accx_can, p.accy_can, p.steering_angle_deg), (Some(-0.8), Some(1.2), Some(90.0)));
    assert_eq!(
        (p.pbrake_f, p.aps, p.rpm, p.gear, p.session_id),
        (Some(50.0), Some(40.0), Some(7200.0), Some(4), Some(9))
    );
    assert_eq!((p.brake, p.throttle), (None, None));
}

#[test]
fn converts_to_si() {
    let f = json::decode(FULL.as_bytes()).expect("decodes").to_frame(7);
    assert_eq!(f.t_us, 7);
    assert!(approx(f.get(Channel::Speed), 50.0), "180 km/h");
    assert!(approx(f.get(Channel::Steer), std::f32::consts::FRAC_PI_2), "90° in rad");
    assert!(approx(f.get(Channel::Brake), 50.0 / BRAKE_PRESSURE_FULL_BAR));
    assert!(approx(f.get(Channel::Throttle), 0.4), "aps percent");
    assert_eq!((f.get(Channel::AccLong), f.get(Channel::AccLat)), (Some(-0.8), Some(1.2)));
    assert_eq!((f.lap(), f.get(Channel::LapDist), f.gear()), (Some(3), Some(1234.5), Some(4)));
    assert_eq!(f.get(Channel::Rpm), Some(7200.0));
    assert_eq!(f.len(), 10);
}

#[test]
fn pedals_prefer_0_to_1_and_clamp_the_derived_ones() {
    let p = json::decode(br#"{"brake": 0.3, "pbrake_f": 80, "throttle": 0.6, "aps": 10}"#).expect("decodes");
    let f = p.to_frame(0);
    assert_eq!((f.get(Channel::Brake), f.get(Channel::Throttle)), (Some(0.3), Some(0.6)));
    let f = json::decode(br#"{"pbrake_f": 250, "aps": 130}"#).expect("decodes").to_frame(0);
    assert_eq!((f.get(Channel::Brake), f.get(Channel::Throttle)), (Some(1.0), Some(1.0)));
}

#[test]
fn empty_object_is_an_empty_frame() {
    let f = json::decode(b"  {}\n").expect("decodes").to_frame(0);
    assert!(f.is_empty());
}

#[test]
fn clear_errors() {
    assert_eq!(json::decode(b""), Err(Error::Empty));
    assert_eq!(json::decode(b" \n\t"), Err(Error::Empty));
    let e = json::decode(br#"[{"lap": 1}, {"lap": 2}]"#).expect_err("array");
    assert_eq!(e, Error::NotAnObject { found: "an array" });
    assert_eq!(e.to_string(), "expected one JSON object per datagram, got an array");
    assert_eq!(json::decode(b"[1,"), Err(Error::NotAnObject { found: "an array" }));
    assert_eq!(json::decode(b"42"), Err(Error::NotAnObject { found: "a number" }));
    assert_eq!(json::decode(br#""hi""#), Err(Error::NotAnObject { found: "a string" }));
    assert_eq!(json::decode(b"null"), Err(Error::NotAnObject { found: "null" }));
    assert_eq!(json::decode(b"true"), Err(Error::NotAnObject { found: "a boolean" }));
    assert!(matches!(json::decode(b"lap=3"), Err(Error::Malformed(_))));
    assert!(matches!(json::decode(br#"{"lap": 3"#), Err(Error::Malformed(_))));
    assert!(matches!(json::decode(br#"{"lap": 3} {"lap": 4}"#), Err(Error::Malformed(_))), "two objects");
    assert!(matches!(json::decode(&[0xFF, 0xFE, b'{']), Err(Error::Malformed(_))));
    let e = json::decode(br#"{"speed_kmh": "fast"}"#).expect_err("wrong type");
    assert!(matches!(&e, Error::Invalid(m) if m.contains("invalid type: string \"fast\"")), "{e}");
    assert!(matches!(json::decode(br#"{"lap": -1}"#), Err(Error::Invalid(_))));
    assert!(matches!(json::decode(br#"{"gear": 2.5}"#), Err(Error::Invalid(_))));
    let crate_error = racecraft_capture::Error::from(Error::Empty);
    assert_eq!(crate_error.to_string(), "empty datagram: expected one JSON object");
}

#[test]
fn meta_time_as_seconds_text_or_rfc3339() {
    let p = |s: &str| json::decode(s.as_bytes()).expect("decodes").meta_time_s();
    assert_eq!(p(r#"{"meta_time": 3.25}"#), Ok(Some(3.25)));
    assert_eq!(p(r#"{"meta_time": "3.25"}"#), Ok(Some(3.25)));
    assert_eq!(p(r#"{"meta_time": "1970-01-01T00:01:00.250Z"}"#), Ok(Some(60.25)));
    assert_eq!(p(r#"{}"#), Ok(None));
    assert_eq!(p(r#"{"meta_time": "yesterday"}"#), Err(Error::MetaTime("yesterday".into())));
    assert_eq!(json::parse_time_s("NaN"), None);
}

#[test]
fn normalizer_counts_meta_time_from_the_first_point() {
    let mut n = JsonNormalizer::new();
    assert_eq!(n.push_datagram(br#"{"meta_time": 100.0, "rpm": 1}"#, 999).map(|f| f.t_us), Ok(0));
    assert_eq!(n.push_datagram(br#"{"meta_time": 100.5}"#, 999).map(|f| f.t_us), Ok(500_000));
    assert_eq!(n.push_datagram(br#"{"rpm": 2}"#, 1_234).map(|f| f.t_us), Ok(1_234), "no meta_time: arrival");
    assert!(matches!(n.push_datagram(b"[]", 0), Err(Error::NotAnObject { .. })));
    assert_eq!(n.push_datagram(br#"{"meta_time": "x"}"#, 0), Err(Error::MetaTime("x".into())));
}

#[test]
fn frame_round_trip() {
    let frame = Frame::new(0)
        .with(Channel::Speed, 25.0)
        .with(Channel::Rpm, 5000.0)
        .with(Channel::Gear, -1.0)
        .with(Channel::Throttle, 0.25)
        .with(Channel::Brake, 0.5)
        .with(Channel::Steer, -0.3)
        .with(Channel::AccLat, 0.7)
        .with(Channel::AccLong, -1.1)
        .with(Channel::Lap, 5.0)
        .with(Channel::LapDist, 321.0);
    let point = ApiPoint::from_frame(&frame, Some(4.5));
    let bytes = point.encode();
    let back = json::decode(&bytes).expect("decodes");
    assert_eq!(back, point);
    let f = back.to_frame(0);
    for (c, v) in frame.iter() {
        assert!(approx(f.get(c), v), "{c:?}: {v} → {:?}", f.get(c));
    }
    assert_eq!(f.len(), frame.len());
    assert_eq!(std::str::from_utf8(&ApiPoint::default().encode()), Ok("{}"));
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 256,
        rng_seed: proptest::test_runner::RngSeed::Fixed(17),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        if let Ok(p) = json::decode(&bytes) {
            let _ = p.to_frame(0);
            let _ = p.meta_time_s();
        }
    }

    /// Truncating a valid datagram anywhere gives an error or (never here) a point, never a panic.
    #[test]
    fn truncated_datagrams_are_errors(cut in 0usize..FULL.len()) {
        prop_assert!(json::decode(&FULL.as_bytes()[..cut]).is_err());
    }

    #[test]
    fn points_round_trip(
        speed in proptest::option::of(-10f32..400.0),
        lap in proptest::option::of(any::<u32>()),
        gear in proptest::option::of(-1i32..9),
        t in proptest::option::of(-1e9f64..1e9),
    ) {
        let p = ApiPoint { speed_kmh: speed, lap, gear, meta_time: t.map(MetaTime::Seconds), ..ApiPoint::default() };
        let back = json::decode(&p.encode()).expect("decodes");
        // serde_json's default float parser may be off by an ulp of an f64 (well under a microsecond here).
        let (t0, t1) = (p.meta_time_s().expect("finite"), back.meta_time_s().expect("finite"));
        prop_assert!(t0.zip(t1).is_none_or(|(a, b)| (a - b).abs() < 1e-6) && t0.is_some() == t1.is_some());
        prop_assert_eq!(ApiPoint { meta_time: None, ..back }, ApiPoint { meta_time: None, ..p });
    }
}
