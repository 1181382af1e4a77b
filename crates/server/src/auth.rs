//! Who is asking, and whether they may: the team server's authentication and the per-route policy.
//!
//! A server is in one of two [`AuthMode`]s. **Local** (loopback, no teams): every request comes from the
//! [`Principal::LocalOwner`], and the browser guard in [`crate::access`] is the protection. **Team** (the server
//! listens beyond loopback, sits behind a proxy, or was told to): [`authenticate`] resolves every request to
//! a principal from its login cookie, its agent token or share link (`Authorization: Bearer …`), or nobody;
//! each route carries a [`Policy`] that [`authorize`] checks before the handler runs. Handlers that list or
//! stream into sessions named outside the path filter with [`principal_of`] and [`session_access`].
//!
//! A session another team owns answers exactly like one that does not exist (404), so ids cannot be probed.

use std::time::Duration;

use axum::extract::{RawPathParams, Request, State};
use axum::http::header::{self, HeaderMap, HeaderValue};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use racecraft_auth::policy::StreamAs;
use racecraft_auth::secret::{self, Kind};
use racecraft_auth::throttle::Throttle;
use racecraft_auth::{Principal, SessionAccess};
use racecraft_store::{Owner, Session};

use crate::AppError;
use crate::state::AppState;

/// The login cookie's name.
pub const COOKIE: &str = "racecraft_session";

/// Whether requests must say who they are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AuthMode {
    /// Loopback only, no accounts: whoever reaches the server owns it.
    #[default]
    Local,
    /// Accounts, teams, agent tokens and share links; anonymous requests get 401.
    Team,
}

/// How the team server authenticates.
#[derive(Debug, Clone)]
pub struct AuthConfig {
    /// Local or team.
    pub mode: AuthMode,
    /// How long a login lasts.
    pub login_ttl: Duration,
    /// Mark the login cookie `Secure` (the server is reached over HTTPS, directly or through a proxy).
    pub secure_cookies: bool,
    /// Failed logins allowed per account and per address.
    pub throttle: racecraft_auth::throttle::Limits,
    /// Take the client's address from `X-Forwarded-For` (only behind a reverse proxy that sets it).
    pub trust_proxy: bool,
}

impl Default for AuthConfig {
    fn default() -> Self {
        AuthConfig {
            mode: AuthMode::Local,
            login_ttl: Duration::from_secs(14 * 24 * 3600),
            secure_cookies: false,
            throttle: racecraft_auth::throttle::Limits::default(),
            trust_proxy: false,
        }
    }
}

/// How long a credential's principal is reused before the database is asked again: the bound on how late a
/// change made by another process (`racecraft token revoke`, `racecraft user add --role`) is seen. Changes made
/// through this server take effect at once.
const PRINCIPAL_TTL: Duration = Duration::from_secs(5);
/// Credentials remembered at most.
const PRINCIPAL_CACHE_MAX: usize = 10_000;

/// The server's authentication state.
#[derive(Debug)]
pub(crate) struct Auth {
    pub(crate) config: AuthConfig,
    pub(crate) throttle: Throttle,
    /// Ids of agent tokens revoked while this server runs; live connections using one close.
    revoked: tokio::sync::watch::Sender<Vec<i64>>,
    /// Principals by credential, with when they were looked up: a credential sent with every request
    /// (an agent's JSON posts, a page's API calls) costs a hash and a lookup, not database queries.
    principals: std::sync::Mutex<std::collections::HashMap<String, (std::time::Instant, Principal)>>,
}

impl Auth {
    pub(crate) fn new(config: AuthConfig) -> Auth {
        let throttle = Throttle::new(config.throttle);
        Auth {
            config,
            throttle,
            revoked: tokio::sync::watch::channel(Vec::new()).0,
            principals: std::sync::Mutex::new(std::collections::HashMap::new()),
        }
    }

    fn principals(
        &self,
    ) -> std::sync::MutexGuard<'_, std::collections::HashMap<String, (std::time::Instant, Principal)>> {
        // Only a cache: a map left mid-update by a panic is still a valid one.
        self.principals.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn cached(&self, credential: &str) -> Option<Principal> {
        let map = self.principals();
        map.get(credential).filter(|(at, _)| at.elapsed() < PRINCIPAL_TTL).map(|(_, p)| p.clone())
    }

