//! `racecraft analyze` and `racecraft compare`: the analysis engine on any file the CLI reads.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::Args;
use racecraft_analysis::{
    AnalysisOptions, FrameColumns, LapComparison, Reference, SessionAnalysis, TrackModel, analyze_frame_columns,
    analyze_session_with_model, compare_laps,
};

/// Flags of `racecraft analyze`.
#[derive(Debug, Args)]
pub struct AnalyzeArgs {
    #[command(flatten)]
    source: crate::files::Source,
    /// Print the whole analysis as JSON.
    #[arg(long)]
    json: bool,
    /// Only these laps, e.g. `--laps 3,4,7`.
    #[arg(long, value_delimiter = ',')]
    laps: Option<Vec<u32>>,
    /// A saved track model (JSON) to reuse: read when it exists, written back refined with this session.
    #[arg(long, env = "RACECRAFT_TRACK_MODEL")]
    track_model: Option<PathBuf>,
}

/// Flags of `racecraft compare`.
#[derive(Debug, Args)]
pub struct CompareArgs {
    #[command(flatten)]
    source: crate::files::Source,
    /// The lap to look at.
    #[arg(long)]
    lap: u32,
    /// The lap to compare with: `best` or a lap number.
    #[arg(long = "ref", default_value = "best", value_parser = parse_reference)]
    reference: Reference,
    /// Print the comparison as JSON.
    #[arg(long)]
    json: bool,
}

fn parse_reference(text: &str) -> Result<Reference, String> {
    if text.eq_ignore_ascii_case("best") {
        return Ok(Reference::Best);
    }
    text.parse().map(Reference::Lap).map_err(|_| format!("`{text}` is neither `best` nor a lap number"))
}

fn run(source: &crate::files::Source, laps: Option<Vec<u32>>, model: Option<&TrackModel>) -> Result<SessionAnalysis> {
    let path = &source.path;
    let options = AnalysisOptions { laps, ..AnalysisOptions::default() };
    // (`--map` is for CSV files: with it, the general reader says so.)
    if source.map.is_empty()
        && path.extension().is_some_and(|e| e.eq_ignore_ascii_case("rcr"))
        && let Some(analysis) = analyze_recording_streamed(path, &options, model)?
    {
        return Ok(analysis);
    }
    let recording = crate::files::read_recording(source)?;
    let meta = recording.meta.clone().unwrap_or_default();
    analyze_session_with_model(&meta, &recording.frames, &options, model)
        .with_context(|| format!("analysing {}", path.display()))
}

/// A recording analysed as it is read: only the channels the analysis reads are decoded (on every core), and
/// only its columns are kept, so a long 333 Hz session never sits in memory as frames. `None` for a log without a
/// lap counter but with lap markers: those are stamped on the frames first, which needs them all
/// ([`crate::files`]).
fn analyze_recording_streamed(
    path: &std::path::Path,
    options: &AnalysisOptions,
    model: Option<&TrackModel>,
) -> Result<Option<SessionAnalysis>> {
    use racecraft_record::{Item, RecordingReader};
    let mut reader = RecordingReader::open(path)
        .with_context(|| format!("reading {}", path.display()))?
        .only_channels(racecraft_analysis::CHANNELS_READ);
    // A finished recording's trailer counts its frames: the columns are sized once (a hint the analysis caps).
    let expected = match reader.trailer() {
        Ok(Some(t)) => usize::try_from(t.frame_count).unwrap_or(usize::MAX),
        _ => 0,
    };
    let mut meta: Option<racecraft_core::SessionMeta> = None;
    let mut columns = FrameColumns::with_expected_frames(expected);
    let mut markers = false;
    let mut warnings = Vec::new();
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    reader.for_each_parallel(threads, |item| match item {
        Item::Meta(m) => {
            meta.get_or_insert_with(|| m.clone());
        }
        Item::Frames(frames) => columns.extend(frames),
        Item::Lap(_) => markers = true,
        Item::Warning(w) => warnings.push(w.clone()),
        Item::Raw(_) | Item::End(_) => {}
    });
    if markers && !columns.has_lap_counter() {
        return Ok(None);
    }
    for w in &warnings {
        eprintln!("warning: {w:?}");
    }
    let meta = meta.unwrap_or_default();
    analyze_frame_columns(&meta, columns, options, model)
        .map(Some)
        .with_context(|| format!("analysing {}", path.display()))
}

