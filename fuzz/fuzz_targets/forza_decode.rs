#![no_main]
//! Any bytes as a Forza Data Out datagram: an error or a packet, never a panic; a packet normalizes, serializes,
//! and re-encodes to the very same bytes.
use libfuzzer_sys::fuzz_target;
use racecraft_capture::forza::{self, ForzaNormalizer};

fuzz_target!(|data: &[u8]| {
    if let Ok(packet) = forza::decode(data) {
        let _ = packet.to_frame(0);
        let _ = ForzaNormalizer::new().push(&packet);
        let _ = serde_json::to_string(&packet);
        assert_eq!(packet.encode(), data);
    }
});
