import { describe, expect, it } from 'vitest';
import { LiveDelta } from './livedelta';
import { toLapTrace } from './trace';

describe('LiveDelta', () => {
  // Best lap: 1000 m in 50 s at a constant 20 m/s.
  const best = toLapTrace(
    Array.from({ length: 101 }, (_, i) => 100 + i * 0.5),
    { lap_dist_m: Array.from({ length: 101 }, (_, i) => i * 10) },
  );

  it('is the lap time minus the best lap time at the same distance', () => {
    const d = new LiveDelta();
    expect(d.at(500, 25)).toBeNaN();
    d.set(3, best);
    expect(d.lapId).toBe(3);
    expect(d.at(500, 25.3)).toBeCloseTo(0.3, 9);
    expect(d.at(505, 25.0)).toBeCloseTo(-0.25, 9);
  });

  it('shows nothing just after the line or past the reference lap', () => {
    const d = new LiveDelta();
    d.set(3, best);
    expect(d.at(2, 0.1)).toBeNaN();
    expect(d.at(1200, 60)).toBeNaN();
    expect(d.at(NaN, 1)).toBeNaN();
  });
});
