/**
 * The backtest's worker, started before the backtest's own modules load: the worker loads
 * its modules on the second core while this thread loads the command's, so it is ready
 * to parse its share of a big CSV sooner (about 10 ms of the bench's 1M-row run). Only a run
 * on a CSV file starts it this early (a small mock run would pay for a worker it never
 * uses); a run that turns out not to need it, or fails before asking, stops it.
 *
 * @module
 */

let early: Worker | null = null;
/** The early worker failed to load before anyone took it. */
let failed = false;

/** The worker's module, as `new Worker` takes it. */
export const BACKTEST_WORKER_URL = new URL("./backtest_worker.ts", import.meta.url).href;

/**
 * Whether a backtest's arguments name a CSV file (`--csv`, `--source csv`): the runs that
 * always use the worker. Flags from a config file are not seen here (such a run starts its
 * worker later, as any other).
 */
export function namesCsv(args: readonly string[]): boolean {
  return args.some((a, i) =>
    a === "--csv" || a.startsWith("--csv=") || a === "--source=csv" ||
    (a === "--source" && args[i + 1] === "csv")
  );
}

/**
 * Starts the backtest worker now (at most one; where workers are unavailable, nothing).
 * `url` is for tests.
 */
export function prestartBacktestWorker(url: string = BACKTEST_WORKER_URL): void {
  if (early !== null) return;
  failed = false;
  try {
    early = new Worker(url, { type: "module" });
    // until it is taken: a worker that cannot load must not take the process down, and
    // must not be handed over (its error would never reach the new owner)
    early.onerror = (e) => {
      e.preventDefault();
      failed = true;
    };
  } catch {
    early = null;
  }
}

/** True when a worker started early failed to load before anyone took it. */
export function prestartedWorkerFailed(): boolean {
  return early !== null && failed;
}

/**
 * The worker started early, handed over once: null when none was started (or it was
 * taken), "failed" when it could not load (a second one from the same module would fail
 * the same way).
 */
export function takePrestartedWorker(): Worker | "failed" | null {
  const w = early;
  const broken = prestartedWorkerFailed();
  early = null;
  if (w !== null && broken) {
    w.terminate();
    return "failed";
  }
  return w;
}

/** Stops a worker started early that nothing took. */
export function discardPrestartedWorker(): void {
  early?.terminate();
  early = null;
}
