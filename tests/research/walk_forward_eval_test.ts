import assert from "node:assert/strict";
import { sliceSeries } from "../../src/core/candle.ts";
import { DEFAULT_BACKTEST_PARAMS as P } from "../../src/core/backtest_params.ts";
import { generateMockCandles } from "../../src/data/mock_candles.ts";
import type { Combination } from "../../src/research/combination.ts";
import {
  combinationPass,
  evaluateCombinations,
  type EvaluationContext,
} from "../../src/research/evaluate.ts";
import { objectiveValue } from "../../src/research/objective.ts";
import type { Axis } from "../../src/research/param_space.ts";
import type { Judging } from "../../src/research/results_csv.ts";
import type { TrainOutcome } from "../../src/research/walk_forward.ts";
import {
  type RangeEvaluator,
  testWindowRunner,
  trainOptimiser,
} from "../../src/research/walk_forward_eval.ts";
import { strategyDef } from "../../src/strategy/mod.ts";

const MS = 300_000;
const SERIES = generateMockCandles({ count: 6000, interval: "5m", seed: 11 });
const CTX: EvaluationContext = {
  definition: strategyDef("ema-cross"),
  series: SERIES,
  intervalMs: MS,
  base: P,
};
const ema = (fast: number, slow: number, risk: Combination["risk"] = {}): Combination => ({
  strategyParams: { fast, slow },
  risk,
});
const COMBOS = [ema(5, 20), ema(10, 40), ema(20, 80), ema(8, 30)];
const TRAIN = { start: 500, end: 3500 };
const evaluate: RangeEvaluator = (cs, range) => evaluateCombinations(CTX, cs, range);

function judging(over: Partial<Judging["constraints"]> & { objective?: Judging["objective"] }) {
  return {
    objective: over.objective ?? "sharpe",
    bound: "conservative",
    constraints: { minTrades: over.minTrades ?? 1, maxDrawdownPct: over.maxDrawdownPct ?? null },
  } as const satisfies Judging;
}

async function choose(
  j: Judging,
  combinations: readonly Combination[] = COMBOS,
  axes: readonly Axis[] = [],
  chunk?: number,
): Promise<TrainOutcome> {
  const optimise = trainOptimiser({ ctx: CTX, combinations, axes, judging: j, evaluate, chunk });
  return await optimise({ fold: 1, train: TRAIN });
}

