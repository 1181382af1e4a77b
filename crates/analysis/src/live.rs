//! Live lap insights: what a driver wants to know the moment a lap ends, computed from running per-lap
//! accumulators as frames arrive (constant work per frame, no allocation); the server publishes each as an
//! `insight_update` right after the lap's `lap_completed`.
//!
//! Contents: the lap against the best lap so far (before this one), each sector against the best time of that
//! sector so far — both with the session analysis's baseline, [`SectorBests`] — and tyre stress (peak temperature
//! and pressure range per wheel, the hottest wheel), with the lap's top speed, peak lateral and braking g, and the
//! share of the lap at full throttle.

use racecraft_core::{Channel, CompletedLap, Frame, Wheel};
use serde::{Deserialize, Serialize};

use crate::SectorBests;

/// The figures of a just-completed lap; bests are the [`SectorBests`] of the laps before it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct LapInsight {
    /// The lap.
    pub lap_number: u32,
    /// Its time, s.
    pub lap_time_s: f64,
    /// Valid.
    pub valid: bool,
    /// Fastest lap before it, s (valid laps, or all while none is valid).
    pub best_lap_s: Option<f64>,
    /// This lap minus that best, s (positive: slower).
    pub delta_to_best_s: Option<f64>,
    /// Its sector times, s.
    pub sectors_s: Vec<f64>,
    /// Each sector minus the best of that sector before it, s.
    pub sector_deltas_s: Vec<Option<f64>>,
    /// Top speed, m/s.
    pub top_speed_mps: Option<f64>,
    /// Largest lateral acceleration, g.
    pub max_lat_g: Option<f64>,
    /// Largest braking deceleration, g.
    pub max_brake_g: Option<f64>,
    /// Share of the lap at full throttle, %.
    pub full_throttle_pct: Option<f64>,
    /// Tyre figures, when the source has tyre channels.
    pub tyres: Option<TyreInsight>,
}

/// Tyre figures of a lap, per wheel in the order FL, FR, RL, RR.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TyreInsight {
    /// Hottest temperature seen, °C.
    pub max_temp_c: Vec<Option<f64>>,
    /// Lowest pressure seen, kPa.
    pub pressure_min_kpa: Vec<Option<f64>>,
    /// Highest pressure seen, kPa.
    pub pressure_max_kpa: Vec<Option<f64>>,
    /// The hottest wheel (`fl`, `fr`, `rl`, `rr`).
    pub hottest: Option<String>,
}

/// Running figures of one lap.
#[derive(Debug, Clone, Copy)]
struct LapStats {
    lap: Option<u32>,
    frames: u64,
    full_throttle: u64,
    top_speed_mps: f32,
    max_lat_g: f32,
    max_brake_g: f32,
    tyre_temp_max_c: [f32; 4],
    tyre_press_min_kpa: [f32; 4],
    tyre_press_max_kpa: [f32; 4],
}

impl Default for LapStats {
    fn default() -> LapStats {
        LapStats {
            lap: None,
            frames: 0,
            full_throttle: 0,
            top_speed_mps: f32::NAN,
            max_lat_g: f32::NAN,
            max_brake_g: f32::NAN,
            tyre_temp_max_c: [f32::NAN; 4],
            tyre_press_min_kpa: [f32::NAN; 4],
            tyre_press_max_kpa: [f32::NAN; 4],
        }
    }
}

/// `f32::max` that lets a real value replace the NaN start.
fn up(acc: &mut f32, v: Option<f32>) {
    if let Some(v) = v {
        *acc = if acc.is_nan() { v } else { acc.max(v) };
    }
}

fn down(acc: &mut f32, v: Option<f32>) {
    if let Some(v) = v {
        *acc = if acc.is_nan() { v } else { acc.min(v) };
    }
}

fn finite(v: f32) -> Option<f64> {
    v.is_finite().then_some(f64::from(v))
}

impl LapStats {
    fn add(&mut self, f: &Frame) {
        self.frames += 1;
        if f.get(Channel::Throttle).is_some_and(|t| t >= 0.98) {
            self.full_throttle += 1;
        }
        up(&mut self.top_speed_mps, f.get(Channel::Speed));
        up(&mut self.max_lat_g, f.get(Channel::AccLat).map(f32::abs));
        up(&mut self.max_brake_g, f.get(Channel::AccLong).map(|g| -g));
        for (i, w) in Wheel::ALL.into_iter().enumerate() {
            up(&mut self.tyre_temp_max_c[i], f.get(Channel::tyre_temp(w)));
            down(&mut self.tyre_press_min_kpa[i], f.get(Channel::tyre_pressure(w)));
            up(&mut self.tyre_press_max_kpa[i], f.get(Channel::tyre_pressure(w)));
        }
    }
}

/// Per-lap accumulators for the lap in progress and the one before (a lap's time can arrive after the next
/// lap has begun), and the bests the next insight compares with.
#[derive(Debug, Default)]
pub struct LiveInsights {
    current: LapStats,
    previous: LapStats,
    bests: SectorBests,
}

impl LiveInsights {
    /// Counts a frame into its lap's figures.
    pub fn frame(&mut self, f: &Frame) {
        let Some(lap) = f.lap() else { return };
        if self.current.lap != Some(lap) {
            self.previous = self.current;
            self.current = LapStats { lap: Some(lap), ..LapStats::default() };
        }
        self.current.add(f);
    }

