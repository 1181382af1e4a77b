//! Exports stay in proportion to the frames, whatever the frame times say: the `.ld` writer used to size its
//! buffers from the session's time span, so two frames at 0 and 10³⁰⁰ s aborted the process allocating 36 TB
//! and a 2.5·10⁷ s span answered 300 MB.
#![allow(clippy::unwrap_used)]

use proptest::prelude::*;
use racecraft_core::{CHANNEL_COUNT, Channel, CompletedLap, Frame, SessionMeta};
use racecraft_interchange::csv::{CsvOptions, read_csv};
use racecraft_interchange::export::Export;
use racecraft_interchange::motec::{
    self, CHANNEL_META_LEN, EVENT_LEN, Error, HEADER_LEN, LdFile, frames_to_ld_channels, ld_sample_budget,
};

/// Frame time from seconds as the game readers make it: `as` saturates at the ends of `i64` and maps NaN to 0.
fn t_us(seconds: f64) -> i64 {
    (seconds * 1e6) as i64
}

/// Most bytes a `.ld` file of `frames` frames may take: the fixed blocks, every channel's metadata, and
/// [`ld_sample_budget`] float32 samples per channel.
fn ld_bound(frames: usize) -> u64 {
    let fixed = (HEADER_LEN + EVENT_LEN + 1100 + 260) as u64;
    let per_channel = CHANNEL_META_LEN as u64 + 4 * ld_sample_budget(frames);
    fixed + CHANNEL_COUNT as u64 * per_channel
}

fn speed(t_s: f64, v: f32) -> Frame {
    Frame::new(t_us(t_s)).with(Channel::Speed, v).with(Channel::Rpm, 5000.0)
}

#[test]
fn frames_at_0_and_1e300_s_are_refused_not_allocated() {
    let e = Export::session(vec![speed(0.0, 10.0), speed(1e300, 20.0)], Vec::new());
    let err = e.ld(&SessionMeta::default()).unwrap_err();
    let Error::SparseFrames { span_s, frames, samples, max_samples, .. } = err else { panic!("{err:?}") };
    // 10³⁰⁰ s saturates to i64::MAX µs, about 9.2·10¹² s: 36 TB at 1 Hz over two channels.
    assert!(span_s > 9e12, "{span_s}");
    assert_eq!(frames, 2);
    assert!(samples > u128::from(max_samples));
    let text = err.to_string();
    assert!(text.contains("9223372036855 s") && text.contains("only 2 of them"), "{text}");
    // The other formats are one row per frame and one marker per lap.
    let csv = e.csv(&SessionMeta::default(), &CsvOptions::default()).unwrap();
    assert!(csv.len() < 2048, "{} bytes", csv.len());
    assert_eq!(read_csv(&csv[..]).unwrap().frames.len(), 2);
    assert!(e.ldx().len() < 1024);
}

#[test]
fn span_of_2_5e7_s_keeps_the_ld_bounded() {
    // 2.5·10⁷ s (ten months) between a handful of frames used to be 300 MB of held samples.
    let frames: Vec<Frame> = (0..6).map(|i| speed(f64::from(i) * 5e6, i as f32)).collect();
    let e = Export::session(frames.clone(), Vec::new());
    match e.ld(&SessionMeta::default()) {
        Err(Error::SparseFrames { span_s, frames: 6, .. }) => assert_eq!(span_s, 2.5e7),
        other => panic!("{other:?}"),
    }
    // Chosen laps are laid end to end on the same timeline: same answer, no overflow.
    let lap = CompletedLap { lap_number: 1, start_t_us: 0, end_t_us: t_us(2.5e7), ..CompletedLap::default() };
    assert!(matches!(Export::laps(vec![(lap, frames)]).ld(&SessionMeta::default()), Err(Error::SparseFrames { .. })));

    // A sparse but plausible log (a frame a minute for an hour) is still written, within the bound.
    let hourly: Vec<Frame> = (0..=60).map(|i| speed(f64::from(i) * 60.0, i as f32)).collect();
    let e = Export::session(hourly, Vec::new());
    let ld = e.ld(&SessionMeta::default()).unwrap();
    assert!((ld.len() as u64) <= ld_bound(61), "{} bytes", ld.len());
    let read = LdFile::read(&ld).unwrap();
    let values = read.channel_values(read.channel("Ground Speed").unwrap()).unwrap();
    assert_eq!(values.len(), 3601);
    assert!((values[3600] - 60.0 * 3.6).abs() < 1e-3);
}

