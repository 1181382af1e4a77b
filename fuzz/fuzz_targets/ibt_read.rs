#![no_main]
//! Any bytes as an iRacing `.ibt` file or live map: an error or a file, never a panic; a parsed file is
//! also iterated record by record and normalized to frames, and its session metadata is extracted.
use libfuzzer_sys::fuzz_target;
use racecraft_capture::iracing::{IbtFile, LiveReader};

fuzz_target!(|data: &[u8]| {
    if let Ok(file) = IbtFile::parse(data) {
        assert!(file.record_count() * file.header.buf_len as usize <= data.len());
        let frames = file.frames().count();
        assert_eq!(frames, file.record_count());
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
