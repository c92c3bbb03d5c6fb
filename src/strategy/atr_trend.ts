import { z } from "zod";
import { Atr, Ema } from "../indicators/mod.ts";
import type { Decision, StrategyContext, StrategyDefinition, StrategyInstance } from "./api.ts";

/** Parameters of the ATR trend follower. */
export type AtrTrendParams = {
  fast: number;
  slow: number;
  atrPeriod: number;
  atrMult: number;
  partialR: number;
  partialSize: number;
};

/**
 * ATR trend follower: long when EMA(fast) crosses above EMA(slow), short when it crosses
 * below (reversing). The stop starts `atrMult` x ATR from the fill and trails the close at
 * that distance: each candle it moves up (long) or down (short) when that is tighter, never
 * back. There is no take-profit, so a trend is held until the trailing stop or the next
 * cross ends it; optionally `partialSize` of the position is taken once the close is
 * `partialR` times the first stop distance in profit. It loses in ranges, where the
 * averages cross back and forth and each cross pays the fees and a stop.
 */
export const atrTrend: StrategyDefinition<AtrTrendParams> = {
  name: "atr-trend",
  summary: "EMA(fast)/EMA(slow) cross, trailing k x ATR stop, no fixed take-profit",
  params: z.object({
    fast: z.number().int().min(1).max(10_000).default(20).describe("fast EMA length in candles"),
    slow: z.number().int().min(2).max(10_000).default(50).describe("slow EMA length in candles"),
    atrPeriod: z.number().int().min(1).max(10_000).default(14).describe("ATR length in candles"),
    atrMult: z.number().positive().max(100).default(3).describe(
      "stop and trailing distance in ATRs",
    ),
    partialR: z.number().positive().max(100).default(2).describe(
      "profit, in first-stop distances, at which part of the position is taken",
    ),
    partialSize: z.number().min(0).max(0.9).default(0.5).describe(
      "fraction of the position taken at partialR (0: none)",
    ),
  }).refine((p) => p.fast < p.slow, { message: "fast must be shorter than slow", path: ["fast"] }),
  create: (p) => new AtrTrend(p),
};

/** State in fields rather than closure variables (see EmaCross). */
class AtrTrend implements StrategyInstance {
  readonly name = "atr-trend";
  readonly warmup: number = 0;
  readonly atrMult: number = 0;
  readonly partialR: number = 0;
  readonly partialSize: number = 0;
  /** EMA(fast) - EMA(slow) of the candle before (NaN during the warm-up). */
  prevDiff = Number.NaN;
  /** Entry time of the position the fields below describe (NaN: none yet). */
  heldSince = Number.NaN;
  /** Price at which the partial take-profit is due (NaN: none due for this position). */
  partialAt = Number.NaN;
  declare readonly fastEma: Ema;
  declare readonly slowEma: Ema;
  declare readonly atr: Atr;

  constructor(p: AtrTrendParams) {
    this.fastEma = new Ema(p.fast);
    this.slowEma = new Ema(p.slow);
    this.atr = new Atr(p.atrPeriod);
    this.atrMult = p.atrMult;
    this.partialR = p.partialR;
    this.partialSize = p.partialSize;
    // a cross needs both averages of the candle before too
    this.warmup = Math.max(this.slowEma.warmup + 1, this.atr.warmup);
  }

  onCandle(ctx: StrategyContext): Decision {
    const b = ctx.bars;
    const c = b.close();
    const diff = this.fastEma.update(c) - this.slowEma.update(c);
    const prev = this.prevDiff;
    this.prevDiff = diff;
    const atr = this.atr.update(b.high(), b.low(), c);
    // no range, no stop distance (a halt): nothing to enter or trail with
    if (b.index < this.warmup || !(atr > 0)) return;
    const dist = this.atrMult * atr;
    const pos = ctx.position;
    const side = pos === null ? 0 : pos.side === "long" ? 1 : -1;
    if (diff > 0 && prev <= 0 && side !== 1) {
      return { enter: "long", stop: { distance: dist }, takeProfit: null };
    }
    if (diff < 0 && prev >= 0 && side !== -1) {
      return { enter: "short", stop: { distance: dist }, takeProfit: null };
    }
    if (pos === null) return;
    if (pos.entryTime !== this.heldSince) {
      // a new position: its first stop distance sets where the partial is due
      this.heldSince = pos.entryTime;
      const r = this.partialR * Math.abs(pos.entryPrice - pos.stopPrice);
      this.partialAt = this.partialSize > 0 ? pos.entryPrice + side * r : Number.NaN;
    }
    const partial = side * (c - this.partialAt) >= 0;
    if (partial) this.partialAt = Number.NaN;
    // the engine refuses a looser stop; asking only for tighter ones keeps answers cheap
    const trail = c - side * dist;
    const tighter = side * (trail - pos.stopPrice) > 0;
    if (tighter && partial) return [{ moveStop: trail }, { takePartial: this.partialSize }];
    if (tighter) return { moveStop: trail };
    if (partial) return { takePartial: this.partialSize };
  }
}
