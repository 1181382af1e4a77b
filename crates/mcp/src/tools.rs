//! The tools: what each takes and what it answers. Every figure comes from the server's own analysis; units are
//! in the names (`_s` seconds, `_m` metres along the lap from the start line, `_kmh`).

use std::collections::BTreeMap;

use racecraft_protocol::rest::Session;
use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::{CallToolResult, ContentBlock, Implementation, ServerCapabilities, ServerConfig};
use rmcp::schemars::{self, JsonSchema};
use rmcp::{ErrorData as McpError, ServerHandler, tool, tool_handler, tool_router};
use serde::{Deserialize, Serialize};

use crate::api::{Api, ApiError};

/// What the server tells a client about itself and its tools.
const INSTRUCTIONS: &str = "Racecraft sim-racing telemetry, read only. Start with list_sessions, then lap_table and \
corner_report for a session; compare_laps, corner_detail and channel_window take lap ids from lap_table, and \
same_track_sessions finds reference laps in other sessions. Corner numbers are the \
analysis's own (T1, T2, ... in driving order); distances are metres from the start line; times in seconds.";

/// Longest channel window a tool answers, points.
const MAX_WINDOW_POINTS: usize = 2000;
/// Points in a channel window when the caller does not say.
const DEFAULT_WINDOW_POINTS: usize = 200;

/// The points a channel window holds when the caller asks for `asked`.
fn window_points(asked: Option<u32>) -> usize {
    asked.map_or(DEFAULT_WINDOW_POINTS, |n| n as usize).clamp(2, MAX_WINDOW_POINTS)
}

/// `list_sessions`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct ListSessionsParams {
    /// Only sessions whose track name contains this (any case).
    #[serde(default)]
    pub track: Option<String>,
}

/// A session in `list_sessions`.
#[derive(Debug, Serialize, Deserialize, PartialEq)]
pub struct SessionSummary {
    /// Its id, for the other tools.
    pub session_id: i64,
    /// Game or source.
    pub game: String,
    /// Car.
    pub car: String,
    /// Track.
    pub track: String,
    /// Driver.
    pub driver: String,
    /// Start, ms since the Unix epoch.
    pub started_at_ms: i64,
    /// Receiving data now.
    pub live: bool,
    /// Completed laps.
    pub lap_count: u64,
    /// Fastest valid lap, s.
    pub best_lap_s: Option<f64>,
}

impl From<&Session> for SessionSummary {
    fn from(s: &Session) -> SessionSummary {
        SessionSummary {
            session_id: s.id,
            game: s.game.clone(),
            car: s.car.clone(),
            track: s.track.clone(),
            driver: s.driver.clone(),
            started_at_ms: s.started_at_ms,
            live: s.live,
            lap_count: s.lap_count,
            best_lap_s: s.best_lap_s,
        }
    }
}

/// `lap_table` and `corner_report`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct SessionParams {
    /// The session's id, from list_sessions.
    pub session_id: i64,
}

/// A lap in `lap_table`.
#[derive(Debug, Serialize, Deserialize, PartialEq)]
pub struct LapRow {
    /// Its id, for compare_laps and channel_window.
    pub lap_id: Option<i64>,
    /// The game's lap number.
    pub lap_number: u32,
    /// Lap time, s.
    pub lap_time_s: f64,
    /// Sector times, s.
    pub sectors_s: Vec<f64>,
    /// Counted: not cut, not an out-lap, no gap in the data.
    pub valid: bool,
    /// Out-lap.
    pub out_lap: bool,
    /// In the pit lane during the lap.
    pub pit: bool,
}

/// `lap_table`'s answer.
#[derive(Debug, Serialize, Deserialize, PartialEq)]
pub struct LapTable {
    /// The session.
    pub session: SessionSummary,
    /// Its laps in order.
    pub laps: Vec<LapRow>,
    /// The fastest valid lap's number.
    pub best_lap_number: Option<u32>,
    /// Best sectors added up, s.
    pub theoretical_best_s: f64,
    /// Best corner-to-corner segments added up, s.
    pub theoretical_best_segments_s: f64,
}

