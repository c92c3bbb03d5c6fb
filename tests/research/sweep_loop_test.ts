import assert from "node:assert/strict";
import { DEFAULT_BACKTEST_PARAMS } from "../../src/core/backtest_params.ts";
import { INTERVAL_MS } from "../../src/core/candle.ts";
import { runBoundPass } from "../../src/engine/backtest_report.ts";
import { generateMockCandles } from "../../src/data/mock_candles.ts";
import { sweepableParams } from "../../src/research/combination.ts";
import { type CombinationMetrics, evaluateCombinations } from "../../src/research/evaluate.ts";
import { parseAxes, searchSpace } from "../../src/research/param_space.ts";
import {
  judgedRow,
  type Judging,
  parseResultLine,
  resultLine,
  resultsHeader,
} from "../../src/research/results_csv.ts";
import { shardIndex, shardSize } from "../../src/research/shard.ts";
import {
  type EvalJob,
  inProcessEvaluator,
  OrderedLines,
  runSweep,
  type StreamingEvaluator,
} from "../../src/research/sweep_loop.ts";
import { createStrategy, strategyDef } from "../../src/strategy/mod.ts";

const DEF = strategyDef("ema-cross");
const SERIES = generateMockCandles({ count: 3000, interval: "5m", seed: 5 });
const CTX = {
  definition: DEF,
  series: SERIES,
  intervalMs: INTERVAL_MS["5m"],
  base: DEFAULT_BACKTEST_PARAMS,
};
const JUDGING: Judging = {
  objective: "net_pnl",
  bound: "conservative",
  constraints: { minTrades: 0, maxDrawdownPct: null },
};
const AXES = parseAxes(["fast=5..30:5", "slow=10..40:10"], sweepableParams(DEF), {
  random: false,
  strategy: "ema-cross",
});
const SPACE = searchSpace(AXES, { kind: "grid" });

/** Pulls jobs three at a time and answers each batch in reverse order (workers racing). */
function reversingEvaluator(seen: number[]): StreamingEvaluator {
  return {
    async run(next, done) {
      for (;;) {
        const batch: EvalJob[] = [];
        for (let j = next(); j !== null; j = batch.length < 3 ? next() : null) batch.push(j);
        if (batch.length === 0) return;
        await Promise.resolve();
        for (const j of batch.reverse()) {
          seen.push(j.index);
          done(j, evaluateCombinations(CTX, [j.combination])[0]);
        }
      }
    },
  };
}

async function sweepLines(evaluator: StreamingEvaluator, stopAfter = Infinity) {
  const lines: string[] = [];
  const outcome = await runSweep({
    definition: DEF,
    fixed: {},
    space: SPACE,
    shard: { index: 0, count: 1 },
    start: 0,
    judging: JUDGING,
    evaluator,
    write: (l) => lines.push(l),
    stopped: () => lines.length >= stopAfter,
  });
  return { lines, outcome };
}

Deno.test("results come out in index order whatever order they finish in", async () => {
  const seen: number[] = [];
  const racing = await sweepLines(reversingEvaluator(seen));
  const plain = await sweepLines(
    inProcessEvaluator(
      (j) => evaluateCombinations(CTX, [j.combination])[0],
      () => Promise.resolve(),
    ),
  );
  assert.notDeepEqual(seen, [...seen].sort((a, b) => a - b), "the fake finishes out of order");
  assert.deepEqual(racing.lines, plain.lines);
  const idx = racing.lines.map((l) => Number(l.split(",")[0]));
  assert.deepEqual(idx, Array.from({ length: SPACE.size }, (_, i) => i));
});

Deno.test("combinations the strategy refuses are skipped, counted and never evaluated", async () => {
  const evaluated: number[] = [];
  const { lines, outcome } = await sweepLines(inProcessEvaluator((j) => {
    evaluated.push(j.index);
    return evaluateCombinations(CTX, [j.combination])[0];
  }, () => Promise.resolve()));
  const invalid = lines.filter((l) => l.includes("invalid: fast must be shorter than slow"));
  // fast 5..30 x slow 10..40: fast >= slow in 9 of the 24 (5 + 3 + 1)
  assert.equal(invalid.length, 9);
  assert.equal(outcome.evaluated, 15);
  assert.equal(evaluated.length, 15);
  for (const l of invalid) assert.ok(!evaluated.includes(Number(l.split(",")[0])));
  assert.ok(outcome.complete);
});

Deno.test("a stopped sweep has written exactly its first rows", async () => {
  const { lines, outcome } = await sweepLines(
    inProcessEvaluator(
      (j) => evaluateCombinations(CTX, [j.combination])[0],
      () => Promise.resolve(),
    ),
    5,
  );
  assert.ok(!outcome.complete);
  assert.ok(lines.length >= 5 && lines.length < SPACE.size);
  assert.deepEqual(lines.map((l) => Number(l.split(",")[0])), lines.map((_, i) => i));
});

