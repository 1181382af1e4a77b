// Generated from crates/protocol (racecraft_protocol::typescript::declarations); do not edit.
// Regenerate: RACECRAFT_UPDATE_TS=1 cargo test -p racecraft-protocol --test typescript

export const PROTOCOL_VERSION = 1;

export type AddMember = { 
/**
 * User name.
 */
name: string, 
/**
 * Role in the team.
 */
role: "owner" | "engineer" | "driver" | "viewer", };

export type Advice = { 
/**
 * The corner's number.
 */
corner: number, 
/**
 * The lap advised.
 */
lap_number: number, 
/**
 * The lap compared with.
 */
reference_lap_number: number, 
/**
 * Time lost in the corner's segment, seconds.
 */
time_at_stake_s: number, 
/**
 * What differs, most important first.
 */
findings: Array<Finding>, 
/**
 * The sentence.
 */
message: string, };

export type AgentTokenBody = { 
/**
 * Token id.
 */
id: number, 
/**
 * The driver its sessions belong to.
 */
driver_user_id: number, 
/**
 * A note.
 */
label: string, 
/**
 * Created, ms since the Unix epoch.
 */
created_at_ms: number, 
/**
 * Revoked, ms since the Unix epoch.
 */
revoked_at_ms: number | null, };

export type Alert = { 
/**
 * What it is about.
 */
kind: AlertKind, 
/**
 * How urgent.
 */
severity: Severity, 
/**
 * What to tell the driver, in words.
 */
message: string, };

export type AlertKind = "low_fuel" | "pit_window_open" | "box_this_lap" | "tyre_temperature" | "damage";

export type AnalysedLap = { 
/**
 * The game's lap number, or 1.. in order when the source has no counter.
 */
lap_number: number, 
/**
 * Session time at the start-line crossing that began the lap, seconds.
 */
start_s: number, 
/**
 * Lap time, seconds.
 */
lap_time_s: number, 
/**
 * Sector times, seconds; they sum to `lap_time_s`.
 */
sectors_s: Array<number>, 
/**
 * Where the lap time came from.
 */
timing: LapTiming, 
/**
 * Out-lap, in-lap, pit, invalid, cut, reset, gap.
 */
flags: LapFlags, 
/**
 * No flag set: the lap counts for bests.
 */
valid: boolean, 
/**
 * The fastest valid lap of the session.
 */
session_best: boolean, 
/**
 * The session best, and faster than the personal best given in the options (if any).
 */
personal_best: boolean, 
/**
 * Each sector minus the best of that sector over the laps before this one ([`crate::SectorBests`]: the
 * valid ones, or all while none is valid), seconds; `null` where there is none yet. Negative: a new best.
 */
sector_deltas_s: Array<number | null>, };

export type AnalysisOptions = { 
/**
 * Spacing of the distance grid laps are resampled onto, metres.
 */
grid_step_m: number, 
/**
 * Only these laps (by number); `None` for all.
 */
laps: Array<number> | null, 
/**
 * The driver's personal best before this session, seconds, to mark a new one.
 */
personal_best_s: number | null, 
/**
 * Inner sector boundaries, metres, when the game publishes them (they take precedence).
 */
sector_boundaries_m: Array<number> | null, 
/**
 * Points in a decimated delta trace.
 */
delta_points: number, };

export type AskEvent = { "type": "tool", 
/**
 * The tool.
 */
name: string, 
/**
 * Its arguments as the model gave them (JSON text).
 */
arguments: string, } | { "type": "tool_result", 
/**
 * The tool.
 */
name: string, 
/**
 * It answered (false: the model gets the error text and may try again).
 */
ok: boolean, 
/**
 * A line about the answer, or the error.
 */
summary: string, } | { "type": "delta", 
/**
 * Text to append.
 */
text: string, } | { "type": "done", 
/**
 * Corners and laps it names that this session does not have.
 */
flags: Array<CitationFlag>, 
/**
 * Why the model stopped (`stop`, `length`, `tool rounds`).
 */
finish_reason: string, } | { "type": "error", 
/**
 * What went wrong, for the user.
 */
message: string, };

export type AskRequest = { 
/**
 * Oldest first; the last turn is the user's.
 */
messages: Array<ChatTurn>, };

export type AuthModeName = "local" | "team";

export type BestPiece = { 
/**
 * Sector index (0-based) or segment index, as named by `label`.
 */
index: number, 
/**
 * `S1`, `Start–T1`, `T4–T5`, ...
 */
label: string, 
/**
 * Where it starts, metres (sectors: boundary estimate).
 */
start_m: number, 
/**
 * Where it ends, metres.
 */
end_m: number, 
/**
 * Best time, seconds.
 */
time_s: number, 
/**
 * The lap it comes from.
 */
lap_number: number, };

export type BoundarySource = "lap_counter" | "lap_distance" | "positions";

