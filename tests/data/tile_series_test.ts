import assert from "node:assert/strict";
import { formatCsvNumber, seriesToCsv, tileSeries } from "../../src/data/tile_series.ts";
import { parseCandleCsv, readCandleCsv } from "../../src/data/csv_candles.ts";
import { generateMockCandles } from "../../src/data/mock_candles.ts";
import { type CandleSeries, seriesFromCandles } from "../../src/core/candle.ts";
import { REAL_5M, realDataPath, realDataTest } from "../_real_data.ts";
import { synthetic5m } from "../_synthetic_data.ts";

const small = seriesFromCandles([
  { ts: 0, open: 100, high: 110, low: 95, close: 105, volume: 1 },
  { ts: 60_000, open: 105, high: 125, low: 100, close: 120, volume: 2 },
]);

/** Tiles `real` to 1,000,000 candles and checks grid, continuity, OHLC and shape. */
function checkMillion(real: CandleSeries): void {
  const s = tileSeries(real, 1_000_000);
  assert.equal(s.length, 1_000_000);
  for (let i = 1; i < s.length; i++) {
    if (s.ts[i] - s.ts[i - 1] !== 300_000) assert.fail(`grid broken at ${i}`);
    if (i % real.length === 0 && s.open[i] !== s.close[i - 1]) assert.fail(`jump at ${i}`);
    if (
      !(s.high[i] >= Math.max(s.open[i], s.close[i]) &&
        s.low[i] <= Math.min(s.open[i], s.close[i]))
    ) {
      assert.fail(`OHLC broken at ${i}`);
    }
  }
  // Shape kept: the second repeat's relative moves equal the original's (to rounding).
  const k = real.length;
  const f = s.close[k + 100] / real.close[100];
  assert.ok(Math.abs(s.high[k + 100] / real.high[100] - f) < 1e-6);
}

Deno.test("tileSeries", async (t) => {
  await t.step("repeats with price continuity, same shape and a continuous grid", () => {
    const s = tileSeries(small, 5, { decimals: null });
    assert.equal(s.length, 5);
    assert.deepEqual([...s.ts], [0, 60_000, 120_000, 180_000, 240_000]);
    // Repeat 2 is scaled by 120/100.
    assert.deepEqual([...s.open], [100, 105, 120, 126, 144]);
    assert.deepEqual([...s.high], [110, 125, 132, 150, 158.4]);
    assert.deepEqual([...s.close], [105, 120, 126, 144, 151.2]);
    assert.deepEqual([...s.volume], [1, 2, 1, 2, 1]);
  });
  await t.step("a shorter target is a prefix copy", () => {
    const s = tileSeries(small, 1);
    assert.equal(s.length, 1);
    assert.equal(s.close[0], 105);
    s.close[0] = 1;
    assert.equal(small.close[0], 105);
  });
  await t.step("rejects an empty source or an unknown interval", () => {
    assert.throws(() => tileSeries(seriesFromCandles([]), 3), RangeError);
    assert.throws(() =>
      tileSeries(
        seriesFromCandles([small.ts].map(() => ({
          ts: 0,
          open: 1,
          high: 1,
          low: 1,
          close: 1,
          volume: 1,
        }))),
        3,
      ), RangeError);
  });
});

realDataTest("tileSeries: 1,000,000 candles from the real 5m file stay consistent", async () => {
  checkMillion(await readCandleCsv(realDataPath(REAL_5M)));
});

Deno.test("tileSeries: 1,000,000 candles from the generated 5m data stay consistent", () => {
  checkMillion(synthetic5m());
});

Deno.test("seriesToCsv", async (t) => {
  await t.step("round-trips exactly through parseCandleCsv", () => {
    // times in ms from 1973-03-03 on (smaller numbers are read as Unix seconds)
    const T = 1_704_067_200_000;
    const odd = seriesFromCandles([
      { ts: T + 1, open: 0.1 + 0.2, high: 1e21, low: 1e-7, close: 1 / 3, volume: 0 },
      { ts: T + 2, open: 42283.58, high: 42283.58, low: 42283.5, close: 42283.58, volume: 1.00001 },
    ]);
    const late = seriesFromCandles([0, 1].map((i) => ({
      ts: T + small.ts[i],
      open: small.open[i],
      high: small.high[i],
      low: small.low[i],
      close: small.close[i],
      volume: small.volume[i],
    })));
    for (
      const s of [
        odd,
        generateMockCandles({ count: 2000, interval: "1h", seed: 1 }),
        tileSeries(late, 50, { decimals: null }),
      ]
    ) {
      const back = parseCandleCsv(seriesToCsv(s), "round.csv");
      for (const k of ["ts", "open", "high", "low", "close", "volume"] as const) {
        assert.deepEqual([...back[k]], [...s[k]], k);
      }
    }
  });
  await t.step("writes the header and plain decimals", () => {
    assert.equal(
      seriesToCsv(small),
      "ts,open,high,low,close,volume\n0,100,110,95,105,1\n60000,105,125,100,120,2\n",
    );
    assert.equal(formatCsvNumber(42283.58), "42283.58");
    assert.equal(formatCsvNumber(0.00012), "0.00012");
    assert.equal(formatCsvNumber(1704067200000), "1704067200000");
    for (const x of [0.1 + 0.2, 1 / 3, 1e-9, 123456.789, 5e-324, -2.5]) {
      assert.equal(Number(formatCsvNumber(x)), x);
    }
  });
});
