//! The uplink against a fake server speaking `/ws/ingest` over a real WebSocket on 127.0.0.1:0, which can
//! forge acks and welcomes or refuse hellos the way a server with its database away does. Whatever it says,
//! the agent must not panic, must not skip or forget a frame, and must deliver every frame exactly once.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use racecraft_core::{Channel, Frame, SessionMeta};
use racecraft_uplink::{Agent, AgentConfig, Error};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio_tungstenite::tungstenite::Message;

const FORGED: u64 = 1_000_000_000_000;

/// What the fake server does on one connection (connections past the script behave honestly).
#[derive(Debug, Clone, Default)]
struct Behaviour {
    /// Answer the hello with this error (`reason`, `message`) instead of a welcome.
    refuse: Option<(Option<&'static str>, &'static str)>,
    /// Welcome with this `next_seq` instead of the true one.
    welcome: Option<u64>,
    /// Before the first true ack, send these.
    forged_acks: Vec<u64>,
    /// Close the connection once the server holds this many frames.
    close_at: Option<usize>,
}

/// What the fake server saw.
#[derive(Debug, Default)]
struct Seen {
    /// Frames stored, in sequence order: `stored[i]` has seq `i`.
    stored: Vec<Frame>,
    /// Batches that started past the next expected number (a real server refuses those).
    gaps: Vec<(u64, usize)>,
    /// When each hello arrived.
    hellos: Vec<Instant>,
}

struct FakeServer {
    url: String,
    seen: Arc<Mutex<Seen>>,
    stored: watch::Receiver<usize>,
}

impl FakeServer {
    async fn start(script: Vec<Behaviour>) -> FakeServer {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        let seen = Arc::new(Mutex::new(Seen::default()));
        let (stored_tx, stored) = watch::channel(0usize);
        let state = seen.clone();
        tokio::spawn(async move {
            for n in 0.. {
                let Ok((tcp, _)) = listener.accept().await else { return };
                let behaviour = script.get(n).cloned().unwrap_or_default();
                // One connection at a time, as one agent makes them.
                let _ = connection(tcp, behaviour, &state, &stored_tx).await;
            }
        });
        FakeServer { url, seen, stored }
    }

    async fn wait_stored(&mut self, n: usize) {
        tokio::time::timeout(Duration::from_secs(20), self.stored.wait_for(|&s| s >= n))
            .await
            .expect("the server gets the frames in time")
            .expect("server alive");
    }
}

