import { backtestParamsRecord } from "../../core/backtest_params.ts";
import chartJsSource from "../../dashboard/static/vendor/chart.umd.min.js" with { type: "text" };
import { z } from "zod";
import { type FlagSpec, formatFlagHelp, numberFlag, type ParsedFlags } from "../../config/argv.ts";
import { BACKTEST_FLAGS, resolveBacktestConfig } from "../../config/backtest_config.ts";
import { givenStrategyParams } from "../../config/common_flags.ts";
import { OPTIMIZE_FLAGS, strategySpecOf } from "../../config/optimize_config.ts";
import { InputError } from "../../core/errors.ts";
import { renderWalkForwardHtml } from "../../dashboard/report/walk_forward_html.ts";
import { JsonlLogger } from "../../ops/jsonl_logger.ts";
import { newRunId, writeRun } from "../../ops/run_store.ts";
import { otherBound } from "../../engine/backtest_report.ts";
import { resolveSpace, sweepAxes } from "../../research/combination.ts";
import { evaluateCombinations, type EvaluationContext } from "../../research/evaluate.ts";
import type { Objective } from "../../research/objective.ts";
import { OBJECTIVE_NAMES } from "../../config/optimize_config.ts";
import { type Search, searchSpace } from "../../research/param_space.ts";
import { planFolds, runWalkForward } from "../../research/walk_forward.ts";
import { analyseWalkForward } from "../../research/walk_forward_analysis.ts";
import {
  type RangeEvaluator,
  testWindowRunner,
  trainOptimiser,
} from "../../research/walk_forward_eval.ts";
import {
  consoleSummary,
  foldsCsv,
  oosEquityCsv,
  walkForwardJson,
  walkForwardJsonOf,
} from "../../research/walk_forward_report.ts";
import {
  windowCandles,
  type WindowLength,
  windowLengthSchema,
} from "../../research/walk_forward_window.ts";
import { paramFlagName, strategyDef } from "../../strategy/mod.ts";
import type { Command } from "../command.ts";
import { notice, parseCommandFlags, strategiesHelp } from "../_flags.ts";
import { loadBacktestCandles } from "../backtest/load_candles.ts";
import { SweepPool } from "./optimize_pool.ts";

/** Up to this many combinations, train windows are evaluated on this thread (no workers). */
export const IN_PROCESS_MAX_COMBINATIONS = 4;

const WINDOW_HELP = "candles (8640) or a duration (90m, 12h, 30d, 2w)";

/** Flags of `walk-forward`: the backtest's candle and trading flags plus the walk-forward's own. */
export const WALK_FORWARD_FLAGS: FlagSpec = {
  candles: {
    ...BACKTEST_FLAGS.backtest,
    aliases: ["backtest"],
    help: "number of candles (mock: default 500; CSV: the whole file, or its last N)",
  },
  "backtest-mode": BACKTEST_FLAGS["backtest-mode"],
  source: BACKTEST_FLAGS.source,
  csv: BACKTEST_FLAGS.csv,
  "mock-seed": OPTIMIZE_FLAGS["mock-seed"],
  "cache-dir": BACKTEST_FLAGS["cache-dir"],
  ...Object.fromEntries(
    Object.entries(BACKTEST_FLAGS).filter(([k]) =>
      !["backtest", "backtest-mode", "source", "csv", "seed", "cache-dir", "detail-csv"]
        .includes(k)
    ),
  ),
  grid: {
    ...OPTIMIZE_FLAGS.grid,
    help: "a swept parameter, repeatable: name=lo..hi:step, name=a,b,c, or name=lo..hi " +
      "(--random); a strategy parameter or risk-pct, stop-bps, tp-r, max-leverage",
  },
  random: {
    ...OPTIMIZE_FLAGS.random,
    help: "draw N combinations from the --grid ranges (seeded by --seed) instead of the whole grid",
  },
  seed: OPTIMIZE_FLAGS.seed,
  objective: {
    schema: z.enum(OBJECTIVE_NAMES, { error: OBJECTIVE_NAMES.join(", ") }).default("sharpe"),
    help: `what the optimiser maximises on each train window: ${
      OBJECTIVE_NAMES.join(", ")
    } (sharpe)`,
  },
  train: {
    schema: windowLengthSchema.optional(),
    help: `train window: ${WINDOW_HELP}; required`,
  },
  test: {
    schema: windowLengthSchema.optional(),
    help: `test window after each train window: ${WINDOW_HELP}; required`,
  },
  step: {
    schema: windowLengthSchema.optional(),
    help: "how far each fold moves on, at least --test (default: --test)",
  },
  anchored: {
    schema: z.boolean(),
    boolean: true,
    help: "every train window starts at the first candle (default: rolling windows)",
  },
  "min-trades": {
    schema: numberFlag({ int: true, min: 1, max: 1_000_000 }).default(5),
    help: "trades a combination needs in a train window, and a fold in its test window (5)",
  },
  "max-drawdown": {
    ...OPTIMIZE_FLAGS["max-drawdown"],
    help: "only combinations whose max drawdown (% of peak) in the train window is at most PCT " +
      "may be chosen",
  },
  workers: {
    ...OPTIMIZE_FLAGS.workers,
    help: "worker threads evaluating the train windows (default: the machine's cores)",
  },
};

