import assert from "node:assert/strict";
import {
  bracketHit,
  feeFor,
  grossPnlFor,
  HIT_NONE,
  HIT_STOP,
  HIT_STOP_GAP,
  HIT_TP,
  HIT_TP_GAP,
  hitPrice,
  positionQty,
  slipped,
  stopPriceFor,
  tpPriceFor,
} from "../../src/core/fill_rules.ts";

Deno.test("bracketHit resolves every intrabar case", async (t) => {
  // long, entry 100, stop 99, tp 101.5
  const L = (o: number, h: number, l: number, opt = false) =>
    bracketHit(true, o, h, l, 99, 101.5, opt);
  // short, entry 100, stop 101, tp 98.5
  const S = (o: number, h: number, l: number, opt = false) =>
    bracketHit(false, o, h, l, 101, 98.5, opt);

  await t.step("no touch", () => {
    assert.equal(L(100, 101, 99.5), HIT_NONE);
    assert.equal(S(100, 100.5, 99), HIT_NONE);
  });
  await t.step("stop only", () => {
    assert.equal(L(100, 100.5, 98.9), HIT_STOP);
    assert.equal(S(100, 101.2, 99.5), HIT_STOP);
  });
  await t.step("take-profit only", () => {
    assert.equal(L(100, 101.6, 99.5), HIT_TP);
    assert.equal(S(100, 100.2, 98.4), HIT_TP);
  });
  await t.step("touching the level exactly counts", () => {
    assert.equal(L(100, 101.5, 99.5), HIT_TP);
    assert.equal(L(100, 100.5, 99), HIT_STOP);
  });
  await t.step("both touched: conservative = stop, optimistic = take-profit", () => {
    assert.equal(L(100, 102, 98), HIT_STOP);
    assert.equal(L(100, 102, 98, true), HIT_TP);
    assert.equal(S(100, 102, 98), HIT_STOP);
    assert.equal(S(100, 102, 98, true), HIT_TP);
  });
  await t.step("gap through the stop fills at the open, in either mode", () => {
    assert.equal(L(98, 102, 97), HIT_STOP_GAP);
    assert.equal(L(98, 102, 97, true), HIT_STOP_GAP);
    assert.equal(S(102, 103, 97), HIT_STOP_GAP);
    assert.equal(hitPrice(HIT_STOP_GAP, 98, 99, 101.5), 98);
  });
  await t.step("gap through the take-profit fills at the open", () => {
    assert.equal(L(102, 103, 98), HIT_TP_GAP);
    assert.equal(S(98, 102, 97), HIT_TP_GAP);
    assert.equal(hitPrice(HIT_TP_GAP, 102, 99, 101.5), 102);
  });
  await t.step("level hits fill at the level", () => {
    assert.equal(hitPrice(HIT_STOP, 100, 99, 101.5), 99);
    assert.equal(hitPrice(HIT_TP, 100, 99, 101.5), 101.5);
  });
});

Deno.test("bracket levels, slippage, fees and pnl", async (t) => {
  await t.step("stop and take-profit distances", () => {
    assert.equal(stopPriceFor(true, 50_000, 30), 50_000 * (1 - 0.003));
    assert.equal(stopPriceFor(false, 50_000, 30), 50_000 * (1 + 0.003));
    assert.equal(tpPriceFor(true, 50_000, 30, 1.5), 50_000 + 225);
    assert.equal(tpPriceFor(false, 50_000, 30, 1.5), 50_000 - 225);
  });
  await t.step("slippage is always adverse", () => {
    assert.equal(slipped(100, true, 10), 100 * 1.001);
    assert.equal(slipped(100, false, 10), 100 * 0.999);
    assert.equal(slipped(100, true, 0), 100);
  });
  await t.step("fee is notional times rate", () => {
    assert.equal(feeFor(0.2, 50_000, 6), 6);
  });
  await t.step("gross pnl by side", () => {
    assert.equal(grossPnlFor(true, 2, 100, 110), 20);
    assert.equal(grossPnlFor(false, 2, 100, 110), -20);
  });
});

Deno.test("positionQty sizes by risk and caps by leverage and the hard limit", async (t) => {
  await t.step("risk-based size when under the cap", () => {
    // 1% of 10,000 = 100 USD risk; stop 30 bps of 50,000 = 150 USD per BTC
    const q = positionQty(10_000, 50_000, 1, 30, 20);
    assert.ok(Math.abs(q - 100 / 150) < 1e-12);
  });
  await t.step("capped at max leverage x equity", () => {
    const q = positionQty(10_000, 50_000, 1, 30, 1);
    assert.equal(q * 50_000, 10_000);
  });
  await t.step("capped at the 200,000 USD hard limit", () => {
    const q = positionQty(1_000_000, 50_000, 5, 10, 20);
    assert.ok(Math.abs(q * 50_000 - 200_000) < 1e-6);
  });
  await t.step("no size without equity", () => {
    assert.equal(positionQty(0, 50_000, 1, 30, 1), 0);
    assert.equal(positionQty(-5, 50_000, 1, 30, 1), 0);
  });
});
