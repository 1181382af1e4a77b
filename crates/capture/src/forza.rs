//! Forza "Data Out" (Forza Motorsport 7, Forza Horizon 4 and 5, Forza Motorsport 2023): one UDP datagram per
//! physics step to a user-configured address, little-endian and packed (protocols.md §4.1).
//!
//! The game sends no header or version: the layout is told apart by the datagram's length alone, so
//! [`decode`] accepts exactly the four lengths below and refuses any other (a short or padded datagram is a
//! different layout, not a truncated one):
//!
//! | length | [`Format`] | layout |
//! |---:|---|---|
//! | 232 | [`Format::Sled`] | [`Sled`] |
//! | 311 | [`Format::Fm7Dash`] | [`Sled`] + [`Dash`] at 232 |
//! | 324 | [`Format::HorizonDash`] | [`Sled`] + 12 undocumented bytes + [`Dash`] at 244 + 1 trailing byte |
//! | 331 | [`Format::Fm2023Dash`] | [`Sled`] + [`Dash`] at 232 + [`Fm2023Extra`] at 311 |
//!
//! Packets with `IsRaceOn == 0` (menus, pause, replays) decode normally and normalize to no frame.
//!
//! Normalization ([`Packet::to_frame`], [`ForzaNormalizer`]):
//! - Position: the world is y-up like Assetto Corsa's (the car's local axes are x right, y up, z forward), so
//!   world x, y, z become frame x, z, y, as for AC.
//! - Speed: `Speed` (m/s) on Dash packets; on Sled packets the length of the velocity vector, which does not
//!   depend on the axes it is given in.
//! - Acceleration: local m/s² (x right, y up, z forward) becomes g: lateral = −x (ours is positive left),
//!   longitudinal = z, vertical = y.
//! - Pedals: the `u8` 0..255 values over 255. Steering: `Steer` −127..127 is negative to the left as the
//!   community decoders read it; `steer_input` is positive to the left (as for F1), so it is negated.
//! - Gear: 0 is reverse and 1..=10 forward gears. The Data Out documentation gives no value for neutral (some
//!   players report 11), so any value above 10 leaves the gear missing rather than guessing.
//! - Lap: `LapNumber` counts from 0 on the first lap; the frame's lap counts from 1 like the other games'.
//!   `CurrentLap` / `LastLap` are seconds; a `LastLap` of 0 (no lap yet) is missing.
//! - Tyre temperatures: the games send °F (protocols.md gives no unit; the public decoders convert from °F),
//!   converted to °C.
//! - Race position: `RacePosition` (1 leading) on Dash packets; 0, which the games send outside a race, is
//!   missing.
//! - Not mapped, kept in the packet: velocity and angular velocity (car frame, our velocity is world frame),
//!   yaw/pitch/roll (zero direction and sign undocumented), `Fuel` (a 0..1 fraction, our channel is litres),
//!   `DistanceTraveled` (race distance, not lap distance), `TireSlipRatio` (Forza's is normalized to the grip
//!   limit, not a slip ratio), `BestLap`, and FM 2023's `TireWear*`: Turn 10's documentation names the four
//!   fields and nothing more (no range, no direction: worn or left, fraction or percent), and no capture is
//!   at hand to tell, so they are not guessed into `tyre_wear_*`.

use crate::bytes::{Reader, Short, Writer, pedal, within};
use racecraft_core::{Channel, Frame, Wheel};
use serde::Serialize;

/// Length of a Sled datagram.
pub const SLED_SIZE: usize = 232;
/// Length of a Forza Motorsport 7 Dash datagram.
pub const FM7_DASH_SIZE: usize = 311;
/// Length of a Forza Horizon 4 / 5 Dash datagram.
pub const HORIZON_DASH_SIZE: usize = 324;
/// Length of a Forza Motorsport (2023) Dash datagram.
pub const FM2023_DASH_SIZE: usize = 331;
/// Every length [`decode`] accepts.
pub const SIZES: [usize; 4] = [SLED_SIZE, FM7_DASH_SIZE, HORIZON_DASH_SIZE, FM2023_DASH_SIZE];
/// Bytes of the [`Dash`] part.
pub const DASH_SIZE: usize = 79;
/// Where the [`Dash`] part starts in FM7 and FM 2023 packets.
pub const DASH_OFFSET: usize = 232;
/// Where the [`Dash`] part starts in FH4 / FH5 packets (after 12 undocumented bytes).
pub const HORIZON_DASH_OFFSET: usize = 244;
/// Bytes of [`HorizonDash::undocumented`].
pub const HORIZON_GAP: usize = 12;

