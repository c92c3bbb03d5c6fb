/**
 * Candle CSV files, plain or gzip-compressed, in the forms traders have them: a header
 * naming the columns (`ts,open,high,low,close,volume`, or aliases such as `date`,
 * `timestamp`, `Open`, `o`, `vol`, in any order and case, with other columns ignored), or
 * no header: six columns in that order, or the twelve of a Binance kline file. Times are
 * Unix seconds, milliseconds or microseconds (told apart by size) or ISO 8601 dates, and
 * are read as Unix ms. The parser scans the bytes once, parses plain decimals with an
 * exact fast path and writes straight into typed-array columns, so a million rows take
 * well under a second.
 */
import { gunzipSync } from "node:zlib";
import { allocSeries, type CandleSeries } from "../core/candle.ts";
import { GrowableSeries } from "../core/growable_series.ts";
import { InputError } from "../core/errors.ts";

/** The canonical header line (what `seriesToCsv` writes). */
export const CANDLE_CSV_HEADER = "ts,open,high,low,close,volume";

/** The columns a candle needs, in canonical order (the roles of `CsvLayout.roles`). */
const COLUMNS = ["ts", "open", "high", "low", "close", "volume"] as const;

/** Header names accepted for each column (compared trimmed, unquoted, lower case). */
const CSV_COLUMN_ALIASES: Readonly<Record<typeof COLUMNS[number], readonly string[]>> = {
  ts: [
    "ts",
    "time",
    "timestamp",
    "date",
    "datetime",
    "date_time",
    "open_time",
    "opentime",
    "open time",
    "t",
  ],
  open: ["open", "o", "open_price"],
  high: ["high", "h", "high_price"],
  low: ["low", "l", "low_price"],
  close: ["close", "c", "close_price"],
  volume: ["volume", "vol", "v", "base_volume"],
};

/** The columns of a Binance kline CSV (data.binance.vision), which has no header. */
const BINANCE_KLINE_COLUMNS: readonly string[] = [
  "open_time",
  "open",
  "high",
  "low",
  "close",
  "volume",
  "close_time",
  "quote_volume",
  "count",
  "taker_buy_base",
  "taker_buy_quote",
  "ignore",
];

/**
 * Where a candle CSV's values are: found by `candleCsvLayout` from the first line, then
 * handed to the row parsers (and to a worker: a plain object).
 */
export interface CsvLayout {
  /** Byte offset of the first row. */
  readonly rowsStart: number;
  /** File line of the first row: 2 after a header, 1 without one. */
  readonly firstLine: number;
  /** Columns in every row. */
  readonly columns: number;
  /** For each column, the candle value it holds (0 ts .. 5 volume) or -1 (ignored). */
  readonly roles: readonly number[];
  /** Column names, for messages: the header's, or those of the recognised form. */
  readonly names: readonly string[];
  /** True when there is a header line. */
  readonly header: boolean;
}

/** `ts,open,high,low,close,volume` with a header: the layout of the common file. */
export const PLAIN_LAYOUT: CsvLayout = Object.freeze({
  rowsStart: CANDLE_CSV_HEADER.length + 1,
  firstLine: 2,
  columns: 6,
  roles: Object.freeze([0, 1, 2, 3, 4, 5]),
  names: Object.freeze([...COLUMNS]),
  header: true,
});

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

/** Unix times of at least this are milliseconds (1973-03-03 as ms; year 5138 as s). */
const MS_FROM = 1e11;
/** Unix times of at least this are microseconds (year 5138 as ms). */
const US_FROM = 1e14;
/** Unix times of at least this would be nanoseconds, which a double cannot hold exactly. */
const NS_FROM = 1e17;

function fail(source: string, line: number, reason: string): never {
  throw new InputError(`${source} line ${line}`, reason);
}

/** End index of the last `fastNumber` or `isoTime` field (the byte after it). */
let fastEnd = 0;