Deno.test("the train-window optimiser judges as the sweep does", async (t) => {
  const metrics = evaluateCombinations(CTX, COMBOS, { from: TRAIN.start, to: TRAIN.end });
  const cons = metrics.map((m) => m.conservative);
  await t.step("picks the best combination by the sweep's objective", async () => {
    const r = await choose(judging({}));
    assert.ok(r.ok);
    const best = cons.reduce((b, m, k) => (m.sharpe > cons[b].sharpe ? k : b), 0);
    assert.deepEqual(r.combination, COMBOS[best]);
    assert.deepEqual(r.params, COMBOS[best].strategyParams);
    assert.equal(r.isObjective, objectiveValue(cons[best], "sharpe"));
    assert.equal(r.evaluated, 4);
    assert.equal(r.eligible, 4);
    // the winner's full stats on the train window, in both bounds, for the report
    const window = sliceSeries(SERIES, TRAIN.start, TRAIN.end);
    const other = combinationPass(CTX, window, COMBOS[best], "optimistic").stats;
    assert.equal(r.isStats.main.trades_hash, cons[best].trades_hash);
    assert.equal(r.isStats.other.trades_hash, other.trades_hash);
  });
  await t.step("chunks of any size choose the same", async () => {
    const whole = await choose(judging({ objective: "net_pnl" }));
    for (const chunk of [1, 3]) {
      assert.deepEqual(await choose(judging({ objective: "net_pnl" }), COMBOS, [], chunk), whole);
    }
  });
  await t.step("fewer than --min-trades trades: not eligible", async () => {
    const min = [...cons.map((m) => m.trades)].sort((a, b) => b - a)[1];
    const r = await choose(judging({ objective: "net_pnl", minTrades: min }));
    assert.ok(r.ok);
    assert.ok(r.isStats.main.trades >= min);
    assert.equal(r.eligible, cons.filter((m) => m.trades >= min).length);
    assert.equal(
      r.isObjective,
      Math.max(...cons.filter((m) => m.trades >= min).map((m) => m.net_pnl)),
    );
  });
  await t.step("--max-drawdown: a deeper drawdown is not eligible", async () => {
    const dds = cons.map((m) => m.max_drawdown_pct);
    const limit = [...dds].sort((a, b) => a - b)[1]; // two combinations at most
    const r = await choose(judging({ objective: "net_pnl", maxDrawdownPct: limit }));
    assert.ok(r.ok);
    assert.ok(r.isStats.main.max_drawdown_pct <= limit);
    assert.equal(r.eligible, dds.filter((d) => d <= limit).length);
    const none = await choose(judging({ maxDrawdownPct: Math.min(...dds) / 2 }));
    assert.ok(!none.ok);
    assert.match(
      none.reason,
      /^no combination could be chosen in the train window: 4 over --max-drawdown [\d.]+%$/,
    );
  });
  await t.step("no eligible combination: refused with the most trades seen", async () => {
    const r = await choose(judging({ minTrades: 100_000 }));
    assert.ok(!r.ok);
    const most = Math.max(...cons.map((m) => m.trades));
    assert.match(
      r.reason,
      new RegExp(
        `^no combination made --min-trades 100000 trades in the train window \\(the most: ${most}, by fast=\\d+ slow=\\d+\\)$`,
      ),
    );
  });
  await t.step("an undefined objective is not ranked (calmar under 30 days)", async () => {
    const r = await choose(judging({ objective: "calmar" }));
    assert.ok(!r.ok);
    assert.match(r.reason, /4 without a calmar \(under 30 days or no drawdown\)/);
  });
  await t.step("a swept risk parameter: named by its flag, applied to the run", async () => {
    const axes: Axis[] = [{
      name: "stop-bps",
      kind: "risk",
      int: false,
      values: [20, 60],
      lo: 20,
      hi: 60,
    }];
    const cs = [ema(10, 40, { stopBps: 20 }), ema(10, 40, { stopBps: 60 })];
    const [a, b] = evaluateCombinations(CTX, cs, { from: TRAIN.start, to: TRAIN.end });
    assert.notEqual(a.conservative.trades_hash, b.conservative.trades_hash);
    const r = await choose(judging({ objective: "net_pnl" }), cs, axes);
    assert.ok(r.ok);
    const k = a.conservative.net_pnl >= b.conservative.net_pnl ? 0 : 1;
    assert.deepEqual(r.params, { fast: 10, slow: 40, "stop-bps": k === 0 ? 20 : 60 });
    assert.equal(r.isStats.main.trades_hash, [a, b][k].conservative.trades_hash);
  });
});

Deno.test("the test-window runner", async (t) => {
  const run = testWindowRunner(CTX);
  const test = { start: 3000, end: 4000 };
  const warmup = { start: 1000, end: 3000 };
  const r = await run({
    fold: 1,
    test,
    warmup,
    combination: COMBOS[1],
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
    const short = await run({
      fold: 1,
      test,
      warmup: { start: 2959, end: 3000 },
      combination: COMBOS[1],
      startEquity: { main: 12_345, other: 11_000 },
    });
    assert.equal(short.main.equity.length, 1000);
    assert.notEqual(short.main.stats.trades_hash, r.main.stats.trades_hash);
    for (const tr of short.main.trades) assert.ok(tr.entryTs >= SERIES.ts[test.start]);
  });
  await t.step("a combination's risk overrides apply to the test window", async () => {
    const wide = await run({
      fold: 1,
      test,
      warmup,
      combination: ema(10, 40, { stopBps: 200 }),
      startEquity: { main: 12_345, other: 11_000 },
    });
    assert.notEqual(wide.main.stats.trades_hash, r.main.stats.trades_hash);
  });
});