/// A corner in `corner_report`.
#[derive(Debug, Serialize, Deserialize, PartialEq)]
pub struct CornerRow {
    /// Its number, in driving order: the only corner numbers that exist for this session.
    pub corner: u32,
    /// `Left` or `Right`.
    pub direction: String,
    /// Turn-in, apex and exit, m.
    pub entry_m: f64,
    /// Apex, m.
    pub apex_m: f64,
    /// Exit, m.
    pub exit_m: f64,
    /// How much the road turns, degrees.
    pub turn_deg: f64,
}

/// A mistake in `corner_report`.
#[derive(Debug, Serialize, Deserialize, PartialEq)]
pub struct MistakeRow {
    /// The lap.
    pub lap_number: u32,
    /// The corner.
    pub corner: u32,
    /// `EarlyBraking`, `SlowApex` or `SlowSegment`.
    pub kind: String,
    /// Time it cost against the driver's usual lap there, s.
    pub time_lost_s: f64,
    /// What was different, as the UI says it.
    pub advice: Option<String>,
}

/// A coaching line.
#[derive(Debug, Serialize, Deserialize, PartialEq)]
pub struct CoachingRow {
    /// The corner.
    pub corner: u32,
    /// The lap advised.
    pub lap_number: u32,
    /// The lap compared with.
    pub reference_lap_number: u32,
    /// Time at stake, s.
    pub time_at_stake_s: f64,
    /// The advice.
    pub message: String,
}

/// `corner_report`'s answer.
#[derive(Debug, Serialize, Deserialize, PartialEq)]
pub struct CornerReport {
    /// Track.
    pub track: String,
    /// Lap length, m.
    pub track_length_m: f64,
    /// Sector boundaries, m.
    pub sector_boundaries_m: Vec<f64>,
    /// The corners.
    pub corners: Vec<CornerRow>,
    /// Mistakes, costliest first.
    pub mistakes: Vec<MistakeRow>,
    /// The best lap against the lap fastest in each corner, most at stake first.
    pub coaching: Vec<CoachingRow>,
}

/// `compare_laps`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct CompareParams {
    /// The lap to look at, from lap_table.
    pub lap_id: i64,
    /// The lap to compare it with (the best lap, say), from lap_table: of the same session or another on the same
    /// track.
    pub reference_lap_id: i64,
}

/// A corner in `compare_laps`.
#[derive(Debug, Serialize, Deserialize, PartialEq)]
pub struct CornerLoss {
    /// The corner.
    pub corner: u32,
    /// Time lost from the corner's braking zone to its exit, s (negative: gained).
    pub zone_loss_s: f64,
    /// Time lost over the corner's whole segment, up to the next corner, s.
    pub segment_loss_s: f64,
    /// Entry speed on the lap and the reference, km/h.
    pub entry_kmh: [f64; 2],
    /// Minimum speed, km/h.
    pub min_kmh: [f64; 2],
    /// Exit speed, km/h.
    pub exit_kmh: [f64; 2],
    /// Braking point, m (null: no braking).
    pub braking_point_m: [Option<f64>; 2],
    /// Where the throttle comes back, m.
    pub throttle_pickup_m: [Option<f64>; 2],
    /// Gear at the apex.
    pub gear: [Option<i8>; 2],
}

/// A straight or corner stretch in `compare_laps`.
#[derive(Debug, Serialize, Deserialize, PartialEq)]
pub struct StretchRow {
    /// `Turn 4`, `start straight` or `straight after T4`.
    pub stretch: String,
    /// Start, m.
    pub start_m: f64,
    /// End, m.
    pub end_m: f64,
    /// Time lost there, s.
    pub loss_s: f64,
}

/// `compare_laps`'s answer.
#[derive(Debug, Serialize, Deserialize, PartialEq)]
pub struct Comparison {
    /// The lap.
    pub lap_number: u32,
    /// The reference.
    pub reference_lap_number: u32,
    /// Lap time, s.
    pub lap_time_s: f64,
    /// Reference lap time, s.
    pub reference_lap_time_s: f64,
    /// Lap minus reference, s.
    pub difference_s: f64,
    /// Corners, in driving order; the losses of corners and straights add up to the difference.
    pub corners: Vec<CornerLoss>,
    /// Corners and straights, in driving order.
    pub stretches: Vec<StretchRow>,
    /// What to change, most at stake first.
    pub coaching: Vec<CoachingRow>,
}

