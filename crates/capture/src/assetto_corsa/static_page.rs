//! The static page `SPageFileStatic` (`acpmf_static`): game, car, track and driver, written at session load.

use super::WideStr;
use super::{Error, Game, Result};
use crate::bytes::layout;
use racecraft_core::SessionMeta;

/// AC1 (shared memory 1.7).
pub const AC_SIZE: usize = 684;
/// ACC 1.8.12.
pub const ACC_SIZE: usize = 820;
/// Every size a game writes.
pub const SIZES: [usize; 2] = [AC_SIZE, ACC_SIZE];

layout! {
    /// Offsets 0..684, the same in AC and ACC.
    pub struct StaticBase(AC_SIZE) {
        /// Shared memory version, e.g. `"1.7"` (AC) or `"1.9"` (ACC).
        sm_version: WideStr<15> = 0,
        /// Game version.
        ac_version: WideStr<15> = 30,
        /// Sessions in the event.
        number_of_sessions: i32 = 60,
        /// Cars in the session.
        num_cars: i32 = 64,
        /// Car model.
        car_model: WideStr<33> = 68,
        /// Track.
        track: WideStr<33> = 134,
        /// Driver first name.
        player_name: WideStr<33> = 200,
        /// Driver surname.
        player_surname: WideStr<33> = 266,
        /// Driver nickname.
        player_nick: WideStr<33> = 332,
        /// Sectors per lap.
        sector_count: i32 = 400,
        /// Maximum torque, N·m.
        max_torque: f32 = 404,
        /// Maximum power, W.
        max_power: f32 = 408,
        /// Maximum rpm.
        max_rpm: i32 = 412,
        /// Tank size, l.
        max_fuel: f32 = 416,
        /// Suspension travel per wheel, m.
        suspension_max_travel: [f32; 4] = 420,
        /// Tyre radius per wheel, m.
        tyre_radius: [f32; 4] = 436,
        /// Maximum turbo boost.
        max_turbo_boost: f32 = 452,
        /// Penalties enabled (0/1).
        penalties_enabled: i32 = 464,
        /// Fuel rate aid.
        aid_fuel_rate: f32 = 468,
        /// Tyre rate aid.
        aid_tire_rate: f32 = 472,
        /// Mechanical damage aid.
        aid_mechanical_damage: f32 = 476,
        /// Tyre blankets allowed (0/1).
        aid_allow_tyre_blankets: i32 = 480,
        /// Stability aid.
        aid_stability: f32 = 484,
        /// Auto clutch (0/1).
        aid_auto_clutch: i32 = 488,
        /// Auto blip (0/1).
        aid_auto_blip: i32 = 492,
        /// Has DRS (0/1).
        has_drs: i32 = 496,
        /// Has ERS (0/1).
        has_ers: i32 = 500,
        /// Has KERS (0/1).
        has_kers: i32 = 504,
        /// KERS energy, J.
        kers_max_j: f32 = 508,
        /// Engine brake settings.
        engine_brake_settings_count: i32 = 512,
        /// ERS power controllers.
        ers_power_controller_count: i32 = 516,
        /// Track length, m.
        track_spline_length: f32 = 520,
        /// Track layout.
        track_configuration: WideStr<33> = 524,
        /// ERS energy, J.
        ers_max_j: f32 = 592,
        /// Timed race (0/1).
        is_timed_race: i32 = 596,
        /// Extra lap (0/1).
        has_extra_lap: i32 = 600,
        /// Car skin.
        car_skin: WideStr<33> = 604,
        /// Reversed grid positions.
        reversed_grid_positions: i32 = 672,
        /// Pit window start.
        pit_window_start: i32 = 676,
        /// Pit window end.
        pit_window_end: i32 = 680,
    }
}

layout! {
    /// ACC's tail, offsets 684..820.
    pub struct StaticAcc(ACC_SIZE) {
        /// Online session (0/1).
        is_online: i32 = 684,
        /// Dry tyre name.
        dry_tyres_name: WideStr<33> = 688,
        /// Wet tyre name.
        wet_tyres_name: WideStr<33> = 754,
    }
}

/// A parsed static page; the common fields are reachable directly through `Deref`.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize)]
pub struct StaticPage {
    /// Offsets 0..684.
    #[serde(flatten)]
    pub base: StaticBase,
    /// Offsets 684..820, in ACC's page.
    #[serde(flatten)]
    pub acc: Option<StaticAcc>,
}

impl std::ops::Deref for StaticPage {
    type Target = StaticBase;
    fn deref(&self) -> &StaticBase {
        &self.base
    }
}

impl StaticPage {
    /// Parses a page of exactly 684 (AC) or 820 (ACC) bytes.
    pub fn parse(bytes: &[u8]) -> Result<StaticPage> {
        if !SIZES.contains(&bytes.len()) {
            return Err(Error::PageSize { page: "static", expected: &SIZES, got: bytes.len() });
        }
        Ok(StaticPage {
            base: StaticBase::read_fields(bytes),
            acc: (bytes.len() == ACC_SIZE).then(|| StaticAcc::read_fields(bytes)),
        })
    }

    /// The page as the game writes it (820 bytes with the ACC tail, 684 without).
    pub fn encode(&self) -> Vec<u8> {
        let mut b = vec![0; if self.acc.is_some() { ACC_SIZE } else { AC_SIZE }];
        self.base.write_fields(&mut b);
        if let Some(acc) = &self.acc {
            acc.write_fields(&mut b);
        }
        b
    }

    /// The game, from `smVersion`; `None` before the game has written the page.
    pub fn game(&self) -> Option<Game> {
        Game::from_sm_version(self.sm_version.as_str())
    }

    /// Session metadata (the start time is the caller's to fill in); `None` when the game is unknown.
    pub fn session_meta(&self) -> Option<SessionMeta> {
        let driver = [self.player_name.as_str(), self.player_surname.as_str()]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        let track = match self.track_configuration.as_str() {
            "" => self.track.0.clone(),
            layout => format!("{}-{layout}", self.track),
        };
        Some(SessionMeta {
            game: self.game()?.id().to_owned(),
            car: self.car_model.0.clone(),
            track,
            driver,
            started_at_ms: 0,
            ..Default::default()
        })
    }
}
