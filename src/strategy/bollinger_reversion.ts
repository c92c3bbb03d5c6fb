import { z } from "zod";
import { Atr, BollingerBands } from "../indicators/mod.ts";
import type { Decision, StrategyContext, StrategyDefinition, StrategyInstance } from "./api.ts";

/** Parameters of the Bollinger mean-reversion strategy. */
export type BollingerReversionParams = {
  period: number;
  deviations: number;
  atrPeriod: number;
  atrMult: number;
};

/**
 * Bollinger mean reversion: on the candle whose close leaves the bands (the one before
 * closed inside them), trade against it, long below the lower band, short above the
 * upper. The take-profit is the middle band (the SMA) as it stood at that close, the stop
 * `atrMult` x ATR from the fill; an opposite signal reverses. It loses when a band break
 * starts a trend instead of ending a move: the price walks along the band away from the
 * middle and the stop takes the trade.
 */
export const bollingerReversion: StrategyDefinition<BollingerReversionParams> = {
  name: "bollinger-reversion",
  summary: "against a close outside the Bollinger bands, take-profit at the middle band",
  params: z.object({
    period: z.number().int().min(2).max(10_000).default(20).describe("band length in candles"),
    deviations: z.number().positive().max(10).default(2).describe(
      "band width in standard deviations",
    ),
    atrPeriod: z.number().int().min(1).max(10_000).default(14).describe("ATR length in candles"),
    atrMult: z.number().positive().max(100).default(2).describe("stop distance in ATRs"),
  }).refine((p) => p.deviations < Math.sqrt(p.period - 1), {
    // no value of a window is more than sqrt(period - 1) deviations from its mean (Samuelson)
    message: "below sqrt(period - 1): no close can leave wider bands",
    path: ["deviations"],
  }),
  create: (p) => new BollingerReversion(p),
};

/** State in fields rather than closure variables (see EmaCross). */
class BollingerReversion implements StrategyInstance {
  readonly name = "bollinger-reversion";
  readonly warmup: number = 0;
  readonly atrMult: number = 0;
  /** -1: the close before was below the lower band, 1: above the upper, 0: inside. */
  prevZone = 0;
  declare readonly bands: BollingerBands;
  declare readonly atr: Atr;

  constructor(p: BollingerReversionParams) {
    this.bands = new BollingerBands(p.period, p.deviations);
    this.atr = new Atr(p.atrPeriod);
    this.atrMult = p.atrMult;
    // leaving the bands needs the bands of the candle before too
    this.warmup = Math.max(this.bands.warmup + 1, this.atr.warmup);
  }

  onCandle(ctx: StrategyContext): Decision {
    const b = ctx.bars;
    const c = b.close();
    const bands = this.bands;
    const middle = bands.update(c);
    const atr = this.atr.update(b.high(), b.low(), c);
    const prevZone = this.prevZone;
    const zone = c < bands.lower ? -1 : c > bands.upper ? 1 : 0;
    this.prevZone = zone;
    // no range, no stop distance (a halt): no entry
    if (b.index < this.warmup || zone === prevZone || zone === 0 || !(atr > 0)) return;
    const pos = ctx.position;
    const side = pos === null ? 0 : pos.side === "long" ? 1 : -1;
    if (side === -zone) return;
    return {
      enter: zone < 0 ? "long" : "short",
      stop: { distance: this.atrMult * atr },
      takeProfit: { price: middle },
    };
  }
}
