/**
 * Candle CSV files (`ts,open,high,low,close,volume`, ts = open time in Unix ms), plain or
 * gzip-compressed. The parser scans the text once, parses plain decimals with an exact
 * fast path and writes straight into typed-array columns, so a million rows take well
 * under a second.
 */
import { gunzipSync } from "node:zlib";
import { allocSeries, type CandleSeries } from "../core/candle.ts";
import { GrowableSeries } from "../core/growable_series.ts";
import { InputError } from "../core/errors.ts";

/** The one accepted header line. */
export const CANDLE_CSV_HEADER = "ts,open,high,low,close,volume";

const COLUMNS = ["ts", "open", "high", "low", "close", "volume"] as const;

/** Powers of ten that are exact doubles (10^0 .. 10^22). */
const POW10: Float64Array = (() => {
  const p = new Float64Array(23);
  let v = 1;
  for (let i = 0; i < 23; i++) {
    p[i] = v;
    v *= 10;
  }
  return p;
})();

/** Strict decimal syntax for the slow path (rejects hex, Infinity, empty fields). */
const DECIMAL_RE = /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/;

function fail(source: string, line: number, reason: string): never {
  throw new InputError(`${source} line ${line}`, reason);
}

/** End index of the last `fastNumber` field (the byte after its last digit). */
let fastEnd = 0;

/**
 * Parses a plain decimal (optional '-', digits, optional '.' + digits) of at most 15
 * significant digits starting at `i`, or returns NaN when the field is anything else.
 * mantissa / 10^k then equals Number(field) exactly: both operands are exact doubles and
 * the division rounds correctly once.
 */
function fastNumber(b: Uint8Array, i: number): number {
  // Reads past the end give undefined, which fails every comparison below.
  let c = b[i];
  let neg = false;
  if (c === 45) {
    neg = true;
    c = b[++i];
  }
  const intStart = i;
  let mant = 0;
  while (c >= 48 && c <= 57) {
    mant = mant * 10 + (c - 48);
    c = b[++i];
  }
  let digits = i - intStart;
  if (digits === 0) return NaN;
  if (c === 46) {
    const fracStart = ++i;
    c = b[i];
    while (c >= 48 && c <= 57) {
      mant = mant * 10 + (c - 48);
      c = b[++i];
    }
    const frac = i - fracStart;
    digits += frac;
    if (frac === 0 || digits > 15) return NaN;
    fastEnd = i;
    return neg ? -(mant / POW10[frac]) : mant / POW10[frac];
  }
  if (digits > 15) return NaN;
  fastEnd = i;
  return neg ? -mant : mant;
}

/** The six values of the row `plainRow` read last. */
const ROW = new Float64Array(6);

/**
 * The common row in one pass: six unsigned plain decimals of at most 15 digits each,
 * comma-separated and ending in `\n`, values as `fastNumber` gives them (so exactly
 * `Number(field)`). Returns the offset after the newline, or 0 for anything else (a
 * sign, `\r`, more digits, the last line without a newline...), which `readField` then
 * reads with every check and error message. The digit loops repeat `fastNumber`'s on
 * purpose: calling it here is not inlined and costs a quarter of the parse.
 */
function plainRow(b: Uint8Array, i: number): number {
  for (let col = 0; col < 6; col++) {
    let c = b[i];
    let mant = 0;
    const start = i;
    while (c >= 48 && c <= 57) {
      mant = mant * 10 + (c - 48);
      c = b[++i];
    }
    let digits = i - start;
    if (digits === 0) return 0;
    if (c === 46) {
      const fracStart = ++i;
      c = b[i];
      while (c >= 48 && c <= 57) {
        mant = mant * 10 + (c - 48);
        c = b[++i];
      }
      const frac = i - fracStart;
      digits += frac;
      if (frac === 0 || digits > 15) return 0;
      ROW[col] = mant / POW10[frac];
    } else {
      if (digits > 15) return 0;
      ROW[col] = mant;
    }
    if (c !== (col === 5 ? 10 : 44)) return 0;
    i++;
  }
  return i;
}

