import assert from "node:assert/strict";
import { defaultBracket } from "../../src/core/fill_rules.ts";
import { type ReconcileJournal, reconcileOnStart } from "../../src/app/session/reconcile.ts";
import type { OpenOrder, VenuePosition } from "../../src/core/order.ts";
import type { Exchange } from "../../src/core/ports.ts";
import { BitunixExchange, BitunixRestClient } from "../../src/exchange/bitunix/mod.ts";
import { startFakeBitunix } from "../fakes/fake_bitunix.ts";

const PREFIX = "la1a2b3c4d";
const SYM = "BTCUSDT";

/** An in-memory venue that only answers position and openOrders. */
function stub(position: VenuePosition | null, orders: OpenOrder[] = []): Exchange {
  const no = () => Promise.reject(new Error("reconcile must not trade"));
  return {
    placeOrder: no,
    cancelAll: no,
    drainFills: no,
    position: (s) => Promise.resolve(s === SYM ? position : null),
    openOrders: (s) => Promise.resolve(s === SYM ? orders : []),
    protection: no,
    protect: no,
  };
}

const long = (qty: number, entryPrice = 42_000): VenuePosition => ({
  symbol: SYM,
  side: "long",
  qty,
  entryPrice,
});
const order = (clientId: string, orderId = "9001"): OpenOrder => ({
  clientId,
  orderId,
  symbol: SYM,
  side: "sell",
  qty: 0.015,
  reduceOnly: true,
});
const journal = (j: Partial<ReconcileJournal> = {}): ReconcileJournal => ({
  position: null,
  openClientIds: [],
  clientIdPrefix: PREFIX,
  ...j,
});

Deno.test("reconcile on start", async (t) => {
  await t.step("ok: both flat, no orders", async () => {
    const r = await reconcileOnStart({ exchange: stub(null), symbol: SYM, journal: journal() });
    assert.equal(r.status, "ok");
    assert.deepEqual(r.findings, ["venue and journal agree: flat, 0 open orders"]);
    assert.equal(r.closedWhileDown, false);
  });

  await t.step("ok: same position and our known order", async () => {
    const id = `${PREFIX}-abc-x`;
    const r = await reconcileOnStart({
      exchange: stub(long(0.015), [order(id)]),
      symbol: SYM,
      journal: journal({
        position: { side: "long", qty: 0.015, entryPrice: 42_000 },
        openClientIds: [id],
      }),
    });
    assert.equal(r.status, "ok");
    assert.deepEqual(r.findings, [
      "venue and journal agree: a LONG 0.015 BTCUSDT position at 42000, 1 open order",
    ]);
  });

  await t.step("adopted: the entry sent while down filled", async () => {
    const r = await reconcileOnStart({
      exchange: stub(long(0.015)),
      symbol: SYM,
      journal: journal({ openClientIds: [`${PREFIX}-lr5x-e`] }),
    });
    assert.equal(r.status, "adopted");
    assert.deepEqual(r.position, long(0.015));
    assert.deepEqual(r.findings, [
      `journal order ${PREFIX}-lr5x-e is no longer open at the venue (filled or cancelled)`,
      "venue has a LONG 0.015 BTCUSDT position at 42000 from the entry the journal sent while down; adopted",
    ]);
  });

  await t.step("adopted: the position was closed at the venue while down", async () => {
    const r = await reconcileOnStart({
      exchange: stub(null),
      symbol: SYM,
      journal: journal({ position: { side: "short", qty: 0.02, entryPrice: 43_000 } }),
    });
    assert.equal(r.status, "adopted");
    assert.equal(r.closedWhileDown, true);
    assert.match(
      r.findings[0],
      /^journal had a SHORT 0\.02 BTCUSDT position at 43000 but the venue is flat/,
    );
  });

  await t.step("adopted: size within rounding, our order the journal missed", async () => {
    const r = await reconcileOnStart({
      exchange: stub(long(0.0150, 42_010), [order(`${PREFIX}-zz-x`)]),
      symbol: SYM,
      journal: journal({ position: { side: "long", qty: 0.01504, entryPrice: 42_000 } }),
    });
    assert.equal(r.status, "adopted");
    assert.equal(r.findings.length, 2);
    assert.match(r.findings[0], /our open order la1a2b3c4d-zz-x .* the journal missed; adopted/);
    assert.match(r.findings[1], /same position within rounding/);
  });

  await t.step("mismatch: venue positioned, journal flat, no entry pending", async () => {
    const r = await reconcileOnStart({
      exchange: stub(long(0.015)),
      symbol: SYM,
      journal: journal(),
    });
    assert.equal(r.status, "mismatch");
    assert.deepEqual(r.findings, [
      "venue has a LONG 0.015 BTCUSDT position at 42000 but the journal is flat",
    ]);
  });

  await t.step("mismatch: opposite direction", async () => {
    const r = await reconcileOnStart({
      exchange: stub(long(0.015)),
      symbol: SYM,
      journal: journal({ position: { side: "short", qty: 0.015, entryPrice: 42_000 } }),
    });
    assert.equal(r.status, "mismatch");
    assert.equal(
      r.findings[0],
      "venue has a LONG 0.015 BTCUSDT position at 42000 but the journal has a SHORT 0.015 BTCUSDT position at 42000",
    );
  });

  await t.step("mismatch: size beyond rounding", async () => {
    const r = await reconcileOnStart({
      exchange: stub(long(0.03)),
      symbol: SYM,
      journal: journal({ position: { side: "long", qty: 0.015, entryPrice: 42_000 } }),
    });
    assert.equal(r.status, "mismatch");
    assert.match(
      r.findings[0],
      /journal has 0\.015 \(difference 0\.015 is beyond rounding 0\.0001\)/,
    );
  });

  await t.step("mismatch: a foreign order, even with everything else adoptable", async () => {
    const r = await reconcileOnStart({
      exchange: stub(null, [order("manual-1", "777"), order("", "778")]),
      symbol: SYM,
      journal: journal({ position: { side: "long", qty: 0.015, entryPrice: 42_000 } }),
    });
    assert.equal(r.status, "mismatch");
    assert.deepEqual(r.findings.slice(0, 2), [
      `venue has an open order 777 (SELL 0.015 BTCUSDT reduce-only, clientId 'manual-1') without our prefix '${PREFIX}'`,
      `venue has an open order 778 (SELL 0.015 BTCUSDT reduce-only, no clientId) without our prefix '${PREFIX}'`,
    ]);
    assert.match(r.findings[2], /closed while down/);
  });
});

