import { checkLength } from "./_check.ts";
import type { Indicator } from "./indicator.ts";

/**
 * Simple moving average of the last `period` inputs. O(1) per update: a running sum and
 * a ring buffer of `period` values allocated once. The sum is kept exactly as TA-Lib's
 * `TA_SMA` keeps it (add the new input, divide, subtract the oldest), so the values are
 * TA-Lib's to the last bit.
 *
 * Warm-up: `period - 1` inputs (NaN), then one value per input.
 *
 * @example
 * ```ts
 * const sma = new Sma(3);
 * sma.update(1); sma.update(2); // NaN, NaN
 * sma.update(3); // 2
 * ```
 */
export class Sma implements Indicator {
  /** Inputs in the average. */
  readonly period: number = 0;
  /** Inputs before the first value: `period - 1`. */
  readonly warmup: number = 0;
  private readonly buf: Float64Array;
  /** Sum of the newest `period - 1` inputs. */
  private sum = 0;
  private pos = 0;
  private seen = 0;
  private v = Number.NaN;

  /** @param period inputs in the average, an integer >= 1 */
  constructor(period: number) {
    this.period = checkLength("SMA", "period", period);
    this.warmup = period - 1;
    this.buf = new Float64Array(period);
  }

  /** True once a value is available. */
  get ready(): boolean {
    return this.seen > this.warmup;
  }

  /** The latest average; NaN during warm-up. */
  get value(): number {
    return this.v;
  }

  /** Adds one input; returns the average of the last `period` inputs (NaN during warm-up). */
  update(x: number): number {
    const buf = this.buf;
    let pos = this.pos;
    buf[pos] = x;
    const s = this.sum + x;
    pos = pos + 1 === this.period ? 0 : pos + 1;
    this.pos = pos;
    if (this.seen++ < this.warmup) {
      this.sum = s;
      return Number.NaN;
    }
    this.sum = s - buf[pos];
    return (this.v = s / this.period);
  }

  /** Forgets every input. */
  reset(): void {
    this.buf.fill(0);
    this.sum = 0;
    this.pos = 0;
    this.seen = 0;
    this.v = Number.NaN;
  }
}