/// What can go wrong decoding a Forza datagram.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// The datagram's length is none of the four the games send.
    #[error("Forza datagram: expected one of {SIZES:?} bytes, got {got}")]
    Length {
        /// The length received.
        got: usize,
    },
    /// A field list that runs past its datagram: a bug in this module, reported rather than panicking.
    #[error("Forza {format:?} layout reads past its datagram: needed {needed} bytes, got {got}")]
    Layout {
        /// The layout being read.
        format: Format,
        /// Bytes the read needed.
        needed: usize,
        /// Bytes the datagram has.
        got: usize,
    },
}

/// Result with this module's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Which of the games' layouts a datagram has, from its length.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Format {
    /// 232 bytes: FM7 or FM 2023 set to "Sled".
    Sled,
    /// 311 bytes: FM7 "Car Dash".
    Fm7Dash,
    /// 324 bytes: FH4 / FH5.
    HorizonDash,
    /// 331 bytes: FM 2023 "Car Dash".
    Fm2023Dash,
}

impl Format {
    /// The layout for a datagram length.
    pub fn from_len(len: usize) -> Option<Format> {
        match len {
            SLED_SIZE => Some(Format::Sled),
            FM7_DASH_SIZE => Some(Format::Fm7Dash),
            HORIZON_DASH_SIZE => Some(Format::HorizonDash),
            FM2023_DASH_SIZE => Some(Format::Fm2023Dash),
            _ => None,
        }
    }

    /// The datagram length of this layout.
    pub fn size(self) -> usize {
        match self {
            Format::Sled => SLED_SIZE,
            Format::Fm7Dash => FM7_DASH_SIZE,
            Format::HorizonDash => HORIZON_DASH_SIZE,
            Format::Fm2023Dash => FM2023_DASH_SIZE,
        }
    }
}

/// The Sled part: bytes 0..232 of every datagram. Vectors are in the car's frame (x right, y up, z forward);
/// per-wheel arrays are FL, FR, RL, RR.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Sled {
    /// 1 while racing; 0 in menus, paused, or in a replay.
    pub is_race_on: i32,
    /// Milliseconds on the game's clock; wraps at 2³² (about 49.7 days).
    #[serde(rename = "TimestampMS")]
    pub timestamp_ms: u32,
    /// Maximum engine speed, rpm.
    pub engine_max_rpm: f32,
    /// Idle engine speed, rpm.
    pub engine_idle_rpm: f32,
    /// Engine speed, rpm.
    pub current_engine_rpm: f32,
    /// Acceleration along the car's x (right), m/s².
    pub acceleration_x: f32,
    /// Acceleration along the car's y (up), m/s².
    pub acceleration_y: f32,
    /// Acceleration along the car's z (forward), m/s².
    pub acceleration_z: f32,
    /// Velocity along the car's x (right), m/s.
    pub velocity_x: f32,
    /// Velocity along the car's y (up), m/s.
    pub velocity_y: f32,
    /// Velocity along the car's z (forward), m/s.
    pub velocity_z: f32,
    /// Angular velocity about x (pitch), rad/s.
    pub angular_velocity_x: f32,
    /// Angular velocity about y (yaw), rad/s.
    pub angular_velocity_y: f32,
    /// Angular velocity about z (roll), rad/s.
    pub angular_velocity_z: f32,
    /// Yaw, rad.
    pub yaw: f32,
    /// Pitch, rad.
    pub pitch: f32,
    /// Roll, rad.
    pub roll: f32,
    /// Suspension travel, 0 fully extended .. 1 fully compressed.
    pub normalized_suspension_travel: [f32; 4],
    /// Slip ratio normalized to the grip limit: 0 full grip, |x| > 1 sliding.
    pub tire_slip_ratio: [f32; 4],
    /// Wheel rotation speed, rad/s.
    pub wheel_rotation_speed: [f32; 4],
    /// 1 when the wheel is on a rumble strip.
    pub wheel_on_rumble_strip: [i32; 4],
    /// Puddle depth, 0..1.
    pub wheel_in_puddle_depth: [f32; 4],
    /// Surface rumble for force feedback.
    pub surface_rumble: [f32; 4],
    /// Slip angle normalized to the grip limit.
    pub tire_slip_angle: [f32; 4],
    /// Combined slip normalized to the grip limit.
    pub tire_combined_slip: [f32; 4],
    /// Suspension travel, m.
    pub suspension_travel_meters: [f32; 4],
    /// The car's id in the game.
    pub car_ordinal: i32,
    /// Class, 0 (D) .. 7 (X).
    pub car_class: i32,
    /// Performance index, 100..999.
    pub car_performance_index: i32,
    /// 0 FWD, 1 RWD, 2 AWD.
    pub drivetrain_type: i32,
    /// Number of cylinders.
    pub num_cylinders: i32,
}

