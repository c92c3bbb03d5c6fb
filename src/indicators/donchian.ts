import { checkLength } from "./_check.ts";
import type { Indicator } from "./indicator.ts";

/**
 * Donchian channel: `upper` is the highest high and `lower` the lowest low of the last
 * `period` candles, the current one included (TA-Lib's `TA_MAX` of the highs and `TA_MIN`
 * of the lows); `middle` is their mean. A breakout rule that compares a close with the
 * channel of the candles before it reads the channel before updating with that candle.
 *
 * The candles are taken in blocks of `period` (van Herk / Gil-Werman): the window is the
 * start of the current block plus the end of the previous one, so its extreme is the
 * better of a running extreme of the current block and a suffix extreme of the previous
 * block, computed once when that block completed. That is a few comparisons per update
 * plus `period` steps once every `period` candles: O(1) amortized, the same work whatever
 * the prices do, in buffers allocated once.
 *
 * Warm-up: `period - 1` candles, then one value per candle.
 */
export class Donchian implements Indicator {
  /** Candles in the channel. */
  readonly period: number = 0;
  /** Candles before the first value: `period - 1`. */
  readonly warmup: number = 0;
  /** Highs and lows of the current block, by position in the block. */
  private readonly hiBuf: Float64Array;
  private readonly loBuf: Float64Array;
  /** Suffix extremes of the previous block: position j holds the extreme of j..period-1. */
  private readonly hiSuf: Float64Array;
  private readonly loSuf: Float64Array;
  /** Extremes of the current block so far. */
  private hiRun = 0;
  private loRun = 0;
  private pos = 0;
  private seen = 0;
  private up = Number.NaN;
  private lo = Number.NaN;
  private mid = Number.NaN;

  /** @param period candles in the channel, an integer >= 1 */
  constructor(period: number) {
    this.period = checkLength("Donchian", "period", period);
    this.warmup = period - 1;
    this.hiBuf = new Float64Array(period);
    this.loBuf = new Float64Array(period);
    this.hiSuf = new Float64Array(period);
    this.loSuf = new Float64Array(period);
  }

  /** True once a value is available. */
  get ready(): boolean {
    return this.seen > this.warmup;
  }

  /** The middle of the channel (same as `middle`); NaN during warm-up. */
  get value(): number {
    return this.mid;
  }

  /** Highest high of the last `period` candles; NaN during warm-up. */
  get upper(): number {
    return this.up;
  }

  /** Lowest low of the last `period` candles; NaN during warm-up. */
  get lower(): number {
    return this.lo;
  }

  /** (upper + lower) / 2; NaN during warm-up. */
  get middle(): number {
    return this.mid;
  }

  /** Adds one candle; returns the middle of the channel (NaN during warm-up). */
  update(high: number, low: number): number {
    const j = this.pos;
    const last = this.period - 1;
    this.hiBuf[j] = high;
    this.loBuf[j] = low;
    let hiRun = high;
    let loRun = low;
    if (j > 0) {
      if (this.hiRun > hiRun) hiRun = this.hiRun;
      if (this.loRun < loRun) loRun = this.loRun;
    }
    let up = hiRun;
    let lo = loRun;
    if (j === last) {
      this.completeBlock();
      this.pos = 0;
    } else {
      const h = this.hiSuf[j + 1];
      const l = this.loSuf[j + 1];
      if (h > up) up = h;
      if (l < lo) lo = l;
      this.pos = j + 1;
    }
    this.hiRun = hiRun;
    this.loRun = loRun;
    if (this.seen++ < this.warmup) return Number.NaN;
    this.up = up;
    this.lo = lo;
    return (this.mid = (up + lo) / 2);
  }

  /** The block is full: its suffix extremes serve the next `period` candles. */
  private completeBlock(): void {
    const hb = this.hiBuf, lb = this.loBuf, hs = this.hiSuf, ls = this.loSuf;
    let h = -Infinity;
    let l = Infinity;
    for (let j = hb.length - 1; j >= 0; j--) {
      if (hb[j] > h) h = hb[j];
      if (lb[j] < l) l = lb[j];
      hs[j] = h;
      ls[j] = l;
    }
  }

  /** Forgets every candle. */
  reset(): void {
    this.hiBuf.fill(0);
    this.loBuf.fill(0);
    this.hiSuf.fill(0);
    this.loSuf.fill(0);
    this.hiRun = 0;
    this.loRun = 0;
    this.pos = 0;
    this.seen = 0;
    this.up = Number.NaN;
    this.lo = Number.NaN;
    this.mid = Number.NaN;
  }
}
