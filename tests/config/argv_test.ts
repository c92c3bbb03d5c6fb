import assert from "node:assert/strict";
import { z } from "zod";
import { editDistance, type FlagSpec, nearestName, parseFlags } from "../../src/config/argv.ts";
import { BACKTEST_FLAGS } from "../../src/config/backtest_config.ts";
import { isInputError } from "../../src/core/errors.ts";

function message(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    assert.ok(isInputError(e), `expected InputError, got ${e}`);
    return (e as Error).message;
  }
  assert.fail("expected an InputError");
}

Deno.test("a misspelled flag suggests the nearest one", async (t) => {
  const cases: [string, string][] = [
    ["--stop-bsp", "--stop-bps"],
    ["--Symbol", "--symbol"],
    ["--intervall", "--interval"],
    ["--max_leveage", "--max-leverage"],
    ["--strat", "--strategy"],
    ["--startequity", "--start-equity"],
  ];
  for (const [typed, meant] of cases) {
    await t.step(`${typed} -> ${meant}`, () => {
      assert.equal(
        message(() => parseFlags([typed, "1"], BACKTEST_FLAGS)),
        `Invalid flag ${typed}: unknown flag; did you mean ${meant}? (--help lists every flag)`,
      );
    });
  }
  await t.step("nothing near: the known flags are listed", () => {
    assert.match(
      message(() => parseFlags(["--bogus", "1"], BACKTEST_FLAGS)),
      /^Invalid flag --bogus: unknown flag; known flags: --backtest, /,
    );
  });
  await t.step("two equally near: no guess", () => {
    const spec: FlagSpec = {
      "risk-pct": { schema: z.string().optional(), help: "" },
      "risk-usd": { schema: z.string().optional(), help: "" },
    };
    assert.equal(nearestName("risk", Object.keys(spec)), undefined);
    assert.match(message(() => parseFlags(["--risk", "1"], spec)), /known flags/);
  });
  await t.step("edit distance counts a swap of neighbours as one", () => {
    assert.equal(editDistance("bsp", "bps"), 1);
    assert.equal(editDistance("", "abc"), 3);
    assert.equal(editDistance("kitten", "sitting"), 3);
  });
});

Deno.test("errors about values from a config file name the file and key", () => {
  const originOf = (i: number) => (i < 2 ? "config file c.json" : undefined);
  assert.equal(
    message(() => parseFlags(["--backtest", "lots", "--seed", "1"], BACKTEST_FLAGS, { originOf })),
    "Invalid config file c.json key backtest (got 'lots'): a number",
  );
  assert.match(
    message(() => parseFlags(["--stop-bsp", "3"], BACKTEST_FLAGS, { originOf })),
    /^Invalid config file c\.json key stop-bsp: unknown flag; did you mean --stop-bps\?/,
  );
  // the command line wins, and its errors name the flag
  assert.equal(
    message(() =>
      parseFlags(["--seed", "1", "--seed", "x"], BACKTEST_FLAGS, { originOf: (i) => originOf(i) })
    ),
    "Invalid --seed (got 'x'): a number",
  );
});

Deno.test("a repeatable flag collects every value in order", () => {
  const spec: FlagSpec = {
    grid: { schema: z.array(z.string()).optional(), repeatable: true, help: "" },
    top: { schema: z.string().optional(), help: "" },
  };
  assert.deepEqual(
    parseFlags(["--grid", "a=1", "--top", "1", "--grid=b=2", "--top", "2"], spec).flags,
    { grid: ["a=1", "b=2"], top: "2" },
  );
  assert.deepEqual(parseFlags([], spec).flags, { grid: undefined, top: undefined });
});
