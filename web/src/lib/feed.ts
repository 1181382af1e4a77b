// The live data model behind the dashboard. Messages from the viewer WebSocket go in; typed-array state
// comes out for the render loop (latest values, chart ring, track traces) plus a small, rarely changing
// summary (laps, best, status) that the UI copies into reactive state at a low rate.

import type { Lap, Session } from './api';
import { bestLapTime } from './api';
import { decodeMessage, DecodedFrame } from './binary';
import { ChannelMap, MAX_CHANNELS, type ChannelInfo } from './channels';
import { PointTrace, SeriesRing } from './ring';
import type { LapInsight, ViewerMessage } from './protocol';

/** Chart columns in `LiveFeed.chart`. */
export const CHART_SPEED = 0;
export const CHART_THROTTLE = 1;
export const CHART_BRAKE = 2;
/** Enough for 20 s at 360 Hz. */
export const CHART_CAPACITY = 8192;
/** Map trace resolution in metres. */
export const TRACE_STEP_M = 0.5;

interface Indices {
  speed: number;
  rpm: number;
  gear: number;
  throttle: number;
  brake: number;
  clutch: number;
  steer: number;
  steerInput: number;
  x: number;
  y: number;
  lap: number;
  lapTime: number;
  lastLap: number;
}

function indices(map: ChannelMap): Indices {
  return {
    speed: map.index('speed_mps'),
    rpm: map.index('rpm'),
    gear: map.index('gear'),
    throttle: map.index('throttle'),
    brake: map.index('brake'),
    clutch: map.index('clutch'),
    steer: map.index('steer_rad'),
    steerInput: map.index('steer_input'),
    x: map.index('pos_x_m'),
    y: map.index('pos_y_m'),
    lap: map.index('lap'),
    lapTime: map.index('lap_time_s'),
    lastLap: map.index('last_lap_s'),
  };
}

/** The server's figures for a just-completed lap (generated from crates/protocol). */
export type { LapInsight } from './protocol';

/** Every message of the live socket, generated from the Rust types (crates/protocol). */
export type ServerMessage = ViewerMessage;

export class LiveFeed {
  channels = new ChannelMap();
  private ix: Indices = indices(this.channels);

  /** Latest value of every channel, carried forward while a frame lacks it; NaN until first seen. */
  readonly latest = new Float32Array(MAX_CHANNELS).fill(NaN);
  /** Session time of the newest frame, seconds; NaN before the first. */
  latestT = NaN;
  seq = -1;
  frames = 0;
  /** Bumped on every ingested frame. */
  frameVersion = 0;

  readonly chart = new SeriesRing(CHART_CAPACITY, 3);
  /** The current lap's path. */
  readonly trace = new PointTrace(4096);
  /** The last completed lap's path (live-recorded first, replaced by the stored lap when fetched). */
  readonly outline = new PointTrace(4096);
  outlineLapId: number | null = null;
  /** Lap number the outline shows, when known. */
  outlineLapNumber: number | null = null;

  session: Session | null = null;
  laps: Lap[] = [];
  bestLapS: number | null = null;
  /** The latest `insight_update`: the server's figures for the last completed lap. */
  insight: LapInsight | null = null;
  /** Lap number from lap_backlog / lap_completed when the `lap` channel is absent. */
  private lapFromMessages: number | null = null;
  ended = false;
  lagged = 0;
  errors = 0;
  /** Number of hello messages seen (one per (re)connection). */
  hellos = 0;
  /** Bumped whenever the low-rate summary (session, laps, best, ended, lagged) changes. */
  infoVersion = 0;

  /** Called with a lap id whose stored path should be fetched for the map outline. */
  onOutlineWanted: ((lapId: number) => void) | null = null;

  private readonly frame = new DecodedFrame();
  private readonly row = new Float32Array(MAX_CHANNELS);

  // ---- messages ------------------------------------------------------------------------------

  handleText(text: string): void {
    let msg: ServerMessage;
    try {
      msg = JSON.parse(text) as ServerMessage;
    } catch {
      this.errors++;
      return;
    }
    this.handleMessage(msg);
  }