/** `walk-forward`: optimise on rolling or anchored train windows, test on the unseen windows after. */
export const command: Command = {
  name: "walk-forward",
  summary: "walk-forward analysis: optimise on train windows, test on the next; overfit check",
  help: async (argv) =>
    [
      "Usage: laptop-agents walk-forward --train LEN --test LEN [--grid name=lo..hi:step ...] [flags]",
      "",
      "Splits the candles into folds: a train window, then the test window right after it;",
      "rolling (the train window slides by --step) or --anchored (it always starts at the",
      "first candle). On each fold every combination is backtested on the train window, on",
      "worker threads (--workers, default all cores); the best by --objective (among those",
      "with --min-trades trades and within --max-drawdown) is run on the unseen test window,",
      "starting from the equity the previous test window ended with. The test windows'",
      "equity is stitched into one out-of-sample curve.",
      "",
      "The combinations are the optimize command's: --grid NAME=SPEC, repeatable, with SPEC",
      "lo..hi:step, a,b,c, one value, or lo..hi (integers; with --random also a continuous",
      "range); NAME a parameter of the strategy (fast, atrMult or atr-mult) or risk-pct,",
      "stop-bps, tp-r, max-leverage. --random N --seed S draws N of them (seeded). Those the",
      "strategy refuses (e.g. fast >= slow) are skipped and counted. The objective and the",
      "constraints are the sweep's too (calmar needs 30 days, profit_factor a losing trade).",
      "",
      "Writes runs/<id>/: folds.csv (one row per fold), walk_forward.json (everything),",
      "oos_equity.csv (the stitched curve), stats.json (its stats), config.json and",
      "summary.html (the verdict, the curve, the fold table). The same inputs give the same",
      "files byte for byte.",
      "",
      "The verdict: OVERFIT when out of sample kept less than half the in-sample edge (OOS /",
      "IS efficiency < 0.5) or a parameter's choice jumps by more than 25% of its grid range",
      "between folds; NO-EDGE when not even the in-sample result has an edge; INCONCLUSIVE",
      "with fewer than 2 usable folds. A window too short for the strategy, or no whole fold",
      "in the data, is refused (exit 2); a fold whose train window has no combination with",
      "--min-trades trades, or whose test window trades fewer, is shown but left out of the",
      "out-of-sample figures, with a warning.",
      "",
      "Flags:",
      formatFlagHelp(WALK_FORWARD_FLAGS),
      "",
      "Their parameters go in --grid, or are fixed with --name value:",
      ...await strategiesHelp(argv),
      "",
      "Example: laptop-agents walk-forward --source csv --csv data-5m.csv.gz --strategy ema-cross \\",
      "  --grid fast=6..18:6 --grid slow=30..90:30 --grid stop-bps=20,40 --train 30d --test 7d",
    ].join("\n"),
  run,
};

