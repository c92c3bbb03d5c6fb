/**
 * The fake venue's unkind side, seen through the real REST client: split, partial and
 * held fills, trades indexed late, other people's trades, positions closed behind the
 * agent's back, and replies lost after the venue already acted.
 */
import assert from "node:assert/strict";
import type { BitunixRestClient } from "../../../src/exchange/bitunix/rest_client.ts";
import { type FakeBitunix, startFakeBitunix } from "../../fakes/fake_bitunix.ts";
import { instantClient } from "../../fakes/fake_venue_access.ts";
import { rejection } from "./_helpers.ts";

/** A fresh fake at 60,000 and a client on it; both closed after `body`. */
async function withVenue(
  body: (fake: FakeBitunix, client: BitunixRestClient) => Promise<void>,
  opts: { now?: () => number } = {},
) {
  const fake = startFakeBitunix({ price: 60_000, now: opts.now });
  try {
    await body(fake, instantClient(fake, opts.now ? { now: opts.now } : {}));
  } finally {
    await fake.close();
  }
}

const buy = (qty: string, clientId: string) => ({
  symbol: "BTCUSDT",
  side: "BUY" as const,
  orderType: "MARKET" as const,
  qty,
  clientId,
});

Deno.test("fake venue: split fills", async (t) => {
  await t.step("by default a market order is one trade (the kind venue)", async () => {
    await withVenue(async (fake, client) => {
      const { orderId } = await client.placeOrder(buy("0.0100", "k-1"));
      const { trades } = await client.historyTrades({ orderId });
      assert.equal(trades.length, 1);
      assert.equal(trades[0].price, 60_000);
      assert.equal(fake.state.orders[0].status, "FILLED");
    });
  });

  await t.step(
    "three trades in one ms, ids crossing 999 -> 1000, listed out of id order",
    async () => {
      await withVenue(async (fake, client) => {
        fake.state.nextTradeId = 998;
        fake.inject.splitFills([1, 1, 2]);
        const { orderId } = await client.placeOrder(buy("0.0100", "s-1"));
        const { trades } = await client.historyTrades({ orderId });
        assert.deepEqual(trades.map((x) => x.tradeId), ["999", "1000", "998"]);
        assert.equal(new Set(trades.map((x) => x.ts)).size, 1, "one ctime for all parts");
        // string order and number order of the ids disagree
        const ids = trades.map((x) => x.tradeId);
        assert.deepEqual([...ids].sort(), ["1000", "998", "999"]);
        assert.deepEqual([...ids].sort((a, b) => Number(a) - Number(b)), ["998", "999", "1000"]);
        const byId = Object.fromEntries(trades.map((x) => [x.tradeId, x]));
        assert.deepEqual(
          ["998", "999", "1000"].map((id) => [byId[id].qty, byId[id].price]),
          [[0.0025, 60_000], [0.0025, 60_000.1], [0.005, 60_000.2]],
        );
        for (const x of trades) assert.equal(x.clientId, "s-1");
        const o = await client.orderDetail({ orderId });
        assert.equal(o.status, "FILLED");
        assert.equal(o.filledQty, 0.01);
        assert.equal(o.avgPrice, 60_000.125); // quantity-weighted
        const [pos] = await client.pendingPositions("BTCUSDT");
        assert.equal(pos.qty, 0.01);
        assert.equal(pos.entryPrice, 60_000.125);
        // the next order is kind again
        const next = await client.placeOrder(buy("0.0010", "s-2"));
        assert.equal((await client.historyTrades({ orderId: next.orderId })).trades.length, 1);
      });
    },
  );

  await t.step("n equal parts; the history orders list shows tradeQty/avgPrice", async () => {
    await withVenue(async (fake, client) => {
      fake.inject.splitFills(4, 2, { priceStep: 0 });
      await client.placeOrder(buy("0.0020", "e-1"));
      await client.placeOrder({ ...buy("0.0020", "e-2"), side: "SELL" });
      assert.equal(fake.state.trades.length, 8);
      assert.ok(fake.state.trades.every((x) => x.qty === 0.0005 && x.price === 60_000));
      const { orders } = await client.historyOrders({ symbol: "BTCUSDT" });
      assert.deepEqual(
        orders.map((o) => [o.clientId, o.status, o.filledQty, o.avgPrice]),
        [["e-2", "FILLED", 0.002, 60_000], ["e-1", "FILLED", 0.002, 60_000]],
      );
      assert.deepEqual(await client.pendingPositions(), []);
    });
  });

  await t.step("held parts: PART_FILLED and working until the venue books the rest", async () => {
    await withVenue(async (fake, client) => {
      fake.inject.splitFills(2, 1, { held: 1 });
      const { orderId } = await client.placeOrder(buy("0.0020", "h-1"));
      let o = await client.orderDetail({ orderId });
      assert.deepEqual([o.status, o.filledQty], ["PART_FILLED", 0.001]);
      assert.deepEqual((await client.pendingOrders()).orders.map((x) => x.orderId), [orderId]);
      assert.equal((await client.pendingPositions())[0].qty, 0.001);
      const booked = fake.releaseHeldFills();
      assert.equal(booked.length, 1);
      o = await client.orderDetail({ orderId });
      assert.deepEqual([o.status, o.filledQty], ["FILLED", 0.002]);
      assert.equal(o.avgPrice, 60_000.05);
      assert.equal((await client.pendingOrders()).total, 0);
      assert.equal((await client.pendingPositions())[0].qty, 0.002);
    });
  });

  await t.step("partial fill: the rest is cancelled (PART_FILLED_CANCELED)", async () => {
    await withVenue(async (fake, client) => {
      fake.inject.partialFill(0.4);
      const { orderId } = await client.placeOrder(buy("0.0100", "p-1"));
      const o = await client.orderDetail({ orderId });
      assert.deepEqual([o.status, o.qty, o.filledQty], ["PART_FILLED_CANCELED", 0.01, 0.004]);
      assert.equal((await client.pendingPositions())[0].qty, 0.004);
      assert.equal((await client.pendingOrders()).total, 0);
      fake.inject.partialFill(0);
      const none = await client.placeOrder(buy("0.0100", "p-2"));
      const o2 = await client.orderDetail({ orderId: none.orderId });
      assert.deepEqual([o2.status, o2.filledQty], ["CANCELED", 0]);
      assert.equal((await client.historyTrades({ orderId: none.orderId })).trades.length, 0);
    });
  });
});

