/**
 * `best.json`: the sweep's winner with its full figures on both intrabar bounds, and
 * what the sweep counted. No times inside: the same results give the same bytes.
 *
 * @module
 */
import type { RunStats } from "../engine/report_model.ts";
import type { Combination } from "./combination.ts";
import type { SweepManifest } from "./manifest.ts";
import { objectiveValue } from "./objective.ts";
import type { SweepTotals } from "./summary.ts";

/** The winner, run again for its full figures. */
export interface BestRun {
  readonly combination: Combination;
  readonly conservative: RunStats;
  readonly optimistic: RunStats;
}

/** The swept values of a row by parameter name. */
export function namedValues(
  names: readonly string[],
  values: readonly number[],
): Record<string, number> {
  const out: Record<string, number> = {};
  names.forEach((n, i) => (out[n] = values[i]));
  return out;
}

/** The text of `best.json`. */
export function bestJson(m: SweepManifest, totals: SweepTotals, best: BestRun | null): string {
  const inputs = m.inputs;
  const row = totals.best;
  const names = inputs.axes.map((a) => a.name);
  const doc = {
    fingerprint: m.fingerprint,
    strategy: inputs.strategy,
    objective: inputs.objective,
    bound: inputs.bound,
    constraints: { min_trades: inputs.min_trades, max_drawdown_pct: inputs.max_drawdown_pct },
    combinations: m.combinations,
    evaluated: totals.evaluated,
    invalid: totals.invalid,
    eligible: totals.eligible,
    best: row === null || best === null ? null : {
      index: row.index,
      params: namedValues(names, row.values),
      strategy_params: best.combination.strategyParams,
      risk: best.combination.risk,
      objective: {
        conservative: objectiveValue(row.metrics!.conservative, inputs.objective),
        optimistic: objectiveValue(row.metrics!.optimistic, inputs.objective),
      },
      stats: { conservative: best.conservative, optimistic: best.optimistic },
    },
  };
  return JSON.stringify(doc, null, 2) + "\n";
}
