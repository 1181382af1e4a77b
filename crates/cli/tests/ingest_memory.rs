//! Peak memory of a real `racecraft serve` fed hostile agent batches (Linux: reads `/proc/PID/status`).
//!
//! The bug: one 0.74 MB batch claiming the largest frame count made the server touch ~190 MB, three at once
//! took it from 13 MB to 676 MB. Here three connections each send batches that claim 2^20 frames over a few
//! kilobytes (a genuinely valid LZ4 chunk), counts past every limit, and one message over the size limit;
//! each must be answered with an error, and the process's high-water mark must stay far below one such
//! decode.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use racecraft_testkit::hostile::{ingest_batch, lz4_bomb};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio_tungstenite::tungstenite::Message;

/// Well above an idle server with its SQLite pool (about 18 MB; 19 MB after these batches), far below a single
/// hostile decode before the fix (~190 MB).
const PEAK_BOUND_KB: u64 = 64 * 1024;

fn vm_hwm_kb(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("proc status");
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).expect("VmHWM line");
    line.split_whitespace().nth(1).and_then(|n| n.parse().ok()).expect("VmHWM in kB")
}

type Ws = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// The next text message, or `None` once the server has closed the connection.
async fn next_text(ws: &mut Ws) -> Option<serde_json::Value> {
    let wait = Duration::from_secs(30);
    loop {
        match tokio::time::timeout(wait, ws.next()).await.expect("the server answers in time") {
            Some(Ok(Message::Text(t))) => return Some(serde_json::from_str(&t).expect("json")),
            Some(Ok(Message::Close(_))) | Some(Err(_)) | None => return None,
            Some(Ok(_)) => {}
        }
    }
}

/// One hostile agent: hello, then every batch in `hostile`, each answered with an error.
async fn hostile_agent(url: String, hostile: Vec<Vec<u8>>) {
    let (mut ws, _) = tokio_tungstenite::connect_async(&url).await.expect("connect");
    let hello = r#"{"type":"hello","meta":{"game":"sim","track":"Monza"}}"#;
    ws.send(Message::Text(hello.into())).await.expect("send");
    let welcome = next_text(&mut ws).await.expect("welcome");
    assert_eq!(welcome["type"], "welcome", "{welcome}");
    for bytes in hostile {
        ws.send(Message::Binary(bytes.into())).await.expect("send");
        let reply = next_text(&mut ws).await.expect("an answer");
        assert_eq!(reply["type"], "error", "{reply}");
        assert!(reply["message"].as_str().is_some_and(|m| m.starts_with("frames refused: ")), "{reply}");
    }
    // A message over the size limit ends the connection, with a reason when the socket still allows one.
    let oversized = ingest_batch(0, 4096, &vec![0u8; 2 << 20]);
    if ws.send(Message::Binary(oversized.into())).await.is_ok()
        && let Some(reply) = next_text(&mut ws).await
    {
        eprintln!("oversized message answered: {reply}");
        assert_eq!(reply["reason"], "bad_socket_message", "{reply}");
        let message = reply["message"].as_str().expect("message");
        assert!(message.contains("too long") || message.contains("too big"), "{message}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_batches_keep_a_real_servers_peak_memory_small() {
    // The peak is read from /proc: a system without it cannot run this test, and must not pass it silently.
    assert!(
        std::path::Path::new("/proc/self/status").exists(),
        "no /proc/self/status on this system: this test measures the server's peak memory (VmHWM) there"
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_racecraft"))
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(dir.path())
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("racecraft serve starts");
    let pid = child.id().expect("pid");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let url = loop {
        let line = tokio::time::timeout(Duration::from_secs(60), lines.next_line())
            .await
            .expect("the server says where it serves in time")
            .expect("stdout")
            .expect("the server is running");
        if let Some(url) = line.strip_prefix("Racecraft is serving at ") {
            break url.replace("http://", "ws://") + "/ws/ingest";
        }
    };
    let before_kb = vm_hwm_kb(pid);

    let bomb = lz4_bomb(racecraft_codec::chunk::MAX_FRAMES);
    assert!(bomb.len() < 8 * 1024, "a {}-byte chunk claiming 2^20 frames", bomb.len());
    let hostile = [
        ingest_batch(0, racecraft_codec::chunk::MAX_FRAMES, &bomb),
        ingest_batch(0, u32::MAX, &bomb),
        ingest_batch(0, 4096, &bomb),
        ingest_batch(1_000_000_000_000, racecraft_codec::chunk::MAX_FRAMES, &bomb),
    ];
    let three_rounds: Vec<Vec<u8>> = (0..3).flat_map(|_| hostile.iter().cloned()).collect();
    let agents: Vec<_> = (0..3).map(|_| tokio::spawn(hostile_agent(url.clone(), three_rounds.clone()))).collect();
    for agent in agents {
        agent.await.expect("hostile agent ran");
    }

    let peak_kb = vm_hwm_kb(pid);
    eprintln!("racecraft serve peak RSS: {before_kb} kB after start, {peak_kb} kB after the hostile batches");
    assert!(
        peak_kb < PEAK_BOUND_KB,
        "peak RSS {peak_kb} kB (was {before_kb} kB before the batches), bound {PEAK_BOUND_KB} kB"
    );
    child.kill().await.expect("stop the server");
}
