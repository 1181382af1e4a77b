import { describe, expect, it } from 'vitest';
import { bucketBounds, decimateBuckets, decimatePyramid, MinMaxPyramid, pyramidOf } from './minmax';
import { decimateMinMax } from './trace';

/** Deterministic generator (mulberry32) so every run checks the same ranges. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * First minimum and first maximum of the finite values of ys[i0..i1), from the definition (Math.min/Math.max of
 * the finite values, then the first index holding each) rather than a copy of minmax.ts's incremental scan.
 */
function firstExtremes(ys: ArrayLike<number>, i0: number, i1: number): [number, number] {
  const idx = Array.from({ length: Math.max(0, i1 - i0) }, (_, k) => i0 + k).filter((i) => Number.isFinite(ys[i]));
  if (idx.length === 0) return [-1, -1];
  const lo = Math.min(...idx.map((i) => ys[i]));
  const hi = Math.max(...idx.map((i) => ys[i]));
  return [idx.find((i) => ys[i] === lo) as number, idx.find((i) => ys[i] === hi) as number];
}

/**
 * Checks a min/max decimation of ys over buckets of [x0, x1] by its defining properties, not against another
 * decimation: two values per bucket; for a bucket with finite samples both values are samples of that bucket, every
 * sample lies between them, and they come in the order their first occurrences do; the extremes of the whole view
 * are kept (empty buckets are interpolated and not checked here).
 */
function checkDecimation(xs: ArrayLike<number>, ys: ArrayLike<number>, x0: number, x1: number, buckets: number, out: ArrayLike<number>, what: string): void {
  expect(out.length, what).toBe(2 * buckets);
  const w = (x1 - x0) / buckets;
  let viewMin = Infinity;
  let viewMax = -Infinity;
  const kept: number[] = [];
  let i = 0; // xs is sorted: one pass hands every sample to its bucket
  while (i < xs.length && xs[i] < x0) i++;
  for (let b = 0; b < buckets; b++) {
    const lo = x0 + b * w;
    const hi = lo + w;
    const inBucket: number[] = [];
    for (; i < xs.length && xs[i] < hi; i++) if (Number.isFinite(ys[i])) inBucket.push(ys[i]);
    if (inBucket.length === 0) continue;
    const [a, c] = [out[2 * b], out[2 * b + 1]];
    const where = `${what}, bucket ${b} [${lo}, ${hi})`;
    expect(inBucket.includes(a) && inBucket.includes(c), `${where}: ${a}, ${c} are samples of the bucket`).toBe(true);
    const [pmin, pmax] = [Math.min(a, c), Math.max(a, c)];
    const outside = inBucket.filter((y) => y < pmin || y > pmax);
    expect(outside, `${where}: samples outside [${pmin}, ${pmax}]`).toEqual([]);
    expect(inBucket.indexOf(a) <= inBucket.indexOf(c), `${where}: pair in order of occurrence`).toBe(true);
    kept.push(a, c);
    for (const y of inBucket) {
      viewMin = Math.min(viewMin, y);
      viewMax = Math.max(viewMax, y);
    }
  }
  if (viewMin <= viewMax) {
    expect(Math.min(...kept), `${what}: view minimum kept`).toBe(viewMin);
    expect(Math.max(...kept), `${what}: view maximum kept`).toBe(viewMax);
  }
}

/** A telemetry-like column: smooth, noisy, with NaN gaps, quantised stretches (ties) and a spike. */
function column(n: number, rand: () => number): Float64Array {
  const ys = new Float64Array(n);
  for (let i = 0; i < n; i++) ys[i] = Math.sin(i / 300) * 50 + (rand() - 0.5) * 4;
  for (let g = 0; g < 5; g++) {
    const at = Math.floor(rand() * n);
    ys.fill(NaN, at, Math.min(n, at + Math.floor(rand() * 40)));
  }
  const q = Math.floor(rand() * (n - 2000));
  for (let i = q; i < q + 2000; i++) if (Number.isFinite(ys[i])) ys[i] = Math.round(ys[i] / 20);
  ys[Math.floor(n / 3)] = 999;
  return ys;
}

