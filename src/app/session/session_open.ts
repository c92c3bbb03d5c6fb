/**
 * A session's first phase: find what an earlier process of this session left, open the
 * locks and logs, the venue and the risk gate, build the engine, restore the record, and
 * reconcile with the venue before the first candle.
 *
 * @module
 */
import type { SessionConfig } from "../../config/session_config.ts";
import { INTERVAL_MS } from "../../core/candle.ts";
import { isOrderRefused } from "../../core/errors.ts";
import type { EventSink, LogLevel } from "../../core/events.ts";
import type { Exchange } from "../../core/ports.ts";
import { LiveReadModel } from "../../dashboard/live/read_model.ts";
import { runKeyFor } from "../../engine/client_id.ts";
import { AgentPipeline } from "../../engine/pipeline.ts";
import { RiskGate } from "../../engine/risk_gate.ts";
import { isBitunixError } from "../../exchange/bitunix/mod.ts";
import { SimExchange } from "../../exchange/sim/sim_exchange.ts";
import { HeartbeatWriter } from "../../ops/heartbeat.ts";
import { JsonlLogger, teeSink } from "../../ops/jsonl_logger.ts";
import {
  absoluteKillSwitchPath,
  KillSwitchWatcher,
  readKillSwitchSync,
} from "../../ops/kill_switch.ts";
import { acquirePidFile, type PidFileLock } from "../../ops/pid_file.ts";
import { newRunId } from "../../ops/run_store.ts";
import { createStrategy } from "../../strategy/mod.ts";
import { adoptVenuePosition } from "./adopt_position.ts";
import {
  type LiveJournal,
  liveJournal,
  liveJournalPath,
  saveLiveJournal,
  sessionClientIdPrefix,
  sessionKeyOf,
  unfinishedSession,
} from "./live_journal.ts";
import {
  describePaperState,
  freshPaperStart,
  loadPaperState,
  type PaperState,
  savePaperState,
} from "./paper_state.ts";
import { riskStateChange } from "./session_notices.ts";
import { SessionRecord } from "./session_record.ts";
import { addCounts } from "./session_close.ts";
import {
  EXIT_CODES,
  type OpenSession,
  type SessionDeps,
  type StopReason,
} from "./session_types.ts";
import type { SessionRun } from "./state_schemas.ts";

/** What an earlier process of this session left: the paper state or the live journal. */
interface EarlierRecord {
  readonly sessionKey: string;
  /** The paper state of this session, to resume. */
  readonly resume: PaperState | null;
  readonly journal: LiveJournal | null;
  /** The live journal's record of an unfinished session. */
  readonly liveRecord: ReturnType<typeof unfinishedSession>;
  readonly savedRun: SessionRun | undefined;
  /** The earlier run did not end cleanly: this process goes on with it. */
  readonly goOn: boolean;
}

/** Finds what an earlier process of this session left (paper state or live journal). */
function findEarlierRecord(config: SessionConfig, print: (l: string) => void): EarlierRecord {
  const live = config.executionMode === "live";
  const sessionKey = sessionKeyOf(config);
  const paperState = live
    ? null
    : config.fresh
    ? freshPaperStart(config.statePath, print)
    : loadPaperState(config.statePath);
  if (paperState && paperState.sessionKey !== sessionKey) {
    print(
      `Notice: ${config.statePath} belongs to another session (${paperState.sessionKey}); starting fresh.`,
    );
  }
  const resume = paperState && paperState.sessionKey === sessionKey ? paperState : null;
  const journal = live ? liveJournal(config) : null;
  const liveRecord = journal ? unfinishedSession(journal, config) : null;
  const savedRun = resume?.run ?? liveRecord?.run;
  const goOn = savedRun !== undefined && !savedRun.ended && config.mode !== "live";
  return { sessionKey, resume, journal, liveRecord, savedRun, goOn };
}

/** The session's logs and what closes them: the one cleanup every exit path runs. */
interface SessionLogs {
  readonly sink: EventSink;
  readonly model: LiveReadModel;
  /** Run last to first by `cleanup`, before the logs close and the locks go. */
  readonly closers: (() => Promise<unknown> | void)[];
  readonly cleanup: () => Promise<void>;
}

