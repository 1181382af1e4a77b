// Reconnect delays: exponential from `base` ms, capped at `max`, with up to ±`jitter` relative spread.

export class Backoff {
  private attempt = 0;

  constructor(
    private readonly base = 500,
    private readonly max = 10_000,
    private readonly jitter = 0.2,
    private readonly random: () => number = Math.random,
  ) {}

  /** Delay before the next attempt, in milliseconds; each call counts as one failed attempt. */
  next(): number {
    const raw = Math.min(this.max, this.base * 2 ** this.attempt);
    this.attempt = Math.min(this.attempt + 1, 30);
    const spread = 1 + this.jitter * (2 * this.random() - 1);
    return Math.round(Math.min(this.max, raw * spread));
  }

  reset(): void {
    this.attempt = 0;
  }

  get attempts(): number {
    return this.attempt;
  }
}
