// Display formatting shared by all pages.

/** Lap time as m:ss.mmm (85.123 → "1:25.123"); "-:--.---" when unknown. */
export function formatLapTime(s: number | null | undefined): string {
  if (s == null || !Number.isFinite(s) || s < 0) return '-:--.---';
  const ms = Math.round(s * 1000);
  const minutes = Math.floor(ms / 60000);
  const rest = ms - minutes * 60000;
  const secs = Math.floor(rest / 1000);
  const millis = rest - secs * 1000;
  return `${minutes}:${String(secs).padStart(2, '0')}.${String(millis).padStart(3, '0')}`;
}

/** Signed delta in seconds, "+0.123" / "-1.020"; "" when unknown. */
export function formatDelta(s: number | null | undefined): string {
  if (s == null || !Number.isFinite(s)) return '';
  const ms = Math.round(s * 1000);
  const sign = ms < 0 ? '-' : '+';
  const a = Math.abs(ms);
  return `${sign}${Math.floor(a / 1000)}.${String(a % 1000).padStart(3, '0')}`;
}

/** Sector time as s.mmm, with minutes only if needed. */
export function formatSector(s: number | null | undefined): string {
  if (s == null || !Number.isFinite(s) || s < 0) return '--.---';
  if (s >= 60) return formatLapTime(s);
  return (Math.round(s * 1000) / 1000).toFixed(3);
}

/** Gear channel value → "R", "N", "1".. ; "-" when unknown. */
export function formatGear(g: number | null | undefined): string {
  if (g == null || !Number.isFinite(g)) return '-';
  const n = Math.round(g);
  if (n < 0) return 'R';
  if (n === 0) return 'N';
  return String(n);
}

export function mpsToKmh(mps: number): number {
  return mps * 3.6;
}

/** Speed in whole km/h for display; "--" when unknown. */
export function formatSpeedKmh(mps: number | null | undefined): string {
  if (mps == null || !Number.isFinite(mps)) return '--';
  return String(Math.max(0, Math.round(mpsToKmh(mps))));
}

/** Epoch milliseconds → "2025-11-21 14:03" in local time. */
export function formatStarted(ms: number | null | undefined): string {
  if (ms == null || !Number.isFinite(ms)) return '';
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
}

export function radToDeg(r: number): number {
  return (r * 180) / Math.PI;
}

/** Elapsed time as h:mm:ss (or m:ss under an hour); "--:--" when unknown. */
export function formatDuration(s: number | null | undefined): string {
  if (s == null || !Number.isFinite(s) || s < 0) return '--:--';
  const t = Math.floor(s);
  const h = Math.floor(t / 3600);
  const m = Math.floor((t % 3600) / 60);
  const sec = String(t % 60).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}

/** A quantity with `digits` decimals and its unit ("42.3 l"); "--" when unknown. */
export function formatAmount(v: number | null | undefined, unit: string, digits = 1): string {
  if (v == null || !Number.isFinite(v)) return '--';
  return `${v.toFixed(digits)}${unit ? ` ${unit}` : ''}`;
}

/** A 0..1 fraction as a whole percentage ("37%"); "--" when unknown. */
export function formatPercent(f: number | null | undefined): string {
  if (f == null || !Number.isFinite(f)) return '--';
  return `${Math.round(f * 100)}%`;
}
