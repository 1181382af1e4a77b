//! Everything written comes back: metadata, frames bit for bit, laps, raw packets, the trailer index.

mod common;

use std::time::{Duration, Instant};

use common::{assert_bit_exact, frames, meta};
use proptest::prelude::*;
use racecraft_core::{CHANNEL_COUNT, Channel, Frame};
use racecraft_record::format::{BLOCK_FRAMES, BLOCK_HEADER_LEN, FILE_HEADER_LEN, MAGIC};
use racecraft_record::{Item, LapMarker, RecordingReader, RecordingWriter, WriterConfig, read_all};

fn lap(n: u32) -> LapMarker {
    LapMarker {
        lap_number: n,
        end_t_us: i64::from(n) * 90_000_000,
        lap_time_s: 89.987_654_321,
        valid: n.is_multiple_of(2),
    }
}

#[test]
fn meta_frames_laps_and_raw_packets_round_trip() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("session.rcr");
    let want = frames(2500);
    let config = WriterConfig { max_frames: 300, max_age: Duration::from_secs(3600), compact_frames: 0 };
    let mut w = RecordingWriter::create_with(&path, &meta(), config).expect("create");
    let t0 = Instant::now();
    for (i, f) in want.iter().enumerate() {
        w.push_at(*f, t0).expect("push");
        if i % 1000 == 999 {
            w.lap(&lap(i as u32 / 1000 + 1)).expect("lap");
        }
        if i % 500 == 0 {
            w.push_raw(f.t_us, "sim/udp", &[i as u8, 0xff, 0]).expect("raw");
        }
    }
    w.finish().expect("finish");

    let rec = read_all(&path).expect("read");
    assert_eq!(rec.meta, Some(meta()));
    assert!(rec.warnings.is_empty(), "{:?}", rec.warnings);
    assert_bit_exact(&rec.frames, &want);
    // One oracle, every path: the codec's own round trip gives the same bits.
    let codec = racecraft_codec::chunk::decode(&racecraft_codec::chunk::encode(&want)).expect("codec");
    assert_bit_exact(&rec.frames, &codec);
    assert_eq!(rec.laps, vec![lap(1), lap(2)]);
    assert_eq!(rec.raw_count, 5);

    let trailer = rec.trailer.expect("finished file has a trailer");
    assert_eq!(trailer.frame_count, 2500);
    assert_eq!(trailer.index.len(), 9, "2500 frames in blocks of 300");
    let bytes = std::fs::read(&path).expect("read bytes");
    for (k, e) in trailer.index.iter().enumerate() {
        assert_eq!(e.first_t_us, want[k * 300].t_us);
        assert_eq!(bytes[e.offset as usize], BLOCK_FRAMES, "index points at a frame block");
    }
    // The trailer's last four bytes are its own size, so the index can be found from the end.
    let n = bytes.len();
    let trailer_len = u32::from_le_bytes(bytes[n - 4..].try_into().expect("4 bytes")) as usize;
    assert_eq!(bytes[n - trailer_len], racecraft_record::format::BLOCK_TRAILER);
}

#[test]
fn raw_packets_come_back_exactly() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("raw.rcr");
    let mut w = RecordingWriter::create(&path, &meta()).expect("create");
    w.push_raw(-5, "", &[]).expect("empty raw");
    w.push_raw(123_456, "f1-24/udp", &[1, 2, 3, 250]).expect("raw");
    assert!(w.push_raw(0, &"x".repeat(256), &[]).is_err(), "tag over 255 bytes is refused");
    w.finish().expect("finish");
    let raws: Vec<_> = RecordingReader::open(&path)
        .expect("open")
        .filter_map(|i| match i {
            Item::Raw(r) => Some((r.t_us, r.source, r.bytes)),
            _ => None,
        })
        .collect();
    assert_eq!(raws, vec![(-5, String::new(), vec![]), (123_456, "f1-24/udp".into(), vec![1, 2, 3, 250])]);
}

