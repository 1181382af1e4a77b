//! Commands on recordings: `inspect`, `replay`, `record`.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use clap::Args;
use futures_util::StreamExt;
use racecraft_core::{Channel, CompletedLap, Frame, SessionMeta};
use racecraft_protocol::viewer::ViewerMessage;
use racecraft_record::{LapMarker, Recording, RecordingWriter};
use racecraft_uplink::{Agent, AgentConfig};

use crate::progress::Progress;
use serde_json::json;
use tokio_tungstenite::tungstenite::Message;

/// The file a command reads, and how to read its columns.
#[derive(Debug, Clone, Args)]
pub struct Source {
    /// A recording (`.rcr`), iRacing `.ibt`, MoTeC `.ld` or CSV.
    pub path: PathBuf,
    /// CSV: read a column as a channel, in a unit (else the file's units row): `--map "Spd=speed_mps:km/h"`;
    /// repeat for more columns. For names and units Racecraft does not recognise.
    #[arg(long = "map", value_name = "COLUMN=CHANNEL[:UNIT]")]
    pub map: Vec<racecraft_interchange::csv::ColumnMap>,
}

/// Flags of `racecraft inspect`.
#[derive(Debug, Args)]
pub struct InspectArgs {
    #[command(flatten)]
    source: Source,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

/// Flags of `racecraft replay`.
#[derive(Debug, Args)]
pub struct ReplayArgs {
    #[command(flatten)]
    source: Source,
    /// Server to stream to.
    #[arg(long, env = "RACECRAFT_SERVER", default_value = "http://127.0.0.1:8080")]
    server: String,
    #[command(flatten)]
    token: crate::TokenArg,
    /// Time factor: 1 = real time, 0 = as fast as possible.
    #[arg(long, default_value_t = 1.0)]
    speed: f64,
}

/// Flags of `racecraft import`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    #[command(flatten)]
    source: Source,
    /// Server whose database receives the session.
    #[arg(long, env = "RACECRAFT_SERVER", default_value = "http://127.0.0.1:8080")]
    server: String,
    #[command(flatten)]
    token: crate::TokenArg,
    /// PATH is a folder: import every file Racecraft reads (.ibt, .ld, .csv, .rcr) in it, and each new one once
    /// it is complete, until Ctrl-C; each file once (remembered in PATH/.racecraft-imported across restarts).
    #[arg(long)]
    watch: bool,
}

/// Imports a file into a server's database as a new session (a replay as fast as the server takes it),
/// with progress bars on a terminal; or, with `--watch`, every file of a folder as it arrives.
pub async fn import(args: ImportArgs) -> Result<()> {
    if args.watch {
        let dir = args.source.path.clone();
        return crate::watch::run(&dir, |path| {
            let source = Source { path, map: args.source.map.clone() };
            replay_with(
                ReplayArgs { source, server: args.server.clone(), token: args.token.clone(), speed: 0.0 },
                false,
            )
        })
        .await;
    }
    replay_with(ReplayArgs { source: args.source, server: args.server, token: args.token, speed: 0.0 }, true).await
}

/// Flags of `racecraft record`.
#[derive(Debug, Args)]
pub struct RecordArgs {
    /// Server whose live session to record.
    #[arg(long, env = "RACECRAFT_SERVER", default_value = "http://127.0.0.1:8080")]
    from_server: String,
    /// Session id to record.
    #[arg(long)]
    session: i64,
    /// Output recording (`.rcr`).
    #[arg(long)]
    out: PathBuf,
}

/// Reads any file Racecraft can import into the shape of a recording: `.rcr`, or iRacing `.ibt` (laps from
/// the game's lap counter through the same lap tracker the server uses).
pub(crate) fn read_recording(source: &Source) -> Result<Recording> {
    read_recording_with(source, false)
}

