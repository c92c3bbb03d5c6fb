import assert from "node:assert/strict";
import { BacktestWorker } from "../../src/app/backtest/backtest_worker_client.ts";
import { DEFAULT_BACKTEST_PARAMS as P } from "../../src/core/backtest_params.ts";
import { runBoundPass } from "../../src/engine/backtest_report.ts";
import {
  createStrategy,
  loadStrategy,
  resolveStrategyParams,
  strategyDef,
  strategyParams,
} from "../../src/strategy/mod.ts";
import { synthetic5m } from "../_synthetic_data.ts";

const EXAMPLE = new URL("../../strategies/rsi_dip.ts", import.meta.url).href;

Deno.test("a strategy file loads once and is known by its name, its path and its URL", async () => {
  const dir = await Deno.makeTempDir();
  try {
    // the plain form: a definition object importing zod itself
    await Deno.writeTextFile(
      `${dir}/plain.ts`,
      `import { z } from "zod";
export default {
  name: "plain-one",
  summary: "always long",
  params: z.object({ k: z.number().int().default(3).describe("a length") }),
  create: ({ k }: { k: number }) => ({ warmup: k, onCandle: () => 1 }),
};`,
    );
    const a = await loadStrategy("./plain.ts", dir);
    assert.equal(a.def.name, "plain-one");
    assert.equal(a.file, `file://${dir}/plain.ts`);
    const b = await loadStrategy(`${dir}/plain.ts`, "/elsewhere");
    assert.equal(b.def, a.def, "loaded once");
    assert.equal(strategyDef("plain-one"), a.def);
    assert.equal(strategyDef("./plain.ts"), a.def);
    assert.equal(strategyDef(a.file!), a.def);
    assert.deepEqual(strategyParams(a.def).map((p) => [p.name, p.default, p.int]), [[
      "k",
      3,
      true,
    ]]);
    assert.equal(createStrategy("plain-one", { k: 4 }).warmup, 4);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the backtest worker loads a strategy file for the other bound, with the same result", async () => {
  const { def, file } = await loadStrategy(EXAMPLE, "/");
  const params = resolveStrategyParams(def, { trendPeriod: 20, oversold: 45 });
  const series = synthetic5m();
  const worker = BacktestWorker.start();
  assert.ok(worker, "a worker starts");
  try {
    const other = await worker.bound({
      series,
      strategy: def.name,
      strategyParams: params,
      strategyFile: file,
      params: P,
      mode: "optimistic",
      intervalMs: 300_000,
    });
    const here = runBoundPass(series, createStrategy(def.name, params), P, "optimistic", 300_000);
    assert.ok(here.stats.trades > 0);
    assert.equal(other.stats.trades_hash, here.stats.trades_hash);
  } finally {
    worker.close();
  }
});

Deno.test("a strategy file in a folder whose name holds # or ? is that file, not another", async () => {
  const root = await Deno.makeTempDir();
  try {
    const dir = `${root}/trades #1 ?draft`;
    await Deno.mkdir(dir);
    await Deno.writeTextFile(
      `${dir}/hashed.ts`,
      `export default ({ z, defineStrategy }: { z: any; defineStrategy: any }) => defineStrategy({
  name: "hashed-one",
  summary: "always long",
  params: z.object({}),
  create: () => ({ warmup: 0, onCandle: () => 1 }),
});`,
    );
    const a = await loadStrategy("./hashed.ts", dir);
    assert.equal(a.def.name, "hashed-one");
    assert.equal(a.file, new URL(`file://${root}/trades%20%231%20%3Fdraft/hashed.ts`).href);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
