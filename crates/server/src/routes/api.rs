//! REST: health, channels, sessions, laps, recent frames, metrics.

use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use racecraft_auth::Principal;
use racecraft_core::{Channel, Frame, SessionMeta};
use racecraft_protocol::rest::{
    CreateSession, DbHealth, Health, HealthStatus, Lap, LapQuery, ListSessionsQuery, RecentQuery, Session,
    UpdateSession,
};

use crate::AppError;
use crate::auth::{access_of, stream_owner};
use crate::error::PathParam;
use crate::live::columns_json;
use crate::state::AppState;

/// Most frames `/api/recent/{n}` returns.
const RECENT_MAX: usize = 10_000;

pub(super) async fn health(State(state): State<AppState>) -> Json<Health> {
    let status = state.writer().status();
    // Degraded the moment a batch fails to persist or is held in memory, with the writer's reason.
    let reason = status.degraded_reason();
    Json(Health {
        status: if reason.is_none() { HealthStatus::Ok } else { HealthStatus::Degraded },
        reason,
        version: env!("CARGO_PKG_VERSION").to_string(),
        db: DbHealth {
            backend: format!("{:?}", state.store().backend()).to_lowercase(),
            available: status.db_available,
            spooled_batches: status.spooled_batches as u64,
            held_batches: status.held_batches as u64,
            pending_frames: status.pending_frames as u64,
            last_error: status.last_error.clone(),
        },
        live_sessions: state.live().live_ids().len() as u64,
    })
}

pub(super) async fn channels() -> Json<Vec<racecraft_protocol::rest::ChannelInfo>> {
    Json(crate::messages::channels(true))
}

pub(super) async fn metrics(State(state): State<AppState>) -> Response {
    let m = state.metrics();
    let status = state.writer().status();
    m.db_available.set(i64::from(status.db_available));
    m.spooled_batches.set(status.spooled_batches as i64);
    m.storage_pending_frames.set(status.pending_frames as i64);
    m.stored_frames.set(status.written_frames as i64);
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], m.render()).into_response()
}

fn session_json(state: &AppState, session: &racecraft_store::Session) -> Session {
    crate::messages::session(session, state.live().get(session.id).is_some_and(|s| s.is_live()))
}

pub(super) async fn list_sessions(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    query: Result<Query<ListSessionsQuery>, QueryRejection>,
) -> Result<Json<Vec<Session>>, AppError> {
    let Query(q) = query.map_err(|e| AppError::BadRequest(e.body_text()))?;
    let sessions = state.store().sessions(q.archived).await?;
    Ok(Json(
        sessions
            .iter()
            .filter(|s| principal.reads_session(&access_of(s)))
            .map(|s| session_json(&state, s))
            .collect::<Vec<_>>(),
    ))
}

pub(super) async fn create_session(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    body: Result<Json<CreateSession>, JsonRejection>,
) -> Result<(StatusCode, Json<Session>), AppError> {
    let Json(body) = body.map_err(json_rejection)?;
    let meta = SessionMeta {
        game: body.game,
        car: body.car,
        track: body.track,
        driver: body.driver,
        started_at_ms: body.started_at_ms.unwrap_or_else(racecraft_core::time::now_ms),
        team: body.team.unwrap_or_default(),
        car_number: body.car_number.unwrap_or_default(),
    };
    let owner = stream_owner(&principal)?;
    let session = state.store().create_owned_session(&meta, body.name.as_deref(), owner).await?;
    Ok((StatusCode::CREATED, Json(session_json(&state, &session))))
}

pub(super) async fn get_session(
    State(state): State<AppState>,
    PathParam(id): PathParam<i64>,
) -> Result<Json<Session>, AppError> {
    let session = state.store().session(id).await?.ok_or_else(|| no_session(id))?;
    Ok(Json(session_json(&state, &session)))
}

pub(super) async fn update_session(
    State(state): State<AppState>,
    PathParam(id): PathParam<i64>,
    body: Result<Json<UpdateSession>, JsonRejection>,
) -> Result<Json<Session>, AppError> {
    let Json(body) = body.map_err(json_rejection)?;
    if body.name.is_none() && body.archived.is_none() && body.visibility.is_none() {
        return Err(AppError::Unprocessable("nothing to update: give `name`, `archived` and/or `visibility`".into()));
    }
    if let Some(visibility) = body.visibility {
        if state.auth_mode() == crate::AuthMode::Local {
            return Err(AppError::Unprocessable("visibility needs a team server (this one is local)".into()));
        }
        if !state.store().set_visibility(id, visibility).await? {
            return Err(no_session(id));
        }
    }
    let session = state.store().update_session(id, body.name, body.archived).await?.ok_or_else(|| no_session(id))?;
    Ok(Json(session_json(&state, &session)))
}

pub(super) async fn delete_session(
    State(state): State<AppState>,
    PathParam(id): PathParam<i64>,
) -> Result<StatusCode, AppError> {
    if let Some(live) = state.live().remove(id) {
        live.end();
    }
    state.analyses().forget(id);
    if state.store().delete_session(id).await? { Ok(StatusCode::NO_CONTENT) } else { Err(no_session(id)) }
}

pub(super) async fn session_laps(
    State(state): State<AppState>,
    PathParam(id): PathParam<i64>,
) -> Result<Json<Vec<Lap>>, AppError> {
    state.store().session(id).await?.ok_or_else(|| no_session(id))?;
    let laps = state.store().laps(id).await?;
    Ok(Json(laps.iter().map(crate::messages::stored_lap).collect::<Vec<_>>()))
}

