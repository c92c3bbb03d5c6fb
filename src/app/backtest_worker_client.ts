import { type CandleSeries } from "../core/candle.ts";
import { InputError } from "../core/errors.ts";
import {
  candleRowsStart,
  joinCandleParts,
  parseCandleCsvBytes,
  parseCandleRows,
  readCandleCsvBytes,
} from "../data/csv_candles.ts";
import { runBoundPass } from "../engine/backtest_report.ts";
import type { RunStats } from "../engine/report_model.ts";
import { createStrategy } from "../strategy/mod.ts";
import type { BoundJob, JournalJob, ParseJob, WorkerAnswer, WorkerJob } from "./backtest_worker.ts";

/** Below this many candles a worker costs more than it saves. */
export const WORKER_MIN_CANDLES = 100_000;

/** Below this many CSV bytes the file is parsed on one core. */
const PARALLEL_PARSE_MIN_BYTES = 4 << 20;

type Job = ParseJob | BoundJob | JournalJob;

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

  /** Parses whole CSV lines on the worker (input errors come back as InputError). */
  async parse(bytes: Uint8Array, firstLine: number, source: string): Promise<CandleSeries> {
    const a = await this.#send({ kind: "parse", bytes, firstLine, source }, [
      bytes.buffer as ArrayBuffer,
    ]);
    if ("series" in a) return a.series;
    if ("input" in a) throw new InputError(a.input, a.expected);
    throw new Error("message" in a ? a.message : "unexpected worker answer");
  }

  /** Runs one intrabar bound on the worker. */
  async bound(job: Omit<BoundJob, "kind">): Promise<RunStats> {
    const a = await this.#send({ kind: "bound", ...job });
    if ("stats" in a) return a.stats;
    throw new Error("message" in a ? a.message : "unexpected worker answer");
  }

  /** Builds the backtest journal (events.jsonl) on the worker. */
  async journal(tradesCsv: Uint8Array, meta: JournalJob["meta"]): Promise<Uint8Array> {
    const a = await this.#send({ kind: "journal", tradesCsv, meta });
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
  const bytes = await readCandleCsvBytes(path);
  const from = candleRowsStart(bytes, path);
  if (worker === null || bytes.length - from < PARALLEL_PARSE_MIN_BYTES) {
    return parseCandleCsvBytes(bytes, path);
  }
  // split after a newline that starts a row (a digit), so no blank line sits at the seam
  let nl = bytes.indexOf(10, from + ((bytes.length - from) >> 1));
  while (nl !== -1 && !(bytes[nl + 1] >= 48 && bytes[nl + 1] <= 57)) nl = bytes.indexOf(10, nl + 1);
  if (nl === -1) return parseCandleCsvBytes(bytes, path);
  const split = nl + 1;
  const remote = worker.parse(bytes.slice(split), 0, path);
  remote.catch(() => {}); // an error in the first half wins; this one is then dropped
  const first = parseCandleRows(bytes, from, split, 2, path);
  // the second half's first line number is only needed to name an error in it
  const secondLine = () => {
    let line = 2;
    for (let i = bytes.indexOf(10, from); i !== -1 && i < split; i = bytes.indexOf(10, i + 1)) {
      line++;
    }
    return line;
  };
  let second: CandleSeries;
  try {
    second = await remote;
  } catch {
    // parse it here with the right line numbers: raises the exact error (or recovers)
    second = parseCandleRows(bytes, split, bytes.length, secondLine(), path);
  }
  if (second.length > 0 && first.length > 0 && second.ts[0] <= first.ts[first.length - 1]) {
    return joinCandleParts([first, second], [2, secondLine()], path, true);
  }
  // shared memory: the bound job later hands the series to the worker without a copy
  return joinCandleParts([first, second], [2, 0], path, true);
}

/**
 * Stats of the other intrabar bound: on the worker for big runs (this thread goes on with
 * its own pass and artifacts meanwhile), else, or if the worker fails, right here.
 */
export function otherBoundStats(
  worker: BacktestWorker | null,
  job: Omit<BoundJob, "kind">,
): Promise<RunStats> {
  const local = () =>
    runBoundPass(
      job.series,
      createStrategy(job.strategy, job.strategyParams),
      job.params,
      job.mode,
      job.intervalMs,
    ).stats;
  if (worker === null || job.series.length < WORKER_MIN_CANDLES) {
    return Promise.resolve().then(local);
  }
  const { ts, open, high, low, close, volume, length } = job.series;
  return worker.bound({ ...job, series: { length, ts, open, high, low, close, volume } })
    .catch(local);
}
