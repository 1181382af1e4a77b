#![no_main]
//! Any bytes as a MoTeC `.ld` file: an error or a parsed file whose every channel decodes or refuses
//! cleanly, never a panic.
use libfuzzer_sys::fuzz_target;
use racecraft_interchange::motec::LdFile;

fuzz_target!(|data: &[u8]| {
    if let Ok(ld) = LdFile::read(data) {
        for ch in &ld.channels {
            if let Ok(values) = ld.channel_values(ch) {
                assert_eq!(values.len(), ch.count as usize, "decoded sample count differs from the block's");
            }
        }
    }
});
