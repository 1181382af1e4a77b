//! The graphics page `SPageFileGraphic` (`acpmf_graphics`): session state and lap timing, written per rendered
//! frame. AC and ACC share offsets 0..252 and differ after.

use super::WideStr;
use super::{Error, Game, Result, world_to_frame};
use crate::bytes::layout;
use crate::bytes::within;
use racecraft_core::{Channel, Compound, Frame};

/// AC1 (shared memory 1.7).
pub const AC_SIZE: usize = 296;
/// ACC 1.8.12.
pub const ACC_SIZE: usize = 1588;
/// Every size a game writes.
pub const SIZES: [usize; 2] = [AC_SIZE, ACC_SIZE];

layout! {
    /// Offsets 0..252, the same in AC and ACC.
    pub struct GraphicsCommon(252) {
        /// Sequence number, incremented on every write.
        packet_id: i32 = 0,
        /// 0 off, 1 replay, 2 live, 3 pause.
        status: i32 = 4,
        /// Session type: −1 unknown, 0 practice, 1 qualify, 2 race, 3 hotlap, …
        session: i32 = 8,
        /// Current lap time as text.
        current_time: WideStr<15> = 12,
        /// Last lap time as text.
        last_time: WideStr<15> = 42,
        /// Best lap time as text.
        best_time: WideStr<15> = 72,
        /// Last split as text.
        split: WideStr<15> = 102,
        /// Laps completed.
        completed_laps: i32 = 132,
        /// Race position.
        position: i32 = 136,
        /// Current lap time, ms.
        i_current_time: i32 = 140,
        /// Last lap time, ms.
        i_last_time: i32 = 144,
        /// Best lap time, ms.
        i_best_time: i32 = 148,
        /// Session time left, ms.
        session_time_left: f32 = 152,
        /// Distance travelled this session, m.
        distance_traveled: f32 = 156,
        /// In the pit box (0/1).
        is_in_pit: i32 = 160,
        /// Current sector, 0-based.
        current_sector_index: i32 = 164,
        /// Last sector time, ms.
        last_sector_time: i32 = 168,
        /// Laps in the session.
        number_of_laps: i32 = 172,
        /// Tyre compound name.
        tyre_compound: WideStr<33> = 176,
        /// Replay speed.
        replay_time_multiplier: f32 = 244,
        /// Position along the lap, 0..1.
        normalized_car_position: f32 = 248,
    }
}

layout! {
    /// AC1's tail, offsets 252..296.
    pub struct GraphicsAc(AC_SIZE) {
        /// Player car world position (x, y up, z), m.
        car_coordinates: [f32; 3] = 252,
        /// Penalty time to serve.
        penalty_time: f32 = 264,
        /// Flag shown.
        flag: i32 = 268,
        /// Ideal line shown (0/1).
        ideal_line_on: i32 = 272,
        /// In the pit lane (0/1).
        is_in_pit_lane: i32 = 276,
        /// Track grip.
        surface_grip: f32 = 280,
        /// Mandatory pit stop done (0/1).
        mandatory_pit_done: i32 = 284,
        /// Wind speed, m/s.
        wind_speed: f32 = 288,
        /// Wind direction, rad.
        wind_direction: f32 = 292,
    }
}

