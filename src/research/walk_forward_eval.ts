/**
 * The in-process evaluator of a walk-forward: the optimiser and the test runner, both
 * running the one engine (`runBoundPass`) on views of one candle series, one combination
 * after another on this thread. A parallel sweep can replace the optimiser (same
 * `Optimiser` type); the test runner stays, since it runs once per fold.
 *
 * @module
 */
import type { BacktestParams } from "../core/backtest_params.ts";
import type { CandleSeries } from "../core/candle.ts";
import { runBacktestFast } from "../engine/backtest_fast.ts";
import { otherBound, runBoundPass } from "../engine/backtest_report.ts";
import { computeStats } from "../engine/stats.ts";
import type { Strategy, StrategyContext } from "../strategy/api.ts";
import type {
  IndexRange,
  Optimiser,
  ParamCombo,
  TestRequest,
  TestRunner,
  TrainOutcome,
  WindowPass,
} from "./walk_forward.ts";
import { windowDays } from "./walk_forward.ts";
import { type Objective, objectiveValue } from "./walk_forward_objective.ts";

/**
 * Candles `[start, end)` of `s` as a series of their own, without copying: the engine
 * reads a series from index 0 to `length`, so a view of subarrays backtests exactly as a
 * copy would.
 */
export function sliceSeries(s: CandleSeries, start: number, end: number): CandleSeries {
  return {
    length: end - start,
    ts: s.ts.subarray(start, end),
    open: s.open.subarray(start, end),
    high: s.high.subarray(start, end),
    low: s.low.subarray(start, end),
    close: s.close.subarray(start, end),
    volume: s.volume.subarray(start, end),
  };
}

/**
 * `strategy`, seeing every candle but answering only from candle `warmup` on: the engine
 * ignores a strategy's answers before its warm-up, so the candles before a test window
 * feed its indicators without a trade. The decision on the last of them may enter at the
 * first test candle's open, as it would in a run that never stopped.
 */
export function warmedUp(strategy: Strategy, warmup: number): Strategy {
  return {
    name: strategy.name,
    warmup: Math.max(warmup, strategy.warmup),
    onCandle: (ctx: StrategyContext) => strategy.onCandle(ctx),
  };
}

/** What the in-process evaluator runs on. */
export interface InProcessOptions {
  readonly series: CandleSeries;
  /** A fresh strategy instance for a combination (strategies keep state). */
  readonly makeStrategy: (params: ParamCombo) => Strategy;
  /** Sizing, costs, fills; `intrabar` is the primary bound (choice and stitched curve). */
  readonly params: BacktestParams;
  readonly intervalMs: number;
  readonly objective: Objective;
  /** A combination with fewer trades on a train window is not eligible there. */
  readonly minTrades: number;
}

/**
 * The in-process optimiser and test runner over `opts.series`.
 *
 * The optimiser runs every combination on the train window in the primary bound and
 * keeps those with at least `minTrades` trades; the best by the objective wins (the
 * earlier combination on a tie, so the choice is deterministic). Only the winner is run
 * in the other bound too, for the report.
 *
 * The test runner runs the chosen parameters over the train window and the test window
 * together, with the strategy held back until the last train candle (see
 * {@link warmedUp}): its indicators are warm, but trades, equity and stats are the test
 * window's only, starting from the equity given.
 */
export function inProcessEvaluator(
  opts: InProcessOptions,
): { optimise: Optimiser; test: TestRunner } {
  const { series, params, intervalMs, objective, minTrades } = opts;
  const main = params.intrabar;
  const optimise: Optimiser = ({ train, combos }): TrainOutcome => {
    const window = sliceSeries(series, train.start, train.end);
    const days = windowDays(train, series.ts, intervalMs);
    let best = -1;
    let bestValue = -Infinity;
    let bestStats = null;
    let eligible = 0;
    let mostTrades = -1;
    let mostAt = 0;
    for (let k = 0; k < combos.length; k++) {
      const pass = runBoundPass(window, opts.makeStrategy(combos[k]), params, main, intervalMs);
      const trades = pass.stats.trades;
      if (trades > mostTrades) {
        mostTrades = trades;
        mostAt = k;
      }
      if (trades < minTrades) continue;
      eligible++;
      const v = objectiveValue(objective, pass.stats, days);
      if (best === -1 || v > bestValue) {
        best = k;
        bestValue = v;
        bestStats = pass.stats;
      }
    }
    if (best === -1) {
      return {
        ok: false,
        reason: `no combination made --min-trades ${minTrades} trades in the train window ` +
          `(the most: ${Math.max(0, mostTrades)}, by ${comboText(combos[mostAt] ?? {})})`,
        evaluated: combos.length,
      };
    }
    const other = runBoundPass(
      window,
      opts.makeStrategy(combos[best]),
      params,
      otherBound(main),
      intervalMs,
    );
    return {
      ok: true,
      params: combos[best],
      isObjective: bestValue,
      isStats: { main: bestStats!, other: other.stats },
      evaluated: combos.length,
      eligible,
    };
  };
  const test: TestRunner = (req: TestRequest) => ({
    main: testPass(opts, req, main, req.startEquity.main),
    other: testPass(opts, req, otherBound(main), req.startEquity.other),
  });
  return { optimise, test };
}

/** One bound's run of a test window (warmed up on `req.warmup`), cut to the test window. */
function testPass(
  opts: InProcessOptions,
  req: TestRequest,
  mode: BacktestParams["intrabar"],
  startEquity: number,
): WindowPass {
  const { series, intervalMs } = opts;
  const from: IndexRange = { start: req.warmup.start, end: req.test.end };
  if (req.warmup.end !== req.test.start || from.start > req.test.start) {
    throw new Error(`Fold ${req.fold}: the warm-up must end where the test window starts`);
  }
  const prefix = req.test.start - from.start;
  const strategy = warmedUp(opts.makeStrategy(req.params), prefix - 1);
  const p: BacktestParams = { ...opts.params, startEquity, intrabar: mode };
  const r = runBacktestFast(sliceSeries(series, from.start, from.end), strategy, p);
  const equity = r.equity.slice(prefix);
  const stats = computeStats({
    startEquity,
    trades: r.trades,
    equity,
    exposedCandles: r.exposedCandles,
    intervalMs,
    ts: series.ts.subarray(req.test.start, req.test.end),
    dailyLossLimit: r.limits.maxDailyLossUsd,
    refusals: r.denialsByCode,
    ambiguousBars: r.ambiguousBars,
  });
  return { stats, equity, trades: r.trades, exposedCandles: r.exposedCandles };
}

/** `fast=5 slow=30`. */
export function comboText(c: ParamCombo): string {
  return Object.entries(c).map(([k, v]) => `${k}=${v}`).join(" ");
}
