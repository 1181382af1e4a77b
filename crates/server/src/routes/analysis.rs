//! Analysis over REST: a session's analysis, its track model, one lap against a reference (a lap of the same
//! session or of another session on the same track), two laps compared, and the laps of other sessions on the
//! same track that can serve as references.
//!
//! A session is analysed from its stored frames on first request (on a blocking thread: it is CPU work) and
//! kept in a small cache keyed by session id and frame count, so a live session is re-analysed once it has
//! more frames and a finished one only once.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use racecraft_analysis::{
    AnalysisOptions, LapComparison, Reference, SessionAnalysis, compare_across_sessions, compare_laps,
};
use racecraft_protocol::analysis::{
    LapAnalysis, LapAnalysisQuery, LapCompare, ReferenceSession, References, SessionAnalysisBody, TrackCorner, TrackMap,
};
use racecraft_store::{LapRow, Session};

use crate::AppError;
use crate::error::PathParam;
use crate::state::AppState;

/// Analyses kept in memory.
const CACHED: usize = 8;

/// Frame count it was made from, last use, the analysis.
type CacheEntry = (u64, u64, Arc<SessionAnalysis>);

/// Recent analyses by session: `(session id, frame count)` → analysis.
#[derive(Debug)]
pub struct AnalysisCache {
    entries: Mutex<HashMap<i64, CacheEntry>>,
    uses: std::sync::atomic::AtomicU64,
    /// Background analyses of ended sessions run one at a time.
    preparing: tokio::sync::Semaphore,
    /// One lock per session being analysed, so that the page's parallel requests (analysis, track, compare)
    /// wait for one analysis instead of each making its own.
    analysing: Mutex<HashMap<i64, Arc<tokio::sync::Mutex<()>>>>,
}

impl Default for AnalysisCache {
    fn default() -> AnalysisCache {
        AnalysisCache {
            entries: Mutex::default(),
            uses: Default::default(),
            preparing: tokio::sync::Semaphore::new(1),
            analysing: Mutex::default(),
        }
    }
}

impl AnalysisCache {
    fn get(&self, session: i64, frames: u64) -> Option<Arc<SessionAnalysis>> {
        let mut entries = self.entries.lock().ok()?;
        let use_no = self.uses.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let entry = entries.get_mut(&session).filter(|e| e.0 == frames)?;
        entry.1 = use_no;
        Some(entry.2.clone())
    }

    /// The lock that whoever analyses `session` holds.
    fn lock_for(&self, session: i64) -> Arc<tokio::sync::Mutex<()>> {
        let mut map = self.analysing.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        map.entry(session).or_default().clone()
    }

    /// Forgets the lock of `session` when nobody else holds or waits for it.
    fn release(&self, session: i64, lock: Arc<tokio::sync::Mutex<()>>) {
        let mut map = self.analysing.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        // Ours and the map's: nobody else has it.
        if Arc::strong_count(&lock) <= 2 {
            map.remove(&session);
        }
    }

    /// Drops the analysis of a deleted session.
    pub(crate) fn forget(&self, session: i64) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.remove(&session);
        }
    }

    fn put(&self, session: i64, frames: u64, analysis: Arc<SessionAnalysis>) {
        let Ok(mut entries) = self.entries.lock() else { return };
        let use_no = self.uses.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        if entries.len() >= CACHED
            && !entries.contains_key(&session)
            && let Some(oldest) = entries.iter().min_by_key(|(_, e)| e.1).map(|(k, _)| *k)
        {
            entries.remove(&oldest);
        }
        entries.insert(session, (frames, use_no, analysis));
    }
}

/// The analysis of session `id`, from the cache or computed now.
pub(crate) async fn session_analysis(state: &AppState, id: i64) -> Result<Arc<SessionAnalysis>, AppError> {
    analysis_for(state, id, "request").await
}

