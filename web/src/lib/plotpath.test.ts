import { describe, expect, it } from 'vitest';
import { appendPolyline, type PathSink } from './plotpath';

function recorder(): PathSink & { ops: string[] } {
  const ops: string[] = [];
  return { ops, moveTo: (x, y) => ops.push(`M${x},${y}`), lineTo: (x, y) => ops.push(`L${x},${y}`) };
}

describe('appendPolyline', () => {
  // x: 0..100 m onto pixels 10..210; y: 0..50 onto 100..0 (canvas y grows downwards).
  const mx = { min: 0, off: 10, k: 2 };
  const my = { min: 0, off: 100, k: -2 };

  it('maps every point linearly, one lineTo a point after the first', () => {
    const p = recorder();
    appendPolyline(p, [0, 50, 100], [0, 25, 50], 0, 2, mx, my);
    expect(p.ops).toEqual(['M10,100', 'L110,50', 'L210,0']);
  });

  it('draws only [i0, i1]', () => {
    const p = recorder();
    appendPolyline(p, [0, 10, 20, 30], [1, 2, 3, 4], 1, 2, mx, my);
    expect(p.ops).toEqual(['M30,96', 'L50,94']);
  });

  it('breaks the line at NaN and null instead of bridging the gap', () => {
    const p = recorder();
    appendPolyline(p, [0, 10, 20, 30, 40], [1, NaN, 3, null, 5], 0, 4, mx, my);
    expect(p.ops).toEqual(['M10,98', 'M50,94', 'M90,90']);
  });
});