describe('MinMaxPyramid', () => {
  it('gives the same first min and max as a scan, for random ranges', () => {
    const rand = rng(7);
    for (const n of [1, 2, 3, 17, 1000, 4097, 36_001]) {
      const ys = column(Math.max(n, 1), rand).subarray(0, n);
      const p = new MinMaxPyramid(ys);
      for (let k = 0; k < 400; k++) {
        const a = Math.floor(rand() * (n + 1));
        const b = Math.floor(rand() * (n + 1));
        const [i0, i1] = a <= b ? [a, b] : [b, a];
        p.extremes(i0, i1);
        expect([p.imin, p.imax], `n ${n} range ${i0}..${i1}`).toEqual(firstExtremes(ys, i0, i1));
      }
    }
  });

  it('picks the earliest of equal values, as a scan does', () => {
    const ys = new Float64Array(64).fill(3);
    ys[40] = 1;
    ys[50] = 1;
    const p = new MinMaxPyramid(ys);
    p.extremes(0, 64);
    expect([p.imin, p.imax]).toEqual([40, 0]);
    p.extremes(41, 64);
    expect([p.imin, p.imax]).toEqual([50, 41]);
  });

  it('reports nothing for an all-NaN or empty range', () => {
    const ys = Float64Array.from({ length: 100 }, (_, i) => (i >= 20 && i < 70 ? NaN : i));
    const p = new MinMaxPyramid(ys);
    p.extremes(20, 70);
    expect([p.imin, p.imax]).toEqual([-1, -1]);
    p.extremes(5, 5);
    expect([p.imin, p.imax]).toEqual([-1, -1]);
    p.extremes(19, 71);
    expect([p.imin, p.imax]).toEqual([19, 70]);
  });

  it('is built once per column', () => {
    const ys = new Float64Array([1, 2, 3]);
    expect(pyramidOf(ys)).toBe(pyramidOf(ys));
    expect(pyramidOf(new Float64Array([1, 2, 3]))).not.toBe(pyramidOf(ys));
  });
});

describe('bucketBounds', () => {
  it('cuts [x0, x1] into equal buckets of sample indices, empty ones included', () => {
    const xs = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
    expect(Array.from(bucketBounds(xs, 2, 6, 2))).toEqual([2, 4, 6]);
    expect(Array.from(bucketBounds(xs, 2.5, 3, 2))).toEqual([3, 3, 3]);
    expect(Array.from(bucketBounds(xs, -5, 5, 2))).toEqual([0, 0, 5]);
  });

  it('is shared by the channels of a lap', () => {
    const xs = Float64Array.from({ length: 5000 }, (_, i) => i * 0.3);
    const a = Float64Array.from(xs, (x) => Math.sin(x / 40));
    const b = Float64Array.from(xs, (x) => Math.cos(x / 25) * 3);
    const bounds = bucketBounds(xs, 100, 1200, 123);
    expect(Array.from(decimateBuckets(xs, a, bounds, 100, 1200, 123))).toEqual(Array.from(decimateMinMax(xs, a, 100, 1200, 123)));
    expect(Array.from(decimateBuckets(xs, b, bounds, 100, 1200, 123, 2))).toEqual(Array.from(decimateMinMax(xs, b, 100, 1200, 123), (v) => v * 2));
  });
});

describe('decimatePyramid', () => {
  it('holds the min/max properties for random views, from the whole lap to a few samples', () => {
    const rand = rng(42);
    const n = 36_000;
    // Strictly increasing distance with an uneven step, as a lap's lap_dist_m.
    const xs = new Float64Array(n);
    for (let i = 1; i < n; i++) xs[i] = xs[i - 1] + 0.05 + rand() * 0.2;
    const ys = column(n, rand);
    const len = xs[n - 1];
    for (let k = 0; k < 120; k++) {
      const span = len * Math.pow(10, -4 * rand());
      const x0 = (len - span) * rand() - 50 * rand();
      const x1 = x0 + span;
      const buckets = 1 + Math.floor(rand() * 700);
      const what = `view ${x0}..${x1}, ${buckets} buckets`;
      checkDecimation(xs, ys, x0, x1, buckets, decimatePyramid(xs, ys, x0, x1, buckets), `decimatePyramid ${what}`);
      checkDecimation(xs, ys, x0, x1, buckets, decimateMinMax(xs, ys, x0, x1, buckets), `decimateMinMax ${what}`);
    }
  }, 60_000);

  it('keeps a one-sample spike at every zoom, and scales the values', () => {
    const xs = Float64Array.from({ length: 10_001 }, (_, i) => i);
    const ys = Float64Array.from(xs, (x) => Math.sin(x / 50));
    ys[5003] = 99;
    for (const [x0, x1] of [
      [0, 10_000],
      [4000, 6000],
      [5000, 5010],
    ]) {
      const out = decimatePyramid(xs, ys, x0, x1, 300, 3.6);
      expect(Math.max(...out)).toBeCloseTo(99 * 3.6, 9);
    }
  });

  it('interpolates empty buckets when zoomed in past the sample spacing', () => {
    expect(Array.from(decimatePyramid([0, 10], [0, 100], 2, 4, 2))).toEqual([20, 25, 30, 35]);
  });
});
