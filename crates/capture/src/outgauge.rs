//! OutGauge: the dashboard datagram of Live for Speed, also sent by BeamNG.drive / BeamNG.tech
//! (protocols.md §4.2). 92 bytes, or 96 when the game is configured with an OutGauge ID, which is then appended.
//!
//! Normalization ([`OutGauge::to_frame`]): gear 0 = R, 1 = N, 2 = 1st becomes −1 / 0 / 1; speed is already m/s;
//! throttle, brake and clutch are already 0..1. `Fuel` is a 0..1 fraction (our channel is litres), and turbo,
//! temperatures, oil pressure and the lights have no channel: they stay in the packet. BeamNG always sends
//! `Time` 0, so [`OutGauge::time_ms`] is only a clock for LFS.

use crate::bytes::{Reader, Short, Writer, pedal, within};
use racecraft_core::{Channel, Frame};
use serde::{Serialize, Serializer};

/// Length without the optional ID.
pub const SIZE: usize = 92;
/// Length with the optional ID.
pub const SIZE_WITH_ID: usize = 96;

/// What can go wrong decoding an OutGauge datagram.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// Neither 92 nor 96 bytes.
    #[error("OutGauge datagram: expected {SIZE} or {SIZE_WITH_ID} bytes, got {got}")]
    Length {
        /// The length received.
        got: usize,
    },
    /// The field list runs past the datagram: a bug in this module, reported rather than panicking.
    #[error("OutGauge layout reads past its datagram: needed {needed} bytes, got {got}")]
    Layout {
        /// Bytes the read needed.
        needed: usize,
        /// Bytes the datagram has.
        got: usize,
    },
}

/// Result with this module's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// `Flags` bits (`OG_*`).
pub mod flags {
    /// Shift key held.
    pub const SHIFT: u16 = 1;
    /// Ctrl key held.
    pub const CTRL: u16 = 2;
    /// The car has a turbo gauge.
    pub const TURBO: u16 = 8192;
    /// The user prefers km (else miles).
    pub const KM: u16 = 16384;
    /// The user prefers bar (else psi).
    pub const BAR: u16 = 32768;
}

/// Dash light bit numbers (`DL_*`) in `DashLights` (available) and `ShowLights` (lit).
pub mod lights {
    /// Shift light.
    pub const SHIFT: u32 = 0;
    /// Full beam.
    pub const FULLBEAM: u32 = 1;
    /// Handbrake.
    pub const HANDBRAKE: u32 = 2;
    /// Pit speed limiter.
    pub const PITSPEED: u32 = 3;
    /// Traction control active or switched off.
    pub const TC: u32 = 4;
    /// Left turn signal.
    pub const SIGNAL_L: u32 = 5;
    /// Right turn signal.
    pub const SIGNAL_R: u32 = 6;
    /// Shared turn signal.
    pub const SIGNAL_ANY: u32 = 7;
    /// Oil pressure warning.
    pub const OILWARN: u32 = 8;
    /// Battery warning.
    pub const BATTERY: u32 = 9;
    /// ABS active or switched off.
    pub const ABS: u32 = 10;
    /// Spare light.
    pub const SPARE: u32 = 11;
}

/// A fixed-size, NUL-padded ASCII field, kept as its bytes so a packet re-encodes exactly; shown (and
/// serialized) as the text up to the first NUL.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct FixedStr<const N: usize>(pub [u8; N]);

impl<const N: usize> Default for FixedStr<N> {
    fn default() -> Self {
        FixedStr([0; N])
    }
}

impl<const N: usize> FixedStr<N> {
    /// The text up to the first NUL (invalid UTF-8 replaced).
    pub fn text(&self) -> String {
        let end = self.0.iter().position(|b| *b == 0).unwrap_or(N);
        String::from_utf8_lossy(&self.0[..end]).into_owned()
    }

    /// `s` cut to `N` bytes (at a character boundary) and NUL-padded.
    pub fn new(s: &str) -> FixedStr<N> {
        let mut out = [0; N];
        let mut len = 0;
        for c in s.chars() {
            let n = c.len_utf8();
            if len + n > N {
                break;
            }
            c.encode_utf8(&mut out[len..len + n]);
            len += n;
        }
        FixedStr(out)
    }
}

impl<const N: usize> std::fmt::Debug for FixedStr<N> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", self.text())
    }
}

impl<const N: usize> Serialize for FixedStr<N> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(&self.text())
    }
}

/// One OutGauge datagram (`OutGaugePack`), with the game's field names.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct OutGauge {
    /// Time in ms, for ordering (0 from BeamNG).
    pub time: u32,
    /// Car name (`"beam"` from BeamNG).
    pub car: FixedStr<4>,
    /// `OG_*` bits, see [`flags`].
    pub flags: u16,
    /// Gear: 0 = R, 1 = N, 2 = 1st.
    pub gear: u8,
    /// Player id (0 from BeamNG).
    #[serde(rename = "PLID")]
    pub plid: u8,
    /// Speed, m/s.
    pub speed: f32,
    /// Engine speed, rpm.
    #[serde(rename = "RPM")]
    pub rpm: f32,
    /// Turbo pressure, bar.
    pub turbo: f32,
    /// Engine temperature, °C.
    pub eng_temp: f32,
    /// Fuel, 0..1 of the tank.
    pub fuel: f32,
    /// Oil pressure, bar (0 from BeamNG).
    pub oil_pressure: f32,
    /// Oil temperature, °C.
    pub oil_temp: f32,
    /// Dash lights the car has (`DL_*` bits, see [`lights`]).
    pub dash_lights: u32,
    /// Dash lights lit.
    pub show_lights: u32,
    /// Throttle, 0..1.
    pub throttle: f32,
    /// Brake, 0..1.
    pub brake: f32,
    /// Clutch, 0..1.
    pub clutch: f32,
    /// First dash display line (usually fuel).
    pub display1: FixedStr<16>,
    /// Second dash display line (usually settings).
    pub display2: FixedStr<16>,
    /// The OutGauge ID set in the game's configuration, when it sends one (96-byte datagrams).
    #[serde(rename = "ID")]
    pub id: Option<i32>,
}

