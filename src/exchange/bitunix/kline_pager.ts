import { type Candle, type Interval, INTERVAL_MS } from "../../core/candle.ts";
import type { BitunixRestClient } from "./rest_client.ts";

/** Most klines one REST call returns (the venue's cap). */
export const KLINES_PER_CALL = 200;

/**
 * Bars one call is relied on for. Nothing documents whether `startTime` and `endTime`
 * include a bar opening exactly there, so each call asks from one bar before its window
 * to the window's end: whichever way the venue reads either bound, every bar of the window
 * comes back, and at most 198 + 2 = 200 bars fall in the query, so the 200-row cap never
 * cuts one off (whether it keeps the newest or the oldest rows).
 */
export const KLINE_WINDOW_BARS = KLINES_PER_CALL - 2;

/**
 * The `startTime`/`endTime` to ask for the bars opening in [start, end) (at most
 * `KLINE_WINDOW_BARS` of them, `start` on the interval grid): one bar of overlap before,
 * and the end itself, so neither an exclusive nor an inclusive bound leaves a hole. The
 * reply may hold a bar on either side; keep only [start, end).
 */
export function klineQueryWindow(
  start: number,
  end: number,
  intervalMs: number,
): { startTime: number; endTime: number } {
  return { startTime: start - intervalMs, endTime: end };
}

/**
 * Fetches the bars with open time in [start, end), walking forward in windows of at most
 * `KLINE_WINDOW_BARS` bars (one call each, overlapping by a bar so that no reading of the
 * venue's bounds leaves a hole). Result: ascending, de-duplicated, clipped to the range.
 */
export async function fetchKlineRange(
  client: BitunixRestClient,
  p: {
    symbol: string;
    interval: Interval;
    start: number;
    end: number;
    onWindow?: (done: number, total: number) => void;
  },
): Promise<Candle[]> {
  const iv = INTERVAL_MS[p.interval];
  const span = KLINE_WINDOW_BARS * iv;
  const first = Math.ceil(p.start / iv) * iv;
  const byTs = new Map<number, Candle>();
  const total = Math.max(0, Math.ceil((p.end - first) / span));
  let done = 0;
  for (let ws = first; ws < p.end; ws += span) {
    const we = Math.min(p.end, ws + span);
    const rows = await client.klines({
      symbol: p.symbol,
      interval: p.interval,
      ...klineQueryWindow(ws, we, iv),
      limit: KLINES_PER_CALL,
    });
    for (const c of rows) if (c.ts >= ws && c.ts < we) byTs.set(c.ts, c);
    p.onWindow?.(++done, total);
  }
  return [...byTs.values()].sort((a, b) => a.ts - b.ts);
}
