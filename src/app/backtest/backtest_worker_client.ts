import { allocSeries, type CandleSeries, sliceSeries } from "../../core/candle.ts";
import { InputError } from "../../core/errors.ts";
import {
  candleCsvLayout,
  type CandleRowParser,
  type CsvLayout,
  feedCandleRows,
  isGzip,
  joinCandleParts,
  parseCandleCsvBytes,
  readCandleCsvBytes,
} from "../../data/csv_candles.ts";
import { runBoundPass } from "../../engine/backtest_report.ts";
import type { RunStats } from "../../engine/report_model.ts";
import { createStrategy } from "../../strategy/mod.ts";
import {
  type FilePiece,
  type FilePiecesJob,
  parseFilePiece,
  type PieceResult,
} from "./csv_pieces.ts";
import type { EquityPieces } from "./equity_pieces.ts";
import { BACKTEST_WORKER_URL, takePrestartedWorker } from "./worker_prestart.ts";
import { claimPieces, MAIN, pieceClaims } from "./piece_claims.ts";
import type {
  BoundJob,
  EquityCsvJob,
  ParseJob,
  WorkerAnswer,
  WorkerJob,
} from "./backtest_worker.ts";

/** Below this many candles a worker costs more than it saves. */
export const WORKER_MIN_CANDLES = 100_000;

/** Below this many CSV bytes the file is parsed on one core. */
const PARALLEL_PARSE_MIN_BYTES = 4 << 20;

type Job = ParseJob | FilePiecesJob | BoundJob | EquityCsvJob;

/** The second core of a backtest: started early so it loads while the main thread works. */
export class BacktestWorker {
  readonly #worker: Worker;
  readonly #pending = new Map<number, (a: WorkerAnswer | Error) => void>();
  #nextId = 1;
  #broken: Error | null = null;

  private constructor(worker: Worker) {
    this.#worker = worker;
    worker.onmessage = (m: MessageEvent<WorkerAnswer>) => {
      this.#pending.get(m.data.id)?.(m.data);
      this.#pending.delete(m.data.id);
    };
    worker.onerror = (e) => {
      e.preventDefault(); // a worker that cannot load must not take the process down
      this.#broken = new Error(e.message);
      for (const done of this.#pending.values()) done(this.#broken);
      this.#pending.clear();
    };
  }

  /**
   * Starts the worker (or takes the one `prestartBacktestWorker` started); null where
   * workers are unavailable or the one started early could not load (callers fall back).
   */
  static start(): BacktestWorker | null {
    const early = takePrestartedWorker();
    if (early === "failed") return null;
    try {
      return new BacktestWorker(early ?? new Worker(BACKTEST_WORKER_URL, { type: "module" }));
    } catch {
      return null;
    }
  }

  /** Sends a job; resolves to its answer, or rejects if the worker failed. */
  #send(job: Job, transfer: Transferable[] = []): Promise<WorkerAnswer> {
    if (this.#broken) return Promise.reject(this.#broken);
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, (a) => a instanceof Error ? reject(a) : resolve(a));
      this.#worker.postMessage({ ...job, id } satisfies WorkerJob, transfer);
    });
  }

  /** Parses whole CSV lines on the worker (input errors come back as InputError, lines counted from the piece). */
  async parse(bytes: Uint8Array, source: string, layout: CsvLayout): Promise<CandleSeries> {
    const a = await this.#send({ kind: "parse", bytes, source, layout }, [
      bytes.buffer as ArrayBuffer,
    ]);
    if ("series" in a) return a.series;
    if ("input" in a) throw new InputError(a.input, a.expected);
    throw new Error("message" in a ? a.message : "unexpected worker answer");
  }

  /**
   * Parses pieces of a plain CSV file on the worker, from the last backwards, for as long
   * as it claims them before this thread does. Resolves to the pieces it parsed; rejects
   * on a bad row (this thread then parses on one core, naming it exactly).
   */
  async parsePieces(job: Omit<FilePiecesJob, "kind">): Promise<readonly PieceResult[]> {
    const a = await this.#send({ kind: "file-pieces", ...job });
    if ("pieces" in a) return a.pieces;
    throw new Error("message" in a ? a.message : "input" in a ? a.expected : "no pieces");
  }

  /** Runs one intrabar bound on the worker: its stats and equity curve. */
  async bound(job: Omit<BoundJob, "kind">): Promise<OtherBound> {
    const a = await this.#send({ kind: "bound", ...job });
    if ("stats" in a) return { stats: a.stats, equity: a.equity };
    throw new Error("message" in a ? a.message : "unexpected worker answer");
  }

  /**
   * Has the worker create equity.csv at `path` and write the pieces it claims from the
   * first onwards (see `writeLeadingPieces`). Resolves to the bytes written.
   */
  async writeEquityCsv(path: string, pieces: EquityPieces): Promise<number> {
    const a = await this.#send({ kind: "equity-csv", path, pieces });
    if ("written" in a) return a.written;
    throw new Error("message" in a ? a.message : "unexpected worker answer");
  }

  /** Stops the worker. */
  close(): void {
    this.#worker.terminate();
  }
}

