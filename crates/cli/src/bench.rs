//! `racecraft bench`: the measurement suite (B1–B9 of the performance notes, plus memory), printed as one table
//! in which every figure sits beside a reference measured in the same run.

use anyhow::{Context, Result, bail};
use clap::Args;

#[derive(Debug, Args)]
/// Flags of `racecraft bench`.
pub struct BenchArgs {
    /// Run only these groups (comma-separated): b1 (capture decode), b2 (recording size and codec speed),
    /// b3 (ingest), b4 (fan-out latency), b5 (end to end), b6 (storage write), b7 (analysis), b8 (seek a lap),
    /// b9 (bytes to a viewer), b10 (the cost of a team server's authentication), memory. Older names still work: storage = b2, ingest = b3, latency = b4,
    /// capture = memory.
    #[arg(long, value_delimiter = ',')]
    only: Vec<String>,
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
    /// Tiny sizes: checks that everything runs, measures nothing worth reporting.
    #[arg(long)]
    smoke: bool,
    /// Pin the server process of the B4 and B5 runs to these cores (a `taskset` list, e.g. `0`); run the bench
    /// itself, and with it the viewers, on the others (`taskset -c 1 racecraft bench --server-cpus 0`).
    #[arg(long)]
    server_cpus: Option<String>,
    /// The PostgreSQL server B6 creates (and drops) a throwaway database on.
    #[arg(long, env = "RACECRAFT_TEST_PG", default_value = "postgres://postgres@127.0.0.1:5432/test")]
    postgres: String,
}

/// Every group, in table order.
const GROUPS: [&str; 11] = ["b1", "b2", "b3", "b4", "b5", "b6", "b7", "b8", "b9", "b10", "memory"];

/// Older group names and what they run now.
const ALIASES: [(&str, &str); 4] = [("storage", "b2"), ("ingest", "b3"), ("latency", "b4"), ("capture", "memory")];

/// One row of the bench table.
struct Row {
    workload: String,
    figure: String,
    reference: String,
    ratio: String,
}

impl Row {
    fn new(workload: impl Into<String>, figure: String, reference: String, ratio: String) -> Row {
        Row { workload: workload.into(), figure, reference, ratio }
    }
}

/// µs with a sensible precision.
fn us(v: f64) -> String {
    if v >= 1000.0 { format!("{:.2} ms", v / 1000.0) } else { format!("{v:.0} µs") }
}

