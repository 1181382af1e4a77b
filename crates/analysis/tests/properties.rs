//! Invariants on synthetic sessions: a car lapping a stadium-shaped track with a random speed profile,
//! sampled at a random, jittered rate. Sector times agree with the simulator's own crossings of the sector lines
//! (the tracker makes the last sector the remainder, so their sum is no check); the delta is 0 at the start line
//! and equals the lap-time difference at the finish; the losses per corner and straight sum to the total.
//! Also: odd input never panics.

use proptest::prelude::*;
use racecraft_analysis::{
    AnalysisOptions, Error, FrameColumns, Reference, analyze_frame_columns, analyze_session, compare_laps,
};
use racecraft_core::{CHANNEL_COUNT, Channel, Frame, SessionMeta};

/// A stadium: two straights of `straight_m` joined by half circles of radius `radius_m`.
fn position(d: f64, straight_m: f64, radius_m: f64) -> (f64, f64) {
    let half = std::f64::consts::PI * radius_m;
    let d = d.rem_euclid(2.0 * straight_m + 2.0 * half);
    if d < straight_m {
        (d, 0.0)
    } else if d < straight_m + half {
        let a = (d - straight_m) / radius_m;
        (straight_m + radius_m * a.sin(), radius_m * (1.0 - a.cos()))
    } else if d < 2.0 * straight_m + half {
        (straight_m - (d - straight_m - half), 2.0 * radius_m)
    } else {
        let a = (d - 2.0 * straight_m - half) / radius_m;
        (-radius_m * a.sin(), radius_m * (1.0 + a.cos()))
    }
}

struct Session {
    frames: Vec<Frame>,
    lap_times: Vec<f64>,
    /// Per lap, the time between the car's exact crossings of the start line and the sector lines (a third and
    /// two thirds of the lap distance), found by the integration and not from the sampled Sector channel.
    sector_times: Vec<[f64; 3]>,
}

/// Drives `laps` laps (plus a little) with per-lap speed scales, sampling every `1/rate_hz` s with jitter.
fn drive(straight_m: f64, radius_m: f64, laps: usize, scales: &[f64], rate_hz: f64, jitter: f64, seed: u64) -> Session {
    let length = 2.0 * straight_m + 2.0 * std::f64::consts::PI * radius_m;
    let speed = |d: f64, lap: usize| {
        let x = (d.rem_euclid(length)) / length * std::f64::consts::TAU;
        scales[lap.min(scales.len() - 1)] * (40.0 + 15.0 * (2.0 * x).cos() + 3.0 * (5.0 * x + lap as f64).sin())
    };
    let dt = 1e-3;
    let mut frames = Vec::new();
    let (mut t, mut d) = (0.0f64, 0.0f64);
    let mut lap_start = 0.0;
    let mut lap_times = Vec::new();
    // Times at which the car crossed each third of a lap (start line, sector 2 line, sector 3 line, ...).
    let mut thirds = vec![0.0];
    let mut next_sample = 0.0;
    let mut rng = seed;
    let mut rand = || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        (rng % 10_000) as f64 / 10_000.0
    };
    while lap_times.len() < laps || d < (laps as f64) * length + 30.0 {
        let lap = (d / length) as usize;
        let v = speed(d, lap);
        if t >= next_sample {
            let into = d - lap as f64 * length;
            let (x, y) = position(d, straight_m, radius_m);
            let prev_v = speed(d - v * dt, lap);
            let mut f = Frame::new((t * 1e6).round() as i64)
                .with(Channel::Speed, v as f32)
                .with(Channel::Lap, (lap + 1) as f32)
                .with(Channel::LapTime, (t - lap_start) as f32)
                .with(Channel::LapDist, into as f32)
                .with(Channel::LapDistPct, (into / length) as f32)
                .with(Channel::Sector, ((3.0 * into / length) as u32).min(2) as f32)
                .with(Channel::PosX, x as f32)
                .with(Channel::PosY, y as f32)
                .with(Channel::AccLong, ((v - prev_v) / dt / 9.81) as f32)
                .with(Channel::Throttle, if v >= prev_v { 1.0 } else { 0.0 })
                .with(Channel::Brake, if v < prev_v { 0.6 } else { 0.0 })
                .with(Channel::Gear, 3.0)
                .with(Channel::Rpm, (v * 150.0) as f32);
            if let Some(last) = lap_times.last() {
                f.set(Channel::LastLapTime, *last as f32);
            }
            frames.push(f);
            next_sample += (1.0 + jitter * (rand() - 0.5)) / rate_hz;
        }
        let before = d;
        d += v * dt;
        t += dt;
        let third = length / 3.0;
        if (before / third).floor() < (d / third).floor() {
            thirds.push(t - dt + dt * ((d / third).floor() * third - before) / (d - before));
        }
        if (before / length).floor() < (d / length).floor() {
            // Exact crossing time within the step.
            let cross = t - dt + dt * ((d / length).floor() * length - before) / (d - before);
            lap_times.push(cross - lap_start);
            lap_start = cross;
        }
    }
    lap_times.truncate(laps);
    let sector_times = (0..laps).map(|l| std::array::from_fn(|k| thirds[3 * l + k + 1] - thirds[3 * l + k])).collect();
    Session { frames, lap_times, sector_times }
}

