//! `racecraft mcp`: a real MCP session over the process's stdin and stdout (JSON-RPC 2.0, one message per line),
//! against a server holding a simulated session, every answer checked against the REST API and the simulator.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

use racecraft_server::{RunningServer, ServerConfig};
use serde_json::{Value, json};

/// An MCP client speaking to a `racecraft mcp` child.
struct Client {
    child: Child,
    stdin: Option<ChildStdin>,
    stdout: BufReader<ChildStdout>,
    next_id: u64,
}

impl Client {
    fn spawn(server: &str) -> Client {
        Client::spawn_as(server, None)
    }

    /// `racecraft mcp` signed in as `login` (user, password) on a team server.
    fn spawn_as(server: &str, login: Option<(&str, &str)>) -> Client {
        let mut command = Command::new(env!("CARGO_BIN_EXE_racecraft"));
        command.args(["mcp", "--server", server]);
        if let Some((user, password)) = login {
            command.args(["--user", user]).env("RACECRAFT_PASSWORD", password);
        }
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("racecraft mcp starts");
        let stdin = child.stdin.take();
        let stdout = BufReader::new(child.stdout.take().expect("stdout"));
        Client { child, stdin, stdout, next_id: 1 }
    }

    fn send(&mut self, message: &Value) {
        let stdin = self.stdin.as_mut().expect("open");
        writeln!(stdin, "{message}").expect("write");
        stdin.flush().expect("flush");
    }

