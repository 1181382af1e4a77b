//! The coaching chat on a real server holding a simulated session, asking a real OpenAI-compatible model server
//! (llama.cpp's, with a tiny random-weight model: its words mean nothing, its protocol is the real one): the
//! context is the analysis number for number, answers stream as server-sent events, tool calls are answered
//! from the analysis, and unknown tools and corners are tool errors the conversation survives.

mod common;

use std::time::Duration;

use racecraft_chat::{Coach, Endpoint, Plan, SessionContext, openai, tool_defs};
use racecraft_mcp::{Api, Racecraft};
use racecraft_protocol::chat::{AskEvent, ChatRole, ChatTurn};
use racecraft_server::{RunningServer, ServerConfig};
use racecraft_sim::{SimConfig, Simulation, Track};
use racecraft_testkit::LlmServer;
use racecraft_uplink::{Agent, AgentConfig};
use serde_json::{Value, json};

use common::{get, within};

/// A server (asking `llm`'s model, answers of at most 48 tokens, when given) holding one simulated 5-lap Monza
/// session.
async fn loaded(llm: Option<&LlmServer>) -> (RunningServer, Simulation, i64, tempfile::TempDir) {
    loaded_with(llm, 48).await
}

/// [`loaded`] with answers of at most `max_tokens`.
async fn loaded_with(llm: Option<&LlmServer>, max_tokens: u32) -> (RunningServer, Simulation, i64, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("tmp");
    let mut config = ServerConfig::new("127.0.0.1:0".parse().expect("addr"), dir.path().to_path_buf());
    config.writer.flush_interval = Duration::from_millis(100);
    if let Some(llm) = llm {
        let mut endpoint = Endpoint::new(&llm.url(), "tiny", None).expect("endpoint");
        endpoint.max_tokens = max_tokens;
        config.chat = Some(endpoint);
    }
    let server = RunningServer::start(config).await.expect("server");
    let sim = Simulation::new(
        Track::builtin("Monza").expect("track"),
        SimConfig { laps: 5, rate_hz: 60.0, seed: 3, ..SimConfig::default() },
    )
    .expect("sim");
    let agent = Agent::spawn(AgentConfig::new(server.url(), sim.meta(0))).expect("agent");
    for frame in sim.frames() {
        agent.push(frame);
    }
    agent.finish(Some(Duration::from_secs(60))).await.expect("delivered");
    let sessions = get(&format!("{}/api/sessions", server.url())).await;
    let id = sessions[0]["id"].as_i64().expect("session id");
    (server, sim, id, dir)
}

fn question(text: &str) -> Vec<ChatTurn> {
    vec![ChatTurn { role: ChatRole::User, content: text.to_string() }]
}

/// Posts a question and reads the whole event stream.
async fn ask(server: &RunningServer, id: i64, body: &Value) -> (u16, String, String) {
    let response = reqwest::Client::new()
        .post(format!("{}/api/sessions/{id}/chat", server.url()))
        .json(body)
        .send()
        .await
        .expect("POST chat");
    let status = response.status().as_u16();
    let content_type =
        response.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    (status, content_type, within("the answer's stream", response.text()).await.expect("body"))
}

/// The `data:` events of a server-sent event stream.
fn events(stream: &str) -> Vec<AskEvent> {
    stream
        .split("\n\n")
        .filter_map(|event| event.lines().find_map(|l| l.strip_prefix("data:")))
        .map(|data| serde_json::from_str(data.trim()).unwrap_or_else(|e| panic!("not an AskEvent ({e}): {data}")))
        .collect()
}

/// Runs a conversation through `coach` and collects its events.
async fn converse(coach: &Coach, tools: &Racecraft, context: &SessionContext, plan: &Plan) -> Vec<AskEvent> {
    let (tx, mut rx) = tokio::sync::mpsc::channel(64);
    let turns = question("Where do I lose time at T2?");
    let run = coach.converse(tools, context, &turns, plan, tx);
    let collect = async {
        let mut out = Vec::new();
        while let Some(event) = rx.recv().await {
            out.push(event);
        }
        out
    };
    within("the conversation", async { tokio::join!(run, collect).1 }).await
}

fn close(a: f64, b: f64, tolerance: f64) -> bool {
    (a - b).abs() <= tolerance
}

