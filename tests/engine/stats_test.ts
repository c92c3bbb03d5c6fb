import assert from "node:assert/strict";
import type { Trade } from "../../src/core/trade.ts";
import { allocSeries } from "../../src/core/candle.ts";
import {
  buyAndHoldStats,
  cagrPct,
  calendarReturns,
  computeStats,
  drawdownSeries,
} from "../../src/engine/stats.ts";

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

Deno.test("tearsheet figures on a hand-computed case", async (t) => {
  const DAY = 86_400_000;
  // one candle a day from 2024-01-30 to 2024-03-01 (32 days), equity by hand
  const ts = Array.from({ length: 32 }, (_, i) => Date.UTC(2024, 0, 30) + i * DAY);
  const eq = new Float64Array(32).fill(1_000);
  eq[0] = 1_050; // Jan 30: a new peak
  eq[1] = 1_100; // Jan 31: the January close, peak
  for (let i = 2; i < 20; i++) eq[i] = 1_000; // Feb 1..18 under water
  eq[20] = 1_100; // Feb 19: back at the peak
  for (let i = 21; i < 31; i++) eq[i] = 1_155; // Feb 29 closes February at 1,155
  eq[31] = 1_100; // Mar 1: under water until the end
  const trades: Trade[] = [
    { ...trade(1, 100), side: "long", entryTs: ts[0], exitTs: ts[0] + 90 * 60_000 },
    { ...trade(2, -40), side: "short", exitReason: "stop", entryTs: ts[2], exitTs: ts[3] },
    { ...trade(3, 95), side: "long", exitReason: "signal", entryTs: ts[20], exitTs: ts[21] },
  ];
  const s = computeStats({
    startEquity: 1_000,
    trades,
    equity: eq,
    exposedCandles: 3,
    intervalMs: DAY,
    ts,
    ambiguousBars: 2,
  });
  await t.step("calendar returns: months and years from period-end closes", () => {
    assert.deepEqual(s.monthly_returns!.map((m) => m.period), ["2024-01", "2024-02", "2024-03"]);
    const [jan, feb, mar] = s.monthly_returns!;
    assert.ok(Math.abs(jan.return_pct - 10) < 1e-9 && jan.pnl === 100);
    assert.ok(Math.abs(feb.return_pct - 5) < 1e-9);
    assert.ok(Math.abs(mar.return_pct - (1_100 / 1_155 - 1) * 100) < 1e-9);
    assert.equal(s.yearly_returns!.length, 1);
    assert.ok(Math.abs(s.yearly_returns![0].return_pct - 10) < 1e-9);
  });
  await t.step("the longest drawdown: from the Jan 31 peak to Feb 19", () => {
    assert.deepEqual(s.longest_drawdown, {
      start: new Date(ts[1]).toISOString(),
      end: new Date(ts[20]).toISOString(),
      days: 19,
      recovered: true,
    });
  });
  await t.step("CAGR over 32 days and Calmar", () => {
    const want = (Math.pow(1.1, 365.25 / 32) - 1) * 100;
    assert.ok(Math.abs(s.cagr_pct! - want) < 1e-9);
    assert.ok(Math.abs(s.calmar! - want / s.max_drawdown_pct) < 1e-9);
  });
  await t.step("trade breakdowns, holding times, best and worst, gross", () => {
    assert.equal(s.gross_pnl, 155 + 3);
    assert.deepEqual(Object.keys(s.by_exit_reason!).sort(), ["signal", "stop", "tp"]);
    assert.equal(s.by_exit_reason!.stop!.trades, 1);
    assert.equal(s.by_exit_reason!.stop!.net_pnl, -40);
    assert.equal(s.by_side!.long.trades, 2);
    assert.equal(s.by_side!.long.win_rate, 1);
    assert.equal(s.by_side!.short.avg_pnl, -40);
    assert.equal(s.max_holding_minutes, 1_440);
    assert.equal(s.avg_holding_minutes, (90 + 1_440 + 1_440) / 3);
    assert.equal(s.best_trade!.id, 1);
    assert.equal(s.worst_trade!.id, 2);
    assert.equal(s.worst_trade!.return_pct, -40);
    assert.equal(s.ambiguous_bars, 2);
  });
  await t.step("short runs have no CAGR; without times no tearsheet", () => {
    const short = computeStats({
      startEquity: 1_000,
      trades: [],
      equity: new Float64Array([1_000, 1_010]),
      exposedCandles: 0,
      intervalMs: 60_000,
      ts: [0, 60_000],
    });
    assert.equal(short.cagr_pct, null);
    assert.equal(short.calmar, null);
    assert.equal(short.longest_drawdown, null);
    assert.equal(short.best_trade, null);
    assert.equal(short.avg_holding_minutes, null);
    const bare = computeStats({
      startEquity: 1_000,
      trades: [],
      equity: new Float64Array([1_000]),
      exposedCandles: 0,
      intervalMs: 60_000,
    });
    assert.equal(bare.monthly_returns, undefined);
    assert.equal(bare.ambiguous_bars, undefined);
  });
  await t.step("an unrecovered drawdown runs to the last candle", () => {
    const d = computeStats({
      startEquity: 100,
      trades: [],
      equity: new Float64Array([101, 90, 95, 99]),
      exposedCandles: 0,
      intervalMs: DAY,
      ts: [0, DAY, 2 * DAY, 3 * DAY],
    }).longest_drawdown;
    assert.deepEqual(d, {
      start: new Date(0).toISOString(),
      end: new Date(3 * DAY).toISOString(),
      days: 3,
      recovered: false,
    });
  });
  await t.step("cagr: a total loss is -100%", () => {
    assert.equal(cagrPct(100, 0, 400 * DAY), -100);
    assert.ok(Math.abs(cagrPct(100, 200, 365.25 * DAY)! - 100) < 1e-9);
  });
});

