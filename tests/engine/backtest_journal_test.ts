import assert from "node:assert/strict";
import { DEFAULT_BACKTEST_PARAMS } from "../../src/core/backtest_params.ts";
import type { Trade } from "../../src/core/trade.ts";
import { readCandleCsv } from "../../src/data/csv_candles.ts";
import { backtestJournal } from "../../src/engine/backtest_journal.ts";
import { runBacktestFast } from "../../src/engine/backtest_fast.ts";
import { computeStats } from "../../src/engine/stats.ts";
import { tradesCsvBytes } from "../../src/engine/trades_hash.ts";
import { createStrategy, resolveStrategyParams, strategyDef } from "../../src/strategy/mod.ts";

const DATA = new URL(
  "../../../shared/data/BTCUSDT-5m-2024-01-01_2024-06-30.csv.gz",
  import.meta.url,
);

/** The journal line of one fill, built from the trade object with JSON.stringify. */
function fillLine(runId: string, t: Trade, intent: "entry" | "exit"): string {
  const common = {
    ts: new Date(intent === "entry" ? t.entryTs : t.exitTs).toISOString(),
    level: "info",
    component: "execution",
    event: "order.filled",
    runId,
    trade: t.id,
    intent,
  };
  return JSON.stringify(
    intent === "entry"
      ? {
        ...common,
        side: t.side === "long" ? "buy" : "sell",
        qty: t.qty,
        price: t.entryPrice,
        stop: t.stopPrice,
        tp: t.tpPrice,
      }
      : {
        ...common,
        side: t.side === "long" ? "sell" : "buy",
        qty: t.qty,
        price: t.exitPrice,
        reason: t.exitReason,
        pnl: t.pnl,
      },
  );
}

Deno.test("backtest journal: run lines plus an entry and an exit fill per trade, as JSON would write them", async () => {
  const series = await readCandleCsv(DATA.pathname);
  for (const strategy of ["ema-cross", "breakout"]) {
    const params = resolveStrategyParams(strategyDef(strategy), {});
    const result = runBacktestFast(
      series,
      createStrategy(strategy, params),
      DEFAULT_BACKTEST_PARAMS,
    );
    assert.ok(result.trades.some((t) => t.side === "short") && result.trades.length > 500);
    const stats = computeStats({
      startEquity: DEFAULT_BACKTEST_PARAMS.startEquity,
      trades: result.trades,
      equity: result.equity,
      exposedCandles: result.exposedCandles,
      intervalMs: 300_000,
    });
    const runId = `20261124-000000-backtest-"q"`; // a quote must be escaped the JSON way
    const meta = {
      runId,
      config: { strategy, note: "ünïcode ✓" },
      stats,
      candles: series.length,
      firstTs: series.ts[0],
      lastTs: series.ts[series.length - 1],
    };
    const text = new TextDecoder().decode(backtestJournal(tradesCsvBytes(result.trades), meta));
    const want = [
      JSON.stringify({
        ts: new Date(meta.firstTs).toISOString(),
        level: "info",
        component: "engine",
        event: "run.started",
        runId,
        candles: meta.candles,
        config: meta.config,
      }),
      ...result.trades.flatMap((t) => [fillLine(runId, t, "entry"), fillLine(runId, t, "exit")]),
      JSON.stringify({
        ts: new Date(meta.lastTs).toISOString(),
        level: "info",
        component: "engine",
        event: "run.finished",
        runId,
        stats,
      }),
    ].join("\n") + "\n";
    assert.equal(text, want, strategy);
  }
});
