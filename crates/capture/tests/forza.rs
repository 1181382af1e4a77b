//! Forza Data Out: offsets checked against protocols.md §4.1 by writing values at the documented offsets with
//! plain byte writes (never through the crate's encoder), round trips, normalization, and hostile input.
//! There is no public Forza capture (only Git LFS pointers), so the golden packets are built here by hand.

use proptest::prelude::*;
use racecraft_capture::forza::{
    self, DASH_SIZE, Dash, Error, FM7_DASH_SIZE, FM2023_DASH_SIZE, Format, ForzaNormalizer, HORIZON_DASH_SIZE, Packet,
    SIZES, SLED_SIZE, Sled,
};
use racecraft_core::{Channel, Frame};

fn put_i32(b: &mut [u8], off: usize, v: i32) {
    b[off..off + 4].copy_from_slice(&v.to_le_bytes());
}

fn put_u32(b: &mut [u8], off: usize, v: u32) {
    b[off..off + 4].copy_from_slice(&v.to_le_bytes());
}

fn put_f32(b: &mut [u8], off: usize, v: f32) {
    b[off..off + 4].copy_from_slice(&v.to_le_bytes());
}

fn put_f32s(b: &mut [u8], off: usize, vs: [f32; 4]) {
    for (i, v) in vs.iter().enumerate() {
        put_f32(b, off + 4 * i, *v);
    }
}

fn approx(a: Option<f32>, b: f32) -> bool {
    a.is_some_and(|a| (a - b).abs() <= 1e-4 * b.abs().max(1.0))
}

/// A datagram of `len` bytes with a distinct value in every documented field (protocols.md §4.1 offsets).
fn golden(len: usize) -> Vec<u8> {
    let mut b = vec![0; len];
    // Sled, 0..232.
    put_i32(&mut b, 0, 1); // IsRaceOn
    put_u32(&mut b, 4, 123_456); // TimestampMS
    put_f32(&mut b, 8, 8000.0); // EngineMaxRpm
    put_f32(&mut b, 12, 900.0); // EngineIdleRpm
    put_f32(&mut b, 16, 6500.0); // CurrentEngineRpm
    put_f32(&mut b, 20, -4.903_325); // AccelerationX (right): 0.5 g to the left
    put_f32(&mut b, 24, 9.806_65); // AccelerationY (up)
    put_f32(&mut b, 28, 19.6133); // AccelerationZ (forward): 2 g
    put_f32(&mut b, 32, 3.0); // VelocityX
    put_f32(&mut b, 36, 0.0); // VelocityY
    put_f32(&mut b, 40, 4.0); // VelocityZ
    put_f32(&mut b, 44, 0.11); // AngularVelocityX
    put_f32(&mut b, 48, 0.12); // AngularVelocityY
    put_f32(&mut b, 52, 0.13); // AngularVelocityZ
    put_f32(&mut b, 56, 1.5); // Yaw
    put_f32(&mut b, 60, 0.02); // Pitch
    put_f32(&mut b, 64, -0.03); // Roll
    put_f32s(&mut b, 68, [0.1, 0.2, 0.3, 0.4]); // NormalizedSuspensionTravel
    put_f32s(&mut b, 84, [0.5, 0.6, 0.7, 0.8]); // TireSlipRatio
    put_f32s(&mut b, 100, [10.0, 11.0, 12.0, 13.0]); // WheelRotationSpeed
    for (i, v) in [1, 0, 1, 0].into_iter().enumerate() {
        put_i32(&mut b, 116 + 4 * i, v); // WheelOnRumbleStrip
    }
    put_f32s(&mut b, 132, [0.01, 0.02, 0.03, 0.04]); // WheelInPuddleDepth
    put_f32s(&mut b, 148, [1.1, 1.2, 1.3, 1.4]); // SurfaceRumble
    put_f32s(&mut b, 164, [2.1, 2.2, 2.3, 2.4]); // TireSlipAngle
    put_f32s(&mut b, 180, [3.1, 3.2, 3.3, 3.4]); // TireCombinedSlip
    put_f32s(&mut b, 196, [0.051, 0.052, 0.053, 0.054]); // SuspensionTravelMeters
    put_i32(&mut b, 212, 2345); // CarOrdinal
    put_i32(&mut b, 216, 5); // CarClass
    put_i32(&mut b, 220, 801); // CarPerformanceIndex
    put_i32(&mut b, 224, 1); // DrivetrainType
    put_i32(&mut b, 228, 8); // NumCylinders
    if len == SLED_SIZE {
        return b;
    }
    let base = if len == HORIZON_DASH_SIZE { 244 } else { 232 };
    if len == HORIZON_DASH_SIZE {
        for (i, byte) in b[232..244].iter_mut().enumerate() {
            *byte = 0xA0 + i as u8; // undocumented
        }
        b[323] = 0x5A; // trailing byte
    }
    // Dash, documented at 232.. for FM7; `d` rebases an FM7 offset.
    let d = |off: usize| off - 232 + base;
    put_f32(&mut b, d(232), 100.0); // PositionX
    put_f32(&mut b, d(236), 5.0); // PositionY (up)
    put_f32(&mut b, d(240), -200.0); // PositionZ
    put_f32(&mut b, d(244), 55.5); // Speed
    put_f32(&mut b, d(248), 250_000.0); // Power
    put_f32(&mut b, d(252), 400.0); // Torque
    put_f32s(&mut b, d(256), [212.0, 194.0, 176.0, 158.0]); // TireTemp FL FR RL RR, °F
    put_f32(&mut b, d(272), 1.2); // Boost
    put_f32(&mut b, d(276), 0.75); // Fuel
    put_f32(&mut b, d(280), 12_345.0); // DistanceTraveled
    put_f32(&mut b, d(284), 90.5); // BestLap
    put_f32(&mut b, d(288), 91.25); // LastLap
    put_f32(&mut b, d(292), 30.125); // CurrentLap
    put_f32(&mut b, d(296), 600.0); // CurrentRaceTime
    b[d(300)..d(302)].copy_from_slice(&3u16.to_le_bytes()); // LapNumber
    b[d(302)] = 4; // RacePosition
    b[d(303)] = 255; // Accel
    b[d(304)] = 51; // Brake
    b[d(305)] = 102; // Clutch
    b[d(306)] = 7; // HandBrake
    b[d(307)] = 3; // Gear
    b[d(308)] = (-64i8) as u8; // Steer
    b[d(309)] = 9; // NormalizedDrivingLine
    b[d(310)] = (-10i8) as u8; // NormalizedAIBrakeDifference
    if len == FM2023_DASH_SIZE {
        put_f32s(&mut b, 311, [0.91, 0.92, 0.93, 0.94]); // TireWear
        put_i32(&mut b, 327, 860); // TrackOrdinal
    }
    b
}