/// Decodes a 92- or 96-byte datagram.
pub fn decode(bytes: &[u8]) -> Result<OutGauge> {
    OutGauge::decode(bytes)
}

impl OutGauge {
    /// Decodes a 92- or 96-byte datagram.
    pub fn decode(bytes: &[u8]) -> Result<OutGauge> {
        if bytes.len() != SIZE && bytes.len() != SIZE_WITH_ID {
            return Err(Error::Length { got: bytes.len() });
        }
        let layout = |s: Short| Error::Layout { needed: s.end(), got: s.buffer_len() };
        let mut r = Reader::new(bytes).named("OutGauge");
        let p = (|| -> Result<OutGauge, Short> {
            Ok(OutGauge {
                time: r.u32()?,
                car: FixedStr(r.array()?),
                flags: r.u16()?,
                gear: r.u8()?,
                plid: r.u8()?,
                speed: r.f32()?,
                rpm: r.f32()?,
                turbo: r.f32()?,
                eng_temp: r.f32()?,
                fuel: r.f32()?,
                oil_pressure: r.f32()?,
                oil_temp: r.f32()?,
                dash_lights: r.u32()?,
                show_lights: r.u32()?,
                throttle: r.f32()?,
                brake: r.f32()?,
                clutch: r.f32()?,
                display1: FixedStr(r.array()?),
                display2: FixedStr(r.array()?),
                id: if bytes.len() == SIZE_WITH_ID { Some(r.i32()?) } else { None },
            })
        })()
        .map_err(layout)?;
        if r.pos() != bytes.len() {
            return Err(Error::Layout { needed: r.pos(), got: bytes.len() });
        }
        Ok(p)
    }

    /// The datagram: 96 bytes when [`OutGauge::id`] is set, else 92.
    pub fn encode(&self) -> Vec<u8> {
        let mut w = Writer::with_capacity(SIZE_WITH_ID);
        w.u32(self.time);
        w.bytes(&self.car.0);
        w.u16(self.flags);
        w.u8(self.gear);
        w.u8(self.plid);
        for v in [self.speed, self.rpm, self.turbo, self.eng_temp, self.fuel, self.oil_pressure, self.oil_temp] {
            w.f32(v);
        }
        w.u32(self.dash_lights);
        w.u32(self.show_lights);
        for v in [self.throttle, self.brake, self.clutch] {
            w.f32(v);
        }
        w.bytes(&self.display1.0);
        w.bytes(&self.display2.0);
        if let Some(id) = self.id {
            w.i32(id);
        }
        w.into_vec()
    }

    /// `Time`, ms (always 0 from BeamNG).
    pub fn time_ms(&self) -> u32 {
        self.time
    }

    /// Whether dash light `bit` (a [`lights`] constant) is lit; `None` when the car does not have that light.
    pub fn light(&self, bit: u32) -> Option<bool> {
        let mask = 1u32.checked_shl(bit)?;
        (self.dash_lights & mask != 0).then_some(self.show_lights & mask != 0)
    }

    /// Normalizes to a frame at `t_us` (units in the module documentation); implausible values are missing.
    pub fn to_frame(&self, t_us: i64) -> Frame {
        let mut f = Frame::new(t_us);
        f.set_opt(Channel::Speed, within(self.speed, -0.3, 170.0).map(|v| v.max(0.0)));
        f.set_opt(Channel::Rpm, within(self.rpm, 0.0, 30_000.0));
        // 0 = R, 1 = N, 2 = 1st; no car has more than a dozen forward gears.
        if self.gear <= 13 {
            f.set(Channel::Gear, f32::from(self.gear) - 1.0);
        }
        f.set_opt(Channel::Throttle, pedal(self.throttle));
        f.set_opt(Channel::Brake, pedal(self.brake));
        f.set_opt(Channel::Clutch, pedal(self.clutch));
        f
    }

    /// A packet carrying a frame's channels (the inverse of [`OutGauge::to_frame`]; everything else zero), with
    /// `time` in ms, for emulating the game.
    pub fn from_frame(frame: &Frame, time: u32, id: Option<i32>) -> OutGauge {
        let get = |c: Channel| frame.get(c).unwrap_or(0.0);
        OutGauge {
            time,
            flags: flags::KM | flags::BAR,
            gear: frame.gear().map_or(1, |g| (i16::from(g) + 1).clamp(0, 13) as u8),
            speed: get(Channel::Speed),
            rpm: get(Channel::Rpm),
            throttle: get(Channel::Throttle),
            brake: get(Channel::Brake),
            clutch: get(Channel::Clutch),
            id,
            ..OutGauge::default()
        }
    }
}
