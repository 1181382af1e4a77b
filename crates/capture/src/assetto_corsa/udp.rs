//! AC's UDP "remote telemetry" (the game listens on port 9996).
//!
//! The client sends a 12-byte [`Handshake`] with [`Operation::Handshake`], AC answers with a 408-byte
//! [`HandshakerResponse`]; the client then subscribes ([`Operation::SubscribeUpdate`] for a stream of
//! [`RtCarInfo`], [`Operation::SubscribeSpot`] for an [`RtLap`] at every lap completion) and finally sends
//! [`Operation::Dismiss`]. Datagrams from the game are told apart by length ([`decode_datagram`]). Every type also
//! encodes, byte for byte, so tests and emulators can play the game's side.

use super::WideStr;
use super::{Error, Result, world_to_frame};
use crate::bytes::{layout, pedal, within};
use racecraft_core::{Channel, Frame, Wheel};

/// The UDP port AC listens on.
pub const PORT: u16 = 9996;
/// Length of a [`Handshake`] request.
pub const HANDSHAKE_SIZE: usize = 12;
/// Length of a [`HandshakerResponse`].
pub const RESPONSE_SIZE: usize = 408;
/// Length of an [`RtCarInfo`].
pub const CAR_INFO_SIZE: usize = 328;
/// Length of an [`RtLap`].
pub const LAP_SIZE: usize = 212;

/// A 50-unit UTF-16LE name as AC sends it: text, then `'%'`, then anything.
pub type UdpName = WideStr<50, true>;

/// What a [`Handshake`] asks for (`operationId`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Operation {
    /// 0: ask for the [`HandshakerResponse`].
    Handshake,
    /// 1: subscribe to [`RtCarInfo`] updates.
    SubscribeUpdate,
    /// 2: subscribe to [`RtLap`] spots.
    SubscribeSpot,
    /// 3: stop sending.
    Dismiss,
}

impl Operation {
    /// The wire value.
    pub fn id(self) -> i32 {
        match self {
            Operation::Handshake => 0,
            Operation::SubscribeUpdate => 1,
            Operation::SubscribeSpot => 2,
            Operation::Dismiss => 3,
        }
    }

    /// The operation for a wire value.
    pub fn from_id(id: i32) -> Result<Operation> {
        match id {
            0 => Ok(Operation::Handshake),
            1 => Ok(Operation::SubscribeUpdate),
            2 => Ok(Operation::SubscribeSpot),
            3 => Ok(Operation::Dismiss),
            other => Err(Error::UnknownOperation(other)),
        }
    }
}

/// The client's request (`handshaker`, 12 bytes). AC ignores `identifier` and `version`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Handshake {
    /// Device kind: 0 iPhone, 1 iPad, 2 Android phone, 3 Android tablet.
    pub identifier: i32,
    /// Protocol version; 1.
    pub version: i32,
    /// What is asked for.
    pub operation: Operation,
}

impl Handshake {
    /// A request with `identifier` 1 and `version` 1, as the documentation suggests.
    pub fn new(operation: Operation) -> Handshake {
        Handshake { identifier: 1, version: 1, operation }
    }

    /// The 12 bytes to send.
    pub fn encode(&self) -> [u8; HANDSHAKE_SIZE] {
        let mut b = [0; HANDSHAKE_SIZE];
        b[0..4].copy_from_slice(&self.identifier.to_le_bytes());
        b[4..8].copy_from_slice(&self.version.to_le_bytes());
        b[8..12].copy_from_slice(&self.operation.id().to_le_bytes());
        b
    }

    /// Decodes a request (the game's side of the exchange).
    pub fn decode(bytes: &[u8]) -> Result<Handshake> {
        let b: &[u8; HANDSHAKE_SIZE] = bytes.try_into().map_err(|_| Error::DatagramSize {
            what: "handshake",
            expected: HANDSHAKE_SIZE,
            got: bytes.len(),
        })?;
        let word = |o: usize| i32::from_le_bytes([b[o], b[o + 1], b[o + 2], b[o + 3]]);
        Ok(Handshake { identifier: word(0), version: word(4), operation: Operation::from_id(word(8))? })
    }
}

layout! {
    /// AC's answer to a handshake (`handshackerResponse`, 408 bytes).
    pub struct HandshakerResponse(RESPONSE_SIZE) {
        /// Car model name.
        car_name: UdpName = 0,
        /// Driver name.
        driver_name: UdpName = 100,
        /// 4242 from a real game.
        identifier: i32 = 200,
        /// 1 from a real game.
        version: i32 = 204,
        /// Track name.
        track_name: UdpName = 208,
        /// Track layout.
        track_config: UdpName = 308,
    }
}

