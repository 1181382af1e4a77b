// The pit wall (`GET /api/pitwall`, docs/protocol.md): the engineer's race settings as kept in the browser and sent as
// the query, polling without overlap, which alerts are new enough to speak, and the plan's "one more stop?" answer.

import { getJson } from './api';
import type { Alert, CarStatus, PitPlans, PitWall, RaceSettings } from './protocol';
export type { Alert, CarStatus, PitWall };

/** The settings the engineer may set; `null` leaves the server's default (docs/protocol.md). The race length is
 *  either laps or an end time (`race`), never both. */
export type PitWallSettings = {
  race: 'open' | 'laps' | 'time';
  race_laps: number | null;
  race_ends_at_ms: number | null;
  margin_laps: number | null;
  tank_capacity: number | null;
  refuel_rate_per_s: number | null;
  pit_lane_loss_s: number | null;
  fuel_weight_s_per_lap: number | null;
  tyre_min_c: number | null;
  tyre_max_c: number | null;
};

/** The numeric settings sent as they are, in the form's order. */
export const NUMERIC_SETTINGS = [
  'margin_laps',
  'tank_capacity',
  'refuel_rate_per_s',
  'pit_lane_loss_s',
  'fuel_weight_s_per_lap',
  'tyre_min_c',
  'tyre_max_c',
] as const satisfies readonly (keyof RaceSettings & keyof PitWallSettings)[];

export const DEFAULT_SETTINGS: PitWallSettings = {
  race: 'open',
  race_laps: null,
  race_ends_at_ms: null,
  margin_laps: null,
  tank_capacity: null,
  refuel_rate_per_s: null,
  pit_lane_loss_s: null,
  fuel_weight_s_per_lap: null,
  tyre_min_c: null,
  tyre_max_c: null,
};

export const SETTINGS_KEY = 'racecraft.pitwall.settings';

