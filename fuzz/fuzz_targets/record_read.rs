#![no_main]
//! Any bytes as a recording: an error from the header or a stream of items ending in at most one fatal
//! warning, never a panic.
use libfuzzer_sys::fuzz_target;
use racecraft_record::{Item, RecordingReader};

fuzz_target!(|data: &[u8]| {
    if let Ok(reader) = RecordingReader::from_reader(data) {
        let mut fatal = 0;
        for item in reader {
            if let Item::Warning(w) = item
                && w.is_fatal()
            {
                fatal += 1;
            }
        }
        assert!(fatal <= 1, "reading goes on after a fatal warning");
    }
});