fn check_sled(s: &Sled) {
    assert_eq!((s.is_race_on, s.timestamp_ms), (1, 123_456));
    assert_eq!((s.engine_max_rpm, s.engine_idle_rpm, s.current_engine_rpm), (8000.0, 900.0, 6500.0));
    assert_eq!((s.acceleration_x, s.acceleration_y, s.acceleration_z), (-4.903_325, 9.806_65, 19.6133));
    assert_eq!((s.velocity_x, s.velocity_y, s.velocity_z), (3.0, 0.0, 4.0));
    assert_eq!((s.angular_velocity_x, s.angular_velocity_y, s.angular_velocity_z), (0.11, 0.12, 0.13));
    assert_eq!((s.yaw, s.pitch, s.roll), (1.5, 0.02, -0.03));
    assert_eq!(s.normalized_suspension_travel, [0.1, 0.2, 0.3, 0.4]);
    assert_eq!(s.tire_slip_ratio, [0.5, 0.6, 0.7, 0.8]);
    assert_eq!(s.wheel_rotation_speed, [10.0, 11.0, 12.0, 13.0]);
    assert_eq!(s.wheel_on_rumble_strip, [1, 0, 1, 0]);
    assert_eq!(s.wheel_in_puddle_depth, [0.01, 0.02, 0.03, 0.04]);
    assert_eq!(s.surface_rumble, [1.1, 1.2, 1.3, 1.4]);
    assert_eq!(s.tire_slip_angle, [2.1, 2.2, 2.3, 2.4]);
    assert_eq!(s.tire_combined_slip, [3.1, 3.2, 3.3, 3.4]);
    assert_eq!(s.suspension_travel_meters, [0.051, 0.052, 0.053, 0.054]);
    assert_eq!(
        (s.car_ordinal, s.car_class, s.car_performance_index, s.drivetrain_type, s.num_cylinders),
        (2345, 5, 801, 1, 8)
    );
}

