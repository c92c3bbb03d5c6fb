/**
 * Big candle CSV files parsed a byte range at a time, read in pieces: no buffer the size
 * of the file, so two threads can each read and parse their half of one file.
 */
import type { GrowableSeries } from "../core/growable_series.ts";
import { CandleRowParser, type CsvLayout, PLAIN_LAYOUT } from "./csv_candles.ts";

/** Bytes read per piece; a longer line grows the buffer. */
const PIECE = 1 << 20;

/**
 * Parses the rows in bytes `[from, to)` of a plain (not gzip) CSV file into `cols`.
 * `from` must start a line and `to` must end one (or be the end of the file).
 * `firstLine` is the file line of the first row, for errors; `pieceBytes` the read size;
 * `layout` what the columns hold (see `candleCsvLayout`).
 *
 * @returns the parser (rows in `cols`; `endsBlank` tells of trailing blank lines)
 * @throws InputError for a bad row; Deno errors when the file cannot be read.
 */
export function parseCandleFileRange(
  path: string,
  from: number,
  to: number,
  firstLine: number,
  cols: GrowableSeries,
  pieceBytes = PIECE,
  layout: CsvLayout = PLAIN_LAYOUT,
): CandleRowParser {
  const parser = new CandleRowParser(path, firstLine, cols, layout);
  using file = Deno.openSync(path);
  file.seekSync(from, Deno.SeekMode.Start);
  let buf = new Uint8Array(Math.min(pieceBytes, Math.max(1, to - from)));
  let filled = 0; // bytes in buf: an unparsed line start carried over, then new bytes
  let left = to - from;
  while (left > 0) {
    if (filled === buf.length) {
      const bigger = new Uint8Array(buf.length * 2); // a line longer than the buffer
      bigger.set(buf);
      buf = bigger;
    }
    const n = file.readSync(buf.subarray(filled, Math.min(buf.length, filled + left)));
    if (n === null || n === 0) break; // the file got shorter: parse what there is
    filled += n;
    left -= n;
    const end = left > 0 ? buf.lastIndexOf(10, filled - 1) + 1 : filled;
    if (end === 0) continue;
    parser.feed(buf, 0, end);
    buf.copyWithin(0, end, filled);
    filled -= end;
  }
  if (filled > 0) parser.feed(buf, 0, filled);
  return parser;
}
