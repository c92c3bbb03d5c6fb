import type { z } from "zod";
import type { CandleSeries } from "../core/candle.ts";

/** Long (1), short (-1) or no view (0). */
export type Bias = -1 | 0 | 1;

/**
 * A trading strategy: turns closed candles into a directional bias. `next` is called
 * exactly once per closed candle, in order (i = 0, 1, 2, ...), with a series that holds
 * at least candles 0..i; it must only read candles up to i and must be deterministic.
 * The engine enters when the bias changes to long or short, and exits on a change away
 * from the held side.
 */
export interface Strategy {
  readonly name: string;
  /** Candles needed before the bias can be non-zero. */
  readonly warmup: number;
  next(series: CandleSeries, i: number): Bias;
}

/** A named strategy with its parameter schema; `create` returns a fresh instance. */
export interface StrategyDef<P extends Record<string, number> = Record<string, number>> {
  readonly name: string;
  readonly summary: string;
  /** Parameter name -> description and default, for `--help` and flags. */
  readonly params: Readonly<
    Record<keyof P & string, { readonly help: string; readonly default: number }>
  >;
  /** Validates parameters (after defaults are applied). */
  readonly schema: z.ZodType<P>;
  create(params: P): Strategy;
}
