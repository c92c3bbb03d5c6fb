import chartJsSource from "../dashboard/static/vendor/chart.umd.min.js" with { type: "text" };
import type { SessionConfig } from "../config/session_config.ts";
import { INTERVAL_MS, seriesFromCandles } from "../core/candle.ts";
import { isOrderRefused } from "../core/errors.ts";
import type { EventSink, LogLevel } from "../core/events.ts";
import type { Exchange, MarketFeed } from "../core/ports.ts";
import { renderSummaryHtml } from "../dashboard/report/summary_html.ts";
import { LiveReadModel } from "../dashboard/live/read_model.ts";
import { equityCsv, statsJson, tradesCsv } from "../engine/artifacts.ts";
import { runKeyFor } from "../engine/client_id.ts";
import { AgentPipeline } from "../engine/pipeline.ts";
import type { RunReport } from "../engine/report_model.ts";
import { RiskGate } from "../engine/risk_gate.ts";
import { computeStats, drawdownSeries } from "../engine/stats.ts";
import { isBitunixError } from "../exchange/bitunix/mod.ts";
import { SimExchange } from "../exchange/sim/sim_exchange.ts";
import { HeartbeatWriter } from "../ops/heartbeat.ts";
import { JsonlLogger, teeSink } from "../ops/jsonl_logger.ts";
import {
  absoluteKillSwitchPath,
  KillSwitchWatcher,
  readKillSwitchSync,
} from "../ops/kill_switch.ts";
import { acquirePidFile, type PidFileLock } from "../ops/pid_file.ts";
import { newRunId, pointLatest } from "../ops/run_store.ts";
import { createStrategy } from "../strategy/mod.ts";
import {
  liveJournalPath,
  liveJournalRisk,
  saveLiveJournal,
  sessionClientIdPrefix,
} from "./live_journal.ts";
import { loadPaperState, type PaperState, savePaperState } from "./paper_state.ts";
import { type AdoptedPosition, adoptVenuePosition } from "./adopt_position.ts";

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
 * agent pipeline until the duration ends, a signal arrives or data goes stale. Every stop
 * takes the same safety path: block new orders, cancel working orders, persist state,
 * write the run artifacts.
 */
