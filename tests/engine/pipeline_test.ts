import assert from "node:assert/strict";
import type { Candle } from "../../src/core/candle.ts";
import type { EventSink } from "../../src/core/events.ts";
import type { Fill, OrderAck, OrderRequest } from "../../src/core/order.ts";
import type { Exchange } from "../../src/core/ports.ts";
import { AgentPipeline } from "../../src/engine/pipeline.ts";
import type { Decision, StrategyContext } from "../../src/strategy/api.ts";
import { RiskGate } from "../../src/engine/risk_gate.ts";
import { PARAMS, scripted } from "./_scripted.ts";
import { LiveVenue } from "./_live_venue.ts";
import { livePipeline } from "./_live_pipeline.ts";

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
    protection: () => Promise.resolve(null),
    protect: () => Promise.resolve(),
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
  assert.equal(failed.length, 2);
  assert.equal(failed[0].fields.intent, "exit");
  assert.equal(gate.state, "active");
  // the reversal's entry is held back when its exit was refused; the exit is retried on
  // the next candle (the position is still against the strategy), its entry held again
  assert.deepEqual(exchange.sent.map((o) => o.intent), ["entry", "exit", "exit"]);
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

Deno.test("the first live candle after history acts on the strategy's state, not its edge", async () => {
  // the bias turned short on a replayed (history) candle; live candles keep it short
  const venue = new LiveVenue();
  const { pipeline } = livePipeline(venue, [0, 1, 1, -1, -1, -1, -1]);
  for (let i = 0; i < 5; i++) await pipeline.onCandle({ candle: candle(i), live: false });
  assert.equal(venue.sent.length, 0, "history never sends orders");
  await pipeline.onCandle({ candle: candle(5), live: true });
  assert.deepEqual(venue.sent.map((o) => [o.intent, o.side]), [["entry", "sell"]]);
  // after that, edges only: the same bias sends nothing more
  await pipeline.onCandle({ candle: candle(6), live: true });
  assert.equal(venue.sent.length, 1);

  // an adopted long held against a short signal is closed, then reversed
  const venue2 = new LiveVenue();
  const p2 = livePipeline(venue2, [1, 1, -1, -1]).pipeline;
  p2.ledger.open("long", 1, 0, 100, 99.7, 100.45);
  venue2.venue = { symbol: "BTCUSDT", side: "long", qty: 1, entryPrice: 100 };
  venue2.held = { stopPrice: 99.7 };
  for (let i = 0; i < 3; i++) await p2.onCandle({ candle: candle(i), live: false });
  await p2.onCandle({ candle: candle(3), live: true });
  assert.deepEqual(venue2.sent.map((o) => o.intent), ["exit", "entry"]);
  assert.equal(p2.ledger.trades.length, 1);
  assert.equal(p2.ledger.position?.side, "short");
});

Deno.test("an order filled in several parts: the position holds every part at the weighted price", async () => {
  const venue = new LiveVenue();
  // entries fill in three parts at different prices (fees summed); exits in two
  venue.plan = (o) => {
    const parts = o.intent === "entry" ? [0.5, 0.3, 0.2] : [0.6, 0.4];
    return parts.map((w, k) => ({
      side: o.side,
      qty: o.qty * w,
      price: 100 - k * 0.1,
      fee: 0.01,
      ts: 0,
      reason: o.intent === "entry" ? "entry" as const : "signal" as const,
      reduceOnly: o.reduceOnly || undefined,
    }));
  };
  const { pipeline, named } = livePipeline(venue, [1, 1, -1]);
  await pipeline.onCandle({ candle: candle(0), live: true });
  const entry = venue.sent[0];
  const pos = pipeline.ledger.position!;
  assert.ok(Math.abs(pos.qty - entry.qty) < 1e-12, `open ${pos.qty} of ${entry.qty}`);
  assert.ok(Math.abs(pos.entryPrice - (100 * 0.5 + 99.9 * 0.3 + 99.8 * 0.2)) < 1e-9);
  assert.ok(Math.abs(pos.entryFee - 0.03) < 1e-12);
  assert.equal(named("fill.unexpected").length, 0);
  await pipeline.onCandle({ candle: candle(1), live: true });
  await pipeline.onCandle({ candle: candle(2), live: true });
  const t = pipeline.ledger.trades[0];
  assert.ok(Math.abs(t.qty - entry.qty) < 1e-12, `trade qty ${t.qty}`);
  assert.ok(Math.abs(t.exitPrice - (100 * 0.6 + 99.9 * 0.4)) < 1e-9);
  assert.ok(Math.abs(t.fees - 0.05) < 1e-12);
  assert.equal(venue.venue?.side, "short", "the reversal's entry");
});

