//! `racecraft bench`: the measurement suite, printed as one table.

use anyhow::{Context, Result};
use clap::Args;

#[derive(Debug, Args)]
/// Flags of `racecraft bench`.
pub struct BenchArgs {
    /// Run only these groups (comma-separated): latency, ingest, storage, memory, capture.
    #[arg(long, value_delimiter = ',')]
    only: Vec<String>,
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
    /// Tiny sizes: checks that everything runs, measures nothing worth reporting.
    #[arg(long)]
    smoke: bool,
    /// Pin the server process of the latency runs to these cores (a `taskset` list, e.g. `0`); run the bench
    /// itself on the others (`taskset -c 1 racecraft bench --server-cpus 0`).
    #[arg(long)]
    server_cpus: Option<String>,
}

/// One row of the bench table.
struct Row {
    workload: String,
    figure: String,
    reference: String,
    ratio: String,
}

/// Runs the suite.
pub async fn bench(args: BenchArgs) -> Result<()> {
    use racecraft_bench as b;
    const GROUPS: [&str; 5] = ["latency", "ingest", "storage", "memory", "capture"];
    for g in &args.only {
        anyhow::ensure!(GROUPS.contains(&g.as_str()), "unknown bench group `{g}`; groups: {}", GROUPS.join(", "));
    }
    let run = |g: &str| args.only.is_empty() || args.only.iter().any(|o| o == g);
    let scale = if args.smoke { b::Scale::Smoke } else { b::Scale::Full };
    let mut rows = Vec::new();
    let mut json = serde_json::Map::new();
    if run("latency") {
        let (rtt50, rtt99) = b::loopback_rtt(scale)?;
        let exe = std::env::current_exe().context("locating this binary")?;
        json.insert("loopback_rtt_us".into(), serde_json::json!({"p50": rtt50, "p99": rtt99}));
        let mut lat = Vec::new();
        for viewers in [1, 10, 100] {
            eprintln!("bench: live latency, {viewers} viewers at 333 Hz");
            let r = b::live_latency(viewers, 333.0, scale, Some((&exe, args.server_cpus.as_deref()))).await?;
            rows.push(Row {
                workload: format!("live: agent → server process → {viewers} viewer(s), 333 Hz"),
                figure: format!(
                    "p50 {:.0} µs · p99 {:.0} µs · max {:.0} µs · lost {}",
                    r.p50_us, r.p99_us, r.max_us, r.lost
                ),
                reference: format!("TCP RTT p50 {rtt50:.0} µs, p99 {rtt99:.0} µs"),
                ratio: format!("p50 {:.1}× RTT", r.p50_us / rtt50),
            });
            lat.push(r);
        }
        json.insert("live_latency".into(), serde_json::to_value(lat)?);
    }
    if run("ingest") {
        eprintln!("bench: ingest");
        let binary = b::ingest_binary(scale).await?;
        let json_rate = b::ingest_json(scale, 32).await?;
        let hello = b::hello_world_http(scale, 32).await?;
        rows.push(Row {
            workload: "ingest, binary agent stream (server on 1 core)".into(),
            figure: format!("{:.0} frames/s", binary),
            reference: format!("JSON one frame per POST: {json_rate:.0}/s"),
            ratio: format!("{:.0}×", binary / json_rate),
        });
        rows.push(Row {
            workload: "ingest, JSON one point per POST /api/ingest (1 core)".into(),
            figure: format!("{json_rate:.0} frames/s"),
            reference: format!("axum hello-world POST: {hello:.0} req/s"),
            ratio: format!("{:.2}× hello-world", json_rate / hello),
        });
        json.insert(
            "ingest".into(),
            serde_json::json!({"binary_fps": binary, "json_fps": json_rate, "hello_world_rps": hello}),
        );
    }
    if run("storage") {
        eprintln!("bench: storage size and codec speed");
        let r = b::storage_size(scale)?;
        storage_rows(&r, &mut rows);
        json.insert("storage".into(), serde_json::to_value(&r)?);
        let ibt = std::path::Path::new(b::IBT_SAMPLE);
        if ibt.exists() {
            let r = b::storage_size_ibt(ibt, scale)?;
            storage_rows(&r, &mut rows);
            json.insert("storage_ibt".into(), serde_json::to_value(&r)?);
        } else {
            eprintln!("bench: skipping the .ibt storage run: {} not found", ibt.display());
        }
    }
    if run("memory") {
        eprintln!("bench: server memory");
        let exe = std::env::current_exe().context("locating this binary")?;
        let r = b::server_memory(&exe, 10, scale).await?;
        rows.push(Row {
            workload: format!("server RSS: idle / 1 agent + {} viewers at 333 Hz", r.viewers),
            figure: format!(
                "{:.1} MB / {:.1} MB (peak {:.1} MB)",
                r.idle_kb as f64 / 1024.0,
                r.loaded_kb as f64 / 1024.0,
                r.peak_kb as f64 / 1024.0
            ),
            reference: String::new(),
            ratio: String::new(),
        });
        json.insert("memory".into(), serde_json::to_value(r)?);
    }
    if run("capture") {
        eprintln!("bench: capture agent at 333 Hz");
        let exe = std::env::current_exe().context("locating this binary")?;
        let r = b::capture_agent(&exe, scale).await?;
        rows.push(Row {
            workload: "capture agent: ACC shared memory at 333 Hz → server (CPU of one core)".into(),
            figure: format!(
                "{:.2} % CPU · RSS {:.1} MB (peak {:.1} MB)",
                r.cpu_percent,
                r.rss_kb as f64 / 1024.0,
                r.peak_kb as f64 / 1024.0
            ),
            reference: format!("polling with no game: {:.2} % CPU", r.idle_cpu_percent),
            ratio: format!("{:.1}× idle polling", r.cpu_percent / r.idle_cpu_percent.max(1e-9)),
        });
        json.insert("capture".into(), serde_json::to_value(r)?);
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&json)?);
        return Ok(());
    }
    println!("| workload | figure | reference (same run) | ratio |\n|---|---|---|---|");
    for r in rows {
        println!("| {} | {} | {} | {} |", r.workload, r.figure, r.reference, r.ratio);
    }
    Ok(())
}

