import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { type BacktestParams, DEFAULT_BACKTEST_PARAMS } from "../../src/core/backtest_params.ts";
import type { Trade } from "../../src/core/trade.ts";
import { readCandleCsv } from "../../src/data/csv_candles.ts";
import { backtestJournal } from "../../src/engine/backtest_journal.ts";
import { runBacktestFast } from "../../src/engine/backtest_fast.ts";
import { computeStats } from "../../src/engine/stats.ts";
import { tradesCsvBytes } from "../../src/engine/trades_hash.ts";
import { createStrategy, resolveStrategyParams, strategyDef } from "../../src/strategy/mod.ts";
import type { CandleSeries } from "../../src/core/candle.ts";
import { REAL_5M, realDataPath, realDataTest } from "../_real_data.ts";
import { synthetic5m } from "../_synthetic_data.ts";
import { GOLDEN_PARAMS } from "./_golden.ts";

const DATA = realDataPath(REAL_5M);

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

/** Each strategy with its default parameters. */
const DEFAULT_STRATEGIES = ["ema-cross", "breakout"].map((name) => ({
  name,
  params: resolveStrategyParams(strategyDef(name), {}),
}));

/**
 * Checks the journal of each strategy's backtest on `series` against the lines
 * JSON.stringify writes; returns each journal's SHA-256.
 */
function checkJournal(
  series: CandleSeries,
  intervalMs: number,
  bt: BacktestParams,
  strategies: readonly { name: string; params: Record<string, number> }[],
): Record<string, string> {
  const hashes: Record<string, string> = {};
  for (const { name: strategy, params } of strategies) {
    const result = runBacktestFast(series, createStrategy(strategy, params), bt);
    assert.ok(result.trades.some((t) => t.side === "short") && result.trades.length > 500);
    const stats = computeStats({
      startEquity: bt.startEquity,
      trades: result.trades,
      equity: result.equity,
      exposedCandles: result.exposedCandles,
      intervalMs,
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
    const bytes = backtestJournal(tradesCsvBytes(result.trades), meta);
    const text = new TextDecoder().decode(bytes);
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
    hashes[strategy] = createHash("sha256").update(bytes).digest("hex");
  }
  return hashes;
}

realDataTest(
  "backtest journal: run lines plus an entry and an exit fill per trade, as JSON would write them",
  async () => {
    checkJournal(await readCandleCsv(DATA), 300_000, DEFAULT_BACKTEST_PARAMS, DEFAULT_STRATEGIES);
  },
);

/**
 * SHA-256 of the journals on the generated 5m stand-in (`_synthetic_data.ts`) with the
 * golden inputs (explicit, so a change of defaults does not move them): the bytes
 * themselves are pinned too, so any change of the journal's content or format shows here.
 */
const SYNTHETIC_JOURNALS = {
  "ema-cross": "b7b37ded21a51ceaeffc9430c35270374854ef3fdab1f1eefd304d5c40d38df5",
  breakout: "7677f51b8cef0eedca3b5f71da4d8cab1e4370360be603637d330d3748c4c660",
};

Deno.test("backtest journal on generated 5m data: the same lines, pinned bytes", () => {
  const strategies: { name: string; params: Record<string, number> }[] = [
    { name: "ema-cross", params: { fast: 12, slow: 26 } },
    { name: "breakout", params: { lookback: 20 } },
  ];
  assert.deepEqual(
    checkJournal(synthetic5m(), 300_000, GOLDEN_PARAMS, strategies),
    SYNTHETIC_JOURNALS,
  );
});
