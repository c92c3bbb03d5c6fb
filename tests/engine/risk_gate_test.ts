import assert from "node:assert/strict";
import { RiskGate } from "../../src/engine/risk_gate.ts";

const DAY = 86_400_000;

Deno.test("RiskGate", async (t) => {
  await t.step("hard limits cannot be raised by config", () => {
    const g = new RiskGate({ maxPositionUsd: 1e9, maxDailyLossUsd: 1e9, maxLeverage: 100 });
    assert.deepEqual(g.limits, { maxPositionUsd: 200_000, maxDailyLossUsd: 50, maxLeverage: 20 });
  });
  await t.step("config may be stricter", () => {
    const g = new RiskGate({ maxDailyLossUsd: 10 });
    assert.equal(g.limits.maxDailyLossUsd, 10);
  });
  await t.step("denies entries above position and leverage limits", () => {
    const g = new RiskGate({ maxLeverage: 2 });
    assert.equal(g.checkEntry(15_000, 10_000), null);
    assert.match(g.checkEntry(25_000, 10_000)!, /leverage/);
    assert.match(new RiskGate().checkEntry(250_000, 1e6)!, /notional/);
  });
  await t.step(
    "daily loss on marked-to-market equity switches to reducing until the next UTC day",
    () => {
      const g = new RiskGate();
      g.markEquity(DAY * 10 + 1000, 10_000);
      g.markEquity(DAY * 10 + 2000, 9_960);
      assert.equal(g.state, "active");
      g.markEquity(DAY * 10 + 3000, 9_950);
      assert.equal(g.state, "reducing");
      assert.match(g.checkEntry(1_000, 9_950)!, /daily loss/);
      // next day: reference resets to the last equity of the previous day
      g.markEquity(DAY * 11 + 1000, 9_950);
      assert.equal(g.state, "active");
      assert.equal(g.checkEntry(1_000, 9_950), null);
    },
  );
  await t.step("kill switch and halt block entries", () => {
    let tripped = false;
    const g = new RiskGate({}, () => tripped);
    assert.equal(g.checkEntry(1_000, 10_000), null);
    tripped = true;
    assert.match(g.checkEntry(1_000, 10_000)!, /kill switch/);
    tripped = false;
    g.halt("stale data");
    assert.equal(g.state, "halted");
    assert.match(g.checkEntry(1_000, 10_000)!, /stale data/);
    g.resume();
    assert.equal(g.state, "active");
  });
});
