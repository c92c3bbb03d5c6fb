import { writeFileAtomicSync } from "../../ops/atomic_write.ts";
import { writeAllBytesSync } from "../../ops/write_bytes.ts";
import type { Candle } from "../../core/candle.ts";
import type { Trade } from "../../core/trade.ts";
import { tradesCsvBytes } from "../../engine/trades_hash.ts";
import { MAX_FIXED_BYTES, writeFixed } from "../../engine/write_fixed.ts";
import { writeTextFileAtomicSync } from "../../ops/atomic_write.ts";

const CANDLES_HEADER = "ts,open,high,low,close,volume\n";
const EQUITY_HEADER = "ts,equity,drawdown\n";

/** What a session's run folder holds so far. */
export interface RecordedSeries {
  readonly candles: Candle[];
  readonly equity: number[];
}

/**
 * The run folder of a trading session, kept current while the session runs, so a kill
 * at any moment leaves every trade and every candle's equity on disk and a restart of
 * the same session goes on writing the same record: `candles.csv` and `equity.csv` get a
 * row per live candle (appended; a candle already there is skipped), `trades.csv` is
 * rewritten whenever a trade closes. The report files (stats, summary) are built from it
 * at each stop.
 */
export class SessionRecord {
  #lastTs = -Infinity;
  #peak: number;
  /** Peak before the last row, and where that row starts in equity.csv (to restate it). */
  #peakBefore: number;
  #lastRowAt = -1;
  #trades = -1;
  readonly #candles: Deno.FsFile;
  readonly #equity: Deno.FsFile;
  readonly #buf = new Uint8Array(3 * MAX_FIXED_BYTES + 4);
  readonly #enc = new TextEncoder();

  /**
   * Opens (or creates) the record in `dir`.
   * @param startEquity the session's starting equity (the first drawdown peak)
   */
  constructor(readonly dir: string, readonly startEquity: number) {
    Deno.mkdirSync(dir, { recursive: true });
    this.#peak = startEquity;
    this.#peakBefore = startEquity;
    const known = readRecord(dir);
    if (known.equity.length > 0) {
      this.#lastTs = known.candles[known.candles.length - 1].ts;
      for (const e of known.equity) if (e > this.#peak) this.#peak = e;
    }
    this.#candles = openAppend(`${dir}/candles.csv`, CANDLES_HEADER);
    this.#equity = openAppend(`${dir}/equity.csv`, EQUITY_HEADER);
  }

  /** Appends a live candle and the equity marked at its close (older candles are skipped). */
  append(c: Candle, equity: number): void {
    if (!(c.ts > this.#lastTs)) return;
    this.#lastTs = c.ts;
    writeAllBytesSync(
      this.#candles,
      this.#enc.encode(`${c.ts},${c.open},${c.high},${c.low},${c.close},${c.volume}\n`),
    );
    this.#peakBefore = this.#peak;
    this.#lastRowAt = this.#equity.seekSync(0, Deno.SeekMode.End);
    this.#writeEquityRow(c.ts, equity);
  }

  /**
   * Restates the equity of the last candle recorded by this process: its mark was taken
   * before the orders decided on it filled (a live venue fills them within the candle).
   */
  restateLast(equity: number): void {
    if (this.#lastRowAt < 0) return;
    this.#equity.truncateSync(this.#lastRowAt);
    this.#peak = this.#peakBefore;
    this.#writeEquityRow(this.#lastTs, equity);
  }

  #writeEquityRow(ts: number, equity: number): void {
    if (equity > this.#peak) this.#peak = equity;
    const b = this.#buf;
    let pos = writeFixed(b, 0, ts, 0);
    b[pos++] = 44;
    pos = writeFixed(b, pos, equity, 6);
    b[pos++] = 44;
    pos = writeFixed(b, pos, this.#peak - equity, 6);
    b[pos++] = 10;
    writeAllBytesSync(this.#equity, b.subarray(0, pos));
  }

  /** Rewrites `trades.csv` when the number of trades changed. */
  writeTrades(trades: readonly Trade[]): void {
    if (trades.length === this.#trades) return;
    this.#trades = trades.length;
    writeFileAtomicSync(`${this.dir}/trades.csv`, tradesCsvBytes(trades));
  }

  /** Every candle and equity mark recorded so far (this process's and earlier ones'). */
  read(): RecordedSeries {
    return readRecord(this.dir);
  }

  close(): void {
    for (const f of [this.#candles, this.#equity]) {
      try {
        f.close();
      } catch {
        // already closed
      }
    }
  }
}

/** Opens a CSV for appending; a new file gets its header, a row cut short by a kill is cut off. */
function openAppend(path: string, header: string): Deno.FsFile {
  let bytes: Uint8Array;
  try {
    bytes = Deno.readFileSync(path);
  } catch {
    bytes = new Uint8Array();
  }
  if (bytes.length === 0) writeTextFileAtomicSync(path, header);
  else if (bytes[bytes.length - 1] !== 10) {
    Deno.truncateSync(path, bytes.lastIndexOf(10) + 1);
  }
  return Deno.openSync(path, { append: true, read: true });
}

/**
 * Reads a record's candles and equity; rows cut short by a kill and rows of candles the
 * other file lacks are dropped, so both always line up.
 */
function readRecord(dir: string): RecordedSeries {
  const rows = (name: string) => {
    let text = "";
    try {
      text = Deno.readTextFileSync(`${dir}/${name}`);
    } catch {
      return [];
    }
    const lines = text.split("\n").slice(1);
    if (!text.endsWith("\n")) lines.pop(); // a row cut short
    return lines.filter((l) => l !== "").map((l) => l.split(",").map(Number));
  };
  const equityByTs = new Map<number, number>();
  for (const r of rows("equity.csv")) {
    if (r.length === 3 && r.every(Number.isFinite)) equityByTs.set(r[0], r[1]);
  }
  const candles: Candle[] = [];
  const equity: number[] = [];
  for (const r of rows("candles.csv")) {
    if (r.length !== 6 || !r.every(Number.isFinite)) continue;
    const eq = equityByTs.get(r[0]);
    if (eq === undefined) continue;
    if (candles.length > 0 && r[0] <= candles[candles.length - 1].ts) continue;
    candles.push({ ts: r[0], open: r[1], high: r[2], low: r[3], close: r[4], volume: r[5] });
    equity.push(eq);
  }
  return { candles, equity };
}
