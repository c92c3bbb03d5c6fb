/**
 * Helpers shared by the Bitunix adapter tests: waiting for a condition, reading a feed in
 * the background, and catching the BitunixError a call fails with.
 *
 * @module
 */
import assert from "node:assert/strict";
import type { FeedCandle } from "../../../src/core/ports.ts";
import { type BitunixError, isBitunixError } from "../../../src/exchange/bitunix/errors.ts";

/** Waits until `cond()` holds, polling every 5 ms; throws after `ms` naming `what`. */
export async function waitFor(cond: () => boolean, what: string, ms = 3000): Promise<void> {
  const until = performance.now() + ms;
  while (!cond()) {
    if (performance.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Reads a feed in the background: `got` fills as candles arrive, `done` ends with the feed. */
export function collect(feed: { candles(): AsyncIterable<FeedCandle> }): {
  got: FeedCandle[];
  done: Promise<void>;
} {
  const got: FeedCandle[] = [];
  const done = (async () => {
    for await (const c of feed.candles()) got.push(c);
  })();
  return { got, done };
}

/** The BitunixError `p` fails with; fails the test when it resolves or throws something else. */
export async function rejection(p: Promise<unknown>): Promise<BitunixError> {
  try {
    await p;
  } catch (e) {
    assert.ok(isBitunixError(e), `expected a BitunixError, got ${e}`);
    return e;
  }
  assert.fail("expected the call to fail");
}
