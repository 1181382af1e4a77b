//! Coaching: plain-language advice, ranked by the time at stake.
//!
//! Method (rule-based, local): for a corner where a lap loses time against a reference lap (its segment
//! loss is at least [`MIN_LOSS_S`]), the lap's corner metrics are compared with the reference's. Each
//! difference past its threshold becomes a finding: braking earlier or later ([`BRAKE_M`]; later only when
//! arriving as fast, which is overshooting), arriving slower, less or more speed at the apex ([`SPEED_KMH`]), throttle later ([`THROTTLE_M`]), a slower exit, another gear. The
//! findings are written as one sentence ending with the time at stake ("Turn 4: you brake 12 m earlier than
//! on your best lap and carry 6 km/h less to the apex — about 0.14 s"); advice is sorted by time at stake.
//! Assumes the reference's way through the corner is the better one because it was faster there.

use serde::{Deserialize, Serialize};

use crate::metrics::CornerMetrics;

/// Smallest loss worth advice, seconds.
pub const MIN_LOSS_S: f64 = 0.02;
/// Braking-point difference worth a mention, metres.
pub const BRAKE_M: f64 = 5.0;
/// Apex or exit speed difference worth a mention, km/h.
pub const SPEED_KMH: f64 = 2.0;
/// Throttle pickup difference worth a mention, metres.
pub const THROTTLE_M: f64 = 10.0;

/// One thing done differently from the reference.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Finding {
    /// Braked this many metres earlier.
    BrakeEarlier {
        /// Metres.
        by_m: f64,
    },
    /// Braked this many metres later (and lost time: overshooting the apex speed).
    BrakeLater {
        /// Metres.
        by_m: f64,
    },
    /// Arrived slower at the corner (lifted, or a slow exit from the one before).
    SlowerEntry {
        /// km/h.
        by_kmh: f64,
    },
    /// Slower at the apex.
    SlowerApex {
        /// km/h.
        by_kmh: f64,
    },
    /// Faster at the apex (and lost time after it).
    FasterApex {
        /// km/h.
        by_kmh: f64,
    },
    /// Throttle picked up later.
    LaterThrottle {
        /// Metres.
        by_m: f64,
    },
    /// Slower at the exit.
    SlowerExit {
        /// km/h.
        by_kmh: f64,
    },
    /// Another gear at the apex.
    Gear {
        /// This lap's gear.
        lap: i8,
        /// The reference's gear.
        reference: i8,
    },
}

impl Finding {
    fn phrase(&self, reference: &str) -> String {
        match *self {
            Finding::BrakeEarlier { by_m } => format!("brake {by_m:.0} m earlier than {reference}"),
            Finding::BrakeLater { by_m } => format!("brake {by_m:.0} m later than {reference}"),
            Finding::SlowerEntry { by_kmh } => format!("arrive {by_kmh:.0} km/h slower than {reference}"),
            Finding::SlowerApex { by_kmh } => format!("carry {by_kmh:.0} km/h less to the apex"),
            Finding::FasterApex { by_kmh } => format!("carry {by_kmh:.0} km/h more to the apex and lose it after"),
            Finding::LaterThrottle { by_m } => format!("pick up the throttle {by_m:.0} m later"),
            Finding::SlowerExit { by_kmh } => format!("exit {by_kmh:.0} km/h slower"),
            Finding::Gear { lap, reference: r } => format!("use gear {lap} where {reference} uses {r}"),
        }
    }
}

/// Advice for one corner.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Advice {
    /// The corner's number.
    pub corner: u32,
    /// The lap advised.
    pub lap_number: u32,
    /// The lap compared with.
    pub reference_lap_number: u32,
    /// Time lost in the corner's segment, seconds.
    pub time_at_stake_s: f64,
    /// What differs, most important first.
    pub findings: Vec<Finding>,
    /// The sentence.
    pub message: String,
}

/// Advice for `lap` against `reference` in one corner, when it lost at least [`MIN_LOSS_S`].
/// `reference_name` reads after "than", e.g. "on your best lap" or "on lap 7".
pub fn advise(lap: &CornerMetrics, reference: &CornerMetrics, loss_s: f64, reference_name: &str) -> Option<Advice> {
    if loss_s.is_nan() || loss_s < MIN_LOSS_S {
        return None;
    }
    let mut findings = Vec::new();
    let entry = (reference.entry_speed_mps - lap.entry_speed_mps) * 3.6;
    let slower_entry = entry >= SPEED_KMH;
    if let (Some(a), Some(b)) = (lap.braking_point_m, reference.braking_point_m) {
        if b - a >= BRAKE_M {
            findings.push(Finding::BrakeEarlier { by_m: b - a });
        } else if a - b >= BRAKE_M && !slower_entry && lap.min_speed_mps < reference.min_speed_mps {
            // Braking later from the same speed and still slower through: overshooting the corner.
            findings.push(Finding::BrakeLater { by_m: a - b });
        }
    }
    if slower_entry {
        findings.push(Finding::SlowerEntry { by_kmh: entry });
    }
    let apex = (lap.min_speed_mps - reference.min_speed_mps) * 3.6;
    if apex <= -SPEED_KMH {
        findings.push(Finding::SlowerApex { by_kmh: -apex });
    } else if apex >= SPEED_KMH && lap.exit_speed_mps < reference.exit_speed_mps {
        findings.push(Finding::FasterApex { by_kmh: apex });
    }
    if let (Some(a), Some(b)) = (lap.throttle_pickup_m, reference.throttle_pickup_m)
        && a - b >= THROTTLE_M
    {
        findings.push(Finding::LaterThrottle { by_m: a - b });
    }
    let exit = (reference.exit_speed_mps - lap.exit_speed_mps) * 3.6;
    if exit >= SPEED_KMH && !findings.iter().any(|f| matches!(f, Finding::SlowerApex { .. })) {
        findings.push(Finding::SlowerExit { by_kmh: exit });
    }
    if let (Some(a), Some(b)) = (lap.gear, reference.gear)
        && a != b
    {
        findings.push(Finding::Gear { lap: a, reference: b });
    }
    let name = format!("Turn {}", lap.corner);
    let what = match findings.len() {
        0 => format!("you lose time without one clear cause compared with {reference_name} (look at your line)"),
        _ => {
            let phrases: Vec<String> = findings.iter().take(3).map(|f| f.phrase(reference_name)).collect();
            let (last, rest) = phrases.split_last().map(|(l, r)| (l.clone(), r.join(", "))).unwrap_or_default();
            if rest.is_empty() { format!("you {last}") } else { format!("you {rest} and {last}") }
        }
    };
    Some(Advice {
        corner: lap.corner,
        lap_number: lap.lap_number,
        reference_lap_number: reference.lap_number,
        time_at_stake_s: loss_s,
        message: format!("{name}: {what} — about {loss_s:.2} s"),
        findings,
    })
}

/// Sorts advice by time at stake, largest first.
pub fn rank(advice: &mut [Advice]) {
    advice.sort_by(|a, b| b.time_at_stake_s.total_cmp(&a.time_at_stake_s));
}