/**
 * Parses a plain decimal (optional '-', digits, optional '.' + digits) of at most 15
 * significant digits (16 for an integer up to 2^53 - 1, e.g. a time in microseconds)
 * starting at `i`, or returns NaN when the field is anything else. mantissa / 10^k then
 * equals Number(field) exactly: both operands are exact doubles and the division rounds
 * correctly once.
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
  // every partial sum below 2^53 is exact, so a result up to 2^53 - 1 is too
  if (digits > 15 && (digits > 16 || mant > Number.MAX_SAFE_INTEGER)) return NaN;
  fastEnd = i;
  return neg ? -mant : mant;
}

/** The six values (ts .. volume) of the row read last. */
const ROW = new Float64Array(6);

/**
 * The common row in one pass: six unsigned plain decimals of at most 15 digits each (16
 * for an integer below 2^53), comma-separated, the sixth ending in `lastSep` (`\n`, or a
 * comma when more columns follow), values as `fastNumber` gives them (so exactly
 * `Number(field)`). Returns the offset after that separator, or 0 for anything else (a
 * sign, `\r`, more digits, the last line without a newline...), which `slowRow` then
 * reads with every check and error message. The digit loops repeat `fastNumber`'s on
 * purpose: calling it here is not inlined and costs a quarter of the parse.
 */
function plainRow(b: Uint8Array, i: number, lastSep: number): number {
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
      if (digits > 15 && (digits > 16 || mant > Number.MAX_SAFE_INTEGER)) return 0;
      ROW[col] = mant;
    }
    if (c !== (col === 5 ? lastSep : 44)) return 0;
    i++;
  }
  return i;
}

/**
 * After `plainRow` with `lastSep` a comma: skips the `extra` remaining fields (no `\r`,
 * ending in `\n`). Returns the offset after the newline, or 0 (the slow path then reads
 * the row and names what is wrong).
 */
function skipExtraFields(b: Uint8Array, i: number, extra: number): number {
  let commas = 0;
  for (;;) {
    const c = b[i++];
    if (c === 10) return commas === extra - 1 ? i : 0;
    if (c === 44) commas++;
    else if (c === 13 || c === undefined) return 0;
  }
}

/** Read position of the slow path, shared to avoid allocating a result object per field. */
let cursor = 0;
/** True when the slow path read the last time field as an ISO date (already Unix ms). */
let tsWasDate = false;

const TS_EXPECTED =
  "expected Unix seconds, milliseconds or microseconds, or an ISO 8601 date like 2024-01-01T00:00:00Z";

/** Two ASCII digits at `i` as a number, or -1. */
function two(b: Uint8Array, i: number): number {
  const x = b[i] - 48;
  const y = b[i + 1] - 48;
  return x >= 0 && x <= 9 && y >= 0 && y <= 9 ? x * 10 + y : -1;
}

function daysInMonth(y: number, m: number): number {
  if (m === 2) return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28;
  return m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;
}

/**
 * An ISO 8601 date at `b[i..]` as Unix ms: `YYYY-MM-DD`, optionally followed by `T` or a
 * space and `HH:MM`, `:SS`, a fraction of a second (to the millisecond), and `Z`, `+HH:MM`,
 * `+HHMM` or `+HH` (no zone = UTC). NaN when it is not one (or not a valid date); the end
 * goes to `fastEnd`.
 */
