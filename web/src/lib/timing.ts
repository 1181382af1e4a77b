// The timing tower's figures: gaps and intervals as a race engineer reads them, from a race's field.

import type { Field, FieldCar } from './protocol';

/** A gap in seconds as "+1.234", "Leader" for the car in front of everyone, "" when unknown. */
export function formatGap(car: FieldCar, gap: number | null): string {
  if (car.position === 1) return 'Leader';
  if (gap == null || !Number.isFinite(gap)) return '';
  return `+${(Math.round(gap * 1000) / 1000).toFixed(3)}`;
}

/** Laps behind the leader, when the game's lap counts say so (a lapped car shows "+1 L"). */
export function lapsDown(car: FieldCar, leader: FieldCar | undefined): number {
  if (!leader || car.lap == null || leader.lap == null) return 0;
  return Math.max(0, leader.lap - car.lap);
}

/** The tower's rows: classified cars by position, then the rest in the game's order. */
export function towerRows(field: Field | null | undefined): FieldCar[] {
  if (!field) return [];
  const placed = field.cars.filter((c) => c.position != null).sort((a, b) => (a.position ?? 0) - (b.position ?? 0));
  const rest = field.cars.filter((c) => c.position == null);
  return [...placed, ...rest];
}

/** The fastest best lap of the field, for the purple mark. */
export function fieldBest(field: Field | null | undefined): number | null {
  const laps = (field?.cars ?? []).map((c) => c.best_lap_s).filter((s): s is number => s != null && s > 0);
  return laps.length ? Math.min(...laps) : null;
}
