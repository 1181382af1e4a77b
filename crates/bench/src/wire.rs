//! B9, bytes per frame sent to a browser viewer: the live `telemetry_update` messages a real server sends on
//! `/ws/{id}` as binary (`?format=binary`) and as JSON, against the in-memory frame and the compact encoding
//! of the same frames.

use std::time::Duration;

use futures_util::StreamExt;
use racecraft_core::Frame;
use serde::Serialize;
use tokio_tungstenite::tungstenite::Message;

use crate::{Error, Result, Scale, temp_server};

/// B9 figures.
#[derive(Debug, Clone, Serialize)]
pub struct WireReport {
    /// Frames streamed.
    pub frames: usize,
    /// Present channels per frame (average).
    pub channels: f64,
    /// Telemetry messages the binary viewer received.
    pub binary_messages: usize,
    /// Bytes per telemetry message, binary.
    pub binary_bytes: f64,
    /// Telemetry messages the JSON viewer received.
    pub json_messages: usize,
    /// Bytes per telemetry message, JSON.
    pub json_bytes: f64,
    /// `size_of::<Frame>()`: the raw frame.
    pub raw_bytes: f64,
    /// The compact encoding (timestamp, presence mask, present values) of the same frames, average bytes.
    pub compact_bytes: f64,
}

/// Telemetry messages and their total bytes received by one viewer until `n` arrived or time ran out.
async fn viewer(url: String, n: usize, binary: bool) -> Result<(usize, usize)> {
    let (ws, _) = tokio_tungstenite::connect_async(&url).await.map_err(|e| Error::Failed(format!("viewer: {e}")))?;
    let (_, mut rx) = ws.split();
    let (mut count, mut bytes) = (0, 0);
    let deadline = tokio::time::sleep(Duration::from_secs(30));
    tokio::pin!(deadline);
    while count < n {
        tokio::select! {
            () = &mut deadline => break,
            msg = rx.next() => match msg {
                Some(Ok(Message::Binary(b))) if binary => {
                    count += 1;
                    bytes += b.len();
                }
                Some(Ok(Message::Text(t))) if !binary && t.starts_with(r#"{"type":"telemetry_update""#) => {
                    count += 1;
                    bytes += t.len();
                }
                Some(Ok(_)) => {}
                _ => break,
            },
        }
    }
    Ok((count, bytes))
}

/// Runs B9: one lap's worth of 333 Hz frames (3 s; 0.3 s at smoke scale) paced in real time.
pub async fn wire_size(scale: Scale) -> Result<WireReport> {
    let n = scale.pick(999, 100);
    let (server, _dir) = temp_server(racecraft_server::Limits::default()).await?;
    let (agent, id) = crate::bench_agent(&server.url()).await?;
    let base = format!("{}/ws/{id}", server.url().replace("http://", "ws://"));
    let bin = tokio::spawn(viewer(format!("{base}?format=binary"), n, true));
    let json = tokio::spawn(viewer(format!("{base}?format=json"), n, false));
    tokio::time::sleep(Duration::from_millis(300)).await;
    let sim = racecraft_sim::Simulation::new(
        racecraft_sim::Track::builtin("Monza")?,
        racecraft_sim::SimConfig { laps: 1, rate_hz: 333.0, ..Default::default() },
    )?;
    let frames: Vec<Frame> = sim.frames().skip(3000).take(n).collect();
    let start = tokio::time::Instant::now();
    for (i, f) in frames.iter().enumerate() {
        tokio::time::sleep_until(start + Duration::from_micros(i as u64 * 3003)).await;
        agent.push(*f);
    }
    let join = |e: tokio::task::JoinError| Error::Failed(e.to_string());
    let (binary_messages, bin_total) = bin.await.map_err(join)??;
    let (json_messages, json_total) = json.await.map_err(join)??;
    let _ = agent.finish(Some(Duration::from_secs(10))).await;
    server.shutdown().await?;
    if binary_messages == 0 || json_messages == 0 {
        return Err(Error::Failed(format!("viewers received {binary_messages} binary, {json_messages} JSON messages")));
    }
    let nf = frames.len() as f64;
    let compact: usize = frames.iter().map(racecraft_codec::compact::encoded_len).sum();
    Ok(WireReport {
        frames: frames.len(),
        channels: frames.iter().map(|f| f.len() as f64).sum::<f64>() / nf,
        binary_messages,
        binary_bytes: bin_total as f64 / binary_messages as f64,
        json_messages,
        json_bytes: json_total as f64 / json_messages as f64,
        raw_bytes: std::mem::size_of::<Frame>() as f64,
        compact_bytes: compact as f64 / nf,
    })
}
