//! The physics page `SPageFilePhysics` (`acpmf_physics`), written by the game every physics step.

use super::{Error, Result, world_to_frame};
use crate::bytes::{layout, pedal, within};
use racecraft_core::{Channel, Frame, Wheel};

/// AC1 as in the official v1.7 document: ends after `localVelocity`.
pub const AC_SIZE: usize = 580;
/// AC1 with the tail (`P2PActivations` … `tyreTemp`) that ACC documents as inherited AC fields.
pub const AC_EXTENDED_SIZE: usize = 712;
/// ACC 1.8.12.
pub const ACC_SIZE: usize = 800;
/// Every size a game writes, smallest first.
pub const SIZES: [usize; 3] = [AC_SIZE, AC_EXTENDED_SIZE, ACC_SIZE];

/// One pound per square inch in kPa.
const KPA_PER_PSI: f32 = 6.894_757;

layout! {
    /// The fields every physics page has (offsets 0..580). Names follow the game's, in snake case; wheel arrays
    /// are FL, FR, RL, RR.
    pub struct PhysicsBase(AC_SIZE) {
        /// Sequence number, incremented by the game on every write.
        packet_id: i32 = 0,
        /// Throttle, 0..1.
        gas: f32 = 4,
        /// Brake, 0..1.
        brake: f32 = 8,
        /// Fuel, litres.
        fuel: f32 = 12,
        /// Gear as the game counts it: 0 = R, 1 = N, 2 = 1st.
        gear: i32 = 16,
        /// Engine speed, rpm.
        rpms: i32 = 20,
        /// Steering input, −1..1.
        steer_angle: f32 = 24,
        /// Speed, km/h.
        speed_kmh: f32 = 28,
        /// World velocity (x, y up, z), m/s.
        velocity: [f32; 3] = 32,
        /// Acceleration in g, in the order lateral, vertical, longitudinal (the game's signs).
        acc_g: [f32; 3] = 44,
        /// Wheel slip per wheel.
        wheel_slip: [f32; 4] = 56,
        /// Wheel load per wheel, N.
        wheel_load: [f32; 4] = 72,
        /// Tyre pressure per wheel, psi.
        wheels_pressure: [f32; 4] = 88,
        /// Wheel angular speed, rad/s.
        wheel_angular_speed: [f32; 4] = 104,
        /// Tyre wear, as the game reports it; not normalized. Neither game documents a scale: AC's is about 100
        /// on a new tyre and, as tools that read it observe, stays within about 90..100 as the tyre wears (a
        /// grip level, with no value for "worn through"); ACC's documentation marks the field unused and it
        /// reads 0. Neither is the 0 new .. 1 worn through of the `tyre_wear_*` channels.
        tyre_wear: [f32; 4] = 120,
        /// Tyre dirt level.
        tyre_dirty_level: [f32; 4] = 136,
        /// Tyre core temperature, °C.
        tyre_core_temperature: [f32; 4] = 152,
        /// Camber, rad.
        camber_rad: [f32; 4] = 168,
        /// Suspension travel, m.
        suspension_travel: [f32; 4] = 184,
        /// DRS.
        drs: f32 = 200,
        /// Traction control.
        tc: f32 = 204,
        /// Heading, rad.
        heading: f32 = 208,
        /// Pitch, rad.
        pitch: f32 = 212,
        /// Roll, rad.
        roll: f32 = 216,
        /// Centre of gravity height, m.
        cg_height: f32 = 220,
        /// Damage: front, rear, left, right, centre. Not normalized: neither game documents a scale or what
        /// a destroyed part reads, so there is no 0..1 `damage` to make of it.
        car_damage: [f32; 5] = 224,
        /// Number of tyres off track.
        number_of_tyres_out: i32 = 244,
        /// Pit limiter on (0/1).
        pit_limiter_on: i32 = 248,
        /// ABS.
        abs: f32 = 252,
        /// KERS charge.
        kers_charge: f32 = 256,
        /// KERS input.
        kers_input: f32 = 260,
        /// Auto shifter on (0/1).
        auto_shifter_on: i32 = 264,
        /// Ride height front, rear, m.
        ride_height: [f32; 2] = 268,
        /// Turbo boost.
        turbo_boost: f32 = 276,
        /// Ballast, kg.
        ballast: f32 = 280,
        /// Air density.
        air_density: f32 = 284,
        /// Air temperature, °C.
        air_temp: f32 = 288,
        /// Road temperature, °C.
        road_temp: f32 = 292,
        /// Angular velocity in the car frame, rad/s.
        local_angular_vel: [f32; 3] = 296,
        /// Force feedback output.
        final_ff: f32 = 308,
        /// Performance meter.
        performance_meter: f32 = 312,
        /// Engine brake setting.
        engine_brake: i32 = 316,
        /// ERS recovery level.
        ers_recovery_level: i32 = 320,
        /// ERS power level.
        ers_power_level: i32 = 324,
        /// ERS heat charging.
        ers_heat_charging: i32 = 328,
        /// ERS charging.
        ers_is_charging: i32 = 332,
        /// KERS energy this lap, kJ.
        kers_current_kj: f32 = 336,
        /// DRS available (0/1).
        drs_available: i32 = 340,
        /// DRS enabled (0/1).
        drs_enabled: i32 = 344,
        /// Brake temperature, °C.
        brake_temp: [f32; 4] = 348,
        /// Clutch.
        clutch: f32 = 364,
        /// Tyre inner temperature, °C.
        tyre_temp_i: [f32; 4] = 368,
        /// Tyre middle temperature, °C.
        tyre_temp_m: [f32; 4] = 384,
        /// Tyre outer temperature, °C.
        tyre_temp_o: [f32; 4] = 400,
        /// AI controlled (0/1).
        is_ai_controlled: i32 = 416,
        /// Tyre contact point per wheel (x, y, z).
        tyre_contact_point: [[f32; 3]; 4] = 420,
        /// Tyre contact normal per wheel.
        tyre_contact_normal: [[f32; 3]; 4] = 468,
        /// Tyre contact heading per wheel.
        tyre_contact_heading: [[f32; 3]; 4] = 516,
        /// Brake bias, front share.
        brake_bias: f32 = 564,
        /// Velocity in the car frame, m/s.
        local_velocity: [f32; 3] = 568,
    }
}