/// [`read_recording`], with a progress bar over the file's bytes (`.rcr`) or a spinner (other formats)
/// when `progress` is set and stderr is a terminal.
fn read_recording_with(source: &Source, progress: bool) -> Result<Recording> {
    let path = source.path.as_path();
    if !source.map.is_empty() && !path.extension().is_some_and(|e| e.eq_ignore_ascii_case("csv")) {
        bail!("--map applies to CSV files, not {}", path.display());
    }
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
    let spinner = (progress && ext != "rcr").then(|| Progress::spinner(&format!("reading {}", path.display())));
    let recording = match ext.as_str() {
        "rcr" if progress => {
            let file = std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
            let len = file.metadata().map(|m| m.len()).unwrap_or(0);
            let bar = Progress::bar(len, "reading", true);
            let reader = std::io::BufReader::with_capacity(64 * 1024, bar.reader(file));
            let recording = racecraft_record::RecordingReader::from_reader(reader)
                .with_context(|| format!("reading {}", path.display()))?
                .into_recording();
            bar.finish();
            recording
        }
        "rcr" => racecraft_record::read_all(path).with_context(|| format!("reading {}", path.display()))?,
        "ibt" => {
            let ibt = racecraft_capture::iracing::IbtFile::open(path)?;
            if ibt.truncated_records > 0 {
                eprintln!("warning: {} records missing at the end of {}", ibt.truncated_records, path.display());
            }
            if ibt.skipped_records > 0 {
                eprintln!(
                    "warning: {} records skipped (corrupt or out-of-order SessionTime) in {}",
                    ibt.skipped_records,
                    path.display()
                );
            }
            let frames: Vec<Frame> = ibt.frames().collect();
            let mut tracker = racecraft_core::LapTracker::new();
            let laps = frames.iter().filter_map(|f| tracker.push(f)).map(|l| LapMarker::from(&l)).collect();
            Recording { meta: Some(ibt.meta()), frames, laps, ..Recording::default() }
        }
        "ld" => read_ld(path)?,
        "csv" => {
            let file = std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
            let csv = racecraft_interchange::csv::read_csv_mapped(file, &source.map)
                .with_context(|| format!("reading {}", path.display()))?;
            if !csv.unknown_columns.is_empty() {
                eprintln!("warning: columns not imported (unknown channels): {}", csv.unknown_columns.join(", "));
            }
            let mut previous = 0.0;
            let laps = csv
                .laps
                .iter()
                .enumerate()
                .map(|(i, &end_s)| {
                    let lap = LapMarker {
                        lap_number: i as u32 + 1,
                        end_t_us: (end_s * 1e6).round() as i64,
                        lap_time_s: end_s - previous,
                        valid: true,
                    };
                    previous = end_s;
                    lap
                })
                .collect();
            Recording { meta: Some(csv.meta), frames: csv.frames, laps, ..Recording::default() }
        }
        _ => bail!(
            "cannot read `.{ext}` files (Racecraft reads .rcr, iRacing .ibt, MoTeC .ld and CSV): {}",
            path.display()
        ),
    };
    drop(spinner);
    // A log without a lap counter (MoTeC CSV with beacon markers) gets its laps from its markers, so that
    // `analyze`, `import` and the rest find the laps `inspect` lists.
    let mut recording = recording;
    recording.stamp_laps_from_markers();
    for w in &recording.warnings {
        eprintln!("warning: {w:?}");
    }
    Ok(recording)
}

/// A MoTeC `.ld` log as frames (`racecraft_interchange::motec::read_frames`): channels Racecraft knows are
/// converted back to SI, sampled at the fastest channel's rate with slower channels held between their samples.
fn read_ld(path: &Path) -> Result<Recording> {
    use racecraft_interchange::motec;
    let ld = motec::LdFile::open(path).with_context(|| format!("reading {}", path.display()))?;
    let read = motec::read_frames(&ld).with_context(|| format!("reading {}", path.display()))?;
    let unknown = &read.unknown_channels;
    if !unknown.is_empty() {
        eprintln!("warning: {} channels not imported (no Racecraft equivalent): {}", unknown.len(), unknown.join(", "));
    }
    Ok(Recording { meta: Some(read.meta), frames: read.frames, ..Recording::default() })
}

/// Export formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    /// MoTeC i2 `.ld`, plus an `.ldx` beside it with the laps as beacons.
    Motec,
    /// CSV in MoTeC's layout (metadata rows, channel names, units, data).
    Csv,
    /// Apache Parquet (needs a build with `--features parquet`).
    Parquet,
}

/// Flags of `racecraft export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    #[command(flatten)]
    source: Source,
    /// Output format.
    #[arg(long, value_enum)]
    format: ExportFormat,
    /// Only these laps (comma-separated lap numbers).
    #[arg(long, value_delimiter = ',')]
    laps: Vec<u32>,
    /// Output file.
    #[arg(long)]
    out: PathBuf,
}

