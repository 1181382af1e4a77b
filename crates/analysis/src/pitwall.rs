//! The pit wall: one team car's state across its stints, and which sessions are one car's stints.
//!
//! Pure: the server hands in what it stored and holds live (each stint's laps, the first frame of every lap,
//! the latest frame) and the engineer's race settings; out comes a [`CarStatus`] with the figures, the
//! stint table, the pit plan of [`crate::strategy`] and the alerts.
//!
//! - A car is the sessions of one team with the same car number on the same track, each starting at most
//!   [`STINT_GAP_MS`] after the one before ended ([`group_stints`]): a driver swap (another agent takes the
//!   car over) continues the car instead of starting an unrelated session. A stint is one such session.
//! - Fuel per lap comes from the fuel at the start of each lap and of the next one (the first frame stored
//!   of each lap), over the last green laps of the whole car, across stints ([`crate::strategy::fuel_per_lap`]).
//! - Fuel is in the unit the game reports: litres (`fuel_l`) where it has them, kilograms (`fuel_kg`) else.
//! - The plan starts at the line the car crossed last, with the fuel it had there, so it does not move with
//!   the fuel burnt since; "laps of fuel" uses the fuel now.

use racecraft_core::{Channel, CompletedLap, Compound, Field, Frame, Wheel};
use serde::{Deserialize, Serialize};

use crate::strategy::{self, LapFuel, PitPlans, PlanInput, RaceLength};

/// A session continues the car of the one before when it starts at most this long after that one ended.
pub const STINT_GAP_MS: i64 = 30 * 60 * 1000;

/// What the engineer sets for the race; everything has a default.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(default, deny_unknown_fields)]
pub struct RaceSettings {
    /// Race length in laps, if the race is run over laps: the laps still to run are this less the laps the
    /// car has completed over all its stints (a lapped car's finish comes earlier, which this ignores).
    pub race_laps: Option<u32>,
    /// When the race ends, ms since the Unix epoch, if it is run over time.
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub race_ends_at_ms: Option<i64>,
    /// Fuel kept in hand at every point, in laps of fuel.
    pub margin_laps: f64,
    /// Tank size in the game's fuel unit.
    pub tank_capacity: f64,
    /// Refuelling rate while stationary, fuel unit per second.
    pub refuel_rate_per_s: f64,
    /// Time lost driving through the pit lane (refuelling apart) until one of the car's stops is measured, s.
    pub pit_lane_loss_s: f64,
    /// Lap time lost per unit of fuel carried, s per lap.
    pub fuel_weight_s_per_lap: f64,
    /// Laps (the last green ones) that fuel per lap and pace are measured over.
    pub window_laps: u32,
    /// Most pit stops a plan may make.
    pub max_stops: u32,
    /// Alert when fewer laps of fuel than this are left and the car cannot finish on it.
    pub low_fuel_laps: f64,
    /// Tyre temperatures below this raise an alert, °C.
    pub tyre_min_c: f64,
    /// Tyre temperatures above this raise an alert, °C.
    pub tyre_max_c: f64,
}

impl Default for RaceSettings {
    fn default() -> RaceSettings {
        RaceSettings {
            race_laps: None,
            race_ends_at_ms: None,
            margin_laps: 1.0,
            tank_capacity: 100.0,
            refuel_rate_per_s: 2.0,
            pit_lane_loss_s: 25.0,
            fuel_weight_s_per_lap: 0.0,
            window_laps: 5,
            max_stops: 20,
            low_fuel_laps: 3.0,
            tyre_min_c: 70.0,
            tyre_max_c: 110.0,
        }
    }
}

/// One session of a car, as the server has it.
#[derive(Debug, Clone, PartialEq)]
pub struct StintInput {
    /// The session.
    pub session_id: i64,
    /// Its driver.
    pub driver: String,
    /// Wall-clock start, ms since the Unix epoch.
    pub started_at_ms: i64,
    /// Wall-clock end; `None` while it runs.
    pub ended_at_ms: Option<i64>,
    /// Receiving data now.
    pub live: bool,
    /// Its completed laps, in order.
    pub laps: Vec<CompletedLap>,
    /// The first frame of every lap (completed or running), by lap number.
    pub lap_starts: Vec<(u32, Frame)>,
    /// The latest frame.
    pub last: Option<Frame>,
}

