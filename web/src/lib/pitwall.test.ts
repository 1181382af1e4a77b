import { describe, expect, it, vi } from 'vitest';
import {
  AlertAnnouncer,
  DEFAULT_SETTINGS,
  SETTINGS_KEY,
  carOfSession,
  loadSettings,
  localInputToMs,
  msToLocalInput,
  oneMoreStop,
  poll,
  saveSettings,
  settingsQuery,
  type PitWallSettings,
} from './pitwall';
import type { Alert, CarStatus, PitPlan, PitWall } from './protocol';

const settings = (over: Partial<PitWallSettings>): PitWallSettings => ({ ...DEFAULT_SETTINGS, ...over });

describe('settingsQuery', () => {
  it('is empty for the server defaults', () => {
    expect(settingsQuery(DEFAULT_SETTINGS)).toBe('');
  });
  it('sends the race length the form chose, never both', () => {
    const both = { race_laps: 40, race_ends_at_ms: 1_800_000_000_000 };
    expect(settingsQuery(settings({ ...both, race: 'laps' }))).toBe('?race_laps=40');
    expect(settingsQuery(settings({ ...both, race: 'time' }))).toBe('?race_ends_at_ms=1800000000000');
    expect(settingsQuery(settings({ ...both, race: 'open' }))).toBe('');
  });
  it('sends whole race laps and drops values the server would refuse', () => {
    expect(settingsQuery(settings({ race: 'laps', race_laps: 39.6 }))).toBe('?race_laps=40');
    expect(settingsQuery(settings({ race: 'laps', race_laps: 0 }))).toBe('');
    expect(settingsQuery(settings({ tank_capacity: -5, margin_laps: NaN, pit_lane_loss_s: 22.5 }))).toBe('?pit_lane_loss_s=22.5');
  });
  it('names every field as RaceSettings does', () => {
    const q = new URLSearchParams(
      settingsQuery(
        settings({
          margin_laps: 1.5,
          tank_capacity: 120,
          refuel_rate_per_s: 2.5,
          pit_lane_loss_s: 24,
          fuel_weight_s_per_lap: 0.03,
          tyre_min_c: 75,
          tyre_max_c: 105,
        }),
      ),
    );
    expect(Object.fromEntries(q)).toEqual({
      margin_laps: '1.5',
      tank_capacity: '120',
      refuel_rate_per_s: '2.5',
      pit_lane_loss_s: '24',
      fuel_weight_s_per_lap: '0.03',
      tyre_min_c: '75',
      tyre_max_c: '105',
    });
  });
});

describe('stored settings', () => {
  const memory = () => {
    const m = new Map<string, string>();
    return { getItem: (k: string) => m.get(k) ?? null, setItem: (k: string, v: string) => void m.set(k, v), m };
  };
  it('round-trip', () => {
    const s = memory();
    const v = settings({ race: 'laps', race_laps: 30, tank_capacity: 80, tyre_max_c: 100 });
    saveSettings(s, v);
    expect(loadSettings(s)).toEqual(v);
  });
  it('are the defaults when missing or malformed', () => {
    const s = memory();
    expect(loadSettings(s)).toEqual(DEFAULT_SETTINGS);
    s.setItem(SETTINGS_KEY, '{not json');
    expect(loadSettings(s)).toEqual(DEFAULT_SETTINGS);
    s.setItem(SETTINGS_KEY, JSON.stringify({ race: 'sprint', race_laps: '30', tank_capacity: 90 }));
    expect(loadSettings(s)).toEqual(settings({ tank_capacity: 90 }));
  });
  it('ignore a storage that refuses', () => {
    expect(() =>
      saveSettings({ setItem: () => { throw new Error('quota'); } }, DEFAULT_SETTINGS),
    ).not.toThrow();
  });
});

describe('race end time input', () => {
  it('round-trips local time to the minute', () => {
    const ms = new Date(2026, 11, 5, 14, 7).getTime();
    expect(msToLocalInput(ms)).toBe('2026-12-05T14:07');
    expect(localInputToMs('2026-12-05T14:07')).toBe(ms);
  });
  it('is null or empty when unknown', () => {
    expect(localInputToMs('')).toBeNull();
    expect(localInputToMs('tomorrow')).toBeNull();
    expect(msToLocalInput(null)).toBe('');
  });
});

