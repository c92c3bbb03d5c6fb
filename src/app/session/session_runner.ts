import chartJsSource from "../../dashboard/static/vendor/chart.umd.min.js" with { type: "text" };
import type { SessionConfig } from "../../config/session_config.ts";
import { INTERVAL_MS, seriesFromCandles } from "../../core/candle.ts";
import type { Trade } from "../../core/trade.ts";
import { isOrderRefused } from "../../core/errors.ts";
import type { EventSink, LogLevel } from "../../core/events.ts";
import type { Exchange, MarketFeed } from "../../core/ports.ts";
import { renderSummaryHtml } from "../../dashboard/report/summary_html.ts";
import { LiveReadModel } from "../../dashboard/live/read_model.ts";
import { equityCsv, statsJson, tradesCsv } from "../../engine/artifacts.ts";
import { runKeyFor } from "../../engine/client_id.ts";
import { AgentPipeline } from "../../engine/pipeline.ts";
import type { RunReport } from "../../engine/report_model.ts";
import { RiskGate } from "../../engine/risk_gate.ts";
import { buyAndHoldStats, computeStats, drawdownSeries } from "../../engine/stats.ts";
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
import { newRunId, pointLatest } from "../../ops/run_store.ts";
import { createStrategy } from "../../strategy/mod.ts";
import {
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
  savePaperState,
} from "./paper_state.ts";
import { SessionRecord } from "./session_record.ts";
import type { SessionRun } from "./state_schemas.ts";
import type { FillCursor } from "../../exchange/bitunix/exchange.ts";
import { type AdoptedPosition, adoptVenuePosition } from "./adopt_position.ts";
import { dailySummary, riskStateChange, utcDay } from "./session_notices.ts";

/** Why a session stopped, and the exit code that goes with it. */
export type StopReason = "duration" | "signal" | "stale" | "feed-ended" | "error";

const EXIT_CODES: Record<StopReason, number> = {
  duration: 0,
  signal: 0,
  "feed-ended": 0,
  stale: 3,
  error: 1,
};

/** A live market feed, optionally telling when it last heard from the market. */
export type SessionFeed = MarketFeed & { readonly lastMessageAt?: number };

/** What the composition root hands a session (tests inject their own). */
export interface SessionDeps {
  /** Builds the market feed (mock or Bitunix). */
  readonly feed: SessionFeed;
  /** The venue for live execution; paper sessions use the simulated venue instead. */
  readonly liveExchange?: Exchange;
  /** Wall clock, Unix ms. */
  readonly now?: () => number;
  /** Monotonic ms for latencies. */
  readonly timer?: () => number;
  /** Ends the session gracefully when aborted (tests); signals are wired by the caller. */
  readonly stop?: AbortSignal;
  /** Where status lines go (default stderr). */
  readonly print?: (line: string) => void;
  /** Called once the dashboard is up, with its URL. */
  readonly onDashboard?: (url: string) => void;
  /** Starts the dashboard server (injected so sessions do not depend on the server module). */
  readonly startDashboard?: (
    model: LiveReadModel,
  ) => Promise<{ url: string; close(): Promise<void> }>;
  /**
   * Safety check before the first live order (reconciliation). Throws to refuse; may
   * return the venue's position, which the agent then adopts as its own.
   */
  readonly beforeTrading?: (sink: EventSink) => Promise<AdoptedPosition | null | void>;
  /** Equity to size from instead of --start-equity (live: from the exchange account). */
  readonly startEquity?: number;
  /** The venue's minimum order quantity (live: from trading_pairs; default the params'). */
  readonly minQty?: number;
  /** How often the stale-data check runs, ms (default 1000). */
  readonly staleCheckMs?: number;
  /** How far the live venue's trade history has been read (saved for a restart). */
  readonly fillCursor?: () => FillCursor;
  /** Receives the session's event sink once it exists (for clients built before it). */
  readonly connectEvents?: (sink: EventSink) => void;
  /** Counts of what the venue connection went through (retries, drops...), for the stats. */
  readonly venueCounters?: () => Readonly<Record<string, number>>;
  /**
   * Notifications: gets every event after the logs (its `emit` must return at once) and is
   * closed last when the session ends (a bounded flush). `connectLog` receives the system
   * log, the one place the notifier's own events go (not the run's events.jsonl or the
   * dashboard).
   */
  readonly notifier?: EventSink & {
    close(): Promise<unknown>;
    connectLog?(log: EventSink): void;
  };
}

export type { AdoptedPosition };

