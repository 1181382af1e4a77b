//! Packet layouts: one struct per packet and per-car record, read field by field in specification order.
//!
//! Each per-car record is read from a sub-reader of exactly its specified size, which must be consumed
//! completely, so a field list that disagrees with the record size fails on the first real packet.

use super::{CAR_COUNT, Format, PacketHeader};
use crate::Result;
use crate::bytes::Reader;
use serde::Serialize;

fn read_cars<T: Default>(
    r: &mut Reader<'_>,
    len: usize,
    mut read: impl FnMut(&mut Reader<'_>) -> Result<T>,
) -> Result<[T; CAR_COUNT]> {
    let mut cars: [T; CAR_COUNT] = Default::default();
    for car in cars.iter_mut() {
        let mut rec = r.record(len)?;
        *car = read(&mut rec)?;
        rec.finish()?;
    }
    Ok(cars)
}

/// Reads `N` records of `len` bytes each, like [`read_cars`] for arrays of other lengths.
fn read_records<T: Default + Copy, const N: usize>(
    r: &mut Reader<'_>,
    len: usize,
    mut read: impl FnMut(&mut Reader<'_>) -> Result<T>,
) -> Result<[T; N]> {
    let mut records = [T::default(); N];
    for record in records.iter_mut() {
        let mut rec = r.record(len)?;
        *record = read(&mut rec)?;
        rec.finish()?;
    }
    Ok(records)
}

/// Reads an `f32` only where the format has it (fields added in later years).
fn f32_if(present: bool, r: &mut Reader<'_>) -> Result<Option<f32>> {
    Ok(if present { Some(r.f32()?) } else { None })
}

fn array4<T: Default + Copy, E>(mut read: impl FnMut() -> std::result::Result<T, E>) -> std::result::Result<[T; 4], E> {
    Ok([read()?, read()?, read()?, read()?])
}

// ---------------------------------------------------------------------------------------------------------
// Motion (0)

/// Motion of one car (60 bytes). World axes are the game's: x and z horizontal, y up.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct CarMotionData {
    /// World position x, metres.
    #[serde(rename = "m_worldPositionX")]
    pub world_position_x: f32,
    /// World position y (up), metres.
    #[serde(rename = "m_worldPositionY")]
    pub world_position_y: f32,
    /// World position z, metres.
    #[serde(rename = "m_worldPositionZ")]
    pub world_position_z: f32,
    /// Velocity x, m/s.
    #[serde(rename = "m_worldVelocityX")]
    pub world_velocity_x: f32,
    /// Velocity y (up), m/s.
    #[serde(rename = "m_worldVelocityY")]
    pub world_velocity_y: f32,
    /// Velocity z, m/s.
    #[serde(rename = "m_worldVelocityZ")]
    pub world_velocity_z: f32,
    /// Forward direction x, normalized to ±32767.
    #[serde(rename = "m_worldForwardDirX")]
    pub world_forward_dir_x: i16,
    /// Forward direction y, normalized to ±32767.
    #[serde(rename = "m_worldForwardDirY")]
    pub world_forward_dir_y: i16,
    /// Forward direction z, normalized to ±32767.
    #[serde(rename = "m_worldForwardDirZ")]
    pub world_forward_dir_z: i16,
    /// Right direction x, normalized to ±32767.
    #[serde(rename = "m_worldRightDirX")]
    pub world_right_dir_x: i16,
    /// Right direction y, normalized to ±32767.
    #[serde(rename = "m_worldRightDirY")]
    pub world_right_dir_y: i16,
    /// Right direction z, normalized to ±32767.
    #[serde(rename = "m_worldRightDirZ")]
    pub world_right_dir_z: i16,
    /// Lateral g-force.
    #[serde(rename = "m_gForceLateral")]
    pub g_force_lateral: f32,
    /// Longitudinal g-force.
    #[serde(rename = "m_gForceLongitudinal")]
    pub g_force_longitudinal: f32,
    /// Vertical g-force.
    #[serde(rename = "m_gForceVertical")]
    pub g_force_vertical: f32,
    /// Yaw, radians.
    #[serde(rename = "m_yaw")]
    pub yaw: f32,
    /// Pitch, radians.
    #[serde(rename = "m_pitch")]
    pub pitch: f32,
    /// Roll, radians.
    #[serde(rename = "m_roll")]
    pub roll: f32,
}

impl CarMotionData {
    /// Record size in bytes, all formats.
    pub const LEN: usize = 60;

    fn read(r: &mut Reader<'_>) -> Result<CarMotionData> {
        Ok(CarMotionData {
            world_position_x: r.f32()?,
            world_position_y: r.f32()?,
            world_position_z: r.f32()?,
            world_velocity_x: r.f32()?,
            world_velocity_y: r.f32()?,
            world_velocity_z: r.f32()?,
            world_forward_dir_x: r.i16()?,
            world_forward_dir_y: r.i16()?,
            world_forward_dir_z: r.i16()?,
            world_right_dir_x: r.i16()?,
            world_right_dir_y: r.i16()?,
            world_right_dir_z: r.i16()?,
            g_force_lateral: r.f32()?,
            g_force_longitudinal: r.f32()?,
            g_force_vertical: r.f32()?,
            yaw: r.f32()?,
            pitch: r.f32()?,
            roll: r.f32()?,
        })
    }
}

/// Packet 0: motion of all 22 cars.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MotionPacket {
    /// Header.
    #[serde(rename = "m_header")]
    pub header: PacketHeader,
    /// One record per car slot.
    #[serde(rename = "m_carMotionData")]
    pub car_motion_data: [CarMotionData; CAR_COUNT],
}

impl MotionPacket {
    pub(crate) fn read(header: PacketHeader, r: &mut Reader<'_>) -> Result<MotionPacket> {
        Ok(MotionPacket { header, car_motion_data: read_cars(r, CarMotionData::LEN, CarMotionData::read)? })
    }
}

// ---------------------------------------------------------------------------------------------------------
// Session (1)

/// One marshal zone (5 bytes).
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct MarshalZone {
    /// Fraction (0..1) of the lap where the zone starts.
    #[serde(rename = "m_zoneStart")]
    pub zone_start: f32,
    /// -1 invalid/unknown, 0 none, 1 green, 2 blue, 3 yellow.
    #[serde(rename = "m_zoneFlag")]
    pub zone_flag: i8,
}

/// One weather forecast sample (8 bytes).
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct WeatherForecastSample {
    /// Session type the sample is for.
    #[serde(rename = "m_sessionType")]
    pub session_type: u8,
    /// Time in minutes the forecast is for.
    #[serde(rename = "m_timeOffset")]
    pub time_offset: u8,
    /// 0 clear, 1 light cloud, 2 overcast, 3 light rain, 4 heavy rain, 5 storm.
    #[serde(rename = "m_weather")]
    pub weather: u8,
    /// Track temperature, °C.
    #[serde(rename = "m_trackTemperature")]
    pub track_temperature: i8,
    /// Track temperature change: 0 up, 1 down, 2 no change.
    #[serde(rename = "m_trackTemperatureChange")]
    pub track_temperature_change: i8,
    /// Air temperature, °C.
    #[serde(rename = "m_airTemperature")]
    pub air_temperature: i8,
    /// Air temperature change: 0 up, 1 down, 2 no change.
    #[serde(rename = "m_airTemperatureChange")]
    pub air_temperature_change: i8,
    /// Rain probability, percent.
    #[serde(rename = "m_rainPercentage")]
    pub rain_percentage: u8,
}

impl WeatherForecastSample {
    /// Record size in bytes.
    pub const LEN: usize = 8;

    fn read(r: &mut Reader<'_>) -> Result<WeatherForecastSample> {
        Ok(WeatherForecastSample {
            session_type: r.u8()?,
            time_offset: r.u8()?,
            weather: r.u8()?,
            track_temperature: r.i8()?,
            track_temperature_change: r.i8()?,
            air_temperature: r.i8()?,
            air_temperature_change: r.i8()?,
            rain_percentage: r.u8()?,
        })
    }
}

/// Number of marshal zone slots in the session packet.
pub const MARSHAL_ZONES: usize = 21;