/// The endpoint check the server makes when it starts: the models served, or why there is no answer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_endpoint_lists_its_models_or_says_why_not() {
    let llm = LlmServer::start();
    let coach = Coach::new(Endpoint::new(&llm.url(), "tiny", None).expect("endpoint"));
    let models = coach.models().await.expect("models");
    assert_eq!(models.len(), 1, "one model served: {models:?}");
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("port").local_addr().expect("addr");
    let nobody = Coach::new(Endpoint::new(&format!("http://{closed}/v1"), "tiny", None).expect("endpoint"));
    let refused = nobody.models().await.expect_err("nothing listens");
    assert!(refused.contains("cannot reach") && refused.contains("onnect"), "{refused}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_chat_is_off_until_a_model_is_configured() {
    let (server, _sim, id, _dir) = loaded(None).await;
    let info = get(&format!("{}/api/chat", server.url())).await;
    assert_eq!(info["enabled"], json!(false));
    assert_eq!(info["endpoint"], Value::Null, "nothing leaves the machine unless configured");
    assert!(info["how_to_enable"].as_str().expect("how").contains("--llm-url"), "{info}");
    let (status, _, body) = ask(&server, id, &json!({"messages": [{"role": "user", "content": "T1?"}]})).await;
    assert_eq!(status, 503, "{body}");
    assert!(body.contains("--llm-url"), "{body}");
    server.shutdown().await.expect("shutdown");
}