/// `corner_detail`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct CornerDetailParams {
    /// The lap, from lap_table.
    pub lap_id: i64,
    /// The corner's number, from corner_report.
    pub corner: u32,
    /// The lap to compare with, from lap_table (of this session or another on the same track); the session's best
    /// lap when absent.
    #[serde(default)]
    pub reference_lap_id: Option<i64>,
}

/// One corner's figures on one lap, as `corner_detail` gives them.
#[derive(Debug, Serialize, Deserialize, PartialEq)]
pub struct CornerFigures {
    /// Lap number.
    pub lap_number: u32,
    /// Speed entering the corner's zone, km/h.
    pub entry_kmh: f64,
    /// Braking point, m (null: no braking).
    pub braking_point_m: Option<f64>,
    /// Highest brake pressure, 0..1.
    pub peak_brake: f64,
    /// How far past the turn-in the brake stays on, m.
    pub trail_brake_depth_m: f64,
    /// Minimum speed, km/h.
    pub min_kmh: f64,
    /// Where the minimum speed is, m.
    pub min_speed_at_m: f64,
    /// Where the throttle comes back, m.
    pub throttle_pickup_m: Option<f64>,
    /// Exit speed, km/h.
    pub exit_kmh: f64,
    /// Gear at the apex.
    pub gear: Option<i8>,
    /// Time from the zone's start to its exit, s.
    pub corner_time_s: f64,
    /// Time over the corner's whole segment, s.
    pub segment_time_s: f64,
    /// Share of the grip envelope used at the apex, 0..1.
    pub grip_used: f64,
}

/// `corner_detail`'s answer.
#[derive(Debug, Serialize, Deserialize, PartialEq)]
pub struct CornerDetail {
    /// The corner.
    pub corner: u32,
    /// Time lost from the braking zone to the exit, s (negative: gained).
    pub zone_loss_s: f64,
    /// Time lost over the corner's segment, s.
    pub segment_loss_s: f64,
    /// The lap.
    pub lap: CornerFigures,
    /// The reference.
    pub reference: CornerFigures,
    /// What to change in this corner, if anything.
    pub coaching: Vec<CoachingRow>,
}

/// A session in `same_track_sessions`.
#[derive(Debug, Serialize, Deserialize, PartialEq)]
pub struct TrackSession {
    /// Its id.
    pub session_id: i64,
    /// Driver.
    pub driver: String,
    /// Car.
    pub car: String,
    /// Game.
    pub game: String,
    /// Start, ms since the Unix epoch.
    pub started_at_ms: i64,
    /// Fastest valid lap, s.
    pub best_lap_s: Option<f64>,
    /// Its laps: id, number, time (s), valid.
    pub laps: Vec<LapRow>,
}

/// `channel_window`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct ChannelWindowParams {
    /// The lap, from lap_table.
    pub lap_id: i64,
    /// Channel names: speed_mps, throttle, brake, gear, rpm, steer_rad, acc_lat_g, acc_long_g, ...
    pub channels: Vec<String>,
    /// Window start, m from the start line.
    pub from_m: f64,
    /// Window end, m.
    pub to_m: f64,
    /// At most this many points, evenly spaced (default 200, at most 2000).
    #[serde(default)]
    pub max_points: Option<u32>,
}

/// `channel_window`'s answer.
#[derive(Debug, Serialize, Deserialize, PartialEq)]
pub struct ChannelWindow {
    /// The lap.
    pub lap_id: i64,
    /// Distance of each point, m.
    pub distance_m: Vec<f64>,
    /// Channel name → values at those points (null where the lap has none).
    pub channels: BTreeMap<String, Vec<Option<f64>>>,
}

/// The tools, answering from one Racecraft server.
#[derive(Debug, Clone)]
pub struct Racecraft {
    api: Api,
    tool_router: ToolRouter<Racecraft>,
}