fn check_dash(d: &Dash) {
    assert_eq!((d.position_x, d.position_y, d.position_z), (100.0, 5.0, -200.0));
    assert_eq!((d.speed, d.power, d.torque), (55.5, 250_000.0, 400.0));
    assert_eq!(d.tire_temp, [212.0, 194.0, 176.0, 158.0]);
    assert_eq!((d.boost, d.fuel, d.distance_traveled), (1.2, 0.75, 12_345.0));
    assert_eq!((d.best_lap, d.last_lap, d.current_lap, d.current_race_time), (90.5, 91.25, 30.125, 600.0));
    assert_eq!((d.lap_number, d.race_position), (3, 4));
    assert_eq!((d.accel, d.brake, d.clutch, d.hand_brake, d.gear), (255, 51, 102, 7, 3));
    assert_eq!((d.steer, d.normalized_driving_line, d.normalized_ai_brake_difference), (-64, 9, -10));
}

#[test]
fn sizes_are_the_documented_ones() {
    assert_eq!(SIZES, [232, 311, 324, 331]);
    assert_eq!(DASH_SIZE, 79);
    assert_eq!(FM7_DASH_SIZE, 232 + DASH_SIZE);
    assert_eq!(HORIZON_DASH_SIZE, 232 + 12 + DASH_SIZE + 1);
    assert_eq!(FM2023_DASH_SIZE, FM7_DASH_SIZE + 20);
    for format in [Format::Sled, Format::Fm7Dash, Format::HorizonDash, Format::Fm2023Dash] {
        assert_eq!(Format::from_len(format.size()), Some(format));
        let p = Packet::new(format, Sled::default(), Dash::default());
        assert_eq!(p.encode().len(), format.size(), "{format:?}");
    }
}

#[test]
fn golden_sled() {
    let p = forza::decode(&golden(SLED_SIZE)).expect("232 bytes");
    assert_eq!(p.format(), Format::Sled);
    check_sled(p.sled());
    assert!(p.dash().is_none());
}

#[test]
fn golden_fm7_dash() {
    let p = forza::decode(&golden(FM7_DASH_SIZE)).expect("311 bytes");
    assert_eq!(p.format(), Format::Fm7Dash);
    check_sled(p.sled());
    check_dash(p.dash().expect("dash"));
}

#[test]
fn golden_horizon_dash_is_shifted_by_12() {
    let bytes = golden(HORIZON_DASH_SIZE);
    let p = forza::decode(&bytes).expect("324 bytes");
    check_sled(p.sled());
    check_dash(p.dash().expect("dash"));
    let Packet::HorizonDash { horizon, .. } = &p else { panic!("expected Horizon, got {p:?}") };
    assert_eq!(horizon.undocumented, std::array::from_fn(|i| 0xA0 + i as u8));
    assert_eq!(horizon.trailing, 0x5A);
    // The offsets the protocol names for FH4/FH5: Speed 256, LapNumber 312, Gear 319, Steer 320.
    assert_eq!(f32::from_le_bytes(bytes[256..260].try_into().expect("4")), 55.5);
    assert_eq!(u16::from_le_bytes([bytes[312], bytes[313]]), 3);
    assert_eq!((bytes[319], bytes[320] as i8), (3, -64));
}

#[test]
fn golden_fm2023_dash() {
    let p = forza::decode(&golden(FM2023_DASH_SIZE)).expect("331 bytes");
    check_sled(p.sled());
    check_dash(p.dash().expect("dash"));
    let Packet::Fm2023Dash { extra, .. } = &p else { panic!("expected FM 2023, got {p:?}") };
    assert_eq!(extra.tire_wear, [0.91, 0.92, 0.93, 0.94]);
    assert_eq!(extra.track_ordinal, 860);
}

#[test]
fn encoder_writes_every_field_at_its_documented_offset() {
    for len in SIZES {
        let bytes = golden(len);
        let p = forza::decode(&bytes).expect("golden decodes");
        assert_eq!(p.encode(), bytes, "{len}-byte packet re-encodes byte for byte");
    }
}

#[test]
fn other_lengths_are_refused() {
    for len in [0, 1, 231, 233, 310, 312, 323, 325, 330, 332, 1500] {
        assert_eq!(forza::decode(&vec![0; len]), Err(Error::Length { got: len }));
    }
    let e = racecraft_capture::Error::from(Error::Length { got: 300 });
    assert_eq!(e.to_string(), "Forza datagram: expected one of [232, 311, 324, 331] bytes, got 300");
}

