//! The team server's authorization matrix: every route of the router's own table × every kind of caller,
//! with the status each must get, on SQLite and on PostgreSQL. A route added without a row here fails.
//!
//! Callers: anonymous, viewer, driver (the session's own), engineer, owner (all of team A), the owner of
//! another team, a share link of the session, the driver's agent token, a revoked agent token. Each cell runs
//! on fresh logins, and a request that destroys something (a session, member, token, share link) gets a
//! disposable one of its own, so cells do not depend on each other.

use std::time::Duration;

use axum::body::Body;
use axum::http::{Method, Request, header};
use racecraft_auth::secret::{self, Kind};
use racecraft_core::{LapTracker, Role, SessionMeta, Visibility};
use racecraft_server::{AccessPolicy, AppState, AuthConfig, AuthMode, Limits, app, route_table};
use racecraft_sim::{SimConfig, Simulation, Track};
use racecraft_store::{Owner, Spool, Store, Writer, WriterConfig};
use tower::ServiceExt;

const CALLERS: [&str; 9] =
    ["anonymous", "viewer", "driver", "engineer", "owner", "outsider", "share", "agent", "revoked"];

/// Expected status per caller, in the order of [`CALLERS`].
fn expected(method: &Method, path: &str) -> Option<[u16; 9]> {
    let all = |ok: u16| [ok, ok, ok, ok, ok, ok, ok, ok, 401];
    let read = [401, 200, 200, 200, 200, 404, 200, 404, 401];
    let manage = |ok: u16| [401, 403, 403, 403, ok, 404, 404, 404, 401];
    // The session edited or deleted is a disposable one of team A (driven by the driver, shared by link), not
    // the one the share link opens: a share link sees it as missing.
    let edit = |ok: u16| [401, 403, ok, ok, ok, 404, 404, 404, 401];
    let shares = |ok: u16| [401, 403, ok, ok, ok, 404, 403, 404, 401];
    // Streaming into the driver's disposable session: the team's streamers and the driver's token.
    let ingest = [401, 403, 200, 200, 200, 404, 403, 200, 401];
    Some(match (method.as_str(), path) {
        ("GET", "/api/health" | "/api/channels" | "/api/me") => all(200),
        ("POST", "/api/login") => all(200),
        ("POST", "/api/logout") => all(204),
        ("GET", "/api/shared") => [404, 404, 404, 404, 404, 404, 200, 404, 401],
        ("POST", "/api/account/password") => [401, 204, 204, 204, 204, 204, 403, 403, 401],
        ("GET", "/api/teams/{team}/members" | "/api/teams/{team}/tokens") => manage(200),
        ("POST", "/api/teams/{team}/members" | "/api/teams/{team}/tokens") => manage(201),
        ("DELETE", "/api/teams/{team}/members/{user}" | "/api/teams/{team}/tokens/{token}") => manage(204),
        ("GET", "/api/sessions" | "/api/chat" | "/api/pitwall") => [401, 200, 200, 200, 200, 200, 403, 403, 401],
        // The readers of the session, but not a share link; 503 as no model is configured here.
        ("POST", "/api/sessions/{id}/chat") => [401, 503, 503, 503, 503, 404, 403, 404, 401],
        ("POST", "/api/sessions") => [401, 403, 201, 201, 201, 201, 403, 201, 401],
        ("GET", "/api/sessions/{id}") => read,
        ("PATCH", "/api/sessions/{id}") => edit(200),
        ("DELETE", "/api/sessions/{id}") => edit(204),
        (
            "GET",
            "/api/sessions/{id}/laps"
            | "/api/sessions/{id}/analysis"
            | "/api/sessions/{id}/track"
            | "/api/sessions/{id}/export"
            | "/api/sessions/{id}/references"
            | "/api/sessions/{id}/field"
            | "/api/laps/{id}"
            | "/api/laps/{id}/analysis"
            | "/api/laps/{id}/compare/{ref_id}",
        ) => read,
        ("GET", "/api/sessions/{id}/shares") => shares(200),
        ("POST", "/api/sessions/{id}/shares") => shares(201),
        ("DELETE", "/api/sessions/{id}/shares/{share}") => shares(204),
        // Nothing is live when these run: allowed callers learn that, others are refused first.
        ("GET", "/api/recent/{n}") => [401, 404, 404, 404, 404, 404, 403, 403, 401],
        ("POST", "/api/ingest" | "/ingest") => ingest,
        // 426: allowed, then refused by the WebSocket handshake, which a request without a socket cannot do.
        ("GET", "/ws/ingest") => [401, 403, 426, 426, 426, 426, 403, 426, 401],
        ("GET", "/ws/{id}") => [401, 426, 426, 426, 426, 404, 426, 404, 401],
        // An MCP request with no body is a JSON-RPC parse error (MCP's own 400) for whoever may ask.
        ("POST", "/mcp") => [401, 400, 400, 400, 400, 400, 403, 403, 401],
        ("GET", "/metrics") => [401, 403, 403, 403, 200, 200, 403, 403, 401],
        _ => return None,
    })
}

