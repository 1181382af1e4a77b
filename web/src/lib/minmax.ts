// Min/max pyramid of a column: for every level L ≥ 1 the index of the minimum and of the maximum of each block
// of 2^L samples. Built once per column (O(n) time, about 2n indices), it answers "first minimum and first
// maximum of ys[i0..i1)" in O(log(i1 − i0)), so a zoom step costs O(buckets · log) instead of a scan of every
// sample in the view. bucketBounds cuts a view into buckets once per lap; decimateBuckets then reduces each
// channel of the lap to the min/max pairs that decimateMinMax (trace.ts) would give.

import { interp, lowerBound } from './trace';

/** Below this many samples a bucket is scanned directly: cheaper than walking the levels. */
const SCAN_BELOW = 16;

/** Where a query writes the indices it found (fields, so a query allocates nothing). */
interface Extremes {
  imin: number;
  imax: number;
}

/** The first minimum and first maximum of the finite values of ys[i0..i1) by a plain scan (−1 when none). */
function scan(ys: ArrayLike<number>, i0: number, i1: number, into: Extremes): void {
  let imin = -1;
  let imax = -1;
  for (let i = i0; i < i1; i++) {
    const y = ys[i];
    if (!Number.isFinite(y)) continue;
    if (imin < 0 || y < ys[imin]) imin = i;
    if (imax < 0 || y > ys[imax]) imax = i;
  }
  into.imin = imin;
  into.imax = imax;
}

export class MinMaxPyramid implements Extremes {
  /** The column; it must not change once the pyramid is built. */
  readonly ys: ArrayLike<number>;
  /** mins[L − 1][j]: index of the first minimum of ys[j·2^L .. (j+1)·2^L), −1 when all of it is NaN. */
  private readonly mins: Int32Array[] = [];
  private readonly maxs: Int32Array[] = [];
  /** Result of the last extremes() call (kept in fields so a query allocates nothing). */
  imin = -1;
  imax = -1;

  constructor(ys: ArrayLike<number>) {
    this.ys = ys;
    let prevMin: Int32Array | null = null;
    let prevMax: Int32Array | null = null;
    let count = ys.length;
    while (count > 1) {
      const n = Math.ceil(count / 2);
      const mn = new Int32Array(n);
      const mx = new Int32Array(n);
      for (let j = 0; j < n; j++) {
        const a = 2 * j;
        const b = a + 1 < count ? a + 1 : -1;
        if (prevMin === null || prevMax === null) {
          // Level 1 from the samples: a NaN is no candidate.
          const ia = Number.isFinite(ys[a]) ? a : -1;
          const ib = b >= 0 && Number.isFinite(ys[b]) ? b : -1;
          mn[j] = this.pickMin(ia, ib);
          mx[j] = this.pickMax(ia, ib);
        } else {
          mn[j] = this.pickMin(prevMin[a], b >= 0 ? prevMin[b] : -1);
          mx[j] = this.pickMax(prevMax[a], b >= 0 ? prevMax[b] : -1);
        }
      }
      this.mins.push(mn);
      this.maxs.push(mx);
      prevMin = mn;
      prevMax = mx;
      count = n;
    }
  }

  /** The smaller of two candidate indices by value, the earlier one on a tie (as a left-to-right scan). */
  private pickMin(a: number, b: number): number {
    if (a < 0) return b;
    if (b < 0) return a;
    const ya = this.ys[a];
    const yb = this.ys[b];
    return yb < ya || (yb === ya && b < a) ? b : a;
  }

  private pickMax(a: number, b: number): number {
    if (a < 0) return b;
    if (b < 0) return a;
    const ya = this.ys[a];
    const yb = this.ys[b];
    return yb > ya || (yb === ya && b < a) ? b : a;
  }

  /**
   * Sets imin/imax to the indices of the first minimum and the first maximum of the finite values of
   * ys[i0..i1) (−1 when there is none): the same answer as a scan from i0 keeping strict improvements.
   */
  extremes(i0: number, i1: number): void {
    if (i1 - i0 < SCAN_BELOW) return scan(this.ys, i0, i1, this);
    const ys = this.ys;
    let imin = -1;
    let imax = -1;
    // Bottom-up walk over the levels: take the odd block at each end, then halve the range.
    let l = i0;
    let r = i1;
    if (l & 1) {
      if (Number.isFinite(ys[l])) imin = imax = l;
      l++;
    }
    if (r & 1) {
      r--;
      if (Number.isFinite(ys[r])) {
        imin = this.pickMin(imin, r);
        imax = this.pickMax(imax, r);
      }
    }
    l >>= 1;
    r >>= 1;
    for (let level = 0; l < r; level++) {
      const mn = this.mins[level];
      const mx = this.maxs[level];
      if (l & 1) {
        imin = this.pickMin(imin, mn[l]);
        imax = this.pickMax(imax, mx[l]);
        l++;
      }
      if (r & 1) {
        r--;
        imin = this.pickMin(imin, mn[r]);
        imax = this.pickMax(imax, mx[r]);
      }
      l >>= 1;
      r >>= 1;
    }
    this.imin = imin;
    this.imax = imax;
  }
}

