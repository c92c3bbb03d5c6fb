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