/// The analysis of `frames` handed over in slices of the given sizes (cycled) through [`FrameColumns`], told to
/// expect `hint` frames.
fn analyze_in_slices(frames: &[Frame], sizes: &[usize], hint: usize) -> Result<String, String> {
    let mut columns = FrameColumns::with_expected_frames(hint);
    let mut rest = frames;
    for size in sizes.iter().cycle() {
        if rest.is_empty() {
            break;
        }
        let (now, later) = rest.split_at((*size).clamp(1, rest.len()));
        columns.extend(now);
        rest = later;
    }
    analyze_frame_columns(&SessionMeta::default(), columns, &AnalysisOptions::default(), None)
        .map(|a| serde_json::to_string(&a).expect("json"))
        .map_err(|e| e.to_string())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, rng_seed: proptest::test_runner::RngSeed::Fixed(12), ..ProptestConfig::default() })]

    /// Frames handed over block by block (as a recording is decoded) give exactly the analysis of all of
    /// them at once, however the blocks fall: across the first samples that set the thinning, across lap
    /// and sector changes, with frames out of time order at the seams, and whatever the caller says to expect.
    #[test]
    fn frames_taken_in_slices_give_the_same_analysis(
        rate in 30.0..400.0f64,
        jitter in 0.0..0.5f64,
        seed in 1..u64::MAX,
        sizes in proptest::collection::vec(1..9000usize, 1..6),
        reorder in proptest::collection::vec(0..1_000_000usize, 0..8),
        keep in 0..3usize,
        hint in prop_oneof![Just(0usize), 0..100_000usize, Just(usize::MAX)],
    ) {
        let mut s = drive(300.0, 60.0, 3, &[1.0, 0.95, 1.02], rate, jitter, seed);
        // Some frames swapped with their neighbour (time goes back: both paths must drop the same ones).
        for r in reorder {
            let i = r % (s.frames.len() - 1);
            s.frames.swap(i, i + 1);
        }
        // A whole session, a short one (fewer frames than set the thinning), or none.
        let frames = match keep { 0 => &s.frames[..], 1 => &s.frames[..150.min(s.frames.len())], _ => &s.frames[..0] };
        let whole = analyze_session(&SessionMeta::default(), frames, &AnalysisOptions::default())
            .map(|a| serde_json::to_string(&a).expect("json"))
            .map_err(|e| e.to_string());
        // Whatever the size hint says, even a count no memory could hold.
        prop_assert_eq!(analyze_in_slices(frames, &sizes, hint), whole);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, rng_seed: proptest::test_runner::RngSeed::Fixed(11), ..ProptestConfig::default() })]

    #[test]
    fn sectors_match_their_crossings_and_delta_and_losses_telescope(
        straight in 150.0..600.0f64,
        radius in 30.0..120.0f64,
        scales in proptest::collection::vec(0.85..1.1f64, 3),
        rate in 30.0..400.0f64,
        jitter in 0.0..0.5f64,
        seed in 1..u64::MAX,
        drop_game_times in any::<bool>(),
    ) {
        let mut s = drive(straight, radius, 3, &scales, rate, jitter, seed);
        if drop_game_times {
            for f in &mut s.frames {
                f.clear(Channel::LapTime);
                f.clear(Channel::LastLapTime);
            }
        }
        let a = analyze_session(&SessionMeta::default(), &s.frames, &AnalysisOptions::default()).expect("analysis");
        prop_assert_eq!(a.laps.len(), 3);
        // A sector starts at the first sample in it, so each end is late by up to one (jittered) sample interval.
        let sample_s = (1.0 + jitter / 2.0) / rate;
        for ((lap, truth), sectors) in a.laps.iter().zip(&s.lap_times).zip(&s.sector_times) {
            prop_assert_eq!(lap.sectors_s.len(), 3, "{:?}", lap);
            for (k, (got, want)) in lap.sectors_s.iter().zip(sectors).enumerate() {
                prop_assert!((got - want).abs() <= sample_s + 5e-3, "lap {} sector {}: {} vs {} ({:?})", lap.lap_number, k + 1, got, want, lap);
            }
            // f32 channels and 1 ms integration steps: a few ms at worst.
            prop_assert!((lap.lap_time_s - truth).abs() < 5e-3, "{} vs {}", lap.lap_time_s, truth);
        }
        for lap in &a.laps {
            for reference in a.laps.iter().map(|l| Reference::Lap(l.lap_number)).chain([Reference::Best]) {
                let cmp = compare_laps(&a, lap.lap_number, reference).expect("compare");
                let full = a.delta(lap.lap_number, reference).expect("delta");
                prop_assert_eq!(full[0], 0.0);
                prop_assert!((full[full.len() - 1] - cmp.difference_s).abs() < 1e-9);
                prop_assert_eq!(cmp.delta[0].delta_s, 0.0);
                prop_assert!((cmp.delta[cmp.delta.len() - 1].delta_s - cmp.difference_s).abs() < 1e-9);
                let total: f64 = cmp.stretches.iter().map(|s| s.loss_s).sum();
                prop_assert!((total - cmp.difference_s).abs() < 1e-9, "{} vs {}", total, cmp.difference_s);
                // Stretches tile the lap.
                prop_assert_eq!(cmp.stretches[0].start_m, 0.0);
                for w in cmp.stretches.windows(2) {
                    prop_assert_eq!(w[0].end_m, w[1].start_m);
                }
                prop_assert!((cmp.stretches[cmp.stretches.len() - 1].end_m - a.track_length_m).abs() < 1e-9);
            }
        }
        // Sector deltas and the theoretical best share one baseline: the lap a best sector comes from set a new
        // best there (or was the first), and no later lap beats it.
        for piece in &a.theoretical_best.best_sectors {
            let at = a.laps.iter().position(|l| l.lap_number == piece.lap_number).expect("lap of the piece");
            let delta = a.laps[at].sector_deltas_s[piece.index];
            prop_assert!(delta.is_none_or(|d| d < 0.0) && (delta.is_some() || at == 0), "{:?}", a.laps[at]);
            for later in &a.laps[at + 1..] {
                prop_assert!(later.sector_deltas_s[piece.index].is_some_and(|d| d >= 0.0), "{:?}", later);
            }
        }
        // The theoretical bests are never slower than the best lap.
        let best = a.best_lap_s.expect("best");
        prop_assert!(a.theoretical_best.sectors_s <= best + 1e-9);
        prop_assert!(a.theoretical_best.segments_s <= best + 1e-9);
    }

    #[test]
    fn arbitrary_frames_never_panic(
        rows in proptest::collection::vec((0i64..5_000_000, any::<u64>(), proptest::collection::vec(any::<f32>(), CHANNEL_COUNT)), 0..300),
    ) {
        let frames: Vec<Frame> = rows
            .iter()
            .map(|(t, mask, values)| {
                let mut slots = [0.0f32; CHANNEL_COUNT];
                slots.copy_from_slice(values);
                Frame::from_slots(*t, *mask, &slots)
            })
            .collect();
        if let Ok(a) = analyze_session(&SessionMeta::default(), &frames, &AnalysisOptions::default()) {
            let _ = serde_json::to_string(&a);
            for lap in &a.laps {
                let _ = compare_laps(&a, lap.lap_number, Reference::Best);
            }
        }
    }

    #[test]
    fn dropping_channels_at_random_never_panics(mask in any::<u64>(), every in 1usize..7) {
        let mut s = drive(300.0, 60.0, 2, &[1.0, 0.95], 60.0, 0.2, 3);
        for (i, f) in s.frames.iter_mut().enumerate() {
            if i % every == 0 {
                for c in Channel::ALL {
                    if mask & (1 << c.index()) != 0 {
                        f.clear(c);
                    }
                }
            }
        }
        if let Ok(a) = analyze_session(&SessionMeta::default(), &s.frames, &AnalysisOptions::default()) {
            for lap in &a.laps {
                let _ = compare_laps(&a, lap.lap_number, Reference::Best);
            }
        }
    }
}

