import { z } from "zod";
import type { BacktestParams } from "../core/backtest_params.ts";
import { InputError } from "../core/errors.ts";
import { type FlagSpec, numberFlag, type ParsedFlags } from "./argv.ts";
import { BACKTEST_FLAGS } from "./backtest_config.ts";
import { givenStrategyParams, TRADING_FLAGS, tradingParamsFromFlags } from "./common_flags.ts";
import { type CandleChoice, candleChoiceFromFlags } from "./backtest_config.ts";
import { STRATEGIES, strategyDef, strategyFileOf } from "../strategy/mod.ts";

/** The objectives `--objective` accepts. */
export const OBJECTIVE_NAMES = ["net_pnl", "sharpe", "sortino", "calmar", "profit_factor"] as const;

/** The environment variable `--shard-from-env` reads (set in each pod of an Indexed Job). */
export const SHARD_INDEX_ENV = "JOB_COMPLETION_INDEX";

const { seed: _mockSeed, "detail-csv": _detail, ...CANDLE_FLAGS } = BACKTEST_FLAGS;

/** Flags of `optimize` (alias `sweep`). */
export const OPTIMIZE_FLAGS: FlagSpec = {
  grid: {
    schema: z.array(z.string()).optional(),
    repeatable: true,
    help: "a swept parameter, repeatable: name=lo..hi:step, name=a,b,c, or name=lo..hi (--random)",
  },
  random: {
    schema: numberFlag({ int: true, min: 1, max: 2_000_000 }).optional(),
    help: "draw N combinations from the --grid ranges (seeded) instead of the whole grid",
  },
  seed: {
    schema: numberFlag({ int: true, min: 0, max: 2 ** 32 - 1 }).default(1),
    help: "seed of --random (default 1)",
  },
  objective: {
    schema: z.enum(OBJECTIVE_NAMES, { error: OBJECTIVE_NAMES.join(", ") }).default("net_pnl"),
    help: `what to maximise: ${OBJECTIVE_NAMES.join(", ")} (default net_pnl)`,
  },
  "min-trades": {
    schema: numberFlag({ int: true, min: 0 }).default(0),
    help: "only combinations with at least N trades may win (default 0)",
  },
  "max-drawdown": {
    schema: numberFlag({ min: 0, max: 100 }).optional(),
    help: "only combinations whose max drawdown (% of peak) is at most PCT may win",
  },
  workers: {
    schema: numberFlag({ int: true, min: 1, max: 256 }).optional(),
    help: "worker threads (default: the machine's cores)",
  },
  shard: {
    schema: z.string().min(1).optional(),
    help: "K/N: run only shard K (0-based, 0..N-1) of N: combinations with index mod N = K",
  },
  "shard-from-env": {
    schema: numberFlag({ int: true, min: 1, max: 10_000 }).optional(),
    help: `N: like --shard K/N with K from $${SHARD_INDEX_ENV} (a Kubernetes Indexed Job)`,
  },
  out: {
    schema: z.string().min(1).optional(),
    help: "the sweep's folder (default runs/sweep-<fingerprint>[-shard-K-of-N]; re-runs resume)",
  },
  heatmap: {
    schema: z.string().min(1).optional(),
    help: "x,y: the two swept parameters of the heatmap (default: the first two swept)",
  },
  top: {
    schema: numberFlag({ int: true, min: 1, max: 1000 }).default(20),
    help: "rows of the top table in summary.html (default 20)",
  },
  ...CANDLE_FLAGS,
  "mock-seed": {
    schema: numberFlag({ int: true, min: 0, max: 2 ** 32 - 1 }).default(42),
    help: "seed of the mock candles (default 42; --seed is the search's)",
  },
  ...TRADING_FLAGS,
  "intrabar-mode": {
    schema: TRADING_FLAGS["intrabar-mode"].schema,
    help: "the intrabar bound that ranks and is constrained (default conservative)",
  },
};