/// The Dash part (79 bytes): at 232 in FM7 and FM 2023 packets, at 244 in FH4 / FH5 packets.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Dash {
    /// World position x, m.
    pub position_x: f32,
    /// World position y (up), m.
    pub position_y: f32,
    /// World position z, m.
    pub position_z: f32,
    /// Speed, m/s.
    pub speed: f32,
    /// Engine power, W.
    pub power: f32,
    /// Engine torque, N·m.
    pub torque: f32,
    /// Tyre temperature FL, FR, RL, RR, °F.
    pub tire_temp: [f32; 4],
    /// Boost.
    pub boost: f32,
    /// Fuel left, 0..1 of the tank.
    pub fuel: f32,
    /// Distance driven in this race, m.
    pub distance_traveled: f32,
    /// Best lap time, s.
    pub best_lap: f32,
    /// Last lap time, s.
    pub last_lap: f32,
    /// Current lap time, s.
    pub current_lap: f32,
    /// Time since the race started, s.
    pub current_race_time: f32,
    /// Laps completed (0 on the first lap).
    pub lap_number: u16,
    /// Position in the race, 1-based.
    pub race_position: u8,
    /// Throttle, 0..255.
    pub accel: u8,
    /// Brake, 0..255.
    pub brake: u8,
    /// Clutch, 0..255.
    pub clutch: u8,
    /// Handbrake, 0..255.
    pub hand_brake: u8,
    /// Gear: 0 reverse, 1..=10 forward (neutral undocumented; players report 11).
    pub gear: u8,
    /// Steering, −127 (full left) .. 127 (full right).
    pub steer: i8,
    /// Distance from the driving line, −127..127.
    #[serde(rename = "NormalizedDrivingLine")]
    pub normalized_driving_line: i8,
    /// Braking compared with the AI's, −127..127.
    #[serde(rename = "NormalizedAIBrakeDifference")]
    pub normalized_ai_brake_difference: i8,
}

/// The FH4 / FH5 Dash layout: 12 undocumented bytes before the [`Dash`] part and one after it, kept as bytes so
/// a packet re-encodes exactly.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct HorizonDash {
    /// Bytes 232..244 (the community reads a car category and two unknown integers; not documented).
    #[serde(rename = "HorizonUndocumented")]
    pub undocumented: [u8; HORIZON_GAP],
    /// The Dash part, at 244.
    #[serde(flatten)]
    pub dash: Dash,
    /// Byte 323, after the Dash part.
    #[serde(rename = "HorizonTrailing")]
    pub trailing: u8,
}

/// The FM 2023 fields after the Dash part (20 bytes at 311).
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Fm2023Extra {
    /// Tyre wear FL, FR, RL, RR.
    pub tire_wear: [f32; 4],
    /// The track's id in the game.
    pub track_ordinal: i32,
}

