//! Corrupt files on the CLI's import and export paths: a small `.ld` whose channel headers describe billions of
//! frames is refused with a clear message, and `.ibt` files with corrupt `SessionTime`s export (17 of 200
//! mutated files used to fail `racecraft export --format motec`: the corrupt times became saturated frame times).

use std::process::Command;

use racecraft_capture::iracing::IbtFile;
use racecraft_core::{Frame, LapTracker, SessionMeta};
use racecraft_interchange::export::Export;
use racecraft_interchange::motec::{LdChannel, LdMeta, encode_ld};

const DATA_AT: usize = 48_912;
const BUF_LEN: usize = 1051;
const RECORDS: usize = 3429;

fn racecraft() -> Command {
    Command::new(env!("CARGO_BIN_EXE_racecraft"))
}

fn ibt_bytes() -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../capture/tests/data/iracing/tsukuba_formulavee_4laps.ibt");
    std::fs::read(path).expect("fixture")
}

#[test]
fn ld_with_a_fast_one_sample_channel_beside_a_long_slow_one_is_refused() {
    let channel = |name: &str, unit: &str, rate_hz, values| LdChannel {
        name: name.into(),
        short_name: String::new(),
        unit: unit.into(),
        rate_hz,
        values,
    };
    let slow = channel("Ground Speed", "km/h", 1, vec![100.0; 250_000]);
    let fast = channel("Engine RPM", "rpm", 65_535, vec![5000.0]);
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("hostile.ld");
    std::fs::write(&path, encode_ld(&LdMeta::default(), &[slow, fast]).expect("encodes")).expect("write");
    let out = racecraft().arg("inspect").arg(&path).output().expect("runs");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("16383750000 frames, more than the 250001 samples"), "{stderr}");
    assert!(stderr.contains("hostile.ld"), "{stderr}");
}

/// xorshift64: a fixed sequence, so the same 200 files every run.
fn next(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}

/// The fixture with 1 to 4 records' `SessionTime` bytes (a double at offset 0 of each row) overwritten.
fn mutated(clean: &[u8], state: &mut u64) -> Vec<u8> {
    let mut b = clean.to_vec();
    for _ in 0..1 + next(state) % 4 {
        let record = (next(state) % RECORDS as u64) as usize;
        let at = DATA_AT + record * BUF_LEN + (next(state) % 8) as usize;
        b[at] = next(state) as u8;
    }
    b
}

#[test]
fn ibt_files_with_corrupt_session_times_export() {
    let clean = ibt_bytes();
    let mut state = 0x2545_F491_4F6C_DD1D;
    let mut skipped = 0;
    for n in 0..200 {
        let b = mutated(&clean, &mut state);
        let ibt = IbtFile::parse(&b).expect("headers untouched");
        let frames: Vec<Frame> = ibt.frames().collect();
        assert_eq!(frames.len() as u64 + ibt.skipped_records, RECORDS as u64);
        skipped += ibt.skipped_records;
        let mut tracker = LapTracker::new();
        let laps = frames.iter().filter_map(|f| tracker.push(f)).collect();
        let export = Export::session(frames, laps);
        if let Err(e) = export.ld(&SessionMeta::default()) {
            panic!("mutated file {n}: {e}");
        }
    }
    assert!(skipped > 0, "no mutation hit a time that needed skipping");

    // Through the binary: a file with NaN, 1e300 and -1e300 times exports, and says what it skipped.
    let mut b = clean.clone();
    for (record, t) in [(10, f64::NAN), (1000, 1e300), (2000, -1e300)] {
        b[DATA_AT + record * BUF_LEN..DATA_AT + record * BUF_LEN + 8].copy_from_slice(&t.to_le_bytes());
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let (ibt, ld) = (dir.path().join("corrupt.ibt"), dir.path().join("corrupt.ld"));
    std::fs::write(&ibt, b).expect("write");
    let out = racecraft().arg("export").arg(&ibt).args(["--format", "motec", "--out"]).arg(&ld).output().expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("warning: 3 records skipped"), "{stderr}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("(60 Hz)"));
}