/** Flags of `optimize merge`. */
export const MERGE_FLAGS: FlagSpec = {
  out: OPTIMIZE_FLAGS.out,
  csv: {
    schema: z.string().min(1).optional(),
    help: "the candle CSV where it is now, when not at the path the shards recorded",
  },
  heatmap: OPTIMIZE_FLAGS.heatmap,
  top: OPTIMIZE_FLAGS.top,
  "cache-dir": OPTIMIZE_FLAGS["cache-dir"],
  "runs-dir": OPTIMIZE_FLAGS["runs-dir"],
  "logs-dir": OPTIMIZE_FLAGS["logs-dir"],
};

/** Where a sweep's candles come from (what the backtest loader takes). */
export type SweepCandles = CandleChoice;

/**
 * The strategy spec a sweep records and its workers resolve: a built-in's name, or the
 * absolute URL of the strategy file the flags loaded (workers run in other folders' terms).
 */
export function strategySpecOf(given: string): string {
  if (STRATEGIES.some((s) => s.name === given)) return given;
  const def = strategyDef(given);
  return strategyFileOf(def.name) ?? def.name;
}

/** A resolved `optimize` configuration (the axes are parsed against the strategy later). */
export interface OptimizeConfig {
  readonly candles: SweepCandles;
  /** The strategy spec as given. */
  readonly strategy: string;
  /** Strategy parameters given as flags (`--fast 10`): fixed for every combination. */
  readonly fixedParams: Readonly<Record<string, number>>;
  readonly params: BacktestParams;
  readonly grid: readonly string[];
  readonly random: { readonly count: number; readonly seed: number } | null;
  readonly objective: (typeof OBJECTIVE_NAMES)[number];
  readonly minTrades: number;
  readonly maxDrawdownPct: number | null;
  /** Worker threads; undefined: the machine's cores. */
  readonly workers?: number;
  /** `K/N` text, or `{fromEnv: N}`, or null for the whole sweep. */
  readonly shard: string | { readonly fromEnv: number } | null;
  readonly out?: string;
  /** Names of the heatmap's parameters; undefined: the first two swept. */
  readonly heatmap?: readonly string[];
  readonly top: number;
  readonly runsDir: string;
  readonly logsDir: string;
}

/**
 * Second validation stage of `optimize`'s flags: cross-field rules, then a frozen config.
 * @param notice receives non-fatal notices (e.g. the BTCUSD alias)
 */
export function resolveOptimizeConfig(
  f: ParsedFlags,
  notice: (msg: string) => void,
): OptimizeConfig {
  if (f.shard !== undefined && f["shard-from-env"] !== undefined) {
    throw new InputError("--shard-from-env", "not together with --shard");
  }
  const candles = candleChoiceFromFlags(f, notice, "mock-seed");
  const fixed = givenStrategyParams(f);
  const heatmap = heatmapFlag(f.heatmap as string | undefined);
  const config: OptimizeConfig = {
    candles,
    strategy: strategySpecOf(f.strategy as string),
    fixedParams: Object.freeze(fixed),
    params: tradingParamsFromFlags(f, f["backtest-mode"] as BacktestParams["mode"]),
    grid: (f.grid as string[] | undefined) ?? [],
    random: f.random === undefined ? null : { count: f.random as number, seed: f.seed as number },
    objective: f.objective as OptimizeConfig["objective"],
    minTrades: f["min-trades"] as number,
    maxDrawdownPct: (f["max-drawdown"] as number | undefined) ?? null,
    workers: f.workers as number | undefined,
    shard: f.shard !== undefined
      ? f.shard as string
      : f["shard-from-env"] !== undefined
      ? { fromEnv: f["shard-from-env"] as number }
      : null,
    out: f.out as string | undefined,
    heatmap,
    top: f.top as number,
    runsDir: f["runs-dir"] as string,
    logsDir: f["logs-dir"] as string,
  };
  return Object.freeze(config);
}

/** `--heatmap x,y` as its one or two names (undefined when not given). */
export function heatmapFlag(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const names = value.split(",").map((s) => s.trim());
  if (names.length > 2 || names.some((s) => s === "")) {
    throw new InputError(`--heatmap ${value}`, "one or two swept parameters: x,y");
  }
  return names;
}
