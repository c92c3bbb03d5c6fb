import chartJsSource from "../../dashboard/static/vendor/chart.umd.min.js" with { type: "text" };
import { formatFlagHelp } from "../../config/argv.ts";
import { BACKTEST_FLAGS, resolveBacktestConfig } from "../../config/backtest_config.ts";
import type { EventSink } from "../../core/events.ts";
import { InputError } from "../../core/errors.ts";
import { renderSummaryHtml } from "../../dashboard/report/summary_html.ts";
import { equityCsv, statsJson, tradesCsv } from "../../engine/artifacts.ts";
import { runBoundedBacktest } from "../../engine/backtest_report.ts";
import { tradesHash } from "../../engine/trades_hash.ts";
import { JsonlLogger } from "../../ops/jsonl_logger.ts";
import { newRunId, writeRun } from "../../ops/run_store.ts";
import { createStrategy } from "../../strategy/mod.ts";
import type { Command } from "../command.ts";
import { notice, parseCommandFlags, strategiesHelp } from "../_flags.ts";
import { loadBacktestCandles } from "./load_candles.ts";
import { runSimPipeline } from "./sim_pipeline.ts";

/**
 * `--mode orchestrated`: runs candles one by one through the full agent pipeline on the
 * simulated venue, recording every agent step (agent, input, decision, duration) to
 * runs/<id>/events.jsonl, and writes the same artifacts as a backtest.
 */
export const command: Command = {
  name: "orchestrated",
  summary: "the agent pipeline on mock candles with every step in runs/<id>/events.jsonl",
  help: async (argv) =>
    [
      "Usage: laptop-agents --mode orchestrated --source mock [--backtest N] [flags]",
      "",
      "Runs each candle through the market, journal, signal, risk and execution agents on",
      "the simulated venue and records every step to runs/<id>/events.jsonl. Accepts the",
      "backtest flags.",
      "",
      formatFlagHelp(BACKTEST_FLAGS),
      "",
      ...await strategiesHelp(argv),
    ].join("\n"),
  async run(argv) {
    const { flags } = await parseCommandFlags(argv, BACKTEST_FLAGS);
    const config = resolveBacktestConfig(flags, notice);
    if (config.params.mode !== "position") {
      throw new InputError("--backtest-mode bar", "position (the agent pipeline trades positions)");
    }
    const loaded = await loadBacktestCandles(config);
    const probe = createStrategy(config.strategy, config.strategyParams);
    if (loaded.series.length < probe.warmup + 2) {
      throw new InputError(
        `candles (${loaded.series.length})`,
        `at least ${probe.warmup + 2} for ${config.strategy}`,
      );
    }
    const started = Date.now();
    const runId = newRunId(started, "orchestrated");
    const lines: string[] = [];
    const sink: EventSink = {
      emit(level, component, event, fields = {}) {
        const ts = typeof fields.candleTs === "number"
          ? fields.candleTs
          : typeof fields.fillTs === "number"
          ? fields.fillTs
          : started;
        lines.push(
          JSON.stringify({
            ts: new Date(ts).toISOString(),
            level,
            component,
            event,
            runId,
            ...fields,
          }),
        );
      },
    };
    const resolved = {
      mode: "orchestrated",
      source: config.source,
      symbol: config.symbol,
      interval: loaded.interval,
      interval_ms: loaded.intervalMs,
      candles: loaded.series.length,
      ...(loaded.gaps ? { gaps: loaded.gaps } : {}),
      strategy: config.strategy,
      strategy_params: config.strategyParams,
      ...(config.strategyFile ? { strategy_file: config.strategyFile } : {}),
      params: config.params,
    };
    sink.emit("info", "engine", "run.started", { config: resolved });
    const pipeline = await runSimPipeline(loaded.series, {
      runId,
      symbol: config.symbol,
      intervalMs: loaded.intervalMs,
      strategy: createStrategy(config.strategy, config.strategyParams),
      params: config.params,
      sink,
      recordSteps: true,
      timer: () => performance.now(),
    });
    const { report } = runBoundedBacktest({
      runId,
      series: loaded.series,
      makeStrategy: () => createStrategy(config.strategy, config.strategyParams),
      params: config.params,
      intervalMs: loaded.intervalMs,
      config: resolved,
    });
    const pipelineHash = tradesHash(pipeline.ledger.trades);
    if (pipelineHash !== report.stats.trades_hash) {
      throw new Error(
        `Invariant broken: pipeline trades ${pipelineHash} differ from the fast path ${report.stats.trades_hash}`,
      );
    }
    sink.emit("info", "engine", "run.finished", {
      trades: pipeline.ledger.trades.length,
      trades_hash: pipelineHash,
    });
    const dir = await writeRun(config.runsDir, runId, {
      "trades.csv": tradesCsv(report),
      "equity.csv": equityCsv(report),
      "stats.json": statsJson(report),
      "events.jsonl": lines.join("\n") + "\n",
      "config.json": JSON.stringify(resolved, null, 2) + "\n",
      "summary.html": renderSummaryHtml(report, chartJsSource),
    });
    const logger = new JsonlLogger({ path: `${config.logsDir}/system.jsonl`, runId });
    logger.emit("info", "orchestrated", "run.finished", {
      steps: lines.length,
      trades: report.stats.trades,
      dir,
    });
    logger.close();
    console.log(
      `Orchestrated run ${runId}: ${loaded.series.length} candles, ${lines.length} events recorded, ${report.stats.trades} trades, net pnl ${
        report.stats.net_pnl.toFixed(2)
      } USDT`,
    );
    console.log(`  trades_hash ${report.stats.trades_hash} (pipeline = fast path)`);
    console.log(`Events: ${dir}/events.jsonl`);
    console.log(`Summary: ${dir}/summary.html`);
    return 0;
  },
};
