//! JSON ingest for tools that cannot speak the agent protocol.
//!
//! - `POST /ingest?session_id=..&lap=..`: an array of Assetto-Corsa-physics-shaped objects (the shared memory
//!   page's field names). AC conventions are converted at this edge: `gear` 0 = R, 1 = N, 2 = first; km/h;
//!   `accG` = [lateral, vertical, longitudinal] in g; `wheelsPressure` in psi; world axes x, y (up), z, so
//!   the track plane is x/z. Repeated or older `packetId`s are dropped. These frames carry no time of their
//!   own: they are stamped with the time they arrive.
//! - `POST /api/ingest`: one point or an array in a logger's flat shape (`meta_time, track, chassis, lap,
//!   lapdist_m, speed_kmh, accx_can, accy_can, Steering_Angle, pbrake_f, rpm, ...`). `meta_time` (seconds or
//!   RFC 3339) sets the session clock. Without `session_id`, points go to a live session per track and
//!   chassis, created on first use.

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use racecraft_capture::json::ApiPoint;
use racecraft_core::{Channel, Frame, SessionMeta, Wheel};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::AppError;
use crate::error::json_error;
use crate::state::AppState;

const KMH_TO_MPS: f32 = 1.0 / 3.6;
const PSI_TO_KPA: f32 = 6.894_757;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct AcQuery {
    session_id: i64,
    lap: Option<u32>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct AcPhysics {
    packet_id: Option<i64>,
    gas: Option<f32>,
    brake: Option<f32>,
    clutch: Option<f32>,
    fuel: Option<f32>,
    gear: Option<i32>,
    rpms: Option<f32>,
    steer_angle: Option<f32>,
    speed_kmh: Option<f32>,
    velocity: Option<[f32; 3]>,
    acc_g: Option<[f32; 3]>,
    wheel_slip: Option<[f32; 4]>,
    wheels_pressure: Option<[f32; 4]>,
    tyre_core_temperature: Option<[f32; 4]>,
    heading: Option<f32>,
    pitch: Option<f32>,
    roll: Option<f32>,
    car_coordinates: Option<[f32; 3]>,
}

pub(super) async fn ac_ingest(
    State(state): State<AppState>,
    query: Result<Query<AcQuery>, QueryRejection>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Value>, AppError> {
    counted(&state, ac_ingest_inner(&state, query, body).await)
}

/// Counts a rejected ingest request under its reason.
fn counted<T>(state: &AppState, result: Result<T, AppError>) -> Result<T, AppError> {
    if let Err(e) = &result {
        state.metrics().reject(e.reason());
    }
    result
}

async fn ac_ingest_inner(
    state: &AppState,
    query: Result<Query<AcQuery>, QueryRejection>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Value>, AppError> {
    let Query(q) = query.map_err(|e| AppError::BadRequest(e.body_text()))?;
    let body = body_bytes(body)?;
    let packets: Vec<AcPhysics> = serde_json::from_slice(&body).map_err(|e| json_error(&e))?;
    let live = super::activate(state, q.session_id).await?;
    let t_us = live.api_time_us(None);
    let mut frames = Vec::with_capacity(packets.len());
    let mut repeated = 0;
    for p in &packets {
        if let Some(id) = p.packet_id
            && !live.accept_packet_id(id)
        {
            repeated += 1;
            continue;
        }
        let mut f = Frame::new(t_us);
        f.set_opt(Channel::Throttle, p.gas);
        f.set_opt(Channel::Brake, p.brake);
        f.set_opt(Channel::Clutch, p.clutch);
        f.set_opt(Channel::Fuel, p.fuel);
        f.set_opt(Channel::Gear, p.gear.map(|g| (g - 1) as f32));
        f.set_opt(Channel::Rpm, p.rpms);
        f.set_opt(Channel::SteerInput, p.steer_angle);
        f.set_opt(Channel::Speed, p.speed_kmh.map(|v| v * KMH_TO_MPS));
        if let Some([x, y, z]) = p.velocity {
            f.set(Channel::VelX, x);
            f.set(Channel::VelY, z);
            f.set(Channel::VelZ, y);
        }
        if let Some([lat, vert, long]) = p.acc_g {
            f.set(Channel::AccLat, lat);
            f.set(Channel::AccVert, vert);
            f.set(Channel::AccLong, long);
        }
        if let Some([x, y, z]) = p.car_coordinates {
            f.set(Channel::PosX, x);
            f.set(Channel::PosY, z);
            f.set(Channel::PosZ, y);
        }
        f.set_opt(Channel::Yaw, p.heading);
        f.set_opt(Channel::Pitch, p.pitch);
        f.set_opt(Channel::Roll, p.roll);
        for (i, wheel) in Wheel::ALL.into_iter().enumerate() {
            f.set_opt(Channel::slip_ratio(wheel), p.wheel_slip.map(|w| w[i]));
            f.set_opt(Channel::tyre_pressure(wheel), p.wheels_pressure.map(|w| w[i] * PSI_TO_KPA));
            f.set_opt(Channel::tyre_temp(wheel), p.tyre_core_temperature.map(|w| w[i]));
        }
        f.set_opt(Channel::Lap, q.lap.map(|l| l as f32));
        frames.push(f);
    }
    let ingested = live.ingest(None, frames, state.writer(), state.metrics());
    if repeated > 0 {
        state.metrics().frames_dropped.get_or_create(&[("reason", "repeated_packet_id")]).inc_by(repeated);
    }
    state.metrics().frames_received.get_or_create(&[("transport", "http_ac")]).inc_by(ingested.accepted as u64);
    Ok(Json(json!({"session_id": live.id, "accepted": ingested.accepted, "duplicates": repeated})))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ApiQuery {
    session_id: Option<i64>,
}

pub(super) async fn api_ingest(
    State(state): State<AppState>,
    query: Result<Query<ApiQuery>, QueryRejection>,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<Value>), AppError> {
    counted(&state, api_ingest_inner(&state, query, body).await)
}

async fn api_ingest_inner(
    state: &AppState,
    query: Result<Query<ApiQuery>, QueryRejection>,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<Value>), AppError> {
    let Query(q) = query.map_err(|e| AppError::BadRequest(e.body_text()))?;
    let body = body_bytes(body)?;
    // One object or an array of them, parsed straight into points (no intermediate JSON tree).
    let points: Vec<ApiPoint> = match body.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'[') => serde_json::from_slice(&body).map_err(|e| json_error(&e))?,
        Some(b'{') => vec![serde_json::from_slice(&body).map_err(|e| json_error(&e))?],
        Some(_) | None => {
            // Let serde say what is wrong with it, or that it is valid JSON of the wrong kind.
            let e = match serde_json::from_slice::<Value>(&body) {
                Err(e) => json_error(&e),
                Ok(_) => AppError::Unprocessable("expected a JSON object or an array of objects".into()),
            };
            return Err(e);
        }
    };
    if points.is_empty() {
        return Ok((StatusCode::OK, Json(json!({"accepted": 0}))));
    }
    let mut times = Vec::with_capacity(points.len());
    for (i, p) in points.iter().enumerate() {
        times.push(p.meta_time_s().map_err(|e| AppError::Unprocessable(format!("point {i}: {e}")))?);
    }
    // All points of one request go to one session: the explicit one, or the first point's track/chassis.
    let first = &points[0];
    let session_id = match q.session_id.or(first.session_id) {
        Some(id) => id,
        None => {
            api_session(state, first.track.as_deref().unwrap_or(""), first.chassis.as_deref().unwrap_or("")).await?
        }
    };
    let live = super::activate(state, session_id).await?;
    let frames: Vec<Frame> = points.iter().zip(times).map(|(p, t)| p.to_frame(live.api_time_us(t))).collect();
    let ingested = live.ingest(None, frames, state.writer(), state.metrics());
    state.metrics().frames_received.get_or_create(&[("transport", "http_api")]).inc_by(ingested.accepted as u64);
    Ok((StatusCode::OK, Json(json!({"session_id": live.id, "accepted": ingested.accepted}))))
}

/// The live `/api/ingest` session for a track and chassis, created on first use.
async fn api_session(state: &AppState, track: &str, chassis: &str) -> Result<i64, AppError> {
    let key = (track.to_string(), chassis.to_string());
    if let Some(id) = state.live().api_session(&key) {
        return Ok(id);
    }
    let meta = SessionMeta {
        game: "api".into(),
        car: chassis.into(),
        track: track.into(),
        driver: String::new(),
        started_at_ms: super::now_ms(),
    };
    let session = state.store().create_session(&meta, None).await?;
    Ok(state.live().set_api_session(key, session.id))
}

fn body_bytes(body: Result<Bytes, BytesRejection>) -> Result<Bytes, AppError> {
    body.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            AppError::TooLarge(e.body_text())
        } else {
            AppError::BadRequest(e.body_text())
        }
    })
}