/// Packet 1: the session, every field: weather and its forecast, assists, rules and, from F1 24, the game
/// settings, weekend structure and sector start distances.
///
/// F1 24 enlarged the forecast array from 56 to 64 samples, which moves every later field by 64 bytes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SessionPacket {
    /// Header.
    #[serde(rename = "m_header")]
    pub header: PacketHeader,
    /// 0 clear, 1 light cloud, 2 overcast, 3 light rain, 4 heavy rain, 5 storm.
    #[serde(rename = "m_weather")]
    pub weather: u8,
    /// Track temperature, °C.
    #[serde(rename = "m_trackTemperature")]
    pub track_temperature: i8,
    /// Air temperature, °C.
    #[serde(rename = "m_airTemperature")]
    pub air_temperature: i8,
    /// Laps in this race.
    #[serde(rename = "m_totalLaps")]
    pub total_laps: u8,
    /// Track length, metres.
    #[serde(rename = "m_trackLength")]
    pub track_length: u16,
    /// Session type (0 unknown; the numbering changed between years, see the specification).
    #[serde(rename = "m_sessionType")]
    pub session_type: u8,
    /// Track id, -1 for unknown.
    #[serde(rename = "m_trackId")]
    pub track_id: i8,
    /// Formula (0 F1 modern, ...).
    #[serde(rename = "m_formula")]
    pub formula: u8,
    /// Time left in the session, seconds.
    #[serde(rename = "m_sessionTimeLeft")]
    pub session_time_left: u16,
    /// Session duration, seconds.
    #[serde(rename = "m_sessionDuration")]
    pub session_duration: u16,
    /// Pit speed limit, km/h.
    #[serde(rename = "m_pitSpeedLimit")]
    pub pit_speed_limit: u8,
    /// Whether the game is paused (network game).
    #[serde(rename = "m_gamePaused")]
    pub game_paused: u8,
    /// Whether the player is spectating.
    #[serde(rename = "m_isSpectating")]
    pub is_spectating: u8,
    /// Index of the car being spectated.
    #[serde(rename = "m_spectatorCarIndex")]
    pub spectator_car_index: u8,
    /// SLI Pro support: 0 inactive, 1 active.
    #[serde(rename = "m_sliProNativeSupport")]
    pub sli_pro_native_support: u8,
    /// Number of valid entries in `marshal_zones`.
    #[serde(rename = "m_numMarshalZones")]
    pub num_marshal_zones: u8,
    /// Marshal zones (all 21 slots).
    #[serde(rename = "m_marshalZones")]
    pub marshal_zones: [MarshalZone; MARSHAL_ZONES],
    /// 0 none, 1 full, 2 virtual, 3 formation lap.
    #[serde(rename = "m_safetyCarStatus")]
    pub safety_car_status: u8,
    /// 0 offline, 1 online.
    #[serde(rename = "m_networkGame")]
    pub network_game: u8,
    /// Number of valid weather forecast samples.
    #[serde(rename = "m_numWeatherForecastSamples")]
    pub num_weather_forecast_samples: u8,
    /// Weather forecast samples: all slots of the year (56 in F1 23, 64 in F1 24/25).
    #[serde(rename = "m_weatherForecastSamples")]
    pub weather_forecast_samples: Vec<WeatherForecastSample>,
    /// 0 perfect, 1 approximate.
    #[serde(rename = "m_forecastAccuracy")]
    pub forecast_accuracy: u8,
    /// AI difficulty, 0..110.
    #[serde(rename = "m_aiDifficulty")]
    pub ai_difficulty: u8,
    /// Identifier of the season (persists across saves).
    #[serde(rename = "m_seasonLinkIdentifier")]
    pub season_link_identifier: u32,
    /// Identifier of the weekend.
    #[serde(rename = "m_weekendLinkIdentifier")]
    pub weekend_link_identifier: u32,
    /// Identifier of the session.
    #[serde(rename = "m_sessionLinkIdentifier")]
    pub session_link_identifier: u32,
    /// Ideal lap to pit on for the current strategy (player).
    #[serde(rename = "m_pitStopWindowIdealLap")]
    pub pit_stop_window_ideal_lap: u8,
    /// Latest lap to pit on for the current strategy (player).
    #[serde(rename = "m_pitStopWindowLatestLap")]
    pub pit_stop_window_latest_lap: u8,
    /// Predicted position to rejoin at (player).
    #[serde(rename = "m_pitStopRejoinPosition")]
    pub pit_stop_rejoin_position: u8,
    /// 0 off, 1 on.
    #[serde(rename = "m_steeringAssist")]
    pub steering_assist: u8,
    /// 0 off, 1 low, 2 medium, 3 high.
    #[serde(rename = "m_brakingAssist")]
    pub braking_assist: u8,
    /// 1 manual, 2 manual with suggested gear, 3 automatic.
    #[serde(rename = "m_gearboxAssist")]
    pub gearbox_assist: u8,
    /// 0 off, 1 on.
    #[serde(rename = "m_pitAssist")]
    pub pit_assist: u8,
    /// 0 off, 1 on.
    #[serde(rename = "m_pitReleaseAssist")]
    pub pit_release_assist: u8,
    /// 0 off, 1 on.
    #[serde(rename = "m_ERSAssist")]
    pub ers_assist: u8,
    /// 0 off, 1 on.
    #[serde(rename = "m_DRSAssist")]
    pub drs_assist: u8,
    /// 0 off, 1 corners only, 2 full.
    #[serde(rename = "m_dynamicRacingLine")]
    pub dynamic_racing_line: u8,
    /// 0 2D, 1 3D.
    #[serde(rename = "m_dynamicRacingLineType")]
    pub dynamic_racing_line_type: u8,
    /// Game mode id, see the specification.
    #[serde(rename = "m_gameMode")]
    pub game_mode: u8,
    /// Rule set id, see the specification.
    #[serde(rename = "m_ruleSet")]
    pub rule_set: u8,
    /// Local time of day, minutes since midnight.
    #[serde(rename = "m_timeOfDay")]
    pub time_of_day: u32,
    /// 0 none, 2 very short, 3 short, 4 medium, 5 medium long, 6 long, 7 full.
    #[serde(rename = "m_sessionLength")]
    pub session_length: u8,
    /// 0 mph, 1 km/h.
    #[serde(rename = "m_speedUnitsLeadPlayer")]
    pub speed_units_lead_player: u8,
    /// 0 °C, 1 °F.
    #[serde(rename = "m_temperatureUnitsLeadPlayer")]
    pub temperature_units_lead_player: u8,
    /// 0 mph, 1 km/h.
    #[serde(rename = "m_speedUnitsSecondaryPlayer")]
    pub speed_units_secondary_player: u8,
    /// 0 °C, 1 °F.
    #[serde(rename = "m_temperatureUnitsSecondaryPlayer")]
    pub temperature_units_secondary_player: u8,
    /// Safety car periods called in the session.
    #[serde(rename = "m_numSafetyCarPeriods")]
    pub num_safety_car_periods: u8,
    /// Virtual safety car periods called in the session.
    #[serde(rename = "m_numVirtualSafetyCarPeriods")]
    pub num_virtual_safety_car_periods: u8,
    /// Red flag periods called in the session.
    #[serde(rename = "m_numRedFlagPeriods")]
    pub num_red_flag_periods: u8,
    /// 0 off, 1 on (F1 24+).
    #[serde(rename = "m_equalCarPerformance", skip_serializing_if = "Option::is_none")]
    pub equal_car_performance: Option<u8>,
    /// 0 none, 1 flashbacks, 2 auto-recovery (F1 24+).
    #[serde(rename = "m_recoveryMode", skip_serializing_if = "Option::is_none")]
    pub recovery_mode: Option<u8>,
    /// 0 low, 1 medium, 2 high, 3 unlimited (F1 24+).
    #[serde(rename = "m_flashbackLimit", skip_serializing_if = "Option::is_none")]
    pub flashback_limit: Option<u8>,
    /// 0 simplified, 1 realistic (F1 24+).
    #[serde(rename = "m_surfaceType", skip_serializing_if = "Option::is_none")]
    pub surface_type: Option<u8>,
    /// 0 easy, 1 hard (F1 24+).
    #[serde(rename = "m_lowFuelMode", skip_serializing_if = "Option::is_none")]
    pub low_fuel_mode: Option<u8>,
    /// 0 manual, 1 assisted (F1 24+).
    #[serde(rename = "m_raceStarts", skip_serializing_if = "Option::is_none")]
    pub race_starts: Option<u8>,
    /// 0 surface only, 1 surface and carcass (F1 24+).
    #[serde(rename = "m_tyreTemperature", skip_serializing_if = "Option::is_none")]
    pub tyre_temperature: Option<u8>,
    /// 0 on, 1 off (F1 24+).
    #[serde(rename = "m_pitLaneTyreSim", skip_serializing_if = "Option::is_none")]
    pub pit_lane_tyre_sim: Option<u8>,
    /// 0 off, 1 reduced, 2 standard, 3 simulation (F1 24+).
    #[serde(rename = "m_carDamage", skip_serializing_if = "Option::is_none")]
    pub car_damage: Option<u8>,
    /// 0 reduced, 1 standard, 2 simulation (F1 24+).
    #[serde(rename = "m_carDamageRate", skip_serializing_if = "Option::is_none")]
    pub car_damage_rate: Option<u8>,
    /// 0 off, 1 player-to-player off, 2 on (F1 24+).
    #[serde(rename = "m_collisions", skip_serializing_if = "Option::is_none")]
    pub collisions: Option<u8>,
    /// 0 disabled, 1 enabled (F1 24+).
    #[serde(rename = "m_collisionsOffForFirstLapOnly", skip_serializing_if = "Option::is_none")]
    pub collisions_off_for_first_lap_only: Option<u8>,
    /// 0 on, 1 off (multiplayer) (F1 24+).
    #[serde(rename = "m_mpUnsafePitRelease", skip_serializing_if = "Option::is_none")]
    pub mp_unsafe_pit_release: Option<u8>,
    /// 0 disabled, 1 enabled (multiplayer) (F1 24+).
    #[serde(rename = "m_mpOffForGriefing", skip_serializing_if = "Option::is_none")]
    pub mp_off_for_griefing: Option<u8>,
    /// 0 regular, 1 strict (F1 24+).
    #[serde(rename = "m_cornerCuttingStringency", skip_serializing_if = "Option::is_none")]
    pub corner_cutting_stringency: Option<u8>,
    /// 0 off, 1 on (F1 24+).
    #[serde(rename = "m_parcFermeRules", skip_serializing_if = "Option::is_none")]
    pub parc_ferme_rules: Option<u8>,
    /// 0 automatic, 1 broadcast, 2 immersive (F1 24+).
    #[serde(rename = "m_pitStopExperience", skip_serializing_if = "Option::is_none")]
    pub pit_stop_experience: Option<u8>,
    /// 0 off, 1 reduced, 2 standard, 3 increased (F1 24+).
    #[serde(rename = "m_safetyCar", skip_serializing_if = "Option::is_none")]
    pub safety_car: Option<u8>,
    /// 0 broadcast, 1 immersive (F1 24+).
    #[serde(rename = "m_safetyCarExperience", skip_serializing_if = "Option::is_none")]
    pub safety_car_experience: Option<u8>,
    /// 0 off, 1 on (F1 24+).
    #[serde(rename = "m_formationLap", skip_serializing_if = "Option::is_none")]
    pub formation_lap: Option<u8>,
    /// 0 broadcast, 1 immersive (F1 24+).
    #[serde(rename = "m_formationLapExperience", skip_serializing_if = "Option::is_none")]
    pub formation_lap_experience: Option<u8>,
    /// 0 off, 1 reduced, 2 standard, 3 increased (F1 24+).
    #[serde(rename = "m_redFlags", skip_serializing_if = "Option::is_none")]
    pub red_flags: Option<u8>,
    /// 0 off, 1 on (F1 24+).
    #[serde(rename = "m_affectsLicenceLevelSolo", skip_serializing_if = "Option::is_none")]
    pub affects_licence_level_solo: Option<u8>,
    /// 0 off, 1 on (F1 24+).
    #[serde(rename = "m_affectsLicenceLevelMP", skip_serializing_if = "Option::is_none")]
    pub affects_licence_level_mp: Option<u8>,
    /// Number of sessions in the weekend (F1 24+).
    #[serde(rename = "m_numSessionsInWeekend", skip_serializing_if = "Option::is_none")]
    pub num_sessions_in_weekend: Option<u8>,
    /// Session types of the weekend in order (F1 24+; see the session type table).
    #[serde(rename = "m_weekendStructure", skip_serializing_if = "Option::is_none")]
    pub weekend_structure: Option<[u8; 12]>,
    /// Lap distance where sector 2 starts, metres (F1 24+).
    #[serde(rename = "m_sector2LapDistanceStart", skip_serializing_if = "Option::is_none")]
    pub sector2_lap_distance_start: Option<f32>,
    /// Lap distance where sector 3 starts, metres (F1 24+).
    #[serde(rename = "m_sector3LapDistanceStart", skip_serializing_if = "Option::is_none")]
    pub sector3_lap_distance_start: Option<f32>,
}

impl SessionPacket {
    /// Weather forecast sample slots for `format` (8 bytes each).
    pub fn forecast_slots(format: Format) -> usize {
        match format {
            Format::Y2023 => 56,
            Format::Y2024 | Format::Y2025 => 64,
        }
    }

    pub(crate) fn read(header: PacketHeader, format: Format, r: &mut Reader<'_>) -> Result<SessionPacket> {
        let weather = r.u8()?;
        let track_temperature = r.i8()?;
        let air_temperature = r.i8()?;
        let total_laps = r.u8()?;
        let track_length = r.u16()?;
        let session_type = r.u8()?;
        let track_id = r.i8()?;
        let formula = r.u8()?;
        let session_time_left = r.u16()?;
        let session_duration = r.u16()?;
        let pit_speed_limit = r.u8()?;
        let game_paused = r.u8()?;
        let is_spectating = r.u8()?;
        let spectator_car_index = r.u8()?;
        let sli_pro_native_support = r.u8()?;
        let num_marshal_zones = r.u8()?;
        let mut marshal_zones = [MarshalZone::default(); MARSHAL_ZONES];
        for zone in marshal_zones.iter_mut() {
            *zone = MarshalZone { zone_start: r.f32()?, zone_flag: r.i8()? };
        }
        let safety_car_status = r.u8()?;
        let network_game = r.u8()?;
        let num_weather_forecast_samples = r.u8()?;
        let mut weather_forecast_samples = Vec::with_capacity(Self::forecast_slots(format));
        for _ in 0..Self::forecast_slots(format) {
            let mut rec = r.record(WeatherForecastSample::LEN)?;
            weather_forecast_samples.push(WeatherForecastSample::read(&mut rec)?);
            rec.finish()?;
        }
        let forecast_accuracy = r.u8()?;
        let ai_difficulty = r.u8()?;
        let season_link_identifier = r.u32()?;
        let weekend_link_identifier = r.u32()?;
        let session_link_identifier = r.u32()?;
        let pit_stop_window_ideal_lap = r.u8()?;
        let pit_stop_window_latest_lap = r.u8()?;
        let pit_stop_rejoin_position = r.u8()?;
        let steering_assist = r.u8()?;
        let braking_assist = r.u8()?;
        let gearbox_assist = r.u8()?;
        let pit_assist = r.u8()?;
        let pit_release_assist = r.u8()?;
        let ers_assist = r.u8()?;
        let drs_assist = r.u8()?;
        let dynamic_racing_line = r.u8()?;
        let dynamic_racing_line_type = r.u8()?;
        let game_mode = r.u8()?;
        let rule_set = r.u8()?;
        let time_of_day = r.u32()?;
        let session_length = r.u8()?;
        let speed_units_lead_player = r.u8()?;
        let temperature_units_lead_player = r.u8()?;
        let speed_units_secondary_player = r.u8()?;
        let temperature_units_secondary_player = r.u8()?;
        let num_safety_car_periods = r.u8()?;
        let num_virtual_safety_car_periods = r.u8()?;
        let num_red_flag_periods = r.u8()?;
        let f1_24 = format >= Format::Y2024;
        let equal_car_performance = if f1_24 { Some(r.u8()?) } else { None };
        let recovery_mode = if f1_24 { Some(r.u8()?) } else { None };
        let flashback_limit = if f1_24 { Some(r.u8()?) } else { None };
        let surface_type = if f1_24 { Some(r.u8()?) } else { None };
        let low_fuel_mode = if f1_24 { Some(r.u8()?) } else { None };
        let race_starts = if f1_24 { Some(r.u8()?) } else { None };
        let tyre_temperature = if f1_24 { Some(r.u8()?) } else { None };
        let pit_lane_tyre_sim = if f1_24 { Some(r.u8()?) } else { None };
        let car_damage = if f1_24 { Some(r.u8()?) } else { None };
        let car_damage_rate = if f1_24 { Some(r.u8()?) } else { None };
        let collisions = if f1_24 { Some(r.u8()?) } else { None };
        let collisions_off_for_first_lap_only = if f1_24 { Some(r.u8()?) } else { None };
        let mp_unsafe_pit_release = if f1_24 { Some(r.u8()?) } else { None };
        let mp_off_for_griefing = if f1_24 { Some(r.u8()?) } else { None };
        let corner_cutting_stringency = if f1_24 { Some(r.u8()?) } else { None };
        let parc_ferme_rules = if f1_24 { Some(r.u8()?) } else { None };
        let pit_stop_experience = if f1_24 { Some(r.u8()?) } else { None };
        let safety_car = if f1_24 { Some(r.u8()?) } else { None };
        let safety_car_experience = if f1_24 { Some(r.u8()?) } else { None };
        let formation_lap = if f1_24 { Some(r.u8()?) } else { None };
        let formation_lap_experience = if f1_24 { Some(r.u8()?) } else { None };
        let red_flags = if f1_24 { Some(r.u8()?) } else { None };
        let affects_licence_level_solo = if f1_24 { Some(r.u8()?) } else { None };
        let affects_licence_level_mp = if f1_24 { Some(r.u8()?) } else { None };
        let num_sessions_in_weekend = if f1_24 { Some(r.u8()?) } else { None };
        let weekend_structure = if f1_24 { Some(r.array()?) } else { None };
        let sector2_lap_distance_start = f32_if(f1_24, r)?;
        let sector3_lap_distance_start = f32_if(f1_24, r)?;
        Ok(SessionPacket {
            header,
            weather,
            track_temperature,
            air_temperature,
            total_laps,
            track_length,
            session_type,
            track_id,
            formula,
            session_time_left,
            session_duration,
            pit_speed_limit,
            game_paused,
            is_spectating,
            spectator_car_index,
            sli_pro_native_support,
            num_marshal_zones,
            marshal_zones,
            safety_car_status,
            network_game,
            num_weather_forecast_samples,
            weather_forecast_samples,
            forecast_accuracy,
            ai_difficulty,
            season_link_identifier,
            weekend_link_identifier,
            session_link_identifier,
            pit_stop_window_ideal_lap,
            pit_stop_window_latest_lap,
            pit_stop_rejoin_position,
            steering_assist,
            braking_assist,
            gearbox_assist,
            pit_assist,
            pit_release_assist,
            ers_assist,
            drs_assist,
            dynamic_racing_line,
            dynamic_racing_line_type,
            game_mode,
            rule_set,
            time_of_day,
            session_length,
            speed_units_lead_player,
            temperature_units_lead_player,
            speed_units_secondary_player,
            temperature_units_secondary_player,
            num_safety_car_periods,
            num_virtual_safety_car_periods,
            num_red_flag_periods,
            equal_car_performance,
            recovery_mode,
            flashback_limit,
            surface_type,
            low_fuel_mode,
            race_starts,
            tyre_temperature,
            pit_lane_tyre_sim,
            car_damage,
            car_damage_rate,
            collisions,
            collisions_off_for_first_lap_only,
            mp_unsafe_pit_release,
            mp_off_for_griefing,
            corner_cutting_stringency,
            parc_ferme_rules,
            pit_stop_experience,
            safety_car,
            safety_car_experience,
            formation_lap,
            formation_lap_experience,
            red_flags,
            affects_licence_level_solo,
            affects_licence_level_mp,
            num_sessions_in_weekend,
            weekend_structure,
            sector2_lap_distance_start,
            sector3_lap_distance_start,
        })
    }
}

