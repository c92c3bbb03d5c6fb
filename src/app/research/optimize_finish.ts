import { downsampleMinMaxShared } from "../../dashboard/report/downsample.ts";
import chartJsSource from "../../dashboard/static/vendor/chart.umd.min.js" with { type: "text" };
import { InputError } from "../../core/errors.ts";
import { otherBound } from "../../engine/backtest_report.ts";
import { fmtNumber } from "../../dashboard/report/format.ts";
import { renderSweepHtml, type SweepPageModel } from "../../dashboard/report/sweep_html.ts";
import { writeTextFileAtomicSync } from "../../ops/atomic_write.ts";
import { readLines } from "../../ops/read_lines.ts";
import { bestJson, type BestRun, namedValues } from "../../research/best.ts";
import { type Combination, resolveCombination } from "../../research/combination.ts";
import { combinationPass } from "../../research/evaluate.ts";
import { RowSequence } from "../../research/merge.ts";
import { objectiveValue } from "../../research/objective.ts";
import type { ResultRow } from "../../research/results_csv.ts";
import { WHOLE } from "../../research/shard.ts";
import { SweepSummary, type SweepTotals } from "../../research/summary.ts";
import { heatmapPositions, type SweepSetup } from "./optimize_setup.ts";

/** Most points per equity line of the page. */
const EQUITY_POINTS = 3000;

/** What finishing a sweep produced. */
export interface SweepFinish {
  readonly totals: SweepTotals;
  readonly best: BestRun | null;
}

/** Streams a whole sweep's results.csv (checked row by row) into its totals. */
export async function totalsOf(
  setup: SweepSetup,
  path: string,
  heatmap: readonly number[],
  top: number,
): Promise<SweepTotals> {
  const names = setup.manifest.inputs.axes.map((a) => a.name);
  const summary = new SweepSummary(setup.judging, setup.manifest.inputs.axes, heatmap, top);
  const rows = new RowSequence(path, WHOLE, names.length);
  for await (const l of readLines(path)) {
    if (l.lineNo === 1) {
      if (l.text !== setup.header) throw new InputError(`${path} line 1`, "this sweep's header");
      continue;
    }
    if (!l.complete) throw new InputError(`${path} line ${l.lineNo}`, "a complete row");
    summary.add(rows.accept(l.text, l.lineNo));
  }
  if (rows.rows !== setup.manifest.combinations) {
    throw new InputError(path, `${setup.manifest.combinations} rows (has ${rows.rows})`);
  }
  return summary.totals();
}

/** Runs the winner again (both bounds) for its equity and full stats; checks its hashes. */
function rerunBest(setup: SweepSetup, row: ResultRow) {
  const c = resolveCombination(setup.definition, setup.fixed, setup.space.axes, row.values);
  if ("invalid" in c) throw new Error(`best combination ${row.index} is invalid: ${c.invalid}`);
  const ctx = { definition: setup.definition, intervalMs: setup.intervalMs, base: setup.base };
  const cons = combinationPass(ctx, setup.series, c, "conservative");
  const opt = combinationPass(ctx, setup.series, c, "optimistic");
  if (
    cons.stats.trades_hash !== row.metrics!.conservative.trades_hash ||
    opt.stats.trades_hash !== row.metrics!.optimistic.trades_hash
  ) {
    throw new Error(`best combination ${row.index}: its trades differ from its results row`);
  }
  return { combination: c as Combination, cons, opt };
}

function paramText(names: readonly string[], values: readonly number[]): string {
  return names.map((n, i) => `${n}=${values[i]}`).join(" ");
}

/**
 * The winner's two equity curves for the page, at most EQUITY_POINTS points sharing their
 * x values, each line's peaks and troughs kept (its max drawdown among them).
 */
function thin(ts: Float64Array, a: Float64Array, b: Float64Array) {
  const d = downsampleMinMaxShared(ts, [a, b], EQUITY_POINTS);
  return { x: d.x, conservative: d.ys[0], optimistic: d.ys[1] };
}

