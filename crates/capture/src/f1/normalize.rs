//! F1 packets → [`Frame`]s for one followed car.
//!
//! # Axes and signs
//! - Position and velocity: the game's world is right-handed with y up (checked on real captures: for every
//!   car, forward × up = right). It is rotated by +90° about x into our z-up frame:
//!   `(x, y, z)_ours = (x, -z, y)_F1`, which keeps handedness, so headings and turns keep their sense.
//! - Yaw: the game's `m_yaw` is the heading measured from its +z axis towards +x
//!   (`atan2(forward_x, forward_z)`); ours is counter-clockwise from our +x, i.e. `m_yaw - π/2`, wrapped to
//!   (-π, π]. Pitch: the game's is positive nose down (its sign is opposite to the forward vector's y), ours
//!   positive nose up, so negated. Roll: the game's is positive right side down, like ours.
//! - G-forces: longitudinal positive when speeding up (real captures: about +1 g for every car after a
//!   start, -3.5 g for a car braking), lateral positive to the left (real captures: its sign follows the
//!   turn direction given by the body slip), vertical without gravity (about 0 on a flat straight). All three
//!   are passed through unchanged.
//! - Steering: the game's `m_steer` is -1 full left .. 1 full right; `steer_input` is positive to the left like
//!   the `steer_rad` channel, so it is negated.
//! - Fuel: the game reports a mass (`m_fuelInTank`, kg), so it fills `fuel_kg` and never `fuel_l`.
//! - Pit wall channels come from the latest packet of their type for the followed car, and only once that
//!   packet has been seen in the session (no zeros stand in for a packet not received yet): `fuel_kg` and the
//!   tyre compound from Car Status, tyre wear and damage from Car Damage, the race position from Lap Data.

use super::field::FieldState;
use super::{CAR_COUNT, CarDamageData, CarMotionData, CarStatusData, CarTelemetryData, LapData, Packet, PacketHeader};
use racecraft_core::{Channel, Compound, Field, Frame, Wheel};

/// Pounds per square inch to kilopascals.
const KPA_PER_PSI: f32 = 6.894_757;

/// Builds frames for one car from a stream of decoded packets.
///
/// A frame is produced for each Car Telemetry packet, completed with the latest Motion, Lap Data, Car Status
/// and Car Damage values for the same car in the same session. The followed car is the player's
/// (`m_playerCarIndex`); when the player is spectating (255) it is the car chosen with `follow`, or else the race
/// leader from the latest Lap Data.
///
/// It also keeps what the session's [`Field`] needs of every car ([`F1Normalizer::field`]), in fixed arrays.
#[derive(Debug, Clone)]
pub struct F1Normalizer {
    follow: Option<u8>,
    session_uid: Option<u64>,
    /// The latest packet's header: the field's time and followed car.
    header: Option<PacketHeader>,
    field: FieldState,
    motion: Option<[CarMotionData; CAR_COUNT]>,
    lap: Option<[LapData; CAR_COUNT]>,
    status: Option<[CarStatusData; CAR_COUNT]>,
    damage: Option<[CarDamageData; CAR_COUNT]>,
    track_length_m: Option<f32>,
}

impl F1Normalizer {
    /// A normalizer following the player, or `follow` (a car index 0..22) when spectating.
    pub fn new(follow: Option<u8>) -> F1Normalizer {
        F1Normalizer {
            follow,
            session_uid: None,
            header: None,
            field: FieldState::default(),
            motion: None,
            lap: None,
            status: None,
            damage: None,
            track_length_m: None,
        }
    }

    /// The car followed for packets with this header, if one can be chosen yet.
    pub fn followed_car(&self, header: &PacketHeader) -> Option<usize> {
        if let Some(player) = header.player_car() {
            return Some(player);
        }
        if let Some(chosen) = self.follow.map(usize::from).filter(|i| *i < CAR_COUNT) {
            return Some(chosen);
        }
        self.lap.as_ref()?.iter().position(|car| car.car_position == 1)
    }

    /// Feeds one packet; returns a frame when the packet is Car Telemetry and a car can be followed.
    pub fn push(&mut self, packet: &Packet) -> Option<Frame> {
        let header = packet.header();
        if self.session_uid != Some(header.session_uid) {
            // Values from another session must never complete this session's frames.
            *self = F1Normalizer { session_uid: Some(header.session_uid), ..F1Normalizer::new(self.follow) };
        }
        self.header = Some(*header);
        self.field.push(packet);
        match packet {
            Packet::Motion(p) => self.motion = Some(p.car_motion_data),
            Packet::LapData(p) => self.lap = Some(p.lap_data),
            Packet::CarStatus(p) => self.status = Some(p.car_status_data),
            Packet::CarDamage(p) => self.damage = Some(p.car_damage_data),
            Packet::Session(p) => {
                self.track_length_m = Some(f32::from(p.track_length)).filter(|l| *l > 0.0);
            }
            Packet::CarTelemetry(p) => {
                let car = self.followed_car(header)?;
                // An unused slot (result status 0, "invalid") carries zeros, not a car: no frame rather than
                // a frame of zeros.
                if self.lap.as_ref().and_then(|l| l.get(car)).is_some_and(|l| l.result_status == 0) {
                    return None;
                }
                return self.frame(header, car, p.car_telemetry_data.get(car)?);
            }
            Packet::Event(_)
            | Packet::Participants(_)
            | Packet::SessionHistory(_)
            | Packet::TyreSets(_)
            | Packet::MotionEx(_)
            | Packet::CarSetups(_)
            | Packet::FinalClassification(_)
            | Packet::TimeTrial(_)
            | Packet::LapPositions(_)
            | Packet::LobbyInfo(_) => {}
        }
        None
    }

