import { checkLength } from "./_check.ts";
import type { Indicator } from "./indicator.ts";

/** Options of `Ema`. */
export interface EmaOptions {
  /**
   * How the average starts. `"sma"` (default, TA-Lib's `TA_EMA`): the first value is the
   * simple average of the first `period` inputs, after `period - 1` inputs of warm-up.
   * `"first"`: the first input is the first value (no warm-up); this is how
   * `src/strategy/ema_cross.ts` seeds its averages, and from input `period` on it equals
   * TA-Lib in its Metastock compatibility mode.
   */
  readonly seed?: "sma" | "first";
}

/**
 * Exponential moving average with k = 2 / (period + 1):
 * `ema = (x - ema) * k + ema`, TA-Lib's expression (bit for bit).
 *
 * Warm-up: `period - 1` inputs with the default `seed: "sma"`, none with `"first"`.
 */
export class Ema implements Indicator {
  /** The period the smoothing factor comes from. */
  readonly period: number = 0;
  /** Smoothing factor 2 / (period + 1). */
  readonly k: number = 0;
  /** Inputs before the first value. */
  readonly warmup: number = 0;
  private sum = 0;
  private seen = 0;
  private v = Number.NaN;

  /**
   * @param period an integer >= 1
   * @param options `seed`: `"sma"` (default) or `"first"`
   */
  constructor(period: number, options: EmaOptions = {}) {
    this.period = checkLength("EMA", "period", period);
    const seed = options.seed ?? "sma";
    if (seed !== "sma" && seed !== "first") {
      throw new RangeError(`Cannot create EMA: seed must be "sma" or "first", got ${seed}`);
    }
    this.k = 2 / (period + 1);
    this.warmup = seed === "sma" ? period - 1 : 0;
  }

  /** True once a value is available. */
  get ready(): boolean {
    return this.seen > this.warmup;
  }

  /** The latest average; NaN during warm-up. */
  get value(): number {
    return this.v;
  }

  /** Adds one input; returns the average (NaN during warm-up). */
  update(x: number): number {
    const i = this.seen++;
    if (i > this.warmup) return (this.v = (x - this.v) * this.k + this.v);
    if (this.warmup === 0) return (this.v = x);
    const s = this.sum + x;
    this.sum = s;
    if (i < this.warmup) return Number.NaN;
    return (this.v = s / this.period);
  }

  /** Forgets every input. */
  reset(): void {
    this.sum = 0;
    this.seen = 0;
    this.v = Number.NaN;
  }
}
