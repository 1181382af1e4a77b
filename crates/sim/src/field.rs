//! A field of simulated opponents around the simulated car, for a timing tower.
//!
//! Each opponent laps at a constant pace: the ideal lap time times its own factor, so its progress round the
//! circuit grows linearly with time from the start line at `t = 0`. The simulated car's progress is its own
//! distance travelled. Positions go by progress; a car's gap to the leader is the distance between them at the
//! car's own pace (what the leader's lead would take it to cover), its interval the difference of gaps to the car
//! ahead. Every opponent runs medium tyres from the start without stopping; the simulated car's stops and tyres are
//! its own.

use racecraft_core::{Compound, Field, FieldCar};

use crate::sim::Simulation;

/// The slowest opponent's pace against the ideal lap, and the fastest's.
const PACE_RANGE: (f64, f64) = (1.045, 0.995);

impl Simulation {
    /// The field at session time `t_us`: the simulated car and `opponents` others (none when 0).
    pub fn field_at(&self, opponents: u32, t_us: i64) -> Field {
        let length = self.track.length_m();
        let ideal = self.truth.ideal_lap_time_s;
        let t = t_us.max(0) as f64 * 1e-6;
        let player_progress = self.progress_m(t);
        let player_laps: Vec<f64> =
            self.truth.laps.iter().filter(|l| l.start_s + l.lap_time_s <= t).map(|l| l.lap_time_s).collect();
        let player_pace = player_laps.iter().sum::<f64>() / player_laps.len().max(1) as f64;
        // (progress m, pace s a lap, the car)
        let mut cars: Vec<(f64, f64, FieldCar)> = Vec::with_capacity(opponents as usize + 1);
        cars.push((
            player_progress,
            if player_laps.is_empty() { ideal } else { player_pace },
            FieldCar {
                index: 0,
                number: (!self.cfg.car_number.is_empty()).then(|| self.cfg.car_number.clone()),
                driver: self.cfg.driver_name.clone(),
                team: (!self.cfg.team.is_empty()).then(|| self.cfg.team.clone()),
                is_player: true,
                lap: Some((player_progress / length).floor() as u32 + 1),
                last_lap_s: player_laps.last().copied(),
                best_lap_s: player_laps.iter().copied().reduce(f64::min),
                in_pit: false,
                pit_stops: Some(self.cfg.pit_stops.iter().filter(|s| self.lap_end_s(s.lap) <= t).count() as u32),
                ..FieldCar::default()
            },
        ));
        for k in 1..=opponents {
            let pace = ideal * opponent_factor(k, opponents);
            let progress = t / pace * length;
            let laps_done = (progress / length).floor() as u32;
            cars.push((
                progress,
                pace,
                FieldCar {
                    index: k,
                    number: Some(format!("{}", 10 + k)),
                    driver: format!("Sim Opponent {k}"),
                    team: None,
                    is_player: false,
                    lap: Some(laps_done + 1),
                    last_lap_s: (laps_done > 0).then_some(pace),
                    best_lap_s: (laps_done > 0).then_some(pace),
                    in_pit: false,
                    pit_stops: Some(0),
                    compound: Some(Compound::Medium),
                    tyre_age_laps: Some(laps_done),
                    ..FieldCar::default()
                },
            ));
        }
        cars.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.2.index.cmp(&b.2.index)));
        let leader = cars.first().map_or(0.0, |c| c.0);
        let mut ahead_gap = 0.0;
        let mut out = Vec::with_capacity(cars.len());
        for (position, (progress, pace, mut car)) in cars.into_iter().enumerate() {
            let gap = (leader - progress) / length * pace;
            car.position = Some(position as u32 + 1);
            car.gap_to_leader_s = Some(gap);
            car.interval_s = Some(gap - ahead_gap);
            ahead_gap = gap;
            out.push(car);
        }
        Field { t_us, cars: out }
    }

    /// Distance the simulated car has travelled from the start line at session time `t_s`, metres.
    fn progress_m(&self, t_s: f64) -> f64 {
        let n = self.track.len();
        let ds = self.track.step_m();
        // The segment whose time span holds t (the profile's time is increasing).
        // Within it, linear in time: within one step of the track (a metre or two) of the truth.
        let i = self.t.partition_point(|&x| x <= t_s).saturating_sub(1).min(self.v.len() - 2);
        let span = (self.t[i + 1] - self.t[i]).max(1e-9);
        let into = ((t_s - self.t[i]) / span).clamp(0.0, 1.0) * ds;
        (i as f64 - n as f64) * ds + into
    }

    /// Session time at the end of timed lap `lap`, s.
    fn lap_end_s(&self, lap: u32) -> f64 {
        self.truth.laps.get(lap as usize - 1).map_or(f64::INFINITY, |l| l.start_s + l.lap_time_s)
    }
}

/// Opponent `k` of `n`'s lap time as a factor of the ideal lap: evenly spread from the slowest to the fastest.
fn opponent_factor(k: u32, n: u32) -> f64 {
    let (slow, fast) = PACE_RANGE;
    if n <= 1 { (slow + fast) / 2.0 } else { slow + (fast - slow) * f64::from(k - 1) / f64::from(n - 1) }
}
