/**
 * A walk-forward's evaluation: the optimiser, which runs the combinations on a train
 * window with the sweep's evaluator (`evaluateCombinations` in process, or the sweep's
 * worker pool) and judges them by the sweep's objective and constraints, and the test
 * runner, which runs the chosen combination on the test window warmed up on the train
 * window (walk-forward's own: the sweep's evaluator starts fresh on its range).
 *
 * @module
 */
import type { BacktestParams } from "../core/backtest_params.ts";
import { sliceSeries } from "../core/candle.ts";
import { runBacktestFast } from "../engine/backtest_fast.ts";
import { otherBound } from "../engine/backtest_report.ts";
import { computeStats } from "../engine/stats.ts";
import type { Strategy, StrategyContext } from "../strategy/api.ts";
import { type Combination, paramsOf, RISK_PARAMS, type RiskParamName } from "./combination.ts";
import { type CombinationMetrics, combinationPass, type EvaluationContext } from "./evaluate.ts";
import { judge, ranksAbove, undefinedObjectiveWhy } from "./objective.ts";
import type { Axis } from "./param_space.ts";
import type { Judging } from "./results_csv.ts";
import type {
  IndexRange,
  Optimiser,
  ParamCombo,
  TestRequest,
  TestRunner,
  TrainOutcome,
  WindowPass,
} from "./walk_forward.ts";

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

/**
 * Evaluates combinations on candles `[from, to)`, results in the given order:
 * `evaluateCombinations` bound to a context, or `SweepPool.evaluate`.
 */
export type RangeEvaluator = (
  combinations: readonly Combination[],
  range: { readonly from: number; readonly to: number },
) => CombinationMetrics[] | Promise<CombinationMetrics[]>;

/** What the optimiser chooses from and how. */
export interface TrainOptions {
  /** The strategy, candles and fixed parameters (the winner is run again on them). */
  readonly ctx: EvaluationContext;
  /** The valid combinations, in the search space's order. */
  readonly combinations: readonly Combination[];
  /** The swept axes (to name a combination's risk values in the reports). */
  readonly axes: readonly Axis[];
  /** The sweep's judging: the objective, the bound that ranks, the constraints. */
  readonly judging: Judging;
  readonly evaluate: RangeEvaluator;
  /** Combinations evaluated at once (bounds the figures held; default 4096). */
  readonly chunk?: number;
}

/** A combination as the reports show it: its strategy parameters and swept risk values. */
export function namedParams(c: Combination, axes: readonly Axis[]): ParamCombo {
  const out: Record<string, number> = { ...c.strategyParams };
  for (const a of axes) {
    if (a.kind !== "risk") continue;
    const v = c.risk[RISK_PARAMS[a.name as RiskParamName]];
    if (v !== undefined) out[a.name] = v;
  }
  return out;
}

/** `fast=5 slow=30`. */
export function comboText(c: ParamCombo): string {
  return Object.entries(c).map(([k, v]) => `${k}=${v}`).join(" ");
}

/**
 * The optimiser of a walk-forward: evaluates every combination on the train window (both
 * intrabar bounds, as a sweep does) and chooses as a sweep ranks: among those whose
 * objective is defined on the ranking bound and which meet the constraints, the highest
 * objective, the earlier combination on a tie. The winner is run again on the train
 * window for its full stats (the report's in-sample figures).
 */
export function trainOptimiser(opts: TrainOptions): Optimiser {
  const { ctx, combinations, judging } = opts;
  const { objective, bound, constraints } = judging;
  const chunk = opts.chunk ?? 4096;
  return async ({ train }): Promise<TrainOutcome> => {
    const range = { from: train.start, to: train.end };
    let best = -1;
    let bestValue = 0;
    let eligible = 0;
    let undefinedObjective = 0;
    let fewTrades = 0;
    let deepDrawdown = 0;
    let mostTrades = -1;
    let mostAt = 0;
    for (let at = 0; at < combinations.length; at += chunk) {
      const part = combinations.slice(at, at + chunk);
      const metrics = await opts.evaluate(part, range);
      for (let j = 0; j < part.length; j++) {
        const k = at + j;
        const m = metrics[j][bound];
        if (m.trades > mostTrades) {
          mostTrades = m.trades;
          mostAt = k;
        }
        const judged = judge(m, objective, constraints);
        if (!("value" in judged)) {
          if (judged.fails === "objective") undefinedObjective++;
          else if (judged.fails === "trades") fewTrades++;
          else deepDrawdown++;
          continue;
        }
        const v = judged.value;
        eligible++;
        if (best === -1 || ranksAbove(v, k, bestValue, best)) {
          best = k;
          bestValue = v;
        }
      }
    }
    const evaluated = combinations.length;
    if (best === -1) {
      const most = `the most: ${Math.max(0, mostTrades)}, by ${
        comboText(combinations[mostAt] ? namedParams(combinations[mostAt], opts.axes) : {})
      }`;
      if (fewTrades === evaluated) {
        return {
          ok: false,
          reason: `no combination made --min-trades ${constraints.minTrades} trades in the ` +
            `train window (${most})`,
          evaluated,
        };
      }
      const parts = [
        undefinedObjective > 0
          ? `${undefinedObjective} without a ${objective} (${undefinedObjectiveWhy(objective)})`
          : "",
        fewTrades > 0 ? `${fewTrades} under --min-trades ${constraints.minTrades} (${most})` : "",
        deepDrawdown > 0
          ? `${deepDrawdown} over --max-drawdown ${constraints.maxDrawdownPct}%`
          : "",
      ].filter((p) => p !== "");
      return {
        ok: false,
        reason: `no combination could be chosen in the train window: ${parts.join(", ")}`,
        evaluated,
      };
    }
    const c = combinations[best];
    const window = sliceSeries(ctx.series, train.start, train.end);
    const main = combinationPass(ctx, window, c, bound).stats;
    const other = combinationPass(ctx, window, c, otherBound(bound)).stats;
    return {
      ok: true,
      combination: c,
      params: namedParams(c, opts.axes),
      isObjective: bestValue,
      isStats: { main, other },
      evaluated,
      eligible,
    };
  };
}

/**
 * The test runner of a walk-forward: runs the chosen combination over the train window
 * and the test window together, with the strategy held back until the last train candle
 * (see {@link warmedUp}): its indicators are warm, but trades, equity and stats are the
 * test window's only, starting from the equity given. `ctx.base.intrabar` is the primary
 * bound (the one the stitched curve follows).
 */
export function testWindowRunner(ctx: EvaluationContext): TestRunner {
  const main = ctx.base.intrabar;
  return (req: TestRequest) => ({
    main: testPass(ctx, req, main, req.startEquity.main),
    other: testPass(ctx, req, otherBound(main), req.startEquity.other),
  });
}

/** One bound's run of a test window (warmed up on `req.warmup`), cut to the test window. */
function testPass(
  ctx: EvaluationContext,
  req: TestRequest,
  mode: BacktestParams["intrabar"],
  startEquity: number,
): WindowPass {
  const { series, intervalMs } = ctx;
  const from: IndexRange = { start: req.warmup.start, end: req.test.end };
  if (req.warmup.end !== req.test.start || from.start > req.test.start) {
    throw new Error(`Fold ${req.fold}: the warm-up must end where the test window starts`);
  }
  const prefix = req.test.start - from.start;
  const c = req.combination;
  const strategy = warmedUp(ctx.definition.create({ ...c.strategyParams }), prefix - 1);
  const p: BacktestParams = { ...paramsOf(ctx.base, c.risk), startEquity, intrabar: mode };
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