/** Result of a session. */
export interface SessionResult {
  readonly exitCode: number;
  readonly reason: StopReason;
  readonly runId: string;
  readonly runDir: string | null;
  readonly trades: number;
}

/**
 * Runs a paper or live trading session: warm-up history, then live candles through the
 * agent pipeline until the duration ends, a signal arrives or data goes stale. In three
 * phases: open (locks, logs, the venue, the risk gate, resume the record, reconcile),
 * run (feed -> engine, with the record kept current on disk) and close (the one safety
 * path of every stop: block new orders, cancel working orders, persist state, write the
 * run artifacts).
 *
 * A session is one trading record from its start until it stops cleanly: a restart after
 * a kill, a crash or a stale-data stop goes on writing the same run folder from the same
 * ledger (paper state or live journal), and a live one first books what the venue filled
 * while it was down (`recovered: true`).
 */
export async function runSession(config: SessionConfig, deps: SessionDeps): Promise<SessionResult> {
  const s = await openSession(config, deps);
  try {
    const reason = await runFeed(s);
    return await closeSession(s, reason);
  } finally {
    await s.cleanup();
  }
}

/** Everything an open session holds. */
interface OpenSession {
  readonly config: SessionConfig;
  readonly deps: SessionDeps;
  readonly now: () => number;
  readonly print: (line: string) => void;
  readonly runId: string;
  readonly runDir: string;
  readonly legacy: boolean;
  readonly sink: EventSink;
  readonly model: LiveReadModel;
  readonly exchange: Exchange;
  readonly sim: SimExchange | null;
  readonly gate: RiskGate;
  readonly pipeline: AgentPipeline;
  readonly record: SessionRecord | null;
  readonly run: SessionRun;
  /** Paper: candles up to this time were traded by an earlier process. */
  readonly resumedThrough: number | null;
  /** The state file or journal this process resumed, and from when; null for a new one. */
  readonly resumedFrom: string | null;
  readonly persist: (ended?: boolean) => void;
  readonly beat: () => void;
  /**
   * Halts the risk gate for a stop (the first reason given is kept): a state change from
   * then on is logged with `shutdown: true`, which is not a risk-state notification.
   */
  readonly haltForStop: (reason: StopReason) => void;
  readonly cleanup: () => Promise<void>;
  lastCandleTs: number | null;
  /** Why the session stopped, once closed; null before (or when closing failed). */
  stopReason: StopReason | null;
}

