/**
 * The files and the console summary of a walk-forward run: `walk_forward.json` (the whole
 * result), `folds.csv` (one row per fold) and `oos_equity.csv` (the stitched curve). No
 * run id or clock time goes into them: the same inputs give the same bytes.
 *
 * @module
 */
import type { BacktestParams } from "../core/backtest_params.ts";
import type { RunStats } from "../engine/report_model.ts";
import { otherBound } from "../engine/backtest_report.ts";
import type { FoldResult, FoldStatus, IndexRange, WalkForwardResult } from "./walk_forward.ts";
import { edgeLabel, type Verdict, type WalkForwardAnalysis } from "./walk_forward_analysis.ts";
import type { Objective } from "./objective.ts";
import type { Axis, Search } from "./param_space.ts";
import type { StitchedOos } from "./walk_forward_stitch.ts";
import { csvField } from "./results_csv.ts";

/** The headline figures of a window or of the stitched curve (those of its RunStats). */
export type StatsBrief = Pick<
  RunStats,
  | "start_equity"
  | "end_equity"
  | "net_pnl"
  | "return_pct"
  | "trades"
  | "win_rate"
  | "profit_factor"
  | "sharpe"
  | "sortino"
  | "max_drawdown"
  | "max_drawdown_pct"
  | "fees"
  | "trades_hash"
>;

/** A window of candles: indices, count and times (from the first open to the last close). */
export interface WindowJson {
  readonly start_index: number;
  readonly end_index: number;
  readonly candles: number;
  readonly from: string;
  readonly to: string;
}

/** One fold in `walk_forward.json`. */
export interface FoldJson {
  readonly fold: number;
  readonly status: FoldStatus;
  readonly reason: string;
  readonly train: WindowJson;
  readonly test: WindowJson;
  readonly params: Readonly<Record<string, number>> | null;
  readonly evaluated: number;
  readonly eligible: number;
  readonly in_sample: SampleJson | null;
  readonly out_of_sample: SampleJson | null;
  readonly efficiency: number | null;
}

/** A fold's result on one side (in or out of sample), in both bounds. */
export interface SampleJson {
  /** Null where the objective is undefined on the window (calmar under 30 days, ...). */
  readonly objective: number | null;
  readonly edge: number;
  /** Keyed by bound (`conservative`, `optimistic`), the primary first. */
  readonly stats: Readonly<Record<string, StatsBrief>>;
}

/** What the run was asked to do, as the report states it. */
export interface WalkForwardSetup {
  /** The resolved inputs (source, symbol, strategy, risk, ...), shown as config.json. */
  readonly config: Readonly<Record<string, unknown>>;
  readonly strategy: string;
  readonly objective: Objective;
  readonly minTrades: number;
  /** The `--max-drawdown` constraint on train windows (null: none). */
  readonly maxDrawdownPct: number | null;
  readonly anchored: boolean;
  readonly train: number;
  readonly test: number;
  readonly step: number;
  /** How the lengths were given (`30d`, `2016`). */
  readonly lengthsText: { readonly train: string; readonly test: string; readonly step: string };
  /** Valid combinations (tried on every train window). */
  readonly combinations: number;
  /** Combinations of the search the strategy refused, and the first reason. */
  readonly skippedCombinations: number;
  readonly skippedReason: string;
  /** The swept axes (`--grid`) and how combinations were drawn from them. */
  readonly grid: readonly Axis[];
  readonly search: Search;
  readonly unusedTail: number;
  readonly bound: BacktestParams["intrabar"];
  readonly ts: Float64Array;
  readonly intervalMs: number;
  readonly candles: number;
}