/// A tool's answer: its result as JSON, or the server's refusal as a tool error the model can read.
fn answer<T: Serialize>(result: Result<T, ApiError>) -> Result<CallToolResult, McpError> {
    match result {
        Ok(value) => Ok(CallToolResult::success(vec![ContentBlock::json(value)?])),
        Err(e) => Ok(CallToolResult::error(vec![ContentBlock::text(e.to_string())])),
    }
}

fn coaching_row(a: &racecraft_protocol::analysis::Advice) -> CoachingRow {
    CoachingRow {
        corner: a.corner,
        lap_number: a.lap_number,
        reference_lap_number: a.reference_lap_number,
        time_at_stake_s: a.time_at_stake_s,
        message: a.message.clone(),
    }
}

fn kmh(mps: f64) -> f64 {
    (mps * 3.6 * 10.0).round() / 10.0
}

fn lap_row(l: &racecraft_protocol::rest::Lap) -> LapRow {
    LapRow {
        lap_id: l.id,
        lap_number: l.lap_number,
        lap_time_s: l.lap_time_s,
        sectors_s: l.sectors_s.clone(),
        valid: l.valid,
        out_lap: l.out_lap,
        pit: l.pit,
    }
}

fn figures(m: &racecraft_protocol::analysis::CornerMetrics) -> CornerFigures {
    CornerFigures {
        lap_number: m.lap_number,
        entry_kmh: kmh(m.entry_speed_mps),
        braking_point_m: m.braking_point_m,
        peak_brake: m.peak_brake,
        trail_brake_depth_m: m.trail_brake_depth_m,
        min_kmh: kmh(m.min_speed_mps),
        min_speed_at_m: m.min_speed_at_m,
        throttle_pickup_m: m.throttle_pickup_m,
        exit_kmh: kmh(m.exit_speed_mps),
        gear: m.gear,
        corner_time_s: m.corner_time_s,
        segment_time_s: m.segment_time_s,
        grip_used: m.grip_used,
    }
}

#[tool_router]
impl Racecraft {
    /// The tools, answering from the server `api` talks to.
    pub fn new(api: Api) -> Racecraft {
        Racecraft { api, tool_router: Racecraft::tool_router() }
    }

    /// Sessions, newest first.
    pub async fn list(&self, track: Option<&str>) -> Result<Vec<SessionSummary>, ApiError> {
        let wanted = track.map(str::to_lowercase);
        let sessions = self.api.sessions().await?;
        Ok(sessions
            .iter()
            .filter(|s| wanted.as_ref().is_none_or(|w| s.track.to_lowercase().contains(w.as_str())))
            .map(SessionSummary::from)
            .collect())
    }

    /// The lap table of session `session_id`.
    pub async fn lap_table_of(&self, session_id: i64) -> Result<LapTable, ApiError> {
        let session = self.api.session(session_id).await?;
        let laps = self.api.laps(session_id).await?;
        let analysis = self.api.analysis(session_id).await?;
        Ok(LapTable {
            session: SessionSummary::from(&session),
            laps: laps.iter().map(lap_row).collect(),
            best_lap_number: analysis.analysis.best_lap,
            theoretical_best_s: analysis.analysis.theoretical_best.sectors_s,
            theoretical_best_segments_s: analysis.analysis.theoretical_best.segments_s,
        })
    }

    /// The corners, mistakes and coaching of session `session_id`.
    pub async fn corner_report_of(&self, session_id: i64) -> Result<CornerReport, ApiError> {
        let body = self.api.analysis(session_id).await?;
        let a = &body.analysis;
        Ok(CornerReport {
            track: a.track.clone(),
            track_length_m: a.track_length_m,
            sector_boundaries_m: a.sector_boundaries_m.clone(),
            corners: a
                .corners
                .iter()
                .map(|c| CornerRow {
                    corner: c.number,
                    direction: format!("{:?}", c.direction),
                    entry_m: c.entry_m,
                    apex_m: c.apex_m,
                    exit_m: c.exit_m,
                    turn_deg: c.turn_deg,
                })
                .collect(),
            mistakes: a
                .mistakes
                .iter()
                .map(|m| MistakeRow {
                    lap_number: m.lap_number,
                    corner: m.corner,
                    kind: format!("{:?}", m.kind),
                    time_lost_s: m.time_lost_s,
                    advice: m.advice.as_ref().map(|x| x.message.clone()),
                })
                .collect(),
            coaching: a.coaching.iter().map(coaching_row).collect(),
        })
    }