describe('AlertAnnouncer', () => {
  const alert = (kind: Alert['kind'], severity: Alert['severity'], message: string = kind): Alert => ({ kind, severity, message });
  it('says each alert once while it stays raised, though its figures change', () => {
    const a = new AlertAnnouncer();
    expect(a.update([alert('low_fuel', 'warning', 'Fuel for 2.9 laps')]).map((x) => x.message)).toEqual(['Fuel for 2.9 laps']);
    expect(a.update([alert('low_fuel', 'warning', 'Fuel for 2.1 laps')])).toEqual([]);
    expect(a.update([alert('low_fuel', 'warning', 'Fuel for 1.4 laps'), alert('damage', 'warning')]).map((x) => x.kind)).toEqual(['damage']);
  });
  it('says an escalation', () => {
    const a = new AlertAnnouncer();
    a.update([alert('low_fuel', 'warning')]);
    expect(a.update([alert('low_fuel', 'critical')]).map((x) => x.severity)).toEqual(['critical']);
  });
  it('says an alert that comes back after staying cleared, not one that flickers', () => {
    const a = new AlertAnnouncer(3);
    const cold = [alert('tyre_temperature', 'warning', 'FL tyre 69 °C')];
    expect(a.update(cold)).toHaveLength(1);
    expect(a.update([])).toEqual([]);
    expect(a.update(cold)).toEqual([]); // cleared for one update: a flicker
    for (let i = 0; i < 2; i++) expect(a.update([])).toEqual([]);
    expect(a.update(cold)).toEqual([]); // cleared for two updates: still the same alert
    for (let i = 0; i < 3; i++) a.update([]);
    expect(a.update(cold)).toHaveLength(1); // cleared for three: news again
  });
  it('says two alerts of the same kind and severity once', () => {
    const a = new AlertAnnouncer();
    expect(a.update([alert('tyre_temperature', 'warning', 'FL hot'), alert('tyre_temperature', 'warning', 'RR hot')])).toHaveLength(1);
  });
});

describe('poll', () => {
  it('skips a tick while the previous call runs and stops when told', async () => {
    vi.useFakeTimers();
    try {
      let calls = 0;
      let release: () => void = () => {};
      let seen: AbortSignal | null = null;
      const stop = poll((signal) => {
        calls++;
        seen = signal;
        return new Promise<void>((r) => (release = r));
      }, 1000);
      expect(calls).toBe(1); // at once
      await vi.advanceTimersByTimeAsync(3000);
      expect(calls).toBe(1); // still in flight: three ticks skipped
      release();
      await vi.advanceTimersByTimeAsync(1000);
      expect(calls).toBe(2);
      stop();
      expect(seen!.aborted).toBe(true);
      release();
      await vi.advanceTimersByTimeAsync(5000);
      expect(calls).toBe(2);
    } finally {
      vi.useRealTimers();
    }
  });
  it('keeps polling after a failed call', async () => {
    vi.useFakeTimers();
    try {
      let calls = 0;
      const stop = poll(() => {
        calls++;
        return Promise.reject(new Error('offline'));
      }, 1000);
      await vi.advanceTimersByTimeAsync(2000);
      expect(calls).toBe(3);
      stop();
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('plans and cars', () => {
  const plan = (total: number): PitPlan => ({ stops: [], pit_lane_s: 0, refuel_s: 0, fuel_weight_s: 0, total_time_s: total, fuel_at_finish: 0 });
  it('says whether one more stop is faster', () => {
    expect(oneMoreStop({ fastest: plan(50), fewest_stops: plan(60), one_more_stop: plan(50) })).toEqual({ faster: true, gain_s: 10 });
    expect(oneMoreStop({ fastest: plan(50), fewest_stops: plan(50), one_more_stop: plan(75) })).toEqual({ faster: false, gain_s: -25 });
    expect(oneMoreStop({ fastest: plan(0), fewest_stops: plan(0), one_more_stop: null })).toBeNull();
  });
  it('finds the car a session drives now', () => {
    const car = (session_id: number, earlier: number[]) =>
      ({ session_id, stints: [...earlier, session_id].map((s) => ({ session_id: s })) }) as unknown as CarStatus;
    const wall = { cars: [car(4, [2]), car(5, [])] } as unknown as PitWall;
    expect(carOfSession(wall, 5)?.session_id).toBe(5);
    expect(carOfSession(wall, 4)?.session_id).toBe(4);
    expect(carOfSession(wall, 2)).toBeNull(); // an earlier stint: its driver handed the car over
  });
});
