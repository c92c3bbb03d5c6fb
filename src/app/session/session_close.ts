/**
 * A session's last phase: the one safety path of every stop (no new orders, working
 * orders cancelled, state persisted), then the run's artifacts from the whole record.
 *
 * @module
 */
import chartJsSource from "../../dashboard/static/vendor/chart.umd.min.js" with { type: "text" };
import { INTERVAL_MS, seriesFromCandles } from "../../core/candle.ts";
import type { Trade } from "../../core/trade.ts";
import { renderSummaryHtml } from "../../dashboard/report/summary_html.ts";
import { equityCsv, statsJson, tradesCsv } from "../../engine/artifacts.ts";
import type { AgentPipeline } from "../../engine/pipeline.ts";
import type { RunReport } from "../../engine/report_model.ts";
import { buyAndHoldStats, computeStats, drawdownSeries } from "../../engine/stats.ts";
import { pointLatest } from "../../ops/run_store.ts";
import { writeFileInPieces } from "../../ops/write_bytes.ts";
import {
  EXIT_CODES,
  type OpenSession,
  type SessionResult,
  type StopReason,
} from "./session_types.ts";

/** Close: the one safety path of every stop, then the run's artifacts. */
export async function closeSession(s: OpenSession, reason: StopReason): Promise<SessionResult> {
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

/** The ledger's trades as trades.csv bytes. */
export function tradesCsvOf(p: AgentPipeline): Uint8Array {
  return tradesCsv({ trades: p.ledger.trades });
}

/** Sums two counts by key (refused entries by reason across processes). */
export function addCounts(
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
    await writeFileInPieces(`${runDir}/${name}`, content);
  }
  await pointLatest(config.runsDir, runId, {
    ...files,
    "trades.csv": tradesCsv(report),
    "equity.csv": equityCsv(report),
  });
  return runDir;
}