/// The storage rows of one data set: sizes against raw rows, LZ4 rows and zstd -19; speed against memcpy.
fn storage_rows(r: &racecraft_bench::SizeReport, rows: &mut Vec<Row>) {
    rows.push(Row {
        workload: format!("stored bytes/frame, {}, {:.1} channels", r.dataset, r.channels),
        figure: format!(
            "{:.1} B finished recording (8192-frame zstd blocks) · {:.1} B in 100 ms blocks · {:.1} B in 1 s LZ4 chunks",
            r.compacted_bytes, r.journal_bytes, r.chunk_bytes
        ),
        reference: format!(
            "raw row {:.0} B (frame {:.0} B, AC physics page {} B) · LZ4 rows {:.1} B · zstd -19 on our layout {:.1} B",
            r.raw_row_bytes,
            r.struct_bytes,
            racecraft_bench::AC_PHYSICS_PAGE_BYTES,
            r.row_lz4_bytes,
            r.zstd19_bytes
        ),
        ratio: format!(
            "{:.1}× smaller than LZ4 rows, {:.0}× than raw · {:.2}× zstd -19",
            r.row_lz4_bytes / r.compacted_bytes,
            r.raw_row_bytes / r.compacted_bytes,
            r.compacted_bytes / r.zstd19_bytes
        ),
    });
    rows.push(Row {
        workload: format!("chunk codec speed, {}, 1 core", r.dataset),
        figure: format!(
            "8192-frame zstd: encode {:.2} M frames/s ({:.0} MB/s) · decode {:.2} M frames/s ({:.0} MB/s); \
             1 s LZ4: encode {:.2} M/s · decode {:.2} M/s",
            r.encode_fps / 1e6,
            r.mbps(r.encode_fps),
            r.decode_fps / 1e6,
            r.mbps(r.decode_fps),
            r.lz4_encode_fps / 1e6,
            r.lz4_decode_fps / 1e6
        ),
        reference: format!("memcpy of frames {:.0} MB/s", r.mbps(r.memcpy_fps)),
        ratio: format!("decode at {:.1} % of memcpy", 100.0 * r.decode_fps / r.memcpy_fps),
    });
}