/// Flags of `racecraft compact`.
#[derive(Debug, Args)]
pub struct CompactArgs {
    /// A Racecraft recording (`.rcr`), finished or not.
    path: PathBuf,
}

/// Rewrites a recording in place as a finished, compacted one (`racecraft_record::compact`): what a crash left
/// unreadable at its end is reported and dropped; the original stays untouched if anything fails.
pub fn compact(args: CompactArgs) -> Result<()> {
    let report =
        racecraft_record::compact(&args.path).with_context(|| format!("compacting {}", args.path.display()))?;
    for w in &report.warnings {
        eprintln!("warning: dropped what could not be read at byte {}: {:?}", w.offset, w.kind);
    }
    println!(
        "Compacted {}: {} frames, {} → {} bytes.",
        args.path.display(),
        report.frames,
        report.bytes_before,
        report.bytes_after
    );
    Ok(())
}

/// A lap of a recording as the exporters take it.
fn completed_lap(l: &LapMarker) -> CompletedLap {
    CompletedLap {
        lap_number: l.lap_number,
        lap_time_s: l.lap_time_s,
        start_t_us: l.end_t_us - (l.lap_time_s * 1e6).round() as i64,
        end_t_us: l.end_t_us,
        valid: l.valid,
        ..CompletedLap::default()
    }
}

/// Writes a file in another tool's format. Chosen laps are laid end to end (`racecraft_interchange::export`).
pub fn export(args: ExportArgs) -> Result<()> {
    use racecraft_interchange::export::Export;
    let r = read_recording_with(&args.source, true)?;
    let meta = r.meta.clone().unwrap_or_default();
    let export = if args.laps.is_empty() {
        Export::session(r.frames, r.laps.iter().map(completed_lap).collect())
    } else {
        let laps = args
            .laps
            .iter()
            .map(|&n| {
                let frames: Vec<Frame> = r.frames.iter().filter(|f| f.lap() == Some(n)).copied().collect();
                // A lap the recording has frames of but no end (the one in progress when it stopped).
                let lap = r.laps.iter().find(|l| l.lap_number == n).map(completed_lap).unwrap_or_else(|| {
                    let (start, end) = (frames.first().map_or(0, |f| f.t_us), frames.last().map_or(0, |f| f.t_us));
                    CompletedLap {
                        lap_number: n,
                        lap_time_s: (end - start) as f64 * 1e-6,
                        start_t_us: start,
                        end_t_us: end,
                        ..CompletedLap::default()
                    }
                });
                (lap, frames)
            })
            .collect();
        Export::laps(laps)
    };
    anyhow::ensure!(
        !export.is_empty(),
        "nothing to export: no frames{}",
        if args.laps.is_empty() { "" } else { " in those laps" }
    );
    // The writers take the whole session at once, so writing shows as a spinner.
    let writing = Progress::spinner(&format!("writing {}", args.out.display()));
    let done = match args.format {
        ExportFormat::Motec => {
            let ld = export.ld(&meta).with_context(|| format!("encoding {}", args.out.display()))?;
            std::fs::write(&args.out, ld).with_context(|| format!("writing {}", args.out.display()))?;
            let ldx = args.out.with_extension("ldx");
            std::fs::write(&ldx, export.ldx()).with_context(|| format!("writing {}", ldx.display()))?;
            format!("Wrote {} and {} ({} Hz).", args.out.display(), ldx.display(), export.rate_hz())
        }
        ExportFormat::Csv => {
            let file = std::fs::File::create(&args.out).with_context(|| format!("creating {}", args.out.display()))?;
            export
                .write_csv(file, &meta, &Default::default())
                .with_context(|| format!("writing {}", args.out.display()))?;
            format!("Wrote {} ({} frames).", args.out.display(), export.frames.len())
        }
        ExportFormat::Parquet => export_parquet(&export.frames, &args.out)?,
    };
    // The spinner goes before the summary, so the summary is not drawn over.
    writing.finish();
    println!("{done}");
    Ok(())
}

#[cfg(feature = "parquet")]
fn export_parquet(frames: &[Frame], out: &Path) -> Result<String> {
    let file = std::fs::File::create(out).with_context(|| format!("creating {}", out.display()))?;
    racecraft_interchange::parquet::write_parquet(file, frames, None)
        .with_context(|| format!("writing {}", out.display()))?;
    Ok(format!("Wrote {} ({} frames).", out.display(), frames.len()))
}