/// One car: its entry and its stints, oldest first.
#[derive(Debug, Clone, PartialEq)]
pub struct CarInput {
    /// The team it races for.
    pub team: String,
    /// Race number.
    pub car_number: String,
    /// Track.
    pub track: String,
    /// Car model.
    pub car: String,
    /// Its sessions, oldest first (see [`group_stints`]).
    pub stints: Vec<StintInput>,
    /// The field of the race its latest stint's game reports, if any.
    pub field: Option<Field>,
}

/// A session as [`group_stints`] sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionKey {
    /// The session.
    pub id: i64,
    /// Which team: the owning team's id on a team server, and the team name the agent gave.
    pub team: (Option<i64>, String),
    /// Race number; sessions without one are no team car.
    pub car_number: String,
    /// Track.
    pub track: String,
    /// Wall-clock start, ms.
    pub started_at_ms: i64,
    /// Wall-clock end, ms; `None` while it runs.
    pub ended_at_ms: Option<i64>,
}

/// Groups sessions into cars: each car's sessions (ids, oldest first), the latest run of sessions of one team,
/// car number and track in which each starts at most [`STINT_GAP_MS`] after the previous one ended (or while
/// it still runs). Sessions without a car number are left out. Cars are ordered by team and car number.
pub fn group_stints(sessions: &[SessionKey]) -> Vec<Vec<i64>> {
    let mut sorted: Vec<&SessionKey> = sessions.iter().filter(|s| !s.car_number.is_empty()).collect();
    sorted.sort_by(|a, b| {
        (&a.team, &a.car_number, &a.track, a.started_at_ms, a.id).cmp(&(
            &b.team,
            &b.car_number,
            &b.track,
            b.started_at_ms,
            b.id,
        ))
    });
    let mut cars: Vec<Vec<i64>> = Vec::new();
    let mut previous: Option<&SessionKey> = None;
    for s in sorted {
        let same_car = previous.is_some_and(|p| p.team == s.team && p.car_number == s.car_number && p.track == s.track);
        let continues = previous.is_some_and(|p| match p.ended_at_ms {
            None => true,
            Some(end) => s.started_at_ms <= end.saturating_add(STINT_GAP_MS),
        });
        match cars.last_mut() {
            Some(car) if same_car && continues => car.push(s.id),
            // The same car after a long gap: a new event replaces the old one.
            Some(car) if same_car => *car = vec![s.id],
            _ => cars.push(vec![s.id]),
        }
        // An open session keeps the run open whatever ends later; otherwise the latest end counts.
        previous = Some(match previous {
            Some(p) if same_car && continues && later_end(p, s) => p,
            _ => s,
        });
    }
    cars
}

/// Whether `a` ends after `b` (a running session ends last).
fn later_end(a: &SessionKey, b: &SessionKey) -> bool {
    match (a.ended_at_ms, b.ended_at_ms) {
        (None, _) => true,
        (Some(_), None) => false,
        (Some(x), Some(y)) => x > y,
    }
}