function isoTime(b: Uint8Array, i: number): number {
  const y = two(b, i) * 100 + two(b, i + 2);
  if (two(b, i) < 0 || two(b, i + 2) < 0 || b[i + 4] !== 45 || b[i + 7] !== 45) return NaN;
  const mo = two(b, i + 5);
  const d = two(b, i + 8);
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo)) return NaN;
  i += 10;
  let h = 0, mi = 0, s = 0, ms = 0;
  let c = b[i];
  if ((c === 84 || c === 116 || c === 32) && two(b, i + 1) >= 0) {
    h = two(b, i + 1);
    mi = two(b, i + 4);
    if (h > 23 || b[i + 3] !== 58 || mi < 0 || mi > 59) return NaN;
    i += 6;
    if (b[i] === 58) {
      s = two(b, i + 1);
      if (s < 0 || s > 59) return NaN;
      i += 3;
      if (b[i] === 46) {
        let n = 0;
        while ((c = b[++i]) >= 48 && c <= 57) {
          if (n < 3) ms = ms * 10 + (c - 48);
          else if (c !== 48) return NaN; // below a millisecond
          n++;
        }
        if (n === 0) return NaN;
        for (; n < 3; n++) ms *= 10;
      }
    }
    c = b[i];
  }
  let offsetMin = 0;
  if (c === 90 || c === 122) i++;
  else if (c === 43 || c === 45) {
    const oh = two(b, i + 1);
    if (oh < 0 || oh > 23) return NaN;
    i += 3;
    if (b[i] === 58) i++;
    const om = two(b, i);
    if (om >= 0) {
      if (om > 59) return NaN;
      i += 2;
    }
    offsetMin = (c === 45 ? -1 : 1) * (oh * 60 + Math.max(0, om));
  }
  fastEnd = i;
  return Date.UTC(y, mo - 1, d, h, mi, s, ms) - offsetMin * 60_000;
}

/** A time read as a number (s, ms or µs by its size) in Unix ms; fails when it is none. */
function numericTs(raw: number, source: string, line: number): number {
  if (raw >= MS_FROM && raw < US_FROM) {
    if (Number.isSafeInteger(raw)) return raw;
    fail(source, line, `ts ${raw} is not a whole number of milliseconds (Unix ms)`);
  }
  if (raw >= 0 && raw < MS_FROM) {
    const ms = Math.round(raw * 1000);
    if (Math.abs(ms - raw * 1000) < 1e-3) return ms;
    fail(source, line, `ts ${raw} is not a whole number of milliseconds (read as Unix seconds)`);
  }
  if (raw >= US_FROM && raw < NS_FROM) {
    const ms = raw / 1000;
    if (Number.isSafeInteger(raw) && Number.isInteger(ms)) return ms;
    fail(source, line, `ts ${raw} is not a whole number of milliseconds (read as Unix µs)`);
  }
  if (raw >= NS_FROM) {
    fail(source, line, `ts ${raw} is too large (nanoseconds?); ${TS_EXPECTED}`);
  }
  fail(source, line, `ts ${raw} is not a time at or after 1970; ${TS_EXPECTED}`);
}

/** A row's time for messages: as written when numeric, as an ISO date otherwise. */
function showTs(ms: number, raw: number): string {
  return raw === raw ? String(raw) : new Date(ms).toISOString();
}

/** True when `c` ends field `col` of a row of `columns` (comma, or end of line/input). */
function endsField(c: number, col: number, columns: number): boolean {
  return col === columns - 1 ? c === 10 || c === 13 || c === -1 : c === 44;
}

/**
 * Reads field `col` (holding candle value `role`, -1 for an ignored column) of a row at
 * `cursor` and moves `cursor` past its separator (the comma, or the line end for the last
 * column). A time comes back as read (a number) or, for an ISO date, in Unix ms with
 * `tsWasDate` set. Numbers may be quoted.
 */
