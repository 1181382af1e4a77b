import { describe, expect, it } from 'vitest';
import { ShiftLight } from './shift';

describe('ShiftLight', () => {
  it('uses 96 % of a 5000 rpm floor before higher revs are seen', () => {
    const s = new ShiftLight();
    expect(s.update(3000)).toBe(false);
    expect(s.threshold()).toBe(4800);
    expect(s.update(4799)).toBe(false);
    expect(s.update(4800)).toBe(true);
  });

  it('follows the highest rpm seen so far', () => {
    const s = new ShiftLight();
    s.update(8000);
    expect(s.threshold()).toBe(7680);
    expect(s.update(7679)).toBe(false);
    expect(s.update(7680)).toBe(true);
    expect(s.update(6000)).toBe(false);
    expect(s.gaugeMax()).toBe(8000);
    s.update(8100);
    expect(s.gaugeMax()).toBe(9000);
    expect(s.update(NaN)).toBe(false);
    s.reset();
    expect(s.reference()).toBe(5000);
  });
});