Deno.test("somebody else's trade on our symbol is not booked; the venue difference halts entries", async () => {
  const venue = new LiveVenue();
  const { pipeline, named, gate } = livePipeline(venue, [0, 0, 1, 1, -1, -1, 1]);
  await pipeline.onCandle({ candle: candle(0), live: true });
  // a manual buy of 0.5 on the account while the agent is flat
  const manual: Fill = {
    clientId: "",
    orderId: "web-1",
    symbol: "BTCUSDT",
    side: "buy",
    qty: 0.5,
    price: 100,
    fee: 0.03,
    ts: 0,
    reason: "external",
    reduceOnly: true,
    external: true,
  };
  venue.queue.push(manual);
  venue.book(manual);
  await pipeline.onCandle({ candle: candle(1), live: true });
  assert.equal(pipeline.ledger.position, null, "a manual trade is not the agent's position");
  assert.equal(named("fill.foreign").length, 1);
  const found = named("position.mismatch");
  assert.equal(found.length, 1);
  assert.match(
    String(found[0].fields.message),
    /venue holds LONG 0\.5 BTCUSDT .* account for flat/,
  );
  // the long signal is refused while the venue differs
  await pipeline.onCandle({ candle: candle(2), live: true });
  assert.equal(venue.sent.length, 0);
  assert.match(String(named("risk.denied").at(-1)?.fields.reason), /venue holds LONG 0\.5/);
  assert.equal(gate.state, "active", "not a permanent halt: it lifts when they agree");
  // the owner closes the manual position: they agree again, entries resume
  const close: Fill = { ...manual, orderId: "web-2", side: "sell" };
  venue.book(close);
  venue.queue.push(close);
  await pipeline.onCandle({ candle: candle(3), live: true });
  assert.equal(named("position.matched").length, 1);
  await pipeline.onCandle({ candle: candle(4), live: true });
  assert.deepEqual(venue.sent.map((o) => o.intent), ["entry"]);
});

Deno.test("a close behind the agent's back is booked as an external exit", async () => {
  const venue = new LiveVenue();
  const { pipeline } = livePipeline(venue, [1, 1, 1]);
  await pipeline.onCandle({ candle: candle(0), live: true });
  const pos = pipeline.ledger.position!;
  const manual: Fill = {
    clientId: "",
    orderId: "web-9",
    symbol: "BTCUSDT",
    side: "sell",
    qty: pos.qty,
    price: 99,
    fee: 0.05,
    ts: 0,
    reason: "external",
    reduceOnly: true,
    external: true,
  };
  venue.book(manual);
  venue.queue.push(manual);
  await pipeline.onCandle({ candle: candle(1), live: true });
  assert.equal(pipeline.ledger.position, null);
  assert.equal(pipeline.ledger.trades[0].exitReason, "external");
  assert.equal(pipeline.ledger.trades[0].exitPrice, 99);
});

Deno.test("a position without its stop on the venue is protected again, or closed", async () => {
  const venue = new LiveVenue();
  const { pipeline, named, gate } = livePipeline(venue, [1, 1, 1, 1]);
  const heldStop = () => venue.held?.stopPrice;
  await pipeline.onCandle({ candle: candle(0), live: true });
  assert.ok(heldStop(), "the entry's stop is on the venue");
  venue.held = null; // the stop vanished
  await pipeline.onCandle({ candle: candle(1), live: true });
  assert.equal(named("protection.missing").length, 1);
  assert.equal(venue.protects.length, 1);
  assert.equal(venue.protects[0].stopPrice, pipeline.ledger.position!.stopPrice);
  assert.equal(heldStop(), pipeline.ledger.position!.stopPrice);
  // the venue refuses the stop: the position is closed at once and trading halts
  venue.held = null;
  venue.refuseProtect = true;
  await pipeline.onCandle({ candle: candle(2), live: true });
  assert.equal(named("protection.failed").length, 1);
  assert.equal(venue.sent.at(-1)?.intent, "flatten");
  assert.equal(venue.venue as unknown, null);
  assert.equal(pipeline.ledger.position, null);
  assert.equal(gate.state, "halted");
  assert.match(gate.haltReason!, /unprotected position/);
});

