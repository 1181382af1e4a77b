import { describe, expect, it } from 'vitest';
import { emptyBounds, fit, isEmpty, projectX, projectY, union } from './mapfit';

describe('fit', () => {
  it('keeps aspect ratio and centres a wide track', () => {
    // 1000 m × 200 m into 400 × 400 px with 20 px padding: width limits, 360 px / 1000 m.
    const p = fit({ minX: 0, minY: 0, maxX: 1000, maxY: 200 }, 400, 400, 20);
    expect(p.scale).toBeCloseTo(0.36, 12);
    expect(projectX(p, 0)).toBeCloseTo(20, 9);
    expect(projectX(p, 1000)).toBeCloseTo(380, 9);
    // Centred vertically: 200 m → 72 px tall around y = 200.
    expect(projectY(p, 100)).toBeCloseTo(200, 9);
    expect(projectY(p, 200)).toBeCloseTo(164, 9); // +y is up: larger y, smaller pixel row
    expect(projectY(p, 0)).toBeCloseTo(236, 9);
  });

  it('uses the tighter axis for a tall track', () => {
    const p = fit({ minX: -50, minY: -500, maxX: 50, maxY: 500 }, 300, 100, 0);
    expect(p.scale).toBeCloseTo(0.1, 12);
    expect(projectY(p, 500)).toBeCloseTo(0, 9);
    expect(projectY(p, -500)).toBeCloseTo(100, 9);
    expect(projectX(p, 0)).toBeCloseTo(150, 9);
  });

  it('handles a single point and empty bounds', () => {
    const p = fit({ minX: 10, minY: 10, maxX: 10, maxY: 10 }, 100, 100, 0, 50);
    expect(p.scale).toBeCloseTo(2, 12);
    expect(projectX(p, 10)).toBe(50);
    expect(projectY(p, 10)).toBe(50);
    expect(fit(emptyBounds(), 100, 100).scale).toBe(1);
  });
});

describe('union', () => {
  it('ignores empty bounds', () => {
    const u = union(emptyBounds(), { minX: 1, minY: 2, maxX: 3, maxY: 4 }, { minX: -1, minY: 3, maxX: 2, maxY: 9 });
    expect(u).toEqual({ minX: -1, minY: 2, maxX: 3, maxY: 9 });
    expect(isEmpty(union())).toBe(true);
  });
});
