//! Helpers the server's integration tests share.
#![allow(dead_code)]

use std::time::Duration;

use racecraft_sim::Simulation;
use serde_json::Value;

/// Bounds a wait that should end quickly, so a bug fails the test instead of hanging it.
pub async fn within<T>(what: &str, f: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(60), f).await.unwrap_or_else(|_| panic!("timed out: {what}"))
}

/// `GET url` as JSON, whatever the status.
pub async fn get(url: &str) -> Value {
    reqwest::get(url).await.unwrap_or_else(|e| panic!("GET {url}: {e}")).json().await.expect("JSON")
}

/// `POST url` with a JSON body, as JSON.
pub async fn post(url: &str, body: &str) -> Value {
    reqwest::Client::new()
        .post(url)
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .unwrap_or_else(|e| panic!("POST {url}: {e}"))
        .json()
        .await
        .expect("JSON")
}

/// `GET /api/health` of the server at `url`.
pub async fn health(url: &str) -> Value {
    get(&format!("{url}/api/health")).await
}

/// The stored laps are the simulator's, to the millisecond.
pub fn assert_laps_match_truth(laps: &[Value], sim: &Simulation) {
    let truth = &sim.truth().laps;
    assert_eq!(laps.len(), truth.len(), "{laps:?}");
    for (lap, t) in laps.iter().zip(truth) {
        assert_eq!(lap["lap_number"].as_u64(), Some(u64::from(t.lap_number)));
        let got = lap["lap_time_s"].as_f64().expect("lap time");
        assert!((got - t.lap_time_s).abs() < 1e-3, "lap {}: {got} vs truth {}", t.lap_number, t.lap_time_s);
    }
}
