import assert from "node:assert/strict";
import { DEFAULT_BACKTEST_PARAMS as P } from "../../src/core/backtest_params.ts";
import { runBacktest } from "../../src/engine/backtest_loop.ts";
import type { Decision, StrategyContext } from "../../src/strategy/api.ts";
import { synthetic5m } from "../_synthetic_data.ts";

/** Enters a tiny long on candle 10, asks for `fraction` of it on candle 12; records the held qty. */
function partialOf(fraction: number) {
  const held: number[] = [];
  return {
    held,
    strategy: {
      name: "tiny-partial",
      warmup: 0,
      onCandle(ctx: StrategyContext): Decision {
        const i = ctx.bars.index;
        held[i] = ctx.position?.qty ?? 0;
        if (i === 10) return { enter: "long", size: 0.03, takeProfit: null, stop: { bps: 2000 } };
        if (i === 12) return { takePartial: fraction };
        return undefined;
      },
    },
  };
}

Deno.test("a partial exit never sends an order below the venue minimum, nor leaves a rest below it", async (t) => {
  const series = synthetic5m();
  const params = { ...P, minQty: 0.0001 };
  const entered = (held: number[]) => held[12];
  await t.step("a part at or above the minimum with a rest above it: reduced", () => {
    const { held, strategy } = partialOf(0.5);
    const r = runBacktest(series, strategy, params);
    const q = entered(held);
    assert.ok(q >= 0.0002 && q < 0.001, `a tiny position: ${q}`);
    assert.ok(Math.abs(held[13] - q / 2) < 1e-9, `half left: ${held[13]}`);
    assert.equal(r.denialsByCode?.["size-zero"] ?? 0, 0);
  });
  await t.step("a part below the minimum: not sent, counted as refused, the position kept", () => {
    const { held, strategy } = partialOf(0.1);
    const r = runBacktest(series, strategy, params);
    assert.ok(entered(held) * 0.1 < 0.0001);
    assert.equal(held[13], entered(held));
    assert.equal(r.denialsByCode?.["size-zero"], 1);
  });
  await t.step("a rest that would be below the minimum: the whole position is closed", () => {
    const { held, strategy } = partialOf(0.9);
    runBacktest(series, strategy, params);
    assert.ok(entered(held) * 0.1 < 0.0001);
    assert.equal(held[13], 0);
  });
});
