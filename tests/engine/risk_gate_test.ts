import assert from "node:assert/strict";
import { lossPerNotionalAtStop } from "../../src/core/fill_rules.ts";
import { type Denial, type EntrySize, isDenial, RiskGate } from "../../src/engine/risk_gate.ts";

const DAY = 86_400_000;
/** 30 bps stop, 6 bps fees, no slippage: ~0.42% of the notional lost at the stop. */
const LPN = lossPerNotionalAtStop(30, 6, 0);

function entry(g: RiskGate, qty: number, price: number, equity: number): EntrySize | Denial {
  return g.sizeEntry({ qty, refPrice: price, equity, lossPerNotional: LPN });
}

function allowed(r: EntrySize | Denial): EntrySize {
  if (isDenial(r)) throw new Error(`expected an allowed entry, got ${r.message}`);
  return r;
}

function denied(r: EntrySize | Denial): Denial {
  if (!isDenial(r)) throw new Error(`expected a denial, got qty ${r.qty}`);
  return r;
}

Deno.test("RiskGate", async (t) => {
  await t.step("hard limits cannot be raised by config", () => {
    const g = new RiskGate({ maxPositionUsd: 1e9, maxDailyLossUsd: 1e9, maxLeverage: 100 });
    assert.deepEqual(g.limits, { maxPositionUsd: 200_000, maxDailyLossUsd: 50, maxLeverage: 20 });
  });
  await t.step("config may be stricter", () => {
    const g = new RiskGate({ maxDailyLossUsd: 10 });
    assert.equal(g.limits.maxDailyLossUsd, 10);
  });
  await t.step("sizes entries down to the position and leverage limits", () => {
    const g = new RiskGate({ maxLeverage: 2 });
    g.markEquity(DAY * 10, 1_000);
    // 1.5x fits: unchanged
    assert.equal(allowed(entry(g, 0.015, 100_000, 1_000)).qty, 0.015);
    // 2.5x asked: sized down to 2x
    const lev = allowed(entry(g, 0.025, 100_000, 1_000));
    assert.equal(lev.qty, 0.02);
    assert.equal(lev.maxNotional, 2_000);
    // (no loss budget here, so the position limit binds)
    const big = new RiskGate({ maxLeverage: 20 });
    big.markEquity(DAY * 10, 1e6);
    const pos = big.sizeEntry({ qty: 2.5, refPrice: 100_000, equity: 1e6, lossPerNotional: 0 });
    assert.equal(allowed(pos).maxNotional, 200_000);
    assert.equal(allowed(pos).qty, 2);
  });
  await t.step("an entry must fit the rest of the day's loss budget at its stop", () => {
    const g = new RiskGate({ maxLeverage: 20 });
    g.markEquity(DAY * 10 + 1000, 10_000);
    // 20x = 200,000 notional would lose ~840 at a 30 bps stop: sized to the 50 USD budget
    const full = allowed(entry(g, 2, 100_000, 10_000));
    assert.ok(Math.abs(full.maxNotional * LPN - 50) < 1e-9);
    assert.ok(full.qty * 100_000 * LPN <= 50 + 1e-9);
    // after a 45 USD loss only 5 USD remain
    g.markEquity(DAY * 10 + 2000, 9_955);
    const rest = allowed(entry(g, 2, 100_000, 9_955));
    assert.ok(
      Math.abs(rest.qty * 100_000 * LPN - 5) < 1e-6,
      `loss at stop ${rest.qty * 1e5 * LPN}`,
    );
  });
  await t.step("what fits below the venue minimum is refused", () => {
    const g = new RiskGate({}, () => false, 0.001);
    g.markEquity(DAY * 10 + 1000, 10_000);
    g.markEquity(DAY * 10 + 2000, 9_950.2); // 0.2 USD left: ~0.00048 BTC at 100k
    const d = denied(entry(g, 0.1, 100_000, 9_950.2));
    assert.equal(d.code, "daily-budget");
    assert.match(d.message, /below the venue minimum 0\.001/);
  });
  await t.step("the daily limit latches until the next UTC day, even if equity recovers", () => {
    const g = new RiskGate();
    g.markEquity(DAY * 10 + 1000, 10_000);
    g.markEquity(DAY * 10 + 2000, 9_960);
    assert.equal(g.state, "active");
    g.markEquity(DAY * 10 + 3000, 9_945.42); // loss 54.58
    assert.equal(g.state, "reducing");
    g.markEquity(DAY * 10 + 4000, 9_953.87); // recovered to a loss of 46.13
    assert.equal(g.state, "reducing");
    const d = denied(entry(g, 0.01, 100_000, 9_953.87));
    assert.equal(d.code, "daily-limit");
    assert.match(
      d.message,
      /loss reached the 50 USD daily limit \(now 46\.13\); no entries until the next UTC day/,
    );
    // next day: reference resets to the last equity of the previous day
    g.markEquity(DAY * 11 + 1000, 9_953.87);
    assert.equal(g.state, "active");
    allowed(entry(g, 0.01, 100_000, 9_953.87));
  });
  await t.step("kill switch and halt block entries", () => {
    let tripped = false;
    const g = new RiskGate({}, () => tripped);
    g.markEquity(DAY * 10, 10_000);
    allowed(entry(g, 0.01, 100_000, 10_000));
    tripped = true;
    assert.equal(denied(entry(g, 0.01, 100_000, 10_000)).code, "kill-switch");
    tripped = false;
    g.halt("stale data");
    assert.equal(g.state, "halted");
    assert.match(denied(entry(g, 0.01, 100_000, 10_000)).message, /stale data/);
    g.resume();
    assert.equal(g.state, "active");
  });
  await t.step("a persisted day is restored on the same UTC day only", () => {
    const g = new RiskGate({ maxDailyLossUsd: 40 });
    g.markEquity(DAY * 10 + 1000, 10_000);
    g.markEquity(DAY * 10 + 2000, 9_958.02); // denied at 41.98 of 40
    const saved = g.snapshot()!;
    assert.equal(saved.latched, true);
    // restart the same day (after history of the day before): still latched, same loss
    const same = new RiskGate({ maxDailyLossUsd: 40 });
    same.restore(saved, "same");
    // saved again before a candle of that day (a crash in the warm-up): the day is kept
    assert.deepEqual(same.snapshot(), saved);
    same.markEquity(DAY * 9 + 1000, 9_958.02);
    assert.deepEqual(same.snapshot(), saved);
    assert.equal(same.state, "active");
    same.markEquity(DAY * 10 + 6000, 9_960);
    assert.equal(same.state, "reducing");
    assert.ok(Math.abs(same.dailyLoss - 40) < 1e-9);
    // a live restart re-reads the account: the loss so far carries over onto it
    const live = new RiskGate({ maxDailyLossUsd: 50 });
    live.restore({ ...saved, latched: false }, "rebase");
    live.markEquity(DAY * 10 + 6000, 500);
    assert.ok(Math.abs(live.dailyLoss - 41.98) < 1e-9);
    assert.ok(allowed(entry(live, 1, 100_000, 500)).maxNotional * LPN <= 8.02 + 1e-9);
    // an older mark after that (a late replayed bar) changes nothing
    live.markEquity(DAY * 9 + 1000, 500);
    assert.ok(Math.abs(live.dailyLoss - 41.98) < 1e-9);
    // a restart on the next day starts fresh
    const next = new RiskGate({ maxDailyLossUsd: 40 });
    next.restore(saved, "same");
    next.markEquity(DAY * 11 + 10, 9_958.02);
    assert.equal(next.state, "active");
    assert.equal(next.dailyLoss, 0);
  });
});
