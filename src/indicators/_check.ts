/** Validates a length parameter: a safe integer >= `min`; returns it. */
export function checkLength(indicator: string, what: string, n: number, min = 1): number {
  if (!Number.isSafeInteger(n) || n < min) {
    throw new RangeError(
      `Cannot create ${indicator}: ${what} must be an integer >= ${min}, got ${n}`,
    );
  }
  return n;
}

/**
 * TA-Lib's `TA_IS_ZERO`: |x| below `TA_EPSILON`, 1e-14 in the TA-Lib build the tests
 * compare with (TA-Lib 0.4.0 used 1e-8).
 * TA-Lib uses it where a division by a sum would follow (RSI, +DI/-DI, DX), so the same
 * guard gives the same numbers.
 */
export function isZero(x: number): boolean {
  return -1e-14 < x && x < 1e-14;
}

/** True range of a candle given the previous close (TA-Lib's `TRUE_RANGE`). */
export function trueRange(high: number, low: number, prevClose: number): number {
  let greatest = high - low;
  const a = Math.abs(prevClose - high);
  if (a > greatest) greatest = a;
  const b = Math.abs(prevClose - low);
  if (b > greatest) greatest = b;
  return greatest;
}
