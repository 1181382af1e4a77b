//! The context a model gets: the session's analysis, compact and exact, from the same tools (and so the same
//! server answers) the UI and MCP clients read. Tables are columns + rows so a 20-lap session stays a few
//! thousand tokens; every number keeps its unit in its column's name.

use racecraft_mcp::tools::{Comparison, CornerReport, LapTable};
use racecraft_mcp::{Racecraft, ToolError};
use serde::Serialize;
use serde_json::{Value, json};

/// What the model is told before the first question.
const INSTRUCTIONS: &str = "You are a driving coach and race engineer looking at one sim-racing session. Answer \
from the data below and from the tools only; never invent a corner, lap or number. The only corners are those in \
`corners` (T1, T2, ... in driving order) and the only laps those in `laps`. Units are in the names: _s seconds, _m \
metres along the lap from the start line, _kmh km/h. `comparison` is one lap against the best lap, corner by \
corner; its losses and the straights' add up to the lap difference. Be specific: which corner, what to change, by \
how much, what it is worth. If the data cannot tell, say so. Use the tools for one corner on one lap, a channel \
window, another lap pair or sessions on the same track.";

/// A session's analysis as the chat uses it.
#[derive(Debug, PartialEq)]
pub struct SessionContext {
    /// The session's id.
    pub session_id: i64,
    /// Its laps.
    pub table: LapTable,
    /// Its corners, mistakes and coaching.
    pub report: CornerReport,
    /// The latest valid lap that is not the best, against the best lap.
    pub comparison: Option<Comparison>,
}

fn round(x: f64, places: i32) -> f64 {
    let k = 10f64.powi(places);
    (x * k).round() / k
}

fn s(x: f64) -> f64 {
    round(x, 3)
}

fn m(x: f64) -> f64 {
    round(x, 1)
}

fn opt(x: Option<f64>, f: fn(f64) -> f64) -> Value {
    x.map_or(Value::Null, |x| json!(f(x)))
}

/// Columns and rows.
#[derive(Debug, Serialize)]
struct Table {
    columns: &'static [&'static str],
    rows: Vec<Value>,
}

impl SessionContext {
    /// Reads session `session_id`'s analysis through `tools`.
    pub async fn load(tools: &Racecraft, session_id: i64) -> Result<SessionContext, ToolError> {
        let table = tools.lap_table_of(session_id).await?;
        let report = tools.corner_report_of(session_id).await?;
        let best = table.best_lap_number;
        let lap = table.laps.iter().rev().find(|l| l.valid && Some(l.lap_number) != best && l.lap_id.is_some());
        let best_id = table.laps.iter().find(|l| Some(l.lap_number) == best).and_then(|l| l.lap_id);
        let comparison = match (lap.and_then(|l| l.lap_id), best_id) {
            (Some(lap), Some(best)) => Some(tools.comparison(lap, best).await?),
            _ => None,
        };
        Ok(SessionContext { session_id, table, report, comparison })
    }

    /// The corner numbers that exist.
    pub fn corners(&self) -> Vec<u32> {
        self.report.corners.iter().map(|c| c.corner).collect()
    }

    /// The lap numbers that exist.
    pub fn laps(&self) -> Vec<u32> {
        self.table.laps.iter().map(|l| l.lap_number).collect()
    }

    /// The lap ids of this session.
    pub fn lap_ids(&self) -> Vec<i64> {
        self.table.laps.iter().filter_map(|l| l.lap_id).collect()
    }

