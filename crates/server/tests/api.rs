//! The router without sockets (`oneshot`): REST behaviour and bad input for every endpoint.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use racecraft_server::{AppState, Limits, app};
use racecraft_store::{Spool, Store, Writer, WriterConfig};
use serde_json::{Value, json};
use tower::ServiceExt;

struct Fixture {
    state: AppState,
    _dir: tempfile::TempDir,
}

async fn fixture() -> Fixture {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::connect(&format!("sqlite://{}", dir.path().join("t.db").display())).await.expect("store");
    let spool = Spool::open(dir.path().join("spool")).await.expect("spool");
    let writer = Writer::spawn(store.clone(), spool, WriterConfig::default());
    let limits = Limits { max_body_bytes: 64 * 1024, ..Limits::default() };
    Fixture { state: AppState::new(store, writer, limits), _dir: dir }
}

async fn call(state: &AppState, method: &str, uri: &str, body: Option<&str>) -> (StatusCode, Value) {
    let mut req = Request::builder().method(method).uri(uri);
    if body.is_some() {
        req = req.header(header::CONTENT_TYPE, "application/json");
    }
    let req = req.body(body.map_or_else(Body::empty, |b| Body::from(b.to_string()))).expect("request");
    let resp = app(state.clone()).oneshot(req).await.expect("response");
    let status = resp.status();
    let bytes = resp.into_body().collect().await.expect("body").to_bytes();
    let value = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes).unwrap_or(Value::String(String::from_utf8_lossy(&bytes).into()))
    };
    (status, value)
}

/// Numbers in a JSON array equal `expected` to f32 precision (the prefix of the array, when shorter).
fn assert_close(got: &Value, expected: &[f64]) {
    let got: Vec<f64> =
        got.as_array().expect("array").iter().take(expected.len()).map(|v| v.as_f64().expect("number")).collect();
    assert!(got.len() >= expected.len(), "{got:?} vs {expected:?}");
    for (g, e) in got.iter().zip(expected) {
        assert!((g - e).abs() <= 1e-5 * e.abs().max(1.0), "{got:?} vs {expected:?}");
    }
}

#[tokio::test]
async fn health_and_channels() {
    let f = fixture().await;
    let (s, v) = call(&f.state, "GET", "/api/health", None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["status"], "ok");
    assert_eq!(v["db"]["backend"], "sqlite");
    let (s, v) = call(&f.state, "GET", "/api/channels", None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v[0]["name"], "speed_mps");
    assert_eq!(v.as_array().map(Vec::len), Some(racecraft_core::CHANNEL_COUNT));
}