/** `walk_forward.json`. */
export interface WalkForwardJson {
  readonly kind: "walk_forward";
  readonly verdict: Verdict;
  readonly headline: string;
  readonly warnings: readonly string[];
  readonly plan: Readonly<Record<string, unknown>>;
  readonly grid: WalkForwardSetup["grid"];
  readonly folds: readonly FoldJson[];
  readonly out_of_sample: {
    readonly used_folds: number;
    readonly stats: Readonly<Record<string, StatsBrief>>;
  };
  readonly efficiency: Readonly<Record<string, unknown>>;
  readonly stability: WalkForwardAnalysis["stability"];
  readonly thresholds: WalkForwardAnalysis["thresholds"];
  readonly config: Readonly<Record<string, unknown>>;
}

/** The headline figures of `s`. */
export function statsBrief(s: RunStats): StatsBrief {
  return {
    start_equity: s.start_equity,
    end_equity: s.end_equity,
    net_pnl: s.net_pnl,
    return_pct: s.return_pct,
    trades: s.trades,
    win_rate: s.win_rate,
    profit_factor: s.profit_factor,
    sharpe: s.sharpe,
    sortino: s.sortino,
    max_drawdown: s.max_drawdown,
    max_drawdown_pct: s.max_drawdown_pct,
    fees: s.fees,
    trades_hash: s.trades_hash,
  };
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function windowJson(r: IndexRange, ts: Float64Array, intervalMs: number): WindowJson {
  return {
    start_index: r.start,
    end_index: r.end,
    candles: r.end - r.start,
    from: iso(ts[r.start]),
    to: iso(ts[r.end - 1] + intervalMs),
  };
}

function byBound(setup: WalkForwardSetup, main: RunStats, other: RunStats) {
  return { [setup.bound]: statsBrief(main), [otherBound(setup.bound)]: statsBrief(other) };
}

function foldJson(setup: WalkForwardSetup, f: FoldResult): FoldJson {
  const chosen = f.params !== undefined;
  return {
    fold: f.fold,
    status: f.status,
    reason: f.reason,
    train: windowJson(f.train, setup.ts, setup.intervalMs),
    test: windowJson(f.test, setup.ts, setup.intervalMs),
    params: chosen ? f.params! : null,
    evaluated: f.evaluated,
    eligible: f.eligible,
    in_sample: chosen
      ? {
        objective: f.isObjective!,
        edge: f.isEdge!,
        stats: byBound(setup, f.isStats!.main, f.isStats!.other),
      }
      : null,
    out_of_sample: chosen
      ? {
        objective: f.oosObjective ?? null,
        edge: f.oosEdge!,
        stats: byBound(setup, f.oosStats!.main, f.oosStats!.other),
      }
      : null,
    efficiency: f.efficiency ?? null,
  };
}

/** The content of `walk_forward.json` as an object. */
export function walkForwardJsonOf(
  setup: WalkForwardSetup,
  result: WalkForwardResult,
  analysis: WalkForwardAnalysis,
): WalkForwardJson {
  const e = analysis.efficiency;
  return {
    kind: "walk_forward",
    verdict: analysis.check.verdict,
    headline: analysis.check.headline,
    warnings: analysis.check.warnings,
    plan: {
      windows: setup.anchored ? "anchored" : "rolling",
      train_candles: setup.train,
      test_candles: setup.test,
      step_candles: setup.step,
      train: setup.lengthsText.train,
      test: setup.lengthsText.test,
      step: setup.lengthsText.step,
      folds: result.folds.length,
      candles: setup.candles,
      unused_tail_candles: setup.unusedTail,
      objective: setup.objective,
      min_trades: setup.minTrades,
      max_drawdown_pct: setup.maxDrawdownPct,
      search: setup.search,
      combinations: setup.combinations,
      skipped_combinations: setup.skippedCombinations,
      ...(setup.skippedCombinations > 0 ? { skipped_reason: setup.skippedReason } : {}),
      primary_bound: setup.bound,
    },
    grid: setup.grid,
    folds: result.folds.map((f) => foldJson(setup, f)),
    out_of_sample: {
      used_folds: e.usedFolds,
      stats: byBound(setup, result.oos.main.stats, result.oos.other.stats),
    },
    efficiency: {
      definition: `mean out-of-sample edge / mean in-sample edge over the used folds; edge = ${
        edgeLabel(setup.objective)
      }; null when the mean in-sample edge is not above 0`,
      mean_in_sample_edge: e.meanIsEdge,
      mean_out_of_sample_edge: e.meanOosEdge,
      value: e.efficiency,
    },
    stability: analysis.stability,
    thresholds: analysis.thresholds,
    config: setup.config,
  };
}

/** `walk_forward.json` text (two-space indent, a newline at the end). */
export function walkForwardJson(report: WalkForwardJson): string {
  return JSON.stringify(report, null, 2) + "\n";
}

/** A number for CSV: up to 6 decimals, empty when absent or not finite. */
function n6(x: number | null | undefined): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return "";
  const v = Number(x.toFixed(6));
  return String(Object.is(v, -0) ? 0 : v);
}