/// Runs the suite.
pub async fn bench(args: BenchArgs) -> Result<()> {
    use racecraft_bench as b;
    let mut groups = Vec::new();
    for g in &args.only {
        let g = ALIASES.iter().find(|(old, _)| old == g).map_or(g.as_str(), |(_, new)| new);
        anyhow::ensure!(
            GROUPS.contains(&g),
            "unknown bench group `{g}`; groups: {} (or {})",
            GROUPS.join(", "),
            ALIASES.iter().map(|(o, _)| *o).collect::<Vec<_>>().join(", ")
        );
        groups.push(g.to_string());
    }
    let run = |g: &str| groups.is_empty() || groups.iter().any(|o| o == g);
    let scale = if args.smoke { b::Scale::Smoke } else { b::Scale::Full };
    let exe = std::env::current_exe().context("locating this binary")?;
    let cpus = args.server_cpus.as_deref();
    let started = std::time::Instant::now();
    let mut rows = Vec::new();
    let mut json = serde_json::Map::new();

    if run("b1") {
        eprintln!("bench: B1 capture decode");
        let r = tokio::task::spawn_blocking(move || b::capture_decode(scale)).await??;
        for d in &r.rows {
            rows.push(Row::new(
                format!("B1 decode: {}, {:.0} B", d.format, d.bytes),
                format!("{:.0} ns/frame", d.decode_ns),
                format!("copy of the same bytes {:.1} ns", d.memcpy_ns),
                format!("{:.1}× memcpy", d.decode_ns / d.memcpy_ns),
            ));
        }
        for s in &r.skipped {
            rows.push(Row::new("B1 decode", format!("skipped: {s}"), String::new(), String::new()));
        }
        json.insert("b1_decode".into(), serde_json::to_value(&r)?);
    }
    if run("b2") {
        eprintln!("bench: B2 recording size and codec speed");
        let r = tokio::task::spawn_blocking(move || b::storage_size(scale)).await??;
        storage_rows(&r, &mut rows);
        json.insert("b2_storage".into(), serde_json::to_value(&r)?);
        let ibt = std::path::Path::new(b::IBT_SAMPLE);
        if ibt.exists() {
            let r =
                tokio::task::spawn_blocking(move || b::storage_size_ibt(std::path::Path::new(b::IBT_SAMPLE), scale))
                    .await??;
            storage_rows(&r, &mut rows);
            json.insert("b2_storage_ibt".into(), serde_json::to_value(&r)?);
        } else {
            rows.push(Row::new(
                "B2 real capture",
                format!("skipped: {} not found", ibt.display()),
                String::new(),
                String::new(),
            ));
        }
    }
    if run("b3") {
        eprintln!("bench: B3 ingest");
        let binary = b::ingest_binary(scale).await?;
        let json_rate = b::ingest_json(scale, 32).await?;
        let hello = b::hello_world_http(scale, 32).await?;
        let node = b::ingest_json_node(scale, 32).await?;
        rows.push(Row::new(
            "B3b ingest, binary agent stream (server on 1 core)",
            format!("{binary:.0} frames/s"),
            format!("JSON one frame per POST: {json_rate:.0}/s"),
            format!("{:.0}× JSON", binary / json_rate),
        ));
        rows.push(Row::new(
            "B3a ingest, JSON one point per POST /api/ingest (1 core, 32 connections)",
            format!("{json_rate:.0} frames/s"),
            format!("axum hello-world POST: {hello:.0} req/s"),
            format!("{:.2}× hello-world", json_rate / hello),
        ));
        match node {
            Some(n) => rows.push(Row::new(
                "B3a ingest, same JSON load against a minimal Node `http` server (1 core)",
                format!("{json_rate:.0} frames/s (Racecraft)"),
                format!("Node {n:.0} req/s"),
                format!("{:.2}× Node", json_rate / n),
            )),
            None => rows.push(Row::new(
                "B3a ingest against Node",
                "skipped: `node` is not installed".into(),
                String::new(),
                String::new(),
            )),
        }
        json.insert(
            "b3_ingest".into(),
            serde_json::json!({"binary_fps": binary, "json_fps": json_rate, "hello_world_rps": hello, "node_rps": node}),
        );
    }
    if run("b4") {
        let (rtt50, rtt99) = tokio::task::spawn_blocking(move || b::loopback_rtt(scale)).await??;
        json.insert("loopback_rtt_us".into(), serde_json::json!({"p50": rtt50, "p99": rtt99}));
        let viewers: &[usize] = if args.smoke { &[1, 10] } else { &[1, 10, 100, 1000] };
        let mut lat = Vec::new();
        for &rate in &[60.0, 333.0] {
            for &v in viewers {
                eprintln!("bench: B4 fan-out, {v} viewers at {rate} Hz");
                let r = b::live_latency(v, rate, scale, Some((&exe, cpus))).await?;
                rows.push(Row::new(
                    format!("B4 fan-out: agent → server process → {v} viewer(s), {rate:.0} Hz"),
                    format!(
                        "p50 {} · p99 {} · p99.9 {} · {:.0} deliveries/s · lost {}",
                        us(r.p50_us),
                        us(r.p99_us),
                        us(r.p999_us),
                        r.deliveries_per_s,
                        r.lost
                    ),
                    format!("TCP RTT p50 {}, p99 {}", us(rtt50), us(rtt99)),
                    format!("p50 {:.1}× · p99 {:.1}× RTT p99", r.p50_us / rtt50, r.p99_us / rtt99),
                ));
                lat.push(r);
            }
        }
        json.insert("b4_fanout".into(), serde_json::to_value(lat)?);
    }
    if run("b5") {
        eprintln!("bench: B5 end to end");
        let (rtt50, rtt99) = tokio::task::spawn_blocking(move || b::loopback_rtt(scale)).await??;
        let r = b::end_to_end(&exe, cpus, scale).await?;
        rows.push(Row::new(
            "B5 end to end: AC UDP emulator 333 Hz → capture process → server process → WebSocket viewer",
            format!(
                "p50 {} · p99 {} · p99.9 {} · lost {} of {}",
                us(r.p50_us),
                us(r.p99_us),
                us(r.p999_us),
                r.lost,
                r.published
            ),
            format!("TCP RTT p50 {}, p99 {} (3 hops)", us(rtt50), us(rtt99)),
            format!("p50 {:.1}× 3 RTT", r.p50_us / (3.0 * rtt50)),
        ));
        json.insert("b5_end_to_end".into(), serde_json::to_value(&r)?);
    }
    if run("b6") {
        eprintln!("bench: B6 storage write (SQLite, then PostgreSQL)");
        let r = b::storage_write(&args.postgres, scale).await?;
        let disk = &r.disk;
        let reference = format!(
            "disk: fdatasync 4 KiB p50 {} / p99 {} · sequential write {:.0} MB/s",
            us(disk.fdatasync_p50_us),
            us(disk.fdatasync_p99_us),
            disk.seq_write_mbps
        );
        for r in [&r.sqlite, &r.postgres] {
            match &r.skipped {
                Some(why) => rows.push(Row::new(
                    format!("B6 storage write, {}", r.backend),
                    format!("skipped: {why}"),
                    reference.clone(),
                    String::new(),
                )),
                None => rows.push(Row::new(
                    format!("B6 storage write, {} (10 cars × 1 s of 333 Hz per commit, {:.0} s)", r.backend, r.seconds),
                    format!(
                        "{:.0} frames/s · commit p50 {:.1} ms / p99 {:.1} ms · {:.1} B/frame",
                        r.frames_per_s, r.commit_p50_ms, r.commit_p99_ms, r.bytes_per_frame
                    ),
                    reference.clone(),
                    format!(
                        "{:.1} % of disk bandwidth ÷ stored B/frame · commit p50 {:.2}× fdatasync p50",
                        100.0 * r.frames_per_s / (disk.seq_write_mbps * 1e6 / r.bytes_per_frame),
                        r.commit_p50_ms * 1000.0 / disk.fdatasync_p50_us
                    ),
                )),
            }
        }
        json.insert("b6_storage_write".into(), serde_json::to_value(&r)?);
    }
    if run("b7") {
        eprintln!("bench: B7 analysis");
        let exe = exe.clone();
        let r = tokio::task::spawn_blocking(move || b::analysis(scale, Some(&exe))).await??;
        rows.push(Row::new(
            format!("B7 analysis: {} laps at {:.0} Hz ({} frames), warm / cold", r.laps, r.rate_hz, r.frames),
            format!("{:.1} ms / {:.1} ms (of which read + decode {:.1} ms)", r.warm_ms, r.cold_ms, r.read_ms),
            format!("one streaming pass over the frames {:.3} ms", r.stream_ms),
            format!("warm {:.0}× · cold {:.0}× the pass", r.warm_ms / r.stream_ms, r.cold_ms / r.stream_ms),
        ));
        if let Some(p) = &r.process {
            if p.analyze_laps != r.laps_found {
                bail!(
                    "`racecraft analyze` printed {} laps, the analysis in process found {}",
                    p.analyze_laps,
                    r.laps_found
                );
            }
            rows.push(Row::new(
                format!(
                    "B7 `racecraft analyze FILE --json`, a process of its own ({} laps at {:.0} Hz, {:.1} MB file)",
                    r.laps,
                    r.rate_hz,
                    r.file_bytes as f64 / 1e6
                ),
                format!("{:.0} ms wall · peak RSS {:.1} MB", p.analyze_ms, p.analyze_peak_kb as f64 / 1024.0),
                format!("`racecraft --version` {:.1} ms · {:.1} MB", p.start_ms, p.start_peak_kb as f64 / 1024.0),
                format!("+{:.0} ms over starting the binary", p.analyze_ms - p.start_ms),
            ));
        }
        json.insert("b7_analysis".into(), serde_json::to_value(&r)?);
    }
    if run("b8") {
        eprintln!("bench: B8 seek and decode a lap");
        let r = tokio::task::spawn_blocking(move || b::seek_lap(scale)).await??;
        rows.push(Row::new(
            format!("B8 seek + decode lap {} of {} ({} frames) from a recording", r.lap, r.laps, r.lap_frames),
            format!("{:.2} ms ({} frames decoded)", r.seek_decode_ms, r.decoded_frames),
            format!("memcpy of the lap's frames {:.3} ms", r.memcpy_ms),
            format!("{:.0}× memcpy", r.seek_decode_ms / r.memcpy_ms),
        ));
        json.insert("b8_seek".into(), serde_json::to_value(&r)?);
    }
    if run("b9") {
        eprintln!("bench: B9 bytes to a viewer");
        let r = b::wire_size(scale).await?;
        rows.push(Row::new(
            format!("B9 bytes per frame to a browser viewer ({:.1} channels)", r.channels),
            format!("binary {:.1} B · JSON {:.1} B", r.binary_bytes, r.json_bytes),
            format!("raw frame {:.0} B · compact encoding {:.1} B", r.raw_bytes, r.compact_bytes),
            format!(
                "binary {:.2}× compact, {:.2}× raw · JSON {:.1}× binary",
                r.binary_bytes / r.compact_bytes,
                r.binary_bytes / r.raw_bytes,
                r.json_bytes / r.binary_bytes
            ),
        ));
        json.insert("b9_wire".into(), serde_json::to_value(&r)?);
    }
    if run("b10") {
        // Each pair alternates off, on, off, on and keeps each side's best, so a slow moment of the machine
        // does not land on one side only.
        eprintln!("bench: B10 authentication on vs off");
        let (mut json_off, mut json_on, mut bin_off, mut bin_on) = (0f64, 0f64, 0f64, 0f64);
        for _ in 0..2 {
            json_off = json_off.max(b::ingest_json_as(scale, 32, false).await?);
            json_on = json_on.max(b::ingest_json_as(scale, 32, true).await?);
            bin_off = bin_off.max(b::ingest_binary_as(scale, false).await?);
            bin_on = bin_on.max(b::ingest_binary_as(scale, true).await?);
        }
        rows.push(Row::new(
            "B10a JSON ingest, agent token on every POST (team server, 1 core, 32 connections)",
            format!("{json_on:.0} frames/s"),
            format!("no authentication (local server): {json_off:.0}/s"),
            format!("{:.3}× without", json_on / json_off),
        ));
        rows.push(Row::new(
            "B10b binary ingest, agent stream with a token (team server, 1 core)",
            format!("{bin_on:.0} frames/s"),
            format!("no authentication: {bin_off:.0}/s"),
            format!("{:.3}× without", bin_on / bin_off),
        ));
        let viewers = if args.smoke { 2 } else { 10 };
        let mut fanout = Vec::new();
        for team in [false, true, false, true] {
            fanout.push((team, b::live_latency_as(viewers, 333.0, scale, team).await?));
        }
        let best = |team: bool, pick: fn(&b::LatencyReport) -> f64| {
            fanout.iter().filter(|(t, _)| *t == team).map(|(_, r)| pick(r)).fold(f64::INFINITY, f64::min)
        };
        let (p50_on, p99_on) = (best(true, |r| r.p50_us), best(true, |r| r.p99_us));
        let (p50_off, p99_off) = (best(false, |r| r.p50_us), best(false, |r| r.p99_us));
        rows.push(Row::new(
            format!("B10c fan-out, {viewers} signed-in viewers at 333 Hz (team server, in process)"),
            format!("p50 {} · p99 {}", us(p50_on), us(p99_on)),
            format!("no authentication: p50 {} · p99 {}", us(p50_off), us(p99_off)),
            format!("p50 {:.2}× · p99 {:.2}× without", p50_on / p50_off, p99_on / p99_off),
        ));
        json.insert(
            "b10_auth".into(),
            serde_json::json!({
                "json_fps_on": json_on, "json_fps_off": json_off, "binary_fps_on": bin_on, "binary_fps_off": bin_off,
                "fanout_p50_us_on": p50_on, "fanout_p50_us_off": p50_off,
                "fanout_p99_us_on": p99_on, "fanout_p99_us_off": p99_off,
            }),
        );
    }
    if run("memory") {
        eprintln!("bench: server memory");
        let r = b::server_memory(&exe, 10, scale).await?;
        rows.push(Row::new(
            format!("memory: server RSS idle / 1 agent + {} viewers at 333 Hz", r.viewers),
            format!(
                "{:.1} MB / {:.1} MB (peak {:.1} MB)",
                r.idle_kb as f64 / 1024.0,
                r.loaded_kb as f64 / 1024.0,
                r.peak_kb as f64 / 1024.0
            ),
            String::new(),
            String::new(),
        ));
        json.insert("memory".into(), serde_json::to_value(r)?);
        eprintln!("bench: capture agent at 333 Hz");
        let r = b::capture_agent(&exe, scale).await?;
        rows.push(Row::new(
            "memory: capture agent, ACC shared memory at 333 Hz → server (CPU of one core)",
            format!(
                "{:.2} % CPU · RSS {:.1} MB (peak {:.1} MB)",
                r.cpu_percent,
                r.rss_kb as f64 / 1024.0,
                r.peak_kb as f64 / 1024.0
            ),
            format!("polling with no game: {:.2} % CPU", r.idle_cpu_percent),
            format!("{:.1}× idle polling", r.cpu_percent / r.idle_cpu_percent.max(1e-9)),
        ));
        json.insert("capture".into(), serde_json::to_value(r)?);
    }
    let seconds = started.elapsed().as_secs_f64();
    if args.json {
        json.insert("seconds".into(), serde_json::json!(seconds));
        println!("{}", serde_json::to_string_pretty(&json)?);
        return Ok(());
    }
    println!("| workload | figure | reference (same run) | ratio |\n|---|---|---|---|");
    for r in rows {
        println!("| {} | {} | {} | {} |", r.workload, r.figure, r.reference, r.ratio);
    }
    eprintln!("bench: done in {seconds:.0} s");
    Ok(())
}

