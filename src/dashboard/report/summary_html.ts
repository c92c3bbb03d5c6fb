/**
 * `summary.html`: one self-contained report page per run. Opens offline: Chart.js, the
 * data and the styles are all inside the file, and nothing is loaded from the network.
 */
import type { RunReport, RunStats } from "../../engine/report_model.ts";
import { type Trade, TRADE_CSV_COLUMNS } from "../../core/trade.ts";
import { downsampleMinMax, type XySeries } from "./downsample.ts";
import { escapeHtml, inlineScriptSource, jsonForScript } from "./html_escape.ts";
import { fmtNumber, fmtPct, fmtPrice, fmtSigned, fmtTime, fmtUsd } from "./format.ts";
import { PAGE_SCRIPT } from "./page_script.ts";
import { PAGE_STYLE } from "./page_style.ts";

/** Most points per chart line. */
export const MAX_CHART_POINTS = 4000;
/** Trade tables longer than this show only the first and last `TRADE_TABLE_EDGE` rows. */
export const MAX_TRADE_ROWS = 2000;
/** Rows kept at each end of a long trade table. */
export const TRADE_TABLE_EDGE = 1000;
/** Most trades drawn as markers on the price chart (evenly sampled beyond that). */
export const MAX_MARKER_TRADES = 2000;
/** Credit shown when the candles came from the Binance CSV files. */
export const BINANCE_CREDIT = "Market data: Binance BTCUSDT (for testing)";

/** Chart data embedded in the page (the JSON block). */
export interface SummaryChartData {
  readonly equity: XySeries;
  readonly drawdown: XySeries;
  readonly price: XySeries;
  readonly markers: {
    readonly longEntry: [number, number][];
    readonly shortEntry: [number, number][];
    readonly winExit: [number, number][];
    readonly lossExit: [number, number][];
  };
  readonly markerTrades: number;
}

/** Builds the (downsampled) chart data of a report. */
export function buildChartData(report: RunReport, maxPoints = MAX_CHART_POINTS): SummaryChartData {
  const { candles } = report;
  const ts = candles.ts;
  const round2 = (s: XySeries): XySeries => ({
    x: s.x,
    y: s.y.map((v) => Math.round(v * 100) / 100),
  });
  const n = Math.min(ts.length, candles.length);
  const equity = round2(downsampleMinMax(ts, report.equity.subarray(0, n), maxPoints));
  const drawdown = round2(downsampleMinMax(ts, report.drawdown.subarray(0, n), maxPoints));
  const price = round2(
    downsampleMinMax(ts.subarray(0, n), candles.close.subarray(0, n), maxPoints),
  );

  const trades = report.trades;
  const step = trades.length > MAX_MARKER_TRADES ? trades.length / MAX_MARKER_TRADES : 1;
  const markers: SummaryChartData["markers"] = {
    longEntry: [],
    shortEntry: [],
    winExit: [],
    lossExit: [],
  };
  let count = 0;
  for (let k = 0; k < trades.length; k = Math.floor(++count * step)) {
    const t = trades[k];
    (t.side === "long" ? markers.longEntry : markers.shortEntry).push([t.entryTs, t.entryPrice]);
    (t.pnl > 0 ? markers.winExit : markers.lossExit).push([t.exitTs, t.exitPrice]);
  }
  return { equity, drawdown, price, markers, markerTrades: count };
}

function configText(value: unknown): string {
  if (value === undefined || value === null) return "n/a";
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (typeof value === "object" && value !== null && "name" in value) {
    return String((value as { name: unknown }).name);
  }
  return JSON.stringify(value) ?? String(value);
}

function signClass(v: number): string {
  return v > 0 ? "pos" : v < 0 ? "neg" : "";
}

function card(label: string, value: string, cls = ""): string {
  return `<div class="card"><div class="k">${escapeHtml(label)}</div><div class="v ${cls}">${
    escapeHtml(value)
  }</div></div>`;
}

