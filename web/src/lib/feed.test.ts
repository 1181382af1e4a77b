import { describe, expect, it } from 'vitest';
import type { Lap, Session } from './api';
import { encodeFrame, encodeMessage } from './binary';
import { DEFAULT_CHANNEL_NAMES } from './channels';
import { CHART_BRAKE, CHART_SPEED, CHART_THROTTLE, LiveFeed } from './feed';

const SESSION: Session = {
  id: 7, name: 'Test', archived: false, live: true, lap_count: 2, best_lap_s: 85.1, frame_count: 10,
  game: 'sim', car: 'GT3', track: 'Monza', driver: 'me', started_at_ms: 1763700000000, ended_at_ms: null,
  team_id: null, visibility: 'team', team: '', car_number: '',
};
const lap = (n: number, t: number, id = 30 + n, start = 0, valid = true): Lap => ({
  id, session_id: 7, lap_number: n, lap_time_s: t, sectors_s: [], start_t_s: start, frame_count: 100, valid,
  out_lap: false, pit: false,
});
const CHANNELS = DEFAULT_CHANNEL_NAMES.map((name, index) => ({ index, name, unit: '' }));

function hello(feed: LiveFeed, laps: Lap[] = [], best: number | null = null) {
  feed.handleText(JSON.stringify({ type: 'hello', session: SESSION, channels: CHANNELS, laps, best_lap_s: best }));
}

