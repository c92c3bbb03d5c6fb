import assert from "node:assert/strict";
import { type CandleSeries, tailSeries } from "../../src/core/candle.ts";
import { runBacktestFast } from "../../src/engine/backtest_fast.ts";
import { tradesHash } from "../../src/engine/trades_hash.ts";
import { runSimPipeline } from "../../src/app/backtest/sim_pipeline.ts";
import { readCandleCsv } from "../../src/data/csv_candles.ts";
import { createStrategy } from "../../src/strategy/mod.ts";
import { REAL_5M, realDataPath, realDataTest } from "../_real_data.ts";
import { synthetic1hWithGaps, synthetic5m } from "../_synthetic_data.ts";
import { PARAMS } from "./_scripted.ts";

const DATA = realDataPath(REAL_5M);

const CASES: { strategy: string; params: Record<string, number>; p: typeof PARAMS }[] = [
  { strategy: "ema-cross", params: { fast: 12, slow: 26 }, p: PARAMS },
  {
    strategy: "breakout",
    params: { lookback: 20 },
    p: { ...PARAMS, intrabar: "optimistic", slippageBps: 2 },
  },
  {
    strategy: "ema-cross",
    params: { fast: 5, slow: 50 },
    p: { ...PARAMS, maxLeverage: 5, riskPct: 0.2 },
  },
];

/** Each case as a step: the fast path and the pipeline must give identical trades and equity. */
async function fastEqualsPipeline(
  t: Deno.TestContext,
  series: CandleSeries,
  intervalMs: number,
): Promise<void> {
  for (const c of CASES) {
    await t.step(`${c.strategy} ${JSON.stringify(c.params)} ${c.p.intrabar}`, async () => {
      const fast = runBacktestFast(series, createStrategy(c.strategy, c.params), c.p);
      const piped = await runSimPipeline(series, {
        runId: "equality",
        symbol: "BTCUSDT",
        intervalMs,
        strategy: createStrategy(c.strategy, c.params),
        params: c.p,
      });
      assert.ok(fast.trades.length > 20, `expected trades, got ${fast.trades.length}`);
      assert.equal(piped.ledger.trades.length, fast.trades.length);
      assert.equal(tradesHash(piped.ledger.trades), tradesHash(fast.trades));
      assert.deepEqual(piped.equity, [...fast.equity]);
    });
  }
}

realDataTest(
  "fast path and step-by-step pipeline give identical trades on real 5m data",
  async (t) => {
    const all = await readCandleCsv(DATA);
    await fastEqualsPipeline(t, tailSeries(all, 20_000), 300_000);
  },
);

Deno.test("fast path and step-by-step pipeline give identical trades on generated 5m data", async (t) => {
  await fastEqualsPipeline(t, tailSeries(synthetic5m(), 20_000), 300_000);
});

Deno.test("fast path and step-by-step pipeline give identical trades on generated 1h data with gaps", async (t) => {
  await fastEqualsPipeline(t, synthetic1hWithGaps(), 3_600_000);
});
