import { checkLength, trueRange } from "./_check.ts";
import type { Indicator } from "./indicator.ts";

/**
 * Average true range with Wilder's smoothing, computed as TA-Lib's `TA_ATR`. The true
 * range of a candle is max(high - low, |high - previous close|, |low - previous close|),
 * so the first candle has none; the ATR starts as the plain average of the first `period`
 * true ranges (candles 2..period+1), then `atr = (atr * (period - 1) + tr) / period`.
 *
 * Warm-up: `period` candles, then one value per candle.
 */
export class Atr implements Indicator {
  /** True ranges in the smoothing. */
  readonly period: number = 0;
  /** Candles before the first value: `period`. */
  readonly warmup: number = 0;
  private prevClose = 0;
  private atr = 0;
  private seen = 0;
  private v = Number.NaN;

  /** @param period an integer >= 1 */
  constructor(period: number) {
    this.period = checkLength("ATR", "period", period);
    this.warmup = period;
  }

  /** True once a value is available. */
  get ready(): boolean {
    return this.seen > this.warmup;
  }

  /** The latest ATR; NaN during warm-up. */
  get value(): number {
    return this.v;
  }

  /** Adds one candle; returns the ATR (NaN during warm-up). */
  update(high: number, low: number, close: number): number {
    const i = this.seen++;
    const prevClose = this.prevClose;
    this.prevClose = close;
    if (i === 0) return Number.NaN;
    const tr = trueRange(high, low, prevClose);
    const n = this.period;
    if (i > n) {
      let atr = this.atr * (n - 1);
      atr += tr;
      atr /= n;
      this.atr = atr;
      return (this.v = atr);
    }
    const sum = this.atr + tr;
    if (i < n) {
      this.atr = sum;
      return Number.NaN;
    }
    this.atr = sum / n;
    return (this.v = this.atr);
  }

  /** Forgets every candle. */
  reset(): void {
    this.prevClose = 0;
    this.atr = 0;
    this.seen = 0;
    this.v = Number.NaN;
  }
}
