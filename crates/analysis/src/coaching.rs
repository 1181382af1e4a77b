//! Coaching: plain-language advice, ranked by the time at stake.
//!
//! Method (rule-based, local): for a corner where a lap loses time against a reference lap (its segment
//! loss is at least [`MIN_LOSS_S`]), the lap's corner metrics are compared with the reference's. Each
//! difference past its threshold becomes a finding: braking earlier or later ([`BRAKE_M`]; later only when
//! arriving as fast, which is overshooting), arriving slower, less or more speed at the apex ([`SPEED_KMH`]),
//! throttle later ([`THROTTLE_M`]), a slower exit, another gear. When none passes its threshold, the finer
//! causes are looked for: the brake released sooner into the corner ([`TRAIL_M`], less rotation) and less of the
//! grip used ([`GRIP_SHARE`]). The findings become what to change, as a coach says it, ending with what it is
//! worth ("Turn 4: brake 12 m later and carry 6 km/h more to the apex, as on your best lap — worth about
//! 0.14 s"). When speeds, braking, throttle and grip all match, the advice says so: the time is in the path
//! through the corner, which speed and pedals cannot show. Advice is sorted by time at stake.
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
/// Trail-braking depth difference worth a mention when nothing larger explains the loss, metres.
pub const TRAIL_M: f64 = 10.0;
/// Share of the grip envelope used at the apex worth a mention when nothing larger explains the loss.
pub const GRIP_SHARE: f64 = 0.04;

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
    /// The brake released this many metres sooner past turn-in (less rotation into the apex).
    ShorterTrail {
        /// Metres.
        by_m: f64,
    },
    /// Less of the grip envelope used at the apex.
    LessGrip {
        /// This lap's share, 0..1.
        lap: f64,
        /// The reference's share, 0..1.
        reference: f64,
    },
}

impl Finding {
    /// What to change, as an instruction.
    fn phrase(&self) -> String {
        match *self {
            Finding::BrakeEarlier { by_m } => format!("brake {by_m:.0} m later"),
            Finding::BrakeLater { by_m } => format!("brake {by_m:.0} m earlier (you overshoot the apex speed)"),
            Finding::SlowerEntry { by_kmh } => {
                format!("arrive {by_kmh:.0} km/h faster (a better exit from the corner before, or no lift)")
            }
            Finding::SlowerApex { by_kmh } => format!("carry {by_kmh:.0} km/h more to the apex"),
            Finding::FasterApex { by_kmh } => format!("carry {by_kmh:.0} km/h less to the apex to get a better exit"),
            Finding::LaterThrottle { by_m } => format!("pick up the throttle {by_m:.0} m sooner"),
            Finding::SlowerExit { by_kmh } => format!("exit {by_kmh:.0} km/h faster"),
            Finding::Gear { lap, reference } => format!("take it in gear {reference}, not {lap}"),
            Finding::ShorterTrail { by_m } => {
                format!("trail the brake {by_m:.0} m deeper into the corner to turn the car in")
            }
            Finding::LessGrip { lap, reference } => format!(
                "use more of the grip at the apex ({:.0} % of the limit, against {:.0} %)",
                lap * 100.0,
                reference * 100.0
            ),
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
/// `reference_name` reads after "as", e.g. "on your best lap" or "on lap 7".
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
    // Nothing large: the finer causes.
    if findings.is_empty() {
        let trail = reference.trail_brake_depth_m - lap.trail_brake_depth_m;
        if lap.braking_point_m.is_some() && trail >= TRAIL_M {
            findings.push(Finding::ShorterTrail { by_m: trail });
        }
        if reference.grip_used - lap.grip_used >= GRIP_SHARE {
            findings.push(Finding::LessGrip { lap: lap.grip_used, reference: reference.grip_used });
        }
    }
    let name = format!("Turn {}", lap.corner);
    let message = match findings.len() {
        0 => format!(
            "{name}: speed, braking, throttle and grip are the same as {reference_name} within {SPEED_KMH:.0} km/h \
             and {BRAKE_M:.0} m, so the time is in your path through the corner, which speed and pedals cannot \
             show: compare the two lines on the map — about {loss_s:.2} s"
        ),
        _ => {
            let phrases: Vec<String> = findings.iter().take(3).map(Finding::phrase).collect();
            let (last, rest) = phrases.split_last().map(|(l, r)| (l.clone(), r.join(", "))).unwrap_or_default();
            let what = if rest.is_empty() { last } else { format!("{rest} and {last}") };
            format!("{name}: {what}, as {reference_name} — worth about {loss_s:.2} s")
        }
    };
    Some(Advice {
        corner: lap.corner,
        lap_number: lap.lap_number,
        reference_lap_number: reference.lap_number,
        time_at_stake_s: loss_s,
        message,
        findings,
    })
}

/// Sorts advice by time at stake, largest first.
pub fn rank(advice: &mut [Advice]) {
    advice.sort_by(|a, b| b.time_at_stake_s.total_cmp(&a.time_at_stake_s));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn metrics(lap_number: u32) -> CornerMetrics {
        CornerMetrics {
            corner: 8,
            lap_number,
            entry_speed_mps: 60.0,
            braking_point_m: Some(1000.0),
            peak_brake: 0.9,
            trail_brake_depth_m: 30.0,
            min_speed_mps: 25.0,
            min_speed_at_m: 1120.0,
            throttle_pickup_m: Some(1130.0),
            exit_speed_mps: 35.0,
            gear: Some(3),
            corner_time_s: 5.0,
            segment_time_s: 9.0,
            grip_used: 0.95,
        }
    }

    #[test]
    fn advice_says_what_to_change_and_what_it_is_worth() {
        let reference = metrics(2);
        let mut lap = metrics(5);
        lap.braking_point_m = Some(988.0);
        lap.min_speed_mps = reference.min_speed_mps - 4.0 / 3.6;
        let advice = advise(&lap, &reference, 0.05, "on lap 2").expect("advice");
        assert_eq!(
            advice.message,
            "Turn 8: brake 12 m later and carry 4 km/h more to the apex, as on lap 2 — worth about 0.05 s"
        );
        assert_eq!(advice.findings.len(), 2);
        assert!(advise(&lap, &reference, MIN_LOSS_S / 2.0, "on lap 2").is_none(), "too little to advise");
    }

    #[test]
    fn without_a_large_difference_the_finer_causes_are_named() {
        let reference = metrics(2);
        let mut lap = metrics(5);
        lap.trail_brake_depth_m = 12.0;
        lap.grip_used = 0.88;
        let advice = advise(&lap, &reference, 0.04, "on your best lap").expect("advice");
        assert_eq!(
            advice.findings,
            vec![Finding::ShorterTrail { by_m: 18.0 }, Finding::LessGrip { lap: 0.88, reference: 0.95 }]
        );
        assert!(advice.message.contains("trail the brake 18 m deeper"), "{}", advice.message);
        assert!(advice.message.contains("(88 % of the limit, against 95 %)"), "{}", advice.message);
    }

    #[test]
    fn when_the_data_cannot_tell_the_advice_says_so() {
        let advice = advise(&metrics(5), &metrics(2), 0.03, "on your best lap").expect("advice");
        assert!(advice.findings.is_empty());
        assert!(
            advice.message.contains("which speed and pedals cannot show: compare the two lines on the map"),
            "{}",
            advice.message
        );
        assert!(!advice.message.contains("without one clear cause"));
    }
}