// ---------------------------------------------------------------------------------------------------------
// Lap Data (2)

/// Lap data of one car: 50 bytes in F1 23, 57 in F1 24/25 (minutes parts of the deltas and the speed trap
/// were added). Serialized with the F1 24/25 names.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct LapData {
    /// Last lap time, ms (0 before the first completed lap).
    #[serde(rename = "m_lastLapTimeInMS")]
    pub last_lap_time_in_ms: u32,
    /// Current lap time, ms.
    #[serde(rename = "m_currentLapTimeInMS")]
    pub current_lap_time_in_ms: u32,
    /// Sector 1 time, milliseconds part.
    #[serde(rename = "m_sector1TimeMSPart")]
    pub sector1_time_ms_part: u16,
    /// Sector 1 time, whole minutes part.
    #[serde(rename = "m_sector1TimeMinutesPart")]
    pub sector1_time_minutes_part: u8,
    /// Sector 2 time, milliseconds part.
    #[serde(rename = "m_sector2TimeMSPart")]
    pub sector2_time_ms_part: u16,
    /// Sector 2 time, whole minutes part.
    #[serde(rename = "m_sector2TimeMinutesPart")]
    pub sector2_time_minutes_part: u8,
    /// Gap to the car in front, milliseconds part.
    #[serde(rename = "m_deltaToCarInFrontMSPart")]
    pub delta_to_car_in_front_ms_part: u16,
    /// Gap to the car in front, whole minutes part (F1 24+).
    #[serde(rename = "m_deltaToCarInFrontMinutesPart", skip_serializing_if = "Option::is_none")]
    pub delta_to_car_in_front_minutes_part: Option<u8>,
    /// Gap to the race leader, milliseconds part.
    #[serde(rename = "m_deltaToRaceLeaderMSPart")]
    pub delta_to_race_leader_ms_part: u16,
    /// Gap to the race leader, whole minutes part (F1 24+).
    #[serde(rename = "m_deltaToRaceLeaderMinutesPart", skip_serializing_if = "Option::is_none")]
    pub delta_to_race_leader_minutes_part: Option<u8>,
    /// Distance round the current lap, metres (negative before crossing the line for the first time).
    #[serde(rename = "m_lapDistance")]
    pub lap_distance: f32,
    /// Total distance in the session, metres.
    #[serde(rename = "m_totalDistance")]
    pub total_distance: f32,
    /// Delta to the safety car, seconds.
    #[serde(rename = "m_safetyCarDelta")]
    pub safety_car_delta: f32,
    /// Race position, 1-based (0 for an empty slot).
    #[serde(rename = "m_carPosition")]
    pub car_position: u8,
    /// Current lap number.
    #[serde(rename = "m_currentLapNum")]
    pub current_lap_num: u8,
    /// 0 none, 1 pitting, 2 in the pit area.
    #[serde(rename = "m_pitStatus")]
    pub pit_status: u8,
    /// Pit stops taken.
    #[serde(rename = "m_numPitStops")]
    pub num_pit_stops: u8,
    /// 0 sector 1, 1 sector 2, 2 sector 3.
    #[serde(rename = "m_sector")]
    pub sector: u8,
    /// 0 valid, 1 invalid.
    #[serde(rename = "m_currentLapInvalid")]
    pub current_lap_invalid: u8,
    /// Accumulated time penalties, seconds.
    #[serde(rename = "m_penalties")]
    pub penalties: u8,
    /// Warnings issued.
    #[serde(rename = "m_totalWarnings")]
    pub total_warnings: u8,
    /// Corner cutting warnings issued.
    #[serde(rename = "m_cornerCuttingWarnings")]
    pub corner_cutting_warnings: u8,
    /// Unserved drive-through penalties.
    #[serde(rename = "m_numUnservedDriveThroughPens")]
    pub num_unserved_drive_through_pens: u8,
    /// Unserved stop-go penalties.
    #[serde(rename = "m_numUnservedStopGoPens")]
    pub num_unserved_stop_go_pens: u8,
    /// Grid position.
    #[serde(rename = "m_gridPosition")]
    pub grid_position: u8,
    /// 0 in garage, 1 flying lap, 2 in lap, 3 out lap, 4 on track.
    #[serde(rename = "m_driverStatus")]
    pub driver_status: u8,
    /// 0 invalid, 1 inactive, 2 active, 3 finished, 4 did not finish, 5 disqualified, 6 not classified,
    /// 7 retired.
    #[serde(rename = "m_resultStatus")]
    pub result_status: u8,
    /// Pit lane timing: 0 inactive, 1 active.
    #[serde(rename = "m_pitLaneTimerActive")]
    pub pit_lane_timer_active: u8,
    /// Time spent in the pit lane, ms.
    #[serde(rename = "m_pitLaneTimeInLaneInMS")]
    pub pit_lane_time_in_lane_in_ms: u16,
    /// Time of the actual pit stop, ms.
    #[serde(rename = "m_pitStopTimerInMS")]
    pub pit_stop_timer_in_ms: u16,
    /// Whether the car should serve a penalty at this stop.
    #[serde(rename = "m_pitStopShouldServePen")]
    pub pit_stop_should_serve_pen: u8,
    /// Fastest speed through the speed trap, km/h (F1 24+).
    #[serde(rename = "m_speedTrapFastestSpeed", skip_serializing_if = "Option::is_none")]
    pub speed_trap_fastest_speed: Option<f32>,
    /// Lap of the fastest speed trap, 255 if none (F1 24+).
    #[serde(rename = "m_speedTrapFastestLap", skip_serializing_if = "Option::is_none")]
    pub speed_trap_fastest_lap: Option<u8>,
}

impl LapData {
    /// Record size in bytes for `format`.
    pub fn record_len(format: Format) -> usize {
        match format {
            Format::Y2023 => 50,
            Format::Y2024 | Format::Y2025 => 57,
        }
    }

    fn read(format: Format, r: &mut Reader<'_>) -> Result<LapData> {
        let since_24 = format >= Format::Y2024;
        let last_lap_time_in_ms = r.u32()?;
        let current_lap_time_in_ms = r.u32()?;
        let sector1_time_ms_part = r.u16()?;
        let sector1_time_minutes_part = r.u8()?;
        let sector2_time_ms_part = r.u16()?;
        let sector2_time_minutes_part = r.u8()?;
        let delta_to_car_in_front_ms_part = r.u16()?;
        let delta_to_car_in_front_minutes_part = if since_24 { Some(r.u8()?) } else { None };
        let delta_to_race_leader_ms_part = r.u16()?;
        let delta_to_race_leader_minutes_part = if since_24 { Some(r.u8()?) } else { None };
        Ok(LapData {
            last_lap_time_in_ms,
            current_lap_time_in_ms,
            sector1_time_ms_part,
            sector1_time_minutes_part,
            sector2_time_ms_part,
            sector2_time_minutes_part,
            delta_to_car_in_front_ms_part,
            delta_to_car_in_front_minutes_part,
            delta_to_race_leader_ms_part,
            delta_to_race_leader_minutes_part,
            lap_distance: r.f32()?,
            total_distance: r.f32()?,
            safety_car_delta: r.f32()?,
            car_position: r.u8()?,
            current_lap_num: r.u8()?,
            pit_status: r.u8()?,
            num_pit_stops: r.u8()?,
            sector: r.u8()?,
            current_lap_invalid: r.u8()?,
            penalties: r.u8()?,
            total_warnings: r.u8()?,
            corner_cutting_warnings: r.u8()?,
            num_unserved_drive_through_pens: r.u8()?,
            num_unserved_stop_go_pens: r.u8()?,
            grid_position: r.u8()?,
            driver_status: r.u8()?,
            result_status: r.u8()?,
            pit_lane_timer_active: r.u8()?,
            pit_lane_time_in_lane_in_ms: r.u16()?,
            pit_stop_timer_in_ms: r.u16()?,
            pit_stop_should_serve_pen: r.u8()?,
            speed_trap_fastest_speed: if since_24 { Some(r.f32()?) } else { None },
            speed_trap_fastest_lap: if since_24 { Some(r.u8()?) } else { None },
        })
    }
}

/// Packet 2: lap data of all 22 cars.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LapDataPacket {
    /// Header.
    #[serde(rename = "m_header")]
    pub header: PacketHeader,
    /// One record per car slot.
    #[serde(rename = "m_lapData")]
    pub lap_data: [LapData; CAR_COUNT],
    /// Index of the personal-best car in time trial, 255 if none.
    #[serde(rename = "m_timeTrialPBCarIdx")]
    pub time_trial_pb_car_idx: u8,
    /// Index of the rival car in time trial, 255 if none.
    #[serde(rename = "m_timeTrialRivalCarIdx")]
    pub time_trial_rival_car_idx: u8,
}

impl LapDataPacket {
    pub(crate) fn read(header: PacketHeader, format: Format, r: &mut Reader<'_>) -> Result<LapDataPacket> {
        Ok(LapDataPacket {
            header,
            lap_data: read_cars(r, LapData::record_len(format), |r| LapData::read(format, r))?,
            time_trial_pb_car_idx: r.u8()?,
            time_trial_rival_car_idx: r.u8()?,
        })
    }

    /// Index of the car in race position 1, if any slot reports it.
    pub fn leader(&self) -> Option<usize> {
        self.lap_data.iter().position(|car| car.car_position == 1)
    }
}

