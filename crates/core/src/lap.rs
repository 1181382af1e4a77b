//! Lap and sector boundaries from a stream of frames, as the server sees it live.
//!
//! Method: a lap ends when the game's lap counter increases. Its time is the game's own `last_lap_s` when
//! the game publishes one (every supported game does, and it is exact); otherwise it is reconstructed from
//! `lap_time_s` on both sides of the crossing: time of the previous sample into the old lap, plus the
//! sample interval, minus the time already run into the new lap. Sector splits are taken at the first
//! sample of each new sector (error at most one sample interval); the last sector is the remainder, so
//! sectors always sum to the lap time. A lap is an out-lap when it was joined after its start, invalid when
//! the game flagged it (`lap_valid` = 0) or when the capture had a gap of more than [`MAX_GAP_US`].

use crate::{Channel, Frame};

/// A hole in the capture longer than this invalidates the lap (the lap time may still be the game's).
pub const MAX_GAP_US: i64 = 1_000_000;

/// A finished lap.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CompletedLap {
    /// The game's number for the lap that ended.
    pub lap_number: u32,
    /// Lap time, seconds.
    pub lap_time_s: f64,
    /// Sector times, seconds; they sum to `lap_time_s`. Empty when the source has no sectors.
    pub sectors_s: Vec<f64>,
    /// Session time when the lap started, microseconds.
    pub start_t_us: i64,
    /// Session time when the lap ended, microseconds.
    pub end_t_us: i64,
    /// Frames seen during the lap.
    pub frame_count: u64,
    /// Neither flagged invalid by the game nor broken by a capture gap, and not an out-lap.
    pub valid: bool,
    /// The capture joined after the lap had started.
    pub out_lap: bool,
    /// The car was in the pit lane at some point of the lap.
    pub pit: bool,
}

/// Follows the lap counter of one car and reports each lap as it completes.
#[derive(Debug, Clone, Default)]
pub struct LapTracker {
    current: Option<Current>,
    last: Option<Frame>,
    /// A lap whose counter has moved on while the game's `last_lap_s` still showed the lap before it.
    pending: Option<Pending>,
}

/// A completed lap waiting for the game to publish its time.
#[derive(Debug, Clone)]
struct Pending {
    lap: Current,
    crossing: Frame,
    prev: Option<Frame>,
    stale: Option<f32>,
}

/// How long a lap waits for the game's `last_lap_s` to change after the counter moved (iRacing publishes it up
/// to about half a second late).
pub const SETTLE_US: i64 = 1_500_000;

#[derive(Debug, Clone)]
struct Current {
    lap_number: u32,
    start_t_us: i64,
    frame_count: u64,
    sector: Option<u8>,
    /// Lap time at which each sector after the first started.
    sector_starts_s: Vec<f64>,
    out_lap: bool,
    invalid: bool,
    pit: bool,
    /// The game's `last_lap_s` as seen during this lap (the previous lap's time, or absent).
    seen_last_lap: Option<f32>,
}

impl LapTracker {
    /// A tracker that has seen nothing yet.
    pub fn new() -> LapTracker {
        LapTracker::default()
    }

    /// The lap in progress, if any.
    pub fn current_lap(&self) -> Option<u32> {
        self.current.as_ref().map(|c| c.lap_number)
    }

