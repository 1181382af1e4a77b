// Types of the analysis endpoints (the analysis crate's SessionAnalysis, LapComparison, ...) and their fetchers.
// Field names follow the crate's serde output; distances in metres, times in seconds, speeds in m/s.

import { getJson } from './api';
import type {
  AnalysedLap,
  CornerComparison,
  TheoreticalBest,
  ExportFormat,
  LapAnalysis,
  LapCompare,
  References,
  SessionAnalysisBody,
  TrackMap,
} from './protocol';

// Every body is generated from the Rust types (crates/protocol, around the analysis crate's result types).
export type {
  Advice,
  AnalysedLap,
  BestPiece,
  Corner,
  CornerComparison,
  CornerMetrics,
  DeltaPoint,
  ExportFormat,
  GripBin,
  GripEnvelope,
  LapAnalysis,
  LapCompare,
  LapComparison,
  LapFlags,
  ReferenceSession,
  References,
  StretchLoss,
  TheoreticalBest,
  TrackCorner,
  TrackMap,
} from './protocol';
/** `GET /api/sessions/{id}/analysis`. */
export type SessionAnalysis = SessionAnalysisBody;
/** `GET /api/sessions/{id}/track`. */
export type TrackShape = TrackMap;

/** The download URL of session `id` (or of its laps `laps`, laid end to end) as `format`. */
export function exportUrl(id: number, format: ExportFormat, laps: readonly number[] | null = null): string {
  const sorted = laps === null ? null : [...new Set(laps)].sort((a, b) => a - b);
  return `/api/sessions/${id}/export?format=${format}${sorted && sorted.length ? `&laps=${sorted.join(',')}` : ''}`;
}

export const analysisApi = {
  session: (id: number, signal?: AbortSignal) => getJson<SessionAnalysisBody>(`/api/sessions/${id}/analysis`, signal),
  track: (id: number, signal?: AbortSignal) => getJson<TrackMap>(`/api/sessions/${id}/track`, signal),
  lap: (lapId: number, ref: 'best' | number, signal?: AbortSignal) =>
    getJson<LapAnalysis>(`/api/laps/${lapId}/analysis?ref=${ref}`, signal),
  references: (id: number, signal?: AbortSignal) => getJson<References>(`/api/sessions/${id}/references`, signal),
  compare: (lapId: number, refId: number, signal?: AbortSignal) =>
    getJson<LapCompare>(`/api/laps/${lapId}/compare/${refId}`, signal),
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

/**
 * How a lap's sector is marked in the lap table, from the analysis's own baseline (no second one here):
 * `best` where the theoretical best takes that sector from this lap, `improved` where the lap beat the best of
 * that sector before it (its `sector_deltas_s` is negative), else null.
 */
export function sectorMark(lap: AnalysedLap, sector: number, theoretical: TheoreticalBest | null): 'best' | 'improved' | null {
  if (theoretical?.best_sectors.some((p) => p.index === sector && p.lap_number === lap.lap_number)) return 'best';
  const d = lap.sector_deltas_s[sector];
  return d != null && d < 0 ? 'improved' : null;
}

/** Corner comparisons sorted by time lost (largest loss first). */
export function cornersByLoss(c: readonly CornerComparison[]): CornerComparison[] {
  return [...c].sort((a, b) => b.segment_loss_s - a.segment_loss_s || a.corner - b.corner);
}
