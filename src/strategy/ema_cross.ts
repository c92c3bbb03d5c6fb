import { z } from "zod";
import type { Bias, Strategy, StrategyDef } from "./strategy.ts";

/** Parameters of the EMA cross strategy. */
export type EmaCrossParams = { fast: number; slow: number };

/**
 * Trend following on two exponential moving averages of the close: long while the fast
 * EMA is above the slow one, short while below. Both EMAs are seeded with the first close.
 */
export const emaCross: StrategyDef<EmaCrossParams> = {
  name: "ema-cross",
  summary: "long while EMA(fast) > EMA(slow) of the close, short while below",
  params: {
    fast: { help: "fast EMA length in candles", default: 12 },
    slow: { help: "slow EMA length in candles", default: 26 },
  },
  schema: z.object({
    fast: z.number().int().min(1).max(10_000),
    slow: z.number().int().min(2).max(10_000),
  }).refine((p) => p.fast < p.slow, "fast must be shorter than slow"),
  create({ fast, slow }): Strategy {
    const kf = 2 / (fast + 1);
    const ks = 2 / (slow + 1);
    let ef = 0;
    let es = 0;
    let bias: Bias = 0;
    return {
      name: "ema-cross",
      warmup: slow,
      next(s, i) {
        const c = s.close[i];
        if (i === 0) {
          ef = c;
          es = c;
          return 0;
        }
        ef += (c - ef) * kf;
        es += (c - es) * ks;
        if (i < slow) return 0;
        if (ef > es) bias = 1;
        else if (ef < es) bias = -1;
        return bias;
      },
    };
  },
};