const pyramids = new WeakMap<ArrayLike<number>, MinMaxPyramid>();

/** The pyramid of a column, built on first use and kept as long as the column lives. */
export function pyramidOf(ys: ArrayLike<number>): MinMaxPyramid {
  let p = pyramids.get(ys);
  if (!p) {
    p = new MinMaxPyramid(ys);
    pyramids.set(ys, p);
  }
  return p;
}

/**
 * Index bounds of the `buckets` equal buckets of [x0, x1] over the sorted xs, as decimateMinMax (trace.ts) cuts
 * them: bucket b holds xs[bounds[b] .. bounds[b + 1]). Every channel of a lap shares them.
 */
export function bucketBounds(xs: ArrayLike<number>, x0: number, x1: number, buckets: number): Int32Array {
  const n = xs.length;
  const bounds = new Int32Array(buckets + 1);
  const w = (x1 - x0) / buckets;
  let i = lowerBound(xs, x0);
  bounds[0] = i;
  for (let b = 0; b < buckets; b++) {
    const hi = x0 + b * w + w;
    // A short linear walk (zoomed in, a bucket holds a few samples), then gallop and binary search (zoomed
    // out, thousands), so both are cheap.
    const walkEnd = Math.min(n, i + SCAN_BELOW);
    while (i < walkEnd && xs[i] < hi) i++;
    if (i === walkEnd && i < n && xs[i] < hi) {
      let last = i;
      let step = 1;
      while (i < n && xs[i] < hi) {
        last = i;
        i += step;
        step *= 2;
      }
      let a = last + 1;
      let c = Math.min(i, n);
      while (a < c) {
        const mid = (a + c) >>> 1;
        if (xs[mid] < hi) a = mid + 1;
        else c = mid;
      }
      i = a;
    }
    bounds[b + 1] = i;
  }
  return bounds;
}

/**
 * decimateMinMax (trace.ts) over buckets cut by bucketBounds, values multiplied by `scale`: the same output
 * (min and max of every bucket in the order they occur, interpolation in empty buckets), at a cost that
 * grows with the buckets and not with the samples in view: a bucket of many samples asks the column's pyramid.
 */
export function decimateBuckets(
  xs: ArrayLike<number>,
  ys: ArrayLike<number>,
  bounds: Int32Array,
  x0: number,
  x1: number,
  buckets: number,
  scale = 1,
): Float64Array {
  const out = new Float64Array(buckets * 2);
  const w = (x1 - x0) / buckets;
  let pyr: MinMaxPyramid | null = null;
  const found: Extremes = { imin: -1, imax: -1 };
  for (let b = 0; b < buckets; b++) {
    const i0 = bounds[b];
    const i1 = bounds[b + 1];
    if (i1 - i0 < SCAN_BELOW) {
      scan(ys, i0, i1, found);
    } else {
      // Built on first need: a view where every bucket is short never pays for it.
      pyr ??= pyramidOf(ys);
      pyr.extremes(i0, i1);
      found.imin = pyr.imin;
      found.imax = pyr.imax;
    }
    const { imin, imax } = found;
    if (imin < 0) {
      const lo = x0 + b * w;
      out[2 * b] = interp(xs, ys, lo) * scale;
      out[2 * b + 1] = interp(xs, ys, lo + w / 2) * scale;
    } else if (imin <= imax) {
      out[2 * b] = ys[imin] * scale;
      out[2 * b + 1] = ys[imax] * scale;
    } else {
      out[2 * b] = ys[imax] * scale;
      out[2 * b + 1] = ys[imin] * scale;
    }
  }
  return out;
}

/** decimateBuckets for one column: bucketBounds then decimateBuckets. */
export function decimatePyramid(
  xs: ArrayLike<number>,
  ys: ArrayLike<number>,
  x0: number,
  x1: number,
  buckets: number,
  scale = 1,
): Float64Array {
  return decimateBuckets(xs, ys, bucketBounds(xs, x0, x1, buckets), x0, x1, buckets, scale);
}