async fn connection(
    tcp: tokio::net::TcpStream,
    behaviour: Behaviour,
    seen: &Mutex<Seen>,
    stored_tx: &watch::Sender<usize>,
) -> Result<(), tokio_tungstenite::tungstenite::Error> {
    let mut ws = tokio_tungstenite::accept_async(tcp).await?;
    let text = |v: serde_json::Value| Message::Text(v.to_string().into());
    // Hello.
    loop {
        match ws.next().await {
            Some(Ok(Message::Text(t))) => {
                let hello: serde_json::Value = serde_json::from_str(&t).expect("json hello");
                assert_eq!(hello["type"], "hello");
                break;
            }
            Some(Ok(_)) => {}
            _ => return Ok(()),
        }
    }
    seen.lock().expect("lock").hellos.push(Instant::now());
    if let Some((reason, message)) = behaviour.refuse {
        let mut error = serde_json::json!({"type": "error", "message": message});
        if let Some(reason) = reason {
            error["reason"] = reason.into();
        }
        ws.send(text(error)).await?;
        // A real server keeps the socket open for another hello; the agent is the one to hang up.
        while let Some(Ok(_)) = ws.next().await {}
        return Ok(());
    }
    let next_seq = seen.lock().expect("lock").stored.len() as u64;
    let welcome = behaviour.welcome.unwrap_or(next_seq);
    ws.send(text(serde_json::json!({"type": "welcome", "session_id": 7, "next_seq": welcome}))).await?;
    let mut forged = behaviour.forged_acks.into_iter();
    while let Some(msg) = ws.next().await {
        match msg? {
            Message::Binary(bytes) => {
                let mut frames = Vec::new();
                let first_seq = racecraft_codec::wire::decode_frames(&bytes, &mut frames).expect("a valid batch");
                let stored = {
                    let mut seen = seen.lock().expect("lock");
                    let have = seen.stored.len() as u64;
                    if first_seq > have {
                        seen.gaps.push((first_seq, frames.len()));
                    } else {
                        let skip = ((have - first_seq) as usize).min(frames.len());
                        seen.stored.extend_from_slice(&frames[skip..]);
                    }
                    seen.stored.len()
                };
                for ack in forged.by_ref() {
                    ws.send(text(serde_json::json!({"type": "ack", "persisted_seq": ack}))).await?;
                }
                ws.send(text(serde_json::json!({"type": "ack", "persisted_seq": stored}))).await?;
                stored_tx.send_replace(stored);
                if behaviour.close_at.is_some_and(|n| stored >= n) {
                    return ws.close(None).await;
                }
            }
            Message::Text(t) if t.contains(r#""end""#) => {}
            Message::Close(_) => return Ok(()),
            _ => {}
        }
    }
    Ok(())
}

fn frames(range: std::ops::Range<usize>) -> Vec<Frame> {
    range.map(|i| Frame::new(i as i64 * 3_003).with(Channel::Speed, i as f32).with(Channel::Rpm, 5e3)).collect()
}

fn config(url: &str) -> AgentConfig {
    let meta = SessionMeta { game: "sim".into(), track: "Monza".into(), ..SessionMeta::default() };
    let mut config = AgentConfig::new(url, meta);
    config.backoff_min = Duration::from_millis(5);
    config.backoff_max = Duration::from_millis(80);
    config
}

/// Everything pushed arrived once, in order, numbered from 0, and nothing was sent with a gap before it.
fn assert_delivered(server: &FakeServer, pushed: &[Frame]) {
    let seen = server.seen.lock().expect("lock");
    assert!(seen.gaps.is_empty(), "batches sent past what the server had: {:?}", seen.gaps);
    assert_eq!(seen.stored.len(), pushed.len());
    assert!(seen.stored == pushed, "the server holds exactly the frames pushed, in order");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_ack_of_10_to_the_12_does_not_panic_the_agent_nor_lose_frames() {
    // The forged ack arrives after the first batch, then one going backwards; later connections forge too.
    let forge = |close_at| Behaviour { forged_acks: vec![FORGED, 1], close_at, ..Behaviour::default() };
    let mut server = FakeServer::start(vec![forge(Some(150)), forge(None)]).await;
    let agent = Agent::spawn(config(&server.url)).expect("agent");
    let all = frames(0..400);
    // In three steps, each taken once the server has the previous one, so acks land between pushes.
    for (from, to) in [(0, 100), (100, 200), (200, 400)] {
        for f in &all[from..to] {
            agent.push(*f);
        }
        server.wait_stored(to).await;
    }
    let stats = agent.finish(Some(Duration::from_secs(20))).await.expect("the agent finishes");
    assert_eq!((stats.acked, stats.dropped), (400, 0), "{stats:?}");
    assert!(stats.reconnects >= 1, "the server closed once: {stats:?}");
    assert_delivered(&server, &all);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_welcome_next_seq_does_not_panic_the_agent_nor_lose_frames() {
    // A welcome from the future on the first connection and again after a reconnect, and one from the past.
    let script = vec![
        Behaviour { welcome: Some(FORGED), close_at: Some(100), ..Behaviour::default() },
        Behaviour { welcome: Some(FORGED), close_at: Some(250), ..Behaviour::default() },
        Behaviour { welcome: Some(0), ..Behaviour::default() },
    ];
    let mut server = FakeServer::start(script).await;
    let agent = Agent::spawn(config(&server.url)).expect("agent");
    let all = frames(0..400);
    for (from, to) in [(0, 100), (100, 250), (250, 400)] {
        for f in &all[from..to] {
            agent.push(*f);
        }
        server.wait_stored(to).await;
    }
    let stats = agent.finish(Some(Duration::from_secs(20))).await.expect("the agent finishes");
    assert_eq!((stats.acked, stats.dropped, stats.reconnects), (400, 0, 2), "{stats:?}");
    assert_delivered(&server, &all);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hello_refused_during_a_database_outage_is_retried_with_backoff_and_loses_nothing() {
    let outage = |reason| Behaviour {
        refuse: Some((reason, "storage unavailable: database: connection refused")),
        ..Behaviour::default()
    };
    // Three refusals as this server words them, one as an older server (no reason), then the database is back.
    let script = vec![outage(Some("storage")), outage(Some("storage")), outage(None), outage(Some("storage"))];
    let mut server = FakeServer::start(script).await;
    let cfg = config(&server.url);
    let backoff_min = cfg.backoff_min;
    let agent = Agent::spawn(cfg).expect("agent");
    let all = frames(0..300);
    for f in &all {
        agent.push(*f);
    }
    server.wait_stored(all.len()).await;
    let stats = agent.finish(Some(Duration::from_secs(20))).await.expect("the agent finishes");
    assert_eq!((stats.acked, stats.dropped, stats.session_id), (300, 0, Some(7)), "{stats:?}");
    assert_delivered(&server, &all);
    // Five hellos, each after a wait at least twice the one before: the backoff grows while refused.
    let hellos = server.seen.lock().expect("lock").hellos.clone();
    assert_eq!(hellos.len(), 5);
    for (k, pair) in hellos.windows(2).enumerate() {
        let waited = pair[1] - pair[0];
        assert!(waited >= backoff_min * (1 << k), "hello {} came {waited:?} after the one before", k + 1);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_the_server_does_not_know_is_refused_for_good() {
    let script = vec![Behaviour { refuse: Some((Some("not_found"), "no session 7")), ..Behaviour::default() }];
    let server = FakeServer::start(script).await;
    let mut cfg = config(&server.url);
    cfg.session_id = Some(7);
    let agent = Agent::spawn(cfg).expect("agent");
    agent.push(Frame::new(0));
    match agent.finish(Some(Duration::from_secs(20))).await {
        Err(Error::Refused(message)) => assert_eq!(message, "no session 7"),
        other => panic!("expected a refusal, got {other:?}"),
    }
}