layout! {
    /// The tail at 580..712: AC fields ACC still carries; present in 712- and 800-byte pages.
    pub struct PhysicsExtended(AC_EXTENDED_SIZE) {
        /// Push-to-pass activations.
        p2p_activations: i32 = 580,
        /// Push-to-pass status.
        p2p_status: i32 = 584,
        /// Current maximum rpm (documented as float by ACC, read as int by most tools).
        current_max_rpm: i32 = 588,
        /// Self-aligning torque per wheel.
        mz: [f32; 4] = 592,
        /// Longitudinal tyre force per wheel.
        fx: [f32; 4] = 608,
        /// Lateral tyre force per wheel.
        fy: [f32; 4] = 624,
        /// Slip ratio per wheel.
        slip_ratio: [f32; 4] = 640,
        /// Slip angle per wheel.
        slip_angle: [f32; 4] = 656,
        /// TC in action (0/1).
        tcin_action: i32 = 672,
        /// ABS in action (0/1).
        abs_in_action: i32 = 676,
        /// Suspension damage per wheel.
        suspension_damage: [f32; 4] = 680,
        /// Tyre temperature per wheel, °C.
        tyre_temp: [f32; 4] = 696,
    }
}

layout! {
    /// The ACC-only tail at 712..800.
    pub struct PhysicsAcc(ACC_SIZE) {
        /// Water temperature, °C.
        water_temp: f32 = 712,
        /// Brake pressure per wheel.
        brake_pressure: [f32; 4] = 716,
        /// Front brake pad compound.
        front_brake_compound: i32 = 732,
        /// Rear brake pad compound.
        rear_brake_compound: i32 = 736,
        /// Brake pad life per wheel.
        pad_life: [f32; 4] = 740,
        /// Brake disc life per wheel.
        disc_life: [f32; 4] = 756,
        /// Ignition on (0/1).
        ignition_on: i32 = 772,
        /// Starter engaged (0/1).
        starter_engine_on: i32 = 776,
        /// Engine running (0/1).
        is_engine_running: i32 = 780,
        /// Kerb vibration.
        kerb_vibration: f32 = 784,
        /// Slip vibration.
        slip_vibrations: f32 = 788,
        /// G vibration.
        g_vibrations: f32 = 792,
        /// ABS vibration.
        abs_vibrations: f32 = 796,
    }
}

impl PhysicsExtended {
    /// `currentMaxRpm`, which ACC documents as a float and most tools read as an int: the int when it is a
    /// plausible rpm, else the same 4 bytes as a float when that is.
    pub fn max_rpm(&self) -> Option<f32> {
        let plausible = |v: f32| (100.0..=30_000.0).contains(&v);
        let as_int = self.current_max_rpm as f32;
        let as_float = f32::from_bits(self.current_max_rpm as u32);
        [as_int, as_float].into_iter().find(|v| plausible(*v))
    }
}

