use super::*;
use proptest::prelude::*;
use racecraft_core::Channel;

const ALL_COMPRESSIONS: [Compression; 3] = [Compression::None, Compression::Lz4, Compression::Zstd];

fn smooth(n: usize) -> Vec<Frame> {
    (0..n)
        .map(|i| {
            let x = i as f32 * 0.01;
            let mut f = Frame::new(i as i64 * 3003)
                .with(Channel::Speed, 50.0 + 10.0 * x.sin())
                .with(Channel::Rpm, 6000.0 + 1000.0 * x.cos())
                .with(Channel::Gear, 4.0)
                .with(Channel::Lap, 2.0);
            if i % 3 == 0 {
                f.set(Channel::Fuel, 40.0 - x);
            }
            f
        })
        .collect()
}

/// The frames of `tests/data/v1_chunk_300_frames.bin`, written by the version-1 encoder (the same generator
/// as `crates/record/tests/common`).
fn v1_fixture_frames(n: usize) -> Vec<Frame> {
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    (0..n)
        .map(|i| {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            let noise = (seed >> 40) as f32 / (1u64 << 24) as f32;
            let x = i as f32 * 0.01;
            let mut f = Frame::new(i as i64 * 3003)
                .with(Channel::Speed, 50.0 + 10.0 * x.sin() + noise)
                .with(Channel::Rpm, 6000.0 + 1000.0 * x.cos())
                .with(Channel::Gear, 4.0)
                .with(Channel::Steer, -0.0);
            if i % 3 == 0 {
                f.set(Channel::Fuel, 40.0 - x);
            }
            f
        })
        .collect()
}

fn encode_with(frames: &[Frame], c: Compression) -> Vec<u8> {
    let mut out = Vec::new();
    ChunkEncoder::new().encode(frames, c, &mut out);
    out
}

fn assert_bit_exact(got: &[Frame], want: &[Frame]) {
    assert_eq!(got.len(), want.len());
    for (a, b) in got.iter().zip(want) {
        assert_eq!(a.t_us, b.t_us);
        assert_eq!(a.present_mask(), b.present_mask());
        for ch in 0..CHANNEL_COUNT {
            assert_eq!(a.value_at(ch).to_bits(), b.value_at(ch).to_bits(), "channel {ch}");
        }
    }
}

/// The predictor byte the encoder wrote for `channel`, read back from the raw body.
fn predictors(frames: &[Frame]) -> Vec<(usize, u8)> {
    let mut enc = ChunkEncoder::new();
    enc.encode(frames, Compression::None, &mut Vec::new());
    let raw = enc.last_raw_body().to_vec();
    let mut r = Reader::new(&raw);
    for _ in 0..frames.len() {
        read_varint(&mut r).expect("time");
    }
    let mut mask = r.u64().expect("mask");
    let n = frames.len();
    let mut out = Vec::new();
    while mask != 0 {
        let ch = mask.trailing_zeros() as usize;
        mask &= mask - 1;
        let kind = r.u8().expect("kind");
        let pred = kind >> 1;
        let m = frames.iter().filter(|f| f.present_mask() & (1 << ch) != 0).count();
        if kind & KIND_BITMAP != 0 {
            r.take(n.div_ceil(8)).expect("bitmap");
        }
        r.take(if pred == PRED_CONST { 4 } else { 4 * m }).expect("values");
        out.push((ch, pred));
    }
    out
}

#[test]
fn round_trip_every_compression() {
    let frames = smooth(1000);
    for c in ALL_COMPRESSIONS {
        let bytes = encode_with(&frames, c);
        assert_eq!(header(&bytes).expect("header").0.compression, c);
        assert_eq!(decode(&bytes).expect("decodes"), frames, "{c:?}");
    }
}

#[test]
fn version_1_chunks_still_decode() {
    let bytes = include_bytes!("../../tests/data/v1_chunk_300_frames.bin");
    let (h, _) = header(bytes).expect("header");
    assert_eq!((h.version, h.frame_count, h.compression), (VERSION_1, 300, Compression::Lz4));
    assert_bit_exact(&decode(bytes).expect("decodes"), &v1_fixture_frames(300));
}

#[test]
fn version_2_is_smaller_than_version_1_on_the_same_frames() {
    let v1 = include_bytes!("../../tests/data/v1_chunk_300_frames.bin");
    let v2 = encode(&v1_fixture_frames(300));
    assert!(v2.len() < v1.len(), "v2 {} vs v1 {}", v2.len(), v1.len());
}

