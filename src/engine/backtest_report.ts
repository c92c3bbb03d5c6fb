import type { CandleSeries } from "../core/candle.ts";
import type { Strategy } from "../strategy/api.ts";
import { type BacktestResult, runBacktestFast } from "./backtest_fast.ts";
import type { BacktestParams } from "../core/backtest_params.ts";
import type { DetailRun, RunReport, RunStats } from "./report_model.ts";
import { buyAndHoldStats, computeStats, drawdownSeries } from "./stats.ts";
import type { DetailCoverage, IntrabarDetail } from "./intrabar_detail.ts";

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

/**
 * Runs one pass in `mode` and computes its stats. With `detail`, bars touching both
 * levels are resolved from the finer candles instead (conservative where they cannot tell).
 */
export function runBoundPass(
  series: CandleSeries,
  strategy: Strategy,
  params: BacktestParams,
  mode: BacktestParams["intrabar"],
  intervalMs: number,
  detail?: IntrabarDetail,
): BoundPass {
  const result = runBacktestFast(series, strategy, { ...params, intrabar: mode }, detail);
  return { result, stats: passStats(series, result, params, intervalMs) };
}

/** The stats of a backtest pass `result` over `series` (what `runBoundPass` reports). */
export function passStats(
  series: CandleSeries,
  result: BacktestResult,
  params: BacktestParams,
  intervalMs: number,
): RunStats {
  return computeStats({
    startEquity: params.startEquity,
    trades: result.trades,
    equity: result.equity,
    exposedCandles: result.exposedCandles,
    intervalMs,
    ts: series.ts,
    dailyLossLimit: result.limits.maxDailyLossUsd,
    refusals: result.denialsByCode,
    ambiguousBars: result.ambiguousBars,
  });
}

/**
 * The third result: the backtest with every bar that touches both stop and take-profit
 * resolved from `detail` (see `DetailResolver`), with how they were resolved and
 * `coverage` (the `detailCoverage` of `detail` under `series`, counted when it was loaded).
 */
export function runDetailPass(opts: {
  readonly series: CandleSeries;
  readonly strategy: Strategy;
  readonly params: BacktestParams;
  readonly intervalMs: number;
  readonly detail: IntrabarDetail;
  readonly coverage: DetailCoverage;
  readonly source: string;
  readonly interval: string;
}): DetailRun {
  const pass = runBoundPass(
    opts.series,
    opts.strategy,
    opts.params,
    "conservative",
    opts.intervalMs,
    opts.detail,
  );
  return {
    source: opts.source,
    interval: opts.interval,
    stats: pass.stats,
    equity: pass.result.equity,
    resolution: pass.result.detail!,
    coverage: opts.coverage,
  };
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

/**
 * `report` (of a pass in `mode`) with the other bound's stats and equity put in; the
 * rest (drawdown, benchmark, detail) is kept as it is.
 */
export function withOtherBound(
  report: RunReport,
  mode: BacktestParams["intrabar"],
  other: RunStats,
  otherEquity: Float64Array,
): RunReport {
  return {
    ...report,
    bounds: boundsFor(mode, report.stats, other),
    boundEquity: mode === "conservative"
      ? { conservative: report.equity, optimistic: otherEquity }
      : { conservative: otherEquity, optimistic: report.equity },
  };
}

/**
 * Assembles the report of the configured pass with the other bound's stats (and its
 * equity, when known), the buy-and-hold benchmark and the detail pass, if any.
 */
export function assembleReport(opts: {
  readonly runId: string;
  readonly config: Readonly<Record<string, unknown>>;
  readonly series: CandleSeries;
  readonly params: BacktestParams;
  readonly main: BoundPass;
  readonly other: RunStats;
  readonly otherEquity?: Float64Array;
  readonly intervalMs: number;
  readonly detail?: DetailRun;
  /** The pass's drawdown series, when computed already (`drawdownSeries` of its equity). */
  readonly drawdown?: Float64Array;
}): RunReport {
  const { main, other, params, otherEquity } = opts;
  const report: RunReport = {
    runId: opts.runId,
    config: opts.config,
    stats: main.stats,
    bounds: boundsFor(params.intrabar, main.stats, other),
    candles: opts.series,
    trades: main.result.trades,
    equity: main.result.equity,
    drawdown: opts.drawdown ?? drawdownSeries(params.startEquity, main.result.equity),
    benchmark: buyAndHoldStats(opts.series, params.startEquity, opts.intervalMs),
    ...(opts.detail !== undefined ? { detail: opts.detail } : {}),
  };
  return otherEquity === undefined
    ? report
    : withOtherBound(report, params.intrabar, other, otherEquity);
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
  return {
    result: main.result,
    report: assembleReport({
      ...opts,
      main,
      other: other.stats,
      otherEquity: other.result.equity,
    }),
  };
}