#[test]
fn golden_file_header_and_meta_block() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("golden.rcr");
    RecordingWriter::create(&path, &meta()).expect("create").finish().expect("finish");
    let bytes = std::fs::read(&path).expect("read");
    assert_eq!(&bytes[..FILE_HEADER_LEN], b"\x89RCR\r\n\x1a\n\x02\x00\x00\x00");
    assert_eq!(bytes[..8], MAGIC);
    let json =
        br#"{"game":"sim","car":"Formula Test","track":"Testring","driver":"Ada","started_at_ms":1763790000000}"#;
    let block = &bytes[FILE_HEADER_LEN..];
    assert_eq!(block[0..2], [1, 0], "type meta, reserved 0");
    assert_eq!(block[2..6], (json.len() as u32).to_le_bytes());
    let mut crc = crc32fast::Hasher::new();
    crc.update(&block[0..6]);
    crc.update(json);
    assert_eq!(block[6..10], crc.finalize().to_le_bytes());
    assert_eq!(&block[BLOCK_HEADER_LEN..BLOCK_HEADER_LEN + json.len()], json);
}

#[test]
fn blocks_are_cut_by_age_and_by_flush_if_due() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("age.rcr");
    let config = WriterConfig { max_frames: 1000, max_age: Duration::from_millis(100), compact_frames: 0 };
    let mut w = RecordingWriter::create_with(&path, &meta(), config).expect("create");
    let t0 = Instant::now();
    let fs = frames(40);
    // 3 ms apart: the push at 102 ms finds the oldest frame (0 ms) 100 ms old or more and writes 35 frames.
    for (i, f) in fs.iter().take(35).enumerate() {
        w.push_at(*f, t0 + Duration::from_millis(3 * i as u64)).expect("push");
    }
    assert_eq!(w.pending_frames(), 0);
    for (i, f) in fs.iter().enumerate().skip(35) {
        w.push_at(*f, t0 + Duration::from_millis(3 * i as u64)).expect("push");
    }
    assert_eq!(w.pending_frames(), 5);
    // Frames stop coming; a timer flushes them once they are due, not before.
    assert!(!w.flush_if_due(t0 + Duration::from_millis(150)).expect("not due"));
    assert!(w.flush_if_due(t0 + Duration::from_millis(205)).expect("due"));
    assert_eq!(w.pending_frames(), 0);
    // Without finish(): no trailer, but the file already holds every frame.
    let rec = read_all(&path).expect("read");
    assert_bit_exact(&rec.frames, &fs);
    assert!(rec.trailer.is_none() && rec.warnings.is_empty());
    drop(w);
}

#[test]
fn dropping_the_writer_writes_pending_frames() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("drop.rcr");
    let fs = frames(10);
    let mut w = RecordingWriter::create(&path, &meta()).expect("create");
    for f in &fs {
        w.push_at(*f, Instant::now()).expect("push");
    }
    drop(w);
    let rec = read_all(&path).expect("read");
    assert_bit_exact(&rec.frames, &fs);
    assert!(rec.trailer.is_none());
}

#[test]
fn empty_recording_has_meta_and_trailer_only() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("empty.rcr");
    RecordingWriter::create(&path, &meta()).expect("create").finish().expect("finish");
    let items: Vec<_> = RecordingReader::open(&path).expect("open").collect();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0], Item::Meta(meta()));
    assert!(matches!(&items[1], Item::End(t) if t.frame_count == 0 && t.index.is_empty()));
}

