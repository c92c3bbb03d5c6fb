/**
 * Replay of a recorded run: parses an `events.jsonl` (its `run.started` config and the
 * `agent.step` records), feeds the recorded candles through a fresh AgentPipeline on a
 * fresh candle-driven venue and compares the decisions one by one. Pure: the caller
 * reads the file and supplies the venue.
 */
import { z } from "zod";
import { type Candle, seriesFromCandles } from "../core/candle.ts";
import { InputError } from "../core/errors.ts";
import type { EventSink } from "../core/events.ts";
import type { CandleDrivenExchange } from "../core/ports.ts";
import { createStrategy, resolveStrategyParams, strategyDef } from "../strategy/mod.ts";
import { runBacktestFast } from "./backtest_fast.ts";
import type { BacktestParams } from "../core/backtest_params.ts";
import { runKeyFor } from "./client_id.ts";
import { AgentPipeline } from "./pipeline.ts";
import { RiskGate } from "./risk_gate.ts";
import { tradesHash } from "./trades_hash.ts";

/** What replay accepts, for messages about files it cannot replay. */
export const REPLAY_ACCEPTS =
  "replay accepts the events.jsonl of an orchestrated run (--mode orchestrated) or of a " +
  "paper or live session (runs/<id>/events.jsonl), which record every agent step";

/** Agents whose decisions a replay compares, in pipeline order. */
export const COMPARED_AGENTS = ["signal", "risk"] as const;

/** An agent whose decision is compared. */
export type ComparedAgent = typeof COMPARED_AGENTS[number];

const finite = z.number().refine(Number.isFinite, "a finite number");

const limitsSchema = z.object({
  maxPositionUsd: finite.optional(),
  maxDailyLossUsd: finite.optional(),
  maxLeverage: finite.optional(),
}).partial();

// every key of BacktestParams, checked by the type: a new parameter missing here would be
// dropped from replays without a word (z.object leaves unknown keys out)
const paramsSchema = z.object(
  {
    startEquity: finite.refine((v) => v > 0, "a positive number"),
    riskPct: finite,
    stopBps: finite.refine((v) => v > 0, "a positive number"),
    tpR: finite,
    maxLeverage: finite.refine((v) => v > 0, "a positive number"),
    feeBps: finite,
    slippageBps: finite,
    intrabar: z.enum(["conservative", "optimistic"]),
    mode: z.literal("position", { error: "position (the agent pipeline's mode)" }),
    limits: limitsSchema.optional(),
    minQty: finite.refine((v) => v >= 0, "a number >= 0").optional(),
  } satisfies Record<keyof BacktestParams, z.ZodType>,
);

