/**
 * Walk-forward analysis: the fold plan and the loop over the folds. On each fold the
 * injected optimiser chooses parameters on the train window, the injected test runner runs
 * them on the unseen test window that follows, and the test windows' equity is chained into
 * one out-of-sample curve. Pure: the evaluation is passed in (`walk_forward_eval.ts`
 * builds the optimiser on the sweep's evaluator and judging, and the test runner).
 *
 * @module
 */
import { InputError } from "../core/errors.ts";
import type { Trade } from "../core/trade.ts";
import type { RunStats } from "../engine/report_model.ts";
import type { Combination } from "./combination.ts";
import { type Objective, objectiveValue } from "./objective.ts";
import { objectiveEdge } from "./walk_forward_edge.ts";
import { type StitchedOos, stitchOos } from "./walk_forward_stitch.ts";

/** Candle indices `[start, end)` of a series. */
export interface IndexRange {
  readonly start: number;
  readonly end: number;
}

/** One fold's windows: train on `train`, then test on `test` (which follows it). */
export interface FoldWindows {
  /** 1-based, in time order. */
  readonly fold: number;
  readonly train: IndexRange;
  readonly test: IndexRange;
}

/** What {@link planFolds} needs. Lengths are in candles. */
export interface FoldPlanInput {
  /** Candles in the series. */
  readonly length: number;
  readonly train: number;
  readonly test: number;
  /** How far each fold moves on; at least `test` (test windows must not overlap). */
  readonly step: number;
  /** Anchored: every train window starts at the first candle (and grows); else it rolls. */
  readonly anchored: boolean;
  /** The longest warm-up of the strategy over the combinations (candles it cannot trade). */
  readonly warmup: number;
  /** Candles a window needs to trade on, beyond the warm-up (default {@link MIN_WINDOW_CANDLES}). */
  readonly minCandles?: number;
  /** Candle open times, to name the windows of a refused fold by time. */
  readonly ts?: ArrayLike<number>;
}

/** The folds of a run and the candles left after the last test window. */
export interface FoldPlan {
  readonly folds: readonly FoldWindows[];
  /** Candles after the last test window, fewer than a test window: not tested. */
  readonly unusedTail: number;
}

/** Candles a train window needs beyond the warm-up, and a test window in all. */
export const MIN_WINDOW_CANDLES = 50;

/**
 * Plans the folds. Rolling: fold k trains on `[k*step, k*step + train)`; anchored: on
 * `[0, train + k*step)`. Either way it tests on the `test` candles right after its train
 * window, and folds are planned while a whole test window fits (a shorter last one is never
 * used: its candles are counted in `unusedTail`).
 * @throws InputError naming the fold and the window when a window is too short for the
 * strategy (warm-up + `minCandles`), a test window is shorter than `minCandles`, no fold
 * fits the candles, or test windows would overlap
 */
export function planFolds(input: FoldPlanInput): FoldPlan {
  const { length, train, test, step, anchored, warmup } = input;
  const min = input.minCandles ?? MIN_WINDOW_CANDLES;
  for (const [name, v] of [["--train", train], ["--test", test], ["--step", step]] as const) {
    if (!Number.isInteger(v) || v < 1) {
      throw new InputError(`${name} ${v}`, "a whole number of candles >= 1");
    }
  }
  if (step < test) {
    throw new InputError(
      `--step ${step} candles`,
      `at least --test (${test} candles): test windows would overlap, and the stitched ` +
        "out-of-sample equity would count their common candles twice",
    );
  }
  const first: FoldWindows = {
    fold: 1,
    train: { start: 0, end: train },
    test: { start: train, end: train + test },
  };
  // fold 1 has the shortest train window (anchored) or the same as every fold (rolling)
  if (train < warmup + min) {
    throw new InputError(
      `fold 1 train window (${windowText(first.train, input.ts)})`,
      `at least ${warmup + min} candles (the strategy's warm-up ${warmup} + ${min} to trade ` +
        `on); it has ${train}: raise --train`,
    );
  }
  if (test < min) {
    throw new InputError(
      `fold 1 test window (${windowText(first.test, input.ts)})`,
      `at least ${min} candles to trade on; it has ${test}: raise --test`,
    );
  }
  if (train + test > length) {
    throw new InputError(
      `fold 1 test window (--train ${train} + --test ${test} candles)`,
      `a whole test window after the first train window; the data has only ${length} ` +
        `candles, ${train + test - length} too few: load more candles or shorten the windows`,
    );
  }
  const folds: FoldWindows[] = [];
  for (let k = 0;; k++) {
    const testStart = train + k * step;
    const testEnd = testStart + test;
    if (testEnd > length) break;
    folds.push({
      fold: k + 1,
      train: { start: anchored ? 0 : k * step, end: testStart },
      test: { start: testStart, end: testEnd },
    });
  }
  return { folds, unusedTail: length - folds[folds.length - 1].test.end };
}

