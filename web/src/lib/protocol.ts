// Generated from crates/protocol (racecraft_protocol::typescript::declarations); do not edit.
// Regenerate: RACECRAFT_UPDATE_TS=1 cargo test -p racecraft-protocol --test typescript

export const PROTOCOL_VERSION = 1;

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
live: boolean, };

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
 * Fastest valid lap before it, s.
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
