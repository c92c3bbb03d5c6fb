/**
 * What every indicator in this folder has in common. Each class adds its own
 * `update(...)`, which takes plain numbers (a value, or a candle's fields), returns the
 * new value (NaN during warm-up) and allocates nothing.
 */
export interface Indicator {
  /**
   * Inputs consumed before the first value (TA-Lib's "lookback"): `update` returns NaN
   * for the first `warmup` inputs and a number from input `warmup + 1` on.
   */
  readonly warmup: number;
  /** True once the indicator has a value (after `warmup + 1` inputs). */
  readonly ready: boolean;
  /** The latest value; NaN during warm-up. */
  readonly value: number;
  /** Forgets every input: back to the state right after construction. */
  reset(): void;
}