function windowText(r: IndexRange, ts: ArrayLike<number> | undefined): string {
  const at = (i: number) =>
    ts !== undefined && i >= 0 && i < ts.length
      ? new Date(ts[i]).toISOString().slice(0, 16).replace("T", " ")
      : undefined;
  const from = at(r.start);
  const to = at(r.end - 1);
  const span = from !== undefined && to !== undefined ? `, ${from} .. ${to}` : "";
  return `candles ${r.start}..${r.end - 1}${span}`;
}

/**
 * A chosen combination as the reports show it: every strategy parameter (resolved) and
 * each swept risk parameter by its name (`stop-bps`).
 */
export type ParamCombo = Readonly<Record<string, number>>;

/** Stats of a window in the primary intrabar bound (`main`) and the other one. */
export interface BoundStats {
  readonly main: RunStats;
  readonly other: RunStats;
}

/** The optimiser's choice on a train window. */
export interface ChosenParams {
  readonly ok: true;
  /** What the test window runs. */
  readonly combination: Combination;
  readonly params: ParamCombo;
  /** The objective of `params` on the train window (primary bound): what was maximised. */
  readonly isObjective: number;
  readonly isStats: BoundStats;
  /** Combinations run, and those that could be chosen (objective defined, constraints met). */
  readonly evaluated: number;
  readonly eligible: number;
}

/** The optimiser could choose nothing on a train window (no combination met the constraints). */
export interface RefusedTrain {
  readonly ok: false;
  /** Why, in plain words (e.g. no combination made the minimum trades). */
  readonly reason: string;
  readonly evaluated: number;
}

/** What an optimiser answers for one train window. */
export type TrainOutcome = ChosenParams | RefusedTrain;

/** A train window to optimise on. */
export interface TrainRequest {
  readonly fold: number;
  readonly train: IndexRange;
}

/**
 * Chooses parameters on a train window: runs its combinations there and picks the best
 * by the objective among those meeting the constraints (all fixed when the optimiser is
 * made; see `trainOptimiser`).
 */
export type Optimiser = (req: TrainRequest) => TrainOutcome | Promise<TrainOutcome>;

/** One intrabar bound's run over a test window (only the test window's candles). */
export interface WindowPass {
  readonly stats: RunStats;
  /** Equity at each test candle's close. */
  readonly equity: Float64Array;
  readonly trades: readonly Trade[];
  /** Test candles with an open position. */
  readonly exposedCandles: number;
}

/** A test window to run the chosen parameters on. */
export interface TestRequest {
  readonly fold: number;
  readonly test: IndexRange;
  /** Candles before the test window the strategy sees but cannot trade on (its train window). */
  readonly warmup: IndexRange;
  readonly combination: Combination;
  /** Equity each bound starts the window with: where its stitched curve ended. */
  readonly startEquity: { readonly main: number; readonly other: number };
}

/** Runs chosen parameters on a test window, in both intrabar bounds. */
export type TestRunner = (
  req: TestRequest,
) => { main: WindowPass; other: WindowPass } | Promise<{ main: WindowPass; other: WindowPass }>;

/**
 * What became of a fold: `used` (in the out-of-sample figures), `no-params` (the optimiser
 * refused the train window; the test window was not run) or `few-trades` (the test window
 * made fewer than the minimum trades: shown, but left out of the stitched equity and every
 * out-of-sample figure).
 */
export type FoldStatus = "used" | "no-params" | "few-trades";

/** One fold's result. */
export interface FoldResult extends FoldWindows {
  readonly status: FoldStatus;
  /** Why the fold is not used (empty when it is). */
  readonly reason: string;
  readonly evaluated: number;
  readonly eligible: number;
  /** The chosen parameters (absent for `no-params`). */
  readonly params?: ParamCombo;
  readonly isObjective?: number;
  /** Null where the objective is undefined on the test window (see `objectiveValue`). */
  readonly oosObjective?: number | null;
  /** The objective as a comparable edge (see `objectiveEdge`), in and out of sample. */
  readonly isEdge?: number;
  readonly oosEdge?: number;
  /** oosEdge / isEdge when isEdge > 0, else null. */
  readonly efficiency?: number | null;
  readonly isStats?: BoundStats;
  readonly oosStats?: BoundStats;
}