#[test]
fn predictor_follows_the_signal() {
    let frames: Vec<Frame> = (0..500)
        .map(|i| {
            let x = i as f32 * 0.003;
            Frame::new(i * 3003)
                .with(Channel::Speed, 40.0 + 20.0 * x.sin())
                .with(Channel::Gear, if i < 250 { 3.0 } else { 4.0 })
                .with(Channel::Lap, 2.0)
                .with(Channel::LapDist, 1000.0 + i as f32 * 0.125)
        })
        .collect();
    let preds = predictors(&frames);
    let pred = |c: Channel| preds.iter().find(|(ch, _)| *ch == c.index()).expect("column").1;
    assert_eq!(pred(Channel::Lap), PRED_CONST);
    assert_eq!(pred(Channel::Gear), PRED_XOR_PREV);
    assert!(matches!(pred(Channel::Speed), PRED_XOR_LINEAR | PRED_SUB_LINEAR), "{}", pred(Channel::Speed));
    // A ramp is predicted exactly by extrapolation; what matters is that it is not XOR-ed with the previous.
    assert!(!matches!(pred(Channel::LapDist), PRED_XOR_PREV | PRED_CONST), "{}", pred(Channel::LapDist));
    assert_eq!(decode(&encode(&frames)).expect("decodes"), frames);
}

#[test]
fn constant_column_costs_four_bytes_whatever_the_length() {
    let short: Vec<Frame> = (0..10).map(|i| Frame::new(i * 3003).with(Channel::Lap, 7.0)).collect();
    let long: Vec<Frame> = (0..10_000).map(|i| Frame::new(i * 3003).with(Channel::Lap, 7.0)).collect();
    let raw_len = |f: &[Frame]| header(&encode_with(f, Compression::None)).expect("header").0.raw_len as usize;
    // Times: one varint for t0, one for the delta (2 bytes), then one byte per delta-of-delta.
    assert_eq!(raw_len(&short), 1 + 2 + 8 + 8 + 1 + 4);
    assert_eq!(raw_len(&long), 1 + 2 + 9998 + 8 + 1 + 4);
}

#[test]
fn columnar_layout_compresses_smooth_data() {
    let frames = smooth(1000);
    let raw: usize = frames.iter().map(crate::compact::encoded_len).sum();
    for c in [Compression::Lz4, Compression::Zstd] {
        let bytes = encode_with(&frames, c);
        assert!(bytes.len() * 8 < raw, "{c:?}: {} vs raw {}", bytes.len(), raw);
    }
}

#[test]
fn empty_chunk_round_trips() {
    for c in ALL_COMPRESSIONS {
        assert_eq!(decode(&encode_with(&[], c)).expect("decodes"), vec![]);
    }
}

#[test]
fn every_truncation_and_every_bit_flip_is_an_error() {
    for c in ALL_COMPRESSIONS {
        let bytes = encode_with(&smooth(50), c);
        for n in 0..bytes.len() {
            assert!(decode(&bytes[..n]).is_err(), "{c:?} truncated to {n}");
        }
        for i in 0..bytes.len() {
            for bit in 0..8 {
                let mut b = bytes.clone();
                b[i] ^= 1 << bit;
                assert!(decode(&b).is_err(), "{c:?} flip byte {i} bit {bit}");
            }
        }
    }
}

#[test]
fn newer_version_is_a_specific_error() {
    let mut bytes = encode(&smooth(3));
    bytes[0] = 3;
    assert_eq!(decode(&bytes), Err(Error::UnsupportedVersion { what: "chunk", version: 3 }));
}

#[test]
fn unknown_codec_is_an_error() {
    let mut bytes = encode(&smooth(3));
    bytes[1] = 3;
    assert!(matches!(decode(&bytes), Err(Error::Malformed { .. })));
}

/// A version-2 chunk around a hand-made raw body, uncompressed, with a valid checksum.
fn v2_raw_chunk(n: u32, body: &[u8]) -> Vec<u8> {
    let mut bytes = vec![VERSION, CODEC_NONE, 0, 0];
    bytes.extend_from_slice(&n.to_le_bytes());
    bytes.extend_from_slice(&(body.len() as u32).to_le_bytes());
    bytes.extend_from_slice(&crc32fast::hash(body).to_le_bytes());
    bytes.extend_from_slice(body);
    bytes
}

#[test]
fn overlong_time_varint_is_an_error() {
    let mut body = vec![0xff; 10];
    body.push(0);
    body.extend_from_slice(&0u64.to_le_bytes());
    assert!(matches!(decode(&v2_raw_chunk(1, &body)), Err(Error::Malformed { .. })));
}

#[test]
fn presence_padding_bits_are_an_error() {
    // Three frames, channel 0 in frames 0 and 2 (bitmap 0b101), then a stray padding bit.
    let mut body = vec![0, 2, 0];
    body.extend_from_slice(&1u64.to_le_bytes());
    body.push(KIND_BITMAP | PRED_CONST << 1);
    body.push(0b1000_0101);
    body.extend_from_slice(&1.0f32.to_bits().to_le_bytes());
    assert!(matches!(decode(&v2_raw_chunk(3, &body)), Err(Error::Malformed { .. })));
    body[12] = 0b101;
    let frames = decode(&v2_raw_chunk(3, &body)).expect("decodes");
    let speed: Vec<_> = frames.iter().map(|f| f.get(Channel::Speed)).collect();
    assert_eq!(speed, [Some(1.0), None, Some(1.0)]);
}