  handleMessage(msg: ServerMessage): void {
    switch (msg.type) {
      case 'hello':
        this.onHello(msg);
        break;
      case 'lap_backlog':
        this.onBacklog(msg);
        break;
      case 'telemetry_update':
        this.onJsonFrame(msg);
        break;
      case 'lap_completed':
        this.onLapCompleted(msg.lap, msg.best_lap_s);
        break;
      case 'insight_update': {
        const { type: _type, ...insight } = msg;
        this.insight = insight;
        this.infoVersion++;
        break;
      }
      case 'lagged':
        this.lagged += Number(msg.skipped) || 0;
        this.infoVersion++;
        break;
      case 'session_ended':
        this.ended = true;
        if (this.session) this.session = { ...this.session, live: false };
        this.infoVersion++;
        break;
      default:
        break; // unknown types are ignored for forward compatibility
    }
  }

  /** A binary WebSocket message. Malformed ones are counted and dropped. */
  handleBinary(buf: ArrayBuffer | ArrayBufferView): void {
    let f: DecodedFrame | null;
    try {
      f = decodeMessage(buf, this.frame);
    } catch {
      this.errors++;
      return;
    }
    if (!f) return;
    this.seq = f.seq;
    this.ingest(f.tUs / 1e6, f.values);
  }

  private onHello(msg: Extract<ServerMessage, { type: 'hello' }>): void {
    if (msg.channels && msg.channels.length) this.setChannels(msg.channels);
    this.hellos++;
    this.resetLive();
    this.session = msg.session ?? null;
    this.laps = Array.isArray(msg.laps) ? [...msg.laps].sort((a, b) => a.lap_number - b.lap_number) : [];
    this.bestLapS = msg.best_lap_s ?? bestLapTime(this.laps);
    const last = this.laps[this.laps.length - 1];
    this.lapFromMessages = last ? last.lap_number + 1 : null;
    this.ended = msg.session ? msg.session.live === false : false;
    this.infoVersion++;
    // A lap completed live has no id until it is stored; its outline was recorded live.
    if (last && last.id != null && this.onOutlineWanted) this.onOutlineWanted(last.id);
  }

  private onBacklog(msg: Extract<ServerMessage, { type: 'lap_backlog' }>): void {
    if (Number.isFinite(msg.lap)) this.lapFromMessages = msg.lap;
    const t = msg.t_s ?? [];
    const cols: [number, (number | null)[]][] = [];
    for (const [name, col] of Object.entries(msg.channels ?? {})) {
      const i = this.channels.index(name);
      if (i >= 0 && Array.isArray(col)) cols.push([i, col]);
    }
    const row = this.row;
    for (let r = 0; r < t.length; r++) {
      row.fill(NaN);
      for (const [i, col] of cols) {
        const v = col[r];
        if (v != null) row[i] = v;
      }
      this.ingest(t[r], row);
    }
    this.infoVersion++;
  }

  private onJsonFrame(msg: Extract<ServerMessage, { type: 'telemetry_update' }>): void {
    const row = this.row;
    row.fill(NaN);
    for (const [name, v] of Object.entries(msg.frame ?? {})) {
      const i = this.channels.index(name);
      if (i >= 0 && typeof v === 'number') row[i] = v;
    }
    if (Number.isFinite(msg.seq)) this.seq = msg.seq;
    this.ingest(msg.t_s, row);
  }

  private onLapCompleted(lap: Lap, best: number | null | undefined): void {
    if (!lap) return;
    if (!this.laps.some((l) => l.id === lap.id)) {
      this.laps = [...this.laps, lap].sort((a, b) => a.lap_number - b.lap_number);
    }
    this.bestLapS = best ?? bestLapTime(this.laps);
    this.lapFromMessages = Math.max(this.lapFromMessages ?? 0, lap.lap_number + 1);
    // Without a lap channel, lap_completed is the only boundary marker for the map trace.
    if (this.ix.lap < 0 || !Number.isFinite(this.latest[this.ix.lap])) this.rollTrace(lap.lap_number);
    this.infoVersion++;
    if (lap.id != null && this.onOutlineWanted) this.onOutlineWanted(lap.id);
  }

  // ---- frames --------------------------------------------------------------------------------