/// A car on the pit wall.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CarStatus {
    /// The team it races for.
    pub team: String,
    /// Race number.
    pub car_number: String,
    /// Track.
    pub track: String,
    /// Car model.
    pub car: String,
    /// Who drives it now (the latest stint's driver).
    pub driver: String,
    /// The latest stint's session: its live dashboard.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub session_id: i64,
    /// The latest stint is receiving data.
    pub live: bool,
    /// The lap it is on, as the game counts it.
    pub lap: Option<u32>,
    /// Laps completed over every stint.
    pub laps_completed: u32,
    /// Race position, where the game reports the field.
    pub position: Option<u32>,
    /// Last completed lap, s.
    pub last_lap_s: Option<f64>,
    /// Best valid lap over every stint, s.
    pub best_lap_s: Option<f64>,
    /// Mean of the last green laps, s.
    pub rolling_lap_s: Option<f64>,
    /// Last lap's sectors minus the best of each sector over every stint, s.
    pub sector_deltas_s: Vec<f64>,
    /// Fuel, where the game reports it.
    pub fuel: Option<FuelStatus>,
    /// Tyres, FL, FR, RL, RR.
    pub tyres: [TyreStatus; 4],
    /// Compound fitted (`soft`, `medium`, `hard`, `intermediate`, `wet`, `other`).
    pub compound: Option<String>,
    /// Damage of the worst damaged part, 0..1.
    pub damage: Option<f64>,
    /// In the pit lane now.
    pub in_pit: bool,
    /// Time since the latest stint started, s.
    pub stint_time_s: f64,
    /// Laps still to start, counted from the line the car crossed last.
    pub laps_remaining: Option<f64>,
    /// Pit-lane loss the plan uses, s.
    pub pit_lane_loss_s: f64,
    /// Whether that loss was measured on this car's pit laps (else it is the engineer's setting).
    pub pit_lane_loss_measured: bool,
    /// The pit plan to the finish, when the race length and fuel per lap are known.
    pub plan: Option<PitPlans>,
    /// Why there is no plan, when there could be one.
    pub plan_error: Option<String>,
    /// One row per stint, oldest first.
    pub stints: Vec<StintStatus>,
    /// What needs attention now.
    pub alerts: Vec<Alert>,
    /// The whole field, where the game reports it (a timing tower).
    pub field: Option<Field>,
}

/// Fuel figures, in the game's unit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct FuelStatus {
    /// `l` or `kg`.
    pub unit: String,
    /// In the tank now.
    pub now: f64,
    /// Used per lap over the last green laps.
    pub rate: Option<strategy::FuelRate>,
    /// Laps the fuel now lasts at that rate.
    pub laps_left: Option<f64>,
    /// Fuel needed from the last line crossed to the finish, with the margin.
    pub to_finish: Option<f64>,
    /// What must still be added over the remaining stops to finish (0 when it lasts).
    pub to_add: Option<f64>,
}

/// One tyre.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TyreStatus {
    /// Tread worn, 0 new .. 1 worn through.
    pub wear: Option<f64>,
    /// Temperature, °C.
    pub temp_c: Option<f64>,
    /// Pressure, kPa.
    pub pressure_kpa: Option<f64>,
}

/// One stint (one session of the car).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct StintStatus {
    /// 1-based.
    pub stint: u32,
    /// Its session.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub session_id: i64,
    /// Its driver.
    pub driver: String,
    /// Laps completed.
    pub laps: u32,
    /// Mean green lap, s.
    pub average_lap_s: Option<f64>,
    /// Fuel used per green lap, in the car's fuel unit.
    pub fuel_per_lap: Option<f64>,
    /// Compound at the stint's start.
    pub compound: Option<String>,
    /// Worst tyre's wear at the stint's start (0 a new set).
    pub tyre_wear_start: Option<f64>,
    /// Wall-clock start, ms.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub started_at_ms: i64,
    /// Wall-clock end, ms; `null` while it runs.
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub ended_at_ms: Option<i64>,
    /// Receiving data now.
    pub live: bool,
}

/// Something on the pit wall that needs attention.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Alert {
    /// What it is about.
    pub kind: AlertKind,
    /// How urgent.
    pub severity: Severity,
    /// What to tell the driver, in words.
    pub message: String,
}

/// What an [`Alert`] is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum AlertKind {
    /// Few laps of fuel left and the finish not reachable on them.
    LowFuel,
    /// A stop at the end of this lap still finishes the race with the planned number of stops.
    PitWindowOpen,
    /// The plan's next stop is at the end of this lap.
    BoxThisLap,
    /// A tyre outside its temperature window.
    TyreTemperature,
    /// The car is damaged.
    Damage,
}

/// How urgent an [`Alert`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// For information.
    Info,
    /// Act soon.
    Warning,
    /// Act now.
    Critical,
}