/**
 * Reads a candle CSV on two cores with the same checks and line numbers as a one-core
 * parse: a big plain file in pieces both threads claim (`parsePlainFileOnTwoCores`), a
 * big gzipped one in two halves after it is decompressed. Small files, or no worker,
 * parse here.
 */
export async function readCandleCsvParallel(
  path: string,
  worker: BacktestWorker | null,
): Promise<CandleSeries> {
  if (worker !== null) {
    const series = await parsePlainFileOnTwoCores(path, worker);
    if (series !== null) return series;
  }
  const bytes = await readCandleCsvBytes(path);
  const layout = candleCsvLayout(bytes, path);
  const from = layout.rowsStart;
  if (worker === null || bytes.length - from < PARALLEL_PARSE_MIN_BYTES) {
    return parseCandleCsvBytes(bytes, path);
  }
  // split after a newline that starts a row: the second half starts with a row
  let nl = bytes.indexOf(10, from + ((bytes.length - from) >> 1));
  while (nl !== -1 && !startsRow(bytes[nl + 1])) nl = bytes.indexOf(10, nl + 1);
  if (nl === -1) return parseCandleCsvBytes(bytes, path);
  const split = nl + 1;
  const remote = worker.parse(bytes.slice(split), path, layout);
  remote.catch(() => {}); // a failure is handled below, after the first half
  // any problem in a half or where they meet: the one-core parse names the first one exactly
  const oneCore = () => parseCandleCsvBytes(bytes, path);
  let first: CandleRowParser;
  try {
    first = feedCandleRows(bytes, from, split, layout.firstLine, path, layout);
  } catch {
    return oneCore();
  }
  const second = await remote.catch(() => null);
  if (second === null) return oneCore();
  const head = first.finish();
  if (second.length > 0 && (first.endsBlank || second.ts[0] <= head.ts[head.length - 1])) {
    return oneCore();
  }
  // shared memory: the bound job later hands the series to the worker without a copy
  return joinCandleParts([head, second], [layout.firstLine, 0], path, true);
}

/** True when byte `c` can start a row: a digit (a time) or a quote (a quoted one). */
function startsRow(c: number | undefined): boolean {
  return c !== undefined && ((c >= 48 && c <= 57) || c === 34);
}

/** Bytes of the file's start and middle looked at to find its header and a split point. */
const PROBE_BYTES = 64 << 10;

/** How many pieces a big file is cut into (the threads share them out as they go). */
const PIECES = 16;

/**
 * A big plain CSV file parsed by two threads into one set of shared columns, piece by
 * piece, each reading its pieces itself: no copy of the file, no join. Null when the file
 * is not such a file (gzip, small, unreadable: the caller reads it whole) or anything is
 * wrong with it (a bad row, rows out of order where pieces meet): the one-core parse then
 * names the first problem and its line, exactly as always.
 */
async function parsePlainFileOnTwoCores(
  path: string,
  worker: BacktestWorker,
): Promise<CandleSeries | null> {
  let size: number;
  let head: Uint8Array;
  const cuts: number[] = [];
  let layout: CsvLayout;
  try {
    using file = Deno.openSync(path);
    size = file.statSync().size;
    head = readAt(file, 0, PROBE_BYTES);
    if (isGzip(head) || head.indexOf(10) === -1) return null;
    layout = candleCsvLayout(head, path);
    if (size - layout.rowsStart < PARALLEL_PARSE_MIN_BYTES) return null;
    // cut after a newline that starts a row, so no blank line sits at a seam
    const span = size - layout.rowsStart;
    for (let k = 1; k < PIECES; k++) {
      const at = layout.rowsStart + Math.floor(span * k / PIECES);
      const probe = readAt(file, at, PROBE_BYTES);
      let nl = probe.indexOf(10);
      while (nl !== -1 && !startsRow(probe[nl + 1])) nl = probe.indexOf(10, nl + 1);
      if (nl === -1) return null;
      const cut = at + nl + 1;
      if (cut <= (cuts.at(-1) ?? layout.rowsStart)) return null;
      cuts.push(cut);
    }
  } catch {
    return null;
  }
  const series = await parsePieces(path, worker, head, layout, cuts, size).catch(() => null);
  return series ?? parseCandleCsvBytes(await readCandleCsvBytes(path), path);
}

