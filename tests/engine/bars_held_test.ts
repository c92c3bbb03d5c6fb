import assert from "node:assert/strict";
import { DEFAULT_BACKTEST_PARAMS as P } from "../../src/core/backtest_params.ts";
import { runBacktest } from "../../src/engine/backtest_loop.ts";
import type { Decision, StrategyContext } from "../../src/strategy/api.ts";
import { synthetic5m } from "../_synthetic_data.ts";

Deno.test("barsHeld counts candles since the entry filled: through a partial exit, from 0 again for the next position", () => {
  const seen: (number | null)[] = [];
  const strategy = {
    name: "held-counter",
    warmup: 0,
    onCandle(ctx: StrategyContext): Decision {
      const i = ctx.bars.index;
      seen[i] = ctx.position === null ? null : ctx.position.barsHeld;
      if (i === 3) return { enter: "long", takeProfit: null, stop: { bps: 2000 } };
      if (i === 6) return { takePartial: 0.5 };
      if (i === 9) return { exit: true };
      if (i === 12) return { enter: "short", takeProfit: null, stop: { bps: 2000 } };
      return undefined;
    },
  };
  const r = runBacktest(synthetic5m(), strategy, P);
  assert.ok(r.trades.length >= 2, "both positions traded");
  // orders fill at the next candle's open: the long from candle 4 (its part sold at 7's
  // open, the rest at 10's), the short from candle 13
  assert.deepEqual(seen.slice(0, 18), [
    null,
    null,
    null,
    null,
    0,
    1,
    2,
    3,
    4,
    5,
    null,
    null,
    null,
    0,
    1,
    2,
    3,
    4,
  ]);
});

Deno.test("the position a strategy sees copies like a plain object: barsHeld kept, nothing else", () => {
  const copies: Record<string, unknown>[] = [];
  const json: string[] = [];
  const strategy = {
    name: "copier",
    warmup: 0,
    onCandle(ctx: StrategyContext): Decision {
      const i = ctx.bars.index;
      if (ctx.position !== null && i === 7) {
        const p: Record<string, unknown> = { ...ctx.position };
        copies.push(p, structuredClone(ctx.position as unknown as Record<string, unknown>));
        json.push(JSON.stringify(ctx.position));
      }
      if (i === 3) return { enter: "long", takeProfit: null, stop: { bps: 2000 } };
      return undefined;
    },
  };
  runBacktest(synthetic5m(), strategy, P);
  assert.equal(copies.length, 2);
  const keys = ["side", "qty", "entryPrice", "entryTime", "stopPrice", "tpPrice", "barsHeld"];
  for (const c of copies) {
    assert.deepEqual(Object.keys(c), keys);
    assert.equal(c.barsHeld, 3);
  }
  assert.deepEqual(Object.keys(JSON.parse(json[0])), keys);
  assert.ok(json[0].length < 300, `a small record: ${json[0].length} characters`);
});
