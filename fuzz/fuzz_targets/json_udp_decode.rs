#![no_main]
//! Any bytes as a JSON-over-UDP datagram: an error or a point, never a panic; a point converts to a frame and
//! its own encoding decodes again.
use libfuzzer_sys::fuzz_target;
use racecraft_capture::json::{self, JsonNormalizer};

fuzz_target!(|data: &[u8]| {
    if let Ok(point) = json::decode(data) {
        let _ = point.to_frame(0);
        let _ = JsonNormalizer::new().push(&point, 0);
        assert!(json::decode(&point.encode()).is_ok());
    }
});
