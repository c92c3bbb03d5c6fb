import assert from "node:assert/strict";
import { equityCsvBytes, equityCsvPiece, equityCsvPieceCount } from "../../src/engine/artifacts.ts";
import { synthetic5m } from "../_synthetic_data.ts";
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

/** Every piece of equity.csv at `rows` candles a piece, in order. */
function pieces(ts: Float64Array, equity: Float64Array, drawdown: Float64Array, rows: number) {
  return Array.from(
    { length: equityCsvPieceCount(ts.length, rows) },
    (_, k) => equityCsvPiece(ts, equity, drawdown, k, rows),
  );
}

Deno.test("equity.csv in pieces joins to the same bytes, at any piece size", () => {
  const s = synthetic5m();
  const n = 5000;
  const ts = s.ts.subarray(0, n);
  // equity that is flat in stretches and moves in others, as a run's does
  const equity = Float64Array.from(
    { length: n },
    (_, i) => 10_000 + (i % 700 < 300 ? 0 : i * 0.37),
  );
  const drawdown = Float64Array.from(equity, (e, i) => (i % 3 === 0 ? 0 : e * 1e-4));
  const whole = equityCsvBytes(ts, equity, drawdown);
  for (const rows of [1, 7, 1000, 4999, 5000, 100_000]) {
    const parts = pieces(ts, equity, drawdown, rows);
    assert.equal(parts.length, Math.ceil(n / rows));
    const joined = new Uint8Array(parts.reduce((k, p) => k + p.length, 0));
    let at = 0;
    for (const p of parts) {
      joined.set(p, at);
      at += p.length;
    }
    assert.deepEqual(joined, whole, `pieces of ${rows} rows`);
  }
  // no candles: the header alone, once
  const empty = pieces(new Float64Array(0), new Float64Array(0), new Float64Array(0), 10);
  assert.deepEqual(empty, [
    equityCsvBytes(new Float64Array(0), new Float64Array(0), new Float64Array(0)),
  ]);
});
