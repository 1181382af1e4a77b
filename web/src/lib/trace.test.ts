import { describe, expect, it } from 'vitest';
import { bucketGrid, decimateMinMax, deltaAt, interp, lowerBound, toLapTrace } from './trace';

describe('toLapTrace', () => {
  it('drops the previous lap tail, repeats and nulls, and starts time at zero', () => {
    const tr = toLapTrace([10, 11, 12, 13, 14, 15], { lap_dist_m: [995, 1, 5, 5, null, 9], speed_mps: [1, 2, 3, 4, 5, 6] }, 1000);
    expect(Array.from(tr.dist)).toEqual([1, 5, 9]);
    expect(Array.from(tr.t)).toEqual([0, 1, 4]);
    expect(Array.from(tr.ch.speed_mps)).toEqual([2, 3, 6]);
  });
  it('drops the previous lap tail without knowing the lap length', () => {
    const tr = toLapTrace([10, 11, 12, 13], { lap_dist_m: [995, 998, 1, 5] });
    expect(Array.from(tr.dist)).toEqual([1, 5]);
    expect(tr.t[0]).toBe(0);
  });
});

describe('interp', () => {
  it('interpolates and clamps', () => {
    expect(lowerBound([0, 1, 2], 1.5)).toBe(2);
    expect(interp([0, 10], [0, 100], 2.5)).toBe(25);
    expect(interp([0, 10], [0, 100], -1)).toBe(0);
    expect(interp([0, 10], [0, 100], 11)).toBe(100);
    expect(interp([], [], 1)).toBeNaN();
  });
});

describe('decimateMinMax', () => {
  const xs = Float64Array.from({ length: 1001 }, (_, i) => i);
  const ys = Float64Array.from(xs, (x) => Math.sin(x / 50) * 10);
  ys[503] = 99; // a spike one sample wide

  it('keeps the extremes of every bucket, so a one-sample spike survives', () => {
    const out = decimateMinMax(xs, ys, 0, 1000, 10);
    expect(out.length).toBe(20);
    expect(Math.max(...out)).toBe(99);
    expect(Math.min(...out)).toBeCloseTo(-10, 1);
  });

  it('orders each pair as it occurs', () => {
    const up = decimateMinMax([0, 1, 2, 3], [0, 1, 2, 3], 0, 4, 1);
    expect(Array.from(up)).toEqual([0, 3]);
    const down = decimateMinMax([0, 1, 2, 3], [3, 2, 1, 0], 0, 4, 1);
    expect(Array.from(down)).toEqual([3, 0]);
  });

  it('interpolates empty buckets when zoomed in past the sample spacing', () => {
    const out = decimateMinMax([0, 10], [0, 100], 2, 4, 2);
    const grid = bucketGrid(2, 4, 2);
    expect(Array.from(grid)).toEqual([2, 2.5, 3, 3.5]);
    expect(Array.from(out)).toEqual([20, 25, 30, 35]);
  });
});

describe('deltaAt', () => {
  it('is t_lap − t_ref at equal distance and ends at the lap-time difference', () => {
    const ref = toLapTrace([0, 50, 100], { lap_dist_m: [0, 500, 1000] });
    const lap = toLapTrace([0, 40, 102], { lap_dist_m: [0, 500, 1000] });
    const d = deltaAt(lap, ref, [0, 500, 1000]);
    expect(Array.from(d)).toEqual([0, -10, 2]);
  });
});
