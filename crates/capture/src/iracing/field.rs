//! The field of an iRacing session: every car's `CarIdx*` values of a row, named by the session-info YAML.
//!
//! # Sources
//! - Cars: the `DriverInfo.Drivers` entries (`CarIdx`, `UserName`, `CarNumber`, `TeamName`), less the pace car
//!   (`CarIsPaceCar: 1`) and spectators (`IsSpectator: 1`); `DriverInfo.DriverCarIdx` is the player.
//! - Per car, element `CarIdx` of: `CarIdxPosition` (0: not classified yet, no position), `CarIdxLap` (the lap
//!   the car is on; `CarIdxLapCompleted` + 1 where only that is published; below 1 no lap), `CarIdxLastLapTime`
//!   and `CarIdxBestLapTime` (−1 or 0 before a lap: no time), `CarIdxOnPitRoad`.
//! - Gap to the leader: `CarIdxF2Time`, only in a session whose `SessionInfo.Sessions` entry for the row's
//!   `SessionNum` has `SessionType: Race` (outside races the simulator puts the car's best lap time there).
//!   The leader's gap is 0; another car's 0 is not timed yet (no value). The interval is the difference to the
//!   gap of the car one position ahead, where both are known: iRacing publishes no interval of its own.
//!
//! # Left `None`
//! Pit stops, tyre age, damage and status: iRacing publishes none of them per car. The compound:
//! `CarIdxTireCompound` is an index into each car's own tyre list (`DriverTires` in the YAML, given for the
//! player's car only), not a soft/medium/hard code, so it is not mapped (like `PlayerTireCompound`).
//!
//! The `.ibt` files the simulator writes hold no `CarIdx*` arrays (they record the player's car only), so a
//! file has no field: [`IracingField::new`] is `None` without `CarIdxPosition`.

use super::VarHeader;
use racecraft_core::{Field, FieldCar};

/// One car of `DriverInfo.Drivers` that races (not the pace car, not a spectator).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Entrant {
    /// `CarIdx`.
    pub car_idx: u32,
    /// `UserName`.
    pub driver: String,
    /// `CarNumber`, unquoted.
    pub number: Option<String>,
    /// `TeamName`.
    pub team: Option<String>,
}

/// The cars of the session-info YAML and the player's `DriverCarIdx`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Roster {
    /// `DriverInfo.DriverCarIdx`.
    pub player: Option<u32>,
    /// Racing cars, in YAML order.
    pub cars: Vec<Entrant>,
    /// `SessionInfo.Sessions`: `SessionNum` of each session whose `SessionType` is `Race`.
    pub race_sessions: Vec<i64>,
}

impl Roster {
    /// Reads the drivers and sessions from the session-info YAML text (line scanning, like the session's meta).
    pub fn parse(info: &str) -> Roster {
        let mut roster = Roster::default();
        roster.parse_drivers(section(info, "DriverInfo"));
        let mut session: Option<i64> = None;
        for line in section(info, "SessionInfo").lines() {
            if let Some(num) = value(line, "SessionNum") {
                session = num.parse().ok();
            } else if let Some(kind) = value(line, "SessionType")
                && kind == "Race"
                && let Some(num) = session
            {
                roster.race_sessions.push(num);
            }
        }
        roster
    }

    fn parse_drivers(&mut self, text: &str) {
        self.player = text.lines().find_map(|l| value(l, "DriverCarIdx")).and_then(|v| v.parse().ok());
        // One entry per `- CarIdx:` line, its keys on the following lines until the next entry.
        let mut entry: Option<(Entrant, bool)> = None;
        for line in text.lines() {
            if line.trim_start().starts_with("- ") {
                self.finish(entry.take());
                if let Some(idx) = value(line, "CarIdx").and_then(|v| v.parse().ok()) {
                    entry = Some((Entrant { car_idx: idx, ..Entrant::default() }, false));
                }
                continue;
            }
            let Some((car, skip)) = entry.as_mut() else { continue };
            if let Some(v) = value(line, "UserName") {
                car.driver = v;
            } else if let Some(v) = value(line, "CarNumber") {
                car.number = Some(v);
            } else if let Some(v) = value(line, "TeamName") {
                car.team = Some(v);
            } else if value(line, "CarIsPaceCar").as_deref() == Some("1")
                || value(line, "IsSpectator").as_deref() == Some("1")
            {
                *skip = true;
            }
        }
        self.finish(entry);
    }

    fn finish(&mut self, entry: Option<(Entrant, bool)>) {
        if let Some((car, false)) = entry {
            self.cars.push(car);
        }
    }
}