/** Read position of `readField`, shared to avoid allocating a result object per field. */
let cursor = 0;

/**
 * Reads field `col` of a row at `cursor` and moves `cursor` past its separator (the comma,
 * or the line end for the last column).
 */
function readField(b: Uint8Array, len: number, col: number, source: string, line: number): number {
  const start = cursor;
  let value = fastNumber(b, start);
  let pos = fastEnd;
  const c = pos < len ? b[pos] : -1;
  if (!(value === value && (col === 5 ? c === 10 || c === 13 || c === -1 : c === 44))) {
    // Slow path: find the field end, then use Number() on validated syntax.
    let e = start;
    while (e < len && b[e] !== 44 && b[e] !== 10) e++;
    let field = latin.decode(b.subarray(start, e));
    if (col === 5 && field.endsWith("\r")) field = field.slice(0, -1);
    if (col < 5 && (e >= len || b[e] !== 44)) {
      fail(source, line, `expected 6 columns, got ${col + 1}`);
    }
    if (!DECIMAL_RE.test(field)) {
      if (col === 5 && e < len && b[e] === 44) {
        fail(source, line, "expected 6 columns, got more than 6");
      }
      fail(source, line, `${COLUMNS[col]} ${show(field)} is not a number`);
    }
    value = Number(field);
    if (!Number.isFinite(value)) {
      fail(source, line, `${COLUMNS[col]} ${show(field)} is not a finite number`);
    }
    pos = col === 5 && b[e - 1] === 13 ? e - 1 : e;
  }
  if (col < 5) {
    cursor = pos + 1; // past the comma
    return value;
  }
  // End of row: accept "\r\n", "\n" or end of input.
  if (pos < len && b[pos] === 13) pos++;
  if (pos < len) {
    if (b[pos] === 44) fail(source, line, "expected 6 columns, got more than 6");
    if (b[pos] !== 10) {
      fail(source, line, "unexpected character after volume, expected end of line");
    }
  }
  cursor = pos + 1;
  return value;
}

function isBlank(b: Uint8Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = b[i];
    if (c !== 32 && c !== 9 && c !== 13 && c !== 10) return false;
  }
  return true;
}

function indexOfNewline(b: Uint8Array, from: number): number {
  const i = b.indexOf(10, from);
  return i < 0 ? b.length : i;
}

const latin = new TextDecoder();

function show(text: string): string {
  const t = text.length > 40 ? text.slice(0, 40) + "..." : text;
  return JSON.stringify(t);
}

/**
 * Parses candle CSV text into a column series. `sourceName` names the input in errors,
 * e.g. `Invalid data.csv line 12: high 41000 is below low 41050`.
 *
 * Rules: header exactly `ts,open,high,low,close,volume` (surrounding whitespace and `\r`
 * allowed); six numeric columns per row; ts an integer, strictly increasing; prices > 0;
 * high >= max(open, close) and low <= min(open, close); volume >= 0. Trailing blank lines
 * are ignored. Values equal `Number(field)` exactly.
 *
 * @throws InputError naming the line (1-based, header = line 1) and the reason.
 */
export function parseCandleCsv(text: string, sourceName: string): CandleSeries {
  return parseCandleCsvBytes(new TextEncoder().encode(text), sourceName);
}

/**
 * `parseCandleCsv` on raw UTF-8/ASCII bytes, the fast form for files: no text decoding.
 *
 * @throws InputError naming the line (1-based, header = line 1) and the reason.
 */
export function parseCandleCsvBytes(b: Uint8Array, sourceName: string): CandleSeries {
  const rows = candleRowsStart(b, sourceName);
  const series = parseCandleRows(b, rows, b.length, 2, sourceName);
  if (series.length === 0) {
    throw new InputError(sourceName, `no candle rows after the header ${CANDLE_CSV_HEADER}`);
  }
  return series;
}

/**
 * Checks the header (after an optional BOM) and returns the offset of the first row.
 *
 * @throws InputError for an empty file or a wrong header.
 */