    fn remember(&self, credential: String, principal: &Principal) {
        let mut map = self.principals();
        if map.len() >= PRINCIPAL_CACHE_MAX {
            map.retain(|_, (at, _)| at.elapsed() < PRINCIPAL_TTL);
            if map.len() >= PRINCIPAL_CACHE_MAX {
                map.clear();
            }
        }
        map.insert(credential, (std::time::Instant::now(), principal.clone()));
    }

    /// Forgets every remembered principal: after a sign-out, a password change, a role change, a revocation.
    pub(crate) fn forget_principals(&self) {
        self.principals().clear();
    }

    /// Cuts the live connections authenticated by agent token `token_id`.
    pub(crate) fn revoke(&self, token_id: i64) {
        self.forget_principals();
        self.revoked.send_modify(|ids| ids.push(token_id));
    }

    /// Resolves once agent token `token_id` is revoked: at once through this server, and within
    /// [`PRINCIPAL_TTL`] when another process (`racecraft token revoke`) wrote it to the database.
    pub(crate) fn revoked(
        &self,
        store: racecraft_store::Store,
        token_id: i64,
    ) -> impl Future<Output = ()> + Send + 'static {
        let mut rx = self.revoked.subscribe();
        let here = async move {
            let _ = rx.wait_for(|ids| ids.contains(&token_id)).await;
        };
        let elsewhere = async move {
            let mut every = tokio::time::interval(PRINCIPAL_TTL);
            every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                every.tick().await;
                // A database that does not answer revokes nothing; the next tick asks again.
                if let Ok(Some(token)) = store.agent_token_by_id(token_id).await
                    && token.revoked_at_ms.is_some()
                {
                    return;
                }
            }
        };
        async move {
            tokio::select! {
                () = here => {}
                () = elsewhere => {}
            }
        }
    }
}

/// What a route requires. Every route names one ([`crate::routes::ROUTES`]); the authorization test walks them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Policy {
    /// Anyone: health, the login endpoint, the web UI's files.
    Public,
    /// A signed-in user (lists filter what they may read).
    SignedIn,
    /// Someone who may read session `{id}` (a user of its team, or its share link).
    ReadSession,
    /// Someone who may change session `{id}`.
    EditSession,
    /// Someone who may read lap `{id}` (and lap `{ref_id}` when the path has one).
    ReadLap,
    /// An agent token, or a user who streams: creates sessions and sends frames.
    Stream,
    /// An owner of team `{team}`.
    ManageTeam,
    /// The server's operator: the local owner, or an owner of any team (metrics).
    Operator,
}

/// The principal [`authenticate`] attached to a request.
pub(crate) fn principal_of(headers_ext: &axum::http::Extensions) -> Principal {
    headers_ext.get::<Principal>().cloned().unwrap_or(Principal::Anonymous)
}

/// Middleware on every request: finds who is asking and attaches it as an extension.
pub(crate) async fn authenticate(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    match resolve(&state, request.headers()).await {
        Ok(principal) => {
            request.extensions_mut().insert(principal);
            next.run(request).await
        }
        Err(e) => e.into_response(),
    }
}

async fn resolve(state: &AppState, headers: &HeaderMap) -> Result<Principal, AppError> {
    let auth = state.auth();
    if auth.config.mode == AuthMode::Local {
        return Ok(Principal::LocalOwner);
    }
    let credential =
        headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).or_else(|| cookie(headers, COOKIE));
    let Some(credential) = credential else { return Ok(Principal::Anonymous) };
    // Keyed by the credential itself: it is in this process's memory anyway, and hashing it would be most of
    // the cost of a hit.
    if let Some(principal) = auth.cached(credential) {
        return Ok(principal);
    }
    let principal = lookup(state, headers).await?;
    if principal != Principal::Anonymous {
        auth.remember(credential.to_owned(), &principal);
    }
    Ok(principal)
}

