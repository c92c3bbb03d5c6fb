/**
 * How a walk-forward window's result becomes a figure that compares across windows of
 * different lengths and starting equities (the "edge"): what the OOS / IS efficiency
 * divides. The objective's own value (what the optimiser maximises) is the sweep's, in
 * `objective.ts`; only this normalisation is walk-forward's.
 *
 * @module
 */
import type { RunStats } from "../engine/report_model.ts";
import type { Objective } from "./objective.ts";

/**
 * The profit factor a window without a losing trade counts as in its edge: a cap, so such
 * a window neither counts as infinitely good nor breaks the OOS / IS ratio.
 */
export const PROFIT_FACTOR_CAP = 100;

/**
 * The smallest max drawdown (in %) calmar's edge divides by: a window that never fell
 * below a peak would otherwise divide by zero.
 */
export const CALMAR_MIN_DRAWDOWN_PCT = 0.01;

/**
 * The objective as an edge, 0 meaning "no edge", for a window of `days` days: net pnl
 * becomes the return in % per day (a 30-day train window and a 7-day test window then
 * compare, and so do folds starting from different equities); profit factor becomes
 * `pf - 1` (1 is break-even; capped at {@link PROFIT_FACTOR_CAP}, 0 without trades);
 * calmar is the window's return annualised without compounding (`return_pct x 365 /
 * days`) over its max drawdown % (at least {@link CALMAR_MIN_DRAWDOWN_PCT}), since the
 * stats' own calmar needs 30 days for its CAGR and a test window is often shorter;
 * Sharpe and Sortino are annualised already and stay as they are.
 */
export function objectiveEdge(objective: Objective, stats: RunStats, days: number): number {
  switch (objective) {
    case "net_pnl":
      return days > 0 ? stats.return_pct / days : 0;
    case "profit_factor":
      if (stats.trades === 0) return 0;
      return Math.min(stats.profit_factor ?? PROFIT_FACTOR_CAP, PROFIT_FACTOR_CAP) - 1;
    case "calmar":
      return (days > 0 ? stats.return_pct * 365 / days : 0) /
        Math.max(stats.max_drawdown_pct, CALMAR_MIN_DRAWDOWN_PCT);
    case "sharpe":
      return stats.sharpe;
    case "sortino":
      return stats.sortino;
  }
}