layout! {
    /// The player car's state (`RTCarInfo`, 328 bytes), sent every physics step after
    /// [`Operation::SubscribeUpdate`]. The identifier byte (`'a'`), its 3 pad bytes, the size field (328) and the
    /// 2 pad bytes after the flags are checked or written by [`RtCarInfo::decode`] / [`RtCarInfo::encode`].
    pub struct RtCarInfo(CAR_INFO_SIZE) {
        /// Speed, km/h.
        speed_kmh: f32 = 8,
        /// Speed, mph.
        speed_mph: f32 = 12,
        /// Speed, m/s.
        speed_ms: f32 = 16,
        /// ABS enabled.
        is_abs_enabled: bool = 20,
        /// ABS acting.
        is_abs_in_action: bool = 21,
        /// TC acting.
        is_tc_in_action: bool = 22,
        /// TC enabled.
        is_tc_enabled: bool = 23,
        /// In the pits.
        is_in_pit: bool = 24,
        /// Rev limiter on.
        is_engine_limiter_on: bool = 25,
        /// Vertical acceleration, g.
        acc_g_vertical: f32 = 28,
        /// Lateral acceleration, g.
        acc_g_horizontal: f32 = 32,
        /// Longitudinal acceleration, g.
        acc_g_frontal: f32 = 36,
        /// Current lap time, ms.
        lap_time: i32 = 40,
        /// Last lap time, ms.
        last_lap: i32 = 44,
        /// Best lap time, ms.
        best_lap: i32 = 48,
        /// Laps completed.
        lap_count: i32 = 52,
        /// Throttle, 0..1.
        gas: f32 = 56,
        /// Brake, 0..1.
        brake: f32 = 60,
        /// Clutch.
        clutch: f32 = 64,
        /// Engine speed, rpm.
        engine_rpm: f32 = 68,
        /// Steering.
        steer: f32 = 72,
        /// Gear: 0 = R, 1 = N, 2 = 1st.
        gear: i32 = 76,
        /// Centre of gravity height, m.
        cg_height: f32 = 80,
        /// Wheel angular speed, FL FR RL RR.
        wheel_angular_speed: [f32; 4] = 84,
        /// Slip angle.
        slip_angle: [f32; 4] = 100,
        /// Slip angle at the contact patch.
        slip_angle_contact_patch: [f32; 4] = 116,
        /// Slip ratio.
        slip_ratio: [f32; 4] = 132,
        /// Tyre slip.
        tyre_slip: [f32; 4] = 148,
        /// Normalized slip.
        nd_slip: [f32; 4] = 164,
        /// Load, N.
        load: [f32; 4] = 180,
        /// Dy.
        dy: [f32; 4] = 196,
        /// Self-aligning torque.
        mz: [f32; 4] = 212,
        /// Tyre dirt.
        tyre_dirty_level: [f32; 4] = 228,
        /// Camber, rad.
        camber_rad: [f32; 4] = 244,
        /// Tyre radius, m.
        tyre_radius: [f32; 4] = 260,
        /// Loaded tyre radius, m.
        tyre_loaded_radius: [f32; 4] = 276,
        /// Suspension height.
        suspension_height: [f32; 4] = 292,
        /// Position along the lap, 0..1.
        car_position_normalized: f32 = 308,
        /// Slope.
        car_slope: f32 = 312,
        /// World position (x, y up, z), m.
        car_coordinates: [f32; 3] = 316,
    }
}

layout! {
    /// A completed lap of any car (`RTLap`, 212 bytes), sent after [`Operation::SubscribeSpot`].
    pub struct RtLap(LAP_SIZE) {
        /// The car's number.
        car_identifier_number: i32 = 0,
        /// Lap number.
        lap: i32 = 4,
        /// Driver name.
        driver_name: UdpName = 8,
        /// Car model name.
        car_name: UdpName = 108,
        /// Lap time, ms.
        time: i32 = 208,
    }
}

/// A datagram from the game.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub enum AcUdp {
    /// 408 bytes: the handshake answer.
    Response(HandshakerResponse),
    /// 328 bytes: a car state update.
    CarInfo(Box<RtCarInfo>),
    /// 212 bytes: a completed lap.
    Lap(RtLap),
}

/// Decodes a datagram from the game, choosing the type by its length (408, 328 or 212 bytes).
pub fn decode_datagram(bytes: &[u8]) -> Result<AcUdp> {
    match bytes.len() {
        RESPONSE_SIZE => HandshakerResponse::decode(bytes).map(AcUdp::Response),
        CAR_INFO_SIZE => RtCarInfo::decode(bytes).map(|c| AcUdp::CarInfo(Box::new(c))),
        LAP_SIZE => RtLap::decode(bytes).map(AcUdp::Lap),
        got => Err(Error::DatagramSize { what: "datagram", expected: 0, got }),
    }
}

