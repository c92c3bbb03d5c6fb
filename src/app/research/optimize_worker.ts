/// <reference lib="deno.worker" />
/**
 * A sweep worker: gets the strategy spec (and resolves it itself), one shared copy of the
 * candles and the fixed parameters once, then evaluates combinations one job at a time.
 * Input errors travel back as data so the main thread can raise them.
 */
import type { BacktestParams } from "../../core/backtest_params.ts";
import { type CandleSeries, sliceSeries } from "../../core/candle.ts";
import { isInputError } from "../../core/errors.ts";
import type { Combination } from "../../research/combination.ts";
import {
  type CombinationMetrics,
  evaluateCombination,
  type EvaluationContext,
} from "../../research/evaluate.ts";
import { definitionFor } from "../../research/strategy_source.ts";

/** The first message: what every job shares. `series` columns are SharedArrayBuffer views. */
export interface InitMessage {
  readonly kind: "init";
  readonly spec: string;
  readonly series: CandleSeries;
  readonly intervalMs: number;
  readonly base: BacktestParams;
}

/** Evaluate one combination on candles `[from, to)` (default: all). */
export interface JobMessage {
  readonly kind: "job";
  readonly id: number;
  readonly combination: Combination;
  readonly from?: number;
  readonly to?: number;
}

/** What the worker answers. */
export type WorkerReply =
  | { readonly kind: "ready" }
  | { readonly kind: "result"; readonly id: number; readonly metrics: CombinationMetrics }
  | {
    readonly kind: "failed";
    readonly id: number | null;
    readonly input?: string;
    readonly expected?: string;
    readonly message?: string;
  };

let ctx: EvaluationContext | null = null;

function failed(id: number | null, err: unknown): WorkerReply {
  return isInputError(err)
    ? { kind: "failed", id, input: err.input, expected: err.expected }
    : { kind: "failed", id, message: err instanceof Error ? err.message : String(err) };
}

self.onmessage = async (e: MessageEvent<InitMessage | JobMessage>) => {
  const m = e.data;
  if (m.kind === "init") {
    try {
      const definition = await definitionFor(m.spec);
      ctx = { definition, series: m.series, intervalMs: m.intervalMs, base: m.base };
      self.postMessage({ kind: "ready" } satisfies WorkerReply);
    } catch (err) {
      self.postMessage(failed(null, err));
    }
    return;
  }
  try {
    if (ctx === null) throw new Error("job before init");
    const series = m.from === undefined && m.to === undefined
      ? ctx.series
      : sliceSeries(ctx.series, m.from ?? 0, m.to ?? ctx.series.length);
    const metrics = evaluateCombination(ctx, series, m.combination);
    self.postMessage({ kind: "result", id: m.id, metrics } satisfies WorkerReply);
  } catch (err) {
    self.postMessage(failed(m.id, err));
  }
};
