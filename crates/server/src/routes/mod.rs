//! The router: one module per endpoint family.

mod account;
pub(crate) mod analysis;
mod api;
mod chat;
mod export;
mod in_process;
mod ingest_http;
mod ingest_ws;
mod mcp;
pub(crate) mod pitwall;
mod view_ws;
mod web;

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::Method;
use axum::routing::{MethodRouter, delete, get, post};
use racecraft_core::SessionMeta;
use racecraft_store::Session;

use crate::AppError;
use crate::auth::Policy;
use crate::live::{LiveSession, Resume};
use crate::state::AppState;

/// One route: method and path, who may call it, and its handler.
struct Route {
    method: Method,
    path: &'static str,
    policy: Policy,
    handler: MethodRouter<AppState>,
}

fn route(method: Method, path: &'static str, policy: Policy, handler: MethodRouter<AppState>) -> Route {
    Route { method, path, policy, handler }
}

/// Every route with its policy. The router is built from this list only, so no route exists without a
/// policy; the authorization test walks the same list.
fn routes() -> Vec<Route> {
    use Policy::*;
    let (g, p, d, patch) = (Method::GET, Method::POST, Method::DELETE, Method::PATCH);
    vec![
        route(g.clone(), "/api/health", Public, get(api::health)),
        route(g.clone(), "/api/channels", Public, get(api::channels)),
        route(g.clone(), "/api/chat", SignedIn, get(chat::info)),
        route(g.clone(), "/api/me", Public, get(account::me)),
        route(p.clone(), "/api/login", Public, post(account::login)),
        route(p.clone(), "/api/logout", Public, post(account::logout)),
        route(g.clone(), "/api/shared", Public, get(account::shared)),
        route(p.clone(), "/api/account/password", SignedIn, post(account::change_password)),
        route(g.clone(), "/api/teams/{team}/members", ManageTeam, get(account::members)),
        route(p.clone(), "/api/teams/{team}/members", ManageTeam, post(account::add_member)),
        route(d.clone(), "/api/teams/{team}/members/{user}", ManageTeam, delete(account::remove_member)),
        route(g.clone(), "/api/teams/{team}/tokens", ManageTeam, get(account::tokens)),
        route(p.clone(), "/api/teams/{team}/tokens", ManageTeam, post(account::create_token)),
        route(d.clone(), "/api/teams/{team}/tokens/{token}", ManageTeam, delete(account::revoke_token)),
        route(g.clone(), "/api/sessions", SignedIn, get(api::list_sessions)),
        route(p.clone(), "/api/sessions", Stream, post(api::create_session)),
        route(g.clone(), "/api/sessions/{id}", ReadSession, get(api::get_session)),
        route(patch, "/api/sessions/{id}", EditSession, axum::routing::patch(api::update_session)),
        route(d.clone(), "/api/sessions/{id}", EditSession, delete(api::delete_session)),
        route(g.clone(), "/api/sessions/{id}/laps", ReadSession, get(api::session_laps)),
        route(g.clone(), "/api/sessions/{id}/analysis", ReadSession, get(analysis::session)),
        route(g.clone(), "/api/sessions/{id}/track", ReadSession, get(analysis::track)),
        route(g.clone(), "/api/sessions/{id}/export", ReadSession, get(export::session)),
        route(g.clone(), "/api/sessions/{id}/references", ReadSession, get(analysis::references)),
        route(p.clone(), "/api/sessions/{id}/chat", ReadSession, post(chat::ask)),
        route(g.clone(), "/api/sessions/{id}/shares", EditSession, get(account::shares)),
        route(p.clone(), "/api/sessions/{id}/shares", EditSession, post(account::create_share)),
        route(d.clone(), "/api/sessions/{id}/shares/{share}", EditSession, delete(account::revoke_share)),
        route(g.clone(), "/api/laps/{id}", ReadLap, get(api::lap)),
        route(g.clone(), "/api/laps/{id}/analysis", ReadLap, get(analysis::lap)),
        route(g.clone(), "/api/laps/{id}/compare/{ref_id}", ReadLap, get(analysis::compare)),
        route(g.clone(), "/api/recent/{n}", SignedIn, get(api::recent)),
        route(g.clone(), "/api/pitwall", SignedIn, get(pitwall::pitwall)),
        route(g.clone(), "/api/sessions/{id}/field", ReadSession, get(pitwall::field)),
        route(p.clone(), "/api/ingest", Stream, post(ingest_http::api_ingest)),
        route(p.clone(), "/ingest", Stream, post(ingest_http::ac_ingest)),
        route(g.clone(), "/ws/ingest", Stream, get(ingest_ws::upgrade)),
        route(g.clone(), "/ws/{id}", ReadSession, get(view_ws::upgrade)),
        route(p, "/mcp", SignedIn, post(mcp::serve)),
        route(g, "/metrics", Operator, get(api::metrics)),
    ]
}

/// Every route's method, path and policy, in the order the router is built.
pub fn route_table() -> Vec<(Method, &'static str, Policy)> {
    routes().into_iter().map(|r| (r.method, r.path, r.policy)).collect()
}

