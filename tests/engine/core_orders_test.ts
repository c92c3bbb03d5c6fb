import assert from "node:assert/strict";
import { DEFAULT_BACKTEST_PARAMS as P } from "../../src/core/backtest_params.ts";
import { TradingCore } from "../../src/engine/core.ts";
import { RiskGate } from "../../src/engine/risk_gate.ts";
import type { Decision } from "../../src/strategy/api.ts";
import { StrategyRunner } from "../../src/strategy/runner.ts";
import { synthetic5m } from "../_synthetic_data.ts";

Deno.test("each decision starts from no orders and no refusal, also after one recorded from outside", () => {
  const series = synthetic5m();
  const answers: Decision[] = [1, 1, -1, -1];
  const strategy = { name: "script", warmup: 0, onCandle: () => answers.shift() ?? -1 };
  const gate = new RiskGate({ maxLeverage: P.maxLeverage, ...P.limits }, undefined, P.minQty);
  const core = new TradingCore(P, gate, new StrategyRunner("script", strategy, series));
  const flags = { orders: true, sync: false, live: false };
  const at = (i: number) => {
    core.mark(series.ts[i], P.startEquity);
    return core.decide(i, flags);
  };
  assert.equal(at(0), 1, "the long entry");
  assert.equal(core.orders[0].kind, "entry");
  assert.equal(at(1), 0, "the same bias: nothing");
  assert.deepEqual(core.orders, [], "the entry is not left for the next candle");
  core.recordDenial({ code: "halted", message: "refused at the last check" });
  assert.equal(at(2), 1, "flat on the ledger, so the short entry alone");
  assert.equal(core.lastDenial, null, "the outside refusal is cleared by the next decision");
  core.recordDenial({ code: "halted", message: "refused again" });
  assert.equal(at(3), 0);
  assert.equal(core.lastDenial, null);
  assert.deepEqual(core.orders, []);
});

Deno.test("a level given as a price on the wrong side of the close is refused, a take-profit as a stop", async (t) => {
  const series = synthetic5m();
  const c = series.close[0];
  const cases = [
    ["a stop above the close", { stop: { price: c + 50 } }, /a stop below the close/],
    [
      "a take-profit below the close",
      { stop: { price: c - 50 }, takeProfit: { price: c - 10 } },
      /a take-profit above the close/,
    ],
  ] as const;
  for (const [what, levels, message] of cases) {
    await t.step(what, () => {
      const strategy = {
        name: "wrong-side",
        warmup: 0,
        onCandle: (): Decision => ({ enter: "long", ...levels }),
      };
      const gate = new RiskGate({ maxLeverage: P.maxLeverage, ...P.limits }, undefined, P.minQty);
      const core = new TradingCore(P, gate, new StrategyRunner("wrong-side", strategy, series));
      core.mark(series.ts[0], P.startEquity);
      assert.equal(core.decide(0, { orders: true, sync: false, live: false }), 0, "no order");
      assert.equal(core.lastDenial?.code, "size-zero");
      assert.match(core.lastDenial?.message ?? "", message);
    });
  }
});