#[tokio::test]
async fn session_lifecycle() {
    let f = fixture().await;
    let (s, created) = call(
        &f.state,
        "POST",
        "/api/sessions",
        Some(r#"{"game":"sim","car":"GT","track":"Spa","driver":"Ana","name":"Quali"}"#),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{created}");
    let id = created["id"].as_i64().expect("id");
    assert_eq!(created["name"], "Quali");
    assert_eq!(created["live"], false);

    let (s, v) =
        call(&f.state, "PATCH", &format!("/api/sessions/{id}"), Some(r#"{"name":"Race","archived":true}"#)).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["name"], "Race");
    assert_eq!(v["archived"], true);
    let (_, list) = call(&f.state, "GET", "/api/sessions", None).await;
    assert!(list.as_array().expect("array").iter().all(|s| s["id"] != id), "archived sessions are hidden by default");
    let (_, list) = call(&f.state, "GET", "/api/sessions?archived=true", None).await;
    assert!(list.as_array().expect("array").iter().any(|s| s["id"] == id));

    let (s, laps) = call(&f.state, "GET", &format!("/api/sessions/{id}/laps"), None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(laps, json!([]));
    let (s, _) = call(&f.state, "DELETE", &format!("/api/sessions/{id}"), None).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, v) = call(&f.state, "GET", &format!("/api/sessions/{id}"), None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert!(v["error"].as_str().expect("message").contains("no session"));
}

#[tokio::test]
async fn ac_ingest_converts_units_and_drops_repeats() {
    let f = fixture().await;
    let (_, created) = call(&f.state, "POST", "/api/sessions", Some(r#"{"game":"ac"}"#)).await;
    let id = created["id"].as_i64().expect("id");
    let body = r#"[{"packetId":1,"gas":0.5,"brake":0,"fuel":30,"gear":2,"rpms":6000,"steerAngle":0.1,"speedKmh":180},
                   {"packetId":1,"gas":0.6,"gear":3,"speedKmh":181},
                   {"packetId":2,"gas":0.7,"gear":0,"speedKmh":36,"wheelsPressure":[27,27,26,26]}]"#;
    let (s, v) = call(&f.state, "POST", &format!("/ingest?session_id={id}&lap=1"), Some(body)).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["accepted"], 2);
    assert_eq!(v["duplicates"], 1);
    let (s, recent) = call(&f.state, "GET", &format!("/api/recent/10?session_id={id}"), None).await;
    assert_eq!(s, StatusCode::OK, "{recent}");
    let ch = &recent["channels"];
    assert_close(&ch["speed_mps"], &[50.0, 10.0]);
    assert_close(&ch["gear"], &[1.0, -1.0]);
    assert_close(&ch["lap"], &[1.0, 1.0]);
    let kpa = ch["tyre_press_fl_kpa"][1].as_f64().expect("pressure");
    assert!((kpa - 27.0 * 6.894757).abs() < 1e-3, "{kpa}");
    assert_eq!(ch["tyre_press_fl_kpa"][0], Value::Null, "absent where the packet lacked it");
}

/// `POST /ingest` is normalised by the capture crate, as shared memory is: what the game could not have sent
/// (a throttle of 7, 10^9 km/h, 50 000 rpm, a 40 g corner) is left out, not stored, and the rest of the packet is
/// kept; the slip ratio is the game's `slipRatio`, and the position turns to z-up.
#[tokio::test]
async fn ac_ingest_leaves_out_what_the_game_could_not_have_sent() {
    let f = fixture().await;
    let (_, created) = call(&f.state, "POST", "/api/sessions", Some(r#"{"game":"ac"}"#)).await;
    let id = created["id"].as_i64().expect("id");
    let body = r#"[{"packetId":1,"gas":7,"brake":0.25,"speedKmh":1e9,"rpms":50000,"accG":[40,1,0.5],
                    "slipRatio":[0.1,0.2,0.3,0.4],"carCoordinates":[10,2,-30]}]"#;
    let (s, v) = call(&f.state, "POST", &format!("/ingest?session_id={id}"), Some(body)).await;
    assert_eq!((s, v["accepted"].as_u64()), (StatusCode::OK, Some(1)), "{v}");
    let (_, recent) = call(&f.state, "GET", &format!("/api/recent/1?session_id={id}"), None).await;
    let ch = &recent["channels"];
    for implausible in ["throttle", "speed_mps", "rpm", "acc_lat_g"] {
        assert!(ch.get(implausible).is_none_or(|c| c[0].is_null()), "{implausible} stored: {recent}");
    }
    assert_close(&ch["brake"], &[0.25]);
    assert_close(&ch["acc_vert_g"], &[1.0]);
    assert_close(&ch["slip_ratio_rr"], &[0.4]);
    assert_close(&ch["pos_y_m"], &[-30.0]);
    assert_close(&ch["pos_z_m"], &[2.0]);
}

#[tokio::test]
async fn api_ingest_one_point_or_many() {
    let f = fixture().await;
    let one = r#"{"meta_time":"2025-04-04T18:10:23.000Z","track":"Barber","chassis":"GR86-002","lap":3,"lapdist_m":120.5,"speed_kmh":144,"accx_can":0.2,"accy_can":-1.1,"Steering_Angle":-90,"pbrake_f":50,"rpm":5000}"#;
    let (s, v) = call(&f.state, "POST", "/api/ingest", Some(one)).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["accepted"], 1);
    let id = v["session_id"].as_i64().expect("session id");
    let many = r#"[{"meta_time":"2025-04-04T18:10:23.500Z","track":"Barber","chassis":"GR86-002","lap":3,"speed_kmh":100},
                   {"meta_time":"2025-04-04T18:10:24.000Z","track":"Barber","chassis":"GR86-002","lap":3,"speed_kmh":90}]"#;
    let (s, v) = call(&f.state, "POST", "/api/ingest", Some(many)).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["session_id"].as_i64(), Some(id), "same track and chassis, same session");
    let (_, recent) = call(&f.state, "GET", &format!("/api/recent/3?session_id={id}"), None).await;
    assert_close(&recent["t_s"], &[0.0, 0.5, 1.0]);
    assert_close(&recent["channels"]["speed_mps"], &[40.0, 100.0 / 3.6, 25.0]);
    assert_close(&recent["channels"]["brake"], &[0.5]);
    let steer = recent["channels"]["steer_rad"][0].as_f64().expect("steer");
    assert!((steer + std::f64::consts::FRAC_PI_2).abs() < 1e-6);
    let (_, session) = call(&f.state, "GET", &format!("/api/sessions/{id}"), None).await;
    assert_eq!(session["track"], "Barber");
    assert_eq!(session["car"], "GR86-002");
    assert_eq!(session["live"], true);
}

#[tokio::test]
async fn bad_input_gets_clear_4xx_json_and_is_counted() {
    let f = fixture().await;
    let (_, created) = call(&f.state, "POST", "/api/sessions", Some(r#"{"game":"ac"}"#)).await;
    let id = created["id"].as_i64().expect("id");
    let big = format!("[{}]", vec![r#"{"gas":0.5}"#; 10_000].join(","));
    let cases: Vec<(&str, String, Option<String>, StatusCode)> = vec![
        ("POST", format!("/ingest?session_id={id}"), Some("[{\"gas\":".into()), StatusCode::BAD_REQUEST),
        (
            "POST",
            format!("/ingest?session_id={id}"),
            Some(r#"[{"gas":"full"}]"#.into()),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        ("POST", format!("/ingest?session_id={id}"), Some(r#"{"gas":0.5}"#.into()), StatusCode::UNPROCESSABLE_ENTITY),
        ("POST", format!("/ingest?session_id={id}"), Some(big.clone()), StatusCode::PAYLOAD_TOO_LARGE),
        ("POST", "/ingest?session_id=999999".into(), Some("[]".into()), StatusCode::NOT_FOUND),
        ("POST", "/ingest?session_id=abc".into(), Some("[]".into()), StatusCode::BAD_REQUEST),
        ("POST", "/ingest".into(), Some("[]".into()), StatusCode::BAD_REQUEST),
        ("POST", "/api/ingest".into(), Some("not json".into()), StatusCode::BAD_REQUEST),
        ("POST", "/api/ingest".into(), Some("42".into()), StatusCode::UNPROCESSABLE_ENTITY),
        ("POST", "/api/ingest".into(), Some(r#"[{"speed_kmh":"fast"}]"#.into()), StatusCode::UNPROCESSABLE_ENTITY),
        ("POST", "/api/ingest".into(), Some(r#"{"meta_time":"yesterday"}"#.into()), StatusCode::UNPROCESSABLE_ENTITY),
        ("POST", "/api/ingest?session_id=424242".into(), Some(r#"{"speed_kmh":1}"#.into()), StatusCode::NOT_FOUND),
        ("POST", "/api/ingest".into(), Some(big), StatusCode::PAYLOAD_TOO_LARGE),
        ("POST", "/api/sessions".into(), Some(r#"{"game":7}"#.into()), StatusCode::UNPROCESSABLE_ENTITY),
        ("POST", "/api/sessions".into(), Some(r#"{"gmae":"x"}"#.into()), StatusCode::UNPROCESSABLE_ENTITY),
        ("PATCH", format!("/api/sessions/{id}"), Some("{}".into()), StatusCode::UNPROCESSABLE_ENTITY),
        ("GET", "/api/sessions/nope".into(), None, StatusCode::BAD_REQUEST),
        ("GET", "/api/laps/12345".into(), None, StatusCode::NOT_FOUND),
        ("GET", "/api/laps/1?channels=warp_factor".into(), None, StatusCode::BAD_REQUEST),
        ("GET", "/api/laps/1?max_points=0".into(), None, StatusCode::BAD_REQUEST),
        ("GET", "/api/recent/100000".into(), None, StatusCode::BAD_REQUEST),
        ("GET", "/api/recent/10?session_id=777".into(), None, StatusCode::NOT_FOUND),
        ("GET", "/api/nothing-here".into(), None, StatusCode::NOT_FOUND),
    ];
    for (method, uri, body, expected) in cases {
        let (s, v) = call(&f.state, method, &uri, body.as_deref()).await;
        assert_eq!(s, expected, "{method} {uri}: {v}");
        assert!(v["error"].as_str().is_some_and(|m| !m.is_empty()), "{method} {uri} gives a JSON error: {v}");
    }
    let metrics = f.state.metrics().render();
    assert!(metrics.contains(r#"racecraft_ingest_rejected_total{reason="bad_request"}"#), "{metrics}");
    assert!(metrics.contains(r#"racecraft_ingest_rejected_total{reason="too_large"}"#), "{metrics}");
    // The server still works for everyone else.
    let (s, _) = call(&f.state, "POST", &format!("/ingest?session_id={id}"), Some(r#"[{"gas":1}]"#)).await;
    assert_eq!(s, StatusCode::OK);
}

#[tokio::test]
async fn metrics_are_prometheus_text() {
    let f = fixture().await;
    let req = Request::builder().uri("/metrics").body(Body::empty()).expect("request");
    let resp = app(f.state.clone()).oneshot(req).await.expect("response");
    assert_eq!(resp.status(), StatusCode::OK);
    let text = String::from_utf8(resp.into_body().collect().await.expect("body").to_bytes().to_vec()).expect("utf8");
    assert!(text.contains("# TYPE racecraft_db_available gauge"), "{text}");
    assert!(text.contains("racecraft_db_available 1"), "{text}");
}

#[tokio::test]
async fn web_ui_is_served_with_spa_fallback() {
    // build.rs embeds a one-page notice (also titled "Racecraft") when web/dist is missing; this test must fail on
    // it, so it checks for the built UI: a fingerprinted module script under assets/ that is itself served as JS.
    assert_eq!(
        option_env!("RACECRAFT_WEB_UI"),
        Some("built"),
        "the web UI was not built into this binary (build.rs embedded its placeholder): run `npm ci && npm run build` \
         in web/ before the Rust tests (scripts/test.sh does)"
    );
    let f = fixture().await;
    let mut scripts = Vec::new();
    for uri in ["/", "/some/client/route"] {
        let req = Request::builder().uri(uri).body(Body::empty()).expect("request");
        let resp = app(f.state.clone()).oneshot(req).await.expect("response");
        assert_eq!(resp.status(), StatusCode::OK, "{uri}");
        assert!(resp.headers()[header::CONTENT_TYPE].to_str().expect("ascii").starts_with("text/html"));
        let body = resp.into_body().collect().await.expect("body").to_bytes();
        let html = String::from_utf8_lossy(&body).into_owned();
        assert!(html.contains("<title>Racecraft</title>"), "{uri}: {html}");
        let script = html
            .split("<script")
            .skip(1)
            .filter(|tag| tag.contains("type=\"module\""))
            .find_map(|tag| {
                let src = tag.split("src=\"").nth(1)?.split('"').next()?;
                let src = src.trim_start_matches("./").trim_start_matches('/');
                (src.starts_with("assets/") && src.ends_with(".js")).then(|| src.to_string())
            })
            .unwrap_or_else(|| panic!("{uri}: no module script under assets/ in the page (placeholder?): {html}"));
        scripts.push(script);
    }
    assert_eq!(scripts[0], scripts[1], "the SPA fallback serves the same index.html");
    let req = Request::builder().uri(format!("/{}", scripts[0])).body(Body::empty()).expect("request");
    let resp = app(f.state.clone()).oneshot(req).await.expect("response");
    assert_eq!(resp.status(), StatusCode::OK, "{}", scripts[0]);
    let ct = resp.headers()[header::CONTENT_TYPE].to_str().expect("ascii").to_string();
    assert!(ct.contains("javascript"), "{}: content type {ct}", scripts[0]);
    assert!(resp.headers()[header::CACHE_CONTROL].to_str().expect("ascii").contains("immutable"));
    let js = resp.into_body().collect().await.expect("body").to_bytes();
    let head = String::from_utf8_lossy(&js[..js.len().min(200)]).to_lowercase();
    assert!(!head.trim_start().starts_with("<"), "{} served HTML (the SPA fallback), not the bundle", scripts[0]);
    assert!(js.len() > 10_000, "{}: {} bytes is no UI bundle", scripts[0], js.len());
}