/// Builds the application. No sockets here: tests call it with `tower::ServiceExt::oneshot`.
pub fn app(state: AppState) -> Router {
    let body_limit = state.inner.limits.max_body_bytes;
    let mut router = Router::new();
    for r in routes() {
        let guard = axum::middleware::from_fn_with_state((state.clone(), r.policy), crate::auth::authorize);
        router = router.route(r.path, r.handler.route_layer(guard));
    }
    router
        .fallback(web::asset)
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(axum::middleware::from_fn_with_state(state.clone(), crate::auth::authenticate))
        // Outermost, so it sees (and turns into JSON) the errors of every layer inside.
        .layer(axum::middleware::from_fn_with_state(state.clone(), crate::access::guard))
        .with_state(state)
}

/// Creates a session for an agent: in the database, or, while it is away, through the storage writer (an id
/// from the offline range, the row spooled ahead of the session's frames), so a car is live at once and its
/// frames are acknowledged as they become durable, whether the database is there or not.
pub(crate) async fn create_session(
    state: &AppState,
    meta: &SessionMeta,
    owner: Option<racecraft_store::Owner>,
) -> Result<Session, AppError> {
    // While the writer knows the database is away, asking it would only wait out the connect timeout.
    if !state.writer().db_away() {
        match state.store().create_owned_session(meta, None, owner).await {
            Ok(session) => return Ok(session),
            Err(e) => tracing::warn!(error = %e, "cannot create the session in the database; creating it offline"),
        }
    }
    let session = state.writer().create_owned_session(meta, None, owner).await?;
    tracing::info!(session = session.id, "session created while the database is away");
    Ok(session)
}

/// Makes a session just created live: nothing is stored for it yet, so nothing needs reading.
pub(crate) fn activate_new(state: &AppState, session: Session) -> Arc<LiveSession> {
    state.live().activate(Resume::fresh(session)).0
}

/// The live session `id`, making it live if it exists in the store but is not live yet. A session that has
/// not ended picks up where its stored frames end: the laps in progress are replayed from the store (and
/// any lap they complete that the store lacks, after a crash, is written). A session the writer created
/// while the database was away goes live from the writer's copy when the database cannot say more (it is
/// unreachable, or has not received the row yet); any other session needs the database.
pub(crate) async fn activate(state: &AppState, id: i64) -> Result<Arc<LiveSession>, AppError> {
    if let Some(live) = state.live().get(id) {
        return Ok(live);
    }
    let refusal = match resume(state, id).await {
        Ok(Some(resume)) => return Ok(activate_resumed(state, resume)),
        // Once the writer is caught up, a row the database lacks was deleted; before, it may be on its way.
        Ok(None) if state.writer().db_available() => return Err(AppError::NotFound(format!("no session {id}"))),
        Ok(None) => AppError::NotFound(format!("no session {id}")),
        Err(e) => e,
    };
    let Some(session) = state.writer().offline_session(id) else {
        return Err(refusal);
    };
    // Its laps and frames may be in the spool only: resume from the writer's watermark, without a replay.
    let next_seq = state.writer().persisted_seq(id);
    Ok(state.live().activate(Resume { session, stored_laps: Vec::new(), next_seq, replay: Vec::new() }).0)
}

/// [`activate`] for a principal streaming into session `id`: refused (as if missing) unless it may.
pub(crate) async fn activate_to_stream(
    state: &AppState,
    principal: &racecraft_auth::Principal,
    id: i64,
) -> Result<Arc<LiveSession>, AppError> {
    if *principal == racecraft_auth::Principal::LocalOwner {
        return activate(state, id).await;
    }
    // A session's team and driver never change, so a live session's own copy answers without the database:
    // a token on every JSON post costs a lookup, not a query.
    if let Some(live) = state.live().get(id) {
        crate::auth::require_stream_into(principal, &crate::auth::access_of(live.row()))?;
        return Ok(live);
    }
    crate::auth::require_stream_into(principal, &crate::auth::session_access(state, id).await?)?;
    activate(state, id).await
}

/// What the store holds of session `id`, or `None` if it has no such session.
async fn resume(state: &AppState, id: i64) -> Result<Option<Resume>, AppError> {
    let store = state.store();
    let Some(session) = store.session(id).await? else {
        return Ok(None);
    };
    let stored_laps = store.laps(id).await?;
    let stored = store.next_seq(id).await?;
    let next_seq = stored.max(state.writer().persisted_seq(id));
    let replay = if session.ended_at_ms.is_none() && stored > 0 {
        let from_lap = stored_laps.iter().map(|l| l.lap_number).max().unwrap_or(0);
        store.frames_from_lap(id, from_lap).await?
    } else {
        Vec::new()
    };
    Ok(Some(Resume { session, stored_laps, next_seq, replay }))
}

fn activate_resumed(state: &AppState, resume: Resume) -> Arc<LiveSession> {
    let id = resume.session.id;
    let (live, recovered) = state.live().activate(resume);
    for lap in recovered {
        tracing::info!(
            session = id,
            lap = lap.lap_number,
            "lap completed before a restart recovered from stored frames"
        );
        if let Err(e) = state.writer().lap(id, lap) {
            tracing::warn!(session = id, error = %e, "recovered lap refused by the writer");
        }
    }
    live
}

/// Answers a peer's Close (RFC 6455's closing handshake) on a WebSocket: the socket queued the reply when it read
/// the Close, and closing the sink sends it; a peer that takes nothing for `within` is simply dropped.
async fn answer_close<Si: futures_util::Sink<axum::extract::ws::Message> + Unpin>(
    sink: &mut Si,
    within: std::time::Duration,
) {
    use futures_util::SinkExt;
    let _ = tokio::time::timeout(within, sink.close()).await;
}
