/** Shrinking long chart series so a report of a million candles stays small. */

/** A chart series as parallel x and y arrays. */
export interface XySeries {
  readonly x: number[];
  readonly y: number[];
}

/**
 * The indices of the lowest and the highest `y` in `[from, to)` (the first of equal ones)
 * into `at[0]` and `at[1]`.
 */
function bucketExtremes(y: ArrayLike<number>, from: number, to: number, at: Int32Array): void {
  let lo = from, hi = from;
  let loV = y[from], hiV = loV; // the extremes in locals: not read back on every candle
  for (let i = from + 1; i < to; i++) {
    const v = y[i];
    if (v < loV) {
      lo = i;
      loV = v;
    }
    if (v > hiV) {
      hi = i;
      hiV = v;
    }
  }
  at[0] = lo;
  at[1] = hi;
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
  const at = new Int32Array(2);
  const buckets = Math.floor((limit - 2) / 2);
  const inner = n - 2;
  for (let b = 0; b < buckets; b++) {
    const from = 1 + Math.floor((b * inner) / buckets);
    const to = 1 + Math.floor(((b + 1) * inner) / buckets);
    if (from >= to) continue;
    bucketExtremes(y, from, to, at);
    const lo = at[0], hi = at[1];
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

/**
 * {@link downsampleMinMax} of an equity curve and, in the same pass over the same
 * buckets, of its drawdown in % of the running peak (`-dd / (equity + dd) x 100`, <= 0,
 * from the USD drawdown series): a million candles are read once, and the % series needs
 * no array of its own.
 */
export function downsampleEquityAndDrawdownPct(
  x: ArrayLike<number>,
  equity: ArrayLike<number>,
  drawdown: ArrayLike<number>,
  maxPoints: number,
): { readonly equity: XySeries; readonly drawdownPct: XySeries } {
  const n = Math.min(x.length, equity.length, drawdown.length);
  const pct = (i: number) => {
    const dd = drawdown[i];
    return dd === 0 ? 0 : -dd / (equity[i] + dd) * 100;
  };
  const limit = Math.max(4, Math.floor(maxPoints));
  if (n <= limit) {
    const xs = Array.from({ length: n }, (_, i) => x[i]);
    return {
      equity: { x: xs, y: Array.from({ length: n }, (_, i) => equity[i]) },
      drawdownPct: { x: [...xs], y: Array.from({ length: n }, (_, i) => pct(i)) },
    };
  }
  const ex: number[] = [x[0]], ey: number[] = [equity[0]];
  const dx: number[] = [x[0]], dy: number[] = [pct(0)];
  const push = (ox: number[], oy: number[], a: number, av: number, b: number, bv: number) => {
    if (a < b) {
      ox.push(x[a], x[b]);
      oy.push(av, bv);
    } else if (b < a) {
      ox.push(x[b], x[a]);
      oy.push(bv, av);
    } else {
      ox.push(x[a]);
      oy.push(av);
    }
  };
  const buckets = Math.floor((limit - 2) / 2);
  const inner = n - 2;
  for (let b = 0; b < buckets; b++) {
    const from = 1 + Math.floor((b * inner) / buckets);
    const to = 1 + Math.floor(((b + 1) * inner) / buckets);
    if (from >= to) continue;
    let eLo = from, eHi = from, dLo = from, dHi = from;
    let eLoV = equity[from], eHiV = eLoV;
    // drawdown as a fraction of the peak (dd / (equity + dd)), compared by multiplying:
    // a division per candle is what this loop would otherwise spend most of its time on
    let fHi = -pct(from) / 100, fLo = fHi;
    for (let i = from + 1; i < to; i++) {
      const e = equity[i];
      if (e < eLoV) {
        eLo = i;
        eLoV = e;
      } else if (e > eHiV) {
        eHi = i;
        eHiV = e;
      }
      const dd = drawdown[i];
      const peak = e + dd;
      if (dd > fHi * peak) {
        dHi = i;
        fHi = dd / peak;
      } else if (dd < fLo * peak) {
        dLo = i;
        fLo = dd / peak;
      }
    }
    // the deepest drawdown is the lowest point of the % series
    const dLoV = -fHi * 100, dHiV = -fLo * 100;
    push(ex, ey, eLo, eLoV, eHi, eHiV);
    push(dx, dy, dHi, dLoV, dLo, dHiV);
  }
  ex.push(x[n - 1]);
  ey.push(equity[n - 1]);
  dx.push(x[n - 1]);
  dy.push(pct(n - 1));
  return { equity: { x: ex, y: ey }, drawdownPct: { x: dx, y: dy } };
}

/**
 * {@link downsampleMinMax} of several series over the same x, keeping one x for all: per
 * bucket the points where any series is lowest or highest (up to two per series), so each
 * line keeps its own peaks and troughs and the lines still share their x values. The
 * first and the last point are kept; series already short enough are copied as is.
 */
export function downsampleMinMaxShared(
  x: ArrayLike<number>,
  ys: readonly ArrayLike<number>[],
  maxPoints: number,
): { readonly x: number[]; readonly ys: number[][] } {
  const n = Math.min(x.length, ...ys.map((y) => y.length));
  const limit = Math.max(4, Math.floor(maxPoints));
  const keep: number[] = [];
  if (n <= limit) {
    for (let i = 0; i < n; i++) keep.push(i);
  } else {
    keep.push(0);
    // each bucket gives up to 2 points per series
    const buckets = Math.max(1, Math.floor((limit - 2) / (2 * Math.max(1, ys.length))));
    const inner = n - 2;
    const marks = new Set<number>();
    const at = new Int32Array(2);
    for (let b = 0; b < buckets; b++) {
      const from = 1 + Math.floor((b * inner) / buckets);
      const to = 1 + Math.floor(((b + 1) * inner) / buckets);
      if (from >= to) continue;
      marks.clear();
      for (const y of ys) {
        bucketExtremes(y, from, to, at);
        marks.add(at[0]);
        marks.add(at[1]);
      }
      for (const i of [...marks].sort((a, b) => a - b)) keep.push(i);
    }
    keep.push(n - 1);
  }
  return {
    x: keep.map((i) => x[i]),
    ys: ys.map((y) => keep.map((i) => y[i])),
  };
}