    /// Whether a Lap Data packet of the current session has come (the field exists from then on).
    pub fn has_lap_data(&self) -> bool {
        self.lap.is_some()
    }

    /// The field of the session so far: every used car slot (`m_resultStatus` not 0, and among the first
    /// `m_numActiveCars` once Participants has come) by position, at the latest packet's session time, the
    /// followed car flagged as the player. `None` until a Lap Data packet of this session has come.
    ///
    /// Position, lap, last lap, gaps (milliseconds plus, from F1 24, minutes parts; the interval is the game's
    /// `m_deltaToCarInFront`), pit lane and stops, and the status from Lap Data; name, race number and team
    /// (the season's ten teams by id) from Participants; compound (as the `TyreCompound` channel) and tyre age
    /// from Car Status; damage (as the `Damage` channel) from Car Damage; best lap from each car's latest Session
    /// History. Status: `m_resultStatus` 1 `"inactive"`, 3 `"finished"`, 4 `"did_not_finish"`, 5
    /// `"disqualified"`, 6 `"not_classified"`, 7 `"retired"`, and `None` while racing (2). The leader's gap is
    /// 0 and it has no interval; another car's 0 (not timed yet) is no value.
    pub fn field(&self) -> Option<Field> {
        let lap = self.lap.as_ref()?;
        let header = self.header.as_ref()?;
        let t_s = f64::from(header.session_time);
        let t_us = if t_s.is_finite() && t_s >= 0.0 { (t_s * 1e6).round() as i64 } else { 0 };
        let format = header.format()?;
        let field =
            self.field.build(t_us, format, lap, self.status.as_ref(), self.damage.as_ref(), self.followed_car(header));
        Some(field)
    }

    fn frame(&self, header: &PacketHeader, car: usize, t: &CarTelemetryData) -> Option<Frame> {
        let t_s = f64::from(header.session_time);
        if !t_s.is_finite() || t_s < 0.0 {
            return None;
        }
        let mut f = Frame::new((t_s * 1e6).round() as i64);
        f.set(Channel::Speed, f32::from(t.speed) / 3.6);
        f.set_opt(Channel::Throttle, unit_interval(t.throttle));
        f.set_opt(Channel::Brake, unit_interval(t.brake));
        if t.clutch <= 100 {
            f.set(Channel::Clutch, f32::from(t.clutch) / 100.0);
        }
        if (-1..=8).contains(&t.gear) {
            f.set(Channel::Gear, f32::from(t.gear));
        }
        if (-1.0..=1.0).contains(&t.steer) {
            f.set(Channel::SteerInput, -t.steer);
        }
        f.set(Channel::Rpm, f32::from(t.engine_rpm));
        // The game's wheel order is RL, RR, FL, FR.
        for (i, wheel) in
            [Wheel::RearLeft, Wheel::RearRight, Wheel::FrontLeft, Wheel::FrontRight].into_iter().enumerate()
        {
            f.set(Channel::tyre_temp(wheel), f32::from(t.tyres_surface_temperature[i]));
            let psi = t.tyres_pressure[i];
            if psi > 0.0 && psi < 100.0 {
                f.set(Channel::tyre_pressure(wheel), psi * KPA_PER_PSI);
            }
        }
        if let Some(m) = self.motion.as_ref().and_then(|m| m.get(car)) {
            set_motion(&mut f, m);
        }
        if let Some(l) = self.lap.as_ref().and_then(|l| l.get(car)) {
            self.set_lap(&mut f, l);
        }
        if let Some(s) = self.status.as_ref().and_then(|s| s.get(car)) {
            set_status(&mut f, s);
        }
        if let Some(d) = self.damage.as_ref().and_then(|d| d.get(car)) {
            set_damage(&mut f, d);
        }
        Some(f)
    }

