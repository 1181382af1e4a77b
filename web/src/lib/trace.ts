// Lap telemetry by distance: cleaning the distance axis, interpolation, and min/max decimation onto a
// shared grid so several laps overlay in one aligned uPlot data set.

/** One lap's columns, ordered by strictly increasing lap distance. */
export interface LapTrace {
  dist: Float64Array;
  t: Float64Array;
  ch: Record<string, Float64Array>;
}

/**
 * Builds a LapTrace from the columns of /api/laps/{id}: keeps only samples whose lap_dist_m strictly
 * increases (drops the previous lap's tail at the start line, pauses and nulls), and makes time relative to
 * the lap's first kept sample.
 */
export function toLapTrace(t_s: readonly number[], channels: Record<string, readonly (number | null)[]>, lengthM = Infinity): LapTrace {
  const dist = channels['lap_dist_m'] ?? [];
  const keep: number[] = [];
  let last = -Infinity;
  // Length unknown: the lap starts after the last drop in distance among its first samples (the previous
  // lap's tail, a few samples at most).
  let start = 0;
  if (!Number.isFinite(lengthM)) {
    let prev = -Infinity;
    for (let j = 0; j < Math.min(dist.length, 64); j++) {
      const d = dist[j];
      if (d == null || !Number.isFinite(d)) continue;
      if (d < prev) start = j;
      prev = d;
    }
  }
  for (let i = 0; i < t_s.length; i++) {
    const d = dist[i];
    if (d == null || !Number.isFinite(d)) continue;
    if (i < start) continue;
    // A sample just before the line can still carry the previous lap's distance.
    if (keep.length === 0 && Number.isFinite(lengthM) && d > lengthM / 2) continue;
    if (d <= last) continue;
    keep.push(i);
    last = d;
  }
  const t0 = keep.length ? t_s[keep[0]] : 0;
  const out: LapTrace = { dist: new Float64Array(keep.length), t: new Float64Array(keep.length), ch: {} };
  keep.forEach((k, j) => {
    out.dist[j] = dist[k] as number;
    out.t[j] = t_s[k] - t0;
  });
  for (const [name, col] of Object.entries(channels)) {
    if (name === 'lap_dist_m') continue;
    const a = new Float64Array(keep.length);
    keep.forEach((k, j) => (a[j] = col[k] ?? NaN));
    out.ch[name] = a;
  }
  return out;
}

/** Index of the first element of the sorted array `xs` that is >= x (xs.length if none). */
export function lowerBound(xs: ArrayLike<number>, x: number): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (xs[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Linear interpolation of ys over the sorted xs at x; clamps at the ends, NaN when empty. */
export function interp(xs: ArrayLike<number>, ys: ArrayLike<number>, x: number): number {
  const n = xs.length;
  if (n === 0) return NaN;
  if (x <= xs[0]) return ys[0];
  if (x >= xs[n - 1]) return ys[n - 1];
  const i = lowerBound(xs, x);
  const x0 = xs[i - 1];
  const x1 = xs[i];
  const f = x1 === x0 ? 0 : (x - x0) / (x1 - x0);
  return ys[i - 1] + (ys[i] - ys[i - 1]) * f;
}

/**
 * The x grid for a view of [x0, x1] with `buckets` buckets: two points per bucket (its start and its middle)
 * so that min and max of every bucket can be drawn.
 */
export function bucketGrid(x0: number, x1: number, buckets: number): Float64Array {
  const g = new Float64Array(buckets * 2);
  const w = (x1 - x0) / buckets;
  for (let b = 0; b < buckets; b++) {
    g[2 * b] = x0 + b * w;
    g[2 * b + 1] = x0 + (b + 0.5) * w;
  }
  return g;
}

/**
 * Min/max decimation of ys (over the sorted xs) into `buckets` equal buckets of [x0, x1], aligned with
 * bucketGrid: each bucket gives its two extremes in the order they occur, so peaks survive at any zoom.
 * A bucket with no sample gets the interpolated value at its two grid points: zoomed in past the sample
 * rate, this is the full-resolution trace.
 */
export function decimateMinMax(xs: ArrayLike<number>, ys: ArrayLike<number>, x0: number, x1: number, buckets: number): Float64Array {
  const out = new Float64Array(buckets * 2);
  const w = (x1 - x0) / buckets;
  let i = lowerBound(xs, x0);
  for (let b = 0; b < buckets; b++) {
    const lo = x0 + b * w;
    const hi = lo + w;
    let imin = -1;
    let imax = -1;
    while (i < xs.length && xs[i] < hi) {
      const y = ys[i];
      if (Number.isFinite(y)) {
        if (imin < 0 || y < ys[imin]) imin = i;
        if (imax < 0 || y > ys[imax]) imax = i;
      }
      i++;
    }
    if (imin < 0) {
      out[2 * b] = interp(xs, ys, lo);
      out[2 * b + 1] = interp(xs, ys, lo + w / 2);
    } else if (imin <= imax) {
      out[2 * b] = ys[imin];
      out[2 * b + 1] = ys[imax];
    } else {
      out[2 * b] = ys[imax];
      out[2 * b + 1] = ys[imin];
    }
  }
  return out;
}

/** Delta time at each of `dists`: t_lap(d) − t_ref(d), positive = slower (STYLE.md). */
export function deltaAt(lap: LapTrace, ref: LapTrace, dists: ArrayLike<number>): Float64Array {
  const out = new Float64Array(dists.length);
  for (let i = 0; i < dists.length; i++) out[i] = interp(lap.dist, lap.t, dists[i]) - interp(ref.dist, ref.t, dists[i]);
  return out;
}

/** One line of a distance plot: values aligned with the plot's grid. */
export interface PlotSeries {
  label: string;
  color: string;
  values: ArrayLike<number>;
  width?: number;
}

/** What every distance panel of the compare view shares: the visible range (metres), the lap length, the
 * min/max buckets across the range, the two markers, the highlighted stretch, and the zoom, cursor and marker
 * callbacks that keep the panels in step. */
export interface DistanceView {
  x0: number;
  x1: number;
  fullLength: number;
  buckets: number;
  markers: number[];
  highlight: [number, number] | null;
  onzoom: (a: number, b: number) => void;
  oncursor: (d: number | null) => void;
  onmark: (d: number) => void;
}