/** Open: locks, logs, the venue, the risk gate, the resumed record, reconciliation. */
async function openSession(config: SessionConfig, deps: SessionDeps): Promise<OpenSession> {
  const now = deps.now ?? Date.now;
  const timer = deps.timer ?? (() => performance.now());
  const print = deps.print ?? ((l: string) => console.error(l));
  const legacy = config.mode === "live";
  const live = config.executionMode === "live";
  const sessionKey = sessionKeyOf(config);

  // what an earlier process of this session left: the paper state or the live journal
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
  const goOn = savedRun !== undefined && !savedRun.ended && !legacy;
  const startedAt = now();
  const runId = goOn ? savedRun!.runId : newRunId(startedAt, config.mode);
  const runDir = legacy ? config.paperDir : `${config.runsDir}/${runId}`;
  await Deno.mkdir(runDir, { recursive: true });

  const locks: PidFileLock[] = [acquirePidFile(`${config.logsDir}/agent.pid`)];
  if (legacy) {
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

  try {
    // venue: the backtest's simulated venue for paper, Bitunix for live
    const sim = live ? null : new SimExchange(
      {
        feeBps: config.params.feeBps,
        slippageBps: config.params.slippageBps,
        intrabar: config.params.intrabar,
      },
      resume?.sim,
    );
    const exchange: Exchange = sim ?? deps.liveExchange!;
    if (!exchange) throw new Error("Cannot start a live session without an exchange");

    const watcher = new KillSwitchWatcher({
      path: config.killSwitchPath,
      sink,
      onTrip: () =>
        print("KILL SWITCH DETECTED! New orders are blocked; exits and cancels still pass."),
    });
    closers.push(() => watcher.close());
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
    let riskState = gate.state;
    let stopping = false;
    /** Client ids sent but not yet seen filled: journaled before sending (restart safety). */
    const inFlight = new Set<string>();
    let persist: (ended?: boolean) => void = () => {};
    const startCash = resume?.cash ?? liveRecord?.cash ?? deps.startEquity ??
      config.params.startEquity;
    const pipeline = new AgentPipeline({
      runId,
      runKey: runKeyFor(sessionKey),
      symbol: config.symbol,
      intervalMs: INTERVAL_MS[config.interval],
      strategy: createStrategy(config.strategy, config.strategyParams),
      params: config.params,
      exchange,
      gate,
      sink,
      recordSteps: true,
      timer,
      checkKillSwitchNow: () => readKillSwitchSync(config.killSwitchPath).tripped,
      haltOnStrategyError: true,
      pollFillsOnHistory: sim !== null,
      immediateFills: sim === null,
      onOrderSending: (o) => {
        inFlight.add(o.clientId);
        persist();
      },
      // a reported fill leaves the journal at once: a restart must not report it again
      onFill: (f) => {
        inFlight.delete(f.clientId);
        persist();
      },
      onOrderFailed: (o, e) => {
        // a venue answer with an error code is a definite refusal; a timeout or network
        // failure leaves the order in doubt, so it stays journaled for reconciliation
        if (isOrderRefused(e) || (isBitunixError(e) && e.code !== undefined)) {
          inFlight.delete(o.clientId);
          persist();
        }
      },
      onJournal: (v) => {
        for (const f of v.fills) inFlight.delete(f.clientId);
        model.candleClosed(v.candle);
        for (const f of v.fills) model.fill(f);
        model.position(v.position ? { ...v.position, symbol: config.symbol } : null);
        model.riskState(gate.state);
        if (gate.state !== riskState) {
          const change = riskStateChange(riskState, gate, v.candle.ts, stopping);
          riskState = gate.state;
          sink.emit(change.level, "risk", "risk.state_changed", change.fields);
        }
      },
    }, startCash);
    const ledger = pipeline.ledger;
    const restored = resume ?? liveRecord;
    if (restored) {
      ledger.cash = restored.cash;
      ledger.position = restored.position;
      ledger.trades.push(...restored.trades);
      print(
        `Resumed ${
          resume ? `paper state from ${config.statePath}` : "the live session's record"
        }: ` +
          `equity ${restored.cash.toFixed(2)}, ${restored.trades.length} trades, position ${
            restored.position?.side ?? "flat"
          }${goOn ? `; run ${runId} goes on` : ""}`,
      );
    }
    const run: SessionRun = goOn ? savedRun! : {
      runId,
      startedAt,
      startEquity: ledger.equityAt(ledger.position?.entryPrice ?? 0),
      ended: false,
    };
    // the day's loss survives a restart on the same UTC day (the same cash basis when the
    // ledger was restored; else carried over onto the equity re-read from the account)
    const savedRisk = resume ? resume.risk : journal?.risk;
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
        resumed: restored !== null,
        continued_run: goOn,
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
      persist: (ended) => persist(ended),
      haltForStop: (reason) => {
        if (stopping) return;
        stopping = true;
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
    const refusedBefore = run.refused ?? {};
    const runNow = (ended = false): SessionRun => ({
      ...run,
      ended,
      refused: addCounts(refusedBefore, pipeline.denialsByCode),
    });
    persist = (ended = false) => {
      if (sim === null) {
        const pos = ledger.position;
        const cursor = deps.fillCursor?.();
        saveLiveJournal(liveJournalPath(config), {
          version: 1,
          savedAt: now(),
          position: pos ? { side: pos.side, qty: pos.qty, entryPrice: pos.entryPrice } : null,
          openClientIds: [...inFlight],
          clientIdPrefix: sessionClientIdPrefix(sessionKey),
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
        sessionKey,
        savedAt: now(),
        lastCandleTs: session.lastCandleTs,
        cash: ledger.cash,
        position: ledger.position,
        trades: ledger.trades,
        sim: sim.snapshot(),
        risk: gate.snapshot() ?? undefined,
        run: runNow(ended),
      });
    };
    session.beat();

    if (config.dashboard && deps.startDashboard) {
      const server = await deps.startDashboard(model);
      closers.push(() => server.close());
      deps.onDashboard?.(server.url);
    }
    if (deps.beforeTrading) {
      const adopted = await deps.beforeTrading(sink);
      if (liveRecord) {
        // the same session goes on: book what the venue filled while it was down
        const missed = await pipeline.catchUp(now());
        if (missed.length) {
          print(`Booked ${missed.length} fills the venue made while this session was down.`);
        }
        persist();
      } else if (adopted) {
        const held = await exchange.protection(config.symbol).catch(() => null);
        adoptVenuePosition(ledger, adopted, held, config.params, now());
        sink.emit("warn", "journal", "position.adopted", { ...adopted });
        print(
          `Adopted the exchange's ${adopted.side.toUpperCase()} ${adopted.qty} ${config.symbol} position at ${adopted.entryPrice}.`,
        );
        // a position must never stay unprotected: check the venue's stop now, not at the
        // first live candle
        await pipeline.verifyProtection(now(), Number.NaN);
      }
    }
    return session;
  } catch (e) {
    await cleanup();
    throw e;
  }
}

/** Run: candles from the feed through the engine until a stop condition; the record kept current. */
async function runFeed(s: OpenSession): Promise<StopReason> {
  const { config, deps, now, print, sink, pipeline, record } = s;
  // stop conditions: duration, caller's signal, stale data
  let reason = "feed-ended" as StopReason;
  const stopWith = (r: StopReason) => {
    if (reason !== "feed-ended") return;
    reason = r;
    s.haltForStop(r);
    void deps.feed.close();
  };
  const durationTimer = setTimeout(() => stopWith("duration"), config.durationMs);
  const onAbort = () => stopWith("signal");
  deps.stop?.addEventListener("abort", onAbort, { once: true });
  let lastDataAt = now();
  const staleTimer = setInterval(() => {
    const heard = Math.max(lastDataAt, deps.feed.lastMessageAt ?? 0);
    if (now() - heard > config.staleTimeoutMs) {
      sink.emit("error", "market", "data.stale", {
        seconds: (now() - heard) / 1000,
        timeout_s: config.staleTimeoutMs / 1000,
      });
      print(
        `Stale data: nothing from the market for ${
          ((now() - heard) / 1000).toFixed(0)
        } s; safety shutdown.`,
      );
      stopWith("stale");
    }
  }, deps.staleCheckMs ?? 1000);
  try {
    if (deps.stop?.aborted) return "signal";
    let equityPeak = -Infinity;
    let liveDay: number | null = null;
    for await (const fc of deps.feed.candles()) {
      if (reason !== "feed-ended") break;
      lastDataAt = now();
      const old = s.resumedThrough !== null && fc.candle.ts <= s.resumedThrough;
      const live = fc.live && !old;
      if (live && liveDay !== null && utcDay(fc.candle.ts) > liveDay) {
        const eq = pipeline.equity.at(-1) ?? pipeline.ledger.cash;
        sink.emit(
          "info",
          "journal",
          "session.daily_summary",
          dailySummary(liveDay, pipeline.ledger.trades, eq),
        );
      }
      if (live) liveDay = utcDay(fc.candle.ts);
      s.sim?.onCandle(fc.candle);
      const out = await pipeline.onCandle({ candle: fc.candle, live });
      if (!out.accepted) continue;
      s.lastCandleTs = fc.candle.ts;
      const eq = pipeline.equity.at(-1)!;
      if (eq > equityPeak) equityPeak = eq;
      s.model.equity(fc.candle.ts, eq, equityPeak - eq);
      if (record && live) {
        record.append(fc.candle, eq);
        record.writeTrades(pipeline.ledger.trades);
      }
      s.persist();
      s.beat();
      if (s.legacy) await Deno.writeFile(`${s.runDir}/trades.csv`, tradesCsvOf(pipeline));
    }
    return reason;
  } finally {
    clearTimeout(durationTimer);
    clearInterval(staleTimer);
    deps.stop?.removeEventListener("abort", onAbort);
  }
}

/** Close: the one safety path of every stop, then the run's artifacts. */
async function closeSession(s: OpenSession, reason: StopReason): Promise<SessionResult> {
  const { config, sink, pipeline, exchange, print, runId, runDir } = s;
  s.haltForStop(reason);
  const cancelled = await exchange.cancelAll(config.symbol).catch((e) => {
    sink.emit("error", "execution", "cancel.failed", { error: (e as Error).message });
    return 0;
  });
  await pipeline.applyPendingFills().catch(() => []);
  // a clean stop ends the record; after a stale-data stop the next start goes on with it
  s.persist(EXIT_CODES[reason] === 0);
  s.beat();
  sink.emit(reason === "stale" ? "error" : "info", "engine", "run.stopped", {
    reason,
    cancelled,
    trades: pipeline.ledger.trades.length,
    position: pipeline.ledger.position?.side ?? null,
    equity: pipeline.equity.at(-1) ?? pipeline.ledger.cash,
  });
  let writtenDir: string | null = runDir;
  if (s.legacy) {
    await Deno.writeFile(`${runDir}/trades.csv`, tradesCsvOf(pipeline));
  } else {
    const last = pipeline.series.length - 1;
    if (last >= 0) {
      // the last candle's mark came before its own orders filled: restate it as they left it
      s.record!.restateLast(pipeline.ledger.equityAt(pipeline.series.close[last]));
    }
    s.record!.writeTrades(pipeline.ledger.trades);
    writtenDir = await writeSessionArtifacts(s);
  }
  print(
    `Session ${runId} stopped (${reason}): ${pipeline.ledger.trades.length} trades, equity ${
      (pipeline.equity.at(-1) ?? pipeline.ledger.cash).toFixed(2)
    }, position ${pipeline.ledger.position?.side ?? "flat"}${
      cancelled ? `, ${cancelled} orders cancelled` : ""
    }`,
  );
  if (writtenDir && !s.legacy) print(`Summary: ${writtenDir}/summary.html`);
  s.stopReason = reason;
  return {
    exitCode: EXIT_CODES[reason],
    reason,
    runId,
    runDir: writtenDir,
    trades: pipeline.ledger.trades.length,
  };
}

function tradesCsvOf(p: AgentPipeline): Uint8Array {
  return tradesCsv({ trades: p.ledger.trades });
}

function addCounts(
  a: Readonly<Record<string, number>>,
  b: Readonly<Partial<Record<string, number>>>,
): Record<string, number> {
  const out: Record<string, number> = { ...a };
  for (const [k, v] of Object.entries(b)) if (v) out[k] = (out[k] ?? 0) + v;
  return out;
}

/** Candles during which a trade (or the open position) was open. */
function exposedCandles(
  ts: ArrayLike<number>,
  trades: readonly Trade[],
  openSince: number | null,
): number {
  let n = 0;
  let k = 0;
  for (let i = 0; i < ts.length; i++) {
    const t = ts[i];
    while (k < trades.length && trades[k].exitTs <= t) k++;
    let open = openSince !== null && t >= openSince;
    for (let j = k; !open && j < trades.length && trades[j].entryTs <= t; j++) {
      open = t < trades[j].exitTs;
    }
    if (open) n++;
  }
  return n;
}

/** Writes stats, config and summary.html of the whole record (trades and equity are current). */
async function writeSessionArtifacts(s: OpenSession): Promise<string> {
  const { config, runId, runDir, pipeline: p } = s;
  const recorded = s.record!.read();
  const series = seriesFromCandles(recorded.candles);
  const equity = Float64Array.from(recorded.equity);
  const startEquity = s.run.startEquity;
  const trades = p.ledger.trades;
  const stats = computeStats({
    startEquity,
    trades,
    equity,
    exposedCandles: exposedCandles(series.ts, trades, p.ledger.position?.entryTs ?? null),
    intervalMs: INTERVAL_MS[config.interval],
    ts: series.ts,
    dailyLossLimit: p.deps.gate.limits.maxDailyLossUsd,
    refusals: addCounts(s.run.refused ?? {}, p.denialsByCode),
  });
  const resolved = {
    mode: config.mode,
    execution_mode: config.executionMode,
    source: config.source,
    symbol: config.symbol,
    interval: config.interval,
    strategy: config.strategy,
    strategy_params: config.strategyParams,
    ...(config.strategyFile ? { strategy_file: config.strategyFile } : {}),
    params: config.params,
    run_started_at: new Date(s.run.startedAt).toISOString(),
    resumed_from: s.resumedFrom,
  };
  const report: RunReport = {
    runId,
    config: resolved,
    stats,
    // a session has one real fill path; both bounds are its own stats
    bounds: { conservative: stats, optimistic: stats },
    candles: series,
    trades,
    equity,
    drawdown: drawdownSeries(startEquity, equity),
    benchmark: buyAndHoldStats(series, startEquity, INTERVAL_MS[config.interval]),
  };
  const counters = s.deps.venueCounters?.();
  const files: Record<string, string | Uint8Array> = {
    // what the venue connection went through, this process (retries, drops, replays...)
    "stats.json": statsJson(report, counters ? { venue: counters } : {}),
    "config.json": JSON.stringify(resolved, null, 2) + "\n",
    "summary.html": renderSummaryHtml(report, chartJsSource),
  };
  for (const [name, content] of Object.entries(files)) {
    if (typeof content === "string") await Deno.writeTextFile(`${runDir}/${name}`, content);
    else await Deno.writeFile(`${runDir}/${name}`, content);
  }
  await pointLatest(config.runsDir, runId, {
    ...files,
    "trades.csv": tradesCsv(report),
    "equity.csv": equityCsv(report),
  });
  return runDir;
}
