/**
 * The venue's TP/SL book through the real REST client and the fake: brackets attached to
 * an entry, both documented reply shapes, triggers, cancellation on close, and the
 * faults (a stop that vanished, a refused placement, a trigger on the wrong side).
 */
import assert from "node:assert/strict";
import type { BitunixRestClient } from "../../../src/exchange/bitunix/rest_client.ts";
import * as S from "../../../src/exchange/bitunix/schemas.ts";
import type { PlaceOrderParams } from "../../../src/exchange/bitunix/types.ts";
import { type FakeBitunix, startFakeBitunix } from "../../fakes/fake_bitunix.ts";
import { instantClient } from "../../fakes/fake_venue_access.ts";
import { rejection } from "./_helpers.ts";

async function withVenue(
  body: (fake: FakeBitunix, client: BitunixRestClient, replies: string[]) => Promise<void>,
) {
  const fake = startFakeBitunix({ price: 60_000 });
  const replies: string[] = [];
  const client = instantClient(fake, {
    fetch: async (input, init) => {
      const res = await fetch(input, init);
      replies.push(await res.clone().text());
      return res;
    },
  });
  try {
    await body(fake, client, replies);
  } finally {
    await fake.close();
  }
}

/** A long (BUY) or short (SELL) market entry of 0.01 BTC with a mark-price bracket. */
function entry(side: "BUY" | "SELL", sl: string, tp: string, clientId: string): PlaceOrderParams {
  return {
    symbol: "BTCUSDT",
    side,
    orderType: "MARKET",
    qty: "0.0100",
    clientId,
    slPrice: sl,
    slStopType: "MARK_PRICE",
    slOrderType: "MARKET",
    tpPrice: tp,
    tpStopType: "MARK_PRICE",
    tpOrderType: "MARKET",
  };
}

Deno.test("TP/SL book: created by an entry's brackets, listed in both shapes", async (t) => {
  await withVenue(async (fake, client, replies) => {
    await client.placeOrder(entry("BUY", "59000.0", "61000.0", "b-1"));
    const [pos] = await client.pendingPositions("BTCUSDT");

    await t.step("one pending TP/SL order for the new position", async () => {
      const list = await client.pendingTpsl({ symbol: "BTCUSDT" });
      assert.equal(list.length, 1);
      const o = list[0];
      assert.equal(o.positionId, pos.positionId);
      assert.deepEqual(
        [o.symbol, o.slPrice, o.slQty, o.slStopType, o.tpPrice, o.tpQty, o.tpStopType, o.status],
        ["BTCUSDT", 59_000, 0.01, "MARK_PRICE", 61_000, 0.01, "MARK_PRICE", "NEW"],
      );
      assert.equal(typeof o.ctime, "number");
      assert.equal(o.triggerTime, undefined);
      assert.equal(o.orderId, fake.state.tpsl[0].id);
      assert.deepEqual(await client.pendingTpsl({ positionId: "nope" }), []);
    });

    await t.step("bare array and {orderList, total}, times as ms, strings or ISO", async () => {
      const want = await client.pendingTpsl();
      for (const shape of ["array", "object"] as const) {
        for (const format of ["number", "string", "iso"] as const) {
          fake.state.tpslPendingShape = shape;
          fake.state.tpslTimeFormat = format;
          assert.deepEqual(await client.pendingTpsl(), want, `${shape}/${format}`);
          const data = JSON.parse(replies.at(-1)!).data;
          assert.equal(Array.isArray(data), shape === "array");
          const row = shape === "array" ? data[0] : data.orderList[0];
          assert.equal(typeof row.ctime, format === "number" ? "number" : "string");
          if (format === "iso") assert.match(row.ctime, /^\d{4}-\d\d-\d\dT/);
          if (shape === "object") assert.equal(data.total, "1");
        }
      }
    });
  });
});