    /// Sends a request and returns its response (skipping any notification the server sends first).
    fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        self.send(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        loop {
            let mut line = String::new();
            assert!(self.stdout.read_line(&mut line).expect("read") > 0, "racecraft mcp closed stdout");
            let message: Value = serde_json::from_str(&line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
            if message["id"] == json!(id) {
                assert_eq!(message["jsonrpc"], "2.0");
                return message;
            }
        }
    }

    /// Calls a tool; returns (is_error, text of its one content block).
    fn call(&mut self, tool: &str, arguments: Value) -> (bool, String) {
        let response = self.request("tools/call", json!({"name": tool, "arguments": arguments}));
        let result = &response["result"];
        assert!(result.is_object(), "{tool}: {response}");
        let text = result["content"][0]["text"].as_str().unwrap_or_else(|| panic!("{tool}: {response}")).to_string();
        (result["isError"] == json!(true), text)
    }

    /// Calls a tool that must succeed and parses its JSON answer.
    fn ok(&mut self, tool: &str, arguments: Value) -> Value {
        let (is_error, text) = self.call(tool, arguments);
        assert!(!is_error, "{tool}: {text}");
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{tool} answered no JSON ({e}): {text}"))
    }
}

async fn get(url: &str) -> Value {
    reqwest::get(url).await.expect("GET").json().await.expect("JSON")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_mcp_client_reads_sessions_laps_corners_comparisons_and_channels() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = RunningServer::start(ServerConfig::new(([127, 0, 0, 1], 0).into(), dir.path().join("data")))
        .await
        .expect("server");
    let url = server.url();
    let truth_path = dir.path().join("truth.json");
    let (sim_url, truth_arg) = (url.clone(), truth_path.clone());
    tokio::task::spawn_blocking(move || {
        // The session the client studies, then a shorter one on the same track (a reference from elsewhere).
        for (laps, seed, truth) in [("4", "3", Some(&truth_arg)), ("2", "4", None)] {
            let mut simulate = Command::new(env!("CARGO_BIN_EXE_racecraft"));
            simulate.args(["simulate", "--track", "Norisring", "--laps", laps, "--rate", "60", "--speed", "0"]);
            simulate.args(["--seed", seed, "--server", &sim_url]);
            if let Some(path) = truth {
                simulate.arg("--truth").arg(path);
            }
            let out = simulate.output().expect("simulate runs");
            assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        }
    })
    .await
    .expect("join");
    let truth: Value = serde_json::from_slice(&std::fs::read(&truth_path).expect("truth")).expect("json");
    let session_id = 1;
    assert_eq!(get(&format!("{url}/api/sessions/1")).await["lap_count"], 4);
    let analysis = get(&format!("{url}/api/sessions/{session_id}/analysis")).await;

    let mcp_url = url.clone();
    let laps_url = url.clone();
    let checks = tokio::task::spawn_blocking(move || {
        let mut client = Client::spawn(&mcp_url);
        let init = client.request(
            "initialize",
            json!({"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "test", "version": "0"}}),
        );
        assert_eq!(init["result"]["serverInfo"]["name"], "racecraft", "{init}");
        assert!(init["result"]["capabilities"]["tools"].is_object(), "{init}");
        client.send(&json!({"jsonrpc": "2.0", "method": "notifications/initialized"}));

        let tools = client.request("tools/list", json!({}));
        let tools = tools["result"]["tools"].as_array().expect("tools").clone();
        let mut names: Vec<&str> = tools.iter().map(|t| t["name"].as_str().expect("name")).collect();
        names.sort_unstable();
        assert_eq!(
            names,
            [
                "channel_window",
                "compare_laps",
                "corner_detail",
                "corner_report",
                "lap_table",
                "list_sessions",
                "same_track_sessions"
            ]
        );
        for tool in &tools {
            assert_eq!(tool["annotations"]["readOnlyHint"], true, "{tool}");
            assert_eq!(tool["inputSchema"]["type"], "object", "{tool}");
        }

        let sessions = client.ok("list_sessions", json!({}));
        assert_eq!(sessions.as_array().map(Vec::len), Some(2), "{sessions}");
        assert!(sessions.as_array().expect("list").iter().all(|s| s["track"] == "Norisring"), "{sessions}");
        assert_eq!(client.ok("list_sessions", json!({"track": "monza"})), json!([]));

        let table = client.ok("lap_table", json!({"session_id": session_id}));
        let laps = table["laps"].as_array().expect("laps").clone();
        let want = truth["laps"].as_array().expect("truth laps");
        assert_eq!(laps.len(), want.len(), "{table}");
        for (lap, t) in laps.iter().zip(want) {
            assert_eq!(lap["lap_number"], t["lap_number"]);
            let (got, want) = (lap["lap_time_s"].as_f64().expect("time"), t["lap_time_s"].as_f64().expect("time"));
            assert!((got - want).abs() < 1e-3, "lap {}: {got} vs {want}", lap["lap_number"]);
        }
        let best = laps.iter().filter_map(|l| l["lap_time_s"].as_f64()).fold(f64::INFINITY, f64::min);
        let theoretical = table["theoretical_best_s"].as_f64().expect("theoretical best");
        assert!(theoretical <= best + 1e-9 && theoretical > best - 5.0, "{theoretical} vs best {best}");

        let report = client.ok("corner_report", json!({"session_id": session_id}));
        let corners: Vec<u64> =
            report["corners"].as_array().expect("corners").iter().map(|c| c["corner"].as_u64().expect("n")).collect();
        let rest_corners: Vec<u64> =
            analysis["corners"].as_array().expect("corners").iter().map(|c| c["number"].as_u64().expect("n")).collect();
        assert_eq!(corners, rest_corners);
        let pairs = |list: &Value, corner: &str| -> Vec<(u64, u64)> {
            list.as_array()
                .expect("list")
                .iter()
                .map(|m| (m["lap_number"].as_u64().expect("lap"), m[corner].as_u64().expect("corner")))
                .collect()
        };
        assert_eq!(pairs(&report["mistakes"], "corner"), pairs(&analysis["mistakes"], "corner"));

        // Lap 1 against the best lap: the same figures as the REST comparison, losses adding up to the difference.
        let lap_id = |n: u64| laps.iter().find(|l| l["lap_number"] == n).and_then(|l| l["lap_id"].as_i64()).expect("id");
        let best_number = table["best_lap_number"].as_u64().expect("best lap");
        let slow = if best_number == 1 { 2 } else { 1 };
        let (lap, reference) = (lap_id(slow), lap_id(best_number));
        let cmp = client.ok("compare_laps", json!({"lap_id": lap, "reference_lap_id": reference}));
        let difference = cmp["difference_s"].as_f64().expect("difference");
        let stretches: f64 = cmp["stretches"].as_array().expect("stretches").iter().filter_map(|s| s["loss_s"].as_f64()).sum();
        assert!((stretches - difference).abs() < 1e-6, "{stretches} vs {difference}");
        assert!(difference > 0.0, "the best lap is faster: {difference}");

        // One corner of that comparison, and the refusal of a corner that does not exist.
        let first = &cmp["corners"][0];
        let corner = first["corner"].as_u64().expect("corner");
        let detail =
            client.ok("corner_detail", json!({"lap_id": lap, "corner": corner, "reference_lap_id": reference}));
        assert_eq!(detail["zone_loss_s"], first["zone_loss_s"], "{detail}");
        assert_eq!(detail["lap"]["lap_number"], slow);
        assert_eq!(detail["reference"]["lap_number"], best_number);
        assert_eq!(detail["lap"]["min_kmh"], first["min_kmh"][0]);
        let default_ref = client.ok("corner_detail", json!({"lap_id": lap, "corner": corner}));
        assert_eq!(default_ref["reference"]["lap_number"], best_number, "the best lap by default");
        let (is_error, text) = client.call("corner_detail", json!({"lap_id": lap, "corner": 99}));
        assert!(is_error && text.contains("there is no corner 99"), "{text}");

        // The other session on the track, with its laps, usable as a reference.
        let others = client.ok("same_track_sessions", json!({"session_id": session_id}));
        let other = others.as_array().expect("sessions").iter().find(|s| s["session_id"] == 2).expect("session 2");
        assert_eq!(other["laps"].as_array().map(Vec::len), Some(2), "{other}");
        let foreign = other["laps"][0]["lap_id"].as_i64().expect("lap id");
        let across = client.ok("compare_laps", json!({"lap_id": lap, "reference_lap_id": foreign}));
        assert_eq!(across["reference_lap_number"], other["laps"][0]["lap_number"]);

        let window = client.ok(
            "channel_window",
            json!({"lap_id": lap, "channels": ["speed_mps", "throttle"], "from_m": 300.0, "to_m": 900.0, "max_points": 50}),
        );
        let distance: Vec<f64> =
            window["distance_m"].as_array().expect("distance").iter().map(|d| d.as_f64().expect("m")).collect();
        assert!(distance.len() >= 40 && distance.len() <= 50, "{} points", distance.len());
        assert!(distance.iter().all(|d| (300.0..=900.0).contains(d)), "{distance:?}");
        assert!(distance.windows(2).all(|w| w[0] < w[1]) && distance[0] < 320.0 && distance[distance.len() - 1] > 880.0);
        let speeds = window["channels"]["speed_mps"].as_array().expect("speeds").clone();
        assert_eq!(speeds.len(), distance.len());

        // What the server refuses reaches the model as a tool error it can read, and the session goes on.
        let (is_error, text) = client.call("lap_table", json!({"session_id": 999_999}));
        assert!(is_error && text.contains("404"), "{text}");
        let (is_error, text) = client.call(
            "channel_window",
            json!({"lap_id": lap, "channels": ["speed_mps&channels=x"], "from_m": 0.0, "to_m": 10.0}),
        );
        assert!(is_error && text.contains("not a channel name"), "{text}");
        let (is_error, text) =
            client.call("channel_window", json!({"lap_id": lap, "channels": ["speed_mps"], "from_m": 50.0, "to_m": 10.0}));
        assert!(is_error && text.contains("below"), "{text}");
        let unknown = client.request("tools/call", json!({"name": "delete_everything", "arguments": {}}));
        assert!(unknown["error"].is_object() || unknown["result"]["isError"] == json!(true), "{unknown}");
        assert_eq!(client.ok("list_sessions", json!({})).as_array().map(Vec::len), Some(2), "still answering");

        // The client closes stdin: the server ends cleanly.
        drop(client.stdin.take());
        let status = client.child.wait().expect("wait");
        assert!(status.success(), "{status}");
        (lap, speeds, distance)
    })
    .await
    .expect("the MCP session");

    // The window's speeds are the lap's own samples at those distances.
    let (lap, speeds, distance) = checks;
    let frames = get(&format!("{laps_url}/api/laps/{lap}?channels=lap_dist_m,speed_mps")).await;
    let all_d = frames["channels"]["lap_dist_m"].as_array().expect("distance").clone();
    let all_v = frames["channels"]["speed_mps"].as_array().expect("speed").clone();
    for (d, v) in distance.iter().zip(&speeds) {
        let i = all_d.iter().position(|x| x.as_f64() == Some(*d)).expect("a sample at that distance");
        assert_eq!(&all_v[i], v, "speed at {d} m");
    }
    server.shutdown().await.expect("shutdown");
}

fn racecraft(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_racecraft")).args(args).output().expect("racecraft runs");
    assert!(out.status.success(), "racecraft {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("utf-8")
}

/// On a team server `racecraft mcp --user NAME` signs in (password from RACECRAFT_PASSWORD) and its tools read
/// what that user may read; without it they are refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_a_team_server_the_tools_read_as_the_signed_in_user() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let data_arg = data.to_str().expect("utf-8 path").to_owned();
    let password = racecraft(&["user", "add", "olga", "--team", "A", "--data-dir", &data_arg]);
    let password = password.lines().last().expect("password").trim().to_owned();
    let token = racecraft(&["token", "create", "--team", "A", "--driver", "olga", "--data-dir", &data_arg]);
    let token = token.lines().last().expect("token").trim().to_owned();
    let mut config = ServerConfig::new(([127, 0, 0, 1], 0).into(), data);
    config.auth.mode = racecraft_server::AuthMode::Team;
    let server = RunningServer::start(config).await.expect("server");
    let url = server.url();
    let sim_url = url.clone();
    let checks = tokio::task::spawn_blocking(move || {
        racecraft(&[
            "simulate",
            "--track",
            "Norisring",
            "--laps",
            "2",
            "--rate",
            "60",
            "--speed",
            "0",
            "--server",
            &sim_url,
            "--token",
            &token,
        ]);
        let handshake = |client: &mut Client| {
            let init = client.request(
                "initialize",
                json!({"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "test", "version": "0"}}),
            );
            assert_eq!(init["result"]["serverInfo"]["name"], "racecraft", "{init}");
            client.send(&json!({"jsonrpc": "2.0", "method": "notifications/initialized"}));
        };
        let mut olga = Client::spawn_as(&sim_url, Some(("olga", &password)));
        handshake(&mut olga);
        let sessions = olga.ok("list_sessions", json!({}));
        assert_eq!(sessions.as_array().map(Vec::len), Some(1), "{sessions}");
        let id = sessions[0]["session_id"].clone();
        let table = olga.ok("lap_table", json!({"session_id": id}));
        assert_eq!(table["laps"].as_array().map(Vec::len), Some(2), "{table}");

        let mut nobody = Client::spawn(&sim_url);
        handshake(&mut nobody);
        let (is_error, text) = nobody.call("list_sessions", json!({}));
        assert!(is_error && text.contains("401"), "without signing in the server refuses: {text}");

        let wrong = Command::new(env!("CARGO_BIN_EXE_racecraft"))
            .args(["mcp", "--server", &sim_url, "--user", "olga"])
            .env("RACECRAFT_PASSWORD", "not the password")
            .stdin(Stdio::null())
            .output()
            .expect("runs");
        assert!(!wrong.status.success());
        let stderr = String::from_utf8_lossy(&wrong.stderr);
        assert!(stderr.contains("401") && stderr.contains("/api/login"), "{stderr}");
    });
    checks.await.expect("checks");
    server.shutdown().await.expect("shutdown");
}
