/**
 * BitunixExchange against a venue as unkind as the real one: orders filled in several
 * trades in one millisecond with ids that do not sort as text, trades indexed late,
 * other symbols and other people on the same account, stops fired by the venue, closes
 * behind the agent's back, prices that moved since the decision, lost replies.
 */
import assert from "node:assert/strict";
import { defaultBracket } from "../../../src/core/fill_rules.ts";
import { isOrderRefused } from "../../../src/core/errors.ts";
import type { OrderRequest } from "../../../src/core/order.ts";
import { BitunixExchange, compareTradeIds } from "../../../src/exchange/bitunix/exchange.ts";
import { BitunixRestClient } from "../../../src/exchange/bitunix/rest_client.ts";
import { type FakeBitunix, startFakeBitunix } from "../../fakes/fake_bitunix.ts";
import { instantClient } from "../../fakes/fake_venue_access.ts";

const PREFIX = "la0a1b2c3d-";

function entry(n: number, over: Partial<OrderRequest> = {}): OrderRequest {
  return {
    clientId: `${PREFIX}${n.toString(36)}-e`,
    symbol: "BTCUSDT",
    side: "buy",
    qty: 0.1,
    intent: "entry",
    reduceOnly: false,
    refPrice: 60_000,
    bracket: defaultBracket(50, 2),
    ...over,
  };
}

function exit(n: number, qty: number): OrderRequest {
  return {
    clientId: `${PREFIX}${n.toString(36)}-x`,
    symbol: "BTCUSDT",
    side: "sell",
    qty,
    intent: "exit",
    reduceOnly: true,
    refPrice: 60_000,
  };
}

async function withFake(fn: (fake: FakeBitunix, ex: BitunixExchange) => Promise<void>) {
  const fake = startFakeBitunix({ price: 60_000 });
  try {
    await fn(fake, new BitunixExchange(instantClient(fake), { clientIdPrefix: PREFIX }));
  } finally {
    await fake.close();
  }
}

/**
 * `withFake` with the exchange on a clock the test moves (`advance`) and a 30 s hold for
 * orders whose executions do not all show.
 */
async function withHeldFake(
  fn: (fake: FakeBitunix, ex: BitunixExchange, advance: (ms: number) => void) => Promise<void>,
) {
  const fake = startFakeBitunix({ price: 60_000 });
  let now = Date.now();
  try {
    const ex = new BitunixExchange(instantClient(fake), {
      clientIdPrefix: PREFIX,
      now: () => now,
      fillsSince: now - 1000,
      holdMs: 30_000,
    });
    await fn(fake, ex, (ms) => {
      now += ms;
    });
  } finally {
    await fake.close();
  }
}

Deno.test("trade ids are ordered as numbers, not as text", () => {
  assert.ok(compareTradeIds("999", "1000") < 0);
  assert.ok(compareTradeIds("1000", "999") > 0);
  assert.ok(compareTradeIds("0999", "1000") < 0);
  assert.equal(compareTradeIds("42", "42"), 0);
  assert.deepEqual(["1001", "999", "1000"].sort(compareTradeIds), ["999", "1000", "1001"]);
});

