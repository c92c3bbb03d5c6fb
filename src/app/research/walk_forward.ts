import chartJsSource from "../../dashboard/static/vendor/chart.umd.min.js" with { type: "text" };
import { z } from "zod";
import { type FlagSpec, formatFlagHelp, numberFlag, type ParsedFlags } from "../../config/argv.ts";
import { BACKTEST_FLAGS, resolveBacktestConfig } from "../../config/backtest_config.ts";
import { givenStrategyParams } from "../../config/common_flags.ts";
import { InputError } from "../../core/errors.ts";
import { renderWalkForwardHtml } from "../../dashboard/report/walk_forward_html.ts";
import { JsonlLogger } from "../../ops/jsonl_logger.ts";
import { newRunId, writeRun } from "../../ops/run_store.ts";
import { planFolds, runWalkForward } from "../../research/walk_forward.ts";
import { analyseWalkForward } from "../../research/walk_forward_analysis.ts";
import { inProcessEvaluator } from "../../research/walk_forward_eval.ts";
import { combosFromFlags } from "../../research/walk_forward_grid.ts";
import { type Objective, OBJECTIVES } from "../../research/walk_forward_objective.ts";
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
import {
  createStrategy,
  paramFlagName,
  STRATEGIES,
  strategyDef,
  strategyParams,
} from "../../strategy/mod.ts";
import type { Command } from "../command.ts";
import { notice, parseCommandFlags } from "../_flags.ts";
import { loadBacktestCandles } from "../backtest/load_candles.ts";

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
  seed: BACKTEST_FLAGS.seed,
  "cache-dir": BACKTEST_FLAGS["cache-dir"],
  ...Object.fromEntries(
    Object.entries(BACKTEST_FLAGS).filter(([k]) =>
      !["backtest", "backtest-mode", "source", "csv", "seed", "cache-dir", "detail-csv"]
        .includes(k)
    ),
  ),
  grid: {
    schema: z.string().min(1).optional(),
    help: "a parameter's values: name=lo..hi:step or name=a,b,c (repeat for each parameter)",
  },
  objective: {
    schema: z.enum(OBJECTIVES, { error: OBJECTIVES.join(", ") }).default("sharpe"),
    help: `what the optimiser maximises on each train window: ${OBJECTIVES.join(", ")} (sharpe)`,
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
};

/** `walk-forward`: optimise on rolling or anchored train windows, test on the unseen windows after. */
export const command: Command = {
  name: "walk-forward",
  summary: "walk-forward analysis: optimise on train windows, test on the next; overfit check",
  help: () =>
    [
      "Usage: laptop-agents walk-forward --train LEN --test LEN [--grid name=lo..hi:step ...] [flags]",
      "",
      "Splits the candles into folds: a train window, then the test window right after it;",
      "rolling (the train window slides by --step) or --anchored (it always starts at the",
      "first candle). On each fold every --grid combination is backtested on the train",
      "window; the best by --objective (among those with --min-trades trades) is run on the",
      "unseen test window, starting from the equity the previous test window ended with.",
      "The test windows' equity is stitched into one out-of-sample curve.",
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
      "Strategies and their parameters (for --grid, or fixed with --name value):",
      ...STRATEGIES.map((s) =>
        `  ${s.name.padEnd(12)} ${
          strategyParams(s).map((p) => `${p.name} (${p.default})`).join(", ")
        }`
      ),
      "",
      "Example: laptop-agents walk-forward --source csv --csv data-5m.csv.gz --strategy ema-cross \\",
      "  --grid fast=6..18:6 --grid slow=30..90:30 --train 30d --test 7d --objective sharpe",
    ].join("\n"),
  run,
};

/**
 * Takes every `--grid X` / `--grid=X` out of argv (the flag parser keeps one value per
 * flag; the grid has one per parameter). What follows `--` is left alone.
 */
export function takeGridFlags(argv: readonly string[]): { grids: string[]; rest: string[] } {
  const grids: string[] = [];
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--") {
      rest.push(...argv.slice(i));
      break;
    }
    if (a.startsWith("--grid=")) grids.push(a.slice("--grid=".length));
    else if (a === "--grid") {
      const v = argv[i + 1];
      if (v === undefined || v.startsWith("--")) {
        throw new InputError("--grid", "a value after the flag (name=lo..hi:step or name=a,b,c)");
      }
      grids.push(v);
      i++;
    } else rest.push(a);
  }
  for (const g of grids) {
    if (g.trim() === "") throw new InputError("--grid ''", "name=lo..hi:step or name=a,b,c");
  }
  return { grids, rest };
}

