/**
 * What a walk-forward's folds say: how much of the in-sample edge survived out of sample,
 * how stable the chosen parameters were, and a plain verdict on overfitting.
 *
 * @module
 */
import type { FoldResult } from "./walk_forward.ts";
import type { Objective } from "./objective.ts";

/** When the verdict says overfit; see {@link overfitCheck}. */
export interface OverfitThresholds {
  /** Walk-forward efficiency (OOS edge / IS edge) below this looks overfit. */
  readonly minEfficiency: number;
  /** A parameter whose mean jump between folds exceeds this share of its grid range looks unstable. */
  readonly maxParamJump: number;
  /** Fewer used folds than this are too few to judge. */
  readonly minFolds: number;
}

/**
 * The defaults: out of sample should keep at least half the in-sample edge (the usual
 * walk-forward-efficiency rule of thumb); a parameter moving a quarter of its grid range
 * from fold to fold on average is jumping; two folds are the least that can be compared.
 */
export const OVERFIT_THRESHOLDS: OverfitThresholds = Object.freeze({
  minEfficiency: 0.5,
  maxParamJump: 0.25,
  minFolds: 2,
});

/** The in-sample and out-of-sample edge over the used folds, and their ratio. */
export interface Efficiency {
  readonly usedFolds: number;
  /** Mean of the used folds' in-sample edges (0 without used folds). */
  readonly meanIsEdge: number;
  readonly meanOosEdge: number;
  /**
   * meanOosEdge / meanIsEdge when meanIsEdge > 0, else null (no in-sample edge to keep).
   * 1 = out of sample did as well as in sample; 0 = no edge left; below 0 = it lost.
   */
  readonly efficiency: number | null;
}

/**
 * The walk-forward efficiency: the ratio of the mean out-of-sample edge to the mean
 * in-sample edge over the used folds. A ratio of means, not a mean of the folds' ratios:
 * one fold with an in-sample edge near 0 would blow a mean of ratios up. Undefined (null)
 * when the mean in-sample edge is not positive: dividing by it would turn a loss into a
 * "ratio" with the wrong sign.
 */
export function efficiencyOf(folds: readonly FoldResult[]): Efficiency {
  let n = 0, is = 0, oos = 0;
  for (const f of folds) {
    if (f.status !== "used") continue;
    n++;
    is += f.isEdge!;
    oos += f.oosEdge!;
  }
  const meanIs = n > 0 ? is / n : 0;
  const meanOos = n > 0 ? oos / n : 0;
  return {
    usedFolds: n,
    meanIsEdge: meanIs,
    meanOosEdge: meanOos,
    efficiency: meanIs > 0 ? meanOos / meanIs : null,
  };
}

/** A grid parameter's range (the values the optimiser could choose from). */
export interface GridRange {
  readonly name: string;
  readonly min: number;
  readonly max: number;
}

/** How one parameter's chosen value moved across the folds. */
export interface ParamStability {
  readonly name: string;
  /** The chosen value of each fold that got parameters, in fold order. */
  readonly values: readonly number[];
  readonly distinct: number;
  readonly mean: number;
  /** Population standard deviation of `values`. */
  readonly std: number;
  /** Coefficient of variation std / |mean|; null when the mean is 0. */
  readonly cv: number | null;
  /** Mean absolute change between consecutive folds; null with fewer than 2 values. */
  readonly meanJump: number | null;
  /** meanJump over the grid range (max - min), 0..1; null when either is unknown. */
  readonly normalizedJump: number | null;
}

/**
 * The stability of each grid parameter (one with more than one value) across the folds
 * that got parameters (used or not: it is the optimiser's choice that is judged).
 */
export function paramStability(
  folds: readonly FoldResult[],
  grid: readonly GridRange[],
): ParamStability[] {
  const chosen = folds.filter((f) => f.params !== undefined);
  const out: ParamStability[] = [];
  for (const g of grid) {
    if (!(g.max > g.min)) continue;
    const values = chosen.map((f) => f.params![g.name]);
    const n = values.length;
    const mean = n > 0 ? values.reduce((a, b) => a + b, 0) / n : 0;
    const std = n > 0 ? Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / n) : 0;
    let jump = 0;
    for (let i = 1; i < n; i++) jump += Math.abs(values[i] - values[i - 1]);
    const meanJump = n > 1 ? jump / (n - 1) : null;
    out.push({
      name: g.name,
      values,
      distinct: new Set(values).size,
      mean,
      std,
      cv: mean !== 0 ? std / Math.abs(mean) : null,
      meanJump,
      normalizedJump: meanJump === null ? null : meanJump / (g.max - g.min),
    });
  }
  return out;
}

/**
 * The verdict: `inconclusive` (too few used folds), `no-edge` (not even the in-sample
 * result has an edge), `overfit` (efficiency below the threshold, or a parameter jumping
 * between folds) or `ok`.
 */
export type Verdict = "ok" | "overfit" | "no-edge" | "inconclusive";

/** The verdict, one line saying it, and every warning behind it. */
export interface OverfitCheck {
  readonly verdict: Verdict;
  readonly headline: string;
  /** Plain-language warnings, most important first (folds left out included). */
  readonly warnings: readonly string[];
}

/** Everything the analysis says about a run. */
export interface WalkForwardAnalysis {
  readonly efficiency: Efficiency;
  readonly stability: readonly ParamStability[];
  readonly check: OverfitCheck;
  readonly thresholds: OverfitThresholds;
}

