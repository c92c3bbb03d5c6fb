import { z } from "zod";
import { Atr, Donchian } from "../indicators/mod.ts";
import type { Decision, StrategyContext, StrategyDefinition, StrategyInstance } from "./api.ts";

/** Parameters of the Donchian breakout with an ATR bracket. */
export type DonchianAtrParams = {
  period: number;
  atrPeriod: number;
  atrMult: number;
  targetR: number;
};

/**
 * Donchian breakout with an ATR bracket: long when the close rises above the highest high
 * of the `period` candles before it, short when it falls below their lowest low (an
 * opposite breakout reverses). The stop goes `atrMult` x ATR from the fill and the
 * take-profit `targetR` times that distance beyond it; the trade ends at one of them or at
 * a reversal. It loses in ranges, where the price pokes through the channel and falls back
 * to the stop: with the defaults it needs to win more than a third of its trades (plus
 * fees) to break even.
 */
export const donchianAtr: StrategyDefinition<DonchianAtrParams> = {
  name: "donchian-atr",
  summary: "breakout of the prior N-candle channel, stop k x ATR away, take-profit at R x stop",
  params: z.object({
    period: z.number().int().min(2).max(10_000).default(20).describe("channel length in candles"),
    atrPeriod: z.number().int().min(1).max(10_000).default(14).describe("ATR length in candles"),
    atrMult: z.number().positive().max(100).default(2).describe("stop distance in ATRs"),
    targetR: z.number().positive().max(100).default(2).describe(
      "take-profit distance as a multiple of the stop distance",
    ),
  }),
  create: (p) => new DonchianAtr(p),
};

/** State in fields rather than closure variables (see EmaCross). */
class DonchianAtr implements StrategyInstance {
  readonly name = "donchian-atr";
  readonly warmup: number = 0;
  readonly atrMult: number = 0;
  readonly targetR: number = 0;
  declare readonly channel: Donchian;
  declare readonly atr: Atr;

  constructor(p: DonchianAtrParams) {
    this.channel = new Donchian(p.period);
    this.atr = new Atr(p.atrPeriod);
    this.atrMult = p.atrMult;
    this.targetR = p.targetR;
    // the channel is read before the current candle joins it: one candle after its warm-up
    this.warmup = Math.max(this.channel.warmup + 1, this.atr.warmup);
  }

  onCandle(ctx: StrategyContext): Decision {
    const b = ctx.bars;
    const c = b.close();
    const hi = this.channel.upper;
    const lo = this.channel.lower;
    this.channel.update(b.high(), b.low());
    const atr = this.atr.update(b.high(), b.low(), c);
    // no range, no stop distance (a halt): no entry
    if (b.index < this.warmup || !(atr > 0)) return;
    const side = ctx.position === null ? 0 : ctx.position.side === "long" ? 1 : -1;
    if (c > hi && side !== 1) return this.enter("long", atr);
    if (c < lo && side !== -1) return this.enter("short", atr);
  }

  private enter(side: "long" | "short", atr: number): Decision {
    const d = this.atrMult * atr;
    return { enter: side, stop: { distance: d }, takeProfit: { distance: this.targetR * d } };
  }
}
