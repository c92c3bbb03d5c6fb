import { z } from "zod";
import { Donchian } from "../indicators/mod.ts";
import type { Bias, StrategyContext, StrategyDefinition, StrategyInstance } from "./api.ts";

/** Parameters of the breakout strategy. */
export type BreakoutParams = { lookback: number };

/**
 * Channel breakout: long when the close rises above the highest high of the previous
 * `lookback` candles, short when it falls below their lowest low, and its last view in
 * between. It loses when breakouts fail and the price falls back into the channel.
 */
export const breakout: StrategyDefinition<BreakoutParams> = {
  name: "breakout",
  summary: "long on a close above the prior N-candle high, short below the prior N-candle low",
  params: z.object({
    lookback: z.number().int().min(2).max(10_000).default(20).describe("channel length in candles"),
  }),
  create: ({ lookback }) => new Breakout(lookback),
};

/** State in fields rather than closure variables (see EmaCross). */
class Breakout implements StrategyInstance {
  readonly name = "breakout";
  readonly warmup: number = 0;
  readonly lookback: number = 0;
  bias: Bias = 0;

  declare readonly channel: Donchian;

  constructor(lookback: number) {
    this.lookback = lookback;
    this.warmup = lookback;
    this.channel = new Donchian(lookback);
  }

  onCandle(ctx: StrategyContext): Bias {
    const b = ctx.bars;
    // the channel of the candles before this one: read before this candle goes in
    const ch = this.channel;
    const hi = ch.upper;
    const lo = ch.lower;
    ch.update(b.high(), b.low());
    if (b.index < this.lookback) return 0;
    const c = b.close();
    if (c > hi) this.bias = 1;
    else if (c < lo) this.bias = -1;
    return this.bias;
  }
}