/** Analyses a run's folds: efficiency, stability and the overfit check. */
export function analyseWalkForward(
  folds: readonly FoldResult[],
  grid: readonly GridRange[],
  objective: Objective,
  thresholds: OverfitThresholds = OVERFIT_THRESHOLDS,
): WalkForwardAnalysis {
  const efficiency = efficiencyOf(folds);
  const stability = paramStability(folds, grid);
  return {
    efficiency,
    stability,
    check: overfitCheck(folds, efficiency, stability, objective, thresholds),
    thresholds,
  };
}

/** How an edge of `objective` reads in a sentence. */
export function edgeLabel(objective: Objective): string {
  switch (objective) {
    case "net_pnl":
      return "return per day (%)";
    case "profit_factor":
      return "profit factor - 1";
    default:
      return objective;
  }
}

function pct(x: number): string {
  return `${(x * 100).toFixed(0)}%`;
}

function num(x: number): string {
  return Number(x.toPrecision(3)).toString();
}

/**
 * The plain verdict on overfitting, from the efficiency, the parameter stability and the
 * used folds (see {@link OverfitThresholds}). Folds left out are listed as warnings too,
 * but do not change the verdict beyond the count of used folds.
 */
export function overfitCheck(
  folds: readonly FoldResult[],
  eff: Efficiency,
  stability: readonly ParamStability[],
  objective: Objective,
  t: OverfitThresholds = OVERFIT_THRESHOLDS,
): OverfitCheck {
  const label = edgeLabel(objective);
  const overfit: string[] = [];
  if (eff.efficiency !== null && eff.efficiency < t.minEfficiency) {
    overfit.push(
      eff.efficiency < 0
        ? `Out of sample the chosen parameters lost (mean ${label} ${num(eff.meanOosEdge)}) ` +
          `where in sample they won (${num(eff.meanIsEdge)}): what the optimiser found on ` +
          "the train windows did not repeat on the unseen ones."
        : `Out of sample kept only ${pct(eff.efficiency)} of the in-sample edge (mean ${label} ` +
          `${num(eff.meanOosEdge)} vs ${num(eff.meanIsEdge)}; below ${
            pct(t.minEfficiency)
          }): the parameters fit the train windows better than the market that followed.`,
    );
  }
  for (const s of stability) {
    if (s.normalizedJump !== null && s.normalizedJump > t.maxParamJump) {
      overfit.push(
        `The best ${s.name} jumps between folds by ${
          pct(s.normalizedJump)
        } of its grid range on average (${s.values.join(", ")}): the optimum is not stable, ` +
          "so the choice on any one window says little about the next.",
      );
    }
  }
  const notes = leftOutNote(folds);
  if (eff.usedFolds < t.minFolds) {
    const why = `only ${eff.usedFolds} of ${folds.length} folds could be used, fewer than ` +
      `${t.minFolds}: too few to judge overfitting (use more data, shorter windows or a ` +
      "lower --min-trades).";
    return {
      verdict: "inconclusive",
      headline: `Inconclusive: ${why}`,
      warnings: [cap(why), ...overfit, ...notes],
    };
  }
  if (eff.efficiency === null) {
    const why = `even in sample the best parameters have no edge (mean ${label} ` +
      `${
        num(eff.meanIsEdge)
      }, not above 0): there is nothing for the out-of-sample test to confirm.`;
    return {
      verdict: "no-edge",
      headline: `No edge: ${why}`,
      warnings: [cap(why), ...overfit, ...notes],
    };
  }
  if (overfit.length > 0) {
    return {
      verdict: "overfit",
      headline: `Looks overfit: ${overfit[0]}`,
      warnings: [...overfit, ...notes],
    };
  }
  return {
    verdict: "ok",
    headline: `No sign of overfitting: out of sample kept ${
      pct(eff.efficiency)
    } of the in-sample edge over ${eff.usedFolds} folds, and the chosen parameters were stable.`,
    warnings: notes,
  };
}

/** Most left-out folds a warning names (folds.csv lists them all). */
const NAMED_LEFT_OUT = 3;

/**
 * The warning about folds left out: how many, the first few with their reasons, and what
 * the test windows of those that were run made (it is not in the out-of-sample figures).
 */
function leftOutNote(folds: readonly FoldResult[]): string[] {
  const out = folds.filter((f) => f.status !== "used");
  if (out.length === 0) return [];
  const named = out.slice(0, NAMED_LEFT_OUT).map((f) => `fold ${f.fold} (${f.reason})`);
  const more = out.length > NAMED_LEFT_OUT
    ? `; and ${out.length - NAMED_LEFT_OUT} more (folds.csv lists each)`
    : "";
  const run = out.filter((f) => f.oosStats !== undefined);
  const pnl = run.reduce((a, f) => a + f.oosStats!.main.net_pnl, 0);
  const made = run.length === 0
    ? ""
    : ` The test window${run.length === 1 ? "" : "s"} of ${
      run.length === out.length ? "these folds" : `${run.length} of them`
    } made ${pnl >= 0 ? "+" : ""}${pnl.toFixed(2)} USDT, not counted.`;
  return [
    `${out.length} of ${folds.length} folds left out of the out-of-sample figures: ` +
    named.join("; ") + more + "." + made,
  ];
}

function cap(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
