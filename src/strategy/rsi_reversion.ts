import { z } from "zod";
import { Atr, Rsi } from "../indicators/mod.ts";
import type { Decision, StrategyContext, StrategyDefinition, StrategyInstance } from "./api.ts";

/** Parameters of the RSI mean-reversion strategy. */
export type RsiReversionParams = {
  period: number;
  oversold: number;
  overbought: number;
  middle: number;
  atrPeriod: number;
  atrMult: number;
};

/**
 * RSI mean reversion: long on the candle Wilder's RSI crosses below `oversold`, short on
 * the one it crosses above `overbought`, betting the move overshot. The trade ends when
 * the RSI gets back to `middle` (an exit at the next open), at a stop `atrMult` x ATR
 * from the fill, or at an opposite cross; there is no take-profit. It loses in trends:
 * the RSI stays oversold while the price keeps falling, and the stop takes the trade
 * before any return to the middle.
 */
export const rsiReversion: StrategyDefinition<RsiReversionParams> = {
  name: "rsi-reversion",
  summary: "long when RSI crosses below oversold, short above overbought, out at the middle",
  params: z.object({
    period: z.number().int().min(2).max(10_000).default(14).describe("RSI length in candles"),
    oversold: z.number().min(0).max(100).default(30).describe("RSI level a long enters below"),
    overbought: z.number().min(0).max(100).default(70).describe(
      "RSI level a short enters above",
    ),
    middle: z.number().min(0).max(100).default(50).describe("RSI level that ends a trade"),
    atrPeriod: z.number().int().min(1).max(10_000).default(14).describe("ATR length in candles"),
    atrMult: z.number().positive().max(100).default(2).describe("stop distance in ATRs"),
  })
    .refine((p) => p.oversold < p.middle, {
      message: "oversold must be below middle",
      path: ["oversold"],
    })
    .refine((p) => p.middle < p.overbought, {
      message: "overbought must be above middle",
      path: ["overbought"],
    }),
  create: (p) => new RsiReversion(p),
};

/** One answer object for every exit (the runner reads it at once and keeps nothing). */
const EXIT = { exit: true } as const;

/** State in fields rather than closure variables (see EmaCross). */
class RsiReversion implements StrategyInstance {
  readonly name = "rsi-reversion";
  readonly warmup: number = 0;
  readonly oversold: number = 0;
  readonly overbought: number = 0;
  readonly middle: number = 0;
  readonly atrMult: number = 0;
  /** The RSI of the candle before (NaN during its warm-up). */
  prev = Number.NaN;
  declare readonly rsi: Rsi;
  declare readonly atr: Atr;

  constructor(p: RsiReversionParams) {
    this.rsi = new Rsi(p.period);
    this.atr = new Atr(p.atrPeriod);
    this.oversold = p.oversold;
    this.overbought = p.overbought;
    this.middle = p.middle;
    this.atrMult = p.atrMult;
    // a cross needs the RSI of the candle before too
    this.warmup = Math.max(this.rsi.warmup + 1, this.atr.warmup);
  }

  onCandle(ctx: StrategyContext): Decision {
    const b = ctx.bars;
    const c = b.close();
    const prev = this.prev;
    const r = this.rsi.update(c);
    this.prev = r;
    const atr = this.atr.update(b.high(), b.low(), c);
    if (b.index < this.warmup) return;
    const pos = ctx.position;
    const side = pos === null ? 0 : pos.side === "long" ? 1 : -1;
    // no range, no stop distance (a halt): no entry
    if (atr > 0) {
      if (r < this.oversold && prev >= this.oversold && side !== 1) {
        return { enter: "long", stop: { distance: this.atrMult * atr }, takeProfit: null };
      }
      if (r > this.overbought && prev <= this.overbought && side !== -1) {
        return { enter: "short", stop: { distance: this.atrMult * atr }, takeProfit: null };
      }
    }
    if ((side === 1 && r >= this.middle) || (side === -1 && r <= this.middle)) {
      return EXIT;
    }
  }
}
