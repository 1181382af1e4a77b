#![no_main]
//! Any bytes into the compact frame decoder: an error or a frame that re-encodes to the bytes it used.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok((frame, used)) = racecraft_codec::compact::decode(data) {
        let mut out = Vec::new();
        racecraft_codec::compact::encode(&frame, &mut out);
        assert_eq!(out.len(), used);
    }
});
