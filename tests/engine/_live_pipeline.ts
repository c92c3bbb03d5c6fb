import type { EventSink } from "../../src/core/events.ts";
import type { Exchange } from "../../src/core/ports.ts";
import { AgentPipeline, type PipelineDeps } from "../../src/engine/pipeline.ts";
import { RiskGate } from "../../src/engine/risk_gate.ts";
import type { Bias, Strategy } from "../../src/strategy/api.ts";
import { PARAMS, scripted } from "./_scripted.ts";

/**
 * A session's pipeline on `venue` (fills at once) with a strategy, or a scripted one from
 * `biases`; its events are collected. `more` sets further deps (e.g. halting on a
 * strategy's failure, the strategy's clock).
 */
export function livePipeline(
  venue: Exchange,
  strategy: Strategy | readonly Bias[],
  gate = new RiskGate({ maxLeverage: PARAMS.maxLeverage }),
  more: Partial<PipelineDeps> = {},
) {
  const events: { event: string; fields: Record<string, unknown> }[] = [];
  const sink: EventSink = { emit: (_l, _c, event, fields = {}) => events.push({ event, fields }) };
  const pipeline = new AgentPipeline({
    runId: "t",
    runKey: "00000000",
    symbol: "BTCUSDT",
    intervalMs: 60_000,
    strategy: Array.isArray(strategy) ? scripted(strategy) : strategy as Strategy,
    params: PARAMS,
    exchange: venue,
    gate,
    sink,
    recordSteps: false,
    timer: () => 0,
    immediateFills: true,
    ...more,
  });
  const named = (name: string) => events.filter((e) => e.event === name);
  return { pipeline, events, named, gate };
}
