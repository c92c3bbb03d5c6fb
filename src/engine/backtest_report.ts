import type { CandleSeries } from "../core/candle.ts";
import type { Strategy } from "../strategy/strategy.ts";
import { type BacktestResult, runBacktestFast } from "./backtest_fast.ts";
import type { BacktestParams } from "../core/backtest_params.ts";
import type { RunReport, RunStats } from "./report_model.ts";
import { computeStats, drawdownSeries } from "./stats.ts";

/** A backtest of both intrabar bounds, with the configured one first. */
export interface BoundedBacktest {
  readonly report: RunReport;
  /** The pass in the configured intrabar mode. */
  readonly result: BacktestResult;
}

/**
 * Runs a backtest in both intrabar modes (conservative and optimistic) and assembles the
 * report of the configured mode with both bounds. `makeStrategy` must return a fresh
 * instance each call because strategies keep incremental state.
 */
export function runBoundedBacktest(opts: {
  readonly runId: string;
  readonly series: CandleSeries;
  readonly makeStrategy: () => Strategy;
  readonly params: BacktestParams;
  readonly intervalMs: number;
  readonly config: Readonly<Record<string, unknown>>;
}): BoundedBacktest {
  const { series, params, intervalMs } = opts;
  const passes = {} as Record<"conservative" | "optimistic", { r: BacktestResult; s: RunStats }>;
  for (const mode of ["conservative", "optimistic"] as const) {
    const r = runBacktestFast(series, opts.makeStrategy(), { ...params, intrabar: mode });
    const s = computeStats({
      startEquity: params.startEquity,
      trades: r.trades,
      equity: r.equity,
      exposedCandles: r.exposedCandles,
      intervalMs,
    });
    passes[mode] = { r, s };
  }
  const main = passes[params.intrabar];
  return {
    result: main.r,
    report: {
      runId: opts.runId,
      config: opts.config,
      stats: main.s,
      bounds: { conservative: passes.conservative.s, optimistic: passes.optimistic.s },
      candles: series,
      trades: main.r.trades,
      equity: main.r.equity,
      drawdown: drawdownSeries(params.startEquity, main.r.equity),
    },
  };
}
