#![no_main]
//! Any bytes as F1 23/24/25 UDP datagrams: an error or a packet, never a panic; decoded packets also go
//! through the normalizer (following the player, then a chosen car while spectating) and the field it keeps
//! for the timing tower, one datagram at a time so a packet is seen on top of what the ones before left.
use libfuzzer_sys::fuzz_target;
use racecraft_capture::f1::{F1Normalizer, decode};

fuzz_target!(|data: &[u8]| {
    let mut player = F1Normalizer::new(None);
    let mut chosen = F1Normalizer::new(data.first().map(|b| b % 23));
    // The input as a run of datagrams, each prefixed by its length (two bytes, little-endian).
    let mut rest = data;
    while rest.len() >= 2 {
        let len = usize::from(u16::from_le_bytes([rest[0], rest[1]]));
        let tail = &rest[2..];
        let (datagram, next) = tail.split_at(len.min(tail.len()));
        rest = next;
        if let Ok(packet) = decode(datagram) {
            assert_eq!(packet.header().packet_id, datagram[6]);
            let _ = player.push(&packet);
            let _ = chosen.push(&packet);
            for field in [player.field(), chosen.field()].into_iter().flatten() {
                assert!(field.cars.iter().filter(|c| c.is_player).count() <= 1);
            }
        }
    }
    if let Ok(packet) = decode(data) {
        let _ = F1Normalizer::new(None).push(&packet);
    }
});