/// One decoded datagram.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "Format")]
pub enum Packet {
    /// 232 bytes.
    Sled {
        /// Bytes 0..232.
        #[serde(flatten)]
        sled: Sled,
    },
    /// 311 bytes (FM7).
    Fm7Dash {
        /// Bytes 0..232.
        #[serde(flatten)]
        sled: Sled,
        /// Bytes 232..311.
        #[serde(flatten)]
        dash: Dash,
    },
    /// 324 bytes (FH4, FH5).
    HorizonDash {
        /// Bytes 0..232.
        #[serde(flatten)]
        sled: Sled,
        /// Bytes 232..324.
        #[serde(flatten)]
        horizon: HorizonDash,
    },
    /// 331 bytes (FM 2023).
    Fm2023Dash {
        /// Bytes 0..232.
        #[serde(flatten)]
        sled: Sled,
        /// Bytes 232..311.
        #[serde(flatten)]
        dash: Dash,
        /// Bytes 311..331.
        #[serde(flatten)]
        extra: Fm2023Extra,
    },
}

/// Decodes one datagram, choosing the layout by its length.
pub fn decode(bytes: &[u8]) -> Result<Packet> {
    let format = Format::from_len(bytes.len()).ok_or(Error::Length { got: bytes.len() })?;
    let layout = |s: Short| Error::Layout { format, needed: s.end(), got: s.buffer_len() };
    let mut r = Reader::new(bytes).named("Forza");
    let sled = Sled::read(&mut r).map_err(layout)?;
    let packet = match format {
        Format::Sled => Packet::Sled { sled },
        Format::Fm7Dash => Packet::Fm7Dash { sled, dash: Dash::read(&mut r).map_err(layout)? },
        Format::HorizonDash => {
            let undocumented = r.array().map_err(layout)?;
            let dash = Dash::read(&mut r).map_err(layout)?;
            let trailing = r.u8().map_err(layout)?;
            Packet::HorizonDash { sled, horizon: HorizonDash { undocumented, dash, trailing } }
        }
        Format::Fm2023Dash => {
            let dash = Dash::read(&mut r).map_err(layout)?;
            let extra = Fm2023Extra { tire_wear: r.f32x4().map_err(layout)?, track_ordinal: r.i32().map_err(layout)? };
            Packet::Fm2023Dash { sled, dash, extra }
        }
    };
    // Every layout is read to its last byte: a field list shorter than the datagram is a bug, not slack.
    if r.pos() != bytes.len() {
        return Err(Error::Layout { format, needed: r.pos(), got: bytes.len() });
    }
    Ok(packet)
}

impl Sled {
    fn read(r: &mut Reader<'_>) -> Result<Sled, Short> {
        Ok(Sled {
            is_race_on: r.i32()?,
            timestamp_ms: r.u32()?,
            engine_max_rpm: r.f32()?,
            engine_idle_rpm: r.f32()?,
            current_engine_rpm: r.f32()?,
            acceleration_x: r.f32()?,
            acceleration_y: r.f32()?,
            acceleration_z: r.f32()?,
            velocity_x: r.f32()?,
            velocity_y: r.f32()?,
            velocity_z: r.f32()?,
            angular_velocity_x: r.f32()?,
            angular_velocity_y: r.f32()?,
            angular_velocity_z: r.f32()?,
            yaw: r.f32()?,
            pitch: r.f32()?,
            roll: r.f32()?,
            normalized_suspension_travel: r.f32x4()?,
            tire_slip_ratio: r.f32x4()?,
            wheel_rotation_speed: r.f32x4()?,
            wheel_on_rumble_strip: r.i32x4()?,
            wheel_in_puddle_depth: r.f32x4()?,
            surface_rumble: r.f32x4()?,
            tire_slip_angle: r.f32x4()?,
            tire_combined_slip: r.f32x4()?,
            suspension_travel_meters: r.f32x4()?,
            car_ordinal: r.i32()?,
            car_class: r.i32()?,
            car_performance_index: r.i32()?,
            drivetrain_type: r.i32()?,
            num_cylinders: r.i32()?,
        })
    }

