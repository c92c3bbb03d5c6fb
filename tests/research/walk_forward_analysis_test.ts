import assert from "node:assert/strict";
import type { FoldResult } from "../../src/research/walk_forward.ts";
import { planFolds } from "../../src/research/walk_forward.ts";
import {
  analyseWalkForward,
  efficiencyOf,
  paramStability,
} from "../../src/research/walk_forward_analysis.ts";
import { objectiveValue } from "../../src/research/objective.ts";
import { objectiveEdge } from "../../src/research/walk_forward_edge.ts";
import { type FakeFold, fakePass, runFake } from "./_fake_walk_forward.ts";

/** A used fold with the given edges and params (only what the analysis reads). */
function fold(
  k: number,
  isEdge: number,
  oosEdge: number,
  params: Record<string, number> = { p: 1 },
): FoldResult {
  return {
    fold: k,
    train: { start: 0, end: 1 },
    test: { start: 1, end: 2 },
    status: "used",
    reason: "",
    evaluated: 1,
    eligible: 1,
    params,
    isEdge,
    oosEdge,
    efficiency: isEdge > 0 ? oosEdge / isEdge : null,
  };
}

const close = (a: number | null, b: number) =>
  assert.ok(a !== null && Math.abs(a - b) < 1e-12, `${a} != ${b}`);

Deno.test("OOS / IS efficiency", async (t) => {
  await t.step("a ratio of the mean edges, not a mean of the folds' ratios", () => {
    // the folds' ratios are 0.5 and 10 (mean 5.25); the means are 1.05 / 1.01
    const e = efficiencyOf([fold(1, 2, 1), fold(2, 0.02, 0.2)]);
    close(e.meanIsEdge, 1.01);
    close(e.meanOosEdge, 0.6);
    close(e.efficiency, 0.6 / 1.01);
  });
  await t.step("negative out of sample gives a negative ratio", () => {
    close(efficiencyOf([fold(1, 1, -0.5), fold(2, 1, -0.5)]).efficiency, -0.5);
  });
  await t.step("no in-sample edge: undefined, not a ratio with the wrong sign", () => {
    // -1 / -2 would read as 0.5 ("kept half the edge") though both lost
    assert.equal(efficiencyOf([fold(1, -2, -1)]).efficiency, null);
    assert.equal(efficiencyOf([fold(1, 0, 1)]).efficiency, null);
  });
  await t.step("only used folds count", () => {
    const left = { ...fold(2, 100, -100), status: "few-trades" as const };
    const e = efficiencyOf([fold(1, 1, 0.5), left]);
    assert.equal(e.usedFolds, 1);
    close(e.efficiency, 0.5);
  });
});

Deno.test("objective edges compare windows of different lengths", () => {
  const train = fakePass(10_000, 30, 6, 10).stats; // 6% over 30 days
  const test = fakePass(10_000, 7, 1.4, 10).stats; // 1.4% over 7 days
  close(objectiveEdge("net_pnl", train, 30), 0.2);
  close(objectiveEdge("net_pnl", test, 7), 0.2);
  // the objective itself is the sweep's: null where undefined
  // no losing trade: no profit factor to rank by; its edge is capped, pf - 1
  assert.equal(objectiveValue(train, "profit_factor"), null);
  assert.equal(objectiveEdge("profit_factor", train, 30), 99);
  assert.equal(objectiveEdge("profit_factor", fakePass(10_000, 7, 0, 0).stats, 7), 0);
  // calmar needs 30 days of CAGR in the stats; its edge is the window's return annualised
  // without compounding: 6% over 30 days is 73% a year, over the drawdown floor (it never fell)
  assert.equal(objectiveValue(test, "calmar"), null);
  const calmar = objectiveEdge("calmar", train, 30);
  assert.ok(Math.abs(calmar - 73 / 0.01) < 1e-6, String(calmar));
});

Deno.test("parameter stability", async (t) => {
  const folds = [
    fold(1, 1, 1, { fast: 5, slow: 30 }),
    fold(2, 1, 1, { fast: 25, slow: 30 }),
    fold(3, 1, 1, { fast: 5, slow: 40 }),
    fold(4, 1, 1, { fast: 25, slow: 40 }),
  ];
  const grid = [{ name: "fast", min: 5, max: 25 }, { name: "slow", min: 20, max: 60 }, {
    name: "fixed",
    min: 3,
    max: 3,
  }];
  const [fast, slow, ...rest] = paramStability(folds, grid);
  await t.step("distinct values, mean, coefficient of variation", () => {
    assert.equal(rest.length, 0, "a parameter with one grid value is not judged");
    assert.deepEqual(fast.values, [5, 25, 5, 25]);
    assert.equal(fast.distinct, 2);
    assert.equal(fast.mean, 15);
    assert.equal(fast.std, 10);
    close(fast.cv, 10 / 15);
  });
  await t.step("mean jump between consecutive folds, over the grid range", () => {
    // fast: |20| three times over a range of 20; slow: 0, 10, 0 over a range of 40
    assert.equal(fast.meanJump, 20);
    assert.equal(fast.normalizedJump, 1);
    close(slow.meanJump, 10 / 3);
    close(slow.normalizedJump, 10 / 3 / 40);
  });
  await t.step("one fold: no jump to measure", () => {
    const [one] = paramStability([fold(1, 1, 1, { fast: 5 })], [grid[0]]);
    assert.equal(one.meanJump, null);
    assert.equal(one.normalizedJump, null);
  });
});

