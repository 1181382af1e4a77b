#![no_main]
//! Frames built from any bytes through the analysis and every lap comparison: a result or a typed error,
//! never a panic (one speed sample of 3·10³⁸ once indexed the grip envelope out of bounds).
//!
//! Input: frames one after another, each `t_us: i64 LE`, `mask: u64 LE`, then an `f32 LE` for every set bit
//! of the mask (lowest channel first); a short tail ends the list.
use libfuzzer_sys::fuzz_target;
use racecraft_analysis::{AnalysisOptions, Reference, analyze_session, compare_across_sessions, compare_laps};
use racecraft_core::{Channel, Frame, SessionMeta};

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

fuzz_target!(|data: &[u8]| {
    let frames = frames(data);
    let Ok(a) = analyze_session(&SessionMeta::default(), &frames, &AnalysisOptions::default()) else { return };
    let _ = serde_json::to_string(&a);
    for lap in &a.laps {
        let _ = compare_laps(&a, lap.lap_number, Reference::Best);
        let _ = compare_across_sessions(&a, lap.lap_number, &a, lap.lap_number);
    }
});
