import assert from "node:assert/strict";
import { isInputError } from "../../src/core/errors.ts";
import {
  manifestJson,
  manifestOf,
  parseManifest,
  type SweepInputs,
} from "../../src/research/manifest.ts";
import { checkShardSet, RowSequence } from "../../src/research/merge.ts";
import { parseShard, shardFromEnv } from "../../src/research/shard.ts";

const INPUTS: SweepInputs = {
  strategy: "ema-cross",
  fixed_params: {},
  backtest: { startEquity: 10000 },
  axes: [{ name: "fast", kind: "strategy", int: true, values: [1, 2, 3], lo: 1, hi: 3 }],
  search: { kind: "grid" },
  objective: "net_pnl",
  bound: "conservative",
  min_trades: 0,
  max_drawdown_pct: null,
  candles: {
    source: "mock",
    csv: null,
    requested: 500,
    mock_seed: 42,
    symbol: "BTCUSDT",
    interval: "5m",
    interval_ms: 300000,
    description: "mock seed 42",
    count: 500,
    first_ts: 0,
    last_ts: 1,
    sha256: "0".repeat(64),
  },
};

function shards(n: number, inputs = INPUTS) {
  return Array.from({ length: n }, (_, k) => ({
    path: `s${k}`,
    manifest: manifestOf(inputs, 3, { index: k, count: n }),
  }));
}

function message(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    assert.ok(isInputError(e), `expected InputError, got ${e}`);
    return (e as Error).message;
  }
  assert.fail("expected an InputError");
}

Deno.test("merge takes all shards of one sweep, in any order", () => {
  const set = shards(3);
  const { ordered, manifest } = checkShardSet([set[2], set[0], set[1]]);
  assert.deepEqual(ordered.map((s) => s.path), ["s0", "s1", "s2"]);
  assert.equal(manifest.shard, null);
  assert.equal(manifestJson(manifest), manifestJson(manifestOf(INPUTS, 3, null)));
});

Deno.test("merge refuses other sweeps, missing or repeated shards, whole sweeps", () => {
  const set = shards(3);
  const other = shards(3, { ...INPUTS, min_trades: 5 });
  assert.match(message(() => checkShardSet([set[0], set[1]])), /missing: 2\/3/);
  assert.match(
    message(() => checkShardSet([set[0], set[1], other[2]])),
    /^Invalid s2: a shard of the same sweep/,
  );
  assert.match(message(() => checkShardSet([set[0], set[0], set[1], set[2]])), /both are 0\/3/);
  assert.match(
    message(() => checkShardSet([...set, ...shards(4).slice(3)])),
    /a shard of 3 .*not of 4/,
  );
  const whole = { path: "w", manifest: manifestOf(INPUTS, 3, null) };
  assert.match(message(() => checkShardSet([whole])), /a whole sweep/);
});

Deno.test("sweep.json round-trips; an edited one is refused", () => {
  const m = manifestOf(INPUTS, 3, { index: 1, count: 2 });
  const text = manifestJson(m);
  assert.equal(manifestJson(parseManifest(text, "sweep.json")), text);
  const edited = text.replace('"min_trades": 0', '"min_trades": 1');
  assert.match(message(() => parseManifest(edited, "sweep.json")), /fingerprint matches/);
  assert.match(message(() => parseManifest("{", "sweep.json")), /not JSON/);
});

Deno.test("a results file must hold the shard's first rows in order", () => {
  const seq = new RowSequence("r.csv", { index: 1, count: 2 }, 1);
  const row = (i: number) => `${i},5,no,,` + ",".repeat(21) + "invalid: x";
  seq.accept(row(1), 2);
  seq.accept(row(3), 3);
  assert.equal(seq.rows, 2);
  assert.match(
    message(() => seq.accept(row(7), 4)),
    /^Invalid r\.csv line 4: the row of combination 5 \(got 7\)/,
  );
});

Deno.test("--shard K/N is 0-based; JOB_COMPLETION_INDEX gives K", () => {
  assert.deepEqual(parseShard("0/4"), { index: 0, count: 4 });
  assert.deepEqual(parseShard("3/4"), { index: 3, count: 4 });
  assert.match(message(() => parseShard("4/4")), /K in 0\.\.3 \(0-based; got K=4\)/);
  assert.match(message(() => parseShard("1-4")), /^Invalid --shard '1-4': K\/N/);
  assert.deepEqual(shardFromEnv("JOB_COMPLETION_INDEX", "2", 4), { index: 2, count: 4 });
  assert.match(
    message(() => shardFromEnv("JOB_COMPLETION_INDEX", undefined, 4)),
    /environment variable JOB_COMPLETION_INDEX/,
  );
  assert.match(
    message(() => shardFromEnv("JOB_COMPLETION_INDEX", "9", 4)),
    /JOB_COMPLETION_INDEX=9/,
  );
});
