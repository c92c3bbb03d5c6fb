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
  minQty: 0.0001,
};

/**
 * Golden backtests on the real 5m BTCUSDT data (2024-01-01..06-30, 52,416 candles) with
 * default settings. A changed hash means changed trades: only acceptable for a deliberate,
 * explained change of semantics, never for a refactor or a speed-up. Last deliberate
 * change: entries are held to the RiskGate's caps at the fill price (not the decision
 * close) and sized to fit what is left of the day's loss budget at their stop (refused
 * below 0.0001 BTC), and the day's limit latches until the next UTC day.
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
    trades: 1254,
    conservative: "bd861492d706d5d0d9de92befe7767d5dcc577846bbd05c4879bd2ea28816a6e",
    optimistic: "7bbbeab828e5075aee78c80b3c27a594e3b2065b151cfc312438938b74607b8d",
  },
  {
    strategy: "breakout",
    params: { lookback: 20 },
    trades: 873,
    conservative: "278fc29e26f861e179ea86d58abd4fa8a2501787260026dcaecbf9824e74552d",
    optimistic: "c5a8ed0e10504513a491ccfe336a68ca8f573c26bacc9d9b3b97e809c69efbb7",
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
