import { describe, expect, it } from 'vitest';
import { bestSectors, cornersByLoss, exportUrl, lapFlagLabels, type AnalysedLap, type CornerComparison } from './analysis';

const flags = { out_lap: false, in_lap: false, pit: false, game_invalid: false, cut: false, reset: false, capture_gap: false, standing_start: false };
function lap(n: number, sectors: number[], valid = true, f: Partial<typeof flags> = {}): AnalysedLap {
  return {
    lap_number: n,
    start_s: 0,
    lap_time_s: sectors.reduce((a, b) => a + b, 0),
    sectors_s: sectors,
    timing: 'game',
    flags: { ...flags, ...f },
    valid,
    session_best: false,
    personal_best: false,
  };
}

describe('lap table helpers', () => {
  it('takes each sector best from valid laps only', () => {
    const best = bestSectors([lap(1, [30, 40, 35]), lap(2, [29, 41, 36], false), lap(3, [31, 39.5, 35])]);
    expect(best).toEqual([30, 39.5, 35]);
  });

  it('labels out, in and invalid laps', () => {
    expect(lapFlagLabels(lap(1, [1], true, { out_lap: true }))).toEqual(['out']);
    expect(lapFlagLabels(lap(2, [1], false, { in_lap: true, cut: true }))).toEqual(['in', 'cut']);
    expect(lapFlagLabels(lap(3, [1], false))).toEqual(['invalid']);
    expect(lapFlagLabels(lap(4, [1]))).toEqual([]);
  });
});

describe('cornersByLoss', () => {
  it('puts the corner that lost most first, ties by corner number', () => {
    const c = (corner: number, loss: number) => ({ corner, segment_loss_s: loss }) as CornerComparison;
    expect(cornersByLoss([c(1, 0.01), c(2, 0.2), c(3, -0.1), c(4, 0.01)]).map((x) => x.corner)).toEqual([2, 1, 4, 3]);
  });
});

describe('exportUrl', () => {
  it('names the laps in driving order, once each, or the whole session', () => {
    expect(exportUrl(4, 'ld', [7, 3, 7])).toBe('/api/sessions/4/export?format=ld&laps=3,7');
    expect(exportUrl(4, 'csv')).toBe('/api/sessions/4/export?format=csv');
    expect(exportUrl(4, 'ldx', [])).toBe('/api/sessions/4/export?format=ldx');
  });
});
