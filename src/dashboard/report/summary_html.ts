/**
 * `summary.html`: one self-contained report page per run, a tearsheet a trader can judge
 * a strategy by. Opens offline: Chart.js, the data and the styles are all inside the
 * file, and nothing is loaded from the network.
 */
import type { RunReport, RunStats, TradeGroup } from "../../engine/report_model.ts";
import type { Trade } from "../../core/trade.ts";
import { downsampleEquityAndDrawdownPct, downsampleMinMax, type XySeries } from "./downsample.ts";
import { escapeHtml, inlineScriptSource, jsonForScript } from "./html_escape.ts";
import {
  fmtDays,
  fmtMinutes,
  fmtNumber,
  fmtPct,
  fmtSigned,
  fmtTime,
  fmtUsd,
  priceDecimals,
} from "./format.ts";
import { PAGE_SCRIPT } from "./page_script.ts";
import { PAGE_STYLE } from "./page_style.ts";

/** Most points per equity or drawdown line. */
export const MAX_CHART_POINTS = 4000;
/** Most points of the price line (more, so a zoomed-in view still shows the bars' path). */
export const MAX_PRICE_POINTS = 12_000;
/** Trade tables longer than this hold only the first and last `TRADE_TABLE_EDGE` rows. */
export const MAX_TRADE_ROWS = 2000;
/** Rows kept at each end of a long trade table. */
export const TRADE_TABLE_EDGE = 1000;
/** Rows on one page of the trade table. */
export const TRADE_PAGE_SIZE = 50;
/** Most trades drawn as markers on the price chart (evenly sampled beyond that). */
export const MAX_MARKER_TRADES = 10_000;
/** Below this many trades, Sharpe and win rate get a small-sample note. */
export const SMALL_SAMPLE_TRADES = 30;
/** Credit shown when the candles came from the Binance CSV files. */
export const BINANCE_CREDIT = "Market data: Binance BTCUSDT (for testing)";

const DAY_MS = 86_400_000;

/** One line of the equity chart. */
export interface EquityLine extends XySeries {
  /** `conservative`, `optimistic`, `detail`, `benchmark`, or `run` (one fill path). */
  readonly key: string;
  readonly label: string;
  /** True for the run's own (configured) result. */
  readonly main: boolean;
}

/** Chart data embedded in the page (the JSON block). */
export interface SummaryChartData {
  /** First candle open and last candle open (Unix ms): the full x range. */
  readonly xMin: number | null;
  readonly xMax: number | null;
  /** The candle interval in ms (the smallest zoom is a few dozen candles). */
  readonly intervalMs: number;
  /** Start the price chart on a log scale (multi-year or wide-ranging data). */
  readonly logPrice: boolean;
  /** Start the equity chart on a log scale (its lines span 10x or more, all above 0). */
  readonly logEquity: boolean;
  readonly equity: readonly EquityLine[];
  /** The run's drawdown from its running peak, in % (<= 0). */
  readonly underwater: XySeries;
  readonly price: XySeries;
  /**
   * Trades drawn as markers: `[entryTs, entryPrice, exitTs, exitPrice, flags]`, flags bit 1 =
   * short, bit 2 = win. All trades, or an even sample of `MAX_MARKER_TRADES`.
   */
  readonly trades: readonly (readonly [number, number, number, number, number])[];
  readonly markerTrades: number;
  readonly totalTrades: number;
  /** Trade pnl histogram: bin `k` counts pnl in [from[k], to[k]). */
  readonly histogram: {
    readonly from: readonly number[];
    readonly to: readonly number[];
    readonly count: readonly number[];
  };
}

const round2 = (s: XySeries): XySeries => ({
  x: s.x,
  y: s.y.map((v) => Math.round(v * 100) / 100),
});

/** True when the report has one fill path (a session): both bounds are the same object. */
function onePath(report: RunReport): boolean {
  return report.bounds.conservative === report.bounds.optimistic;
}

/**
 * The configured intrabar mode of a report: its config's `intrabar_mode` (a backtest) or
 * `params.intrabar` (orchestrated runs and sessions).
 */