function requiredWindow(f: ParsedFlags, name: string): WindowLength {
  const w = f[name] as WindowLength | undefined;
  if (w === undefined) throw new InputError(`--${name}`, `a window length: ${WINDOW_HELP}`);
  return w;
}

async function run(argv: string[]): Promise<number> {
  const started = Date.now();
  const { flags } = await parseCommandFlags(argv, WALK_FORWARD_FLAGS);
  const grids = (flags.grid as string[] | undefined) ?? [];
  const trainLen = requiredWindow(flags, "train");
  const testLen = requiredWindow(flags, "test");
  const stepLen = (flags.step as WindowLength | undefined) ?? testLen;
  // the strategy's parameters come from the grid and the plain flags, not from the
  // backtest's resolution (which would insist on a valid default combination)
  const base = {
    ...flags,
    backtest: flags.candles,
    seed: flags["mock-seed"],
    "detail-csv": undefined,
  } as ParsedFlags;
  const fixed = givenStrategyParams(flags);
  for (const k of Object.keys(fixed)) base[paramFlagName(k)] = undefined;
  const config = resolveBacktestConfig(base, notice);
  const def = strategyDef(config.strategy);
  const random = flags.random as number | undefined;
  if (random !== undefined && grids.length === 0) {
    throw new InputError("--random", "a --grid to draw the combinations from");
  }
  const axes = sweepAxes(def, fixed, grids, { random: random !== undefined, optional: true });
  const search: Search = random === undefined
    ? { kind: "grid" }
    : { kind: "random", count: random, seed: flags.seed as number };
  const space = searchSpace(axes, search);
  const valid = resolveSpace(def, fixed, space);
  const combinations = valid.combinations;
  const objective = flags.objective as Objective;
  const minTrades = flags["min-trades"] as number;
  const maxDrawdownPct = (flags["max-drawdown"] as number | undefined) ?? null;
  const anchored = flags.anchored as boolean;

  const loaded = await loadBacktestCandles(config, null);
  const { series, intervalMs } = loaded;
  const train = windowCandles(trainLen, intervalMs, "--train");
  const test = windowCandles(testLen, intervalMs, "--test");
  const step = windowCandles(stepLen, intervalMs, "--step");
  // a loop, not Math.max(...list): a spread of 150,000 values overflows the call stack
  let warmup = 0;
  for (const c of combinations) {
    warmup = Math.max(warmup, def.create({ ...c.strategyParams }).warmup);
  }
  const plan = planFolds({
    length: series.length,
    train,
    test,
    step,
    anchored,
    warmup,
    ts: series.ts,
  });
  const p = config.params;
  const workers = Math.max(
    1,
    Math.min(
      (flags.workers as number | undefined) ?? navigator.hardwareConcurrency ?? 1,
      combinations.length,
    ),
  );
  const pool = workers > 1 && combinations.length > IN_PROCESS_MAX_COMBINATIONS
    ? await SweepPool.start({
      workers,
      spec: strategySpecOf(config.strategy),
      series,
      intervalMs,
      base: p,
    })
    : null;
  if (pool === null && workers > 1 && combinations.length > IN_PROCESS_MAX_COMBINATIONS) {
    notice("Notice: workers are unavailable here; evaluating on this thread.");
  }
  const ctx: EvaluationContext = { definition: def, series, intervalMs, base: p };
  const evaluate: RangeEvaluator = pool === null
    ? (cs, range) => evaluateCombinations(ctx, cs, range)
    : (cs, range) => pool.evaluate(cs, range);
  let result;
  try {
    result = await runWalkForward({
      plan,
      ts: series.ts,
      intervalMs,
      startEquity: p.startEquity,
      objective,
      minTrades,
      optimise: trainOptimiser({
        ctx,
        combinations,
        axes,
        judging: {
          objective,
          bound: p.intrabar,
          constraints: { minTrades, maxDrawdownPct },
        },
        evaluate,
      }),
      test: testWindowRunner(ctx),
    });
  } finally {
    pool?.close();
  }
  const ranges = axes.filter((a) => a.hi > a.lo).map((a) => ({
    name: a.name,
    min: a.lo,
    max: a.hi,
  }));
  const analysis = analyseWalkForward(result.folds, ranges, objective);
  const resolved: Record<string, unknown> = {
    mode: "walk-forward",
    source: config.source,
    ...(config.csv ? { csv: config.csv } : {}),
    ...(config.source === "mock" ? { seed: config.seed } : {}),
    symbol: config.symbol,
    interval: loaded.interval ?? `${intervalMs}ms`,
    candles: series.length,
    first_ts: series.length ? series.ts[0] : null,
    last_ts: series.length ? series.ts[series.length - 1] : null,
    ...(loaded.gaps ? { gaps: loaded.gaps } : {}),
    strategy: def.name,
    ...(config.strategyFile ? { strategy_file: config.strategyFile } : {}),
    grid: axes,
    search,
    fixed_params: fixed,
    objective,
    min_trades: minTrades,
    max_drawdown_pct: maxDrawdownPct,
    windows: anchored ? "anchored" : "rolling",
    train: trainLen.text,
    test: testLen.text,
    step: stepLen.text,
    ...backtestParamsRecord(p),
  };
  const report = walkForwardJsonOf(
    {
      config: resolved,
      strategy: def.name,
      objective,
      minTrades,
      maxDrawdownPct,
      anchored,
      train,
      test,
      step,
      lengthsText: { train: trainLen.text, test: testLen.text, step: stepLen.text },
      combinations: combinations.length,
      skippedCombinations: valid.invalid.count,
      skippedReason: valid.invalid.reason,
      grid: axes,
      search,
      unusedTail: plan.unusedTail,
      bound: p.intrabar,
      ts: series.ts,
      intervalMs,
      candles: series.length,
    },
    result,
    analysis,
  );
  const other = otherBound(p.intrabar);
  const runId = newRunId(started, "walk-forward");
  const dir = await writeRun(config.runsDir, runId, {
    "folds.csv": () => foldsCsv(report),
    "walk_forward.json": () => walkForwardJson(report),
    "oos_equity.csv": () => oosEquityCsv(result.oos.main, result.oos.other, other),
    // the stitched out-of-sample result as a run's stats: the dashboard's run history lists it
    "stats.json": () =>
      JSON.stringify(
        {
          scope: "out_of_sample",
          ...result.oos.main.stats,
          intrabar_bounds: {
            [p.intrabar]: result.oos.main.stats,
            [other]: result.oos.other.stats,
          },
        },
        null,
        2,
      ) + "\n",
    "config.json": () => JSON.stringify(resolved, null, 2) + "\n",
    "summary.html": () =>
      renderWalkForwardHtml(report, result.oos.main, result.oos.other, chartJsSource),
  });
  const took = Date.now() - started;
  const logger = new JsonlLogger({ path: `${config.logsDir}/system.jsonl`, runId });
  logger.emit("info", "walk-forward", "run.finished", {
    candles: series.length,
    folds: result.folds.length,
    combinations: combinations.length,
    workers: pool?.size ?? 1,
    verdict: report.verdict,
    oos_net_pnl: result.oos.main.stats.net_pnl,
    duration_ms: took,
    dir,
  });
  logger.close();
  const head =
    `Walk-forward ${runId}: ${config.symbol} ${loaded.interval ?? `${intervalMs}ms`}, ${
      series.length.toLocaleString("en-US")
    } candles (${loaded.description}), ${def.name}, ` +
    `${(took / 1000).toFixed(1)} s on ${pool === null ? "this thread" : `${pool.size} workers`}`;
  console.log(consoleSummary(report, head));
  console.log(`Report: ${dir.startsWith("/") ? dir : `${Deno.cwd()}/${dir}`}/summary.html`);
  return 0;
}