function requiredWindow(f: ParsedFlags, name: string): WindowLength {
  const w = f[name] as WindowLength | undefined;
  if (w === undefined) throw new InputError(`--${name}`, `a window length: ${WINDOW_HELP}`);
  return w;
}

async function run(argv: string[]): Promise<number> {
  const started = Date.now();
  const taken = takeGridFlags(argv);
  const { flags } = await parseCommandFlags(taken.rest, WALK_FORWARD_FLAGS);
  const grids = taken.grids.length > 0
    ? taken.grids
    : flags.grid === undefined
    ? []
    : [flags.grid as string];
  const trainLen = requiredWindow(flags, "train");
  const testLen = requiredWindow(flags, "test");
  const stepLen = (flags.step as WindowLength | undefined) ?? testLen;
  // the strategy's parameters come from the grid and the plain flags, not from the
  // backtest's resolution (which would insist on a valid default combination)
  const base = { ...flags, backtest: flags.candles, "detail-csv": undefined } as ParsedFlags;
  const given = givenStrategyParams(flags);
  for (const k of Object.keys(given)) base[paramFlagName(k)] = undefined;
  const config = resolveBacktestConfig(base, notice);
  const def = strategyDef(config.strategy);
  const declared = new Set(strategyParams(def).map((p) => p.name));
  const fixed: Record<string, number> = {};
  for (const [k, v] of Object.entries(given)) {
    if (!declared.has(k)) {
      throw new InputError(
        `--${paramFlagName(k)}`,
        `not a parameter of strategy ${def.name} (its parameters: ${
          [...declared].map((p) => `--${paramFlagName(p)}`).join(", ")
        })`,
      );
    }
    fixed[k] = v;
  }
  const grid = combosFromFlags(grids, def, fixed);
  const objective = flags.objective as Objective;
  const minTrades = flags["min-trades"] as number;
  const anchored = flags.anchored as boolean;

  const loaded = await loadBacktestCandles(config, null);
  const { series, intervalMs } = loaded;
  const train = windowCandles(trainLen, intervalMs, "--train");
  const test = windowCandles(testLen, intervalMs, "--test");
  const step = windowCandles(stepLen, intervalMs, "--step");
  const warmup = Math.max(...grid.combos.map((c) => createStrategy(def.name, { ...c }).warmup));
  const plan = planFolds({
    length: series.length,
    train,
    test,
    step,
    anchored,
    warmup,
    ts: series.ts,
  });
  const evaluator = inProcessEvaluator({
    series,
    makeStrategy: (c) => createStrategy(def.name, { ...c }),
    params: config.params,
    intervalMs,
    objective,
    minTrades,
  });
  const result = await runWalkForward({
    plan,
    combos: grid.combos,
    ts: series.ts,
    intervalMs,
    startEquity: config.params.startEquity,
    objective,
    minTrades,
    optimise: evaluator.optimise,
    test: evaluator.test,
  });
  const analysis = analyseWalkForward(result.folds, grid.ranges, objective);
  const p = config.params;
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
    grid: grid.axes,
    fixed_params: fixed,
    objective,
    min_trades: minTrades,
    windows: anchored ? "anchored" : "rolling",
    train: trainLen.text,
    test: testLen.text,
    step: stepLen.text,
    backtest_mode: p.mode,
    intrabar_mode: p.intrabar,
    start_equity: p.startEquity,
    risk_pct: p.riskPct,
    stop_bps: p.stopBps,
    tp_r: p.tpR,
    max_leverage: p.maxLeverage,
    fee_bps: p.feeBps,
    slippage_bps: p.slippageBps,
    max_daily_loss: p.limits?.maxDailyLossUsd ?? 50,
  };
  const report = walkForwardJsonOf(
    {
      config: resolved,
      strategy: def.name,
      objective,
      minTrades,
      anchored,
      train,
      test,
      step,
      lengthsText: { train: trainLen.text, test: testLen.text, step: stepLen.text },
      combinations: grid.combos.length,
      skippedCombinations: grid.skipped.count,
      skippedReason: grid.skipped.reason,
      grid: grid.axes,
      unusedTail: plan.unusedTail,
      bound: p.intrabar,
      ts: series.ts,
      intervalMs,
      candles: series.length,
    },
    result,
    analysis,
  );
  const other = p.intrabar === "conservative" ? "optimistic" : "conservative";
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
    combinations: grid.combos.length,
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
    `${(took / 1000).toFixed(1)} s`;
  console.log(consoleSummary(report, head));
  console.log(`Report: ${dir.startsWith("/") ? dir : `${Deno.cwd()}/${dir}`}/summary.html`);
  return 0;
}
