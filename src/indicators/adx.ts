import { checkLength, isZero, trueRange } from "./_check.ts";
import type { Indicator } from "./indicator.ts";

/**
 * Average directional index with +DI and -DI, Wilder's method as TA-Lib's `TA_ADX`,
 * `TA_PLUS_DI` and `TA_MINUS_DI` compute it, step for step:
 *
 * - +DM = high - previous high and -DM = previous low - low; only the larger one counts,
 *   and only when positive (a tie counts neither).
 * - TR, +DM and -DM are summed over candles 2..period, then smoothed Wilder's way from
 *   candle period+1 on: `s = s - s / period + x`.
 * - +DI = 100 * +DM / TR and -DI = 100 * -DM / TR, from candle period+1 (both 0 while
 *   TR is zero); DX = 100 * |+DI - -DI| / (+DI + -DI).
 * - ADX starts as the mean of the first `period` DX values, then
 *   `adx = (adx * (period - 1) + dx) / period`. A candle whose TR or DI sum is zero (below
 *   1e-14, TA-Lib's guard in the build compared with) adds no DX and leaves the ADX as it was.
 *
 * Warm-up: `2 * period - 1` candles for the ADX (`value`); +DI and -DI have values after
 * `period` candles (`diWarmup`), NaN before.
 */
export class Adx implements Indicator {
  /** Wilder's smoothing period. */
  readonly period: number = 0;
  /** Candles before the first ADX: `2 * period - 1`. */
  readonly warmup: number = 0;
  /** Candles before the first +DI / -DI: `period`. */
  readonly diWarmup: number = 0;
  private prevHigh = 0;
  private prevLow = 0;
  private prevClose = 0;
  private plusDm = 0;
  private minusDm = 0;
  private tr = 0;
  private sumDx = 0;
  private adx = 0;
  private seen = 0;
  private pdi = Number.NaN;
  private mdi = Number.NaN;
  private v = Number.NaN;

  /** @param period an integer >= 1 */
  constructor(period: number) {
    this.period = checkLength("ADX", "period", period);
    this.warmup = 2 * period - 1;
    this.diWarmup = period;
  }

  /** True once the ADX has a value. */
  get ready(): boolean {
    return this.seen > this.warmup;
  }

  /** The latest ADX (0..100); NaN during warm-up. */
  get value(): number {
    return this.v;
  }

  /** +DI (0..100); NaN during the first `period` candles. */
  get plusDi(): number {
    return this.pdi;
  }

  /** -DI (0..100); NaN during the first `period` candles. */
  get minusDi(): number {
    return this.mdi;
  }

  /** Adds one candle; returns the ADX (NaN during warm-up). */
  update(high: number, low: number, close: number): number {
    const i = this.seen++;
    const diffP = high - this.prevHigh;
    const diffM = this.prevLow - low;
    const prevClose = this.prevClose;
    this.prevHigh = high;
    this.prevLow = low;
    this.prevClose = close;
    if (i === 0) return Number.NaN;
    const n = this.period;
    const tr = trueRange(high, low, prevClose);
    let plusDm = this.plusDm;
    let minusDm = this.minusDm;
    if (i < n) {
      if (diffM > 0 && diffP < diffM) this.minusDm = minusDm + diffM;
      else if (diffP > 0 && diffP > diffM) this.plusDm = plusDm + diffP;
      this.tr += tr;
      return Number.NaN;
    }
    minusDm -= minusDm / n;
    plusDm -= plusDm / n;
    if (diffM > 0 && diffP < diffM) minusDm += diffM;
    else if (diffP > 0 && diffP > diffM) plusDm += diffP;
    const trs = this.tr - this.tr / n + tr;
    this.minusDm = minusDm;
    this.plusDm = plusDm;
    this.tr = trs;
    let dx = Number.NaN;
    if (isZero(trs)) {
      this.mdi = 0;
      this.pdi = 0;
    } else {
      const mdi = 100 * (minusDm / trs);
      const pdi = 100 * (plusDm / trs);
      this.mdi = mdi;
      this.pdi = pdi;
      const sum = mdi + pdi;
      if (!isZero(sum)) dx = 100 * (Math.abs(mdi - pdi) / sum);
    }
    if (i > this.warmup) {
      if (dx === dx) this.adx = (this.adx * (n - 1) + dx) / n;
      return (this.v = this.adx);
    }
    if (dx === dx) this.sumDx += dx;
    if (i < this.warmup) return Number.NaN;
    this.adx = this.sumDx / n;
    return (this.v = this.adx);
  }

  /** Forgets every candle. */
  reset(): void {
    this.prevHigh = 0;
    this.prevLow = 0;
    this.prevClose = 0;
    this.plusDm = 0;
    this.minusDm = 0;
    this.tr = 0;
    this.sumDx = 0;
    this.adx = 0;
    this.seen = 0;
    this.pdi = Number.NaN;
    this.mdi = Number.NaN;
    this.v = Number.NaN;
  }
}
