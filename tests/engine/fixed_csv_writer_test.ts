import assert from "node:assert/strict";
import { FixedCsvWriter } from "../../src/engine/fixed_csv_writer.ts";
import { createRng } from "../../src/data/rng.ts";

function fmt(x: number, decimals: number): string {
  const w = new FixedCsvWriter(4);
  w.fixed(x, decimals);
  return new TextDecoder().decode(w.bytes());
}

Deno.test("FixedCsvWriter writes fixed-point numbers that parse back to the rounded value", async (t) => {
  await t.step("hand-picked values", () => {
    assert.equal(fmt(0, 6), "0");
    assert.equal(fmt(-0, 6), "0");
    assert.equal(fmt(1, 6), "1");
    assert.equal(fmt(-1.5, 6), "-1.5");
    assert.equal(fmt(10_000, 6), "10000");
    assert.equal(fmt(9730.241875, 6), "9730.241875");
    assert.equal(fmt(0.1 + 0.2, 6), "0.3");
    assert.equal(fmt(0.0000004, 6), "0");
    assert.equal(fmt(0.0000005, 6), "0.000001");
    assert.equal(fmt(123_456_789.123456, 6), "123456789.123456");
    assert.equal(fmt(1_704_067_200_000, 0), "1704067200000");
    assert.equal(fmt(99_999_999.9999995, 6), "100000000");
  });
  await t.step("beyond the exact integer range falls back to String()", () => {
    assert.equal(fmt(1e300, 6), "1e+300");
    assert.equal(fmt(Number.NaN, 6), "NaN");
  });
  await t.step("random values round-trip", () => {
    const rng = createRng(3);
    for (let i = 0; i < 20_000; i++) {
      const x = (rng.next() - 0.5) * 10 ** Math.floor(rng.next() * 10);
      const s = fmt(x, 6);
      assert.equal(Number(s), Math.round(x * 1e6) / 1e6 || 0, `${x} -> ${s}`);
    }
  });
  await t.step("text, bytes and growth", () => {
    const w = new FixedCsvWriter(2);
    w.text("ts,equity\n");
    for (let i = 0; i < 1000; i++) {
      w.fixed(i, 0);
      w.byte(44);
      w.fixed(i / 4, 6);
      w.byte(10);
    }
    const lines = new TextDecoder().decode(w.bytes()).trim().split("\n");
    assert.equal(lines.length, 1001);
    assert.equal(lines[3], "2,0.5");
  });
});
