import { allocSeries, bucketStart, type CandleSeries } from "../src/core/candle.ts";

/**
 * Test helper: aggregates candles into bars of `intervalMs` (e.g. 1m candles into 5m
 * bars), each bar opening at a multiple of `intervalMs`: open of its first candle, highest
 * high, lowest low, close of its last candle, summed volume.
 */
export function aggregateCandles(series: CandleSeries, intervalMs: number): CandleSeries {
  if (!(intervalMs > 0)) throw new RangeError(`intervalMs must be > 0, got ${intervalMs}`);
  const out = allocSeries(series.length);
  let n = 0;
  const { ts, open, high, low, close, volume } = series;
  for (let i = 0; i < series.length; i++) {
    const b = bucketStart(ts[i], intervalMs);
    if (n === 0 || out.ts[n - 1] !== b) {
      out.ts[n] = b;
      out.open[n] = open[i];
      out.high[n] = high[i];
      out.low[n] = low[i];
      out.close[n] = close[i];
      out.volume[n] = volume[i];
      n++;
      continue;
    }
    const k = n - 1;
    if (high[i] > out.high[k]) out.high[k] = high[i];
    if (low[i] < out.low[k]) out.low[k] = low[i];
    out.close[k] = close[i];
    out.volume[k] += volume[i];
  }
  const cut = (a: Float64Array) => a.slice(0, n);
  return {
    length: n,
    ts: cut(out.ts),
    open: cut(out.open),
    high: cut(out.high),
    low: cut(out.low),
    close: cut(out.close),
    volume: cut(out.volume),
  };
}