const PASSWORD: &str = "the same password for everyone";

struct World {
    state: AppState,
    team_a: i64,
    users: [(i64, &'static str); 5],
    driver: i64,
    session: i64,
    lap: i64,
    share: String,
    agent: String,
    revoked: String,
    _dir: tempfile::TempDir,
}

async fn world(url: Option<&str>) -> World {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = url.map_or_else(|| format!("sqlite://{}", dir.path().join("t.db").display()), str::to_owned);
    let store = Store::connect(&url).await.expect("store");
    let spool = Spool::open(dir.path().join("spool")).await.expect("spool");
    let writer = Writer::spawn(
        store.clone(),
        spool,
        WriterConfig { flush_interval: Duration::from_millis(10), ..WriterConfig::default() },
    );
    let auth = AuthConfig { mode: AuthMode::Team, ..AuthConfig::default() };
    let state = AppState::with_auth(store.clone(), writer.clone(), Limits::default(), AccessPolicy::default(), auth);

    let hash = racecraft_auth::password::hash(PASSWORD).expect("hash");
    let (team_a, _) = store.ensure_team("A").await.expect("team");
    let (team_b, _) = store.ensure_team("B").await.expect("team");
    let mut users = [(0, ""); 5];
    for (i, (name, team, role)) in [
        ("viewer", team_a, Role::Viewer),
        ("driver", team_a, Role::Driver),
        ("engineer", team_a, Role::Engineer),
        ("owner", team_a, Role::Owner),
        ("outsider", team_b, Role::Owner),
    ]
    .into_iter()
    .enumerate()
    {
        let user = store.create_user(name, &hash).await.expect("user").expect("new");
        store.set_membership(team, user.id, role).await.expect("member");
        users[i] = (user.id, name);
    }
    let driver = users[1].0;

    // Two simulated laps stored as the server stores them, so analysis and export have real data.
    let sim = Simulation::new(
        Track::builtin("Monza").expect("track"),
        SimConfig { laps: 2, rate_hz: 60.0, seed: 3, ..SimConfig::default() },
    )
    .expect("sim");
    let owner = Owner { team_id: team_a, driver_user_id: Some(driver) };
    let session = store.create_owned_session(&sim.meta(1_000), None, Some(owner)).await.expect("session");
    let frames: Vec<_> = sim.frames().collect();
    let mut tracker = LapTracker::new();
    for f in &frames {
        if let Some(lap) = tracker.push(f) {
            writer.lap(session.id, lap).expect("lap");
        }
    }
    writer.frames(session.id, 0, frames).expect("frames");
    writer.end_session(session.id, 2_000).expect("end");
    writer.flush().await.expect("flush");
    let lap = store.laps(session.id).await.expect("laps")[0].id;
    store.set_visibility(session.id, Visibility::Link).await.expect("visibility");

    let share = secret::generate(Kind::Share).expect("secret");
    store.create_share_link(&secret::digest(&share), session.id, None, None, None).await.expect("share");
    let agent = secret::generate(Kind::Agent).expect("secret");
    store.create_agent_token(&secret::digest(&agent), team_a, driver, "rig").await.expect("token");
    let revoked = secret::generate(Kind::Agent).expect("secret");
    let gone = store.create_agent_token(&secret::digest(&revoked), team_a, driver, "old").await.expect("token");
    assert!(store.revoke_agent_token(team_a, gone.id).await.expect("revoke"));
    World { state, team_a, users, driver, session: session.id, lap, share, agent, revoked, _dir: dir }
}

/// What a caller sends: a cookie of a fresh login, or a bearer token, or nothing.
async fn credentials(w: &World, caller: usize) -> Option<(header::HeaderName, String)> {
    match CALLERS[caller] {
        "anonymous" => None,
        "share" => Some((header::AUTHORIZATION, format!("Bearer {}", w.share))),
        "agent" => Some((header::AUTHORIZATION, format!("Bearer {}", w.agent))),
        "revoked" => Some((header::AUTHORIZATION, format!("Bearer {}", w.revoked))),
        name => {
            let (id, _) = *w.users.iter().find(|(_, n)| *n == name).expect("user");
            let login = secret::generate(Kind::Login).expect("secret");
            w.state.store().create_login(&secret::digest(&login), id, i64::MAX).await.expect("login");
            Some((header::COOKIE, format!("racecraft_session={login}")))
        }
    }
}

/// The request for one cell: path parameters filled, a body the route accepts, disposable targets made.
async fn request(w: &World, method: &Method, path: &str, cell: usize) -> (String, Option<String>) {
    let store = w.state.store();
    let disposable_session = || async {
        let meta = SessionMeta { track: "Monza".into(), started_at_ms: 1_000, ..SessionMeta::default() };
        let owner = Owner { team_id: w.team_a, driver_user_id: Some(w.driver) };
        let s = store.create_owned_session(&meta, Some("disposable"), Some(owner)).await.expect("session");
        store.set_visibility(s.id, Visibility::Link).await.expect("visibility");
        s.id
    };
    let mut uri = path.replace("{team}", &w.team_a.to_string()).replace("{n}", "10");
    let mut body = None;
    match (method.as_str(), path) {
        ("PATCH" | "DELETE", "/api/sessions/{id}") => {
            uri = uri.replace("{id}", &disposable_session().await.to_string())
        }
        (_, p) if p.starts_with("/api/laps/") => {
            uri = uri.replace("{id}", &w.lap.to_string()).replace("{ref_id}", &w.lap.to_string())
        }
        _ => uri = uri.replace("{id}", &w.session.to_string()),
    }
    if uri.contains("{user}") {
        let user = store.create_user(&format!("temp-{cell}"), "x").await.expect("user").expect("new");
        store.set_membership(w.team_a, user.id, Role::Viewer).await.expect("member");
        uri = uri.replace("{user}", &user.id.to_string());
    }
    if uri.contains("{token}") {
        let t = store.create_agent_token(&format!("hash-{cell}"), w.team_a, w.driver, "temp").await.expect("token");
        uri = uri.replace("{token}", &t.id.to_string());
    }
    if uri.contains("{share}") {
        let l = store.create_share_link(&format!("hash-{cell}"), w.session, None, None, None).await.expect("share");
        uri = uri.replace("{share}", &l.id.to_string());
    }
    match (method.as_str(), path) {
        ("POST", "/api/login") => body = Some(format!(r#"{{"name":"viewer","password":"{PASSWORD}"}}"#)),
        ("POST", "/api/account/password") => body = Some(format!(r#"{{"current":"{PASSWORD}","new":"{PASSWORD}"}}"#)),
        ("POST", "/api/teams/{team}/members") => body = Some(format!(r#"{{"name":"new-{cell}","role":"viewer"}}"#)),
        ("POST", "/api/teams/{team}/tokens") => body = Some(r#"{"driver":"driver"}"#.into()),
        ("POST", "/api/sessions") => body = Some(r#"{"track":"Monza"}"#.into()),
        ("PATCH", _) => body = Some(r#"{"name":"renamed"}"#.into()),
        ("POST", "/api/sessions/{id}/shares") => body = Some("{}".into()),
        ("POST", "/api/sessions/{id}/chat") => body = Some(r#"{"messages":[{"role":"user","content":"T1?"}]}"#.into()),
        ("POST", "/api/ingest") => {
            uri = format!("{uri}?session_id={}", disposable_session().await);
            body = Some(r#"{"speed_kmh":100}"#.into());
        }
        ("POST", "/ingest") => {
            uri = format!("{uri}?session_id={}", disposable_session().await);
            body = Some("[]".into());
        }
        ("GET", "/api/sessions/{id}/export") => uri.push_str("?format=csv"),
        _ => {}
    }
    (uri, body)
}

async fn matrix(url: Option<&str>) {
    let w = world(url).await;
    let table = route_table();
    let mut failures = Vec::new();
    let mut cell = 0;
    for (method, path, policy) in &table {
        let Some(want) = expected(method, path) else {
            failures.push(format!("{method} {path} ({policy:?}) has no row in this test's matrix"));
            continue;
        };
        for (caller, want) in want.into_iter().enumerate() {
            cell += 1;
            let (uri, body) = request(&w, method, path, cell).await;
            let mut req = Request::builder().method(method.clone()).uri(&uri);
            if path.starts_with("/ws/") {
                req = req
                    .header(header::CONNECTION, "upgrade")
                    .header(header::UPGRADE, "websocket")
                    .header(header::SEC_WEBSOCKET_VERSION, "13")
                    .header(header::SEC_WEBSOCKET_KEY, "dGhlIHNhbXBsZSBub25jZQ==");
            }
            if let Some((name, value)) = credentials(&w, caller).await {
                req = req.header(name, value);
            }
            if body.is_some() {
                req = req.header(header::CONTENT_TYPE, "application/json");
            }
            let req = req.body(body.map_or_else(Body::empty, Body::from)).expect("request");
            let got = app(w.state.clone()).oneshot(req).await.expect("response").status().as_u16();
            if got != want {
                failures.push(format!("{method} {uri} as {}: {got}, expected {want}", CALLERS[caller]));
            }
        }
    }
    let routes: Vec<_> = table.iter().map(|(m, p, _)| (m.as_str().to_owned(), *p)).collect();
    assert!(routes.len() >= 35, "the route table lost routes: {routes:?}");
    assert!(failures.is_empty(), "{} of {cell} cells wrong:\n{}", failures.len(), failures.join("\n"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_answers_every_caller_as_the_policy_says_on_sqlite() {
    matrix(None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_answers_every_caller_as_the_policy_says_on_postgres() {
    let db = racecraft_testkit::PgDatabase::create().await;
    matrix(Some(db.url())).await;
}

/// The pit wall shows a team's cars to its members only, like the session list.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_pit_wall_shows_only_the_callers_teams_cars() {
    let w = world(None).await;
    // A car of team A that raced a moment ago (the pit wall shows the last 24 hours).
    let now = racecraft_core::time::now_ms();
    let meta = SessionMeta { team: "A".into(), car_number: "7".into(), started_at_ms: now, ..SessionMeta::default() };
    let owner = Owner { team_id: w.team_a, driver_user_id: Some(w.driver) };
    let car = w.state.store().create_owned_session(&meta, None, Some(owner)).await.expect("session");
    let mut seen = Vec::new();
    for caller in ["viewer", "engineer", "outsider"] {
        let index = CALLERS.iter().position(|c| *c == caller).expect("caller");
        let (name, value) = credentials(&w, index).await.expect("a login");
        let req = Request::builder().uri("/api/pitwall").header(name, value).body(Body::empty()).expect("request");
        let response = app(w.state.clone()).oneshot(req).await.expect("response");
        assert_eq!(response.status(), 200, "{caller}");
        let body = axum::body::to_bytes(response.into_body(), 1 << 20).await.expect("body");
        let wall: racecraft_protocol::pitwall::PitWall = serde_json::from_slice(&body).expect("json");
        seen.push(wall.cars.iter().map(|c| (c.car_number.clone(), c.session_id)).collect::<Vec<_>>());
    }
    let seven = vec![("7".to_owned(), car.id)];
    assert_eq!(seen, [seven.clone(), seven, vec![]]);
}