const WHEEL_NAMES: [&str; 4] = ["FL", "FR", "RL", "RR"];

/// A car's pit-wall state at `now_ms` (wall clock, ms since the Unix epoch).
pub fn car_status(car: &CarInput, settings: &RaceSettings, now_ms: i64) -> Option<CarStatus> {
    let latest = car.stints.last()?;
    let last = car.stints.iter().rev().find_map(|s| s.last.as_ref());
    let value = |c: Channel| last.and_then(|f| f.get(c)).map(f64::from).filter(|v| v.is_finite());
    let fuel_channel = if last.is_some_and(|f| f.has(Channel::Fuel)) { Channel::Fuel } else { Channel::FuelKg };

    // Every completed lap of the car with its fuel, in order.
    let mut laps: Vec<(&StintInput, &CompletedLap, Option<LapFuel>)> = Vec::new();
    for stint in &car.stints {
        let fuel_at = |lap: u32| {
            stint.lap_starts.iter().find(|(n, _)| *n == lap).and_then(|(_, f)| f.get(fuel_channel)).map(f64::from)
        };
        for lap in &stint.laps {
            let fuel = fuel_at(lap.lap_number).zip(fuel_at(lap.lap_number + 1)).map(|(start, end)| LapFuel {
                lap_time_s: lap.lap_time_s,
                fuel_start: start,
                fuel_end: end,
                // A lap on which the tank ran dry burnt less than the car needs: it measures nothing.
                green: lap.valid && !lap.out_lap && end > 0.0,
                pit: lap.pit,
            });
            laps.push((stint, lap, fuel));
        }
    }
    let window = settings.window_laps.max(1) as usize;
    let fuel_laps: Vec<LapFuel> = laps.iter().filter_map(|(_, _, f)| *f).collect();
    let rate = strategy::fuel_per_lap(&fuel_laps, window);
    let green_times: Vec<f64> =
        laps.iter().filter(|(_, l, _)| l.valid && !l.out_lap && !l.pit).map(|(_, l, _)| l.lap_time_s).collect();
    let rolling_lap_s = mean(green_times.iter().rev().take(window).copied());
    let pace_s = rolling_lap_s;
    let best_lap_s = laps.iter().filter(|(_, l, _)| l.valid).map(|(_, l, _)| l.lap_time_s).reduce(f64::min);
    let last_lap = laps.last().map(|(_, l, _)| *l);
    let sector_deltas_s = last_lap.map_or_else(Vec::new, |last| {
        (0..last.sectors_s.len())
            .map(|k| {
                let best = laps
                    .iter()
                    .filter(|(_, l, _)| l.valid && l.sectors_s.len() == last.sectors_s.len())
                    .map(|(_, l, _)| l.sectors_s[k])
                    .fold(f64::INFINITY, f64::min);
                if best.is_finite() { last.sectors_s[k] - best } else { 0.0 }
            })
            .collect()
    });
    let laps_completed = laps.len() as u32;

    // The line the car crossed last: the start of the lap it is on.
    let lap_now = value(Channel::Lap).map(|l| l.max(0.0) as u32);
    let line = lap_now.and_then(|lap| latest.lap_starts.iter().find(|(n, _)| *n == lap)).map(|(_, f)| f);
    let fuel_at_line = line.and_then(|f| f.get(fuel_channel)).map(f64::from);
    let line_wall_ms = line.map(|f| latest.started_at_ms + f.t_us / 1000);

    let laps_remaining = match (settings.race_laps, settings.race_ends_at_ms) {
        (Some(total), _) => Some(f64::from(total.saturating_sub(laps_completed))),
        (None, Some(ends_at)) => pace_s.and_then(|pace| {
            let at = line_wall_ms.unwrap_or(now_ms);
            strategy::laps_remaining(RaceLength::Time { remaining_s: (ends_at - at).max(0) as f64 / 1000.0 }, pace)
        }),
        (None, None) => None,
    };

    let in_pit_now = value(Channel::InPit).is_some_and(|v| v >= 0.5);
    let measured_loss = pit_lane_loss_s(&laps, pace_s, rate.map(|r| r.per_lap), settings.refuel_rate_per_s, in_pit_now);
    let pit_lane_loss_s = measured_loss.unwrap_or(settings.pit_lane_loss_s);
    let fuel_now = value(fuel_channel);
    let fuel = fuel_now.map(|now| {
        let per_lap = rate.map(|r| r.per_lap).filter(|p| *p > 0.0);
        let to_finish = laps_remaining.zip(per_lap).map(|(r, p)| strategy::fuel_to_finish(r, p, settings.margin_laps));
        FuelStatus {
            unit: if fuel_channel == Channel::Fuel { "l" } else { "kg" }.to_owned(),
            now,
            rate,
            laps_left: per_lap.and_then(|p| strategy::laps_of_fuel(now, p)),
            to_add: to_finish.map(|need| (need - fuel_at_line.unwrap_or(now)).max(0.0)),
            to_finish,
        }
    });

    let mut plan = None;
    let mut plan_error = None;
    if let (Some(remaining), Some(rate), Some(fuel_line)) = (laps_remaining, rate, fuel_at_line.or(fuel_now)) {
        let input = PlanInput {
            laps_remaining: remaining.min(f64::from(strategy::MAX_LAPS_REMAINING)) as u32,
            fuel_now: fuel_line,
            fuel_per_lap: rate.per_lap,
            tank_capacity: settings.tank_capacity,
            margin_laps: settings.margin_laps,
            pit_lane_loss_s,
            refuel_rate_per_s: settings.refuel_rate_per_s,
            fuel_weight_s_per_lap: settings.fuel_weight_s_per_lap,
            max_stops: settings.max_stops,
        };
        match strategy::plan(&input) {
            Ok(p) => plan = Some(p),
            Err(e) => plan_error = Some(e.to_string()),
        }
    }

    let tyres: [TyreStatus; 4] = std::array::from_fn(|w| {
        let wheel = Wheel::ALL[w];
        TyreStatus {
            wear: value(Channel::tyre_wear(wheel)),
            temp_c: value(Channel::tyre_temp(wheel)),
            pressure_kpa: value(Channel::tyre_pressure(wheel)),
        }
    });
    let compound =
        value(Channel::TyreCompound).and_then(|c| Compound::from_code(c as f32)).map(|c| c.name().to_owned());
    let damage = value(Channel::Damage);

    let stints = stint_rows(car, &laps, in_pit_now);

    let mut status = CarStatus {
        team: car.team.clone(),
        car_number: car.car_number.clone(),
        track: car.track.clone(),
        car: car.car.clone(),
        driver: latest.driver.clone(),
        session_id: latest.session_id,
        live: latest.live,
        lap: lap_now,
        laps_completed,
        position: value(Channel::Position)
            .filter(|p| *p >= 1.0)
            .map(|p| p as u32)
            .or_else(|| car.field.as_ref()?.cars.iter().find(|c| c.is_player)?.position),
        last_lap_s: last_lap.map(|l| l.lap_time_s),
        best_lap_s,
        rolling_lap_s,
        sector_deltas_s,
        fuel,
        tyres,
        compound,
        damage,
        in_pit: in_pit_now,
        stint_time_s: latest.last.as_ref().map_or(0.0, |f| f.t_us.max(0) as f64 * 1e-6),
        laps_remaining,
        pit_lane_loss_s,
        pit_lane_loss_measured: measured_loss.is_some(),
        plan,
        plan_error,
        stints,
        alerts: Vec::new(),
        field: car.field.clone(),
    };
    status.alerts = alerts(&status, settings, fuel_at_line);
    Some(status)
}

