//! Laps or a whole session made ready for another tool: one timeline of frames and its lap markers, written as
//! MoTeC `.ld` + `.ldx` or MoTeC-layout CSV.
//!
//! A whole session is written as it was recorded. Chosen laps ([`Export::laps`]) are laid end to end: each lap
//! after the first is moved in time so that it starts where the previous one ended, so laps 3 and 7 make a
//! log of two laps and not one that also holds the (absent) laps 4 to 6. Laps that followed each other in the
//! session keep their own times. The log carries a beacon where each lap ends, and one where the first lap
//! starts when samples precede it, so MoTeC i2 shows every chosen lap between two beacons (or between the log's
//! start and the first beacon) with its own lap time.
//!
//! # Size
//! Every output is bounded by the data, whatever the frame times say. CSV is one row per frame and `.ldx` one
//! marker per lap. The `.ld` log has one fixed rate and keeps true session time, holding values through gaps
//! (so lap times read from its beacons are right); its rate is the frames' mean rate (1 to 1000 Hz), which makes
//! it about one sample per frame for any real session. Frames far sparser than 1 Hz over their span (corrupt
//! times: a frame at 0 and one at 10³⁰⁰ s, or a few frames over 2.5·10⁷ s) would need more samples than
//! [`motec::ld_sample_budget`] allows (4 per frame plus an hour at 1 Hz): [`Export::ld`] then fails with
//! [`motec::Error::SparseFrames`], naming the span and the frame count, before allocating anything. Times are
//! whole microseconds in `i64` (readers refuse or clamp non-finite times before they become frames), and all
//! time arithmetic here saturates, so extreme times never overflow.

use racecraft_core::{CompletedLap, Frame, SessionMeta};

use crate::csv::{CsvOptions, write_csv};
use crate::motec::{self, LapMarker, LdxDetails};

/// Frames on one timeline and the laps in it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Export {
    /// Frames in time order.
    pub frames: Vec<Frame>,
    /// The laps, with times on the export's timeline.
    pub laps: Vec<CompletedLap>,
    /// Whether the log needs a beacon where the first lap starts (chosen laps; a whole session starts with its
    /// out-lap instead).
    pub start_beacon: bool,
}

impl Export {
    /// A whole session: every frame and every lap as recorded.
    pub fn session(mut frames: Vec<Frame>, laps: Vec<CompletedLap>) -> Export {
        frames.sort_by_key(|f| f.t_us);
        Export { frames, laps, start_beacon: false }
    }

    /// Chosen laps, each with its frames, laid end to end in the order they were driven (see the
    /// [module docs](self)). Laps without frames are left out.
    pub fn laps(mut laps: Vec<(CompletedLap, Vec<Frame>)>) -> Export {
        laps.retain(|(_, frames)| !frames.is_empty());
        laps.sort_by_key(|(lap, _)| lap.start_t_us);
        let mut out = Export { start_beacon: true, ..Export::default() };
        let mut previous_end: Option<i64> = None;
        for (mut lap, mut frames) in laps {
            frames.sort_by_key(|f| f.t_us);
            // Saturating: lap and frame times come from outside and may be anywhere in i64.
            let shift = previous_end.map_or(0, |end: i64| end.saturating_sub(lap.start_t_us));
            // After the previous lap's last frame, whatever the lap's own start says.
            let last_out = out.frames.last().map(|f| f.t_us);
            let shift = match (last_out, frames.first()) {
                (Some(last), Some(first)) if first.t_us.saturating_add(shift) <= last => {
                    last.saturating_add(1).saturating_sub(first.t_us)
                }
                _ => shift,
            };
            for f in &mut frames {
                f.t_us = f.t_us.saturating_add(shift);
            }
            lap.start_t_us = lap.start_t_us.saturating_add(shift);
            lap.end_t_us = lap.end_t_us.saturating_add(shift);
            previous_end = Some(lap.end_t_us);
            out.frames.extend(frames);
            out.laps.push(lap);
        }
        out
    }

    /// Whether there is nothing to write.
    pub fn is_empty(&self) -> bool {
        self.frames.is_empty()
    }

    /// Session time of the log's first sample, microseconds.
    pub fn log_start_us(&self) -> i64 {
        self.frames.first().map_or(0, |f| f.t_us)
    }

    /// The sample rate the `.ld` channels are written at: the frames' mean rate, 1 to 1000 Hz.
    pub fn rate_hz(&self) -> u16 {
        let span_s = match (self.frames.first(), self.frames.last()) {
            (Some(a), Some(b)) => (i128::from(b.t_us) - i128::from(a.t_us)) as f64 * 1e-6,
            _ => 0.0,
        };
        if span_s > 0.0 { ((self.frames.len() - 1) as f64 / span_s).round().clamp(1.0, 1000.0) as u16 } else { 1 }
    }

    /// Beacon times in seconds from the log's first sample: the first lap's start (for chosen laps, when it is
    /// after the first sample) and every lap's end.
    pub fn beacons_s(&self) -> Vec<f64> {
        let start = self.log_start_us();
        let seconds = |t_us: i64| (i128::from(t_us) - i128::from(start)) as f64 * 1e-6;
        let first = self.laps.first().map(|l| l.start_t_us).filter(|&t| self.start_beacon && t > start);
        first.into_iter().chain(self.laps.iter().map(|l| l.end_t_us)).map(seconds).collect()
    }

    /// The MoTeC `.ld` log, or [`motec::Error::SparseFrames`] when the frames' time span is out of all
    /// proportion to their number (see the [module docs](self)).
    pub fn ld(&self, meta: &SessionMeta) -> motec::Result<Vec<u8>> {
        let channels = motec::frames_to_ld_channels(&self.frames, self.rate_hz())?;
        motec::encode_ld(&motec::LdMeta::from_session(meta), &channels)
    }