Deno.test("reconcile against the fake Bitunix", async (t) => {
  const fake = startFakeBitunix({ price: 42_000 });
  try {
    const client = new BitunixRestClient({
      baseUrl: fake.baseUrl,
      apiKey: fake.apiKey,
      apiSecret: fake.apiSecret,
    });
    const ex = new BitunixExchange(client);
    const entryId = `${PREFIX}-lr5x-e`;
    await ex.placeOrder({
      clientId: entryId,
      symbol: SYM,
      side: "buy",
      qty: 0.015,
      intent: "entry",
      reduceOnly: false,
      refPrice: 42_000,
      bracket: defaultBracket(30, 1.5),
    });

    await t.step("an entry that filled while down is adopted", async () => {
      const r = await reconcileOnStart({
        exchange: ex,
        symbol: SYM,
        journal: journal({ openClientIds: [entryId] }),
      });
      assert.equal(r.status, "adopted");
      assert.equal(r.position?.side, "long");
      assert.equal(r.position?.qty, 0.015);
      assert.match(
        r.findings[1],
        /venue has a LONG 0\.015 BTCUSDT position at 42000 from the entry/,
      );
    });

    await t.step("a foreign working order at the venue is a mismatch", async () => {
      fake.state.orders.push({
        orderId: "5555",
        clientId: "someone-else",
        symbol: SYM,
        side: "SELL",
        orderType: "LIMIT",
        qty: 0.01,
        price: 50_000,
        tradeQty: 0,
        reduceOnly: false,
        status: "NEW",
        ctime: fake.now(),
      });
      const r = await reconcileOnStart({
        exchange: ex,
        symbol: SYM,
        journal: journal({ position: { side: "long", qty: 0.015, entryPrice: 42_000 } }),
      });
      assert.equal(r.status, "mismatch");
      assert.deepEqual(r.findings, [
        `venue has an open order 5555 (SELL 0.01 BTCUSDT, clientId 'someone-else') without our prefix '${PREFIX}'`,
      ]);
    });
  } finally {
    await fake.close();
  }
});
