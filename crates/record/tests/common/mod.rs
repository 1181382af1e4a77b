//! Shared test helpers: deterministic frames and a bit-exact comparison.
#![allow(dead_code)]

use racecraft_core::{CHANNEL_COUNT, Channel, Frame, SessionMeta};

/// A fixed session.
pub fn meta() -> SessionMeta {
    SessionMeta {
        game: "sim".into(),
        car: "Formula Test".into(),
        track: "Testring".into(),
        driver: "Ada".into(),
        started_at_ms: 1_763_790_000_000,
        ..Default::default()
    }
}

/// `n` smooth frames at 333 Hz with a channel that comes and goes, from a fixed seed.
pub fn frames(n: usize) -> Vec<Frame> {
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

/// Asserts two frame lists are equal bit for bit (`-0.0` is not `0.0`).
pub fn assert_bit_exact(got: &[Frame], want: &[Frame]) {
    assert_eq!(got.len(), want.len(), "frame count");
    for (i, (a, b)) in got.iter().zip(want).enumerate() {
        assert_eq!(a.t_us, b.t_us, "t_us of frame {i}");
        assert_eq!(a.present_mask(), b.present_mask(), "channels of frame {i}");
        for ch in 0..CHANNEL_COUNT {
            assert_eq!(a.value_at(ch).to_bits(), b.value_at(ch).to_bits(), "frame {i} channel {ch}");
        }
    }
}