/// Lap table, theoretical best and the corners to work on; or everything as JSON.
pub fn analyze(args: AnalyzeArgs) -> Result<()> {
    let saved = match &args.track_model {
        Some(p) if p.exists() => Some(TrackModel::load(p)?),
        _ => None,
    };
    let a = run(&args.source, args.laps, saved.as_ref())?;
    if let Some(p) = &args.track_model {
        a.track_model.save(p)?;
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&a)?);
        return Ok(());
    }
    println!("{} · {} · {} · {:.0} m, {} corners", a.track, a.car, a.game, a.track_length_m, a.corners.len());
    let sectors = a.laps.iter().map(|l| l.sectors_s.len()).max().unwrap_or(0);
    let best_sector: Vec<f64> = (0..sectors)
        .map(|s| {
            a.laps.iter().filter(|l| l.valid).filter_map(|l| l.sectors_s.get(s)).fold(f64::INFINITY, |m, x| m.min(*x))
        })
        .collect();
    let header: String = (1..=sectors).map(|s| format!("{:>9}", format!("S{s}"))).collect();
    println!("  lap       time{header}");
    for lap in &a.laps {
        let cells: String = lap
            .sectors_s
            .iter()
            .zip(&best_sector)
            .map(|(s, b)| format!("{:>8.3}{}", s, if lap.valid && s <= b { "*" } else { " " }))
            .collect();
        let mut marks = Vec::new();
        if lap.personal_best {
            marks.push("PB");
        } else if lap.session_best {
            marks.push("best");
        }
        let f = &lap.flags;
        for (set, name) in [
            (f.out_lap, "out-lap"),
            (f.in_lap, "in-lap"),
            (f.pit, "pit"),
            (f.game_invalid, "invalid"),
            (f.cut, "cut"),
            (f.reset, "reset"),
            (f.capture_gap, "gap"),
            (f.standing_start, "standing start"),
        ] {
            if set {
                marks.push(name);
            }
        }
        println!("  {:>3}  {}{}  {}", lap.lap_number, crate::format_lap(lap.lap_time_s), cells, marks.join(", "));
    }
    let tb = &a.theoretical_best;
    if tb.sectors_s.is_finite() {
        println!(
            "theoretical best {} (best sectors) · {} (best corner-to-corner segments)",
            crate::format_lap(tb.sectors_s),
            crate::format_lap(tb.segments_s)
        );
    }
    if a.consistency.laps > 1 {
        println!(
            "consistency: ±{:.3} s, spread {:.3} s over {} laps",
            a.consistency.std_lap_s, a.consistency.spread_s, a.consistency.laps
        );
    }
    if a.coaching.is_empty() {
        println!("corners to work on: none — your best lap is your best in every corner");
    } else {
        println!("top {} corners to work on:", a.coaching.len().min(3));
        for advice in a.coaching.iter().take(3) {
            println!("  {}", advice.message);
        }
    }
    for m in a.mistakes.iter().take(5) {
        if let Some(advice) = &m.advice {
            println!("  lap {}: {}", m.lap_number, advice.message);
        }
    }
    Ok(())
}

/// One lap against a reference: delta summary, loss per corner, coaching.
pub fn compare(args: CompareArgs) -> Result<()> {
    let a = run(&args.source, None, None)?;
    if a.lap(args.lap).is_none() {
        let have: Vec<String> = a.laps.iter().map(|l| l.lap_number.to_string()).collect();
        bail!("lap {} is not a complete lap of this session (laps: {})", args.lap, have.join(", "));
    }
    let cmp = compare_laps(&a, args.lap, args.reference)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&cmp)?);
        return Ok(());
    }
    print_comparison(&a, &cmp)
}

fn print_comparison(a: &SessionAnalysis, cmp: &LapComparison) -> Result<()> {
    println!(
        "lap {} ({}) against lap {} ({}): {:+.3} s",
        cmp.lap_number,
        crate::format_lap(cmp.lap_time_s),
        cmp.reference_lap_number,
        crate::format_lap(cmp.reference_lap_time_s),
        cmp.difference_s
    );
    let full = a.delta(cmp.lap_number, Reference::Lap(cmp.reference_lap_number))?;
    let (worst_k, worst) =
        full.iter().enumerate().fold((0, f64::NEG_INFINITY), |m, (k, d)| if *d > m.1 { (k, *d) } else { m });
    let (best_k, best) =
        full.iter().enumerate().fold((0, f64::INFINITY), |m, (k, d)| if *d < m.1 { (k, *d) } else { m });
    println!(
        "delta: most behind {:+.3} s at {:.0} m, most ahead {:+.3} s at {:.0} m",
        worst,
        worst_k as f64 * a.grid_step_m,
        best,
        best_k as f64 * a.grid_step_m
    );
    println!("  stretch              from      to     loss");
    for s in &cmp.stretches {
        let name = s.stretch.to_string();
        println!("  {:<18} {:>6.0} m {:>6.0} m {:>+8.3} s", name, s.start_m, s.end_m, s.loss_s);
    }
    if cmp.coaching.is_empty() {
        println!("nothing to work on against this lap");
    }
    for advice in cmp.coaching.iter().take(5) {
        println!("  {}", advice.message);
    }
    Ok(())
}