const configSchema = z.object({
  symbol: z.string().min(1),
  interval_ms: z.number().int().positive(),
  strategy: z.string().min(1),
  strategy_params: z.record(z.string(), finite).default({}),
  /** The strategy file's absolute URL when the run's strategy came from a file. */
  strategy_file: z.string().regex(/^file:\/\//, "a file:// URL").optional(),
  params: paramsSchema,
  execution_mode: z.string().optional(),
  run_key: z.string().regex(/^[0-9a-f]{8}$/).optional(),
});

/** The resolved configuration a `run.started` record carries. */
export type RecordedConfig = z.infer<typeof configSchema>;

const envelopeSchema = z.looseObject({ event: z.string() });

const runStartedSchema = z.looseObject({ runId: z.string().min(1), config: configSchema });

const stepSchema = z.looseObject({
  agent: z.string(),
  candleTs: finite,
  input: z.unknown(),
  decision: z.unknown(),
});

const candleSchema = z.object({
  ts: finite,
  open: finite,
  high: finite,
  low: finite,
  close: finite,
  volume: finite,
});

const marketInputSchema = z.looseObject({ candle: candleSchema, live: z.boolean() });
const signalDecisionSchema = z.looseObject({
  bias: z.union([z.literal(-1), z.literal(0), z.literal(1), z.null()]),
});
const riskDecisionSchema = z.looseObject({
  orders: z.array(z.string()),
  denials: z.array(z.string()),
});

const DECISION_SCHEMAS = { signal: signalDecisionSchema, risk: riskDecisionSchema } as const;

/** One recorded candle with the decisions the run took on it. */
export interface RecordedCandle {
  readonly candle: Candle;
  readonly live: boolean;
  /** Decision per compared agent (only those the file holds). */
  readonly decisions: Partial<Record<ComparedAgent, unknown>>;
}

/** What a recorded run holds, ready to replay. */
export interface RecordedRun {
  /** File name used in error messages. */
  readonly name: string;
  readonly runId: string;
  readonly config: RecordedConfig;
  readonly candles: readonly RecordedCandle[];
}

/** Where replayed and recorded decisions first disagree. */
export interface ReplayDifference {
  readonly candleTs: number;
  readonly agent: ComparedAgent;
  /** The recorded decision, or null when the file has none for this candle. */
  readonly recorded: unknown;
  /** The replayed decision, or null when the replay produced none. */
  readonly replayed: unknown;
}

/** Outcome of a replay. */
export interface ReplayReport {
  readonly runId: string;
  readonly symbol: string;
  readonly strategy: string;
  readonly matched: boolean;
  readonly candles: number;
  /** Decisions compared (one per recorded signal and risk step). */
  readonly decisions: number;
  readonly firstDifference?: ReplayDifference;
  /** Trades of a plain fast-path backtest over the same candles and config. */
  readonly backtestTrades: number;
  /** trades_hash of that backtest (compare with a session's trades). */
  readonly backtestTradesHash: string;
}

/** Builds the fresh simulated venue a replay runs on. */
export type ReplayExchangeFactory = (params: BacktestParams) => CandleDrivenExchange;

function issueText(e: z.ZodError): string {
  const i = e.issues[0];
  const at = i?.path.length ? `${i.path.join(".")}: ` : "";
  return `${at}${i?.message ?? "a valid value"}`;
}

/**
 * Parses the lines of a recorded `events.jsonl`. Lines before `run.started` and events
 * other than `agent.step` are skipped (but each line must be a JSON object with an
 * `event`); empty lines are ignored.
 * @param name the file name used in error messages
 * @throws InputError naming the file and line for any malformed line, a missing
 *   `run.started`, a second run in the same file, or a run without candles
 */
export function parseRecordedRun(lines: Iterable<string>, name: string): RecordedRun {
  let started: { runId: string; config: RecordedConfig } | null = null;
  const candles: RecordedCandle[] = [];
  const byTs = new Map<
    number,
    { candle: Candle; live: boolean; decisions: Record<string, unknown> }
  >();
  let lineNo = 0;
  for (const raw of lines) {
    lineNo++;
    const line = raw.trim();
    if (line === "") continue;
    const where = `replay file ${name} line ${lineNo}`;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw new InputError(where, "expected a JSON object with event");
    }
    const env = envelopeSchema.safeParse(value);
    if (!env.success) throw new InputError(where, "expected a JSON object with event");
    const event = env.data.event;
    if (event === "run.started") {
      if (started !== null) {
        throw new InputError(where, "expected one run per file (found a second run.started)");
      }
      const r = runStartedSchema.safeParse(value);
      if (!r.success) {
        throw new InputError(
          where,
          `expected run.started with runId and config (${issueText(r.error)})`,
        );
      }
      started = { runId: r.data.runId, config: r.data.config };
      continue;
    }
    if (started === null || event !== "agent.step") continue;
    const s = stepSchema.safeParse(value);
    if (!s.success) {
      throw new InputError(where, `expected agent.step with agent, candleTs, input and decision`);
    }
    const step = s.data;
    if (step.agent === "market") {
      const m = marketInputSchema.safeParse(step.input);
      if (!m.success) {
        throw new InputError(
          where,
          `expected a market step input {candle, live} (${issueText(m.error)})`,
        );
      }
      if (m.data.candle.ts !== step.candleTs) {
        throw new InputError(where, "expected the market step's candle.ts to equal candleTs");
      }
      if (byTs.has(step.candleTs)) {
        throw new InputError(where, `expected each candle once (candle ${step.candleTs} repeats)`);
      }
      const rec = { candle: m.data.candle, live: m.data.live, decisions: {} };
      byTs.set(step.candleTs, rec);
      candles.push(rec);
      continue;
    }
    if (step.agent !== "signal" && step.agent !== "risk") continue;
    const rec = byTs.get(step.candleTs);
    if (rec === undefined) {
      throw new InputError(
        where,
        `expected a market step for candle ${step.candleTs} before its ${step.agent} step`,
      );
    }
    const d = DECISION_SCHEMAS[step.agent].safeParse(step.decision);
    if (!d.success) {
      throw new InputError(where, `expected a ${step.agent} decision (${issueText(d.error)})`);
    }
    rec.decisions[step.agent] = comparable(step.agent, d.data);
  }
  if (started === null) {
    throw new InputError(
      `replay file ${name}`,
      `expected a run.started line with the run's config; ${REPLAY_ACCEPTS}`,
    );
  }
  if (candles.length === 0) {
    throw new InputError(
      `replay file ${name}`,
      `expected agent.step records after run.started, found none; ${REPLAY_ACCEPTS}`,
    );
  }
  return { name, runId: started.runId, config: started.config, candles };
}

