import type { CandleSeries } from "../core/candle.ts";
import { runBoundPass } from "../engine/backtest_report.ts";
import type { RunStats } from "../engine/report_model.ts";
import { createStrategy } from "../strategy/mod.ts";
import type { BoundJob } from "./bound_worker.ts";

/** Below this many candles a worker costs more than it saves. */
const WORKER_MIN_CANDLES = 100_000;

/** A started worker, ready to take one job. */
export interface BoundWorker {
  run(job: BoundJob): Promise<RunStats>;
  close(): void;
}

/**
 * Starts the bound worker early (its module loads while the candles are parsed). Returns
 * null where workers are unavailable; callers then run the bound on the main thread.
 */
export function startBoundWorker(): BoundWorker | null {
  let worker: Worker;
  try {
    worker = new Worker(new URL("./bound_worker.ts", import.meta.url).href, { type: "module" });
  } catch {
    return null;
  }
  let failed: Error | null = null;
  let reject: ((e: Error) => void) | null = null;
  worker.onerror = (e) => {
    e.preventDefault(); // a worker that cannot load must not take the process down
    failed = new Error(e.message);
    reject?.(failed);
  };
  return {
    run(job) {
      if (failed) return Promise.reject(failed);
      return new Promise<RunStats>((resolve, rej) => {
        reject = rej;
        worker.onmessage = (m: MessageEvent<RunStats>) => resolve(m.data);
        worker.postMessage(job);
      });
    },
    close: () => worker.terminate(),
  };
}

/**
 * Stats of the other intrabar bound: on the worker for big runs (the main thread goes on
 * with its own pass and artifacts meanwhile), else, or if the worker fails, right here.
 */
export function otherBoundStats(
  worker: BoundWorker | null,
  job: BoundJob,
): Promise<RunStats> {
  const local = () =>
    runBoundPass(
      job.series,
      createStrategy(job.strategy, job.strategyParams),
      job.params,
      job.mode,
      job.intervalMs,
    )
      .stats;
  if (worker === null || job.series.length < WORKER_MIN_CANDLES) {
    return Promise.resolve().then(local);
  }
  const { ts, open, high, low, close, volume, length } = job.series;
  const copy: CandleSeries = { length, ts, open, high, low, close, volume };
  return worker.run({ ...job, series: copy }).catch(local);
}

/** True when `series` is big enough to use the worker. */
export function wantsWorker(series: CandleSeries): boolean {
  return series.length >= WORKER_MIN_CANDLES;
}