Deno.test("buy-and-hold benchmark of the candles", () => {
  const s = allocSeries(4);
  const rows = [[100, 110, 95, 105], [105, 130, 100, 120], [120, 121, 80, 90], [90, 150, 88, 150]];
  rows.forEach(([o, h, l, c], i) => {
    s.ts[i] = i * 3_600_000;
    s.open[i] = o;
    s.high[i] = h;
    s.low[i] = l;
    s.close[i] = c;
  });
  const b = buyAndHoldStats(s, 10_000, 3_600_000);
  assert.equal(b.kind, "buy_and_hold");
  assert.equal(b.entry_price, 100);
  assert.equal(b.exit_price, 150);
  assert.ok(Math.abs(b.return_pct - 50) < 1e-9);
  assert.ok(Math.abs(b.net_pnl - 5_000) < 1e-9);
  assert.ok(Math.abs(b.max_drawdown_pct - 25) < 1e-9); // close 120 -> 90
  assert.equal(b.cagr_pct, null);
  const pnl = calendarReturns(100, []);
  assert.deepEqual(pnl, { monthly: [], yearly: [] });
});

Deno.test("days past the daily loss limit: a day whose worst loss exceeds it is listed", () => {
  const DAY = 86_400_000;
  const t0 = Date.UTC(2024, 4, 1);
  // day 1 dips 40 below its start (under the 50 limit), day 2 dips 60 (past it), day 3 none
  const ts = [t0, t0 + 3_600_000, t0 + DAY, t0 + DAY + 3_600_000, t0 + 2 * DAY];
  const equity = new Float64Array([960, 1_000, 940, 990, 1_000]);
  const s = computeStats({
    startEquity: 1_000,
    trades: [],
    equity,
    exposedCandles: 0,
    intervalMs: 3_600_000,
    ts,
    dailyLossLimit: 50,
  });
  assert.deepEqual(s.days_over_daily_limit, [{ date: "2024-05-02", pnl: -10, max_loss: 60 }]);
  assert.deepEqual(s.worst_day, { date: "2024-05-02", pnl: -10, max_loss: 60 });
  const at = computeStats({
    startEquity: 1_000,
    trades: [],
    equity,
    exposedCandles: 0,
    intervalMs: 3_600_000,
    ts,
    dailyLossLimit: 60,
  });
  assert.deepEqual(at.days_over_daily_limit, []); // a loss exactly at the limit is not past it
});
