/// <reference lib="deno.worker" />
/**
 * The backtest's second core: parses pieces of a big CSV while the main thread parses the
 * others, runs the second intrabar bound and builds equity.csv (the main thread builds its
 * tail once the other artifacts are done). Input errors travel back as data so the main
 * thread can raise them.
 */
import type { BacktestParams } from "../../core/backtest_params.ts";
import type { CandleSeries } from "../../core/candle.ts";
import { isInputError } from "../../core/errors.ts";
import { type CsvLayout, parseCandleRows } from "../../data/csv_candles.ts";
import { type FilePiecesJob, parseFilePiece, type PieceResult } from "./csv_pieces.ts";
import { type EquityPieces, writeLeadingPieces } from "./equity_pieces.ts";
import { claimPieces, WORKER } from "./piece_claims.ts";
import { runBoundPass } from "../../engine/backtest_report.ts";
import type { RunStats } from "../../engine/report_model.ts";
import { createStrategy, loadStrategy } from "../../strategy/mod.ts";

/**
 * Parse rows of a CSV piece: `bytes` holds whole lines. Errors name lines counted from
 * the piece; the caller parses the whole file again to name the first one exactly.
 */
export interface ParseJob {
  readonly kind: "parse";
  readonly bytes: Uint8Array;
  readonly source: string;
  readonly layout: CsvLayout;
}

/** Run one intrabar bound and return its stats and equity curve. */
export interface BoundJob {
  readonly kind: "bound";
  readonly series: CandleSeries;
  readonly strategy: string;
  readonly strategyParams: Record<string, number>;
  /** The strategy file's absolute URL (the worker loads it), when it came from a file. */
  readonly strategyFile?: string;
  readonly params: BacktestParams;
  readonly mode: BacktestParams["intrabar"];
  readonly intervalMs: number;
}

/** Write the leading pieces of equity.csv that this thread claims (see equity_pieces.ts). */
export interface EquityCsvJob {
  readonly kind: "equity-csv";
  readonly path: string;
  readonly pieces: EquityPieces;
}

/** A job with the id its answer carries. */
export type WorkerJob = (ParseJob | FilePiecesJob | BoundJob | EquityCsvJob) & {
  readonly id: number;
};

/** The worker's answer to job `id`. */
export type WorkerAnswer =
  | { readonly id: number; readonly series: CandleSeries }
  | { readonly id: number; readonly pieces: readonly PieceResult[] }
  | { readonly id: number; readonly stats: RunStats; readonly equity: Float64Array }
  | { readonly id: number; readonly written: number }
  | { readonly id: number; readonly input: string; readonly expected: string }
  | { readonly id: number; readonly message: string };

self.onmessage = async (e: MessageEvent<WorkerJob>) => {
  const job = e.data;
  try {
    if (job.kind === "bound" && job.strategyFile) await loadStrategy(job.strategyFile, "/");
    if (job.kind === "parse") {
      const s = parseCandleRows(job.bytes, 0, job.bytes.length, 1, job.source, job.layout);
      const cols = [s.ts, s.open, s.high, s.low, s.close, s.volume].map((a) =>
        a.buffer as ArrayBuffer
      );
      self.postMessage({ id: job.id, series: s } satisfies WorkerAnswer, cols);
    } else if (job.kind === "file-pieces") {
      // from the last piece backwards, until the main thread has claimed the next one
      const done: PieceResult[] = [];
      for (const k of claimPieces(job.claims, WORKER, true)) done.push(parseFilePiece(job, k, 0));
      self.postMessage({ id: job.id, pieces: done } satisfies WorkerAnswer);
    } else if (job.kind === "equity-csv") {
      const bytes = await writeLeadingPieces(job.path, job.pieces);
      self.postMessage({ id: job.id, written: bytes } satisfies WorkerAnswer);
    } else {
      const strategy = createStrategy(job.strategy, job.strategyParams);
      const pass = runBoundPass(job.series, strategy, job.params, job.mode, job.intervalMs);
      // the equity curve reaches the main thread without a copy: shared (as it is for
      // shared candles) or its buffer moved
      const equity = pass.result.equity;
      const buffer = equity.buffer;
      self.postMessage(
        { id: job.id, stats: pass.stats, equity } satisfies WorkerAnswer,
        buffer instanceof SharedArrayBuffer ? [] : [buffer],
      );
    }
  } catch (err) {
    const answer: WorkerAnswer = isInputError(err)
      ? { id: job.id, input: err.input, expected: err.expected }
      : { id: job.id, message: err instanceof Error ? err.message : String(err) };
    self.postMessage(answer);
  }
};