/**
 * Takes the pid locks and opens the logs: the system log, the run's events.jsonl (step
 * records go there only), the dashboard's read model and the notifier.
 */
function openLogs(
  config: SessionConfig,
  deps: SessionDeps,
  runId: string,
  runDir: string,
  now: () => number,
): SessionLogs {
  const locks: PidFileLock[] = [acquirePidFile(`${config.logsDir}/agent.pid`)];
  if (config.mode === "live") {
    try {
      locks.push(acquirePidFile(`${config.paperDir}/mvp.pid`));
    } catch (e) {
      locks[0].release();
      throw e;
    }
  }
  const system = new JsonlLogger({ path: `${config.logsDir}/system.jsonl`, runId, now });
  const events = new JsonlLogger({ path: `${runDir}/events.jsonl`, runId, now });
  const model = new LiveReadModel();
  const modelSink: EventSink = {
    emit(level: LogLevel, component, event, fields = {}) {
      model.log({ ts: new Date(now()).toISOString(), level, component, event, runId, ...fields });
    },
  };
  // step records belong to the run's events.jsonl; the system log keeps everything else
  const systemSink: EventSink = {
    emit(level, component, event, fields) {
      if (event !== "agent.step") system.emit(level, component, event, fields);
    },
  };
  const sink = teeSink(systemSink, events, modelSink, ...(deps.notifier ? [deps.notifier] : []));
  deps.connectEvents?.(sink);
  deps.notifier?.connectLog?.(systemSink);
  const closers: (() => Promise<unknown> | void)[] = [];
  if (deps.notifier) closers.push(() => deps.notifier!.close()); // closers run last to first
  const cleanup = async () => {
    for (const c of closers.reverse()) {
      try {
        await c();
      } catch {
        // best effort: shutdown must go on
      }
    }
    system.close();
    events.close();
    for (const l of locks) l.release();
  };
  return { sink, model, closers, cleanup };
}

/** The venue (simulated for paper, Bitunix for live), the kill switch and the risk gate. */
function openVenue(
  config: SessionConfig,
  deps: SessionDeps,
  earlier: EarlierRecord,
  logs: SessionLogs,
  print: (l: string) => void,
) {
  const sim = config.executionMode === "live" ? null : new SimExchange(
    {
      feeBps: config.params.feeBps,
      slippageBps: config.params.slippageBps,
      intrabar: config.params.intrabar,
    },
    earlier.resume?.sim,
  );
  const exchange: Exchange = sim ?? deps.liveExchange!;
  if (!exchange) throw new Error("Cannot start a live session without an exchange");
  const watcher = new KillSwitchWatcher({
    path: config.killSwitchPath,
    sink: logs.sink,
    onTrip: () =>
      print("KILL SWITCH DETECTED! New orders are blocked; exits and cancels still pass."),
  });
  logs.closers.push(() => watcher.close());
  const killSwitchFile = absoluteKillSwitchPath(config.killSwitchPath);
  const killState = readKillSwitchSync(config.killSwitchPath);
  print(
    `Kill switch: ${killSwitchFile} (${
      killState.tripped ? "TRIPPED: no new orders" : "off"
    }; write TRUE there or run 'kill' to block new orders).`,
  );
  const gate = new RiskGate(
    { maxLeverage: config.params.maxLeverage, ...config.params.limits },
    () => watcher.tripped,
    deps.minQty ?? config.params.minQty,
  );
  return { sim, exchange, gate, killSwitchFile };
}

/** What the engine's callbacks share with the rest of the session. */
interface EngineHooks {
  /** Client ids sent but not yet seen filled: journaled before sending (restart safety). */
  readonly inFlight: Set<string>;
  /** Saves the record (set once the session exists). */
  persist: (ended?: boolean) => void;
  /** A stop is under way: risk-state changes from now on are the shutdown's. */
  stopping: boolean;
}

