//! Damaged files: every complete block before the damage comes back, then a warning with its offset;
//! foreign and newer files are specific errors.

mod common;

use std::time::{Duration, Instant};

use common::{assert_bit_exact, frames, meta};
use racecraft_record::format::{BLOCK_HEADER_LEN, FILE_HEADER_LEN};
use racecraft_record::{Error, Item, RecordingReader, RecordingWriter, WarningKind, WriterConfig};

/// A recording of `n` frames in blocks of 100, no trailer. Returns its bytes and the offsets of its frame
/// blocks.
fn recording(n: usize) -> (Vec<u8>, Vec<u64>) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("d.rcr");
    let config = WriterConfig { max_frames: 100, max_age: Duration::from_secs(3600), compact_frames: 0 };
    let mut w = RecordingWriter::create_with(&path, &meta(), config).expect("create");
    let now = Instant::now();
    for f in frames(n) {
        w.push_at(f, now).expect("push");
    }
    w.finish().expect("finish");
    let rec = racecraft_record::read_all(&path).expect("read");
    let offsets = rec.trailer.expect("trailer").index.iter().map(|e| e.offset).collect();
    (std::fs::read(&path).expect("bytes"), offsets)
}

fn read(bytes: &[u8]) -> racecraft_record::Recording {
    RecordingReader::from_reader(bytes).expect("header is fine").into_recording()
}

#[test]
fn truncation_at_every_byte_of_the_last_frame_block_keeps_earlier_blocks() {
    let (bytes, offsets) = recording(300);
    let want = frames(300);
    let last = *offsets.last().expect("blocks") as usize;
    let trailer_start = bytes.len() - u32::from_le_bytes(bytes[bytes.len() - 4..].try_into().expect("4")) as usize;
    for cut in last..=trailer_start {
        let rec = read(&bytes[..cut]);
        assert_eq!(rec.meta, Some(meta()));
        if cut == last || cut == trailer_start {
            // A cut on a block boundary is a clean end: nothing lost but what was never written.
            assert!(rec.warnings.is_empty(), "cut {cut}: {:?}", rec.warnings);
            let n = if cut == last { 200 } else { 300 };
            assert_bit_exact(&rec.frames, &want[..n]);
            continue;
        }
        assert_bit_exact(&rec.frames, &want[..200]);
        assert_eq!(rec.warnings.len(), 1, "cut {cut}");
        let w = &rec.warnings[0];
        assert_eq!(w.offset, last as u64, "cut {cut}");
        assert!(matches!(w.kind, WarningKind::Truncated { available, .. } if available == (cut - last) as u64));
        assert!(w.is_fatal());
        assert!(w.to_string().contains(&format!("at byte {last}")));
    }
}

#[test]
fn every_bit_flip_in_a_block_is_caught_and_earlier_blocks_survive() {
    let (bytes, offsets) = recording(300);
    let want = frames(300);
    let (start, end) = (offsets[1] as usize, offsets[2] as usize);
    for i in start..end {
        for bit in 0..8 {
            let mut b = bytes.clone();
            b[i] ^= 1 << bit;
            let rec = read(&b);
            assert_bit_exact(&rec.frames, &want[..100]);
            assert_eq!(rec.warnings.len(), 1, "byte {i} bit {bit}");
            let w = &rec.warnings[0];
            assert_eq!(w.offset, start as u64, "byte {i} bit {bit}");
            // A flipped length reads as a block running past the end or over the limit; every other flip
            // fails the checksum.
            let in_length = (start + 2..start + 6).contains(&i);
            match &w.kind {
                WarningKind::Checksum { .. } => {}
                WarningKind::Truncated { .. } | WarningKind::TooLarge { .. } if in_length => {}
                other => panic!("byte {i} bit {bit}: {other:?}"),
            }
        }
    }
}

#[test]
fn a_bit_flip_in_the_meta_block_is_caught() {
    let (mut bytes, _) = recording(10);
    bytes[FILE_HEADER_LEN + BLOCK_HEADER_LEN + 3] ^= 0x20;
    let rec = read(&bytes);
    assert_eq!(rec.meta, None);
    assert!(rec.frames.is_empty());
    assert_eq!(rec.warnings[0].offset, FILE_HEADER_LEN as u64);
    assert!(matches!(rec.warnings[0].kind, WarningKind::Checksum { .. }));
}

#[test]
fn absurd_length_is_refused_without_reading_on() {
    let (bytes, _) = recording(10);
    let mut b = bytes[..FILE_HEADER_LEN].to_vec();
    b.extend_from_slice(&[2, 0, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]);
    let rec = read(&b);
    assert_eq!(rec.warnings.len(), 1);
    assert_eq!(rec.warnings[0].kind, WarningKind::TooLarge { len: u32::MAX });
}

#[test]
fn intact_block_with_bad_content_is_skipped() {
    let (bytes, _) = recording(10);
    let mut b = bytes[..FILE_HEADER_LEN].to_vec();
    // A lap block of the wrong size with a correct checksum, then a valid unknown block type 200, then EOF.
    for (kind, payload) in [(4u8, &[1u8, 2, 3][..]), (200, &[9, 9][..])] {
        let head = [kind, 0, payload.len() as u8, 0, 0, 0];
        let mut crc = crc32fast::Hasher::new();
        crc.update(&head);
        crc.update(payload);
        b.extend_from_slice(&head);
        b.extend_from_slice(&crc.finalize().to_le_bytes());
        b.extend_from_slice(payload);
    }
    let items: Vec<Item> = RecordingReader::from_reader(&b[..]).expect("open").collect();
    assert_eq!(items.len(), 1, "unknown block type skipped: {items:?}");
    let Item::Warning(w) = &items[0] else { panic!("{items:?}") };
    assert!(!w.is_fatal());
    assert_eq!(w.offset, FILE_HEADER_LEN as u64);
}

