import { describe, expect, it } from 'vitest';
import { rangeStats } from './cursorstats';
import { toLapTrace } from './trace';

describe('rangeStats', () => {
  // 0..100 m at 10 m/s, speed ramps 10 → 20 over the first 50 m then holds.
  const n = 101;
  const d = Array.from({ length: n }, (_, i) => i);
  const t = d.map((x) => x / 10);
  const speed = d.map((x) => (x < 50 ? 10 + x / 5 : 20));
  const lap = toLapTrace(t, { lap_dist_m: d, speed_mps: speed });

  it('gives Δd, Δt, min, max and the distance-weighted average', () => {
    const s = rangeStats(lap, 'speed_mps', 0, 100);
    expect(s.dd).toBe(100);
    expect(s.dt).toBeCloseTo(10, 9);
    expect(s.min).toBe(10);
    expect(s.max).toBe(20);
    expect(s.avg).toBeCloseTo(17.5, 6);
  });

  it('is order-free and interpolates cursors between samples', () => {
    const s = rangeStats(lap, 'speed_mps', 60.5, 10.25);
    expect(s.dd).toBeCloseTo(50.25, 9);
    expect(s.dt).toBeCloseTo(5.025, 9);
    expect(s.min).toBeCloseTo(12.05, 9);
    expect(s.max).toBe(20);
  });

  it('reports NaN statistics for a missing channel', () => {
    const s = rangeStats(lap, 'rpm', 0, 10);
    expect(s.min).toBeNaN();
    expect(s.dt).toBeCloseTo(1, 9);
  });
});
