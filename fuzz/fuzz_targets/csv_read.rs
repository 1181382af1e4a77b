#![no_main]
//! Any bytes as a CSV: frames or an error, never a panic. Whatever imports must write back and import to the
//! same frames, since the writer emits only what the reader accepts.
use libfuzzer_sys::fuzz_target;
use racecraft_interchange::csv::{CsvOptions, read_csv, write_csv};

fuzz_target!(|data: &[u8]| {
    let Ok(session) = read_csv(data) else { return };
    let mut out = Vec::new();
    write_csv(&mut out, &session.meta, &session.frames, &session.laps, &CsvOptions::default())
        .expect("writing to a Vec cannot fail");
    let again = read_csv(out.as_slice()).expect("our own output imports");
    assert_eq!(again.frames, session.frames);
});
