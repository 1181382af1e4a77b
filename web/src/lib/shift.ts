// Shift light rule: lit when rpm >= 96 % of the highest rpm seen so far, that maximum being at least 5000.

export const SHIFT_FRACTION = 0.96;
export const MIN_REFERENCE_RPM = 5000;

export class ShiftLight {
  maxSeen = 0;

  /** Feeds an rpm sample (ignored when not finite) and returns whether the light is on. */
  update(rpm: number): boolean {
    if (!Number.isFinite(rpm)) return false;
    if (rpm > this.maxSeen) this.maxSeen = rpm;
    return rpm >= this.threshold();
  }

  /** The reference maximum: the highest rpm seen, floored at 5000. */
  reference(): number {
    return Math.max(this.maxSeen, MIN_REFERENCE_RPM);
  }

  threshold(): number {
    return SHIFT_FRACTION * this.reference();
  }

  /** Full-scale value for an rpm gauge: the reference rounded up to the next 1000. */
  gaugeMax(): number {
    return Math.ceil(this.reference() / 1000) * 1000;
  }

  reset(): void {
    this.maxSeen = 0;
  }
}