/// The B2 rows of one data set: sizes against raw rows, LZ4 rows and zstd -19; speed against memcpy.
fn storage_rows(r: &racecraft_bench::SizeReport, rows: &mut Vec<Row>) {
    rows.push(Row::new(
        format!("B2 stored bytes/frame, {}, {:.1} channels", r.dataset, r.channels),
        format!(
            "{:.1} B finished recording (8192-frame zstd blocks) · {:.1} B in 100 ms blocks · {:.1} B in 1 s LZ4 chunks",
            r.compacted_bytes, r.journal_bytes, r.chunk_bytes
        ),
        format!(
            "raw row {:.0} B (frame {:.0} B, AC physics page {} B) · LZ4 rows {:.1} B · zstd -19 on our layout {:.1} B",
            r.raw_row_bytes,
            r.struct_bytes,
            racecraft_bench::AC_PHYSICS_PAGE_BYTES,
            r.row_lz4_bytes,
            r.zstd19_bytes
        ),
        format!(
            "{:.1}× smaller than LZ4 rows, {:.0}× than raw · {:.2}× zstd -19",
            r.row_lz4_bytes / r.compacted_bytes,
            r.raw_row_bytes / r.compacted_bytes,
            r.compacted_bytes / r.zstd19_bytes
        ),
    ));
    rows.push(Row::new(
        format!("B2 chunk codec speed, {}, 1 core", r.dataset),
        format!(
            "8192-frame zstd: encode {:.2} M frames/s ({:.0} MB/s) · decode {:.2} M frames/s ({:.0} MB/s); \
             1 s LZ4: encode {:.2} M/s · decode {:.2} M/s",
            r.encode_fps / 1e6,
            r.mbps(r.encode_fps),
            r.decode_fps / 1e6,
            r.mbps(r.decode_fps),
            r.lz4_encode_fps / 1e6,
            r.lz4_decode_fps / 1e6
        ),
        format!("memcpy of frames {:.0} MB/s", r.mbps(r.memcpy_fps)),
        format!("decode at {:.1} % of memcpy", 100.0 * r.decode_fps / r.memcpy_fps),
    ));
}