/// The stint table: a stint is what one driver drove between the car's pit stops. A driver swap (a new
/// session) starts one, and so does the last lap of each run of laps in the pit lane (the out-lap), once the
/// car has left the lane.
fn stint_rows(
    car: &CarInput,
    laps: &[(&StintInput, &CompletedLap, Option<LapFuel>)],
    in_pit_now: bool,
) -> Vec<StintStatus> {
    let mut rows = Vec::new();
    for session in &car.stints {
        let own: Vec<&(&StintInput, &CompletedLap, Option<LapFuel>)> =
            laps.iter().filter(|(s, _, _)| s.session_id == session.session_id).collect();
        // Where each stint's laps start within the session.
        let mut starts = vec![0];
        for k in 1..own.len() {
            let out_lap = own[k].1.pit && own.get(k + 1).map_or(!in_pit_now || !session.live, |next| !next.1.pit);
            if out_lap {
                starts.push(k);
            }
        }
        for (n, &from) in starts.iter().enumerate() {
            let to = starts.get(n + 1).copied().unwrap_or(own.len());
            let stint_laps = &own[from..to];
            let first_lap = stint_laps.first().map_or(1, |(_, l, _)| l.lap_number);
            let first = session.lap_starts.iter().find(|(lap, _)| *lap == first_lap).map(|(_, f)| f);
            let worst_wear = first.and_then(|f| {
                Wheel::ALL.iter().filter_map(|w| f.get(Channel::tyre_wear(*w))).map(f64::from).reduce(f64::max)
            });
            let last = n + 1 == starts.len();
            // Session time at which lap `own[k]` started, µs.
            let lap_start_us =
                |k: usize| session.lap_starts.iter().find(|(lap, _)| *lap == own[k].1.lap_number).map(|(_, f)| f.t_us);
            rows.push(StintStatus {
                stint: rows.len() as u32 + 1,
                session_id: session.session_id,
                driver: session.driver.clone(),
                laps: stint_laps.len() as u32,
                average_lap_s: mean(
                    stint_laps.iter().filter(|(_, l, _)| l.valid && !l.out_lap && !l.pit).map(|(_, l, _)| l.lap_time_s),
                ),
                fuel_per_lap: mean(
                    stint_laps
                        .iter()
                        .filter_map(|(_, _, f)| f.filter(LapFuel::counts))
                        .map(|f| f.fuel_start - f.fuel_end),
                ),
                compound: first
                    .and_then(|f| f.get(Channel::TyreCompound))
                    .and_then(Compound::from_code)
                    .map(|c| c.name().to_owned()),
                tyre_wear_start: worst_wear,
                started_at_ms: match n {
                    0 => session.started_at_ms,
                    _ => session.started_at_ms + lap_start_us(from).unwrap_or(0) / 1000,
                },
                ended_at_ms: if last {
                    session.ended_at_ms
                } else {
                    Some(session.started_at_ms + lap_start_us(to).unwrap_or(0) / 1000)
                },
                live: last && session.live,
            });
        }
    }
    rows
}

