import assert from "node:assert/strict";
import type { Candle } from "../../src/core/candle.ts";
import { runBacktest } from "../../src/engine/backtest_loop.ts";
import type { Decision, StrategyContext } from "../../src/strategy/api.ts";
import { isStrategyError } from "../../src/strategy/runner.ts";
import { tradesHash } from "../../src/engine/trades_hash.ts";
import { synthetic5m } from "../_synthetic_data.ts";
import { LiveVenue } from "../engine/_live_venue.ts";
import { livePipeline } from "../engine/_live_pipeline.ts";
import { PARAMS } from "../engine/_scripted.ts";

/** A fake clock the strategy itself moves: `cost(index)` ms per answer. */
function slowStrategy(cost: (index: number) => number) {
  const clock = { now: 0 };
  return {
    clock,
    strategy: {
      name: "slowpoke",
      warmup: 0,
      onCandle(ctx: StrategyContext): Decision {
        clock.now += cost(ctx.bars.index);
        return ctx.bars.index % 50 < 25 ? 1 : -1;
      },
    },
  };
}

function candle(i: number): Candle {
  return {
    ts: 1_700_000_000_000 + i * 60_000,
    open: 100,
    high: 100.1,
    low: 99.9,
    close: 100,
    volume: 1,
  };
}

Deno.test("a session stops a strategy that takes too long on a candle, naming it and the candle", async () => {
  const { clock, strategy } = slowStrategy((i) => (i === 3 ? 1500 : 5));
  const { pipeline, events, gate } = livePipeline(new LiveVenue(), strategy, undefined, {
    haltOnStrategyError: true,
    strategyTiming: { clock: () => clock.now },
  });
  for (let i = 0; i < 6; i++) await pipeline.onCandle({ candle: candle(i), live: true });
  const failed = events.filter((e) => e.event === "strategy.failed");
  assert.equal(failed.length, 1);
  assert.equal(failed[0].fields.strategy, "slowpoke");
  assert.equal(failed[0].fields.candleTs, candle(3).ts);
  assert.match(String(failed[0].fields.problem), /took 1500 ms to answer; the limit is 1000 ms/);
  assert.equal(gate.state, "halted", "entries halted");
});

Deno.test("a backtest stops a strategy that stays too slow, and lets one slow candle pass", async (t) => {
  const series = synthetic5m();
  await t.step("slow on every candle from 3,000 on: stopped on the first candle timed", () => {
    const { clock, strategy } = slowStrategy((i) => (i >= 3000 ? 1200 : 0.001));
    let err: unknown;
    try {
      runBacktest(series, strategy, PARAMS, undefined, { clock: () => clock.now });
    } catch (e) {
      err = e;
    }
    assert.ok(isStrategyError(err), String(err));
    // samples every 1,024 candles: the one at 3,072 saw the slow ones and timing starts
    assert.equal(err.candleTs, series.ts[3072]);
    assert.match(err.message, /Strategy slowpoke failed on the candle of .*took 1200 ms/);
  });
  await t.step("one slow candle among fast ones: the backtest runs on, to the same trades", () => {
    const { clock, strategy } = slowStrategy((i) => (i === 3000 ? 5000 : 0.001));
    const r = runBacktest(series, strategy, PARAMS, undefined, { clock: () => clock.now });
    const fast = slowStrategy(() => 0.001);
    const same = runBacktest(series, fast.strategy, PARAMS, undefined, {
      clock: () => fast.clock.now,
    });
    assert.ok(r.trades.length > 0);
    assert.equal(tradesHash(r.trades), tradesHash(same.trades));
  });
  await t.step("the same strategy timed on every answer is stopped on that candle", () => {
    const { clock, strategy } = slowStrategy((i) => (i === 3000 ? 5000 : 0.001));
    assert.throws(
      () =>
        runBacktest(series, strategy, PARAMS, undefined, { mode: "each", clock: () => clock.now }),
      (e: unknown) => isStrategyError(e) && e.candleTs === series.ts[3000],
    );
  });
});
