import assert from "node:assert/strict";
import { isInputError } from "../../src/core/errors.ts";
import { sweepableParams } from "../../src/research/combination.ts";
import { parseAxes, parseAxis, searchSpace } from "../../src/research/param_space.ts";
import { indexPermutation } from "../../src/research/permutation.ts";
import { strategyDef } from "../../src/strategy/mod.ts";

const EMA = sweepableParams(strategyDef("ema-cross"));
const GRID = { random: false, strategy: "ema-cross" };
const RANDOM = { random: true, strategy: "ema-cross" };

function message(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    assert.ok(isInputError(e), `expected InputError, got ${e}`);
    const m = (e as Error).message;
    assert.ok(!m.includes("\n"), "one line");
    return m;
  }
  assert.fail("expected an InputError");
}

Deno.test("grid specs: stepped ranges, lists, one value, integer ranges", async (t) => {
  await t.step("lo..hi:step includes hi when on the step", () => {
    assert.deepEqual(parseAxis("fast=5..30:5", EMA, GRID).values, [5, 10, 15, 20, 25, 30]);
    assert.deepEqual(parseAxis("fast=5..29:5", EMA, GRID).values, [5, 10, 15, 20, 25]);
  });
  await t.step("float steps carry no float noise", () => {
    assert.deepEqual(parseAxis("tp-r=0.1..0.5:0.1", EMA, GRID).values, [0.1, 0.2, 0.3, 0.4, 0.5]);
    assert.deepEqual(parseAxis("risk-pct=0.5..2:0.5", EMA, GRID).values, [0.5, 1, 1.5, 2]);
  });
  await t.step("a list and one value", () => {
    assert.deepEqual(parseAxis("slow=50,20,100", EMA, GRID).values, [50, 20, 100]);
    const one = parseAxis("stop-bps=25", EMA, GRID);
    assert.deepEqual([one.values, one.kind], [[25], "risk"]);
  });
  await t.step("lo..hi over an integer parameter is every integer", () => {
    assert.deepEqual(parseAxis("fast=3..6", EMA, GRID).values, [3, 4, 5, 6]);
  });
  await t.step("lo..hi over a float parameter: continuous, only with --random", () => {
    const a = parseAxis("tp-r=1..3", EMA, RANDOM);
    assert.deepEqual([a.values, a.lo, a.hi], [null, 1, 3]);
    assert.match(message(() => parseAxis("tp-r=1..3", EMA, GRID)), /a step .*--random/);
  });
});

Deno.test("bad grid specs are one-line input errors naming the spec", async (t) => {
  await t.step("an unknown name lists the strategy's and the risk parameters", () => {
    assert.equal(
      message(() => parseAxis("lookback=5..10:1", EMA, GRID)),
      "Invalid --grid lookback: not a parameter of strategy ema-cross (its parameters: fast, slow; " +
        "risk parameters: risk-pct, stop-bps, tp-r, max-leverage)",
    );
  });
  const cases: [string, RegExp][] = [
    ["fast", /^Invalid --grid fast: name=lo\.\.hi:step/],
    ["fast=", /a number/],
    ["fast=a..b:1", /a number, got 'a'/],
    ["fast=30..5:5", /lo <= hi/],
    ["fast=5..30:0", /a step above 0/],
    ["fast=5..30:2.5", /whole numbers for fast \(got 7\.5\)/],
    ["fast=5,5", /each value once/],
    [
      "max-leverage=10..30:10",
      /^Invalid --grid max-leverage=10\.\.30:10 value 30: at most 20 \(hard limit/,
    ],
    ["risk-pct=0", /value 0: a number >= 0\.0001/],
  ];
  for (const [spec, want] of cases) {
    await t.step(spec, () => assert.match(message(() => parseAxis(spec, EMA, GRID)), want));
  }
  await t.step("the same parameter twice", () => {
    assert.match(
      message(() => parseAxes(["fast=1,2", "fast=3"], EMA, GRID)),
      /--grid fast: each parameter once/,
    );
  });
  await t.step("nothing swept", () => {
    assert.match(message(() => parseAxes([], EMA, GRID)), /at least one parameter/);
  });
});

Deno.test("a grid holds every point, the last axis changing fastest", () => {
  const axes = parseAxes(["fast=1,2", "slow=10..30:10"], EMA, GRID);
  const s = searchSpace(axes, { kind: "grid" });
  assert.equal(s.size, 6);
  const all = Array.from({ length: s.size }, (_, i) => s.combination(i));
  assert.deepEqual(all, [[1, 10], [1, 20], [1, 30], [2, 10], [2, 20], [2, 30]]);
});

Deno.test("random search is seeded: same seed, same draws; distinct grid points", async (t) => {
  const axes = parseAxes(["fast=1..40", "slow=10..200:5"], EMA, RANDOM);
  const draws = (seed: number, n = 200) => {
    const s = searchSpace(axes, { kind: "random", count: n, seed });
    return Array.from({ length: s.size }, (_, i) => s.combination(i).join(","));
  };
  await t.step("deterministic per seed, different across seeds", () => {
    assert.deepEqual(draws(7), draws(7));
    assert.notDeepEqual(draws(7), draws(8));
  });
  await t.step("discrete axes: no point twice, all on the grid", () => {
    const d = draws(7);
    assert.equal(new Set(d).size, d.length);
    for (const p of d) {
      const [f, s] = p.split(",").map(Number);
      assert.ok(Number.isInteger(f) && f >= 1 && f <= 40);
      assert.ok(s >= 10 && s <= 200 && s % 5 === 0);
    }
  });
  await t.step("asking for more than the grid gives the whole grid once", () => {
    const small = parseAxes(["fast=1,2,3", "slow=50,60"], EMA, RANDOM);
    const s = searchSpace(small, { kind: "random", count: 100, seed: 3 });
    assert.equal(s.size, 6);
    const got = Array.from({ length: 6 }, (_, i) => s.combination(i).join(",")).sort();
    assert.deepEqual(got, ["1,50", "1,60", "2,50", "2,60", "3,50", "3,60"]);
  });
  await t.step("a continuous axis draws within its range, seeded", () => {
    const mixed = parseAxes(["fast=5..10", "tp-r=1..3"], EMA, RANDOM);
    const a = searchSpace(mixed, { kind: "random", count: 50, seed: 11 });
    const b = searchSpace(mixed, { kind: "random", count: 50, seed: 11 });
    for (let i = 0; i < 50; i++) {
      const [f, tp] = a.combination(i);
      assert.deepEqual(a.combination(i), b.combination(i));
      assert.ok(Number.isInteger(f) && f >= 5 && f <= 10);
      assert.ok(tp >= 1 && tp <= 3);
    }
  });
});

Deno.test("the index permutation is a bijection of [0, n)", () => {
  for (const n of [1, 2, 3, 7, 100, 1000, 4097]) {
    const p = indexPermutation(n, 42);
    const seen = new Set<number>();
    for (let i = 0; i < n; i++) {
      const y = p(i);
      assert.ok(y >= 0 && y < n && Number.isInteger(y));
      seen.add(y);
    }
    assert.equal(seen.size, n, `n=${n}`);
  }
  // not the identity
  const p = indexPermutation(1000, 42);
  assert.ok(Array.from({ length: 20 }, (_, i) => p(i)).some((y, i) => y !== i));
});

Deno.test("a grid beyond the limit asks for --random", () => {
  const axes = parseAxes(["fast=1..2000", "slow=2..2000"], EMA, GRID);
  assert.match(message(() => searchSpace(axes, { kind: "grid" })), /sample it with --random N/);
});