/// Time lost to the pit lane, measured on the car's stops: each run of laps flagged as in the pit lane (the
/// in-lap and the out-lap, as the lap tracker flags them), less as many laps at `pace_s` and less the time
/// refuelling what the stop added at `refuel_rate_per_s` (the plan counts that apart), averaged. A run that
/// has not ended (the car still in the lane) is left out; the stop's other stationary work stays in.
fn pit_lane_loss_s(
    laps: &[(&StintInput, &CompletedLap, Option<LapFuel>)],
    pace_s: Option<f64>,
    fuel_per_lap: Option<f64>,
    refuel_rate_per_s: f64,
    in_pit_now: bool,
) -> Option<f64> {
    let pace = pace_s?;
    let mut losses = Vec::new();
    let mut k = 0;
    while k < laps.len() {
        if !laps[k].1.pit {
            k += 1;
            continue;
        }
        let start = k;
        while k < laps.len() && laps[k].1.pit {
            k += 1;
        }
        if k == laps.len() && in_pit_now {
            break;
        }
        let run = &laps[start..k];
        let time: f64 = run.iter().map(|(_, l, _)| l.lap_time_s).sum();
        let added = match (fuel_per_lap, run.iter().map(|(_, _, f)| *f).collect::<Option<Vec<LapFuel>>>()) {
            (Some(per_lap), Some(fuel)) => {
                (fuel.iter().map(|f| f.fuel_end - f.fuel_start).sum::<f64>() + run.len() as f64 * per_lap).max(0.0)
            }
            _ => 0.0,
        };
        let refuel_s = if refuel_rate_per_s > 0.0 { added / refuel_rate_per_s } else { 0.0 };
        losses.push(time - run.len() as f64 * pace - refuel_s);
    }
    mean(losses.into_iter()).filter(|loss| *loss > 0.0 && loss.is_finite())
}

