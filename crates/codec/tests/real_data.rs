//! The chunk codec on realistic data: the simulator at 333 Hz and a real iRacing file, every compression,
//! bit for bit, and the size target of a finished recording.

use racecraft_codec::chunk::{self, ChunkEncoder, Compression};
use racecraft_core::{CHANNEL_COUNT, Frame};

fn assert_bit_exact(got: &[Frame], want: &[Frame]) {
    assert_eq!(got.len(), want.len());
    for (i, (a, b)) in got.iter().zip(want).enumerate() {
        assert_eq!((a.t_us, a.present_mask()), (b.t_us, b.present_mask()), "frame {i}");
        for ch in 0..CHANNEL_COUNT {
            assert_eq!(a.value_at(ch).to_bits(), b.value_at(ch).to_bits(), "frame {i} channel {ch}");
        }
    }
}

/// Bytes per frame of `frames` cut into chunks of `per_chunk`, plus `overhead` bytes per chunk.
fn bytes_per_frame(frames: &[Frame], per_chunk: usize, c: Compression, overhead: usize) -> f64 {
    let mut enc = ChunkEncoder::new();
    let mut total = 0;
    let mut back = Vec::new();
    for part in frames.chunks(per_chunk) {
        let mut out = Vec::new();
        enc.encode(part, c, &mut out);
        total += out.len() + overhead;
        chunk::decode_into(&out, &mut back).expect("decodes");
    }
    assert_bit_exact(&back, frames);
    total as f64 / frames.len() as f64
}

#[test]
fn simulated_333_hz_frames_stay_under_20_bytes_in_long_zstd_chunks() {
    let sim = racecraft_sim::Simulation::new(
        racecraft_sim::Track::builtin("Monza").expect("track"),
        racecraft_sim::SimConfig { laps: 1, rate_hz: 333.0, seed: 7, ..Default::default() },
    )
    .expect("sim");
    let frames: Vec<Frame> = sim.frames().collect();
    assert!(frames.len() > 20_000);
    // 8192-frame blocks as a finished recording holds them, with the recording's 10-byte block header.
    let compacted = bytes_per_frame(&frames, 8192, Compression::Zstd, 10);
    assert!(compacted < 20.0, "{compacted:.2} B/frame");
    let lz4 = bytes_per_frame(&frames, 333, Compression::Lz4, 0);
    let none = bytes_per_frame(&frames, 333, Compression::None, 0);
    assert!(compacted < lz4 && lz4 < none, "{compacted:.2} {lz4:.2} {none:.2}");
}

#[test]
fn real_ibt_frames_round_trip_bit_exact_through_every_compression() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../capture/tests/data/iracing/tsukuba_formulavee_4laps.ibt");
    let ibt = racecraft_capture::iracing::IbtFile::open(path).expect("fixture parses");
    let frames: Vec<Frame> = ibt.frames().collect();
    assert_eq!(frames.len(), 3429);
    for c in [Compression::None, Compression::Lz4, Compression::Zstd] {
        for per_chunk in [1, 6, 60, 8192] {
            bytes_per_frame(&frames, per_chunk, c, 0);
        }
    }
}