export async function runSession(config: SessionConfig, deps: SessionDeps): Promise<SessionResult> {
  const now = deps.now ?? Date.now;
  const timer = deps.timer ?? (() => performance.now());
  const print = deps.print ?? ((l: string) => console.error(l));
  const startedAt = now();
  const runId = newRunId(startedAt, config.mode);
  const legacy = config.mode === "live";
  const sessionKey =
    `${config.executionMode}:${config.symbol}:${config.interval}:${config.strategy}`;
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
  const sink = teeSink(systemSink, events, modelSink);
  const closers: (() => Promise<void> | void)[] = [];
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
    const paperState = config.executionMode === "paper" ? loadPaperState(config.statePath) : null;
    if (paperState && paperState.sessionKey !== sessionKey) {
      print(
        `Notice: ${config.statePath} belongs to another session (${paperState.sessionKey}); starting fresh.`,
      );
    }
    const resume = paperState && paperState.sessionKey === sessionKey ? paperState : null;
    const sim = config.executionMode === "paper"
      ? new SimExchange(
        {
          feeBps: config.params.feeBps,
          slippageBps: config.params.slippageBps,
          intrabar: config.params.intrabar,
        },
        resume?.sim,
      )
      : null;
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
    /** Client ids sent but not yet seen filled: journaled before sending (restart safety). */
    const inFlight = new Set<string>();
    let persist: () => void = () => {};
    const strategy = createStrategy(config.strategy, config.strategyParams);
    const pipeline = new AgentPipeline({
      runId,
      runKey: runKeyFor(sessionKey),
      symbol: config.symbol,
      intervalMs: INTERVAL_MS[config.interval],
      strategy,
      params: config.params,
      exchange,
      gate,
      sink,
      recordSteps: true,
      timer,
      checkKillSwitchNow: () => readKillSwitchSync(config.killSwitchPath).tripped,
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
      },
    }, resume?.cash ?? deps.startEquity ?? config.params.startEquity);
    if (resume) {
      pipeline.ledger.cash = resume.cash;
      pipeline.ledger.position = resume.position;
      pipeline.ledger.trades.push(...resume.trades);
      print(
        `Resumed paper state from ${config.statePath}: equity ${
          resume.cash.toFixed(2)
        }, ${resume.trades.length} trades, position ${resume.position?.side ?? "flat"}`,
      );
    }
    // the day's loss survives a restart on the same UTC day (paper: the same cash basis;
    // live: carried over onto the equity re-read from the account)
    const savedRisk = resume ? resume.risk : sim === null ? liveJournalRisk(config) : undefined;
    if (savedRisk) {
      gate.restore(savedRisk, resume ? "same" : "rebase");
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
        params: config.params,
        duration_ms: config.durationMs,
        stale_timeout_ms: config.staleTimeoutMs,
        kill_switch: killSwitchFile,
        resumed: resume !== null,
      },
    });
    model.session({
      runId,
      mode: config.mode,
      symbol: config.symbol,
      executionMode: config.executionMode,
      startedAt,
    });

    const heartbeat = new HeartbeatWriter({
      path: `${config.logsDir}/heartbeat.json`,
      intervalMs: config.heartbeatMs,
      now,
    });
    closers.push(() => heartbeat.close());
    let lastCandleTs: number | null = null;
    const beat = () => {
      const pos = pipeline.ledger.position;
      const eq = pipeline.equity.at(-1) ?? pipeline.ledger.cash;
      heartbeat.beat({
        runId,
        mode: config.mode,
        executionMode: config.executionMode,
        symbol: config.symbol,
        lastCandleTs,
        position: pos ? { side: pos.side, qty: pos.qty, entryPrice: pos.entryPrice } : null,
        equity: eq,
        riskState: gate.state,
      });
    };
    beat();

    if (config.dashboard && deps.startDashboard) {
      const server = await deps.startDashboard(model);
      closers.push(() => server.close());
      deps.onDashboard?.(server.url);
    }
    if (deps.beforeTrading) {
      const adopted = await deps.beforeTrading(sink);
      if (adopted) {
        const held = await exchange.protection(config.symbol).catch(() => null);
        adoptVenuePosition(pipeline.ledger, adopted, held, config.params, now());
        sink.emit("warn", "journal", "position.adopted", { ...adopted });
        print(
          `Adopted the exchange's ${adopted.side.toUpperCase()} ${adopted.qty} ${config.symbol} position at ${adopted.entryPrice}.`,
        );
        // a position must never stay unprotected: check the venue's stop now, not at the
        // first live candle
        await pipeline.verifyProtection(now(), Number.NaN);
      }
    }

    // stop conditions: duration, caller's signal, stale data
    let reason = "feed-ended" as StopReason;
    const stopWith = (r: StopReason) => {
      if (reason !== "feed-ended") return;
      reason = r;
      gate.halt(`shutdown: ${r}`);
      void deps.feed.close();
    };
    const durationTimer = setTimeout(() => stopWith("duration"), config.durationMs);
    closers.push(() => clearTimeout(durationTimer));
    const onAbort = () => stopWith("signal");
    deps.stop?.addEventListener("abort", onAbort, { once: true });
    closers.push(() => deps.stop?.removeEventListener("abort", onAbort));
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
    closers.push(() => clearInterval(staleTimer));

    let firstLive = -1;
    let equityPeak = -Infinity;
    persist = () => {
      if (sim === null) {
        const pos = pipeline.ledger.position;
        saveLiveJournal(liveJournalPath(config), {
          version: 1,
          savedAt: now(),
          position: pos ? { side: pos.side, qty: pos.qty, entryPrice: pos.entryPrice } : null,
          openClientIds: [...inFlight],
          clientIdPrefix: sessionClientIdPrefix(sessionKey),
          risk: gate.snapshot() ?? undefined,
        });
        return;
      }
      const state: PaperState = {
        version: 1,
        sessionKey,
        savedAt: now(),
        lastCandleTs,
        cash: pipeline.ledger.cash,
        position: pipeline.ledger.position,
        trades: pipeline.ledger.trades,
        sim: sim.snapshot(),
        risk: gate.snapshot() ?? undefined,
      };
      savePaperState(config.statePath, state);
    };
    if (!deps.stop?.aborted) {
      for await (const fc of deps.feed.candles()) {
        if (reason !== "feed-ended") break;
        lastDataAt = now();
        const skipOld = resume?.lastCandleTs != null && fc.candle.ts <= resume.lastCandleTs;
        sim?.onCandle(fc.candle);
        const out = await pipeline.onCandle({ candle: fc.candle, live: fc.live && !skipOld });
        if (!out.accepted) continue;
        if (fc.live && firstLive === -1) firstLive = pipeline.series.length - 1;
        lastCandleTs = fc.candle.ts;
        const eq = pipeline.equity.at(-1)!;
        if (eq > equityPeak) equityPeak = eq;
        model.equity(fc.candle.ts, eq, equityPeak - eq);
        persist();
        beat();
        if (legacy) await Deno.writeFile(`${runDir}/trades.csv`, tradesCsvOf(pipeline));
      }
    } else reason = "signal";

    // the one safety path for every stop
    gate.halt(`shutdown: ${reason}`);
    const cancelled = await exchange.cancelAll(config.symbol).catch((e) => {
      sink.emit("error", "execution", "cancel.failed", { error: (e as Error).message });
      return 0;
    });
    await pipeline.applyPendingFills().catch(() => []);
    persist();
    beat();
    sink.emit(reason === "stale" ? "error" : "info", "engine", "run.stopped", {
      reason,
      cancelled,
      trades: pipeline.ledger.trades.length,
      position: pipeline.ledger.position?.side ?? null,
    });
    let writtenDir: string | null = runDir;
    if (legacy) {
      await Deno.writeFile(`${runDir}/trades.csv`, tradesCsvOf(pipeline));
    } else {
      writtenDir = await writeSessionArtifacts(
        config,
        runId,
        runDir,
        pipeline,
        firstLive,
        resume?.cash ?? deps.startEquity ?? config.params.startEquity,
      );
    }
    print(
      `Session ${runId} stopped (${reason}): ${pipeline.ledger.trades.length} trades, equity ${
        (pipeline.equity.at(-1) ?? pipeline.ledger.cash).toFixed(2)
      }, position ${pipeline.ledger.position?.side ?? "flat"}${
        cancelled ? `, ${cancelled} orders cancelled` : ""
      }`,
    );
    if (writtenDir && !legacy) print(`Summary: ${writtenDir}/summary.html`);
    return {
      exitCode: EXIT_CODES[reason],
      reason,
      runId,
      runDir: writtenDir,
      trades: pipeline.ledger.trades.length,
    };
  } finally {
    await cleanup();
  }
}