/// [`session_analysis`], counting a computed one under `trigger` in `racecraft_session_analyses_total`.
async fn analysis_for(state: &AppState, id: i64, trigger: &'static str) -> Result<Arc<SessionAnalysis>, AppError> {
    let session = state.store().session(id).await?.ok_or_else(|| AppError::NotFound(format!("no session {id}")))?;
    let frames_stored = session.frame_count;
    if let Some(hit) = state.analyses().get(id, frames_stored) {
        return Ok(hit);
    }
    let lock = state.analyses().lock_for(id);
    let result = {
        let _analysing = lock.lock().await;
        match state.analyses().get(id, frames_stored) {
            Some(hit) => Ok(hit),
            None => analyse(state, &session, trigger).await,
        }
    };
    state.analyses().release(id, lock);
    result
}

/// Analyses a stored session now and caches the result.
async fn analyse(state: &AppState, session: &Session, trigger: &'static str) -> Result<Arc<SessionAnalysis>, AppError> {
    let (id, frames_stored) = (session.id, session.frame_count);
    state.metrics().session_analyses.get_or_create(&[("trigger", trigger)]).inc();
    // Only the channels the analysis reads are decoded, and only its columns are kept: a long session is never
    // held as frames. The stored count sizes the columns (a hint the analysis caps).
    let expected = usize::try_from(frames_stored).unwrap_or(0);
    let mut columns = racecraft_analysis::FrameColumns::with_expected_frames(expected);
    state.store().each_session_chunk(id, racecraft_analysis::CHANNELS_READ, |frames| columns.extend(frames)).await?;
    let meta = session.meta();
    let analysis = tokio::task::spawn_blocking(move || {
        racecraft_analysis::analyze_frame_columns(&meta, columns, &AnalysisOptions::default(), None)
    })
    .await
    .map_err(|e| AppError::Unprocessable(format!("analysis failed: {e}")))?
    .map_err(|e| AppError::Unprocessable(format!("session {id} cannot be analysed: {e}")))?;
    let analysis = Arc::new(analysis);
    state.analyses().put(id, frames_stored, analysis.clone());
    Ok(analysis)
}

/// Analyses a session that has just ended in the background, once its frames are stored, so that opening it
/// finds the analysis ready. One at a time: a burst of sessions ending does not take every core.
pub(crate) fn prepare(state: &AppState, id: i64) {
    let state = state.clone();
    tokio::spawn(async move {
        let Ok(_turn) = state.analyses().preparing.acquire().await else { return };
        if let Err(e) = state.writer().flush().await {
            tracing::debug!(session = id, error = %e, "not analysing the ended session: storage is behind");
            return;
        }
        prepared(&state, id, "session_ended").await;
    });
}

/// Analyses the `n` most recent sessions with laps in the background when the server starts, so that after a
/// restart the sessions a driver is most likely to open are ready too.
pub(crate) fn prepare_recent(state: &AppState, n: usize) {
    if n == 0 {
        return;
    }
    let state = state.clone();
    tokio::spawn(async move {
        let mut sessions = match state.store().sessions(false).await {
            Ok(s) => s,
            Err(e) => return tracing::debug!(error = %e, "not preparing analyses: no session list"),
        };
        sessions.retain(|s| s.lap_count > 0);
        sessions.sort_by_key(|s| std::cmp::Reverse((s.started_at_ms, s.id)));
        for s in sessions.into_iter().take(n) {
            let Ok(_turn) = state.analyses().preparing.acquire().await else { return };
            prepared(&state, s.id, "server_started").await;
        }
    });
}

async fn prepared(state: &AppState, id: i64, trigger: &'static str) {
    match analysis_for(state, id, trigger).await {
        Ok(a) => tracing::debug!(session = id, laps = a.laps.len(), trigger, "session analysed in the background"),
        Err(e) => tracing::debug!(session = id, error = %e, trigger, "no analysis for the session"),
    }
}

