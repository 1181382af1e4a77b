//! The team server's account routes: sign in and out, who am I, password change, a team's members and agent
//! tokens, a session's share links. Who may call each is in the route table ([`super::routes`]).

use std::net::SocketAddr;
use std::time::Instant;

use axum::extract::rejection::JsonRejection;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use racecraft_auth::Principal;
use racecraft_auth::secret::{self, Kind};
use racecraft_core::{Role, Visibility};
use racecraft_protocol::team::{
    AddMember, AgentTokenBody, AuthModeName, ChangePassword, CreateAgentToken, CreateShareLink, CreatedAgentToken,
    CreatedShareLink, Login, Me, MemberAdded, MemberBody, ShareLinkBody, Shared, TeamRole, UserBody,
};
use racecraft_store::{AgentToken, ShareLink};

use super::api::json_rejection;
use crate::AppError;
use crate::auth::{AuthMode, COOKIE, cookie, login_cookie};
use crate::error::PathParam;
use crate::state::AppState;

fn internal(e: racecraft_auth::Error) -> AppError {
    AppError::Unprocessable(e.to_string())
}

async fn me_of(state: &AppState, principal: &Principal) -> Result<Me, AppError> {
    let mode = match state.auth_mode() {
        AuthMode::Local => AuthModeName::Local,
        AuthMode::Team => AuthModeName::Team,
    };
    let Principal::User { user_id, .. } = principal else {
        return Ok(Me { mode, user: None, teams: Vec::new() });
    };
    let store = state.store();
    let user = store.user(*user_id).await?.map(|u| UserBody { id: u.id, name: u.name });
    let teams = store
        .memberships(*user_id)
        .await?
        .into_iter()
        .map(|m| TeamRole { id: m.team_id, name: m.team, role: m.role })
        .collect();
    Ok(Me { mode, user, teams })
}

pub(super) async fn me(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
) -> Result<Json<Me>, AppError> {
    Ok(Json(me_of(&state, &principal).await?))
}

/// The client's address for throttling: the peer, or behind a trusted proxy the last `X-Forwarded-For` hop.
fn client_address(state: &AppState, headers: &HeaderMap, peer: Option<SocketAddr>) -> String {
    if state.auth().config.trust_proxy
        && let Some(forwarded) = headers.get("x-forwarded-for").and_then(|v| v.to_str().ok())
        && let Some(last) = forwarded.rsplit(',').next().map(str::trim).filter(|s| !s.is_empty())
    {
        return last.to_owned();
    }
    peer.map_or_else(|| "unknown".to_owned(), |a| a.ip().to_string())
}

pub(super) async fn login(
    State(state): State<AppState>,
    peer: Option<Extension<ConnectInfo<crate::ClientAddr>>>,
    headers: HeaderMap,
    body: Result<Json<Login>, JsonRejection>,
) -> Result<Response, AppError> {
    if state.auth_mode() == AuthMode::Local {
        return Err(AppError::NotFound("this server has no accounts (it runs in local mode)".into()));
    }
    let Json(body) = body.map_err(json_rejection)?;
    let account_key = format!("user:{}", body.name);
    let address_key = format!(
        "addr:{}",
        client_address(&state, &headers, peer.map(|Extension(ConnectInfo(crate::ClientAddr(addr)))| addr))
    );
    let keys = [account_key.as_str(), address_key.as_str()];
    let throttle = &state.auth().throttle;
    if let Err(wait) = throttle.check(&keys, Instant::now()) {
        let mut response =
            AppError::TooManyRequests(format!("too many failed sign-ins; try again in {} s", wait.as_secs().max(1)))
                .into_response();
        response.headers_mut().insert(header::RETRY_AFTER, wait.as_secs().max(1).into());
        return Ok(response);
    }
    let store = state.store();
    let found = store.user_by_name(&body.name).await?;
    // Checked against a decoy when there is no such user, so both failures take as long.
    let stored = found.as_ref().map_or_else(|| racecraft_auth::password::decoy().to_owned(), |(_, h)| h.clone());
    let password = body.password;
    let matches = tokio::task::spawn_blocking(move || racecraft_auth::password::verify(&password, &stored))
        .await
        .map_err(|e| AppError::Unprocessable(e.to_string()))?
        .map_err(internal)?;
    let Some((user, _)) = found.filter(|_| matches) else {
        throttle.failed(&keys, Instant::now());
        return Err(AppError::Unauthorized("wrong user name or password".into()));
    };
    throttle.clear(&account_key);
    let token = secret::generate(Kind::Login).map_err(internal)?;
    let ttl_ms = i64::try_from(state.auth().config.login_ttl.as_millis()).unwrap_or(i64::MAX);
    store.create_login(&secret::digest(&token), user.id, racecraft_core::time::now_ms().saturating_add(ttl_ms)).await?;
    let teams = store.memberships(user.id).await?.into_iter().map(|m| (m.team_id, m.role)).collect();
    let me = me_of(&state, &Principal::User { user_id: user.id, teams }).await?;
    let mut response = Json(me).into_response();
    response.headers_mut().insert(header::SET_COOKIE, login_cookie(&state.auth().config, Some(&token)));
    Ok(response)
}