impl AcUdp {
    /// The datagram's bytes.
    pub fn encode(&self) -> Vec<u8> {
        match self {
            AcUdp::Response(r) => r.encode().to_vec(),
            AcUdp::CarInfo(c) => c.encode().to_vec(),
            AcUdp::Lap(l) => l.encode().to_vec(),
        }
    }
}

fn exact(what: &'static str, expected: usize, bytes: &[u8]) -> Result<()> {
    if bytes.len() == expected { Ok(()) } else { Err(Error::DatagramSize { what, expected, got: bytes.len() }) }
}

impl HandshakerResponse {
    /// Decodes exactly 408 bytes.
    pub fn decode(bytes: &[u8]) -> Result<HandshakerResponse> {
        exact("handshake response", RESPONSE_SIZE, bytes)?;
        Ok(HandshakerResponse::read_fields(bytes))
    }

    /// The 408 bytes, names ended by `'%'` and NUL-padded.
    pub fn encode(&self) -> [u8; RESPONSE_SIZE] {
        let mut b = [0; RESPONSE_SIZE];
        self.write_fields(&mut b);
        b
    }
}

impl RtLap {
    /// Decodes exactly 212 bytes.
    pub fn decode(bytes: &[u8]) -> Result<RtLap> {
        exact("RTLap", LAP_SIZE, bytes)?;
        Ok(RtLap::read_fields(bytes))
    }

    /// The 212 bytes.
    pub fn encode(&self) -> [u8; LAP_SIZE] {
        let mut b = [0; LAP_SIZE];
        self.write_fields(&mut b);
        b
    }
}

impl RtCarInfo {
    /// Decodes exactly 328 bytes whose identifier is `'a'` and whose size field is 328 (pad bytes are ignored:
    /// the game does not zero them).
    pub fn decode(bytes: &[u8]) -> Result<RtCarInfo> {
        exact("RTCarInfo", CAR_INFO_SIZE, bytes)?;
        let size = i32::from_le_bytes([bytes[4], bytes[5], bytes[6], bytes[7]]);
        if bytes[0] != b'a' || size != CAR_INFO_SIZE as i32 {
            return Err(Error::CarInfoHeader { identifier: bytes[0], size });
        }
        Ok(RtCarInfo::read_fields(bytes))
    }

    /// The 328 bytes: identifier `'a'`, size 328, zeroed padding.
    pub fn encode(&self) -> [u8; CAR_INFO_SIZE] {
        let mut b = [0; CAR_INFO_SIZE];
        b[0] = b'a';
        b[4..8].copy_from_slice(&(CAR_INFO_SIZE as i32).to_le_bytes());
        self.write_fields(&mut b);
        b
    }

    /// Normalizes to a frame at `t_us`: m/s, gear −1/0/1.., lap times in s, the lap number as laps completed + 1,
    /// world y-up → z-up. Implausible values are left missing; clutch and steer (units undocumented) are not mapped.
    pub fn to_frame(&self, t_us: i64) -> Frame {
        let mut f = Frame::new(t_us);
        f.set_opt(Channel::Speed, within(self.speed_ms, -0.3, 170.0).map(|v| v.max(0.0)));
        f.set_opt(Channel::Rpm, within(self.engine_rpm, 0.0, 30_000.0));
        if (0..=12).contains(&self.gear) {
            f.set(Channel::Gear, (self.gear - 1) as f32);
        }
        f.set_opt(Channel::Throttle, pedal(self.gas));
        f.set_opt(Channel::Brake, pedal(self.brake));
        f.set_opt(Channel::AccLat, within(self.acc_g_horizontal, -20.0, 20.0));
        f.set_opt(Channel::AccLong, within(self.acc_g_frontal, -20.0, 20.0));
        f.set_opt(Channel::AccVert, within(self.acc_g_vertical, -20.0, 20.0));
        if (0..=86_400_000).contains(&self.lap_time) {
            f.set(Channel::LapTime, self.lap_time as f32 / 1000.0);
        }
        if (1..=86_400_000).contains(&self.last_lap) {
            f.set(Channel::LastLapTime, self.last_lap as f32 / 1000.0);
        }
        if (0..100_000).contains(&self.lap_count) {
            f.set(Channel::Lap, (self.lap_count + 1) as f32);
        }
        f.set_opt(Channel::LapDistPct, within(self.car_position_normalized, 0.0, 1.0));
        f.set(Channel::InPit, f32::from(u8::from(self.is_in_pit)));
        let pos = world_to_frame(self.car_coordinates);
        for (channel, v) in [Channel::PosX, Channel::PosY, Channel::PosZ].into_iter().zip(pos) {
            f.set_opt(channel, within(v, -1e6, 1e6));
        }
        for (i, wheel) in Wheel::ALL.into_iter().enumerate() {
            f.set_opt(Channel::slip_ratio(wheel), within(self.slip_ratio[i], -100.0, 100.0));
        }
        f
    }
}
