// Fitting world coordinates (metres, +y north) into a canvas (pixels, +y down), keeping aspect ratio.

export interface Bounds {
  minX: number;
  minY: number;
  maxX: number;
  maxY: number;
}

export interface Projection {
  scale: number; // pixels per metre
  /** World point that lands in the centre of the canvas. */
  cx: number;
  cy: number;
  width: number;
  height: number;
}

export function emptyBounds(): Bounds {
  return { minX: Infinity, minY: Infinity, maxX: -Infinity, maxY: -Infinity };
}

export function isEmpty(b: Bounds): boolean {
  return !(b.minX <= b.maxX && b.minY <= b.maxY);
}

/** Union of several bounds (empty ones ignored). */
export function union(...bs: Bounds[]): Bounds {
  const u = emptyBounds();
  for (const b of bs) {
    if (isEmpty(b)) continue;
    u.minX = Math.min(u.minX, b.minX);
    u.minY = Math.min(u.minY, b.minY);
    u.maxX = Math.max(u.maxX, b.maxX);
    u.maxY = Math.max(u.maxY, b.maxY);
  }
  return u;
}

/**
 * The projection that fits `b` into a width × height canvas with `pad` pixels of margin on every side,
 * the same scale on both axes. A degenerate extent is treated as `minSpan` metres wide.
 */
export function fit(b: Bounds, width: number, height: number, pad = 0, minSpan = 50): Projection {
  if (isEmpty(b)) return { scale: 1, cx: 0, cy: 0, width, height };
  const spanX = Math.max(b.maxX - b.minX, minSpan);
  const spanY = Math.max(b.maxY - b.minY, minSpan);
  const availW = Math.max(1, width - 2 * pad);
  const availH = Math.max(1, height - 2 * pad);
  const scale = Math.min(availW / spanX, availH / spanY);
  return { scale, cx: (b.minX + b.maxX) / 2, cy: (b.minY + b.maxY) / 2, width, height };
}

/** World x → canvas x. */
export function projectX(p: Projection, x: number): number {
  return p.width / 2 + (x - p.cx) * p.scale;
}

/** World y → canvas y (+y is up on screen). */
export function projectY(p: Projection, y: number): number {
  return p.height / 2 - (y - p.cy) * p.scale;
}
