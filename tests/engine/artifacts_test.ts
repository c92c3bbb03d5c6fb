import assert from "node:assert/strict";
import { equityCsvBytes } from "../../src/engine/artifacts.ts";
import { writeFixed } from "../../src/engine/write_fixed.ts";

Deno.test("equity.csv: every candle time written as writeFixed writes it, whatever its digits", () => {
  // rows that share leading digits reuse them: times across those boundaries, negative,
  // fractional and too long for the shortcut must come out as writeFixed alone writes them
  const ts = new Float64Array([
    -150_000_000,
    -99_999_999,
    -1,
    0,
    5,
    99_999_999,
    100_000_000,
    100_000_001,
    199_999_999.5,
    200_000_000,
    1_704_067_200_000,
    1_704_067_500_000,
    1_799_999_999_999,
    1_800_000_000_000,
    9_999_999_999_999_999,
    1e16,
    1e16 + 2,
    1_704_067_800_000,
  ]);
  const equity = new Float64Array(ts.length).fill(1);
  const drawdown = new Float64Array(ts.length);
  const time = (t: number) => {
    const b = new Uint8Array(40);
    return new TextDecoder().decode(b.subarray(0, writeFixed(b, 0, t, 0)));
  };
  const want = "ts,equity,drawdown\n" + [...ts].map((t) => `${time(t)},1,0\n`).join("");
  assert.equal(new TextDecoder().decode(equityCsvBytes(ts, equity, drawdown)), want);
});