/// Every number the model is given is the analysis's, rounded as the document says (ms, 0.1 m, 0.1 km/h), and
/// the lap times are the simulator's truth.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_context_is_the_analysis_number_for_number() {
    let (server, sim, id, _dir) = loaded(None).await;
    let tools = Racecraft::new(Api::new(&server.url()).expect("api"));
    let context = SessionContext::load(&tools, id).await.expect("context");
    let prompt = context.system_prompt();
    assert!(prompt.contains("_kmh km/h") && prompt.contains("never invent a corner"), "{prompt}");
    let doc = racecraft_chat::context::document_of(&prompt).expect("the prompt carries the data document");
    let base = server.url();
    let laps = get(&format!("{base}/api/sessions/{id}/laps")).await;
    // The analysis body is flat: the analysis's fields beside the session id.
    let analysis = &get(&format!("{base}/api/sessions/{id}/analysis")).await;

    // Laps: number, id, time, sectors, validity; times are the simulator's.
    let rows = doc["laps"]["rows"].as_array().expect("lap rows");
    let stored = laps.as_array().expect("laps");
    assert_eq!(rows.len(), stored.len());
    for (row, lap) in rows.iter().zip(stored) {
        assert_eq!(row[0], lap["lap_number"]);
        assert_eq!(row[1], lap["id"]);
        assert!(close(row[2].as_f64().expect("time"), lap["lap_time_s"].as_f64().expect("time"), 5e-4), "{row}");
        let sectors = row[3].as_array().expect("sectors");
        let stored_sectors = lap["sectors_s"].as_array().expect("sectors");
        assert_eq!(sectors.len(), stored_sectors.len());
        for (a, b) in sectors.iter().zip(stored_sectors) {
            assert!(close(a.as_f64().expect("s"), b.as_f64().expect("s"), 5e-4));
        }
        assert_eq!(row[4], lap["valid"]);
    }
    for truth in &sim.truth().laps {
        let row = rows.iter().find(|r| r[0] == json!(truth.lap_number)).expect("every true lap is in the table");
        assert!(close(row[2].as_f64().expect("time"), truth.lap_time_s, 1e-3), "lap {}: {row}", truth.lap_number);
    }
    assert_eq!(doc["best_lap"], analysis["best_lap"]);
    let tb = analysis["theoretical_best"]["sectors_s"].as_f64().expect("theoretical best");
    assert!(close(doc["theoretical_best_s"].as_f64().expect("tb"), tb, 5e-4));

    // Corners: the analysis's, and only those.
    let corners = doc["corners"]["rows"].as_array().expect("corner rows");
    let analysed = analysis["corners"].as_array().expect("corners");
    assert_eq!(corners.len(), analysed.len());
    assert!(!corners.is_empty());
    for (row, c) in corners.iter().zip(analysed) {
        assert_eq!(row[0], json!(format!("T{}", c["number"])));
        for (i, field) in [(2, "entry_m"), (3, "apex_m"), (4, "exit_m")] {
            assert!(close(row[i].as_f64().expect("m"), c[field].as_f64().expect("m"), 0.051), "{field}: {row}");
        }
    }

    // The comparison: the latest valid lap that is not the best, against the best, as the REST comparison says.
    let best = analysis["best_lap"].as_u64().expect("best lap");
    let lap = stored.iter().rev().find(|l| l["valid"] == json!(true) && l["lap_number"] != json!(best)).expect("lap");
    let best_id = stored.iter().find(|l| l["lap_number"] == json!(best)).expect("best")["id"].clone();
    let rest = &get(&format!("{base}/api/laps/{}/compare/{best_id}", lap["id"])).await;
    let cmp = &doc["comparison"];
    assert_eq!(cmp["lap"], lap["lap_number"]);
    assert_eq!(cmp["reference_lap"], json!(best));
    assert!(close(cmp["difference_s"].as_f64().expect("diff"), rest["difference_s"].as_f64().expect("diff"), 5e-4));
    let rows = cmp["corners"]["rows"].as_array().expect("rows");
    let rest_corners = rest["corners"].as_array().expect("corners");
    assert_eq!(rows.len(), rest_corners.len());
    for (row, c) in rows.iter().zip(rest_corners) {
        assert_eq!(row[0], json!(format!("T{}", c["corner"])));
        assert!(close(row[1].as_f64().expect("loss"), c["zone_loss_s"].as_f64().expect("loss"), 5e-4), "{row}");
        let kmh = |v: &Value| v.as_f64().expect("mps") * 3.6;
        assert!(close(row[3].as_f64().expect("kmh"), kmh(&c["lap"]["entry_speed_mps"]), 0.051), "{row}");
        assert!(close(row[4].as_f64().expect("kmh"), kmh(&c["reference"]["entry_speed_mps"]), 0.051), "{row}");
        assert!(close(row[5].as_f64().expect("kmh"), kmh(&c["lap"]["min_speed_mps"]), 0.051), "{row}");
        match c["lap"]["braking_point_m"].as_f64() {
            Some(m) => assert!(close(row[9].as_f64().expect("brake"), m, 0.051), "{row}"),
            None => assert_eq!(row[9], Value::Null),
        }
        assert_eq!(row[13], c["lap"]["gear"]);
    }
    // The losses of corners and straights add up to the difference, as the model is told.
    let stretches: f64 =
        cmp["stretches"]["rows"].as_array().expect("stretches").iter().map(|r| r[3].as_f64().expect("loss")).sum();
    assert!(
        close(stretches, cmp["difference_s"].as_f64().expect("diff"), 0.01),
        "{stretches} vs {}",
        cmp["difference_s"]
    );

    // Mistakes and coaching: the analysis's, in its order.
    let mistakes = doc["mistakes"]["rows"].as_array().expect("mistakes");
    let analysed = analysis["mistakes"].as_array().expect("mistakes");
    assert_eq!(mistakes.len(), analysed.len());
    for (row, m) in mistakes.iter().zip(analysed) {
        assert_eq!(row[0], m["lap_number"]);
        assert_eq!(row[1], json!(format!("T{}", m["corner"])));
        assert!(close(row[3].as_f64().expect("lost"), m["time_lost_s"].as_f64().expect("lost"), 5e-4));
    }
    let coaching = doc["coaching"].as_array().expect("coaching");
    let advised = analysis["coaching"].as_array().expect("coaching");
    assert_eq!(coaching.len(), advised.len());
    for (row, a) in coaching.iter().zip(advised) {
        assert_eq!(row["advice"], a["message"]);
        assert!(close(row["worth_s"].as_f64().expect("worth"), a["time_at_stake_s"].as_f64().expect("worth"), 5e-4));
    }
    server.shutdown().await.expect("shutdown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_question_is_answered_by_a_real_model_as_a_stream() {
    let llm = LlmServer::start();
    let (server, _sim, id, _dir) = loaded(Some(&llm)).await;
    let info = get(&format!("{}/api/chat", server.url())).await;
    assert_eq!(info["enabled"], json!(true));
    assert_eq!(info["endpoint"], json!(llm.url()), "the UI shows where the data goes");
    assert_eq!(info["model"], json!("tiny"));

    let body = json!({"messages": [
        {"role": "user", "content": "How was my lap?"},
        {"role": "assistant", "content": "Quick."},
        {"role": "user", "content": "Where do I lose time at T2 on lap 3?"},
    ]});
    let (status, content_type, stream) = ask(&server, id, &body).await;
    assert_eq!(status, 200, "{stream}\n{}", llm.log());
    assert!(content_type.starts_with("text/event-stream"), "{content_type}");
    let events = events(&stream);
    let text: String = events
        .iter()
        .filter_map(|e| match e {
            AskEvent::Delta { text } => Some(text.as_str()),
            _ => None,
        })
        .collect();
    assert!(!text.is_empty(), "the answer streamed in pieces: {stream}\n{}", llm.log());
    assert!(events.iter().filter(|e| matches!(e, AskEvent::Delta { .. })).count() > 1, "{stream}");
    match events.last() {
        Some(AskEvent::Done { flags, finish_reason }) => {
            assert!(["stop", "length"].contains(&finish_reason.as_str()), "{finish_reason}");
            // Whatever the model wrote, every flag names words it did write.
            assert!(flags.iter().all(|f| text.contains(&f.cited)), "{flags:?}");
        }
        other => panic!("the stream ends with done, not {other:?}: {stream}"),
    }
    assert!(!events.iter().any(|e| matches!(e, AskEvent::Error { .. })), "{stream}");

    // A conversation that does not end with a question is refused before anything is sent.
    let bad = json!({"messages": [{"role": "assistant", "content": "hi"}]});
    let (status, _, body) = ask(&server, id, &bad).await;
    assert_eq!(status, 422, "{body}");
    let (status, _, body) = ask(&server, id + 1000, &json!({"messages": [{"role": "user", "content": "?"}]})).await;
    assert_eq!(status, 404, "an unknown session: {body}");
    // A session without a complete lap has no analysis to talk about: the analysis's 422, not an outage.
    let empty = common::post(&format!("{}/api/sessions", server.url()), r#"{"track":"Monza"}"#).await;
    let empty = empty["id"].as_i64().expect("new session");
    let (status, _, body) = ask(&server, empty, &json!({"messages": [{"role": "user", "content": "T1?"}]})).await;
    assert_eq!(status, 422, "{body}");
    server.shutdown().await.expect("shutdown");
}

/// Stop: a browser that closes the answer's stream ends the generation, and the model server sees its request
/// dropped instead of generating on for nobody.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn closing_the_stream_stops_the_generation() {
    let llm = LlmServer::start();
    // 2048 tokens take the tiny model several seconds: long enough to stop it mid-way.
    let (server, _sim, id, _dir) = loaded_with(Some(&llm), 2048).await;
    let body = json!({"messages": [{"role": "user", "content": "Tell me everything about T1."}]});
    let mut response = reqwest::Client::new()
        .post(format!("{}/api/sessions/{id}/chat", server.url()))
        .json(&body)
        .send()
        .await
        .expect("POST chat");
    assert_eq!(response.status(), 200);
    let first = within("the first piece", response.chunk()).await.expect("chunk").expect("a piece");
    assert!(String::from_utf8_lossy(&first).contains("data:"), "{first:?}");
    drop(response);
    within("the model server seeing the request dropped", async {
        while !llm.log().contains("Disconnected from client") {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await;
    assert!(!llm.log().contains("Traceback"), "{}", llm.log());
    server.shutdown().await.expect("shutdown");
}

/// The model is made to call corner_detail first (llama.cpp's server streams a named tool choice): its
/// arguments respect the session's corners and laps, the tool answers from the analysis, and the model then
/// answers with the result in its conversation.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tool_calls_are_answered_from_the_analysis() {
    let llm = LlmServer::start();
    let (server, _sim, id, _dir) = loaded(None).await;
    let tools = Racecraft::new(Api::new(&server.url()).expect("api"));
    let context = SessionContext::load(&tools, id).await.expect("context");
    let mut endpoint = Endpoint::new(&llm.url(), "tiny", None).expect("endpoint");
    endpoint.max_tokens = 48;
    let coach = Coach::new(endpoint);
    let plan = Plan { tools: tool_defs(&tools, &context), first_tool: Some("corner_detail".into()) };
    let offered: Vec<&str> = plan.tools.iter().map(|t| t.function.name.as_str()).collect();
    let detail = plan.tools.iter().find(|t| t.function.name == "corner_detail").expect("corner_detail");
    let corners: Vec<Value> = context.corners().into_iter().map(Value::from).collect();
    assert_eq!(detail.function.parameters["properties"]["corner"]["enum"], json!(corners));
    assert!(offered.contains(&"channel_window") && !offered.contains(&"list_sessions"), "{offered:?}");

    let events = converse(&coach, &tools, &context, &plan).await;
    let Some(AskEvent::Tool { name, arguments }) = events.first() else {
        panic!("the first event is the tool call: {events:?}\n{}", llm.log());
    };
    assert_eq!(name, "corner_detail");
    let args: Value = serde_json::from_str(arguments).unwrap_or_else(|e| panic!("{e}: {arguments}"));
    let lap_id = args["lap_id"].as_i64().expect("lap_id");
    let corner = args["corner"].as_u64().expect("corner") as u32;
    assert!(context.lap_ids().contains(&lap_id), "the schema limits laps to the session's: {args}");
    assert!(context.corners().contains(&corner), "the schema limits corners to the session's: {args}");
    assert!(
        matches!(&events[1], AskEvent::ToolResult { name, ok: true, summary } if name == "corner_detail" && summary.contains("zone_loss_s")),
        "{events:?}"
    );
    assert!(matches!(events.last(), Some(AskEvent::Done { .. })), "the model answers after the tool: {events:?}");

    // What the tool answered is the analysis of that corner on that lap against the best lap.
    let answer = tools.call("corner_detail", args.clone()).await.expect("corner_detail");
    let rest = get(&format!("{}/api/laps/{lap_id}/analysis?ref=best", server.url())).await;
    let rest_corner = rest["comparison"]["corners"]
        .as_array()
        .expect("corners")
        .iter()
        .find(|c| c["corner"] == json!(corner))
        .expect("the corner")
        .clone();
    assert_eq!(answer["corner"], json!(corner));
    assert_eq!(answer["zone_loss_s"], rest_corner["zone_loss_s"]);
    assert_eq!(answer["lap"]["braking_point_m"], rest_corner["lap"]["braking_point_m"]);
    server.shutdown().await.expect("shutdown");
}

/// A model that calls a tool the chat does not have gets a clear tool error and the conversation goes on; a
/// corner the session lacks and arguments of the wrong shape are tool errors naming what is valid.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_tools_and_corners_are_tool_errors() {
    let llm = LlmServer::start();
    let (server, _sim, id, _dir) = loaded(None).await;
    let tools = Racecraft::new(Api::new(&server.url()).expect("api"));
    let context = SessionContext::load(&tools, id).await.expect("context");
    let mut endpoint = Endpoint::new(&llm.url(), "tiny", None).expect("endpoint");
    endpoint.max_tokens = 32;
    let coach = Coach::new(endpoint);
    let mut defs = tool_defs(&tools, &context);
    defs.push(openai::ToolDef {
        kind: "function",
        function: openai::FunctionDef {
            name: "pit_strategy".into(),
            description: "Plans the stops.".into(),
            parameters: json!({"type": "object", "properties": {"laps": {"type": "integer", "enum": [10, 20]}}, "required": ["laps"]}),
        },
    });
    let plan = Plan { tools: defs, first_tool: Some("pit_strategy".into()) };
    let events = converse(&coach, &tools, &context, &plan).await;
    assert!(matches!(&events[0], AskEvent::Tool { name, .. } if name == "pit_strategy"), "{events:?}\n{}", llm.log());
    match &events[1] {
        AskEvent::ToolResult { ok: false, summary, .. } => {
            assert!(
                summary.contains("there is no tool \"pit_strategy\"") && summary.contains("corner_detail"),
                "{summary}"
            );
        }
        other => panic!("a tool error, not {other:?}"),
    }
    assert!(matches!(events.last(), Some(AskEvent::Done { .. })), "the conversation goes on: {events:?}");

    let lap_id = context.lap_ids()[1];
    let missing = tools.call("corner_detail", json!({"lap_id": lap_id, "corner": 99})).await.expect_err("no T99");
    let known = context.corners().iter().map(u32::to_string).collect::<Vec<_>>().join(", ");
    assert!(missing.to_string().contains(&format!("there is no corner 99; the corners are {known}")), "{missing}");
    let bad = tools.call("corner_detail", json!({"lap": "three"})).await.expect_err("bad arguments");
    assert!(bad.to_string().starts_with("bad arguments for corner_detail"), "{bad}");
    server.shutdown().await.expect("shutdown");
}
