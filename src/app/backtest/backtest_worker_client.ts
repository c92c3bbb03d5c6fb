import { allocSeries, type CandleSeries } from "../../core/candle.ts";
import { GrowableSeries } from "../../core/growable_series.ts";
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
import { parseCandleFileRange } from "../../data/csv_file_range.ts";
import { runBoundPass } from "../../engine/backtest_report.ts";
import type { RunStats } from "../../engine/report_model.ts";
import { createStrategy } from "../../strategy/mod.ts";
import type {
  BoundJob,
  EquityCsvJob,
  FileRangeJob,
  JournalJob,
  ParseJob,
  WorkerAnswer,
  WorkerJob,
} from "./backtest_worker.ts";

/** Below this many candles a worker costs more than it saves. */
export const WORKER_MIN_CANDLES = 100_000;

/** Below this many CSV bytes the file is parsed on one core. */
const PARALLEL_PARSE_MIN_BYTES = 4 << 20;

type Job = ParseJob | FileRangeJob | BoundJob | JournalJob | EquityCsvJob;

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

  /** Starts the worker; null where workers are unavailable (callers fall back). */
  static start(): BacktestWorker | null {
    try {
      return new BacktestWorker(
        new Worker(new URL("./backtest_worker.ts", import.meta.url).href, { type: "module" }),
      );
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
   * Parses bytes `[from, to)` of a plain CSV file on the worker into `cols` (shared
   * memory). Resolves to the row count, or null when the rows did not fit or a row is bad.
   */
  async parseFileRange(
    job: Omit<FileRangeJob, "kind">,
  ): Promise<{ rows: number; endsBlank: boolean } | null> {
    const a = await this.#send({ kind: "file-range", ...job });
    return "rows" in a && a.inPlace ? { rows: a.rows, endsBlank: a.endsBlank } : null;
  }

  /** Runs one intrabar bound on the worker: its stats and equity curve. */
  async bound(job: Omit<BoundJob, "kind">): Promise<OtherBound> {
    const a = await this.#send({ kind: "bound", ...job });
    if ("stats" in a) return { stats: a.stats, equity: a.equity };
    throw new Error("message" in a ? a.message : "unexpected worker answer");
  }

  /** Builds the backtest journal (events.jsonl) on the worker. */
  async journal(tradesCsv: Uint8Array, meta: JournalJob["meta"]): Promise<Uint8Array> {
    const a = await this.#send({ kind: "journal", tradesCsv, meta });
    if ("bytes" in a) return a.bytes;
    throw new Error("message" in a ? a.message : "unexpected worker answer");
  }

  /**
   * Builds equity.csv of a pass on the worker (its candle times, shared or copied, and a
   * copy of its equity curve).
   */
  async equityCsv(
    ts: Float64Array,
    equity: Float64Array,
    startEquity: number,
  ): Promise<Uint8Array> {
    const a = await this.#send({ kind: "equity-csv", ts, equity, startEquity });
    if ("bytes" in a) return a.bytes;
    throw new Error("message" in a ? a.message : "unexpected worker answer");
  }

  /** Stops the worker. */
  close(): void {
    this.#worker.terminate();
  }
}

/**
 * Reads a candle CSV, parsing its second half on the worker while this thread parses the
 * first; the same checks and line numbers as a one-core parse. Small files, or no worker,
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

/**
 * A big plain CSV file parsed by two threads that each read their own half piece by piece
 * into one set of shared columns: no copy of the file, no join. Null when the file is not
 * such a file (gzip, small, unreadable: the caller reads it whole). When anything is wrong
 * with it (a bad row, rows out of order where the halves meet), the one-core parse names
 * the first problem and its line, exactly as always.
 */
async function parsePlainFileOnTwoCores(
  path: string,
  worker: BacktestWorker,
): Promise<CandleSeries | null> {
  let size: number;
  let head: Uint8Array;
  let middle: Uint8Array;
  try {
    using file = Deno.openSync(path);
    size = file.statSync().size;
    head = readAt(file, 0, PROBE_BYTES);
    middle = readAt(file, Math.floor(size / 2), PROBE_BYTES);
  } catch {
    return null;
  }
  if (isGzip(head) || head.indexOf(10) === -1) return null;
  const layout = candleCsvLayout(head, path);
  const from = layout.rowsStart;
  if (size - from < PARALLEL_PARSE_MIN_BYTES) return null;
  // split after a newline that starts a row, so no blank line sits at the seam
  let nl = middle.indexOf(10);
  while (nl !== -1 && !startsRow(middle[nl + 1])) nl = middle.indexOf(10, nl + 1);
  if (nl === -1) return null;
  const split = Math.floor(size / 2) + nl + 1;
  const series = await parseHalves(path, worker, head, layout, split, size).catch(() => null);
  return series ?? parseCandleCsvBytes(await readCandleCsvBytes(path), path);
}

/**
 * Rows `[from, split)` parsed here and `[split, size)` on the worker, into one set of
 * shared columns; null on any problem, or when the rows outgrow the room guessed from
 * the rows in `head`.
 */
async function parseHalves(
  path: string,
  worker: BacktestWorker,
  head: Uint8Array,
  layout: CsvLayout,
  split: number,
  size: number,
): Promise<CandleSeries | null> {
  const from = layout.rowsStart;
  // room for each half from the rows in the head, with ample slack: shared memory that is
  // never written costs no real memory
  const headRows = head.subarray(from, head.lastIndexOf(10) + 1);
  let lines = 0;
  for (let i = 0; i < headRows.length; i++) if (headRows[i] === 10) lines++;
  const rowBytes = lines > 0 ? headRows.length / lines : 16;
  const room = (bytes: number) => Math.ceil(bytes / rowBytes * 1.5) + 1024;
  const room1 = room(split - from);
  const all = allocSeries(room1 + room(size - split), true);
  const part = (at: number, end: number) => {
    const { ts, open, high, low, close, volume } = all;
    const v = (a: Float64Array) => a.subarray(at, end);
    return {
      ts: v(ts),
      open: v(open),
      high: v(high),
      low: v(low),
      close: v(close),
      volume: v(volume),
    };
  };
  const second = worker.parseFileRange({
    path,
    from: split,
    to: size,
    cols: part(room1, all.length),
    layout,
  });
  second.catch(() => {}); // a failure here is handled below, after the first half
  const firstCols = new GrowableSeries(part(0, room1));
  const first = parseCandleFileRange(
    path,
    from,
    split,
    layout.firstLine,
    firstCols,
    undefined,
    layout,
  );
  const rest = await second;
  if (rest === null || firstCols.ts.buffer !== all.ts.buffer || first.endsBlank) return null;
  const n1 = firstCols.length;
  const n = n1 + rest.rows;
  if (n1 > 0 && rest.rows > 0 && all.ts[room1] <= all.ts[n1 - 1]) return null;
  if (n === 0) return null;
  const out = { ...all, length: n };
  for (const col of ["ts", "open", "high", "low", "close", "volume"] as const) {
    all[col].copyWithin(n1, room1, room1 + rest.rows);
    out[col] = all[col].subarray(0, n);
  }
  return out;
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
