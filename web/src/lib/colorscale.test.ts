import { describe, expect, it } from 'vitest';
import { diverging, robustRange, sequential } from './colorscale';

describe('sequential', () => {
  it('runs blue → red and clamps', () => {
    expect(sequential(0, 0, 1)).toBe('rgb(48,74,222)');
    expect(sequential(1, 0, 1)).toBe('rgb(255,59,48)');
    expect(sequential(-5, 0, 1)).toBe(sequential(0, 0, 1));
    expect(sequential(5, 0, 1)).toBe(sequential(1, 0, 1));
    expect(sequential(0.5, 0, 1)).toBe('rgb(43,212,125)');
    expect(sequential(NaN, 0, 1)).toBe('rgb(77,88,102)');
  });
});

describe('diverging', () => {
  it('is red for loss, green for gain, grey at zero, saturating at the limit', () => {
    expect(diverging(0, 0.1)).toBe('rgb(90,100,112)');
    expect(diverging(0.1, 0.1)).toBe('rgb(255,59,48)');
    expect(diverging(1, 0.1)).toBe('rgb(255,59,48)');
    expect(diverging(-0.1, 0.1)).toBe('rgb(43,212,125)');
  });
});

describe('robustRange', () => {
  it('ignores outliers and non-finite values', () => {
    const v = Array.from({ length: 100 }, (_, i) => i);
    v.push(1e9, NaN);
    const [lo, hi] = robustRange(v, 0.02);
    expect(lo).toBe(2);
    expect(hi).toBeLessThan(100);
    expect(robustRange([])).toEqual([0, 1]);
  });
});