function tradesCsvOf(p: AgentPipeline): Uint8Array {
  return tradesCsv({ trades: p.ledger.trades });
}

/** Writes trades, equity, stats, config and summary.html of the live part of the session. */
async function writeSessionArtifacts(
  config: SessionConfig,
  runId: string,
  runDir: string,
  p: AgentPipeline,
  firstLive: number,
  startCash: number,
): Promise<string> {
  const from = firstLive === -1 ? p.series.length : firstLive;
  const candles = [];
  for (let i = from; i < p.series.length; i++) {
    candles.push({
      ts: p.series.ts[i],
      open: p.series.open[i],
      high: p.series.high[i],
      low: p.series.low[i],
      close: p.series.close[i],
      volume: p.series.volume[i],
    });
  }
  const series = seriesFromCandles(candles);
  const equity = Float64Array.from(p.equity.slice(from));
  const startEquity = from > 0 ? p.equity[from - 1] : startCash;
  const stats = computeStats({
    startEquity,
    trades: p.ledger.trades,
    equity,
    exposedCandles: p.exposedCandles,
    intervalMs: INTERVAL_MS[config.interval],
    ts: series.ts,
    dailyLossLimit: p.deps.gate.limits.maxDailyLossUsd,
    refusals: p.denialsByCode,
  });
  const resolved = {
    mode: config.mode,
    execution_mode: config.executionMode,
    source: config.source,
    symbol: config.symbol,
    interval: config.interval,
    strategy: config.strategy,
    strategy_params: config.strategyParams,
    params: config.params,
  };
  const report: RunReport = {
    runId,
    config: resolved,
    stats,
    // a session has one real fill path; both bounds are its own stats
    bounds: { conservative: stats, optimistic: stats },
    candles: series,
    trades: p.ledger.trades,
    equity,
    drawdown: drawdownSeries(startEquity, equity),
  };
  const files: Record<string, string | Uint8Array> = {
    "trades.csv": tradesCsv(report),
    "equity.csv": equityCsv(report),
    "stats.json": statsJson(report),
    "config.json": JSON.stringify(resolved, null, 2) + "\n",
    "summary.html": renderSummaryHtml(report, chartJsSource),
  };
  for (const [name, content] of Object.entries(files)) {
    if (typeof content === "string") await Deno.writeTextFile(`${runDir}/${name}`, content);
    else await Deno.writeFile(`${runDir}/${name}`, content);
  }
  await pointLatest(config.runsDir, runId, files);
  return runDir;
}