    fn write(&self, w: &mut Writer) {
        w.i32(self.is_race_on);
        w.u32(self.timestamp_ms);
        for v in [
            self.engine_max_rpm,
            self.engine_idle_rpm,
            self.current_engine_rpm,
            self.acceleration_x,
            self.acceleration_y,
            self.acceleration_z,
            self.velocity_x,
            self.velocity_y,
            self.velocity_z,
            self.angular_velocity_x,
            self.angular_velocity_y,
            self.angular_velocity_z,
            self.yaw,
            self.pitch,
            self.roll,
        ] {
            w.f32(v);
        }
        w.f32x4(self.normalized_suspension_travel);
        w.f32x4(self.tire_slip_ratio);
        w.f32x4(self.wheel_rotation_speed);
        w.i32x4(self.wheel_on_rumble_strip);
        w.f32x4(self.wheel_in_puddle_depth);
        w.f32x4(self.surface_rumble);
        w.f32x4(self.tire_slip_angle);
        w.f32x4(self.tire_combined_slip);
        w.f32x4(self.suspension_travel_meters);
        for v in
            [self.car_ordinal, self.car_class, self.car_performance_index, self.drivetrain_type, self.num_cylinders]
        {
            w.i32(v);
        }
    }

    /// Whether the game is racing (`IsRaceOn != 0`).
    pub fn race_on(&self) -> bool {
        self.is_race_on != 0
    }
}

impl Dash {
    fn read(r: &mut Reader<'_>) -> Result<Dash, Short> {
        Ok(Dash {
            position_x: r.f32()?,
            position_y: r.f32()?,
            position_z: r.f32()?,
            speed: r.f32()?,
            power: r.f32()?,
            torque: r.f32()?,
            tire_temp: r.f32x4()?,
            boost: r.f32()?,
            fuel: r.f32()?,
            distance_traveled: r.f32()?,
            best_lap: r.f32()?,
            last_lap: r.f32()?,
            current_lap: r.f32()?,
            current_race_time: r.f32()?,
            lap_number: r.u16()?,
            race_position: r.u8()?,
            accel: r.u8()?,
            brake: r.u8()?,
            clutch: r.u8()?,
            hand_brake: r.u8()?,
            gear: r.u8()?,
            steer: r.i8()?,
            normalized_driving_line: r.i8()?,
            normalized_ai_brake_difference: r.i8()?,
        })
    }

    fn write(&self, w: &mut Writer) {
        for v in [self.position_x, self.position_y, self.position_z, self.speed, self.power, self.torque] {
            w.f32(v);
        }
        w.f32x4(self.tire_temp);
        for v in [
            self.boost,
            self.fuel,
            self.distance_traveled,
            self.best_lap,
            self.last_lap,
            self.current_lap,
            self.current_race_time,
        ] {
            w.f32(v);
        }
        w.u16(self.lap_number);
        for v in [self.race_position, self.accel, self.brake, self.clutch, self.hand_brake, self.gear] {
            w.u8(v);
        }
        w.i8(self.steer);
        w.i8(self.normalized_driving_line);
        w.i8(self.normalized_ai_brake_difference);
    }
}

impl Packet {
    /// The layout.
    pub fn format(&self) -> Format {
        match self {
            Packet::Sled { .. } => Format::Sled,
            Packet::Fm7Dash { .. } => Format::Fm7Dash,
            Packet::HorizonDash { .. } => Format::HorizonDash,
            Packet::Fm2023Dash { .. } => Format::Fm2023Dash,
        }
    }

    /// The Sled part, present in every layout.
    pub fn sled(&self) -> &Sled {
        match self {
            Packet::Sled { sled }
            | Packet::Fm7Dash { sled, .. }
            | Packet::HorizonDash { sled, .. }
            | Packet::Fm2023Dash { sled, .. } => sled,
        }
    }

    /// The Dash part, absent from Sled packets.
    pub fn dash(&self) -> Option<&Dash> {
        match self {
            Packet::Sled { .. } => None,
            Packet::Fm7Dash { dash, .. } | Packet::Fm2023Dash { dash, .. } => Some(dash),
            Packet::HorizonDash { horizon, .. } => Some(&horizon.dash),
        }
    }

    /// A packet of `format` with these parts; the parts a layout lacks are dropped and those it needs but are
    /// not given are zero (how an emulator builds a packet from field values).
    pub fn new(format: Format, sled: Sled, dash: Dash) -> Packet {
        match format {
            Format::Sled => Packet::Sled { sled },
            Format::Fm7Dash => Packet::Fm7Dash { sled, dash },
            Format::HorizonDash => {
                Packet::HorizonDash { sled, horizon: HorizonDash { dash, ..HorizonDash::default() } }
            }
            Format::Fm2023Dash => Packet::Fm2023Dash { sled, dash, extra: Fm2023Extra::default() },
        }
    }