describe('LiveFeed', () => {
  it('takes laps and best from hello and asks for the last lap outline', () => {
    const feed = new LiveFeed();
    const wanted: number[] = [];
    feed.onOutlineWanted = (id) => wanted.push(id);
    hello(feed, [lap(2, 86.5, 32, 90), lap(1, 90.2, 31, 0)], 85.1);
    expect(feed.laps.map((l) => l.lap_number)).toEqual([1, 2]);
    expect(feed.bestLapS).toBe(85.1);
    expect(feed.lastLapTime()).toBe(86.5);
    expect(feed.currentLap()).toBe(3);
    expect(wanted).toEqual([32]);
    expect(feed.hellos).toBe(1);
  });

  it('computes best from valid laps when hello has none', () => {
    const feed = new LiveFeed();
    hello(feed, [lap(1, 80, 1, 0, false), lap(2, 90), lap(3, 88)], null);
    expect(feed.bestLapS).toBe(88);
  });

  it('ingests binary frames into latest values, chart and trace', () => {
    const feed = new LiveFeed();
    hello(feed);
    // speed 0, rpm 1, throttle 3, brake 4, pos_x 7, pos_y 8, lap_time_s 20
    for (let i = 0; i < 5; i++) {
      const frame = encodeFrame(1_000_000 + i * 100_000, { 0: 50 + i, 1: 6000, 3: 0.5, 4: 0.25, 7: i * 2, 8: -i, 20: 10 + i * 0.1 });
      feed.handleBinary(encodeMessage(100 + i, frame).buffer);
    }
    // A frame with only rpm: the others carry forward.
    feed.handleBinary(encodeMessage(105, encodeFrame(1_500_000, { 1: 6100 })).buffer);
    expect(feed.seq).toBe(105);
    expect(feed.frames).toBe(6);
    expect(feed.latestT).toBeCloseTo(1.5, 12);
    expect(feed.value('speed')).toBe(54);
    expect(feed.value('rpm')).toBe(6100);
    expect(feed.currentLapTime()).toBeCloseTo(10.4, 5);
    expect(feed.trace.length).toBe(5);
    expect([feed.trace.x(4), feed.trace.y(4)]).toEqual([8, -4]);
    expect(feed.chart.length).toBe(6);
    expect(feed.chart.last(CHART_SPEED)).toBeCloseTo(54 * 3.6, 4);
    expect(feed.chart.last(CHART_THROTTLE)).toBe(50);
    expect(feed.chart.last(CHART_BRAKE)).toBe(25);
  });

  it('keeps the latest insight_update as the last lap insight', () => {
    const feed = new LiveFeed();
    const v = feed.infoVersion;
    feed.handleText(
      JSON.stringify({
        type: 'insight_update', lap_number: 3, lap_time_s: 85.1, valid: true, best_lap_s: 84.9, delta_to_best_s: 0.2,
        sectors_s: [28, 29, 28.1], sector_deltas_s: [0.1, -0.05, null], top_speed_mps: 92.1, max_lat_g: 2.9,
        max_brake_g: 3.8, full_throttle_pct: 61.2, tyres: null,
      }),
    );
    expect(feed.infoVersion).toBeGreaterThan(v);
    expect(feed.insight?.lap_number).toBe(3);
    expect(feed.insight?.sector_deltas_s).toEqual([0.1, -0.05, null]);
    expect((feed.insight as unknown as Record<string, unknown>).type).toBeUndefined();
  });

  it('drops malformed binary messages and counts them', () => {
    const feed = new LiveFeed();
    feed.handleBinary(new Uint8Array([1, 2, 3]));
    feed.handleText('{not json');
    expect(feed.errors).toBe(2);
    expect(feed.frames).toBe(0);
  });

  it('replays a lap backlog with nulls', () => {
    const feed = new LiveFeed();
    hello(feed, [lap(2, 86)]);
    feed.handleText(JSON.stringify({
      type: 'lap_backlog', lap: 3, t_s: [1, 2, 3],
      channels: { speed_mps: [10, null, 30], pos_x_m: [0, 10, 20], pos_y_m: [0, 0, 5], bogus: [1, 2, 3] },
    }));
    expect(feed.frames).toBe(3);
    expect(feed.value('speed')).toBe(30);
    expect(feed.trace.length).toBe(3);
    expect(feed.currentLap()).toBe(3);
  });

  it('handles JSON telemetry_update too', () => {
    const feed = new LiveFeed();
    hello(feed);
    feed.handleText(JSON.stringify({ type: 'telemetry_update', seq: 5, t_s: 2.5, frame: { speed_mps: 40, gear: 4 } }));
    expect(feed.seq).toBe(5);
    expect(feed.value('gear')).toBe(4);
    expect(feed.value('speed')).toBe(40);
  });

  it('rolls the trace into the outline on lap change and updates laps on lap_completed', () => {
    const feed = new LiveFeed();
    const wanted: number[] = [];
    feed.onOutlineWanted = (id) => wanted.push(id);
    hello(feed);
    for (let i = 0; i < 10; i++) feed.ingest(i, row({ 19: 1, 7: i * 10, 8: 0 }));
    feed.ingest(10, row({ 19: 2, 7: 0, 8: 1 }));
    expect(feed.outline.length).toBe(10);
    expect(feed.trace.length).toBe(1);
    feed.handleText(JSON.stringify({ type: 'lap_completed', lap: lap(1, 84.9, 41), best_lap_s: 84.9 }));
    expect(feed.bestLapS).toBe(84.9);
    expect(feed.lastLapTime()).toBe(84.9);
    expect(feed.currentLap()).toBe(2); // the lap channel wins
    expect(feed.outline.length).toBe(10); // not rolled twice
    expect(wanted).toEqual([41]);
    feed.setOutline(41, [0, 1, null, 3], [0, 1, 2, 3]);
    expect(feed.outline.length).toBe(3);
    expect(feed.outlineLapId).toBe(41);
  });

  it('keeps the stored outline when lap_completed and its fetch arrive before the next lap starts', () => {
    const feed = new LiveFeed();
    hello(feed, [lap(2, 90, 32)]);
    for (let i = 0; i < 6; i++) feed.ingest(i, row({ 19: 3, 7: i * 10, 8: 0 }));
    feed.handleText(JSON.stringify({ type: 'lap_completed', lap: lap(3, 88, 33), best_lap_s: 88 }));
    feed.setOutline(33, [0, 1, 2, 3, 4, 5, 6, 7], [0, 0, 0, 0, 0, 0, 0, 0]); // fetch resolved
    feed.ingest(6, row({ 19: 4, 7: 0, 8: 1 })); // first frame of lap 4
    expect(feed.outline.length).toBe(8);
    expect(feed.outlineLapId).toBe(33);
    expect(feed.trace.length).toBe(1);
    // A late answer for an older lap does not replace it.
    feed.setOutline(32, [0, 9], [0, 9]);
    expect(feed.outlineLapId).toBe(33);
    // Lap 4 ends with no stored path yet: the recorded trace becomes the outline.
    for (let i = 1; i < 5; i++) feed.ingest(6 + i, row({ 19: 4, 7: i * 10, 8: 1 }));
    feed.ingest(12, row({ 19: 5, 7: 0, 8: 2 }));
    expect(feed.outline.length).toBe(5);
    expect(feed.outlineLapNumber).toBe(4);
    expect(feed.outlineLapId).toBeNull();
  });

  it('rolls on lap_completed when there is no lap channel, and tracks session end and lag', () => {
    const feed = new LiveFeed();
    hello(feed);
    for (let i = 0; i < 5; i++) feed.ingest(i, row({ 7: i * 10, 8: 0 }));
    feed.handleText(JSON.stringify({ type: 'lap_completed', lap: lap(1, 70, 41, 0), best_lap_s: null }));
    expect(feed.outline.length).toBe(5);
    expect(feed.trace.length).toBe(0);
    expect(feed.bestLapS).toBe(70);
    expect(feed.currentLap()).toBe(2);
    // lap time falls back to session time minus the last lap's end (0 + 70)
    feed.ingest(75.5, row({ 0: 1 }));
    expect(feed.currentLapTime()).toBeCloseTo(5.5, 9);
    const v = feed.infoVersion;
    feed.handleText('{"type":"lagged","skipped":17}');
    feed.handleText('{"type":"session_ended"}');
    expect(feed.lagged).toBe(17);
    expect(feed.ended).toBe(true);
    expect(feed.session?.live).toBe(false);
    expect(feed.infoVersion).toBe(v + 2);
  });

  it('resets live data on a new hello (reconnect) and honours the server channel table', () => {
    const feed = new LiveFeed();
    hello(feed);
    feed.ingest(1, row({ 0: 10, 7: 1, 8: 1 }));
    feed.handleText(JSON.stringify({
      type: 'hello', session: SESSION, laps: [], best_lap_s: null,
      channels: [{ index: 5, name: 'speed_mps' }],
    }));
    expect(feed.frames).toBe(1);
    expect(feed.trace.length).toBe(0);
    expect(Number.isNaN(feed.value('speed'))).toBe(true);
    feed.handleBinary(encodeMessage(1, encodeFrame(0, { 5: 20 })));
    expect(feed.value('speed')).toBe(20);
  });
});

function row(vals: Record<number, number>): Float32Array {
  const r = new Float32Array(64).fill(NaN);
  for (const [k, v] of Object.entries(vals)) r[Number(k)] = v;
  return r;
}
