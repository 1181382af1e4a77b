#![no_main]
//! Any bytes into the chunk decoder: an error or frames, never a panic; frames it returns re-encode to a
//! chunk that decodes to the same frames. Decoding only some channels (the mask taken from the input's first
//! bytes) never panics either, and where the whole chunk decodes it gives the same frames without the others.
use libfuzzer_sys::fuzz_target;
use racecraft_codec::chunk;

fuzz_target!(|data: &[u8]| {
    let whole = chunk::decode(data);
    if let Ok(frames) = &whole {
        let again = chunk::decode(&chunk::encode(frames)).expect("re-encoded chunk decodes");
        assert_eq!(&again, frames);
    }
    let mask = data.iter().take(8).fold(0u64, |m, &b| m.rotate_left(8) ^ u64::from(b));
    let mut some = Vec::new();
    let partial = chunk::decode_channels_into(data, mask, &mut some);
    if let Ok(frames) = &whole {
        assert!(partial.is_ok(), "a chunk that decodes whole decodes in part");
        assert_eq!(some.len(), frames.len());
        for (s, f) in some.iter().zip(frames) {
            assert_eq!(s.t_us, f.t_us);
            for c in racecraft_core::Channel::ALL {
                let want = if mask & (1 << c.index()) != 0 { f.get(c) } else { None };
                assert_eq!(s.get(c).map(f32::to_bits), want.map(f32::to_bits));
            }
        }
    }
});
