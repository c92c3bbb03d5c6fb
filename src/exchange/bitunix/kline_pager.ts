import { type Candle, type Interval, INTERVAL_MS } from "../../core/candle.ts";
import type { BitunixRestClient } from "./rest_client.ts";

/** Most klines one REST call returns. */
export const KLINES_PER_CALL = 200;

/**
 * Fetches the bars with open time in [start, end), walking forward in windows of at most
 * 200 bars (one call each). Result: ascending, de-duplicated, clipped to the range.
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
  const span = KLINES_PER_CALL * iv;
  const byTs = new Map<number, Candle>();
  const total = Math.max(0, Math.ceil((p.end - p.start) / span));
  let done = 0;
  for (let ws = p.start; ws < p.end; ws += span) {
    const we = Math.min(p.end, ws + span);
    const rows = await client.klines({
      symbol: p.symbol,
      interval: p.interval,
      startTime: ws,
      endTime: we,
      limit: KLINES_PER_CALL,
    });
    for (const c of rows) if (c.ts >= ws && c.ts < we) byTs.set(c.ts, c);
    p.onWindow?.(++done, total);
  }
  return [...byTs.values()].sort((a, b) => a.ts - b.ts);
}
