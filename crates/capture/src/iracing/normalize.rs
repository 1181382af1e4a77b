//! iRacing variables → our channels. Shared by the file and the live reader.
//!
//! Conventions (checked on the Tsukuba capture):
//! - `Clutch` is 0 = disengaged (pedal pressed) to 1 = fully engaged; ours is 1 = pressed, so it is inverted.
//! - `SteeringWheelAngle` is positive counter-clockwise (left), like ours: it is negative in right-handers,
//!   where `YawRate` is negative too.
//! - `LatAccel`/`LongAccel`/`VertAccel` are m/s² in the car frame, + left / + forward / + up, gravity
//!   included (≈ +1 g vertical at rest): divided by standard gravity, signs kept.
//! - `YawNorth` is the heading clockwise from north; our yaw is counter-clockwise from +x = east, so
//!   `yaw = π/2 − YawNorth` (matches the GPS track within a degree). `Yaw` itself has an arbitrary zero
//!   and is not used. `Pitch`/`Roll` are passed through as iRacing reports them.
//! - `VelocityX/Y/Z` are car-frame (x forward, y left, z up); they are rotated by the heading into the
//!   east/north frame of the positions. Without a heading, velocities are absent.
//! - Positions: `Lat`/`Lon` (degrees) are projected to metres with a local equirectangular projection
//!   around the first fix (x east, y north; error well under a metre over a few km), `Alt` is z.
//!   A fix of exactly (0, 0) is the simulator's "no fix" (the first record of a file has it).
//! - Tyre temperature is the mean of the three surface temperatures (`LFtempL/M/R`, ...).
//! - Tyre wear: `LFwearL/M/R`, ... are the fraction of tread *remaining* (0..1, though the unit says "%") across
//!   the tyre's left, middle and right; the channel is the fraction worn at the most worn of the three,
//!   `1 − min(L, M, R)`, since a tyre is worn through where its tread is thinnest, whatever the mean says. The
//!   simulator updates them only when the car is in its pit stall (between stops they hold the last reading).
//! - `PlayerCarPosition` 0 means the simulator has not classified the car yet: no position then.
//! - Not mapped: `PlayerTireCompound` is an index into the car's own tyre list in the session info (not the
//!   same list for every car), not a soft/medium/hard code. Damage: iRacing publishes only the repair time it
//!   will cost (`PitRepairLeft`, `PitOptRepairLeft`, seconds), not how damaged a part is.
//! - `Lap` 0 means no lap has been started (grid or pit exit before the line): the lap channels are
//!   left absent then, so a lap tracker starts with lap 1 instead of inventing a lap 0 time.

use super::VarHeader;
use racecraft_core::{Channel, Frame, STANDARD_GRAVITY_MPS2, Wheel};

/// Mean Earth radius, metres (the projection is local, so the sphere is accurate enough).
const EARTH_RADIUS_M: f64 = 6_371_000.0;

/// Origin of the local projection.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Origin {
    lat_rad: f64,
    lon_rad: f64,
    cos_lat: f64,
}

impl Origin {
    fn new(lat_deg: f64, lon_deg: f64) -> Origin {
        let lat_rad = lat_deg.to_radians();
        Origin { lat_rad, lon_rad: lon_deg.to_radians(), cos_lat: lat_rad.cos() }
    }

    fn project(&self, lat_deg: f64, lon_deg: f64) -> (f64, f64) {
        let x = (lon_deg.to_radians() - self.lon_rad) * self.cos_lat * EARTH_RADIUS_M;
        let y = (lat_deg.to_radians() - self.lat_rad) * EARTH_RADIUS_M;
        (x, y)
    }
}

