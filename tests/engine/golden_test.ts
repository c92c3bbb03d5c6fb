import assert from "node:assert/strict";
import { readCandleCsv } from "../../src/data/csv_candles.ts";
import { REAL_5M, realDataPath, realDataTest } from "../_real_data.ts";
import { checkGolden, type Golden } from "./_golden.ts";

const DATA = realDataPath(REAL_5M);

/**
 * Golden backtests on the real 5m BTCUSDT data (2024-01-01..06-30, 52,416 candles) with
 * default settings. A changed hash means changed trades: only acceptable for a deliberate,
 * explained change of semantics, never for a refactor or a speed-up. Last deliberate
 * change: entries are held to the RiskGate's caps at the fill price (not the decision
 * close) and sized to fit what is left of the day's loss budget at their stop (refused
 * below 0.0001 BTC), and the day's limit latches until the next UTC day.
 */
const GOLDEN: Golden[] = [
  {
    strategy: "ema-cross",
    params: { fast: 12, slow: 26 },
    trades: 1254,
    conservative: "bd861492d706d5d0d9de92befe7767d5dcc577846bbd05c4879bd2ea28816a6e",
    optimistic: "7bbbeab828e5075aee78c80b3c27a594e3b2065b151cfc312438938b74607b8d",
  },
  {
    strategy: "breakout",
    params: { lookback: 20 },
    trades: 873,
    conservative: "278fc29e26f861e179ea86d58abd4fa8a2501787260026dcaecbf9824e74552d",
    optimistic: "c5a8ed0e10504513a491ccfe336a68ca8f573c26bacc9d9b3b97e809c69efbb7",
  },
];

realDataTest("golden backtests on real 5m data keep their pinned trades hashes", async (t) => {
  const series = await readCandleCsv(DATA);
  assert.equal(series.length, 52_416);
  await checkGolden(t, series, 300_000, GOLDEN);
});
