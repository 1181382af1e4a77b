//! `GET /api/pitwall`: every team car the caller may read, as the analysis' pit wall computes it from what is
//! stored (each stint's laps, the first frame of every lap) and what is live (the newest frame).

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::{Extension, Json};
use racecraft_analysis::pitwall::{self, CarInput, SessionKey, StintInput};
use racecraft_auth::Principal;
use racecraft_protocol::pitwall::{FieldBody, PitWall, RaceSettings};

use crate::AppError;
use crate::auth::access_of;
use crate::error::PathParam;
use crate::state::AppState;

/// Cars whose last stint ended longer ago than this are not on the pit wall.
const SHOWN_FOR_MS: i64 = 24 * 3_600_000;

pub(super) async fn pitwall(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    query: Result<Query<RaceSettings>, QueryRejection>,
) -> Result<Json<PitWall>, AppError> {
    let Query(settings) = query.map_err(|e| AppError::BadRequest(e.body_text()))?;
    let now_ms = racecraft_core::time::now_ms();
    let sessions: Vec<racecraft_store::Session> = state
        .store()
        .car_sessions(now_ms - SHOWN_FOR_MS)
        .await?
        .into_iter()
        .filter(|s| principal.reads_session(&access_of(s)))
        .collect();
    let keys: Vec<SessionKey> = sessions
        .iter()
        .map(|s| SessionKey {
            id: s.id,
            // On a team server the owning team is the team; elsewhere the name the agent gave.
            team: (s.team_id, if s.team_id.is_some() { String::new() } else { s.team.clone() }),
            car_number: s.car_number.clone(),
            track: s.track.clone(),
            started_at_ms: s.started_at_ms,
            ended_at_ms: s.ended_at_ms,
        })
        .collect();

    let mut cars = Vec::new();
    for ids in pitwall::group_stints(&keys) {
        let mut stints = Vec::with_capacity(ids.len());
        let mut field = None;
        for id in &ids {
            let Some(session) = sessions.iter().find(|s| s.id == *id) else { continue };
            let laps = state.store().laps(session.id).await?;
            let edges = state.store().lap_edges(session.id, u64::MAX).await?;
            let live = state.live().get(session.id).filter(|l| l.is_live());
            // The live session's newest frame is ahead of what the writer has stored.
            let last = live.as_ref().and_then(|l| l.latest()).or(edges.last);
            field = live.as_ref().and_then(|l| l.field()).map(|f| (*f).clone());
            stints.push(StintInput {
                session_id: session.id,
                driver: session.driver.clone(),
                started_at_ms: session.started_at_ms,
                ended_at_ms: session.ended_at_ms,
                live: live.is_some(),
                laps: laps.iter().map(racecraft_store::LapRow::completed).collect(),
                lap_starts: edges.lap_starts,
                last,
            });
        }
        let Some(first) = ids.first().and_then(|id| sessions.iter().find(|s| s.id == *id)) else { continue };
        let car = CarInput {
            team: first.team.clone(),
            car_number: first.car_number.clone(),
            track: first.track.clone(),
            car: first.car.clone(),
            stints,
            field,
        };
        cars.extend(pitwall::car_status(&car, &settings, now_ms));
    }
    Ok(Json(PitWall { settings, now_ms, cars }))
}

/// `GET /api/sessions/{id}/field`: the latest field of the race while the session is live.
pub(super) async fn field(State(state): State<AppState>, PathParam(id): PathParam<i64>) -> Json<FieldBody> {
    let field = state.live().get(id).filter(|l| l.is_live()).and_then(|l| l.field()).map(|f| (*f).clone());
    Json(FieldBody { session_id: id, field })
}
