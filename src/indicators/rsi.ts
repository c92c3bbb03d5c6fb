import { checkLength, isZero } from "./_check.ts";
import type { Indicator } from "./indicator.ts";

/**
 * Relative strength index with Wilder's smoothing, computed as TA-Lib's `TA_RSI`: the
 * average gain and loss start as plain averages of the first `period` changes, then
 * `avg = (avg * (period - 1) + change) / period`; RSI = 100 * gain / (gain + loss), and 0
 * when gain + loss is zero (below 1e-14, TA-Lib's guard in the build compared with).
 *
 * Warm-up: `period` inputs (a change needs two inputs), then one value per input.
 */
export class Rsi implements Indicator {
  /** Changes in the smoothing. */
  readonly period: number = 0;
  /** Inputs before the first value: `period`. */
  readonly warmup: number = 0;
  private prev = 0;
  private gain = 0;
  private loss = 0;
  private seen = 0;
  private v = Number.NaN;

  /** @param period an integer >= 1 */
  constructor(period: number) {
    this.period = checkLength("RSI", "period", period);
    this.warmup = period;
  }

  /** True once a value is available. */
  get ready(): boolean {
    return this.seen > this.warmup;
  }

  /** The latest RSI (0..100); NaN during warm-up. */
  get value(): number {
    return this.v;
  }

  /** Adds one input (a close); returns the RSI (NaN during warm-up). */
  update(x: number): number {
    const i = this.seen++;
    const d = x - this.prev;
    this.prev = x;
    if (i === 0) return Number.NaN;
    const n = this.period;
    let gain = this.gain;
    let loss = this.loss;
    if (i > n) {
      loss *= n - 1;
      gain *= n - 1;
      if (d < 0) loss -= d;
      else gain += d;
      loss /= n;
      gain /= n;
    } else {
      if (d < 0) loss -= d;
      else gain += d;
      if (i < n) {
        this.gain = gain;
        this.loss = loss;
        return Number.NaN;
      }
      loss /= n;
      gain /= n;
    }
    this.gain = gain;
    this.loss = loss;
    const t = gain + loss;
    return (this.v = isZero(t) ? 0 : 100 * (gain / t));
  }

  /** Forgets every input. */
  reset(): void {
    this.prev = 0;
    this.gain = 0;
    this.loss = 0;
    this.seen = 0;
    this.v = Number.NaN;
  }
}
