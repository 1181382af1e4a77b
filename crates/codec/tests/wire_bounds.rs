//! Agent batches from a hostile sender: a header that claims the largest frame count over a few bytes must be
//! refused before anything is sized from it (the bug: a 0.74 MB batch made the server touch ~190 MB), and no
//! bytes at all may make the decoder panic or reserve more frames than the bytes can hold.

use proptest::prelude::*;
use racecraft_codec::chunk::{self, ChunkEncoder, HEADER_LEN, MAX_FRAMES};
use racecraft_codec::wire::{self, KIND_FRAMES, MAX_BATCH_FRAMES};
use racecraft_core::{Channel, Frame};

/// A batch message around `chunk`, claiming `count` frames.
fn batch(first_seq: u64, count: u32, chunk: &[u8]) -> Vec<u8> {
    let mut out = vec![KIND_FRAMES];
    out.extend_from_slice(&first_seq.to_le_bytes());
    out.extend_from_slice(&count.to_le_bytes());
    out.extend_from_slice(chunk);
    out
}

/// A version-2 chunk with the given header fields around `body`, with a valid checksum.
fn chunk_bytes(version: u8, codec: u8, frame_count: u32, raw_len: u32, body: &[u8]) -> Vec<u8> {
    let mut out = vec![version, codec, 0, 0];
    out.extend_from_slice(&frame_count.to_le_bytes());
    out.extend_from_slice(&raw_len.to_le_bytes());
    out.extend_from_slice(&crc32fast_hash(body).to_le_bytes());
    out.extend_from_slice(body);
    out
}

/// CRC-32 (IEEE), written out here so the oracle does not share the decoder's checksum code.
fn crc32fast_hash(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

/// A genuinely valid LZ4 chunk of `n` frames with no channels, all at t = 0: one zero byte of time per frame
/// and an empty mask, which LZ4 shrinks about 250 times. The cheapest way to claim many frames honestly.
fn lz4_bomb(n: u32) -> Vec<u8> {
    let raw = vec![0u8; n as usize + 8];
    let body = lz4_flex::block::compress(&raw);
    chunk_bytes(chunk::VERSION, 1, n, raw.len() as u32, &body)
}

/// What a decode left behind: the result and how many frames the output vector can hold.
fn decode(bytes: &[u8]) -> (Result<u64, racecraft_codec::Error>, usize) {
    let mut frames = Vec::new();
    let result = wire::decode_frames(bytes, &mut frames);
    if result.is_err() {
        assert!(frames.is_empty(), "a refused batch leaves nothing behind");
    }
    (result, frames.capacity())
}

#[test]
fn hostile_batches_with_the_largest_frame_count_allocate_nothing() {
    let tiny_body = [0u8; 16];
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("u32::MAX frames, 16-byte chunk body", batch(0, u32::MAX, &chunk_bytes(2, 0, u32::MAX, 16, &tiny_body))),
        ("chunk MAX_FRAMES, 16-byte body", batch(0, MAX_FRAMES, &chunk_bytes(2, 0, MAX_FRAMES, 16, &tiny_body))),
        ("a valid LZ4 chunk of MAX_FRAMES empty frames", batch(0, MAX_FRAMES, &lz4_bomb(MAX_FRAMES))),
        ("the batch limit over a 16-byte body", {
            batch(0, MAX_BATCH_FRAMES, &chunk_bytes(2, 0, MAX_BATCH_FRAMES, 16, &tiny_body))
        }),
        ("LZ4 raw length of the largest body over 16 bytes", {
            let raw_len = chunk::max_raw_len(MAX_BATCH_FRAMES as usize) as u32;
            batch(0, MAX_BATCH_FRAMES, &chunk_bytes(2, 1, MAX_BATCH_FRAMES, raw_len, &tiny_body))
        }),
        ("zstd raw length of the largest body over 16 bytes", {
            let raw_len = chunk::max_raw_len(MAX_BATCH_FRAMES as usize) as u32;
            batch(0, MAX_BATCH_FRAMES, &chunk_bytes(2, 2, MAX_BATCH_FRAMES, raw_len, &tiny_body))
        }),
        ("a small batch whose count hides a large chunk", batch(0, 1, &lz4_bomb(MAX_BATCH_FRAMES + 1))),
        ("a large count over a small valid chunk", batch(0, MAX_BATCH_FRAMES, &lz4_bomb(1))),
        ("version 1, the batch limit over 16 bytes", {
            batch(0, MAX_BATCH_FRAMES, &chunk_bytes(1, 0, MAX_BATCH_FRAMES, 16, &tiny_body))
        }),
    ];
    for (what, bytes) in cases {
        let (result, capacity) = decode(&bytes);
        let err = result.expect_err(what).to_string();
        assert_eq!(capacity, 0, "{what}: {err}: {capacity} frames reserved from a {}-byte message", bytes.len());
    }
    // The message a sender reads names the limit.
    let (result, _) = decode(&batch(0, MAX_FRAMES, &lz4_bomb(MAX_FRAMES)));
    assert_eq!(
        result.expect_err("refused").to_string(),
        format!("malformed wire message: batch of {MAX_FRAMES} frames exceeds the limit of {MAX_BATCH_FRAMES}")
    );
}

