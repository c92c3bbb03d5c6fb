import { checkLength } from "./_check.ts";
import type { Indicator } from "./indicator.ts";

/**
 * Donchian channel: `upper` is the highest high and `lower` the lowest low of the last
 * `period` candles, the current one included (TA-Lib's `TA_MAX` of the highs and `TA_MIN`
 * of the lows); `middle` is their mean. A breakout rule that compares a close with the
 * channel of the candles before it reads the channel before updating with that candle.
 *
 * Each side is a monotonic queue in a ring buffer allocated once: every candle enters
 * and leaves each queue at most once, so an update is O(1) amortized (a single update
 * may drop up to `period` entries, which then cost nothing later).
 *
 * Warm-up: `period - 1` candles, then one value per candle.
 */
export class Donchian implements Indicator {
  /** Candles in the channel. */
  readonly period: number = 0;
  /** Candles before the first value: `period - 1`. */
  readonly warmup: number = 0;
  // max queue of highs and min queue of lows: values and the input number that gave them
  private readonly hiVal: Float64Array;
  private readonly hiAt: Float64Array;
  private readonly loVal: Float64Array;
  private readonly loAt: Float64Array;
  private hiHead = 0;
  private hiLen = 0;
  private loHead = 0;
  private loLen = 0;
  private seen = 0;
  private up = Number.NaN;
  private lo = Number.NaN;
  private mid = Number.NaN;

  /** @param period candles in the channel, an integer >= 1 */
  constructor(period: number) {
    this.period = checkLength("Donchian", "period", period);
    this.warmup = period - 1;
    this.hiVal = new Float64Array(period);
    this.hiAt = new Float64Array(period);
    this.loVal = new Float64Array(period);
    this.loAt = new Float64Array(period);
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
    const p = this.period;
    const i = this.seen++;
    const expired = i - p;

    // highs: drop from the back every value <= the new one; drop the front once it is old
    const hv = this.hiVal;
    const ha = this.hiAt;
    let head = this.hiHead;
    let len = this.hiLen;
    if (len > 0 && ha[head] <= expired) {
      head = head + 1 === p ? 0 : head + 1;
      len--;
    }
    while (len > 0) {
      let back = head + len - 1;
      if (back >= p) back -= p;
      if (hv[back] > high) break;
      len--;
    }
    let at = head + len;
    if (at >= p) at -= p;
    hv[at] = high;
    ha[at] = i;
    this.hiHead = head;
    this.hiLen = len + 1;
    const up = hv[head];

    // lows: the mirror image
    const lv = this.loVal;
    const la = this.loAt;
    head = this.loHead;
    len = this.loLen;
    if (len > 0 && la[head] <= expired) {
      head = head + 1 === p ? 0 : head + 1;
      len--;
    }
    while (len > 0) {
      let back = head + len - 1;
      if (back >= p) back -= p;
      if (lv[back] < low) break;
      len--;
    }
    at = head + len;
    if (at >= p) at -= p;
    lv[at] = low;
    la[at] = i;
    this.loHead = head;
    this.loLen = len + 1;
    const lo = lv[head];

    if (i < this.warmup) return Number.NaN;
    this.up = up;
    this.lo = lo;
    return (this.mid = (up + lo) / 2);
  }

  /** Forgets every candle. */
  reset(): void {
    this.hiHead = 0;
    this.hiLen = 0;
    this.loHead = 0;
    this.loLen = 0;
    this.seen = 0;
    this.up = Number.NaN;
    this.lo = Number.NaN;
    this.mid = Number.NaN;
  }
}
