import { backtestParamsRecord } from "../../core/backtest_params.ts";
import chartJsSource from "../../dashboard/static/vendor/chart.umd.min.js" with { type: "text" };
import { formatFlagHelp } from "../../config/argv.ts";
import {
  BACKTEST_FLAGS,
  type BacktestConfig,
  resolveBacktestConfig,
} from "../../config/backtest_config.ts";
import { InputError } from "../../core/errors.ts";
import { renderSummaryHtml } from "../../dashboard/report/summary_html.ts";
import { equityCsv, statsJson, tradesCsv } from "../../engine/artifacts.ts";
import { drawdownSeries } from "../../engine/stats.ts";
import {
  assembleReport,
  otherBound,
  passStats,
  runDetailPass,
  withOtherBound,
} from "../../engine/backtest_report.ts";
import { runBacktestFast } from "../../engine/backtest_fast.ts";
import type { DetailRun, RunReport } from "../../engine/report_model.ts";
import { backtestJournal, type JournalMeta } from "../../engine/backtest_journal.ts";
import { tradesCsvBytes } from "../../engine/trades_hash.ts";
import { JsonlLogger } from "../../ops/jsonl_logger.ts";
import { ALREADY_WRITTEN, newRunId, runTmpDir, writeRun } from "../../ops/run_store.ts";
import { createStrategy } from "../../strategy/mod.ts";
import { BacktestWorker, otherBoundPass, WORKER_MIN_CANDLES } from "./backtest_worker_client.ts";
import { loadIntrabarDetail } from "./load_detail.ts";
import { shareEquityFile } from "./equity_pieces.ts";
import { discardPrestartedWorker } from "./worker_prestart.ts";
import type { Command } from "../command.ts";
import { notice, parseCommandFlags, strategiesHelp } from "../_flags.ts";
import { loadBacktestCandles, type LoadedCandles } from "./load_candles.ts";

/** `--mode backtest`: tests a strategy on mock, CSV or Bitunix candles and writes a run folder. */
export const command: Command = {
  name: "backtest",
  summary: "backtest a strategy on mock, CSV or Bitunix candles; writes runs/<id>/",
  help: async (argv) =>
    [
      "Usage: laptop-agents --mode backtest [flags]",
      "",
      "Backtests a strategy and writes runs/<id>/ (summary.html, trades.csv, equity.csv,",
      "stats.json, events.jsonl, config.json) and points runs/latest at it. Both intrabar",
      "bounds (conservative: a bar touching both stop and TP takes the stop; optimistic: the",
      "TP) are always computed and reported; --detail-csv adds the result with those bars",
      "resolved from finer candles.",
      "",
      "Flags:",
      formatFlagHelp(BACKTEST_FLAGS),
      "",
      ...await strategiesHelp(argv),
      "",
      "Example: laptop-agents --mode backtest --source csv --csv data.csv.gz --strategy breakout",
    ].join("\n"),
  run,
};

async function run(argv: string[]): Promise<number> {
  let worker: BacktestWorker | null = null;
  try {
    const { flags } = await parseCommandFlags(argv, BACKTEST_FLAGS);
    const config = resolveBacktestConfig(flags, notice);
    const started = Date.now();
    // big runs use the second core (part of the CSV parse, the other intrabar bound,
    // part of equity.csv); its worker starts now (or was started before this module
    // loaded) so it loads while the file is read
    worker = config.source === "csv" || (config.candles ?? 0) >= 100_000
      ? BacktestWorker.start()
      : null;
    return await backtestWith(config, started, worker);
  } finally {
    worker?.close();
    // one started early for a run that did not take it (bad flags, a small run)
    discardPrestartedWorker();
  }
}