/**
 * `folds.csv`: one row per fold, times in ISO UTC (a window's `to` is its last candle's
 * close), one column per strategy parameter, the objective in and out of sample, the
 * edges and their ratio, trades and the out-of-sample pnl in both bounds.
 */
export function foldsCsv(report: WalkForwardJson): string {
  const paramNames = [...new Set(report.folds.flatMap((f) => Object.keys(f.params ?? {})))];
  const primary = report.plan.primary_bound as string;
  const other = otherBound(primary as BacktestParams["intrabar"]);
  const head = [
    "fold",
    "status",
    "train_from",
    "train_to",
    "test_from",
    "test_to",
    "train_candles",
    "test_candles",
    ...paramNames,
    "is_objective",
    "oos_objective",
    "is_edge",
    "oos_edge",
    "efficiency",
    "is_trades",
    "oos_trades",
    "oos_start_equity",
    "oos_net_pnl",
    "oos_return_pct",
    `oos_net_pnl_${other}`,
    "evaluated",
    "eligible",
    "reason",
  ];
  const rows = report.folds.map((f) => {
    const is = f.in_sample?.stats[primary];
    const oos = f.out_of_sample?.stats[primary];
    return [
      String(f.fold),
      f.status,
      f.train.from,
      f.train.to,
      f.test.from,
      f.test.to,
      String(f.train.candles),
      String(f.test.candles),
      ...paramNames.map((p) => n6(f.params?.[p])),
      n6(f.in_sample?.objective),
      n6(f.out_of_sample?.objective),
      n6(f.in_sample?.edge),
      n6(f.out_of_sample?.edge),
      n6(f.efficiency),
      is === undefined ? "" : String(is.trades),
      oos === undefined ? "" : String(oos.trades),
      n6(oos?.start_equity),
      n6(oos?.net_pnl),
      n6(oos?.return_pct),
      n6(f.out_of_sample?.stats[other]?.net_pnl),
      String(f.evaluated),
      String(f.eligible),
      csvField(f.reason),
    ].join(",");
  });
  return [head.join(","), ...rows].join("\n") + "\n";
}

/** `oos_equity.csv`: `ts,fold,equity,equity_<other bound>` of the stitched curve. */
export function oosEquityCsv(
  main: StitchedOos,
  other: StitchedOos,
  otherLabel: string,
): string {
  const lines = [`ts,fold,equity,equity_${otherLabel}`];
  let k = 0;
  for (let i = 0; i < main.ts.length; i++) {
    while (k + 1 < main.foldStarts.length && main.foldStarts[k + 1].index <= i) k++;
    lines.push(
      `${main.ts[i]},${main.foldStarts[k].fold},${n6(main.equity[i])},${n6(other.equity[i])}`,
    );
  }
  return lines.join("\n") + "\n";
}

