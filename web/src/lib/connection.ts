// The live viewer WebSocket with reconnection. Text goes to LiveFeed.handleText, binary to handleBinary.

import { Backoff } from './backoff';
import type { LiveFeed } from './feed';

export type ConnectionStatus = 'connecting' | 'open' | 'reconnecting' | 'ended' | 'stopped';

interface SocketLike {
  binaryType: string;
  onopen: ((ev: unknown) => void) | null;
  onclose: ((ev: unknown) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  close(): void;
}

export type SocketFactory = (url: string) => SocketLike;

export interface ConnectionOptions {
  onStatus?: (s: ConnectionStatus) => void;
  socketFactory?: SocketFactory;
  backoff?: Backoff;
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (handle: unknown) => void;
}

export class LiveConnection {
  status: ConnectionStatus = 'stopped';
  /** Delay chosen for the pending reconnect, ms (for display and tests). */
  retryInMs = 0;
  private socket: SocketLike | null = null;
  private timer: unknown = null;
  private readonly backoff: Backoff;
  private readonly factory: SocketFactory;
  private readonly setTimer: (fn: () => void, ms: number) => unknown;
  private readonly clearTimer: (h: unknown) => void;

  constructor(
    private readonly url: string,
    private readonly feed: LiveFeed,
    private readonly opts: ConnectionOptions = {},
  ) {
    this.backoff = opts.backoff ?? new Backoff();
    this.factory = opts.socketFactory ?? ((u) => new WebSocket(u) as unknown as SocketLike);
    this.setTimer = opts.setTimer ?? ((fn, ms) => setTimeout(fn, ms));
    this.clearTimer = opts.clearTimer ?? ((h) => clearTimeout(h as ReturnType<typeof setTimeout>));
  }

  start(): void {
    if (this.socket || this.timer !== null) return;
    this.connect();
  }

  stop(): void {
    if (this.timer !== null) this.clearTimer(this.timer);
    this.timer = null;
    const s = this.socket;
    this.socket = null;
    if (s) {
      s.onclose = s.onmessage = s.onerror = s.onopen = null;
      s.close();
    }
    this.setStatus('stopped');
  }

  private setStatus(s: ConnectionStatus): void {
    this.status = s;
    this.opts.onStatus?.(s);
  }

  private connect(): void {
    this.timer = null;
    this.setStatus(this.backoff.attempts ? 'reconnecting' : 'connecting');
    let s: SocketLike;
    try {
      s = this.factory(this.url);
    } catch {
      this.scheduleRetry();
      return;
    }
    this.socket = s;
    s.binaryType = 'arraybuffer';
    s.onopen = () => this.setStatus('open');
    s.onmessage = (ev) => {
      const d = ev.data;
      if (typeof d === 'string') {
        const wasEnded = this.feed.ended;
        const hellos = this.feed.hellos;
        this.feed.handleText(d);
        // A hello proves the server is healthy: start the backoff over.
        if (this.feed.hellos !== hellos) this.backoff.reset();
        if (this.feed.ended && !wasEnded) this.setStatus('ended');
      } else if (d instanceof ArrayBuffer || ArrayBuffer.isView(d)) {
        this.feed.handleBinary(d as ArrayBuffer);
      }
    };
    s.onerror = () => {
      /* onclose follows */
    };
    s.onclose = () => {
      this.socket = null;
      if (this.feed.ended) this.setStatus('ended');
      else this.scheduleRetry();
    };
  }

  private scheduleRetry(): void {
    this.retryInMs = this.backoff.next();
    this.setStatus('reconnecting');
    this.timer = this.setTimer(() => this.connect(), this.retryInMs);
  }
}
