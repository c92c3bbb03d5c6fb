/**
 * Stitching the test windows of a walk-forward into one out-of-sample equity curve, and
 * its stats.
 *
 * @module
 */
import type { Trade } from "../core/trade.ts";
import type { RunStats } from "../engine/report_model.ts";
import { computeStats } from "../engine/stats.ts";
import type { WindowPass } from "./walk_forward.ts";

/** One fold's test window, to be chained after the previous one. */
export interface OosSegment {
  readonly fold: number;
  /** Open times of the test window's candles. */
  readonly ts: ArrayLike<number>;
  readonly pass: WindowPass;
}

/** The out-of-sample result: the test windows one after another. */
export interface StitchedOos {
  readonly ts: Float64Array;
  readonly equity: Float64Array;
  /** Where each fold's test window starts in `ts`/`equity`. */
  readonly foldStarts: readonly { readonly fold: number; readonly index: number }[];
  readonly trades: readonly Trade[];
  /** Stats of the stitched curve (start equity = the run's; 0 trades without segments). */
  readonly stats: RunStats;
}

/**
 * Chains `segments` in order. Each segment must start from the equity the previous one
 * ended with (the first from `startEquity`): the walk-forward runs each test window from
 * there, so its sizing compounds as one account's would; a segment that does not is a
 * broken invariant and throws. The stats are those of the whole chained curve (Sharpe,
 * drawdown across fold boundaries included).
 */
export function stitchOos(
  segments: readonly OosSegment[],
  opts: { readonly startEquity: number; readonly intervalMs: number },
): StitchedOos {
  let n = 0;
  for (const s of segments) n += s.pass.equity.length;
  const ts = new Float64Array(n);
  const equity = new Float64Array(n);
  const foldStarts: { fold: number; index: number }[] = [];
  const trades: Trade[] = [];
  let exposed = 0;
  let at = 0;
  let end = opts.startEquity;
  for (const s of segments) {
    const start = s.pass.stats.start_equity;
    if (Math.abs(start - end) > 1e-9 * Math.max(1, Math.abs(end))) {
      throw new Error(
        `Cannot stitch fold ${s.fold}: its test window starts at equity ${start}, ` +
          `the previous one ended at ${end}`,
      );
    }
    if (s.ts.length !== s.pass.equity.length) {
      throw new Error(
        `Cannot stitch fold ${s.fold}: ${s.ts.length} times for ${s.pass.equity.length} equity points`,
      );
    }
    foldStarts.push({ fold: s.fold, index: at });
    for (let i = 0; i < s.ts.length; i++) {
      ts[at + i] = s.ts[i];
      equity[at + i] = s.pass.equity[i];
    }
    at += s.ts.length;
    for (const t of s.pass.trades) trades.push(t);
    exposed += s.pass.exposedCandles;
    if (s.pass.equity.length > 0) end = s.pass.equity[s.pass.equity.length - 1];
  }
  const stats = computeStats({
    startEquity: opts.startEquity,
    trades,
    equity,
    exposedCandles: exposed,
    intervalMs: opts.intervalMs,
    ts,
  });
  return { ts, equity, foldStarts, trades, stats };
}
