/**
 * Exact intrabar resolution: a bar that touches both its stop and its take-profit is
 * resolved from the candles of a shorter interval inside it (e.g. 1m candles under 5m
 * bars), the first finer candle that reaches a level deciding. Only those bars consult
 * the finer candles, so a run pays for them only where the bar alone cannot tell.
 *
 * @module
 */
import type { CandleSeries } from "../core/candle.ts";
import {
  firstTouchInDetail,
  HIT_BOTH,
  HIT_NONE,
  HIT_STOP,
  HIT_STOP_GAP,
  HIT_TP,
  HIT_TP_GAP,
} from "../core/fill_rules.ts";

/** Finer candles under the bars of a backtest. */
export interface IntrabarDetail {
  /** The finer candles, strictly increasing open times on their interval's grid. */
  readonly series: CandleSeries;
  /** Interval of the finer candles in ms; divides `barMs`. */
  readonly intervalMs: number;
  /** Interval of the backtest's bars in ms. */
  readonly barMs: number;
}

/**
 * How the ambiguous bars of one detail pass were resolved (the keys of `stats.json`
 * `detail.resolution`). `with_detail` = `stop_first + tp_first + both_in_one_candle +
 * untouched`; every bar not resolved to `stop_first` or `tp_first` took the stop
 * (the conservative rule).
 */
export interface DetailResolution {
  /** Bars that touched both stop and take-profit while a position was open. */
  readonly ambiguous_bars: number;
  /** Of those, bars whose finer candles were all there. */
  readonly with_detail: number;
  /** Bars without all their finer candles: resolved by the conservative rule. */
  readonly without_detail: number;
  /** The finer candles reached the stop first. */
  readonly stop_first: number;
  /** The finer candles reached the take-profit first. */
  readonly tp_first: number;
  /** The first finer candle to reach a level touched both: stop taken. */
  readonly both_in_one_candle: number;
  /** No finer candle reached either level (finer data disagree with the bar): stop taken. */
  readonly untouched: number;
}

/** Index of the first element of `a` that is >= `v` (a is sorted ascending). */
function lowerBound(a: ArrayLike<number>, v: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Resolves ambiguous bars from finer candles and counts how each was resolved. */
export class DetailResolver {
  readonly #d: IntrabarDetail;
  readonly #perBar: number;
  #ambiguous = 0;
  #without = 0;
  #stop = 0;
  #tp = 0;
  #both = 0;
  #untouched = 0;
  readonly #gap = { price: Number.NaN };

  /** The open of the finer candle that opened through a level, after a HIT_*_GAP answer. */
  get gapPrice(): number {
    return this.#gap.price;
  }

  /** @param detail the finer candles; `intervalMs` must divide `barMs` */
  constructor(detail: IntrabarDetail) {
    if (!(detail.intervalMs > 0) || detail.barMs % detail.intervalMs !== 0) {
      throw new RangeError(
        `detail interval ${detail.intervalMs} ms does not divide the bar interval ${detail.barMs} ms`,
      );
    }
    this.#d = detail;
    this.#perBar = detail.barMs / detail.intervalMs;
  }

  /**
   * The level a bar opening at `barTs` that touched both reached first: HIT_STOP or
   * HIT_TP. Without all the bar's finer candles, or when they cannot tell, HIT_STOP.
   */
  resolve(barTs: number, isLong: boolean, stop: number, tp: number): number {
    this.#ambiguous++;
    const { ts, open, high, low } = this.#d.series;
    const from = lowerBound(ts, barTs);
    const to = from + this.#perBar;
    // the grid and strictly increasing times make first and last being right enough
    if (
      to > ts.length || ts[from] !== barTs ||
      ts[to - 1] !== barTs + this.#d.barMs - this.#d.intervalMs
    ) {
      this.#without++;
      return HIT_STOP;
    }
    const hit = firstTouchInDetail(isLong, open, high, low, from, to, stop, tp, this.#gap);
    if (hit === HIT_TP || hit === HIT_TP_GAP) {
      this.#tp++;
      return hit;
    }
    if (hit === HIT_STOP_GAP) {
      this.#stop++;
      return hit; // it fills at the finer candle's open (`gapPrice`), not at the stop
    }
    if (hit === HIT_STOP) this.#stop++;
    else if (hit === HIT_BOTH) this.#both++;
    else if (hit === HIT_NONE) this.#untouched++;
    return HIT_STOP;
  }

  /** The counts so far. */
  resolution(): DetailResolution {
    return {
      ambiguous_bars: this.#ambiguous,
      with_detail: this.#ambiguous - this.#without,
      without_detail: this.#without,
      stop_first: this.#stop,
      tp_first: this.#tp,
      both_in_one_candle: this.#both,
      untouched: this.#untouched,
    };
  }
}

/** How much of a backtest's bars the finer candles cover. */
export interface DetailCoverage {
  /** Bars of the backtest. */
  readonly bars: number;
  /** Bars whose every finer candle is there. */
  readonly covered_bars: number;
  /** Open time of the first and last finer candle (Unix ms), null when there are none. */
  readonly first_ts: number | null;
  readonly last_ts: number | null;
}

/**
 * Counts the bars of `bars` whose finer candles are all in `detail` (one pass over
 * both series, for the run's report; the resolver itself looks only at ambiguous bars).
 */
export function detailCoverage(bars: CandleSeries, detail: IntrabarDetail): DetailCoverage {
  const d = detail.series.ts;
  const perBar = detail.barMs / detail.intervalMs;
  let covered = 0;
  let k = 0;
  for (let i = 0; i < bars.length; i++) {
    const t = bars.ts[i];
    while (k < d.length && d[k] < t) k++;
    const end = k + perBar - 1;
    if (end < d.length && d[k] === t && d[end] === t + detail.barMs - detail.intervalMs) {
      covered++;
    }
  }
  return {
    bars: bars.length,
    covered_bars: covered,
    first_ts: d.length > 0 ? d[0] : null,
    last_ts: d.length > 0 ? d[d.length - 1] : null,
  };
}
