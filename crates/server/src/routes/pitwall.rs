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

/// What the pit wall read of a session's stored telemetry: the first frame of each stored lap and the last
/// frame.
#[derive(Debug, Clone, PartialEq)]
struct Edges {
    lap_starts: Vec<(u32, racecraft_core::Frame)>,
    last: Option<racecraft_core::Frame>,
}

/// The pit wall's sessions' [`Edges`], kept between polls: a stored lap's first frame never changes, so a
/// session is read again only when it has a lap the entry lacks (or, ended, when the entry has no last frame).
#[derive(Debug, Default)]
pub(crate) struct LapStartsCache(std::sync::Mutex<std::collections::HashMap<i64, Edges>>);

impl LapStartsCache {
    /// The cached edges of `session_id` if they hold the first frame of every lap in `wanted`.
    fn get(&self, session_id: i64, wanted: &[u32]) -> Option<Edges> {
        let map = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        map.get(&session_id).filter(|e| covers(&e.lap_starts, wanted)).cloned()
    }

    /// Keeps `edges` for `session_id`, forgetting sessions no longer on the pit wall.
    fn put(&self, session_id: i64, edges: Edges, shown: &[i64]) {
        let mut map = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        map.retain(|id, _| shown.contains(id));
        map.insert(session_id, edges);
    }
}

/// Whether `starts` has the first frame of every lap in `wanted`.
fn covers(starts: &[(u32, racecraft_core::Frame)], wanted: &[u32]) -> bool {
    wanted.iter().all(|lap| starts.iter().any(|(n, _)| n == lap))
}

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

    let shown: Vec<i64> = sessions.iter().map(|s| s.id).collect();
    let mut cars = Vec::new();
    for ids in pitwall::group_stints(&keys) {
        let mut stints = Vec::with_capacity(ids.len());
        let mut field = None;
        for id in &ids {
            let Some(session) = sessions.iter().find(|s| s.id == *id) else { continue };
            let laps = state.store().laps(session.id).await?;
            let live = state.live().get(session.id).filter(|l| l.is_live());
            let newest = live.as_ref().and_then(|l| l.latest());
            // Live: every completed lap's first frame, the next one's (its end) and the running lap's. Ended:
            // what was stored, once.
            let wanted: Vec<u32> = match &newest {
                Some(frame) => laps.iter().flat_map(|l| [l.lap_number, l.lap_number + 1]).chain(frame.lap()).collect(),
                None => laps.iter().map(|l| l.lap_number).collect(),
            };
            // An ended session's row is written behind its last frames: once it says ended, all is stored.
            let settled = live.is_some() || session.ended_at_ms.is_some();
            let cached = state.inner.lap_starts.get(session.id, &wanted).filter(|e| live.is_some() || e.last.is_some());
            let cached = cached.filter(|_| settled);
            let edges = match cached {
                Some(edges) => edges,
                None => {
                    let read = state.store().lap_edges(session.id, u64::MAX).await?;
                    let edges = Edges { lap_starts: read.lap_starts, last: read.last };
                    if settled {
                        state.inner.lap_starts.put(session.id, edges.clone(), &shown);
                    }
                    edges
                }
            };
            // The live session's newest frame is ahead of what the writer has stored.
            let last = newest.or(edges.last);
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

#[cfg(test)]
mod tests {
    use super::*;
    use racecraft_core::Frame;

    #[test]
    fn the_cache_serves_only_what_holds_every_lap_asked_for_and_forgets_what_left_the_wall() {
        let cache = LapStartsCache::default();
        let edges = Edges { lap_starts: vec![(1, Frame::new(0)), (2, Frame::new(90_000_000))], last: None };
        cache.put(7, edges.clone(), &[7]);
        assert_eq!(cache.get(7, &[1, 2]), Some(edges.clone()));
        assert_eq!(cache.get(7, &[1, 2, 3]), None, "a lap it lacks: read again");
        assert_eq!(cache.get(8, &[]), None);
        cache.put(8, Edges { lap_starts: Vec::new(), last: None }, &[8]);
        assert_eq!(cache.get(7, &[1]), None, "session 7 left the wall");
        assert!(cache.get(8, &[]).is_some());
    }
}