async function backtestWith(
  config: BacktestConfig,
  started: number,
  worker: BacktestWorker | null,
): Promise<number> {
  const loaded = await loadBacktestCandles(config, worker);
  // this pass's instance, checked as every created strategy is (its warm-up first)
  const strategy = createStrategy(config.strategy, config.strategyParams);
  if (loaded.series.length < strategy.warmup + 2) {
    throw new InputError(
      `candles (${loaded.series.length} from ${loaded.description})`,
      `at least ${
        strategy.warmup + 2
      } for strategy ${strategy.name} (warm-up ${strategy.warmup} + 2)`,
    );
  }
  const detailCandles = config.detailCsv === undefined
    ? null
    : await loadIntrabarDetail(config.detailCsv, loaded.series, loaded.intervalMs, notice);
  const runId = newRunId(started, "backtest");
  const resolved = resolvedConfig(config, loaded);
  const params = config.params;
  const other = otherBoundPass(worker, {
    series: loaded.series,
    strategy: config.strategy,
    strategyParams: { ...config.strategyParams },
    ...(config.strategyFile ? { strategyFile: config.strategyFile } : {}),
    params,
    mode: otherBound(params.intrabar),
    intervalMs: loaded.intervalMs,
  });
  // equity.csv needs only this pass: the worker builds it and writes it into the run's
  // folder piece by piece after its bound, and this thread builds the tail once its other
  // files are done (a failed worker leaves it all to this thread)
  const n = loaded.series.length;
  const onWorker = worker !== null && n >= WORKER_MIN_CANDLES;
  let dir: string;
  let report: RunReport;
  // the worker may be writing into the run's temporary folder: a failure before the run
  // is written removes it, so nothing is left half-way (writeRun does so for its own)
  try {
    const result = runBacktestFast(loaded.series, strategy, params);
    // computed once, here: the worker's equity.csv and the report both need it. The
    // worker's part is handed over before this pass's stats, so it is there when the
    // worker's bound is done
    const drawdown = drawdownSeries(params.startEquity, result.equity);
    const equityFile = onWorker
      ? shareEquityFile(worker, runTmpDir(config.runsDir, runId), {
        ts: loaded.series.ts,
        equity: result.equity,
        drawdown,
      })
      : null;
    const main = { result, stats: passStats(loaded.series, result, params, loaded.intervalMs) };
    // the third result, here while the worker runs the other bound
    const detail: DetailRun | undefined = detailCandles === null ? undefined : runDetailPass({
      series: loaded.series,
      strategy: createStrategy(config.strategy, config.strategyParams),
      params,
      intervalMs: loaded.intervalMs,
      detail: detailCandles.detail,
      coverage: detailCandles.coverage,
      source: config.detailCsv!,
      interval: detailCandles.interval,
    });
    // files that need only this pass are built (and written) while the other bound runs;
    // `partial` carries this pass's stats in both bounds until `full` puts the other one in
    const partial = assembleReport({
      runId,
      config: resolved,
      series: loaded.series,
      params,
      main,
      other: main.stats,
      intervalMs: loaded.intervalMs,
      detail,
      drawdown,
    });
    // the report with both bounds, once the other one is in (stats.json and summary.html)
    let whole: Promise<RunReport> | null = null;
    const full = () =>
      whole ??= other.then((o) => {
        report = withOtherBound(partial, params.intrabar, o.stats, o.equity);
        return report;
      });
    report = partial;
    const meta: JournalMeta = {
      runId,
      config: resolved,
      stats: main.stats,
      candles: n,
      firstTs: loaded.series.ts[0],
      lastTs: loaded.series.ts[n - 1],
    };
    const csv = tradesCsvBytes(main.result.trades);
    // each file is built after the one before: equity.csv, which the worker builds after
    // its bound, comes last, so this thread builds the others (the journal too) meanwhile
    const files = {
      "trades.csv": () => tradesCsv(partial),
      "config.json": () => JSON.stringify(resolved, null, 2) + "\n",
      "stats.json": async () => statsJson(await full()),
      "summary.html": async () => renderSummaryHtml(await full(), chartJsSource),
      "events.jsonl": () => backtestJournal(csv, meta),
      "equity.csv": async () => (await equityFile?.finish()) ? ALREADY_WRITTEN : equityCsv(partial),
    };
    dir = await writeRun(config.runsDir, runId, files);
  } catch (e) {
    await Deno.remove(runTmpDir(config.runsDir, runId), { recursive: true }).catch(() => {});
    throw e;
  }
  const logger = new JsonlLogger({ path: `${config.logsDir}/system.jsonl`, runId });
  logger.emit("info", "backtest", "run.finished", {
    candles: loaded.series.length,
    trades: report.stats.trades,
    net_pnl: report.stats.net_pnl,
    trades_hash: report.stats.trades_hash,
    duration_ms: Date.now() - started,
    dir,
  });
  logger.close();
  console.log(headline(report, loaded, config));
  console.log(`Summary: ${absolute(dir)}/summary.html`);
  return 0;
}

function resolvedConfig(config: BacktestConfig, loaded: LoadedCandles): Record<string, unknown> {
  const p = config.params;
  return {
    mode: "backtest",
    source: config.source,
    ...(config.csv ? { csv: config.csv } : {}),
    ...(config.detailCsv ? { detail_csv: config.detailCsv } : {}),
    ...(config.source === "mock" ? { seed: config.seed } : {}),
    symbol: config.symbol,
    interval: loaded.interval ?? `${loaded.intervalMs}ms`,
    candles: loaded.series.length,
    first_ts: loaded.series.length ? loaded.series.ts[0] : null,
    last_ts: loaded.series.length ? loaded.series.ts[loaded.series.length - 1] : null,
    ...(loaded.gaps ? { gaps: loaded.gaps } : {}),
    strategy: config.strategy,
    strategy_params: config.strategyParams,
    ...(config.strategyFile ? { strategy_file: config.strategyFile } : {}),
    ...backtestParamsRecord(p),
  };
}

