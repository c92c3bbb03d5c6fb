/** Assertions shared by the data tests. */
import assert from "node:assert/strict";
import { isInputError } from "../../src/core/errors.ts";

/** Asserts that `fn` throws an InputError whose one-line message matches `re`. */
export function assertInputError(fn: () => unknown, re: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(isInputError(e), `expected InputError, got ${e}`);
    const msg = (e as Error).message;
    assert.ok(!msg.includes("\n"), `message must be one line: ${msg}`);
    assert.match(msg, re);
    return true;
  });
}