#[test]
fn foreign_file_is_a_specific_error() {
    let err = RecordingReader::from_reader(&b"PK\x03\x04 this is a zip file"[..]).expect_err("foreign");
    assert!(matches!(err, Error::ForeignFile { found } if &found[..2] == b"PK"));
    assert!(matches!(RecordingReader::from_reader(&b"\x89RC"[..]), Err(Error::TooShort { len: 3 })));
    assert!(matches!(RecordingReader::from_reader(&b""[..]), Err(Error::TooShort { len: 0 })));
}

#[test]
fn newer_version_is_a_specific_error() {
    let (mut bytes, _) = recording(10);
    bytes[8] = 3;
    let err = RecordingReader::from_reader(&bytes[..]).expect_err("newer");
    assert!(matches!(err, Error::NewerVersion { found: 3, supported: 2 }), "{err:?}");
    bytes[8] = 0;
    assert!(matches!(RecordingReader::from_reader(&bytes[..]), Err(Error::InvalidVersion { found: 0 })));
}

#[test]
fn reserved_header_flags_are_an_error() {
    let (bytes, _) = recording(10);
    for (i, bit) in [(10, 0), (11, 7)] {
        let mut b = bytes.clone();
        b[i] |= 1 << bit;
        let err = RecordingReader::from_reader(&b[..]).expect_err("reserved");
        assert!(matches!(err, Error::ReservedFlags { flags } if flags != 0), "{err:?}");
    }
}

#[test]
fn reserved_block_byte_is_a_warning() {
    let (bytes, _) = recording(10);
    let mut b = bytes[..FILE_HEADER_LEN].to_vec();
    let head = [1u8, 1, 2, 0, 0, 0];
    let mut crc = crc32fast::Hasher::new();
    crc.update(&head);
    crc.update(b"{}");
    b.extend_from_slice(&head);
    b.extend_from_slice(&crc.finalize().to_le_bytes());
    b.extend_from_slice(b"{}");
    let rec = read(&b);
    assert_eq!(rec.warnings[0].kind, WarningKind::Reserved { value: 1 });
    assert_eq!(rec.meta, None);
}

#[test]
fn garbage_after_the_header_never_panics() {
    let (bytes, _) = recording(10);
    let mut seed = 7u64;
    for len in 0..400 {
        let mut b = bytes[..FILE_HEADER_LEN].to_vec();
        for _ in 0..len {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            b.push((seed >> 56) as u8);
        }
        // Random bytes never pass a block checksum: nothing decodes, and nothing panics.
        assert!(read(&b).frames.is_empty());
    }
}

#[test]
fn truncation_anywhere_yields_a_prefix_of_the_frames() {
    let (bytes, _) = recording(250);
    let want = frames(250);
    for cut in FILE_HEADER_LEN..bytes.len() {
        let rec = read(&bytes[..cut]);
        assert!(rec.warnings.len() <= 1, "cut {cut}");
        assert_bit_exact(&rec.frames, &want[..rec.frames.len()]);
        assert!(rec.trailer.is_none(), "cut {cut} is before the end of the trailer");
    }
}

/// Every item, in order, as [`RecordingReader::for_each_parallel`] hands them over.
fn items_parallel(bytes: &[u8], threads: usize, channels: u64) -> Vec<Item> {
    let mut items = Vec::new();
    RecordingReader::from_reader(bytes)
        .expect("header")
        .only_channels(channels)
        .for_each_parallel(threads, |i| items.push(i.clone()));
    items
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 64, rng_seed: proptest::test_runner::RngSeed::Fixed(5), ..Default::default() })]

    /// Decoding the frame blocks on several threads changes nothing: the same items in the same order as
    /// iterating, with a byte flipped or the file cut anywhere (the warning and where it stops included), and
    /// with only some channels decoded.
    #[test]
    fn parallel_reading_gives_the_items_of_sequential_reading(
        cut in 0.0..1.0f64,
        flip in proptest::option::of((0.0..1.0f64, 1..=255u8)),
        threads in 1..5usize,
        channels in proptest::prelude::any::<u64>(),
    ) {
        let (mut bytes, _) = recording(2500);
        if let Some((at, x)) = flip {
            let i = FILE_HEADER_LEN + ((bytes.len() - FILE_HEADER_LEN - 1) as f64 * at) as usize;
            bytes[i] ^= x;
        }
        let keep = FILE_HEADER_LEN + ((bytes.len() - FILE_HEADER_LEN) as f64 * cut) as usize;
        let bytes = &bytes[..keep.max(FILE_HEADER_LEN)];
        let sequential: Vec<Item> = RecordingReader::from_reader(bytes).expect("header").only_channels(channels).collect();
        proptest::prop_assert_eq!(items_parallel(bytes, threads, channels), sequential);
    }
}

#[test]
fn parallel_reading_of_a_whole_file_gives_every_frame() {
    let (bytes, _) = recording(2500);
    let frames: Vec<_> = items_parallel(&bytes, 3, u64::MAX)
        .into_iter()
        .flat_map(|i| if let Item::Frames(f) = i { f } else { Vec::new() })
        .collect();
    assert_bit_exact(&frames, &common::frames(2500));
}

#[test]
fn a_sink_that_panics_stops_parallel_reading_instead_of_hanging() {
    let (bytes, _) = recording(2500);
    let mut seen = 0;
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        RecordingReader::from_reader(&bytes[..]).expect("header").for_each_parallel(2, |_| {
            seen += 1;
            if seen == 2 {
                panic!("the sink gives up");
            }
        });
    }));
    assert!(outcome.is_err(), "the panic reaches the caller");
    assert_eq!(seen, 2);
}
