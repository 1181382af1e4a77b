// Colour scales for maps and scatter plots.

type RGB = [number, number, number];

// A perceptual-ish sequential ramp, low → high: blue, cyan, green, yellow, red.
const RAMP: RGB[] = [
  [48, 74, 222],
  [56, 198, 244],
  [43, 212, 125],
  [255, 210, 63],
  [255, 59, 48],
];

function lerp(a: RGB, b: RGB, f: number): RGB {
  return [a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f, a[2] + (b[2] - a[2]) * f];
}

function css(c: RGB): string {
  return `rgb(${Math.round(c[0])},${Math.round(c[1])},${Math.round(c[2])})`;
}

/** Colour of v on [lo, hi] along the sequential ramp; values outside clamp, NaN is grey. */
export function sequential(v: number, lo: number, hi: number): string {
  if (!Number.isFinite(v)) return 'rgb(77,88,102)';
  const f = hi > lo ? Math.min(1, Math.max(0, (v - lo) / (hi - lo))) : 0.5;
  const x = f * (RAMP.length - 1);
  const i = Math.min(RAMP.length - 2, Math.floor(x));
  return css(lerp(RAMP[i], RAMP[i + 1], x - i));
}

const GAIN: RGB = [43, 212, 125];
const NEUTRAL: RGB = [90, 100, 112];
const LOSS: RGB = [255, 59, 48];

/**
 * Diverging colour for time lost (v > 0, red) or gained (v < 0, green), saturating at ±limit;
 * 0 is neutral grey.
 */
export function diverging(v: number, limit: number): string {
  if (!Number.isFinite(v) || !(limit > 0)) return css(NEUTRAL);
  const f = Math.min(1, Math.abs(v) / limit);
  return css(lerp(NEUTRAL, v > 0 ? LOSS : GAIN, f));
}

/** Robust range of values (the p-th and (1−p)-th quantiles), ignoring non-finite ones. */
export function robustRange(values: ArrayLike<number>, p = 0.02): [number, number] {
  const v: number[] = [];
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i])) v.push(values[i]);
  if (v.length === 0) return [0, 1];
  v.sort((a, b) => a - b);
  const at = (q: number) => v[Math.min(v.length - 1, Math.max(0, Math.round(q * (v.length - 1))))];
  return [at(p), at(1 - p)];
}

/** Colours for overlaid laps: the first is the reference. */
export const LAP_COLORS = ['#dfe5ec', '#e10600', '#38c6f4', '#ffd23f', '#2bd47d', '#b36bff'];