/// A parsed physics page: the common fields (reachable directly through `Deref`) and the tails its size has.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize)]
pub struct PhysicsPage {
    /// Offsets 0..580.
    #[serde(flatten)]
    pub base: PhysicsBase,
    /// Offsets 580..712, in 712- and 800-byte pages.
    #[serde(flatten)]
    pub extended: Option<PhysicsExtended>,
    /// Offsets 712..800, in ACC's 800-byte page.
    #[serde(flatten)]
    pub acc: Option<PhysicsAcc>,
}

impl std::ops::Deref for PhysicsPage {
    type Target = PhysicsBase;
    fn deref(&self) -> &PhysicsBase {
        &self.base
    }
}

/// The page's `packetId`, if `bytes` holds at least its 4 bytes.
pub fn packet_id(bytes: &[u8]) -> Option<i32> {
    crate::bytes::Reader::new(bytes).i32().ok()
}

impl PhysicsPage {
    /// Parses a page of exactly 580, 712 or 800 bytes (take that prefix of a larger mapping first).
    pub fn parse(bytes: &[u8]) -> Result<PhysicsPage> {
        if !SIZES.contains(&bytes.len()) {
            return Err(Error::PageSize { page: "physics", expected: &SIZES, got: bytes.len() });
        }
        Ok(PhysicsPage {
            base: PhysicsBase::read_fields(bytes),
            extended: (bytes.len() >= AC_EXTENDED_SIZE).then(|| PhysicsExtended::read_fields(bytes)),
            acc: (bytes.len() >= ACC_SIZE).then(|| PhysicsAcc::read_fields(bytes)),
        })
    }

    /// The page's size: 580 without tails, 712 with the extended tail, 800 with both.
    pub fn size(&self) -> usize {
        match (&self.extended, &self.acc) {
            (_, Some(_)) => ACC_SIZE,
            (Some(_), None) => AC_EXTENDED_SIZE,
            (None, None) => AC_SIZE,
        }
    }

    /// The page as the game writes it ([`PhysicsPage::size`] bytes); an ACC tail without the extended tail is
    /// written with a zeroed extended tail.
    pub fn encode(&self) -> Vec<u8> {
        let mut b = vec![0; self.size()];
        self.base.write_fields(&mut b);
        if let Some(ext) = &self.extended {
            ext.write_fields(&mut b);
        }
        if let Some(acc) = &self.acc {
            acc.write_fields(&mut b);
        }
        b
    }

    /// Normalizes to a frame at `t_us`: see [`PhysicsValues::to_frame`].
    pub fn to_frame(&self, t_us: i64) -> Frame {
        self.values().to_frame(t_us)
    }

    /// The values a frame is made of.
    pub fn values(&self) -> PhysicsValues {
        let p = &self.base;
        PhysicsValues {
            packet_id: Some(i64::from(p.packet_id)),
            gas: Some(p.gas),
            brake: Some(p.brake),
            fuel: Some(p.fuel),
            gear: Some(p.gear),
            rpms: Some(p.rpms as f32),
            steer_angle: Some(p.steer_angle),
            speed_kmh: Some(p.speed_kmh),
            velocity: Some(p.velocity),
            acc_g: Some(p.acc_g),
            wheels_pressure: Some(p.wheels_pressure),
            tyre_core_temperature: Some(p.tyre_core_temperature),
            slip_ratio: self.extended.as_ref().map(|ext| ext.slip_ratio),
            heading: Some(p.heading),
            pitch: Some(p.pitch),
            roll: Some(p.roll),
            // The physics page has no position; the graphics page adds it.
            car_coordinates: None,
        }
    }
}