    /// The insight for a completed lap; counts it into the bests afterwards.
    pub fn lap(&mut self, lap: &CompletedLap) -> LapInsight {
        let stats = [self.current, self.previous].into_iter().find(|s| s.lap == Some(lap.lap_number));
        let tyres = stats.map(|s| {
            let hottest = (0..4)
                .filter(|&i| s.tyre_temp_max_c[i].is_finite())
                .max_by(|&a, &b| s.tyre_temp_max_c[a].total_cmp(&s.tyre_temp_max_c[b]))
                .map(|i| ["fl", "fr", "rl", "rr"][i]);
            TyreInsight {
                max_temp_c: s.tyre_temp_max_c.map(finite).to_vec(),
                pressure_min_kpa: s.tyre_press_min_kpa.map(finite).to_vec(),
                pressure_max_kpa: s.tyre_press_max_kpa.map(finite).to_vec(),
                hottest: hottest.map(str::to_string),
            }
        });
        let insight = LapInsight {
            lap_number: lap.lap_number,
            lap_time_s: lap.lap_time_s,
            valid: lap.valid,
            best_lap_s: self.bests.lap_s(),
            delta_to_best_s: self.bests.lap_s().map(|b| lap.lap_time_s - b),
            sectors_s: lap.sectors_s.clone(),
            sector_deltas_s: self.bests.sector_deltas(&lap.sectors_s),
            top_speed_mps: stats.and_then(|s| finite(s.top_speed_mps)),
            max_lat_g: stats.and_then(|s| finite(s.max_lat_g)),
            max_brake_g: stats.and_then(|s| finite(s.max_brake_g)),
            full_throttle_pct: stats.filter(|s| s.frames > 0).map(|s| 100.0 * s.full_throttle as f64 / s.frames as f64),
            tyres,
        };
        self.bests.add(lap.lap_time_s, &lap.sectors_s, lap.valid);
        insight
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;

    /// The insight as the viewers get it.
    fn sent(insight: LapInsight) -> Value {
        serde_json::to_value(insight).expect("serializes")
    }

    fn lap(n: u32, time: f64, sectors: [f64; 3], valid: bool) -> CompletedLap {
        CompletedLap {
            lap_number: n,
            lap_time_s: time,
            sectors_s: sectors.to_vec(),
            start_t_us: 0,
            end_t_us: 0,
            frame_count: 10,
            valid,
            out_lap: false,
            pit: false,
        }
    }

    #[test]
    fn sector_deltas_compare_with_the_best_valid_sectors_so_far() {
        let mut insights = LiveInsights::default();
        let first = sent(insights.lap(&lap(1, 90.0, [30.0, 31.0, 29.0], true)));
        assert_eq!(first["delta_to_best_s"], Value::Null);
        assert_eq!(first["sector_deltas_s"], json!([null, null, null]));
        // An invalid lap is compared but never becomes the best.
        let invalid = sent(insights.lap(&lap(2, 85.0, [28.0, 29.0, 28.0], false)));
        assert_eq!(invalid["sector_deltas_s"], json!([-2.0, -2.0, -1.0]));
        let third = sent(insights.lap(&lap(3, 89.5, [30.5, 30.0, 29.0], true)));
        assert_eq!(third["delta_to_best_s"], json!(-0.5));
        assert_eq!(third["sector_deltas_s"], json!([0.5, -1.0, 0.0]));
        let fourth = sent(insights.lap(&lap(4, 89.0, [30.0, 30.0, 29.0], true)));
        assert_eq!(fourth["sector_deltas_s"], json!([0.0, 0.0, 0.0]), "bests are the best of each sector");
    }

    #[test]
    fn while_no_lap_is_valid_every_lap_counts_then_only_valid_ones() {
        let mut insights = LiveInsights::default();
        insights.lap(&lap(1, 95.0, [33.0, 31.0, 31.0], false));
        let second = sent(insights.lap(&lap(2, 92.0, [31.0, 32.0, 29.0], false)));
        assert_eq!(second["best_lap_s"], json!(95.0));
        assert_eq!(second["sector_deltas_s"], json!([-2.0, 1.0, -2.0]));
        insights.lap(&lap(3, 94.0, [32.0, 31.5, 30.5], true));
        // From the first valid lap on, the invalid ones no longer count.
        let fourth = sent(insights.lap(&lap(4, 93.0, [31.5, 31.0, 30.5], true)));
        assert_eq!(fourth["best_lap_s"], json!(94.0));
        assert_eq!(fourth["sector_deltas_s"], json!([-0.5, -0.5, 0.0]));
    }

    #[test]
    fn tyre_stress_and_figures_come_from_the_laps_own_frames() {
        let mut insights = LiveInsights::default();
        let frame = |lap: f32, temp: f32, press: f32, speed: f32| {
            Frame::new(0)
                .with(Channel::Lap, lap)
                .with(Channel::Speed, speed)
                .with(Channel::Throttle, 1.0)
                .with(Channel::TyreTempFr, temp)
                .with(Channel::TyreTempFl, 80.0)
                .with(Channel::TyrePressFl, press)
        };
        insights.frame(&frame(1.0, 90.0, 170.0, 50.0));
        insights.frame(&frame(1.0, 95.0, 180.0, 60.0));
        // The next lap has begun before lap 1's time is known: its frames do not leak into lap 1.
        insights.frame(&frame(2.0, 120.0, 200.0, 90.0));
        let v = sent(insights.lap(&lap(1, 90.0, [30.0, 30.0, 30.0], true)));
        assert_eq!(v["tyres"]["max_temp_c"], json!([80.0, 95.0, null, null]));
        assert_eq!(v["tyres"]["hottest"], "fr");
        assert_eq!(v["tyres"]["pressure_min_kpa"][0], json!(170.0));
        assert_eq!(v["tyres"]["pressure_max_kpa"][0], json!(180.0));
        assert_eq!(v["top_speed_mps"], json!(60.0));
        assert_eq!(v["full_throttle_pct"], json!(100.0));
    }
}
