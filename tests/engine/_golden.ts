import assert from "node:assert/strict";
import type { BacktestParams } from "../../src/core/backtest_params.ts";
import type { CandleSeries } from "../../src/core/candle.ts";
import { runBoundedBacktest } from "../../src/engine/backtest_report.ts";
import { createStrategy } from "../../src/strategy/mod.ts";

/**
 * Inputs of the golden backtests. Explicit, not DEFAULT_BACKTEST_PARAMS: the pinned hashes
 * must not follow a change of defaults.
 */
export const GOLDEN_PARAMS: BacktestParams = {
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

/** One pinned golden backtest: a strategy, its trade count and both bounds' trades hashes. */
export interface Golden {
  readonly strategy: string;
  readonly params: Record<string, number>;
  readonly trades: number;
  readonly conservative: string;
  readonly optimistic: string;
}

/** Runs each golden backtest on `series` as a step and checks its count and pinned hashes. */
export async function checkGolden(
  t: Deno.TestContext,
  series: CandleSeries,
  intervalMs: number,
  goldens: readonly Golden[],
): Promise<void> {
  for (const g of goldens) {
    await t.step(g.strategy, () => {
      const { report } = runBoundedBacktest({
        runId: "golden",
        series,
        makeStrategy: () => createStrategy(g.strategy, g.params),
        params: GOLDEN_PARAMS,
        intervalMs,
        config: {},
      });
      assert.equal(report.stats.trades, g.trades);
      assert.equal(report.bounds.conservative.trades_hash, g.conservative);
      assert.equal(report.bounds.optimistic.trades_hash, g.optimistic);
      assert.equal(report.stats.trades_hash, g.conservative);
    });
  }
}
