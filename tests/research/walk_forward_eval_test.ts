import assert from "node:assert/strict";
import { DEFAULT_BACKTEST_PARAMS as P } from "../../src/core/backtest_params.ts";
import { allocSeries, type CandleSeries } from "../../src/core/candle.ts";
import { generateMockCandles } from "../../src/data/mock_candles.ts";
import { runBoundPass } from "../../src/engine/backtest_report.ts";
import { inProcessEvaluator, sliceSeries } from "../../src/research/walk_forward_eval.ts";
import { objectiveValue } from "../../src/research/walk_forward_objective.ts";
import { windowDays } from "../../src/research/walk_forward.ts";
import { createStrategy } from "../../src/strategy/mod.ts";

const MS = 300_000;
const SERIES = generateMockCandles({ count: 6000, interval: "5m", seed: 11 });
const make = (c: Readonly<Record<string, number>>) => createStrategy("ema-cross", { ...c });
const COMBOS = [
  { fast: 5, slow: 20 },
  { fast: 10, slow: 40 },
  { fast: 20, slow: 80 },
  { fast: 8, slow: 30 },
];

function copy(s: CandleSeries, start: number, end: number): CandleSeries {
  const c = allocSeries(end - start);
  for (const k of ["ts", "open", "high", "low", "close", "volume"] as const) {
    c[k].set(s[k].subarray(start, end));
  }
  return c;
}

Deno.test("a sliced view backtests exactly as a copy of the same candles", () => {
  for (const mode of ["conservative", "optimistic"] as const) {
    const view = runBoundPass(sliceSeries(SERIES, 1234, 4321), make(COMBOS[1]), P, mode, MS);
    const own = runBoundPass(copy(SERIES, 1234, 4321), make(COMBOS[1]), P, mode, MS);
    assert.ok(view.stats.trades > 10);
    assert.equal(view.stats.trades_hash, own.stats.trades_hash);
    assert.deepEqual([...view.result.equity], [...own.result.equity]);
  }
});

Deno.test("the in-process optimiser", async (t) => {
  const train = { start: 500, end: 3500 };
  const window = sliceSeries(SERIES, train.start, train.end);
  const days = windowDays(train, SERIES.ts, MS);
  const values = COMBOS.map((c) => runBoundPass(window, make(c), P, "conservative", MS).stats);
  await t.step("picks the best combination by the objective", () => {
    const ev = inProcessEvaluator({
      series: SERIES,
      makeStrategy: make,
      params: P,
      intervalMs: MS,
      objective: "sharpe",
      minTrades: 1,
    });
    const r = ev.optimise({ fold: 1, train, combos: COMBOS });
    assert.ok(!(r instanceof Promise) && r.ok);
    const best = values.reduce((b, s, k) => (s.sharpe > values[b].sharpe ? k : b), 0);
    assert.deepEqual(r.params, COMBOS[best]);
    assert.equal(r.isObjective, objectiveValue("sharpe", values[best], days));
    assert.equal(r.isStats.main.trades_hash, values[best].trades_hash);
    assert.equal(r.evaluated, 4);
    assert.equal(r.eligible, 4);
    // the other bound of the same combination, for the report
    const other = runBoundPass(window, make(COMBOS[best]), P, "optimistic", MS).stats;
    assert.equal(r.isStats.other.trades_hash, other.trades_hash);
  });
  await t.step("a combination with fewer than --min-trades trades is not eligible", () => {
    const trades = values.map((s) => s.trades);
    const min = [...trades].sort((a, b) => b - a)[1]; // two combinations reach it at most
    const ev = inProcessEvaluator({
      series: SERIES,
      makeStrategy: make,
      params: P,
      intervalMs: MS,
      objective: "net_pnl",
      minTrades: min,
    });
    const r = ev.optimise({ fold: 1, train, combos: COMBOS });
    assert.ok(!(r instanceof Promise) && r.ok);
    assert.ok(r.isStats.main.trades >= min);
    assert.equal(r.eligible, trades.filter((n) => n >= min).length);
    const pnl = values.filter((s) => s.trades >= min).map((s) => s.net_pnl);
    assert.equal(r.isObjective, Math.max(...pnl));
  });
  await t.step("no eligible combination: refused with the most trades seen", () => {
    const ev = inProcessEvaluator({
      series: SERIES,
      makeStrategy: make,
      params: P,
      intervalMs: MS,
      objective: "sharpe",
      minTrades: 100_000,
    });
    const r = ev.optimise({ fold: 3, train, combos: COMBOS });
    assert.ok(!(r instanceof Promise) && !r.ok);
    const most = Math.max(...values.map((s) => s.trades));
    assert.match(
      r.reason,
      new RegExp(
        `^no combination made --min-trades 100000 trades in the train window \\(the most: ${most}, by fast=\\d+ slow=\\d+\\)$`,
      ),
    );
  });
});

Deno.test("the in-process test runner", async (t) => {
  const ev = inProcessEvaluator({
    series: SERIES,
    makeStrategy: make,
    params: P,
    intervalMs: MS,
    objective: "sharpe",
    minTrades: 1,
  });
  const test = { start: 3000, end: 4000 };
  const warmup = { start: 1000, end: 3000 };
  const r = await ev.test({
    fold: 1,
    test,
    warmup,
    params: COMBOS[1],
    startEquity: { main: 12_345, other: 11_000 },
  });
  await t.step("equity and trades are the test window's only", () => {
    assert.equal(r.main.equity.length, 1000);
    assert.ok(r.main.trades.length > 0);
    for (const tr of r.main.trades) assert.ok(tr.entryTs >= SERIES.ts[test.start]);
    assert.ok(r.main.trades.at(-1)!.exitTs <= SERIES.ts[test.end - 1]);
    assert.equal(r.main.stats.trades, r.main.trades.length);
  });
  await t.step(
    "warmed up: a view held at the end of the warm-up enters at the first test open",
    () => {
      // ema-cross always has a view after its warm-up, so the decision on the last warm-up
      // candle enters at the test window's first open
      assert.equal(r.main.trades[0].entryTs, SERIES.ts[test.start]);
    },
  );
  await t.step("each bound starts from the equity given to it", () => {
    assert.equal(r.main.stats.start_equity, 12_345);
    assert.equal(r.other.stats.start_equity, 11_000);
    const last = r.main.equity[r.main.equity.length - 1];
    assert.equal(r.main.stats.end_equity, last);
  });
  await t.step("the warm-up candles change the indicators, not the window", async () => {
    // a warm-up of just the strategy's own (slow = 40) gives other EMA values at the test
    // start than 2000 candles do, so other trades, still inside the test window
    const short = await ev.test({
      fold: 1,
      test,
      warmup: { start: 2959, end: 3000 },
      params: COMBOS[1],
      startEquity: { main: 12_345, other: 11_000 },
    });
    assert.equal(short.main.equity.length, 1000);
    assert.notEqual(short.main.stats.trades_hash, r.main.stats.trades_hash);
    for (const tr of short.main.trades) assert.ok(tr.entryTs >= SERIES.ts[test.start]);
  });
});
