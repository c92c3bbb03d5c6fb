/**
 * `deno task bench-strategies`: candles per second of every built-in strategy, with its
 * default parameters, through the backtest's engine (`runBacktestFast`, position mode,
 * the default trading settings) on 1,000,000 candles: the real 5m data tiled with price
 * continuity, or without the real data folder the generated 5m stand-in of the tests (said
 * in the output). Target: a strategy written in the documented style (STRATEGIES.md)
 * reaches >= 5M candles/s.
 *
 * Each strategy is timed in a process of its own, as a backtest runs it: in one process
 * the engine's call into `onCandle` would see six classes and V8 would optimise it less
 * (up to a third slower here). `deno task bench-strategies <name>` times one strategy;
 * the repository's example strategy file (strategies/rsi_dip.ts, the kit form with its
 * state in closures) is timed too, as a user's strategy would run.
 */
import { readCandleCsv } from "../src/data/csv_candles.ts";
import { tileSeries } from "../src/data/tile_series.ts";
import { runBacktestFast } from "../src/engine/backtest_fast.ts";
import { DEFAULT_BACKTEST_PARAMS } from "../src/core/backtest_params.ts";
import {
  createStrategy,
  loadStrategy,
  resolveStrategyParams,
  STRATEGIES,
  strategyDef,
} from "../src/strategy/mod.ts";
import { isDataDir, REAL_5M, REAL_DATA_ENV, realDataDir } from "../tests/_real_data.ts";
import { synthetic5m } from "../tests/_synthetic_data.ts";

const N = 1_000_000;
const TARGET = 5e6;
const RUNS = 10;
const DATA_DIR = realDataDir();
const REAL = isDataDir(DATA_DIR);

/** Times one strategy here, best of `RUNS`; prints its line. */
async function benchOne(spec: string): Promise<void> {
  const def = spec.endsWith(".ts") ? (await loadStrategy(spec, "/")).def : strategyDef(spec);
  const name = def.name;
  const params = resolveStrategyParams(def, {});
  const base = REAL ? await readCandleCsv(`${DATA_DIR}/${REAL_5M}`) : synthetic5m();
  const series = tileSeries(base, N);
  const run = () => runBacktestFast(series, createStrategy(name, params), DEFAULT_BACKTEST_PARAMS);
  const trades = run().trades.length;
  let ms = Infinity;
  for (let r = 0; r < RUNS; r++) {
    const t0 = performance.now();
    run();
    ms = Math.min(ms, performance.now() - t0);
  }
  const rate = N / (ms / 1000);
  console.log(
    `${name.padEnd(20)} ${ms.toFixed(1).padStart(6)} ms ${
      (rate / 1e6).toFixed(1).padStart(5)
    }M candles/s  trades ${String(trades).padStart(5)}  target >= ${TARGET / 1e6}M/s: ${
      rate >= TARGET ? "met" : "MISSED"
    }`,
  );
}

if (Deno.args.length > 0) {
  await benchOne(Deno.args[0]);
} else {
  if (!REAL) {
    console.log(`no real data at ${DATA_DIR} (set ${REAL_DATA_ENV}): generated 5m candles instead`);
  }
  console.log(
    `candles: ${N.toLocaleString("en-US")} (${REAL ? "real" : "generated"} 5m BTCUSDT tiled), ` +
      `engine fast path, default parameters, best of ${RUNS} runs, one process per strategy`,
  );
  const self = new URL(import.meta.url).pathname;
  const example = new URL("../strategies/rsi_dip.ts", import.meta.url).href;
  for (const spec of [...STRATEGIES.map((d) => d.name), example]) {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-read", "--allow-env", self, spec],
      stdout: "inherit",
      stderr: "inherit",
    }).output();
    if (out.code !== 0) Deno.exit(out.code);
  }
}