    /// Lap `lap_id` against lap `reference_lap_id`.
    pub async fn comparison(&self, lap_id: i64, reference_lap_id: i64) -> Result<Comparison, ApiError> {
        let c = self.api.compare(lap_id, reference_lap_id).await?.comparison;
        Ok(Comparison {
            lap_number: c.lap_number,
            reference_lap_number: c.reference_lap_number,
            lap_time_s: c.lap_time_s,
            reference_lap_time_s: c.reference_lap_time_s,
            difference_s: c.difference_s,
            corners: c
                .corners
                .iter()
                .map(|x| CornerLoss {
                    corner: x.corner,
                    zone_loss_s: x.zone_loss_s,
                    segment_loss_s: x.segment_loss_s,
                    entry_kmh: [kmh(x.lap.entry_speed_mps), kmh(x.reference.entry_speed_mps)],
                    min_kmh: [kmh(x.lap.min_speed_mps), kmh(x.reference.min_speed_mps)],
                    exit_kmh: [kmh(x.lap.exit_speed_mps), kmh(x.reference.exit_speed_mps)],
                    braking_point_m: [x.lap.braking_point_m, x.reference.braking_point_m],
                    throttle_pickup_m: [x.lap.throttle_pickup_m, x.reference.throttle_pickup_m],
                    gear: [x.lap.gear, x.reference.gear],
                })
                .collect(),
            stretches: c
                .stretches
                .iter()
                .map(|s| StretchRow {
                    stretch: s.stretch.to_string(),
                    start_m: s.start_m,
                    end_m: s.end_m,
                    loss_s: s.loss_s,
                })
                .collect(),
            coaching: c.coaching.iter().map(coaching_row).collect(),
        })
    }

    /// Corner `corner` of lap `lap_id` against `reference_lap_id` (the best lap when `None`). A corner the
    /// analysis does not have is refused, naming the ones it has.
    pub async fn corner_of(
        &self,
        lap_id: i64,
        corner: u32,
        reference_lap_id: Option<i64>,
    ) -> Result<CornerDetail, ApiError> {
        let analysis = self.api.lap_analysis(lap_id, reference_lap_id).await?;
        let c = &analysis.comparison;
        let Some(x) = c.corners.iter().find(|x| x.corner == corner) else {
            let known: Vec<String> = c.corners.iter().map(|x| x.corner.to_string()).collect();
            return Err(ApiError::Status {
                status: 404,
                path: format!("/api/laps/{lap_id}/analysis"),
                message: format!("there is no corner {corner}; the corners are {}", known.join(", ")),
            });
        };
        Ok(CornerDetail {
            corner,
            zone_loss_s: x.zone_loss_s,
            segment_loss_s: x.segment_loss_s,
            lap: figures(&x.lap),
            reference: figures(&x.reference),
            coaching: c.coaching.iter().filter(|a| a.corner == corner).map(coaching_row).collect(),
        })
    }

    /// The other sessions on session `session_id`'s track, fastest first.
    pub async fn same_track(&self, session_id: i64) -> Result<Vec<TrackSession>, ApiError> {
        let references = self.api.references(session_id).await?;
        Ok(references
            .sessions
            .iter()
            .map(|s| TrackSession {
                session_id: s.session_id,
                driver: s.driver.clone(),
                car: s.car.clone(),
                game: s.game.clone(),
                started_at_ms: s.started_at_ms,
                best_lap_s: s.best_lap_s,
                laps: s.laps.iter().map(lap_row).collect(),
            })
            .collect())
    }