pub(super) async fn logout(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, AppError> {
    if let Some(token) = cookie(&headers, COOKIE) {
        state.store().delete_login(&secret::digest(token)).await?;
        state.auth().forget_principals();
    }
    let mut response = StatusCode::NO_CONTENT.into_response();
    response.headers_mut().insert(header::SET_COOKIE, login_cookie(&state.auth().config, None));
    Ok(response)
}

pub(super) async fn change_password(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    body: Result<Json<ChangePassword>, JsonRejection>,
) -> Result<StatusCode, AppError> {
    let Json(body) = body.map_err(json_rejection)?;
    let Principal::User { user_id, .. } = principal else {
        return Err(AppError::NotFound("this server has no accounts (it runs in local mode)".into()));
    };
    if let Some(why) = racecraft_auth::password::weakness(&body.new) {
        return Err(AppError::Unprocessable(why));
    }
    let store = state.store();
    let user = store.user(user_id).await?.ok_or_else(|| AppError::Unauthorized("sign in first".into()))?;
    let (_, stored) =
        store.user_by_name(&user.name).await?.ok_or_else(|| AppError::Unauthorized("sign in first".into()))?;
    let (current, new) = (body.current, body.new);
    let hash = tokio::task::spawn_blocking(move || {
        if racecraft_auth::password::verify(&current, &stored)? {
            racecraft_auth::password::hash(&new).map(Some)
        } else {
            Ok(None)
        }
    })
    .await
    .map_err(|e| AppError::Unprocessable(e.to_string()))?
    .map_err(internal)?
    .ok_or_else(|| AppError::Forbidden("the current password is wrong".into()))?;
    store.set_password(user_id, &hash).await?;
    state.auth().forget_principals();
    Ok(StatusCode::NO_CONTENT)
}

fn member_body(m: racecraft_store::Member) -> MemberBody {
    MemberBody { user_id: m.user_id, name: m.name, role: m.role }
}

pub(super) async fn members(
    State(state): State<AppState>,
    PathParam(team): PathParam<i64>,
) -> Result<Json<Vec<MemberBody>>, AppError> {
    Ok(Json(state.store().members(team).await?.into_iter().map(member_body).collect()))
}

pub(super) async fn add_member(
    State(state): State<AppState>,
    PathParam(team): PathParam<i64>,
    body: Result<Json<AddMember>, JsonRejection>,
) -> Result<(StatusCode, Json<MemberAdded>), AppError> {
    let Json(body) = body.map_err(json_rejection)?;
    if body.role != Role::Owner {
        let owners: Vec<_> = state.store().members(team).await?.into_iter().filter(|m| m.role == Role::Owner).collect();
        if owners.len() == 1 && Ok(owners[0].name.as_str()) == racecraft_auth::user_name(&body.name) {
            return Err(AppError::Unprocessable("a team keeps at least one owner: make another owner first".into()));
        }
    }
    let (user, one_time_password) = add_user(&state, &body.name).await?;
    state.store().set_membership(team, user.id, body.role).await?;
    state.auth().forget_principals();
    let member = MemberBody { user_id: user.id, name: user.name, role: body.role };
    Ok((StatusCode::CREATED, Json(MemberAdded { member, one_time_password })))
}

/// The user called `name`, created with a one-time password (returned) when there is none.
async fn add_user(state: &AppState, name: &str) -> Result<(racecraft_store::User, Option<String>), AppError> {
    let name = racecraft_auth::user_name(name).map_err(AppError::Unprocessable)?;
    let store = state.store();
    if let Some((user, _)) = store.user_by_name(name).await? {
        return Ok((user, None));
    }
    let password = racecraft_auth::password::generate().map_err(internal)?;
    let to_hash = password.clone();
    let hash = tokio::task::spawn_blocking(move || racecraft_auth::password::hash(&to_hash))
        .await
        .map_err(|e| AppError::Unprocessable(e.to_string()))?
        .map_err(internal)?;
    match store.create_user(name, &hash).await? {
        Some(user) => Ok((user, Some(password))),
        // Made by a concurrent request meanwhile: theirs stands.
        None => store.user_by_name(name).await?.map(|(u, _)| (u, None)).ok_or_else(|| AppError::NotFound(name.into())),
    }
}

pub(super) async fn remove_member(
    State(state): State<AppState>,
    PathParam((team, user)): PathParam<(i64, i64)>,
) -> Result<StatusCode, AppError> {
    let store = state.store();
    let members = store.members(team).await?;
    let owners = members.iter().filter(|m| m.role == Role::Owner).count();
    if owners == 1 && members.iter().any(|m| m.user_id == user && m.role == Role::Owner) {
        return Err(AppError::Unprocessable("a team keeps at least one owner".into()));
    }
    if store.remove_membership(team, user).await? {
        state.auth().forget_principals();
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(AppError::NotFound(format!("user {user} is not in team {team}")))
    }
}

fn token_body(t: AgentToken) -> AgentTokenBody {
    AgentTokenBody {
        id: t.id,
        driver_user_id: t.driver_user_id,
        label: t.label,
        created_at_ms: t.created_at_ms,
        revoked_at_ms: t.revoked_at_ms,
    }
}

pub(super) async fn tokens(
    State(state): State<AppState>,
    PathParam(team): PathParam<i64>,
) -> Result<Json<Vec<AgentTokenBody>>, AppError> {
    Ok(Json(state.store().agent_tokens(team).await?.into_iter().map(token_body).collect()))
}

pub(super) async fn create_token(
    State(state): State<AppState>,
    PathParam(team): PathParam<i64>,
    body: Result<Json<CreateAgentToken>, JsonRejection>,
) -> Result<(StatusCode, Json<CreatedAgentToken>), AppError> {
    let Json(body) = body.map_err(json_rejection)?;
    let store = state.store();
    let driver = store
        .members(team)
        .await?
        .into_iter()
        .find(|m| m.name == body.driver)
        .ok_or_else(|| AppError::Unprocessable(format!("`{}` is not a member of this team", body.driver)))?;
    if !driver.role.streams() {
        return Err(AppError::Unprocessable(format!("`{}` is a viewer and does not stream", body.driver)));
    }
    let token = secret::generate(Kind::Agent).map_err(internal)?;
    let row = store.create_agent_token(&secret::digest(&token), team, driver.user_id, &body.label).await?;
    Ok((StatusCode::CREATED, Json(CreatedAgentToken { listed: token_body(row), token })))
}

pub(super) async fn revoke_token(
    State(state): State<AppState>,
    PathParam((team, token)): PathParam<(i64, i64)>,
) -> Result<StatusCode, AppError> {
    if state.store().revoke_agent_token(team, token).await? {
        state.auth().revoke(token);
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(AppError::NotFound(format!("team {team} has no active token {token}")))
    }
}

fn share_body(l: ShareLink) -> ShareLinkBody {
    ShareLinkBody {
        id: l.id,
        lap_id: l.lap_id,
        created_at_ms: l.created_at_ms,
        expires_at_ms: l.expires_at_ms,
        revoked_at_ms: l.revoked_at_ms,
    }
}

pub(super) async fn shares(
    State(state): State<AppState>,
    PathParam(id): PathParam<i64>,
) -> Result<Json<Vec<ShareLinkBody>>, AppError> {
    Ok(Json(state.store().share_links(id).await?.into_iter().map(share_body).collect()))
}

/// Makes a share link; the session becomes readable by link (`visibility: link`) if it was not.
pub(super) async fn create_share(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    PathParam(id): PathParam<i64>,
    body: Result<Json<CreateShareLink>, JsonRejection>,
) -> Result<(StatusCode, Json<CreatedShareLink>), AppError> {
    let Json(body) = body.map_err(json_rejection)?;
    let store = state.store();
    if let Some(lap) = body.lap_id
        && store.lap_session(lap).await? != Some(id)
    {
        return Err(AppError::Unprocessable(format!("lap {lap} is not a lap of session {id}")));
    }
    let expires_at_ms = body.expires_in_s.map(|s| {
        racecraft_core::time::now_ms().saturating_add(i64::try_from(s.saturating_mul(1000)).unwrap_or(i64::MAX))
    });
    let token = secret::generate(Kind::Share).map_err(internal)?;
    let created_by = match principal {
        Principal::User { user_id, .. } => Some(user_id),
        _ => None,
    };
    let link = store.create_share_link(&secret::digest(&token), id, body.lap_id, created_by, expires_at_ms).await?;
    store.set_visibility(id, Visibility::Link).await?;
    Ok((StatusCode::CREATED, Json(CreatedShareLink { listed: share_body(link), token })))
}

pub(super) async fn revoke_share(
    State(state): State<AppState>,
    PathParam((id, share)): PathParam<(i64, i64)>,
) -> Result<StatusCode, AppError> {
    if state.store().revoke_share_link(id, share).await? {
        state.auth().forget_principals();
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(AppError::NotFound(format!("session {id} has no active share link {share}")))
    }
}

/// What the share link the request carries opens; 404 for any other caller.
pub(super) async fn shared(Extension(principal): Extension<Principal>) -> Result<Json<Shared>, AppError> {
    match principal {
        Principal::Share { session_id, lap_id } => Ok(Json(Shared { session_id, lap_id })),
        _ => Err(AppError::NotFound("send a share link as `Authorization: Bearer rc_share_…`".into())),
    }
}
