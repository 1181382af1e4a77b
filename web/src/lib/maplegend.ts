// The track map's colouring and its legend: by where a lap gains or loses time, or by a channel.

import { diverging, robustRange, sequential } from './colorscale';

/** Below this slope (s per m) the delta is flat: nothing to colour, nothing to scale. */
const FLAT_S_PER_M = 1e-5;

export interface MapScale {
  /** The legend under the map. */
  legend: string;
  /** Colour of one value. */
  color: (v: number) => string;
}

function finite(values: ArrayLike<number>): boolean {
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i])) return true;
  return false;
}

/**
 * The scale for `mode` ('delta', or a channel name) over the per-point `values`. Without any finite value (no
 * comparable lap, or a channel the lap lacks) there is no scale to state, so the legend says what is missing
 * instead of quoting a placeholder range.
 */
export function mapScale(mode: string, values: ArrayLike<number>): MapScale {
  const grey = () => diverging(NaN, 0);
  if (mode === 'delta') {
    if (!finite(values)) return { legend: 'no comparable lap: time gained and lost needs a second lap', color: grey };
    const abs = Array.from(values, Math.abs);
    const lim = robustRange(abs, 0.03)[1];
    if (!(lim > FLAT_S_PER_M)) return { legend: 'no time gained or lost against the reference', color: grey };
    return {
      legend: `green gains, red loses (saturates at ${(lim * 100).toFixed(2)} s per 100 m)`,
      color: (v) => diverging(v, lim),
    };
  }
  if (!finite(values)) return { legend: `no ${mode} on this lap`, color: (v) => sequential(v, 0, 1) };
  const [lo, hi] = robustRange(values);
  const scale = mode === 'speed_mps' ? 3.6 : mode === 'throttle' || mode === 'brake' ? 100 : 1;
  return { legend: `blue ${(lo * scale).toFixed(0)} → red ${(hi * scale).toFixed(0)}`, color: (v) => sequential(v, lo, hi) };
}
