import { z } from "zod";
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

  constructor(lookback: number) {
    this.lookback = lookback;
    this.warmup = lookback;
  }

  onCandle(ctx: StrategyContext): Bias {
    const b = ctx.bars;
    const lookback = this.lookback;
    if (b.index < lookback) return 0;
    let hi = -Infinity;
    let lo = Infinity;
    for (let ago = lookback; ago >= 1; ago--) {
      const h = b.high(ago);
      const l = b.low(ago);
      if (h > hi) hi = h;
      if (l < lo) lo = l;
    }
    const c = b.close();
    if (c > hi) this.bias = 1;
    else if (c < lo) this.bias = -1;
    return this.bias;
  }
}