/// The variables we read, resolved once per variable table.
#[derive(Debug, Clone, Default)]
pub(crate) struct VarMap {
    pub session_time: Option<VarHeader>,
    speed: Option<VarHeader>,
    rpm: Option<VarHeader>,
    gear: Option<VarHeader>,
    throttle: Option<VarHeader>,
    brake: Option<VarHeader>,
    clutch: Option<VarHeader>,
    steer: Option<VarHeader>,
    pub lap: Option<VarHeader>,
    pub lap_time: Option<VarHeader>,
    pub last_lap: Option<VarHeader>,
    lap_dist: Option<VarHeader>,
    lap_dist_pct: Option<VarHeader>,
    lat_acc: Option<VarHeader>,
    long_acc: Option<VarHeader>,
    vert_acc: Option<VarHeader>,
    yaw_north: Option<VarHeader>,
    pitch: Option<VarHeader>,
    roll: Option<VarHeader>,
    vel: [Option<VarHeader>; 3],
    lat: Option<VarHeader>,
    lon: Option<VarHeader>,
    alt: Option<VarHeader>,
    fuel: Option<VarHeader>,
    on_pit_road: Option<VarHeader>,
    position: Option<VarHeader>,
    tyre_temps: [[Option<VarHeader>; 3]; 4],
    tyre_press: [Option<VarHeader>; 4],
    tyre_wear: [[Option<VarHeader>; 3]; 4],
}

/// iRacing's wheel prefixes in our [`Wheel`] order.
const WHEELS: [(Wheel, &str); 4] =
    [(Wheel::FrontLeft, "LF"), (Wheel::FrontRight, "RF"), (Wheel::RearLeft, "LR"), (Wheel::RearRight, "RR")];

impl VarMap {
    pub fn new(vars: &[VarHeader]) -> VarMap {
        let find = |name: &str| vars.iter().find(|v| v.name == name).cloned();
        let mut tyre_temps: [[Option<VarHeader>; 3]; 4] = Default::default();
        let mut tyre_press: [Option<VarHeader>; 4] = Default::default();
        let mut tyre_wear: [[Option<VarHeader>; 3]; 4] = Default::default();
        for (wheel, prefix) in WHEELS {
            for (slot, part) in tyre_temps[wheel as usize].iter_mut().zip(["L", "M", "R"]) {
                *slot = find(&format!("{prefix}temp{part}"));
            }
            for (slot, part) in tyre_wear[wheel as usize].iter_mut().zip(["L", "M", "R"]) {
                *slot = find(&format!("{prefix}wear{part}"));
            }
            tyre_press[wheel as usize] = find(&format!("{prefix}pressure"));
        }
        VarMap {
            session_time: find("SessionTime"),
            speed: find("Speed"),
            rpm: find("RPM"),
            gear: find("Gear"),
            throttle: find("Throttle"),
            brake: find("Brake"),
            clutch: find("Clutch"),
            steer: find("SteeringWheelAngle"),
            lap: find("Lap"),
            lap_time: find("LapCurrentLapTime"),
            last_lap: find("LapLastLapTime"),
            lap_dist: find("LapDist"),
            lap_dist_pct: find("LapDistPct"),
            lat_acc: find("LatAccel"),
            long_acc: find("LongAccel"),
            vert_acc: find("VertAccel"),
            yaw_north: find("YawNorth"),
            pitch: find("Pitch"),
            roll: find("Roll"),
            vel: [find("VelocityX"), find("VelocityY"), find("VelocityZ")],
            lat: find("Lat"),
            lon: find("Lon"),
            alt: find("Alt"),
            fuel: find("FuelLevel"),
            on_pit_road: find("OnPitRoad"),
            position: find("PlayerCarPosition"),
            tyre_temps,
            tyre_press,
            tyre_wear,
        }
    }

    /// Reads `var` from `row`.
    pub fn get(var: &Option<VarHeader>, row: &[u8]) -> Option<f64> {
        var.as_ref()?.value(row).filter(|v| v.is_finite())
    }

    /// Session time of `row`, seconds.
    pub fn session_time(&self, row: &[u8]) -> Option<f64> {
        Self::get(&self.session_time, row)
    }

    /// The GPS fix of `row`, if it has a real one.
    pub fn fix(&self, row: &[u8]) -> Option<(f64, f64)> {
        let lat = Self::get(&self.lat, row)?;
        let lon = Self::get(&self.lon, row)?;
        let plausible = lat.abs() <= 90.0 && lon.abs() <= 180.0 && (lat, lon) != (0.0, 0.0);
        plausible.then_some((lat, lon))
    }

