import type { BacktestParams } from "../../core/backtest_params.ts";
import { allocSeries, type CandleSeries } from "../../core/candle.ts";
import { InputError } from "../../core/errors.ts";
import type { Combination } from "../../research/combination.ts";
import type { CombinationMetrics } from "../../research/evaluate.ts";
import type { EvalJob, StreamingEvaluator } from "../../research/sweep_loop.ts";
import type { InitMessage, JobMessage, WorkerReply } from "./optimize_worker.ts";

/** Jobs each worker holds at once: one running, one waiting, so it never idles. */
const IN_FLIGHT = 2;

/** The series in SharedArrayBuffers (copied once unless it already is): workers share it. */
export function sharedSeries(s: CandleSeries): CandleSeries {
  if (s.ts.buffer instanceof SharedArrayBuffer) return s;
  const out = allocSeries(s.length, true);
  for (const k of ["ts", "open", "high", "low", "close", "volume"] as const) out[k].set(s[k]);
  return out;
}

function replyError(r: Extract<WorkerReply, { kind: "failed" }>): Error {
  return r.input !== undefined
    ? new InputError(r.input, r.expected ?? "")
    : new Error(`sweep worker: ${r.message ?? "failed"}`);
}

/** What the pool's workers share. */
export interface PoolOptions {
  readonly workers: number;
  /** The strategy spec; each worker resolves it (`definitionFor`). */
  readonly spec: string;
  readonly series: CandleSeries;
  readonly intervalMs: number;
  readonly base: BacktestParams;
}

/**
 * Sweep workers sharing one copy of the candles. `evaluator()` streams a sweep's jobs
 * through them (each worker holds at most `IN_FLIGHT` jobs, so memory does not grow with
 * the number of combinations); `evaluate()` runs a list (walk-forward's windows).
 */
export class SweepPool {
  readonly #workers: Worker[];
  #onReply: (w: number, r: WorkerReply) => void = () => {};
  #onError: (e: Error) => void = () => {};
  #closed = false;

  private constructor(workers: Worker[]) {
    this.#workers = workers;
    workers.forEach((w, i) => {
      w.onmessage = (m: MessageEvent<WorkerReply>) => this.#onReply(i, m.data);
      w.onerror = (e) => {
        e.preventDefault();
        this.#onError(new Error(`sweep worker: ${e.message}`));
      };
    });
  }

  /**
   * Starts `workers` workers and waits until each has resolved the strategy. Resolves to
   * null where workers cannot start (the caller evaluates in process); rejects with the
   * strategy's InputError when the spec is bad.
   */
  static async start(opts: PoolOptions): Promise<SweepPool | null> {
    const series = sharedSeries(opts.series);
    const workers: Worker[] = [];
    try {
      for (let i = 0; i < opts.workers; i++) {
        workers.push(
          new Worker(new URL("./optimize_worker.ts", import.meta.url).href, { type: "module" }),
        );
      }
    } catch {
      for (const w of workers) w.terminate();
      return null;
    }
    const init: InitMessage = {
      kind: "init",
      spec: opts.spec,
      series,
      intervalMs: opts.intervalMs,
      base: opts.base,
    };
    const ready = workers.map((w) =>
      new Promise<boolean>((resolve, reject) => {
        w.onmessage = (m: MessageEvent<WorkerReply>) => {
          if (m.data.kind === "ready") resolve(true);
          else if (m.data.kind === "failed") reject(replyError(m.data));
        };
        // a worker that cannot load (no module file, e.g. in a bundle): evaluate in process
        w.onerror = (e) => {
          e.preventDefault();
          resolve(false);
        };
        w.postMessage(init);
      })
    );
    let ok: boolean[];
    try {
      ok = await Promise.all(ready);
    } catch (e) {
      for (const w of workers) w.terminate();
      throw e;
    }
    if (ok.includes(false)) {
      for (const w of workers) w.terminate();
      return null;
    }
    return new SweepPool(workers);
  }

  /** Number of workers. */
  get size(): number {
    return this.#workers.length;
  }

  /** An evaluator of a sweep's jobs on all the candles. */
  evaluator(): StreamingEvaluator {
    return { run: (next, done) => this.#run(next, done) };
  }

  /** Evaluates `combinations` on candles `[from, to)`; results in the given order. */
  async evaluate(
    combinations: readonly Combination[],
    range?: { readonly from: number; readonly to: number },
  ): Promise<CombinationMetrics[]> {
    const out = new Array<CombinationMetrics>(combinations.length);
    let i = 0;
    await this.#run(
      () => i < combinations.length ? { index: i, combination: combinations[i++] } : null,
      (job, m) => {
        out[job.index] = m;
      },
      range,
    );
    return out;
  }

  #run(
    next: () => EvalJob | null,
    done: (job: EvalJob, metrics: CombinationMetrics) => void,
    range?: { readonly from: number; readonly to: number },
  ): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.#closed) {
        reject(new Error("sweep pool is closed"));
        return;
      }
      const jobs = new Map<number, EvalJob>();
      const load = this.#workers.map(() => 0);
      let drained = false;
      let failed = false;
      const fail = (e: Error) => {
        if (failed) return;
        failed = true;
        reject(e);
      };
      const feed = (w: number) => {
        while (!drained && load[w] < IN_FLIGHT) {
          let job: EvalJob | null;
          try {
            job = next();
          } catch (e) {
            fail(e instanceof Error ? e : new Error(String(e)));
            return;
          }
          if (job === null) {
            drained = true;
            break;
          }
          jobs.set(job.index, job);
          load[w]++;
          const msg: JobMessage = {
            kind: "job",
            id: job.index,
            combination: job.combination,
            ...(range ? { from: range.from, to: range.to } : {}),
          };
          this.#workers[w].postMessage(msg);
        }
      };
      const finishIfIdle = () => {
        if (!failed && drained && jobs.size === 0) resolve();
      };
      this.#onError = fail;
      this.#onReply = (w, r) => {
        if (failed || r.kind === "ready") return;
        if (r.kind === "failed") {
          fail(replyError(r));
          return;
        }
        const job = jobs.get(r.id);
        if (job === undefined) return;
        jobs.delete(r.id);
        load[w]--;
        try {
          done(job, r.metrics);
        } catch (e) {
          fail(e instanceof Error ? e : new Error(String(e)));
          return;
        }
        feed(w);
        finishIfIdle();
      };
      for (let w = 0; w < this.#workers.length; w++) feed(w);
      finishIfIdle();
    });
  }

  /** Stops the workers (a run in progress rejects). */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const w of this.#workers) w.terminate();
    this.#onError(new Error("sweep pool closed"));
  }
}
