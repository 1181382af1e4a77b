//! Analysis over REST: a session's analysis, its track model, one lap against a reference, two laps compared.
//!
//! A session is analysed from its stored frames on first request (on a blocking thread: it is CPU work) and
//! kept in a small cache keyed by session id and frame count, so a live session is re-analysed once it has
//! more frames and a finished one only once.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use racecraft_analysis::{AnalysisOptions, Reference, SessionAnalysis, compare_laps};
use racecraft_store::LapRow;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::AppError;
use crate::error::PathParam;
use crate::state::AppState;

/// Analyses kept in memory.
const CACHED: usize = 8;

/// Frame count it was made from, last use, the analysis.
type CacheEntry = (u64, u64, Arc<SessionAnalysis>);

/// Recent analyses by session: `(session id, frame count)` → analysis.
#[derive(Debug, Default)]
pub struct AnalysisCache {
    entries: Mutex<HashMap<i64, CacheEntry>>,
    uses: std::sync::atomic::AtomicU64,
}

impl AnalysisCache {
    fn get(&self, session: i64, frames: u64) -> Option<Arc<SessionAnalysis>> {
        let mut entries = self.entries.lock().ok()?;
        let use_no = self.uses.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let entry = entries.get_mut(&session).filter(|e| e.0 == frames)?;
        entry.1 = use_no;
        Some(entry.2.clone())
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
    let session = state.store().session(id).await?.ok_or_else(|| AppError::NotFound(format!("no session {id}")))?;
    let frames_stored = session.frame_count;
    if let Some(hit) = state.analyses().get(id, frames_stored) {
        return Ok(hit);
    }
    let frames = state.store().session_frames(id).await?;
    let meta = session.meta();
    let analysis = tokio::task::spawn_blocking(move || {
        racecraft_analysis::analyze_session(&meta, &frames, &AnalysisOptions::default())
    })
    .await
    .map_err(|e| AppError::Unprocessable(format!("analysis failed: {e}")))?
    .map_err(|e| AppError::Unprocessable(format!("session {id} cannot be analysed: {e}")))?;
    let analysis = Arc::new(analysis);
    state.analyses().put(id, frames_stored, analysis.clone());
    Ok(analysis)
}

/// `{"<lap_number>": lap id}` for the stored laps of a session.
fn lap_ids(laps: &[LapRow]) -> Value {
    Value::Object(laps.iter().map(|l| (l.lap_number.to_string(), json!(l.id))).collect())
}

/// `GET /api/sessions/{id}/analysis`: everything the analysis found, plus the stored laps' ids.
pub(super) async fn session(
    State(state): State<AppState>,
    PathParam(id): PathParam<i64>,
) -> Result<Json<Value>, AppError> {
    let analysis = session_analysis(&state, id).await?;
    let laps = state.store().laps(id).await?;
    let mut v = serde_json::to_value(&*analysis).map_err(|e| AppError::Unprocessable(e.to_string()))?;
    if let Value::Object(map) = &mut v {
        map.insert("session_id".into(), json!(id));
        map.insert("lap_ids".into(), lap_ids(&laps));
    }
    Ok(Json(v))
}

/// `GET /api/sessions/{id}/track`: the track model's centre line (every ~2 m, at most 4000 points), start line
/// and corners, for drawing the map.
pub(super) async fn track(
    State(state): State<AppState>,
    PathParam(id): PathParam<i64>,
) -> Result<Json<Value>, AppError> {
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
    let corners: Vec<Value> = analysis
        .corners
        .iter()
        .map(|c| {
            json!({
                "number": c.number, "name": c.name(), "entry_m": c.entry_m, "apex_m": c.apex_m,
                "exit_m": c.exit_m, "apex_xy": at(c.apex_m),
            })
        })
        .collect();
    Ok(Json(json!({
        "track": model.track,
        "length_m": model.length_m,
        "geometry": model.geometry,
        "points": points,
        "start": at(0.0),
        "corners": corners,
    })))
}

async fn lap_row(state: &AppState, id: i64) -> Result<LapRow, AppError> {
    state.store().lap(id).await?.ok_or_else(|| AppError::NotFound(format!("no lap {id}")))
}

fn analysis_error(e: racecraft_analysis::Error) -> AppError {
    AppError::Unprocessable(e.to_string())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct LapAnalysisQuery {
    /// `best` (default) or a lap id of the same session.
    #[serde(rename = "ref")]
    reference: Option<String>,
}

/// `GET /api/laps/{id}/analysis?ref=best|<lap id>`: the lap, its per-corner metrics and its comparison.
pub(super) async fn lap(
    State(state): State<AppState>,
    PathParam(id): PathParam<i64>,
    query: Result<Query<LapAnalysisQuery>, QueryRejection>,
) -> Result<Json<Value>, AppError> {
    let Query(q) = query.map_err(|e| AppError::BadRequest(e.body_text()))?;
    let lap = lap_row(&state, id).await?;
    let reference = match q.reference.as_deref() {
        None | Some("best") => Reference::Best,
        Some(other) => {
            let ref_id: i64 = other
                .parse()
                .map_err(|_| AppError::BadRequest(format!("ref must be `best` or a lap id, not `{other}`")))?;
            let r = lap_row(&state, ref_id).await?;
            same_session(&lap, &r)?;
            Reference::Lap(r.lap_number)
        }
    };
    let analysis = session_analysis(&state, lap.session_id).await?;
    let summary = analysis.lap(lap.lap_number).ok_or_else(|| {
        AppError::Unprocessable(format!("lap {} is not a complete lap of the analysis", lap.lap_number))
    })?;
    let metrics: Vec<_> = analysis.corner_metrics.iter().filter(|m| m.lap_number == lap.lap_number).collect();
    let comparison = compare_laps(&analysis, lap.lap_number, reference).map_err(analysis_error)?;
    Ok(Json(json!({"lap_id": id, "lap": summary, "corner_metrics": metrics, "comparison": comparison})))
}

/// `GET /api/laps/{id}/compare/{ref_id}`: delta, losses per corner and straight, coaching.
pub(super) async fn compare(
    State(state): State<AppState>,
    PathParam((id, ref_id)): PathParam<(i64, i64)>,
) -> Result<Json<Value>, AppError> {
    let lap = lap_row(&state, id).await?;
    let reference = lap_row(&state, ref_id).await?;
    same_session(&lap, &reference)?;
    let analysis = session_analysis(&state, lap.session_id).await?;
    let comparison =
        compare_laps(&analysis, lap.lap_number, Reference::Lap(reference.lap_number)).map_err(analysis_error)?;
    let mut v = serde_json::to_value(comparison).map_err(|e| AppError::Unprocessable(e.to_string()))?;
    if let Value::Object(map) = &mut v {
        map.insert("lap_id".into(), json!(id));
        map.insert("reference_lap_id".into(), json!(ref_id));
    }
    Ok(Json(v))
}

fn same_session(lap: &LapRow, reference: &LapRow) -> Result<(), AppError> {
    if lap.session_id == reference.session_id {
        Ok(())
    } else {
        Err(AppError::Unprocessable(format!(
            "lap {} is in session {} and lap {} in session {}: comparing laps of different sessions is not supported yet",
            lap.id, lap.session_id, reference.id, reference.session_id
        )))
    }
}
