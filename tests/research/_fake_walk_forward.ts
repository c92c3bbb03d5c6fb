/**
 * Hand-made walk-forward inputs: daily candles, a fake optimiser and a fake test runner
 * whose results are chosen per fold, so the analysis can be checked on known numbers.
 */
import type { Trade } from "../../src/core/trade.ts";
import type { RunStats } from "../../src/engine/report_model.ts";
import { computeStats } from "../../src/engine/stats.ts";
import {
  type FoldPlan,
  type Optimiser,
  type ParamCombo,
  runWalkForward,
  type TestRunner,
  type WalkForwardResult,
  type WindowPass,
} from "../../src/research/walk_forward.ts";

/** One candle a day. */
export const DAY = 86_400_000;

/** `n` daily open times from 2024-01-01. */
export function dailyTs(n: number): Float64Array {
  const start = Date.UTC(2024, 0, 1);
  return Float64Array.from({ length: n }, (_, i) => start + i * DAY);
}

/** `n` losing-or-winning trades worth `pnl` in all (only their pnl matters to the stats). */
export function fakeTrades(n: number, pnl: number, ts = 0): Trade[] {
  return Array.from({ length: n }, (_, i) => ({
    id: i + 1,
    side: "long",
    entryTs: ts + i,
    entryPrice: 100,
    exitTs: ts + i + 1,
    exitPrice: 100,
    qty: 1,
    notional: 100,
    stopPrice: 99,
    tpPrice: 101,
    exitReason: "signal",
    grossPnl: pnl / n,
    fees: 0,
    pnl: pnl / n,
    equityAfter: 0,
  }));
}

/** A window of `candles` whose equity moves from `start` by `returnPct` in equal steps. */
export function fakePass(
  start: number,
  candles: number,
  returnPct: number,
  trades: number,
  ts?: ArrayLike<number>,
): WindowPass {
  const end = start * (1 + returnPct / 100);
  const equity = Float64Array.from(
    { length: candles },
    (_, i) => start + (end - start) * (i + 1) / candles,
  );
  const list = fakeTrades(trades, end - start);
  const stats = computeStats({
    startEquity: start,
    trades: list,
    equity,
    exposedCandles: candles,
    intervalMs: DAY,
    ts,
  });
  return { stats, equity, trades: list, exposedCandles: candles };
}

/** What the fakes answer on fold `k` (1-based). */
export interface FakeFold {
  readonly params: ParamCombo;
  /** In-sample return over the train window, %. */
  readonly isReturnPct: number;
  /** Out-of-sample return over the test window, %. */
  readonly oosReturnPct: number;
  readonly oosTrades?: number;
}

/** A fake optimiser and test runner that answer `folds[k - 1]` on fold k. */
export function fakeEvaluator(
  folds: readonly FakeFold[],
): { optimise: Optimiser; test: TestRunner } {
  const optimise: Optimiser = ({ fold, train }) => {
    const f = folds[fold - 1];
    const s: RunStats = fakePass(10_000, train.end - train.start, f.isReturnPct, 20).stats;
    return {
      ok: true,
      combination: { strategyParams: f.params, risk: {} },
      params: f.params,
      isObjective: s.net_pnl,
      isStats: { main: s, other: s },
      evaluated: folds.length,
      eligible: folds.length,
    };
  };
  const test: TestRunner = ({ fold, test, startEquity }) => {
    const f = folds[fold - 1];
    const n = test.end - test.start;
    return {
      main: fakePass(startEquity.main, n, f.oosReturnPct, f.oosTrades ?? 10),
      other: fakePass(startEquity.other, n, f.oosReturnPct + 1, f.oosTrades ?? 10),
    };
  };
  return { optimise, test };
}

/** Runs a walk-forward of `plan` over daily candles with the fakes answering `folds`. */
export function runFake(
  plan: FoldPlan,
  length: number,
  folds: readonly FakeFold[],
  minTrades = 5,
): Promise<WalkForwardResult> {
  return runWalkForward({
    plan,
    ts: dailyTs(length),
    intervalMs: DAY,
    startEquity: 10_000,
    objective: "net_pnl",
    minTrades,
    ...fakeEvaluator(folds),
  });
}