function intrabarMode(report: RunReport): "conservative" | "optimistic" {
  const cfg = report.config;
  const nested = typeof cfg.params === "object" && cfg.params !== null
    ? (cfg.params as Record<string, unknown>).intrabar
    : undefined;
  const mode = cfg.intrabar_mode ?? nested;
  return mode === "optimistic" ? "optimistic" : "conservative";
}

/** Histogram bins of the trades' pnl: 5 to 40 bins of a round width. */
export function pnlHistogram(pnls: readonly number[]): SummaryChartData["histogram"] {
  if (pnls.length === 0) return { from: [], to: [], count: [] };
  let lo = Infinity, hi = -Infinity;
  for (const p of pnls) {
    if (p < lo) lo = p;
    if (p > hi) hi = p;
  }
  const bins = Math.max(5, Math.min(40, Math.ceil(Math.sqrt(pnls.length) * 1.5)));
  const raw = (hi - lo) / bins || 1;
  const mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const width = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((w) => w >= raw) ?? 10 * mag;
  const start = Math.floor(lo / width) * width;
  const n = Math.max(1, Math.floor((hi - start) / width) + 1);
  const count = new Array<number>(n).fill(0);
  for (const p of pnls) count[Math.min(n - 1, Math.floor((p - start) / width))]++;
  const edge = (k: number) => Number((start + k * width).toPrecision(12));
  return {
    from: count.map((_, k) => edge(k)),
    to: count.map((_, k) => edge(k + 1)),
    count,
  };
}