function pageModel(
  setup: SweepSetup,
  totals: SweepTotals,
  best: ReturnType<typeof rerunBest> | null,
): SweepPageModel {
  const inputs = setup.manifest.inputs;
  const names = inputs.axes.map((a) => a.name);
  const { objective, bound } = inputs;
  const other = otherBound(bound);
  const c = inputs.candles;
  const span = c.first_ts === null || c.last_ts === null
    ? ""
    : ` ${new Date(c.first_ts).toISOString().slice(0, 10)}..${
      new Date(c.last_ts).toISOString().slice(0, 10)
    }`;
  const search = inputs.search.kind === "grid"
    ? "grid"
    : `random ${inputs.search.count} (seed ${inputs.search.seed})`;
  const facts: [string, string][] = [
    ["Strategy", inputs.strategy],
    ["Candles", `${c.count.toLocaleString("en-US")} ${c.symbol} (${c.description})${span}`],
    ["Search", `${search}: ${setup.manifest.combinations} combinations`],
    [
      "Swept",
      inputs.axes.map((a) =>
        a.values === null
          ? `${a.name} ${a.lo}..${a.hi}`
          : `${a.name} ${
            a.values.length > 6 ? `${a.lo}..${a.hi} (${a.values.length})` : a.values.join(",")
          }`
      ).join("; "),
    ],
    ["Objective", `${objective} on the ${bound} bound (higher is better; ties: lower index)`],
    [
      "Constraints",
      `min trades ${inputs.min_trades}; max drawdown ${
        inputs.max_drawdown_pct === null ? "none" : `${inputs.max_drawdown_pct}%`
      }`,
    ],
    [
      "Counted",
      `${totals.evaluated} evaluated, ${totals.invalid} refused by the strategy, ${totals.eligible} eligible`,
    ],
    ["Fingerprint", setup.manifest.fingerprint],
  ];
  const columns = [
    "#",
    "index",
    ...names,
    `${objective} (${bound})`,
    `${objective} (${other})`,
    "net pnl",
    "trades",
    "max dd %",
    "sharpe",
    "win rate %",
  ];
  const f = (v: number | null, d = 2) => fmtNumber(v, d);
  const rows = totals.top.map((r, k) => {
    const m = r.metrics!;
    const b = m[bound];
    return [
      String(k + 1),
      String(r.index),
      ...r.values.map(String),
      f(objectiveValue(b, objective)),
      f(objectiveValue(m[other], objective)),
      f(b.net_pnl),
      String(b.trades),
      f(b.max_drawdown_pct),
      f(b.sharpe),
      f(b.win_rate * 100, 1),
    ];
  });
  const row = totals.best;
  return {
    title: `Parameter sweep: ${inputs.strategy}`,
    facts,
    objective,
    bound,
    heatmap: totals.heatmap,
    top: { columns, rows },
    best: row === null || best === null ? null : {
      label: `#${row.index} ${paramText(names, row.values)}: net pnl ${
        f(best.cons.stats.net_pnl)
      } (conservative), ${f(best.opt.stats.net_pnl)} (optimistic) USDT`,
      ...thin(setup.series.ts, best.cons.result.equity, best.opt.result.equity),
    },
    notes: totals.evaluated > totals.eligible
      ? [
        `${
          totals.evaluated - totals.eligible
        } evaluated combinations are not eligible (constraints, or no ${objective}); results.csv says why in its note column.`,
      ]
      : [],
  };
}

/**
 * Finishes a whole sweep's folder: its totals from results.csv, the winner run again,
 * best.json and summary.html (both written atomically).
 */
export async function finishSweep(
  setup: SweepSetup,
  dir: string,
  opts: { readonly heatmap?: readonly string[]; readonly top: number },
): Promise<SweepFinish> {
  const names = setup.manifest.inputs.axes.map((a) => a.name);
  const heat = heatmapPositions(names, opts.heatmap);
  const totals = await totalsOf(setup, `${dir}/results.csv`, heat, opts.top);
  const best = totals.best === null ? null : rerunBest(setup, totals.best);
  const bestRun: BestRun | null = best === null ? null : {
    combination: best.combination,
    conservative: best.cons.stats,
    optimistic: best.opt.stats,
  };
  const files = {
    "best.json": bestJson(setup.manifest, totals, bestRun),
    "summary.html": renderSweepHtml(pageModel(setup, totals, best), chartJsSource),
  };
  for (const [name, text] of Object.entries(files)) writeTextFileAtomicSync(`${dir}/${name}`, text);
  return { totals, best: bestRun };
}

/** The best row's values by name, for messages. */
export function bestParams(setup: SweepSetup, row: ResultRow): Record<string, number> {
  return namedValues(setup.manifest.inputs.axes.map((a) => a.name), row.values);
}
