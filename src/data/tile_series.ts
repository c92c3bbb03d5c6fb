/**
 * Stretching a real candle series to any length (for benchmarks and big test files),
 * and writing a series back as candle CSV.
 */
import { allocSeries, type CandleSeries } from "../core/candle.ts";
import { CANDLE_CSV_HEADER, detectInterval } from "./csv_candles.ts";

/** Options of `tileSeries`. */
export interface TileOptions {
  /** Candle step in ms; default: the series' most common step. */
  readonly intervalMs?: number;
  /**
   * Decimals prices are rounded to after scaling (default 2, the BTCUSDT tick), so the
   * numbers stay short plain decimals; `null` keeps the exact scaled products.
   */
  readonly decimals?: number | null;
}

/**
 * Repeats `series` until it has `targetLength` candles. Each repeat is scaled so its
 * first open equals the previous repeat's last close (open, high, low and close of a
 * repeat share one factor, so the shape is kept; volume is unchanged), and times continue
 * on the same grid. Rounding is monotonic, so every candle stays OHLC-consistent.
 * A target not longer than the series returns its first `targetLength` candles (copied).
 */
export function tileSeries(
  series: CandleSeries,
  targetLength: number,
  options: TileOptions = {},
): CandleSeries {
  if (!Number.isSafeInteger(targetLength) || targetLength < 0) {
    throw new RangeError(`targetLength must be a non-negative integer, got ${targetLength}`);
  }
  const n = series.length;
  if (n === 0 && targetLength > 0) throw new RangeError("cannot tile an empty series");
  const step = options.intervalMs ?? detectInterval(series);
  if (targetLength > n && (step === null || !(step > 0))) {
    throw new RangeError("cannot tile: interval unknown (pass intervalMs for a 1-candle series)");
  }
  const decimals = options.decimals === undefined ? 2 : options.decimals;
  const scale = decimals === null ? 0 : 10 ** decimals;
  const round = scale === 0 ? (x: number) => x : (x: number) => Math.round(x * scale) / scale;

  const out = allocSeries(targetLength);
  const span = n === 0 ? 0 : series.ts[n - 1] - series.ts[0] + (step ?? 0);
  const growth = n === 0 ? 1 : series.close[n - 1] / series.open[0];
  let factor = 1;
  let k = 0; // repeat number
  for (let from = 0; from < targetLength; from += n, k++) {
    const count = Math.min(n, targetLength - from);
    const tsShift = k * span;
    for (let j = 0; j < count; j++) {
      const i = from + j;
      out.ts[i] = series.ts[j] + tsShift;
      out.volume[i] = series.volume[j];
      if (k === 0) {
        out.open[i] = series.open[j];
        out.high[i] = series.high[j];
        out.low[i] = series.low[j];
        out.close[i] = series.close[j];
      } else {
        out.open[i] = round(series.open[j] * factor);
        out.high[i] = round(series.high[j] * factor);
        out.low[i] = round(series.low[j] * factor);
        out.close[i] = round(series.close[j] * factor);
      }
    }
    if (k > 0) {
      // Exact continuity despite rounding; widen the first candle if it must.
      const prevClose = out.close[from - 1];
      out.open[from] = prevClose;
      if (out.high[from] < prevClose) out.high[from] = prevClose;
      if (out.low[from] > prevClose) out.low[from] = prevClose;
    }
    factor *= growth;
  }
  return out;
}

/**
 * Writes a series as candle CSV: the header, one row per candle, a final newline.
 * Numbers use JavaScript's shortest round-trip form, so `parseCandleCsv` reads back
 * exactly the same values (times from 1973-03-03 on: smaller ones read back as seconds).
 */
export function seriesToCsv(series: CandleSeries): string {
  const { ts, open, high, low, close, volume } = series;
  // Rows are joined in blocks: one join over a million small strings is far slower.
  const blocks: string[] = [CANDLE_CSV_HEADER + "\n"];
  let rows: string[] = [];
  for (let i = 0; i < series.length; i++) {
    rows.push(
      num(ts[i]) + "," + num(open[i]) + "," + num(high[i]) + "," + num(low[i]) + "," +
        num(close[i]) + "," + num(volume[i]) + "\n",
    );
    if (rows.length === 2048) {
      blocks.push(rows.join(""));
      rows = [];
    }
  }
  blocks.push(rows.join(""));
  return blocks.join("");
}

const POW10 = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8];

/**
 * Formats a number as a plain decimal that parses back to the same double: exact for up
 * to 8 decimals via integer arithmetic (much faster than the generic double printer),
 * `String(x)` otherwise.
 */
export function formatCsvNumber(x: number): string {
  return num(x);
}

function num(x: number): string {
  if (!(x >= 0) || x >= 1e15) return String(x);
  const whole = Math.floor(x);
  if (whole === x) return String(whole);
  for (let k = 1; k <= 8; k++) {
    const p = POW10[k];
    const m = Math.round(x * p);
    if (m / p === x) {
      const w = Math.floor(m / p);
      let f = m - w * p;
      let d = k;
      while (f % 10 === 0) {
        f /= 10;
        d--;
      }
      const fs = String(f);
      return `${w}.${fs.length < d ? "0".repeat(d - fs.length) + fs : fs}`;
    }
  }
  return String(x);
}