#[cfg(not(feature = "parquet"))]
fn export_parquet(_: &[Frame], _: &Path) -> Result<String> {
    bail!("this racecraft was built without Parquet support; rebuild with `cargo build --release --features parquet`")
}

/// Summary of a recording.
pub fn inspect(args: InspectArgs) -> Result<()> {
    let r = read_recording(&args.source)?;
    let meta = r.meta.clone().unwrap_or_default();
    let first = r.frames.first().map_or(0, |f| f.t_us);
    let last = r.frames.last().map_or(0, |f| f.t_us);
    let duration_s = (last - first) as f64 * 1e-6;
    let rate_hz = if duration_s > 0.0 { (r.frames.len() - 1) as f64 / duration_s } else { 0.0 };
    let union = r.frames.iter().fold(0u64, |m, f| m | f.present_mask());
    let channels: Vec<&str> = Channel::ALL.iter().filter(|c| union & (1 << c.index()) != 0).map(|c| c.name()).collect();
    let summary = json!({
        "file": args.source.path.display().to_string(),
        "game": meta.game, "car": meta.car, "track": meta.track, "driver": meta.driver,
        "started_at_ms": meta.started_at_ms,
        "frames": r.frames.len(),
        "duration_s": duration_s,
        "rate_hz": rate_hz,
        "channels": channels,
        "laps": r.laps.iter().map(|l| json!({"lap": l.lap_number, "lap_time_s": l.lap_time_s, "valid": l.valid})).collect::<Vec<_>>(),
        "raw_packets": r.raw_count,
        "finished_cleanly": r.trailer.is_some() || !args.source.path.extension().is_some_and(|e| e.eq_ignore_ascii_case("rcr")),
        "warnings": r.warnings.iter().map(|w| format!("{w:?}")).collect::<Vec<_>>(),
    });
    if args.json {
        println!("{}", serde_json::to_string_pretty(&summary)?);
        return Ok(());
    }
    println!("{}", args.source.path.display());
    println!("  game {} · car {} · track {} · driver {}", meta.game, meta.car, meta.track, meta.driver);
    println!("  {} frames over {:.1} s ({:.0} Hz), {} channels", r.frames.len(), duration_s, rate_hz, channels.len());
    for l in &r.laps {
        println!(
            "  lap {:>3}  {}{}",
            l.lap_number,
            crate::format_lap(l.lap_time_s),
            if l.valid { "" } else { "  (invalid)" }
        );
    }
    if r.raw_count > 0 {
        println!("  {} raw game packets kept", r.raw_count);
    }
    if r.trailer.is_none() && args.source.path.extension().is_some_and(|e| e.eq_ignore_ascii_case("rcr")) {
        println!("  not finished cleanly (no trailer): everything readable was read");
    }
    Ok(())
}

/// Streams a recording into a server, paced like the original.
pub async fn replay(args: ReplayArgs) -> Result<()> {
    replay_with(args, false).await
}

async fn replay_with(args: ReplayArgs, progress: bool) -> Result<()> {
    anyhow::ensure!(args.speed >= 0.0 && args.speed.is_finite(), "--speed must be 0 or positive");
    let r = read_recording_with(&args.source, progress)?;
    let meta = r.meta.clone().unwrap_or_else(|| SessionMeta { game: "replay".into(), ..SessionMeta::default() });
    let origin = r.frames.first().map_or(0, |f| f.t_us);
    // The session ended when the file's did, not when the replay does (an old `.ibt` imported today).
    let duration_ms = r.frames.last().map_or(origin, |f| f.t_us).saturating_sub(origin).max(0) / 1000;
    let ended_at_ms = (meta.started_at_ms > 0).then(|| meta.started_at_ms.saturating_add(duration_ms));
    let config = AgentConfig { ended_at_ms, token: args.token.token.clone(), ..AgentConfig::new(&args.server, meta) };
    let agent = Agent::spawn(config).context("starting the agent")?;
    let start = tokio::time::Instant::now();
    let bar = if progress { Progress::bar(r.frames.len() as u64, "sending", false) } else { Progress::none() };
    for chunk in r.frames.chunks(1024) {
        for frame in chunk {
            if args.speed > 0.0 {
                let due = Duration::from_secs_f64((frame.t_us - origin).max(0) as f64 * 1e-6 / args.speed);
                tokio::time::sleep_until(start + due).await;
            }
            agent.push(*frame);
        }
        bar.inc(chunk.len() as u64);
    }
    bar.finish();
    let waiting =
        if progress { Progress::spinner("waiting for the server to store every frame") } else { Progress::none() };
    let stats = agent.finish(None).await.context("delivering the replay")?;
    waiting.finish();
    println!("Replayed {} frames into session {}.", stats.acked, stats.session_id.unwrap_or_default());
    Ok(())
}

