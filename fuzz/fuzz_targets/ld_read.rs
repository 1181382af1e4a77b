#![no_main]
//! Any bytes as a MoTeC `.ld` file: an error or a parsed file whose every channel decodes or refuses
//! cleanly, never a panic; the samples claimed fit in the file, and the file read as frames (the CLI's
//! `.ld` import) gives no more frames than the channels hold samples.
use libfuzzer_sys::fuzz_target;
use racecraft_interchange::motec::{LdFile, read_frames};

fuzz_target!(|data: &[u8]| {
    if let Ok(ld) = LdFile::read(data) {
        let mut held = 0u64;
        for ch in &ld.channels {
            if let Ok(values) = ld.channel_values(ch) {
                assert_eq!(values.len(), ch.count as usize, "decoded sample count differs from the block's");
            }
            held += ch.data_len().map_or(0, |_| u64::from(ch.count));
        }
        assert!(held * 2 <= data.len() as u64, "{held} samples claimed by {} bytes", data.len());
        if let Ok(read) = read_frames(&ld) {
            assert!(read.frames.len() as u64 <= held, "{} frames from {held} samples", read.frames.len());
        }
    }
});
