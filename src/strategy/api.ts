/**
 * The strategy API: what a strategy sees on each closed candle and what it may answer.
 * See STRATEGIES.md for the rules and a worked example.
 *
 * @module
 */
import type { z } from "zod";
import type { Side } from "../core/trade.ts";

/** Long (1), short (-1) or no view (0): the shorthand answer. */
export type Bias = -1 | 0 | 1;

/**
 * Closed candles up to the current one, read backwards: `close()` is the candle that
 * just closed, `close(1)` the one before. A later candle cannot be read: `ago < 0`
 * throws. Before the first candle the values are NaN.
 */
export interface Bars {
  /** Index of the current candle (0-based, counting from the first candle given). */
  readonly index: number;
  /** Number of candles seen so far (index + 1). */
  readonly count: number;
  /** Open time of the candle `ago` candles back, Unix ms. */
  time(ago?: number): number;
  open(ago?: number): number;
  high(ago?: number): number;
  low(ago?: number): number;
  close(ago?: number): number;
  volume(ago?: number): number;
}

/** The strategy's own open position, as the engine holds it. */
export interface PositionView {
  readonly side: Side;
  readonly qty: number;
  /** Quantity-weighted entry price. */
  readonly entryPrice: number;
  readonly entryTime: number;
  /** The protective stop the venue holds. */
  readonly stopPrice: number;
  /** The take-profit the venue holds (NaN when none). */
  readonly tpPrice: number;
  /** Candles since the entry filled (0 on the entry's own candle). */
  readonly barsHeld: number;
}

/** What a strategy sees on each closed candle. The object is reused: do not keep it. */
export interface StrategyContext {
  readonly bars: Bars;
  /** The open position, or null when flat. */
  readonly position: PositionView | null;
  /** Account equity marked to market at this close. */
  readonly equity: number;
}

/**
 * A price level for a stop or take-profit: an absolute `price`, or a `distance` in price
 * units from the entry's fill (e.g. `1.5 * atr`), or `bps` basis points (a stop's from the fill;
 * a take-profit's become a distance at the decision's close).
 */
export type Level =
  | { readonly price: number }
  | { readonly distance: number }
  | { readonly bps: number };

/** Enter a position (reversing an opposite one). Ignored while already on that side. */
export interface EnterIntent {
  readonly enter: "long" | "short";
  /** The protective stop (default: `--stop-bps` from the fill). Sizing risks equity at it. */
  readonly stop?: Level;
  /** The take-profit (default: `--tp-r` times the stop distance). `null`: none. */
  readonly takeProfit?: Level | null;
  /**
   * Fraction (0..1] of the size the risk settings give. A strategy may ask for less, never
   * more; the RiskGate may give less still.
   */
  readonly size?: number;
}

/** Close the whole position. */
export interface ExitIntent {
  readonly exit: true;
}

/** Move the position's stop (trailing, break-even). A move that loosens it is ignored. */
export interface MoveStopIntent {
  readonly moveStop: number;
}

/** Close part of the position now: `fraction` of its quantity (0..1). */
export interface TakePartialIntent {
  readonly takePartial: number;
}

/** Anything a strategy may ask for on a candle. */
export type Intent = EnterIntent | ExitIntent | MoveStopIntent | TakePartialIntent;

/**
 * A strategy's answer on a candle: a Bias (the shorthand: enter when it changes to long
 * or short, exit when it changes away from the held side), one Intent or several, or
 * nothing (`undefined`/`null`: hold).
 */
export type Decision = Bias | Intent | readonly Intent[] | null | undefined | void;

/** A running strategy (one per backtest pass or session). */
export interface StrategyInstance {
  /** Candles needed before its answers count (earlier ones are ignored). */
  readonly warmup: number;
  /** Called once per closed candle, in order. */
  onCandle(ctx: StrategyContext): Decision;
}

/** A running strategy that may name itself (for messages). */
export type Strategy = StrategyInstance & { readonly name?: string };

/**
 * A strategy: its name, its parameters and how to create a running instance. Its
 * parameters are a zod object of numbers with defaults and descriptions: they become
 * `--flags` and config keys, and `--help` lists them.
 */
export interface StrategyDefinition<P extends Record<string, number> = Record<string, number>> {
  readonly name: string;
  /** One line for --help. */
  readonly summary: string;
  readonly params: z.ZodType<P>;
  create(params: P): StrategyInstance;
}

/** Identity helper that gives a definition its types (`export default defineStrategy({...})`). */
export function defineStrategy<P extends Record<string, number>>(
  def: StrategyDefinition<P>,
): StrategyDefinition<P> {
  return def;
}
