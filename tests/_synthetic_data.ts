/**
 * Generated stand-ins for the real candle files (see `_real_data.ts`): same shape, seeded,
 * so every property a real-data test guards also has a test that runs on a clean clone.
 * `tests/engine/golden_synthetic_test.ts` pins the SHA-256 of their CSV text, so a change
 * of the generator shows up as such and not as a changed trades hash.
 */
import { gzipSync } from "node:zlib";
import { allocSeries, type CandleSeries } from "../src/core/candle.ts";
import { generateMockCandles } from "../src/data/mock_candles.ts";
import { seriesToCsv } from "../src/data/tile_series.ts";

/** Seed of the 5m stand-in. */
export const SYNTHETIC_5M_SEED = 8;
/** Candles of the 5m stand-in: as many as the real 5m file (182 days of 5m candles). */
export const SYNTHETIC_5M_CANDLES = 52_416;
/** First candle of both stand-ins: 2024-01-01T00:00Z. */
export const SYNTHETIC_START_TS = Date.UTC(2024, 0, 1);

/** Seed of the 1h stand-in. */
export const SYNTHETIC_1H_SEED = 1708;
/** Candles of the 1h stand-in on the full grid, before the gaps are cut out. */
export const SYNTHETIC_1H_GRID = 12_000;
/**
 * Missing candles of each gap of the 1h stand-in, in file order: the sizes of the real 1h
 * file's 28 gaps (128 missing hours), largest first.
 */
export const SYNTHETIC_1H_GAPS: readonly number[] = [
  33,
  10,
  10,
  8,
  7,
  7,
  6,
  6,
  5,
  4,
  4,
  3,
  3,
  3,
  2,
  2,
  2,
  2,
  2,
  1,
  1,
  1,
  1,
  1,
  1,
  1,
  1,
  1,
];
/** Grid index of the first missing candle of gap k: one gap every 400 hours. */
export function syntheticGapStart(k: number): number {
  return 300 + 400 * k;
}
/** Grid indices of the halt candles (open = high = low = close, volume 0) in the 1h stand-in. */
export const SYNTHETIC_1H_HALTS: readonly number[] = [150, 4_321, 8_765, 11_111];

const HOUR = 3_600_000;
let cached5m: CandleSeries | null = null;
let cached1h: CandleSeries | null = null;

/**
 * 52,416 seeded 5m candles from 2024-01-01 on a full grid: the stand-in of the real 5m file.
 * The same series object is returned each time; do not modify it.
 */
export function synthetic5m(): CandleSeries {
  cached5m ??= generateMockCandles({
    count: SYNTHETIC_5M_CANDLES,
    interval: "5m",
    seed: SYNTHETIC_5M_SEED,
    startTs: SYNTHETIC_START_TS,
  });
  return cached5m;
}

/**
 * Seeded 1h candles with the real 1h file's irregularities: 28 gaps of the sizes in
 * `SYNTHETIC_1H_GAPS` (gap k starts at grid index `syntheticGapStart(k)`) and zero-volume
 * halt candles at `SYNTHETIC_1H_HALTS`. The same series object is returned each time.
 */
export function synthetic1hWithGaps(): CandleSeries {
  if (cached1h !== null) return cached1h;
  const grid = generateMockCandles({
    count: SYNTHETIC_1H_GRID,
    interval: "1h",
    seed: SYNTHETIC_1H_SEED,
    startTs: SYNTHETIC_START_TS,
  });
  const drop = new Uint8Array(grid.length);
  SYNTHETIC_1H_GAPS.forEach((missing, k) =>
    drop.fill(1, syntheticGapStart(k), syntheticGapStart(k) + missing)
  );
  const halts = new Set(SYNTHETIC_1H_HALTS);
  const kept = grid.length - drop.reduce((n, d) => n + d, 0);
  const out = allocSeries(kept);
  let j = 0;
  for (let i = 0; i < grid.length; i++) {
    if (drop[i] === 1) continue;
    out.ts[j] = grid.ts[i];
    const flat = halts.has(i);
    out.open[j] = grid.open[i];
    out.high[j] = flat ? grid.open[i] : grid.high[i];
    out.low[j] = flat ? grid.open[i] : grid.low[i];
    out.close[j] = flat ? grid.open[i] : grid.close[i];
    out.volume[j] = flat ? 0 : grid.volume[i];
    j++;
  }
  cached1h = out;
  return out;
}

/** Open time of grid index `i` of the 1h stand-in. */
export function synthetic1hTs(i: number): number {
  return SYNTHETIC_START_TS + i * HOUR;
}

/** Writes `series` as candle CSV to `path`, gzipped (deterministically) when `gzip`. */
export async function writeCandleFile(
  path: string,
  series: CandleSeries,
  gzip = false,
): Promise<string> {
  const text = seriesToCsv(series);
  if (gzip) await Deno.writeFile(path, gzipSync(new TextEncoder().encode(text)));
  else await Deno.writeTextFile(path, text);
  return path;
}
