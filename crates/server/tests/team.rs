//! A team server over real sockets: a revoked agent token cuts its live agent, sign-in is throttled, a revoked
//! share link opens nothing, the coaching chat reads with the asking user's rights, and the server will not start
//! without the accounts its mode needs.

use std::path::Path;
use std::time::Duration;

use racecraft_auth::secret::{self, Kind};
use racecraft_core::Role;
use racecraft_server::{AuthMode, RunningServer, ServerConfig, StartError};
use racecraft_sim::{SimConfig, Simulation, Track};
use racecraft_store::Store;
use racecraft_uplink::{Agent, AgentConfig};

const PASSWORD: &str = "a password long enough";

/// The data directory's database with team "A": owner "olga" and driver "dan", and an agent token of dan's.
async fn accounts(dir: &Path) -> String {
    let store = Store::connect(&format!("sqlite://{}", dir.join("racecraft.db").display())).await.expect("store");
    let hash = racecraft_auth::password::hash(PASSWORD).expect("hash");
    let (team, _) = store.ensure_team("A").await.expect("team");
    for (name, role) in [("olga", Role::Owner), ("dan", Role::Driver)] {
        let user = store.create_user(name, &hash).await.expect("user").expect("new");
        store.set_membership(team, user.id, role).await.expect("member");
    }
    let (dan, _) = store.user_by_name("dan").await.expect("query").expect("dan");
    let token = secret::generate(Kind::Agent).expect("secret");
    store.create_agent_token(&secret::digest(&token), team, dan.id, "rig").await.expect("token");
    store.close().await;
    token
}

async fn team_server(dir: &Path) -> RunningServer {
    team_server_asking(dir, None).await
}

/// [`team_server`] with the coaching chat asking `chat`'s model.
async fn team_server_asking(dir: &Path, chat: Option<racecraft_chat::Endpoint>) -> RunningServer {
    let mut config = ServerConfig::new("127.0.0.1:0".parse().expect("addr"), dir.to_path_buf());
    config.auth.mode = AuthMode::Team;
    config.writer.flush_interval = Duration::from_millis(20);
    config.chat = chat;
    RunningServer::start(config).await.expect("server")
}

/// One simulated lap of `track` and an agent streaming into `server` with agent `token`.
fn token_agent(server: &RunningServer, track: &str, token: &str) -> (Simulation, Agent) {
    let config = SimConfig { laps: 1, rate_hz: 60.0, ..SimConfig::default() };
    let sim = Simulation::new(Track::builtin(track).expect("track"), config).expect("sim");
    let agent =
        Agent::spawn(AgentConfig { token: Some(token.to_owned()), ..AgentConfig::new(server.url(), sim.meta(0)) })
            .expect("agent");
    (sim, agent)
}

/// One simulated lap of Spa streamed with agent `token`; the session's id.
async fn stream_one_lap(server: &RunningServer, token: &str) -> i64 {
    let (sim, agent) = token_agent(server, "Spa", token);
    for f in sim.frames() {
        agent.push(f);
    }
    agent.finish(Some(Duration::from_secs(60))).await.expect("delivered").session_id.expect("id")
}

/// A share link of `session` made by `client`: the created link's body.
async fn create_share(server: &RunningServer, client: &reqwest::Client, session: i64) -> serde_json::Value {
    client
        .post(format!("{}/api/sessions/{session}/shares", server.url()))
        .json(&serde_json::json!({}))
        .send()
        .await
        .expect("share")
        .json()
        .await
        .expect("json")
}

