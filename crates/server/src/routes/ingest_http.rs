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
use racecraft_capture::assetto_corsa::PhysicsValues;
use racecraft_capture::json::ApiPoint;
use racecraft_core::{Channel, Frame, SessionMeta};
use racecraft_protocol::rest::Ingested;
use serde::Deserialize;

use crate::AppError;
use crate::error::json_error;
use crate::state::AppState;
use axum::Extension;
use racecraft_auth::Principal;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct AcQuery {
    session_id: i64,
    lap: Option<u32>,
}

pub(super) async fn ac_ingest(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    query: Result<Query<AcQuery>, QueryRejection>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Ingested>, AppError> {
    counted(&state, ac_ingest_inner(&state, &principal, query, body).await)
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
    principal: &Principal,
    query: Result<Query<AcQuery>, QueryRejection>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Ingested>, AppError> {
    let Query(q) = query.map_err(|e| AppError::BadRequest(e.body_text()))?;
    let body = body_bytes(body)?;
    let max = state.inner.limits.max_points_per_request;
    let lap = q.lap;
    let ((), packets) = parse_blocking(body, Shape::Array, max, (), move |(), _, p: PhysicsValues| {
        Ok((p.packet_id, ac_frame(&p, lap)))
    })
    .await?;
    let live = super::activate_to_stream(state, principal, q.session_id).await?;
    let t_us = live.api_time_us(None).map_err(|e| AppError::Unprocessable(e.to_string()))?;
    let mut frames = Vec::with_capacity(packets.len());
    let mut repeated = 0;
    for (packet_id, mut frame) in packets {
        if let Some(id) = packet_id
            && !live.accept_packet_id(id)
        {
            repeated += 1;
            continue;
        }
        frame.t_us = t_us;
        frames.push(frame);
    }
    let ingested = live.ingest(None, frames, state.writer(), state.metrics());
    if repeated > 0 {
        state.metrics().frames_dropped.get_or_create(&[("reason", "repeated_packet_id")]).inc_by(repeated);
    }
    state.metrics().frames_received.get_or_create(&[("transport", "http_ac")]).inc_by(ingested.accepted as u64);
    Ok(Json(Ingested { session_id: Some(live.id), accepted: ingested.accepted as u64, duplicates: Some(repeated) }))
}

/// The frame of one AC-shaped packet (time 0: the caller stamps it), normalised by the capture crate as
/// shared memory is, plausibility checks included.
fn ac_frame(p: &PhysicsValues, lap: Option<u32>) -> Frame {
    let mut f = p.to_frame(0);
    f.set_opt(Channel::Lap, lap.map(|l| l as f32));
    f
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ApiQuery {
    session_id: Option<i64>,
}

pub(super) async fn api_ingest(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    query: Result<Query<ApiQuery>, QueryRejection>,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<Ingested>), AppError> {
    counted(&state, api_ingest_inner(&state, &principal, query, body).await)
}

async fn api_ingest_inner(
    state: &AppState,
    principal: &Principal,
    query: Result<Query<ApiQuery>, QueryRejection>,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<Ingested>), AppError> {
    let Query(q) = query.map_err(|e| AppError::BadRequest(e.body_text()))?;
    let body = body_bytes(body)?;
    let max = state.inner.limits.max_points_per_request;
    // Each point becomes its frame as it is parsed; only the first keeps its names (they pick the session).
    let (first, points) =
        parse_blocking(body, Shape::ObjectOrArray, max, None, |first: &mut Option<ApiPoint>, i, p: ApiPoint| {
            let t = p.meta_time_s().map_err(|e| format!("point {i}: {e}"))?;
            let frame = p.to_frame(0);
            if frame.is_empty() {
                return Err(format!("point {i} carries no channel"));
            }
            if first.is_none() {
                *first = Some(ApiPoint {
                    session_id: p.session_id,
                    track: p.track,
                    chassis: p.chassis,
                    ..ApiPoint::default()
                });
            }
            Ok((t, frame))
        })
        .await?;
    let Some(first) = first else {
        return Ok((StatusCode::OK, Json(Ingested { session_id: None, accepted: 0, duplicates: None })));
    };
    // All points of one request go to one session: the explicit one, or the first point's track/chassis.
    let session_id = match q.session_id.or(first.session_id) {
        Some(id) => id,
        None => {
            let owner = crate::auth::stream_owner(principal)?;
            let (track, chassis) = (first.track.as_deref().unwrap_or(""), first.chassis.as_deref().unwrap_or(""));
            api_session(state, owner, track, chassis).await?
        }
    };
    let live = super::activate_to_stream(state, principal, session_id).await?;
    let mut frames = Vec::with_capacity(points.len());
    for (i, (t, mut frame)) in points.into_iter().enumerate() {
        frame.t_us = live.api_time_us(t).map_err(|e| AppError::Unprocessable(format!("point {i}: {e}")))?;
        frames.push(frame);
    }
    let ingested = live.ingest(None, frames, state.writer(), state.metrics());
    state.metrics().frames_received.get_or_create(&[("transport", "http_api")]).inc_by(ingested.accepted as u64);
    Ok((
        StatusCode::OK,
        Json(Ingested { session_id: Some(live.id), accepted: ingested.accepted as u64, duplicates: None }),
    ))
}

/// The live `/api/ingest` session for a track and chassis, created on first use.
async fn api_session(
    state: &AppState,
    owner: Option<racecraft_store::Owner>,
    track: &str,
    chassis: &str,
) -> Result<i64, AppError> {
    let key = (owner, track.to_string(), chassis.to_string());
    if let Some(id) = state.live().api_session(&key) {
        return Ok(id);
    }
    let meta = SessionMeta {
        game: "api".into(),
        car: chassis.into(),
        track: track.into(),
        driver: String::new(),
        started_at_ms: racecraft_core::time::now_ms(),
        ..Default::default()
    };
    let session = super::create_session(state, &meta, owner).await?;
    Ok(state.live().set_api_session(key, session.id))
}

/// Parses a body holding one JSON object or an array of them, converting each element as it is read, on a
/// blocking thread. Memory stays proportional to what is kept, never to what a hostile body could make serde
/// build: elements are converted one at a time, and more than `max` of them is refused.
async fn parse_blocking<S, T, U>(
    body: Bytes,
    shape: Shape,
    max: usize,
    state: S,
    convert: impl FnMut(&mut S, usize, T) -> Result<U, String> + Send + 'static,
) -> Result<(S, Vec<U>), AppError>
where
    S: Send + 'static,
    T: serde::de::DeserializeOwned + 'static,
    U: Send + 'static,
{
    let parse = move || {
        let mut seed = Elements { shape, max, state, convert, out: Vec::new(), _t: std::marker::PhantomData };
        let mut de = serde_json::Deserializer::from_slice(&body);
        serde::de::DeserializeSeed::deserialize(&mut seed, &mut de).and_then(|()| de.end()).map_err(|e| {
            if e.classify() == serde_json::error::Category::Data && e.to_string().contains(shape.expected()) {
                AppError::Unprocessable(shape.expected().into())
            } else {
                json_error(&e)
            }
        })?;
        Ok((seed.state, seed.out))
    };
    tokio::task::spawn_blocking(parse).await.map_err(|e| AppError::BadRequest(format!("body not parsed: {e}")))?
}

/// What a JSON ingest body may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    /// An array of objects.
    Array,
    /// One object, or an array of them.
    ObjectOrArray,
}

impl Shape {
    fn expected(self) -> &'static str {
        match self {
            Shape::Array => "expected a JSON array of objects",
            Shape::ObjectOrArray => "expected a JSON object or an array of objects",
        }
    }
}

/// The [`serde::de::DeserializeSeed`] behind [`parse_blocking`].
struct Elements<S, T, U, F> {
    shape: Shape,
    max: usize,
    state: S,
    convert: F,
    out: Vec<U>,
    _t: std::marker::PhantomData<fn() -> T>,
}

impl<S, T, U, F> Elements<S, T, U, F>
where
    F: FnMut(&mut S, usize, T) -> Result<U, String>,
{
    fn push<E: serde::de::Error>(&mut self, element: T) -> Result<(), E> {
        if self.out.len() >= self.max {
            return Err(E::custom(format!("more than {} points in one request; send smaller batches", self.max)));
        }
        let i = self.out.len();
        let u = (self.convert)(&mut self.state, i, element).map_err(E::custom)?;
        self.out.push(u);
        Ok(())
    }
}

impl<'de, S, T, U, F> serde::de::DeserializeSeed<'de> for &mut Elements<S, T, U, F>
where
    T: serde::de::DeserializeOwned,
    F: FnMut(&mut S, usize, T) -> Result<U, String>,
{
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de, S, T, U, F> serde::de::Visitor<'de> for &mut Elements<S, T, U, F>
where
    T: serde::de::DeserializeOwned,
    F: FnMut(&mut S, usize, T) -> Result<U, String>,
{
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.shape.expected())
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(element) = seq.next_element::<T>()? {
            self.push(element)?;
        }
        Ok(())
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<(), A::Error> {
        if self.shape == Shape::Array {
            return Err(serde::de::Error::invalid_type(serde::de::Unexpected::Map, &self.shape.expected()));
        }
        let element = T::deserialize(serde::de::value::MapAccessDeserializer::new(map))?;
        self.push(element)
    }
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
