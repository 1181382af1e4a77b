#![no_main]
//! Any bytes into the chunk decoder: an error or frames, never a panic; frames it returns re-encode to a
//! chunk that decodes to the same frames.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(frames) = racecraft_codec::chunk::decode(data) {
        let again = racecraft_codec::chunk::decode(&racecraft_codec::chunk::encode(&frames)).expect("re-encoded chunk decodes");
        assert_eq!(again, frames);
    }
});