// ---------------------------------------------------------------------------------------------------------
// Event (3)

/// Details of an event, by event code. Codes without details, and codes this crate does not know, carry none
/// here; the raw 12-byte union is always kept in [`EventPacket::raw_details`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(untagged)]
pub enum EventDetails {
    /// `SSTA`, `SEND`, `DRSE`, `DRSD`, `CHQF`, `LGOT`, `RDFL`, or an unknown code.
    None,
    /// `FTLP`: fastest lap.
    FastestLap {
        /// Car index.
        #[serde(rename = "vehicleIdx")]
        vehicle_idx: u8,
        /// Lap time, seconds.
        #[serde(rename = "lapTime")]
        lap_time: f32,
    },
    /// `RTMT` (retirement), `TMPT` (team mate in pits), `RCWN` (race winner), `DTSV` (drive-through served),
    /// `SGSV` (stop-go served): the car concerned.
    Vehicle {
        /// Car index.
        #[serde(rename = "vehicleIdx")]
        vehicle_idx: u8,
    },
    /// `PENA`: penalty issued.
    Penalty {
        /// Penalty type.
        #[serde(rename = "penaltyType")]
        penalty_type: u8,
        /// Infringement type.
        #[serde(rename = "infringementType")]
        infringement_type: u8,
        /// Car penalised.
        #[serde(rename = "vehicleIdx")]
        vehicle_idx: u8,
        /// Other car involved.
        #[serde(rename = "otherVehicleIdx")]
        other_vehicle_idx: u8,
        /// Time gained or spent doing the action, seconds.
        #[serde(rename = "time")]
        time: u8,
        /// Lap the penalty occurred on.
        #[serde(rename = "lapNum")]
        lap_num: u8,
        /// Places gained.
        #[serde(rename = "placesGained")]
        places_gained: u8,
    },
    /// `SPTP`: speed trap triggered.
    SpeedTrap {
        /// Car index.
        #[serde(rename = "vehicleIdx")]
        vehicle_idx: u8,
        /// Speed, km/h.
        #[serde(rename = "speed")]
        speed: f32,
        /// Whether overall fastest in the session.
        #[serde(rename = "isOverallFastestInSession")]
        is_overall_fastest_in_session: u8,
        /// Whether fastest for this driver in the session.
        #[serde(rename = "isDriverFastestInSession")]
        is_driver_fastest_in_session: u8,
        /// Car index of the fastest in the session.
        #[serde(rename = "fastestVehicleIdxInSession")]
        fastest_vehicle_idx_in_session: u8,
        /// Fastest speed in the session, km/h.
        #[serde(rename = "fastestSpeedInSession")]
        fastest_speed_in_session: f32,
    },
    /// `STLG`: start lights.
    StartLights {
        /// Number of lights showing.
        #[serde(rename = "numLights")]
        num_lights: u8,
    },
    /// `FLBK`: flashback.
    Flashback {
        /// Frame identifier flashed back to.
        #[serde(rename = "flashbackFrameIdentifier")]
        flashback_frame_identifier: u32,
        /// Session time flashed back to, seconds.
        #[serde(rename = "flashbackSessionTime")]
        flashback_session_time: f32,
    },
    /// `BUTN`: button status.
    Buttons {
        /// Bit flags of the buttons currently pressed.
        #[serde(rename = "buttonStatus")]
        button_status: u32,
    },
    /// `OVTK`: overtake.
    Overtake {
        /// Car overtaking.
        #[serde(rename = "overtakingVehicleIdx")]
        overtaking_vehicle_idx: u8,
        /// Car being overtaken.
        #[serde(rename = "beingOvertakenVehicleIdx")]
        being_overtaken_vehicle_idx: u8,
    },
    /// `SCAR` (F1 24+): safety car.
    SafetyCar {
        /// 0 none, 1 full, 2 virtual, 3 formation lap.
        #[serde(rename = "safetyCarType")]
        safety_car_type: u8,
        /// 0 deployed, 1 returning, 2 returned, 3 resume race.
        #[serde(rename = "eventType")]
        event_type: u8,
    },
    /// `COLL` (F1 24+): collision between two cars.
    Collision {
        /// First car.
        #[serde(rename = "vehicle1Idx")]
        vehicle1_idx: u8,
        /// Second car.
        #[serde(rename = "vehicle2Idx")]
        vehicle2_idx: u8,
    },
}

/// Packet 3: an event (45 bytes in F1 23/24/25).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EventPacket {
    /// Header.
    #[serde(rename = "m_header")]
    pub header: PacketHeader,
    /// Four-letter event code, e.g. `"FTLP"` (non-ASCII bytes replaced).
    #[serde(rename = "m_eventStringCode")]
    pub event_string_code: String,
    /// Decoded details for the code.
    #[serde(rename = "m_eventDetails")]
    pub event_details: EventDetails,
    /// The 12-byte details union as received.
    #[serde(skip)]
    pub raw_details: [u8; 12],
}

impl EventPacket {
    pub(crate) fn read(header: PacketHeader, format: Format, r: &mut Reader<'_>) -> Result<EventPacket> {
        let code: [u8; 4] = r.array()?;
        let raw_details: [u8; 12] = r.array()?;
        let mut d = Reader::new(&raw_details).named("Event");
        let since_24 = format >= Format::Y2024;
        let event_details = match &code {
            b"FTLP" => EventDetails::FastestLap { vehicle_idx: d.u8()?, lap_time: d.f32()? },
            b"RTMT" | b"TMPT" | b"RCWN" | b"DTSV" | b"SGSV" => EventDetails::Vehicle { vehicle_idx: d.u8()? },
            b"PENA" => EventDetails::Penalty {
                penalty_type: d.u8()?,
                infringement_type: d.u8()?,
                vehicle_idx: d.u8()?,
                other_vehicle_idx: d.u8()?,
                time: d.u8()?,
                lap_num: d.u8()?,
                places_gained: d.u8()?,
            },
            b"SPTP" => EventDetails::SpeedTrap {
                vehicle_idx: d.u8()?,
                speed: d.f32()?,
                is_overall_fastest_in_session: d.u8()?,
                is_driver_fastest_in_session: d.u8()?,
                fastest_vehicle_idx_in_session: d.u8()?,
                fastest_speed_in_session: d.f32()?,
            },
            b"STLG" => EventDetails::StartLights { num_lights: d.u8()? },
            b"FLBK" => {
                EventDetails::Flashback { flashback_frame_identifier: d.u32()?, flashback_session_time: d.f32()? }
            }
            b"BUTN" => EventDetails::Buttons { button_status: d.u32()? },
            b"OVTK" => EventDetails::Overtake { overtaking_vehicle_idx: d.u8()?, being_overtaken_vehicle_idx: d.u8()? },
            b"SCAR" if since_24 => EventDetails::SafetyCar { safety_car_type: d.u8()?, event_type: d.u8()? },
            b"COLL" if since_24 => EventDetails::Collision { vehicle1_idx: d.u8()?, vehicle2_idx: d.u8()? },
            _ => EventDetails::None,
        };
        Ok(EventPacket {
            header,
            event_string_code: String::from_utf8_lossy(&code).into_owned(),
            event_details,
            raw_details,
        })
    }
}

// ---------------------------------------------------------------------------------------------------------
// Participants (4)

/// One participant: 58 bytes in F1 23 (name 48), 60 in F1 24 (adds `m_techLevel`), 57 in F1 25 (name 32,
/// adds the livery colours).
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct ParticipantData {
    /// 1 if AI controlled.
    #[serde(rename = "m_aiControlled")]
    pub ai_controlled: u8,
    /// Driver id, 255 for a network human.
    #[serde(rename = "m_driverId")]
    pub driver_id: u8,
    /// Network id.
    #[serde(rename = "m_networkId")]
    pub network_id: u8,
    /// Team id.
    #[serde(rename = "m_teamId")]
    pub team_id: u8,
    /// 1 if "My Team".
    #[serde(rename = "m_myTeam")]
    pub my_team: u8,
    /// Race number.
    #[serde(rename = "m_raceNumber")]
    pub race_number: u8,
    /// Nationality id.
    #[serde(rename = "m_nationality")]
    pub nationality: u8,
    /// Name (UTF-8, NUL-terminated on the wire).
    #[serde(rename = "m_name")]
    pub name: String,
    /// 0 restricted, 1 public telemetry.
    #[serde(rename = "m_yourTelemetry")]
    pub your_telemetry: u8,
    /// Whether online names are shown.
    #[serde(rename = "m_showOnlineNames")]
    pub show_online_names: u8,
    /// F1 World tech level (F1 24+).
    #[serde(rename = "m_techLevel", skip_serializing_if = "Option::is_none")]
    pub tech_level: Option<u16>,
    /// 1 Steam, 3 PlayStation, 4 Xbox, 6 Origin, 255 unknown.
    #[serde(rename = "m_platform")]
    pub platform: u8,
    /// Number of valid livery colours (F1 25).
    #[serde(rename = "m_numColours", skip_serializing_if = "Option::is_none")]
    pub num_colours: Option<u8>,
    /// Livery colours as RGB (F1 25).
    #[serde(rename = "m_liveryColours", skip_serializing_if = "Option::is_none")]
    pub livery_colours: Option<[[u8; 3]; 4]>,
}

impl ParticipantData {
    /// Record size in bytes for `format`.
    pub fn record_len(format: Format) -> usize {
        match format {
            Format::Y2023 => 58,
            Format::Y2024 => 60,
            Format::Y2025 => 57,
        }
    }

    fn read(format: Format, r: &mut Reader<'_>) -> Result<ParticipantData> {
        let ai_controlled = r.u8()?;
        let driver_id = r.u8()?;
        let network_id = r.u8()?;
        let team_id = r.u8()?;
        let my_team = r.u8()?;
        let race_number = r.u8()?;
        let nationality = r.u8()?;
        let name = match format {
            Format::Y2023 | Format::Y2024 => r.string::<48>()?,
            Format::Y2025 => r.string::<32>()?,
        };
        let your_telemetry = r.u8()?;
        let show_online_names = r.u8()?;
        let tech_level = if format >= Format::Y2024 { Some(r.u16()?) } else { None };
        let platform = r.u8()?;
        let (num_colours, livery_colours) =
            if format >= Format::Y2025 { (Some(r.u8()?), Some(array4(|| r.array::<3>())?)) } else { (None, None) };
        Ok(ParticipantData {
            ai_controlled,
            driver_id,
            network_id,
            team_id,
            my_team,
            race_number,
            nationality,
            name,
            your_telemetry,
            show_online_names,
            tech_level,
            platform,
            num_colours,
            livery_colours,
        })
    }
}

/// Packet 4: the participants.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ParticipantsPacket {
    /// Header.
    #[serde(rename = "m_header")]
    pub header: PacketHeader,
    /// Number of active cars (valid slots).
    #[serde(rename = "m_numActiveCars")]
    pub num_active_cars: u8,
    /// One record per car slot.
    #[serde(rename = "m_participants")]
    pub participants: [ParticipantData; CAR_COUNT],
}

impl ParticipantsPacket {
    pub(crate) fn read(header: PacketHeader, format: Format, r: &mut Reader<'_>) -> Result<ParticipantsPacket> {
        let num_active_cars = r.u8()?;
        let participants = read_cars(r, ParticipantData::record_len(format), |r| ParticipantData::read(format, r))?;
        Ok(ParticipantsPacket { header, num_active_cars, participants })
    }
}

// ---------------------------------------------------------------------------------------------------------
// Car Telemetry (6)

/// Telemetry of one car (60 bytes, all formats). Wheel arrays are ordered RL, RR, FL, FR.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct CarTelemetryData {
    /// Speed, km/h.
    #[serde(rename = "m_speed")]
    pub speed: u16,
    /// Throttle, 0..1.
    #[serde(rename = "m_throttle")]
    pub throttle: f32,
    /// Steering, -1 full lock left to 1 full lock right.
    #[serde(rename = "m_steer")]
    pub steer: f32,
    /// Brake, 0..1.
    #[serde(rename = "m_brake")]
    pub brake: f32,
    /// Clutch, 0..100.
    #[serde(rename = "m_clutch")]
    pub clutch: u8,
    /// Gear: -1 reverse, 0 neutral, 1..8.
    #[serde(rename = "m_gear")]
    pub gear: i8,
    /// Engine speed, rpm.
    #[serde(rename = "m_engineRPM")]
    pub engine_rpm: u16,
    /// DRS: 0 off, 1 on.
    #[serde(rename = "m_drs")]
    pub drs: u8,
    /// Rev lights, percent.
    #[serde(rename = "m_revLightsPercent")]
    pub rev_lights_percent: u8,
    /// Rev lights, one bit per LED.
    #[serde(rename = "m_revLightsBitValue")]
    pub rev_lights_bit_value: u16,
    /// Brake temperatures, °C (RL, RR, FL, FR).
    #[serde(rename = "m_brakesTemperature")]
    pub brakes_temperature: [u16; 4],
    /// Tyre surface temperatures, °C (RL, RR, FL, FR).
    #[serde(rename = "m_tyresSurfaceTemperature")]
    pub tyres_surface_temperature: [u8; 4],
    /// Tyre inner temperatures, °C (RL, RR, FL, FR).
    #[serde(rename = "m_tyresInnerTemperature")]
    pub tyres_inner_temperature: [u8; 4],
    /// Engine temperature, °C.
    #[serde(rename = "m_engineTemperature")]
    pub engine_temperature: u16,
    /// Tyre pressures, psi (RL, RR, FL, FR).
    #[serde(rename = "m_tyresPressure")]
    pub tyres_pressure: [f32; 4],
    /// Surface type under each wheel (RL, RR, FL, FR).
    #[serde(rename = "m_surfaceType")]
    pub surface_type: [u8; 4],
}