/// `GET /api/sessions/{id}/analysis`: everything the analysis found, plus the stored laps' ids.
pub(super) async fn session(
    State(state): State<AppState>,
    PathParam(id): PathParam<i64>,
) -> Result<Json<SessionAnalysisBody>, AppError> {
    let analysis = session_analysis(&state, id).await?;
    let laps = state.store().laps(id).await?;
    Ok(Json(SessionAnalysisBody {
        session_id: id,
        lap_ids: laps.iter().map(|l| (l.lap_number.to_string(), l.id)).collect(),
        analysis,
    }))
}

/// `GET /api/sessions/{id}/track`: the track model's centre line (every ~2 m, at most 4000 points), start line
/// and corners, for drawing the map.
pub(super) async fn track(
    State(state): State<AppState>,
    PathParam(id): PathParam<i64>,
) -> Result<Json<TrackMap>, AppError> {
    let analysis = session_analysis(&state, id).await?;
    let model = &analysis.track_model;
    let every = model.points.len().div_ceil(4000).max(1);
    let points: Vec<[f64; 3]> = model
        .points
        .iter()
        .enumerate()
        .step_by(every)
        .map(|(i, p)| [f64::from(p[0]), f64::from(p[1]), i as f64 * model.step_m])
        .collect();
    let at = |d_m: f64| -> Option<[f32; 2]> {
        if model.points.is_empty() || model.step_m <= 0.0 {
            return None;
        }
        let i = ((d_m / model.step_m).round() as usize) % model.points.len();
        model.points.get(i).copied()
    };
    let corners = analysis
        .corners
        .iter()
        .map(|c| TrackCorner {
            number: c.number,
            name: c.name(),
            entry_m: c.entry_m,
            apex_m: c.apex_m,
            exit_m: c.exit_m,
            apex_xy: at(c.apex_m),
        })
        .collect();
    Ok(Json(TrackMap {
        track: model.track.clone(),
        length_m: model.length_m,
        geometry: model.geometry,
        points,
        start: at(0.0),
        corners,
    }))
}

async fn lap_row(state: &AppState, id: i64) -> Result<LapRow, AppError> {
    state.store().lap(id).await?.ok_or_else(|| AppError::NotFound(format!("no lap {id}")))
}

fn analysis_error(e: racecraft_analysis::Error) -> AppError {
    AppError::Unprocessable(e.to_string())
}

/// `GET /api/laps/{id}/analysis?ref=best|<lap id>`: the lap, its per-corner metrics and its comparison.
pub(super) async fn lap(
    State(state): State<AppState>,
    PathParam(id): PathParam<i64>,
    query: Result<Query<LapAnalysisQuery>, QueryRejection>,
) -> Result<Json<LapAnalysis>, AppError> {
    let Query(q) = query.map_err(|e| AppError::BadRequest(e.body_text()))?;
    let lap = lap_row(&state, id).await?;
    let analysis = session_analysis(&state, lap.session_id).await?;
    let summary = analysis.lap(lap.lap_number).ok_or_else(|| {
        AppError::Unprocessable(format!("lap {} is not a complete lap of the analysis", lap.lap_number))
    })?;
    let corner_metrics = analysis.corner_metrics.iter().filter(|m| m.lap_number == lap.lap_number).cloned().collect();
    let (comparison, reference_session_id) = match q.reference.as_deref() {
        None | Some("best") => {
            (compare_laps(&analysis, lap.lap_number, Reference::Best).map_err(analysis_error)?, lap.session_id)
        }
        Some(other) => {
            let ref_id: i64 = other
                .parse()
                .map_err(|_| AppError::BadRequest(format!("ref must be `best` or a lap id, not `{other}`")))?;
            let r = lap_row(&state, ref_id).await?;
            (comparison(&state, &analysis, &lap, &r).await?, r.session_id)
        }
    };
    Ok(Json(LapAnalysis { lap_id: id, lap: summary.clone(), corner_metrics, comparison, reference_session_id }))
}