function readField(
  b: Uint8Array,
  len: number,
  col: number,
  role: number,
  L: CsvLayout,
  source: string,
  line: number,
): number {
  const columns = L.columns;
  const last = col === columns - 1;
  const start = cursor;
  let value = role < 0 ? 0 : fastNumber(b, start);
  let pos = fastEnd;
  if (role === 0) tsWasDate = false;
  if (!(role >= 0 && value === value && endsField(pos < len ? b[pos] : -1, col, columns))) {
    value = NaN;
    if (role === 0) {
      // an ISO date, maybe quoted
      const q = b[start] === 34 ? 1 : 0;
      value = isoTime(b, start + q);
      pos = fastEnd + q;
      if (q === 1 && b[pos - 1] !== 34) value = NaN;
      if (value === value && endsField(pos < len ? b[pos] : -1, col, columns)) tsWasDate = true;
      else value = NaN;
    }
  }
  if (value !== value || role < 0) {
    // Slow path: find the field end, then use Number() on validated syntax.
    let e = start;
    while (e < len && b[e] !== 44 && b[e] !== 10) e++;
    let field = latin.decode(b.subarray(start, e));
    if (last && field.endsWith("\r")) field = field.slice(0, -1);
    if (!last && (e >= len || b[e] !== 44)) {
      fail(source, line, `expected ${columns} columns, got ${col + 1}`);
    }
    if (last && e < len && b[e] === 44) {
      fail(source, line, `expected ${columns} columns, got more than ${columns}`);
    }
    if (role >= 0) {
      const text = field.length > 1 && field[0] === '"' && field.endsWith('"')
        ? field.slice(1, -1)
        : field;
      if (!DECIMAL_RE.test(text)) {
        const why = role === 0 ? `is not a number or a date (${TS_EXPECTED})` : "is not a number";
        fail(source, line, `${COLUMNS[role]} ${show(field)} ${why}`);
      }
      value = Number(text);
      if (!Number.isFinite(value)) {
        fail(source, line, `${COLUMNS[role]} ${show(field)} is not a finite number`);
      }
    }
    pos = last && b[e - 1] === 13 ? e - 1 : e;
  }
  if (!last) {
    cursor = pos + 1; // past the comma
    return value;
  }
  // End of row: accept "\r\n", "\n" or end of input.
  if (pos < len && b[pos] === 13) pos++;
  if (pos < len) {
    if (b[pos] === 44) fail(source, line, `expected ${columns} columns, got more than ${columns}`);
    if (b[pos] !== 10) {
      fail(
        source,
        line,
        `unexpected character after ${L.names[col]}, expected end of line`,
      );
    }
  }
  cursor = pos + 1;
  return value;
}

/**
 * Reads the row at `pos` field by field with every check into ROW (the time in Unix ms);
 * returns the offset after it. `raw` of the time goes to `slowRawTs` (NaN for a date).
 */
function slowRow(
  b: Uint8Array,
  len: number,
  pos: number,
  L: CsvLayout,
  source: string,
  line: number,
): number {
  cursor = pos;
  const roles = L.roles;
  for (let col = 0; col < L.columns; col++) {
    const role = roles[col];
    const v = readField(b, len, col, role, L, source, line);
    if (role >= 0) ROW[role] = v;
  }
  const raw = ROW[0];
  slowRawTs = tsWasDate ? NaN : raw;
  if (!tsWasDate) ROW[0] = numericTs(raw, source, line);
  else if (!(raw >= 0)) {
    fail(source, line, `ts ${new Date(raw).toISOString()} is before 1970; ${TS_EXPECTED}`);
  }
  return cursor;
}

/** The time of the last `slowRow` as written (NaN for an ISO date). */
let slowRawTs = 0;

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
 * Rules: a header naming the columns (see `candleCsvLayout`), or none; every row has the
 * layout's columns; times (s, ms, µs or ISO dates) strictly increase; prices > 0;
 * high >= max(open, close) and low <= min(open, close); volume >= 0. Trailing blank lines
 * are ignored. Values equal `Number(field)` exactly; times are Unix ms.
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
  const layout = candleCsvLayout(b, sourceName);
  const series = parseCandleRows(
    b,
    layout.rowsStart,
    b.length,
    layout.firstLine,
    sourceName,
    layout,
  );
  if (series.length === 0) throw noRows(sourceName, layout);
  return series;
}

/** The error for a file without candle rows. */
function noRows(sourceName: string, layout: CsvLayout): InputError {
  return new InputError(
    sourceName,
    layout.header ? `no candle rows after the header ${layout.names.join(",")}` : "no candle rows",
  );
}

function normalName(name: string): string {
  let n = name.trim();
  if (n.length > 1 && n[0] === '"' && n.endsWith('"')) n = n.slice(1, -1).trim();
  return n.toLowerCase();
}