/// The principal behind a request's credentials, from the database.
async fn lookup(state: &AppState, headers: &HeaderMap) -> Result<Principal, AppError> {
    let store = state.store();
    if let Some(value) = headers.get(header::AUTHORIZATION) {
        let token = value
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .ok_or_else(|| AppError::Unauthorized("Authorization must be `Bearer <token>`".into()))?;
        if secret::looks_like(Kind::Agent, token) {
            let row = store
                .agent_token(&secret::digest(token))
                .await?
                .ok_or_else(|| AppError::Unauthorized("unknown agent token".into()))?;
            if row.revoked_at_ms.is_some() {
                return Err(AppError::Unauthorized("this agent token has been revoked".into()));
            }
            return Ok(Principal::Agent { token_id: row.id, team_id: row.team_id, driver_user_id: row.driver_user_id });
        }
        if secret::looks_like(Kind::Share, token) {
            let now = racecraft_core::time::now_ms();
            let link = store.share_link(&secret::digest(token)).await?.filter(|l| l.is_active(now));
            // A revoked or expired link shows nothing, like one that never existed.
            let link = link.ok_or_else(|| AppError::NotFound("this share link does not exist".into()))?;
            return Ok(Principal::Share { session_id: link.session_id, lap_id: link.lap_id });
        }
        return Err(AppError::Unauthorized("not a Racecraft agent token or share link".into()));
    }
    if let Some(login) = cookie(headers, COOKIE).filter(|c| secret::looks_like(Kind::Login, c)) {
        let now = racecraft_core::time::now_ms();
        if let Some(user) = store.login_user(&secret::digest(login), now).await? {
            let teams = store.memberships(user.id).await?.into_iter().map(|m| (m.team_id, m.role)).collect();
            return Ok(Principal::User { user_id: user.id, teams });
        }
    }
    Ok(Principal::Anonymous)
}