export function candleRowsStart(b: Uint8Array, sourceName: string): number {
  const len = b.length;
  const pos = len >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf ? 3 : 0;
  const eol = indexOfNewline(b, pos);
  if (isBlank(b, pos, len)) {
    throw new InputError(sourceName, `file is empty, expected header ${CANDLE_CSV_HEADER}`);
  }
  const header = latin.decode(b.subarray(pos, eol)).trim();
  if (header !== CANDLE_CSV_HEADER) {
    fail(sourceName, 1, `header is ${show(header)}, expected ${CANDLE_CSV_HEADER}`);
  }
  return eol + 1;
}

/**
 * Parses the candle rows in `b[from, to)` (whole lines) with every check of
 * `parseCandleCsv`; `firstLine` is the file line number of the first row, for errors.
 * Lets a big file be parsed in pieces (one per core) and joined with `joinCandleParts`.
 * Blank lines count as trailing only when they run to `to`.
 */
export function parseCandleRows(
  b: Uint8Array,
  from: number,
  to: number,
  firstLine: number,
  sourceName: string,
): CandleSeries {
  return feedCandleRows(b, from, to, firstLine, sourceName).finish();
}

/**
 * `parseCandleRows`, returning the parser: its `endsBlank` tells whether the rows ended
 * in blank lines (an error when a later piece of the file still has rows).
 */
export function feedCandleRows(
  b: Uint8Array,
  from: number,
  to: number,
  firstLine: number,
  sourceName: string,
): CandleRowParser {
  // Capacity guess from the first row's length; grows by doubling when wrong.
  let firstLen = 40;
  if (from < to) firstLen = Math.max(16, indexOfNewline(b, from) - from + 1);
  const cols = new GrowableSeries(Math.max(16, Math.ceil(((to - from) / firstLen) * 1.05) + 16));
  const parser = new CandleRowParser(sourceName, firstLine, cols);
  parser.feed(b, from, to);
  return parser;
}

/**
 * Parses candle rows fed in consecutive pieces of whole lines (e.g. chunks of a file read
 * in turn) into `cols`, with every check of `parseCandleCsv`. Blank lines are fine only
 * at the very end: one followed by a row in a later piece is reported when that piece
 * comes.
 */
export class CandleRowParser {
  readonly #source: string;
  readonly #cols: GrowableSeries;
  /** Line number of the last row read. */
  #line: number;
  #prevTs = -Infinity;
  /** Line of a blank line seen at the end of a piece, 0 for none. */
  #blankLine = 0;

  /** `firstLine` is the file line number of the first row, for errors. */
  constructor(sourceName: string, firstLine: number, cols: GrowableSeries) {
    this.#source = sourceName;
    this.#line = firstLine - 1;
    this.#cols = cols;
  }

