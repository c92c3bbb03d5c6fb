import type { BacktestParams } from "../../core/backtest_params.ts";
import { type CandleSeries, type Interval } from "../../core/candle.ts";
import { InputError } from "../../core/errors.ts";
import type { OptimizeConfig, SweepCandles } from "../../config/optimize_config.ts";
import { resolveCombination, sweepAxes } from "../../research/combination.ts";
import {
  type CandleFacts,
  candleHash,
  manifestOf,
  type SweepInputs,
  type SweepManifest,
} from "../../research/manifest.ts";
import { type Search, type SearchSpace, searchSpace } from "../../research/param_space.ts";
import { type Judging, resultsHeader } from "../../research/results_csv.ts";
import { parseShard, type Shard, shardFromEnv } from "../../research/shard.ts";
import { definitionFor } from "../../research/strategy_source.ts";
import type { StrategyDefinition } from "../../strategy/mod.ts";
import { loadBacktestCandles } from "../backtest/load_candles.ts";
import { SHARD_INDEX_ENV } from "../../config/optimize_config.ts";

/** Everything a sweep (or a merge's summary) works from. */
export interface SweepSetup {
  readonly manifest: SweepManifest;
  readonly definition: StrategyDefinition;
  readonly space: SearchSpace;
  readonly judging: Judging;
  readonly base: BacktestParams;
  readonly fixed: Readonly<Record<string, number>>;
  readonly series: CandleSeries;
  readonly intervalMs: number;
  readonly header: string;
}

/** Candles and their facts for the manifest. */
export interface SweepSeries {
  readonly series: CandleSeries;
  readonly facts: CandleFacts;
}

/** A description of candles that does not change between runs over the same ones. */
function describe(c: SweepCandles, interval: string): string {
  if (c.source === "mock") return `mock seed ${c.seed}`;
  if (c.source === "csv") return `csv ${c.csv}`;
  return `bitunix ${c.symbol} ${interval}`;
}

/** Loads a sweep's candles and hashes them. */
export async function loadSweepCandles(c: SweepCandles): Promise<SweepSeries> {
  const loaded = await loadBacktestCandles(c);
  const s = loaded.series;
  const interval = loaded.interval ?? `${loaded.intervalMs}ms`;
  if (s.length < 2) {
    throw new InputError(`candles (${s.length} from ${loaded.description})`, "at least 2");
  }
  return {
    series: s,
    facts: {
      source: c.source,
      csv: c.csv ?? null,
      requested: c.candles ?? null,
      mock_seed: c.source === "mock" ? c.seed : null,
      symbol: c.symbol,
      interval: c.interval ?? null,
      interval_ms: loaded.intervalMs,
      description: describe(c, interval),
      count: s.length,
      first_ts: s.ts[0],
      last_ts: s.ts[s.length - 1],
      sha256: candleHash(s),
    },
  };
}

/** The candle request that loads the candles `facts` describe (`csv` where they are now). */
export function candlesOf(facts: CandleFacts, cacheDir: string, csv?: string): SweepCandles {
  return {
    source: facts.source,
    ...(facts.source === "csv" ? { csv: csv ?? facts.csv ?? undefined } : {}),
    candles: facts.requested ?? undefined,
    seed: facts.mock_seed ?? 42,
    symbol: facts.symbol,
    interval: (facts.interval ?? undefined) as Interval | undefined,
    cacheDir,
  };
}

/** The shard a config asks for (null: the whole sweep). */
export function shardOf(
  config: OptimizeConfig,
  env: (k: string) => string | undefined,
): Shard | null {
  const s = config.shard;
  if (s === null) return null;
  if (typeof s === "string") return parseShard(s);
  return shardFromEnv(SHARD_INDEX_ENV, env(SHARD_INDEX_ENV), s.fromEnv);
}

