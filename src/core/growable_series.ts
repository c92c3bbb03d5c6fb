import type { Candle, CandleSeries } from "./candle.ts";

/**
 * A CandleSeries that grows as candles arrive (capacity doubles when full): live candles
 * in the agent pipeline, rows in the CSV parser.
 */
export class GrowableSeries implements CandleSeries {
  length = 0;
  ts: Float64Array;
  open: Float64Array;
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
  volume: Float64Array;

  /**
   * Starts empty with room for `capacity` candles, or writing into the given columns
   * (e.g. views of shared memory) until they are full; growing then moves to new arrays.
   */
  constructor(capacity: number | Omit<CandleSeries, "length"> = 1024) {
    if (typeof capacity !== "number") {
      this.ts = capacity.ts;
      this.open = capacity.open;
      this.high = capacity.high;
      this.low = capacity.low;
      this.close = capacity.close;
      this.volume = capacity.volume;
      return;
    }
    const cap = Math.max(1, capacity);
    this.ts = new Float64Array(cap);
    this.open = new Float64Array(cap);
    this.high = new Float64Array(cap);
    this.low = new Float64Array(cap);
    this.close = new Float64Array(cap);
    this.volume = new Float64Array(cap);
  }

  /** Appends a candle; returns its index. */
  push(c: Candle): number {
    return this.pushRow(c.ts, c.open, c.high, c.low, c.close, c.volume);
  }

  /** Appends a candle given field by field (no object per row); returns its index. */
  pushRow(
    ts: number,
    open: number,
    high: number,
    low: number,
    close: number,
    volume: number,
  ): number {
    if (this.length === this.ts.length) this.#grow();
    const i = this.length++;
    this.ts[i] = ts;
    this.open[i] = open;
    this.high[i] = high;
    this.low[i] = low;
    this.close[i] = close;
    this.volume[i] = volume;
    return i;
  }

  /**
   * A plain series of the candles so far: a small overshoot of capacity stays as a view,
   * a large one is copied so the memory is released.
   */
  finish(): CandleSeries {
    const n = this.length;
    const cut = (a: Float64Array) =>
      a.length === n ? a : a.length <= n + (n >> 3) + 64 ? a.subarray(0, n) : a.slice(0, n);
    return {
      length: n,
      ts: cut(this.ts),
      open: cut(this.open),
      high: cut(this.high),
      low: cut(this.low),
      close: cut(this.close),
      volume: cut(this.volume),
    };
  }

  /** Makes room for at least `capacity` candles (for writers that fill the columns directly). */
  reserve(capacity: number): void {
    while (this.ts.length < capacity) this.#grow();
  }

  #grow(): void {
    const cap = Math.max(16, this.ts.length * 2);
    const grow = (a: Float64Array) => {
      const b = new Float64Array(cap);
      b.set(a);
      return b;
    };
    this.ts = grow(this.ts);
    this.open = grow(this.open);
    this.high = grow(this.high);
    this.low = grow(this.low);
    this.close = grow(this.close);
    this.volume = grow(this.volume);
  }
}