impl CarTelemetryData {
    /// Record size in bytes, all formats.
    pub const LEN: usize = 60;

    fn read(r: &mut Reader<'_>) -> Result<CarTelemetryData> {
        Ok(CarTelemetryData {
            speed: r.u16()?,
            throttle: r.f32()?,
            steer: r.f32()?,
            brake: r.f32()?,
            clutch: r.u8()?,
            gear: r.i8()?,
            engine_rpm: r.u16()?,
            drs: r.u8()?,
            rev_lights_percent: r.u8()?,
            rev_lights_bit_value: r.u16()?,
            brakes_temperature: array4(|| r.u16())?,
            tyres_surface_temperature: r.array()?,
            tyres_inner_temperature: r.array()?,
            engine_temperature: r.u16()?,
            tyres_pressure: array4(|| r.f32())?,
            surface_type: r.array()?,
        })
    }
}

/// Packet 6: telemetry of all 22 cars.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CarTelemetryPacket {
    /// Header.
    #[serde(rename = "m_header")]
    pub header: PacketHeader,
    /// One record per car slot.
    #[serde(rename = "m_carTelemetryData")]
    pub car_telemetry_data: [CarTelemetryData; CAR_COUNT],
    /// MFD panel open for the player, 255 if closed.
    #[serde(rename = "m_mfdPanelIndex")]
    pub mfd_panel_index: u8,
    /// MFD panel open for the second player, 255 if closed.
    #[serde(rename = "m_mfdPanelIndexSecondaryPlayer")]
    pub mfd_panel_index_secondary_player: u8,
    /// Suggested gear, 0 if none.
    #[serde(rename = "m_suggestedGear")]
    pub suggested_gear: i8,
}

impl CarTelemetryPacket {
    pub(crate) fn read(header: PacketHeader, r: &mut Reader<'_>) -> Result<CarTelemetryPacket> {
        Ok(CarTelemetryPacket {
            header,
            car_telemetry_data: read_cars(r, CarTelemetryData::LEN, CarTelemetryData::read)?,
            mfd_panel_index: r.u8()?,
            mfd_panel_index_secondary_player: r.u8()?,
            suggested_gear: r.i8()?,
        })
    }
}

// ---------------------------------------------------------------------------------------------------------
// Car Status (7)

/// Status of one car (55 bytes, all formats).
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct CarStatusData {
    /// Traction control: 0 off, 1 medium, 2 full.
    #[serde(rename = "m_tractionControl")]
    pub traction_control: u8,
    /// ABS: 0 off, 1 on.
    #[serde(rename = "m_antiLockBrakes")]
    pub anti_lock_brakes: u8,
    /// Fuel mix: 0 lean, 1 standard, 2 rich, 3 max.
    #[serde(rename = "m_fuelMix")]
    pub fuel_mix: u8,
    /// Front brake bias, percent.
    #[serde(rename = "m_frontBrakeBias")]
    pub front_brake_bias: u8,
    /// Pit limiter: 0 off, 1 on.
    #[serde(rename = "m_pitLimiterStatus")]
    pub pit_limiter_status: u8,
    /// Fuel mass in the tank (kg in the game's own documentation).
    #[serde(rename = "m_fuelInTank")]
    pub fuel_in_tank: f32,
    /// Fuel capacity.
    #[serde(rename = "m_fuelCapacity")]
    pub fuel_capacity: f32,
    /// Laps of fuel left (MFD value).
    #[serde(rename = "m_fuelRemainingLaps")]
    pub fuel_remaining_laps: f32,
    /// Rev limit, rpm.
    #[serde(rename = "m_maxRPM")]
    pub max_rpm: u16,
    /// Idle rpm.
    #[serde(rename = "m_idleRPM")]
    pub idle_rpm: u16,
    /// Number of gears.
    #[serde(rename = "m_maxGears")]
    pub max_gears: u8,
    /// DRS allowed: 0 no, 1 yes.
    #[serde(rename = "m_drsAllowed")]
    pub drs_allowed: u8,
    /// Distance until DRS is available, metres (0 = none).
    #[serde(rename = "m_drsActivationDistance")]
    pub drs_activation_distance: u16,
    /// Actual tyre compound.
    #[serde(rename = "m_actualTyreCompound")]
    pub actual_tyre_compound: u8,
    /// Visual tyre compound.
    #[serde(rename = "m_visualTyreCompound")]
    pub visual_tyre_compound: u8,
    /// Age of the tyres, laps.
    #[serde(rename = "m_tyresAgeLaps")]
    pub tyres_age_laps: u8,
    /// FIA flag: -1 invalid, 0 none, 1 green, 2 blue, 3 yellow.
    #[serde(rename = "m_vehicleFiaFlags")]
    pub vehicle_fia_flags: i8,
    /// Engine (ICE) power, W.
    #[serde(rename = "m_enginePowerICE")]
    pub engine_power_ice: f32,
    /// MGU-K power, W.
    #[serde(rename = "m_enginePowerMGUK")]
    pub engine_power_mguk: f32,
    /// ERS energy store, J.
    #[serde(rename = "m_ersStoreEnergy")]
    pub ers_store_energy: f32,
    /// ERS deploy mode.
    #[serde(rename = "m_ersDeployMode")]
    pub ers_deploy_mode: u8,
    /// ERS harvested by the MGU-K this lap, J.
    #[serde(rename = "m_ersHarvestedThisLapMGUK")]
    pub ers_harvested_this_lap_mguk: f32,
    /// ERS harvested by the MGU-H this lap, J.
    #[serde(rename = "m_ersHarvestedThisLapMGUH")]
    pub ers_harvested_this_lap_mguh: f32,
    /// ERS deployed this lap, J.
    #[serde(rename = "m_ersDeployedThisLap")]
    pub ers_deployed_this_lap: f32,
    /// Whether the car is paused in a network game.
    #[serde(rename = "m_networkPaused")]
    pub network_paused: u8,
}

impl CarStatusData {
    /// Record size in bytes, all formats.
    pub const LEN: usize = 55;

    fn read(r: &mut Reader<'_>) -> Result<CarStatusData> {
        Ok(CarStatusData {
            traction_control: r.u8()?,
            anti_lock_brakes: r.u8()?,
            fuel_mix: r.u8()?,
            front_brake_bias: r.u8()?,
            pit_limiter_status: r.u8()?,
            fuel_in_tank: r.f32()?,
            fuel_capacity: r.f32()?,
            fuel_remaining_laps: r.f32()?,
            max_rpm: r.u16()?,
            idle_rpm: r.u16()?,
            max_gears: r.u8()?,
            drs_allowed: r.u8()?,
            drs_activation_distance: r.u16()?,
            actual_tyre_compound: r.u8()?,
            visual_tyre_compound: r.u8()?,
            tyres_age_laps: r.u8()?,
            vehicle_fia_flags: r.i8()?,
            engine_power_ice: r.f32()?,
            engine_power_mguk: r.f32()?,
            ers_store_energy: r.f32()?,
            ers_deploy_mode: r.u8()?,
            ers_harvested_this_lap_mguk: r.f32()?,
            ers_harvested_this_lap_mguh: r.f32()?,
            ers_deployed_this_lap: r.f32()?,
            network_paused: r.u8()?,
        })
    }
}

/// Packet 7: status of all 22 cars.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CarStatusPacket {
    /// Header.
    #[serde(rename = "m_header")]
    pub header: PacketHeader,
    /// One record per car slot.
    #[serde(rename = "m_carStatusData")]
    pub car_status_data: [CarStatusData; CAR_COUNT],
}

impl CarStatusPacket {
    pub(crate) fn read(header: PacketHeader, r: &mut Reader<'_>) -> Result<CarStatusPacket> {
        Ok(CarStatusPacket { header, car_status_data: read_cars(r, CarStatusData::LEN, CarStatusData::read)? })
    }
}

// ---------------------------------------------------------------------------------------------------------
// Car Damage (10)

/// Damage of one car: 42 bytes in F1 23/24, 46 in F1 25 (adds `m_tyreBlisters`). Wheel arrays are ordered
/// RL, RR, FL, FR; every damage and wear value is a percentage.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct CarDamageData {
    /// Tyre wear, percent (RL, RR, FL, FR).
    #[serde(rename = "m_tyresWear")]
    pub tyres_wear: [f32; 4],
    /// Tyre damage, percent (RL, RR, FL, FR).
    #[serde(rename = "m_tyresDamage")]
    pub tyres_damage: [u8; 4],
    /// Brake damage, percent (RL, RR, FL, FR).
    #[serde(rename = "m_brakesDamage")]
    pub brakes_damage: [u8; 4],
    /// Tyre blisters, percent (RL, RR, FL, FR; F1 25).
    #[serde(rename = "m_tyreBlisters", skip_serializing_if = "Option::is_none")]
    pub tyre_blisters: Option<[u8; 4]>,
    /// Front left wing damage, percent.
    #[serde(rename = "m_frontLeftWingDamage")]
    pub front_left_wing_damage: u8,
    /// Front right wing damage, percent.
    #[serde(rename = "m_frontRightWingDamage")]
    pub front_right_wing_damage: u8,
    /// Rear wing damage, percent.
    #[serde(rename = "m_rearWingDamage")]
    pub rear_wing_damage: u8,
    /// Floor damage, percent.
    #[serde(rename = "m_floorDamage")]
    pub floor_damage: u8,
    /// Diffuser damage, percent.
    #[serde(rename = "m_diffuserDamage")]
    pub diffuser_damage: u8,
    /// Sidepod damage, percent.
    #[serde(rename = "m_sidepodDamage")]
    pub sidepod_damage: u8,
    /// DRS fault: 0 OK, 1 fault.
    #[serde(rename = "m_drsFault")]
    pub drs_fault: u8,
    /// ERS fault: 0 OK, 1 fault.
    #[serde(rename = "m_ersFault")]
    pub ers_fault: u8,
    /// Gearbox damage, percent.
    #[serde(rename = "m_gearBoxDamage")]
    pub gear_box_damage: u8,
    /// Engine damage, percent.
    #[serde(rename = "m_engineDamage")]
    pub engine_damage: u8,
    /// MGU-H wear, percent.
    #[serde(rename = "m_engineMGUHWear")]
    pub engine_mguh_wear: u8,
    /// Energy store wear, percent.
    #[serde(rename = "m_engineESWear")]
    pub engine_es_wear: u8,
    /// Control electronics wear, percent.
    #[serde(rename = "m_engineCEWear")]
    pub engine_ce_wear: u8,
    /// Internal combustion engine wear, percent.
    #[serde(rename = "m_engineICEWear")]
    pub engine_ice_wear: u8,
    /// MGU-K wear, percent.
    #[serde(rename = "m_engineMGUKWear")]
    pub engine_mguk_wear: u8,
    /// Turbocharger wear, percent.
    #[serde(rename = "m_engineTCWear")]
    pub engine_tc_wear: u8,
    /// Engine blown: 0 OK, 1 fault.
    #[serde(rename = "m_engineBlown")]
    pub engine_blown: u8,
    /// Engine seized: 0 OK, 1 fault.
    #[serde(rename = "m_engineSeized")]
    pub engine_seized: u8,
}

impl CarDamageData {
    /// Record size in bytes for `format`.
    pub fn record_len(format: Format) -> usize {
        match format {
            Format::Y2023 | Format::Y2024 => 42,
            Format::Y2025 => 46,
        }
    }

