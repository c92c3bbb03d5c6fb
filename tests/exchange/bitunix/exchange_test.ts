import assert from "node:assert/strict";
import { defaultBracket } from "../../../src/core/fill_rules.ts";
import { BitunixExchange } from "../../../src/exchange/bitunix/exchange.ts";
import { BitunixRestClient } from "../../../src/exchange/bitunix/rest_client.ts";
import { isBitunixError } from "../../../src/exchange/bitunix/errors.ts";
import type { OrderRequest } from "../../../src/core/order.ts";
import { startFakeBitunix } from "../../fakes/fake_bitunix.ts";

Deno.test("BitunixExchange (Exchange port) against the fake venue", async (t) => {
  const fake = startFakeBitunix({ price: 60_000 });
  const client = new BitunixRestClient({
    baseUrl: fake.baseUrl,
    apiKey: fake.apiKey,
    apiSecret: fake.apiSecret,
    sleep: () => Promise.resolve(),
  });
  const ex = new BitunixExchange(client, { fillsSince: 0 });
  const messages: string[] = [];
  const entry: OrderRequest = {
    clientId: "run1-1700000000000-entry",
    symbol: "BTCUSDT",
    side: "buy",
    qty: 0.012345,
    intent: "entry",
    reduceOnly: false,
    refPrice: 60_000,
    bracket: defaultBracket(50, 2),
  };
  try {
    await t.step(
      "entry: market order with mark-price stop and take-profit, qty rounded down",
      async () => {
        const ack = await ex.placeOrder(entry);
        assert.equal(ack.duplicate, false);
        assert.equal(ack.clientId, entry.clientId);
        const sent = fake.requestsTo("/trade/place_order").at(-1)!.body!;
        assert.deepEqual(sent, {
          symbol: "BTCUSDT",
          side: "BUY",
          orderType: "MARKET",
          qty: "0.0123",
          clientId: entry.clientId,
          slPrice: "59700.0",
          slStopType: "MARK_PRICE",
          slOrderType: "MARKET",
          tpPrice: "60600.0",
          tpStopType: "MARK_PRICE",
          tpOrderType: "MARKET",
        });
      },
    );

    await t.step(
      "position reports side, qty and entry; the venue's TP/SL book the bracket",
      async () => {
        const p = await ex.position("BTCUSDT");
        assert.deepEqual(p, {
          symbol: "BTCUSDT",
          side: "long",
          qty: 0.0123,
          entryPrice: 60_000,
          unrealizedPnl: 0,
        });
        assert.equal(await ex.position("ETHUSDT"), null);
        assert.deepEqual(await ex.protection("BTCUSDT"), { stopPrice: 59_700, tpPrice: 60_600 });
        assert.equal(await ex.protection("ETHUSDT"), null);
      },
    );

    await t.step(
      "duplicate clientId resolves to the existing order, never a second one",
      async () => {
        const first = fake.state.orders.find((o) => o.clientId === entry.clientId)!;
        const ack = await ex.placeOrder(entry);
        assert.deepEqual(ack, {
          clientId: entry.clientId,
          orderId: first.orderId,
          duplicate: true,
        });
        assert.equal(fake.state.orders.filter((o) => o.clientId === entry.clientId).length, 1);
        assert.equal(fake.state.positions[0].qty, 0.0123);
        // A restarted process (fresh adapter) gets the same answer.
        const again = await new BitunixExchange(client).placeOrder(entry);
        assert.equal(again.duplicate, true);
        assert.equal(again.orderId, first.orderId);
      },
    );

    await t.step("drainFills returns each fill once, oldest first, with reason", async () => {
      const fills = await ex.drainFills();
      assert.equal(fills.length, 1);
      assert.equal(fills[0].reason, "entry");
      assert.equal(fills[0].qty, 0.0123);
      assert.equal(fills[0].price, 60_000);
      assert.ok(fills[0].fee > 0);
      assert.deepEqual(await ex.drainFills(), []);
      // The venue's own stop fires (its TP/SL book says so): reason "stop", not ours.
      fake.setPrice(59_700);
      const more = await ex.drainFills();
      assert.equal(more.length, 1);
      assert.equal(more[0].reason, "stop");
      assert.equal(more[0].side, "sell");
      assert.equal(more[0].external, true);
      assert.equal(await ex.position("BTCUSDT"), null);
      assert.equal(await ex.protection("BTCUSDT"), null);
      fake.setPrice(60_000);
    });

    await t.step("qty below the venue minimum is refused before sending", async () => {
      const before = fake.requestsTo("/trade/place_order").length;
      await assert.rejects(
        ex.placeOrder({ ...entry, clientId: "tiny", qty: 0.00005 }),
        (e: Error) => {
          messages.push(e.message);
          return e.name === "InputError" && /venue minimum 0.0001/.test(e.message);
        },
      );
      assert.equal(fake.requestsTo("/trade/place_order").length, before);
    });

    await t.step("venue rejection surfaces as a fatal error naming place_order", async () => {
      fake.inject.rejectNextOrder(30001, "Order would liquidate immediately");
      await assert.rejects(ex.placeOrder({ ...entry, clientId: "rej-1" }), (e: Error) => {
        messages.push(e.message);
        return isBitunixError(e) &&
          e.message ===
            "Bitunix place_order failed: 30001 Order would liquidate immediately (fatal)";
      });
    });

    await t.step("openOrders, cancel_orders and cancelAll", async () => {
      for (const [i, price] of [[1, "50000"], [2, "50100"], [3, "50200"]] as const) {
        await client.placeOrder({
          symbol: "BTCUSDT",
          side: "BUY",
          orderType: "LIMIT",
          qty: "0.001",
          price,
          clientId: `limit-${i}`,
        });
      }
      const open = await ex.openOrders("BTCUSDT");
      assert.deepEqual(open.map((o) => o.clientId).sort(), ["limit-1", "limit-2", "limit-3"]);
      const r = await client.cancelOrders("BTCUSDT", [{ clientId: "limit-1" }, {
        orderId: "nope",
      }]);
      assert.equal(r.cancelled.length, 1);
      assert.equal(r.failed[0].code, 10013);
      assert.equal(await ex.cancelAll("BTCUSDT"), 2);
      assert.deepEqual(await ex.openOrders("BTCUSDT"), []);
      assert.equal(await ex.cancelAll("BTCUSDT"), 0);
    });

    await t.step("order detail and history endpoints", async () => {
      const d = await client.orderDetail({ clientId: entry.clientId });
      assert.equal(d.status, "FILLED");
      assert.equal(d.slPrice, 59_700);
      const h = await client.historyOrders({ symbol: "BTCUSDT" });
      assert.ok(h.orders.length >= 5);
      await assert.rejects(client.orderDetail({ clientId: "unknown" }), /20007/);
    });

    await t.step("no clientId was ever sent twice except the deliberate duplicate", () => {
      const ids = fake.requestsTo("/trade/place_order").map((r) => r.clientId).filter(Boolean);
      const counts = new Map<string, number>();
      for (const id of ids) counts.set(id!, (counts.get(id!) ?? 0) + 1);
      for (const [id, n] of counts) {
        assert.equal(n, id === entry.clientId ? 3 : 1, id);
      }
    });

    await t.step("secret absent from all messages", () => {
      for (const m of messages) assert.ok(!m.includes(fake.apiSecret));
    });
  } finally {
    await fake.close();
  }
});