#[test]
fn race_off_packets_decode_but_make_no_frame() {
    for len in SIZES {
        let mut bytes = golden(len);
        put_i32(&mut bytes, 0, 0);
        let p = forza::decode(&bytes).expect("decodes");
        assert!(!p.sled().race_on());
        assert_eq!(p.to_frame(0), None);
        assert_eq!(ForzaNormalizer::new().push(&p), None);
    }
}

#[test]
fn dash_normalizes_to_si() {
    let p = forza::decode(&golden(FM7_DASH_SIZE)).expect("decodes");
    let f = p.to_frame(42).expect("race on");
    assert_eq!(f.t_us, 42);
    assert_eq!(f.get(Channel::Speed), Some(55.5));
    assert_eq!(f.get(Channel::Rpm), Some(6500.0));
    assert_eq!(f.get(Channel::Throttle), Some(1.0));
    assert!(approx(f.get(Channel::Brake), 0.2));
    assert!(approx(f.get(Channel::Clutch), 0.4));
    assert!(approx(f.get(Channel::SteerInput), 64.0 / 127.0), "negative (left) steer is positive steer_input");
    assert_eq!(f.gear(), Some(3));
    // World x, y (up), z → frame x, y, z (up).
    assert_eq!(
        (f.get(Channel::PosX), f.get(Channel::PosY), f.get(Channel::PosZ)),
        (Some(100.0), Some(-200.0), Some(5.0))
    );
    assert_eq!(f.lap(), Some(4), "LapNumber 3 completed → 4th lap");
    assert_eq!(f.lap_time_s(), Some(30.125));
    assert_eq!(f.last_lap_s(), Some(91.25));
    assert!(approx(f.get(Channel::AccLat), 0.5), "x right −0.5 g → lateral +0.5 g (left)");
    assert!(approx(f.get(Channel::AccLong), 2.0));
    assert!(approx(f.get(Channel::AccVert), 1.0));
    for (c, t) in [
        (Channel::TyreTempFl, 100.0),
        (Channel::TyreTempFr, 90.0),
        (Channel::TyreTempRl, 80.0),
        (Channel::TyreTempRr, 70.0),
    ] {
        assert!(approx(f.get(c), t), "{c:?} °F → °C");
    }
    assert_eq!(f.get(Channel::Position), Some(4.0), "RacePosition");
    for c in [Channel::VelX, Channel::Yaw, Channel::Fuel, Channel::LapDist, Channel::SlipRatioFl] {
        assert!(!f.has(c), "{c:?} is not mapped");
    }
}

#[test]
fn race_position_and_the_unmapped_fm_2023_tyre_wear() {
    for len in [FM7_DASH_SIZE, HORIZON_DASH_SIZE, FM2023_DASH_SIZE] {
        let at = if len == HORIZON_DASH_SIZE { 314 } else { 302 }; // RacePosition
        let mut bytes = golden(len);
        for (raw, want) in [(1u8, Some(1.0)), (24, Some(24.0)), (255, Some(255.0)), (0, None)] {
            bytes[at] = raw;
            let f = forza::decode(&bytes).expect("decodes").to_frame(0).expect("race on");
            assert_eq!(f.get(Channel::Position), want, "{len} bytes: RacePosition {raw}");
        }
    }
    // The golden FM 2023 packet carries tyre wear 0.91..0.94; its meaning is undocumented, so it is not mapped.
    let p = forza::decode(&golden(FM2023_DASH_SIZE)).expect("decodes");
    let Packet::Fm2023Dash { extra, .. } = &p else { panic!("FM 2023 layout") };
    assert_eq!(extra.tire_wear, [0.91, 0.92, 0.93, 0.94]);
    let f = p.to_frame(0).expect("race on");
    for c in [Channel::TyreWearFl, Channel::TyreWearFr, Channel::TyreWearRl, Channel::TyreWearRr, Channel::FuelKg] {
        assert!(!f.has(c), "{c:?} is not mapped");
    }
    // A Sled packet has no position.
    assert!(!forza::decode(&golden(SLED_SIZE)).expect("decodes").to_frame(0).expect("race on").has(Channel::Position));
}