/// The lines of top-level YAML key `key` (up to the next top-level key); empty when absent.
fn section<'a>(info: &'a str, key: &str) -> &'a str {
    let header = format!("{key}:");
    let Some(start) = info.lines().position(|l| l.trim_end() == header) else { return "" };
    let mut lines = info.split_inclusive('\n');
    let offset: usize = lines.by_ref().take(start + 1).map(str::len).sum();
    let len: usize = lines.take_while(|l| l.starts_with(' ') || l.trim().is_empty()).map(str::len).sum();
    &info[offset..offset + len]
}

/// The scalar after `key:` on `line` (after an optional list dash), unquoted; `None` when absent or empty.
fn value(line: &str, key: &str) -> Option<String> {
    let rest = line.trim_start().trim_start_matches("- ").strip_prefix(key)?.strip_prefix(':')?;
    let v = rest.trim().trim_matches('"').trim();
    (!v.is_empty()).then(|| v.to_owned())
}

/// The `CarIdx*` variables of a variable table and the cars of the session info: builds a [`Field`] from a row.
#[derive(Debug, Clone)]
pub struct IracingField {
    position: VarHeader,
    lap: Option<VarHeader>,
    lap_completed: Option<VarHeader>,
    last_lap: Option<VarHeader>,
    best_lap: Option<VarHeader>,
    f2_time: Option<VarHeader>,
    on_pit_road: Option<VarHeader>,
    session_num: Option<VarHeader>,
    roster: Roster,
}

impl IracingField {
    /// The field's variables in `vars` and the cars of `session_info`; `None` without `CarIdxPosition` (an
    /// `.ibt` file, which records no other car).
    pub fn new(vars: &[VarHeader], session_info: &str) -> Option<IracingField> {
        let find = |name: &str| vars.iter().find(|v| v.name == name).cloned();
        Some(IracingField {
            position: find("CarIdxPosition")?,
            lap: find("CarIdxLap"),
            lap_completed: find("CarIdxLapCompleted"),
            last_lap: find("CarIdxLastLapTime"),
            best_lap: find("CarIdxBestLapTime"),
            f2_time: find("CarIdxF2Time"),
            on_pit_road: find("CarIdxOnPitRoad"),
            session_num: find("SessionNum"),
            roster: Roster::parse(session_info),
        })
    }

    /// The cars the session info names.
    pub fn roster(&self) -> &Roster {
        &self.roster
    }

    /// The field of `row` at `t_us`: the roster's cars by position (cars without one last, in `CarIdx` order).
    pub fn field(&self, row: &[u8], t_us: i64) -> Field {
        let at = |var: &Option<VarHeader>, idx: usize| var.as_ref()?.value_at(row, idx).filter(|v| v.is_finite());
        let session = self.session_num.as_ref().and_then(|v| v.value(row)).map(|n| n as i64);
        let race = session.is_some_and(|n| self.roster.race_sessions.contains(&n));
        let mut cars: Vec<FieldCar> = self
            .roster
            .cars
            .iter()
            .map(|entrant| {
                let idx = entrant.car_idx as usize;
                let position = self.position.value_at(row, idx).filter(|p| *p >= 1.0 && *p < 1e6).map(|p| p as u32);
                let lap = match at(&self.lap, idx) {
                    Some(lap) => Some(lap),
                    None => at(&self.lap_completed, idx).map(|done| done + 1.0),
                };
                let time = |var: &Option<VarHeader>| at(var, idx).filter(|t| *t > 0.0);
                let gap_to_leader_s = if !race {
                    None
                } else if position == Some(1) {
                    Some(0.0)
                } else {
                    time(&self.f2_time)
                };
                FieldCar {
                    index: entrant.car_idx,
                    position,
                    number: entrant.number.clone(),
                    driver: entrant.driver.clone(),
                    team: entrant.team.clone(),
                    is_player: self.roster.player == Some(entrant.car_idx),
                    lap: lap.filter(|l| *l >= 1.0 && *l < 1e6).map(|l| l as u32),
                    last_lap_s: time(&self.last_lap),
                    best_lap_s: time(&self.best_lap),
                    gap_to_leader_s,
                    interval_s: None,
                    in_pit: at(&self.on_pit_road, idx).is_some_and(|v| v != 0.0),
                    ..FieldCar::default()
                }
            })
            .collect();
        cars.sort_by_key(|c| c.position.unwrap_or(u32::MAX));
        // The interval is to the car exactly one position ahead (a gap in the positions leaves it unknown).
        for i in 1..cars.len() {
            let (ahead, car) = (&cars[i - 1], &cars[i]);
            let consecutive = matches!((ahead.position, car.position), (Some(a), Some(c)) if c == a + 1);
            if let (true, Some(a), Some(c)) = (consecutive, ahead.gap_to_leader_s, car.gap_to_leader_s) {
                cars[i].interval_s = Some(c - a);
            }
        }
        Field { t_us, cars }
    }
}
