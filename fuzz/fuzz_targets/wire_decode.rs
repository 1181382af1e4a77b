#![no_main]
//! Any bytes as a WebSocket binary message, both kinds: an error or a value, never a panic.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = racecraft_codec::wire::decode_telemetry(data);
    let mut frames = Vec::new();
    if racecraft_codec::wire::decode_frames(data, &mut frames).is_err() {
        assert!(frames.is_empty());
    }
});