/** The fields of a decision a replay compares, JSON-normalised. */
function comparable(agent: ComparedAgent, decision: unknown): unknown {
  const d = decision as Record<string, unknown>;
  const picked = agent === "signal" ? { bias: d.bias } : { orders: d.orders, denials: d.denials };
  return JSON.parse(JSON.stringify(picked));
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** The run key client ids were built with: config, else a recorded order id, else the run id. */
function runKeyOf(run: RecordedRun): string {
  if (run.config.run_key) return run.config.run_key;
  for (const c of run.candles) {
    const risk = c.decisions.risk as { orders?: string[] } | undefined;
    for (const id of risk?.orders ?? []) {
      const m = /^la([0-9a-f]{8})-/.exec(id);
      if (m) return m[1];
    }
  }
  return runKeyFor(run.runId);
}

function strategyFor(run: RecordedRun) {
  try {
    const def = strategyDef(run.config.strategy);
    return createStrategy(def.name, resolveStrategyParams(def, run.config.strategy_params));
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    throw new InputError(
      `replay file ${run.name} run.started config`,
      `expected a known strategy (${msg})`,
    );
  }
}

/**
 * Re-runs a recorded run's candles through a fresh pipeline (steps recorded, same run
 * key, each candle's recorded `live` flag) on a fresh venue from `createExchange`, and
 * compares the signal and risk decisions candle by candle. Also runs the fast-path
 * backtest over the same candles for its trades hash.
 */
export async function replayRecordedRun(
  run: RecordedRun,
  createExchange: ReplayExchangeFactory,
): Promise<ReplayReport> {
  const cfg = run.config;
  const params: BacktestParams = cfg.params;
  const replayed = new Map<number, Partial<Record<ComparedAgent, unknown>>>();
  const sink: EventSink = {
    emit(_level, _component, event, fields) {
      if (event !== "agent.step" || fields === undefined) return;
      const agent = fields.agent;
      if (agent !== "signal" && agent !== "risk") return;
      const ts = fields.candleTs as number;
      const rec = replayed.get(ts) ?? {};
      rec[agent] = comparable(agent, fields.decision);
      replayed.set(ts, rec);
    },
  };
  const exchange = createExchange(params);
  const pipeline = new AgentPipeline({
    runId: run.runId,
    runKey: runKeyOf(run),
    symbol: cfg.symbol,
    intervalMs: cfg.interval_ms,
    strategy: strategyFor(run),
    params,
    exchange,
    gate: new RiskGate(
      { maxLeverage: params.maxLeverage, ...params.limits },
      undefined,
      params.minQty,
    ),
    sink,
    recordSteps: true,
    timer: () => 0,
  });
  let decisions = 0;
  let first: ReplayDifference | undefined;
  for (const rc of run.candles) {
    exchange.onCandle(rc.candle);
    await pipeline.onCandle({ candle: rc.candle, live: rc.live });
    const got = replayed.get(rc.candle.ts) ?? {};
    for (const agent of COMPARED_AGENTS) {
      if (!(agent in rc.decisions)) continue;
      decisions++;
      const recorded = rc.decisions[agent];
      const mine = got[agent] ?? null;
      if (first === undefined && !same(recorded, mine)) {
        first = { candleTs: rc.candle.ts, agent, recorded, replayed: mine };
      }
    }
  }
  const series = seriesFromCandles(run.candles.map((c) => c.candle));
  const bt = runBacktestFast(series, strategyFor(run), params);
  return {
    runId: run.runId,
    symbol: cfg.symbol,
    strategy: cfg.strategy,
    matched: first === undefined,
    candles: run.candles.length,
    decisions,
    ...(first ? { firstDifference: first } : {}),
    backtestTrades: bt.trades.length,
    backtestTradesHash: tradesHash(bt.trades),
  };
}

/** One line describing a replay report, e.g. `Replay x: 120 candles, 240 decisions, all match`. */
export function formatReplayReport(name: string, r: ReplayReport): string {
  const head = `Replay ${name}: ${r.candles} candles, ${r.decisions} decisions`;
  if (r.firstDifference === undefined) return `${head}, all match`;
  const d = r.firstDifference;
  const when = Number.isFinite(d.candleTs)
    ? new Date(d.candleTs).toISOString().replace(".000Z", "Z")
    : "?";
  return `${head}, first difference at candle ${when} (${d.candleTs}), agent ${d.agent}: ` +
    `recorded ${JSON.stringify(d.recorded)} replayed ${JSON.stringify(d.replayed)}`;
}
