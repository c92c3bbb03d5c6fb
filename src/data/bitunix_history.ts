/**
 * Bitunix kline history for backtests: any [start, end) range (or the last N closed bars)
 * fetched in chunks of 198 bars, one call each (asked with a bar of overlap so that no
 * reading of the venue's `startTime`/`endTime` leaves a hole, and within its 200-row cap),
 * cached on disk chunk by chunk so a repeat request makes no call and an interrupted
 * download resumes. Reports missing bars as gaps.
 */
import {
  bucketStart,
  type Candle,
  type CandleSeries,
  type Interval,
  INTERVAL_MS,
  seriesFromCandles,
} from "../core/candle.ts";
import { InputError } from "../core/errors.ts";
import { parseInterval } from "../exchange/bitunix/intervals.ts";
import {
  KLINE_WINDOW_BARS,
  klineQueryWindow,
  KLINES_PER_CALL,
} from "../exchange/bitunix/kline_pager.ts";
import type { BitunixRestClient } from "../exchange/bitunix/rest_client.ts";
import { readChunk, writeChunk } from "./bitunix_cache.ts";

/** Default cache folder (relative to the working directory). */
export const DEFAULT_BITUNIX_CACHE_DIR = ".cache/bitunix";

/** A run of missing bars: open times in [start, end). */
export interface CandleGap {
  readonly start: number;
  readonly end: number;
  /** Number of missing bars. */
  readonly bars: number;
}

/** Options of `loadBitunixCandles`. Give `count` or `start` (+ optional `end`). */
export interface LoadBitunixCandlesOptions {
  readonly client: BitunixRestClient;
  readonly symbol: string;
  /** Interval name; anything outside 1m 5m 15m 30m 1h 4h 1d is an InputError. */
  readonly interval: Interval | string;
  /** The last `count` CLOSED bars before `now`. */
  readonly count?: number;
  /** Range start (Unix ms, rounded down to the interval). */
  readonly start?: number;
  /** Range end, exclusive (Unix ms; default and maximum: the open time of the current bar). */
  readonly end?: number;
  /** Cache folder (default `.cache/bitunix`); `null` disables the cache. */
  readonly cacheDir?: string | null;
  readonly now?: () => number;
  /**
   * Progress output: `true` = on stderr when it is a terminal (default), `false` = none,
   * or a callback.
   */
  readonly progress?: boolean | ((done: number, total: number) => void);
}

/** Result of `loadBitunixCandles`. */
export interface BitunixCandles {
  readonly series: CandleSeries;
  readonly gaps: CandleGap[];
  readonly range: { readonly start: number; readonly end: number };
  /** Kline calls made (0 when everything came from the cache). */
  readonly requests: number;
}

/** Lists missing bars of an ascending, de-duplicated bar list within [start, end). */
export function findGaps(
  candles: readonly Candle[],
  start: number,
  end: number,
  iv: number,
): CandleGap[] {
  const gaps: CandleGap[] = [];
  let expect = start;
  const push = (a: number, b: number) => {
    if (b > a) gaps.push({ start: a, end: b, bars: Math.round((b - a) / iv) });
  };
  for (const c of candles) {
    if (c.ts < start || c.ts >= end) continue;
    push(expect, c.ts);
    expect = c.ts + iv;
  }
  push(expect, end);
  return gaps;
}

function progressWriter(
  opt: LoadBitunixCandlesOptions["progress"],
  label: string,
): { update(done: number, total: number): void; finish(): void } {
  if (typeof opt === "function") return { update: opt, finish() {} };
  const tty = opt !== false && Deno.stderr.isTerminal();
  if (!tty) return { update() {}, finish() {} };
  const enc = new TextEncoder();
  let shown = false;
  return {
    update(done, total) {
      shown = true;
      Deno.stderr.writeSync(enc.encode(`\r${label}: ${done}/${total} chunks`));
    },
    finish() {
      if (shown) Deno.stderr.writeSync(enc.encode("\n"));
    },
  };
}

/**
 * Loads Bitunix klines as a CandleSeries (ascending, no duplicates) plus a gap report.
 * Chunks are aligned to multiples of `KLINE_WINDOW_BARS` (198) bars; a chunk fully inside
 * the closed past is fetched once, the chunk holding the range end is refetched only when
 * a later end is asked for.
 */
export async function loadBitunixCandles(opts: LoadBitunixCandlesOptions): Promise<BitunixCandles> {
  const interval = parseInterval(String(opts.interval));
  const iv = INTERVAL_MS[interval];
  const now = (opts.now ?? Date.now)();
  const closedEnd = bucketStart(now, iv);
  let start: number;
  let end: number;
  if (opts.count !== undefined) {
    if (!Number.isInteger(opts.count) || opts.count < 1) {
      throw new InputError(`candle count ${opts.count}`, "a whole number >= 1");
    }
    end = closedEnd;
    start = end - opts.count * iv;
  } else if (opts.start !== undefined) {
    start = bucketStart(opts.start, iv);
    end = Math.min(closedEnd, opts.end !== undefined ? Math.ceil(opts.end / iv) * iv : closedEnd);
    if (!(end > start)) {
      throw new InputError("history range", "a start before the end and before the current bar");
    }
  } else {
    throw new InputError("history request", "a candle count or a start time");
  }
  const span = KLINE_WINDOW_BARS * iv;
  const dir = opts.cacheDir === null
    ? null
    : `${
      (opts.cacheDir ?? DEFAULT_BITUNIX_CACHE_DIR).replace(/\/+$/, "")
    }/${opts.symbol}/${interval}`;
  const firstChunk = Math.floor(start / span) * span;
  const total = Math.ceil((end - firstChunk) / span);
  const progress = progressWriter(opts.progress, `Bitunix ${opts.symbol} ${interval}`);
  const byTs = new Map<number, Candle>();
  let requests = 0;
  let done = 0;
  try {
    for (let cs = firstChunk; cs < end; cs += span) {
      const need = Math.min(end, cs + span);
      let chunk = dir ? await readChunk(dir, cs) : null;
      if (!chunk || chunk.coveredUntil < need) {
        // The whole chunk window [cs, need) in one call, a bar of overlap on each side.
        const rows = await opts.client.klines({
          symbol: opts.symbol,
          interval,
          ...klineQueryWindow(cs, need, iv),
          limit: KLINES_PER_CALL,
        });
        requests++;
        const clean = new Map<number, Candle>();
        for (const c of rows) if (c.ts >= cs && c.ts < need && c.ts % iv === 0) clean.set(c.ts, c);
        chunk = {
          start: cs,
          coveredUntil: need,
          candles: [...clean.values()].sort((a, b) => a.ts - b.ts),
        };
        if (dir) await writeChunk(dir, chunk);
      }
      for (const c of chunk.candles) if (c.ts >= start && c.ts < end) byTs.set(c.ts, c);
      progress.update(++done, total);
    }
  } finally {
    progress.finish();
  }
  const candles = [...byTs.values()].sort((a, b) => a.ts - b.ts);
  return {
    series: seriesFromCandles(candles),
    gaps: findGaps(candles, start, end, iv),
    range: { start, end },
    requests,
  };
}