const finite = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** The query string (with its `?`, or "" when every setting is the server's default) for `settings`. Race laps are
 *  whole and positive; values the server would refuse (negative, not a number) are left out rather than sent. */
export function settingsQuery(settings: PitWallSettings): string {
  const q = new URLSearchParams();
  if (settings.race === 'laps') {
    const laps = finite(settings.race_laps);
    if (laps !== null && laps >= 1) q.set('race_laps', String(Math.round(laps)));
  } else if (settings.race === 'time') {
    const end = finite(settings.race_ends_at_ms);
    if (end !== null && end > 0) q.set('race_ends_at_ms', String(Math.round(end)));
  }
  for (const k of NUMERIC_SETTINGS) {
    const v = finite(settings[k]);
    if (v !== null && v >= 0) q.set(k, String(v));
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}

/** The stored settings; anything missing or malformed is the default. */
export function loadSettings(storage: Pick<Storage, 'getItem'>): PitWallSettings {
  try {
    const v = JSON.parse(storage.getItem(SETTINGS_KEY) ?? 'null');
    if (!v || typeof v !== 'object') return { ...DEFAULT_SETTINGS };
    const out: PitWallSettings = { ...DEFAULT_SETTINGS };
    if (v.race === 'laps' || v.race === 'time') out.race = v.race;
    out.race_laps = finite(v.race_laps);
    out.race_ends_at_ms = finite(v.race_ends_at_ms);
    for (const k of NUMERIC_SETTINGS) out[k] = finite(v[k]);
    return out;
  } catch {
    return { ...DEFAULT_SETTINGS };
  }
}

/** Stores the settings; a full or disabled storage is ignored. */
export function saveSettings(storage: Pick<Storage, 'setItem'>, settings: PitWallSettings): void {
  try {
    storage.setItem(SETTINGS_KEY, JSON.stringify(settings));
  } catch {
    /* not kept */
  }
}

/** `<input type="datetime-local">`'s value (local time) → ms since the epoch; null when empty or invalid. */
export function localInputToMs(value: string): number | null {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/.test(value)) return null;
  const ms = new Date(value).getTime();
  return Number.isFinite(ms) ? ms : null;
}

/** ms since the epoch → `<input type="datetime-local">`'s value in local time; "" when unknown. */
export function msToLocalInput(ms: number | null): string {
  if (ms == null || !Number.isFinite(ms)) return '';
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

/** `GET /api/pitwall` with the settings as the query. */
export const fetchPitWall = (settings: PitWallSettings, signal?: AbortSignal) =>
  getJson<PitWall>(`/api/pitwall${settingsQuery(settings)}`, signal);

/** Calls `fn` every `intervalMs`, never while its previous call is still running (that tick is skipped), until
 *  the returned stop function is called; the signal given to `fn` is aborted then. */
export function poll(
  fn: (signal: AbortSignal) => Promise<unknown>,
  intervalMs: number,
  timers: { set: (fn: () => void, ms: number) => unknown; clear: (h: unknown) => void } = {
    set: (f, ms) => setInterval(f, ms),
    clear: (h) => clearInterval(h as ReturnType<typeof setInterval>),
  },
): () => void {
  const ctrl = new AbortController();
  let inFlight = false;
  const tick = () => {
    if (inFlight || ctrl.signal.aborted) return;
    inFlight = true;
    fn(ctrl.signal)
      .catch(() => {
        /* the caller shows its own errors; the next tick tries again */
      })
      .finally(() => (inFlight = false));
  };
  tick();
  const handle = timers.set(tick, intervalMs);
  return () => {
    ctrl.abort();
    timers.clear(handle);
  };
}

/** What an alert is, for saying it once: its kind and severity (its message carries figures that change every
 *  poll, "Fuel for 2.0 laps"; an escalation to a higher severity is news). */
export const alertKey = (a: Alert) => `${a.kind}:${a.severity}`;

/** Picks the alerts to speak: each once while it stays raised. One that clears is new again only after it stayed
 *  cleared for `rearmAfter` updates, so an alert that flickers at its threshold (a tyre at 69.9/70.1 °C) is not
 *  said over and over. */
export class AlertAnnouncer {
  /** Key → updates since it was last raised (0: raised at the last update). */
  private sinceRaised = new Map<string, number>();

  constructor(private readonly rearmAfter = 5) {}

  /** The alerts of `alerts` to say now. */
  update(alerts: readonly Alert[]): Alert[] {
    for (const [k, n] of this.sinceRaised) {
      if (n + 1 > this.rearmAfter) this.sinceRaised.delete(k);
      else this.sinceRaised.set(k, n + 1);
    }
    const fresh: Alert[] = [];
    for (const a of alerts) {
      const k = alertKey(a);
      const n = this.sinceRaised.get(k);
      if (n === 0) continue; // a second alert of the same kind and severity in this update
      if (n === undefined) fresh.push(a);
      this.sinceRaised.set(k, 0);
    }
    return fresh;
  }
}

/** Speaks `text` with the browser's speech synthesis; false where there is none. */
export function speak(text: string, synth: SpeechSynthesis | undefined = globalThis.speechSynthesis): boolean {
  if (!synth || typeof SpeechSynthesisUtterance === 'undefined') return false;
  try {
    synth.speak(new SpeechSynthesisUtterance(text));
    return true;
  } catch {
    return false;
  }
}

/** The car whose current stint is session `sessionId` (an earlier stint's driver no longer drives it). */
export function carOfSession(wall: PitWall, sessionId: number): CarStatus | null {
  return wall.cars.find((c) => c.session_id === sessionId) ?? null;
}

/** Whether one stop more than the fewest is faster to the finish, and by how much (s, positive: faster). */
export function oneMoreStop(plans: PitPlans): { faster: boolean; gain_s: number } | null {
  if (!plans.one_more_stop) return null;
  const gain = plans.fewest_stops.total_time_s - plans.one_more_stop.total_time_s;
  return { faster: gain > 0, gain_s: gain };
}

/** The key a car is known by: team and car number. */
export const carKey = (c: Pick<CarStatus, 'team' | 'car_number' | 'track'>) => `${c.team}\u0000${c.car_number}\u0000${c.track}`;
