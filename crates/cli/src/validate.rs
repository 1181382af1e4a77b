//! `racecraft validate`: the analysis graded against the simulator's ground truth, circuit by circuit.
//!
//! Each run simulates `--laps` laps of a circuit with the default driver (who makes mistakes at random corners),
//! analyses them like any session, and compares the mistakes the analysis reports with the ones the simulator
//! injected. A truth mistake counts when it costs at least [`MIN_COST_S`]. It is *found* when the analysis reports
//! a mistake on the same lap at the same corner: the analysis corner's apex within [`APEX_TOLERANCE_M`] of the
//! truth corner's. Found mistakes are *typed* right when the kind matches, and their cost is compared with the
//! truth's. An analysis mistake that matches no truth mistake is *misplaced* when its lap did have mistakes (the
//! time was blamed on the wrong corner), *false* when the lap had none; two analysis mistakes matching one truth
//! mistake count as a *double*. Corner counts are compared with the circuits' official turn counts.

use anyhow::{Context, Result, bail};
use clap::Args;
use racecraft_analysis::{AnalysisOptions, MistakeKind, SessionAnalysis, analyze_session};
use racecraft_sim::{DriverModel, GroundTruth, MistakeKind as TruthKind, SimConfig, Simulation, Track};
use serde::Serialize;

/// Truth mistakes cheaper than this are not counted (they drown in lap-to-lap variation), seconds.
pub const MIN_COST_S: f64 = 0.05;
/// A reported mistake is at the right corner when that corner's apex is this close to the truth's, metres.
pub const APEX_TOLERANCE_M: f64 = 30.0;
/// A found mistake's cost is right within this fraction of the truth's.
pub const COST_TOLERANCE: f64 = 0.2;

#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Circuits: `all` (the 20 built-in ones) or a comma-separated list of names.
    #[arg(long, default_value = "all")]
    tracks: String,
    /// Sessions per circuit, each with its own seed and so its own mistakes.
    #[arg(long, default_value_t = 8)]
    seeds: u64,
    /// The first seed (the others follow it).
    #[arg(long, default_value_t = 1)]
    first_seed: u64,
    /// Laps per session.
    #[arg(long, default_value_t = 8)]
    laps: u32,
    /// Print the scorecard as JSON.
    #[arg(long)]
    json: bool,
}

/// How the analysis did on one circuit over every seed.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Scorecard {
    /// The circuit.
    pub track: String,
    /// Sessions analysed.
    pub sessions: u64,
    /// Truth mistakes costing at least [`MIN_COST_S`].
    pub injected: u64,
    /// Of them, reported on the same lap at the same corner.
    pub found: u64,
    /// Of the found, with the right kind.
    pub typed: u64,
    /// Of the found, with the cost within [`COST_TOLERANCE`].
    pub cost_within_tolerance: u64,
    /// Largest relative cost error of a found mistake.
    pub max_cost_error: f64,
    /// Truth mistakes reported twice (at two corners near it, or twice at one).
    pub doubles: u64,
    /// Reported mistakes on laps with mistakes, at no corner that had one.
    pub misplaced: u64,
    /// Reported mistakes on laps without any.
    pub false_reports: u64,
    /// Corners the analysis found (the first session's).
    pub corners: u64,
    /// The circuit's official turn count, where known.
    pub official_turns: Option<u64>,
}

impl Scorecard {
    fn add(&mut self, other: &Scorecard) {
        self.sessions += other.sessions;
        self.injected += other.injected;
        self.found += other.found;
        self.typed += other.typed;
        self.cost_within_tolerance += other.cost_within_tolerance;
        self.max_cost_error = self.max_cost_error.max(other.max_cost_error);
        self.doubles += other.doubles;
        self.misplaced += other.misplaced;
        self.false_reports += other.false_reports;
        self.corners += other.corners;
        self.official_turns = match (self.official_turns, other.official_turns) {
            (Some(a), Some(b)) => Some(a + b),
            (a, b) => a.or(b),
        };
    }
}

