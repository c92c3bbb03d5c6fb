import assert from "node:assert/strict";
import type { Candle } from "../../../src/core/candle.ts";
import { defaultBracket } from "../../../src/core/fill_rules.ts";
import type { OrderRequest } from "../../../src/core/order.ts";
import { SimExchange } from "../../../src/exchange/sim/sim_exchange.ts";

const T0 = 1_700_000_000_000;
const bar = (i: number, close = 100): Candle => ({
  ts: T0 + i * 60_000,
  open: 100,
  high: 100.1,
  low: 99.9,
  close,
  volume: 1,
});
const order = (o: Partial<OrderRequest> & Pick<OrderRequest, "clientId">): OrderRequest => ({
  symbol: "BTCUSDT",
  side: "buy",
  qty: 1,
  intent: "entry",
  reduceOnly: false,
  refPrice: 100,
  bracket: defaultBracket(300, 2),
  ...o,
});

Deno.test("the simulated venue settles at the last close under the orders' own client ids", async (t) => {
  for (
    const [what, closing, closedQty] of [
      ["a flatten closes all", { clientId: "end-1", intent: "flatten", qty: 1 }, 1],
      ["a reduce closes its part only", { clientId: "r-1", intent: "reduce", qty: 0.25 }, 0.25],
    ] as const
  ) {
    await t.step(what, async () => {
      const sim = new SimExchange({ feeBps: 0, slippageBps: 0, intrabar: "conservative" });
      await sim.placeOrder(order({ clientId: "e-1" }));
      sim.onCandle(bar(0));
      assert.deepEqual((await sim.drainFills()).map((f) => f.clientId), ["e-1"]);
      await sim.placeOrder(order({ ...closing, side: "sell", reduceOnly: true }));
      sim.settleAtLastClose();
      const fills = await sim.drainFills();
      assert.deepEqual(fills.map((f) => [f.clientId, f.qty, f.price]), [
        [closing.clientId, closedQty, 100],
      ]);
      assert.equal(fills[0].orderId, "sim-2", "the venue's id of that order");
    });
  }
});

Deno.test("a restored position's stop and take-profit, and a stop set by protect, fire on the next bars", async (t) => {
  const state = (side: "long" | "short", stopPrice?: number, tpPrice?: number) => ({
    position: { symbol: "BTCUSDT", side, qty: 1, entryPrice: 100, stopPrice, tpPrice },
    pending: [],
    knownClientIds: [],
    fills: [],
    nextOrderId: 1,
  });
  const opts = { feeBps: 0, slippageBps: 0, intrabar: "conservative" as const };
  const candle = (i: number, low: number, high: number): Candle => ({
    ts: T0 + i * 60_000,
    open: 100,
    high,
    low,
    close: 100,
    volume: 1,
  });
  const exits = async (sim: SimExchange) =>
    (await sim.drainFills()).map((f) => [f.reason, f.price, f.qty]);
  await t.step(
    "restored long: a bar inside the levels keeps it, one through the stop closes it",
    async () => {
      const sim = new SimExchange(opts, state("long", 97, 106));
      sim.onCandle(candle(0, 98, 105));
      assert.deepEqual(await exits(sim), []);
      sim.onCandle(candle(1, 96.5, 101));
      assert.deepEqual(await exits(sim), [["stop", 97, 1]]);
    },
  );
  await t.step("restored short: its take-profit closes it", async () => {
    const sim = new SimExchange(opts, state("short", 104, 95));
    sim.onCandle(candle(0, 96, 103));
    assert.deepEqual(await exits(sim), []);
    sim.onCandle(candle(1, 94, 101));
    assert.deepEqual(await exits(sim), [["tp", 95, 1]]);
  });
  await t.step("restored without levels, then protected: the new stop counts", async () => {
    const sim = new SimExchange(opts, state("long"));
    sim.onCandle(candle(0, 90, 110));
    assert.deepEqual(await exits(sim), [], "no levels: nothing fires");
    await sim.protect("BTCUSDT", { stopPrice: 98 });
    sim.onCandle(candle(1, 97, 101));
    assert.deepEqual(await exits(sim), [["stop", 98, 1]]);
  });
});
