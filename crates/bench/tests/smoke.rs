//! Every benchmark at smoke size, so they keep compiling and running under `cargo test`. These check that
//! the measurements are well-formed (and what they measure works), never how fast the machine is.

use racecraft_bench::{
    IBT_SAMPLE, Scale, hello_world_http, ingest_binary, ingest_json, live_latency, loopback_rtt, storage_size,
    storage_size_ibt,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn live_latency_delivers_every_frame_to_every_viewer() {
    let r = live_latency(3, 333.0, Scale::Smoke, None).await.expect("runs");
    assert_eq!(r.deliveries, r.frames * 3);
    assert_eq!(r.lost, 0);
    assert!(r.p50_us > 0.0 && r.p50_us <= r.p99_us && r.p99_us <= r.max_us, "{r:?}");
}

#[test]
fn loopback_reference_is_measured() {
    let (p50, p99) = loopback_rtt(Scale::Smoke).expect("runs");
    assert!(p50 > 0.0 && p50 <= p99);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ingest_throughputs_are_measured() {
    assert!(ingest_binary(Scale::Smoke).await.expect("binary") > 0.0);
    assert!(ingest_json(Scale::Smoke, 4).await.expect("json") > 0.0);
    assert!(hello_world_http(Scale::Smoke, 4).await.expect("hello") > 0.0);
}

#[test]
fn storage_is_smaller_than_raw_rows() {
    let r = storage_size(Scale::Smoke).expect("runs");
    assert!(r.chunk_bytes < r.row_lz4_bytes, "{r:?}");
    assert!(r.row_lz4_bytes <= r.compact_bytes, "{r:?}");
    assert!(r.channels > 30.0, "{r:?}");
    // The target: a finished recording under 20 B/frame, 4× below LZ4 over raw rows.
    assert!(r.compacted_bytes < 20.0, "{r:?}");
    assert!(r.compacted_bytes * 4.0 < r.row_lz4_bytes, "{r:?}");
    assert!(r.zstd19_bytes <= r.compacted_bytes * 1.05, "{r:?}");
}

#[test]
fn storage_on_the_real_ibt_is_measured() {
    let r = storage_size_ibt(std::path::Path::new(IBT_SAMPLE), Scale::Smoke).expect("runs");
    assert_eq!((r.frames, r.raw_row_bytes), (3429, 1051.0), "{r:?}");
    assert!(r.compacted_bytes < r.row_lz4_bytes, "{r:?}");
}