Deno.test("TP/SL book: triggers on setPrice close the position", async (t) => {
  await t.step(
    "a long's stop: a reduce-only close without clientId; order to history",
    async () => {
      await withVenue(async (fake, client) => {
        await client.placeOrder(entry("BUY", "59000.0", "61000.0", "t-1"));
        assert.deepEqual(fake.setPrice(59_500), [], "not crossed yet");
        const fired = fake.setPrice(58_900);
        assert.equal(fired.length, 1);
        assert.equal(fake.state.price, 58_900);
        assert.deepEqual(await client.pendingPositions(), []);
        assert.deepEqual(await client.pendingTpsl(), []);
        const { trades } = await client.historyTrades({ orderId: fired[0].closeOrderId });
        assert.equal(trades.length, 1);
        const close = trades[0];
        assert.deepEqual(
          [close.clientId, close.side, close.qty, close.reduceOnly, close.price],
          [undefined, "sell", 0.01, true, 58_900], // a market close after the gap
        );
        const hist = await client.tpslHistory({ symbol: "BTCUSDT" });
        assert.equal(hist.total, 1);
        assert.equal(hist.orders[0].status, "TRIGGERED");
        assert.equal(typeof hist.orders[0].triggerTime, "number");
        const detail = await client.orderDetail({ orderId: fired[0].closeOrderId });
        assert.deepEqual([detail.clientId, detail.status], [undefined, "FILLED"]);
      });
    },
  );

  await t.step(
    "without triggerTime and with a delayed close: TRIGGERED first, booked later",
    async () => {
      let clock = Date.now();
      const fake = startFakeBitunix({ price: 60_000, now: () => clock });
      try {
        const client = instantClient(fake, { now: () => clock });
        fake.state.tpslTriggerTime = "omitted";
        fake.state.tpslFillDelayMs = 3_000;
        await client.placeOrder(entry("BUY", "59000.0", "61000.0", "t-9"));
        const firedAt = clock;
        const fired = fake.setPrice(58_900);
        assert.equal(fired.length, 1);
        assert.equal(fired[0].closeOrderId, undefined, "not booked yet");
        const hist = await client.tpslHistory({ symbol: "BTCUSDT" });
        assert.equal(hist.orders[0].status, "TRIGGERED");
        assert.equal(hist.orders[0].triggerTime, undefined);
        assert.equal(hist.orders[0].mtime, firedAt);
        assert.equal((await client.pendingPositions()).length, 1, "still open");
        clock += 3_000;
        assert.deepEqual(await client.pendingPositions(), [], "the close is booked");
        const { trades } = await client.historyTrades({ orderId: fired[0].closeOrderId });
        assert.deepEqual(trades.map((x) => [x.side, x.ts]), [["sell", firedAt + 3_000]]);
      } finally {
        await fake.close();
      }
    },
  );

  await t.step("a short's take-profit at the trigger price", async () => {
    await withVenue(async (fake, client) => {
      fake.state.tpslFillPrice = "trigger";
      await client.placeOrder(entry("SELL", "61000.0", "59000.0", "t-2"));
      const [fired] = fake.setPrice(58_000);
      assert.equal(fired.triggered, "tp");
      const [close] = (await client.historyTrades({ orderId: fired.closeOrderId })).trades;
      assert.deepEqual([close.side, close.price, close.realizedPnl], ["buy", 59_000, 10]);
      assert.deepEqual(await client.pendingPositions(), []);
    });
  });

  await t.step("a partial TP/SL closes its qty; the position's other orders stay", async () => {
    await withVenue(async (fake, client) => {
      await client.placeOrder(entry("BUY", "58000.0", "62000.0", "t-3"));
      const [pos] = await client.pendingPositions();
      const part = await client.placeTpsl({
        symbol: "BTCUSDT",
        positionId: pos.positionId,
        slPrice: "59500.0",
        slStopType: "MARK_PRICE",
        slQty: "0.0040",
      });
      const fired = fake.setPrice(59_400);
      assert.deepEqual(fired.map((x) => x.id), [part.orderId]);
      assert.equal((await client.pendingPositions())[0].qty, 0.006);
      const left = await client.pendingTpsl();
      assert.deepEqual(left.map((x) => x.slPrice), [58_000]);
      // the entry's bracket still says 0.01: the venue closes at most the position
      fake.setPrice(57_000);
      assert.deepEqual(await client.pendingPositions(), []);
      const closes = fake.state.orders.filter((o) => o.source === "tpsl");
      assert.deepEqual(closes.map((o) => o.tradeQty), [0.004, 0.006]);
    });
  });

  await t.step("prices per symbol: an ETHUSDT move does not fire BTCUSDT", async () => {
    await withVenue(async (fake, client) => {
      await client.placeOrder(entry("BUY", "59000.0", "61000.0", "t-4"));
      assert.deepEqual(fake.setPrice(1_000, { symbol: "ETHUSDT" }), []);
      assert.equal(fake.pendingTpsl("BTCUSDT").length, 1);
    });
  });
});