    fn set_lap(&self, f: &mut Frame, l: &LapData) {
        f.set(Channel::Lap, f32::from(l.current_lap_num));
        f.set(Channel::LapTime, l.current_lap_time_in_ms as f32 / 1000.0);
        // 0 means "no lap completed yet", not a zero-second lap.
        if l.last_lap_time_in_ms > 0 {
            f.set(Channel::LastLapTime, l.last_lap_time_in_ms as f32 / 1000.0);
        }
        // Negative before the car first crosses the line: no meaningful distance along the lap yet.
        if l.lap_distance >= 0.0 {
            f.set(Channel::LapDist, l.lap_distance);
            if let Some(len) = self.track_length_m {
                f.set_opt(Channel::LapDistPct, Some(l.lap_distance / len).filter(|p| *p <= 1.0));
            }
        }
        if l.sector <= 2 {
            f.set(Channel::Sector, f32::from(l.sector));
        }
        if l.pit_status <= 2 {
            f.set(Channel::InPit, if l.pit_status == 0 { 0.0 } else { 1.0 });
        }
        if l.current_lap_invalid <= 1 {
            f.set(Channel::LapValid, if l.current_lap_invalid == 0 { 1.0 } else { 0.0 });
        }
        // 0 is an empty slot, not a position.
        if (1..=CAR_COUNT).contains(&usize::from(l.car_position)) {
            f.set(Channel::Position, f32::from(l.car_position));
        }
    }
}

/// Fuel mass and tyre compound from a Car Status record.
fn set_status(f: &mut Frame, s: &CarStatusData) {
    f.set_opt(Channel::FuelKg, Some(s.fuel_in_tank).filter(|kg| kg.is_finite() && *kg >= 0.0));
    f.set_opt(Channel::TyreCompound, visual_compound(s.visual_tyre_compound).map(Compound::code));
}

/// The compound for `m_visualTyreCompound`, by the specification's F1 visual codes (F1 Classic uses the same):
/// 16 soft, 17 medium, 18 hard, 7 inter, 8 wet. The visual compound is the one shown on the car (soft, medium,
/// hard of the weekend's allocation), which is what our soft/medium/hard mean; the actual one (C0..C6) is not a
/// position in the set. Other codes (F2's, whose numbering changed between the specifications) are another
/// compound; 0 is an empty slot (every unused car's record has it), so no compound at all.
pub(super) fn visual_compound(code: u8) -> Option<Compound> {
    match code {
        0 => None,
        16 => Some(Compound::Soft),
        17 => Some(Compound::Medium),
        18 => Some(Compound::Hard),
        7 => Some(Compound::Intermediate),
        8 => Some(Compound::Wet),
        _ => Some(Compound::Other),
    }
}

/// Tyre wear and damage from a Car Damage record.
fn set_damage(f: &mut Frame, d: &CarDamageData) {
    // The game's wheel order is RL, RR, FL, FR; wear is a percentage.
    for (i, wheel) in [Wheel::RearLeft, Wheel::RearRight, Wheel::FrontLeft, Wheel::FrontRight].into_iter().enumerate() {
        let percent = d.tyres_wear[i];
        f.set_opt(Channel::tyre_wear(wheel), (0.0..=100.0).contains(&percent).then(|| percent / 100.0));
    }
    f.set_opt(Channel::Damage, damage(d));
}

/// The worst damaged part, 0..1: the front left, front right and rear wings, floor, diffuser, sidepod, gearbox
/// and engine damage percentages, and 1 for a blown or seized engine. Left out: tyre damage and brake damage
/// (they grow with use like tread wear, which has its own channels), the power unit components' wear (MGU-H,
/// energy store, control electronics, ICE, MGU-K, turbocharger: ageing over a season, not damage) and the DRS
/// and ERS fault flags (a fault, not an amount). A percentage above 100 is not one the game sends: no value.
pub(super) fn damage(d: &CarDamageData) -> Option<f32> {
    let parts = [
        d.front_left_wing_damage,
        d.front_right_wing_damage,
        d.rear_wing_damage,
        d.floor_damage,
        d.diffuser_damage,
        d.sidepod_damage,
        d.gear_box_damage,
        d.engine_damage,
    ];
    let worst = parts.into_iter().max().unwrap_or(0);
    if worst > 100 || d.engine_blown > 1 || d.engine_seized > 1 {
        return None;
    }
    let destroyed = d.engine_blown == 1 || d.engine_seized == 1;
    Some(if destroyed { 1.0 } else { f32::from(worst) / 100.0 })
}

fn unit_interval(v: f32) -> Option<f32> {
    (0.0..=1.0).contains(&v).then_some(v)
}

fn set_motion(f: &mut Frame, m: &CarMotionData) {
    f.set(Channel::PosX, m.world_position_x);
    f.set(Channel::PosY, -m.world_position_z);
    f.set(Channel::PosZ, m.world_position_y);
    f.set(Channel::VelX, m.world_velocity_x);
    f.set(Channel::VelY, -m.world_velocity_z);
    f.set(Channel::VelZ, m.world_velocity_y);
    f.set(Channel::AccLat, m.g_force_lateral);
    f.set(Channel::AccLong, m.g_force_longitudinal);
    f.set(Channel::AccVert, m.g_force_vertical);
    if m.yaw.is_finite() {
        let pi = std::f32::consts::PI;
        let mut yaw = m.yaw - std::f32::consts::FRAC_PI_2;
        if yaw <= -pi {
            yaw += 2.0 * pi;
        }
        f.set(Channel::Yaw, yaw);
    }
    f.set(Channel::Pitch, -m.pitch);
    f.set(Channel::Roll, m.roll);
}
