//! The field of an F1 session: what the normalizer keeps of every car besides the followed one, and the
//! [`Field`] snapshot built from it ([`super::F1Normalizer::field`]).
//!
//! # Sources, per car slot
//! - Lap Data: position, lap, last lap, gaps, pit status and stops, result status. A slot is in the field when
//!   its `m_resultStatus` is not 0 ("invalid": an unused slot).
//! - Participants: name, race number, team, for the first `m_numActiveCars` slots only (the others are unused).
//! - Car Status: visual compound (the same mapping as the `TyreCompound` channel) and `m_tyresAgeLaps`.
//! - Car Damage: the worst damaged part (the same definition as the `Damage` channel).
//! - Session History: the best lap (`m_bestLapTimeLapNum`'s time). It comes one car per packet in rotation,
//!   so each car's best lap is the one of its latest history packet.
//!
//! # Gaps
//! `m_deltaToRaceLeader` and `m_deltaToCarInFront` are milliseconds parts plus, from F1 24 on, whole minutes
//! parts (F1 23 has only the 16-bit milliseconds: gaps beyond 65.535 s wrap there, as the game sends them).
//! The interval is the game's own `m_deltaToCarInFront`, not a difference of gaps to the leader: the game
//! times the two at its own timing points, and on real captures they differ by up to about a second for a car
//! on another lap than the car ahead. The leader's gap is 0 and it has no interval; any other car's 0 is
//! "not timed yet" (every car has 0 before the first timing point of a race), so no value.
//!
//! # Status (`m_resultStatus`)
//! 2 "active" is racing: `None`. 1 `"inactive"`, 3 `"finished"`, 4 `"did_not_finish"`, 5 `"disqualified"`,
//! 6 `"not_classified"`, 7 `"retired"`; codes the specifications do not define: `None`. `m_driverStatus`
//! (garage, in lap, out lap, …) is not a status of the race: on real captures cars on the grid report "in
//! garage", so it is not used.

use super::normalize::{damage, visual_compound};
use super::{CAR_COUNT, CarDamageData, CarStatusData, Format, LapData, Packet};
use racecraft_core::{Field, FieldCar};

/// Longest name on the wire (F1 23/24; F1 25 sends 32 bytes).
const NAME_LEN: usize = 48;

/// One Participants record, kept without allocating.
#[derive(Debug, Clone, Copy)]
struct Entrant {
    name: [u8; NAME_LEN],
    name_len: u8,
    race_number: u8,
    team_id: u8,
}

impl Default for Entrant {
    fn default() -> Entrant {
        Entrant { name: [0; NAME_LEN], name_len: 0, race_number: 0, team_id: 255 }
    }
}

impl Entrant {
    fn name(&self) -> &str {
        // Copied from a `String` up to a character boundary, so always UTF-8.
        std::str::from_utf8(&self.name[..usize::from(self.name_len)]).unwrap_or_default()
    }
}

/// What the field needs from packets other than Lap Data, Car Status and Car Damage (which the normalizer
/// keeps for its frames already).
#[derive(Debug, Clone)]
pub(super) struct FieldState {
    /// `m_numActiveCars` and the participants, once a Participants packet has come.
    entrants: Option<(u8, [Entrant; CAR_COUNT])>,
    /// Best lap per car, ms, from the car's latest Session History.
    best_lap_ms: [Option<u32>; CAR_COUNT],
}

impl Default for FieldState {
    fn default() -> FieldState {
        FieldState { entrants: None, best_lap_ms: [None; CAR_COUNT] }
    }
}

impl FieldState {
    /// Keeps what the field needs of a Participants or Session History packet; other packets are ignored.
    pub(super) fn push(&mut self, packet: &Packet) {
        match packet {
            Packet::Participants(p) => {
                let mut cars = [Entrant::default(); CAR_COUNT];
                for (slot, record) in cars.iter_mut().zip(&p.participants) {
                    let mut len = record.name.len().min(NAME_LEN);
                    while !record.name.is_char_boundary(len) {
                        len -= 1;
                    }
                    slot.name[..len].copy_from_slice(&record.name.as_bytes()[..len]);
                    slot.name_len = len as u8;
                    slot.race_number = record.race_number;
                    slot.team_id = record.team_id;
                }
                self.entrants = Some((p.num_active_cars, cars));
            }
            Packet::SessionHistory(p) => {
                let Some(best) = self.best_lap_ms.get_mut(usize::from(p.car_idx)) else { return };
                // `m_bestLapTimeLapNum` is 1-based, 0 before any best lap.
                *best = usize::from(p.best_lap_time_lap_num)
                    .checked_sub(1)
                    .and_then(|i| p.lap_history_data.get(i))
                    .map(|lap| lap.lap_time_in_ms)
                    .filter(|ms| *ms > 0);
            }
            _ => {}
        }
    }

