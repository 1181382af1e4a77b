//! Compaction: long frame blocks on finish, crashed files, version-1 files; the same frames through every
//! path.

mod common;

use std::io::Cursor;
use std::time::{Duration, Instant};

use common::{assert_bit_exact, frames, meta};
use racecraft_codec::chunk::{self, ChunkEncoder, Compression};
use racecraft_core::Frame;
use racecraft_record::format::MAX_FRAMES_PER_BLOCK;
use racecraft_record::{
    COMPACT_FRAMES, Error, Item, LapMarker, RecordingReader, RecordingWriter, WriterConfig, compact, read_all,
};

const V1_FILE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/v1_1000_frames.rcr");

fn lap(n: u32) -> LapMarker {
    LapMarker { lap_number: n, end_t_us: i64::from(n) * 60_000_000, lap_time_s: 60.0, valid: true }
}

/// Writes `want` with 100 ms-style blocks of 33 frames, a lap every 10 000 frames and a raw packet every
/// 5000; returns the writer unfinished.
fn journal(path: &std::path::Path, want: &[Frame], compact_frames: usize) -> RecordingWriter {
    let config = WriterConfig { max_frames: 33, max_age: Duration::from_secs(3600), compact_frames };
    let mut w = RecordingWriter::create_with(path, &meta(), config).expect("create");
    let now = Instant::now();
    for (i, f) in want.iter().enumerate() {
        w.push_at(*f, now).expect("push");
        if i % 10_000 == 9_999 {
            w.lap(&lap(i as u32 / 10_000 + 1)).expect("lap");
        }
        if i % 5000 == 0 {
            w.push_raw_at(f.t_us, "sim/udp", &[i as u8], now).expect("raw");
        }
    }
    w
}

#[test]
fn finish_compacts_into_long_blocks_and_every_path_gives_the_same_frames() {
    let dir = tempfile::tempdir().expect("tempdir");
    let want = frames(30_000);
    let (small, big) = (dir.path().join("journal.rcr"), dir.path().join("compacted.rcr"));
    journal(&small, &want, 0).finish().expect("finish journal");
    journal(&big, &want, COMPACT_FRAMES).finish().expect("finish compacted");
    assert!(!dir.path().join("compacted.rcr.compacting").exists(), "temporary file removed");

    let (a, b) = (read_all(&small).expect("journal"), read_all(&big).expect("compacted"));
    for rec in [&a, &b] {
        assert!(rec.warnings.is_empty(), "{:?}", rec.warnings);
        assert_eq!(rec.meta, Some(meta()));
        assert_eq!(rec.laps, vec![lap(1), lap(2), lap(3)]);
        assert_eq!(rec.raw_count, 6);
        assert_bit_exact(&rec.frames, &want);
    }
    let trailer = b.trailer.expect("trailer");
    assert_eq!(trailer.frame_count, 30_000);
    assert_eq!(trailer.index.len(), 30_000usize.div_ceil(COMPACT_FRAMES));
    let (small_len, big_len) =
        (std::fs::metadata(&small).expect("len").len(), std::fs::metadata(&big).expect("len").len());
    assert!(big_len * 3 < small_len * 2, "compacted {big_len} vs journal {small_len}");

    // Seeking through the index: each block starts with the frame the index names.
    let mut reader = RecordingReader::open(&big).expect("open");
    let mut seen = 0;
    for e in &trailer.index {
        reader.seek_to_block(e.offset).expect("seek");
        let Some(Item::Frames(fs)) = reader.next() else { panic!("frame block at {}", e.offset) };
        assert!(fs.len() <= COMPACT_FRAMES && fs.len() <= MAX_FRAMES_PER_BLOCK as usize);
        assert_eq!(fs[0].t_us, e.first_t_us);
        assert_bit_exact(&fs, &want[seen..seen + fs.len()]);
        seen += fs.len();
    }
    assert_eq!(seen, want.len());

    // The codec itself, every compression: the same bits as the file.
    for c in [Compression::None, Compression::Lz4, Compression::Zstd] {
        let mut bytes = Vec::new();
        ChunkEncoder::new().encode(&want, c, &mut bytes);
        assert_bit_exact(&chunk::decode(&bytes).expect("decodes"), &want);
    }
    // And a reader over bytes in memory.
    let bytes = std::fs::read(&big).expect("bytes");
    let rec = RecordingReader::from_reader(Cursor::new(bytes)).expect("header").into_recording();
    assert_bit_exact(&rec.frames, &want);
}

#[test]
fn a_crashed_file_compacts_to_everything_readable() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("crashed.rcr");
    let want = frames(5000);
    let w = journal(&path, &want, COMPACT_FRAMES);
    drop(w); // written up to the last frame, no trailer: a kill after the last flush
    let mut bytes = std::fs::read(&path).expect("bytes");
    bytes.truncate(bytes.len() - 7); // torn last block
    std::fs::write(&path, &bytes).expect("write");
    let before = read_all(&path).expect("read");
    assert_eq!(before.warnings.len(), 1);
    let kept = before.frames.len();
    assert!(kept > 4900 && kept < 5000, "{kept}");

    let report = compact(&path).expect("compact");
    assert_eq!(report.frames, kept as u64);
    assert_eq!(report.warnings, before.warnings);
    assert!(report.bytes_after < report.bytes_before);
    let after = read_all(&path).expect("read");
    assert!(after.warnings.is_empty(), "{:?}", after.warnings);
    assert_eq!(after.trailer.expect("trailer").frame_count, kept as u64);
    assert_bit_exact(&after.frames, &want[..kept]);
}

#[test]
fn version_1_files_still_read_and_compact_to_the_same_frames() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("v1.rcr");
    std::fs::copy(V1_FILE, &path).expect("copy fixture");
    assert_eq!(std::fs::read(&path).expect("bytes")[8], 1, "fixture is version 1");
    let v1 = read_all(&path).expect("read v1");
    assert!(v1.warnings.is_empty(), "{:?}", v1.warnings);
    assert_eq!(v1.meta, Some(meta()));
    assert_eq!(v1.trailer.as_ref().expect("trailer").index.len(), 4, "1000 frames in blocks of 300");
    assert_bit_exact(&v1.frames, &frames(1000));

    compact(&path).expect("compact");
    let v2 = read_all(&path).expect("read v2");
    assert_eq!(std::fs::read(&path).expect("bytes")[8], 2, "rewritten as version 2");
    assert_bit_exact(&v2.frames, &frames(1000));
    assert_eq!(v2.meta, v1.meta);
}

#[test]
fn a_file_without_metadata_is_not_compacted() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("nometa.rcr");
    let header = std::fs::read(V1_FILE).expect("fixture")[..12].to_vec();
    std::fs::write(&path, &header).expect("write");
    assert!(matches!(compact(&path), Err(Error::NoMeta { .. })));
    assert_eq!(std::fs::read(&path).expect("bytes"), header, "left as it was");
}
