/**
 * Evaluating parameter combinations: each one is two passes of the one engine (the
 * conservative and the optimistic intrabar bound) on a candle range, reduced to the
 * figures a sweep ranks and records. The same code runs in the sweep's workers and in
 * process (walk-forward's train windows, tests, the fallback without workers).
 *
 * @module
 */
import type { BacktestParams } from "../core/backtest_params.ts";
import { type CandleSeries, sliceSeries } from "../core/candle.ts";
import { type BoundPass, runBoundPass } from "../engine/backtest_report.ts";
import type { StrategyDefinition } from "../strategy/mod.ts";
import { type Combination, paramsOf } from "./combination.ts";

/** The figures of one intrabar bound of one combination. */
export interface BoundMetrics {
  readonly net_pnl: number;
  readonly return_pct: number;
  readonly sharpe: number;
  readonly sortino: number;
  /** Null for runs shorter than 30 days, or without drawdown. */
  readonly calmar: number | null;
  /** Null when no trade lost. */
  readonly profit_factor: number | null;
  readonly win_rate: number;
  readonly trades: number;
  readonly max_drawdown_pct: number;
  readonly trades_hash: string;
}

/** Both intrabar bounds of one combination. */
export interface CombinationMetrics {
  readonly conservative: BoundMetrics;
  readonly optimistic: BoundMetrics;
}

/** What every combination of a sweep shares: the strategy, candles and fixed parameters. */
export interface EvaluationContext {
  readonly definition: StrategyDefinition;
  readonly series: CandleSeries;
  /** Candle length in ms (annualises Sharpe and Sortino). */
  readonly intervalMs: number;
  /** The fixed backtest parameters; a combination's risk overrides replace some. */
  readonly base: BacktestParams;
}

/** The figures a sweep keeps of one pass. */
export function boundMetrics(pass: BoundPass): BoundMetrics {
  const s = pass.stats;
  return {
    net_pnl: s.net_pnl,
    return_pct: s.return_pct,
    sharpe: s.sharpe,
    sortino: s.sortino,
    calmar: s.calmar ?? null,
    profit_factor: s.profit_factor,
    win_rate: s.win_rate,
    trades: s.trades,
    max_drawdown_pct: s.max_drawdown_pct,
    trades_hash: s.trades_hash,
  };
}

/**
 * One pass of combination `c` in intrabar `mode` on `series` (the whole pass result:
 * trades, equity, stats). A fresh strategy instance each call.
 */
export function combinationPass(
  ctx: Omit<EvaluationContext, "series">,
  series: CandleSeries,
  c: Combination,
  mode: BacktestParams["intrabar"],
): BoundPass {
  const strategy = ctx.definition.create(c.strategyParams as Record<string, number>);
  return runBoundPass(series, strategy, paramsOf(ctx.base, c.risk), mode, ctx.intervalMs);
}

/** Both bounds of combination `c` on `series` (a whole series or a range of one). */
export function evaluateCombination(
  ctx: Omit<EvaluationContext, "series">,
  series: CandleSeries,
  c: Combination,
): CombinationMetrics {
  return {
    conservative: boundMetrics(combinationPass(ctx, series, c, "conservative")),
    optimistic: boundMetrics(combinationPass(ctx, series, c, "optimistic")),
  };
}

/**
 * Evaluates `combinations` on candles `[from, to)` of `ctx.series` (default: all of
 * them), in process and in order. The strategy starts fresh at `from`: its warm-up
 * falls inside the range. What walk-forward calls for each train window.
 */
export function evaluateCombinations(
  ctx: EvaluationContext,
  combinations: readonly Combination[],
  range: { readonly from: number; readonly to: number } = { from: 0, to: ctx.series.length },
): CombinationMetrics[] {
  const series = sliceSeries(ctx.series, range.from, range.to);
  return combinations.map((c) => evaluateCombination(ctx, series, c));
}
