// Live delta to the best lap: the current lap time minus the best lap's time at the same lap distance,
// from the best lap's stored telemetry (t_lap(d) − t_best(d); positive = slower, STYLE.md).

import { interp, type LapTrace } from './trace';

/** Metres after the line where the delta is not shown yet: the distance can still read the last lap's. */
const SETTLE_M = 10;

export class LiveDelta {
  /** Stored lap id of the reference in use; null before one is loaded. */
  lapId: number | null = null;
  private ref: LapTrace | null = null;

  set(lapId: number, trace: LapTrace): void {
    this.lapId = lapId;
    this.ref = trace.dist.length > 1 ? trace : null;
  }

  /** Delta in seconds at `lapDistM` with `lapTimeS` on the clock; NaN when it cannot be known. */
  at(lapDistM: number, lapTimeS: number): number {
    const r = this.ref;
    if (!r || !Number.isFinite(lapDistM) || !Number.isFinite(lapTimeS)) return NaN;
    if (lapDistM < SETTLE_M || lapDistM > r.dist[r.dist.length - 1]) return NaN;
    return lapTimeS - interp(r.dist, r.t, lapDistM);
  }
}