    fn read(format: Format, r: &mut Reader<'_>) -> Result<CarDamageData> {
        Ok(CarDamageData {
            tyres_wear: array4(|| r.f32())?,
            tyres_damage: r.array()?,
            brakes_damage: r.array()?,
            tyre_blisters: if format >= Format::Y2025 { Some(r.array()?) } else { None },
            front_left_wing_damage: r.u8()?,
            front_right_wing_damage: r.u8()?,
            rear_wing_damage: r.u8()?,
            floor_damage: r.u8()?,
            diffuser_damage: r.u8()?,
            sidepod_damage: r.u8()?,
            drs_fault: r.u8()?,
            ers_fault: r.u8()?,
            gear_box_damage: r.u8()?,
            engine_damage: r.u8()?,
            engine_mguh_wear: r.u8()?,
            engine_es_wear: r.u8()?,
            engine_ce_wear: r.u8()?,
            engine_ice_wear: r.u8()?,
            engine_mguk_wear: r.u8()?,
            engine_tc_wear: r.u8()?,
            engine_blown: r.u8()?,
            engine_seized: r.u8()?,
        })
    }
}

/// Packet 10: damage of all 22 cars.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CarDamagePacket {
    /// Header.
    #[serde(rename = "m_header")]
    pub header: PacketHeader,
    /// One record per car slot.
    #[serde(rename = "m_carDamageData")]
    pub car_damage_data: [CarDamageData; CAR_COUNT],
}

impl CarDamagePacket {
    pub(crate) fn read(header: PacketHeader, format: Format, r: &mut Reader<'_>) -> Result<CarDamagePacket> {
        let car_damage_data = read_cars(r, CarDamageData::record_len(format), |r| CarDamageData::read(format, r))?;
        Ok(CarDamagePacket { header, car_damage_data })
    }
}

// ---------------------------------------------------------------------------------------------------------
// Session History (11)

/// Number of lap slots in the session history packet.
pub const LAP_HISTORY_SLOTS: usize = 100;

/// Number of tyre stint slots in the session history packet.
pub const TYRE_STINT_SLOTS: usize = 8;

/// `m_lapValidBitFlags`: the lap is valid.
pub const LAP_VALID: u8 = 0x01;
/// `m_lapValidBitFlags`: sector 1 is valid.
pub const SECTOR_1_VALID: u8 = 0x02;
/// `m_lapValidBitFlags`: sector 2 is valid.
pub const SECTOR_2_VALID: u8 = 0x04;
/// `m_lapValidBitFlags`: sector 3 is valid.
pub const SECTOR_3_VALID: u8 = 0x08;

/// One lap of a car's history (14 bytes, all formats). A sector time is its minutes part × 60000 plus its
/// milliseconds part.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct LapHistoryData {
    /// Lap time, milliseconds.
    #[serde(rename = "m_lapTimeInMS")]
    pub lap_time_in_ms: u32,
    /// Sector 1 time, milliseconds part.
    #[serde(rename = "m_sector1TimeMSPart")]
    pub sector1_time_ms_part: u16,
    /// Sector 1 time, whole minutes part.
    #[serde(rename = "m_sector1TimeMinutesPart")]
    pub sector1_time_minutes_part: u8,
    /// Sector 2 time, milliseconds part.
    #[serde(rename = "m_sector2TimeMSPart")]
    pub sector2_time_ms_part: u16,
    /// Sector 2 time, whole minutes part.
    #[serde(rename = "m_sector2TimeMinutesPart")]
    pub sector2_time_minutes_part: u8,
    /// Sector 3 time, milliseconds part.
    #[serde(rename = "m_sector3TimeMSPart")]
    pub sector3_time_ms_part: u16,
    /// Sector 3 time, whole minutes part.
    #[serde(rename = "m_sector3TimeMinutesPart")]
    pub sector3_time_minutes_part: u8,
    /// Validity bits: [`LAP_VALID`], [`SECTOR_1_VALID`], [`SECTOR_2_VALID`], [`SECTOR_3_VALID`].
    #[serde(rename = "m_lapValidBitFlags")]
    pub lap_valid_bit_flags: u8,
}

impl LapHistoryData {
    /// Record size in bytes, all formats.
    pub const LEN: usize = 14;

    fn read(r: &mut Reader<'_>) -> Result<LapHistoryData> {
        Ok(LapHistoryData {
            lap_time_in_ms: r.u32()?,
            sector1_time_ms_part: r.u16()?,
            sector1_time_minutes_part: r.u8()?,
            sector2_time_ms_part: r.u16()?,
            sector2_time_minutes_part: r.u8()?,
            sector3_time_ms_part: r.u16()?,
            sector3_time_minutes_part: r.u8()?,
            lap_valid_bit_flags: r.u8()?,
        })
    }

    /// Sector times in milliseconds (minutes and milliseconds parts combined).
    pub fn sector_times_ms(&self) -> [u32; 3] {
        let join = |ms: u16, min: u8| u32::from(min) * 60_000 + u32::from(ms);
        [
            join(self.sector1_time_ms_part, self.sector1_time_minutes_part),
            join(self.sector2_time_ms_part, self.sector2_time_minutes_part),
            join(self.sector3_time_ms_part, self.sector3_time_minutes_part),
        ]
    }
}

/// One tyre stint of a car's history (3 bytes, all formats).
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct TyreStintHistoryData {
    /// Lap the stint ended on, 255 for the current stint.
    #[serde(rename = "m_endLap")]
    pub end_lap: u8,
    /// Actual tyre compound.
    #[serde(rename = "m_tyreActualCompound")]
    pub tyre_actual_compound: u8,
    /// Visual tyre compound.
    #[serde(rename = "m_tyreVisualCompound")]
    pub tyre_visual_compound: u8,
}

impl TyreStintHistoryData {
    /// Record size in bytes, all formats.
    pub const LEN: usize = 3;

    fn read(r: &mut Reader<'_>) -> Result<TyreStintHistoryData> {
        Ok(TyreStintHistoryData { end_lap: r.u8()?, tyre_actual_compound: r.u8()?, tyre_visual_compound: r.u8()? })
    }
}

/// Packet 11: the lap and tyre stint history of one car (1460 bytes, all formats).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SessionHistoryPacket {
    /// Header.
    #[serde(rename = "m_header")]
    pub header: PacketHeader,
    /// Index of the car this history is about.
    #[serde(rename = "m_carIdx")]
    pub car_idx: u8,
    /// Number of laps in the data, including the current partial lap.
    #[serde(rename = "m_numLaps")]
    pub num_laps: u8,
    /// Number of tyre stints in the data.
    #[serde(rename = "m_numTyreStints")]
    pub num_tyre_stints: u8,
    /// Lap the best lap time was set on (1-based, 0 if none).
    #[serde(rename = "m_bestLapTimeLapNum")]
    pub best_lap_time_lap_num: u8,
    /// Lap the best sector 1 was set on.
    #[serde(rename = "m_bestSector1LapNum")]
    pub best_sector1_lap_num: u8,
    /// Lap the best sector 2 was set on.
    #[serde(rename = "m_bestSector2LapNum")]
    pub best_sector2_lap_num: u8,
    /// Lap the best sector 3 was set on.
    #[serde(rename = "m_bestSector3LapNum")]
    pub best_sector3_lap_num: u8,
    /// One record per lap slot (lap 1 first); slots from `num_laps` on are unused.
    #[serde(rename = "m_lapHistoryData", serialize_with = "crate::bytes::serialize_array")]
    pub lap_history_data: [LapHistoryData; LAP_HISTORY_SLOTS],
    /// One record per stint slot; slots from `num_tyre_stints` on are unused.
    #[serde(rename = "m_tyreStintsHistoryData")]
    pub tyre_stints_history_data: [TyreStintHistoryData; TYRE_STINT_SLOTS],
}

impl SessionHistoryPacket {
    pub(crate) fn read(header: PacketHeader, r: &mut Reader<'_>) -> Result<SessionHistoryPacket> {
        Ok(SessionHistoryPacket {
            header,
            car_idx: r.u8()?,
            num_laps: r.u8()?,
            num_tyre_stints: r.u8()?,
            best_lap_time_lap_num: r.u8()?,
            best_sector1_lap_num: r.u8()?,
            best_sector2_lap_num: r.u8()?,
            best_sector3_lap_num: r.u8()?,
            lap_history_data: read_records(r, LapHistoryData::LEN, LapHistoryData::read)?,
            tyre_stints_history_data: read_records(r, TyreStintHistoryData::LEN, TyreStintHistoryData::read)?,
        })
    }
}

// ---------------------------------------------------------------------------------------------------------
// Tyre Sets (12)

/// Number of tyre set slots in the tyre sets packet (13 dry, 7 wet).
pub const TYRE_SET_SLOTS: usize = 20;

/// One tyre set (10 bytes, all formats).
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct TyreSetData {
    /// Actual tyre compound.
    #[serde(rename = "m_actualTyreCompound")]
    pub actual_tyre_compound: u8,
    /// Visual tyre compound.
    #[serde(rename = "m_visualTyreCompound")]
    pub visual_tyre_compound: u8,
    /// Tyre wear, percent.
    #[serde(rename = "m_wear")]
    pub wear: u8,
    /// Whether the set is available.
    #[serde(rename = "m_available")]
    pub available: u8,
    /// Session the set is recommended for.
    #[serde(rename = "m_recommendedSession")]
    pub recommended_session: u8,
    /// Laps left in the set.
    #[serde(rename = "m_lifeSpan")]
    pub life_span: u8,
    /// Maximum number of laps recommended for this compound.
    #[serde(rename = "m_usableLife")]
    pub usable_life: u8,
    /// Lap delta time compared to the fitted set, milliseconds.
    #[serde(rename = "m_lapDeltaTime")]
    pub lap_delta_time: i16,
    /// Whether the set is fitted.
    #[serde(rename = "m_fitted")]
    pub fitted: u8,
}

impl TyreSetData {
    /// Record size in bytes, all formats.
    pub const LEN: usize = 10;

    fn read(r: &mut Reader<'_>) -> Result<TyreSetData> {
        Ok(TyreSetData {
            actual_tyre_compound: r.u8()?,
            visual_tyre_compound: r.u8()?,
            wear: r.u8()?,
            available: r.u8()?,
            recommended_session: r.u8()?,
            life_span: r.u8()?,
            usable_life: r.u8()?,
            lap_delta_time: r.i16()?,
            fitted: r.u8()?,
        })
    }
}

/// Packet 12: the tyre sets of one car (231 bytes, all formats).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TyreSetsPacket {
    /// Header.
    #[serde(rename = "m_header")]
    pub header: PacketHeader,
    /// Index of the car these sets belong to.
    #[serde(rename = "m_carIdx")]
    pub car_idx: u8,
    /// One record per set slot.
    #[serde(rename = "m_tyreSetData")]
    pub tyre_set_data: [TyreSetData; TYRE_SET_SLOTS],
    /// Index of the fitted set in `tyre_set_data`.
    #[serde(rename = "m_fittedIdx")]
    pub fitted_idx: u8,
}

impl TyreSetsPacket {
    pub(crate) fn read(header: PacketHeader, r: &mut Reader<'_>) -> Result<TyreSetsPacket> {
        Ok(TyreSetsPacket {
            header,
            car_idx: r.u8()?,
            tyre_set_data: read_records(r, TyreSetData::LEN, TyreSetData::read)?,
            fitted_idx: r.u8()?,
        })
    }
}

// ---------------------------------------------------------------------------------------------------------
// Motion Ex (13)

