import assert from "node:assert/strict";
import type { Trade } from "../../src/core/trade.ts";
import { computeStats, drawdownSeries } from "../../src/engine/stats.ts";

function trade(id: number, pnl: number, fees = 1): Trade {
  return {
    id,
    side: "long",
    entryTs: id,
    entryPrice: 100,
    exitTs: id + 1,
    exitPrice: 100,
    qty: 1,
    notional: 100,
    stopPrice: 99,
    tpPrice: 101,
    exitReason: "tp",
    grossPnl: pnl + fees,
    fees,
    pnl,
    equityAfter: 0,
  };
}

Deno.test("computeStats on a hand-computed case", () => {
  const equity = new Float64Array([10_100, 9_900, 10_200]);
  const s = computeStats({
    startEquity: 10_000,
    trades: [trade(1, 100), trade(2, -50), trade(3, 30)],
    equity,
    exposedCandles: 2,
    intervalMs: 86_400_000,
  });
  assert.equal(s.end_equity, 10_200);
  assert.equal(s.net_pnl, 200);
  assert.ok(Math.abs(s.return_pct - 2) < 1e-12);
  assert.equal(s.trades, 3);
  assert.equal(s.win_rate, 2 / 3);
  assert.equal(s.profit_factor, 130 / 50);
  assert.equal(s.expectancy, 80 / 3);
  assert.equal(s.max_drawdown, 200);
  assert.ok(Math.abs(s.max_drawdown_pct - 200 / 10_100 * 100) < 1e-12);
  assert.ok(Math.abs(s.exposure_pct - 200 / 3) < 1e-12);
  assert.equal(s.fees, 3);
  // returns: +1%, -1.980198%, +3.030303%; sample std, daily candles -> sqrt(365)
  const r = [0.01, 9_900 / 10_100 - 1, 10_200 / 9_900 - 1];
  const mean = (r[0] + r[1] + r[2]) / 3;
  const sd = Math.sqrt(r.reduce((a, x) => a + (x - mean) ** 2, 0) / 2);
  assert.ok(Math.abs(s.sharpe - mean / sd * Math.sqrt(365)) < 1e-9);
  const down = Math.sqrt(r[1] ** 2 / 3);
  assert.ok(Math.abs(s.sortino - mean / down * Math.sqrt(365)) < 1e-9);
  assert.match(s.trades_hash, /^[0-9a-f]{64}$/);
});

Deno.test("computeStats edge cases: no trades, no losses", () => {
  const s = computeStats({
    startEquity: 1_000,
    trades: [],
    equity: new Float64Array([1_000, 1_000]),
    exposedCandles: 0,
    intervalMs: 60_000,
  });
  assert.equal(s.win_rate, 0);
  assert.equal(s.profit_factor, null);
  assert.equal(s.expectancy, 0);
  assert.equal(s.sharpe, 0);
  assert.equal(s.max_drawdown, 0);
  const w = computeStats({
    startEquity: 1_000,
    trades: [trade(1, 5)],
    equity: new Float64Array([1_005]),
    exposedCandles: 1,
    intervalMs: 60_000,
  });
  assert.equal(w.profit_factor, null);
  assert.equal(w.win_rate, 1);
});

Deno.test("drawdownSeries is measured from the running peak including the start", () => {
  const dd = drawdownSeries(100, new Float64Array([90, 110, 100, 120]));
  assert.deepEqual([...dd], [10, 0, 10, 0]);
});

Deno.test("trades hash changes when any trade field changes", () => {
  const base = {
    startEquity: 1,
    equity: new Float64Array([1]),
    exposedCandles: 0,
    intervalMs: 60_000,
  };
  const a = computeStats({ ...base, trades: [trade(1, 5)] }).trades_hash;
  const b = computeStats({ ...base, trades: [trade(1, 5.000000001)] }).trades_hash;
  assert.notEqual(a, b);
});