    /// The datagram's bytes, exactly [`Format::size`] long.
    pub fn encode(&self) -> Vec<u8> {
        let mut w = Writer::with_capacity(self.format().size());
        self.sled().write(&mut w);
        match self {
            Packet::Sled { .. } => {}
            Packet::Fm7Dash { dash, .. } => dash.write(&mut w),
            Packet::HorizonDash { horizon, .. } => {
                w.bytes(&horizon.undocumented);
                horizon.dash.write(&mut w);
                w.u8(horizon.trailing);
            }
            Packet::Fm2023Dash { dash, extra, .. } => {
                dash.write(&mut w);
                w.f32x4(extra.tire_wear);
                w.i32(extra.track_ordinal);
            }
        }
        debug_assert_eq!(w.pos(), self.format().size());
        w.into_vec()
    }

    /// Normalizes to a frame at `t_us`; `None` while the game is not racing (`IsRaceOn == 0`). Units and the
    /// fields left out are in the module documentation; implausible values are left missing.
    pub fn to_frame(&self, t_us: i64) -> Option<Frame> {
        let sled = self.sled();
        if !sled.race_on() {
            return None;
        }
        let mut f = Frame::new(t_us);
        f.set_opt(Channel::Rpm, within(sled.current_engine_rpm, 0.0, 30_000.0));
        for (channel, v) in [
            (Channel::AccLat, -sled.acceleration_x),
            (Channel::AccVert, sled.acceleration_y),
            (Channel::AccLong, sled.acceleration_z),
        ] {
            f.set_opt(channel, within(v / G, -20.0, 20.0));
        }
        let Some(dash) = self.dash() else {
            let [x, y, z] = [sled.velocity_x, sled.velocity_y, sled.velocity_z];
            f.set_opt(Channel::Speed, within((x * x + y * y + z * z).sqrt(), 0.0, MAX_SPEED_MPS));
            return Some(f);
        };
        f.set_opt(Channel::Speed, within(dash.speed, -0.3, MAX_SPEED_MPS).map(|v| v.max(0.0)));
        f.set_opt(Channel::Throttle, pedal(f32::from(dash.accel) / 255.0));
        f.set_opt(Channel::Brake, pedal(f32::from(dash.brake) / 255.0));
        f.set_opt(Channel::Clutch, pedal(f32::from(dash.clutch) / 255.0));
        f.set_opt(Channel::SteerInput, (dash.steer != i8::MIN).then(|| -f32::from(dash.steer) / 127.0));
        f.set_opt(Channel::Gear, gear(dash.gear));
        let pos = crate::assetto_corsa::world_to_frame([dash.position_x, dash.position_y, dash.position_z]);
        for (channel, v) in [Channel::PosX, Channel::PosY, Channel::PosZ].into_iter().zip(pos) {
            f.set_opt(channel, within(v, -1e6, 1e6));
        }
        f.set(Channel::Lap, f32::from(dash.lap_number) + 1.0);
        f.set_opt(Channel::LapTime, within(dash.current_lap, 0.0, MAX_LAP_S));
        f.set_opt(Channel::LastLapTime, within(dash.last_lap, 0.0, MAX_LAP_S).filter(|&v| v > 0.0));
        if dash.race_position >= 1 {
            f.set(Channel::Position, f32::from(dash.race_position));
        }
        for (i, wheel) in Wheel::ALL.into_iter().enumerate() {
            let c = (dash.tire_temp[i] - 32.0) * 5.0 / 9.0;
            f.set_opt(Channel::tyre_temp(wheel), within(c, -50.0, 500.0));
        }
        Some(f)
    }