#[test]
fn sled_speed_is_the_velocity_length() {
    let p = forza::decode(&golden(SLED_SIZE)).expect("decodes");
    let f = p.to_frame(0).expect("race on");
    assert_eq!(f.get(Channel::Speed), Some(5.0));
    assert_eq!(f.get(Channel::Rpm), Some(6500.0));
    assert!(!f.has(Channel::Gear) && !f.has(Channel::PosX) && !f.has(Channel::Throttle));
}

#[test]
fn gear_mapping() {
    let mut bytes = golden(FM7_DASH_SIZE);
    for (raw, gear) in [(0u8, Some(-1)), (1, Some(1)), (10, Some(10)), (11, None), (255, None)] {
        bytes[307] = raw;
        let f = forza::decode(&bytes).expect("decodes").to_frame(0).expect("race on");
        assert_eq!(f.gear(), gear, "raw gear {raw}");
    }
}

#[test]
fn implausible_values_are_missing_not_zero() {
    let mut bytes = golden(FM7_DASH_SIZE);
    put_f32(&mut bytes, 244, f32::NAN); // Speed
    put_f32(&mut bytes, 16, -5.0); // CurrentEngineRpm
    put_f32(&mut bytes, 232, f32::INFINITY); // PositionX
    put_f32(&mut bytes, 288, 0.0); // LastLap: no lap yet
    put_f32(&mut bytes, 292, -1.0); // CurrentLap
    put_f32(&mut bytes, 256, 5000.0); // TireTempFL
    bytes[308] = i8::MIN as u8; // Steer outside −127..127
    let f = forza::decode(&bytes).expect("decodes").to_frame(0).expect("race on");
    for c in [
        Channel::Speed,
        Channel::Rpm,
        Channel::PosX,
        Channel::LastLapTime,
        Channel::LapTime,
        Channel::TyreTempFl,
        Channel::SteerInput,
    ] {
        assert!(!f.has(c), "{c:?} should be missing, got {:?}", f.get(c));
    }
    assert!(f.has(Channel::PosY) && f.has(Channel::TyreTempFr));
}

#[test]
fn normalizer_clock_starts_at_zero_and_survives_the_wrap() {
    let mut n = ForzaNormalizer::new();
    let mut bytes = golden(FM7_DASH_SIZE);
    let mut at = |ts: u32| {
        put_u32(&mut bytes, 4, ts);
        n.push(&forza::decode(&bytes).expect("decodes")).expect("race on").t_us
    };
    assert_eq!(at(u32::MAX - 10), 0);
    assert_eq!(at(u32::MAX), 10_000);
    assert_eq!(at(5), 16_000, "wrapped: 10 ms + 6 ms");
    assert_eq!(at(3), 16_000, "a step back adds nothing");
    assert_eq!(at(20), 33_000);
}

#[test]
fn frame_round_trips_through_every_layout() {
    let frame = Frame::new(0)
        .with(Channel::Speed, 40.0)
        .with(Channel::Rpm, 7000.0)
        .with(Channel::Gear, 4.0)
        .with(Channel::Throttle, 0.6)
        .with(Channel::Brake, 0.0)
        .with(Channel::Clutch, 1.0)
        .with(Channel::SteerInput, -0.25)
        .with(Channel::PosX, 1.0)
        .with(Channel::PosY, 2.0)
        .with(Channel::PosZ, 3.0)
        .with(Channel::Lap, 2.0)
        .with(Channel::LapTime, 12.5)
        .with(Channel::LastLapTime, 88.0)
        .with(Channel::AccLat, 1.5)
        .with(Channel::AccLong, -0.5)
        .with(Channel::AccVert, 1.0)
        .with(Channel::TyreTempFl, 85.0)
        .with(Channel::Position, 7.0);
    for format in [Format::Fm7Dash, Format::HorizonDash, Format::Fm2023Dash] {
        let p = Packet::from_frame(format, &frame, 1000);
        let bytes = p.encode();
        assert_eq!(bytes.len(), format.size());
        let back = forza::decode(&bytes).expect("decodes");
        assert_eq!(back, p);
        assert_eq!(back.encode(), bytes);
        let f = back.to_frame(0).expect("race on");
        for (c, v) in frame.iter() {
            // Pedals go through a byte (1/255) and steering through −127..127.
            let tol = match c {
                Channel::Throttle | Channel::Brake | Channel::Clutch => 0.5 / 255.0,
                Channel::SteerInput => 0.5 / 127.0,
                _ => 1e-4 * v.abs().max(1.0),
            };
            assert!(f.get(c).is_some_and(|g| (g - v).abs() <= tol), "{format:?} {c:?}: {v} → {:?}", f.get(c));
        }
    }
    let neutral = Packet::from_frame(Format::Fm7Dash, &Frame::new(0).with(Channel::Gear, 0.0), 0);
    assert_eq!(neutral.dash().map(|d| d.gear), Some(11));
    assert_eq!(neutral.to_frame(0).expect("race on").gear(), None, "neutral is never sent as reverse");
    let sled = Packet::from_frame(Format::Sled, &frame, 0).to_frame(0).expect("race on");
    assert_eq!(sled.get(Channel::Speed), Some(40.0));
}