/** Everything a walk-forward run needs. */
export interface WalkForwardInput {
  readonly plan: FoldPlan;
  /** Candle open times of the whole series. */
  readonly ts: Float64Array;
  readonly intervalMs: number;
  readonly startEquity: number;
  readonly objective: Objective;
  /** A test window with fewer trades than this is left out of the out-of-sample figures. */
  readonly minTrades: number;
  readonly optimise: Optimiser;
  readonly test: TestRunner;
}

/** A walk-forward run's folds and their stitched out-of-sample result. */
export interface WalkForwardResult {
  readonly folds: readonly FoldResult[];
  /** The used folds' test windows chained, in the primary bound and the other one. */
  readonly oos: { readonly main: StitchedOos; readonly other: StitchedOos };
}

const DAY_MS = 86_400_000;

/** The time a window of candles spans, in days: first open to last close. */
export function windowDays(r: IndexRange, ts: ArrayLike<number>, intervalMs: number): number {
  return r.end > r.start ? (ts[r.end - 1] - ts[r.start] + intervalMs) / DAY_MS : 0;
}

/**
 * Runs every fold in order: optimise on train, test on the next window starting from the
 * equity the stitched curve has reached (so sizing compounds as one account would), then
 * stitches the used folds' test equity. A fold the optimiser refuses, or whose test window
 * makes fewer than `minTrades` trades, is kept in the results with its reason but is not
 * chained: the next fold starts from the same equity.
 */
export async function runWalkForward(input: WalkForwardInput): Promise<WalkForwardResult> {
  const { objective, ts, intervalMs } = input;
  let eqMain = input.startEquity;
  let eqOther = input.startEquity;
  const folds: FoldResult[] = [];
  const segments: { fold: number; ts: Float64Array; main: WindowPass; other: WindowPass }[] = [];
  for (const w of input.plan.folds) {
    const chosen = await input.optimise({ fold: w.fold, train: w.train });
    if (!chosen.ok) {
      folds.push({
        ...w,
        status: "no-params",
        reason: chosen.reason,
        evaluated: chosen.evaluated,
        eligible: 0,
      });
      continue;
    }
    const run = await input.test({
      fold: w.fold,
      test: w.test,
      warmup: w.train,
      combination: chosen.combination,
      startEquity: { main: eqMain, other: eqOther },
    });
    const trainDays = windowDays(w.train, ts, intervalMs);
    const testDays = windowDays(w.test, ts, intervalMs);
    const isEdge = objectiveEdge(objective, chosen.isStats.main, trainDays);
    const oosEdge = objectiveEdge(objective, run.main.stats, testDays);
    const trades = run.main.stats.trades;
    const few = trades < input.minTrades;
    folds.push({
      ...w,
      status: few ? "few-trades" : "used",
      reason: few
        ? `the chosen parameters made ${trades} trade${trades === 1 ? "" : "s"} in the test ` +
          `window, fewer than --min-trades ${input.minTrades}`
        : "",
      evaluated: chosen.evaluated,
      eligible: chosen.eligible,
      params: chosen.params,
      isObjective: chosen.isObjective,
      oosObjective: objectiveValue(run.main.stats, objective),
      isEdge,
      oosEdge,
      efficiency: isEdge > 0 ? oosEdge / isEdge : null,
      isStats: chosen.isStats,
      oosStats: { main: run.main.stats, other: run.other.stats },
    });
    if (few) continue;
    segments.push({
      fold: w.fold,
      ts: ts.subarray(w.test.start, w.test.end),
      main: run.main,
      other: run.other,
    });
    eqMain = last(run.main.equity, eqMain);
    eqOther = last(run.other.equity, eqOther);
  }
  const stitch = (bound: "main" | "other") =>
    stitchOos(
      segments.map((s) => ({ fold: s.fold, ts: s.ts, pass: s[bound] })),
      { startEquity: input.startEquity, intervalMs },
    );
  return { folds, oos: { main: stitch("main"), other: stitch("other") } };
}

function last(a: Float64Array, fallback: number): number {
  return a.length > 0 ? a[a.length - 1] : fallback;
}