/// `GET /api/laps/{id}/compare/{ref_id}`: delta, losses per corner and straight, coaching. The reference may
/// be a lap of another session on the same track.
pub(super) async fn compare(
    State(state): State<AppState>,
    PathParam((id, ref_id)): PathParam<(i64, i64)>,
) -> Result<Json<LapCompare>, AppError> {
    let lap = lap_row(&state, id).await?;
    let reference = lap_row(&state, ref_id).await?;
    let analysis = session_analysis(&state, lap.session_id).await?;
    let comparison = comparison(&state, &analysis, &lap, &reference).await?;
    Ok(Json(LapCompare {
        lap_id: id,
        reference_lap_id: ref_id,
        reference_session_id: reference.session_id,
        comparison,
    }))
}

/// Stored lap `lap` (of the session `analysis` was made from) against stored lap `reference`.
async fn comparison(
    state: &AppState,
    analysis: &SessionAnalysis,
    lap: &LapRow,
    reference: &LapRow,
) -> Result<LapComparison, AppError> {
    if lap.session_id == reference.session_id {
        return compare_laps(analysis, lap.lap_number, Reference::Lap(reference.lap_number)).map_err(analysis_error);
    }
    let store = state.store();
    let (Some(mine), Some(theirs)) = (store.session(lap.session_id).await?, store.session(reference.session_id).await?)
    else {
        return Err(AppError::NotFound(format!("no session {}", reference.session_id)));
    };
    if !same_track(&mine, &theirs) {
        return Err(AppError::Unprocessable(format!(
            "lap {} is at {:?} and lap {} at {:?}: a reference lap must be on the same track",
            lap.id, mine.track, reference.id, theirs.track
        )));
    }
    let other = session_analysis(state, reference.session_id).await?;
    compare_across_sessions(analysis, lap.lap_number, &other, reference.lap_number).map_err(analysis_error)
}

/// The track name without case, spaces or punctuation (`"Spa-Francorchamps"` = `"spa francorchamps"`).
fn track_key(track: &str) -> String {
    track.chars().filter(char::is_ascii_alphanumeric).map(|c| c.to_ascii_lowercase()).collect()
}

fn same_track(a: &Session, b: &Session) -> bool {
    let key = track_key(&a.track);
    !key.is_empty() && key == track_key(&b.track)
}

/// Sessions listed by [`references`].
const REFERENCE_SESSIONS: usize = 20;

/// `GET /api/sessions/{id}/references`: other sessions on the same track (the fastest first, at most 20), each
/// with its laps, to pick a reference lap from.
pub(super) async fn references(
    State(state): State<AppState>,
    axum::Extension(principal): axum::Extension<racecraft_auth::Principal>,
    PathParam(id): PathParam<i64>,
) -> Result<Json<References>, AppError> {
    let store = state.store();
    let session = store.session(id).await?.ok_or_else(|| AppError::NotFound(format!("no session {id}")))?;
    let mut others: Vec<Session> = store
        .sessions(true)
        .await?
        .into_iter()
        .filter(|s| s.id != id && s.lap_count > 0 && same_track(&session, s))
        .filter(|s| principal.reads_session(&crate::auth::access_of(s)))
        .collect();
    others.sort_by(|a, b| {
        let best = |s: &Session| s.best_lap_s.unwrap_or(f64::INFINITY);
        best(a).total_cmp(&best(b)).then(b.started_at_ms.cmp(&a.started_at_ms))
    });
    others.truncate(REFERENCE_SESSIONS);
    let mut out = Vec::with_capacity(others.len());
    for s in others {
        let laps = store.laps(s.id).await?.iter().map(crate::messages::stored_lap).collect();
        out.push(ReferenceSession {
            session_id: s.id,
            name: s.name,
            driver: s.driver,
            car: s.car,
            game: s.game,
            started_at_ms: s.started_at_ms,
            best_lap_s: s.best_lap_s,
            laps,
        });
    }
    Ok(Json(References { track: session.track, sessions: out }))
}
