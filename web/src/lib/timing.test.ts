import { describe, expect, it } from 'vitest';
import type { Field, FieldCar } from './protocol';
import { fieldBest, formatGap, lapsDown, towerRows } from './timing';

function car(index: number, position: number | null, extra: Partial<FieldCar> = {}): FieldCar {
  return {
    index, position, number: String(index), driver: `D${index}`, team: null, is_player: false, lap: 10,
    last_lap_s: null, best_lap_s: null, gap_to_leader_s: null, interval_s: null, in_pit: false, pit_stops: null,
    compound: null, tyre_age_laps: null, damage: null, status: null, ...extra,
  };
}

describe('timing tower', () => {
  it('orders classified cars by position and keeps the others after them', () => {
    const field: Field = { t_us: 0, cars: [car(0, 3), car(1, null), car(2, 1), car(3, 2)] };
    expect(towerRows(field).map((c) => c.index)).toEqual([2, 3, 0, 1]);
    expect(towerRows(null)).toEqual([]);
  });
  it('formats gaps, with the leader named', () => {
    expect(formatGap(car(0, 1), 0)).toBe('Leader');
    expect(formatGap(car(0, 2), 1.2345)).toBe('+1.235');
    expect(formatGap(car(0, 2), null)).toBe('');
    expect(formatGap(car(0, 2), NaN)).toBe('');
  });
  it('counts laps down on the leader', () => {
    const leader = car(0, 1, { lap: 12 });
    expect(lapsDown(car(1, 5, { lap: 10 }), leader)).toBe(2);
    expect(lapsDown(car(1, 5, { lap: 12 }), leader)).toBe(0);
    expect(lapsDown(car(1, 5, { lap: null }), leader)).toBe(0);
    expect(lapsDown(car(1, 5), undefined)).toBe(0);
  });
  it('finds the fastest lap of the field', () => {
    const field: Field = { t_us: 0, cars: [car(0, 1, { best_lap_s: 91.2 }), car(1, 2, { best_lap_s: 90.8 }), car(2, 3)] };
    expect(fieldBest(field)).toBe(90.8);
    expect(fieldBest({ t_us: 0, cars: [car(0, 1)] })).toBeNull();
  });
});