/** The engine of this session, its callbacks wired to the journal, the logs and the model. */
function buildPipeline(
  config: SessionConfig,
  deps: SessionDeps,
  parts: {
    runId: string;
    sessionKey: string;
    exchange: Exchange;
    sim: SimExchange | null;
    gate: RiskGate;
    logs: SessionLogs;
    hooks: EngineHooks;
    startCash: number;
  },
): AgentPipeline {
  const { gate, hooks, logs } = parts;
  const { sink, model } = logs;
  const inFlight = hooks.inFlight;
  let riskState = gate.state;
  return new AgentPipeline({
    runId: parts.runId,
    runKey: runKeyFor(parts.sessionKey),
    symbol: config.symbol,
    intervalMs: INTERVAL_MS[config.interval],
    strategy: createStrategy(config.strategy, config.strategyParams),
    params: config.params,
    exchange: parts.exchange,
    gate,
    sink,
    recordSteps: true,
    timer: deps.timer ?? (() => performance.now()),
    checkKillSwitchNow: () => readKillSwitchSync(config.killSwitchPath).tripped,
    haltOnStrategyError: true,
    pollFillsOnHistory: parts.sim !== null,
    immediateFills: parts.sim === null,
    onOrderSending: (o) => {
      inFlight.add(o.clientId);
      hooks.persist();
    },
    // a reported fill leaves the journal at once: a restart must not report it again
    onFill: (f) => {
      inFlight.delete(f.clientId);
      hooks.persist();
    },
    onOrderFailed: (o, e) => {
      // a venue answer with an error code is a definite refusal; a timeout or network
      // failure leaves the order in doubt, so it stays journaled for reconciliation
      if (isOrderRefused(e) || (isBitunixError(e) && e.code !== undefined)) {
        inFlight.delete(o.clientId);
        hooks.persist();
      }
    },
    onJournal: (v) => {
      for (const f of v.fills) inFlight.delete(f.clientId);
      model.candleClosed(v.candle);
      for (const f of v.fills) model.fill(f);
      model.position(v.position ? { ...v.position, symbol: config.symbol } : null);
      model.riskState(gate.state);
      if (gate.state !== riskState) {
        const change = riskStateChange(riskState, gate, v.candle.ts, hooks.stopping);
        riskState = gate.state;
        sink.emit(change.level, "risk", "risk.state_changed", change.fields);
      }
    },
  }, parts.startCash);
}

/**
 * Puts the earlier record back: the ledger (cash, position, trades) and the day's loss,
 * which survives a restart on the same UTC day. Returns the run this process writes.
 */
function restoreRecord(
  config: SessionConfig,
  earlier: EarlierRecord,
  pipeline: AgentPipeline,
  gate: RiskGate,
  run: { runId: string; startedAt: number },
  print: (l: string) => void,
): SessionRun {
  const { resume, liveRecord, goOn } = earlier;
  const ledger = pipeline.ledger;
  const restored = resume ?? liveRecord;
  if (restored) {
    ledger.cash = restored.cash;
    ledger.position = restored.position;
    ledger.trades.push(...restored.trades);
    print(
      `Resumed ${resume ? `paper state from ${config.statePath}` : "the live session's record"}: ` +
        `equity ${restored.cash.toFixed(2)}, ${restored.trades.length} trades, position ${
          restored.position?.side ?? "flat"
        }${goOn ? `; run ${run.runId} goes on` : ""}`,
    );
  }
  // the day's loss survives a restart on the same UTC day (the same cash basis when the
  // ledger was restored; else carried over onto the equity re-read from the account)
  const savedRisk = resume ? resume.risk : earlier.journal?.risk;
  if (savedRisk) {
    gate.restore(savedRisk, restored ? "same" : "rebase");
    const loss = Math.max(0, savedRisk.dayStartEquity - savedRisk.lastEquity);
    print(
      `Remembered for UTC ${new Date(savedRisk.day * 86_400_000).toISOString().slice(0, 10)}: ` +
        `loss ${loss.toFixed(2)} of the ${gate.limits.maxDailyLossUsd} USD daily limit${
          savedRisk.latched ? " (reached: no entries that day)" : ""
        }; it holds if this session trades on that day.`,
    );
  }
  return goOn ? earlier.savedRun! : {
    runId: run.runId,
    startedAt: run.startedAt,
    startEquity: ledger.equityAt(ledger.position?.entryPrice ?? 0),
    ended: false,
  };
}

