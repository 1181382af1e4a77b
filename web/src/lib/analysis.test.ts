import { describe, expect, it } from 'vitest';
import { cornersByLoss, exportUrl, lapFlagLabels, sectorMark, type AnalysedLap, type CornerComparison, type TheoreticalBest } from './analysis';

const flags = { out_lap: false, in_lap: false, pit: false, game_invalid: false, cut: false, reset: false, capture_gap: false, standing_start: false };
function lap(n: number, sectors: number[], valid = true, f: Partial<typeof flags> = {}, deltas: (number | null)[] = []): AnalysedLap {
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
    sector_deltas_s: deltas,
  };
}

describe('lap table helpers', () => {
  it('marks the theoretical best\'s sectors and the laps that improved on the bests before them', () => {
    const piece = (index: number, lap_number: number) => ({ index, label: `S${index + 1}`, start_m: 0, end_m: 0, time_s: 0, lap_number });
    const theoretical: TheoreticalBest = { sectors_s: 0, best_sectors: [piece(0, 1), piece(1, 3)], segments_s: 0, best_segments: [] };
    const first = lap(1, [30, 40], true, {}, [null, null]);
    const third = lap(3, [31, 39.5], true, {}, [0.5, -0.25]);
    const invalid = lap(2, [29, 41], false, {}, [-1, 1]);
    expect([0, 1].map((i) => sectorMark(first, i, theoretical))).toEqual(['best', null]);
    expect([0, 1].map((i) => sectorMark(third, i, theoretical))).toEqual([null, 'best']);
    // Faster than the bests before it, though not the session's best sector: improved.
    expect(sectorMark(invalid, 0, theoretical)).toBe('improved');
    expect(sectorMark(third, 1, null)).toBe('improved');
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