Deno.test("BitunixExchange on an unkind venue", async (t) => {
  await t.step(
    "an order filled in three trades is one fill: weighted price, summed fees",
    () =>
      withFake(async (fake, ex) => {
        fake.state.nextTradeId = 998; // ids 998, 999, 1000 in one millisecond
        fake.inject.splitFills([1, 1, 2]);
        await ex.placeOrder(entry(1));
        const trades = fake.state.trades;
        assert.equal(trades.length, 3);
        assert.equal(new Set(trades.map((x) => x.ctime)).size, 1, "same millisecond");
        const fills = await ex.drainFills();
        assert.equal(fills.length, 1);
        const f = fills[0];
        const qty = trades.reduce((a, x) => a + x.qty, 0);
        const value = trades.reduce((a, x) => a + x.qty * x.price, 0);
        assert.ok(Math.abs(f.qty - qty) < 1e-12);
        assert.ok(Math.abs(f.price - value / qty) < 1e-9);
        assert.ok(Math.abs(f.fee - trades.reduce((a, x) => a + x.fee, 0)) < 1e-12);
        assert.deepEqual(f.tradeIds, ["998", "999", "1000"]);
        assert.equal(f.reason, "entry");
        assert.deepEqual(await ex.drainFills(), []);
      }),
  );

  await t.step(
    "a trade indexed late: its order waits for it, and so do later orders",
    () =>
      withFake(async (fake, ex) => {
        fake.inject.splitFills(2);
        fake.inject.lateTrade({ queries: 1, part: "last" });
        await ex.placeOrder(entry(2));
        await ex.placeOrder(exit(2, 0.1)); // a later order, fully visible
        const total = fake.state.trades.filter((x) => x.clientId === entry(2).clientId)
          .reduce((a, x) => a + x.qty, 0);
        // one part of the entry is not visible yet: nothing is reported out of order
        assert.deepEqual(await ex.drainFills(), []);
        const next = await ex.drainFills();
        assert.deepEqual(next.map((f) => f.reason), ["entry", "signal"]);
        assert.ok(Math.abs(next[0].qty - total) < 1e-12, "the entry with every part");
        assert.deepEqual(await ex.drainFills(), []);
      }),
  );

  await t.step("an order whose trades never all show is reported after the hold time", async () => {
    await withHeldFake(async (fake, ex, advance) => {
      fake.inject.splitFills(2);
      fake.inject.lateTrade({ queries: 1_000, part: "last" });
      await ex.placeOrder(entry(3));
      assert.deepEqual(await ex.drainFills(), []);
      advance(31_000);
      const late = await ex.drainFills();
      assert.equal(late.length, 1);
      assert.ok(late[0].qty < 0.1, "what was visible");
    });
  });

  await t.step(
    "the rest of an order reported after the hold completes it; later orders do not wait",
    async () => {
      await withHeldFake(async (fake, ex, advance) => {
        fake.inject.splitFills(2);
        fake.inject.lateTrade({ queries: 2, part: "last" });
        await ex.placeOrder(entry(13));
        assert.deepEqual(await ex.drainFills(), [], "held: one part is not visible");
        advance(31_000);
        const first = await ex.drainFills();
        assert.equal(first.length, 1, "the hold expired: what is visible is reported");
        assert.ok(Math.abs(first[0].qty - 0.05) < 1e-12);
        // the late part shows now, with a fully visible exit after it
        await ex.placeOrder(exit(13, 0.1));
        const next = await ex.drainFills();
        assert.deepEqual(next.map((f) => [f.reason, f.qty]), [["entry", 0.05], ["signal", 0.1]]);
        assert.deepEqual(await ex.drainFills(), []);
      });
    },
  );

  await t.step(
    "a failing get_order_detail holds a partly visible order instead of reporting it",
    async () => {
      await withHeldFake(async (fake, ex, advance) => {
        fake.inject.splitFills(2);
        fake.inject.lateTrade({ queries: 1, part: "last" });
        await ex.placeOrder(entry(14));
        // every attempt of the next detail call fails (the client's retries included)
        fake.inject.serverError(10, { path: "/trade/get_order_detail" });
        assert.deepEqual(await ex.drainFills(), [], "no detail: held, not reported as complete");
        fake.inject.clear();
        const fills = await ex.drainFills();
        assert.equal(fills.length, 1);
        assert.ok(Math.abs(fills[0].qty - 0.1) < 1e-12, "one fill with both parts");
        // a detail that keeps failing: after the hold what is visible is reported
        fake.inject.splitFills(2);
        fake.inject.lateTrade({ queries: 1_000, part: "last" });
        await ex.placeOrder(entry(15));
        fake.inject.serverError(1_000, { path: "/trade/get_order_detail" });
        assert.deepEqual(await ex.drainFills(), []);
        advance(31_000);
        const late = await ex.drainFills();
        assert.equal(late.length, 1);
        assert.ok(Math.abs(late[0].qty - 0.05) < 1e-12);
      });
    },
  );

  await t.step(
    "an order whose executions add up to what was sent needs no order-detail read",
    () =>
      withFake(async (fake, ex) => {
        await ex.placeOrder(entry(20));
        assert.deepEqual((await ex.drainFills()).map((f) => f.reason), ["entry"]);
        await ex.placeOrder(exit(20, 0.1));
        assert.deepEqual((await ex.drainFills()).map((f) => f.reason), ["signal"]);
        assert.equal(fake.requestsTo("/trade/get_order_detail").length, 0);
        // a partial fill falls short of what was sent: the venue says what it filled
        fake.inject.partialFill(0.5);
        await ex.placeOrder(entry(21));
        const part = await ex.drainFills();
        assert.equal(part.length, 1);
        assert.ok(Math.abs(part[0].qty - 0.05) < 1e-12);
        assert.equal(fake.requestsTo("/trade/get_order_detail").length, 1);
      }),
  );

  await t.step(
    "other symbols are never read; others' trades on ours come back as external",
    () =>
      withFake(async (fake, ex) => {
        fake.state.prices = { ETHUSDT: 3_000 };
        fake.inject.manualTrade({ symbol: "ETHUSDT", side: "SELL", qty: 1 });
        await ex.placeOrder(entry(3));
        fake.inject.manualTrade({ symbol: "BTCUSDT", side: "BUY", qty: 0.05 });
        const fills = await ex.drainFills();
        assert.deepEqual(fills.map((f) => f.symbol), ["BTCUSDT", "BTCUSDT"]);
        assert.deepEqual(fills.map((f) => [f.reason, f.external ?? false]), [
          ["entry", false],
          ["external", true],
        ]);
        for (const q of fake.requestsTo("/trade/get_history_trades")) {
          assert.equal(q.params.symbol, "BTCUSDT");
        }
      }),
  );

  await t.step(
    "a close behind the agent's back is external; the venue's stop is a stop",
    () =>
      withFake(async (fake, ex) => {
        await ex.placeOrder(entry(4));
        await ex.drainFills();
        fake.inject.closePosition("BTCUSDT", { price: 60_100 });
        const manual = await ex.drainFills();
        assert.equal(manual.length, 1);
        assert.equal(manual[0].reason, "external");
        assert.equal(manual[0].price, 60_100);
        await ex.placeOrder(entry(5));
        await ex.drainFills();
        fake.setPrice(59_000); // through the 50 bps stop
        const stopped = await ex.drainFills();
        assert.equal(stopped.length, 1);
        assert.equal(stopped[0].reason, "stop");
        assert.equal(stopped[0].external, true);
        fake.setPrice(60_000);
        await ex.placeOrder(entry(6));
        await ex.drainFills();
        fake.setPrice(61_000); // through the 2R take-profit
        const tp = await ex.drainFills();
        assert.equal(tp[0].reason, "tp");
      }),
  );

  await t.step("a stop that fires hours after the entry is still labelled the stop", async () => {
    for (const triggerTime of ["sent", "omitted"] as const) {
      let clock = Date.now();
      const fake = startFakeBitunix({ price: 60_000, now: () => clock });
      try {
        fake.state.tpslTriggerTime = triggerTime;
        const client = instantClient(fake, { now: () => clock });
        const ex = new BitunixExchange(client, {
          clientIdPrefix: PREFIX,
          now: () => clock,
          fillsSince: clock - 1000,
        });
        await ex.placeOrder(entry(19));
        await ex.drainFills();
        clock += 2 * 3_600_000; // the TP/SL was placed two hours before it fires
        fake.setPrice(59_000);
        const fills = await ex.drainFills();
        assert.deepEqual(fills.map((f) => f.reason), ["stop"], `triggerTime ${triggerTime}`);
      } finally {
        await fake.close();
      }
    }
  });

  await t.step(
    "without triggerTime a fired stop labels only the close right after it fired",
    async () => {
      let clock = Date.now();
      const fake = startFakeBitunix({ price: 60_000, now: () => clock });
      try {
        const client = instantClient(fake, { now: () => clock });
        fake.state.tpslTriggerTime = "omitted";
        fake.state.tpslFillDelayMs = 3_000;
        const ex = new BitunixExchange(client, {
          clientIdPrefix: PREFIX,
          now: () => clock,
          fillsSince: clock - 1000,
        });
        await ex.placeOrder(entry(17));
        await ex.drainFills();
        fake.setPrice(59_000); // through the 50 bps stop; the venue closes 3 s later
        clock += 3_000;
        const stopped = await ex.drainFills();
        assert.deepEqual(stopped.map((f) => [f.reason, f.external]), [["stop", true]]);

        // a stop fired before a new process started (so none of its reports used it),
        // then a new position, closed by hand a minute later
        fake.setPrice(60_000);
        await ex.placeOrder(entry(18));
        await ex.drainFills();
        fake.setPrice(59_000);
        clock += 3_000;
        assert.deepEqual((await ex.drainFills()).map((f) => f.reason), ["stop"]);
        clock += 20_000;
        const ex2 = new BitunixExchange(client, {
          clientIdPrefix: PREFIX,
          now: () => clock,
          fillsSince: clock,
        });
        fake.setPrice(60_000);
        await ex2.placeOrder(entry(19));
        assert.deepEqual((await ex2.drainFills()).map((f) => f.reason), ["entry"]);
        clock += 60_000;
        fake.inject.closePosition("BTCUSDT");
        const manual = await ex2.drainFills();
        assert.deepEqual(manual.map((f) => [f.reason, f.external]), [["external", true]]);
      } finally {
        await fake.close();
      }
    },
  );

  await t.step(
    "an exit closes what the venue holds, not what the agent asked",
    () =>
      withFake(async (fake, ex) => {
        fake.inject.partialFill(0.6);
        await ex.placeOrder(entry(7, { qty: 0.1 }));
        const held = fake.state.positions[0].qty;
        assert.ok(Math.abs(held - 0.06) < 1e-9);
        await ex.placeOrder(exit(7, 0.1));
        assert.equal(fake.requestsTo("/trade/place_order").at(-1)!.body!.qty, "0.0600");
        assert.equal(fake.state.positions.length, 0);
        // nothing held: the exit sends nothing and fails
        const before = fake.requestsTo("/trade/place_order").length;
        await assert.rejects(ex.placeOrder(exit(8, 0.1)), /nothing to close/);
        assert.equal(fake.requestsTo("/trade/place_order").length, before);
      }),
  );

  await t.step(
    "the bracket and the cap come from the latest price, not the decision's",
    () =>
      withFake(async (fake, ex) => {
        // decided at 60,000; the market is at 58,000 when the order leaves
        fake.setPrice(58_000);
        await ex.placeOrder(entry(9, { qty: 0.5, maxNotional: 10_000 }));
        const body = fake.requestsTo("/trade/place_order").at(-1)!.body!;
        assert.equal(body.slPrice, (58_000 * 0.995).toFixed(1));
        assert.equal(body.tpPrice, (58_000 * 1.01).toFixed(1));
        const qty = Number(body.qty);
        assert.ok(qty * 58_000 * 1.002 <= 10_000, `notional ${qty * 58_000}`);
        assert.ok(qty >= 0.1715, `sized close to the cap: ${qty}`);
      }),
  );

  await t.step("the last check runs after the rate-limit wait and before every retry", async () => {
    const fake = startFakeBitunix({ price: 60_000 });
    try {
      // the kill switch trips while the request waits for the rate limiter
      let tripped = false;
      let clock = 0;
      const limited = new BitunixRestClient({
        baseUrl: fake.baseUrl,
        apiKey: fake.apiKey,
        apiSecret: fake.apiSecret,
        sleep: () => Promise.resolve(),
        limiterTime: {
          now: () => clock,
          sleep: (ms) => {
            clock += ms;
            tripped = true;
            return Promise.resolve();
          },
        },
      });
      const ex = new BitunixExchange(limited, { clientIdPrefix: PREFIX });
      // use up the private bucket's burst so the entry has to wait
      for (let i = 0; i < 3; i++) await limited.account();
      const refuse = () => tripped ? "Cannot place order: kill switch is active" : null;
      await assert.rejects(ex.placeOrder(entry(10), { refuse }), (e) => isOrderRefused(e));
      assert.equal(fake.requestsTo("/trade/place_order").length, 0);
      assert.ok(tripped, "the limiter made it wait");

      // a retry after a 5xx asks again: tripped between the attempts, nothing more is sent
      const ex2 = new BitunixExchange(instantClient(fake), { clientIdPrefix: PREFIX });
      fake.inject.serverError(1, { path: "/trade/place_order" });
      let asked = 0;
      await assert.rejects(
        ex2.placeOrder(entry(11), {
          refuse: () => ++asked > 1 ? "Cannot place order: kill switch is active" : null,
        }),
        (e) => isOrderRefused(e),
      );
      assert.equal(asked, 2);
      assert.equal(fake.requestsTo("/trade/place_order").length, 1);
      assert.equal(fake.state.orders.length, 0);
    } finally {
      await fake.close();
    }
  });

  await t.step(
    "a lost reply is retried with the same client id: one order at the venue",
    () =>
      withFake(async (fake, ex) => {
        fake.inject.loseReply(1, { path: "/trade/place_order", mode: "drop" });
        const ack = await ex.placeOrder(entry(12));
        assert.equal(ack.duplicate, true);
        assert.equal(fake.state.orders.filter((o) => o.clientId === entry(12).clientId).length, 1);
        const fills = await ex.drainFills();
        assert.equal(fills.length, 1);
        assert.equal(fills[0].reason, "entry");
      }),
  );

  await t.step(
    "a retried entry adopted as a duplicate reports the bracket the venue holds",
    async () => {
      const fake = startFakeBitunix({ price: 60_000 });
      try {
        // the first reply is lost; the price moves before the retry is priced again
        const client = instantClient(fake, {
          sleep: () => {
            fake.setPrice(60_300);
            return Promise.resolve();
          },
        });
        const ex = new BitunixExchange(client, { clientIdPrefix: PREFIX });
        fake.inject.loseReply(1, { path: "/trade/place_order", mode: "drop" });
        const ack = await ex.placeOrder(entry(16));
        assert.equal(ack.duplicate, true);
        const sent = fake.requestsTo("/trade/place_order").map((r) => r.body!.slPrice);
        assert.deepEqual(sent, [(60_000 * 0.995).toFixed(1), (60_300 * 0.995).toFixed(1)]);
        const held = fake.state.orders.find((o) => o.clientId === entry(16).clientId)!;
        const fills = await ex.drainFills();
        assert.equal(fills.length, 1);
        assert.equal(fills[0].stopPrice, Number(held.slPrice));
        assert.equal(fills[0].tpPrice, Number(held.tpPrice));
        assert.equal(fills[0].stopPrice, 59_700);
        assert.equal(fills[0].tpPrice, 60_600);
      } finally {
        await fake.close();
      }
    },
  );

  await t.step(
    "a duplicate adopted from a detail without its bracket keeps the bracket it sent",
    async () => {
      const fake = startFakeBitunix({ price: 60_000 });
      try {
        fake.state.orderDetailBracket = "omitted";
        const ex = new BitunixExchange(instantClient(fake), { clientIdPrefix: PREFIX });
        fake.inject.loseReply(1, { path: "/trade/place_order", mode: "drop" });
        const ack = await ex.placeOrder(entry(18));
        assert.equal(ack.duplicate, true);
        const fills = await ex.drainFills();
        assert.equal(fills.length, 1);
        assert.equal(fills[0].stopPrice, 59_700, "the stop sent, not none");
        assert.equal(fills[0].tpPrice, 60_600);
      } finally {
        await fake.close();
      }
    },
  );
});
