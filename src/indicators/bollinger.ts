import { checkLength } from "./_check.ts";
import type { Indicator } from "./indicator.ts";

/**
 * Bollinger Bands as TA-Lib's `TA_BBANDS` with a simple moving average: `middle` is the
 * SMA of the last `period` inputs (bit for bit TA-Lib's), `upper` / `lower` are
 * `middle ± k * sd`, where sd is the population standard deviation (divided by `period`,
 * not `period - 1`) of the same inputs.
 *
 * The variance is not TA-Lib's mean(x²) - mean²: at BTC prices that difference of two
 * numbers near 1e9 keeps few digits, and in a quiet or flat window TA-Lib's sd is off by
 * up to about 0.01 (after 50 identical closes its upper band is 0.0086 above the middle).
 * Here the window keeps the sums of `x - ref` and `(x - ref)²` for a reference price
 * `ref` taken from the window; they are recomputed afresh from the ring buffer every
 * `period` inputs (with the newest input as `ref`), so rounding cannot pile up and a flat
 * window has sd 0.
 * That recomputation makes an update O(1) amortized. Where TA-Lib's own rounding is
 * small, the bands agree with its numbers to 1e-9 (see STRATEGIES.md).
 *
 * Warm-up: `period - 1` inputs, then one value per input.
 */
export class BollingerBands implements Indicator {
  /** Inputs in the window. */
  readonly period: number = 0;
  /** Width of each band in standard deviations. */
  readonly k: number = 0;
  /** Inputs before the first value: `period - 1`. */
  readonly warmup: number = 0;
  private readonly buf: Float64Array;
  /** Sum of the newest `period - 1` inputs (as in `Sma`). */
  private sum = 0;
  /** The reference price of `d1` and `d2`. */
  private ref = 0;
  /** Sum of `x - ref` over the window. */
  private d1 = 0;
  /** Sum of `(x - ref)²` over the window. */
  private d2 = 0;
  private pos = 0;
  private seen = 0;
  private mid = Number.NaN;
  private up = Number.NaN;
  private lo = Number.NaN;
  private dev = Number.NaN;

  /**
   * @param period inputs in the window, an integer >= 1
   * @param k band width in standard deviations (default 2)
   */
  constructor(period: number, k = 2) {
    this.period = checkLength("Bollinger Bands", "period", period);
    if (!Number.isFinite(k)) {
      throw new RangeError(`Cannot create Bollinger Bands: k must be a finite number, got ${k}`);
    }
    this.k = k;
    this.warmup = period - 1;
    this.buf = new Float64Array(period);
  }

  /** True once a value is available. */
  get ready(): boolean {
    return this.seen > this.warmup;
  }

  /** The middle band (same as `middle`); NaN during warm-up. */
  get value(): number {
    return this.mid;
  }

  /** SMA of the window; NaN during warm-up. */
  get middle(): number {
    return this.mid;
  }

  /** `middle + k * sd`; NaN during warm-up. */
  get upper(): number {
    return this.up;
  }

  /** `middle - k * sd`; NaN during warm-up. */
  get lower(): number {
    return this.lo;
  }

  /** Population standard deviation of the window; NaN during warm-up. */
  get sd(): number {
    return this.dev;
  }

  /** Adds one input; returns the middle band (NaN during warm-up). */
  update(x: number): number {
    const buf = this.buf;
    const p = this.period;
    let pos = this.pos;
    const i = this.seen++;
    if (i === 0) this.ref = x;
    const ref = this.ref;
    const dx = x - ref;
    if (i < p) {
      this.d1 += dx;
      this.d2 += dx * dx;
    } else {
      const dy = buf[pos] - ref;
      this.d1 += dx - dy;
      this.d2 += dx * dx - dy * dy;
    }
    buf[pos] = x;
    const s = this.sum + x;
    pos = pos + 1 === p ? 0 : pos + 1;
    this.pos = pos;
    if (i < this.warmup) {
      this.sum = s;
      return Number.NaN;
    }
    this.sum = s - buf[pos];
    if (pos === 0) this.recompute(x);
    const mid = s / p;
    const d1 = this.d1;
    let m2 = this.d2 - d1 * d1 / p;
    if (m2 < 0) m2 = 0;
    const sd = Math.sqrt(m2 / p);
    this.dev = sd;
    const w = sd * this.k;
    this.up = mid + w;
    this.lo = mid - w;
    return (this.mid = mid);
  }

  /** Sums of the full window, exactly, around `ref`. */
  private recompute(ref: number): void {
    const buf = this.buf;
    let d1 = 0;
    let d2 = 0;
    for (let j = 0; j < buf.length; j++) {
      const d = buf[j] - ref;
      d1 += d;
      d2 += d * d;
    }
    this.ref = ref;
    this.d1 = d1;
    this.d2 = d2;
  }

  /** Forgets every input. */
  reset(): void {
    this.buf.fill(0);
    this.sum = 0;
    this.ref = 0;
    this.d1 = 0;
    this.d2 = 0;
    this.pos = 0;
    this.seen = 0;
    this.mid = Number.NaN;
    this.up = Number.NaN;
    this.lo = Number.NaN;
    this.dev = Number.NaN;
  }
}
