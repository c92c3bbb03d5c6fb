/**
 * The sweep itself, without I/O: walks a shard's combinations in index order, skips
 * (and records) those the strategy refuses, hands the others to an evaluator (workers
 * or in process) and writes each result line in index order as soon as every earlier one
 * is written (a reorder buffer no larger than the evaluator's jobs in flight).
 *
 * @module
 */
import type { StrategyDefinition } from "../strategy/mod.ts";
import { type Combination, resolveCombination } from "./combination.ts";
import type { CombinationMetrics } from "./evaluate.ts";
import type { SearchSpace } from "./param_space.ts";
import { judgedRow, type Judging, resultLine, type ResultRow } from "./results_csv.ts";
import { type Shard, shardIndex, shardSize } from "./shard.ts";

/** One combination to evaluate. */
export interface EvalJob {
  /** The combination's index in the sweep. */
  readonly index: number;
  readonly combination: Combination;
}

/**
 * Evaluates jobs it pulls, any number at a time, on any thread; results may come back
 * in any order.
 */
export interface StreamingEvaluator {
  /**
   * Pulls jobs with `next` (null: no more for now or ever) and calls `done` with each
   * result; resolves once every pulled job is done.
   */
  run(
    next: () => EvalJob | null,
    done: (job: EvalJob, metrics: CombinationMetrics) => void,
  ): Promise<void>;
}

/** Writes lines given by position in the order of positions, from `start` on. */
export class OrderedLines {
  #next: number;
  readonly #held = new Map<number, string>();
  readonly #write: (line: string) => void;

  constructor(start: number, write: (line: string) => void) {
    this.#next = start;
    this.#write = write;
  }

  /** Gives the line of `position`; writes it and any held ones that now follow in order. */
  put(position: number, line: string): void {
    if (position !== this.#next) {
      this.#held.set(position, line);
      return;
    }
    this.#write(line);
    this.#next++;
    for (let l = this.#held.get(this.#next); l !== undefined; l = this.#held.get(this.#next)) {
      this.#held.delete(this.#next);
      this.#write(l);
      this.#next++;
    }
  }

  /** Lines waiting for an earlier one. */
  get held(): number {
    return this.#held.size;
  }

  /** The next position to be written. */
  get position(): number {
    return this.#next;
  }
}

/** What `runSweep` needs. */
export interface SweepRun {
  readonly definition: StrategyDefinition;
  /** Strategy parameters fixed for every combination. */
  readonly fixed: Readonly<Record<string, number>>;
  readonly space: SearchSpace;
  readonly shard: Shard;
  /** Position in the shard to start at (the rows before it are already written). */
  readonly start: number;
  readonly judging: Judging;
  readonly evaluator: StreamingEvaluator;
  /** Receives each result line (with newline) in index order. */
  write(line: string): void;
  /** True once the sweep should stop: no new combination starts, those running finish. */
  stopped(): boolean;
  /** Called with each row as soon as it is known (progress, best so far). */
  onRow?(row: ResultRow): void;
}

/** What a sweep run did. */
export interface SweepOutcome {
  /** Rows written by this run (evaluated and refused). */
  readonly written: number;
  /** Combinations evaluated by this run. */
  readonly evaluated: number;
  /** True when the shard's last row is written. */
  readonly complete: boolean;
}

/**
 * Runs the shard's combinations from position `start` on. Stops early when `stopped()`
 * turns true, after the combinations already running finish and are written, so the
 * rows written are always the shard's first ones, in order.
 */
export async function runSweep(r: SweepRun): Promise<SweepOutcome> {
  const total = shardSize(r.space.size, r.shard);
  const positions = new Map<number, number>();
  let written = 0;
  let evaluated = 0;
  const lines = new OrderedLines(r.start, (line) => {
    r.write(line);
    written++;
  });
  const emit = (position: number, row: ResultRow) => {
    r.onRow?.(row);
    lines.put(position, resultLine(row, r.judging.objective));
  };
  let pos = r.start;
  const next = (): EvalJob | null => {
    while (pos < total && !r.stopped()) {
      const position = pos++;
      const index = shardIndex(r.shard, position);
      const values = r.space.combination(index);
      const c = resolveCombination(r.definition, r.fixed, r.space.axes, values);
      if ("invalid" in c) {
        emit(position, judgedRow(index, values, c, r.judging));
        continue;
      }
      positions.set(index, position);
      return { index, combination: c };
    }
    return null;
  };
  await r.evaluator.run(next, (job, metrics) => {
    const position = positions.get(job.index)!;
    positions.delete(job.index);
    evaluated++;
    const values = r.space.combination(job.index);
    emit(position, judgedRow(job.index, values, metrics, r.judging));
  });
  return { written, evaluated, complete: lines.position === total };
}

/**
 * Evaluates in this thread, one job at a time, waiting for `pause()` between jobs so
 * signals and timers still run: the evaluator without workers.
 */
export function inProcessEvaluator(
  evaluate: (job: EvalJob) => CombinationMetrics,
  pause: () => Promise<void> = () => new Promise((resolve) => setTimeout(resolve, 0)),
): StreamingEvaluator {
  return {
    async run(next, done) {
      for (let job = next(); job !== null; job = next()) {
        done(job, evaluate(job));
        await pause();
      }
    },
  };
}