    /// Decodes `row` into a frame at `t_us`. `origin` is set from the first fix seen.
    pub fn frame(&self, row: &[u8], t_us: i64, origin: &mut Option<Origin>) -> Frame {
        let g = |v: &Option<VarHeader>| Self::get(v, row);
        let mut f = Frame::new(t_us);
        let mut set = |c: Channel, v: Option<f64>| {
            if let Some(v) = v {
                f.set_f64(c, v);
            }
        };
        set(Channel::Speed, g(&self.speed));
        set(Channel::Rpm, g(&self.rpm));
        set(Channel::Gear, g(&self.gear));
        set(Channel::Throttle, g(&self.throttle));
        set(Channel::Brake, g(&self.brake));
        set(Channel::Clutch, g(&self.clutch).map(|c| (1.0 - c).clamp(0.0, 1.0)));
        set(Channel::Steer, g(&self.steer));
        let lap = g(&self.lap).filter(|&l| l >= 1.0);
        if lap.is_some() {
            set(Channel::Lap, lap);
            set(Channel::LapTime, g(&self.lap_time));
            set(Channel::LastLapTime, g(&self.last_lap).filter(|&t| t > 0.0));
        }
        set(Channel::LapDist, g(&self.lap_dist));
        set(Channel::LapDistPct, g(&self.lap_dist_pct));
        set(Channel::AccLat, g(&self.lat_acc).map(|a| a / STANDARD_GRAVITY_MPS2));
        set(Channel::AccLong, g(&self.long_acc).map(|a| a / STANDARD_GRAVITY_MPS2));
        set(Channel::AccVert, g(&self.vert_acc).map(|a| a / STANDARD_GRAVITY_MPS2));
        let heading = g(&self.yaw_north).map(|n| wrap_pi(std::f64::consts::FRAC_PI_2 - n));
        set(Channel::Yaw, heading);
        set(Channel::Pitch, g(&self.pitch));
        set(Channel::Roll, g(&self.roll));
        if let (Some(h), Some(vx), Some(vy)) = (heading, g(&self.vel[0]), g(&self.vel[1])) {
            let (s, c) = h.sin_cos();
            set(Channel::VelX, Some(vx * c - vy * s));
            set(Channel::VelY, Some(vx * s + vy * c));
            set(Channel::VelZ, g(&self.vel[2]));
        }
        if let Some((lat, lon)) = self.fix(row) {
            let o = *origin.get_or_insert_with(|| Origin::new(lat, lon));
            let (x, y) = o.project(lat, lon);
            set(Channel::PosX, Some(x));
            set(Channel::PosY, Some(y));
            set(Channel::PosZ, g(&self.alt));
        }
        set(Channel::Fuel, g(&self.fuel));
        set(Channel::InPit, g(&self.on_pit_road));
        set(Channel::Position, g(&self.position).filter(|&p| p >= 1.0));
        for (wheel, _) in WHEELS {
            let (sum, n) =
                self.tyre_temps[wheel as usize].iter().filter_map(g).fold((0.0, 0u32), |(s, n), t| (s + t, n + 1));
            set(Channel::tyre_temp(wheel), (n > 0).then(|| sum / f64::from(n)));
            set(Channel::tyre_pressure(wheel), g(&self.tyre_press[wheel as usize]));
            // A strip outside 0..1 is not a reading; the others still are.
            let remaining = self.tyre_wear[wheel as usize]
                .iter()
                .filter_map(g)
                .filter(|r| (0.0..=1.0).contains(r))
                .reduce(f64::min);
            set(Channel::tyre_wear(wheel), remaining.map(|r| 1.0 - r));
        }
        f
    }
}

/// `a` wrapped into (−π, π].
fn wrap_pi(a: f64) -> f64 {
    use std::f64::consts::{PI, TAU};
    let w = a.rem_euclid(TAU);
    if w > PI { w - TAU } else { w }
}
