/**
 * What a sweep maximises and which combinations may win: the objective (one of a run's
 * figures, higher is better) and the constraints (minimum trades, maximum drawdown),
 * both read on one intrabar bound.
 *
 * @module
 */
import { OBJECTIVE_NAMES } from "../config/optimize_config.ts";
import type { BoundMetrics } from "./evaluate.ts";

/** One of the objectives a sweep can maximise (`OBJECTIVE_NAMES`, what `--objective` accepts). */
export type Objective = (typeof OBJECTIVE_NAMES)[number];

/**
 * The figures the objective and the constraints read: a sweep's `BoundMetrics`, or a
 * whole run's stats (walk-forward's windows).
 */
export type JudgedFigures =
  & Pick<
    BoundMetrics,
    "net_pnl" | "sharpe" | "sortino" | "profit_factor" | "trades" | "max_drawdown_pct"
  >
  & { readonly calmar?: number | null };

/** Which combinations may be chosen. */
export interface Constraints {
  /** Fewest trades (0: no minimum). */
  readonly minTrades: number;
  /** Largest max drawdown in % of the peak; null: no limit. */
  readonly maxDrawdownPct: number | null;
}

/**
 * The objective's value on `m`; null where the figure is undefined (calmar of a run
 * shorter than 30 days, profit factor without a losing trade): such a run is not ranked.
 */
export function objectiveValue(m: JudgedFigures, objective: Objective): number | null {
  const v = m[objective] ?? null;
  return v === null || !Number.isFinite(v) ? null : v;
}

/** Why `m` fails the constraints (the first one it fails), or null when it passes. */
export function constraintFailure(m: JudgedFigures, c: Constraints): string | null {
  if (m.trades < c.minTrades) return `trades ${m.trades} < ${c.minTrades}`;
  if (c.maxDrawdownPct !== null && m.max_drawdown_pct > c.maxDrawdownPct) {
    return `max drawdown ${Number(m.max_drawdown_pct.toFixed(2))}% > ${c.maxDrawdownPct}%`;
  }
  return null;
}

/** Why the objective can be undefined on a run: what a note says of such a run. */
export function undefinedObjectiveWhy(objective: Objective): string {
  return objective === "calmar" ? "under 30 days or no drawdown" : "no losing trade";
}

/** A run judged: its objective value, or which rule it fails and why (a note). */
export type Judged =
  | { readonly value: number }
  | { readonly fails: "objective" | "trades" | "drawdown"; readonly note: string };

/**
 * Judges a run for ranking, the one rule of the sweep and the walk-forward: a defined
 * objective, then the constraints (see {@link objectiveValue}, {@link constraintFailure}).
 */
export function judge(m: JudgedFigures, objective: Objective, c: Constraints): Judged {
  const value = objectiveValue(m, objective);
  if (value === null) {
    return { fails: "objective", note: `no ${objective} (${undefinedObjectiveWhy(objective)})` };
  }
  const failed = constraintFailure(m, c);
  if (failed === null) return { value };
  return { fails: m.trades < c.minTrades ? "trades" : "drawdown", note: failed };
}

/**
 * True when a result with objective `a` at combination `ia` ranks above one with `b` at
 * `ib`: the higher objective, and on a tie the lower index (so the order is total).
 */
export function ranksAbove(a: number, ia: number, b: number, ib: number): boolean {
  return a > b || (a === b && ia < ib);
}
