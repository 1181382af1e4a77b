// Polylines for the distance plots. Their series are already min/max-decimated to about one point per pixel,
// so drawing needs no more than a linear map to pixels and one lineTo a point; uPlot's general line builder
// (per-pixel accumulation, gap clip paths) cost more than the drawing itself on every zoom step.

/** The part of Path2D a polyline needs (a recording fake in tests). */
export interface PathSink {
  moveTo(x: number, y: number): void;
  lineTo(x: number, y: number): void;
}

/** A linear map from values to pixels: px = off + (v − min) · k. */
export interface AxisMap {
  min: number;
  off: number;
  k: number;
}

/**
 * Appends the polyline through (xs[i], ys[i]) for i in [i0, i1] to `path`, mapped by `mx` and `my`. A NaN (or
 * null) value ends the line and the next finite one starts a new one, so a gap is never bridged.
 */
export function appendPolyline(
  path: PathSink,
  xs: ArrayLike<number>,
  ys: ArrayLike<number | null>,
  i0: number,
  i1: number,
  mx: AxisMap,
  my: AxisMap,
): void {
  let pen = false;
  for (let i = i0; i <= i1; i++) {
    const y = ys[i];
    if (y == null || !Number.isFinite(y)) {
      pen = false;
      continue;
    }
    const px = mx.off + (xs[i] - mx.min) * mx.k;
    const py = my.off + (y - my.min) * my.k;
    if (pen) path.lineTo(px, py);
    else path.moveTo(px, py);
    pen = true;
  }
}
