//! Every benchmark at smoke size, so they keep compiling and running under `cargo test`. These check that
//! the measurements are well-formed (and what they measure works), never how fast the machine is.

use racecraft_bench::{
    IBT_SAMPLE, Scale, analysis, capture_decode, disk, hello_world_http, ingest_binary, ingest_json, ingest_json_node,
    live_latency, loopback_rtt, seek_lap, storage_size, storage_size_ibt, store_write_sqlite, wire_size,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn live_latency_delivers_every_frame_to_every_viewer() {
    let r = live_latency(3, 333.0, Scale::Smoke, None).await.expect("runs");
    assert_eq!(r.deliveries, r.frames * 3);
    assert_eq!(r.lost, 0);
    assert!(r.p50_us > 0.0 && r.p50_us <= r.p99_us && r.p99_us <= r.p999_us && r.p999_us <= r.max_us, "{r:?}");
    assert!(r.deliveries_per_s > 0.0, "{r:?}");
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

#[test]
fn capture_decode_measures_every_format() {
    let r = capture_decode(Scale::Smoke).expect("runs");
    assert!(r.skipped.is_empty(), "{r:?}");
    assert_eq!(r.rows.len(), 7, "{r:?}");
    for row in &r.rows {
        assert!(row.packets > 0 && row.bytes > 0.0, "{row:?}");
        assert!(row.decode_ns.is_finite() && row.decode_ns > 0.0, "{row:?}");
        assert!(row.memcpy_ns.is_finite() && row.memcpy_ns > 0.0, "{row:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn node_reference_server_answers_the_ingest_load() {
    // The report skips the row without `node`; this test does not: CI has node (scripts/test.sh builds the web UI
    // with it), so its absence is a failure that says so, not a pass.
    let rate = ingest_json_node(Scale::Smoke, 4)
        .await
        .expect("runs")
        .expect("`node` on PATH: the Node reference server could not be run, so nothing was measured");
    assert!(rate.is_finite() && rate > 0.0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn storage_write_fills_sqlite_and_measures_the_disk() {
    let dir = tempfile::tempdir().expect("tempdir");
    let disk = disk(dir.path(), Scale::Smoke).expect("disk");
    assert!(disk.fdatasync_p50_us > 0.0 && disk.fdatasync_p50_us <= disk.fdatasync_p99_us, "{disk:?}");
    assert!(disk.seq_write_mbps.is_finite() && disk.seq_write_mbps > 0.0, "{disk:?}");
    let r = store_write_sqlite(dir.path(), Scale::Smoke).await.expect("sqlite");
    assert!(r.skipped.is_none() && r.commits > 0 && r.frames == r.commits as u64 * 3330, "{r:?}");
    assert!(r.frames_per_s > 0.0 && r.bytes_per_frame > 0.0, "{r:?}");
}

#[test]
fn analysis_runs_warm_and_cold() {
    let r = analysis(Scale::Smoke, None).expect("runs");
    assert!(r.laps_found >= 1, "{r:?}");
    assert!(r.warm_ms > 0.0 && r.cold_ms >= r.read_ms && r.stream_ms > 0.0, "{r:?}");
}

#[test]
fn seek_reads_exactly_one_lap() {
    let r = seek_lap(Scale::Smoke).expect("runs");
    assert!(r.lap_frames > 0 && r.decoded_frames >= r.lap_frames, "{r:?}");
    assert!(r.seek_decode_ms > 0.0 && r.memcpy_ms > 0.0, "{r:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn viewers_get_binary_and_json_frames() {
    let r = wire_size(Scale::Smoke).await.expect("runs");
    assert_eq!((r.binary_messages, r.json_messages), (r.frames, r.frames), "{r:?}");
    assert!(r.binary_bytes > 0.0 && r.json_bytes > r.binary_bytes, "{r:?}");
}