export type CarStatus = { 
/**
 * The team it races for.
 */
team: string, 
/**
 * Race number.
 */
car_number: string, 
/**
 * Track.
 */
track: string, 
/**
 * Car model.
 */
car: string, 
/**
 * Who drives it now (the latest stint's driver).
 */
driver: string, 
/**
 * The latest stint's session: its live dashboard.
 */
session_id: number, 
/**
 * The latest stint is receiving data.
 */
live: boolean, 
/**
 * The lap it is on, as the game counts it.
 */
lap: number | null, 
/**
 * Laps completed over every stint.
 */
laps_completed: number, 
/**
 * Race position, where the game reports the field.
 */
position: number | null, 
/**
 * Last completed lap, s.
 */
last_lap_s: number | null, 
/**
 * Best valid lap over every stint, s.
 */
best_lap_s: number | null, 
/**
 * Mean of the last green laps, s.
 */
rolling_lap_s: number | null, 
/**
 * Last lap's sectors minus the best of each sector over every stint, s.
 */
sector_deltas_s: Array<number>, 
/**
 * Fuel, where the game reports it.
 */
fuel: FuelStatus | null, 
/**
 * Tyres, FL, FR, RL, RR.
 */
tyres: [TyreStatus, TyreStatus, TyreStatus, TyreStatus], 
/**
 * Compound fitted (`soft`, `medium`, `hard`, `intermediate`, `wet`, `other`).
 */
compound: string | null, 
/**
 * Damage of the worst damaged part, 0..1.
 */
damage: number | null, 
/**
 * In the pit lane now.
 */
in_pit: boolean, 
/**
 * Time since the latest stint started, s.
 */
stint_time_s: number, 
/**
 * Laps still to start, counted from the line the car crossed last.
 */
laps_remaining: number | null, 
/**
 * Pit-lane loss the plan uses, s.
 */
pit_lane_loss_s: number, 
/**
 * Whether that loss was measured on this car's pit laps (else it is the engineer's setting).
 */
pit_lane_loss_measured: boolean, 
/**
 * The pit plan to the finish, when the race length and fuel per lap are known.
 */
plan: PitPlans | null, 
/**
 * Why there is no plan, when there could be one.
 */
plan_error: string | null, 
/**
 * One row per stint, oldest first.
 */
stints: Array<StintStatus>, 
/**
 * What needs attention now.
 */
alerts: Array<Alert>, 
/**
 * The whole field, where the game reports it (a timing tower).
 */
field: Field | null, };

export type ChangePassword = { 
/**
 * The password now (or the one-time password).
 */
current: string, 
/**
 * The new one, at least 10 characters.
 */
new: string, };

export type ChannelInfo = { 
/**
 * Index in the compact binary frame's mask.
 */
index: number, 
/**
 * Name with its unit, e.g. `speed_mps`.
 */
name: string, 
/**
 * Unit, e.g. `m/s`.
 */
unit: string, 
/**
 * What it is (only in `GET /api/channels`).
 */
description?: string, };

export type ChatInfo = { 
/**
 * A model is configured (`racecraft serve --llm-url URL --llm-model NAME`).
 */
enabled: boolean, 
/**
 * The OpenAI-compatible endpoint that receives the session's analysis and the questions.
 */
endpoint: string | null, 
/**
 * The model asked.
 */
model: string | null, 
/**
 * How to turn the chat on, for the UI to show while it is off.
 */
how_to_enable: string, };

export type ChatRole = "user" | "assistant";

export type ChatTurn = { 
/**
 * Who said it.
 */
role: ChatRole, 
/**
 * What was said.
 */
content: string, };

export type CitationFlag = { 
/**
 * The words as the model wrote them (`T14`, `lap 31`).
 */
cited: string, 
/**
 * Why they are flagged (`there is no corner 14: the corners are T1–T11`).
 */
problem: string, };

export type Columns = { 
/**
 * Session time of each frame, s.
 */
t_s: Array<number>, 
/**
 * Channel name (with unit) → values.
 */
channels: { [key in string]: Array<number | null> }, };

export type Consistency = { 
/**
 * Laps counted.
 */
laps: number, 
/**
 * Mean lap time, seconds.
 */
mean_lap_s: number, 
/**
 * Standard deviation of lap time, seconds.
 */
std_lap_s: number, 
/**
 * Slowest minus fastest, seconds.
 */
spread_s: number, 
/**
 * Corners, most variable first.
 */
corners: Array<CornerConsistency>, };

export type Corner = { 
/**
 * 1-based number in driving order from the start line.
 */
number: number, 
/**
 * Which way it turns.
 */
direction: Direction, 
/**
 * Where the curvature rises above the threshold, metres.
 */
entry_m: number, 
/**
 * Point of highest curvature, metres.
 */
apex_m: number, 
/**
 * Where the curvature falls below the threshold, metres.
 */
exit_m: number, 
/**
 * Total change of heading through the corner, degrees.
 */
turn_deg: number, 
/**
 * Tightest radius, metres.
 */
min_radius_m: number, };

export type CornerComparison = { 
/**
 * The corner.
 */
corner: number, 
/**
 * Time lost in the corner's zone, seconds.
 */
zone_loss_s: number, 
/**
 * Time lost from the zone's start to the next zone's start, seconds.
 */
segment_loss_s: number, 
/**
 * This lap's metrics.
 */
lap: CornerMetrics, 
/**
 * The reference's metrics.
 */
reference: CornerMetrics, };

export type CornerConsistency = { 
/**
 * The corner's number.
 */
corner: number, 
/**
 * Standard deviation of the segment time, seconds.
 */
segment_std_s: number, 
/**
 * Standard deviation of the minimum speed, m/s.
 */
min_speed_std_mps: number, 
/**
 * Standard deviation of the braking point, metres (0 when never braked).
 */
braking_point_std_m: number, };

