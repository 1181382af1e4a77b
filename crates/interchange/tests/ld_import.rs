//! `.ld` logs as frames (`motec::read_frames`): frames in proportion to the samples a file holds, whatever its
//! channel headers claim. A 1 MB log with one 1 Hz channel of 250 000 samples and one 65 535 Hz channel of one
//! sample used to ask the CLI for 1.6·10¹⁰ frames, and channel blocks sharing one data block made decoding
//! grow with the square of the file size.
#![allow(clippy::unwrap_used)]

use proptest::prelude::*;
use racecraft_core::{Channel, Frame};
use racecraft_interchange::motec::{Error, LdChannel, LdFile, LdMeta, encode_ld, frames_to_ld_channels, read_frames};

const SAMPLE1: &[u8] = include_bytes!("data/motec/Sample1.ld");

fn channel(name: &str, unit: &str, rate_hz: u16, values: Vec<f32>) -> LdChannel {
    LdChannel { name: name.into(), short_name: String::new(), unit: unit.into(), rate_hz, values }
}

/// Offsets of the channel blocks of `bytes`, in list order (from the header word at 8 and each block's next).
fn block_offsets(bytes: &[u8]) -> Vec<usize> {
    let u32_at = |o: usize| u32::from_le_bytes(bytes[o..o + 4].try_into().unwrap()) as usize;
    let mut offsets = Vec::new();
    let mut next = u32_at(8);
    while next != 0 {
        offsets.push(next);
        next = u32_at(next + 4);
    }
    offsets
}

#[test]
fn one_slow_long_channel_beside_one_fast_short_channel_is_refused() {
    let slow = channel("Ground Speed", "km/h", 1, (0..250_000).map(|i| (i % 300) as f32).collect());
    let fast = channel("Engine RPM", "rpm", 65_535, vec![5000.0]);
    let bytes = encode_ld(&LdMeta::default(), &[slow, fast]).unwrap();
    assert!(bytes.len() < 1_100_000, "{}", bytes.len());
    let ld = LdFile::read(&bytes).unwrap();
    let err = read_frames(&ld).unwrap_err();
    let Error::FramesExceedSamples { duration_s, rate_hz, frames, samples } = err else { panic!("{err:?}") };
    assert_eq!((duration_s, rate_hz, samples), (250_000.0, 65_535, 250_001));
    assert_eq!(frames, 250_000 * 65_535);
    let text = err.to_string();
    assert!(text.contains("16383750000 frames, more than the 250001 samples"), "{text}");
}

#[test]
fn channel_blocks_sharing_one_data_block_are_refused() {
    // One channel of 10 000 samples and 100 empty ones, then every empty one pointed at the first one's data:
    // 101 × 40 kB claimed by a 55 kB file.
    let mut channels = vec![channel("Ground Speed", "km/h", 10, vec![1.0; 10_000])];
    channels.extend((0..100).map(|i| channel(&format!("Copy {i}"), "km/h", 10, Vec::new())));
    let mut bytes = encode_ld(&LdMeta::default(), &channels).unwrap();
    let blocks = block_offsets(&bytes);
    assert_eq!(blocks.len(), 101);
    let first = bytes[blocks[0] + 8..blocks[0] + 16].to_vec();
    for &b in &blocks[1..] {
        bytes[b + 8..b + 16].copy_from_slice(&first);
    }
    let err = LdFile::read(&bytes).unwrap_err();
    let Error::SharedChannelData { claimed, file_len } = err else { panic!("{err:?}") };
    assert_eq!(file_len, bytes.len());
    assert!(claimed > file_len as u64 && claimed <= file_len as u64 + 40_000, "{claimed} vs {file_len}");
    assert!(err.to_string().contains("share their data"), "{err}");
}

