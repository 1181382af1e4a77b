import { describe, expect, it } from 'vitest';
import { PointTrace, SeriesRing } from './ring';

describe('SeriesRing', () => {
  it('keeps the newest samples in order once wrapped', () => {
    const r = new SeriesRing(4, 2);
    for (let i = 0; i < 6; i++) r.push(i, i * 10, i * 100);
    expect(r.length).toBe(4);
    expect(r.lastT()).toBe(5);
    expect(r.last(1)).toBe(500);
    const t = new Float64Array(4);
    const out = [new Float32Array(4), new Float32Array(4)];
    const n = r.copySince(-Infinity, t, out);
    expect(n).toBe(4);
    expect([...t]).toEqual([2, 3, 4, 5]);
    expect([...out[0]]).toEqual([20, 30, 40, 50]);
    expect([...out[1]]).toEqual([200, 300, 400, 500]);
  });

  it('copies only the window since a time', () => {
    const r = new SeriesRing(8, 1);
    for (let i = 0; i < 11; i++) r.push(i * 0.5, i);
    const t = new Float64Array(8);
    const out = [new Float32Array(8)];
    expect(r.copySince(3.6, t, out)).toBe(3); // 4.0, 4.5, 5.0
    expect([...t.subarray(0, 3)]).toEqual([4, 4.5, 5]);
    expect([...out[0].subarray(0, 3)]).toEqual([8, 9, 10]);
    expect(r.copySince(99, t, out)).toBe(0);
  });

  it('fills missing values with NaN and clears', () => {
    const r = new SeriesRing(2, 2);
    r.push(1, 5);
    expect(Number.isNaN(r.last(1))).toBe(true);
    const v = r.version;
    r.clear();
    expect(r.length).toBe(0);
    expect(Number.isNaN(r.lastT())).toBe(true);
    expect(r.version).toBeGreaterThan(v);
  });
});

describe('PointTrace', () => {
  it('grows, tracks bounds and skips points closer than minStep', () => {
    const p = new PointTrace(2);
    expect(p.add(0, 0, 1)).toBe(true);
    expect(p.add(0.5, 0, 1)).toBe(false);
    expect(p.add(3, -4, 1)).toBe(true);
    expect(p.add(NaN, 1)).toBe(false);
    for (let i = 0; i < 10; i++) p.add(10 + i, 20);
    expect(p.length).toBe(12);
    expect([p.minX, p.minY, p.maxX, p.maxY]).toEqual([0, -4, 19, 20]);
    expect([p.x(1), p.y(1)]).toEqual([3, -4]);
    const q = new PointTrace();
    q.copyFrom(p);
    expect(q.length).toBe(12);
    expect(q.maxX).toBe(19);
    p.clear();
    expect(p.length).toBe(0);
    expect(p.minX).toBe(Infinity);
  });

  it('stops at maxPoints', () => {
    const p = new PointTrace(1, 3);
    for (let i = 0; i < 5; i++) p.add(i, i);
    expect(p.length).toBe(3);
  });
});
