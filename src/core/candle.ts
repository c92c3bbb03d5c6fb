/** Candle intervals the program supports, with their length in milliseconds. */
export const INTERVAL_MS = {
  "1m": 60_000,
  "5m": 300_000,
  "15m": 900_000,
  "30m": 1_800_000,
  "1h": 3_600_000,
  "4h": 14_400_000,
  "1d": 86_400_000,
} as const;

/** A supported candle interval name, e.g. `5m`. */
export type Interval = keyof typeof INTERVAL_MS;

/** Every supported interval name, shortest first. */
export const INTERVALS = Object.keys(INTERVAL_MS) as Interval[];

/** One OHLCV candle; `ts` is the open time in Unix milliseconds (UTC). */
export interface Candle {
  readonly ts: number;
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  readonly volume: number;
}

/**
 * Candles stored column by column in typed arrays: the form the backtest loop reads,
 * because a million candles as objects cost memory and cache misses.
 */
export interface CandleSeries {
  readonly length: number;
  readonly ts: Float64Array;
  readonly open: Float64Array;
  readonly high: Float64Array;
  readonly low: Float64Array;
  readonly close: Float64Array;
  readonly volume: Float64Array;
}

/**
 * Allocates an empty series of `length` candles. With `shared`, the columns live in
 * SharedArrayBuffers, so handing the series to a worker copies nothing.
 */
export function allocSeries(length: number, shared = false): CandleSeries {
  const col = shared
    ? () => new Float64Array(new SharedArrayBuffer(length * 8))
    : () => new Float64Array(length);
  return { length, ts: col(), open: col(), high: col(), low: col(), close: col(), volume: col() };
}

/** Packs candle objects into a column series. */
export function seriesFromCandles(candles: readonly Candle[]): CandleSeries {
  const s = allocSeries(candles.length);
  for (let i = 0; i < candles.length; i++) {
    const c = candles[i];
    s.ts[i] = c.ts;
    s.open[i] = c.open;
    s.high[i] = c.high;
    s.low[i] = c.low;
    s.close[i] = c.close;
    s.volume[i] = c.volume;
  }
  return s;
}

/** Reads candle `i` of a series as an object. */
export function candleAt(s: CandleSeries, i: number): Candle {
  return {
    ts: s.ts[i],
    open: s.open[i],
    high: s.high[i],
    low: s.low[i],
    close: s.close[i],
    volume: s.volume[i],
  };
}

/** Returns the last `n` candles of a series (all of them when it is shorter). */
export function tailSeries(s: CandleSeries, n: number): CandleSeries {
  return sliceSeries(s, s.length - n, s.length);
}

/** Candles `[from, to)` of `s` (clamped to it), as views of its columns (no copy). */
export function sliceSeries(s: CandleSeries, from: number, to: number): CandleSeries {
  const f = Math.max(0, Math.min(from, s.length));
  const t = Math.max(f, Math.min(to, s.length));
  const v = (a: Float64Array) => a.subarray(f, t);
  return {
    length: t - f,
    ts: v(s.ts),
    open: v(s.open),
    high: v(s.high),
    low: v(s.low),
    close: v(s.close),
    volume: v(s.volume),
  };
}

/** Start of the bucket of `intervalMs` that contains `ts` (bar open time). */
export function bucketStart(ts: number, intervalMs: number): number {
  return Math.floor(ts / intervalMs) * intervalMs;
}
