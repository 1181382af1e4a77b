#![no_main]
//! Any bytes as an AC/ACC shared memory page or an AC UDP datagram: an error or a value, never a panic; whatever
//! decodes also normalizes to a frame and re-encodes to the same length.
use libfuzzer_sys::fuzz_target;
use racecraft_capture::assetto_corsa::{AcUdp, GraphicsPage, PhysicsPage, StaticPage, decode_datagram, udp};

fuzz_target!(|data: &[u8]| {
    if let Ok(page) = PhysicsPage::parse(data) {
        let _ = page.to_frame(0);
        assert_eq!(page.encode().len(), data.len());
    }
    if let Ok(page) = GraphicsPage::parse(data) {
        let mut frame = racecraft_core::Frame::new(0);
        page.apply_to(&mut frame);
        assert_eq!(page.encode().len(), data.len());
    }
    if let Ok(page) = StaticPage::parse(data) {
        let _ = page.session_meta();
    }
    if let Ok(datagram) = decode_datagram(data) {
        if let AcUdp::CarInfo(info) = &datagram {
            let _ = info.to_frame(0);
        }
        assert_eq!(datagram.encode().len(), data.len());
    }
    let _ = udp::Handshake::decode(data);
});