export type CornerMetrics = { 
/**
 * The corner's number.
 */
corner: number, 
/**
 * The lap's number.
 */
lap_number: number, 
/**
 * Speed at the zone's start, m/s.
 */
entry_speed_mps: number, 
/**
 * Where braking started, metres; `None` without braking.
 */
braking_point_m: number | null, 
/**
 * Highest brake pedal, 0..1.
 */
peak_brake: number, 
/**
 * How far past turn-in the brake stayed on, metres.
 */
trail_brake_depth_m: number, 
/**
 * Slowest speed, m/s.
 */
min_speed_mps: number, 
/**
 * Where, metres.
 */
min_speed_at_m: number, 
/**
 * Where the throttle came back past the pickup level, metres; `None` if it never did in the zone's
 * segment.
 */
throttle_pickup_m: number | null, 
/**
 * Speed at the corner's exit, m/s.
 */
exit_speed_mps: number, 
/**
 * Gear at the slowest point.
 */
gear: number | null, 
/**
 * Time from the zone's start to the corner's exit, seconds.
 */
corner_time_s: number, 
/**
 * Time from the zone's start to the next zone's start, seconds.
 */
segment_time_s: number, 
/**
 * Highest combined acceleration over usable grip in the zone, 0..~1.
 */
grip_used: number, };

export type CornerZone = { 
/**
 * The corner's number.
 */
corner: number, 
/**
 * Where the zone starts: the braking point on the median lap less a lead, metres.
 */
start_m: number, 
/**
 * Where the median lap starts slowing for the corner, metres.
 */
braking_m: number, 
/**
 * Slowest point of the median lap in the corner, metres.
 */
min_speed_m: number, 
/**
 * The corner's exit, metres.
 */
end_m: number, };

export type CreateAgentToken = { 
/**
 * The driver (a member of the team) whose sessions it streams.
 */
driver: string, 
/**
 * A note ("sim rig", "laptop").
 */
label: string, };

export type CreateSession = { 
/**
 * Display name; made from the metadata when absent.
 */
name?: string, 
/**
 * Source game or tool.
 */
game: string, 
/**
 * Car name.
 */
car: string, 
/**
 * Track name.
 */
track: string, 
/**
 * Driver name.
 */
driver: string, 
/**
 * Wall-clock start, ms since the Unix epoch; now when absent.
 */
started_at_ms?: number, 
/**
 * The team the car races for.
 */
team?: string, 
/**
 * The car's race number: the team's sessions with the same number on the same track are its stints.
 */
car_number?: string, };

export type CreateShareLink = { 
/**
 * One lap of the session; the whole session when absent.
 */
lap_id?: number, 
/**
 * Seconds until it stops working; never when absent.
 */
expires_in_s?: number, };

export type CreatedAgentToken = { 
/**
 * The token as listed.
 */
listed: AgentTokenBody, 
/**
 * The token itself, shown this once: `racecraft capture --token …` or `RACECRAFT_TOKEN`.
 */
token: string, };

export type CreatedShareLink = { 
/**
 * The link as listed.
 */
listed: ShareLinkBody, 
/**
 * The secret, shown this once: sent as `Authorization: Bearer …`, or in the page address after `#share=`.
 */
token: string, };

export type DbHealth = { 
/**
 * `sqlite` or `postgres`.
 */
backend: string, 
/**
 * The database answered the last write.
 */
available: boolean, 
/**
 * Batches waiting in the on-disk spool.
 */
spooled_batches: number, 
/**
 * Batches held in memory because the spool could not take them (disk full).
 */
held_batches: number, 
/**
 * Frames acknowledged and not yet in the database.
 */
pending_frames: number, 
/**
 * The last storage error.
 */
last_error: string | null, };

export type DeltaPoint = { 
/**
 * Lap distance, metres.
 */
distance_m: number, 
/**
 * `t_lap − t_ref` at that distance, seconds (positive = slower).
 */
delta_s: number, };

export type Direction = "left" | "right";

export type ErrorBody = { 
/**
 * What went wrong, for a person to read.
 */
error: string, };

export type ExportFormat = "ld" | "ldx" | "csv";

export type ExportQuery = { 
/**
 * The file format.
 */
format: ExportFormat, 
/**
 * Comma-separated lap numbers, laid end to end; the whole session when absent.
 */
laps?: string, };

export type Field = { 
/**
 * Session time of the snapshot, µs (the clock of the session's frames).
 */
t_us: number, 
/**
 * The cars, by position (cars without one last).
 */
cars: Array<FieldCar>, };

export type FieldBody = { 
/**
 * The session.
 */
session_id: number, 
/**
 * The latest field its agent sent while it is live; `null` when it is not live or its game reports no
 * field.
 */
field: Field | null, };

export type FieldCar = { 
/**
 * The game's index of the car (F1: 0..21, iRacing: CarIdx).
 */
index: number, 
/**
 * Race position, 1 leading.
 */
position: number | null, 
/**
 * Race number.
 */
number: string | null, 
/**
 * Driver name.
 */
driver: string, 
/**
 * Team name.
 */
team: string | null, 
/**
 * The car the recording or capture follows.
 */
is_player: boolean, 
/**
 * The lap the car is on.
 */
lap: number | null, 
/**
 * Last lap, s.
 */
last_lap_s: number | null, 
/**
 * Best lap, s.
 */
best_lap_s: number | null, 
/**
 * Gap to the leader, s.
 */
gap_to_leader_s: number | null, 
/**
 * Gap to the car ahead, s.
 */
interval_s: number | null, 
/**
 * In the pit lane now.
 */
in_pit: boolean, 
/**
 * Pit stops made.
 */
pit_stops: number | null, 
/**
 * Tyre compound fitted.
 */
compound: string | null, 
/**
 * Laps on this set of tyres.
 */
tyre_age_laps: number | null, 
/**
 * Damage of the worst damaged part, 0..1.
 */
damage: number | null, 
/**
 * Racing, or why not: `"retired"`, `"disqualified"`, `"not_classified"`, … (`None` while racing or unknown).
 */
status: string | null, };