Deno.test("OrderedLines holds a line until every earlier one is written", () => {
  const out: string[] = [];
  const o = new OrderedLines(3, (l) => out.push(l));
  o.put(5, "c");
  o.put(4, "b");
  assert.deepEqual(out, []);
  assert.equal(o.held, 2);
  o.put(3, "a");
  assert.deepEqual(out, ["a", "b", "c"]);
  assert.equal(o.position, 6);
});

Deno.test("shards split the indexes: disjoint, covering, every N-th from K", () => {
  for (const [size, n] of [[10, 4], [3, 5], [100, 1], [7, 7]]) {
    const all: number[] = [];
    for (let k = 0; k < n; k++) {
      const s = { index: k, count: n };
      for (let p = 0; p < shardSize(size, s); p++) {
        const i = shardIndex(s, p);
        assert.equal(i % n, k);
        all.push(i);
      }
    }
    assert.deepEqual(all.sort((a, b) => a - b), Array.from({ length: size }, (_, i) => i));
  }
});

Deno.test("a combination's figures are those of the engine's pass", () => {
  const [m] = evaluateCombinations(CTX, [{
    strategyParams: { fast: 8, slow: 30 },
    risk: { tpR: 2 },
  }]);
  for (const mode of ["conservative", "optimistic"] as const) {
    const pass = runBoundPass(
      SERIES,
      createStrategy("ema-cross", { fast: 8, slow: 30 }),
      { ...DEFAULT_BACKTEST_PARAMS, tpR: 2 },
      mode,
      CTX.intervalMs,
    );
    assert.equal(m[mode].trades_hash, pass.stats.trades_hash);
    assert.equal(m[mode].net_pnl, pass.stats.net_pnl);
    assert.ok(pass.stats.trades > 0);
  }
});

Deno.test("evaluating on a range equals evaluating the range's candles", () => {
  const c = { strategyParams: { fast: 5, slow: 20 }, risk: {} };
  const [ranged] = evaluateCombinations(CTX, [c], { from: 1000, to: 2500 });
  // the range's candles copied by hand, not through the evaluator's own slicing
  const cut = (a: Float64Array) => a.slice(1000, 2500);
  const copy = {
    length: 1500,
    ts: cut(SERIES.ts),
    open: cut(SERIES.open),
    high: cut(SERIES.high),
    low: cut(SERIES.low),
    close: cut(SERIES.close),
    volume: cut(SERIES.volume),
  };
  const [sliced] = evaluateCombinations({ ...CTX, series: copy }, [c]);
  const [whole] = evaluateCombinations(CTX, [c]);
  assert.deepEqual(ranged, sliced);
  assert.notEqual(ranged.conservative.trades_hash, whole.conservative.trades_hash);
});

Deno.test("results rows parse back to the same line", () => {
  const [m] = evaluateCombinations(CTX, [{ strategyParams: { fast: 5, slow: 20 }, risk: {} }]);
  const rows = [
    judgedRow(3, [5, 20], m, JUDGING),
    judgedRow(4, [30, 20], { invalid: 'fast must be "shorter", than slow' }, JUDGING),
    judgedRow(5, [5, 20], m, { ...JUDGING, constraints: { minTrades: 1e9, maxDrawdownPct: null } }),
  ];
  for (const row of rows) {
    const line = resultLine(row, "net_pnl");
    assert.ok(line.endsWith("\n"));
    const back = parseResultLine(line.slice(0, -1), 2, "test");
    assert.deepEqual(back, row);
    assert.equal(resultLine(back, "net_pnl"), line);
  }
  assert.equal(rows[2].eligible, false);
  assert.match(rows[2].note, /^trades \d+ < 1000000000$/);
  assert.equal(
    resultsHeader(["fast", "slow"]).split(",").length,
    resultLine(rows[0], "net_pnl").split(",").length,
  );
});

Deno.test("objective and constraints decide eligibility on the ranking bound", () => {
  const [m] = evaluateCombinations(CTX, [{ strategyParams: { fast: 5, slow: 20 }, risk: {} }]);
  const dd = m.conservative.max_drawdown_pct;
  const j = (maxDrawdownPct: number | null, minTrades = 0): Judging => ({
    ...JUDGING,
    constraints: { minTrades, maxDrawdownPct },
  });
  assert.equal(judgedRow(0, [], m, j(dd + 1)).eligible, true);
  assert.match(judgedRow(0, [], m, j(dd / 2)).note, /^max drawdown [\d.]+% > [\d.]+%$/);
  assert.equal(judgedRow(0, [], m, j(null, m.conservative.trades)).eligible, true);
  assert.equal(judgedRow(0, [], m, j(null, m.conservative.trades + 1)).eligible, false);
  // calmar is undefined under 30 days of candles (3000 5m candles are ~10 days)
  const calmar = judgedRow(0, [], m, { ...JUDGING, objective: "calmar" });
  assert.equal(calmar.eligible, false);
  assert.match(calmar.note, /^no calmar/);
  const noLoss: CombinationMetrics = {
    conservative: { ...m.conservative, profit_factor: null },
    optimistic: m.optimistic,
  };
  assert.match(
    judgedRow(0, [], noLoss, { ...JUDGING, objective: "profit_factor" }).note,
    /no losing trade/,
  );
});