    /// A racing packet of `format` carrying a frame's channels (the inverse of [`Packet::to_frame`] for the
    /// channels it maps; everything else zero), stamped `timestamp_ms`. For emulating the game.
    pub fn from_frame(format: Format, frame: &Frame, timestamp_ms: u32) -> Packet {
        let get = |c: Channel| frame.get(c).unwrap_or(0.0);
        let sled = Sled {
            is_race_on: 1,
            timestamp_ms,
            current_engine_rpm: get(Channel::Rpm),
            acceleration_x: -get(Channel::AccLat) * G,
            acceleration_y: get(Channel::AccVert) * G,
            acceleration_z: get(Channel::AccLong) * G,
            // The speed as forward motion in the car's frame, so a Sled packet still carries it.
            velocity_z: get(Channel::Speed),
            ..Sled::default()
        };
        let byte = |c: Channel| (get(c).clamp(0.0, 1.0) * 255.0).round() as u8;
        let secs = |c: Channel| get(c).max(0.0);
        let temp_f = |w: Wheel| frame.get(Channel::tyre_temp(w)).map_or(0.0, |c| c * 9.0 / 5.0 + 32.0);
        // Neutral has no documented byte: 11 is what players report, and it decodes as a missing gear.
        let gear = match frame.gear() {
            Some(g) if g < 0 => 0,
            Some(0) => NEUTRAL_AS_SENT,
            Some(g) => g.clamp(1, 10) as u8,
            None => NEUTRAL_AS_SENT,
        };
        let dash = Dash {
            // Frame x, y, z (up) back to the game's x, y (up), z.
            position_x: get(Channel::PosX),
            position_y: get(Channel::PosZ),
            position_z: get(Channel::PosY),
            speed: get(Channel::Speed),
            tire_temp: Wheel::ALL.map(temp_f),
            last_lap: secs(Channel::LastLapTime),
            current_lap: secs(Channel::LapTime),
            lap_number: frame.lap().map_or(0, |l| l.saturating_sub(1).min(u32::from(u16::MAX)) as u16),
            // 0, "no position", when the frame has none (or one the byte cannot hold).
            race_position: frame
                .get(Channel::Position)
                .filter(|p| (1.0..=255.0).contains(p))
                .map_or(0, |p| p.round() as u8),
            accel: byte(Channel::Throttle),
            brake: byte(Channel::Brake),
            clutch: byte(Channel::Clutch),
            gear,
            steer: (-get(Channel::SteerInput).clamp(-1.0, 1.0) * 127.0).round() as i8,
            ..Dash::default()
        };
        Packet::new(format, sled, dash)
    }
}

/// Standard gravity, m/s² per g.
const G: f32 = 9.806_65;
/// Fastest plausible speed, m/s (over 600 km/h).
const MAX_SPEED_MPS: f32 = 170.0;
/// Longest plausible lap, s.
const MAX_LAP_S: f32 = 86_400.0;

/// The gear byte [`Packet::from_frame`] writes for neutral (or no gear); not documented by Turn 10.
const NEUTRAL_AS_SENT: u8 = 11;

/// The game's gear byte as −1 / 1..=10; `None` for values without a documented meaning.
fn gear(g: u8) -> Option<f32> {
    match g {
        0 => Some(-1.0),
        1..=10 => Some(f32::from(g)),
        _ => None,
    }
}

/// Turns a stream of packets into frames on one monotonic clock: the steps of `TimestampMS` added up from the
/// first racing packet (t = 0), so its 2³² ms wrap is a step like any other.
#[derive(Debug, Default)]
pub struct ForzaNormalizer {
    last_ms: Option<u32>,
    t_ms: u64,
}

impl ForzaNormalizer {
    /// A normalizer that has seen nothing.
    pub fn new() -> ForzaNormalizer {
        ForzaNormalizer::default()
    }

    /// The frame for a packet; `None` while the game is not racing. A timestamp that goes backwards (a
    /// restarted session) adds no time, so frame times never decrease.
    pub fn push(&mut self, packet: &Packet) -> Option<Frame> {
        let sled = packet.sled();
        if !sled.race_on() {
            return None;
        }
        let ts = sled.timestamp_ms;
        if let Some(last) = self.last_ms {
            let step = ts.wrapping_sub(last);
            // More than half the range forward is really a step backwards.
            if step <= u32::MAX / 2 {
                self.t_ms += u64::from(step);
            }
        }
        self.last_ms = Some(ts);
        let t_us = i64::try_from(self.t_ms.saturating_mul(1000)).unwrap_or(i64::MAX);
        packet.to_frame(t_us)
    }
}