layout! {
    /// ACC's tail, offsets 252..1588 (the fields used for laps, identity and conditions).
    pub struct GraphicsAcc(ACC_SIZE) {
        /// Cars in the session.
        active_cars: i32 = 252,
        /// World position of every car (x, y up, z), m; the player's is at the index of `player_car_id` in `car_id`.
        #[serde(serialize_with = "crate::bytes::serialize_array")]
        car_coordinates: [[f32; 3]; 60] = 256,
        /// Car ids, parallel to `car_coordinates`.
        #[serde(serialize_with = "crate::bytes::serialize_array")]
        car_id: [i32; 60] = 976,
        /// The player's car id.
        player_car_id: i32 = 1216,
        /// Penalty time to serve.
        penalty_time: f32 = 1220,
        /// Flag shown.
        flag: i32 = 1224,
        /// Penalty type.
        penalty: i32 = 1228,
        /// Ideal line shown (0/1).
        ideal_line_on: i32 = 1232,
        /// In the pit lane (0/1).
        is_in_pit_lane: i32 = 1236,
        /// Track grip.
        surface_grip: f32 = 1240,
        /// Mandatory pit stop done (0/1).
        mandatory_pit_done: i32 = 1244,
        /// Wind speed, m/s.
        wind_speed: f32 = 1248,
        /// Wind direction, rad.
        wind_direction: f32 = 1252,
        /// TC level.
        tc: i32 = 1268,
        /// TC cut level.
        tc_cut: i32 = 1272,
        /// Engine map.
        engine_map: i32 = 1276,
        /// ABS level.
        abs: i32 = 1280,
        /// Fuel per lap, l.
        fuel_x_lap: f32 = 1284,
        /// Session index.
        session_index: i32 = 1320,
        /// Fuel used, l.
        used_fuel: f32 = 1324,
        /// Delta to best as text.
        delta_lap_time: WideStr<15> = 1328,
        /// Delta to best, ms.
        i_delta_lap_time: i32 = 1360,
        /// Estimated lap time as text.
        estimated_lap_time: WideStr<15> = 1364,
        /// Estimated lap time, ms.
        i_estimated_lap_time: i32 = 1396,
        /// Delta positive (0/1).
        is_delta_positive: i32 = 1400,
        /// Last split, ms.
        i_split: i32 = 1404,
        /// Current lap valid (0/1).
        is_valid_lap: i32 = 1408,
        /// Laps left on fuel.
        fuel_estimated_laps: f32 = 1412,
        /// Track status text.
        track_status: WideStr<33> = 1416,
        /// Mandatory pit stops missing.
        missing_mandatory_pits: i32 = 1484,
        /// Time of day, s.
        clock: f32 = 1488,
        /// Gap ahead, ms.
        gap_ahead: i32 = 1580,
        /// Gap behind, ms.
        gap_behind: i32 = 1584,
    }
}

/// The tail after offset 252, which differs between the games.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(untagged)]
pub enum GraphicsTail {
    /// AC1, 296-byte page.
    Ac(GraphicsAc),
    /// ACC, 1588-byte page.
    Acc(Box<GraphicsAcc>),
}

/// A parsed graphics page; the common fields are reachable directly through `Deref`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct GraphicsPage {
    /// Offsets 0..252.
    #[serde(flatten)]
    pub common: GraphicsCommon,
    /// The game-specific rest.
    #[serde(flatten)]
    pub tail: GraphicsTail,
}

impl std::ops::Deref for GraphicsPage {
    type Target = GraphicsCommon;
    fn deref(&self) -> &GraphicsCommon {
        &self.common
    }
}

impl GraphicsPage {
    /// Parses a page of exactly 296 (AC) or 1588 (ACC) bytes.
    pub fn parse(bytes: &[u8]) -> Result<GraphicsPage> {
        let tail = match bytes.len() {
            AC_SIZE => GraphicsTail::Ac(GraphicsAc::read_fields(bytes)),
            ACC_SIZE => GraphicsTail::Acc(Box::new(GraphicsAcc::read_fields(bytes))),
            got => return Err(Error::PageSize { page: "graphics", expected: &SIZES, got }),
        };
        Ok(GraphicsPage { common: GraphicsCommon::read_fields(bytes), tail })
    }

    /// The game whose layout this page has.
    pub fn game(&self) -> Game {
        match self.tail {
            GraphicsTail::Ac(_) => Game::AssettoCorsa,
            GraphicsTail::Acc(_) => Game::Acc,
        }
    }