    /// Channels `channels` of lap `lap_id` between    /// Channels `channels` of lap `lap_id` between `from_m` and `to_m`, at most `max_points` evenly spaced points.
    pub async fn window(
        &self,
        lap_id: i64,
        channels: &[String],
        from_m: f64,
        to_m: f64,
        max_points: usize,
    ) -> Result<ChannelWindow, ApiError> {
        let bad = |message: String| ApiError::Status { status: 400, path: format!("/api/laps/{lap_id}"), message };
        if channels.is_empty() || channels.len() > 16 {
            return Err(bad(format!("name 1 to 16 channels, not {}", channels.len())));
        }
        if let Some(name) =
            channels.iter().find(|c| c.is_empty() || !c.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'))
        {
            return Err(bad(format!("{name:?} is not a channel name")));
        }
        if !(from_m.is_finite() && to_m.is_finite() && from_m < to_m) {
            return Err(bad(format!("from_m {from_m} must be below to_m {to_m}")));
        }
        const DISTANCE: &str = "lap_dist_m";
        let mut names = vec![DISTANCE.to_string()];
        names.extend(channels.iter().filter(|c| *c != DISTANCE).cloned());
        let frames = self.api.lap_frames(lap_id, &names.join(",")).await?;
        let columns = frames.columns.channels;
        let distance = columns.get(DISTANCE).cloned().unwrap_or_default();
        let inside: Vec<usize> = distance
            .iter()
            .enumerate()
            .filter_map(|(i, d)| d.filter(|d| (from_m..=to_m).contains(d)).map(|_| i))
            .collect();
        let keep: Vec<usize> = if inside.len() <= max_points {
            inside
        } else {
            (0..max_points).map(|k| inside[k * (inside.len() - 1) / (max_points - 1).max(1)]).collect()
        };
        let mut out = BTreeMap::new();
        for name in channels {
            let values = columns
                .get(name.as_str())
                .map(|column| keep.iter().map(|&i| column.get(i).copied().flatten()).collect());
            out.insert(name.clone(), values.unwrap_or_else(|| vec![None; keep.len()]));
        }
        Ok(ChannelWindow { lap_id, distance_m: keep.iter().filter_map(|&i| distance[i]).collect(), channels: out })
    }

    #[tool(
        description = "Sessions stored on this Racecraft server, newest first: id, game, car, track, driver, laps, \
        best lap. Optionally only those on one track.",
        annotations(read_only_hint = true)
    )]
    async fn list_sessions(&self, Parameters(p): Parameters<ListSessionsParams>) -> Result<CallToolResult, McpError> {
        answer(self.list(p.track.as_deref()).await)
    }

    #[tool(
        description = "A session's lap table: lap ids and numbers, lap and sector times (s), validity, the best lap \
        and the theoretical best.",
        annotations(read_only_hint = true)
    )]
    async fn lap_table(&self, Parameters(p): Parameters<SessionParams>) -> Result<CallToolResult, McpError> {
        answer(self.lap_table_of(p.session_id).await)
    }

    #[tool(
        description = "A session's corners (the only valid corner numbers), the mistakes found on each lap with \
        their cost, and the ranked coaching lines.",
        annotations(read_only_hint = true)
    )]
    async fn corner_report(&self, Parameters(p): Parameters<SessionParams>) -> Result<CallToolResult, McpError> {
        answer(self.corner_report_of(p.session_id).await)
    }

    #[tool(
        description = "One lap against a reference lap: the difference, the time lost per corner and straight \
        (they add up to the difference), speeds, braking and throttle points and gear per corner, and advice.",
        annotations(read_only_hint = true)
    )]
    async fn compare_laps(&self, Parameters(p): Parameters<CompareParams>) -> Result<CallToolResult, McpError> {
        answer(self.comparison(p.lap_id, p.reference_lap_id).await)
    }

    #[tool(
        description = "One corner of one lap against a reference lap (the best lap by default): entry, minimum and \
        exit speed, braking point and trail braking, throttle point, gear, time, and the loss, with the advice for \
        that corner. Refuses a corner number the session does not have.",
        annotations(read_only_hint = true)
    )]
    async fn corner_detail(&self, Parameters(p): Parameters<CornerDetailParams>) -> Result<CallToolResult, McpError> {
        answer(self.corner_of(p.lap_id, p.corner, p.reference_lap_id).await)
    }

    #[tool(
        description = "Other sessions on the same track as a session, fastest first, with their laps: references \
        for compare_laps and corner_detail.",
        annotations(read_only_hint = true)
    )]
    async fn same_track_sessions(&self, Parameters(p): Parameters<SessionParams>) -> Result<CallToolResult, McpError> {
        answer(self.same_track(p.session_id).await)
    }

    #[tool(
        description = "Channels of one lap between two distances (m from the start line), downsampled to at most \
        max_points evenly spaced points.",
        annotations(read_only_hint = true)
    )]
    async fn channel_window(&self, Parameters(p): Parameters<ChannelWindowParams>) -> Result<CallToolResult, McpError> {
        answer(self.window(p.lap_id, &p.channels, p.from_m, p.to_m, window_points(p.max_points)).await)
    }
}