/// The value of cookie `name`.
pub(crate) fn cookie<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// The `Set-Cookie` value that signs a browser in (`secret`, lasting `ttl`) or out (`None`).
pub(crate) fn login_cookie(config: &AuthConfig, secret: Option<&str>) -> HeaderValue {
    let secure = if config.secure_cookies { "; Secure" } else { "" };
    let text = match secret {
        Some(s) => {
            format!("{COOKIE}={s}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{secure}", config.login_ttl.as_secs())
        }
        None => format!("{COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{secure}"),
    };
    // Built from a fixed alphabet (the secret is base64url): always a valid header value.
    HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// What the policy needs about session `id`, or 404 when there is no such session. The database is asked
/// first (visibility changes land there); while it is away, the live session's or the writer's copy answers.
pub(crate) async fn session_access(state: &AppState, id: i64) -> Result<SessionAccess, AppError> {
    let known = || {
        state
            .live()
            .get(id)
            .map(|live| access_of(live.row()))
            .or_else(|| state.writer().offline_session(id).as_ref().map(access_of))
    };
    match state.store().session(id).await {
        Ok(Some(session)) => Ok(access_of(&session)),
        Ok(None) => known().ok_or_else(|| AppError::NotFound(format!("no session {id}"))),
        Err(e) => known().ok_or(AppError::Storage(e)),
    }
}

/// A stored session as the policy sees it.
pub(crate) fn access_of(s: &Session) -> SessionAccess {
    SessionAccess { id: s.id, team_id: s.team_id, driver_user_id: s.driver_user_id, visibility: s.visibility }
}

/// Refuses `principal` reading `session`: 401 for nobody, 404 (as if it did not exist) for everyone else.
pub(crate) fn require_read(principal: &Principal, session: &SessionAccess) -> Result<(), AppError> {
    if principal.reads_session(session) {
        Ok(())
    } else {
        Err(not_yours(principal, format!("no session {}", session.id)))
    }
}

fn not_yours(principal: &Principal, not_found: String) -> AppError {
    if *principal == Principal::Anonymous {
        AppError::Unauthorized("sign in first".into())
    } else {
        AppError::NotFound(not_found)
    }
}

/// The owner of the sessions `principal` creates; refuses those who may not stream.
pub(crate) fn stream_owner(principal: &Principal) -> Result<Option<Owner>, AppError> {
    match principal.streams_as() {
        Ok(stream) => {
            Ok(stream
                .map(|StreamAs { team_id, driver_user_id }| Owner { team_id, driver_user_id: Some(driver_user_id) }))
        }
        Err(()) if *principal == Principal::Anonymous => {
            Err(AppError::Unauthorized("streaming needs an agent token (--token or RACECRAFT_TOKEN)".into()))
        }
        Err(()) => Err(AppError::Forbidden("this account may not stream (a viewer, a share link)".into())),
    }
}

/// Refuses `principal` streaming into the existing `session`: an agent token only into its own team's and
/// driver's sessions, a user into sessions they may edit.
pub(crate) fn require_stream_into(principal: &Principal, session: &SessionAccess) -> Result<(), AppError> {
    let allowed = match principal {
        Principal::LocalOwner => true,
        Principal::Agent { team_id, driver_user_id, .. } => {
            session.team_id == Some(*team_id) && session.driver_user_id == Some(*driver_user_id)
        }
        Principal::User { .. } => principal.edits_session(session),
        Principal::Share { .. } | Principal::Anonymous => false,
    };
    if allowed { Ok(()) } else { Err(not_yours(principal, format!("no session {}", session.id))) }
}

fn path_id(params: &RawPathParams, name: &str) -> Result<Option<i64>, AppError> {
    params
        .iter()
        .find(|(k, _)| *k == name)
        .map(|(_, v)| {
            v.parse::<i64>().map_err(|_| AppError::BadRequest(format!("`{name}` must be an integer, got `{v}`")))
        })
        .transpose()
}

/// Route middleware: checks `policy` for the request's principal before the handler runs.
pub(crate) async fn authorize(
    State((state, policy)): State<(AppState, Policy)>,
    params: RawPathParams,
    request: Request,
    next: Next,
) -> Response {
    let principal = principal_of(request.extensions());
    match check(&state, policy, &principal, &params).await {
        Ok(()) => next.run(request).await,
        Err(e) => {
            state.metrics().requests_refused.get_or_create(&[("reason", e.reason())]).inc();
            e.into_response()
        }
    }
}

async fn check(
    state: &AppState,
    policy: Policy,
    principal: &Principal,
    params: &RawPathParams,
) -> Result<(), AppError> {
    if *principal == Principal::LocalOwner {
        // A local server has one user, who may do everything; handlers still answer 404 for what is missing.
        return Ok(());
    }
    let anonymous = *principal == Principal::Anonymous;
    match policy {
        Policy::Public => Ok(()),
        Policy::SignedIn if principal.is_user() => Ok(()),
        Policy::SignedIn if anonymous => Err(AppError::Unauthorized("sign in first".into())),
        Policy::SignedIn => Err(AppError::Forbidden("this needs a signed-in user".into())),
        Policy::ReadSession | Policy::EditSession => {
            let id = path_id(params, "id")?.ok_or_else(|| AppError::BadRequest("no session id".into()))?;
            let session = session_access(state, id).await.map_err(|e| match e {
                AppError::NotFound(_) if anonymous => AppError::Unauthorized("sign in first".into()),
                other => other,
            })?;
            require_read(principal, &session)?;
            if policy == Policy::EditSession && !principal.edits_session(&session) {
                return Err(AppError::Forbidden(format!("you may read session {id} but not change it")));
            }
            Ok(())
        }
        Policy::ReadLap => {
            for name in ["id", "ref_id"] {
                let Some(lap) = path_id(params, name)? else { continue };
                let session = match state.store().lap_session(lap).await? {
                    Some(session) => session_access(state, session).await?,
                    None if anonymous => return Err(AppError::Unauthorized("sign in first".into())),
                    None => return Err(AppError::NotFound(format!("no lap {lap}"))),
                };
                if !principal.reads_lap(&session, lap) {
                    return Err(not_yours(principal, format!("no lap {lap}")));
                }
            }
            Ok(())
        }
        Policy::Stream => stream_owner(principal).map(drop),
        Policy::ManageTeam => {
            let team = path_id(params, "team")?.ok_or_else(|| AppError::BadRequest("no team id".into()))?;
            if principal.manages_team(team) {
                Ok(())
            } else if principal.role_in(team).is_some() {
                Err(AppError::Forbidden("only the team's owners manage it".into()))
            } else {
                Err(not_yours(principal, format!("no team {team}")))
            }
        }
        Policy::Operator => match principal {
            Principal::LocalOwner => Ok(()),
            Principal::User { teams, .. } if teams.iter().any(|(_, r)| r.manages_team()) => Ok(()),
            _ if anonymous => Err(AppError::Unauthorized("sign in first".into())),
            _ => Err(AppError::Forbidden("only team owners read the server's metrics".into())),
        },
    }
}
