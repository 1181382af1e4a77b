//! `.ibt` records with a corrupt `SessionTime` are skipped and counted, the others keep their times. A corrupt
//! value used to become the frame time through a saturating cast (NaN → 0, 10³⁰⁰ s → `i64::MAX` µs), and 17 of
//! 200 mutated files then failed `racecraft export --format motec`.

use proptest::prelude::*;
use racecraft_capture::iracing::{IbtFile, MAX_SESSION_TIME_S};
use racecraft_core::{Channel, Frame};
use std::path::Path;
use std::sync::OnceLock;

const DATA_AT: usize = 48_912;
const BUF_LEN: usize = 1051;
const RECORDS: usize = 3429;

fn bytes() -> &'static [u8] {
    static BYTES: OnceLock<Vec<u8>> = OnceLock::new();
    BYTES.get_or_init(|| {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/iracing/tsukuba_formulavee_4laps.ibt");
        std::fs::read(path).expect("fixture readable")
    })
}

/// `SessionTime` of record `i` straight from the bytes: a double at offset 0 of the row (PROVENANCE.md).
fn raw_time(b: &[u8], i: usize) -> f64 {
    let at = DATA_AT + i * BUF_LEN;
    f64::from_le_bytes(b[at..at + 8].try_into().expect("8 bytes"))
}

fn set_time(b: &mut [u8], i: usize, t: f64) {
    let at = DATA_AT + i * BUF_LEN;
    b[at..at + 8].copy_from_slice(&t.to_le_bytes());
}

/// Every channel but the lap time, which the reader settles from neighbouring records' times.
fn same_values(a: &Frame, b: &Frame) -> bool {
    Channel::ALL.iter().filter(|&&c| c != Channel::LapTime).all(|&c| a.get(c) == b.get(c))
}

#[test]
fn corrupt_session_times_are_skipped_and_the_rest_keep_theirs() {
    let clean = IbtFile::parse(bytes()).expect("fixture parses");
    assert_eq!(clean.skipped_records, 0);
    let clean_frames: Vec<Frame> = clean.frames().collect();
    assert_eq!(clean_frames.len(), RECORDS);

    let mut b = bytes().to_vec();
    let t = |i| raw_time(bytes(), i);
    let corrupt = [
        (0, f64::NAN),
        (500, 1e300),
        (1000, -1e300),
        (1200, f64::INFINITY),
        (1500, t(1500) * 512.0), // ahead, but within 30 days: out of order with what follows
        (2000, 2e6),             // 23 days: plausible alone, out of order
        (2500, 1.0),             // behind
        (2501, -5.0),            // negative beyond float noise
        (RECORDS - 1, t(RECORDS - 1) + 600.0), // the last record, ten minutes ahead of the one before
    ];
    for (i, v) in corrupt {
        set_time(&mut b, i, v);
    }
    let file = IbtFile::parse(&b).expect("still parses");
    assert_eq!(file.record_count(), RECORDS);
    assert_eq!(file.skipped_records, corrupt.len() as u64);
    let frames: Vec<Frame> = file.frames().collect();
    assert_eq!(frames.len(), RECORDS - corrupt.len());

    // The kept records, in order, with their own SessionTime from the bytes, relative to the first kept one.
    let kept: Vec<usize> = (0..RECORDS).filter(|i| !corrupt.iter().any(|(c, _)| c == i)).collect();
    let t0 = t(kept[0]);
    for (frame, &i) in frames.iter().zip(&kept) {
        assert_eq!(file.record_time(i), Some(t(i)), "record {i}");
        let want_us = ((t(i) - t0) * 1e6).round() as i64;
        assert_eq!(frame.t_us, want_us, "record {i}");
        assert!(same_values(frame, &clean_frames[i]), "record {i}: {frame:?} vs {:?}", clean_frames[i]);
    }
    for (i, _) in corrupt {
        assert_eq!(file.record_time(i), None, "record {i}");
    }
    assert!(frames.windows(2).all(|w| w[0].t_us < w[1].t_us));
    assert!(frames.last().expect("frames").t_s() < 600.0);
}

#[test]
fn a_forward_jump_followed_by_its_own_records_is_kept() {
    // Records 2000.. moved an hour later (a pause in recording): out of order with nothing, so nothing skipped.
    let mut b = bytes().to_vec();
    for i in 2000..RECORDS {
        set_time(&mut b, i, raw_time(bytes(), i) + 3600.0);
    }
    let file = IbtFile::parse(&b).expect("parses");
    assert_eq!(file.skipped_records, 0);
    let frames: Vec<Frame> = file.frames().collect();
    assert_eq!(frames.len(), RECORDS);
    let step = frames[2000].t_s() - frames[1999].t_s();
    assert!((step - 3600.0 - 1.0 / 60.0).abs() < 1e-3, "{step}");
}

#[test]
fn a_file_of_only_corrupt_times_has_no_frames() {
    let mut b = bytes()[..DATA_AT + 5 * BUF_LEN].to_vec();
    for (i, v) in [f64::NAN, 1e300, -1e300, f64::NEG_INFINITY, MAX_SESSION_TIME_S * 2.0].into_iter().enumerate() {
        set_time(&mut b, i, v);
    }
    let file = IbtFile::parse(&b).expect("parses");
    assert_eq!((file.record_count(), file.skipped_records, file.frames().count()), (5, 5, 0));
}

fn small_file() -> &'static [u8] {
    &bytes()[..DATA_AT + 40 * BUF_LEN]
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 256,
        rng_seed: proptest::test_runner::RngSeed::Fixed(2),
        ..ProptestConfig::default()
    })]

    /// Bytes overwritten in the records, half of them in `SessionTime`: every record is a frame or counted as
    /// skipped, and the frames run forward within 30 days.
    #[test]
    fn mutated_records_never_panic_and_times_stay_sane(
        edits in prop::collection::vec((0..40usize, prop_oneof![0..8usize, 0..BUF_LEN], any::<u8>()), 1..16),
    ) {
        let mut b = small_file().to_vec();
        for (record, offset, byte) in edits {
            b[DATA_AT + record * BUF_LEN + offset] = byte;
        }
        let file = IbtFile::parse(&b).expect("headers untouched");
        let frames: Vec<Frame> = file.frames().collect();
        prop_assert_eq!(frames.len() as u64 + file.skipped_records, 40);
        prop_assert!(frames.windows(2).all(|w| w[0].t_us <= w[1].t_us));
        prop_assert!(frames.iter().all(|f| f.t_us >= 0 && f.t_s() <= MAX_SESSION_TIME_S + 1.0));
        let _ = file.meta();
    }
}
