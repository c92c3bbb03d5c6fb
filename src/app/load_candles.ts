import { type CandleSeries, type Interval, INTERVAL_MS, tailSeries } from "../core/candle.ts";
import { InputError } from "../core/errors.ts";
import type { BacktestConfig } from "../config/backtest_config.ts";
import { detectInterval } from "../data/csv_candles.ts";
import { generateMockCandles } from "../data/mock_candles.ts";
import { type BacktestWorker, readCandleCsvParallel } from "./backtest_worker_client.ts";

/** Candles for a backtest plus what they are. */
export interface LoadedCandles {
  readonly series: CandleSeries;
  readonly intervalMs: number;
  readonly interval: Interval | null;
  /** Human description for the report, e.g. `mock seed 42`. */
  readonly description: string;
}

function intervalName(ms: number): Interval | null {
  for (const [k, v] of Object.entries(INTERVAL_MS)) if (v === ms) return k as Interval;
  return null;
}

/** Loads the candles a backtest config asks for (mock, CSV or Bitunix history). */
export async function loadBacktestCandles(
  config: BacktestConfig,
  worker: BacktestWorker | null = null,
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
    return { series, intervalMs, interval: intervalName(intervalMs), description: `csv ${path}` };
  }
  const { loadBitunixBacktestCandles } = await import("./load_bitunix_candles.ts");
  return await loadBitunixBacktestCandles(config);
}
