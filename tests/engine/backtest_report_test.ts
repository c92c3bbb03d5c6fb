import assert from "node:assert/strict";
import { HARD_LIMITS } from "../../src/core/hard_limits.ts";
import { runBoundPass } from "../../src/engine/backtest_report.ts";
import { bars, PARAMS, scripted } from "./_scripted.ts";

Deno.test("a bound pass checks its days against the hard daily loss limit when the configured one is higher", () => {
  // a long of 100 BTC at 100 (1x equity) gaps through its stop to 95: a 500 USD day, past the
  // hard limit (50) and under the configured 1,000
  const s = bars([[100, 100, 100, 100], [100, 100.1, 99.9, 100], [95, 95, 95, 95]]);
  const params = { ...PARAMS, limits: { maxDailyLossUsd: 1_000 } };
  const { result, stats } = runBoundPass(s, scripted([1]), params, "conservative", 60_000);
  assert.equal(result.trades.length, 1);
  assert.equal(result.trades[0].exitPrice, 95);
  const over = stats.days_over_daily_limit!;
  assert.equal(over.length, 1);
  assert.equal(over[0].date, new Date(s.ts[0]).toISOString().slice(0, 10));
  assert.ok(over[0].max_loss > HARD_LIMITS.maxDailyLossUsd && over[0].max_loss < 1_000);
  // a stricter configured limit is the one applied: the entry is sized to its budget
  const strict = runBoundPass(
    s,
    scripted([1]),
    { ...PARAMS, limits: { maxDailyLossUsd: 20 } },
    "conservative",
    60_000,
  );
  const tr = strict.result.trades[0];
  const atStop = tr.qty * (tr.entryPrice - tr.stopPrice) + tr.fees;
  assert.ok(tr.qty < 100 && atStop < 20 + 1, `qty ${tr.qty}, loss at the stop ${atStop}`);
  assert.equal(strict.stats.days_over_daily_limit!.length, 1);
});
