#![no_main]
//! Any bytes as a recording: an error from the header or a stream of items ending in at most one fatal
//! warning, never a panic; reading with the frame blocks decoded on several threads gives the same items.
use libfuzzer_sys::fuzz_target;
use racecraft_record::{Item, RecordingReader};

fuzz_target!(|data: &[u8]| {
    if let Ok(reader) = RecordingReader::from_reader(data) {
        let mut fatal = 0;
        let items: Vec<Item> = reader.collect();
        for item in &items {
            if let Item::Warning(w) = item
                && w.is_fatal()
            {
                fatal += 1;
            }
        }
        assert!(fatal <= 1, "reading goes on after a fatal warning");
        let mut parallel = Vec::new();
        if let Ok(reader) = RecordingReader::from_reader(data) {
            reader.for_each_parallel(2, |item| parallel.push(item.clone()));
        }
        assert_eq!(parallel, items, "parallel reading differs from reading in order");
    }
});