/** Builds the (downsampled) chart data of a report. */
export function buildChartData(report: RunReport, maxPoints = MAX_CHART_POINTS): SummaryChartData {
  const { candles } = report;
  const n = Math.min(candles.ts.length, candles.length, report.equity.length);
  const ts = candles.ts.subarray(0, n);
  const start = report.stats.start_equity;
  const mode = intrabarMode(report);
  const line = (key: string, label: string, y: ArrayLike<number>, main = false): EquityLine => ({
    key,
    label,
    main,
    ...round2(downsampleMinMax(ts, y, maxPoints)),
  });
  // the run's equity and its drawdown in % come from one pass over the candles
  const own = downsampleEquityAndDrawdownPct(
    ts,
    report.equity.subarray(0, n),
    report.drawdown.subarray(0, n),
    maxPoints,
  );
  const underwater = round2(own.drawdownPct);
  const equity: EquityLine[] = [];
  if (onePath(report)) {
    equity.push({ key: "run", label: "Equity", main: true, ...round2(own.equity) });
  } else {
    const b = report.boundEquity;
    const other = mode === "conservative" ? "optimistic" : "conservative";
    const name = (m: string) => m[0].toUpperCase() + m.slice(1);
    equity.push({
      key: mode,
      label: `${name(mode)} (this run)`,
      main: true,
      ...round2(own.equity),
    });
    if (b !== undefined) equity.push(line(other, name(other), b[other]));
  }
  if (report.detail !== undefined) {
    equity.push(line("detail", `Exact (${report.detail.interval} detail)`, report.detail.equity));
  }
  const decimals = Math.max(2, priceDecimals(n > 0 ? candles.close[0] : 0));
  const scale = Math.pow(10, decimals);
  const pd = downsampleMinMax(
    ts,
    candles.close.subarray(0, n),
    Math.max(maxPoints, MAX_PRICE_POINTS),
  );
  const price = { x: pd.x, y: pd.y.map((v) => Math.round(v * scale) / scale) };
  // the closes' downsample keeps their extremes: buy and hold (close x a constant) and the
  // price range come from it, not from another pass over every candle
  let lo = Infinity, hi = -Infinity;
  for (const c of pd.y) {
    if (c < lo) lo = c;
    if (c > hi) hi = c;
  }
  if (n > 0 && candles.open[0] > 0) {
    const k = start / candles.open[0];
    // typed arrays, as in every other call: the downsampler stays monomorphic
    const bh = downsampleMinMax(
      Float64Array.from(pd.x),
      Float64Array.from(pd.y, (c) => c * k),
      maxPoints,
    );
    equity.push({ key: "benchmark", label: "Buy and hold", main: false, ...round2(bh) });
  }

  const all = report.trades;
  const step = all.length > MAX_MARKER_TRADES ? all.length / MAX_MARKER_TRADES : 1;
  const trades: [number, number, number, number, number][] = [];
  const r = (v: number) => Math.round(v * scale) / scale;
  for (let c = 0, k = 0; k < all.length; k = Math.floor(++c * step)) {
    const t = all[k];
    const flags = (t.side === "short" ? 1 : 0) | (t.pnl > 0 ? 2 : 0);
    trades.push([t.entryTs, r(t.entryPrice), t.exitTs, r(t.exitPrice), flags]);
  }
  const span = n > 0 ? ts[n - 1] - ts[0] : 0;
  let eLo = Infinity, eHi = -Infinity;
  for (const l of equity) {
    for (const v of l.y) {
      if (v < eLo) eLo = v;
      if (v > eHi) eHi = v;
    }
  }
  return {
    xMin: n > 0 ? ts[0] : null,
    xMax: n > 0 ? ts[n - 1] : null,
    intervalMs: n > 1 ? ts[1] - ts[0] : 60_000,
    logPrice: span >= 365 * DAY_MS || (lo > 0 && hi / lo >= 3),
    logEquity: eLo > 0 && eHi / eLo >= 10,
    equity,
    underwater,
    price,
    trades,
    markerTrades: trades.length,
    totalTrades: all.length,
    histogram: pnlHistogram(all.map((t) => t.pnl)),
  };
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

function paramsText(value: unknown): string {
  if (typeof value !== "object" || value === null) return "";
  return Object.entries(value as Record<string, unknown>).map(([k, v]) => `${k}=${configText(v)}`)
    .join(", ");
}

function signClass(v: number | null | undefined): string {
  return v === null || v === undefined ? "" : v > 0 ? "pos" : v < 0 ? "neg" : "";
}

function card(label: string, value: string, cls = "", sub = "", id = ""): string {
  return `<div class="card"${id ? ` id="${id}"` : ""}><div class="k">${
    escapeHtml(label)
  }</div><div class="v ${cls}">${escapeHtml(value)}</div>${
    sub ? `<div class="s">${escapeHtml(sub)}</div>` : ""
  }</div>`;
}

const opt = (v: number | null | undefined, f: (x: number) => string) =>
  v === null || v === undefined ? "n/a" : f(v);

function headline(report: RunReport): string {
  const s = report.stats;
  const b = report.benchmark;
  const small = s.trades < SMALL_SAMPLE_TRADES;
  const star = small ? " *" : "";
  const dd = s.longest_drawdown;
  const excess = s.return_pct - b.return_pct;
  return [
    card("Net P&L", fmtUsd(s.net_pnl), signClass(s.net_pnl), `${fmtSigned(s.return_pct)}% return`),
    card(
      "Buy and hold",
      `${fmtSigned(b.return_pct)}%`,
      signClass(b.return_pct),
      `max drawdown ${fmtPct(b.max_drawdown_pct, 1)}`,
    ),
    card("Excess return", `${fmtSigned(excess)} pp`, signClass(excess), "run minus buy and hold"),
    card(
      "CAGR",
      opt(s.cagr_pct, (v) => `${fmtSigned(v)}%`),
      signClass(s.cagr_pct),
      s.cagr_pct === null ? "run shorter than 30 days" : "",
    ),
    card(
      "Max drawdown",
      fmtPct(s.max_drawdown_pct),
      s.max_drawdown_pct > 0 ? "neg" : "",
      fmtUsd(s.max_drawdown),
    ),
    card(
      "Longest drawdown",
      dd ? fmtDays(dd.days) : dd === null ? "none" : "n/a",
      "",
      dd
        ? (dd.recovered ? `${dd.start.slice(0, 10)} → ${dd.end.slice(0, 10)}` : "not recovered")
        : "",
    ),
    card("Calmar", opt(s.calmar, (v) => fmtNumber(v)), signClass(s.calmar), "CAGR / max drawdown"),
    card("Sharpe" + star, fmtNumber(s.sharpe), "", "annualised", "card-sharpe"),
    card("Sortino", fmtNumber(s.sortino)),
    card("Trades", fmtNumber(s.trades, 0)),
    card("Win rate" + star, fmtPct(s.win_rate * 100, 1), "", "", "card-winrate"),
    card(
      "Profit factor",
      s.profit_factor === null ? "∞ (no losses)" : fmtNumber(s.profit_factor),
    ),
    card("Expectancy", fmtUsd(s.expectancy), signClass(s.expectancy), "mean P&L per trade"),
    card(
      "Gross P&L",
      opt(s.gross_pnl, fmtUsd),
      signClass(s.gross_pnl),
      "before fees",
    ),
    card("Fees", fmtUsd(s.fees), s.fees > 0 ? "neg" : ""),
    card("Exposure", fmtPct(s.exposure_pct, 1), "", "of candles in a position"),
    card(
      "Avg holding",
      fmtMinutes(s.avg_holding_minutes),
      "",
      `longest ${fmtMinutes(s.max_holding_minutes)}`,
    ),
    card("Equity", fmtNumber(s.end_equity), "", `from ${fmtNumber(s.start_equity)}`),
  ].join("\n");
}

function smallSampleNote(s: RunStats): string {
  if (s.trades >= SMALL_SAMPLE_TRADES) return "";
  return `<p class="note warn" id="small-sample">* ${
    fmtNumber(s.trades, 0)
  } trades, fewer than ${SMALL_SAMPLE_TRADES}: Sharpe and win rate rest on a small sample and can change a lot with a few more trades.</p>`;
}

function boundsSection(report: RunReport): string {
  if (onePath(report)) {
    return `<p class="note" id="bounds-text">This run has one fill path (a session): a bar that touched both the stop and the take-profit was filled by the ${
      escapeHtml(intrabarMode(report))
    } rule as it came. There is no second bound to compare.</p>`;
  }
  const c = report.bounds.conservative;
  const o = report.bounds.optimistic;
  const d = report.detail;
  /** label, value of a result, its format, the spread's format */
  type Row = [
    string,
    (s: RunStats) => number | undefined,
    (v: number) => string,
    (v: number) => string,
  ];
  const rows: Row[] = [
    ["Net P&L (USD)", (s) => s.net_pnl, (v) => fmtNumber(v), (v) => fmtSigned(v)],
    ["Return %", (s) => s.return_pct, (v) => fmtPct(v), (v) => fmtSigned(v) + " pp"],
    ["Trades", (s) => s.trades, (v) => fmtNumber(v, 0), (v) => fmtSigned(v, 0)],
    ["Win rate", (s) => s.win_rate * 100, (v) => fmtPct(v, 1), (v) => fmtSigned(v, 1) + " pp"],
    ["Max drawdown (USD)", (s) => s.max_drawdown, (v) => fmtNumber(v), (v) => fmtSigned(v)],
    ["Max drawdown %", (s) => s.max_drawdown_pct, (v) => fmtPct(v), (v) => fmtSigned(v) + " pp"],
    ["Bars touching both", (s) => s.ambiguous_bars, (v) => fmtNumber(v, 0), (v) => fmtSigned(v, 0)],
  ];
  const body = rows.filter(([, get]) => get(c) !== undefined && get(o) !== undefined).map(
    ([label, get, f, diff]) => {
      const cv = get(c)!, ov = get(o)!;
      const cells = [f(cv), f(ov), diff(ov - cv), ...(d ? [opt(get(d.stats), f)] : [])];
      return `<tr><td>${escapeHtml(label)}</td>${
        cells.map((v) => `<td>${escapeHtml(v)}</td>`).join("")
      }</tr>`;
    },
  ).join("\n");
  const mode = intrabarMode(report);
  const detailHead = d ? `<th>Exact (${escapeHtml(d.interval)} detail)</th>` : "";
  let detailText: string;
  if (d) {
    const x = d.resolution;
    const iv = escapeHtml(d.interval);
    const rest = [
      x.both_in_one_candle > 0
        ? `${fmtNumber(x.both_in_one_candle, 0)} had a ${iv} candle touching both`
        : "",
      x.untouched > 0 ? `${fmtNumber(x.untouched, 0)} were not reached by their ${iv} candles` : "",
      x.without_detail > 0 ? `${fmtNumber(x.without_detail, 0)} had no ${iv} candles` : "",
    ].filter(Boolean);
    detailText =
      `<p class="note" id="detail-text"><b>Exact</b>: those bars resolved from the ${iv} candles in <code>${
        escapeHtml(d.source)
      }</code>, the first ${iv} candle that reaches a level deciding. ${
        fmtNumber(x.ambiguous_bars, 0)
      } bars touched both: ${fmtNumber(x.stop_first, 0)} reached the stop first, ${
        fmtNumber(x.tp_first, 0)
      } the take-profit${rest.length ? `; ${rest.join(", ")} (these took the stop)` : ""}. ${
        fmtNumber(d.coverage.covered_bars, 0)
      } of ${fmtNumber(d.coverage.bars, 0)} bars have all their ${iv} candles.</p>`;
  } else {
    detailText =
      `<p class="note">To resolve those bars exactly, give the backtest finer candles of the same market: <code>--detail-csv FILE</code> (e.g. 1m candles under 5m or 1h bars).</p>`;
  }
  return `<p class="note" id="bounds-text">A bar whose range reaches both the stop and the take-profit does not tell which came first. <b>Conservative</b>: every such bar takes the stop. <b>Optimistic</b>: every such bar takes the take-profit. They are the two ends of that one assumption, not a bracket around the real result: each choice changes what happens next (equity, position sizes, later entries, the daily loss limit), so the optimistic bound can come out below the conservative one. This run's own figures use the ${mode} rule.</p>
${detailText}
<table class="bounds" id="bounds-table"><thead><tr><th>Intrabar rule</th><th>Conservative</th><th>Optimistic</th><th>Spread (opt − cons)</th>${detailHead}</tr></thead>
<tbody>${body}</tbody></table>`;
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

function heatColor(v: number, scale: number): string {
  const a = Math.min(1, Math.abs(v) / scale) * 0.55 + 0.06;
  return v >= 0 ? `rgba(22,163,74,${a.toFixed(2)})` : `rgba(220,38,38,${a.toFixed(2)})`;
}

function monthlyTable(s: RunStats): string {
  const months = s.monthly_returns ?? [];
  if (months.length === 0) return `<p class="note">No calendar returns (no candle times).</p>`;
  const years = new Map<string, (number | undefined)[]>();
  for (const m of months) {
    const [y, mo] = m.period.split("-");
    if (!years.has(y)) years.set(y, new Array(12).fill(undefined));
    years.get(y)![Number(mo) - 1] = m.return_pct;
  }
  const yearly = new Map((s.yearly_returns ?? []).map((y) => [y.period, y.return_pct]));
  const all = months.map((m) => Math.abs(m.return_pct)).sort((a, b) => a - b);
  const scale = Math.max(1e-9, all[Math.floor(all.length * 0.9)] ?? 1);
  const cell = (v: number | undefined, sc = scale) =>
    v === undefined
      ? `<td class="empty"></td>`
      : `<td style="background:${heatColor(v, sc)}">${escapeHtml(fmtSigned(v, 1))}</td>`;
  const ys = [...yearly.values()].map(Math.abs);
  const yScale = Math.max(1e-9, ...ys);
  const rows = [...years].map(([y, vals]) =>
    `<tr><th>${escapeHtml(y)}</th>${vals.map((v) => cell(v)).join("")}${
      cell(yearly.get(y), yScale)
    }</tr>`
  ).join("\n");
  return `<table class="heatmap" id="monthly-returns"><thead><tr><th>Year</th>${
    MONTHS.map((m) => `<th>${m}</th>`).join("")
  }<th>Year</th></tr></thead><tbody>${rows}</tbody></table>
<p class="note">Return in % of each UTC month and year: equity at its last close over the previous one's. Partial months count from the run's first or to its last candle.</p>`;
}

const REASONS: Record<string, string> = {
  stop: "Stop",
  tp: "Take-profit",
  signal: "Signal",
  end: "End of data",
  external: "External close",
};

function groupRow(label: string, g: TradeGroup, total: number, share = true): string {
  const cells: [string, string][] = [
    [fmtNumber(g.trades, 0), ""],
    ...(share ? [[fmtPct(total > 0 ? g.trades / total * 100 : 0, 1), ""] as [string, string]] : []),
    [fmtPct(g.win_rate * 100, 1), ""],
    [fmtNumber(g.gross_pnl), signClass(g.gross_pnl)],
    [fmtNumber(g.fees), ""],
    [fmtNumber(g.net_pnl), signClass(g.net_pnl)],
    [fmtNumber(g.avg_pnl), signClass(g.avg_pnl)],
  ];
  return `<tr><td>${escapeHtml(label)}</td>${
    cells.map(([v, cls]) => `<td${cls ? ` class="${cls}"` : ""}>${escapeHtml(v)}</td>`).join("")
  }</tr>`;
}

function breakdowns(s: RunStats): string {
  const reasons = s.by_exit_reason ?? {};
  const side = s.by_side;
  const head = (first: string, share: boolean) =>
    `<thead><tr><th>${first}</th><th>Trades</th>${
      share ? "<th>Share</th>" : ""
    }<th>Win rate</th><th>Gross</th><th>Fees</th><th>Net P&amp;L</th><th>Avg</th></tr></thead>`;
  const reasonRows = Object.entries(reasons).map(([k, g]) =>
    groupRow(REASONS[k] ?? k, g!, s.trades)
  ).join("\n");
  const sideRows = side
    ? groupRow("Long", side.long, s.trades, false) + "\n" +
      groupRow("Short", side.short, s.trades, false)
    : "";
  const t = (x: RunStats["best_trade"]) =>
    x
      ? `#${x.id} ${x.side}, ${fmtSigned(x.pnl)} USD (${fmtSigned(x.return_pct)}%), ${
        REASONS[x.exit_reason]?.toLowerCase() ?? x.exit_reason
      }, ${fmtTime(x.entry_ts)}`
      : "n/a";
  const gross = s.gross_pnl;
  const feeLine = gross !== undefined
    ? `<p class="note" id="fees-note">Gross ${fmtSigned(gross)} USD before fees, ${
      fmtNumber(s.fees)
    } USD of fees, ${fmtSigned(gross - s.fees)} USD net over the trades${
      gross > 0 && gross - s.fees < 0 ? ": the fees turn a gross profit into a loss." : "."
    }</p>`
    : "";
  return `<div class="grid2">
<div class="panel"><h3>By exit reason</h3><table class="small" id="exit-reasons">${
    head("Exit", true)
  }<tbody>${reasonRows}</tbody></table></div>
<div class="panel"><h3>Long and short</h3><table class="small" id="long-short">${
    head("Side", false)
  }<tbody>${sideRows}</tbody></table>
<table class="small facts"><tbody>
<tr><th>Best trade</th><td>${escapeHtml(t(s.best_trade))}</td></tr>
<tr><th>Worst trade</th><td>${escapeHtml(t(s.worst_trade))}</td></tr>
<tr><th>Holding time</th><td>${
    escapeHtml(
      `mean ${fmtMinutes(s.avg_holding_minutes)}, longest ${fmtMinutes(s.max_holding_minutes)}`,
    )
  }</td></tr>
</tbody></table></div>
</div>
${feeLine}`;
}

const DENIALS: Record<string, string> = {
  "daily-limit": "daily loss limit reached (latched until the next UTC day)",
  "daily-budget": "the loss at the stop would not fit what was left of the day's limit",
  "kill-switch": "kill switch active",
  halted: "trading halted",
  "size-zero": "size zero (no equity)",
  "exit-failed": "an exit had not gone through",
};

function riskSection(s: RunStats): string {
  const r = s.refused_entries;
  const rows = r
    ? Object.entries(r.by_reason).map(([k, v]) =>
      `<tr><td>${escapeHtml(k)}</td><td class="text">${escapeHtml(DENIALS[k] ?? "")}</td><td>${
        fmtNumber(v, 0)
      }</td></tr>`
    ).join("\n")
    : "";
  const over = s.days_over_daily_limit ?? [];
  const worst = s.worst_day;
  return `<div class="panel" id="risk-gate">
<p>${
    r
      ? `Entries refused by the risk gate: <b>${fmtNumber(r.total, 0)}</b>.`
      : "Refused entries were not recorded for this run."
  } ${
    worst
      ? `Worst UTC day: <b>${escapeHtml(worst.date)}</b>, ${escapeHtml(fmtSigned(worst.pnl))} USD.`
      : ""
  } Days whose loss went past the daily limit: <b>${fmtNumber(over.length, 0)}</b>${
    over.length
      ? " (gaps or slippage through a stop): " + escapeHtml(
        over.map((d) => `${d.date} (loss ${fmtNumber(d.max_loss, 4)})`).join(", "),
      )
      : ""
  }.</p>
${
    rows
      ? `<table class="small" id="refusals"><thead><tr><th>Reason</th><th class="text">Meaning</th><th>Entries</th></tr></thead><tbody>${rows}</tbody></table>`
      : ""
  }
</div>`;
}

/** Columns of the trade table: header, sort type, and the trades.csv column they show. */
const TRADE_COLUMNS: readonly [string, "num" | "text", string][] = [
  ["#", "num", "id"],
  ["Side", "text", "side"],
  ["Entry (UTC)", "text", "entry_ts"],
  ["Entry price", "num", "entry_price"],
  ["Exit (UTC)", "text", "exit_ts"],
  ["Exit price", "num", "exit_price"],
  ["Qty", "num", "qty"],
  ["Notional", "num", "notional"],
  ["Stop", "num", "stop_price"],
  ["Take-profit", "num", "tp_price"],
  ["Reason", "text", "exit_reason"],
  ["Gross", "num", "gross_pnl"],
  ["Fees", "num", "fees"],
  ["P&L", "num", "pnl"],
  ["Equity after", "num", "equity_after"],
];

function tradeRow(t: Trade, pd: number): string {
  // built as one string: a table of 2,000 rows has 30,000 cells. The numbers and times are
  // formatted here (digits, ",", ".", "-", ":", " "), so only the two text cells need escaping
  const td = (v: string) => "<td>" + v + "</td>";
  return "<tr>" + td(String(t.id)) + '<td class="text">' + escapeHtml(t.side) + "</td>" +
    td(fmtTime(t.entryTs)) + td(fmtNumber(t.entryPrice, pd)) + td(fmtTime(t.exitTs)) +
    td(fmtNumber(t.exitPrice, pd)) + td(fmtNumber(t.qty, 4)) + td(fmtNumber(t.notional, 0)) +
    td(fmtNumber(t.stopPrice, pd)) + td(fmtNumber(t.tpPrice, pd)) + '<td class="text">' +
    escapeHtml(t.exitReason) + "</td>" + td(fmtNumber(t.grossPnl)) + td(fmtNumber(t.fees)) +
    `<td class="${signClass(t.pnl)}">` + fmtNumber(t.pnl) + "</td>" + td(fmtNumber(t.equityAfter)) +
    "</tr>";
}

function tradeTable(trades: readonly Trade[]): string {
  if (trades.length === 0) return `<p class="note">No trades.</p>`;
  const head = TRADE_COLUMNS.map(([label, type, csv], i) =>
    `<th data-col="${i}" data-type="${type}" title="${csv} in trades.csv; click to sort">${
      escapeHtml(label)
    }</th>`
  ).join("");
  const typical = trades[0].entryPrice;
  const pd = priceDecimals(typical);
  let rows: readonly Trade[] = trades;
  let note: string;
  if (trades.length > MAX_TRADE_ROWS) {
    rows = [...trades.slice(0, TRADE_TABLE_EDGE), ...trades.slice(-TRADE_TABLE_EDGE)];
    note = `The table holds the first and last ${fmtNumber(TRADE_TABLE_EDGE, 0)} of ${
      fmtNumber(trades.length, 0)
    } trades (sorting orders these); trades.csv has every trade at full precision.`;
  } else {
    note = `${
      fmtNumber(trades.length, 0)
    } trades; trades.csv has them at full precision. Click a header to sort.`;
  }
  const body = rows.map((t) => tradeRow(t, pd)).join("\n");
  return `<p class="note" id="trades-note">${escapeHtml(note)} Times are UTC.</p>
<div class="table-wrap" id="trades-wrap"><table id="trades-table" data-page-size="${TRADE_PAGE_SIZE}"><thead><tr>${head}</tr></thead>
<tbody>
${body}
</tbody></table></div>
<div class="pager" id="trades-pager" hidden><button type="button" data-page="first">« First</button><button type="button" data-page="prev">‹ Prev</button><span id="trades-page"></span><button type="button" data-page="next">Next ›</button><button type="button" data-page="last">Last »</button>
<label>Rows per page <select id="trades-page-size"><option>25</option><option selected>50</option><option>100</option><option>500</option></select></label></div>`;
}

function configTable(config: Readonly<Record<string, unknown>>): string {
  const rows = Object.entries(config).map(([k, v]) =>
    `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(configText(v))}</td></tr>`
  ).join("\n");
  return `<details><summary>Resolved configuration</summary><table>${rows}</table></details>`;
}

function chartPanel(id: string, label: string, cls = "chart"): string {
  return `<div class="panel"><div class="${cls}"><canvas id="${id}" aria-label="${
    escapeHtml(label)
  }"></canvas></div></div>`;
}

/**
 * Renders the self-contained report page of a run. `chartJsSource` is the Chart.js UMD
 * build as text; it is inlined (with `</script` neutralised), so the page needs no
 * network. Chart series are downsampled (see `MAX_CHART_POINTS`, `MAX_PRICE_POINTS`) and
 * long trade lists are cut to their first and last rows, so even a million-candle run
 * gives a small file. Every string from the report is HTML-escaped.
 */
export function renderSummaryHtml(report: RunReport, chartJsSource: string): string {
  const cfg = report.config;
  const s = report.stats;
  const runId = escapeHtml(report.runId);
  const data = buildChartData(report);
  const n = report.candles.length;
  const first = n > 0 ? fmtTime(report.candles.ts[0]) : "n/a";
  const last = n > 0 ? fmtTime(report.candles.ts[n - 1]) : "n/a";
  const params = paramsText(cfg.strategy_params);
  const meta = [
    ["Symbol", configText(cfg.symbol)],
    ["Interval", configText(cfg.interval)],
    ["Strategy", configText(cfg.strategy) + (params ? ` (${params})` : "")],
    ["Source", configText(cfg.source)],
    [
      "Intrabar",
      intrabarMode(report) + (report.detail ? `, exact from ${report.detail.interval}` : ""),
    ],
    ["Candles", fmtNumber(n, 0)],
    ["Period", `${first} → ${last} UTC`],
  ].map(([k, v]) => `${escapeHtml(k)} <b>${escapeHtml(v)}</b>`).join(" · ");
  const credit = cfg.source === "csv" ? `<p>${escapeHtml(BINANCE_CREDIT)}</p>` : "";
  const sampled = data.markerTrades < data.totalTrades
    ? ` Markers for ${fmtNumber(data.markerTrades, 0)} of ${
      fmtNumber(data.totalTrades, 0)
    } trades (evenly sampled).`
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
${headline(report)}
</div>
${smallSampleNote(s)}
<h2>Equity</h2>
<p id="chart-error" hidden></p>
<div class="toolbar" id="zoom-bar"><span class="note">Wheel over a chart zooms, drag pans, double-click resets; all time charts move together.</span>
<button type="button" id="zoom-in">Zoom in</button><button type="button" id="zoom-out">Zoom out</button><button type="button" id="zoom-reset">Reset</button>
<button type="button" id="equity-log" data-chart="equity-chart" aria-pressed="${data.logEquity}">Log scale</button></div>
${chartPanel("equity-chart", "Equity of the run, its other intrabar bound and buy and hold")}
<h2>Drawdown</h2>
${chartPanel("drawdown-chart", "Drawdown from the running peak in percent", "chart short")}
<h2>Price and trades</h2>
<div class="toolbar"><span class="note" id="marker-note">Markers: ▲ long entry, ▼ short entry, ● winning exit, ✕ losing exit.${
    escapeHtml(sampled)
  }</span>
<button type="button" id="price-log" data-chart="price-chart" aria-pressed="${data.logPrice}">Log scale</button></div>
${chartPanel("price-chart", "Close price with trade entries and exits", "chart tall")}
<h2>Intrabar bounds</h2>
${boundsSection(report)}
<h2>Returns by month</h2>
${monthlyTable(s)}
<h2>Trades in detail</h2>
${breakdowns(s)}
<div class="panel"><h3>Trade P&amp;L distribution</h3><div class="chart short"><canvas id="histogram-chart" aria-label="Histogram of trade P&amp;L"></canvas></div></div>
<h2>Risk gate</h2>
${riskSection(s)}
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