fn alerts(car: &CarStatus, settings: &RaceSettings, fuel_at_line: Option<f64>) -> Vec<Alert> {
    let mut out = Vec::new();
    if let Some(fuel) = car.fuel.as_ref().filter(|f| f.now <= 0.0) {
        out.push(Alert {
            kind: AlertKind::LowFuel,
            severity: Severity::Critical,
            message: format!("Out of fuel ({:.1} {})", fuel.now.max(0.0), fuel.unit),
        });
    } else if let Some(fuel) = &car.fuel
        && let Some(laps_left) = fuel.laps_left
    {
        let finishes = fuel.to_finish.is_some_and(|need| fuel_at_line.unwrap_or(fuel.now) >= need);
        if laps_left < settings.low_fuel_laps && !finishes {
            out.push(Alert {
                kind: AlertKind::LowFuel,
                severity: if laps_left < 1.5 { Severity::Critical } else { Severity::Warning },
                message: format!("Fuel for {laps_left:.1} laps"),
            });
        }
    }
    if let (Some(plan), Some(fuel), Some(remaining)) = (&car.plan, &car.fuel, car.laps_remaining) {
        let next = plan.fastest.stops.first();
        if let Some(stop) = next.filter(|s| s.lap == 1) {
            out.push(Alert {
                kind: AlertKind::BoxThisLap,
                severity: Severity::Critical,
                message: format!("Box this lap: add {:.1} {}", stop.fuel_added, fuel.unit),
            });
        } else if let (Some(_), Some(rate)) = (next, &fuel.rate) {
            // Stopping at the end of this lap and filling up, then filling up at every later stop (arriving with
            // the margin), covers the rest of the race with the plan's number of stops.
            let stops = plan.fastest.stops.len() as f64;
            let margin = settings.margin_laps * rate.per_lap;
            let available = settings.tank_capacity + (stops - 1.0) * (settings.tank_capacity - margin);
            let needed = (remaining - 1.0 + settings.margin_laps) * rate.per_lap;
            let first_lap_ok = fuel_at_line.unwrap_or(fuel.now) >= (1.0 + settings.margin_laps) * rate.per_lap;
            if available >= needed && first_lap_ok {
                out.push(Alert {
                    kind: AlertKind::PitWindowOpen,
                    severity: Severity::Info,
                    message: "Pit window open".to_owned(),
                });
            }
        }
    }
    let (low, high) = (settings.tyre_min_c, settings.tyre_max_c);
    for (tyre, name) in car.tyres.iter().zip(WHEEL_NAMES) {
        if let Some(t) = tyre.temp_c
            && !(low..=high).contains(&t)
        {
            let side = if t > high { "above" } else { "below" };
            out.push(Alert {
                kind: AlertKind::TyreTemperature,
                severity: Severity::Warning,
                message: format!("{name} tyre {t:.0} °C, {side} its window ({low:.0}–{high:.0} °C)"),
            });
        }
    }
    if let Some(damage) = car.damage.filter(|d| *d >= 0.1) {
        out.push(Alert {
            kind: AlertKind::Damage,
            severity: if damage >= 0.5 { Severity::Critical } else { Severity::Warning },
            message: format!("Damage {:.0} %", damage * 100.0),
        });
    }
    out.sort_by_key(|a| std::cmp::Reverse(a.severity));
    out
}

fn mean(values: impl Iterator<Item = f64>) -> Option<f64> {
    let (sum, n) = values.fold((0.0, 0usize), |(s, n), v| (s + v, n + 1));
    (n > 0).then(|| sum / n as f64)
}