fn arb_frame() -> impl Strategy<Value = Frame> {
    (any::<i64>(), proptest::collection::vec(proptest::option::of(any::<f32>()), CHANNEL_COUNT)).prop_map(
        |(t, vals)| {
            let mut f = Frame::new(t);
            for (i, v) in vals.into_iter().enumerate() {
                // Non-finite values leave the channel absent, as the frame model requires.
                f.set_opt(Channel::ALL[i], v);
            }
            f
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn prop_round_trip_any_frames_any_block_boundaries(
        fs in proptest::collection::vec(arb_frame(), 0..120),
        max_frames in 1usize..50,
        flush_at in proptest::collection::vec(any::<bool>(), 120),
    ) {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("p.rcr");
        let config = WriterConfig { max_frames, max_age: Duration::from_secs(3600), compact_frames: 0 };
        let mut w = RecordingWriter::create_with(&path, &meta(), config).expect("create");
        let now = Instant::now();
        for (f, flush) in fs.iter().zip(&flush_at) {
            w.push_at(*f, now).expect("push");
            if *flush {
                w.flush().expect("flush");
            }
        }
        w.finish().expect("finish");
        let rec = read_all(&path).expect("read");
        prop_assert!(rec.warnings.is_empty());
        assert_bit_exact(&rec.frames, &fs);
        prop_assert_eq!(rec.trailer.map(|t| t.frame_count), Some(fs.len() as u64));
    }
}

#[test]
fn trailer_from_the_end_and_seeking_to_a_frame_block() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("seek.rcr");
    let want = frames(1000);
    let config = WriterConfig { max_frames: 100, max_age: Duration::from_secs(3600), compact_frames: 0 };
    let mut w = RecordingWriter::create_with(&path, &meta(), config).expect("create");
    let now = Instant::now();
    for f in &want {
        w.push_at(*f, now).expect("push");
    }
    w.flush().expect("flush");
    // Not finished yet: no trailer to find.
    assert_eq!(RecordingReader::open(&path).expect("open").trailer().expect("trailer"), None);
    w.finish().expect("finish");

    let mut r = RecordingReader::open(&path).expect("open");
    let trailer = r.trailer().expect("read trailer").expect("finished file has a trailer");
    assert_eq!(trailer.frame_count, 1000);
    assert_eq!(trailer.index.len(), 10);
    // Looking at the end did not move the reader: it still starts with the metadata.
    assert_eq!(r.next(), Some(Item::Meta(meta())));
    let e = trailer.index[7];
    assert_eq!(e.first_t_us, want[700].t_us);
    r.seek_to_block(e.offset).expect("seek");
    let Some(Item::Frames(got)) = r.next() else { panic!("a frame block at the indexed offset") };
    assert_bit_exact(&got, &want[700..800]);
}

#[test]
fn golden_lap_block() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("lap.rcr");
    let mut w = RecordingWriter::create(&path, &meta()).expect("create");
    let marker = LapMarker { lap_number: 3, end_t_us: 0x0102_0304_0506_0708, lap_time_s: 1.5, valid: true };
    w.lap(&marker).expect("lap");
    drop(w);
    let bytes = std::fs::read(&path).expect("read");
    let block = &bytes[bytes.len() - BLOCK_HEADER_LEN - 21..];
    assert_eq!(block[..6], [4, 0, 21, 0, 0, 0]);
    let mut want = vec![3, 0, 0, 0, 8, 7, 6, 5, 4, 3, 2, 1];
    want.extend_from_slice(&1.5f64.to_le_bytes());
    want.push(1);
    assert_eq!(&block[BLOCK_HEADER_LEN..], &want[..]);
    assert_eq!(read_all(&path).expect("read").laps, vec![marker]);
}

#[test]
fn lap_markers_give_frames_without_a_lap_counter_their_laps() {
    use racecraft_record::Recording;
    let frames: Vec<Frame> = (0..10).map(|i| Frame::new(i * 1_000_000).with(Channel::Speed, 50.0)).collect();
    let marker = |lap_number, end_s: i64, lap_time_s| LapMarker {
        lap_number,
        end_t_us: end_s * 1_000_000,
        lap_time_s,
        valid: true,
    };
    let mut rec = Recording { frames, laps: vec![marker(2, 7, 3.5), marker(1, 3, 3.0)], ..Recording::default() };
    assert!(rec.stamp_laps_from_markers());
    let laps: Vec<_> = rec.frames.iter().map(|f| f.get(Channel::Lap)).collect();
    // Frames at 0..2 s are lap 1, 3..6 s lap 2 (a frame at a beacon starts the next lap), after the last beacon lap 3.
    let want = [1.0, 1.0, 1.0, 2.0, 2.0, 2.0, 2.0, 3.0, 3.0, 3.0].map(Some);
    assert_eq!(laps, want);
    let last: Vec<_> = rec.frames.iter().map(|f| f.get(Channel::LastLapTime)).collect();
    assert_eq!(last, [None, None, None, Some(3.0), Some(3.0), Some(3.0), Some(3.0), Some(3.5), Some(3.5), Some(3.5)]);

    // A log that counts laps itself is left alone.
    let mut counted = Recording {
        frames: vec![Frame::new(0).with(Channel::Lap, 4.0), Frame::new(5_000_000)],
        laps: vec![marker(1, 3, 3.0)],
        ..Recording::default()
    };
    let before = counted.clone();
    assert!(!counted.stamp_laps_from_markers());
    assert_eq!(counted, before);
}