#[tool_handler(router = self.tool_router)]
impl ServerHandler for Racecraft {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(Implementation::new("racecraft", env!("CARGO_PKG_VERSION")))
            .with_instructions(INSTRUCTIONS)
    }
}

/// Why a tool called by name gave no answer.
#[derive(Debug, thiserror::Error)]
pub enum ToolError {
    /// No tool has that name.
    #[error("there is no tool {name:?}; the tools are {known}")]
    Unknown {
        /// The name asked for.
        name: String,
        /// The tools there are, comma-separated.
        known: String,
    },
    /// The arguments are not the tool's parameters.
    #[error("bad arguments for {tool}: {reason}")]
    Arguments {
        /// The tool.
        tool: String,
        /// What is wrong with them.
        reason: String,
    },
    /// The server refused or could not answer (an unknown lap, a corner the session does not have).
    #[error(transparent)]
    Api(#[from] ApiError),
}

impl Racecraft {
    /// Every tool: name, description and the JSON schema of its arguments, as MCP clients list them.
    pub fn definitions(&self) -> Vec<rmcp::model::Tool> {
        self.tool_router.list_all()
    }

    /// Calls tool `name` with `arguments` (a JSON object), answering its result as JSON: the same tools and
    /// results MCP clients get, for callers that are not MCP clients (the coaching chat).
    pub async fn call(&self, name: &str, arguments: serde_json::Value) -> Result<serde_json::Value, ToolError> {
        fn params<T: serde::de::DeserializeOwned>(tool: &str, v: serde_json::Value) -> Result<T, ToolError> {
            let v = if v.is_null() { serde_json::Value::Object(Default::default()) } else { v };
            serde_json::from_value(v)
                .map_err(|e| ToolError::Arguments { tool: tool.to_string(), reason: e.to_string() })
        }
        fn json<T: Serialize>(value: T) -> serde_json::Value {
            serde_json::to_value(value).unwrap_or(serde_json::Value::Null)
        }
        Ok(match name {
            "list_sessions" => {
                let p: ListSessionsParams = params(name, arguments)?;
                json(self.list(p.track.as_deref()).await?)
            }
            "lap_table" => json(self.lap_table_of(params::<SessionParams>(name, arguments)?.session_id).await?),
            "corner_report" => json(self.corner_report_of(params::<SessionParams>(name, arguments)?.session_id).await?),
            "compare_laps" => {
                let p: CompareParams = params(name, arguments)?;
                json(self.comparison(p.lap_id, p.reference_lap_id).await?)
            }
            "corner_detail" => {
                let p: CornerDetailParams = params(name, arguments)?;
                json(self.corner_of(p.lap_id, p.corner, p.reference_lap_id).await?)
            }
            "same_track_sessions" => json(self.same_track(params::<SessionParams>(name, arguments)?.session_id).await?),
            "channel_window" => {
                let p: ChannelWindowParams = params(name, arguments)?;
                json(self.window(p.lap_id, &p.channels, p.from_m, p.to_m, window_points(p.max_points)).await?)
            }
            _ => {
                let known: Vec<String> = self.definitions().iter().map(|t| t.name.to_string()).collect();
                return Err(ToolError::Unknown { name: name.to_string(), known: known.join(", ") });
            }
        })
    }
}