/**
 * Saves the record after every candle and every order: the live journal (position,
 * orders in flight, the trade-history cursor, the day's loss, the ledger) or the paper
 * state (the ledger, the simulated venue, the day's loss).
 */
function persister(
  config: SessionConfig,
  deps: SessionDeps,
  s: OpenSession,
  earlier: EarlierRecord,
  hooks: EngineHooks,
  now: () => number,
  startedAt: number,
): (ended?: boolean) => void {
  const { pipeline, gate, sim, run } = s;
  const ledger = pipeline.ledger;
  const refusedBefore = run.refused ?? {};
  const runNow = (ended = false): SessionRun => ({
    ...run,
    ended,
    refused: addCounts(refusedBefore, pipeline.denialsByCode),
  });
  const liveRecord = earlier.liveRecord;
  return (ended = false) => {
    if (sim === null) {
      const pos = ledger.position;
      const cursor = deps.fillCursor?.();
      saveLiveJournal(liveJournalPath(config), {
        version: 1,
        savedAt: now(),
        position: pos ? { side: pos.side, qty: pos.qty, entryPrice: pos.entryPrice } : null,
        openClientIds: [...hooks.inFlight],
        clientIdPrefix: sessionClientIdPrefix(earlier.sessionKey),
        risk: gate.snapshot() ?? undefined,
        session: {
          run: runNow(ended),
          cash: ledger.cash,
          position: ledger.position,
          trades: ledger.trades,
          fills: {
            since: cursor?.since ?? liveRecord?.fills.since ?? startedAt,
            seen: (cursor?.seen ?? liveRecord?.fills.seen ?? []).map(([id, ts]) => [id, ts]),
          },
        },
      });
      return;
    }
    savePaperState(config.statePath, {
      version: 1,
      sessionKey: earlier.sessionKey,
      savedAt: now(),
      lastCandleTs: s.lastCandleTs,
      cash: ledger.cash,
      position: ledger.position,
      trades: ledger.trades,
      sim: sim.snapshot(),
      risk: gate.snapshot() ?? undefined,
      run: runNow(ended),
    });
  };
}

/**
 * Before the first candle: the caller's safety check against the venue; then the same
 * session goes on booking what the venue filled while it was down, or a position found
 * on the venue is adopted and its stop checked at once.
 */
async function reconcileVenue(s: OpenSession, earlier: EarlierRecord): Promise<void> {
  const { deps, config, pipeline, print, sink, exchange } = s;
  if (!deps.beforeTrading) return;
  const adopted = await deps.beforeTrading(sink);
  if (earlier.liveRecord) {
    // the same session goes on: book what the venue filled while it was down
    const missed = await pipeline.catchUp(s.now());
    if (missed.length) {
      print(`Booked ${missed.length} fills the venue made while this session was down.`);
    }
    s.persist();
  } else if (adopted) {
    const held = await exchange.protection(config.symbol).catch(() => null);
    adoptVenuePosition(pipeline.ledger, adopted, held, config.params, s.now());
    sink.emit("warn", "journal", "position.adopted", { ...adopted });
    print(
      `Adopted the exchange's ${adopted.side.toUpperCase()} ${adopted.qty} ${config.symbol} position at ${adopted.entryPrice}.`,
    );
    // a position must never stay unprotected: check the venue's stop now, not at the
    // first live candle
    await pipeline.verifyProtection(s.now(), Number.NaN);
  }
}

/**
 * Open: the earlier record, locks and logs, the venue and the risk gate, the engine, the
 * restored record, the heartbeat and dashboard, then reconciliation with the venue.
 */
