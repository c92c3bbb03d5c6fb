import assert from "node:assert/strict";
import type { Candle } from "../../src/core/candle.ts";
import type { EventSink } from "../../src/core/events.ts";
import type { Fill, OrderAck, OrderRequest } from "../../src/core/order.ts";
import type { Exchange } from "../../src/core/ports.ts";
import { AgentPipeline } from "../../src/engine/pipeline.ts";
import { RiskGate } from "../../src/engine/risk_gate.ts";
import { PARAMS, scripted } from "./_scripted.ts";

/** A venue that fills entries at once and refuses every exit (as after a venue-side stop). */
function refusingExits(): Exchange & { sent: OrderRequest[] } {
  const sent: OrderRequest[] = [];
  let pending: Fill[] = [];
  return {
    sent,
    placeOrder(o): Promise<OrderAck> {
      sent.push(o);
      if (o.intent !== "entry") {
        return Promise.reject(new Error("30018 reduce-only without position"));
      }
      pending.push({
        ...o,
        orderId: o.clientId,
        price: o.refPrice,
        fee: 0,
        ts: 0,
        reason: "entry",
      });
      return Promise.resolve({ clientId: o.clientId, orderId: o.clientId, duplicate: false });
    },
    cancelAll: () => Promise.resolve(0),
    drainFills() {
      const out = pending;
      pending = [];
      return Promise.resolve(out);
    },
    position: () => Promise.resolve(null),
    openOrders: () => Promise.resolve([]),
  };
}

function candle(i: number): Candle {
  return {
    ts: 1_700_000_000_000 + i * 60_000,
    open: 100,
    high: 100.1,
    low: 99.9,
    close: 100,
    volume: 1,
  };
}

Deno.test("a refused exit does not halt entries but holds back its reversal; a refused entry halts", async () => {
  const events: { event: string; fields: Record<string, unknown> }[] = [];
  const sink: EventSink = { emit: (_l, _c, event, fields = {}) => events.push({ event, fields }) };
  const exchange = refusingExits();
  const gate = new RiskGate();
  const pipeline = new AgentPipeline({
    runId: "t",
    runKey: "00000000",
    symbol: "BTCUSDT",
    intervalMs: 60_000,
    strategy: scripted([1, 1, -1, -1]),
    params: PARAMS,
    exchange,
    gate,
    sink,
    recordSteps: false,
    timer: () => 0,
  });
  for (let i = 0; i < 4; i++) await pipeline.onCandle({ candle: candle(i), live: true });
  const failed = events.filter((e) => e.event === "order.failed");
  assert.equal(failed.length, 1);
  assert.equal(failed[0].fields.intent, "exit");
  assert.equal(gate.state, "active");
  // the reversal's entry is held back when its exit was refused
  assert.deepEqual(exchange.sent.map((o) => o.intent), ["entry", "exit"]);
  assert.ok(
    events.some((e) =>
      e.event === "risk.denied" && /exit before it failed/.test(String(e.fields.reason))
    ),
  );

  const refuseAll: Exchange = {
    ...refusingExits(),
    placeOrder: () => Promise.reject(new Error("20003")),
  };
  const gate2 = new RiskGate();
  const p2 = new AgentPipeline({
    ...pipeline.deps,
    exchange: refuseAll,
    gate: gate2,
    strategy: scripted([1]),
  });
  await p2.onCandle({ candle: candle(0), live: true });
  assert.equal(gate2.state, "halted");
});