/// The physics values a frame is made of, each optional: read from a page ([`PhysicsPage::values`]), or from
/// an AC-shaped JSON packet (`POST /ingest`; the game's field names in camel case, any subset, other fields
/// ignored). One normalisation, [`PhysicsValues::to_frame`], serves both.
#[derive(Debug, Clone, Default, PartialEq, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PhysicsValues {
    /// The game's sequence number (a resent packet repeats it).
    pub packet_id: Option<i64>,
    /// Throttle, 0..1.
    pub gas: Option<f32>,
    /// Brake, 0..1.
    pub brake: Option<f32>,
    /// Fuel, litres.
    pub fuel: Option<f32>,
    /// Gear as the game counts it: 0 = R, 1 = N, 2 = 1st.
    pub gear: Option<i32>,
    /// Engine speed, rpm.
    pub rpms: Option<f32>,
    /// Steering input, −1..1.
    pub steer_angle: Option<f32>,
    /// Speed, km/h.
    pub speed_kmh: Option<f32>,
    /// World velocity (x, y up, z), m/s.
    pub velocity: Option<[f32; 3]>,
    /// Acceleration in g: lateral, vertical, longitudinal.
    pub acc_g: Option<[f32; 3]>,
    /// Tyre pressure per wheel (FL, FR, RL, RR), psi.
    pub wheels_pressure: Option<[f32; 4]>,
    /// Tyre core temperature per wheel, °C.
    pub tyre_core_temperature: Option<[f32; 4]>,
    /// Longitudinal slip ratio per wheel.
    pub slip_ratio: Option<[f32; 4]>,
    /// Heading, rad.
    pub heading: Option<f32>,
    /// Pitch, rad.
    pub pitch: Option<f32>,
    /// Roll, rad.
    pub roll: Option<f32>,
    /// World position (x, y up, z), m.
    pub car_coordinates: Option<[f32; 3]>,
}

impl PhysicsValues {
    /// Normalizes to a frame at `t_us`: gear −1/0/1.., km/h → m/s, psi → kPa, world y-up → z-up, `steerAngle` as
    /// `steer_input`. Values outside physical plausibility (and non-finite ones) are left missing, as are values
    /// the source did not give.
    pub fn to_frame(&self, t_us: i64) -> Frame {
        let mut f = Frame::new(t_us);
        f.set_opt(Channel::Speed, self.speed_kmh.and_then(|v| within(v, -1.0, 600.0)).map(|v| v.max(0.0) / 3.6));
        f.set_opt(Channel::Rpm, self.rpms.and_then(|v| within(v, 0.0, 30_000.0)));
        // The game counts 0 = R, 1 = N, 2 = 1st.
        if let Some(gear) = self.gear.filter(|g| (0..=12).contains(g)) {
            f.set(Channel::Gear, (gear - 1) as f32);
        }
        f.set_opt(Channel::Throttle, self.gas.and_then(pedal));
        f.set_opt(Channel::Brake, self.brake.and_then(pedal));
        f.set_opt(
            Channel::SteerInput,
            self.steer_angle.and_then(|v| within(v, -1.01, 1.01)).map(|v| v.clamp(-1.0, 1.0)),
        );
        f.set_opt(Channel::Fuel, self.fuel.and_then(|v| within(v, 0.0, 1000.0)));
        if let Some(velocity) = self.velocity.map(world_to_frame) {
            for (channel, v) in [Channel::VelX, Channel::VelY, Channel::VelZ].into_iter().zip(velocity) {
                f.set_opt(channel, within(v, -200.0, 200.0));
            }
        }
        if let Some([lat, vert, long]) = self.acc_g {
            f.set_opt(Channel::AccLat, within(lat, -20.0, 20.0));
            f.set_opt(Channel::AccVert, within(vert, -20.0, 20.0));
            f.set_opt(Channel::AccLong, within(long, -20.0, 20.0));
        }
        let angle = std::f32::consts::TAU;
        f.set_opt(Channel::Yaw, self.heading.and_then(|v| within(v, -angle, angle)));
        f.set_opt(Channel::Pitch, self.pitch.and_then(|v| within(v, -angle, angle)));
        f.set_opt(Channel::Roll, self.roll.and_then(|v| within(v, -angle, angle)));
        if let Some(pos) = self.car_coordinates.map(world_to_frame) {
            for (channel, v) in [Channel::PosX, Channel::PosY, Channel::PosZ].into_iter().zip(pos) {
                f.set_opt(channel, within(v, -1e6, 1e6));
            }
        }
        for (i, wheel) in Wheel::ALL.into_iter().enumerate() {
            let temp = self.tyre_core_temperature.and_then(|t| within(t[i], -50.0, 500.0));
            f.set_opt(Channel::tyre_temp(wheel), temp);
            let pressure = self.wheels_pressure.and_then(|p| within(p[i], 0.0, 100.0));
            f.set_opt(Channel::tyre_pressure(wheel), pressure.map(|v| v * KPA_PER_PSI));
            f.set_opt(Channel::slip_ratio(wheel), self.slip_ratio.and_then(|s| within(s[i], -100.0, 100.0)));
        }
        f
    }
}
