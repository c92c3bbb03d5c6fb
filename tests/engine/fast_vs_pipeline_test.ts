import assert from "node:assert/strict";
import { tailSeries } from "../../src/core/candle.ts";
import { runBacktestFast } from "../../src/engine/backtest_fast.ts";
import { tradesHash } from "../../src/engine/trades_hash.ts";
import { runSimPipeline } from "../../src/app/sim_pipeline.ts";
import { readCandleCsv } from "../../src/data/csv_candles.ts";
import { createStrategy } from "../../src/strategy/mod.ts";
import { PARAMS } from "./_scripted.ts";

const DATA = new URL(
  "../../../shared/data/BTCUSDT-5m-2024-01-01_2024-06-30.csv.gz",
  import.meta.url,
);

Deno.test("fast path and step-by-step pipeline give identical trades on real 5m data", async (t) => {
  const all = await readCandleCsv(DATA.pathname);
  const series = tailSeries(all, 20_000);
  const cases: { strategy: string; params: Record<string, number>; p: typeof PARAMS }[] = [
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
  for (const c of cases) {
    await t.step(`${c.strategy} ${JSON.stringify(c.params)} ${c.p.intrabar}`, async () => {
      const fast = runBacktestFast(series, createStrategy(c.strategy, c.params), c.p);
      const piped = await runSimPipeline(series, {
        runId: "equality",
        symbol: "BTCUSDT",
        intervalMs: 300_000,
        strategy: createStrategy(c.strategy, c.params),
        params: c.p,
      });
      assert.ok(fast.trades.length > 20, `expected trades, got ${fast.trades.length}`);
      assert.equal(piped.ledger.trades.length, fast.trades.length);
      assert.equal(tradesHash(piped.ledger.trades), tradesHash(fast.trades));
      assert.deepEqual(piped.equity, [...fast.equity]);
    });
  }
});
