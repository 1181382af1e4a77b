import { describe, expect, it } from 'vitest';
import { Backoff } from './backoff';

describe('Backoff', () => {
  it('doubles up to the cap without jitter and resets', () => {
    const b = new Backoff(500, 4000, 0);
    expect([b.next(), b.next(), b.next(), b.next(), b.next()]).toEqual([500, 1000, 2000, 4000, 4000]);
    b.reset();
    expect(b.next()).toBe(500);
  });
  it('spreads by the jitter fraction', () => {
    expect(new Backoff(1000, 10_000, 0.2, () => 0).next()).toBe(800);
    expect(new Backoff(1000, 10_000, 0.2, () => 1).next()).toBe(1200);
    expect(new Backoff(1000, 1000, 0.2, () => 1).next()).toBe(1000); // never above the cap
  });
});