Deno.test("an entry that fills beyond its notional cap is reduced at once", async () => {
  const venue = new LiveVenue();
  // the venue fills 5% more than asked (a fast market between the last price and the fill)
  venue.plan = (o) => [{
    side: o.side,
    qty: o.intent === "entry" ? o.qty * 1.05 : o.qty,
    price: 100,
    fee: 0,
    ts: 0,
    reason: o.intent === "entry" ? "entry" : "signal",
    reduceOnly: o.reduceOnly || undefined,
  }];
  const { pipeline, named } = livePipeline(venue, [1, 1]);
  await pipeline.onCandle({ candle: candle(0), live: true });
  const entry = venue.sent[0];
  assert.equal(named("risk.breached").length, 1);
  assert.equal(venue.sent[1].intent, "reduce");
  const pos = pipeline.ledger.position!;
  assert.ok(pos.qty * pos.entryPrice <= entry.maxNotional! * (1 + 1e-9));
});

Deno.test("the kill switch read right before an entry leaves refuses it without halting", async () => {
  const venue = new LiveVenue();
  let tripped = false;
  const { pipeline, named, gate } = livePipeline(venue, [1, 1]);
  const p = new AgentPipeline({ ...pipeline.deps, checkKillSwitchNow: () => tripped }, 10_000);
  tripped = true;
  await p.onCandle({ candle: candle(0), live: true });
  assert.equal(venue.sent.length, 0);
  const denied = named("risk.denied");
  assert.equal(denied.length, 1);
  assert.equal(denied[0].fields.code, "kill-switch");
  assert.equal(named("order.failed").length, 0);
  assert.equal(gate.state, "active");
});

Deno.test("an exit that did not go through is retried; the reversal follows once it does", async () => {
  const venue = new LiveVenue();
  const { pipeline } = livePipeline(venue, [1, 1, -1, -1, -1]);
  await pipeline.onCandle({ candle: candle(0), live: true });
  // the first exit is refused (a race with the venue's stop that did not happen after all)
  let refuseExit = true;
  const plan = venue.plan;
  venue.plan = (o) => plan(o);
  const place = venue.placeOrder.bind(venue);
  venue.placeOrder = (o, opts) =>
    o.intent === "exit" && refuseExit
      ? (refuseExit = false, Promise.reject(new Error("10001 network error")))
      : place(o, opts);
  await pipeline.onCandle({ candle: candle(1), live: true });
  await pipeline.onCandle({ candle: candle(2), live: true });
  assert.deepEqual(venue.sent.map((o) => o.intent), ["entry"], "exit refused, entry held");
  await pipeline.onCandle({ candle: candle(3), live: true });
  assert.deepEqual(venue.sent.map((o) => o.intent), ["entry", "exit", "entry"]);
  assert.equal(pipeline.ledger.position?.side, "short");
  await pipeline.onCandle({ candle: candle(4), live: true });
  assert.equal(venue.sent.length, 3, "then edges only");
});

Deno.test("a strategy that throws or answers garbage halts a session's trading, named with its candle; a backtest fails", async (t) => {
  const failing = (bad: () => unknown) => {
    let calls = 0;
    return {
      name: "user-strat",
      warmup: 0,
      onCandle: (ctx: StrategyContext): Decision => {
        calls++;
        return (ctx.bars.index === 2 ? bad() : 1) as Decision;
      },
      get calls() {
        return calls;
      },
    };
  };
  for (
    const [what, bad, problem] of [
      ["throws", () => {
        throw new TypeError("x is undefined");
      }, /it threw TypeError: x is undefined/],
      ["answers garbage", () => ({ enter: "sideways" }), /it answered \{"enter":"sideways"\}/],
      ["answers a bad stop", () => ({ enter: "long", stop: { price: -5 } }), /stop as \{price\}/],
    ] as const
  ) {
    await t.step(`${what}: halted, not asked again, no entry after it`, async () => {
      const venue = new LiveVenue();
      const strategy = failing(bad);
      const { pipeline, events, gate } = livePipeline(venue, strategy, undefined, {
        haltOnStrategyError: true,
      });
      for (let i = 0; i < 5; i++) await pipeline.onCandle({ candle: candle(i), live: true });
      const failed = events.filter((e) => e.event === "strategy.failed");
      assert.equal(failed.length, 1);
      assert.equal(failed[0].fields.strategy, "user-strat");
      assert.equal(failed[0].fields.candleTs, candle(2).ts);
      assert.match(String(failed[0].fields.problem), problem);
      assert.match(
        String(failed[0].fields.message),
        /Strategy user-strat failed on the candle of 2023-/,
      );
      assert.equal(gate.state, "halted");
      assert.equal(strategy.calls, 3, "not asked after it failed");
      // the long entered on candle 0 stays (with its stop); nothing else was sent
      assert.deepEqual(venue.sent.map((o) => o.intent), ["entry"]);
    });
  }
  await t.step("without the session flag (backtests, replay) the error ends the run", async () => {
    const pipeline = new AgentPipeline({
      runId: "t",
      runKey: "00000000",
      symbol: "BTCUSDT",
      intervalMs: 60_000,
      strategy: failing(() => {
        throw new Error("boom");
      }),
      params: PARAMS,
      exchange: new LiveVenue(),
      gate: new RiskGate(),
      sink: { emit: () => {} },
      recordSteps: false,
      timer: () => 0,
    });
    await pipeline.onCandle({ candle: candle(0), live: false });
    await pipeline.onCandle({ candle: candle(1), live: false });
    await assert.rejects(
      () => pipeline.onCandle({ candle: candle(2), live: false }),
      /Strategy user-strat failed on the candle of .*: it threw Error: boom/,
    );
  });
});

