import assert from "node:assert/strict";
import { InputError } from "../../src/core/errors.ts";
import { combosFromFlags, parseGridSpec } from "../../src/research/walk_forward_grid.ts";
import { windowCandles, windowLengthSchema } from "../../src/research/walk_forward_window.ts";
import { strategyDef } from "../../src/strategy/mod.ts";

const EMA = strategyDef("ema-cross");

function refused(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof InputError, String(e));
    return e.message;
  }
  assert.fail("expected an InputError");
}

Deno.test("grid specs", async (t) => {
  await t.step("ranges, lists and single values", () => {
    assert.deepEqual(parseGridSpec("fast=5..20:5").values, [5, 10, 15, 20]);
    assert.deepEqual(parseGridSpec("fast=5..19:5").values, [5, 10, 15]);
    assert.deepEqual(parseGridSpec("fast=3..5").values, [3, 4, 5]);
    assert.deepEqual(parseGridSpec("tp=0.1..0.5:0.1").values, [0.1, 0.2, 0.3, 0.4, 0.5]);
    assert.deepEqual(parseGridSpec("fast=8,13,21").values, [8, 13, 21]);
    assert.deepEqual(parseGridSpec("fast=7"), { name: "fast", values: [7] });
  });
  await t.step("malformed specs say what was expected", () => {
    assert.match(refused(() => parseGridSpec("fast")), /^Invalid --grid fast: name=lo\.\.hi:step/);
    assert.match(refused(() => parseGridSpec("fast=20..5:5")), /hi \(5\) >= lo \(20\)/);
    assert.match(refused(() => parseGridSpec("fast=5..20:0")), /a step above 0/);
    assert.match(refused(() => parseGridSpec("fast=5,x")), /numbers, but 'x' is not one/);
    assert.match(refused(() => parseGridSpec("fast=5,5")), /each value once/);
  });
});

Deno.test("combinations from --grid flags", async (t) => {
  await t.step("the product in flag order, the first axis slowest, defaults filled in", () => {
    const g = combosFromFlags(["fast=5,10", "slow=30..50:20"], EMA);
    assert.deepEqual(g.combos, [
      { fast: 5, slow: 30 },
      { fast: 5, slow: 50 },
      { fast: 10, slow: 30 },
      { fast: 10, slow: 50 },
    ]);
    assert.deepEqual(g.ranges, [{ name: "fast", min: 5, max: 10 }, {
      name: "slow",
      min: 30,
      max: 50,
    }]);
    assert.equal(g.skipped.count, 0);
  });
  await t.step("several specs in one flag; a fixed flag and the default for the rest", () => {
    assert.deepEqual(combosFromFlags(["fast=5,10 slow=40"], EMA).combos.length, 2);
    assert.deepEqual(combosFromFlags(["slow=40,50"], EMA, { fast: 9 }).combos, [
      { fast: 9, slow: 40 },
      { fast: 9, slow: 50 },
    ]);
    assert.deepEqual(combosFromFlags(["fast=5,10"], EMA).combos.map((c) => c.slow), [26, 26]);
    assert.deepEqual(combosFromFlags([], EMA).combos, [{ fast: 12, slow: 26 }]);
  });
  await t.step("combinations the strategy refuses are skipped and counted", () => {
    const g = combosFromFlags(["fast=10..30:10", "slow=20,40"], EMA);
    assert.deepEqual(g.combos, [{ fast: 10, slow: 20 }, { fast: 10, slow: 40 }, {
      fast: 20,
      slow: 40,
    }, {
      fast: 30,
      slow: 40,
    }]);
    assert.equal(g.skipped.count, 2);
    assert.match(g.skipped.reason, /fast must be shorter than slow/);
  });
  await t.step("bad grids are refused with the input named", () => {
    assert.match(
      refused(() => combosFromFlags(["lookback=5,10"], EMA)),
      /^Invalid --grid lookback=5,10: a parameter of strategy ema-cross \(its parameters: fast, slow\)$/,
    );
    assert.match(
      refused(() => combosFromFlags(["fast=5", "fast=6"], EMA)),
      /fast in one --grid only/,
    );
    assert.match(
      refused(() => combosFromFlags(["fast=5,6"], EMA, { fast: 5 })),
      /either --fast or a --grid of it, not both/,
    );
    assert.match(
      refused(() => combosFromFlags(["fast=5.5"], EMA)),
      /whole numbers \(fast is an integer\)/,
    );
    assert.match(
      refused(() => combosFromFlags(["fast=1..200", "slow=2..200"], EMA)),
      /at most 10000 combinations; it has 39800/,
    );
    assert.match(
      refused(() => combosFromFlags(["fast=50,60", "slow=20,30"], EMA)),
      /at least one valid combination; all 4 were refused \(fast must be shorter than slow\)/,
    );
  });
});

Deno.test("window lengths: candles or durations", () => {
  const parse = (s: string) => windowLengthSchema.parse(s);
  assert.equal(windowCandles(parse("8640"), 300_000, "--train"), 8640);
  assert.equal(windowCandles(parse("30d"), 300_000, "--train"), 8640);
  assert.equal(windowCandles(parse("1w"), 3_600_000, "--test"), 168);
  assert.equal(windowCandles(parse("90m"), 300_000, "--step"), 18);
  assert.match(
    refused(() => windowCandles(parse("7m"), 300_000, "--test")),
    /^Invalid --test 7m: a whole number of candles of the data's interval \(5 minutes\)$/,
  );
  for (const bad of ["0", "30x", "-5", "1.5d", "", "d"]) {
    assert.equal(windowLengthSchema.safeParse(bad).success, false, bad);
  }
});