/// Packet 13: extended motion of the player's car only, for motion platforms. Wheel arrays are ordered RL, RR,
/// FL, FR. 188 bytes after the header in F1 23; F1 24 adds the aero heights, roll angles and chassis yaw (20
/// bytes), F1 25 the chassis pitch, wheel camber and camber gain (36 bytes).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct MotionExPacket {
    /// Header.
    #[serde(rename = "m_header")]
    pub header: PacketHeader,
    /// Suspension position of each wheel.
    #[serde(rename = "m_suspensionPosition")]
    pub suspension_position: [f32; 4],
    /// Suspension velocity of each wheel.
    #[serde(rename = "m_suspensionVelocity")]
    pub suspension_velocity: [f32; 4],
    /// Suspension acceleration of each wheel.
    #[serde(rename = "m_suspensionAcceleration")]
    pub suspension_acceleration: [f32; 4],
    /// Speed of each wheel.
    #[serde(rename = "m_wheelSpeed")]
    pub wheel_speed: [f32; 4],
    /// Slip ratio of each wheel.
    #[serde(rename = "m_wheelSlipRatio")]
    pub wheel_slip_ratio: [f32; 4],
    /// Slip angle of each wheel.
    #[serde(rename = "m_wheelSlipAngle")]
    pub wheel_slip_angle: [f32; 4],
    /// Lateral force on each wheel.
    #[serde(rename = "m_wheelLatForce")]
    pub wheel_lat_force: [f32; 4],
    /// Longitudinal force on each wheel.
    #[serde(rename = "m_wheelLongForce")]
    pub wheel_long_force: [f32; 4],
    /// Height of the centre of gravity above the ground, metres.
    #[serde(rename = "m_heightOfCOGAboveGround")]
    pub height_of_cog_above_ground: f32,
    /// Velocity in local space x, m/s.
    #[serde(rename = "m_localVelocityX")]
    pub local_velocity_x: f32,
    /// Velocity in local space y, m/s.
    #[serde(rename = "m_localVelocityY")]
    pub local_velocity_y: f32,
    /// Velocity in local space z, m/s.
    #[serde(rename = "m_localVelocityZ")]
    pub local_velocity_z: f32,
    /// Angular velocity x, rad/s.
    #[serde(rename = "m_angularVelocityX")]
    pub angular_velocity_x: f32,
    /// Angular velocity y, rad/s.
    #[serde(rename = "m_angularVelocityY")]
    pub angular_velocity_y: f32,
    /// Angular velocity z, rad/s.
    #[serde(rename = "m_angularVelocityZ")]
    pub angular_velocity_z: f32,
    /// Angular acceleration x, rad/s².
    #[serde(rename = "m_angularAccelerationX")]
    pub angular_acceleration_x: f32,
    /// Angular acceleration y, rad/s².
    #[serde(rename = "m_angularAccelerationY")]
    pub angular_acceleration_y: f32,
    /// Angular acceleration z, rad/s².
    #[serde(rename = "m_angularAccelerationZ")]
    pub angular_acceleration_z: f32,
    /// Current front wheels angle, radians.
    #[serde(rename = "m_frontWheelsAngle")]
    pub front_wheels_angle: f32,
    /// Vertical force on each wheel.
    #[serde(rename = "m_wheelVertForce")]
    pub wheel_vert_force: [f32; 4],
    /// Front plank edge height above the road surface, metres (F1 24+).
    #[serde(rename = "m_frontAeroHeight", skip_serializing_if = "Option::is_none")]
    pub front_aero_height: Option<f32>,
    /// Rear plank edge height above the road surface, metres (F1 24+).
    #[serde(rename = "m_rearAeroHeight", skip_serializing_if = "Option::is_none")]
    pub rear_aero_height: Option<f32>,
    /// Roll angle of the front suspension, radians (F1 24+).
    #[serde(rename = "m_frontRollAngle", skip_serializing_if = "Option::is_none")]
    pub front_roll_angle: Option<f32>,
    /// Roll angle of the rear suspension, radians (F1 24+).
    #[serde(rename = "m_rearRollAngle", skip_serializing_if = "Option::is_none")]
    pub rear_roll_angle: Option<f32>,
    /// Yaw angle of the chassis relative to the direction of motion, radians (F1 24+).
    #[serde(rename = "m_chassisYaw", skip_serializing_if = "Option::is_none")]
    pub chassis_yaw: Option<f32>,
    /// Pitch angle of the chassis relative to the direction of motion, radians (F1 25).
    #[serde(rename = "m_chassisPitch", skip_serializing_if = "Option::is_none")]
    pub chassis_pitch: Option<f32>,
    /// Camber of each wheel, radians (F1 25).
    #[serde(rename = "m_wheelCamber", skip_serializing_if = "Option::is_none")]
    pub wheel_camber: Option<[f32; 4]>,
    /// Camber gain of each wheel, radians: the difference between active camber and dynamic camber (F1 25).
    #[serde(rename = "m_wheelCamberGain", skip_serializing_if = "Option::is_none")]
    pub wheel_camber_gain: Option<[f32; 4]>,
}

impl MotionExPacket {
    /// Bytes after the header for `format`.
    pub fn body_len(format: Format) -> usize {
        match format {
            Format::Y2023 => 188,
            Format::Y2024 => 208,
            Format::Y2025 => 244,
        }
    }

    pub(crate) fn read(header: PacketHeader, format: Format, r: &mut Reader<'_>) -> Result<MotionExPacket> {
        let y2024 = format >= Format::Y2024;
        let y2025 = format >= Format::Y2025;
        Ok(MotionExPacket {
            header,
            suspension_position: r.f32x4()?,
            suspension_velocity: r.f32x4()?,
            suspension_acceleration: r.f32x4()?,
            wheel_speed: r.f32x4()?,
            wheel_slip_ratio: r.f32x4()?,
            wheel_slip_angle: r.f32x4()?,
            wheel_lat_force: r.f32x4()?,
            wheel_long_force: r.f32x4()?,
            height_of_cog_above_ground: r.f32()?,
            local_velocity_x: r.f32()?,
            local_velocity_y: r.f32()?,
            local_velocity_z: r.f32()?,
            angular_velocity_x: r.f32()?,
            angular_velocity_y: r.f32()?,
            angular_velocity_z: r.f32()?,
            angular_acceleration_x: r.f32()?,
            angular_acceleration_y: r.f32()?,
            angular_acceleration_z: r.f32()?,
            front_wheels_angle: r.f32()?,
            wheel_vert_force: r.f32x4()?,
            front_aero_height: f32_if(y2024, r)?,
            rear_aero_height: f32_if(y2024, r)?,
            front_roll_angle: f32_if(y2024, r)?,
            rear_roll_angle: f32_if(y2024, r)?,
            chassis_yaw: f32_if(y2024, r)?,
            chassis_pitch: f32_if(y2025, r)?,
            wheel_camber: if y2025 { Some(r.f32x4()?) } else { None },
            wheel_camber_gain: if y2025 { Some(r.f32x4()?) } else { None },
        })
    }
}

// ---------------------------------------------------------------------------------------------------------
// Car Setups (5)

/// Setup of one car: 49 bytes in F1 23, 50 in F1 24/25 (adds `m_engineBraking`). Other players' cars read as
/// zeros when their setups are private.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct CarSetupData {
    /// Front wing aero.
    #[serde(rename = "m_frontWing")]
    pub front_wing: u8,
    /// Rear wing aero.
    #[serde(rename = "m_rearWing")]
    pub rear_wing: u8,
    /// Differential adjustment on throttle, percent.
    #[serde(rename = "m_onThrottle")]
    pub on_throttle: u8,
    /// Differential adjustment off throttle, percent.
    #[serde(rename = "m_offThrottle")]
    pub off_throttle: u8,
    /// Front camber angle (suspension geometry), degrees.
    #[serde(rename = "m_frontCamber")]
    pub front_camber: f32,
    /// Rear camber angle (suspension geometry), degrees.
    #[serde(rename = "m_rearCamber")]
    pub rear_camber: f32,
    /// Front toe angle (suspension geometry), degrees.
    #[serde(rename = "m_frontToe")]
    pub front_toe: f32,
    /// Rear toe angle (suspension geometry), degrees.
    #[serde(rename = "m_rearToe")]
    pub rear_toe: f32,
    /// Front suspension stiffness.
    #[serde(rename = "m_frontSuspension")]
    pub front_suspension: u8,
    /// Rear suspension stiffness.
    #[serde(rename = "m_rearSuspension")]
    pub rear_suspension: u8,
    /// Front anti-roll bar.
    #[serde(rename = "m_frontAntiRollBar")]
    pub front_anti_roll_bar: u8,
    /// Rear anti-roll bar.
    #[serde(rename = "m_rearAntiRollBar")]
    pub rear_anti_roll_bar: u8,
    /// Front ride height.
    #[serde(rename = "m_frontSuspensionHeight")]
    pub front_suspension_height: u8,
    /// Rear ride height.
    #[serde(rename = "m_rearSuspensionHeight")]
    pub rear_suspension_height: u8,
    /// Brake pressure, percent.
    #[serde(rename = "m_brakePressure")]
    pub brake_pressure: u8,
    /// Brake bias, percent.
    #[serde(rename = "m_brakeBias")]
    pub brake_bias: u8,
    /// Engine braking, percent (F1 24+).
    #[serde(rename = "m_engineBraking", skip_serializing_if = "Option::is_none")]
    pub engine_braking: Option<u8>,
    /// Rear left tyre pressure, PSI.
    #[serde(rename = "m_rearLeftTyrePressure")]
    pub rear_left_tyre_pressure: f32,
    /// Rear right tyre pressure, PSI.
    #[serde(rename = "m_rearRightTyrePressure")]
    pub rear_right_tyre_pressure: f32,
    /// Front left tyre pressure, PSI.
    #[serde(rename = "m_frontLeftTyrePressure")]
    pub front_left_tyre_pressure: f32,
    /// Front right tyre pressure, PSI.
    #[serde(rename = "m_frontRightTyrePressure")]
    pub front_right_tyre_pressure: f32,
    /// Ballast.
    #[serde(rename = "m_ballast")]
    pub ballast: u8,
    /// Fuel load, kg.
    #[serde(rename = "m_fuelLoad")]
    pub fuel_load: f32,
}

impl CarSetupData {
    /// Record size in bytes for `format`.
    pub fn record_len(format: Format) -> usize {
        match format {
            Format::Y2023 => 49,
            Format::Y2024 | Format::Y2025 => 50,
        }
    }

    fn read(format: Format, r: &mut Reader<'_>) -> Result<CarSetupData> {
        Ok(CarSetupData {
            front_wing: r.u8()?,
            rear_wing: r.u8()?,
            on_throttle: r.u8()?,
            off_throttle: r.u8()?,
            front_camber: r.f32()?,
            rear_camber: r.f32()?,
            front_toe: r.f32()?,
            rear_toe: r.f32()?,
            front_suspension: r.u8()?,
            rear_suspension: r.u8()?,
            front_anti_roll_bar: r.u8()?,
            rear_anti_roll_bar: r.u8()?,
            front_suspension_height: r.u8()?,
            rear_suspension_height: r.u8()?,
            brake_pressure: r.u8()?,
            brake_bias: r.u8()?,
            engine_braking: if format >= Format::Y2024 { Some(r.u8()?) } else { None },
            rear_left_tyre_pressure: r.f32()?,
            rear_right_tyre_pressure: r.f32()?,
            front_left_tyre_pressure: r.f32()?,
            front_right_tyre_pressure: r.f32()?,
            ballast: r.u8()?,
            fuel_load: r.f32()?,
        })
    }
}

/// Packet 5: setups of all 22 cars; F1 24/25 end with the front wing value after the next pit stop.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CarSetupsPacket {
    /// Header.
    #[serde(rename = "m_header")]
    pub header: PacketHeader,
    /// One record per car slot.
    #[serde(rename = "m_carSetups")]
    pub car_setups: [CarSetupData; CAR_COUNT],
    /// Front wing value after the next pit stop, player only (F1 24+).
    #[serde(rename = "m_nextFrontWingValue", skip_serializing_if = "Option::is_none")]
    pub next_front_wing_value: Option<f32>,
}

impl CarSetupsPacket {
    pub(crate) fn read(header: PacketHeader, format: Format, r: &mut Reader<'_>) -> Result<CarSetupsPacket> {
        let car_setups = read_cars(r, CarSetupData::record_len(format), |r| CarSetupData::read(format, r))?;
        let next_front_wing_value = f32_if(format >= Format::Y2024, r)?;
        Ok(CarSetupsPacket { header, car_setups, next_front_wing_value })
    }
}

// ---------------------------------------------------------------------------------------------------------
// Final Classification (8)

/// Tyre stint slots of a final classification record.
pub const CLASSIFICATION_STINT_SLOTS: usize = 8;