function headline(s: RunStats): string {
  return [
    card("Net PnL", fmtUsd(s.net_pnl), signClass(s.net_pnl)),
    card("Return", fmtPct(s.return_pct), signClass(s.return_pct)),
    card("Trades", fmtNumber(s.trades, 0)),
    card("Win rate", fmtPct(s.win_rate * 100, 1)),
    card("Profit factor", s.profit_factor === null ? "∞ (no losses)" : fmtNumber(s.profit_factor)),
    card("Expectancy", fmtUsd(s.expectancy), signClass(s.expectancy)),
    card("Max drawdown", fmtUsd(s.max_drawdown), s.max_drawdown > 0 ? "neg" : ""),
    card("Max drawdown %", fmtPct(s.max_drawdown_pct), s.max_drawdown_pct > 0 ? "neg" : ""),
    card("Sharpe", fmtNumber(s.sharpe)),
    card("Sortino", fmtNumber(s.sortino)),
    card("Exposure", fmtPct(s.exposure_pct, 1)),
    card("Fees", fmtUsd(s.fees)),
    card("Equity", `${fmtNumber(s.start_equity)} → ${fmtNumber(s.end_equity)}`),
  ].join("\n");
}

function boundsTable(c: RunStats, o: RunStats): string {
  const rows: [string, number, number, (v: number) => string, (v: number) => string][] = [
    ["Net PnL (USD)", c.net_pnl, o.net_pnl, (v) => fmtNumber(v), (v) => fmtSigned(v)],
    ["Return %", c.return_pct, o.return_pct, (v) => fmtPct(v), (v) => fmtSigned(v) + " pp"],
    ["Trades", c.trades, o.trades, (v) => fmtNumber(v, 0), (v) => fmtSigned(v, 0)],
    [
      "Win rate",
      c.win_rate * 100,
      o.win_rate * 100,
      (v) => fmtPct(v, 1),
      (v) => fmtSigned(v, 1) + " pp",
    ],
    [
      "Max drawdown (USD)",
      c.max_drawdown,
      o.max_drawdown,
      (v) => fmtNumber(v),
      (v) => fmtSigned(v),
    ],
    [
      "Max drawdown %",
      c.max_drawdown_pct,
      o.max_drawdown_pct,
      (v) => fmtPct(v),
      (v) => fmtSigned(v) + " pp",
    ],
  ];
  const body = rows.map(([label, cv, ov, f, d]) =>
    `<tr><td>${escapeHtml(label)}</td><td>${escapeHtml(f(cv))}</td><td>${
      escapeHtml(f(ov))
    }</td><td>${escapeHtml(d(ov - cv))}</td></tr>`
  ).join("\n");
  return `<table class="bounds" id="bounds-table"><thead><tr><th>Intrabar bound</th><th>Conservative</th><th>Optimistic</th><th>Spread (opt − cons)</th></tr></thead>
<tbody>${body}</tbody></table>`;
}

function tradeRow(t: Trade): string {
  const cells = [
    String(t.id),
    t.side,
    fmtTime(t.entryTs),
    fmtPrice(t.entryPrice),
    fmtTime(t.exitTs),
    fmtPrice(t.exitPrice),
    fmtPrice(t.qty),
    fmtNumber(t.notional),
    fmtPrice(t.stopPrice),
    fmtPrice(t.tpPrice),
    t.exitReason,
    fmtNumber(t.grossPnl),
    fmtNumber(t.fees),
    fmtNumber(t.pnl),
    fmtNumber(t.equityAfter),
  ].map((v, i) => {
    const cls = i === 1 || i === 10 ? "text" : i === 13 ? signClass(t.pnl) : "";
    return `<td${cls ? ` class="${cls}"` : ""}>${escapeHtml(v)}</td>`;
  });
  return `<tr>${cells.join("")}</tr>`;
}

function tradeTable(trades: readonly Trade[]): string {
  if (trades.length === 0) return `<p class="note">No trades.</p>`;
  const head = TRADE_CSV_COLUMNS.map((c) => `<th>${escapeHtml(c)}</th>`).join("");
  let body: string;
  let note = "";
  if (trades.length > MAX_TRADE_ROWS) {
    const hidden = trades.length - 2 * TRADE_TABLE_EDGE;
    body = trades.slice(0, TRADE_TABLE_EDGE).map(tradeRow).join("\n") +
      `\n<tr class="gap"><td colspan="${TRADE_CSV_COLUMNS.length}">… ${
        fmtNumber(hidden, 0)
      } trades not shown; see trades.csv …</td></tr>\n` +
      trades.slice(-TRADE_TABLE_EDGE).map(tradeRow).join("\n");
    note = `<p class="note">Showing the first and last ${fmtNumber(TRADE_TABLE_EDGE, 0)} of ${
      fmtNumber(trades.length, 0)
    } trades. Times are UTC.</p>`;
  } else {
    body = trades.map(tradeRow).join("\n");
    note = `<p class="note">${fmtNumber(trades.length, 0)} trades. Times are UTC.</p>`;
  }
  return `${note}<div class="scroll"><table id="trades-table"><thead><tr>${head}</tr></thead>
<tbody>
${body}
</tbody></table></div>`;
}

