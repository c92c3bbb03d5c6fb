import assert from "node:assert/strict";
import { InputError } from "../../src/core/errors.ts";
import { type FoldPlanInput, planFolds } from "../../src/research/walk_forward.ts";
import { stitchOos } from "../../src/research/walk_forward_stitch.ts";
import { dailyTs, DAY, fakePass, runFake } from "./_fake_walk_forward.ts";

const BASE: FoldPlanInput = {
  length: 100,
  train: 40,
  test: 10,
  step: 10,
  anchored: false,
  warmup: 5,
  minCandles: 5,
};

function ranges(input: FoldPlanInput): string[] {
  return planFolds(input).folds.map((f) =>
    `${f.fold}: ${f.train.start}-${f.train.end} | ${f.test.start}-${f.test.end}`
  );
}

function refusal(input: FoldPlanInput): string {
  try {
    planFolds(input);
  } catch (e) {
    assert.ok(e instanceof InputError, String(e));
    assert.doesNotMatch(e.message, /\n/);
    return e.message;
  }
  assert.fail("expected the plan to be refused");
}

Deno.test("fold planning", async (t) => {
  await t.step("rolling: the train window slides by step, the test follows it", () => {
    assert.deepEqual(ranges(BASE), [
      "1: 0-40 | 40-50",
      "2: 10-50 | 50-60",
      "3: 20-60 | 60-70",
      "4: 30-70 | 70-80",
      "5: 40-80 | 80-90",
      "6: 50-90 | 90-100",
    ]);
    assert.equal(planFolds(BASE).unusedTail, 0);
  });
  await t.step("anchored: every train window starts at 0 and ends at its test", () => {
    assert.deepEqual(ranges({ ...BASE, anchored: true }).slice(0, 3), [
      "1: 0-40 | 40-50",
      "2: 0-50 | 50-60",
      "3: 0-60 | 60-70",
    ]);
    assert.equal(planFolds({ ...BASE, anchored: true }).folds.length, 6);
  });
  await t.step("a step longer than the test leaves candles between test windows", () => {
    assert.deepEqual(ranges({ ...BASE, step: 25 }), [
      "1: 0-40 | 40-50",
      "2: 25-65 | 65-75",
      "3: 50-90 | 90-100",
    ]);
  });
  await t.step(
    "a last test window shorter than asked is not planned; its candles are counted",
    () => {
      const plan = planFolds({ ...BASE, length: 109 });
      assert.equal(plan.folds.length, 6);
      assert.equal(plan.folds.at(-1)!.test.end, 100);
      assert.equal(plan.unusedTail, 9);
    },
  );
  await t.step("exactly one fold when the data holds train + test", () => {
    assert.deepEqual(ranges({ ...BASE, length: 50 }), ["1: 0-40 | 40-50"]);
  });
  await t.step("refusals name the fold, the window and why", () => {
    const ts = dailyTs(100);
    assert.match(
      refusal({ ...BASE, train: 8, ts }),
      /^Invalid fold 1 train window \(candles 0\.\.7, 2024-01-01 00:00 \.\. 2024-01-08 00:00\): at least 10 candles \(the strategy's warm-up 5 \+ 5 to trade on\); it has 8/,
    );
    assert.match(
      refusal({ ...BASE, test: 4, step: 4 }),
      /^Invalid fold 1 test window \(candles 40\.\.43\): at least 5 candles to trade on; it has 4/,
    );
    assert.match(
      refusal({ ...BASE, length: 49 }),
      /^Invalid fold 1 test window \(--train 40 \+ --test 10 candles\): .*only 49 candles, 1 too few/,
    );
    assert.match(refusal({ ...BASE, step: 9 }), /^Invalid --step 9 candles: at least --test \(10/);
    assert.match(
      refusal({ ...BASE, step: 0 }),
      /^Invalid --step 0: a whole number of candles >= 1/,
    );
  });
  await t.step("the default minimum is 50 candles beyond the warm-up", () => {
    assert.match(
      refusal({
        ...BASE,
        minCandles: undefined,
        length: 1000,
        train: 75,
        test: 60,
        step: 60,
        warmup: 26,
      }),
      /at least 76 candles \(the strategy's warm-up 26 \+ 50/,
    );
  });
});

Deno.test("stitching chains each test window from the previous one's end", async (t) => {
  const ts = dailyTs(30);
  const a = fakePass(10_000, 10, 10, 3);
  const b = fakePass(11_000, 10, -5, 2);
  const s = stitchOos([
    { fold: 1, ts: ts.subarray(0, 10), pass: a },
    { fold: 2, ts: ts.subarray(10, 20), pass: b },
  ], { startEquity: 10_000, intervalMs: DAY });
  await t.step("the curve is the windows one after another", () => {
    assert.equal(s.equity.length, 20);
    assert.deepEqual([...s.equity.subarray(0, 10)], [...a.equity]);
    assert.deepEqual([...s.equity.subarray(10)], [...b.equity]);
    assert.deepEqual(s.foldStarts, [{ fold: 1, index: 0 }, { fold: 2, index: 10 }]);
    assert.deepEqual([...s.ts], [...ts.subarray(0, 20)]);
  });
  await t.step("its stats are the whole curve's: +10% then -5% is +4.5%", () => {
    assert.equal(s.stats.trades, 5);
    assert.ok(Math.abs(s.stats.net_pnl - 450) < 1e-9);
    assert.ok(Math.abs(s.stats.return_pct - 4.5) < 1e-9);
    // the drawdown runs across the fold boundary: from the peak 11,000 down to 10,450
    assert.ok(Math.abs(s.stats.max_drawdown - 550) < 1e-9);
  });
  await t.step("a window that does not start where the last one ended is refused", () => {
    const c = fakePass(10_000, 10, 1, 1);
    assert.throws(
      () =>
        stitchOos([
          { fold: 1, ts: ts.subarray(0, 10), pass: a },
          { fold: 2, ts: ts.subarray(10, 20), pass: c },
        ], { startEquity: 10_000, intervalMs: DAY }),
      /Cannot stitch fold 2: its test window starts at equity 10000, the previous one ended at 11000/,
    );
  });
  await t.step("no segments: a flat result", () => {
    const e = stitchOos([], { startEquity: 10_000, intervalMs: DAY });
    assert.equal(e.equity.length, 0);
    assert.equal(e.stats.net_pnl, 0);
    assert.equal(e.stats.trades, 0);
  });
});

Deno.test("the walk-forward loop chains folds and leaves out folds with too few trades", async (t) => {
  const plan = planFolds({ ...BASE, length: 70, train: 40, test: 10, step: 10 });
  const r = await runFake(plan, 70, [
    { params: { p: 1 }, isReturnPct: 8, oosReturnPct: 2 },
    { params: { p: 1 }, isReturnPct: 8, oosReturnPct: 5, oosTrades: 2 },
    { params: { p: 2 }, isReturnPct: 8, oosReturnPct: -1 },
  ]);
  await t.step("each used test window starts from the previous one's ending equity", () => {
    const [f1, f2, f3] = r.folds;
    assert.equal(f1.oosStats!.main.start_equity, 10_000);
    assert.ok(Math.abs(f1.oosStats!.main.end_equity - 10_200) < 1e-9);
    // fold 2 is left out, so fold 3 starts where fold 1 ended
    assert.equal(f2.status, "few-trades");
    assert.equal(f3.oosStats!.main.start_equity, f1.oosStats!.main.end_equity);
    assert.ok(Math.abs(r.oos.main.stats.end_equity - 10_200 * 0.99) < 1e-9);
    // the other bound keeps its own chain
    assert.ok(Math.abs(r.oos.other.stats.end_equity - 10_300) < 1e-9);
  });
  await t.step("the left-out fold is reported with its reason and not stitched", () => {
    assert.match(
      r.folds[1].reason,
      /made 2 trades in the test window, fewer than --min-trades 5/,
    );
    assert.deepEqual(r.oos.main.foldStarts.map((f) => f.fold), [1, 3]);
    assert.equal(r.oos.main.equity.length, 20);
    assert.equal(r.oos.main.stats.trades, 20);
  });
  await t.step("edges compare per day: 8% over 40 days vs 2% over 10 days", () => {
    const f1 = r.folds[0];
    assert.ok(Math.abs(f1.isEdge! - 0.2) < 1e-12);
    assert.ok(Math.abs(f1.oosEdge! - 0.2) < 1e-12);
    assert.ok(Math.abs(f1.efficiency! - 1) < 1e-12);
  });
});

Deno.test("a fold whose train window the optimiser refuses is kept with the reason", async () => {
  const plan = planFolds({ ...BASE, length: 60 });
  const { runWalkForward } = await import("../../src/research/walk_forward.ts");
  let tested = 0;
  const r = await runWalkForward({
    plan,
    ts: dailyTs(60),
    intervalMs: DAY,
    startEquity: 10_000,
    objective: "net_pnl",
    minTrades: 5,
    optimise: ({ fold }) =>
      fold === 1
        ? { ok: false, reason: "no combination made --min-trades 5 trades", evaluated: 1 }
        : {
          ok: true,
          combination: { strategyParams: { p: 1 }, risk: {} },
          params: { p: 1 },
          isObjective: 1,
          isStats: {
            main: fakePass(10_000, 40, 1, 9).stats,
            other: fakePass(10_000, 40, 1, 9).stats,
          },
          evaluated: 1,
          eligible: 1,
        },
    test: ({ startEquity, test }) => {
      tested++;
      const n = test.end - test.start;
      return {
        main: fakePass(startEquity.main, n, 1, 9),
        other: fakePass(startEquity.other, n, 1, 9),
      };
    },
  });
  assert.equal(r.folds[0].status, "no-params");
  assert.equal(r.folds[0].reason, "no combination made --min-trades 5 trades");
  assert.equal(r.folds[0].params, undefined);
  assert.equal(tested, 1, "the refused fold's test window is not run");
  assert.equal(r.folds[1].oosStats!.main.start_equity, 10_000);
});