#[test]
fn the_largest_honest_batch_decodes_and_reserves_only_its_frames() {
    // At the limit, every channel, values that do not compress: the worst an agent sends.
    let frames: Vec<Frame> = (0..MAX_BATCH_FRAMES as i64)
        .map(|i| {
            let mut f = Frame::new(i * 3003 + (i * i) % 7919);
            for (k, ch) in Channel::ALL.iter().enumerate() {
                let x = (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15).rotate_left(k as u32) as u32;
                f.set(*ch, f32::from_bits(x & 0x3fff_ffff));
            }
            f
        })
        .collect();
    let mut out = Vec::new();
    wire::encode_frames(&mut ChunkEncoder::new(), 5, &frames, &mut out);
    assert!(out.len() <= wire::max_frames_message_len(frames.len()), "{} bytes", out.len());
    let mut back = Vec::new();
    assert_eq!(wire::decode_frames(&out, &mut back), Ok(5));
    assert_eq!(back.len(), frames.len());
    assert_eq!(back.capacity(), frames.len(), "exactly the frames sent are reserved");
    // And the same batch is refused one frame over the limit.
    let mut over = frames.clone();
    over.push(Frame::new(0));
    out.clear();
    wire::encode_frames(&mut ChunkEncoder::new(), 5, &over, &mut out);
    assert!(decode(&out).0.is_err());
}

#[test]
fn the_chunk_header_refuses_counts_its_bytes_cannot_hold() {
    // Through the chunk decoder directly (storage and recordings), without the batch limit.
    for (version, codec, raw_len) in [(2u8, 0u8, 16u32), (1, 0, 16), (2, 1, 1 << 27), (2, 2, 1 << 27)] {
        let bytes = chunk_bytes(version, codec, MAX_FRAMES, raw_len, &[0; 16]);
        let mut frames = Vec::new();
        assert!(chunk::decode_into(&bytes, &mut frames).is_err(), "v{version} codec {codec}");
        assert_eq!(frames.capacity(), 0, "v{version} codec {codec}");
    }
    assert_eq!(HEADER_LEN, 16);
}

fn arb_chunk() -> impl Strategy<Value = Vec<u8>> {
    let count = prop_oneof![0u32..70, Just(MAX_BATCH_FRAMES), Just(MAX_FRAMES), any::<u32>()];
    let raw_len = prop_oneof![0u32..400, Just(1 << 20), any::<u32>()];
    (1u8..=2, 0u8..3, count, raw_len, proptest::collection::vec(any::<u8>(), 0..300))
        .prop_map(|(version, codec, n, raw_len, body)| chunk_bytes(version, codec, n, raw_len, &body))
}

/// The bound every decode holds: never more frames reserved than the batch limit, nor than one frame per
/// byte LZ4 can expand a message to.
fn assert_bounded(bytes: &[u8]) -> Result<(), TestCaseError> {
    let mut frames = Vec::new();
    let result = wire::decode_frames(bytes, &mut frames);
    prop_assert!(frames.capacity() <= MAX_BATCH_FRAMES as usize, "{} frames reserved", frames.capacity());
    prop_assert!(frames.capacity() <= 255 * bytes.len(), "{} frames for {} bytes", frames.capacity(), bytes.len());
    if result.is_err() {
        prop_assert!(frames.is_empty());
    }
    Ok(())
}

proptest! {
    #[test]
    fn prop_any_bytes_decode_without_panic_within_bounds(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        assert_bounded(&bytes)?;
    }

    #[test]
    fn prop_any_batch_around_a_checksummed_chunk_stays_within_bounds(
        first_seq in any::<u64>(),
        count in prop_oneof![0u32..70, Just(MAX_BATCH_FRAMES), Just(MAX_FRAMES), any::<u32>()],
        chunk in arb_chunk(),
    ) {
        assert_bounded(&batch(first_seq, count, &chunk))?;
    }

    #[test]
    fn prop_batches_round_trip(
        first_seq in any::<u64>(),
        frames in proptest::collection::vec((any::<i32>(), proptest::option::of(-1e6f32..1e6)), 0..64),
    ) {
        let frames: Vec<Frame> = frames
            .into_iter()
            .map(|(t, v)| {
                let f = Frame::new(i64::from(t));
                match v { Some(v) => f.with(Channel::Speed, v), None => f }
            })
            .collect();
        let mut out = Vec::new();
        wire::encode_frames(&mut ChunkEncoder::new(), first_seq, &frames, &mut out);
        let mut back = Vec::new();
        prop_assert_eq!(wire::decode_frames(&out, &mut back), Ok(first_seq));
        prop_assert_eq!(back, frames);
        assert_bounded(&out)?;
    }
}
