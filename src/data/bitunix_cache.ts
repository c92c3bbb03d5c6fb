/**
 * On-disk kline cache: one JSON file per aligned chunk of bars, written atomically
 * (temp file + rename) so an interrupted download leaves only whole chunks behind.
 * Format 2 (198-bar chunks, the base-coin volume whichever field the venue put it in);
 * files of format 1 (200-bar chunks that could hold a hole at a chunk edge and the USDT
 * notional as volume) read as missing and are fetched again.
 */
import { z } from "zod";
import type { Candle } from "../core/candle.ts";

/** One cached chunk: bars in [start, coveredUntil) as far as the venue had them. */
export interface CacheChunk {
  readonly start: number;
  /** End (exclusive) of the time range this chunk has been fetched for. */
  readonly coveredUntil: number;
  readonly candles: Candle[];
}

const finite = z.number().refine(Number.isFinite, "a finite number");
/** The file format written now; other versions read as missing. */
export const CACHE_FORMAT = 2;

const chunkSchema = z.object({
  v: z.literal(CACHE_FORMAT),
  start: finite,
  coveredUntil: finite,
  candles: z.array(z.tuple([finite, finite, finite, finite, finite, finite])),
});

/** Path of the chunk file starting at `start`. */
export function chunkPath(dir: string, start: number): string {
  return `${dir}/${start}.json`;
}

/** Reads a chunk; missing or unreadable/corrupt files read as null (and get refetched). */
export async function readChunk(dir: string, start: number): Promise<CacheChunk | null> {
  let text: string;
  try {
    text = await Deno.readTextFile(chunkPath(dir, start));
  } catch {
    return null;
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return null;
  }
  const r = chunkSchema.safeParse(raw);
  if (!r.success || r.data.start !== start) return null;
  return {
    start,
    coveredUntil: r.data.coveredUntil,
    candles: r.data.candles.map(([ts, open, high, low, close, volume]) => ({
      ts,
      open,
      high,
      low,
      close,
      volume,
    })),
  };
}

/** Writes a chunk atomically. */
export async function writeChunk(dir: string, chunk: CacheChunk): Promise<void> {
  await Deno.mkdir(dir, { recursive: true });
  const path = chunkPath(dir, chunk.start);
  const tmp = `${path}.${crypto.randomUUID()}.tmp`;
  const body = JSON.stringify({
    v: CACHE_FORMAT,
    start: chunk.start,
    coveredUntil: chunk.coveredUntil,
    candles: chunk.candles.map((c) => [c.ts, c.open, c.high, c.low, c.close, c.volume]),
  });
  await Deno.writeTextFile(tmp, body);
  try {
    await Deno.rename(tmp, path);
  } catch (e) {
    await Deno.remove(tmp).catch(() => {});
    throw e;
  }
}
