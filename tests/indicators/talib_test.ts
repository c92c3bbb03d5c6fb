import assert from "node:assert/strict";
import { allocSeries, type CandleSeries } from "../../src/core/candle.ts";
import { readCandleCsv } from "../../src/data/csv_candles.ts";
import { generateMockCandles } from "../../src/data/mock_candles.ts";
import { REAL_1H, REAL_5M, realDataPath, realDataTest } from "../_real_data.ts";
import { checkAll } from "./_compare.ts";

/** Periods every indicator is compared at. */
const PERIODS = [2, 14, 50];

/** A copy of `s` with the hard cases spliced in. */
function withHardCases(s: CandleSeries): CandleSeries {
  const out = allocSeries(s.length);
  for (const k of ["ts", "open", "high", "low", "close", "volume"] as const) out[k].set(s[k]);
  // a halt: 120 identical zero-volume candles (true range, DM, variance and volume all zero)
  const flat = out.close[3_999];
  for (let i = 4_000; i < 4_120; i++) {
    out.open[i] =
      out.high[i] =
      out.low[i] =
      out.close[i] =
        flat;
    out.volume[i] = 0;
  }
  // outside bars whose high rises exactly as much as the low falls (+DM = -DM: neither counts)
  for (let i = 6_000; i < 6_400; i += 7) {
    out.high[i] = out.high[i - 1] + 25;
    out.low[i] = out.low[i - 1] - 25;
    out.close[i] = out.close[i - 1];
  }
  // equal highs and lows in a row (ties in the Donchian queues)
  for (let i = 8_000; i < 8_050; i++) {
    out.high[i] = out.high[7_999];
    out.low[i] = out.low[7_999];
  }
  return out;
}

Deno.test("indicators equal TA-Lib on generated 5m candles", async (t) => {
  const s = withHardCases(generateMockCandles({ count: 12_000, interval: "5m", seed: 31 }));
  for (const period of PERIODS) {
    await t.step(`period ${period}`, () => {
      const found = checkAll(s, period);
      assert.ok(found.size >= 19);
      for (const [label, a] of found) assert.ok(a.compared > 10_000, `${label}: ${a.compared}`);
    });
  }
});

Deno.test("indicators equal TA-Lib on generated 1d candles (large moves)", () => {
  const s = generateMockCandles({ count: 5_000, interval: "1d", seed: 5 });
  for (const period of PERIODS) checkAll(s, period);
});

realDataTest("indicators equal TA-Lib on the real 5m and 1h candles", async (t) => {
  for (const file of [REAL_5M, REAL_1H]) {
    const s = await readCandleCsv(realDataPath(file));
    for (const period of PERIODS) {
      await t.step(`${file} period ${period}`, () => {
        checkAll(s, period);
      });
    }
  }
});