export type Finding = { "kind": "brake_earlier", 
/**
 * Metres.
 */
by_m: number, } | { "kind": "brake_later", 
/**
 * Metres.
 */
by_m: number, } | { "kind": "slower_entry", 
/**
 * km/h.
 */
by_kmh: number, } | { "kind": "slower_apex", 
/**
 * km/h.
 */
by_kmh: number, } | { "kind": "faster_apex", 
/**
 * km/h.
 */
by_kmh: number, } | { "kind": "later_throttle", 
/**
 * Metres.
 */
by_m: number, } | { "kind": "slower_exit", 
/**
 * km/h.
 */
by_kmh: number, } | { "kind": "gear", 
/**
 * This lap's gear.
 */
lap: number, 
/**
 * The reference's gear.
 */
reference: number, } | { "kind": "shorter_trail", 
/**
 * Metres.
 */
by_m: number, } | { "kind": "less_grip", 
/**
 * This lap's share, 0..1.
 */
lap: number, 
/**
 * The reference's share, 0..1.
 */
reference: number, };

export type FuelRate = { 
/**
 * Mean fuel used per lap, in the laps' fuel unit.
 */
per_lap: number, 
/**
 * The least any of those laps used.
 */
min_per_lap: number, 
/**
 * The most any of those laps used.
 */
max_per_lap: number, 
/**
 * How many laps the figures come from.
 */
laps_used: number, 
/**
 * Mean lap time of the same laps, s.
 */
pace_s: number, };

export type FuelStatus = { 
/**
 * `l` or `kg`.
 */
unit: string, 
/**
 * In the tank now.
 */
now: number, 
/**
 * Used per lap over the last green laps.
 */
rate: FuelRate | null, 
/**
 * Laps the fuel now lasts at that rate.
 */
laps_left: number | null, 
/**
 * Fuel needed from the last line crossed to the finish, with the margin.
 */
to_finish: number | null, 
/**
 * What must still be added over the remaining stops to finish (0 when it lasts).
 */
to_add: number | null, };

export type GeometrySource = "positions" | "dead_reckoning" | "lateral_acceleration";

export type GripBin = { 
/**
 * Lower edge of the bin, m/s.
 */
speed_from_mps: number, 
/**
 * Upper edge, m/s.
 */
speed_to_mps: number, 
/**
 * Samples in the bin.
 */
samples: number, 
/**
 * Median combined acceleration, g.
 */
combined_p50_g: number, 
/**
 * 90th percentile of combined acceleration, g.
 */
combined_p90_g: number, 
/**
 * Usable grip: the [`USABLE_PERCENTILE`] of combined acceleration, g.
 */
usable_g: number, 
/**
 * The same percentile of |lateral|, g.
 */
lateral_g: number, 
/**
 * The same percentile of braking (−longitudinal), g.
 */
braking_g: number, 
/**
 * The same percentile of driving (+longitudinal), g.
 */
driving_g: number, };

export type GripEnvelope = { 
/**
 * Bins in increasing speed.
 */
bins: Array<GripBin>, 
/**
 * Usable grip over all speeds: the highest of the well-filled bins, g.
 */
usable_g: number, };

export type Health = { 
/**
 * `ok`, or `degraded` while storage is behind or failing (the server still takes data).
 */
status: HealthStatus, 
/**
 * Why it is degraded.
 */
reason: string | null, 
/**
 * The server's version.
 */
version: string, 
/**
 * The database and the storage pipeline.
 */
db: DbHealth, 
/**
 * Sessions receiving data now.
 */
live_sessions: number, };

export type HealthStatus = "ok" | "degraded";

export type Ingested = { 
/**
 * The session the frames went to; `null` when the body held no frame and none was created.
 */
session_id: number | null, 
/**
 * Frames accepted.
 */
accepted: number, 
/**
 * Frames already received before (`POST /ingest` resends), not stored twice.
 */
duplicates?: number, };

export type Lap = { 
/**
 * Database id; `null` for a lap completed live and not stored yet.
 */
id: number | null, 
/**
 * Its session.
 */
session_id: number, 
/**
 * The game's lap number.
 */
lap_number: number, 
/**
 * Lap time, s.
 */
lap_time_s: number, 
/**
 * Sector times, s.
 */
sectors_s: Array<number>, 
/**
 * Session time at the lap's start, s.
 */
start_t_s: number, 
/**
 * Frames in the lap.
 */
frame_count: number, 
/**
 * Not flagged, not broken by a gap, not an out-lap.
 */
valid: boolean, 
/**
 * The capture joined after the lap had started.
 */
out_lap: boolean, 
/**
 * The car was in the pit lane during the lap.
 */
pit: boolean, };

export type LapAnalysis = { 
/**
 * The stored lap.
 */
lap_id: number, 
/**
 * The lap as analysed.
 */
lap: AnalysedLap, 
/**
 * Its metrics in every corner.
 */
corner_metrics: Array<CornerMetrics>, 
/**
 * Against the reference.
 */
comparison: LapComparison, 
/**
 * The reference lap's session.
 */
reference_session_id: number, };

export type LapAnalysisQuery = { 
/**
 * `best` (the default) or a lap id, of the same session or of another session on the same track.
 */
ref?: string, };