    /// The `.ldx` companion: the beacons and the lap summary.
    pub fn ldx(&self) -> String {
        let markers: Vec<LapMarker> = self.beacons_s().into_iter().map(|end_time_s| LapMarker { end_time_s }).collect();
        let (_, details) = LdxDetails::from_laps(&self.laps, self.log_start_us());
        motec::ldx_string(&markers, &details)
    }

    /// MoTeC-layout CSV with the beacons in its "Beacon Markers" row, written to `w`.
    pub fn write_csv(
        &self,
        w: impl std::io::Write,
        meta: &SessionMeta,
        options: &CsvOptions,
    ) -> crate::csv::Result<()> {
        write_csv(w, meta, &self.frames, &self.beacons_s(), options)
    }

    /// [`Export::write_csv`] into memory.
    pub fn csv(&self, meta: &SessionMeta, options: &CsvOptions) -> crate::csv::Result<Vec<u8>> {
        let mut out = Vec::with_capacity(self.frames.len() * 256);
        self.write_csv(&mut out, meta, options)?;
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use racecraft_core::Channel;

    use super::*;

    /// A lap from `start_s` lasting `len_s`, sampled every 0.1 s, speed = its number.
    fn lap(n: u32, start_s: f64, len_s: f64) -> (CompletedLap, Vec<Frame>) {
        let (start, end) = ((start_s * 1e6) as i64, ((start_s + len_s) * 1e6) as i64);
        let frames = (start..end)
            .step_by(100_000)
            .map(|t| Frame::new(t).with(Channel::Speed, n as f32).with(Channel::Lap, n as f32))
            .collect();
        let lap = CompletedLap {
            lap_number: n,
            lap_time_s: len_s,
            start_t_us: start,
            end_t_us: end,
            valid: true,
            ..CompletedLap::default()
        };
        (lap, frames)
    }

    #[test]
    fn chosen_laps_are_laid_end_to_end() {
        let e = Export::laps(vec![lap(7, 600.0, 90.0), lap(3, 200.0, 92.0)]);
        assert_eq!(e.laps.iter().map(|l| l.lap_number).collect::<Vec<_>>(), vec![3, 7]);
        // Lap 7 now starts where lap 3 ended; its frames moved with it.
        assert_eq!(e.laps[1].start_t_us, e.laps[0].end_t_us);
        assert_eq!(e.laps[1].end_t_us - e.laps[1].start_t_us, 90_000_000);
        let first7 = e.frames.iter().find(|f| f.get(Channel::Speed) == Some(7.0)).expect("lap 7");
        assert_eq!(first7.t_us, e.laps[1].start_t_us);
        assert!(e.frames.windows(2).all(|w| w[0].t_us < w[1].t_us));
        // Beacons: lap 3 starts at the log start (no start beacon), then each end.
        assert_eq!(e.beacons_s(), vec![92.0, 182.0]);
        assert_eq!(e.rate_hz(), 10);
    }

    #[test]
    fn consecutive_laps_keep_their_times() {
        let (l4, mut f4) = lap(4, 100.0, 80.0);
        f4.remove(0); // the log's first sample is 0.1 s into the lap
        let e = Export::laps(vec![(l4, f4), lap(5, 180.0, 81.0)]);
        assert_eq!((e.laps[0].start_t_us, e.laps[1].start_t_us), (100_000_000, 180_000_000));
        assert_eq!(e.log_start_us(), 100_100_000);
        let b = e.beacons_s();
        assert_eq!(b.len(), 2, "{b:?}");
        assert!((b[0] - 79.9).abs() < 1e-9 && (b[1] - 160.9).abs() < 1e-9, "{b:?}");
    }

    #[test]
    fn samples_before_the_first_lap_start_get_a_start_beacon() {
        let (l4, mut f4) = lap(4, 100.0, 80.0);
        f4.insert(0, Frame::new(99_800_000).with(Channel::Speed, 4.0));
        let e = Export::laps(vec![(l4, f4)]);
        let b = e.beacons_s();
        assert!(b.len() == 2 && (b[0] - 0.2).abs() < 1e-9 && (b[1] - 80.2).abs() < 1e-9, "{b:?}");
    }

    #[test]
    fn a_whole_session_keeps_its_times_and_has_no_start_beacon() {
        let (l1, mut f) = lap(1, 0.5, 10.0);
        let (l2, f2) = lap(2, 10.5, 11.0);
        f.extend(f2);
        let e = Export::session(f.clone(), vec![l1, l2]);
        assert_eq!(e.frames, f);
        assert_eq!(e.beacons_s(), vec![10.0, 21.0]);
    }

    #[test]
    fn files_read_back() {
        let e = Export::laps(vec![lap(2, 50.0, 30.0), lap(9, 400.0, 31.0)]);
        let meta = SessionMeta { track: "Monza".into(), ..SessionMeta::default() };
        let ld = motec::LdFile::read(&e.ld(&meta).expect("ld")).expect("read");
        let speed = ld.channel("Ground Speed").expect("speed");
        let values = ld.channel_values(speed).expect("values");
        assert_eq!(values.len(), 610);
        assert!((values[0] - 2.0 * 3.6).abs() < 1e-3 && (values[609] - 9.0 * 3.6).abs() < 1e-3);
        let ldx = e.ldx();
        assert_eq!(ldx.matches("ClassName=\"BCN\"").count(), 2);
        assert!(ldx.contains("Time=\"61000000.00\""), "{ldx}");
        let csv = crate::csv::read_csv(&e.csv(&meta, &CsvOptions::default()).expect("csv")[..]).expect("read csv");
        assert_eq!(csv.frames.len(), e.frames.len());
        assert_eq!(csv.laps, vec![30.0, 61.0]);
    }
}
