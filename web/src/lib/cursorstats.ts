// Statistics between two cursors on the distance axis.

import { interp, lowerBound, type LapTrace } from './trace';

export interface RangeStats {
  /** Distance between the cursors, metres (b − a, a ≤ b). */
  dd: number;
  /** Time the lap took between the cursors, seconds. */
  dt: number;
  min: number;
  max: number;
  /** Distance-weighted mean of the channel over the range. */
  avg: number;
}

/** Stats of `channel` of `lap` between distances a and b (order-free); NaN fields when there is no data. */
export function rangeStats(lap: LapTrace, channel: string, a: number, b: number): RangeStats {
  const lo = Math.min(a, b);
  const hi = Math.max(a, b);
  const ys = lap.ch[channel];
  const dt = interp(lap.dist, lap.t, hi) - interp(lap.dist, lap.t, lo);
  if (!ys || lap.dist.length === 0) return { dd: hi - lo, dt, min: NaN, max: NaN, avg: NaN };
  const yLo = interp(lap.dist, ys, lo);
  const yHi = interp(lap.dist, ys, hi);
  let min = Math.min(yLo, yHi);
  let max = Math.max(yLo, yHi);
  // Trapezoids over [lo, hi] including the interpolated end points.
  let area = 0;
  let px = lo;
  let py = yLo;
  for (let i = lowerBound(lap.dist, lo); i < lap.dist.length && lap.dist[i] < hi; i++) {
    const x = lap.dist[i];
    const y = ys[i];
    if (!Number.isFinite(y)) continue;
    if (y < min) min = y;
    if (y > max) max = y;
    area += ((py + y) / 2) * (x - px);
    px = x;
    py = y;
  }
  area += ((py + yHi) / 2) * (hi - px);
  const avg = hi > lo ? area / (hi - lo) : yLo;
  return { dd: hi - lo, dt, min, max, avg };
}