/// Records a live session from a server into a `.rcr` file until the session ends or Ctrl-C.
pub async fn record(args: RecordArgs) -> Result<()> {
    let ws_url = format!(
        "{}/ws/{}?format=binary",
        args.from_server.trim_end_matches('/').replacen("http", "ws", 1),
        args.session
    );
    let (mut ws, _) =
        tokio_tungstenite::connect_async(&ws_url).await.with_context(|| format!("connecting to {ws_url}"))?;
    let session = loop {
        match ws.next().await {
            Some(Ok(Message::Text(t))) => match serde_json::from_str::<ViewerMessage>(&t) {
                Ok(ViewerMessage::Hello { session, .. }) => break session,
                Ok(_) => bail!("the server's first message is not a hello: {t}"),
                Err(e) => return Err(e).with_context(|| format!("the server's hello: {t}")),
            },
            Some(Ok(_)) => continue,
            Some(Err(e)) => return Err(e).context("waiting for the server's hello"),
            None => bail!("the server closed the connection before saying hello"),
        }
    };
    let meta = SessionMeta {
        game: session.game,
        car: session.car,
        track: session.track,
        driver: session.driver,
        started_at_ms: session.started_at_ms,
        team: session.team,
        car_number: session.car_number,
    };
    let mut writer =
        RecordingWriter::create(&args.out, &meta).with_context(|| format!("creating {}", args.out.display()))?;
    let mut frames = 0u64;
    // Frames the live stream skipped because this recorder fell behind (the server never waits for a viewer).
    let mut skipped = 0u64;
    let mut tick = tokio::time::interval(Duration::from_millis(50));
    loop {
        tokio::select! {
            _ = tick.tick() => {
                writer.flush_if_due(std::time::Instant::now())?;
            }
            _ = tokio::signal::ctrl_c() => break,
            msg = ws.next() => match msg {
                Some(Ok(Message::Binary(b))) => {
                    let (_, frame) = racecraft_codec::wire::decode_telemetry(&b).context("a telemetry message")?;
                    writer.push(frame)?;
                    frames += 1;
                }
                Some(Ok(Message::Text(t))) => {
                    let message: ViewerMessage =
                        serde_json::from_str(&t).with_context(|| format!("a live message: {t}"))?;
                    match message {
                        ViewerMessage::LapBacklog { t_s, channels, .. } => {
                            for frame in backlog_frames(&t_s, &channels) {
                                writer.push(frame)?;
                                frames += 1;
                            }
                        }
                        ViewerMessage::LapCompleted { lap, .. } => {
                            writer.lap(&LapMarker {
                                lap_number: lap.lap_number,
                                end_t_us: ((lap.start_t_s + lap.lap_time_s) * 1e6).round() as i64,
                                lap_time_s: lap.lap_time_s,
                                valid: lap.valid,
                            })?;
                        }
                        ViewerMessage::Lagged { skipped: n } => skipped += n,
                        ViewerMessage::SessionEnded => break,
                        _ => {}
                    }
                }
                Some(Ok(_)) => {}
                Some(Err(e)) => {
                    eprintln!("connection lost: {e}");
                    break;
                }
                None => break,
            },
        }
    }
    writer.finish()?;
    println!("Recorded {frames} frames to {}.", args.out.display());
    if skipped > 0 {
        eprintln!("warning: {skipped} frames were skipped because the recorder fell behind the live stream");
    }
    Ok(())
}

/// Frames of a `lap_backlog` message (columns of equal length, `null` where a frame lacks a channel).
fn backlog_frames(t_s: &[f64], channels: &std::collections::BTreeMap<String, Vec<Option<f64>>>) -> Vec<Frame> {
    let mut frames: Vec<Frame> = t_s.iter().map(|t| Frame::new((t * 1e6).round() as i64)).collect();
    for (name, values) in channels {
        let Some(channel) = Channel::from_name(name) else { continue };
        for (frame, v) in frames.iter_mut().zip(values) {
            if let Some(v) = v {
                frame.set(channel, *v as f32);
            }
        }
    }
    frames
}