export type LapCompare = { 
/**
 * The stored lap.
 */
lap_id: number, 
/**
 * The stored reference lap.
 */
reference_lap_id: number, 
/**
 * The reference lap's session.
 */
reference_session_id: number, 
/**
 * The lap.
 */
lap_number: number, 
/**
 * The reference lap.
 */
reference_lap_number: number, 
/**
 * The lap's time, seconds.
 */
lap_time_s: number, 
/**
 * The reference's time, seconds.
 */
reference_lap_time_s: number, 
/**
 * `lap_time_s − reference_lap_time_s`, seconds.
 */
difference_s: number, 
/**
 * The delta trace, decimated to [`AnalysisOptions::delta_points`].
 */
delta: Array<DeltaPoint>, 
/**
 * Loss per corner zone and straight, in lap order; they sum to `difference_s`.
 */
stretches: Array<StretchLoss>, 
/**
 * Per corner, in corner order.
 */
corners: Array<CornerComparison>, 
/**
 * Advice for this lap, most time at stake first.
 */
coaching: Array<Advice>, };

export type LapComparison = { 
/**
 * The lap.
 */
lap_number: number, 
/**
 * The reference lap.
 */
reference_lap_number: number, 
/**
 * The lap's time, seconds.
 */
lap_time_s: number, 
/**
 * The reference's time, seconds.
 */
reference_lap_time_s: number, 
/**
 * `lap_time_s − reference_lap_time_s`, seconds.
 */
difference_s: number, 
/**
 * The delta trace, decimated to [`AnalysisOptions::delta_points`].
 */
delta: Array<DeltaPoint>, 
/**
 * Loss per corner zone and straight, in lap order; they sum to `difference_s`.
 */
stretches: Array<StretchLoss>, 
/**
 * Per corner, in corner order.
 */
corners: Array<CornerComparison>, 
/**
 * Advice for this lap, most time at stake first.
 */
coaching: Array<Advice>, };

export type LapFlags = { 
/**
 * Began in the pit lane.
 */
out_lap: boolean, 
/**
 * Ended in the pit lane.
 */
in_lap: boolean, 
/**
 * In the pit lane at some point.
 */
pit: boolean, 
/**
 * The game flagged the lap invalid.
 */
game_invalid: boolean, 
/**
 * The path driven was clearly shorter than the lap.
 */
cut: boolean, 
/**
 * The car jumped back or was moved (reset, tow, teleport).
 */
reset: boolean, 
/**
 * The capture had a hole longer than [`MAX_GAP_S`].
 */
capture_gap: boolean, 
/**
 * Began well below racing speed: a standing start, or a restart after a stop.
 */
standing_start: boolean, };

export type LapFrames = { 
/**
 * The lap.
 */
lap: Lap, 
/**
 * Session time of each frame, s.
 */
t_s: Array<number>, 
/**
 * Channel name (with unit) → values.
 */
channels: { [key in string]: Array<number | null> }, };

export type LapGrip = { 
/**
 * The lap.
 */
lap_number: number, 
/**
 * Mean over corners of the grip used, 0..~1.
 */
mean_grip_used: number, 
/**
 * Highest over corners.
 */
peak_grip_used: number, };

export type LapInsight = { 
/**
 * The lap.
 */
lap_number: number, 
/**
 * Its time, s.
 */
lap_time_s: number, 
/**
 * Valid.
 */
valid: boolean, 
/**
 * Fastest lap before it, s (valid laps, or all while none is valid).
 */
best_lap_s: number | null, 
/**
 * This lap minus that best, s (positive: slower).
 */
delta_to_best_s: number | null, 
/**
 * Its sector times, s.
 */
sectors_s: Array<number>, 
/**
 * Each sector minus the best of that sector before it, s.
 */
sector_deltas_s: Array<number | null>, 
/**
 * Top speed, m/s.
 */
top_speed_mps: number | null, 
/**
 * Largest lateral acceleration, g.
 */
max_lat_g: number | null, 
/**
 * Largest braking deceleration, g.
 */
max_brake_g: number | null, 
/**
 * Share of the lap at full throttle, %.
 */
full_throttle_pct: number | null, 
/**
 * Tyre figures, when the source has tyre channels.
 */
tyres: TyreInsight | null, };

export type LapQuery = { 
/**
 * Comma-separated channel names; every channel the lap has when absent.
 */
channels?: string, 
/**
 * Min/max decimation to at most this many frames, keeping the first channel's peaks.
 */
max_points?: number, };

export type LapTiming = "game" | "crossings";

export type ListSessionsQuery = { 
/**
 * List archived sessions too.
 */
archived: boolean, };

export type Login = { 
/**
 * User name.
 */
name: string, 
/**
 * Password.
 */
password: string, };

export type Me = { 
/**
 * Local or team.
 */
mode: AuthModeName, 
/**
 * The signed-in user; `null` when nobody is (or on a local server).
 */
user: UserBody | null, 
/**
 * Their teams.
 */
teams: Array<TeamRole>, };

export type MemberAdded = { 
/**
 * The member.
 */
member: MemberBody, 
/**
 * The new user's one-time password, shown this once; `null` for an existing user.
 */
one_time_password: string | null, };

export type MemberBody = { 
/**
 * User id.
 */
user_id: number, 
/**
 * User name.
 */
name: string, 
/**
 * Role in the team.
 */
role: "owner" | "engineer" | "driver" | "viewer", };