export async function openSession(config: SessionConfig, deps: SessionDeps): Promise<OpenSession> {
  const now = deps.now ?? Date.now;
  const print = deps.print ?? ((l: string) => console.error(l));
  const legacy = config.mode === "live";
  const earlier = findEarlierRecord(config, print);
  const startedAt = now();
  const runId = earlier.goOn ? earlier.savedRun!.runId : newRunId(startedAt, config.mode);
  const runDir = legacy ? config.paperDir : `${config.runsDir}/${runId}`;
  await Deno.mkdir(runDir, { recursive: true });
  const logs = openLogs(config, deps, runId, runDir, now);
  const { sink, model, closers, cleanup } = logs;
  try {
    const { sim, exchange, gate, killSwitchFile } = openVenue(config, deps, earlier, logs, print);
    const hooks: EngineHooks = { inFlight: new Set(), persist: () => {}, stopping: false };
    const startCash = earlier.resume?.cash ?? earlier.liveRecord?.cash ?? deps.startEquity ??
      config.params.startEquity;
    const pipeline = buildPipeline(config, deps, {
      runId,
      sessionKey: earlier.sessionKey,
      exchange,
      sim,
      gate,
      logs,
      hooks,
      startCash,
    });
    const ledger = pipeline.ledger;
    const run = restoreRecord(config, earlier, pipeline, gate, { runId, startedAt }, print);
    sink.emit("info", "engine", "run.started", {
      config: {
        mode: config.mode,
        execution_mode: config.executionMode,
        source: config.source,
        symbol: config.symbol,
        interval: config.interval,
        interval_ms: INTERVAL_MS[config.interval],
        strategy: config.strategy,
        strategy_params: config.strategyParams,
        ...(config.strategyFile ? { strategy_file: config.strategyFile } : {}),
        params: config.params,
        duration_ms: config.durationMs,
        stale_timeout_ms: config.staleTimeoutMs,
        kill_switch: killSwitchFile,
        resumed: (earlier.resume ?? earlier.liveRecord) !== null,
        continued_run: earlier.goOn,
      },
    });
    model.session({
      runId,
      mode: config.mode,
      symbol: config.symbol,
      executionMode: config.executionMode,
      startedAt,
    });

    const record = legacy ? null : new SessionRecord(runDir, run.startEquity);
    if (record) closers.push(() => record.close());
    const heartbeat = new HeartbeatWriter({
      path: `${config.logsDir}/heartbeat.json`,
      intervalMs: config.heartbeatMs,
      now,
    });
    const { resume, liveRecord, journal } = earlier;
    const session: OpenSession = {
      config,
      deps,
      now,
      print,
      runId,
      runDir,
      legacy,
      sink,
      model,
      exchange,
      sim,
      gate,
      pipeline,
      record,
      run,
      resumedThrough: resume?.lastCandleTs ?? null,
      resumedFrom: resume
        ? `${config.statePath} (${describePaperState(resume)})`
        : liveRecord
        ? `${liveJournalPath(config)} (saved ${new Date(journal!.savedAt).toISOString()})`
        : null,
      persist: (ended) => hooks.persist(ended),
      haltForStop: (reason: StopReason) => {
        if (hooks.stopping) return;
        hooks.stopping = true;
        gate.halt(`shutdown: ${reason}`);
      },
      beat: () => {
        const pos = ledger.position;
        heartbeat.beat({
          runId,
          mode: config.mode,
          executionMode: config.executionMode,
          symbol: config.symbol,
          lastCandleTs: session.lastCandleTs,
          position: pos ? { side: pos.side, qty: pos.qty, entryPrice: pos.entryPrice } : null,
          equity: pipeline.equity.at(-1) ?? ledger.cash,
          riskState: gate.state,
        });
      },
      cleanup,
      lastCandleTs: null,
      stopReason: null,
    };
    // the last heartbeat says the agent stopped, why and when (no reason: it failed)
    closers.push(() => {
      const reason = session.stopReason ?? "error";
      heartbeat.close({ reason, clean: EXIT_CODES[reason] === 0 });
    });
    hooks.persist = persister(config, deps, session, earlier, hooks, now, startedAt);
    session.beat();

    if (config.dashboard && deps.startDashboard) {
      const server = await deps.startDashboard(model);
      closers.push(() => server.close());
      deps.onDashboard?.(server.url);
    }
    await reconcileVenue(session, earlier);
    return session;
  } catch (e) {
    await cleanup();
    throw e;
  }
}
