//! JSON over UDP for home-made tools: one JSON object per datagram, in the flat logger shape the server's
//! `POST /api/ingest` accepts ([`ApiPoint`]: `meta_time, track, chassis, lap, lapdist_m, speed_kmh, accx_can,
//! accy_can, Steering_Angle, pbrake_f, brake, aps, throttle, rpm, gear`).
//!
//! [`ApiPoint::to_frame`] is the one conversion from that shape to a [`Frame`] (km/h → m/s, degrees → rad, brake
//! pressure or throttle percent → 0..1), written so the HTTP route can use it too. Unknown keys are ignored, as
//! the HTTP route does, so a tool can send extra fields; a known key of the wrong type is an error.
//!
//! Time: a point's `meta_time` (seconds as a number or a string, or an RFC 3339 timestamp) is its clock;
//! [`JsonNormalizer`] counts it from the first point, and stamps points without one with the caller's arrival
//! time.

use racecraft_core::{Channel, Frame};
use serde::{Deserialize, Serialize};

/// Front brake line pressure taken as a fully pressed pedal when a logger reports pressure, not pedal travel.
pub const BRAKE_PRESSURE_FULL_BAR: f32 = 100.0;
const KMH_TO_MPS: f32 = 1.0 / 3.6;

/// What can go wrong decoding a JSON datagram.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Error {
    /// Nothing but whitespace.
    #[error("empty datagram: expected one JSON object")]
    Empty,
    /// Not JSON at all (or cut short, or with bytes after the object).
    #[error("malformed JSON: {0}")]
    Malformed(String),
    /// Valid JSON that is not an object.
    #[error("expected one JSON object per datagram, got {found}")]
    NotAnObject {
        /// `"an array"`, `"a string"`, `"a number"`, `"a boolean"` or `"null"`.
        found: &'static str,
    },
    /// An object with a known field of the wrong type or out of its range (e.g. a negative `lap`).
    #[error("invalid point: {0}")]
    Invalid(String),
    /// A `meta_time` string that is neither seconds nor RFC 3339.
    #[error("meta_time `{0}` is neither seconds nor RFC 3339")]
    MetaTime(String),
    /// A `meta_time` too far from the session's first one to be the same session.
    #[error("meta_time {t_s} s is more than {MAX_SESSION_SPAN_S} s away from the session's first point ({origin_s} s)")]
    TimeOutOfRange {
        /// The point's time, s.
        t_s: f64,
        /// The session's first time, s.
        origin_s: f64,
    },
}

/// The longest a session may span, s (7 days): a point further from the session's first is refused rather
/// than stretching the session over years that every exporter and plot would then have to cover.
pub const MAX_SESSION_SPAN_S: f64 = 7.0 * 86_400.0;

/// Session time of a point stamped `t_s` in a session whose first point was stamped `origin_s`, µs.
pub fn session_time_us(t_s: f64, origin_s: f64) -> Result<i64> {
    let offset_s = t_s - origin_s;
    if !offset_s.is_finite() || offset_s.abs() > MAX_SESSION_SPAN_S {
        return Err(Error::TimeOutOfRange { t_s, origin_s });
    }
    Ok((offset_s * 1e6).round() as i64)
}

/// Result with this module's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// `meta_time`: seconds as a number or a string, or an RFC 3339 timestamp.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum MetaTime {
    /// Seconds (any origin; only differences matter).
    Seconds(f64),
    /// Seconds as text, or an RFC 3339 timestamp.
    Text(String),
}

impl MetaTime {
    /// The time in seconds (RFC 3339 as seconds since the Unix epoch).
    pub fn seconds(&self) -> Result<f64> {
        match self {
            MetaTime::Seconds(t) if t.is_finite() => Ok(*t),
            MetaTime::Seconds(t) => Err(Error::MetaTime(t.to_string())),
            MetaTime::Text(s) => parse_time_s(s).ok_or_else(|| Error::MetaTime(s.clone())),
        }
    }
}

/// One point in the `/api/ingest` shape. Every field is optional; absent fields are absent channels.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ApiPoint {
    /// The session to add the point to (HTTP ingest; ignored by the frame conversion).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_id: Option<i64>,
    /// The point's time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub meta_time: Option<MetaTime>,
    /// Track name, for choosing a session.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub track: Option<String>,
    /// Car name, for choosing a session.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chassis: Option<String>,
    /// Lap number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lap: Option<u32>,
    /// Distance from the start line, m.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lapdist_m: Option<f32>,
    /// Speed, km/h.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub speed_kmh: Option<f32>,
    /// Longitudinal acceleration, g.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub accx_can: Option<f32>,
    /// Lateral acceleration, g.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub accy_can: Option<f32>,
    /// Steering wheel angle, degrees.
    #[serde(rename = "Steering_Angle", skip_serializing_if = "Option::is_none")]
    pub steering_angle_deg: Option<f32>,
    /// Front brake pressure, bar (used when `brake` is absent).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pbrake_f: Option<f32>,
    /// Brake pedal 0..1, when the logger has it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub brake: Option<f32>,
    /// Throttle pedal, percent (used when `throttle` is absent).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub aps: Option<f32>,
    /// Throttle pedal 0..1.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub throttle: Option<f32>,
    /// Engine speed, rpm.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rpm: Option<f32>,
    /// Gear: −1 reverse, 0 neutral, 1.. forward.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gear: Option<i32>,
}