#[test]
fn serializes_with_the_games_field_names() {
    let p = forza::decode(&golden(FM2023_DASH_SIZE)).expect("decodes");
    let v = serde_json::to_value(p).expect("serializes");
    assert_eq!(v["Format"], "Fm2023Dash");
    assert_eq!(v["IsRaceOn"], 1);
    assert_eq!(v["TimestampMS"], 123_456);
    assert_eq!(v["CurrentEngineRpm"], 6500.0);
    assert_eq!(v["LapNumber"], 3);
    assert_eq!(v["NormalizedAIBrakeDifference"], -10);
    assert_eq!(v["TrackOrdinal"], 860);
    assert_eq!(v["TireTemp"][0], 212.0);
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 256,
        rng_seed: proptest::test_runner::RngSeed::Fixed(11),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// Any bytes of a right length decode, normalize without panicking and re-encode to the same bytes.
    #[test]
    fn any_bytes_of_a_known_length_round_trip(
        bytes in prop::sample::select(SIZES.to_vec()).prop_flat_map(|n| prop::collection::vec(any::<u8>(), n))
    ) {
        let p = forza::decode(&bytes).expect("right size");
        let _ = p.to_frame(0);
        let _ = serde_json::to_string(&p);
        prop_assert_eq!(p.encode(), bytes);
    }

    /// Random, truncated and oversized input: an error or a packet, never a panic.
    #[test]
    fn random_input_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        match forza::decode(&bytes) {
            Ok(p) => prop_assert_eq!(p.encode().len(), bytes.len()),
            Err(e) => prop_assert_eq!(e, Error::Length { got: bytes.len() }),
        }
    }

    #[test]
    fn truncated_or_oversized_golden_is_refused(len in prop::sample::select(SIZES.to_vec()), cut in 1usize..40, grow in 1usize..40) {
        let bytes = golden(len);
        prop_assert!(forza::decode(&bytes[..len - cut]).is_err() || SIZES.contains(&(len - cut)));
        let mut long = bytes.clone();
        long.extend(std::iter::repeat_n(0u8, grow));
        prop_assert!(forza::decode(&long).is_err() || SIZES.contains(&(len + grow)));
    }

    /// Frames from the emulator's side always decode back.
    #[test]
    fn from_frame_always_decodes(
        speed in -10f32..200.0, gear in -2i32..14, pedal in -1f32..2.0, lap in 0u32..70_000, position in -5f32..300.0
    ) {
        let frame = Frame::new(0).with(Channel::Speed, speed).with(Channel::Gear, gear as f32)
            .with(Channel::Throttle, pedal).with(Channel::Lap, lap as f32).with(Channel::Position, position);
        for format in [Format::Sled, Format::Fm7Dash, Format::HorizonDash, Format::Fm2023Dash] {
            let p = Packet::from_frame(format, &frame, 0);
            prop_assert_eq!(forza::decode(&p.encode()), Ok(p));
            // A position the byte holds comes back (rounded); any other is sent as 0, "none".
            if format != Format::Sled {
                let back = p.to_frame(0).expect("race on").get(Channel::Position);
                let want = Some(position.round()).filter(|p| (1.0..=255.0).contains(p));
                prop_assert_eq!(back, want);
            }
        }
    }
}

#[test]
fn zeroed_input_of_every_length_decodes_or_errs() {
    for len in 0..=400 {
        let bytes = vec![0u8; len];
        match forza::decode(&bytes) {
            Ok(p) => {
                assert!(SIZES.contains(&len));
                assert_eq!(p.to_frame(0), None, "IsRaceOn 0");
            }
            Err(e) => assert_eq!(e, Error::Length { got: len }),
        }
    }
}