    /// The field at `t_us` from the latest Lap Data and, where they have come, Car Status and Car Damage;
    /// `player` is the followed car.
    pub(super) fn build(
        &self,
        t_us: i64,
        format: Format,
        lap: &[LapData; CAR_COUNT],
        status: Option<&[CarStatusData; CAR_COUNT]>,
        damage_data: Option<&[CarDamageData; CAR_COUNT]>,
        player: Option<usize>,
    ) -> Field {
        let mut cars: Vec<FieldCar> = Vec::with_capacity(CAR_COUNT);
        for (index, l) in lap.iter().enumerate() {
            if l.result_status == 0 {
                continue;
            }
            let entrant = match &self.entrants {
                Some((active, entrants)) if index < usize::from(*active) => Some(&entrants[index]),
                Some(_) => continue,
                None => None,
            };
            let position = Some(u32::from(l.car_position)).filter(|p| (1..=CAR_COUNT as u32).contains(p));
            let leader = position == Some(1);
            let gap = |ms: u16, minutes: Option<u8>| {
                let s = f64::from(minutes.unwrap_or(0)) * 60.0 + f64::from(ms) / 1000.0;
                (s > 0.0).then_some(s)
            };
            let timed = matches!(l.result_status, 2 | 3);
            let gap_to_leader_s = if leader {
                Some(0.0)
            } else {
                gap(l.delta_to_race_leader_ms_part, l.delta_to_race_leader_minutes_part).filter(|_| timed)
            };
            let interval_s = if leader {
                None
            } else {
                gap(l.delta_to_car_in_front_ms_part, l.delta_to_car_in_front_minutes_part).filter(|_| timed)
            };
            let s = status.map(|s| &s[index]);
            cars.push(FieldCar {
                index: index as u32,
                position,
                number: entrant.map(|e| e.race_number).filter(|n| *n > 0).map(|n| n.to_string()),
                driver: entrant.map(|e| e.name().to_owned()).unwrap_or_default(),
                team: entrant.and_then(|e| team_name(format, e.team_id)).map(str::to_owned),
                is_player: player == Some(index),
                lap: Some(u32::from(l.current_lap_num)).filter(|n| *n > 0),
                last_lap_s: Some(l.last_lap_time_in_ms).filter(|ms| *ms > 0).map(|ms| f64::from(ms) / 1000.0),
                best_lap_s: self.best_lap_ms[index].map(|ms| f64::from(ms) / 1000.0),
                gap_to_leader_s,
                interval_s,
                in_pit: matches!(l.pit_status, 1 | 2),
                pit_stops: Some(u32::from(l.num_pit_stops)),
                compound: s.and_then(|s| visual_compound(s.visual_tyre_compound)),
                // An empty status slot (compound 0) has no tyres, so no age either.
                tyre_age_laps: s.filter(|s| s.visual_tyre_compound != 0).map(|s| u32::from(s.tyres_age_laps)),
                damage: damage_data.and_then(|d| damage(&d[index])).map(f64::from),
                status: result_status(l.result_status).map(str::to_owned),
            });
        }
        // By position, cars without one last; the sort is stable, so those stay in slot order.
        cars.sort_by_key(|c| c.position.unwrap_or(u32::MAX));
        Field { t_us, cars }
    }
}

/// The field's status text for `m_resultStatus` (module docs); `None` while racing or for unknown codes.
fn result_status(code: u8) -> Option<&'static str> {
    match code {
        1 => Some("inactive"),
        3 => Some("finished"),
        4 => Some("did_not_finish"),
        5 => Some("disqualified"),
        6 => Some("not_classified"),
        7 => Some("retired"),
        _ => None,
    }
}

/// The team for `m_teamId`: the season's ten teams (ids 0–9, whose names changed for F1 24). Classic cars,
/// F2 teams, "My Team" and the generic car are not named: `None`.
fn team_name(format: Format, id: u8) -> Option<&'static str> {
    let since_24 = format >= Format::Y2024;
    Some(match id {
        0 => "Mercedes",
        1 => "Ferrari",
        2 => "Red Bull Racing",
        3 => "Williams",
        4 => "Aston Martin",
        5 => "Alpine",
        6 if since_24 => "RB",
        6 => "Alpha Tauri",
        7 => "Haas",
        8 => "McLaren",
        9 if since_24 => "Sauber",
        9 => "Alfa Romeo",
        _ => return None,
    })
}