#[test]
fn non_finite_constant_is_an_error() {
    let mut body = vec![0];
    body.extend_from_slice(&1u64.to_le_bytes());
    body.push(PRED_CONST << 1);
    body.extend_from_slice(&f32::NAN.to_bits().to_le_bytes());
    assert!(matches!(decode(&v2_raw_chunk(1, &body)), Err(Error::Malformed { .. })));
}

fn arb_frame() -> impl Strategy<Value = Frame> {
    // Any finite f32 bit pattern (subnormals, -0.0, extremes), or absent.
    let value = any::<u32>().prop_map(f32::from_bits).prop_filter("finite", |v| v.is_finite());
    (any::<i64>(), proptest::collection::vec(proptest::option::of(value), CHANNEL_COUNT)).prop_map(|(t, vals)| {
        let mut f = Frame::new(t);
        for (i, v) in vals.into_iter().enumerate() {
            f.set_opt(Channel::ALL[i], v);
        }
        f
    })
}

/// Smooth columns with random gaps: the predictors' real work, with channels coming and going.
fn arb_smooth_frames() -> impl Strategy<Value = Vec<Frame>> {
    (1usize..300, any::<u64>(), -1e4f32..1e4, 1e-4f32..10.0, 0u8..4).prop_map(|(n, seed, base, step, gap)| {
        let mut s = seed;
        (0..n)
            .map(|i| {
                s = s.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
                let x = i as f32 * step;
                let mut f = Frame::new(i as i64 * 3003 + (s >> 62) as i64)
                    .with(Channel::Speed, base + x.sin() * 30.0)
                    .with(Channel::LapDist, base + x)
                    .with(Channel::Gear, (s >> 60) as f32);
                if gap == 0 || (s >> 33) % u64::from(gap) != 0 {
                    f.set(Channel::Rpm, base * x.cos());
                }
                f
            })
            .collect()
    })
}

fn prop_same(back: &[Frame], frames: &[Frame]) -> std::result::Result<(), TestCaseError> {
    prop_assert_eq!(back.len(), frames.len());
    for (a, b) in back.iter().zip(frames) {
        prop_assert_eq!(a.t_us, b.t_us);
        prop_assert_eq!(a.present_mask(), b.present_mask());
        for ch in 0..CHANNEL_COUNT {
            prop_assert_eq!(a.value_at(ch).to_bits(), b.value_at(ch).to_bits());
        }
    }
    Ok(())
}

proptest! {
    #[test]
    fn prop_round_trip(frames in proptest::collection::vec(arb_frame(), 0..40)) {
        for c in ALL_COMPRESSIONS {
            prop_same(&decode(&encode_with(&frames, c)).expect("decodes"), &frames)?;
        }
    }

    #[test]
    fn prop_round_trip_smooth(frames in arb_smooth_frames()) {
        for c in ALL_COMPRESSIONS {
            prop_same(&decode(&encode_with(&frames, c)).expect("decodes"), &frames)?;
        }
    }

    #[test]
    fn prop_chosen_channels_decode_as_the_whole_chunk_with_the_others_cleared(
        frames in proptest::collection::vec(arb_frame(), 0..40),
        wanted in any::<u64>(),
    ) {
        let wanted = wanted & Frame::ALL_CHANNELS_MASK;
        let expected: Vec<Frame> = frames
            .iter()
            .map(|f| {
                let mut f = *f;
                for c in racecraft_core::Channel::ALL {
                    if wanted & (1 << c.index()) == 0 {
                        f.clear(c);
                    }
                }
                f
            })
            .collect();
        for c in ALL_COMPRESSIONS {
            let mut back = vec![Frame::new(-1)];
            decode_channels_into(&encode_with(&frames, c), wanted, &mut back).expect("decodes");
            prop_assert_eq!(back.remove(0).t_us, -1);
            prop_same(&back, &expected)?;
        }
    }

    #[test]
    fn prop_garbage_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        let _ = decode(&bytes);
    }

    #[test]
    fn prop_garbage_with_valid_crc_never_panics(
        body in proptest::collection::vec(any::<u8>(), 0..300),
        n in 0u32..64,
        version in 1u8..=2,
        codec in 0u8..3,
    ) {
        let mut bytes = vec![version, codec, 0, 0];
        bytes.extend_from_slice(&n.to_le_bytes());
        bytes.extend_from_slice(&(body.len() as u32).to_le_bytes());
        bytes.extend_from_slice(&crc32fast::hash(&body).to_le_bytes());
        bytes.extend_from_slice(&body);
        let _ = decode(&bytes);
    }

    #[test]
    fn prop_raw_garbage_bodies_never_panic(body in proptest::collection::vec(any::<u8>(), 0..300), n in 0u32..64) {
        let _ = decode(&v2_raw_chunk(n, &body));
    }
}
