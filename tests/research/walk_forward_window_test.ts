import assert from "node:assert/strict";
import { InputError } from "../../src/core/errors.ts";
import { windowCandles, windowLengthSchema } from "../../src/research/walk_forward_window.ts";

function refused(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof InputError, String(e));
    return e.message;
  }
  assert.fail("expected an InputError");
}

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