export type Mistake = { 
/**
 * The lap.
 */
lap_number: number, 
/**
 * The corner.
 */
corner: number, 
/**
 * What went wrong.
 */
kind: MistakeKind, 
/**
 * Time lost against the session's usual: the corner's segment, and the next ones while the car is
 * still slower than usual when it reaches them, seconds.
 */
time_lost_s: number, 
/**
 * The median segment time, seconds.
 */
typical_segment_s: number, 
/**
 * What was different, compared with the lap whose segment time is the median.
 */
advice: Advice | null, };

export type MistakeKind = "early_braking" | "slow_apex" | "slow_segment";

export type PitPlan = { 
/**
 * The stops, in lap order.
 */
stops: Array<Stop>, 
/**
 * Pit-lane losses of all stops, s.
 */
pit_lane_s: number, 
/**
 * Stationary refuelling time of all stops, s.
 */
refuel_s: number, 
/**
 * Fuel weight cost summed over every remaining lap, s.
 */
fuel_weight_s: number, 
/**
 * The sum of the three: the time this plan costs against running the remaining laps with no fuel
 * aboard and no stop, s.
 */
total_time_s: number, 
/**
 * Fuel left at the finish.
 */
fuel_at_finish: number, };

export type PitPlans = { 
/**
 * The fastest plan within `max_stops` (of the fastest, the one with fewest stops).
 */
fastest: PitPlan, 
/**
 * The fastest plan with the fewest stops that reach the finish.
 */
fewest_stops: PitPlan, 
/**
 * The fastest plan with one stop more than `fewest_stops`, when one is possible within `max_stops`
 * (never when no stop is needed: that stop's fuel would not be needed).
 */
one_more_stop: PitPlan | null, };

export type PitWall = { 
/**
 * The settings the figures were computed with (the query's, defaults filled in).
 */
settings: RaceSettings, 
/**
 * The server's clock when it answered, ms since the Unix epoch.
 */
now_ms: number, 
/**
 * One per team car, by team and car number.
 */
cars: Array<CarStatus>, };

export type RaceSettings = { 
/**
 * Race length in laps, if the race is run over laps: the laps still to run are this less the laps the
 * car has completed over all its stints (a lapped car's finish comes earlier, which this ignores).
 */
race_laps: number | null, 
/**
 * When the race ends, ms since the Unix epoch, if it is run over time.
 */
race_ends_at_ms: number | null, 
/**
 * Fuel kept in hand at every point, in laps of fuel.
 */
margin_laps: number, 
/**
 * Tank size in the game's fuel unit.
 */
tank_capacity: number, 
/**
 * Refuelling rate while stationary, fuel unit per second.
 */
refuel_rate_per_s: number, 
/**
 * Time lost driving through the pit lane (refuelling apart) until one of the car's stops is measured, s.
 */
pit_lane_loss_s: number, 
/**
 * Lap time lost per unit of fuel carried, s per lap.
 */
fuel_weight_s_per_lap: number, 
/**
 * Laps (the last green ones) that fuel per lap and pace are measured over.
 */
window_laps: number, 
/**
 * Most pit stops a plan may make.
 */
max_stops: number, 
/**
 * Alert when fewer laps of fuel than this are left and the car cannot finish on it.
 */
low_fuel_laps: number, 
/**
 * Tyre temperatures below this raise an alert, °C.
 */
tyre_min_c: number, 
/**
 * Tyre temperatures above this raise an alert, °C.
 */
tyre_max_c: number, };

export type RecentFrames = { 
/**
 * The session.
 */
session_id: number, 
/**
 * Session time of each frame, s.
 */
t_s: Array<number>, 
/**
 * Channel name (with unit) → values.
 */
channels: { [key in string]: Array<number | null> }, };

export type RecentQuery = { 
/**
 * The live session; the most recent one when absent.
 */
session_id?: number, 
/**
 * Comma-separated channel names.
 */
channels?: string, };

export type ReferenceSession = { 
/**
 * The session.
 */
session_id: number, 
/**
 * Display name.
 */
name: string, 
/**
 * Driver.
 */
driver: string, 
/**
 * Car.
 */
car: string, 
/**
 * Game.
 */
game: string, 
/**
 * Wall-clock start, ms since the Unix epoch.
 */
started_at_ms: number, 
/**
 * Fastest valid lap, s.
 */
best_lap_s: number | null, 
/**
 * Its stored laps.
 */
laps: Array<Lap>, };

export type References = { 
/**
 * The track.
 */
track: string, 
/**
 * The sessions, each with its laps.
 */
sessions: Array<ReferenceSession>, };

export type SectorSource = "options" | "game" | "model" | "thirds";

export type Session = { 
/**
 * Database id (ids of sessions created while the database was away start at 2^52; all fit a JS number).
 */
id: number, 
/**
 * Display name.
 */
name: string, 
/**
 * Source game or tool.
 */
game: string, 
/**
 * Car name.
 */
car: string, 
/**
 * Track name.
 */
track: string, 
/**
 * Driver name.
 */
driver: string, 
/**
 * Wall-clock start, ms since the Unix epoch.
 */
started_at_ms: number, 
/**
 * Wall-clock end, ms since the Unix epoch; `null` while it has not ended.
 */
ended_at_ms: number | null, 
/**
 * Hidden from the default session list.
 */
archived: boolean, 
/**
 * Completed laps stored.
 */
lap_count: number, 
/**
 * Fastest valid lap, s.
 */
best_lap_s: number | null, 
/**
 * Telemetry frames stored.
 */
frame_count: number, 
/**
 * Receiving data now.
 */
live: boolean, 
/**
 * Its team on a team server; `null` on a local one.
 */
team_id: number | null, 
/**
 * Who besides its driver and the team's owners and engineers may read it.
 */
visibility: "private" | "team" | "link", 
/**
 * The team the agent named for the car (a display name; `team_id` is the owning team on a team server).
 */
team: string, 
/**
 * The car's race number the agent named; empty when none. A team's sessions with the same car number on
 * the same track are the stints of one car.
 */
car_number: string, };