#[test]
fn odd_input_is_a_typed_error() {
    let options = AnalysisOptions::default();
    let meta = SessionMeta::default();
    assert!(matches!(analyze_session(&meta, &[], &options), Err(Error::NoFrames)));
    let one = [Frame::new(0).with(Channel::Speed, 10.0)];
    assert!(matches!(analyze_session(&meta, &one, &options), Err(Error::TooFewFrames { found: 1, .. })));
    // The same timestamp over and over is one frame.
    let same = vec![Frame::new(5).with(Channel::Speed, 10.0); 100];
    assert!(matches!(analyze_session(&meta, &same, &options), Err(Error::TooFewFrames { found: 1, .. })));
    // Frames without any lap information, or with values that were never finite.
    let empty: Vec<Frame> = (0..100).map(|i| Frame::new(i * 10_000)).collect();
    assert!(matches!(analyze_session(&meta, &empty, &options), Err(Error::NoLaps)));
    let nan: Vec<Frame> =
        (0..100).map(|i| Frame::from_slots(i * 10_000, Frame::ALL_CHANNELS_MASK, &[f32::NAN; CHANNEL_COUNT])).collect();
    assert!(matches!(analyze_session(&meta, &nan, &options), Err(Error::NoLaps)));
    // Less than one lap.
    let s = drive(300.0, 60.0, 1, &[1.0], 60.0, 0.0, 1);
    let short = &s.frames[..s.frames.len() / 2];
    assert!(matches!(analyze_session(&meta, short, &options), Err(Error::NoLaps)));
    // A lap filter that keeps nothing, and a lap that does not exist.
    let s = drive(300.0, 60.0, 2, &[1.0, 0.95], 60.0, 0.0, 1);
    let none = AnalysisOptions { laps: Some(vec![99]), ..AnalysisOptions::default() };
    assert!(matches!(analyze_session(&meta, &s.frames, &none), Err(Error::NoLaps)));
    let a = analyze_session(&meta, &s.frames, &options).expect("analysis");
    assert!(matches!(compare_laps(&a, 99, Reference::Best), Err(Error::UnknownLap(99))));
    assert!(matches!(compare_laps(&a, 1, Reference::Lap(42)), Err(Error::UnknownLap(42))));
    // Frames out of order are skipped, not trusted.
    let mut shuffled = s.frames.clone();
    shuffled.reverse();
    assert!(analyze_session(&meta, &shuffled, &options).is_err());
    // Odd options fall back to sane ones.
    let odd = AnalysisOptions { grid_step_m: f64::NAN, delta_points: 0, ..AnalysisOptions::default() };
    let a = analyze_session(&meta, &s.frames, &odd).expect("analysis");
    assert!((a.grid_step_m - 1.0).abs() < 0.01);
    assert!(compare_laps(&a, 1, Reference::Lap(2)).expect("compare").delta.is_empty());
}

