/**
 * RSI dip: buys a close that pushes RSI below an oversold level in an uptrend (close above
 * its long EMA), with a stop a few ATRs below the fill and a take-profit at twice that
 * distance; it exits early when RSI is back above the middle. The worked example of
 * STRATEGIES.md: copy it to start a strategy of your own.
 *
 * It loses when a dip is the start of a fall: the trend filter lags, and the stop is hit
 * before the price recovers.
 */
import type { StrategyKit } from "../src/strategy/mod.ts";

export default ({ z, defineStrategy, Rsi, Atr, Ema }: StrategyKit) =>
  defineStrategy({
    name: "rsi-dip",
    summary: "long on an RSI dip while the close is above its long EMA; ATR stop",
    params: z.object({
      rsiPeriod: z.number().int().min(2).max(200).default(14).describe("RSI length"),
      oversold: z.number().min(1).max(49).default(30).describe("RSI level that is a dip"),
      trendPeriod: z.number().int().min(2).max(1000).default(200).describe("trend EMA length"),
      atrMult: z.number().min(0.1).max(20).default(2).describe("stop distance in ATR(14)s"),
    }),
    create(p) {
      const rsi = new Rsi(p.rsiPeriod);
      const atr = new Atr(14);
      const trend = new Ema(p.trendPeriod);
      const exit = { exit: true } as const; // one object for every exit: nothing allocated per candle
      return {
        warmup: Math.max(rsi.warmup, atr.warmup, trend.warmup) + 1,
        onCandle(ctx) {
          const b = ctx.bars;
          const close = b.close();
          const r = rsi.update(close);
          const a = atr.update(b.high(), b.low(), close);
          const t = trend.update(close);
          if (ctx.position === null) {
            if (r < p.oversold && close > t) {
              const stop = p.atrMult * a;
              return {
                enter: "long",
                stop: { distance: stop },
                takeProfit: { distance: 2 * stop },
              };
            }
            return;
          }
          if (r > 50) return exit;
        },
      };
    },
  });