const ROLE_BY_NAME = new Map<string, number>();
COLUMNS.forEach((c, role) => {
  for (const a of CSV_COLUMN_ALIASES[c]) ROLE_BY_NAME.set(a, role);
});

/**
 * Finds the layout from the first line (after an optional BOM): a header when its first
 * field does not start with a digit, mapping each name through `CSV_COLUMN_ALIASES`
 * (other columns are ignored; the first time column wins); else rows of 6 columns
 * (`ts,open,high,low,close,volume`) or 12 (a Binance kline file).
 *
 * @throws InputError for an empty file, a header lacking a column, or a headerless first
 *   line of another width.
 */
export function candleCsvLayout(b: Uint8Array, sourceName: string): CsvLayout {
  const len = b.length;
  const pos = len >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf ? 3 : 0;
  if (isBlank(b, pos, len)) {
    throw new InputError(
      sourceName,
      `file is empty, expected header ${CANDLE_CSV_HEADER} (or rows without a header)`,
    );
  }
  const eol = indexOfNewline(b, pos);
  const first = latin.decode(b.subarray(pos, eol)).trim();
  const fields = first.split(",");
  const lead = first.replace(/^"/, "");
  if (/^[-+.]?[0-9]/.test(lead)) {
    if (fields.length === 6) {
      return { ...PLAIN_LAYOUT, rowsStart: pos, firstLine: 1, header: false };
    }
    if (fields.length === BINANCE_KLINE_COLUMNS.length) {
      return {
        rowsStart: pos,
        firstLine: 1,
        columns: fields.length,
        roles: fields.map((_, i) => (i < 6 ? i : -1)),
        names: BINANCE_KLINE_COLUMNS,
        header: false,
      };
    }
    fail(
      sourceName,
      1,
      `no header and ${fields.length} columns, expected a header like ${CANDLE_CSV_HEADER}, ` +
        `or rows of 6 columns (${CANDLE_CSV_HEADER}) or 12 (a Binance kline file)`,
    );
  }
  const roles = fields.map(() => -1);
  const seen: number[] = [-1, -1, -1, -1, -1, -1];
  fields.forEach((f, i) => {
    const role = ROLE_BY_NAME.get(normalName(f));
    if (role === undefined) return;
    if (seen[role] >= 0) {
      if (role === 0) return; // e.g. timestamp and datetime: the first one is used
      fail(
        sourceName,
        1,
        `header ${show(first)} names the ${COLUMNS[role]} twice (${fields[seen[role]].trim()} ` +
          `and ${f.trim()}), expected one column each for ${CANDLE_CSV_HEADER}`,
      );
    }
    seen[role] = i;
    roles[i] = role;
  });
  const missing = COLUMNS.filter((_, role) => seen[role] < 0);
  if (missing.length > 0) {
    fail(
      sourceName,
      1,
      `header is ${show(first)}, expected columns ${CANDLE_CSV_HEADER} (missing ${
        missing.map((m) => `${m}: one of ${CSV_COLUMN_ALIASES[m].join(", ")}`).join("; ")
      })`,
    );
  }
  const plain = fields.length === 6 && roles.every((r, i) => r === i);
  return {
    rowsStart: eol + 1,
    firstLine: 2,
    columns: fields.length,
    roles,
    names: plain ? PLAIN_LAYOUT.names : fields.map((f) => f.trim()),
    header: true,
  };
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
  layout: CsvLayout = PLAIN_LAYOUT,
): CandleSeries {
  return feedCandleRows(b, from, to, firstLine, sourceName, layout).finish();
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
  layout: CsvLayout = PLAIN_LAYOUT,
): CandleRowParser {
  // Capacity guess from the first row's length; grows by doubling when wrong.
  let firstLen = 40;
  if (from < to) firstLen = Math.max(16, indexOfNewline(b, from) - from + 1);
  const cols = new GrowableSeries(Math.max(16, Math.ceil(((to - from) / firstLen) * 1.05) + 16));
  const parser = new CandleRowParser(sourceName, firstLine, cols, layout);
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
  readonly #layout: CsvLayout;
  /** 0: no fast path; else what ends the sixth value (`\n`, or `,` before more columns). */
  readonly #lastSep: number;
  /** Line number of the last row read. */
  #line: number;
  #prevTs = -Infinity;
  /** The previous row's time as written (NaN for an ISO date), for messages. */
  #prevRaw = -Infinity;
  /** Line of a blank line seen at the end of a piece, 0 for none. */
  #blankLine = 0;

  /** `firstLine` is the file line number of the first row, for errors. */
  constructor(
    sourceName: string,
    firstLine: number,
    cols: GrowableSeries,
    layout: CsvLayout = PLAIN_LAYOUT,
  ) {
    this.#source = sourceName;
    this.#line = firstLine - 1;
    this.#cols = cols;
    this.#layout = layout;
    const ordered = layout.roles.every((r, i) => i < 6 ? r === i : r === -1);
    this.#lastSep = !ordered ? 0 : layout.columns === 6 ? 10 : 44;
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
    const layout = this.#layout;
    const lastSep = this.#lastSep;
    const extra = layout.columns - 6;
    const len = to;
    let pos = from;
    let line = this.#line;
    let prevTs = this.#prevTs;
    let prevRaw = this.#prevRaw;
    // the columns in locals: a row is six plain stores (pushRow per row costs a fifth more)
    let n = cols.length;
    let { ts: tsCol, open: openCol, high: highCol, low: lowCol, close: closeCol, volume: volCol } =
      cols;
    let cap = tsCol.length;
    const emptyLine = () =>
      `empty line, expected ${layout.columns} columns ${layout.names.join(",")}`;
    if (this.#blankLine !== 0) {
      if (isBlank(b, pos, len)) return;
      fail(sourceName, this.#blankLine, emptyLine());
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
          fail(sourceName, line, emptyLine());
        }
      }

      let ts: number, raw: number;
      let next = lastSep === 0 ? 0 : plainRow(b, pos, lastSep);
      if (next > 0 && lastSep === 44) next = skipExtraFields(b, next, extra);
      if (next > 0) {
        ts = raw = ROW[0];
        if (!(ts >= MS_FROM && ts < US_FROM && Number.isSafeInteger(ts))) {
          ts = numericTs(ts, sourceName, line);
        }
        pos = next;
      } else {
        pos = slowRow(b, len, pos, layout, sourceName, line);
        ts = ROW[0];
        raw = slowRawTs;
      }
      const open = ROW[1], high = ROW[2], low = ROW[3], close = ROW[4], vol = ROW[5];

      if (ts <= prevTs) {
        fail(
          sourceName,
          line,
          ts === prevTs
            ? `ts ${showTs(ts, raw)} duplicates the previous row (ts must strictly increase)`
            : `ts ${showTs(ts, raw)} is before the previous row's ts ${
              showTs(prevTs, prevRaw)
            } (rows must be sorted by ts)`,
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
      prevRaw = raw;
    }
    cols.length = n;
    this.#line = line;
    this.#prevTs = prevTs;
    this.#prevRaw = prevRaw;
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
 * name), and parses it with `parseCandleCsv`. `flag` is the option the path came from,
 * named in errors about the file.
 *
 * @throws InputError `Invalid --csv PATH: file not found` and similar one-line errors.
 */
export async function readCandleCsv(path: string, flag = "--csv"): Promise<CandleSeries> {
  return parseCandleCsvBytes(await readCandleCsvBytes(path, flag), path);
}

/**
 * Reads a candle CSV file's bytes, gunzipped when they are gzip (by magic bytes).
 * `flag` is the option the path came from, named in errors about the file.
 *
 * @throws InputError `Invalid --csv PATH: file not found` and similar one-line errors.
 */
export async function readCandleCsvBytes(path: string, flag = "--csv"): Promise<Uint8Array> {
  const input = `${flag} ${path}`;
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