  /**
   * Parses the whole lines in `b[from, to)`.
   * @throws InputError naming the line and the reason.
   */
  feed(b: Uint8Array, from: number, to: number): void {
    // numbers are scanned to their first non-digit: nothing after `to` may be seen
    if (to !== b.length) b = b.subarray(0, to);
    const sourceName = this.#source;
    const cols = this.#cols;
    const len = to;
    let pos = from;
    let line = this.#line;
    let prevTs = this.#prevTs;
    // the columns in locals: a row is six plain stores (pushRow per row costs a fifth more)
    let n = cols.length;
    let { ts: tsCol, open: openCol, high: highCol, low: lowCol, close: closeCol, volume: volCol } =
      cols;
    let cap = tsCol.length;
    if (this.#blankLine !== 0) {
      if (isBlank(b, pos, len)) return;
      fail(
        sourceName,
        this.#blankLine,
        "empty line, expected 6 columns ts,open,high,low,close,volume",
      );
    }

    while (pos < len) {
      line++;
      // Blank line: fine only if everything after it is blank too.
      const c0 = b[pos];
      if (c0 === 10 || c0 === 13 || c0 === 32 || c0 === 9) {
        const e = indexOfNewline(b, pos);
        if (isBlank(b, pos, e)) {
          if (isBlank(b, e, len)) {
            this.#blankLine = line;
            break;
          }
          fail(sourceName, line, "empty line, expected 6 columns ts,open,high,low,close,volume");
        }
      }

      let ts: number, open: number, high: number, low: number, close: number, vol: number;
      const next = plainRow(b, pos);
      if (next > 0) {
        ts = ROW[0];
        open = ROW[1];
        high = ROW[2];
        low = ROW[3];
        close = ROW[4];
        vol = ROW[5];
        pos = next;
      } else {
        cursor = pos;
        ts = readField(b, len, 0, sourceName, line);
        open = readField(b, len, 1, sourceName, line);
        high = readField(b, len, 2, sourceName, line);
        low = readField(b, len, 3, sourceName, line);
        close = readField(b, len, 4, sourceName, line);
        vol = readField(b, len, 5, sourceName, line);
        pos = cursor;
      }

      if (!Number.isSafeInteger(ts) || ts < 0) {
        fail(sourceName, line, `ts ${ts} is not a non-negative integer (Unix ms)`);
      }
      if (ts <= prevTs) {
        fail(
          sourceName,
          line,
          ts === prevTs
            ? `ts ${ts} duplicates the previous row (ts must strictly increase)`
            : `ts ${ts} is before the previous row's ts ${prevTs} (rows must be sorted by ts)`,
        );
      }
      if (!(open > 0)) fail(sourceName, line, `open ${open} must be > 0`);
      if (!(high > 0)) fail(sourceName, line, `high ${high} must be > 0`);
      if (!(low > 0)) fail(sourceName, line, `low ${low} must be > 0`);
      if (!(close > 0)) fail(sourceName, line, `close ${close} must be > 0`);
      if (high < low) fail(sourceName, line, `high ${high} is below low ${low}`);
      if (high < open) fail(sourceName, line, `high ${high} is below open ${open}`);
      if (high < close) fail(sourceName, line, `high ${high} is below close ${close}`);
      if (low > open) fail(sourceName, line, `low ${low} is above open ${open}`);
      if (low > close) fail(sourceName, line, `low ${low} is above close ${close}`);
      if (!(vol >= 0)) fail(sourceName, line, `volume ${vol} must be >= 0`);

      if (n === cap) {
        cols.length = n;
        cols.reserve(n + 1);
        ({ ts: tsCol, open: openCol, high: highCol, low: lowCol, close: closeCol, volume: volCol } =
          cols);
        cap = tsCol.length;
      }
      tsCol[n] = ts;
      openCol[n] = open;
      highCol[n] = high;
      lowCol[n] = low;
      closeCol[n] = close;
      volCol[n] = vol;
      n++;
      prevTs = ts;
    }
    cols.length = n;
    this.#line = line;
    this.#prevTs = prevTs;
  }

  /** True when the last piece ended in blank lines (an error if a row still follows). */
  get endsBlank(): boolean {
    return this.#blankLine !== 0;
  }

  /** The rows so far as a series (see `GrowableSeries.finish`). */
  finish(): CandleSeries {
    return this.#cols.finish();
  }
}

/**
 * Joins series parsed from consecutive pieces of one file, checking that time still
 * increases across each seam. `firstLines[k]` is the file line of part k's first row.
 * With `shared`, the result lives in SharedArrayBuffers (see allocSeries).
 */
export function joinCandleParts(
  parts: readonly CandleSeries[],
  firstLines: readonly number[],
  sourceName: string,
  shared = false,
): CandleSeries {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = allocSeries(n, shared);
  let at = 0;
  let prevTs = -Infinity;
  for (let k = 0; k < parts.length; k++) {
    const p = parts[k];
    if (p.length === 0) continue;
    const ts = p.ts[0];
    if (ts <= prevTs) {
      fail(
        sourceName,
        firstLines[k],
        ts === prevTs
          ? `ts ${ts} duplicates the previous row (ts must strictly increase)`
          : `ts ${ts} is before the previous row's ts ${prevTs} (rows must be sorted by ts)`,
      );
    }
    out.ts.set(p.ts, at);
    out.open.set(p.open, at);
    out.high.set(p.high, at);
    out.low.set(p.low, at);
    out.close.set(p.close, at);
    out.volume.set(p.volume, at);
    at += p.length;
    prevTs = p.ts[p.length - 1];
  }
  if (n === 0) {
    throw new InputError(sourceName, `no candle rows after the header ${CANDLE_CSV_HEADER}`);
  }
  return out;
}