/// Grades one analysed session against its truth.
pub fn grade(track: &str, analysis: &SessionAnalysis, truth: &GroundTruth) -> Scorecard {
    let mut card = Scorecard { track: track.to_owned(), sessions: 1, ..Scorecard::default() };
    let truth_apex = |corner: u32| truth.corners.get(corner as usize - 1).map(|c| c.apex_m);
    let ours_apex = |corner: u32| analysis.corners.iter().find(|c| c.number == corner).map(|c| c.apex_m);
    let same_place = |ours: u32, theirs: u32| match (ours_apex(ours), truth_apex(theirs)) {
        (Some(a), Some(b)) => (a - b).abs() <= APEX_TOLERANCE_M,
        _ => false,
    };
    for lap in &truth.laps {
        let reported: Vec<_> = analysis.mistakes.iter().filter(|m| m.lap_number == lap.lap_number).collect();
        let counted: Vec<_> = lap.mistakes.iter().filter(|m| m.cost_s >= MIN_COST_S).collect();
        card.injected += counted.len() as u64;
        for t in &counted {
            let matches: Vec<_> = reported.iter().filter(|m| same_place(m.corner, t.corner)).collect();
            let Some(best) = matches.first() else { continue };
            card.found += 1;
            card.doubles += u64::from(matches.len() > 1);
            let kind = match t.kind {
                TruthKind::EarlyBraking => MistakeKind::EarlyBraking,
                TruthKind::SlowApex => MistakeKind::SlowApex,
            };
            card.typed += u64::from(best.kind == kind);
            let error = (best.time_lost_s - t.cost_s).abs() / t.cost_s;
            card.cost_within_tolerance += u64::from(error <= COST_TOLERANCE);
            card.max_cost_error = card.max_cost_error.max(error);
        }
        for m in &reported {
            if lap.mistakes.iter().any(|t| same_place(m.corner, t.corner)) {
                continue;
            }
            if lap.mistakes.is_empty() {
                card.false_reports += 1;
            } else {
                card.misplaced += 1;
            }
        }
    }
    card.corners = analysis.corners.len() as u64;
    card.official_turns = Track::official_turns(track).map(|n| n as u64);
    card
}

/// Simulates, analyses and grades one session.
pub fn run_one(track: &str, seed: u64, laps: u32) -> Result<Scorecard> {
    let circuit = Track::builtin(track)?;
    let config = SimConfig { laps, rate_hz: 60.0, seed, driver: DriverModel::default(), ..SimConfig::default() };
    let sim = Simulation::new(circuit, config).with_context(|| format!("simulating {track}"))?;
    let frames: Vec<_> = sim.frames().collect();
    let analysis = analyze_session(&sim.meta(0), &frames, &AnalysisOptions::default())
        .with_context(|| format!("analysing {track} seed {seed}"))?;
    Ok(grade(track, &analysis, sim.truth()))
}

pub fn validate(args: ValidateArgs) -> Result<()> {
    if args.seeds == 0 || args.laps < 3 {
        bail!("--seeds must be at least 1 and --laps at least 3 (mistakes stand out against the usual lap)");
    }
    let tracks: Vec<String> = if args.tracks.eq_ignore_ascii_case("all") {
        Track::builtin_names().iter().map(|s| s.to_string()).collect()
    } else {
        args.tracks.split(',').map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()).collect()
    };
    let mut cards = Vec::with_capacity(tracks.len());
    for track in &tracks {
        let mut card = Scorecard { track: track.clone(), ..Scorecard::default() };
        for seed in args.first_seed..args.first_seed.saturating_add(args.seeds) {
            let one = run_one(track, seed, args.laps)?;
            // Corner counts are the circuit's, not a sum over seeds.
            let corners = if card.sessions == 0 { one.corners } else { card.corners };
            card.add(&one);
            card.corners = corners;
            card.official_turns = one.official_turns;
        }
        if !args.json {
            eprintln!("{}", line(&card));
        }
        cards.push(card);
    }
    let mut total = Scorecard { track: "all".into(), ..Scorecard::default() };
    for c in &cards {
        total.add(c);
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&serde_json::json!({ "circuits": cards, "total": total }))?);
    } else {
        println!("{}", line(&total));
    }
    Ok(())
}

fn line(c: &Scorecard) -> String {
    let pct = |n: u64, of: u64| if of == 0 { 100.0 } else { 100.0 * n as f64 / of as f64 };
    format!(
        "{:<14} {:>3} sessions: {}/{} found ({:.0} %), {} typed, {} cost within {:.0} % (worst {:.0} %), {} doubles, \
         {} misplaced, {} false; corners {} (official {})",
        c.track,
        c.sessions,
        c.found,
        c.injected,
        pct(c.found, c.injected),
        c.typed,
        c.cost_within_tolerance,
        COST_TOLERANCE * 100.0,
        c.max_cost_error * 100.0,
        c.doubles,
        c.misplaced,
        c.false_reports,
        c.corners,
        c.official_turns.map_or("?".to_string(), |n| n.to_string()),
    )
}