function fmt(x: number | null | undefined, digits = 2): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return "n/a";
  return x.toLocaleString("en-US", {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
}

function signed(x: number, digits = 2): string {
  return (x >= 0 ? "+" : "") + fmt(x, digits);
}

function short(isoText: string): string {
  return isoText.slice(0, 16).replace("T", " ");
}

function searchText(search: Search): string {
  return search.kind === "random" ? ` (--random ${search.count} --seed ${search.seed})` : "";
}

/** The console summary: the plan, a line per fold, the out-of-sample figures and the verdict. */
export function consoleSummary(report: WalkForwardJson, headline: string): string {
  const plan = report.plan;
  const primary = plan.primary_bound as string;
  const other = otherBound(primary as BacktestParams["intrabar"]);
  const obj = plan.objective as string;
  const lines = [
    headline,
    `  ${plan.windows} windows: train ${plan.train} / test ${plan.test} / step ${plan.step} ` +
    `(${plan.train_candles} / ${plan.test_candles} / ${plan.step_candles} candles), ` +
    `${plan.folds} folds, ${plan.combinations} combinations${searchText(plan.search as Search)}, ` +
    `objective ${obj}, min trades ${plan.min_trades}${
      plan.max_drawdown_pct === null ? "" : `, max drawdown ${plan.max_drawdown_pct}%`
    }, ${primary} bound`,
  ];
  if ((plan.skipped_combinations as number) > 0) {
    lines.push(
      `  ${plan.skipped_combinations} grid combinations skipped: ${plan.skipped_reason}`,
    );
  }
  if ((plan.unused_tail_candles as number) > 0) {
    lines.push(
      `  the last ${plan.unused_tail_candles} candles are fewer than a test window: not tested`,
    );
  }
  lines.push(
    `  fold  test window                          params                    IS ${obj}  OOS ${obj}  OOS trades  OOS pnl`,
  );
  for (const f of report.folds) {
    const params = f.params === null
      ? "-"
      : Object.entries(f.params).map(([k, v]) => `${k}=${v}`).join(" ");
    const oos = f.out_of_sample?.stats[primary];
    const cols = [
      String(f.fold).padStart(4),
      ` ${short(f.test.from)} .. ${short(f.test.to)}`,
      params.padEnd(24),
      fmt(f.in_sample?.objective).padStart(6 + obj.length),
      fmt(f.out_of_sample?.objective).padStart(7 + obj.length),
      (oos === undefined ? "-" : String(oos.trades)).padStart(10),
      oos === undefined ? "-" : signed(oos.net_pnl),
    ];
    lines.push(`  ${cols.join("  ")}${f.status === "used" ? "" : `  LEFT OUT: ${f.reason}`}`);
  }
  const s = report.out_of_sample.stats[primary];
  const o = report.out_of_sample.stats[other];
  lines.push(
    `  out of sample (${report.out_of_sample.used_folds} folds stitched, ${primary}): net pnl ${
      signed(s.net_pnl)
    } USDT (${signed(s.return_pct)}%)  sharpe ${fmt(s.sharpe)}  max drawdown ${
      fmt(s.max_drawdown)
    } USDT (${fmt(s.max_drawdown_pct)}%)  trades ${s.trades}`,
    `  ${other} bound: net pnl ${signed(o.net_pnl)} USDT (${
      signed(o.return_pct)
    }%)  trades ${o.trades}`,
  );
  const e = report.efficiency;
  lines.push(
    `  OOS / IS efficiency: ${
      e.value === null ? "n/a (no in-sample edge)" : fmt(e.value as number)
    } (mean ${edgeLabel(obj as Objective)}: IS ${fmt(e.mean_in_sample_edge as number, 4)}, OOS ${
      fmt(e.mean_out_of_sample_edge as number, 4)
    })`,
  );
  for (const p of report.stability) {
    lines.push(
      `  ${p.name}: ${p.distinct} distinct value${p.distinct === 1 ? "" : "s"} (${
        p.values.join(", ")
      }), mean jump ${
        p.normalizedJump === null ? "n/a" : `${fmt(p.normalizedJump * 100, 0)}% of its grid range`
      }`,
    );
  }
  lines.push(`  Verdict: ${report.verdict.toUpperCase()}. ${report.headline}`);
  for (const w of report.warnings.slice(report.verdict === "ok" ? 0 : 1)) {
    lines.push(`  Warning: ${w}`);
  }
  return lines.join("\n");
}
