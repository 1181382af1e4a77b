#![no_main]
//! Any bytes as a WebSocket binary message, both kinds: an error or a value, never a panic, and never more
//! frames reserved than the batch limit or than the bytes can hold (one frame per byte LZ4 can expand to).
use libfuzzer_sys::fuzz_target;
use racecraft_codec::wire::MAX_BATCH_FRAMES;

fuzz_target!(|data: &[u8]| {
    let _ = racecraft_codec::wire::decode_telemetry(data);
    let mut frames = Vec::new();
    let result = racecraft_codec::wire::decode_frames(data, &mut frames);
    assert!(frames.capacity() <= MAX_BATCH_FRAMES as usize, "{} frames reserved", frames.capacity());
    assert!(frames.capacity() <= 255 * data.len(), "{} frames for {} bytes", frames.capacity(), data.len());
    match result {
        Ok(_) => assert!(frames.len() <= MAX_BATCH_FRAMES as usize),
        Err(_) => assert!(frames.is_empty()),
    }
});