/**
 * The pieces between `cuts` parsed by this thread (from the first) and the worker (from
 * the last) into one set of shared columns, then moved together; null on any problem,
 * or when a piece's rows outgrow the room guessed from the rows in `head`.
 */
async function parsePieces(
  path: string,
  worker: BacktestWorker,
  head: Uint8Array,
  layout: CsvLayout,
  cuts: readonly number[],
  size: number,
): Promise<CandleSeries | null> {
  const from = layout.rowsStart;
  // room for each piece from the rows in the head, with ample slack: shared memory that
  // is never written costs no real memory
  const headRows = head.subarray(from, head.lastIndexOf(10) + 1);
  let lines = 0;
  for (let i = 0; i < headRows.length; i++) if (headRows[i] === 10) lines++;
  const rowBytes = lines > 0 ? headRows.length / lines : 16;
  const bounds = [from, ...cuts, size];
  const pieces: FilePiece[] = [];
  let at = 0;
  for (let k = 0; k + 1 < bounds.length; k++) {
    const room = Math.ceil((bounds[k + 1] - bounds[k]) / rowBytes * 1.5) + 1024;
    pieces.push({ from: bounds[k], to: bounds[k + 1], at, room });
    at += room;
  }
  const all = allocSeries(at, true);
  const cols = {
    ts: all.ts,
    open: all.open,
    high: all.high,
    low: all.low,
    close: all.close,
    volume: all.volume,
  };
  const claims = pieceClaims(pieces.length);
  const job = { path, pieces, cols, layout };
  const remote = worker.parsePieces({ ...job, claims });
  remote.catch(() => {}); // a failure here is handled below, after this thread's pieces
  const results: (PieceResult | undefined)[] = new Array(pieces.length);
  try {
    // this thread's pieces go one after another from row 0: they need no move later
    let next = 0;
    for (const k of claimPieces(claims, MAIN)) {
      const r = parseFilePiece(job, k, k === 0 ? layout.firstLine : 0, next);
      results[k] = r;
      next = r.at + r.rows;
    }
  } catch {
    await remote.catch(() => null);
    return null; // the one-core parse names the row
  }
  const theirs = await remote.catch(() => null);
  if (theirs === null) return null;
  for (const r of theirs) results[r.k] = r;
  // move the pieces together, in order, checking each seam
  let n = 0;
  let lastTs = -Infinity;
  for (let k = 0; k < pieces.length; k++) {
    const r = results[k];
    if (r === undefined || !r.inPlace) return null;
    if (r.endsBlank && k < pieces.length - 1) return null; // a blank line inside the file
    if (r.rows === 0) continue;
    if (all.ts[r.at] <= lastTs) return null;
    lastTs = all.ts[r.at + r.rows - 1];
    if (r.at !== n) {
      for (const col of [all.ts, all.open, all.high, all.low, all.close, all.volume]) {
        col.copyWithin(n, r.at, r.at + r.rows);
      }
    }
    n += r.rows;
  }
  if (n === 0) return null;
  return sliceSeries(all, 0, n);
}

/** Up to `length` bytes of `file` from `at`. */
function readAt(file: Deno.FsFile, at: number, length: number): Uint8Array {
  file.seekSync(at, Deno.SeekMode.Start);
  const buf = new Uint8Array(length);
  let got = 0;
  while (got < length) {
    const n = file.readSync(buf.subarray(got));
    if (n === null || n === 0) break;
    got += n;
  }
  return buf.subarray(0, got);
}

/** What a run needs of its other intrabar bound. */
export interface OtherBound {
  readonly stats: RunStats;
  /** Equity at each candle close. */
  readonly equity: Float64Array;
}

/**
 * The other intrabar bound's stats and equity: on the worker for big runs (this thread
 * goes on with its own pass and artifacts meanwhile), else, or if the worker fails, right
 * here.
 */
export function otherBoundPass(
  worker: BacktestWorker | null,
  job: Omit<BoundJob, "kind">,
): Promise<OtherBound> {
  const local = (): OtherBound => {
    const pass = runBoundPass(
      job.series,
      createStrategy(job.strategy, job.strategyParams),
      job.params,
      job.mode,
      job.intervalMs,
    );
    return { stats: pass.stats, equity: pass.result.equity };
  };
  if (worker === null || job.series.length < WORKER_MIN_CANDLES) {
    return Promise.resolve().then(local);
  }
  const { ts, open, high, low, close, volume, length } = job.series;
  return worker.bound({ ...job, series: { length, ts, open, high, low, close, volume } })
    .catch(local);
}