Deno.test("fake venue: a trade indexed late keeps its earlier ctime", async (t) => {
  await t.step("hidden from the next K trade-history answers", async () => {
    await withVenue(async (fake, client) => {
      fake.inject.splitFills(2);
      fake.inject.lateTrade({ queries: 2 });
      const { orderId } = await client.placeOrder(buy("0.0020", "l-1"));
      assert.equal((await client.historyTrades({ orderId })).trades.length, 1);
      assert.equal((await client.historyTrades()).trades.length, 1);
      const { trades } = await client.historyTrades({ orderId });
      assert.equal(trades.length, 2);
      assert.equal(trades[0].ts, trades[1].ts);
      // the order itself knew all along
      assert.equal((await client.orderDetail({ orderId })).filledQty, 0.002);
    });
  });

  await t.step("hidden for a delay of venue time", async () => {
    let clock = 1_700_000_000_000;
    await withVenue(async (fake, client) => {
      fake.inject.lateTrade({ delayMs: 5_000 });
      const { orderId } = await client.placeOrder(buy("0.0010", "l-2"));
      const bookedAt = clock;
      clock += 4_999;
      assert.equal((await client.historyTrades({ orderId })).trades.length, 0);
      clock += 1;
      const { trades } = await client.historyTrades({ startTime: bookedAt });
      assert.equal(trades.length, 1);
      assert.equal(trades[0].ts, bookedAt);
    }, { now: () => clock });
  });
});