    /// The page as the game writes it.
    pub fn encode(&self) -> Vec<u8> {
        let mut b = vec![0; self.game().graphics_size()];
        self.common.write_fields(&mut b);
        match &self.tail {
            GraphicsTail::Ac(t) => t.write_fields(&mut b),
            GraphicsTail::Acc(t) => t.write_fields(&mut b),
        }
        b
    }

    /// The player car's world position (x, y up, z), if the page has it.
    pub fn player_coordinates(&self) -> Option<[f32; 3]> {
        match &self.tail {
            GraphicsTail::Ac(t) => Some(t.car_coordinates),
            GraphicsTail::Acc(t) => {
                let active = usize::try_from(t.active_cars).ok()?.min(t.car_id.len());
                let i = t.car_id[..active].iter().position(|&id| id == t.player_car_id)?;
                Some(t.car_coordinates[i])
            }
        }
    }

    /// Whether the car is in the pits or the pit lane.
    pub fn in_pit(&self) -> bool {
        let lane = match &self.tail {
            GraphicsTail::Ac(t) => t.is_in_pit_lane,
            GraphicsTail::Acc(t) => t.is_in_pit_lane,
        };
        self.is_in_pit != 0 || lane != 0
    }

    /// The tyre compound, where the game names it in a way the [`Compound`] codes can carry: ACC only.
    ///
    /// ACC has one dry slick per car and one wet tyre, and writes `"dry_compound"` or `"wet_compound"`: the
    /// wet one is [`Compound::Wet`]; the dry slick is no soft, medium or hard of a set, so it is
    /// [`Compound::Other`], as is any other name ACC may write. AC writes the car's own name of the tyre
    /// (`"Semislicks (SM)"`, `"Street (ST)"`, `"Soft (S)"`, …), which says nothing of where it sits in the
    /// car's set (one car's "Soft" is another's hardest), so AC pages give no compound.
    pub fn compound(&self) -> Option<Compound> {
        match (&self.tail, self.tyre_compound.as_str()) {
            (GraphicsTail::Ac(_), _) | (GraphicsTail::Acc(_), "") => None,
            (GraphicsTail::Acc(_), "wet_compound") => Some(Compound::Wet),
            (GraphicsTail::Acc(_), _) => Some(Compound::Other),
        }
    }

    /// Adds the lap channels to `frame`: lap (laps completed + 1), lap time and last lap in s, lap fraction,
    /// sector, in-pit, position (z up), race position and, for ACC, lap validity and tyre compound. Implausible
    /// values stay missing.
    pub fn apply_to(&self, frame: &mut Frame) {
        if (0..100_000).contains(&self.completed_laps) {
            frame.set(Channel::Lap, (self.completed_laps + 1) as f32);
        }
        if (0..=86_400_000).contains(&self.i_current_time) {
            frame.set(Channel::LapTime, self.i_current_time as f32 / 1000.0);
        }
        if (1..=86_400_000).contains(&self.i_last_time) {
            frame.set(Channel::LastLapTime, self.i_last_time as f32 / 1000.0);
        }
        frame.set_opt(Channel::LapDistPct, within(self.normalized_car_position, 0.0, 1.0));
        if (0..=32).contains(&self.current_sector_index) {
            frame.set(Channel::Sector, self.current_sector_index as f32);
        }
        frame.set(Channel::InPit, f32::from(u8::from(self.in_pit())));
        if let Some(pos) = self.player_coordinates().map(world_to_frame) {
            for (channel, v) in [Channel::PosX, Channel::PosY, Channel::PosZ].into_iter().zip(pos) {
                frame.set_opt(channel, within(v, -1e6, 1e6));
            }
        }
        // 0 before the session has classified the car; the upper bound is far above any grid.
        if (1..=1000).contains(&self.position) {
            frame.set(Channel::Position, self.position as f32);
        }
        if let GraphicsTail::Acc(t) = &self.tail {
            frame.set(Channel::LapValid, f32::from(u8::from(t.is_valid_lap != 0)));
        }
        frame.set_opt(Channel::TyreCompound, self.compound().map(Compound::code));
    }
}
