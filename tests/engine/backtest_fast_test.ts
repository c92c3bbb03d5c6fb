import assert from "node:assert/strict";
import { generateMockCandles } from "../../src/data/mock_candles.ts";
import { createStrategy } from "../../src/strategy/mod.ts";
import { runBacktestFast } from "../../src/engine/backtest_fast.ts";
import { bars, PARAMS, scripted } from "./_scripted.ts";

const close = (a: number, b: number) => Math.abs(a - b) < 1e-9;

Deno.test("fast path: fills, fees and exits", async (t) => {
  await t.step("long entry at the next open, exit at take-profit, fees on both sides", () => {
    const s = bars([[100, 100, 100, 100], [100, 100.2, 99.9, 100.1], [100.1, 100.5, 100, 100.4]]);
    const r = runBacktestFast(s, scripted([1, 1, 1]), PARAMS);
    assert.equal(r.trades.length, 1);
    const tr = r.trades[0];
    assert.equal(tr.side, "long");
    assert.equal(tr.entryTs, s.ts[1]);
    assert.equal(tr.entryPrice, 100);
    assert.equal(tr.qty, 100); // 1% risk at 30 bps = 33,333 notional, capped at 1x equity
    assert.equal(tr.exitReason, "tp");
    assert.ok(close(tr.exitPrice, 100.45));
    assert.ok(close(tr.grossPnl, 45));
    assert.ok(close(tr.fees, 6 + 6.027));
    assert.ok(close(tr.pnl, 45 - 12.027));
    assert.ok(close(tr.equityAfter, 10_032.973));
    assert.ok(close(r.equity[2], 10_032.973));
    assert.equal(r.exposedCandles, 2);
  });

  await t.step("a bar touching both levels: stop when conservative, TP when optimistic", () => {
    const s = bars([[100, 100, 100, 100], [100, 100, 100, 100], [100, 101, 99, 100]]);
    const c = runBacktestFast(s, scripted([1, 1, 1]), PARAMS).trades[0];
    const o =
      runBacktestFast(s, scripted([1, 1, 1]), { ...PARAMS, intrabar: "optimistic" }).trades[0];
    assert.equal(c.exitReason, "stop");
    assert.ok(close(c.exitPrice, 99.7));
    assert.equal(o.exitReason, "tp");
    assert.ok(close(o.exitPrice, 100.45));
  });

  await t.step("a gap through the stop fills at the open", () => {
    const s = bars([[100, 100, 100, 100], [100, 100.1, 99.9, 100], [99, 99.5, 98.5, 99]]);
    const tr = runBacktestFast(s, scripted([1, 1, 1]), PARAMS).trades[0];
    assert.equal(tr.exitReason, "stop");
    assert.equal(tr.exitPrice, 99);
  });

  await t.step("opposite signal exits at the next open and reverses", () => {
    const s = bars([
      [100, 100, 100, 100],
      [100, 100.1, 99.9, 100],
      [100, 100.1, 99.9, 100],
      [100.05, 100.1, 99.9, 100],
      [100, 100.1, 99.9, 100],
    ]);
    const r = runBacktestFast(s, scripted([1, 1, -1, -1, -1]), PARAMS);
    assert.equal(r.trades.length, 2);
    assert.equal(r.trades[0].exitReason, "signal");
    assert.equal(r.trades[0].exitTs, s.ts[3]);
    assert.equal(r.trades[0].exitPrice, 100.05);
    assert.equal(r.trades[1].side, "short");
    assert.equal(r.trades[1].entryTs, s.ts[3]);
    assert.equal(r.trades[1].exitReason, "end");
    assert.equal(r.trades[1].exitTs, s.ts[4]);
  });

  await t.step("slippage is adverse on entry and exit", () => {
    const s = bars([[100, 100, 100, 100], [100, 100.1, 99.9, 100], [100, 100.1, 99.9, 100]]);
    const tr = runBacktestFast(s, scripted([1, 1, 1]), { ...PARAMS, slippageBps: 10 }).trades[0];
    assert.ok(close(tr.entryPrice, 100.1));
    assert.ok(close(tr.exitPrice, 100 * 0.999));
  });

  await t.step("bar mode: one trade per bar, open to close", () => {
    const s = bars([[100, 100, 100, 100], [100, 100.2, 99.9, 100.1], [100.1, 100.2, 100, 100.15]]);
    const r = runBacktestFast(s, scripted([1, -1, 1]), { ...PARAMS, mode: "bar" });
    assert.equal(r.trades.length, 2);
    assert.equal(r.trades[0].side, "long");
    assert.equal(r.trades[0].exitPrice, 100.1);
    assert.equal(r.trades[0].exitReason, "end");
    assert.equal(r.trades[1].side, "short");
    assert.equal(r.trades[1].entryPrice, 100.1);
    assert.equal(r.trades[1].exitPrice, 100.15);
  });

  await t.step("daily loss: entries fit the rest of the day's budget, then stop", () => {
    // each long is stopped in its entry bar: the first loses ~42 USD (30 bps of 10,000 +
    // fees); the next ones are sized to what is left of the 50 USD limit, until what is
    // left fits only below the minimum quantity
    const rows: [number, number, number, number][] = [[100, 100, 100, 100]];
    for (let k = 0; k < 12; k++) rows.push([100, 100, 99.6, 100]);
    const biases = [1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1] as const;
    const r = runBacktestFast(bars(rows), scripted(biases), {
      ...PARAMS,
      maxLeverage: 1,
      minQty: 0.01,
    });
    const lost = -r.trades.reduce((a, t) => a + t.pnl, 0);
    assert.ok(lost <= 50, `the day lost ${lost}`);
    assert.ok(lost > 49, `the day lost ${lost}`);
    assert.equal(r.trades.length, 3);
    assert.ok(r.trades[1].qty < r.trades[0].qty / 4);
    assert.ok(r.denials > 0);
    assert.ok((r.denialsByCode["daily-budget"] ?? 0) > 0);
  });

  await t.step("an entry is capped at its fill price, not its decision price", () => {
    // sized at a close of 100 to 1x of 10,000 (100 units); the next bar opens at 110
    const s = bars([[100, 100, 100, 100], [110, 110, 110, 110], [110, 110, 110, 110]]);
    const tr = runBacktestFast(s, scripted([1, 1, 1]), { ...PARAMS, maxLeverage: 1 }).trades[0];
    assert.equal(tr.entryPrice, 110);
    assert.ok(tr.qty * tr.entryPrice <= 10_000 + 1e-9, `notional ${tr.qty * tr.entryPrice}`);
    assert.ok(Math.abs(tr.qty - 10_000 / 110) < 1e-9);
  });

  await t.step("audit: every entry of a whole run is within the caps at its fill price", () => {
    const s = generateMockCandles({ count: 20_000, interval: "5m", seed: 11 });
    for (const lev of [1, 5, 20]) {
      const p = { ...PARAMS, maxLeverage: lev, riskPct: 3, slippageBps: 3 };
      const r = runBacktestFast(s, createStrategy("ema-cross", { fast: 5, slow: 20 }), p);
      assert.ok(r.trades.length > 50, `${r.trades.length} trades`);
      const index = new Map<number, number>();
      for (let i = 0; i < s.length; i++) index.set(s.ts[i], i);
      for (const t of r.trades) {
        const at = index.get(t.entryTs)!;
        const decided = r.equity[at - 1]; // equity at the decision close
        const notional = t.qty * t.entryPrice;
        assert.ok(notional <= 200_000 * (1 + 1e-12), `trade ${t.id}: ${notional}`);
        assert.ok(notional <= decided * lev * (1 + 1e-12), `trade ${t.id}: ${notional} at ${lev}x`);
      }
    }
  });
});
