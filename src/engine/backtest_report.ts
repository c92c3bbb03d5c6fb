import type { CandleSeries } from "../core/candle.ts";
import { HARD_LIMITS } from "../core/hard_limits.ts";
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

/** One backtest pass in one intrabar mode, with its stats. */
export interface BoundPass {
  readonly result: BacktestResult;
  readonly stats: RunStats;
}

/** Runs one pass in `mode` and computes its stats. */
export function runBoundPass(
  series: CandleSeries,
  strategy: Strategy,
  params: BacktestParams,
  mode: BacktestParams["intrabar"],
  intervalMs: number,
): BoundPass {
  const result = runBacktestFast(series, strategy, { ...params, intrabar: mode });
  const stats = computeStats({
    startEquity: params.startEquity,
    trades: result.trades,
    equity: result.equity,
    exposedCandles: result.exposedCandles,
    intervalMs,
    ts: series.ts,
    dailyLossLimit: dailyLossLimitOf(params),
    refusals: result.denialsByCode,
  });
  return { result, stats };
}

/** The daily loss limit the RiskGate applies with these params. */
export function dailyLossLimitOf(params: BacktestParams): number {
  return Math.min(params.limits?.maxDailyLossUsd ?? Infinity, HARD_LIMITS.maxDailyLossUsd);
}

/** The intrabar mode that is not `mode`. */
export function otherBound(mode: BacktestParams["intrabar"]): BacktestParams["intrabar"] {
  return mode === "conservative" ? "optimistic" : "conservative";
}

/** Both bounds, given the stats of the pass run in `mode` and of the other one. */
export function boundsFor(
  mode: BacktestParams["intrabar"],
  main: RunStats,
  other: RunStats,
): RunReport["bounds"] {
  return mode === "conservative"
    ? { conservative: main, optimistic: other }
    : { conservative: other, optimistic: main };
}

/** Assembles the report of the configured pass with the other bound's stats. */
export function assembleReport(opts: {
  readonly runId: string;
  readonly config: Readonly<Record<string, unknown>>;
  readonly series: CandleSeries;
  readonly params: BacktestParams;
  readonly main: BoundPass;
  readonly other: RunStats;
}): RunReport {
  const { main, other, params } = opts;
  return {
    runId: opts.runId,
    config: opts.config,
    stats: main.stats,
    bounds: boundsFor(params.intrabar, main.stats, other),
    candles: opts.series,
    trades: main.result.trades,
    equity: main.result.equity,
    drawdown: drawdownSeries(params.startEquity, main.result.equity),
  };
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
  const main = runBoundPass(series, opts.makeStrategy(), params, params.intrabar, intervalMs);
  const other = runBoundPass(
    series,
    opts.makeStrategy(),
    params,
    otherBound(params.intrabar),
    intervalMs,
  );
  return { result: main.result, report: assembleReport({ ...opts, main, other: other.stats }) };
}