#[test]
fn a_real_session_needs_about_one_sample_per_frame() {
    // 20 minutes at 60 Hz with a 30 s hole: the hole is held, and the log stays near one sample per frame.
    let frames: Vec<Frame> =
        (0..72_000).filter(|i| !(30_000..31_800).contains(i)).map(|i| speed(f64::from(i) / 60.0, 1.0)).collect();
    let chs = frames_to_ld_channels(&frames, Export::session(frames.clone(), Vec::new()).rate_hz()).unwrap();
    let (n, frames) = (chs[0].values.len(), frames.len());
    assert!(n >= frames * 9 / 10 && n <= frames * 11 / 10, "{n} samples for {frames} frames");
}

#[test]
fn extreme_times_do_not_overflow() {
    let frames = vec![speed(0.0, 1.0), Frame::new(i64::MIN).with(Channel::Speed, 2.0), Frame::new(i64::MAX)];
    let e = Export::session(frames.clone(), Vec::new());
    assert_eq!(e.rate_hz(), 1);
    assert!(matches!(e.ld(&SessionMeta::default()), Err(Error::SparseFrames { .. })));
    let lap = |n, start, end| CompletedLap { lap_number: n, start_t_us: start, end_t_us: end, ..Default::default() };
    let e = Export::laps(vec![(lap(1, i64::MIN, i64::MAX), frames.clone()), (lap(2, i64::MAX, i64::MIN), frames)]);
    assert!(e.beacons_s().iter().all(|b| !b.is_nan()));
    assert!(e.ld(&SessionMeta::default()).is_err());
    let _ = e.ldx();
}

/// Frame times in seconds, weighted towards the troublesome: NaN, ±∞, huge, tiny and ordinary.
fn arb_time_s() -> impl Strategy<Value = f64> {
    prop_oneof![
        Just(f64::NAN),
        Just(f64::INFINITY),
        Just(f64::NEG_INFINITY),
        Just(1e300),
        Just(-1e300),
        Just(2.5e7),
        Just(f64::MIN_POSITIVE),
        0.0..7200.0f64,
        any::<f64>(),
    ]
}

fn arb_frame() -> impl Strategy<Value = Frame> {
    (arb_time_s(), any::<u64>(), proptest::collection::vec(any::<f32>(), CHANNEL_COUNT)).prop_map(|(t, mask, v)| {
        let mut slots = [0.0f32; CHANNEL_COUNT];
        slots.copy_from_slice(&v);
        Frame::from_slots(t_us(t), mask, &slots)
    })
}

fn arb_lap() -> impl Strategy<Value = CompletedLap> {
    (0u32..5, arb_time_s(), arb_time_s(), any::<f64>(), any::<bool>()).prop_map(|(n, a, b, time, valid)| CompletedLap {
        lap_number: n,
        lap_time_s: time,
        start_t_us: t_us(a),
        end_t_us: t_us(b),
        valid,
        ..CompletedLap::default()
    })
}

/// Every output of `e` is produced without a panic and within its bound.
fn check(e: &Export) -> Result<(), TestCaseError> {
    let meta = SessionMeta::default();
    match e.ld(&meta) {
        Ok(ld) => {
            prop_assert!((ld.len() as u64) <= ld_bound(e.frames.len()), "{} bytes for {}", ld.len(), e.frames.len());
            prop_assert!(LdFile::read(&ld).is_ok());
        }
        Err(err) => prop_assert!(matches!(err, motec::Error::SparseFrames { .. }), "{err}"),
    }
    // One marker per lap, each a few hundred bytes at most (a time of 10³⁰⁶ µs is 307 digits).
    prop_assert!(e.ldx().len() <= 1024 + 512 * (e.laps.len() + 1));
    let csv = e.csv(&meta, &CsvOptions::default()).unwrap();
    prop_assert!(csv.len() <= 4096 + e.laps.len() * 400 + e.frames.len() * (30 + CHANNEL_COUNT * 20));
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, rng_seed: proptest::test_runner::RngSeed::Fixed(7), ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_frame_times_never_panic_and_stay_bounded(
        frames in proptest::collection::vec(arb_frame(), 0..40),
        laps in proptest::collection::vec(arb_lap(), 0..4),
        rate in any::<u16>(),
    ) {
        check(&Export::session(frames.clone(), laps.clone()))?;
        let chosen: Vec<(CompletedLap, Vec<Frame>)> =
            laps.into_iter().zip(frames.chunks(10).map(<[Frame]>::to_vec)).collect();
        check(&Export::laps(chosen))?;
        // Any rate a caller may ask for, not only the mean rate the exporter picks.
        match frames_to_ld_channels(&frames, rate) {
            Ok(chs) => {
                for ch in &chs {
                    prop_assert!(ch.values.len() as u64 <= ld_sample_budget(frames.len()));
                }
            }
            Err(err) => prop_assert!(matches!(err, Error::SparseFrames { .. }), "{err}"),
        }
    }
}
