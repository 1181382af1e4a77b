//! Theoretical best: the best pieces of every lap put together.
//!
//! Method: over the valid laps (all complete laps when none is valid), the best time of each sector summed,
//! and, finer, the best time of each corner-to-corner segment summed (segments run from one corner zone's
//! start to the next, the first from the start line and the last to the finish, so they partition the lap
//! and a piece's best never borrows time from its neighbour). Each piece records the lap it comes from.
//! Assumes the pieces are independent: a fast exit in one piece does not depend on a slow entry in the one
//! before, which is why the segment sum is never above the sector sum and usually a little below.

use serde::{Deserialize, Serialize};

/// The best time of one piece of the lap.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct BestPiece {
    /// Sector index (0-based) or segment index, as named by `label`.
    pub index: usize,
    /// `S1`, `Start–T1`, `T4–T5`, ...
    pub label: String,
    /// Where it starts, metres (sectors: boundary estimate).
    pub start_m: f64,
    /// Where it ends, metres.
    pub end_m: f64,
    /// Best time, seconds.
    pub time_s: f64,
    /// The lap it comes from.
    pub lap_number: u32,
}

/// The theoretical best lap.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TheoreticalBest {
    /// Sum of best sectors, seconds.
    pub sectors_s: f64,
    /// The best sectors.
    pub best_sectors: Vec<BestPiece>,
    /// Sum of best corner-to-corner segments, seconds.
    pub segments_s: f64,
    /// The best segments.
    pub best_segments: Vec<BestPiece>,
}

/// The best of each column: `times[lap][piece]`, with the lap numbers; pieces without a time are skipped.
pub(crate) fn best_pieces(times: &[(u32, Vec<f64>)], labels: &[(String, f64, f64)]) -> (f64, Vec<BestPiece>) {
    let mut out = Vec::with_capacity(labels.len());
    for (index, (label, start_m, end_m)) in labels.iter().enumerate() {
        let best = times
            .iter()
            .filter_map(|(lap, t)| t.get(index).filter(|x| x.is_finite()).map(|x| (*lap, *x)))
            .min_by(|a, b| a.1.total_cmp(&b.1));
        if let Some((lap_number, time_s)) = best {
            out.push(BestPiece { index, label: label.clone(), start_m: *start_m, end_m: *end_m, time_s, lap_number });
        }
    }
    let total = if out.len() == labels.len() { out.iter().map(|p| p.time_s).sum() } else { f64::NAN };
    (total, out)
}

/// The bests a lap is compared with, built lap by lap: the fastest lap and the fastest time of each sector over
/// the valid laps, or over every complete lap while none is valid. The one baseline of a lap's deltas, live
/// ([`crate::live::LiveInsights`]) and in the session's analysis ([`crate::Lap::sector_deltas_s`]); the
/// theoretical best ([`TheoreticalBest::best_sectors`]) takes its pieces from the same laps.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SectorBests {
    valid: Bests,
    any: Bests,
}

#[derive(Debug, Clone, Default, PartialEq)]
struct Bests {
    lap_s: Option<f64>,
    sectors_s: Vec<f64>,
}

impl Bests {
    fn add(&mut self, lap_time_s: f64, sectors_s: &[f64]) {
        if lap_time_s.is_finite() && self.lap_s.is_none_or(|b| lap_time_s < b) {
            self.lap_s = Some(lap_time_s);
        }
        for (i, s) in sectors_s.iter().enumerate() {
            let s = if s.is_finite() { *s } else { f64::INFINITY };
            match self.sectors_s.get_mut(i) {
                Some(best) => *best = best.min(s),
                None => self.sectors_s.push(s),
            }
        }
    }
}

impl SectorBests {
    /// The bests now: the valid laps', or every lap's while none is valid.
    fn current(&self) -> &Bests {
        if self.valid.lap_s.is_some() { &self.valid } else { &self.any }
    }

    /// Counts a completed lap.
    pub fn add(&mut self, lap_time_s: f64, sectors_s: &[f64], valid: bool) {
        if valid {
            self.valid.add(lap_time_s, sectors_s);
        }
        self.any.add(lap_time_s, sectors_s);
    }

    /// The fastest lap so far, s.
    pub fn lap_s(&self) -> Option<f64> {
        self.current().lap_s
    }

    /// Each of `sectors_s` minus the best time of that sector so far, s; `None` where there is none yet.
    pub fn sector_deltas(&self, sectors_s: &[f64]) -> Vec<Option<f64>> {
        let bests = &self.current().sectors_s;
        sectors_s
            .iter()
            .enumerate()
            .map(|(i, s)| bests.get(i).filter(|b| b.is_finite()).map(|b| s - b).filter(|d| d.is_finite()))
            .collect()
    }
}