Deno.test("fake venue: other people's trades and closes on the account", async (t) => {
  await t.step("manual trades on ETHUSDT and BTCUSDT change those positions", async () => {
    await withVenue(async (fake, client) => {
      await client.placeOrder(buy("0.0100", "ours-1"));
      fake.setPrice(3_000, { symbol: "ETHUSDT" });
      const eth = fake.inject.manualTrade({ symbol: "ETHUSDT", side: "SELL", qty: 0.5 });
      assert.equal(eth.clientId, undefined);
      fake.inject.manualTrade({
        symbol: "BTCUSDT",
        side: "BUY",
        qty: 0.005,
        price: 60_300,
        clientId: "web-7f3a",
      });
      const positions = await client.pendingPositions();
      const bySym = Object.fromEntries(positions.map((p) => [p.symbol, p]));
      assert.deepEqual([bySym.ETHUSDT.side, bySym.ETHUSDT.qty, bySym.ETHUSDT.entryPrice], [
        "short",
        0.5,
        3_000,
      ]);
      assert.deepEqual([bySym.BTCUSDT.qty, bySym.BTCUSDT.entryPrice], [0.015, 60_100]);
      const [ethTrade] = (await client.historyTrades({ symbol: "ETHUSDT" })).trades;
      assert.deepEqual([ethTrade.clientId, ethTrade.price, ethTrade.side], [
        undefined,
        3_000,
        "sell",
      ]);
      // (both may share one ms, and then the venue lists them in no particular order)
      const btc = (await client.historyTrades({ symbol: "BTCUSDT" })).trades;
      assert.deepEqual(btc.map((x) => x.clientId).sort(), ["ours-1", "web-7f3a"]);
      const [tk] = await client.tickers(["ETHUSDT"]);
      assert.equal(tk.markPrice, 3_000);
    });
  });

  await t.step("closePosition closes behind the agent's back, PnL realised", async () => {
    await withVenue(async (fake, client) => {
      await client.placeOrder(buy("0.0100", "ours-2"));
      const close = fake.inject.closePosition("BTCUSDT", { price: 59_000 });
      assert.deepEqual([close.side, close.reduceOnly, close.clientId], ["SELL", true, undefined]);
      assert.deepEqual(await client.pendingPositions(), []);
      const { trades } = await client.historyTrades();
      const last = trades.find((x) => x.orderId === close.orderId)!;
      assert.deepEqual([last.clientId, last.reduceOnly, last.price, last.qty], [
        undefined,
        true,
        59_000,
        0.01,
      ]);
      assert.equal(last.realizedPnl, -10);
      assert.throws(() => fake.inject.closePosition("BTCUSDT"), /no BTCUSDT position/);
    });
  });
});

Deno.test("fake venue: a lost reply after the order was booked", async (t) => {
  await t.step("hang: the client times out, the order exists and filled", async () => {
    await withVenue(async (fake) => {
      const client = instantClient(fake, { timeoutMs: 150, retry: { maxAttempts: 1 } });
      fake.inject.loseReply(1, { path: "/trade/place_order" });
      const e = await rejection(client.placeOrder(buy("0.0100", "lost-1")));
      assert.equal(e.kind, "timeout");
      const o = await client.orderDetail({ clientId: "lost-1" });
      assert.deepEqual([o.status, o.filledQty], ["FILLED", 0.01]);
      assert.equal((await client.pendingPositions())[0].qty, 0.01);
    });
  });

  await t.step("drop: a network error; a blind retry meets the duplicate id", async () => {
    await withVenue(async (fake) => {
      const client = instantClient(fake, { retry: { maxAttempts: 2 } });
      fake.inject.loseReply(1, { path: "/trade/place_order", mode: "drop" });
      const e = await rejection(client.placeOrder(buy("0.0100", "lost-2")));
      assert.equal(e.code, 30042, e.message);
      assert.equal(fake.requestsTo("/trade/place_order").length, 2);
      assert.equal(fake.state.orders.length, 1);
      assert.equal(fake.state.trades.length, 1);
    });
  });

  await t.step("drop without a retry surfaces as a network error", async () => {
    await withVenue(async (fake) => {
      const client = instantClient(fake, { retry: { maxAttempts: 1 } });
      fake.inject.loseReply(1, { mode: "drop" });
      const e = await rejection(client.placeOrder(buy("0.0100", "lost-3")));
      assert.equal(e.kind, "network");
      assert.equal(fake.state.orders[0].status, "FILLED");
    });
  });
});