#[test]
fn lap_flags_follow_what_happened() {
    let (straight, radius) = (300.0, 60.0);
    let s = drive(straight, radius, 7, &[1.0; 7], 60.0, 0.0, 5);
    let lap_of = |f: &Frame| f.lap().unwrap_or(0);
    let into = |f: &Frame| f64::from(f.get(Channel::LapDist).unwrap_or(0.0));
    let mut frames: Vec<Frame> = Vec::new();
    for f in &s.frames {
        let mut f = *f;
        let (lap, d) = (lap_of(&f), into(&f));
        match lap {
            // The game invalidates lap 1 half way round.
            1 if d > 500.0 => f.set(Channel::LapValid, 0.0),
            // Into the pits at the end of lap 2, out of them at the start of lap 3.
            2 if d > 900.0 => f.set(Channel::InPit, 1.0),
            3 if d < 80.0 => f.set(Channel::InPit, 1.0),
            // A hole of 1.5 s in lap 4.
            4 if (400.0..460.0).contains(&d) => continue,
            // Lap 5 cuts the first bend: positions along its chord.
            5 if d > straight && d < straight + std::f64::consts::PI * radius => {
                let a = (d - straight) / radius;
                f.set(Channel::PosX, straight as f32);
                f.set(Channel::PosY, (2.0 * radius * a / std::f64::consts::PI) as f32);
            }
            // Lap 6: the car is reset 100 m back for a moment.
            6 if (600.0..640.0).contains(&d) => f.set_f64(Channel::LapDist, d - 100.0),
            _ => {}
        }
        if f.get(Channel::InPit).is_none() {
            f.set(Channel::InPit, 0.0);
        }
        if f.get(Channel::LapValid).is_none() {
            f.set(Channel::LapValid, 1.0);
        }
        frames.push(f);
    }
    let a = analyze_session(&SessionMeta::default(), &frames, &AnalysisOptions::default()).expect("analysis");
    assert_eq!(a.laps.len(), 7);
    let flags: Vec<_> = a.laps.iter().map(|l| l.flags).collect();
    assert!(flags[0].game_invalid && !flags[0].pit, "{:?}", flags[0]);
    assert!(flags[1].in_lap && flags[1].pit && !flags[1].out_lap, "{:?}", flags[1]);
    assert!(flags[2].out_lap && flags[2].pit && !flags[2].in_lap, "{:?}", flags[2]);
    assert!(flags[3].capture_gap, "{:?}", flags[3]);
    assert!(flags[4].cut && !flags[4].reset, "{:?}", flags[4]);
    assert!(flags[5].reset, "{:?}", flags[5]);
    assert!(!flags[6].any() && a.laps[6].valid, "{:?}", flags[6]);
    assert!(a.laps[..6].iter().all(|l| !l.valid));
    // Only the clean lap counts for bests, and it is the session best.
    assert_eq!(a.best_lap, Some(7));
    assert!(a.laps[6].session_best && a.laps[6].personal_best);
    let slower_pb = AnalysisOptions { personal_best_s: Some(1.0), ..AnalysisOptions::default() };
    let b = analyze_session(&SessionMeta::default(), &frames, &slower_pb).expect("analysis");
    assert!(b.laps[6].session_best && !b.laps[6].personal_best);
}

