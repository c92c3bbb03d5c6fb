import { z } from "zod";
import type { CandleSeries } from "../core/candle.ts";
import type { Bias, Strategy, StrategyDef } from "./strategy.ts";

/** Parameters of the breakout strategy. */
export type BreakoutParams = { lookback: number };

/**
 * Donchian channel breakout: turns long when the close rises above the highest high of
 * the previous `lookback` candles, short when it falls below their lowest low, and keeps
 * its last view in between.
 */
export const breakout: StrategyDef<BreakoutParams> = {
  name: "breakout",
  summary: "long on a close above the prior N-candle high, short below the prior N-candle low",
  params: { lookback: { help: "channel length in candles", default: 20 } },
  schema: z.object({ lookback: z.number().int().min(2).max(10_000) }),
  create({ lookback }): Strategy {
    return new Breakout(lookback);
  },
};

/** State in fields rather than closure variables (see EmaCross). */
class Breakout implements Strategy {
  readonly name = "breakout";
  readonly warmup: number = 0;
  readonly lookback: number = 0;
  bias: Bias = 0;

  constructor(lookback: number) {
    this.lookback = lookback;
    this.warmup = lookback + 1;
  }

  next(s: CandleSeries, i: number): Bias {
    const lookback = this.lookback;
    if (i < lookback) return 0;
    let hi = -Infinity;
    let lo = Infinity;
    const high = s.high;
    const low = s.low;
    for (let j = i - lookback; j < i; j++) {
      if (high[j] > hi) hi = high[j];
      if (low[j] < lo) lo = low[j];
    }
    const c = s.close[i];
    if (c > hi) this.bias = 1;
    else if (c < lo) this.bias = -1;
    return this.bias;
  }
}
