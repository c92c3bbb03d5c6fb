/** Shrinking long chart series so a report of a million candles stays small. */

/** A chart series as parallel x and y arrays. */
export interface XySeries {
  readonly x: number[];
  readonly y: number[];
}

/**
 * Reduces (x[i], y[i]) to at most `maxPoints` points, keeping the first and the last
 * point and, per bucket, the lowest and highest y in their original order: peaks and
 * troughs (e.g. the max drawdown) survive. Series already short enough are copied as is.
 */
export function downsampleMinMax(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  maxPoints: number,
): XySeries {
  const n = Math.min(x.length, y.length);
  const limit = Math.max(4, Math.floor(maxPoints));
  if (n <= limit) {
    return {
      x: Array.from({ length: n }, (_, i) => x[i]),
      y: Array.from({ length: n }, (_, i) => y[i]),
    };
  }
  const outX: number[] = [x[0]];
  const outY: number[] = [y[0]];
  const buckets = Math.floor((limit - 2) / 2);
  const inner = n - 2;
  for (let b = 0; b < buckets; b++) {
    const from = 1 + Math.floor((b * inner) / buckets);
    const to = 1 + Math.floor(((b + 1) * inner) / buckets);
    if (from >= to) continue;
    let lo = from, hi = from;
    for (let i = from + 1; i < to; i++) {
      if (y[i] < y[lo]) lo = i;
      if (y[i] > y[hi]) hi = i;
    }
    const first = lo < hi ? lo : hi;
    const second = lo < hi ? hi : lo;
    outX.push(x[first]);
    outY.push(y[first]);
    if (second !== first) {
      outX.push(x[second]);
      outY.push(y[second]);
    }
  }
  outX.push(x[n - 1]);
  outY.push(y[n - 1]);
  return { x: outX, y: outY };
}
