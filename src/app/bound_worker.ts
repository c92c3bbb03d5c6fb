/// <reference lib="deno.worker" />
/**
 * Worker that runs one intrabar bound of a backtest on the second core while the main
 * thread writes the artifacts of the other. Receives the candles and settings, answers
 * with that bound's stats.
 */
import type { BacktestParams } from "../core/backtest_params.ts";
import type { CandleSeries } from "../core/candle.ts";
import { runBoundPass } from "../engine/backtest_report.ts";
import { createStrategy } from "../strategy/mod.ts";

/** What the main thread sends. */
export interface BoundJob {
  readonly series: CandleSeries;
  readonly strategy: string;
  readonly strategyParams: Record<string, number>;
  readonly params: BacktestParams;
  readonly mode: BacktestParams["intrabar"];
  readonly intervalMs: number;
}

self.onmessage = (e: MessageEvent<BoundJob>) => {
  const j = e.data;
  const pass = runBoundPass(
    j.series,
    createStrategy(j.strategy, j.strategyParams),
    j.params,
    j.mode,
    j.intervalMs,
  );
  self.postMessage(pass.stats);
};