/** True when `bytes` start with the gzip magic number (1f 8b). */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * Reads a candle CSV file, plain or gzip (detected by its magic bytes, whatever the
 * name), and parses it with `parseCandleCsv`.
 *
 * @throws InputError `Invalid --csv PATH: file not found` and similar one-line errors.
 */
export async function readCandleCsv(path: string): Promise<CandleSeries> {
  return parseCandleCsvBytes(await readCandleCsvBytes(path), path);
}

/**
 * Reads a candle CSV file's bytes, gunzipped when they are gzip (by magic bytes).
 *
 * @throws InputError `Invalid --csv PATH: file not found` and similar one-line errors.
 */
export async function readCandleCsvBytes(path: string): Promise<Uint8Array> {
  const input = `--csv ${path}`;
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) throw new InputError(input, "file not found");
    if (e instanceof Deno.errors.PermissionDenied) {
      throw new InputError(input, "permission denied, expected a readable CSV file");
    }
    if (e instanceof Deno.errors.IsADirectory) {
      throw new InputError(input, "is a directory, expected a CSV file");
    }
    throw new InputError(input, `cannot be read (${(e as Error).message.split("\n")[0]})`);
  }
  if (isGzip(bytes)) {
    try {
      const out = gunzipSync(bytes);
      // a plain Uint8Array: a Node Buffer's slice() is a view, not the copy callers expect
      bytes = new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
    } catch {
      throw new InputError(input, "corrupt gzip data, expected a gzip-compressed CSV file");
    }
  }
  return bytes;
}

/** One run of missing candles found by `findGaps`. */
export interface CandleGap {
  /** Open time of the last candle before the gap. */
  readonly afterTs: number;
  /** Open time of the first candle after the gap. */
  readonly beforeTs: number;
  /** Open time of the first missing candle. */
  readonly fromTs: number;
  /** Open time of the last missing candle. */
  readonly toTs: number;
  /** How many candles are missing. */
  readonly missing: number;
}

/**
 * The most common step between consecutive candle times, in ms; null for fewer than two
 * candles.
 */
export function detectInterval(series: CandleSeries): number | null {
  if (series.length < 2) return null;
  const counts = new Map<number, number>();
  const ts = series.ts;
  let best = 0;
  let bestCount = 0;
  let prevStep = NaN;
  let run = 0;
  // Count runs of equal steps, so a regular series costs few map updates.
  const flush = () => {
    if (run === 0) return;
    const c = (counts.get(prevStep) ?? 0) + run;
    counts.set(prevStep, c);
    if (c > bestCount || (c === bestCount && prevStep < best)) {
      bestCount = c;
      best = prevStep;
    }
  };
  for (let i = 1; i < series.length; i++) {
    const step = ts[i] - ts[i - 1];
    if (step === prevStep) {
      run++;
    } else {
      flush();
      prevStep = step;
      run = 1;
    }
  }
  flush();
  return best;
}

/**
 * Runs of missing candles: every place where consecutive times are more than
 * `intervalMs` apart. Missing open times are counted on the grid after the earlier candle.
 */
export function findGaps(series: CandleSeries, intervalMs: number): CandleGap[] {
  if (!(intervalMs > 0)) throw new RangeError(`intervalMs must be > 0, got ${intervalMs}`);
  const gaps: CandleGap[] = [];
  const ts = series.ts;
  for (let i = 1; i < series.length; i++) {
    const step = ts[i] - ts[i - 1];
    if (step > intervalMs) {
      const missing = Math.ceil(step / intervalMs) - 1;
      gaps.push({
        afterTs: ts[i - 1],
        beforeTs: ts[i],
        fromTs: ts[i - 1] + intervalMs,
        toTs: ts[i - 1] + missing * intervalMs,
        missing,
      });
    }
  }
  return gaps;
}