#[test]
fn frames_written_as_ld_read_back() {
    // Oracle: the frames given to the writer, on the same 10 Hz grid (values through km/h and % and back).
    let frames: Vec<Frame> = (0..100)
        .map(|i| {
            Frame::new(i * 100_000)
                .with(Channel::Speed, 20.0 + i as f32 * 0.25)
                .with(Channel::Throttle, (i % 10) as f32 / 10.0)
                .with(Channel::Gear, (1 + i / 25) as f32)
        })
        .collect();
    let bytes = encode_ld(&LdMeta::default(), &frames_to_ld_channels(&frames, 10).unwrap()).unwrap();
    let read = read_frames(&LdFile::read(&bytes).unwrap()).unwrap();
    assert_eq!(read.rate_hz, 10);
    assert!(read.unknown_channels.is_empty(), "{:?}", read.unknown_channels);
    assert_eq!(read.frames.len(), frames.len());
    for (got, want) in read.frames.iter().zip(&frames) {
        assert_eq!(got.t_us, want.t_us);
        assert_eq!(got.present_mask(), want.present_mask());
        for c in [Channel::Speed, Channel::Throttle, Channel::Gear] {
            let (g, w) = (got.get(c).unwrap(), want.get(c).unwrap());
            assert!((g - w).abs() < 1e-5, "{c:?} at {}: {g} vs {w}", want.t_us);
        }
    }
}

#[test]
fn sample1_reads_at_its_fastest_known_rate() {
    let read = read_frames(&LdFile::read(SAMPLE1).unwrap()).unwrap();
    // The known channels' fastest is G Force Lat at 20 Hz, 9080 samples; 65 of the 78 channels are not ours.
    assert_eq!((read.rate_hz, read.frames.len(), read.unknown_channels.len()), (20, 9080, 65));
    assert_eq!((read.meta.game.as_str(), read.meta.car.as_str(), read.meta.track.as_str()), ("motec", "11A", "Calder"));
    assert_eq!(read.frames[1].t_us, 50_000);
    // Ground Speed is 10 Hz: held for two frames. Its first samples are 34.3, 34.8 km/h.
    let speed: Vec<f32> = read.frames[..4].iter().map(|f| f.get(Channel::Speed).unwrap()).collect();
    for (got, kmh) in speed.iter().zip([34.3, 34.3, 34.8, 34.8]) {
        assert!((f64::from(*got) - kmh / 3.6).abs() < 1e-5, "{speed:?}");
    }
}

#[test]
fn an_empty_fast_channel_does_not_set_the_grid() {
    let speed = channel("Ground Speed", "km/h", 10, vec![36.0; 50]);
    let rpm = channel("Engine RPM", "rpm", 1000, Vec::new());
    let read = read_frames(&LdFile::read(&encode_ld(&LdMeta::default(), &[speed, rpm]).unwrap()).unwrap()).unwrap();
    assert_eq!((read.rate_hz, read.frames.len()), (10, 50));
}

/// A small valid log with known channels at three rates.
fn small_log() -> Vec<u8> {
    let channels = [
        channel("Ground Speed", "km/h", 20, (0..200).map(|i| i as f32).collect()),
        channel("Engine RPM", "rpm", 10, (0..100).map(|i| 3000.0 + i as f32).collect()),
        channel("Fuel Level", "l", 1, (0..10).map(|i| 40.0 - i as f32).collect()),
    ];
    encode_ld(&LdMeta::default(), &channels).unwrap()
}

/// A byte position: half the time inside the first 32 bytes of a channel block (pointers, count, type, rate,
/// scaling), where a mutation changes what the file claims; otherwise anywhere.
fn position(len: usize, blocks: Vec<usize>) -> impl Strategy<Value = usize> {
    prop_oneof![(0..blocks.len(), 0..32usize).prop_map(move |(b, o)| blocks[b] + o), 0..len,]
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 512,
        rng_seed: proptest::test_runner::RngSeed::Fixed(14),
        ..ProptestConfig::default()
    })]

    #[test]
    fn mutated_logs_read_as_bounded_frames_or_errors(
        edits in prop::collection::vec(
            (position(small_log().len(), block_offsets(&small_log())), any::<u8>()),
            1..12,
        ),
    ) {
        let mut bytes = small_log();
        for (at, byte) in edits {
            bytes[at] = byte;
        }
        let Ok(ld) = LdFile::read(&bytes) else { return Ok(()) };
        let held: u64 = ld.channels.iter().filter(|c| c.data_type.size().is_some()).map(|c| u64::from(c.count)).sum();
        prop_assert!(held * 2 <= bytes.len() as u64, "{held} samples in {} bytes", bytes.len());
        if let Ok(read) = read_frames(&ld) {
            prop_assert!(read.frames.len() as u64 <= held, "{} frames from {held} samples", read.frames.len());
            prop_assert!(read.frames.windows(2).all(|w| w[0].t_us < w[1].t_us));
        }
    }
}
