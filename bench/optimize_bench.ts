/**
 * `deno task bench-optimize`: the parameter sweep's speed on the real 5m data (52,416
 * candles; without the real data folder, the generated 5m stand-in, said in the output),
 * 200 ema-cross combinations, each both intrabar bounds (two engine passes):
 *  (a) throughput of the sweep (the whole loop: combinations resolved, jobs to workers,
 *      results back, rows formatted and written to a file in index order) with 2 workers
 *      vs 1. Target on a 2-core machine: >= 1.7x.
 *  (b) cost per combination with 1 worker vs the same two engine passes run directly in
 *      this thread (strategy, indicators, stats included). Target: within 1.3x.
 * Rounds interleave the three measurements; the best of each is printed (the machine's
 * speed drifts, and other work may share it).
 */
import { DEFAULT_BACKTEST_PARAMS } from "../src/core/backtest_params.ts";
import { INTERVAL_MS } from "../src/core/candle.ts";
import { readCandleCsv } from "../src/data/csv_candles.ts";
import { runBoundPass } from "../src/engine/backtest_report.ts";
import { sweepableParams } from "../src/research/combination.ts";
import { evaluateCombination } from "../src/research/evaluate.ts";
import { parseAxes, searchSpace } from "../src/research/param_space.ts";
import { resultsHeader } from "../src/research/results_csv.ts";
import { runSweep } from "../src/research/sweep_loop.ts";
import { createStrategy, strategyDef } from "../src/strategy/mod.ts";
import { SweepPool } from "../src/app/research/optimize_pool.ts";
import { isDataDir, REAL_5M, REAL_DATA_ENV, realDataDir } from "../tests/_real_data.ts";
import { synthetic5m } from "../tests/_synthetic_data.ts";
import { writeAllBytesSync } from "../src/ops/write_bytes.ts";

const ROUNDS = 5;
const DATA_DIR = realDataDir();
const REAL = isDataDir(DATA_DIR);
if (!REAL) {
  console.log(`no real data at ${DATA_DIR} (set ${REAL_DATA_ENV}): generated 5m candles instead`);
}
const series = REAL ? await readCandleCsv(`${DATA_DIR}/${REAL_5M}`) : synthetic5m();
const definition = strategyDef("ema-cross");
const base = DEFAULT_BACKTEST_PARAMS;
const intervalMs = INTERVAL_MS["5m"];
const axes = parseAxes(["fast=3..41:2", "slow=50..140:10"], sweepableParams(definition), {
  random: false,
  strategy: "ema-cross",
});
const space = searchSpace(axes, { kind: "grid" });
const judging = {
  objective: "net_pnl",
  bound: "conservative",
  constraints: { minTrades: 0, maxDrawdownPct: null },
} as const;
const N = space.size;
const ctx = { definition, intervalMs, base };
const tmp = await Deno.makeTempDir({ prefix: "laptop-agents-bench-optimize-" });

/** The whole sweep loop on `pool`, writing results.csv as the command does; ms. */
async function sweepMs(pool: SweepPool): Promise<number> {
  const file = await Deno.open(`${tmp}/results.csv`, { write: true, create: true, truncate: true });
  const enc = new TextEncoder();
  file.writeSync(enc.encode(resultsHeader(axes.map((a) => a.name)) + "\n"));
  const t0 = performance.now();
  const out = await runSweep({
    definition,
    fixed: {},
    space,
    shard: { index: 0, count: 1 },
    start: 0,
    judging,
    evaluator: pool.evaluator(),
    write: (line) => writeAllBytesSync(file, enc.encode(line)),
    stopped: () => false,
  });
  const ms = performance.now() - t0;
  file.close();
  if (out.evaluated !== N) throw new Error(`evaluated ${out.evaluated} of ${N}`);
  return ms;
}

/** The same combinations' two passes each, straight in this thread; ms. */
function directMs(): number {
  const t0 = performance.now();
  for (let i = 0; i < N; i++) {
    const [fast, slow] = space.combination(i);
    evaluateCombination(ctx, series, { strategyParams: { fast, slow }, risk: {} });
  }
  return performance.now() - t0;
}

/** One engine pass per combination (the conservative bound only); mean ms, best of 3. */
function onePassMs(): number {
  let best = Infinity;
  for (let r = 0; r < 3; r++) {
    const t0 = performance.now();
    for (let i = 0; i < N; i++) {
      const [fast, slow] = space.combination(i);
      runBoundPass(
        series,
        createStrategy("ema-cross", { fast, slow }),
        base,
        "conservative",
        intervalMs,
      );
    }
    best = Math.min(best, (performance.now() - t0) / N);
  }
  return best;
}

const start = (workers: number) =>
  SweepPool.start({ workers, spec: "ema-cross", series, intervalMs, base }).then((p) => {
    if (p === null) throw new Error("workers unavailable");
    return p;
  });
const one = await start(1);
const two = await start(2);
// warm-up: each worker's JIT, this thread's too
await sweepMs(one);
await sweepMs(two);
directMs();

let best1 = Infinity, best2 = Infinity, bestDirect = Infinity;
for (let r = 0; r < ROUNDS; r++) {
  best1 = Math.min(best1, await sweepMs(one));
  best2 = Math.min(best2, await sweepMs(two));
  bestDirect = Math.min(bestDirect, directMs());
}
const pass = onePassMs();
one.close();
two.close();
await Deno.remove(tmp, { recursive: true });

const perCombo = (ms: number) => ms / N;
const speedup = best1 / best2;
const overhead = perCombo(best1) / perCombo(bestDirect);
const perPass = perCombo(best1) / 2 / pass;
const f = (v: number, d = 2) => v.toFixed(d);
console.log(
  `candles ${series.length.toLocaleString("en-US")} (${REAL ? "real 5m" : "generated 5m"}), ` +
    `${N} combinations x 2 intrabar bounds, cores ${navigator.hardwareConcurrency}, best of ${ROUNDS}`,
);
console.log(
  `(a) sweep, 1 worker:  ${f(best1, 0)} ms  ${f(N / best1 * 1000, 1)} combinations/s`,
);
console.log(
  `    sweep, 2 workers: ${f(best2, 0)} ms  ${f(N / best2 * 1000, 1)} combinations/s  ` +
    `=> ${f(speedup)}x (target >= 1.7x) ${speedup >= 1.7 ? "OK" : "BELOW TARGET"}`,
);
console.log(
  `(b) per combination: sweep (1 worker) ${f(perCombo(best1))} ms, the same two passes in this ` +
    `thread ${f(perCombo(bestDirect))} ms => ${f(overhead)}x (target <= 1.3x) ${
      overhead <= 1.3 ? "OK" : "ABOVE TARGET"
    }`,
);
console.log(
  `    one engine pass (mean over the combinations) ${
    f(pass)
  } ms: a sweep's pass (combination / 2) ` +
    `costs ${f(perPass)}x of it`,
);