function configTable(config: Readonly<Record<string, unknown>>): string {
  const rows = Object.entries(config).map(([k, v]) =>
    `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(configText(v))}</td></tr>`
  ).join("\n");
  return `<details><summary>Resolved configuration</summary><table>${rows}</table></details>`;
}

/**
 * Renders the self-contained report page of a run. `chartJsSource` is the Chart.js UMD
 * build as text; it is inlined (with `</script` neutralised), so the page needs no
 * network. Chart series are downsampled to at most `MAX_CHART_POINTS` points and long
 * trade lists are cut to their first and last rows, so even a million-candle run gives a
 * small file. Every string from the report is HTML-escaped.
 */
export function renderSummaryHtml(report: RunReport, chartJsSource: string): string {
  const cfg = report.config;
  const s = report.stats;
  const runId = escapeHtml(report.runId);
  const data = buildChartData(report);
  const nestedIntrabar = (p: unknown) =>
    typeof p === "object" && p !== null ? (p as Record<string, unknown>).intrabar : undefined;
  const first = report.candles.length > 0 ? fmtTime(report.candles.ts[0]) : "n/a";
  const last = report.candles.length > 0
    ? fmtTime(report.candles.ts[report.candles.length - 1])
    : "n/a";
  const meta = [
    ["Symbol", configText(cfg.symbol)],
    ["Interval", configText(cfg.interval)],
    ["Strategy", configText(cfg.strategy)],
    ["Source", configText(cfg.source)],
    ["Intrabar", configText(cfg.intrabar_mode ?? cfg.intrabar ?? nestedIntrabar(cfg.params))],
    ["Candles", fmtNumber(report.candles.length, 0)],
    ["Period", `${first} → ${last} UTC`],
  ].map(([k, v]) => `${escapeHtml(k)} <b>${escapeHtml(v)}</b>`).join(" · ");
  const credit = cfg.source === "csv" ? `<p>${escapeHtml(BINANCE_CREDIT)}</p>` : "";
  const markerNote = data.markerTrades < report.trades.length
    ? `<p class="note">Markers for ${fmtNumber(data.markerTrades, 0)} of ${
      fmtNumber(report.trades.length, 0)
    } trades (evenly sampled).</p>`
    : "";

  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Run ${runId}: backtest report</title>
<style>${PAGE_STYLE}</style>
</head>
<body data-charts-ready="0">
<main>
<h1>Run ${runId}</h1>
<p class="sub">${meta}</p>
<div class="cards" id="headline">
${headline(s)}
</div>
<h2>Intrabar bounds</h2>
<p class="note">When a candle touches both stop and target, the conservative bound assumes the stop filled first, the optimistic bound the target. The real result lies between them.</p>
${boundsTable(report.bounds.conservative, report.bounds.optimistic)}
<h2>Equity and drawdown</h2>
<p id="chart-error" hidden></p>
<div class="charts">
<div class="panel"><div class="chart"><canvas id="equity-chart" aria-label="Equity over time"></canvas></div></div>
<div class="panel"><div class="chart"><canvas id="drawdown-chart" aria-label="Drawdown over time"></canvas></div></div>
</div>
<h2>Price and trades</h2>
<div class="panel"><div class="chart tall"><canvas id="price-chart" aria-label="Close price with trade entries and exits"></canvas></div></div>
${markerNote}
<h2>Trades</h2>
${tradeTable(report.trades)}
${configTable(cfg)}
<footer>
<p>Trades hash ${escapeHtml(s.trades_hash)}</p>
${credit}
</footer>
</main>
<script type="application/json" id="report-data">${jsonForScript(data)}</script>
<script>${inlineScriptSource(chartJsSource)}</script>
<script>${PAGE_SCRIPT}</script>
</body>
</html>
`;
}
