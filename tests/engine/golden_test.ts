import assert from "node:assert/strict";
import type { BacktestParams } from "../../src/core/backtest_params.ts";
import { readCandleCsv } from "../../src/data/csv_candles.ts";
import { runBoundedBacktest } from "../../src/engine/backtest_report.ts";
import { createStrategy } from "../../src/strategy/mod.ts";

const DATA = new URL(
  "../../../shared/data/BTCUSDT-5m-2024-01-01_2024-06-30.csv.gz",
  import.meta.url,
);
// explicit inputs, not DEFAULT_BACKTEST_PARAMS: the pinned hashes must not follow a change of defaults
const P: BacktestParams = {
  startEquity: 10_000,
  riskPct: 1,
  stopBps: 30,
  tpR: 1.5,
  maxLeverage: 1,
  feeBps: 6,
  slippageBps: 0,
  intrabar: "conservative",
  mode: "position",
};

/**
 * Golden backtests on the real 5m BTCUSDT data (2024-01-01..06-30, 52,416 candles) with
 * default settings. A changed hash means changed trades: only acceptable for a deliberate,
 * explained change of semantics, never for a refactor or a speed-up.
 */
const GOLDEN: {
  strategy: string;
  params: Record<string, number>;
  trades: number;
  conservative: string;
  optimistic: string;
}[] = [
  {
    strategy: "ema-cross",
    params: { fast: 12, slow: 26 },
    trades: 1140,
    conservative: "faed5c1a369cf14c4365103ac2eec5bdb4c229c2cd1b079830d67e532952d3dd",
    optimistic: "5d1a582d8441450a988f31f53b7dd9f5065cf42058cdd72ef82ed2008d52b84e",
  },
  {
    strategy: "breakout",
    params: { lookback: 20 },
    trades: 880,
    conservative: "fd0844770116301a796cc07f818feb808a9e048b0e1826c26bc396b1e99c2abf",
    optimistic: "7767534794076f8a981adf14764c1a7d3bbe2e45939da3b599d67aed1ce9da24",
  },
];

Deno.test("golden backtests on real 5m data keep their pinned trades hashes", async (t) => {
  const series = await readCandleCsv(DATA.pathname);
  assert.equal(series.length, 52_416);
  for (const g of GOLDEN) {
    await t.step(g.strategy, () => {
      const { report } = runBoundedBacktest({
        runId: "golden",
        series,
        makeStrategy: () => createStrategy(g.strategy, g.params),
        params: P,
        intervalMs: 300_000,
        config: {},
      });
      assert.equal(report.stats.trades, g.trades);
      assert.equal(report.bounds.conservative.trades_hash, g.conservative);
      assert.equal(report.bounds.optimistic.trades_hash, g.optimistic);
      assert.equal(report.stats.trades_hash, g.conservative);
    });
  }
});
