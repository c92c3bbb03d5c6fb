import assert from "node:assert/strict";
import { MAX_FIXED_BYTES, writeFixed } from "../../src/engine/write_fixed.ts";
import { equityCsvBytes } from "../../src/engine/artifacts.ts";
import { createRng } from "../../src/data/rng.ts";

function fmt(x: number, decimals: number): string {
  const buf = new Uint8Array(MAX_FIXED_BYTES + 2);
  buf[0] = 124; // bytes before and after the number must stay untouched
  const end = writeFixed(buf, 1, x, decimals);
  assert.ok(end <= 1 + MAX_FIXED_BYTES, `${x} overran its room`);
  assert.equal(buf[0], 124);
  assert.equal(buf[end], 0);
  return new TextDecoder().decode(buf.subarray(1, end));
}

/** The same rounding, printed through String() of the scaled integer. */
function reference(x: number, decimals: number): string {
  const v = Math.round(x * 10 ** decimals);
  if (!Number.isFinite(x) || Math.abs(v) > Number.MAX_SAFE_INTEGER) return String(x);
  const digits = String(Math.abs(v)).padStart(decimals + 1, "0");
  const int = digits.slice(0, digits.length - decimals);
  const frac = digits.slice(digits.length - decimals).replace(/0+$/, "");
  return (v < 0 ? "-" : "") + int + (frac ? "." + frac : "");
}

Deno.test("writeFixed writes fixed-point numbers that parse back to the rounded value", async (t) => {
  await t.step("hand-picked values", () => {
    assert.equal(fmt(0, 6), "0");
    assert.equal(fmt(-0, 6), "0");
    assert.equal(fmt(1, 6), "1");
    assert.equal(fmt(-1.5, 6), "-1.5");
    assert.equal(fmt(10_000, 6), "10000");
    assert.equal(fmt(9730.241875, 6), "9730.241875");
    assert.equal(fmt(0.1 + 0.2, 6), "0.3");
    assert.equal(fmt(0.0000004, 6), "0");
    assert.equal(fmt(-0.0000004, 6), "0");
    assert.equal(fmt(0.0000005, 6), "0.000001");
    assert.equal(fmt(0.00001, 6), "0.00001");
    assert.equal(fmt(12.05, 2), "12.05");
    assert.equal(fmt(7.5, 0), "8");
    assert.equal(fmt(123_456_789.123456, 6), "123456789.123456");
    assert.equal(fmt(1_704_067_200_000, 0), "1704067200000");
    assert.equal(fmt(99_999_999.9999995, 6), "100000000");
    assert.equal(fmt(100_000_000, 0), "100000000");
    assert.equal(fmt(9_007_199_254_740_991, 0), "9007199254740991");
    assert.equal(fmt(-9_007_199.254741, 6), "-9007199.254741");
    assert.equal(fmt(1_234_567.000001, 9), "1234567.000001");
  });
  await t.step("beyond the exact integer range falls back to String()", () => {
    assert.equal(fmt(1e300, 6), "1e+300");
    assert.equal(fmt(-1.2345678901234567e-300, 0), "0");
    assert.equal(fmt(-1.2345678901234567e+300, 6), "-1.2345678901234567e+300");
    assert.equal(fmt(Number.NaN, 6), "NaN");
    assert.equal(fmt(-Infinity, 6), "-Infinity");
  });
  await t.step("random values match a string-based reference", () => {
    const rng = createRng(3);
    for (let i = 0; i < 50_000; i++) {
      const x = (rng.next() - 0.5) * 10 ** Math.floor(rng.next() * 18);
      const d = i % 10;
      assert.equal(fmt(x, d), reference(x, d), `${x} (${d} decimals)`);
    }
  });
});

Deno.test("equity.csv rows: one per candle, repeated rows copied exactly, buffer grows", () => {
  const n = 5000;
  const ts = new Float64Array(n);
  const eq = new Float64Array(n);
  const dd = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    ts[i] = 1_704_067_200_000 + i * 300_000;
    // flat stretches, then huge values that need the String() fallback and growth
    eq[i] = i < 4000 ? 10_000 + Math.floor(i / 7) * 0.25 : 1e300 * (i % 3 + 1);
    dd[i] = i % 7 === 0 ? 0 : 1.5;
  }
  const lines = new TextDecoder().decode(equityCsvBytes(ts, eq, dd)).split("\n");
  assert.equal(lines.length, n + 2);
  assert.equal(lines[0], "ts,equity,drawdown");
  assert.equal(lines.at(-1), "");
  for (let i = 0; i < n; i++) {
    assert.equal(lines[i + 1], `${ts[i]},${fmt(eq[i], 6)},${fmt(dd[i], 6)}`, `row ${i}`);
  }
});