pub(super) async fn lap(
    State(state): State<AppState>,
    PathParam(id): PathParam<i64>,
    query: Result<Query<LapQuery>, QueryRejection>,
) -> Result<Response, AppError> {
    let Query(q) = query.map_err(|e| AppError::BadRequest(e.body_text()))?;
    let channels = parse_channels(q.channels.as_deref())?;
    if q.max_points == Some(0) {
        return Err(AppError::BadRequest("max_points must be at least 1".into()));
    }
    let lap = state.store().lap(id).await?.ok_or_else(|| AppError::NotFound(format!("no lap {id}")))?;
    let frames = state.store().lap_frames(&lap).await?;
    let frames = match q.max_points {
        Some(n) => decimate(
            &frames,
            usize::try_from(n).unwrap_or(usize::MAX),
            channels.as_deref().and_then(|c| c.first().copied()).unwrap_or(Channel::Speed),
        ),
        None => frames,
    };
    let mut out = String::from(r#"{"lap":"#);
    out.push_str(&serde_json::to_string(&crate::messages::stored_lap(&lap)).unwrap_or_default());
    out.push(',');
    columns_json(&frames, channels.as_deref(), &mut out);
    out.push('}');
    Ok(([(header::CONTENT_TYPE, "application/json")], out).into_response())
}

pub(super) async fn recent(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    PathParam(n): PathParam<usize>,
    query: Result<Query<RecentQuery>, QueryRejection>,
) -> Result<Response, AppError> {
    let Query(q) = query.map_err(|e| AppError::BadRequest(e.body_text()))?;
    if n > RECENT_MAX {
        return Err(AppError::BadRequest(format!("at most {RECENT_MAX} frames, asked for {n}")));
    }
    let channels = parse_channels(q.channels.as_deref())?;
    let readable = |live: &std::sync::Arc<crate::live::LiveSession>| principal.reads_session(&access_of(live.row()));
    let live = match q.session_id {
        Some(id) => state
            .live()
            .get(id)
            .filter(|s| s.is_live() && readable(s))
            .ok_or_else(|| AppError::NotFound(format!("session {id} is not live")))?,
        None => state.live().most_recent_where(readable).ok_or_else(|| AppError::NotFound("no live session".into()))?,
    };
    let frames = live.recent(n);
    let mut out = format!(r#"{{"session_id":{},"#, live.id);
    columns_json(&frames, channels.as_deref(), &mut out);
    out.push('}');
    Ok(([(header::CONTENT_TYPE, "application/json")], out).into_response())
}

fn parse_channels(list: Option<&str>) -> Result<Option<Vec<Channel>>, AppError> {
    let Some(list) = list else { return Ok(None) };
    list.split(',')
        .filter(|s| !s.is_empty())
        .map(|name| Channel::from_name(name).ok_or_else(|| AppError::BadRequest(format!("unknown channel `{name}`"))))
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

/// Min/max decimation: at most `max_points` frames, keeping, per bucket of consecutive frames, the ones
/// where `primary` is lowest and highest, so peaks (minimum corner speeds, braking spikes) survive.
pub(crate) fn decimate(frames: &[Frame], max_points: usize, primary: Channel) -> Vec<Frame> {
    if frames.len() <= max_points {
        return frames.to_vec();
    }
    let buckets = (max_points / 2).max(1);
    let mut out = Vec::with_capacity(buckets * 2);
    for b in 0..buckets {
        let lo = b * frames.len() / buckets;
        let hi = ((b + 1) * frames.len() / buckets).max(lo + 1);
        let bucket = &frames[lo..hi];
        let key = |f: &&Frame| f.get(primary).unwrap_or(0.0);
        let (imin, _) =
            bucket.iter().enumerate().min_by(|a, b| key(&a.1).total_cmp(&key(&b.1))).unwrap_or((0, &bucket[0]));
        let (imax, _) =
            bucket.iter().enumerate().max_by(|a, b| key(&a.1).total_cmp(&key(&b.1))).unwrap_or((0, &bucket[0]));
        let (first, second) = if imin <= imax { (imin, imax) } else { (imax, imin) };
        out.push(bucket[first]);
        if second != first && out.len() < max_points {
            out.push(bucket[second]);
        }
    }
    out
}

fn no_session(id: i64) -> AppError {
    AppError::NotFound(format!("no session {id}"))
}

pub(super) fn json_rejection(e: JsonRejection) -> AppError {
    match e {
        JsonRejection::JsonDataError(e) => AppError::Unprocessable(e.body_text()),
        JsonRejection::JsonSyntaxError(e) => AppError::BadRequest(e.body_text()),
        JsonRejection::MissingJsonContentType(e) => AppError::BadRequest(e.body_text()),
        JsonRejection::BytesRejection(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            AppError::TooLarge(e.body_text())
        }
        other => AppError::BadRequest(other.body_text()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimation_keeps_extremes_and_bounds_size() {
        let frames: Vec<Frame> = (0..10_000)
            .map(|i| Frame::new(i).with(Channel::Speed, if i == 5_555 { -50.0 } else { (i as f32 * 0.01).sin() }))
            .collect();
        let d = decimate(&frames, 200, Channel::Speed);
        assert!(d.len() <= 200);
        assert!(d.iter().any(|f| f.speed_mps() == Some(-50.0)));
        assert!(d.windows(2).all(|w| w[0].t_us < w[1].t_us));
        assert_eq!(decimate(&frames[..10], 200, Channel::Speed).len(), 10);
    }
}
