/**
 * A big plain CSV file cut into pieces that two threads parse into one set of shared
 * columns, each claiming the next piece from its end (the main thread from the first,
 * the worker from the last), so the faster thread does more and neither waits.
 *
 * @module
 */
import type { CandleSeries } from "../../core/candle.ts";
import { GrowableSeries } from "../../core/growable_series.ts";
import type { CsvLayout } from "../../data/csv_candles.ts";
import { parseCandleFileRange } from "../../data/csv_file_range.ts";

/** One piece of a plain CSV file: bytes `[from, to)` (whole lines) and its room in the columns. */
export interface FilePiece {
  readonly from: number;
  readonly to: number;
  /** First row of its room in the shared columns, and how many rows fit there. */
  readonly at: number;
  readonly room: number;
}

/**
 * Parse pieces of a plain CSV file, reading the file here, into their rooms of `cols`
 * (shared memory), taking them from the last one backwards while the main thread takes
 * them from the first: a piece is parsed by whoever claims it first in `claims` (see
 * piece_claims.ts), so neither waits for the other's share.
 */
export interface FilePiecesJob {
  readonly kind: "file-pieces";
  readonly path: string;
  readonly pieces: readonly FilePiece[];
  readonly claims: Int32Array;
  readonly cols: Omit<CandleSeries, "length">;
  readonly layout: CsvLayout;
}

/** What a parsed piece holds: its row count, and whether its last line was blank. */
export interface PieceResult {
  readonly k: number;
  /** The row of the shared columns its first row went to. */
  readonly at: number;
  readonly rows: number;
  readonly endsBlank: boolean;
  /** False when its rows did not fit its room (the caller parses on one core). */
  readonly inPlace: boolean;
}

/**
 * A claimed piece `k` of `job`, parsed into its room, or from row `at` (earlier, in the
 * room of pieces already parsed, as the main thread does to keep its rows together) to
 * the end of its room.
 */
export function parseFilePiece(
  job: Omit<FilePiecesJob, "kind" | "claims">,
  k: number,
  firstLine: number,
  at = job.pieces[k].at,
): PieceResult {
  const p = job.pieces[k];
  const v = (a: Float64Array) => a.subarray(at, p.at + p.room);
  const { ts, open, high, low, close, volume } = job.cols;
  const room = { ts: v(ts), open: v(open), high: v(high), low: v(low), close: v(close) };
  const cols = new GrowableSeries({ ...room, volume: v(volume) });
  const parser = parseCandleFileRange(
    job.path,
    p.from,
    p.to,
    firstLine,
    cols,
    undefined,
    job.layout,
  );
  return {
    k,
    at,
    rows: cols.length,
    endsBlank: parser.endsBlank,
    inPlace: cols.ts.buffer === ts.buffer,
  };
}