function fmt(n: number, digits = 2): string {
  return n.toLocaleString("en-US", {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
}

function signed(n: number): string {
  return (n >= 0 ? "+" : "") + fmt(n);
}

function headline(r: RunReport, loaded: LoadedCandles, config: BacktestConfig): string {
  const s = r.stats;
  const { conservative: c, optimistic: o } = r.bounds;
  const params = Object.entries(config.strategyParams).map(([k, v]) => `${k}=${v}`).join(", ");
  return [
    `Backtest ${r.runId}: ${config.symbol} ${loaded.interval ?? loaded.intervalMs + "ms"}, ${
      loaded.series.length.toLocaleString("en-US")
    } candles (${loaded.description}), ${config.strategy}(${params}), ${config.params.mode} mode, ${config.params.intrabar}`,
    `  net pnl ${signed(s.net_pnl)} USDT (${signed(s.return_pct)}%)  trades ${s.trades}  win rate ${
      fmt(s.win_rate * 100, 1)
    }%  profit factor ${s.profit_factor === null ? "n/a" : fmt(s.profit_factor)}  expectancy ${
      signed(s.expectancy)
    }`,
    `  max drawdown ${fmt(s.max_drawdown)} USDT (${fmt(s.max_drawdown_pct)}%)  sharpe ${
      fmt(s.sharpe)
    }  sortino ${fmt(s.sortino)}  exposure ${fmt(s.exposure_pct, 1)}%  fees ${fmt(s.fees)}`,
    ...tearsheetLines(r),
    // not a range: the two ends of one assumption (a bar touching both takes stop or TP)
    `  intrabar bounds: conservative ${signed(c.net_pnl)}, optimistic ${
      signed(o.net_pnl)
    } USDT (spread ${signed(o.net_pnl - c.net_pnl)})`,
    ...detailLines(r),
    ...riskLines(s),
    `  trades_hash ${s.trades_hash}`,
  ].join("\n");
}

/** The market, growth and costs: buy-and-hold, CAGR, drawdown duration, gross vs fees. */
function tearsheetLines(r: RunReport): string[] {
  const s = r.stats;
  const b = r.benchmark;
  const lines = [
    `  buy and hold ${signed(b.return_pct)}% (max drawdown ${fmt(b.max_drawdown_pct)}%); ` +
    `excess return ${signed(s.return_pct - b.return_pct)} pp`,
  ];
  const parts: string[] = [];
  if (s.cagr_pct !== undefined && s.cagr_pct !== null) parts.push(`cagr ${signed(s.cagr_pct)}%`);
  if (s.calmar !== undefined && s.calmar !== null) parts.push(`calmar ${fmt(s.calmar)}`);
  if (s.longest_drawdown) {
    const d = s.longest_drawdown;
    parts.push(
      `longest drawdown ${fmt(d.days, 1)} days${d.recovered ? "" : " (not recovered)"}`,
    );
  }
  if (parts.length > 0) lines.push(`  ${parts.join("  ")}`);
  if (s.gross_pnl !== undefined) {
    lines.push(
      `  gross pnl ${signed(s.gross_pnl)} USDT - fees ${fmt(s.fees)} = ${
        signed(s.gross_pnl - s.fees)
      } USDT over the trades`,
    );
  }
  return lines;
}

/** The detail pass: its result and how the ambiguous bars were resolved. */
function detailLines(r: RunReport): string[] {
  const d = r.detail;
  if (d === undefined) return [];
  const x = d.resolution;
  const iv = d.interval;
  return [
    `  exact intrabar (${iv} detail): ${signed(d.stats.net_pnl)} USDT (${
      signed(d.stats.return_pct)
    }%), ${d.stats.trades} trades; ${x.ambiguous_bars} bars touched both: ${x.stop_first} stop first, ${x.tp_first} TP first` +
    (x.both_in_one_candle > 0 ? `, ${x.both_in_one_candle} both in one ${iv} candle` : "") +
    (x.untouched > 0 ? `, ${x.untouched} not reached in the ${iv} candles` : "") +
    (x.without_detail > 0 ? `, ${x.without_detail} without ${iv} candles` : "") +
    (x.ambiguous_bars > x.stop_first + x.tp_first ? " (those took the stop)" : ""),
  ];
}

/** What the RiskGate did: refused entries and days past the daily loss limit. */
function riskLines(s: RunReport["stats"]): string[] {
  const lines: string[] = [];
  const refused = s.refused_entries;
  if (refused) {
    const why = Object.entries(refused.by_reason).map(([k, v]) => `${k} ${v}`).join(", ");
    lines.push(`  entries refused by the risk gate: ${refused.total}${why ? ` (${why})` : ""}`);
  }
  const over = s.days_over_daily_limit;
  if (s.worst_day) {
    lines.push(
      `  worst day ${s.worst_day.date} ${signed(s.worst_day.pnl)} USDT; days past the daily ` +
        `loss limit: ${over?.length ?? 0}${
          over?.length ? " (gaps or slippage through a stop)" : ""
        }`,
    );
  }
  return lines;
}

function absolute(path: string): string {
  return path.startsWith("/") ? path : `${Deno.cwd()}/${path}`;
}
