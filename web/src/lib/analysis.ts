// Types of the analysis endpoints (the analysis crate's SessionAnalysis, LapComparison, ...) and their fetchers.
// Field names follow the crate's serde output; distances in metres, times in seconds, speeds in m/s.

import { getJson, type Lap } from './api';

export interface LapFlags {
  out_lap: boolean;
  in_lap: boolean;
  pit: boolean;
  game_invalid: boolean;
  cut: boolean;
  reset: boolean;
  capture_gap: boolean;
  standing_start: boolean;
}

export interface AnalysedLap {
  lap_number: number;
  start_s: number;
  lap_time_s: number;
  sectors_s: number[];
  timing: string;
  flags: LapFlags;
  valid: boolean;
  session_best: boolean;
  personal_best: boolean;
}

export interface BestPiece {
  index: number;
  label: string;
  start_m: number;
  end_m: number;
  time_s: number;
  lap_number: number;
}

export interface TheoreticalBest {
  sectors_s: number;
  best_sectors: BestPiece[];
  segments_s: number;
  best_segments: BestPiece[];
}

export interface Corner {
  number: number;
  direction: 'left' | 'right';
  entry_m: number;
  apex_m: number;
  exit_m: number;
  turn_deg: number;
  min_radius_m: number;
}

export interface CornerMetrics {
  corner: number;
  lap_number: number;
  entry_speed_mps: number;
  braking_point_m: number | null;
  peak_brake: number;
  trail_brake_depth_m: number;
  min_speed_mps: number;
  min_speed_at_m: number;
  throttle_pickup_m: number | null;
  exit_speed_mps: number;
  gear: number | null;
  corner_time_s: number;
  segment_time_s: number;
  grip_used: number;
}

export interface GripBin {
  speed_from_mps: number;
  speed_to_mps: number;
  samples: number;
  combined_p50_g: number;
  combined_p90_g: number;
  usable_g: number;
  lateral_g: number;
  braking_g: number;
  driving_g: number;
}

export interface GripEnvelope {
  bins: GripBin[];
  usable_g: number;
}

export interface Advice {
  corner: number;
  lap_number: number;
  reference_lap_number: number;
  time_at_stake_s: number;
  findings: { kind: string; [k: string]: unknown }[];
  message: string;
}

export interface SessionAnalysis {
  game: string;
  car: string;
  track: string;
  driver: string;
  track_length_m: number;
  sector_boundaries_m: number[];
  laps: AnalysedLap[];
  best_lap: number | null;
  best_lap_s: number | null;
  theoretical_best: TheoreticalBest;
  corners: Corner[];
  corner_metrics: CornerMetrics[];
  grip: GripEnvelope;
  coaching: Advice[];
  /** Lap number (as a string key) → id of the stored lap in /api/laps. */
  lap_ids: Record<string, number>;
}

export interface DeltaPoint {
  distance_m: number;
  delta_s: number;
}

export interface StretchLoss {
  kind: 'corner' | 'straight';
  corner?: number;
  after?: number | null;
  start_m: number;
  end_m: number;
  loss_s: number;
}

export interface CornerComparison {
  corner: number;
  zone_loss_s: number;
  segment_loss_s: number;
  lap: CornerMetrics;
  reference: CornerMetrics;
}

export interface LapComparison {
  lap_number: number;
  reference_lap_number: number;
  lap_time_s: number;
  reference_lap_time_s: number;
  difference_s: number;
  delta: DeltaPoint[];
  stretches: StretchLoss[];
  corners: CornerComparison[];
  coaching: Advice[];
}

export interface TrackCorner {
  number: number;
  /** The corner's display name ("Turn 4" or the circuit's own). */
  name?: string;
  entry_m: number;
  apex_m: number;
  exit_m: number;
  /** Apex position on the centre line; null when the model has no geometry there. */
  apex_xy: [number, number] | null;
}

export interface TrackShape {
  length_m: number;
  /** Centre line: [x_m, y_m, dist_m]. */
  points: [number, number, number][];
  corners: TrackCorner[];
  start: [number, number] | null;
}

/** `GET /api/laps/{id}/analysis`: one lap, its corner metrics and its comparison with the reference. */
export interface LapAnalysis {
  lap_id: number;
  lap: AnalysedLap;
  corner_metrics: CornerMetrics[];
  comparison: LapComparison;
}

/** A session on the same track, with its laps, from `GET /api/sessions/{id}/references`. */
export interface ReferenceSession {
  session_id: number;
  name: string;
  driver: string;
  car: string;
  game: string;
  started_at_ms: number;
  best_lap_s: number | null;
  laps: Lap[];
}

export interface References {
  track: string;
  sessions: ReferenceSession[];
}

/** Export file formats of `GET /api/sessions/{id}/export`. */
export type ExportFormat = 'ld' | 'ldx' | 'csv';

/** The download URL of session `id` (or of its laps `laps`, laid end to end) as `format`. */
export function exportUrl(id: number, format: ExportFormat, laps: readonly number[] | null = null): string {
  const sorted = laps === null ? null : [...new Set(laps)].sort((a, b) => a - b);
  return `/api/sessions/${id}/export?format=${format}${sorted && sorted.length ? `&laps=${sorted.join(',')}` : ''}`;
}

export const analysisApi = {
  session: (id: number, signal?: AbortSignal) => getJson<SessionAnalysis>(`/api/sessions/${id}/analysis`, signal),
  track: (id: number, signal?: AbortSignal) => getJson<TrackShape>(`/api/sessions/${id}/track`, signal),
  lap: (lapId: number, ref: 'best' | number, signal?: AbortSignal) =>
    getJson<LapAnalysis>(`/api/laps/${lapId}/analysis?ref=${ref}`, signal),
  references: (id: number, signal?: AbortSignal) => getJson<References>(`/api/sessions/${id}/references`, signal),
  compare: (lapId: number, refId: number, signal?: AbortSignal) =>
    getJson<LapComparison>(`/api/laps/${lapId}/compare/${refId}`, signal),
};

/** Why a lap is not a clean lap, as short labels ("out", "in", "pit", "invalid", "cut", ...). */
export function lapFlagLabels(l: AnalysedLap): string[] {
  const f = l.flags;
  const out: string[] = [];
  if (f.out_lap) out.push('out');
  if (f.in_lap) out.push('in');
  if (f.pit) out.push('pit');
  if (f.game_invalid) out.push('invalid');
  if (f.cut) out.push('cut');
  if (f.reset) out.push('reset');
  if (f.capture_gap) out.push('gap');
  if (f.standing_start) out.push('standing');
  if (!l.valid && out.length === 0) out.push('invalid');
  return out;
}

/** Per sector: the fastest time among valid laps (session best), Infinity where none. */
export function bestSectors(laps: readonly AnalysedLap[]): number[] {
  const n = laps.reduce((m, l) => Math.max(m, l.sectors_s.length), 0);
  const best = new Array<number>(n).fill(Infinity);
  for (const l of laps) {
    if (!l.valid) continue;
    l.sectors_s.forEach((s, i) => {
      if (Number.isFinite(s) && s < best[i]) best[i] = s;
    });
  }
  return best;
}

/** Corner comparisons sorted by time lost (largest loss first). */
export function cornersByLoss(c: readonly CornerComparison[]): CornerComparison[] {
  return [...c].sort((a, b) => b.segment_loss_s - a.segment_loss_s || a.corner - b.corner);
}
