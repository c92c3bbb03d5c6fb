import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { seriesToCsv } from "../../src/data/tile_series.ts";
import { synthetic1hWithGaps, synthetic5m } from "../_synthetic_data.ts";
import { checkGolden, type Golden } from "./_golden.ts";

/**
 * SHA-256 of the generated stand-ins' CSV text (`seriesToCsv`). Every synthetic-tier test
 * runs on these candles; a changed value means the generator changed, and the hashes below
 * (and the other synthetic tests' expectations) must be re-derived, not the engine doubted.
 */
const DATA_HASHES = {
  "5m": "717bfe4561fe24fa7402c7deffb66efc0b0bd200aee47decf9c998e4ef22f26c",
  "1h with gaps": "f4710df8f58b901d31e69e3865d4016ac4ec66473fbb82a257c2537426905322",
};

/**
 * Golden backtests on the generated 5m stand-in (52,416 candles from 2024-01-01, seed 8),
 * the always-running twin of `golden_test.ts`: same inputs, both strategies, both intrabar
 * bounds (which differ on these candles). A changed hash means changed trades: re-pin only
 * for a deliberate, explained change of semantics, together with the real-data hashes.
 */
const GOLDEN: Golden[] = [
  {
    strategy: "ema-cross",
    params: { fast: 12, slow: 26 },
    trades: 999,
    conservative: "99451bd91d2e9d1719ca79b117c8f7363a48d4ca10fda79deb864f899fc12a30",
    optimistic: "f53a32d20df20a65a6183eddf9363d77289da0de4a8e8866b0a0f4ea59e45c7c",
  },
  {
    strategy: "breakout",
    params: { lookback: 20 },
    trades: 818,
    conservative: "844333573caf58588b42ce302fec66634d9603b998c0c0091c69b4feaa8174a7",
    optimistic: "4f286f5bd649e3a5c8b732014861ca02e5eeba7a65c4febd12b4bca4f55cca98",
  },
];

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

Deno.test("golden backtests on generated 5m data keep their pinned trades hashes", async (t) => {
  await t.step("the generated candles are the pinned ones", () => {
    assert.equal(sha256(seriesToCsv(synthetic5m())), DATA_HASHES["5m"]);
    assert.equal(sha256(seriesToCsv(synthetic1hWithGaps())), DATA_HASHES["1h with gaps"]);
  });
  for (const g of GOLDEN) assert.notEqual(g.conservative, g.optimistic, g.strategy);
  const series = synthetic5m();
  assert.equal(series.length, 52_416);
  await checkGolden(t, series, 300_000, GOLDEN);
});
