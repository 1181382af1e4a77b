#![no_main]
//! Any bytes as an F1 23/24/25 UDP datagram: an error or a packet, never a panic; a decoded packet also
//! goes through the normalizer (following the player, then a chosen car while spectating).
use libfuzzer_sys::fuzz_target;
use racecraft_capture::f1::{F1Normalizer, decode};

fuzz_target!(|data: &[u8]| {
    if let Ok(packet) = decode(data) {
        assert_eq!(packet.header().packet_id, data[6]);
        let _ = F1Normalizer::new(None).push(&packet);
        let _ = F1Normalizer::new(Some(data[0] % 23)).push(&packet);
    }
});