Deno.test("TP/SL book: a closed position's TP/SL orders are cancelled", async (t) => {
  await t.step("closed by our reduce-only order", async () => {
    await withVenue(async (_fake, client) => {
      await client.placeOrder(entry("BUY", "59000.0", "61000.0", "c-1"));
      await client.placeOrder({
        symbol: "BTCUSDT",
        side: "SELL",
        orderType: "MARKET",
        qty: "0.0100",
        reduceOnly: true,
        clientId: "c-1-x",
      });
      assert.deepEqual(await client.pendingTpsl(), []);
      const { orders } = await client.tpslHistory();
      assert.deepEqual(orders.map((o) => [o.status, o.triggerTime]), [["CANCELED", undefined]]);
    });
  });

  await t.step("closed behind our back, and a position removed from the state", async () => {
    await withVenue(async (fake, client) => {
      await client.placeOrder(entry("BUY", "59000.0", "61000.0", "c-2"));
      fake.inject.closePosition("BTCUSDT");
      assert.deepEqual(await client.pendingTpsl(), []);
      await client.placeOrder(entry("BUY", "59000.0", "61000.0", "c-3"));
      assert.equal((await client.pendingTpsl()).length, 1);
      fake.state.positions = [];
      assert.deepEqual(await client.pendingTpsl(), []);
      assert.equal((await client.tpslHistory()).total, 2);
    });
  });

  await t.step("a flip opens a new position with a new id and an empty book", async () => {
    await withVenue(async (_fake, client) => {
      await client.placeOrder(entry("BUY", "59000.0", "61000.0", "c-4"));
      const [before] = await client.pendingPositions();
      await client.placeOrder({
        symbol: "BTCUSDT",
        side: "SELL",
        orderType: "MARKET",
        qty: "0.0300",
        clientId: "c-5",
      });
      const [after] = await client.pendingPositions();
      assert.deepEqual([after.side, after.qty], ["short", 0.02]);
      assert.notEqual(after.positionId, before.positionId);
      assert.deepEqual(await client.pendingTpsl(), []);
    });
  });
});

Deno.test("TP/SL book: whole-position TP/SL through the client", async (t) => {
  await withVenue(async (fake, client) => {
    await client.placeOrder({ symbol: "BTCUSDT", side: "BUY", orderType: "MARKET", qty: "0.01" });
    const [pos] = await client.pendingPositions();
    let orderId = "";

    await t.step("place one; a second is refused", async () => {
      ({ orderId } = await client.placePositionTpsl({
        symbol: "BTCUSDT",
        positionId: pos.positionId,
        slPrice: "59000.0",
        slStopType: "MARK_PRICE",
      }));
      const [o] = await client.pendingTpsl();
      assert.deepEqual([o.orderId, o.slPrice, o.slQty, o.tpPrice], [
        orderId,
        59_000,
        undefined,
        undefined,
      ]);
      const sent = fake.requestsTo("/tpsl/position/place_order")[0].body;
      assert.deepEqual(sent, {
        symbol: "BTCUSDT",
        positionId: pos.positionId,
        slPrice: "59000.0",
        slStopType: "MARK_PRICE",
      });
      const e = await rejection(client.placePositionTpsl({
        symbol: "BTCUSDT",
        positionId: pos.positionId,
        slPrice: "58000.0",
      }));
      assert.equal(e.code, 10002);
    });

    await t.step("modify moves the stop; cancel empties the book", async () => {
      const r = await client.modifyPositionTpsl({
        symbol: "BTCUSDT",
        positionId: pos.positionId,
        slPrice: "59500.0",
        tpPrice: "62000.0",
      });
      assert.equal(r.orderId, orderId);
      const [o] = await client.pendingTpsl();
      assert.deepEqual([o.slPrice, o.tpPrice], [59_500, 62_000]);
      assert.deepEqual(await client.cancelTpsl("BTCUSDT", orderId), { orderId });
      assert.deepEqual(await client.pendingTpsl(), []);
      const e = await rejection(client.cancelTpsl("BTCUSDT", orderId));
      assert.equal(e.code, 20007);
    });

    await t.step("a partial TP/SL: modify, qty above the position refused", async () => {
      const { orderId: id } = await client.placeTpsl({
        symbol: "BTCUSDT",
        positionId: pos.positionId,
        tpPrice: "61000.0",
        tpQty: "0.005",
      });
      await client.modifyTpsl({ orderId: id, tpPrice: "61500.0", tpQty: "0.006" });
      const [o] = await client.pendingTpsl();
      assert.deepEqual([o.tpPrice, o.tpQty], [61_500, 0.006]);
      const big = await rejection(client.placeTpsl({
        symbol: "BTCUSDT",
        positionId: pos.positionId,
        slPrice: "59000.0",
        slQty: "0.02",
      }));
      assert.equal(big.code, 30038);
      const gone = await rejection(client.placeTpsl({
        symbol: "BTCUSDT",
        positionId: "404",
        slPrice: "59000.0",
        slQty: "0.01",
      }));
      assert.equal(gone.code, 30004);
    });
  });
});

