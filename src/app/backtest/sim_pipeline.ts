import { candleAt, type CandleSeries } from "../../core/candle.ts";
import { type EventSink, NULL_SINK } from "../../core/events.ts";
import type { BacktestParams } from "../../core/backtest_params.ts";
import { runKeyFor } from "../../engine/client_id.ts";
import { AgentPipeline, type JournalView } from "../../engine/pipeline.ts";
import { RiskGate } from "../../engine/risk_gate.ts";
import { SimExchange } from "../../exchange/sim/sim_exchange.ts";
import type { Strategy } from "../../strategy/api.ts";

/** Options of a step-by-step run over recorded candles on the simulated venue. */
export interface SimPipelineOptions {
  readonly runId: string;
  readonly symbol: string;
  readonly intervalMs: number;
  readonly strategy: Strategy;
  readonly params: BacktestParams;
  readonly sink?: EventSink;
  readonly recordSteps?: boolean;
  readonly timer?: () => number;
  readonly onJournal?: (view: JournalView) => void;
}

/**
 * Runs candles one by one through the full agent pipeline against the simulated venue
 * (the orchestrated path), settling any open position at the last close like the fast
 * path does. Gives the same trades as `runBacktestFast` for the same inputs.
 */
export async function runSimPipeline(
  series: CandleSeries,
  o: SimPipelineOptions,
): Promise<AgentPipeline> {
  const sim = new SimExchange({
    feeBps: o.params.feeBps,
    slippageBps: o.params.slippageBps,
    intrabar: o.params.intrabar,
  });
  const pipeline = new AgentPipeline({
    runId: o.runId,
    runKey: runKeyFor(o.runId),
    symbol: o.symbol,
    intervalMs: o.intervalMs,
    strategy: o.strategy,
    params: o.params,
    exchange: sim,
    gate: new RiskGate(
      { maxLeverage: o.params.maxLeverage, ...o.params.limits },
      undefined,
      o.params.minQty,
    ),
    sink: o.sink ?? NULL_SINK,
    recordSteps: o.recordSteps ?? false,
    timer: o.timer ?? (() => 0),
    onJournal: o.onJournal,
  });
  for (let i = 0; i < series.length; i++) {
    const candle = candleAt(series, i);
    sim.onCandle(candle);
    await pipeline.onCandle({ candle, live: true });
  }
  await sim.cancelAll(o.symbol);
  const pos = pipeline.ledger.position;
  if (pos !== null && series.length > 0) {
    const last = series.ts[series.length - 1];
    await sim.placeOrder({
      clientId: `end-${last}`,
      symbol: o.symbol,
      side: pos.side === "long" ? "sell" : "buy",
      qty: pos.qty,
      intent: "flatten",
      reduceOnly: true,
      refPrice: series.close[series.length - 1],
    });
    sim.settleAtLastClose();
    await pipeline.applyPendingFills();
    pipeline.equity[pipeline.equity.length - 1] = pipeline.ledger.cash;
  }
  return pipeline;
}