export type SessionAnalysisBody = { 
/**
 * The session.
 */
session_id: number, 
/**
 * Lap number (as a string key) → id of the stored lap in `/api/laps`.
 */
lap_ids: Record<string, number>, 
/**
 * Source game.
 */
game: string, 
/**
 * Car.
 */
car: string, 
/**
 * Track.
 */
track: string, 
/**
 * Driver.
 */
driver: string, 
/**
 * What found the lap boundaries.
 */
boundaries: BoundarySource, 
/**
 * Lap length, metres.
 */
track_length_m: number, 
/**
 * Spacing of the distance grid, metres.
 */
grid_step_m: number, 
/**
 * Inner sector boundaries, metres.
 */
sector_boundaries_m: Array<number>, 
/**
 * Where they came from.
 */
sector_source: SectorSource, 
/**
 * Complete laps, in order.
 */
laps: Array<AnalysedLap>, 
/**
 * The fastest valid lap (the fastest complete lap when none is valid).
 */
best_lap: number | null, 
/**
 * Its time, seconds.
 */
best_lap_s: number | null, 
/**
 * Sum of best sectors and of best segments.
 */
theoretical_best: TheoreticalBest, 
/**
 * The track model's summary.
 */
track_model_summary: TrackSummary, 
/**
 * Corners in driving order.
 */
corners: Array<Corner>, 
/**
 * The stretch each corner owns for timing.
 */
zones: Array<CornerZone>, 
/**
 * Every lap in every corner, by lap then corner.
 */
corner_metrics: Array<CornerMetrics>, 
/**
 * The G-G envelope.
 */
grip: GripEnvelope, 
/**
 * Grip used per lap.
 */
lap_grip: Array<LapGrip>, 
/**
 * Shift points.
 */
shifts: ShiftAnalysis, 
/**
 * Lap-time spread and the corners that vary most.
 */
consistency: Consistency, 
/**
 * Corner segments that took clearly longer than usual, largest first.
 */
mistakes: Array<Mistake>, 
/**
 * The corners to work on: the best lap against the lap that was fastest in each corner, ranked.
 */
coaching: Array<Advice>, 
/**
 * The options it was made with.
 */
options: AnalysisOptions, };

export type Severity = "info" | "warning" | "critical";

export type ShareLinkBody = { 
/**
 * Link id.
 */
id: number, 
/**
 * The one lap it opens, or `null` for the whole session.
 */
lap_id: number | null, 
/**
 * Created, ms since the Unix epoch.
 */
created_at_ms: number, 
/**
 * Expires, ms since the Unix epoch.
 */
expires_at_ms: number | null, 
/**
 * Revoked, ms since the Unix epoch.
 */
revoked_at_ms: number | null, };

export type Shared = { 
/**
 * The session.
 */
session_id: number, 
/**
 * The one lap, or `null` for the whole session.
 */
lap_id: number | null, };

export type ShiftAdvice = { 
/**
 * The gear shifted out of.
 */
gear: number, 
/**
 * The rpm that maximises acceleration.
 */
optimal_rpm: number, 
/**
 * The optimum is the highest rpm seen in this gear: the next gear never pulls harder in the data.
 */
at_limit: boolean, 
/**
 * The driver's median shift rpm out of this gear; `None` if never seen.
 */
driver_rpm: number | null, 
/**
 * Upshifts out of this gear seen.
 */
upshifts: number, };

export type ShiftAnalysis = { 
/**
 * Measured `rpm / speed` per gear (index 0 = first gear), rpm per m/s; 0 when never used.
 */
gear_ratios_rpm_per_mps: Array<number>, 
/**
 * Per gear, from first to the second-highest gear used.
 */
shifts: Array<ShiftAdvice>, 
/**
 * Full-throttle samples in the fit.
 */
samples: number, 
/**
 * Relative torque curve `[rpm, torque]` (arbitrary scale) at the knots.
 */
torque_curve: Array<[number, number]>, };

export type StartLine = { 
/**
 * Centre of the line, metres.
 */
x_m: number, 
/**
 * Centre of the line, metres.
 */
y_m: number, 
/**
 * Direction of travel, radians counter-clockwise from +x.
 */
heading_rad: number, };

export type StintStatus = { 
/**
 * 1-based.
 */
stint: number, 
/**
 * Its session.
 */
session_id: number, 
/**
 * Its driver.
 */
driver: string, 
/**
 * Laps completed.
 */
laps: number, 
/**
 * Mean green lap, s.
 */
average_lap_s: number | null, 
/**
 * Fuel used per green lap, in the car's fuel unit.
 */
fuel_per_lap: number | null, 
/**
 * Compound at the stint's start.
 */
compound: string | null, 
/**
 * Worst tyre's wear at the stint's start (0 a new set).
 */
tyre_wear_start: number | null, 
/**
 * Wall-clock start, ms.
 */
started_at_ms: number, 
/**
 * Wall-clock end, ms; `null` while it runs.
 */
ended_at_ms: number | null, 
/**
 * Receiving data now.
 */
live: boolean, };

