/**
 * `deno task bench`: candles per second of
 *  (a) the engine's fast path on 1,000,000 candles (the real 5m data tiled with price
 *      continuity; without the real data folder, the generated 5m stand-in of the tests,
 *      said in the output), position mode, default strategy;
 *  (b) a hand-written typed-array loop of the same strategy, same process, same candles;
 *  (c) the whole CLI (`--mode backtest --source csv`) on a 1,000,000-row CSV file;
 *  (d) the raw reference for (c): one Deno process (bench/raw_process.ts) that reads the
 *      same CSV, parses it with a hand-written parser into typed arrays, runs (b) on it
 *      and prints the result (checked against (b) in this process).
 * Targets: (a) >= 15M candles/s and within 2.5x of (b); (c) under 2 s and within 1.5x
 * of (d). (c) and (d) run interleaved, five times each, timed as whole processes.
 */
import { readCandleCsv } from "../src/data/csv_candles.ts";
import { seriesToCsv, tileSeries } from "../src/data/tile_series.ts";
import { runBacktestFast } from "../src/engine/backtest_fast.ts";
import { type BacktestParams, DEFAULT_BACKTEST_PARAMS } from "../src/core/backtest_params.ts";
import { createStrategy } from "../src/strategy/mod.ts";
import { handLoopEmaCross } from "./hand_loop.ts";
import { isDataDir, REAL_5M, REAL_DATA_ENV, realDataDir } from "../tests/_real_data.ts";
import { synthetic5m } from "../tests/_synthetic_data.ts";

const N = 1_000_000;
const DATA_DIR = realDataDir();
const REAL = isDataDir(DATA_DIR);
const P: BacktestParams = DEFAULT_BACKTEST_PARAMS;

function best(runs: number, f: () => void): number {
  let min = Infinity;
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    f();
    min = Math.min(min, performance.now() - t0);
  }
  return min;
}

if (!REAL) {
  console.log(`no real data at ${DATA_DIR} (set ${REAL_DATA_ENV}): generated 5m candles instead`);
}
const series = tileSeries(REAL ? await readCandleCsv(`${DATA_DIR}/${REAL_5M}`) : synthetic5m(), N);
const engine = runBacktestFast(series, createStrategy("ema-cross", { fast: 12, slow: 26 }), P);
const hand = handLoopEmaCross(series, 12, 26, P);
const same = hand.count === engine.trades.length &&
  engine.trades.every((t, i) => t.pnl === hand.pnl[i]) &&
  hand.equityEnd === engine.trades.at(-1)?.equityAfter &&
  hand.exposed === engine.exposedCandles &&
  hand.equity.every((e, i) => e === engine.equity[i]);
if (!same) {
  console.error(`hand loop and engine disagree: ${hand.count} vs ${engine.trades.length} trades`);
  Deno.exit(1);
}

// interleaved, best of many: the machine's speed drifts between seconds
let engineMs = Infinity;
let handMs = Infinity;
for (let r = 0; r < 15; r++) {
  engineMs = Math.min(
    engineMs,
    best(1, () => runBacktestFast(series, createStrategy("ema-cross", { fast: 12, slow: 26 }), P)),
  );
  handMs = Math.min(handMs, best(1, () => handLoopEmaCross(series, 12, 26, P)));
}

const dir = await Deno.makeTempDir({ prefix: "laptop-agents-bench-" });
const csv = `${dir}/btc-1m-rows.csv`;
await Deno.writeTextFile(csv, seriesToCsv(series));
const main = new URL("../main.ts", import.meta.url).pathname;
const raw = new URL("./raw_process.ts", import.meta.url).pathname;

/** Runs a Deno process to its end; returns its wall time in ms and its stdout. */
async function timedProcess(args: string[]): Promise<{ ms: number; stdout: string }> {
  const t0 = performance.now();
  const out = await new Deno.Command(Deno.execPath(), { args, stdout: "piped", stderr: "piped" })
    .output();
  const ms = performance.now() - t0;
  if (out.code !== 0) {
    console.error(new TextDecoder().decode(out.stderr));
    Deno.exit(1);
  }
  return { ms, stdout: new TextDecoder().decode(out.stdout) };
}

const cliArgs = ["run", "--allow-all", main, "--mode", "backtest", "--source", "csv", "--csv", csv];
const cliRuns: number[] = [];
const rawRuns: number[] = [];
for (let r = 0; r < 5; r++) {
  const cli = await timedProcess([
    ...cliArgs,
    ...["--runs-dir", `${dir}/runs`, "--logs-dir", `${dir}/logs`],
  ]);
  cliRuns.push(cli.ms);
  const ref = await timedProcess(["run", `--allow-read=${csv}`, raw, csv]);
  rawRuns.push(ref.ms);
  if (ref.stdout.trim() !== `${hand.count} ${hand.equityEnd}`) {
    console.error(`raw process and hand loop disagree: ${ref.stdout.trim()}`);
    Deno.exit(1);
  }
}
await Deno.remove(dir, { recursive: true });
const cliMs = Math.min(...cliRuns);
const cliSorted = [...cliRuns].sort((a, b) => a - b);
const rawSorted = [...rawRuns].sort((a, b) => a - b);
const processRatio = cliSorted[0] / rawSorted[0];
const medianRatio = cliSorted[2] / rawSorted[2];

const rate = (ms: number) => (N / (ms / 1000) / 1e6).toFixed(1) + "M candles/s";
const ratio = engineMs / handMs;
console.log(
  `candles: ${N.toLocaleString("en-US")} (${
    REAL ? "real" : "generated"
  } 5m BTCUSDT tiled), trades: ${engine.trades.length}, same trades and equity curve as the hand loop: yes`,
);
console.log(
  `(a) engine (one engine):  ${engineMs.toFixed(1)} ms  ${rate(engineMs)}  target >= 15M/s: ${
    N / engineMs * 1000 >= 15e6 ? "met" : "MISSED"
  }`,
);
console.log(`(b) hand-written loop:    ${handMs.toFixed(1)} ms  ${rate(handMs)}`);
console.log(
  `    engine / hand loop:   ${ratio.toFixed(2)}x  target <= 2.5x: ${
    ratio <= 2.5 ? "met" : "MISSED"
  }`,
);
console.log(
  `(c) CLI run from CSV:     ${(cliMs / 1000).toFixed(2)} s best, ${
    (cliSorted[2] / 1000).toFixed(2)
  } s median, ${
    (cliSorted[4] / 1000).toFixed(2)
  } s worst of 5 (incl. process start, both bounds, all artifacts)  target < 2 s: ${
    cliSorted[4] < 2000 ? "met by every run" : cliMs < 2000 ? "met by the best run only" : "MISSED"
  }`,
);
console.log(
  `(d) raw process from CSV: ${(rawSorted[0] / 1000).toFixed(2)} s best, ${
    (rawSorted[2] / 1000).toFixed(2)
  } s median, ${
    (rawSorted[4] / 1000).toFixed(2)
  } s worst of 5 (process start, read, hand-written parse, (b); one thread)`,
);
console.log(
  `    CLI / raw process:    ${processRatio.toFixed(2)}x best, ${
    medianRatio.toFixed(2)
  }x median  target <= 1.5x: ${
    processRatio <= 1.5 && medianRatio <= 1.5
      ? "met"
      : processRatio <= 1.5
      ? "met by the best runs only"
      : "MISSED"
  }`,
);
