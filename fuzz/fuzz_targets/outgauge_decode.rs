#![no_main]
//! Any bytes as an OutGauge datagram: an error or a packet, never a panic; a packet normalizes, serializes, and
//! re-encodes to the very same bytes.
use libfuzzer_sys::fuzz_target;
use racecraft_capture::outgauge;

fuzz_target!(|data: &[u8]| {
    if let Ok(packet) = outgauge::decode(data) {
        let _ = packet.to_frame(0);
        let _ = serde_json::to_string(&packet);
        assert_eq!(packet.encode(), data);
    }
});