    /// Feeds the next frame (in time order); returns the lap it completed, if any. Frames without a lap
    /// number carry no lap information and are only counted.
    pub fn push(&mut self, frame: &Frame) -> Option<CompletedLap> {
        let Some(lap) = frame.lap() else {
            if let Some(c) = self.current.as_mut() {
                c.frame_count += 1;
            }
            return None;
        };
        let prev = self.last.replace(*frame);
        let mut completed = self.settle(frame);
        match self.current.as_mut() {
            Some(cur) if lap == cur.lap_number => {
                cur.observe(frame, prev.as_ref());
            }
            Some(cur) if lap > cur.lap_number => {
                let cur = self.current.take().expect("matched Some");
                // The game has not caught up with its own counter when `last_lap_s` still shows what it showed
                // during the lap, or the lap timer did not restart: wait for the lap's time (a lap still pending
                // is finished now, with what it has).
                let timer_not_reset = matches!(
                    (frame.lap_time_s(), prev.as_ref().and_then(Frame::lap_time_s)),
                    (Some(now), Some(before)) if now >= before
                );
                let fresh = frame.last_lap_s().is_some_and(|t| t > 0.0 && Some(t) != cur.seen_last_lap);
                let stale = !fresh
                    && ((frame.has(Channel::LastLapTime) && frame.last_lap_s() == cur.seen_last_lap)
                        || timer_not_reset);
                let mut next = Current::start(lap, frame, prev.as_ref());
                if stale {
                    if let Some(p) = self.pending.take() {
                        completed = Some(p.lap.finish(&p.crossing, p.prev.as_ref(), None));
                    }
                    // Its own lap time may lag too: the crossing frame's time is the lap's start.
                    if frame.lap_time_s().is_some_and(|s| s > 1.0) {
                        next.start_t_us = frame.t_us;
                    }
                    let stale_value = frame.last_lap_s();
                    self.pending = Some(Pending { lap: cur, crossing: *frame, prev, stale: stale_value });
                } else {
                    completed = Some(cur.finish(frame, prev.as_ref(), None));
                }
                self.current = Some(next);
            }
            _ => {
                // First frame, or the counter went backwards (session restart): start afresh.
                self.pending = None;
                self.current = Some(Current::start(lap, frame, None));
            }
        }
        completed
    }

    /// Finishes a pending lap once the game's `last_lap_s` has changed, or [`SETTLE_US`] after its crossing.
    fn settle(&mut self, frame: &Frame) -> Option<CompletedLap> {
        let pending = self.pending.as_ref()?;
        let published = frame.last_lap_s().filter(|t| Some(*t) != pending.stale && *t > 0.0);
        if published.is_none() && frame.t_us.saturating_sub(pending.crossing.t_us) < SETTLE_US {
            return None;
        }
        let p = self.pending.take()?;
        let lap = p.lap.finish(&p.crossing, p.prev.as_ref(), published.map(f64::from));
        // The lap in progress began where this one ended.
        if let Some(cur) = self.current.as_mut()
            && cur.lap_number > lap.lap_number
            && published.is_some()
        {
            cur.start_t_us = lap.end_t_us;
        }
        Some(lap)
    }
}

impl Current {
    fn start(lap_number: u32, frame: &Frame, prev: Option<&Frame>) -> Current {
        let into_lap_s = frame.lap_time_s().map(f64::from);
        let start_t_us = match into_lap_s {
            Some(s) => frame.t_us.saturating_sub((s * 1e6).round() as i64),
            None => frame.t_us,
        };
        // Joined mid-lap when the first frame we see is already well into it; a crossing seen from the
        // previous lap (prev is Some) is a proper start.
        let out_lap = prev.is_none()
            && (into_lap_s.is_some_and(|s| s > 1.0) || frame.get(Channel::LapDistPct).is_some_and(|p| p > 0.02));
        let mut cur = Current {
            lap_number,
            start_t_us,
            frame_count: 0,
            sector: frame.sector(),
            sector_starts_s: Vec::new(),
            out_lap,
            invalid: false,
            pit: false,
            seen_last_lap: frame.last_lap_s(),
        };
        cur.observe(frame, None);
        cur
    }

    fn observe(&mut self, frame: &Frame, prev: Option<&Frame>) {
        self.frame_count += 1;
        self.seen_last_lap = frame.last_lap_s();
        if frame.get(Channel::LapValid) == Some(0.0) {
            self.invalid = true;
        }
        if frame.get(Channel::InPit).is_some_and(|p| p > 0.5) {
            self.pit = true;
        }
        if let Some(prev) = prev
            && frame.t_us.saturating_sub(prev.t_us) > MAX_GAP_US
        {
            self.invalid = true;
        }
        if let Some(sector) = frame.sector()
            && self.sector.is_some_and(|s| sector > s)
        {
            let at =
                frame.lap_time_s().map(f64::from).unwrap_or(frame.t_us.saturating_sub(self.start_t_us) as f64 * 1e-6);
            self.sector_starts_s.push(at);
            self.sector = Some(sector);
        }
    }

