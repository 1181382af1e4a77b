#![no_main]
//! Any bytes as an iRacing `.ibt` file or live map: an error or a file, never a panic; a parsed file is
//! also iterated record by record and normalized to frames, and its session metadata is extracted. Every
//! record becomes a frame or is counted as skipped (corrupt `SessionTime`), and the frames' times run forward
//! (within 30 days of the first when they come from `SessionTime`).
use libfuzzer_sys::fuzz_target;
use racecraft_capture::iracing::{IbtFile, LiveReader, MAX_SESSION_TIME_S, MIN_SESSION_TIME_S};

fuzz_target!(|data: &[u8]| {
    if let Ok(file) = IbtFile::parse(data) {
        assert!(file.record_count() * file.header.buf_len as usize <= data.len());
        let frames: Vec<_> = file.frames().collect();
        assert_eq!(frames.len() as u64 + file.skipped_records, file.record_count() as u64);
        let span_us = ((MAX_SESSION_TIME_S - MIN_SESSION_TIME_S) * 1e6) as i64;
        assert!(frames.windows(2).all(|w| w[0].t_us <= w[1].t_us), "frame times go backwards");
        // Without a SessionTime variable the records are timed by their index, so only the order holds.
        if file.var("SessionTime").is_some() {
            assert!(frames.iter().all(|f| (0..=span_us).contains(&f.t_us)), "frame time out of range");
        }
        if let Some(var) = file.vars.first() {
            for record in file.records() {
                let _ = record.value(var);
            }
        }
        let _ = file.meta();
    }
    if let Ok(mut live) = LiveReader::new(data) {
        let _ = live.read_frame(data);
    }
});