#[test]
fn the_analysis_round_trips_through_json() {
    let s = drive(300.0, 60.0, 3, &[1.0, 0.95, 0.97], 100.0, 0.1, 9);
    let a = analyze_session(&SessionMeta::default(), &s.frames, &AnalysisOptions::default()).expect("analysis");
    let text = serde_json::to_string(&a).expect("json");
    let back: racecraft_analysis::SessionAnalysis = serde_json::from_str(&text).expect("reads back");
    assert_eq!(back.laps.len(), a.laps.len());
    assert_eq!(back.corners.len(), a.corners.len());
    assert_eq!(back.corner_metrics.len(), a.corner_metrics.len());
    assert!(back.traces.is_empty(), "traces stay out of the JSON");
    let cmp = compare_laps(&a, 2, Reference::Best).expect("compare");
    let text = serde_json::to_string(&cmp).expect("json");
    let back: racecraft_analysis::LapComparison = serde_json::from_str(&text).expect("reads back");
    assert_eq!(back.stretches.len(), cmp.stretches.len());
}

#[test]
fn speed_of_3e38_does_not_panic() {
    // One speed sample of 3·10³⁸ m/s made the grip envelope index out of bounds.
    let mut s = drive(300.0, 60.0, 3, &[1.0, 0.95, 0.97], 60.0, 0.0, 1);
    let clean = analyze_session(&SessionMeta::default(), &s.frames, &AnalysisOptions::default()).expect("analysis");
    let k = s.frames.len() / 2;
    s.frames[k].set(Channel::Speed, 3e38);
    let a = analyze_session(&SessionMeta::default(), &s.frames, &AnalysisOptions::default()).expect("analysis");
    assert_eq!(a.laps.len(), 3);
    // The sample is read as absent: the envelope ends where the real speeds do.
    assert_eq!(a.grip.bins.len(), clean.grip.bins.len());
    assert!(a.grip.bins.iter().all(|b| b.speed_to_mps <= 100.0), "{:?}", a.grip.bins.last());
}

