/**
 * The objectives a walk-forward optimises, and how a window's result becomes a figure
 * that compares across windows of different lengths (the "edge").
 *
 * @module
 */
import type { RunStats } from "../engine/report_model.ts";

/** Objectives a walk-forward can optimise (higher is better for each). */
export const OBJECTIVES = ["net_pnl", "sharpe", "sortino", "calmar", "profit_factor"] as const;

/** One of {@link OBJECTIVES}. */
export type Objective = typeof OBJECTIVES[number];

/**
 * The profit factor a window without a losing trade counts as: a cap, so such a rare
 * window neither ranks as infinitely good nor breaks the OOS / IS ratio.
 */
export const PROFIT_FACTOR_CAP = 100;

/**
 * The smallest max drawdown (in %) calmar divides by: a window that never fell below a
 * peak would otherwise divide by zero.
 */
export const CALMAR_MIN_DRAWDOWN_PCT = 0.01;

/**
 * The objective's value of one window's stats, as the optimiser ranks them and the fold
 * table shows them. `days` is the window's length. `net_pnl`, `sharpe`, `sortino` as the
 * stats give them (Sharpe and Sortino are annualised already); `profit_factor` capped at
 * {@link PROFIT_FACTOR_CAP} (1 without trades); `calmar` is the window's return annualised
 * without compounding (`return_pct x 365 / days`) over its max drawdown % (at least
 * {@link CALMAR_MIN_DRAWDOWN_PCT}): the stats' own calmar needs 30 days for its CAGR, and a
 * test window is often shorter.
 */
export function objectiveValue(objective: Objective, stats: RunStats, days: number): number {
  switch (objective) {
    case "net_pnl":
      return stats.net_pnl;
    case "sharpe":
      return stats.sharpe;
    case "sortino":
      return stats.sortino;
    case "calmar":
      return annualisedReturnPct(stats, days) /
        Math.max(stats.max_drawdown_pct, CALMAR_MIN_DRAWDOWN_PCT);
    case "profit_factor":
      if (stats.trades === 0) return 1;
      return Math.min(stats.profit_factor ?? PROFIT_FACTOR_CAP, PROFIT_FACTOR_CAP);
  }
}

/**
 * The objective as an edge that compares across windows of different lengths and starting
 * equities, with 0 meaning "no edge": net pnl becomes the return in % per day (a 30-day
 * train window and a 7-day test window then compare, and so do folds starting from
 * different equities); profit factor becomes `pf - 1` (1 is break-even); Sharpe, Sortino
 * and calmar are annualised already and stay as they are.
 */
export function objectiveEdge(objective: Objective, stats: RunStats, days: number): number {
  switch (objective) {
    case "net_pnl":
      return days > 0 ? stats.return_pct / days : 0;
    case "profit_factor":
      return objectiveValue(objective, stats, days) - 1;
    default:
      return objectiveValue(objective, stats, days);
  }
}

function annualisedReturnPct(stats: RunStats, days: number): number {
  return days > 0 ? stats.return_pct * 365 / days : 0;
}
