import { checkLength } from "./_check.ts";
import type { Indicator } from "./indicator.ts";

/**
 * MACD as TA-Lib's `TA_MACD`: the MACD line is EMA(fast) - EMA(slow) of the input, the
 * signal line an EMA(signal) of the MACD line, the histogram MACD - signal; every EMA
 * uses k = 2 / (period + 1) and starts from a simple average.
 *
 * One TA-Lib detail matters for matching its numbers: both EMAs start on the same input,
 * the `slow`-th. The slow EMA starts as the average of the first `slow` inputs and the fast
 * EMA as the average of the last `fast` of them, so the fast line is not an `Ema(fast)`
 * that started earlier. The signal EMA starts as the average of the first `signal` MACD
 * values.
 *
 * Warm-up: `slow + signal - 2` inputs; `value`, `macd`, `signal` and `histogram` are all
 * NaN until then (as TA-Lib, which returns the three from the same input on).
 */
export class Macd implements Indicator {
  /** Period of the fast EMA. */
  readonly fast: number = 0;
  /** Period of the slow EMA. */
  readonly slow: number = 0;
  /** Period of the signal EMA. */
  readonly signalPeriod: number = 0;
  /** Inputs before the first value: `slow + signal - 2`. */
  readonly warmup: number = 0;
  private readonly kf: number = 0;
  private readonly ks: number = 0;
  private readonly kg: number = 0;
  private sumFast = 0;
  private sumSlow = 0;
  private sumSignal = 0;
  private ef = 0;
  private es = 0;
  private sg = 0;
  private seen = 0;
  private m = Number.NaN;
  private s = Number.NaN;
  private h = Number.NaN;

  /**
   * @param fast fast EMA period, an integer >= 1
   * @param slow slow EMA period, an integer > fast
   * @param signal signal EMA period, an integer >= 1
   */
  constructor(fast: number, slow: number, signal: number) {
    this.fast = checkLength("MACD", "fast period", fast);
    this.slow = checkLength("MACD", "slow period", slow, 2);
    this.signalPeriod = checkLength("MACD", "signal period", signal);
    if (fast >= slow) {
      throw new RangeError(
        `Cannot create MACD: fast period must be shorter than slow, got ${fast} and ${slow}`,
      );
    }
    this.kf = 2 / (fast + 1);
    this.ks = 2 / (slow + 1);
    this.kg = 2 / (signal + 1);
    this.warmup = slow + signal - 2;
  }

  /** True once a value is available. */
  get ready(): boolean {
    return this.seen > this.warmup;
  }

  /** The MACD line (same as `macd`); NaN during warm-up. */
  get value(): number {
    return this.m;
  }

  /** EMA(fast) - EMA(slow); NaN during warm-up. */
  get macd(): number {
    return this.m;
  }

  /** EMA(signal) of the MACD line; NaN during warm-up. */
  get signal(): number {
    return this.s;
  }

  /** MACD - signal; NaN during warm-up. */
  get histogram(): number {
    return this.h;
  }

  /** Adds one input; returns the MACD line (NaN during warm-up). */
  update(x: number): number {
    const i = this.seen++;
    const start = this.slow - 1;
    let ef: number;
    let es: number;
    if (i > start) {
      ef = (x - this.ef) * this.kf + this.ef;
      es = (x - this.es) * this.ks + this.es;
    } else {
      if (i >= this.slow - this.fast) this.sumFast += x;
      this.sumSlow += x;
      if (i < start) return Number.NaN;
      ef = this.sumFast / this.fast;
      es = this.sumSlow / this.slow;
    }
    this.ef = ef;
    this.es = es;
    const m = ef - es;
    if (i >= this.warmup + 1) {
      this.sg = (m - this.sg) * this.kg + this.sg;
    } else {
      this.sumSignal += m;
      if (i < this.warmup) return Number.NaN;
      this.sg = this.sumSignal / this.signalPeriod;
    }
    this.s = this.sg;
    this.h = m - this.sg;
    return (this.m = m);
  }

  /** Forgets every input. */
  reset(): void {
    this.sumFast = 0;
    this.sumSlow = 0;
    this.sumSignal = 0;
    this.ef = 0;
    this.es = 0;
    this.sg = 0;
    this.seen = 0;
    this.m = Number.NaN;
    this.s = Number.NaN;
    this.h = Number.NaN;
  }
}