/// Decodes one datagram: exactly one JSON object (surrounding whitespace allowed).
pub fn decode(bytes: &[u8]) -> Result<ApiPoint> {
    match bytes.iter().find(|b| !b.is_ascii_whitespace()) {
        None => Err(Error::Empty),
        Some(b'{') => serde_json::from_slice(bytes).map_err(|e| classify(&e)),
        // An array is refused as such even when it is malformed: the fix is the same either way.
        Some(b'[') => Err(Error::NotAnObject { found: "an array" }),
        Some(_) => match serde_json::from_slice::<serde_json::Value>(bytes) {
            Err(e) => Err(classify(&e)),
            Ok(v) => Err(Error::NotAnObject { found: kind(&v) }),
        },
    }
}

fn classify(e: &serde_json::Error) -> Error {
    use serde_json::error::Category;
    match e.classify() {
        Category::Data => Error::Invalid(e.to_string()),
        Category::Syntax | Category::Eof | Category::Io => Error::Malformed(e.to_string()),
    }
}

fn kind(v: &serde_json::Value) -> &'static str {
    use serde_json::Value;
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

impl ApiPoint {
    /// The datagram: this point as one JSON object, absent fields left out.
    pub fn encode(&self) -> Vec<u8> {
        // Serializing plain fields into a Vec cannot fail; the fallback keeps this free of panics anyway.
        serde_json::to_vec(self).unwrap_or_else(|_| b"{}".to_vec())
    }

    /// `meta_time` in seconds, if the point has one.
    pub fn meta_time_s(&self) -> Result<Option<f64>> {
        self.meta_time.as_ref().map(MetaTime::seconds).transpose()
    }

    /// The frame at `t_us`: speed km/h → m/s, steering degrees → rad, `brake` (or `pbrake_f` over
    /// [`BRAKE_PRESSURE_FULL_BAR`]) and `throttle` (or `aps` percent) as 0..1; other fields as they are.
    pub fn to_frame(&self, t_us: i64) -> Frame {
        let mut f = Frame::new(t_us);
        f.set_opt(Channel::Lap, self.lap.map(|l| l as f32));
        f.set_opt(Channel::LapDist, self.lapdist_m);
        f.set_opt(Channel::Speed, self.speed_kmh.map(|v| v * KMH_TO_MPS));
        f.set_opt(Channel::AccLong, self.accx_can);
        f.set_opt(Channel::AccLat, self.accy_can);
        f.set_opt(Channel::Steer, self.steering_angle_deg.map(f32::to_radians));
        f.set_opt(
            Channel::Brake,
            self.brake.or(self.pbrake_f.map(|bar| (bar / BRAKE_PRESSURE_FULL_BAR).clamp(0.0, 1.0))),
        );
        f.set_opt(Channel::Throttle, self.throttle.or(self.aps.map(|pct| (pct / 100.0).clamp(0.0, 1.0))));
        f.set_opt(Channel::Rpm, self.rpm);
        f.set_opt(Channel::Gear, self.gear.map(|g| g as f32));
        f
    }

    /// The point for a frame's channels that this shape carries (the inverse of [`ApiPoint::to_frame`], using
    /// `brake` and `throttle` rather than pressure and percent), with `meta_time` in seconds. For emulating a tool.
    pub fn from_frame(frame: &Frame, meta_time_s: Option<f64>) -> ApiPoint {
        ApiPoint {
            meta_time: meta_time_s.map(MetaTime::Seconds),
            lap: frame.lap(),
            lapdist_m: frame.get(Channel::LapDist),
            speed_kmh: frame.speed_mps().map(|v| v * 3.6),
            accx_can: frame.get(Channel::AccLong),
            accy_can: frame.get(Channel::AccLat),
            steering_angle_deg: frame.get(Channel::Steer).map(f32::to_degrees),
            brake: frame.get(Channel::Brake),
            throttle: frame.get(Channel::Throttle),
            rpm: frame.get(Channel::Rpm),
            gear: frame.gear().map(i32::from),
            ..ApiPoint::default()
        }
    }
}

/// Stamps a stream of points: by `meta_time` counted from the first point that has one, else by the arrival
/// time the caller gives.
#[derive(Debug, Default)]
pub struct JsonNormalizer {
    origin_s: Option<f64>,
}

impl JsonNormalizer {
    /// A normalizer that has seen nothing.
    pub fn new() -> JsonNormalizer {
        JsonNormalizer::default()
    }

    /// The frame for one point; `arrival_us` is used when the point has no `meta_time`.
    pub fn push(&mut self, point: &ApiPoint, arrival_us: i64) -> Result<Frame> {
        let t_us = match point.meta_time_s()? {
            Some(t) => session_time_us(t, *self.origin_s.get_or_insert(t))?,
            None => arrival_us,
        };
        Ok(point.to_frame(t_us))
    }

    /// Decodes a datagram and stamps it.
    pub fn push_datagram(&mut self, bytes: &[u8], arrival_us: i64) -> Result<Frame> {
        self.push(&decode(bytes)?, arrival_us)
    }
}

/// Seconds in a string, or an RFC 3339 timestamp as seconds since the Unix epoch.
pub fn parse_time_s(s: &str) -> Option<f64> {
    if let Ok(v) = s.trim().parse::<f64>() {
        return v.is_finite().then_some(v);
    }
    let t = humantime::parse_rfc3339_weak(s.trim().trim_end_matches('Z')).ok()?;
    t.duration_since(std::time::UNIX_EPOCH).ok().map(|d| d.as_secs_f64())
}