/** SHA-256 (hex) of a file's bytes. */
async function fileSha256(url: string): Promise<string> {
  const bytes = await Deno.readFile(new URL(url));
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * Checks a config against its strategy before any candle is loaded: fixed parameters
 * the strategy declares, axes over its parameters and the risk flags, a search space
 * with at least one combination the strategy accepts.
 */
export async function checkSweepConfig(
  config: OptimizeConfig,
): Promise<{ definition: StrategyDefinition; inputsWithout: Omit<SweepInputs, "candles"> }> {
  const definition = await definitionFor(config.strategy);
  const axes = sweepAxes(definition, config.fixedParams, config.grid, {
    random: config.random !== null,
  });
  const search: Search = config.random === null
    ? { kind: "grid" }
    : { kind: "random", count: config.random.count, seed: config.random.seed };
  const space = searchSpace(axes, search);
  if (config.heatmap !== undefined) heatmapPositions(axes.map((a) => a.name), config.heatmap);
  const inputsWithout: Omit<SweepInputs, "candles"> = {
    strategy: config.strategy,
    ...(config.strategy.startsWith("file:")
      ? { strategy_sha256: await fileSha256(config.strategy) }
      : {}),
    fixed_params: config.fixedParams,
    backtest: config.params as unknown as Record<string, unknown>,
    axes,
    search,
    objective: config.objective,
    bound: config.params.intrabar,
    min_trades: config.minTrades,
    max_drawdown_pct: config.maxDrawdownPct,
  };
  // one valid combination at least, or nothing is worth loading candles for
  let firstReason: string | null = null;
  let anyValid = false;
  const probe = Math.min(space.size, 10_000);
  for (let i = 0; i < probe && !anyValid; i++) {
    const c = resolveCombination(definition, config.fixedParams, axes, space.combination(i));
    if ("invalid" in c) firstReason ??= c.invalid;
    else anyValid = true;
  }
  if (!anyValid && probe === space.size) {
    throw new InputError(
      "--grid",
      `at least one combination strategy ${definition.name} accepts (all ${space.size} refused: ${firstReason})`,
    );
  }
  return { definition, inputsWithout };
}

/** Positions in the axes of the heatmap's parameters (default: the first two). */
export function heatmapPositions(names: readonly string[], chosen?: readonly string[]): number[] {
  if (chosen === undefined) return names.length > 1 ? [0, 1] : [0];
  return chosen.map((n) => {
    const at = names.indexOf(n);
    if (at === -1) {
      throw new InputError(
        `--heatmap ${chosen.join(",")}`,
        `swept parameters (swept: ${names.join(", ")})`,
      );
    }
    return at;
  }).filter((at, i, all) => all.indexOf(at) === i);
}

/** The setup of a sweep with `inputs` (its manifest for `shard`) on `series`. */
export function setupOf(
  inputs: SweepInputs,
  shard: Shard | null,
  definition: StrategyDefinition,
  series: CandleSeries,
): SweepSetup {
  const space = searchSpace(inputs.axes, inputs.search);
  return {
    manifest: manifestOf(inputs, space.size, shard),
    definition,
    space,
    judging: {
      objective: inputs.objective,
      bound: inputs.bound,
      constraints: { minTrades: inputs.min_trades, maxDrawdownPct: inputs.max_drawdown_pct },
    },
    base: inputs.backtest as unknown as BacktestParams,
    fixed: inputs.fixed_params,
    series,
    intervalMs: inputs.candles.interval_ms,
    header: resultsHeader(inputs.axes.map((a) => a.name)),
  };
}

/** The sweep's folder: `--out`, else `runs/sweep-<fingerprint>` (`-shard-K-of-N` for a shard). */
export function sweepDir(runsDir: string, m: SweepManifest, out?: string): string {
  if (out !== undefined) return out;
  return `${runsDir}/${sweepId(m)}`;
}

/** The run id of a sweep's folder under runs/. */
export function sweepId(m: SweepManifest): string {
  const base = `sweep-${m.fingerprint.slice(0, 12)}`;
  return m.shard === null ? base : `${base}-shard-${m.shard.index}-of-${m.shard.count}`;
}