#[test]
fn sparse_samples_claiming_long_laps_stay_small() {
    // Twelve samples whose lap distance claims 99 km laps: the grid follows the samples, not the claim.
    let frames: Vec<Frame> = (0..12)
        .map(|i| {
            Frame::new(i * 1_000_000)
                .with(Channel::Lap, (i / 4 + 1) as f32)
                .with(Channel::LapDist, (i % 4) as f32 * 33_000.0)
                .with(Channel::Speed, 50.0)
        })
        .collect();
    if let Ok(a) = analyze_session(&SessionMeta::default(), &frames, &AnalysisOptions::default()) {
        let points: usize = a.traces.iter().map(|t| t.len()).sum();
        assert!(points <= racecraft_analysis::MIN_GRID_BUDGET + a.traces.len(), "{points} grid points");
    }
}

/// Channel values that break arithmetic: NaN, ±∞, ±3·10³⁸, subnormals, and anything else.
fn nasty_f32() -> impl Strategy<Value = f32> {
    prop_oneof![
        Just(f32::NAN),
        Just(f32::INFINITY),
        Just(f32::NEG_INFINITY),
        Just(3e38f32),
        Just(-3e38f32),
        Just(f32::MIN_POSITIVE / 4.0),
        Just(-f32::MIN_POSITIVE / 4.0),
        any::<f32>(),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, rng_seed: proptest::test_runner::RngSeed::Fixed(3), ..ProptestConfig::default() })]

    #[test]
    fn absurd_values_in_a_real_session_never_panic(
        hits in proptest::collection::vec((any::<prop::sample::Index>(), 0..CHANNEL_COUNT, nasty_f32()), 1..60),
        every_frame in proptest::option::of((0..CHANNEL_COUNT, nasty_f32())),
        times in proptest::collection::vec(
            (any::<prop::sample::Index>(), prop_oneof![Just(i64::MIN), Just(i64::MAX), any::<i64>()]), 0..3),
    ) {
        // A session that analyses cleanly, so the absurd values reach every step after lap detection.
        let mut s = drive(300.0, 60.0, 3, &[1.0, 0.95, 0.97], 60.0, 0.1, 5);
        for (at, channel, value) in &hits {
            let i = at.index(s.frames.len());
            s.frames[i].set(Channel::ALL[*channel], *value);
        }
        if let Some((channel, value)) = every_frame {
            for f in &mut s.frames {
                f.set(Channel::ALL[channel], value);
            }
        }
        for (at, t) in &times {
            let i = at.index(s.frames.len());
            s.frames[i].t_us = *t;
        }
        if let Ok(a) = analyze_session(&SessionMeta::default(), &s.frames, &AnalysisOptions::default()) {
            prop_assert!(a.laps.iter().all(|l| l.lap_time_s.is_finite()));
            let _ = serde_json::to_string(&a);
            for lap in &a.laps {
                let _ = compare_laps(&a, lap.lap_number, Reference::Best);
                let _ = racecraft_analysis::compare_across_sessions(&a, lap.lap_number, &a, lap.lap_number);
            }
        }
    }
}
