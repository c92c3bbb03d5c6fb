/**
 * Reads the end of `logs/system.jsonl` without reading the whole file: chunks are read
 * backwards from the end until enough records at the wanted level are found.
 *
 * @module
 */
import { z } from "zod";
import type { LogLevel, LogRecord } from "../core/events.ts";

/** Default system log, relative to the working directory. */
export const DEFAULT_SYSTEM_LOG_PATH = "logs/system.jsonl";

const LEVEL_RANK: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

/** zod schema of one log line's envelope (other fields are kept as they are). */
export const LogRecordSchema = z.looseObject({
  ts: z.string(),
  level: z.enum(["debug", "info", "warn", "error"]),
  component: z.string(),
  event: z.string(),
  runId: z.string(),
});

/** Options of {@link tailLog}. */
export interface TailOptions {
  /** Bytes read per step (default 64 KiB). */
  readonly chunkBytes?: number;
  /** Stop after scanning this many bytes from the end (default 16 MiB). */
  readonly maxScanBytes?: number;
}

function parseLine(bytes: Uint8Array, decoder: TextDecoder): LogRecord | null {
  if (bytes.length === 0) return null;
  try {
    const parsed = LogRecordSchema.safeParse(JSON.parse(decoder.decode(bytes)));
    return parsed.success ? (parsed.data as LogRecord) : null;
  } catch {
    return null;
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (b.length === 0) return a;
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

/**
 * The last `limit` records of a JSONL log at or above `minLevel`, oldest first. Lines
 * that are not JSON or lack the envelope are skipped; a last line without its newline
 * (a write in progress) is ignored. A missing file gives an empty list.
 */
export async function tailLog(
  path: string,
  limit: number,
  minLevel: LogLevel = "debug",
  options: TailOptions = {},
): Promise<LogRecord[]> {
  if (limit <= 0) return [];
  const chunkBytes = Math.max(1, options.chunkBytes ?? 65_536);
  const maxScan = options.maxScanBytes ?? 16 * 1024 * 1024;
  const minRank = LEVEL_RANK[minLevel];
  let file: Deno.FsFile;
  try {
    file = await Deno.open(path, { read: true });
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return [];
    throw e;
  }
  const found: LogRecord[] = [];
  const decoder = new TextDecoder();
  try {
    const size = (await file.stat()).size;
    let pos = size;
    let scanned = 0;
    let carry = new Uint8Array(0);
    let first = true;
    while (pos > 0 && found.length < limit && scanned < maxScan) {
      const len = Math.min(chunkBytes, pos);
      pos -= len;
      scanned += len;
      const chunk = new Uint8Array(len);
      await file.seek(pos, Deno.SeekMode.Start);
      let off = 0;
      while (off < len) {
        const n = await file.read(chunk.subarray(off));
        if (n === null) break;
        off += n;
      }
      const buf = concat(chunk.subarray(0, off), carry);
      // split at newlines, walking backwards; the first segment may continue in the
      // previous chunk and becomes the new carry (unless this is the start of the file)
      let end = buf.length;
      if (first) {
        // whatever follows the last newline is a partial line being written
        const lastNl = buf.lastIndexOf(0x0a);
        if (lastNl === -1) continue; // all of it is the partial line; look further back
        end = lastNl;
        first = false;
      }
      let i = end - 1;
      for (; i >= 0 && found.length < limit; i--) {
        if (buf[i] !== 0x0a) continue;
        const rec = parseLine(buf.subarray(i + 1, end), decoder);
        if (rec && LEVEL_RANK[rec.level] >= minRank) found.push(rec);
        end = i;
      }
      carry = buf.slice(0, end);
      if (pos === 0 && found.length < limit) {
        const rec = parseLine(carry, decoder);
        if (rec && LEVEL_RANK[rec.level] >= minRank) found.push(rec);
      }
    }
  } finally {
    file.close();
  }
  return found.reverse();
}