Deno.test("TP/SL book: faults", async (t) => {
  await t.step("dropTpsl: the stop vanishes without a trace, nothing fires", async () => {
    await withVenue(async (fake, client) => {
      await client.placeOrder(entry("BUY", "59000.0", "61000.0", "f-1"));
      assert.equal(fake.inject.dropTpsl("BTCUSDT"), 1);
      assert.deepEqual(await client.pendingTpsl(), []);
      assert.equal((await client.tpslHistory()).total, 0);
      assert.deepEqual(fake.setPrice(50_000), []);
      assert.equal((await client.pendingPositions())[0].qty, 0.01);
    });
  });

  await t.step("rejectTpsl: the next placement fails with the venue code", async () => {
    await withVenue(async (fake, client) => {
      await client.placeOrder({ symbol: "BTCUSDT", side: "BUY", orderType: "MARKET", qty: "0.01" });
      const [pos] = await client.pendingPositions();
      fake.inject.rejectTpsl(30029, 1);
      const req = { symbol: "BTCUSDT", positionId: pos.positionId, slPrice: "59000.0" };
      const e = await rejection(client.placePositionTpsl(req));
      assert.equal(e.code, 30029);
      assert.equal(e.retryable, false);
      assert.match(e.message, /tpsl\/position\/place_order failed: 30029/);
      assert.deepEqual(await client.pendingTpsl(), []);
      await client.placePositionTpsl(req);
      assert.equal((await client.pendingTpsl()).length, 1);
    });
  });

  await t.step("a trigger on the wrong side of the price is refused, nothing booked", async () => {
    await withVenue(async (fake, client) => {
      const cases: [PlaceOrderParams, number][] = [
        [entry("BUY", "60500.0", "61000.0", "w-1"), 30029],
        [{ ...entry("BUY", "60500.0", "61000.0", "w-2"), slStopType: "LAST_PRICE" }, 30028],
        [entry("BUY", "59000.0", "59900.0", "w-3"), 30027],
        [entry("SELL", "59900.0", "59000.0", "w-4"), 30031],
        [entry("SELL", "61000.0", "60100.0", "w-5"), 30033],
        [entry("BUY", "0", "61000.0", "w-6"), 30041],
      ];
      for (const [order, code] of cases) {
        const e = await rejection(client.placeOrder(order));
        assert.equal(e.code, code, `${order.clientId}: ${e.message}`);
      }
      assert.equal(fake.state.orders.length, 0);
      assert.equal(fake.state.tpsl.length, 0);
      // and on an open position, through the TP/SL endpoints
      await client.placeOrder({ symbol: "BTCUSDT", side: "BUY", orderType: "MARKET", qty: "0.01" });
      const [pos] = await client.pendingPositions();
      const e = await rejection(
        client.placePositionTpsl({
          symbol: "BTCUSDT",
          positionId: pos.positionId,
          slPrice: "60100.0",
          slStopType: "MARK_PRICE",
        }),
      );
      assert.equal(e.code, 30029);
    });
  });
});

Deno.test("TP/SL schemas", async (t) => {
  await t.step("times as ms, numeric strings or ISO; 0 and null are no time", () => {
    assert.equal(S.zTime.parse(1_700_000_000_123), 1_700_000_000_123);
    assert.equal(S.zTime.parse("1700000000123"), 1_700_000_000_123);
    assert.equal(S.zTime.parse("2023-11-14T22:13:20.123Z"), 1_700_000_000_123);
    assert.equal(S.zTime.parse("2023-11-15T06:13:20.123+08:00"), 1_700_000_000_123);
    assert.equal(S.zTime.safeParse("yesterday").success, false);
    assert.equal(S.zOptTime.parse(null), undefined);
    assert.equal(S.zOptTime.parse("0"), undefined);
    assert.equal(S.zOptTime.parse(""), undefined);
  });

  await t.step("the list: either shape, id or orderId, numbers as numbers", () => {
    const row = { id: 7, positionId: 9, symbol: "BTCUSDT", slPrice: 59000, slQty: "0.01" };
    const a = S.tpslListSchema.parse([row]);
    const b = S.tpslListSchema.parse({ orderList: [{ ...row, id: undefined, orderId: "7" }] });
    assert.deepEqual(a.orders.map((o) => [o.id ?? o.orderId, o.positionId, o.slPrice]), [[
      "7",
      "9",
      59_000,
    ]]);
    assert.deepEqual(b.orders.map((o) => [o.id ?? o.orderId, o.slQty]), [["7", 0.01]]);
    assert.equal(b.total, 1);
    assert.deepEqual(S.tpslListSchema.parse(null), { orders: [], total: 0 });
    assert.equal(S.tpslListSchema.safeParse([{ positionId: "9", symbol: "X" }]).success, false);
    assert.equal(S.tpslListSchema.safeParse({ orderList: [{ id: "1" }] }).success, false);
  });
});
