/**
 * Work two threads share piece by piece through one slot per piece in shared memory:
 * each claims pieces from its own end until it meets one the other holds, so the faster
 * thread does more and neither waits for the other's share. The CSV parse and equity.csv
 * use it.
 *
 * @module
 */

/** Who holds a slot. */
export const FREE = 0;
export const MAIN = 1;
export const WORKER = 2;

/** Slots for `count` pieces, all free, in shared memory. */
export function pieceClaims(count: number): Int32Array {
  return new Int32Array(new SharedArrayBuffer(4 * count));
}

/**
 * The pieces `who` claims, one at a time as the caller asks for the next: from the first
 * on, or (`fromEnd`) from the last back, until one is already held.
 */
export function* claimPieces(
  claims: Int32Array,
  who: typeof MAIN | typeof WORKER,
  fromEnd = false,
): Generator<number> {
  const n = claims.length;
  for (let j = 0; j < n; j++) {
    const k = fromEnd ? n - 1 - j : j;
    if (Atomics.compareExchange(claims, k, FREE, who) !== FREE) return;
    yield k;
  }
}
