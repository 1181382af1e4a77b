import { describe, expect, it } from 'vitest';
import { diverging } from './colorscale';
import { mapScale } from './maplegend';

describe('mapScale', () => {
  it('states the delta scale when there is a comparison', () => {
    const v = Float64Array.from({ length: 200 }, (_, i) => (i % 2 ? 1 : -1) * 0.002);
    const s = mapScale('delta', v);
    expect(s.legend).toBe('green gains, red loses (saturates at 0.20 s per 100 m)');
    expect(s.color(0.002)).toBe(diverging(1, 1));
  });

  it('quotes no scale without a comparable lap (one lap: every delta point missing)', () => {
    const s = mapScale('delta', new Float64Array(50).fill(NaN));
    expect(s.legend).toBe('no comparable lap: time gained and lost needs a second lap');
    expect(s.legend).not.toContain('saturates');
    expect(s.color(NaN)).toBe(diverging(NaN, 0));
    expect(mapScale('delta', new Float64Array(0)).legend).not.toContain('saturates');
  });

  it('says a lap against itself gains and loses nothing', () => {
    const s = mapScale('delta', new Float64Array(50));
    expect(s.legend).toBe('no time gained or lost against the reference');
  });

  it('ranges a channel in display units, and names a missing one', () => {
    const v = Float64Array.from({ length: 101 }, (_, i) => i / 2);
    expect(mapScale('speed_mps', v).legend).toBe(`blue ${(1 * 3.6).toFixed(0)} → red ${(49 * 3.6).toFixed(0)}`);
    expect(mapScale('gear', new Float64Array(10).fill(NaN)).legend).toBe('no gear on this lap');
  });
});