  /** Ingests one frame: `values[i]` NaN for absent channels. */
  ingest(tS: number, values: ArrayLike<number>): void {
    const ix = this.ix;
    const latest = this.latest;
    if (Number.isFinite(this.latestT) && tS < this.latestT - 1) this.chart.clear(); // time went back: new stream
    // Lap boundary from the lap channel.
    if (ix.lap >= 0) {
      const lapNow = values[ix.lap];
      const lapPrev = latest[ix.lap];
      if (Number.isFinite(lapNow) && Number.isFinite(lapPrev) && lapNow !== lapPrev) this.rollTrace(Math.round(lapPrev));
    }
    for (let i = 0; i < MAX_CHANNELS; i++) {
      const v = values[i];
      if (v === v) latest[i] = v; // not NaN
    }
    this.latestT = tS;
    this.frames++;
    this.frameVersion++;

    const speed = ix.speed >= 0 ? latest[ix.speed] * 3.6 : NaN;
    const thr = ix.throttle >= 0 ? latest[ix.throttle] * 100 : NaN;
    const brk = ix.brake >= 0 ? latest[ix.brake] * 100 : NaN;
    this.chart.push(tS, speed, thr, brk);

    if (ix.x >= 0 && ix.y >= 0) {
      const x = values[ix.x];
      const y = values[ix.y];
      if (x === x && y === y) this.trace.add(x, y, TRACE_STEP_M);
    }
  }

  /**
   * The current trace becomes the outline when lap `ended` is over, unless the outline already is that
   * lap's stored path (lap_completed and its fetch can beat the first frame of the next lap).
   */
  private rollTrace(ended: number | null): void {
    const haveStored = this.outlineLapId !== null && ended !== null && this.outlineLapNumber === ended;
    if (!haveStored && this.trace.length > 1) {
      this.outline.copyFrom(this.trace);
      this.outlineLapId = null;
      this.outlineLapNumber = ended;
    }
    this.trace.clear();
  }

  /**
   * Replaces the outline with a stored lap's path (columns from /api/laps/{id}). Ignored when it is
   * older than the lap the outline already shows (a slow fetch overtaken by a newer lap).
   */
  setOutline(lapId: number, xs: (number | null)[], ys: (number | null)[]): void {
    const lapNumber = this.laps.find((l) => l.id === lapId)?.lap_number ?? null;
    if (lapNumber !== null && this.outlineLapNumber !== null && lapNumber < this.outlineLapNumber) return;
    const n = Math.min(xs.length, ys.length);
    let points = 0;
    for (let i = 0; i < n; i++) if (xs[i] != null && ys[i] != null) points++;
    if (points < 2) return;
    this.outline.clear();
    for (let i = 0; i < n; i++) {
      const x = xs[i];
      const y = ys[i];
      if (x != null && y != null) this.outline.add(x, y);
    }
    this.outlineLapId = lapId;
    this.outlineLapNumber = lapNumber;
  }

  setChannels(channels: readonly (ChannelInfo | string)[]): void {
    this.channels = new ChannelMap(channels);
    this.ix = indices(this.channels);
  }

  private resetLive(): void {
    this.latest.fill(NaN);
    this.latestT = NaN;
    this.seq = -1;
    this.chart.clear();
    this.trace.clear();
    this.outline.clear();
    this.outlineLapId = null;
    this.outlineLapNumber = null;
    this.lagged = 0;
  }

  // ---- derived values for the render loop ------------------------------------------------------

  value(name: keyof Indices): number {
    const i = this.ix[name];
    return i >= 0 ? this.latest[i] : NaN;
  }

  /** Current lap number: the game's lap channel, else what the lap messages imply. */
  currentLap(): number | null {
    const l = this.value('lap');
    if (Number.isFinite(l)) return Math.round(l);
    return this.lapFromMessages;
  }

  /** Time into the current lap, seconds. */
  currentLapTime(): number {
    const lt = this.value('lapTime');
    if (Number.isFinite(lt)) return lt;
    const last = this.laps[this.laps.length - 1];
    if (last && Number.isFinite(this.latestT)) return Math.max(0, this.latestT - (last.start_t_s + last.lap_time_s));
    return NaN;
  }

  /** Last completed lap's time: the stored laps, else the game's last_lap_s channel. */
  lastLapTime(): number | null {
    const last = this.laps[this.laps.length - 1];
    if (last) return last.lap_time_s;
    const g = this.value('lastLap');
    return Number.isFinite(g) && g > 0 ? g : null;
  }
}