/// Final result of one car: 45 bytes in F1 23/24, 46 in F1 25 (adds `m_resultReason`).
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct FinalClassificationData {
    /// Finishing position.
    #[serde(rename = "m_position")]
    pub position: u8,
    /// Laps completed.
    #[serde(rename = "m_numLaps")]
    pub num_laps: u8,
    /// Grid position.
    #[serde(rename = "m_gridPosition")]
    pub grid_position: u8,
    /// Points scored.
    #[serde(rename = "m_points")]
    pub points: u8,
    /// Pit stops made.
    #[serde(rename = "m_numPitStops")]
    pub num_pit_stops: u8,
    /// Result status: 0 invalid, 1 inactive, 2 active, 3 finished, 4 did not finish, 5 disqualified, 6 not
    /// classified, 7 retired.
    #[serde(rename = "m_resultStatus")]
    pub result_status: u8,
    /// Reason for the result (F1 25): 0 invalid, 1 retired, 2 finished, 3 terminal damage, 4 inactive, 5 not
    /// enough laps completed, 6 black flagged, 7 red flagged, 8 mechanical failure, 9 session skipped, 10
    /// session simulated.
    #[serde(rename = "m_resultReason", skip_serializing_if = "Option::is_none")]
    pub result_reason: Option<u8>,
    /// Best lap time of the session, milliseconds.
    #[serde(rename = "m_bestLapTimeInMS")]
    pub best_lap_time_in_ms: u32,
    /// Total race time without penalties, seconds.
    #[serde(rename = "m_totalRaceTime")]
    pub total_race_time: f64,
    /// Total penalties accumulated, seconds.
    #[serde(rename = "m_penaltiesTime")]
    pub penalties_time: u8,
    /// Number of penalties applied.
    #[serde(rename = "m_numPenalties")]
    pub num_penalties: u8,
    /// Number of tyre stints, up to [`CLASSIFICATION_STINT_SLOTS`].
    #[serde(rename = "m_numTyreStints")]
    pub num_tyre_stints: u8,
    /// Actual tyre compound of each stint.
    #[serde(rename = "m_tyreStintsActual")]
    pub tyre_stints_actual: [u8; CLASSIFICATION_STINT_SLOTS],
    /// Visual tyre compound of each stint.
    #[serde(rename = "m_tyreStintsVisual")]
    pub tyre_stints_visual: [u8; CLASSIFICATION_STINT_SLOTS],
    /// Lap each stint ended on.
    #[serde(rename = "m_tyreStintsEndLaps")]
    pub tyre_stints_end_laps: [u8; CLASSIFICATION_STINT_SLOTS],
}

impl FinalClassificationData {
    /// Record size in bytes for `format`.
    pub fn record_len(format: Format) -> usize {
        match format {
            Format::Y2023 | Format::Y2024 => 45,
            Format::Y2025 => 46,
        }
    }

    fn read(format: Format, r: &mut Reader<'_>) -> Result<FinalClassificationData> {
        Ok(FinalClassificationData {
            position: r.u8()?,
            num_laps: r.u8()?,
            grid_position: r.u8()?,
            points: r.u8()?,
            num_pit_stops: r.u8()?,
            result_status: r.u8()?,
            result_reason: if format >= Format::Y2025 { Some(r.u8()?) } else { None },
            best_lap_time_in_ms: r.u32()?,
            total_race_time: r.f64()?,
            penalties_time: r.u8()?,
            num_penalties: r.u8()?,
            num_tyre_stints: r.u8()?,
            tyre_stints_actual: r.array()?,
            tyre_stints_visual: r.array()?,
            tyre_stints_end_laps: r.array()?,
        })
    }
}

/// Packet 8: the final classification of all 22 car slots, sent once at the end of a race.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FinalClassificationPacket {
    /// Header.
    #[serde(rename = "m_header")]
    pub header: PacketHeader,
    /// Number of cars in the classification.
    #[serde(rename = "m_numCars")]
    pub num_cars: u8,
    /// One record per car slot.
    #[serde(rename = "m_classificationData")]
    pub classification_data: [FinalClassificationData; CAR_COUNT],
}

impl FinalClassificationPacket {
    pub(crate) fn read(header: PacketHeader, format: Format, r: &mut Reader<'_>) -> Result<FinalClassificationPacket> {
        let num_cars = r.u8()?;
        let classification_data =
            read_cars(r, FinalClassificationData::record_len(format), |r| FinalClassificationData::read(format, r))?;
        Ok(FinalClassificationPacket { header, num_cars, classification_data })
    }
}

// ---------------------------------------------------------------------------------------------------------
// Time Trial (14)

/// One time trial lap with the assists it was driven with (24 bytes, F1 24/25).
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct TimeTrialDataSet {
    /// Index of the car this data relates to.
    #[serde(rename = "m_carIdx")]
    pub car_idx: u8,
    /// Team id.
    #[serde(rename = "m_teamId")]
    pub team_id: u8,
    /// Lap time, milliseconds.
    #[serde(rename = "m_lapTimeInMS")]
    pub lap_time_in_ms: u32,
    /// Sector 1 time, milliseconds.
    #[serde(rename = "m_sector1TimeInMS")]
    pub sector1_time_in_ms: u32,
    /// Sector 2 time, milliseconds.
    #[serde(rename = "m_sector2TimeInMS")]
    pub sector2_time_in_ms: u32,
    /// Sector 3 time, milliseconds.
    #[serde(rename = "m_sector3TimeInMS")]
    pub sector3_time_in_ms: u32,
    /// Traction control: 0 off, 1 medium, 2 full.
    #[serde(rename = "m_tractionControl")]
    pub traction_control: u8,
    /// Gearbox assist: 1 manual, 2 manual with suggested gear, 3 automatic.
    #[serde(rename = "m_gearboxAssist")]
    pub gearbox_assist: u8,
    /// Anti-lock brakes: 0 off, 1 on.
    #[serde(rename = "m_antiLockBrakes")]
    pub anti_lock_brakes: u8,
    /// Equal car performance: 0 realistic, 1 equal.
    #[serde(rename = "m_equalCarPerformance")]
    pub equal_car_performance: u8,
    /// Custom setup: 0 no, 1 yes.
    #[serde(rename = "m_customSetup")]
    pub custom_setup: u8,
    /// Valid lap: 0 invalid, 1 valid.
    #[serde(rename = "m_valid")]
    pub valid: u8,
}

impl TimeTrialDataSet {
    /// Record size in bytes.
    pub const LEN: usize = 24;

    fn read(r: &mut Reader<'_>) -> Result<TimeTrialDataSet> {
        Ok(TimeTrialDataSet {
            car_idx: r.u8()?,
            team_id: r.u8()?,
            lap_time_in_ms: r.u32()?,
            sector1_time_in_ms: r.u32()?,
            sector2_time_in_ms: r.u32()?,
            sector3_time_in_ms: r.u32()?,
            traction_control: r.u8()?,
            gearbox_assist: r.u8()?,
            anti_lock_brakes: r.u8()?,
            equal_car_performance: r.u8()?,
            custom_setup: r.u8()?,
            valid: r.u8()?,
        })
    }
}

/// Packet 14 (F1 24/25): the player's session best, personal best and rival laps in time trial.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TimeTrialPacket {
    /// Header.
    #[serde(rename = "m_header")]
    pub header: PacketHeader,
    /// The player's best lap of this session.
    #[serde(rename = "m_playerSessionBestDataSet")]
    pub player_session_best_data_set: TimeTrialDataSet,
    /// The player's personal best lap.
    #[serde(rename = "m_personalBestDataSet")]
    pub personal_best_data_set: TimeTrialDataSet,
    /// The rival's lap.
    #[serde(rename = "m_rivalDataSet")]
    pub rival_data_set: TimeTrialDataSet,
}

impl TimeTrialPacket {
    pub(crate) fn read(header: PacketHeader, r: &mut Reader<'_>) -> Result<TimeTrialPacket> {
        let mut set = || -> Result<TimeTrialDataSet> {
            let mut rec = r.record(TimeTrialDataSet::LEN)?;
            let set = TimeTrialDataSet::read(&mut rec)?;
            rec.finish()?;
            Ok(set)
        };
        Ok(TimeTrialPacket {
            header,
            player_session_best_data_set: set()?,
            personal_best_data_set: set()?,
            rival_data_set: set()?,
        })
    }
}

// ---------------------------------------------------------------------------------------------------------
// Lap Positions (15)

/// Lap slots of the lap positions packet.
pub const LAP_POSITIONS_LAPS: usize = 50;

/// Packet 15 (F1 25): every car's position at the end of up to 50 laps; longer races are sent in several
/// packets, each starting at `lap_start`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LapPositionsPacket {
    /// Header.
    #[serde(rename = "m_header")]
    pub header: PacketHeader,
    /// Number of laps in the data.
    #[serde(rename = "m_numLaps")]
    pub num_laps: u8,
    /// Index of the lap the data starts at, 0-based.
    #[serde(rename = "m_lapStart")]
    pub lap_start: u8,
    /// Position of each car (inner index) on each lap (outer index); 0 where there is no record.
    #[serde(rename = "m_positionForVehicleIdx", serialize_with = "crate::bytes::serialize_array")]
    pub position_for_vehicle_idx: [[u8; CAR_COUNT]; LAP_POSITIONS_LAPS],
}

impl LapPositionsPacket {
    pub(crate) fn read(header: PacketHeader, r: &mut Reader<'_>) -> Result<LapPositionsPacket> {
        let num_laps = r.u8()?;
        let lap_start = r.u8()?;
        let mut position_for_vehicle_idx = [[0; CAR_COUNT]; LAP_POSITIONS_LAPS];
        for lap in position_for_vehicle_idx.iter_mut() {
            *lap = r.array()?;
        }
        Ok(LapPositionsPacket { header, num_laps, lap_start, position_for_vehicle_idx })
    }
}

// ---------------------------------------------------------------------------------------------------------
// Lobby Info (9)

/// One player of a multiplayer lobby: 54 bytes in F1 23; F1 24 adds `m_yourTelemetry`, `m_showOnlineNames` and
/// `m_techLevel` (58 bytes); F1 25 shortens the name to 32 bytes (42 bytes).
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct LobbyInfoData {
    /// 1 AI, 0 human.
    #[serde(rename = "m_aiControlled")]
    pub ai_controlled: u8,
    /// Team id, 255 while none is selected.
    #[serde(rename = "m_teamId")]
    pub team_id: u8,
    /// Nationality id.
    #[serde(rename = "m_nationality")]
    pub nationality: u8,
    /// 1 Steam, 3 PlayStation, 4 Xbox, 6 Origin, 255 unknown.
    #[serde(rename = "m_platform")]
    pub platform: u8,
    /// Name (UTF-8, NUL-terminated on the wire).
    #[serde(rename = "m_name")]
    pub name: String,
    /// Car number of the player.
    #[serde(rename = "m_carNumber")]
    pub car_number: u8,
    /// 0 restricted, 1 public telemetry (F1 24+).
    #[serde(rename = "m_yourTelemetry", skip_serializing_if = "Option::is_none")]
    pub your_telemetry: Option<u8>,
    /// 0 off, 1 on: the player shows online names (F1 24+).
    #[serde(rename = "m_showOnlineNames", skip_serializing_if = "Option::is_none")]
    pub show_online_names: Option<u8>,
    /// F1 World tech level (F1 24+).
    #[serde(rename = "m_techLevel", skip_serializing_if = "Option::is_none")]
    pub tech_level: Option<u16>,
    /// 0 not ready, 1 ready, 2 spectating.
    #[serde(rename = "m_readyStatus")]
    pub ready_status: u8,
}

impl LobbyInfoData {
    /// Record size in bytes for `format`.
    pub fn record_len(format: Format) -> usize {
        match format {
            Format::Y2023 => 54,
            Format::Y2024 => 58,
            Format::Y2025 => 42,
        }
    }

    fn read(format: Format, r: &mut Reader<'_>) -> Result<LobbyInfoData> {
        let ai_controlled = r.u8()?;
        let team_id = r.u8()?;
        let nationality = r.u8()?;
        let platform = r.u8()?;
        let name = match format {
            Format::Y2023 | Format::Y2024 => r.string::<48>()?,
            Format::Y2025 => r.string::<32>()?,
        };
        let car_number = r.u8()?;
        let (your_telemetry, show_online_names, tech_level) =
            if format >= Format::Y2024 { (Some(r.u8()?), Some(r.u8()?), Some(r.u16()?)) } else { (None, None, None) };
        let ready_status = r.u8()?;
        Ok(LobbyInfoData {
            ai_controlled,
            team_id,
            nationality,
            platform,
            name,
            car_number,
            your_telemetry,
            show_online_names,
            tech_level,
            ready_status,
        })
    }
}

/// Packet 9: the players of a multiplayer lobby, two a second while in the lobby.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LobbyInfoPacket {
    /// Header.
    #[serde(rename = "m_header")]
    pub header: PacketHeader,
    /// Number of players in the lobby data.
    #[serde(rename = "m_numPlayers")]
    pub num_players: u8,
    /// One record per player slot.
    #[serde(rename = "m_lobbyPlayers")]
    pub lobby_players: [LobbyInfoData; CAR_COUNT],
}

impl LobbyInfoPacket {
    pub(crate) fn read(header: PacketHeader, format: Format, r: &mut Reader<'_>) -> Result<LobbyInfoPacket> {
        let num_players = r.u8()?;
        let lobby_players = read_cars(r, LobbyInfoData::record_len(format), |r| LobbyInfoData::read(format, r))?;
        Ok(LobbyInfoPacket { header, num_players, lobby_players })
    }
}
