import type { Indicator } from "./indicator.ts";

/**
 * Volume-weighted average price of the typical price (high + low + close) / 3:
 * sum(typical * volume) / sum(volume).
 *
 * Two forms, chosen by `period`:
 * - rolling (an integer `period`): over the last `period` candles; warm-up `period - 1`
 *   candles. Sessions do not exist in a 24/7 market, and a cumulative VWAP would depend
 *   on where a backtest starts, so this is the form for strategies.
 * - cumulative (`period` = `Infinity`): over every candle since the first (or since
 *   `reset`); no warm-up. This is `trading-signals`' `VWAP`.
 *
 * When the volume summed over the window is zero (zero-volume candles during an exchange
 * halt) the VWAP is undefined and the indicator keeps its last value (NaN if it never had
 * one). The rolling sums subtract what leaves the window; when no candle in the window
 * has volume they are reset to exactly zero, so rounding left by earlier candles never
 * becomes a price.
 */
export class Vwap implements Indicator {
  /** Candles in the window; `Infinity` for the cumulative form. */
  readonly period: number = 0;
  /** Candles before the first value: `period - 1` (rolling) or 0 (cumulative). */
  readonly warmup: number = 0;
  private readonly pvBuf: Float64Array;
  private readonly volBuf: Float64Array;
  private readonly rolling: boolean = false;
  private sumPv = 0;
  private sumVol = 0;
  /** Candles with volume > 0 in the window (rolling form). */
  private traded = 0;
  private pos = 0;
  private seen = 0;
  private v = Number.NaN;

  /** @param period candles in the window, an integer >= 1, or `Infinity` for cumulative */
  constructor(period: number) {
    if (period !== Infinity && (!Number.isSafeInteger(period) || period < 1)) {
      throw new RangeError(
        `Cannot create VWAP: period must be an integer >= 1 or Infinity, got ${period}`,
      );
    }
    this.period = period;
    this.rolling = period !== Infinity;
    this.warmup = this.rolling ? period - 1 : 0;
    const size = this.rolling ? period : 0;
    this.pvBuf = new Float64Array(size);
    this.volBuf = new Float64Array(size);
  }

  /** True once the window is full (the value may still be NaN if nothing traded yet). */
  get ready(): boolean {
    return this.seen > this.warmup;
  }

  /** The latest VWAP; NaN during warm-up and before any volume. */
  get value(): number {
    return this.v;
  }

  /** Adds one candle; returns the VWAP (NaN during warm-up). */
  update(high: number, low: number, close: number, volume: number): number {
    const pv = (high + low + close) / 3 * volume;
    const i = this.seen++;
    if (!this.rolling) {
      this.sumPv += pv;
      this.sumVol += volume;
      if (this.sumVol > 0) this.v = this.sumPv / this.sumVol;
      return this.v;
    }
    const pos = this.pos;
    if (i >= this.period) {
      const oldVol = this.volBuf[pos];
      if (oldVol > 0) this.traded--;
      this.sumPv -= this.pvBuf[pos];
      this.sumVol -= oldVol;
    }
    this.pvBuf[pos] = pv;
    this.volBuf[pos] = volume;
    this.pos = pos + 1 === this.period ? 0 : pos + 1;
    if (volume > 0) this.traded++;
    if (this.traded === 0) {
      this.sumPv = 0;
      this.sumVol = 0;
    } else {
      this.sumPv += pv;
      this.sumVol += volume;
    }
    if (i < this.warmup) return Number.NaN;
    if (this.traded > 0) this.v = this.sumPv / this.sumVol;
    return this.v;
  }

  /** Forgets every candle. */
  reset(): void {
    this.pvBuf.fill(0);
    this.volBuf.fill(0);
    this.sumPv = 0;
    this.sumVol = 0;
    this.traded = 0;
    this.pos = 0;
    this.seen = 0;
    this.v = Number.NaN;
  }
}
