import { z } from "zod";
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
    let bias: Bias = 0;
    return {
      name: "breakout",
      warmup: lookback + 1,
      next(s, i) {
        if (i < lookback) return 0;
        let hi = -Infinity;
        let lo = Infinity;
        for (let j = i - lookback; j < i; j++) {
          if (s.high[j] > hi) hi = s.high[j];
          if (s.low[j] < lo) lo = s.low[j];
        }
        const c = s.close[i];
        if (c > hi) bias = 1;
        else if (c < lo) bias = -1;
        return bias;
      },
    };
  },
};
