/// <reference lib="deno.worker" />
/**
 * The backtest's second core: parses half of a big CSV while the main thread parses the
 * other half, runs the second intrabar bound and builds the journal (events.jsonl) and
 * equity.csv while the main thread builds and writes the other artifacts. Input errors travel back as data so the main thread can raise them.
 */
import type { BacktestParams } from "../../core/backtest_params.ts";
import type { CandleSeries } from "../../core/candle.ts";
import { isInputError } from "../../core/errors.ts";
import { GrowableSeries } from "../../core/growable_series.ts";
import { type CsvLayout, parseCandleRows } from "../../data/csv_candles.ts";
import { parseCandleFileRange } from "../../data/csv_file_range.ts";
import { equityCsvBytes } from "../../engine/artifacts.ts";
import { backtestJournal, type JournalMeta } from "../../engine/backtest_journal.ts";
import { runBoundPass } from "../../engine/backtest_report.ts";
import { drawdownSeries } from "../../engine/stats.ts";
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

/**
 * Parse the rows in bytes `[from, to)` of a plain CSV file (whole lines), reading the file
 * here, into `cols` (views of shared memory).
 */
export interface FileRangeJob {
  readonly kind: "file-range";
  readonly path: string;
  readonly from: number;
  readonly to: number;
  readonly cols: Omit<CandleSeries, "length">;
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

/** Build the backtest journal (events.jsonl) from the trades.csv bytes. */
export interface JournalJob {
  readonly kind: "journal";
  readonly tradesCsv: Uint8Array;
  readonly meta: JournalMeta;
}

/** Build equity.csv of a pass from its candle times and equity curve. */
export interface EquityCsvJob {
  readonly kind: "equity-csv";
  readonly ts: Float64Array;
  readonly equity: Float64Array;
  readonly startEquity: number;
}

/** A job with the id its answer carries. */
export type WorkerJob = (ParseJob | FileRangeJob | BoundJob | JournalJob | EquityCsvJob) & {
  readonly id: number;
};

/** The worker's answer to job `id`. */
export type WorkerAnswer =
  | { readonly id: number; readonly series: CandleSeries }
  | {
    readonly id: number;
    readonly rows: number;
    readonly endsBlank: boolean;
    /** False when the rows outgrew the shared columns (they are then lost). */
    readonly inPlace: boolean;
  }
  | { readonly id: number; readonly stats: RunStats; readonly equity: Float64Array }
  | { readonly id: number; readonly bytes: Uint8Array }
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
    } else if (job.kind === "file-range") {
      const cols = new GrowableSeries(job.cols);
      const parser = parseCandleFileRange(
        job.path,
        job.from,
        job.to,
        0,
        cols,
        undefined,
        job.layout,
      );
      const answer: WorkerAnswer = {
        id: job.id,
        rows: cols.length,
        endsBlank: parser.endsBlank,
        inPlace: cols.ts.buffer === job.cols.ts.buffer,
      };
      self.postMessage(answer);
    } else if (job.kind === "journal") {
      const bytes = backtestJournal(job.tradesCsv, job.meta);
      self.postMessage({ id: job.id, bytes } satisfies WorkerAnswer, [bytes.buffer as ArrayBuffer]);
    } else if (job.kind === "equity-csv") {
      // the drawdown the report holds (assembleReport), computed here
      const drawdown = drawdownSeries(job.startEquity, job.equity);
      const bytes = equityCsvBytes(job.ts, job.equity, drawdown);
      self.postMessage({ id: job.id, bytes } satisfies WorkerAnswer, [bytes.buffer as ArrayBuffer]);
    } else {
      const strategy = createStrategy(job.strategy, job.strategyParams);
      const pass = runBoundPass(job.series, strategy, job.params, job.mode, job.intervalMs);
      // the equity curve's buffer moves to the main thread (no copy)
      const equity = pass.result.equity;
      self.postMessage(
        { id: job.id, stats: pass.stats, equity } satisfies WorkerAnswer,
        [equity.buffer as ArrayBuffer],
      );
    }
  } catch (err) {
    const answer: WorkerAnswer = isInputError(err)
      ? { id: job.id, input: err.input, expected: err.expected }
      : { id: job.id, message: err instanceof Error ? err.message : String(err) };
    self.postMessage(answer);
  }
};