/// A client signed in as `name` (sending the login cookie it was given).
async fn signed_in(server: &RunningServer, name: &str) -> reqwest::Client {
    let r = reqwest::Client::new()
        .post(format!("{}/api/login", server.url()))
        .json(&serde_json::json!({"name": name, "password": PASSWORD}))
        .send()
        .await
        .expect("login");
    assert_eq!(r.status(), 200, "{name} signs in");
    let cookie = r.headers().get("set-cookie").expect("cookie").to_str().expect("text").to_owned();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"), "{cookie}");
    let pair = cookie.split(';').next().expect("name=value");
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(reqwest::header::COOKIE, pair.parse().expect("header"));
    reqwest::Client::builder().default_headers(headers).build().expect("client")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revoking_an_agent_token_cuts_its_live_agent_and_keeps_what_it_delivered() {
    let dir = tempfile::tempdir().expect("tmp");
    let token = accounts(dir.path()).await;
    let server = team_server(dir.path()).await;
    let (sim, agent) = token_agent(&server, "Monza", &token);
    let frames: Vec<_> = sim.frames().collect();
    for f in &frames[..600] {
        agent.push(*f);
    }
    let session = agent.session_id().await.expect("session");
    let mut stats = agent.watch();
    stats.wait_for(|s| s.acked == 600).await.expect("first frames acknowledged");

    let olga = signed_in(&server, "olga").await;
    let tokens: serde_json::Value = olga
        .get(format!("{}/api/teams/1/tokens", server.url()))
        .send()
        .await
        .expect("list")
        .json()
        .await
        .expect("json");
    let id = tokens[0]["id"].as_i64().expect("token id");
    let r = olga.delete(format!("{}/api/teams/1/tokens/{id}", server.url())).send().await.expect("revoke");
    assert_eq!(r.status(), 204);

    stats.wait_for(|s| !s.connected).await.expect("the agent's connection is cut");
    for f in &frames[600..] {
        agent.push(*f);
    }
    let refused = agent.finish(Some(Duration::from_secs(20))).await.expect_err("the revoked token is refused");
    assert!(refused.to_string().contains("revoked"), "{refused}");

    let body: serde_json::Value = olga
        .get(format!("{}/api/sessions/{session}", server.url()))
        .send()
        .await
        .expect("session")
        .json()
        .await
        .expect("json");
    assert_eq!(body["frame_count"], 600, "what was acknowledged before the revocation is stored: {body}");
    assert_eq!(body["team_id"], 1);
    server.shutdown().await.expect("shutdown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_is_throttled_per_account_and_per_address() {
    let dir = tempfile::tempdir().expect("tmp");
    accounts(dir.path()).await;
    let server = team_server(dir.path()).await;
    let client = reqwest::Client::new();
    let login = |name: &'static str, password: &'static str| {
        client
            .post(format!("{}/api/login", server.url()))
            .json(&serde_json::json!({"name": name, "password": password}))
            .send()
    };
    for _ in 0..5 {
        assert_eq!(login("olga", "wrong password!").await.expect("login").status(), 401);
    }
    let throttled = login("olga", PASSWORD).await.expect("login");
    assert_eq!(throttled.status(), 429, "even the right password waits once the account is throttled");
    let wait: u64 = throttled.headers()["retry-after"].to_str().expect("text").parse().expect("seconds");
    assert!((1..=300).contains(&wait), "{wait}");
    // The same address is throttled for every account, so guessing across accounts does not help.
    assert_eq!(login("dan", PASSWORD).await.expect("login").status(), 429);
    server.shutdown().await.expect("shutdown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_share_link_opens_its_session_without_an_account_until_revoked() {
    let dir = tempfile::tempdir().expect("tmp");
    let token = accounts(dir.path()).await;
    let server = team_server(dir.path()).await;
    let session = stream_one_lap(&server, &token).await;

    let anonymous = reqwest::Client::new();
    let laps_url = format!("{}/api/sessions/{session}/laps", server.url());
    assert_eq!(anonymous.get(&laps_url).send().await.expect("get").status(), 401);

    let dan = signed_in(&server, "dan").await;
    let created = create_share(&server, &dan, session).await;
    let link = created["token"].as_str().expect("token").to_owned();
    let shared = anonymous.get(&laps_url).bearer_auth(&link).send().await.expect("get");
    assert_eq!(shared.status(), 200);
    assert_eq!(shared.json::<serde_json::Value>().await.expect("json").as_array().map(Vec::len), Some(1));
    let other = anonymous.get(format!("{}/api/sessions", server.url())).bearer_auth(&link).send().await.expect("get");
    assert_eq!(other.status(), 403, "a share link lists nothing");

    let id = created["listed"]["id"].as_i64().expect("id");
    let r = dan.delete(format!("{}/api/sessions/{session}/shares/{id}", server.url())).send().await.expect("revoke");
    assert_eq!(r.status(), 204);
    assert_eq!(anonymous.get(&laps_url).bearer_auth(&link).send().await.expect("get").status(), 404);
    server.shutdown().await.expect("shutdown");
}

#[tokio::test]
async fn a_server_needing_accounts_will_not_start_without_them() {
    let dir = tempfile::tempdir().expect("tmp");
    let beyond = ServerConfig::new("0.0.0.0:0".parse().expect("addr"), dir.path().to_path_buf());
    assert_eq!(beyond.auth.mode, AuthMode::Team, "listening beyond loopback means team mode");
    let err = RunningServer::start(beyond.clone()).await.expect_err("no accounts yet");
    assert!(matches!(err, StartError::NoAccounts), "{err}");
    assert!(err.to_string().contains("racecraft user add"), "{err}");

    let mut local = beyond;
    local.auth.mode = AuthMode::Local;
    let err = RunningServer::start(local).await.expect_err("local mode beyond loopback");
    assert!(matches!(err, StartError::NeedsTeamMode { .. }), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_revoked_by_another_process_cuts_its_live_agent_too() {
    let dir = tempfile::tempdir().expect("tmp");
    let token = accounts(dir.path()).await;
    let server = team_server(dir.path()).await;
    let (sim, agent) = token_agent(&server, "Monza", &token);
    let frames: Vec<_> = sim.frames().collect();
    for f in &frames[..100] {
        agent.push(*f);
    }
    let mut stats = agent.watch();
    stats.wait_for(|s| s.acked == 100).await.expect("acknowledged");

    // What `racecraft token revoke` does: a row written by another connection, the server not told.
    let store =
        Store::connect(&format!("sqlite://{}", dir.path().join("racecraft.db").display())).await.expect("store");
    let row = store.agent_token(&secret::digest(&token)).await.expect("query").expect("row");
    assert!(store.revoke_agent_token(row.team_id, row.id).await.expect("revoke"));

    let cut = tokio::time::timeout(Duration::from_secs(30), stats.wait_for(|s| !s.connected)).await;
    assert!(cut.is_ok_and(|r| r.is_ok()), "the live agent is cut once the server sees the revocation");
    let refused = agent.finish(Some(Duration::from_secs(20))).await.expect_err("refused from now on");
    assert!(refused.to_string().contains("revoked"), "{refused}");
    server.shutdown().await.expect("shutdown");
}

/// One HTTP/1.1 exchange over `tls`, returning the response head and body as text.
async fn https_exchange(tls: &mut tokio_rustls::client::TlsStream<tokio::net::TcpStream>, request: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    tls.write_all(request.as_bytes()).await.expect("write");
    let mut out = Vec::new();
    tls.read_to_end(&mut out).await.expect("read");
    String::from_utf8_lossy(&out).into_owned()
}

/// A team server (accounts as [`accounts`] makes them) speaking HTTPS with a new self-signed certificate for
/// `localhost`, and that certificate.
async fn https_team_server(dir: &Path) -> (RunningServer, rcgen::CertifiedKey<rcgen::KeyPair>) {
    accounts(dir).await;
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).expect("certificate");
    std::fs::write(dir.join("cert.pem"), cert.cert.pem()).expect("write");
    std::fs::write(dir.join("key.pem"), cert.signing_key.serialize_pem()).expect("write");
    let mut config = ServerConfig::new("127.0.0.1:0".parse().expect("addr"), dir.to_path_buf());
    config.auth.mode = AuthMode::Team;
    config.tls = Some(racecraft_server::TlsFiles { cert: dir.join("cert.pem"), key: dir.join("key.pem") });
    let server = RunningServer::start(config).await.expect("server");
    assert!(server.url().starts_with("https://"), "{}", server.url());
    (server, cert)
}

/// The chat speaks https to hosted endpoints, and says why when it cannot (here: a certificate nobody vouches
/// for, where a build without TLS would not even try).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_chat_reaches_https_endpoints_and_refuses_an_untrusted_certificate() {
    let dir = tempfile::tempdir().expect("tmp");
    let (server, _cert) = https_team_server(dir.path()).await;
    let url = format!("https://localhost:{}/v1", server.addr.port());
    let coach = racecraft_chat::Coach::new(racecraft_chat::Endpoint::new(&url, "gpt", None).expect("endpoint"));
    let refused = coach.models().await.expect_err("an untrusted certificate");
    assert!(refused.contains("certificate"), "{refused}");
    server.shutdown().await.expect("shutdown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_team_server_speaks_https_with_its_certificate_and_secure_cookies() {
    use std::sync::Arc;
    use tokio_rustls::rustls;

    let dir = tempfile::tempdir().expect("tmp");
    let (server, cert) = https_team_server(dir.path()).await;

    let mut roots = rustls::RootCertStore::empty();
    roots.add(cert.cert.der().clone()).expect("root");
    let client = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .expect("versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    let connector = tokio_rustls::TlsConnector::from(Arc::new(client));
    let connect = || async {
        let tcp = tokio::net::TcpStream::connect(server.addr).await.expect("tcp");
        let name = rustls::pki_types::ServerName::try_from("localhost").expect("name");
        connector.connect(name, tcp).await.expect("the certificate is accepted")
    };

    let health = https_exchange(
        &mut connect().await,
        "GET /api/health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert!(health.starts_with("HTTP/1.1 200"), "{health}");
    let body = format!(r#"{{"name":"olga","password":"{PASSWORD}"}}"#);
    let login = https_exchange(
        &mut connect().await,
        &format!(
            "POST /api/login HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        ),
    )
    .await;
    assert!(login.starts_with("HTTP/1.1 200"), "{login}");
    let cookie = login.lines().find(|l| l.to_ascii_lowercase().starts_with("set-cookie:")).expect("cookie");
    assert!(cookie.contains("; Secure") && cookie.contains("HttpOnly"), "{cookie}");

    // Plain HTTP to the HTTPS port gets no HTTP answer.
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut plain = tokio::net::TcpStream::connect(server.addr).await.expect("tcp");
    plain.write_all(b"GET /api/health HTTP/1.1\r\nHost: localhost\r\n\r\n").await.expect("write");
    let mut answer = Vec::new();
    let _ = plain.read_to_end(&mut answer).await;
    assert!(!answer.starts_with(b"HTTP/1.1 200"), "{}", String::from_utf8_lossy(&answer));
    server.shutdown().await.expect("shutdown");
}

#[tokio::test]
async fn a_key_that_is_not_a_key_is_a_clear_error_before_anything_starts() {
    let dir = tempfile::tempdir().expect("tmp");
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).expect("certificate");
    std::fs::write(dir.path().join("cert.pem"), cert.cert.pem()).expect("write");
    std::fs::write(dir.path().join("key.pem"), "not a key").expect("write");
    let mut config = ServerConfig::new("127.0.0.1:0".parse().expect("addr"), dir.path().join("data"));
    config.tls =
        Some(racecraft_server::TlsFiles { cert: dir.path().join("cert.pem"), key: dir.path().join("key.pem") });
    let err = RunningServer::start(config).await.expect_err("refused");
    assert!(matches!(err, StartError::Tls(_)) && err.to_string().contains("key.pem"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_last_owner_can_neither_leave_nor_step_down() {
    let dir = tempfile::tempdir().expect("tmp");
    accounts(dir.path()).await;
    let server = team_server(dir.path()).await;
    let olga = signed_in(&server, "olga").await;
    let members = format!("{}/api/teams/1/members", server.url());
    let demote =
        olga.post(&members).json(&serde_json::json!({"name": "olga", "role": "viewer"})).send().await.expect("post");
    assert_eq!(demote.status(), 422);
    let list: serde_json::Value = olga.get(&members).send().await.expect("get").json().await.expect("json");
    let olga_row = list.as_array().expect("members").iter().find(|m| m["name"] == "olga").expect("olga").clone();
    assert_eq!(olga_row["role"], "owner", "still the owner");
    let leave = olga.delete(format!("{members}/{}", olga_row["user_id"])).send().await.expect("delete");
    assert_eq!(leave.status(), 422);
    // With a second owner, stepping down is fine.
    let r = olga.post(&members).json(&serde_json::json!({"name": "dan", "role": "owner"})).send().await.expect("post");
    assert_eq!(r.status(), 201);
    let r =
        olga.post(&members).json(&serde_json::json!({"name": "olga", "role": "engineer"})).send().await.expect("post");
    assert_eq!(r.status(), 201);
    server.shutdown().await.expect("shutdown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn garbage_credentials_are_clear_refusals() {
    let dir = tempfile::tempdir().expect("tmp");
    accounts(dir.path()).await;
    let server = team_server(dir.path()).await;
    let url = format!("{}/api/sessions", server.url());
    let client = reqwest::Client::new();
    let forged = format!("rc_agent_{}", "A".repeat(43));
    for (name, value) in [
        ("authorization", "Basic b2xnYTpwdw=="),
        ("authorization", "Bearer"),
        ("authorization", "Bearer rc_agent_short"),
        ("authorization", forged.as_str()),
        ("cookie", "racecraft_session=rc_login_forged; other=1"),
        ("cookie", ";;==;racecraft_session"),
    ] {
        let r = client.get(&url).header(name, value).send().await.expect("request");
        assert_eq!(r.status(), 401, "{name}: {value}");
        let body: serde_json::Value = r.json().await.expect("a JSON error body");
        assert!(body["error"].as_str().is_some_and(|e| !e.is_empty()), "{body}");
    }
    let bytes = reqwest::header::HeaderValue::from_bytes(b"Bearer \xff\xfe").expect("header");
    assert_eq!(client.get(&url).header("authorization", bytes).send().await.expect("request").status(), 401);
    let login = format!("{}/api/login", server.url());
    let r =
        client.post(&login).header("content-type", "application/json").body("{\"name\":").send().await.expect("post");
    assert_eq!(r.status(), 400, "truncated JSON");
    let r = client.post(&login).json(&serde_json::json!({"name": 7, "password": []})).send().await.expect("post");
    assert_eq!(r.status(), 422, "wrong shape");
    server.shutdown().await.expect("shutdown");
}

/// The chat's tools read the session through the server's own routes with the asking user's cookie: a signed-in
/// reader gets an answer (its context was read with their rights), nobody else gets the model.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_coaching_chat_reads_with_the_asking_users_rights() {
    let llm = racecraft_testkit::LlmServer::start();
    let dir = tempfile::tempdir().expect("tmp");
    let token = accounts(dir.path()).await;
    let mut endpoint = racecraft_chat::Endpoint::new(&llm.url(), "tiny", None).expect("endpoint");
    endpoint.max_tokens = 16;
    let server = team_server_asking(dir.path(), Some(endpoint)).await;
    let session = stream_one_lap(&server, &token).await;
    let url = format!("{}/api/sessions/{session}/chat", server.url());
    let question = serde_json::json!({"messages": [{"role": "user", "content": "Where is La Source?"}]});

    let olga = signed_in(&server, "olga").await;
    let answer = olga.post(&url).json(&question).send().await.expect("ask");
    assert_eq!(answer.status(), 200);
    let stream = answer.text().await.expect("stream");
    assert!(stream.contains(r#""type":"delta""#), "{stream}");
    assert!(stream.contains(r#""type":"done""#), "{stream}");
    assert!(!stream.contains(r#""type":"error""#), "the context was read with olga's rights: {stream}");

    let anonymous = reqwest::Client::new();
    assert_eq!(anonymous.post(&url).json(&question).send().await.expect("ask").status(), 401);
    let created = create_share(&server, &olga, session).await;
    let link = created["token"].as_str().expect("token");
    let shared = anonymous.post(&url).bearer_auth(link).json(&question).send().await.expect("ask");
    assert_eq!(shared.status(), 403, "a share link reads, it does not ask");
    server.shutdown().await.expect("shutdown");
}

/// MCP over HTTP on a team server: its tools read with the caller's rights, so a signed-in member gets the
/// team's session, nobody else gets anything.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mcp_over_http_reads_with_the_callers_rights() {
    let dir = tempfile::tempdir().expect("tmp");
    let token = accounts(dir.path()).await;
    let server = team_server(dir.path()).await;
    let session = stream_one_lap(&server, &token).await;
    let url = format!("{}/mcp", server.url());
    let call = |id: u32, name: &str, arguments: serde_json::Value| serde_json::json!({"jsonrpc": "2.0", "id": id, "method": "tools/call", "params": {"name": name, "arguments": arguments}});
    let post = |client: &reqwest::Client, body: serde_json::Value| {
        client
            .post(&url)
            .header("accept", "application/json, text/event-stream")
            .header("mcp-protocol-version", "2025-06-18")
            .json(&body)
    };

    let dan = signed_in(&server, "dan").await;
    let listed: serde_json::Value = post(&dan, call(1, "list_sessions", serde_json::json!({})))
        .send()
        .await
        .expect("mcp")
        .json()
        .await
        .expect("json");
    let text = listed["result"]["content"][0]["text"].as_str().unwrap_or_else(|| panic!("{listed}"));
    let sessions: serde_json::Value = serde_json::from_str(text).expect("sessions");
    assert_eq!(sessions[0]["session_id"], serde_json::json!(session), "{sessions}");
    let laps: serde_json::Value = post(&dan, call(2, "lap_table", serde_json::json!({"session_id": session})))
        .send()
        .await
        .expect("mcp")
        .json()
        .await
        .expect("json");
    assert_eq!(laps["result"]["isError"], serde_json::json!(false), "{laps}");

    let anonymous = reqwest::Client::new();
    let refused = post(&anonymous, call(3, "list_sessions", serde_json::json!({}))).send().await.expect("mcp");
    assert_eq!(refused.status(), 401);
    let agent_token = post(&anonymous, call(4, "list_sessions", serde_json::json!({}))).bearer_auth(&token);
    assert_eq!(agent_token.send().await.expect("mcp").status(), 403, "an agent token streams, it reads nothing");
    server.shutdown().await.expect("shutdown");
}
