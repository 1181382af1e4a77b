// Keeps a canvas's backing store matched to its CSS size × devicePixelRatio. Sizes are read through a
// ResizeObserver so the render loop never forces a layout.

export class CanvasSizer {
  width = 0; // CSS pixels
  height = 0;
  dpr = 1;
  /** Bumped when the size changes, so drawers know to redraw. */
  version = 0;
  private observer: ResizeObserver | null = null;

  /** `onResize`, if given, is called after every size change seen by the observer (to schedule a redraw). */
  constructor(
    readonly canvas: HTMLCanvasElement,
    onResize?: () => void,
  ) {
    const measure = (w: number, h: number) => {
      this.width = w;
      this.height = h;
      this.version++;
    };
    const r = canvas.getBoundingClientRect();
    measure(r.width, r.height);
    if (typeof ResizeObserver !== 'undefined') {
      this.observer = new ResizeObserver((entries) => {
        for (const e of entries) measure(e.contentRect.width, e.contentRect.height);
        onResize?.();
      });
      this.observer.observe(canvas);
    }
  }

  /** Returns a context scaled to CSS pixels, resizing the backing store first if needed. */
  context(): CanvasRenderingContext2D | null {
    const dpr = window.devicePixelRatio || 1;
    const w = Math.max(1, Math.round(this.width * dpr));
    const h = Math.max(1, Math.round(this.height * dpr));
    if (this.canvas.width !== w || this.canvas.height !== h || this.dpr !== dpr) {
      this.canvas.width = w;
      this.canvas.height = h;
      this.dpr = dpr;
    }
    const ctx = this.canvas.getContext('2d');
    if (ctx) ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    return ctx;
  }

  destroy(): void {
    this.observer?.disconnect();
    this.observer = null;
  }
}