export type Stop = { 
/**
 * The stop is at the end of this lap, counted from now (1 = the lap the car is starting).
 */
lap: number, 
/**
 * Fuel to add.
 */
fuel_added: number, };

export type StretchLoss = { 
/**
 * Where it starts, metres.
 */
start_m: number, 
/**
 * Where it ends, metres.
 */
end_m: number, 
/**
 * Time lost against the reference, seconds (negative = gained).
 */
loss_s: number, } & ({ "kind": "corner", 
/**
 * The corner's number.
 */
corner: number, } | { "kind": "straight", 
/**
 * The corner before it.
 */
after: number | null, });

export type TeamRole = { 
/**
 * Team id.
 */
id: number, 
/**
 * Team name.
 */
name: string, 
/**
 * The user's role in it.
 */
role: "owner" | "engineer" | "driver" | "viewer", };

export type TelemetryFormat = "json" | "binary";

export type TheoreticalBest = { 
/**
 * Sum of best sectors, seconds.
 */
sectors_s: number, 
/**
 * The best sectors.
 */
best_sectors: Array<BestPiece>, 
/**
 * Sum of best corner-to-corner segments, seconds.
 */
segments_s: number, 
/**
 * The best segments.
 */
best_segments: Array<BestPiece>, };

export type TrackCorner = { 
/**
 * Corner number, 1.. in driving order.
 */
number: number, 
/**
 * Display name ("T4" or the circuit's own).
 */
name: string, 
/**
 * Turn-in, m from the start line.
 */
entry_m: number, 
/**
 * Apex, m.
 */
apex_m: number, 
/**
 * Exit, m.
 */
exit_m: number, 
/**
 * Apex position on the centre line; `null` when the model has no geometry there.
 */
apex_xy: [number, number] | null, };

export type TrackMap = { 
/**
 * Track name.
 */
track: string, 
/**
 * Lap length, m.
 */
length_m: number, 
/**
 * Where the geometry came from.
 */
geometry: GeometrySource, 
/**
 * Centre line every ~2 m (at most 4000 points): `[x_m, y_m, distance_m]`.
 */
points: Array<[number, number, number]>, 
/**
 * The start line's position; `null` without geometry.
 */
start: [number, number] | null, 
/**
 * Corners in driving order.
 */
corners: Array<TrackCorner>, };

export type TrackSummary = { 
/**
 * Lap length, metres.
 */
length_m: number, 
/**
 * Where the geometry came from.
 */
geometry: GeometrySource, 
/**
 * Gap between the averaged line's end and start, metres.
 */
closure_m: number, 
/**
 * Points in the model.
 */
points: number, 
/**
 * Laps in the model, over all sessions.
 */
laps_used: number, 
/**
 * The start line.
 */
start_line: StartLine | null, };

export type TyreInsight = { 
/**
 * Hottest temperature seen, °C.
 */
max_temp_c: Array<number | null>, 
/**
 * Lowest pressure seen, kPa.
 */
pressure_min_kpa: Array<number | null>, 
/**
 * Highest pressure seen, kPa.
 */
pressure_max_kpa: Array<number | null>, 
/**
 * The hottest wheel (`fl`, `fr`, `rl`, `rr`).
 */
hottest: string | null, };

export type TyreStatus = { 
/**
 * Tread worn, 0 new .. 1 worn through.
 */
wear: number | null, 
/**
 * Temperature, °C.
 */
temp_c: number | null, 
/**
 * Pressure, kPa.
 */
pressure_kpa: number | null, };

export type UpdateSession = { 
/**
 * New display name.
 */
name?: string, 
/**
 * Archive (hide from the default list) or bring back.
 */
archived?: boolean, 
/**
 * Who may read it (team server).
 */
visibility?: "private" | "team" | "link", };

export type UserBody = { 
/**
 * User id.
 */
id: number, 
/**
 * User name.
 */
name: string, };

export type ViewerMessage = { "type": "hello", 
/**
 * Protocol version of the server ([`crate::PROTOCOL_VERSION`]).
 */
v: number, 
/**
 * The session.
 */
session: Session, 
/**
 * The channel model.
 */
channels: Array<ChannelInfo>, 
/**
 * Laps completed so far, stored and live.
 */
laps: Array<Lap>, 
/**
 * Fastest valid lap so far, s.
 */
best_lap_s: number | null, } | { "type": "lap_backlog", 
/**
 * Lap number of the frames.
 */
lap: number | null, 
/**
 * Sequence number of the first frame.
 */
first_seq: number, 
/**
 * Session time of each frame, s.
 */
t_s: Array<number>, 
/**
 * Columns of equal length, `null` where a frame lacks the channel.
 */
channels: { [key in string]: Array<number | null> }, } | { "type": "telemetry_update", 
/**
 * Sequence number within the session.
 */
seq: number, 
/**
 * Session time, s.
 */
t_s: number, 
/**
 * Channel name → value.
 */
frame: { [key in string]: number }, } | { "type": "lap_completed", 
/**
 * The lap.
 */
lap: Lap, 
/**
 * Fastest valid lap now, s.
 */
best_lap_s: number | null, } | { "type": "insight_update" } & LapInsight | { "type": "lagged", 
/**
 * Frames skipped.
 */
skipped: number, } | { "type": "session_ended" };

export type ViewerQuery = { 
/**
 * How telemetry arrives: `json` (default) as `telemetry_update` text, `binary` as compact frames.
 */
format?: TelemetryFormat, 
/**
 * The protocol version the viewer speaks; refused clearly when it is not the server's.
 */
v?: number, };
