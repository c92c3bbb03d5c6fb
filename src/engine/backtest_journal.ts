import { isoByteWriter } from "./iso_time.ts";
import type { RunStats } from "./report_model.ts";

/** What the backtest journal says besides the fills. */
export interface JournalMeta {
  readonly runId: string;
  readonly config: Readonly<Record<string, unknown>>;
  readonly stats: RunStats;
  readonly candles: number;
  readonly firstTs: number;
  readonly lastTs: number;
}

const ascii = new TextEncoder();

/** Bytes of a fill line that only depend on the side and the intent. */
const PART = {
  entryBuy: ascii.encode(`,"intent":"entry","side":"buy","qty":`),
  entrySell: ascii.encode(`,"intent":"entry","side":"sell","qty":`),
  exitBuy: ascii.encode(`,"intent":"exit","side":"buy","qty":`),
  exitSell: ascii.encode(`,"intent":"exit","side":"sell","qty":`),
  price: ascii.encode(`,"price":`),
  stop: ascii.encode(`,"stop":`),
  tp: ascii.encode(`,"tp":`),
  reason: ascii.encode(`,"reason":"`),
  pnl: ascii.encode(`","pnl":`),
  tsOpen: ascii.encode(`{"ts":"`),
};

// trades.csv columns: id,side,entry_ts,entry_price,exit_ts,exit_price,qty,notional,
// stop_price,tp_price,exit_reason,gross_pnl,fees,pnl,equity_after
const ID = 0, SIDE = 1, ENTRY_TS = 2, ENTRY_PRICE = 3, EXIT_TS = 4, EXIT_PRICE = 5, QTY = 6;
const STOP = 8, TP = 9, REASON = 10, PNL = 13, FIELDS = 15;

/**
 * `events.jsonl` of a backtest: run start, every fill (entry and exit) and run end, in
 * candle time. Built from the bytes of the canonical trades.csv alone: its numbers are
 * already in shortest round-trip form, which is also JSON's, so fields are copied, not
 * formatted again, and a worker can build the journal from one buffer.
 */
export function backtestJournal(tradesCsv: Uint8Array, meta: JournalMeta): Uint8Array {
  const iso = isoByteWriter();
  const started = ascii.encode(
    JSON.stringify({
      ts: new Date(meta.firstTs).toISOString(),
      level: "info",
      component: "engine",
      event: "run.started",
      runId: meta.runId,
      candles: meta.candles,
      config: meta.config,
    }) + "\n",
  );
  const finished = ascii.encode(
    JSON.stringify({
      ts: new Date(meta.lastTs).toISOString(),
      level: "info",
      component: "engine",
      event: "run.finished",
      runId: meta.runId,
      stats: meta.stats,
    }) + "\n",
  );
  const common = ascii.encode(
    `","level":"info","component":"execution","event":"order.filled","runId":${
      JSON.stringify(meta.runId)
    },"trade":`,
  );
  const csv = tradesCsv;
  let rows = 0;
  for (let i = 0; i < csv.length; i++) if (csv[i] === 10) rows++;
  // a row's fields appear at most twice in its two lines, plus fixed parts per line
  const perLine = common.length + 160;
  let buf = new Uint8Array(started.length + finished.length + 2 * csv.length + rows * 2 * perLine);
  buf.set(started, 0);
  let pos = started.length;
  const at = new Int32Array(FIELDS + 1); // field k spans at[k] .. at[k + 1] - 1
  let line = csv.indexOf(10) + 1; // past the header
  while (line > 0 && line < csv.length) {
    let end = csv.indexOf(10, line);
    if (end === -1) end = csv.length;
    if (end === line) {
      line = end + 1;
      continue;
    }
    let k = 0;
    at[0] = line;
    for (let i = line; i < end && k < FIELDS; i++) if (csv[i] === 44) at[++k] = i + 1;
    if (k !== FIELDS - 1) throw new Error(`trades.csv row with ${k + 1} fields`);
    at[FIELDS] = end + 1;
    if (pos + 2 * (perLine + (end - line)) > buf.length) {
      const next = new Uint8Array(buf.length * 2);
      next.set(buf.subarray(0, pos));
      buf = next;
    }
    const long = csv[at[SIDE]] === 108; // "long"
    for (let intent = 0; intent < 2; intent++) {
      pos = put(buf, pos, PART.tsOpen);
      pos = iso(
        buf,
        pos,
        fieldNumber(
          csv,
          at[intent ? EXIT_TS : ENTRY_TS],
          at[(intent ? EXIT_TS : ENTRY_TS) + 1] - 1,
        ),
      );
      pos = put(buf, pos, common);
      pos = copyField(buf, pos, csv, at, ID);
      if (intent === 0) {
        pos = put(buf, pos, long ? PART.entryBuy : PART.entrySell);
        pos = copyField(buf, pos, csv, at, QTY);
        pos = put(buf, pos, PART.price);
        pos = copyField(buf, pos, csv, at, ENTRY_PRICE);
        pos = put(buf, pos, PART.stop);
        pos = copyField(buf, pos, csv, at, STOP);
        pos = put(buf, pos, PART.tp);
        pos = copyField(buf, pos, csv, at, TP);
      } else {
        pos = put(buf, pos, long ? PART.exitSell : PART.exitBuy);
        pos = copyField(buf, pos, csv, at, QTY);
        pos = put(buf, pos, PART.price);
        pos = copyField(buf, pos, csv, at, EXIT_PRICE);
        pos = put(buf, pos, PART.reason);
        pos = copyField(buf, pos, csv, at, REASON);
        pos = put(buf, pos, PART.pnl);
        pos = copyField(buf, pos, csv, at, PNL);
      }
      buf[pos++] = 125; // }
      buf[pos++] = 10;
    }
    line = end + 1;
  }
  if (pos + finished.length > buf.length) {
    const next = new Uint8Array(pos + finished.length);
    next.set(buf.subarray(0, pos));
    buf = next;
  }
  buf.set(finished, pos);
  return buf.subarray(0, pos + finished.length);
}

/** Copies `bytes` into `buf` at `pos`; returns the position after them. */
function put(buf: Uint8Array, pos: number, bytes: Uint8Array): number {
  buf.set(bytes, pos);
  return pos + bytes.length;
}

/** Copies field `k` of the row whose field starts are `at` (no separator). */
function copyField(
  buf: Uint8Array,
  pos: number,
  csv: Uint8Array,
  at: Int32Array,
  k: number,
): number {
  for (let i = at[k], end = at[k + 1] - 1; i < end; i++) buf[pos++] = csv[i];
  return pos;
}

/** `Number()` of the text in `csv[from..to)`; plain digits are read here without a string. */
function fieldNumber(csv: Uint8Array, from: number, to: number): number {
  let v = 0;
  for (let i = from; i < to; i++) {
    const d = csv[i] - 48;
    if (d < 0 || d > 9 || i - from > 15) {
      return Number(String.fromCharCode(...csv.subarray(from, to)));
    }
    v = v * 10 + d;
  }
  return to > from ? v : 0;
}