    /// The data, as the JSON document the model reads.
    pub fn document(&self) -> Value {
        let t = &self.table;
        let r = &self.report;
        let laps = Table {
            columns: &["lap", "lap_id", "lap_time_s", "sectors_s", "valid", "out_lap", "pit"],
            rows: t
                .laps
                .iter()
                .map(|l| {
                    let sectors: Vec<f64> = l.sectors_s.iter().map(|&x| s(x)).collect();
                    json!([l.lap_number, l.lap_id, s(l.lap_time_s), sectors, l.valid, l.out_lap, l.pit])
                })
                .collect(),
        };
        let corners = Table {
            columns: &["corner", "direction", "entry_m", "apex_m", "exit_m", "turn_deg"],
            rows: r
                .corners
                .iter()
                .map(|c| {
                    json!([
                        format!("T{}", c.corner),
                        c.direction,
                        m(c.entry_m),
                        m(c.apex_m),
                        m(c.exit_m),
                        round(c.turn_deg, 0)
                    ])
                })
                .collect(),
        };
        let mistakes = Table {
            columns: &["lap", "corner", "kind", "time_lost_s", "what_was_different"],
            rows: r
                .mistakes
                .iter()
                .map(|x| json!([x.lap_number, format!("T{}", x.corner), x.kind, s(x.time_lost_s), x.advice]))
                .collect(),
        };
        let coaching: Vec<Value> = r
            .coaching
            .iter()
            .map(|c| {
                json!({"corner": format!("T{}", c.corner), "lap": c.lap_number, "against_lap": c.reference_lap_number,
                       "worth_s": s(c.time_at_stake_s), "advice": c.message})
            })
            .collect();
        let comparison = self.comparison.as_ref().map(|c| {
            let corners = Table {
                columns: &[
                    "corner",
                    "loss_s",
                    "segment_loss_s",
                    "entry_kmh",
                    "ref_entry_kmh",
                    "min_kmh",
                    "ref_min_kmh",
                    "exit_kmh",
                    "ref_exit_kmh",
                    "braking_point_m",
                    "ref_braking_point_m",
                    "throttle_pickup_m",
                    "ref_throttle_pickup_m",
                    "gear",
                    "ref_gear",
                ],
                rows: c
                    .corners
                    .iter()
                    .map(|x| {
                        json!([
                            format!("T{}", x.corner),
                            s(x.zone_loss_s),
                            s(x.segment_loss_s),
                            x.entry_kmh[0],
                            x.entry_kmh[1],
                            x.min_kmh[0],
                            x.min_kmh[1],
                            x.exit_kmh[0],
                            x.exit_kmh[1],
                            opt(x.braking_point_m[0], m),
                            opt(x.braking_point_m[1], m),
                            opt(x.throttle_pickup_m[0], m),
                            opt(x.throttle_pickup_m[1], m),
                            x.gear[0],
                            x.gear[1]
                        ])
                    })
                    .collect(),
            };
            let stretches = Table {
                columns: &["stretch", "start_m", "end_m", "loss_s"],
                rows: c.stretches.iter().map(|x| json!([x.stretch, m(x.start_m), m(x.end_m), s(x.loss_s)])).collect(),
            };
            json!({"lap": c.lap_number, "reference_lap": c.reference_lap_number, "lap_time_s": s(c.lap_time_s),
                   "reference_lap_time_s": s(c.reference_lap_time_s), "difference_s": s(c.difference_s),
                   "corners": corners, "stretches": stretches})
        });
        let session = &t.session;
        json!({
            "session": {"session_id": session.session_id, "game": session.game, "car": session.car,
                        "track": session.track, "driver": session.driver, "track_length_m": m(r.track_length_m),
                        "sector_boundaries_m": r.sector_boundaries_m.iter().map(|&x| m(x)).collect::<Vec<_>>()},
            "laps": laps,
            "best_lap": t.best_lap_number,
            "theoretical_best_s": s(t.theoretical_best_s),
            "theoretical_best_segments_s": s(t.theoretical_best_segments_s),
            "corners": corners,
            "comparison": comparison,
            "coaching": coaching,
            "mistakes": mistakes,
        })
    }

    /// The system message: instructions, then the data.
    pub fn system_prompt(&self) -> String {
        format!("{INSTRUCTIONS}\n\nDATA\n{}", self.document())
    }
}

/// The data document inside a system prompt made by [`SessionContext::system_prompt`].
pub fn document_of(prompt: &str) -> Option<Value> {
    serde_json::from_str(prompt.split_once("\nDATA\n")?.1).ok()
}