    /// The completed lap, ended by the crossing frame `next`; `published` is the game's time for it when it came
    /// after the crossing.
    fn finish(self, next: &Frame, prev: Option<&Frame>, published: Option<f64>) -> CompletedLap {
        let reconstructed = || {
            let prev = prev?;
            let into_old = f64::from(prev.lap_time_s()?);
            let into_new = f64::from(next.lap_time_s()?);
            // Only a lap timer that was reset at the crossing tells where the line was.
            if into_new >= into_old {
                return None;
            }
            Some(into_old + next.t_us.saturating_sub(prev.t_us) as f64 * 1e-6 - into_new)
        };
        let lap_time_s = published
            .or_else(|| next.last_lap_s().map(f64::from).filter(|t| *t > 0.0 && Some(*t as f32) != self.seen_last_lap))
            .or_else(reconstructed)
            .unwrap_or_else(|| next.t_us.saturating_sub(self.start_t_us) as f64 * 1e-6);
        let mut sectors_s = Vec::new();
        if !self.sector_starts_s.is_empty() {
            let mut from = 0.0;
            for &at in &self.sector_starts_s {
                sectors_s.push(at - from);
                from = at;
            }
            sectors_s.push(lap_time_s - from);
        }
        let gap = prev.is_some_and(|p| next.t_us.saturating_sub(p.t_us) > MAX_GAP_US);
        CompletedLap {
            lap_number: self.lap_number,
            lap_time_s,
            sectors_s,
            start_t_us: self.start_t_us,
            end_t_us: self.start_t_us.saturating_add((lap_time_s * 1e6).round() as i64),
            frame_count: self.frame_count,
            valid: !(self.invalid || self.out_lap || gap || self.pit),
            out_lap: self.out_lap,
            pit: self.pit,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A car at a constant pace: `lap_s` per lap, three equal sectors, sampled every `dt_us`.
    fn run(lap_s: f64, dt_us: i64, laps: u32, start_offset_s: f64) -> Vec<CompletedLap> {
        let mut tracker = LapTracker::new();
        let mut out = Vec::new();
        let mut t_us = 0;
        let total_s = lap_s * f64::from(laps) - start_offset_s - 1.0;
        while (t_us as f64) * 1e-6 < total_s {
            let race_s = t_us as f64 * 1e-6 + start_offset_s;
            let lap = (race_s / lap_s).floor();
            let into = race_s - lap * lap_s;
            let frame = Frame::new(t_us)
                .with(Channel::Lap, lap as f32 + 1.0)
                .with(Channel::LapTime, into as f32)
                .with(Channel::Sector, (into / lap_s * 3.0).floor() as f32)
                .with(Channel::LapDistPct, (into / lap_s) as f32);
            out.extend(tracker.push(&frame));
            t_us += dt_us;
        }
        out
    }

    #[test]
    fn reconstructs_lap_times_without_game_last_lap() {
        let laps = run(80.0, 16_667, 3, 0.0);
        assert_eq!(laps.len(), 2);
        for lap in &laps {
            assert!((lap.lap_time_s - 80.0).abs() < 1e-3, "{lap:?}");
            assert_eq!(lap.sectors_s.len(), 3);
            // Each sector against the truth (three equal thirds at a constant pace); their sum is the lap time by
            // construction (the last sector is the remainder), so it is not checked.
            for s in &lap.sectors_s {
                assert!((s - 80.0 / 3.0).abs() < 0.02, "{s}");
            }
        }
        assert!(laps[0].valid && !laps[0].out_lap);
        assert_eq!(laps[1].lap_number, 2);
    }

    #[test]
    fn joining_mid_lap_marks_an_out_lap() {
        let laps = run(60.0, 10_000, 2, 20.0);
        assert_eq!(laps.len(), 1);
        assert!(laps[0].out_lap);
        assert!(!laps[0].valid);
        assert!((laps[0].lap_time_s - 60.0).abs() < 1e-3);
    }

    #[test]
    fn game_last_lap_time_wins_and_gaps_invalidate() {
        let mut tracker = LapTracker::new();
        let f = |t_us: i64, lap: f32, into: f32| {
            Frame::new(t_us).with(Channel::Lap, lap).with(Channel::LapTime, into).with(Channel::LapDistPct, 0.0)
        };
        assert!(tracker.push(&f(0, 1.0, 0.0)).is_none());
        assert!(tracker.push(&f(10_000, 1.0, 0.01)).is_none());
        // Two-second gap, then the crossing with the game's own lap time.
        let done = tracker.push(&f(2_500_000, 2.0, 0.1).with(Channel::LastLapTime, 2.4)).expect("lap");
        assert_eq!(done.lap_time_s, f64::from(2.4f32));
        assert!(!done.valid);
        assert_eq!(tracker.current_lap(), Some(2));
    }

    /// Laps of `lap_s` at 60 Hz from a game that publishes `last_lap_s` and resets `lap_time_s` only `lag` frames
    /// after the counter moves (iRacing: 5 to 30 frames).
    fn lagging_game(lap_s: [f64; 3], lag: usize, publish: bool) -> Vec<(usize, CompletedLap)> {
        let mut tracker = LapTracker::new();
        let mut out = Vec::new();
        let (dt_us, mut t_us, mut i) = (16_667i64, 0i64, 0usize);
        let ends: Vec<f64> = lap_s
            .iter()
            .scan(0.0, |acc, l| {
                *acc += l;
                Some(*acc)
            })
            .collect();
        let mut crossed_at = None;
        let (mut shown_last, mut lap_start) = (None::<f64>, 0.0);
        while (t_us as f64) * 1e-6 < ends[2] - 0.5 {
            let t = t_us as f64 * 1e-6;
            let lap = ends.iter().filter(|e| t >= **e).count();
            if lap > 0 && crossed_at.is_none_or(|(l, _)| l != lap) {
                crossed_at = Some((lap, i));
            }
            let settled = crossed_at.is_some_and(|(_, at)| i >= at + lag);
            if settled && let Some((l, _)) = crossed_at {
                if publish {
                    shown_last = Some(lap_s[l - 1]);
                }
                lap_start = ends[l - 1];
            }
            let mut frame =
                Frame::new(t_us).with(Channel::Lap, lap as f32 + 1.0).with(Channel::LapTime, (t - lap_start) as f32);
            match shown_last {
                Some(v) => frame.set(Channel::LastLapTime, v as f32),
                None => frame.set(Channel::LastLapTime, -1.0),
            }
            if let Some(done) = tracker.push(&frame) {
                out.push((i, done));
            }
            t_us += dt_us;
            i += 1;
        }
        out
    }

    #[test]
    fn a_lap_time_published_after_the_crossing_is_waited_for() {
        let laps = lagging_game([61.25, 60.5, 62.0], 30, true);
        assert_eq!(laps.len(), 2, "{laps:?}");
        for ((at, lap), want) in laps.iter().zip([61.25, 60.5]) {
            assert!((lap.lap_time_s - want).abs() < 1e-4, "{lap:?} vs {want}");
            // Reported when the game published it, not before.
            let crossing = ((lap.end_t_us as f64) / 16_667.0).ceil() as usize;
            assert!(*at >= crossing + 29, "reported at frame {at}, crossing {crossing}");
        }
        assert_eq!(laps[1].1.start_t_us, laps[0].1.end_t_us, "the next lap starts where the last ended");
    }

    #[test]
    fn a_lap_time_that_never_comes_falls_back_after_the_settle_time() {
        let laps = lagging_game([61.25, 60.5, 62.0], 30, false);
        assert_eq!(laps.len(), 2, "{laps:?}");
        // Without the game's time, the lap ends at the crossing frame: within one 60 Hz sample.
        assert!((laps[0].1.lap_time_s - 61.25).abs() < 0.02, "{:?}", laps[0]);
    }

    #[test]
    fn times_at_the_ends_of_i64_do_not_overflow() {
        // A corrupt source saturated its times to i64::MIN / MAX: the tracker must not panic on the difference.
        let mut tracker = LapTracker::new();
        for (i, t_us) in [i64::MIN, 0, i64::MAX, i64::MIN, i64::MAX].into_iter().enumerate() {
            let lap = 1.0 + i as f32;
            let _ = tracker.push(&Frame::new(t_us).with(Channel::Lap, lap).with(Channel::LapTime, 1e30));
        }
    }
}