Deno.test("a session's risk gate is marked on every candle (what a restart restores is current)", async () => {
  // long from the first candle, then the price falls candle after candle on the same day
  const venue = new LiveVenue();
  const { pipeline, gate } = livePipeline(venue, [1, 1, 1, 1, 1, 1]);
  const closes = [100, 99.98, 99.96, 99.94, 99.92, 99.9]; // 2 USD a candle, far from the limit
  for (const [i, close] of closes.entries()) {
    await pipeline.onCandle({ candle: { ...candle(i), low: close - 0.05, close }, live: true });
  }
  const last = pipeline.equity[pipeline.equity.length - 1];
  const day = gate.snapshot()!;
  assert.ok(last < pipeline.equity[1], "the position lost on the later candles");
  // the persisted day's last equity is the last candle's, not the one of the last entry
  assert.equal(day.lastEquity, last);
  assert.equal(gate.dailyLoss, day.dayStartEquity - last);
});

Deno.test("a session moves its stop at the venue, never loosens it, and keeps the venue's stop when a move is refused", async () => {
  const venue = new LiveVenue(); // fills at 100
  // the entry's fill carries the stop sent with it, as the Bitunix adapter's does
  venue.plan = (o) => [{
    side: o.side,
    qty: o.qty,
    price: 100,
    fee: 0,
    ts: 0,
    reason: o.intent === "entry" ? "entry" : "signal",
    ...(o.intent === "entry" ? { stopPrice: 95 } : { reduceOnly: true }),
  }];
  const answers: Decision[] = [
    { enter: "long", stop: { price: 95 }, takeProfit: null },
    { moveStop: 90 }, // looser: not taken
    { moveStop: 97 },
    { moveStop: 98 }, // the venue refuses this one
  ];
  const strategy = { name: "trailer", warmup: 0, onCandle: () => answers.shift() };
  const { pipeline, named } = livePipeline(venue, strategy);
  await pipeline.onCandle({ candle: candle(0), live: true });
  const entered = pipeline.ledger.position!.stopPrice;
  await pipeline.onCandle({ candle: candle(1), live: true });
  assert.equal(pipeline.ledger.position!.stopPrice, entered, "a looser stop is not taken");
  assert.equal(venue.protects.length, 0, "nor sent");
  await pipeline.onCandle({ candle: candle(2), live: true });
  assert.deepEqual(venue.protects.map((b) => b.stopPrice), [97]);
  assert.equal(pipeline.ledger.position!.stopPrice, 97);
  assert.equal(named("protection.moved").length, 1);
  venue.refuseProtect = true;
  await pipeline.onCandle({ candle: candle(3), live: true });
  assert.deepEqual(venue.protects.map((b) => b.stopPrice), [97, 98], "asked");
  const failed = named("protection.move_failed");
  assert.equal(failed.length, 1);
  assert.equal(failed[0].fields.kept, 97);
  assert.equal(
    pipeline.ledger.position!.stopPrice,
    97,
    "the ledger keeps the stop the venue holds",
  );
});
