import { type CandleSeries, type Interval, INTERVAL_MS, tailSeries } from "../../core/candle.ts";
import { InputError } from "../../core/errors.ts";
import type { BacktestConfig } from "../../config/backtest_config.ts";
import { detectInterval, findGaps } from "../../data/csv_candles.ts";
import { generateMockCandles } from "../../data/mock_candles.ts";
import { type BacktestWorker, readCandleCsvParallel } from "./backtest_worker_client.ts";

/** What the candle loader reads of a backtest (or sweep) config. */
export type CandleRequest = Pick<
  BacktestConfig,
  "source" | "csv" | "candles" | "seed" | "symbol" | "interval" | "cacheDir"
>;

/** Candles for a backtest plus what they are. */
export interface LoadedCandles {
  readonly series: CandleSeries;
  readonly intervalMs: number;
  readonly interval: Interval | null;
  /** Human description for the report, e.g. `mock seed 42`. */
  readonly description: string;
  /** CSV: the holes in the candle grid of the tested candles (not filled). */
  readonly gaps?: GapSummary;
}

/** Holes in a candle grid, as config.json reports them. */
export interface GapSummary {
  /** Places where candles are missing. */
  readonly count: number;
  /** Candles missing in all. */
  readonly missing_candles: number;
  /** The longest hole: the candles either side of it and how many are missing; null without gaps. */
  readonly largest:
    | { readonly after: string; readonly before: string; readonly missing: number }
    | null;
}

/** Counts the gaps of `series` on its `intervalMs` grid. */
function gapSummary(series: CandleSeries, intervalMs: number): GapSummary {
  const gaps = findGaps(series, intervalMs);
  let largest = null;
  let missing = 0;
  for (const g of gaps) {
    missing += g.missing;
    if (largest === null || g.missing > largest.missing) largest = g;
  }
  return {
    count: gaps.length,
    missing_candles: missing,
    largest: largest && {
      after: new Date(largest.afterTs).toISOString(),
      before: new Date(largest.beforeTs).toISOString(),
      missing: largest.missing,
    },
  };
}

/** The one-line warning for a file with gaps. */
function gapWarning(path: string, interval: string, g: GapSummary): string {
  const l = g.largest!;
  return `Warning: ${path} has ${g.count} gap${g.count === 1 ? "" : "s"} in its ${interval} ` +
    `candles (${g.missing_candles} missing; the longest, ${l.missing}, after ${l.after}); ` +
    "they are not filled: strategies see the candles either side of a gap as consecutive.";
}

/** The name of the interval of `ms` milliseconds (`5m`), or null for one without a name. */
export function intervalName(ms: number): Interval | null {
  for (const [k, v] of Object.entries(INTERVAL_MS)) if (v === ms) return k as Interval;
  return null;
}

/**
 * Loads the candles a backtest config asks for (mock, CSV or Bitunix history). Gaps in a
 * CSV's candles are counted and told to `notice` (default: stderr).
 */
export async function loadBacktestCandles(
  config: CandleRequest,
  worker: BacktestWorker | null = null,
  notice: (line: string) => void = (line) => console.error(line),
): Promise<LoadedCandles> {
  if (config.source === "mock") {
    const interval = config.interval ?? "5m";
    const series = generateMockCandles({
      count: config.candles ?? 500,
      interval,
      seed: config.seed,
    });
    return {
      series,
      intervalMs: INTERVAL_MS[interval],
      interval,
      description: `mock seed ${config.seed}`,
    };
  }
  if (config.source === "csv") {
    const path = config.csv!;
    const all = await readCandleCsvParallel(path, worker);
    const detected = detectInterval(all);
    if (
      config.interval !== undefined && detected !== null &&
      detected !== INTERVAL_MS[config.interval]
    ) {
      throw new InputError(
        `--interval ${config.interval}`,
        `the interval of ${path}, which is ${intervalName(detected) ?? `${detected} ms`}`,
      );
    }
    const intervalMs = detected ?? (config.interval ? INTERVAL_MS[config.interval] : 300_000);
    const series = config.candles === undefined ? all : tailSeries(all, config.candles);
    if (config.candles !== undefined && all.length < config.candles) {
      throw new InputError(
        `--backtest ${config.candles}`,
        `at most ${all.length} (the candles in ${path})`,
      );
    }
    const interval = intervalName(intervalMs);
    const gaps = gapSummary(series, intervalMs);
    if (gaps.count > 0) notice(gapWarning(path, interval ?? `${intervalMs} ms`, gaps));
    return { series, intervalMs, interval, description: `csv ${path}`, gaps };
  }
  const { loadBitunixBacktestCandles } = await import("./load_bitunix_candles.ts");
  return await loadBitunixBacktestCandles(config);
}
