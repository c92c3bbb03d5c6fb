import assert from "node:assert/strict";
import type { Fill } from "../../../src/core/order.ts";
import { LiveReadModel, type LiveUpdate } from "../../../src/dashboard/live/read_model.ts";

const candle = (ts: number, close = 100) => ({
  ts,
  open: close,
  high: close + 1,
  low: close - 1,
  close,
  volume: 1,
});

const fill = (ts: number): Fill => ({
  clientId: `c${ts}`,
  orderId: `o${ts}`,
  symbol: "BTCUSDT",
  side: "buy",
  qty: 0.01,
  price: 100,
  fee: 0.01,
  ts,
  reason: "entry",
});

Deno.test("LiveReadModel", async (t) => {
  await t.step("starts empty", () => {
    const s = new LiveReadModel().snapshot();
    assert.deepEqual(s.candles, []);
    assert.deepEqual(s.equity, []);
    assert.equal(s.position, null);
    assert.equal(s.session, null);
    assert.equal(s.version, 0);
  });

  await t.step("keeps bounded history, oldest dropped first", () => {
    const m = new LiveReadModel({ candles: 3, equity: 2, fills: 2, logs: 2 });
    for (let i = 0; i < 5; i++) {
      m.candleClosed(candle(i * 60_000));
      m.equity(i, 1000 + i, 0);
      m.fill(fill(i));
      m.log({
        ts: `2026-01-01T00:00:0${i}Z`,
        level: "info",
        component: "t",
        event: "x",
        runId: "r",
      });
    }
    const s = m.snapshot();
    assert.deepEqual(s.candles.map((c) => c.ts), [120_000, 180_000, 240_000]);
    assert.deepEqual(s.equity.map((p) => p.equity), [1003, 1004]);
    assert.deepEqual(s.fills.map((f) => f.ts), [3, 4]);
    assert.equal(s.logs.length, 2);
    assert.equal(s.version, 20);
  });

  await t.step("a candle with the last ts replaces it", () => {
    const m = new LiveReadModel();
    m.candleClosed(candle(0, 100));
    m.candleClosed(candle(0, 105));
    assert.deepEqual(m.snapshot().candles.map((c) => c.close), [105]);
  });

  await t.step("publishes every change until unsubscribed", () => {
    const m = new LiveReadModel();
    const seen: LiveUpdate[] = [];
    const stop = m.subscribe((u) => seen.push(u));
    m.position({ side: "long", qty: 0.1, entryPrice: 100 });
    m.orders([{
      clientId: "a",
      orderId: "b",
      symbol: "BTCUSDT",
      side: "sell",
      qty: 0.1,
      reduceOnly: true,
    }]);
    m.riskState("halted");
    stop();
    m.position(null);
    assert.deepEqual(seen.map((u) => u.type), ["position", "orders", "risk"]);
    assert.equal(m.snapshot().position, null);
    assert.equal(m.snapshot().riskState, "halted");
    assert.equal(m.subscriberCount, 0);
  });

  await t.step("a throwing listener does not break the feeder or other listeners", () => {
    const m = new LiveReadModel();
    let got = 0;
    m.subscribe(() => {
      throw new Error("boom");
    });
    m.subscribe(() => got++);
    m.equity(1, 1, 0);
    assert.equal(got, 1);
  });

  await t.step("snapshot is a copy", () => {
    const m = new LiveReadModel();
    m.equity(1, 1, 0);
    const s = m.snapshot();
    s.equity.push({ ts: 2, equity: 2, drawdown: 0 });
    assert.equal(m.snapshot().equity.length, 1);
  });

  await t.step("reset forgets everything and tells subscribers", () => {
    const m = new LiveReadModel();
    const seen: string[] = [];
    m.subscribe((u) => seen.push(u.type));
    m.session({ runId: "r", mode: "live-session", symbol: "BTCUSDT", startedAt: 0 });
    m.equity(1, 1, 0);
    m.reset();
    assert.deepEqual(seen, ["session", "equity", "reset"]);
    assert.equal(m.snapshot().session, null);
    assert.deepEqual(m.snapshot().equity, []);
  });
});
