import { describe, expect, it } from 'vitest';
import { formatAmount, formatDelta, formatDuration, formatGear, formatLapTime, formatPercent, formatSector, formatSpeedKmh, radToDeg } from './format';

describe('formatLapTime', () => {
  it('formats m:ss.mmm', () => {
    expect(formatLapTime(85.123)).toBe('1:25.123');
    expect(formatLapTime(0)).toBe('0:00.000');
    expect(formatLapTime(9.5)).toBe('0:09.500');
    expect(formatLapTime(125.0406)).toBe('2:05.041'); // nearest millisecond
    expect(formatLapTime(3600 + 1.2)).toBe('60:01.200');
  });
  it('carries rounding into seconds and minutes', () => {
    expect(formatLapTime(59.9996)).toBe('1:00.000');
    expect(formatLapTime(84.9999)).toBe('1:25.000');
  });
  it('shows a placeholder for unknown values', () => {
    for (const v of [null, undefined, NaN, -1, Infinity]) expect(formatLapTime(v)).toBe('-:--.---');
  });
});

describe('other formats', () => {
  it('gear', () => {
    expect(formatGear(-1)).toBe('R');
    expect(formatGear(0)).toBe('N');
    expect(formatGear(3)).toBe('3');
    expect(formatGear(2.9999)).toBe('3');
    expect(formatGear(NaN)).toBe('-');
  });
  it('speed in whole km/h', () => {
    expect(formatSpeedKmh(50)).toBe('180');
    expect(formatSpeedKmh(27.7)).toBe('100'); // 99.72
    expect(formatSpeedKmh(-0.1)).toBe('0');
    expect(formatSpeedKmh(NaN)).toBe('--');
  });
  it('delta and sectors', () => {
    expect(formatDelta(0.1234)).toBe('+0.123');
    expect(formatDelta(-1.02)).toBe('-1.020');
    expect(formatDelta(null)).toBe('');
    expect(formatSector(28.1)).toBe('28.100');
    expect(formatSector(61.5)).toBe('1:01.500');
  });
  it('radians to degrees', () => {
    expect(radToDeg(Math.PI)).toBeCloseTo(180, 10);
    expect(radToDeg(-Math.PI / 2)).toBeCloseTo(-90, 10);
  });
});

describe('pit wall figures', () => {
  it('formats elapsed time', () => {
    expect(formatDuration(0)).toBe('0:00');
    expect(formatDuration(63.9)).toBe('1:03');
    expect(formatDuration(3600 + 125)).toBe('1:02:05');
    for (const v of [null, undefined, NaN, -1]) expect(formatDuration(v)).toBe('--:--');
  });
  it('formats amounts with their unit and fractions as percent', () => {
    expect(formatAmount(42.2999, 'l')).toBe('42.3 l');
    expect(formatAmount(3, 'kg', 0)).toBe('3 kg');
    expect(formatAmount(2.04, '')).toBe('2.0');
    expect(formatAmount(null, 'l')).toBe('--');
    expect(formatPercent(0.374)).toBe('37%');
    expect(formatPercent(0)).toBe('0%');
    expect(formatPercent(undefined)).toBe('--');
  });
});
