/**
 * equity.csv built by two threads into one file. The worker claims pieces from the first
 * onwards and writes each one as it goes; the main thread, once its other files are built,
 * claims them from the last backwards into memory and writes them after the worker's
 * bytes. Whichever thread is free builds the rest, so neither waits long for the other.
 *
 * @module
 */
import { equityCsvPiece, equityCsvPieceCount } from "../../engine/artifacts.ts";
import { writeAllBytes } from "../../ops/write_bytes.ts";
import { claimPieces, MAIN, pieceClaims, WORKER } from "./piece_claims.ts";

/** Candles per piece (about 1.7 MB of equity.csv): small enough to share the tail out. */
const EQUITY_PIECE_ROWS = 50_000;

/** The columns of equity.csv, its pieces and who claimed which. */
export interface EquityPieces {
  readonly ts: Float64Array;
  readonly equity: Float64Array;
  /** The drawdown the report holds (`drawdownSeries` of the equity). */
  readonly drawdown: Float64Array;
  readonly rows: number;
  /** One slot per piece, shared by both threads (see piece_claims.ts). */
  readonly claims: Int32Array;
}

/** The pieces of equity.csv for these columns, none claimed yet. */
export function equityPieces(
  ts: Float64Array,
  equity: Float64Array,
  drawdown: Float64Array,
  rows = EQUITY_PIECE_ROWS,
): EquityPieces {
  const count = equityCsvPieceCount(ts.length, rows);
  return { ts, equity, drawdown, rows, claims: pieceClaims(count) };
}

/**
 * The worker's part: creates `path` and writes the pieces it claims from the first onwards,
 * building the next while the last is written; returns the bytes written. The pieces it
 * did not claim are the main thread's, all after its own.
 */
export async function writeLeadingPieces(path: string, p: EquityPieces): Promise<number> {
  using file = await Deno.open(path, { write: true, create: true, truncate: true });
  let total = 0;
  let writing: Promise<void> = Promise.resolve();
  for (const k of claimPieces(p.claims, WORKER)) {
    const piece = equityCsvPiece(p.ts, p.equity, p.drawdown, k, p.rows);
    await writing;
    writing = writeAllBytes(file, piece);
    total += piece.length;
  }
  await writing;
  return total;
}

/**
 * The main thread's part: builds the pieces it claims from the last backwards, until it
 * meets one the worker holds; returns them in file order.
 */
export function buildTrailingPieces(p: EquityPieces): Uint8Array[] {
  const mine: Uint8Array[] = [];
  for (const k of claimPieces(p.claims, MAIN, true)) {
    mine.push(equityCsvPiece(p.ts, p.equity, p.drawdown, k, p.rows));
  }
  return mine.reverse();
}

/** Writes `pieces` into `path` from byte `offset` on (where the worker's part ended). */
export async function writeTrailingPieces(
  path: string,
  offset: number,
  pieces: readonly Uint8Array[],
): Promise<void> {
  if (pieces.length === 0) return;
  using file = await Deno.open(path, { write: true });
  await file.seek(offset, Deno.SeekMode.Start);
  for (const piece of pieces) await writeAllBytes(file, piece);
}

/** What writes the worker's part: `BacktestWorker.writeEquityCsv`. */
export interface LeadingPiecesWriter {
  writeEquityCsv(path: string, pieces: EquityPieces): Promise<number>;
}

/** equity.csv shared by the worker and this thread. */
export interface SharedEquityFile {
  /**
   * Builds this thread's part (the pieces the worker has not claimed yet), waits for the
   * worker's and writes this one after it; resolves to whether the file is whole (false:
   * the worker failed, or this part's write did, and the caller writes the whole file
   * instead). A worker known to have failed already is not waited for, nor its part built.
   */
  finish(): Promise<boolean>;
}

/**
 * Has the worker start `dir`/equity.csv from the first piece on, as soon as it is free
 * (the job is posted now, so it runs right after the worker's bound); this thread's part
 * waits for `finish`.
 */
export function shareEquityFile(
  worker: LeadingPiecesWriter,
  dir: string,
  columns: {
    readonly ts: Float64Array;
    readonly equity: Float64Array;
    readonly drawdown: Float64Array;
  },
): SharedEquityFile {
  const path = `${dir}/equity.csv`;
  const pieces = equityPieces(columns.ts, columns.equity, columns.drawdown);
  let written: Promise<number | null>;
  let failed = false;
  try {
    Deno.mkdirSync(dir, { recursive: true });
    written = worker.writeEquityCsv(path, pieces).catch(() => {
      failed = true;
      return null;
    });
  } catch {
    failed = true;
    written = Promise.resolve(null);
  }
  return {
    async finish() {
      // a worker that failed at once (one that could not load) leaves it all to the caller
      if (failed) return false;
      const mine = buildTrailingPieces(pieces);
      const offset = await written;
      if (offset === null) return false;
      try {
        await writeTrailingPieces(path, offset, mine);
        return true;
      } catch {
        return false;
      }
    },
  };
}
