import { allocSeries, bucketStart, type CandleSeries } from "../core/candle.ts";

/**
 * Aggregates candles into bars of `intervalMs` (e.g. 1m candles into 5m bars), each bar
 * opening at a multiple of `intervalMs`: open of its first candle, highest high, lowest
 * low, close of its last candle, summed volume. With `completeOnly`, bars missing a finer
 * candle are left out (`finerMs` tells how many make a bar).
 */
export function aggregateCandles(
  series: CandleSeries,
  intervalMs: number,
  opts: { readonly completeOnly?: boolean; readonly finerMs?: number } = {},
): CandleSeries {
  if (!(intervalMs > 0)) throw new RangeError(`intervalMs must be > 0, got ${intervalMs}`);
  const perBar = opts.finerMs !== undefined ? intervalMs / opts.finerMs : 0;
  if (opts.completeOnly && !(Number.isInteger(perBar) && perBar > 0)) {
    throw new RangeError("completeOnly needs a finerMs that divides intervalMs");
  }
  const out = allocSeries(series.length);
  let n = 0;
  let count = 0;
  const { ts, open, high, low, close, volume } = series;
  for (let i = 0; i < series.length; i++) {
    const b = bucketStart(ts[i], intervalMs);
    if (n === 0 || out.ts[n - 1] !== b) {
      if (n > 0 && opts.completeOnly && count !== perBar) n--;
      out.ts[n] = b;
      out.open[n] = open[i];
      out.high[n] = high[i];
      out.low[n] = low[i];
      out.close[n] = close[i];
      out.volume[n] = volume[i];
      n++;
      count = 1;
      continue;
    }
    const k = n - 1;
    if (high[i] > out.high[k]) out.high[k] = high[i];
    if (low[i] < out.low[k]) out.low[k] = low[i];
    out.close[k] = close[i];
    out.volume[k] += volume[i];
    count++;
  }
  if (n > 0 && opts.completeOnly && count !== perBar) n--;
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
