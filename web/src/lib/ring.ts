// Fixed-capacity ring buffers over typed arrays: the live path writes frames here and the render
// loop reads them, with no per-frame allocation and no reactive state involved.

/** A time-indexed ring of several float channels. */
export class SeriesRing {
  readonly capacity: number;
  readonly t: Float64Array;
  readonly cols: Float32Array[];
  private head = 0; // next write position
  private len = 0;
  /** Bumped on every write; readers compare it to skip redundant work. */
  version = 0;

  constructor(capacity: number, columns: number) {
    if (capacity < 1 || columns < 1) throw new RangeError('capacity and columns must be >= 1');
    this.capacity = capacity;
    this.t = new Float64Array(capacity);
    this.cols = Array.from({ length: columns }, () => new Float32Array(capacity));
  }

  get length(): number {
    return this.len;
  }

  push(t: number, ...values: number[]): void {
    const i = this.head;
    this.t[i] = t;
    for (let c = 0; c < this.cols.length; c++) this.cols[c][i] = values[c] ?? NaN;
    this.head = (i + 1) % this.capacity;
    if (this.len < this.capacity) this.len++;
    this.version++;
  }

  /** Physical index of the k-th oldest sample (0 = oldest). */
  private at(k: number): number {
    return (this.head - this.len + k + this.capacity) % this.capacity;
  }

  /** Time of the newest sample, NaN when empty. */
  lastT(): number {
    return this.len ? this.t[this.at(this.len - 1)] : NaN;
  }

  last(col: number): number {
    return this.len ? this.cols[col][this.at(this.len - 1)] : NaN;
  }

  clear(): void {
    this.head = 0;
    this.len = 0;
    this.version++;
  }

  /**
   * Copies samples with t >= since, oldest first, into the given arrays (times into `t`, column c into
   * `out[c]`); returns how many were written. The destination arrays must be at least `capacity` long.
   */
  copySince(since: number, t: Float64Array, out: Float32Array[] | Float64Array[]): number {
    // Binary search for the first sample with t >= since (times are non-decreasing).
    let lo = 0;
    let hi = this.len;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.t[this.at(mid)] < since) lo = mid + 1;
      else hi = mid;
    }
    let n = 0;
    for (let k = lo; k < this.len; k++, n++) {
      const i = this.at(k);
      t[n] = this.t[i];
      for (let c = 0; c < out.length; c++) out[c][n] = this.cols[c][i];
    }
    return n;
  }
}

/** A growable list of 2-D points (x, y interleaved) with running bounds. */
export class PointTrace {
  private data: Float64Array;
  private n = 0;
  minX = Infinity;
  minY = Infinity;
  maxX = -Infinity;
  maxY = -Infinity;
  version = 0;

  constructor(initial = 1024, private readonly maxPoints = 200_000) {
    this.data = new Float64Array(initial * 2);
  }

  get length(): number {
    return this.n;
  }

  /** Appends (x, y) unless it is within `minStep` of the previous point; returns whether it was added. */
  add(x: number, y: number, minStep = 0): boolean {
    if (!Number.isFinite(x) || !Number.isFinite(y)) return false;
    if (this.n > 0 && minStep > 0) {
      const dx = x - this.data[2 * this.n - 2];
      const dy = y - this.data[2 * this.n - 1];
      if (dx * dx + dy * dy < minStep * minStep) return false;
    }
    if (this.n >= this.maxPoints) return false;
    if (2 * this.n + 2 > this.data.length) {
      const grown = new Float64Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[2 * this.n] = x;
    this.data[2 * this.n + 1] = y;
    this.n++;
    if (x < this.minX) this.minX = x;
    if (x > this.maxX) this.maxX = x;
    if (y < this.minY) this.minY = y;
    if (y > this.maxY) this.maxY = y;
    this.version++;
    return true;
  }

  x(i: number): number {
    return this.data[2 * i];
  }

  y(i: number): number {
    return this.data[2 * i + 1];
  }

  clear(): void {
    this.n = 0;
    this.minX = this.minY = Infinity;
    this.maxX = this.maxY = -Infinity;
    this.version++;
  }

  /** Replaces the contents with a copy of `other`. */
  copyFrom(other: PointTrace): void {
    this.clear();
    for (let i = 0; i < other.length; i++) this.add(other.x(i), other.y(i));
  }
}
