/**
 * Limits no flag, config file or environment variable can raise. Config may only be
 * stricter; a requested value beyond a limit is an input error, never silently clamped.
 */
export const HARD_LIMITS = Object.freeze({
  /** Largest position notional in USD(T). */
  maxPositionUsd: 200_000,
  /** Largest loss in one UTC day, on marked-to-market equity, in USD(T). */
  maxDailyLossUsd: 50,
  /** Largest leverage (position notional / equity). */
  maxLeverage: 20,
});
