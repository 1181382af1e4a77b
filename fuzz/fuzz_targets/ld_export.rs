#![no_main]
//! Frames built from any bytes, exported as MoTeC `.ld` + `.ldx` and CSV, whole and as chosen laps: an error
//! or a file, never a panic, and never more than the sample budget per channel (the writer once sized its
//! buffers from the time span, so frames at 0 and 10³⁰⁰ s aborted allocating 36 TB).
//!
//! Input: frames one after another, each `t_us: i64 LE`, `mask: u64 LE`, then an `f32 LE` for every set bit
//! of the mask (lowest channel first); a short tail ends the list.
use libfuzzer_sys::fuzz_target;
use racecraft_core::{CHANNEL_COUNT, Channel, CompletedLap, Frame, SessionMeta};
use racecraft_interchange::csv::CsvOptions;
use racecraft_interchange::export::Export;
use racecraft_interchange::motec::{self, CHANNEL_META_LEN, EVENT_LEN, HEADER_LEN, LdFile, ld_sample_budget};

fn take<const N: usize>(data: &mut &[u8]) -> Option<[u8; N]> {
    let (head, rest) = data.split_first_chunk::<N>()?;
    *data = rest;
    Some(*head)
}

fn frames(mut data: &[u8]) -> Vec<Frame> {
    let mut out = Vec::new();
    while let (Some(t), Some(mask)) = (take::<8>(&mut data), take::<8>(&mut data)) {
        let mut f = Frame::new(i64::from_le_bytes(t));
        let mask = u64::from_le_bytes(mask);
        for c in Channel::ALL {
            if mask & (1 << c.index()) != 0 {
                let Some(v) = take::<4>(&mut data) else { return out };
                f.set(c, f32::from_le_bytes(v));
            }
        }
        out.push(f);
    }
    out
}

fn check(e: &Export) {
    let meta = SessionMeta::default();
    match e.ld(&meta) {
        Ok(ld) => {
            let fixed = (HEADER_LEN + EVENT_LEN + 1100 + 260) as u64;
            let bound = fixed + CHANNEL_COUNT as u64 * (CHANNEL_META_LEN as u64 + 4 * ld_sample_budget(e.frames.len()));
            assert!(ld.len() as u64 <= bound, "{} bytes for {} frames", ld.len(), e.frames.len());
            LdFile::read(&ld).expect("our own .ld reads back");
        }
        Err(motec::Error::SparseFrames { .. }) => {}
        Err(other) => panic!("unexpected export error: {other}"),
    }
    let _ = e.ldx();
    e.csv(&meta, &CsvOptions::default()).expect("CSV into memory cannot fail");
}

fuzz_target!(|data: &[u8]| {
    let frames = frames(data);
    // Laps from the frames themselves: each frame's time starts a lap that ends at the next frame's.
    let laps: Vec<CompletedLap> = frames
        .windows(2)
        .take(8)
        .enumerate()
        .map(|(i, w)| CompletedLap {
            lap_number: i as u32 + 1,
            start_t_us: w[0].t_us,
            end_t_us: w[1].t_us,
            lap_time_s: (i128::from(w[1].t_us) - i128::from(w[0].t_us)) as f64 * 1e-6,
            valid: true,
            ..CompletedLap::default()
        })
        .collect();
    check(&Export::session(frames.clone(), laps.clone()));
    let chosen = laps.into_iter().zip(frames.chunks(4).map(<[Frame]>::to_vec)).collect();
    check(&Export::laps(chosen));
});
