import { describe, expect, it } from 'vitest';
import { Backoff } from './backoff';
import { encodeFrame, encodeMessage } from './binary';
import { LiveConnection, type ConnectionStatus } from './connection';
import { LiveFeed } from './feed';

class FakeSocket {
  binaryType = 'blob';
  onopen: ((ev: unknown) => void) | null = null;
  onclose: ((ev: unknown) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  closed = false;
  constructor(readonly url: string) {}
  close() {
    this.closed = true;
  }
}

function setup() {
  const sockets: FakeSocket[] = [];
  const timers: { fn: () => void; ms: number }[] = [];
  const statuses: ConnectionStatus[] = [];
  const feed = new LiveFeed();
  const conn = new LiveConnection('ws://h/ws/7?format=binary', feed, {
    socketFactory: (u) => {
      const s = new FakeSocket(u);
      sockets.push(s);
      return s;
    },
    backoff: new Backoff(500, 4000, 0),
    setTimer: (fn, ms) => timers.push({ fn, ms }),
    clearTimer: () => {},
    onStatus: (s) => statuses.push(s),
  });
  return { sockets, timers, statuses, feed, conn };
}

const HELLO = JSON.stringify({
  type: 'hello', laps: [], best_lap_s: null,
  session: { id: 7, live: true, name: 'x', game: 'sim', car: '', track: '', driver: '', started_at_ms: 0, archived: false, lap_count: 0, best_lap_s: null, frame_count: 0 },
});

describe('LiveConnection', () => {
  it('routes text and binary messages to the feed', () => {
    const { sockets, feed, conn, statuses } = setup();
    conn.start();
    const s = sockets[0];
    expect(s.binaryType).toBe('arraybuffer');
    s.onopen!({});
    s.onmessage!({ data: HELLO });
    s.onmessage!({ data: encodeMessage(3, encodeFrame(2_000_000, { 0: 12.5 })).buffer });
    expect(feed.value('speed')).toBe(12.5);
    expect(feed.seq).toBe(3);
    expect(statuses).toEqual(['connecting', 'open']);
  });

  it('reconnects with growing backoff, reset by a hello', () => {
    const { sockets, timers, conn } = setup();
    conn.start();
    sockets[0].onclose!({});
    expect(timers.map((t) => t.ms)).toEqual([500]);
    timers[0].fn();
    sockets[1].onclose!({});
    expect(timers.map((t) => t.ms)).toEqual([500, 1000]);
    timers[1].fn();
    sockets[2].onmessage!({ data: HELLO });
    sockets[2].onclose!({});
    expect(timers[2].ms).toBe(500);
    expect(conn.status).toBe('reconnecting');
  });

  it('does not reconnect after session_ended, and stop() closes the socket', () => {
    const { sockets, timers, conn, statuses } = setup();
    conn.start();
    sockets[0].onmessage!({ data: HELLO });
    sockets[0].onmessage!({ data: '{"type":"session_ended"}' });
    sockets[0].onclose!({});
    expect(timers.length).toBe(0);
    expect(statuses.at(-1)).toBe('ended');

    const b = setup();
    b.conn.start();
    b.conn.stop();
    expect(b.sockets[0].closed).toBe(true);
    expect(b.conn.status).toBe('stopped');
  });
});