/** Six rolling folds over daily candles: train 40, test 10. */
const PLAN = planFolds({
  length: 100,
  train: 40,
  test: 10,
  step: 10,
  anchored: false,
  warmup: 5,
  minCandles: 5,
});
const GRID = [{ name: "fast", min: 5, max: 30 }];

function folds(make: (k: number) => FakeFold): FakeFold[] {
  return PLAN.folds.map((f) => make(f.fold));
}

Deno.test("the overfit check, with a fake optimiser", async (t) => {
  await t.step("OOS close to IS and stable params: no warning", async () => {
    // IS 8% over 40 days = 0.2%/day; OOS 1.6% over 10 days = 0.16%/day: efficiency 0.8
    const r = await runFake(
      PLAN,
      100,
      folds(() => ({ params: { fast: 10 }, isReturnPct: 8, oosReturnPct: 1.6 })),
    );
    const a = analyseWalkForward(r.folds, GRID, "net_pnl");
    close(a.efficiency.efficiency, 0.8);
    assert.equal(a.check.verdict, "ok");
    assert.deepEqual(a.check.warnings, []);
    assert.match(
      a.check.headline,
      /^No sign of overfitting: out of sample kept 80% of the in-sample edge over 6 folds/,
    );
  });
  await t.step("OOS far below IS: overfit", async () => {
    // OOS 0.4% over 10 days = 0.04%/day against 0.2: efficiency 0.2
    const r = await runFake(
      PLAN,
      100,
      folds(() => ({ params: { fast: 10 }, isReturnPct: 8, oosReturnPct: 0.4 })),
    );
    const a = analyseWalkForward(r.folds, GRID, "net_pnl");
    close(a.efficiency.efficiency, 0.2);
    assert.equal(a.check.verdict, "overfit");
    assert.match(
      a.check.headline,
      /^Looks overfit: Out of sample kept only 20% of the in-sample edge .*below 50%/,
    );
  });
  await t.step("OOS losing while IS won: overfit, said as a loss", async () => {
    const r = await runFake(
      PLAN,
      100,
      folds(() => ({ params: { fast: 10 }, isReturnPct: 8, oosReturnPct: -1 })),
    );
    const a = analyseWalkForward(r.folds, GRID, "net_pnl");
    assert.equal(a.check.verdict, "overfit");
    assert.match(
      a.check.headline,
      /the chosen parameters lost \(mean return per day \(%\) -0\.1\) where in sample they won \(0\.2\)/,
    );
  });
  await t.step("good efficiency but the best params jumping between folds: overfit", async () => {
    const r = await runFake(
      PLAN,
      100,
      folds((k) => ({ params: { fast: k % 2 === 0 ? 30 : 5 }, isReturnPct: 8, oosReturnPct: 1.6 })),
    );
    const a = analyseWalkForward(r.folds, GRID, "net_pnl");
    assert.equal(a.check.verdict, "overfit");
    assert.match(
      a.check.headline,
      /The best fast jumps between folds by 100% of its grid range on average \(5, 30, 5, 30, 5, 30\)/,
    );
  });
  await t.step("no in-sample edge: no-edge, not a ratio", async () => {
    const r = await runFake(
      PLAN,
      100,
      folds(() => ({ params: { fast: 10 }, isReturnPct: -2, oosReturnPct: -1 })),
    );
    const a = analyseWalkForward(r.folds, GRID, "net_pnl");
    assert.equal(a.efficiency.efficiency, null);
    assert.equal(a.check.verdict, "no-edge");
  });
  await t.step("too few usable folds: inconclusive, with the left-out folds named", async () => {
    const r = await runFake(
      PLAN,
      100,
      folds((k) => ({
        params: { fast: 10 },
        isReturnPct: 8,
        oosReturnPct: 1.6,
        oosTrades: k === 1 ? 9 : 1,
      })),
    );
    const a = analyseWalkForward(r.folds, GRID, "net_pnl");
    assert.equal(a.check.verdict, "inconclusive");
    assert.match(a.check.headline, /only 1 of 6 folds could be used, fewer than 2/);
    const note = a.check.warnings.at(-1)!;
    assert.match(
      note,
      /^5 of 6 folds left out of the out-of-sample figures: fold 2 \(the chosen parameters made 1 trade in the test window, fewer than --min-trades 5\); fold 3 .*; fold 4 .*; and 2 more \(folds.csv lists each\)\./,
    );
    // none was chained, so each started from fold 1's end (10,160) and made 1.6% of it
    assert.match(note, /The test windows of these folds made \+812\.80 USDT, not counted\.$/);
  });
});
