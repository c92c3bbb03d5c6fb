/**
 * The stress harness with small numbers: a few seconds of kline updates at a high rate
 * through a paper session on the fake Bitunix WebSocket, five SSE clients.
 */
import assert from "node:assert/strict";
import { formatSummary, runStress, type StressOptions } from "./_harness.ts";

Deno.test("high load (short): every closed bucket decided once, in order; SSE clients fed", async () => {
  const opts: StressOptions = { seconds: 3, rate: 2000, clients: 5, bucketMs: 120 };
  const r = await runStress(opts);
  const summary = formatSummary(r, opts);
  assert.ok(r.candlesExpected >= 10, `enough buckets rolled over\n${summary}`);
  assert.deepEqual(r.candleErrors, [], summary);
  assert.equal(r.candlesProcessed, r.candlesExpected, summary);
  assert.ok(r.pushed >= opts.rate * opts.seconds * 0.8, `push rate kept\n${summary}`);
  assert.ok(r.received >= r.pushed, `the feed's socket got every push\n${summary}`);
  assert.equal(r.sseUpdates.length, 5);
  for (const [i, n] of r.sseUpdates.entries()) {
    assert.ok(n > 0, `SSE client ${i} received updates\n${summary}`);
  }
  assert.ok(Number.isFinite(r.latencyMs.p50) && Number.isFinite(r.latencyMs.p99), summary);
  assert.equal(r.sessionExitCode, 0, summary);
  assert.deepEqual(r.failures, [], summary);
  assert.match(summary, /STRESS: PASS/);
});
