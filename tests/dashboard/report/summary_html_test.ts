import assert from "node:assert/strict";
import {
  BINANCE_CREDIT,
  buildChartData,
  MAX_CHART_POINTS,
  MAX_PRICE_POINTS,
  pnlHistogram,
  renderSummaryHtml,
  SMALL_SAMPLE_TRADES,
} from "../../../src/dashboard/report/summary_html.ts";
import {
  downsampleEquityAndDrawdownPct,
  downsampleMinMax,
} from "../../../src/dashboard/report/downsample.ts";
import { drawdownSeries } from "../../../src/engine/stats.ts";
import {
  escapeHtml,
  inlineScriptSource,
  jsonForScript,
} from "../../../src/dashboard/report/html_escape.ts";
import { fmtMinutes, fmtNumber, priceDecimals } from "../../../src/dashboard/report/format.ts";
import type { RunReport } from "../../../src/engine/report_model.ts";
import { sampleReport, sampleStats } from "./sample_report.ts";

const CHART_JS = await Deno.readTextFile(
  new URL("../../../src/dashboard/static/vendor/chart.umd.min.js", import.meta.url),
);

/** Data rows (`<tr>` without class) of the trades table. */
function tradeRows(html: string): number {
  return tableOf(html, "trades-table").match(/<tr>/g)!.length - 1;
}

/** The HTML of the table with `id`. */
function tableOf(html: string, id: string): string {
  const from = html.indexOf(`id="${id}"`);
  assert.ok(from > 0, `${id} present`);
  return html.slice(from, html.indexOf("</table>", from));
}

function dataBlock(html: string): ReturnType<typeof buildChartData> {
  const m = html.match(/<script type="application\/json" id="report-data">([^<]*)<\/script>/);
  assert.ok(m, "JSON data block present");
  return JSON.parse(m[1]);
}

/** The text of the element with `id` (its nested elements of the same tag counted). */
function textOf(html: string, id: string): string {
  const from = html.indexOf(`id="${id}"`);
  assert.ok(from > 0, `${id} present`);
  const start = html.lastIndexOf("<", from);
  const tag = html.slice(start + 1).match(/^\w+/)![0];
  const re = new RegExp(`<(/?)${tag}\\b[^>]*>`, "g");
  re.lastIndex = start;
  let depth = 0;
  for (let m = re.exec(html); m !== null; m = re.exec(html)) {
    depth += m[1] ? -1 : 1;
    if (depth === 0) return html.slice(start, m.index).replace(/<[^>]+>/g, "");
  }
  throw new Error(`${id} not closed`);
}

Deno.test("renderSummaryHtml structure", async (t) => {
  const report = sampleReport(3000, { every: 150 });
  const html = renderSummaryHtml(report, CHART_JS);

  await t.step("title, run id and config fields with the strategy's parameters", () => {
    assert.match(html, /<title>Run 20240101-000000-test: backtest report<\/title>/);
    for (const s of ["BTCUSDT", "5m", "ema_cross (fast=12, slow=26)", "mock", "conservative"]) {
      assert.ok(html.includes(`<b>${s}</b>`), s);
    }
    assert.match(html, /Period <b>2024-01-01 00:00 → 2024-01-11 09:55 UTC<\/b>/);
  });
  await t.step("headline cards: results, market, growth, costs", () => {
    const cards = textOf(html, "headline");
    for (
      const s of [
        "123.45 USD",
        "+1.23% return",
        "66.7%",
        "1.87",
        "41.15 USD",
        "2.44%",
        "250.50 USD",
        "1.98",
        "37.5%",
        "12.34 USD",
        "+12.50%", // CAGR
        "5.12", // Calmar
        "12.5 days", // longest drawdown
        "135.79 USD", // gross
        "2 h 5 min", // mean holding
        "longest 1 d 1 h",
      ]
    ) {
      assert.ok(cards.includes(s), `missing ${s}`);
    }
    // buy and hold of the candles, and the run's excess return over it
    const bh = (report.candles.close[2999] / report.candles.open[0] - 1) * 100;
    assert.ok(cards.includes(`Buy and hold${bh > 0 ? "+" : ""}${fmtNumber(bh)}%`), cards);
    assert.ok(cards.includes(`${bh < 1.2345 ? "+" : ""}${fmtNumber(1.2345 - bh)} pp`), cards);
  });
  await t.step("a small-sample note on Sharpe and win rate below 30 trades", () => {
    assert.ok(report.stats.trades < SMALL_SAMPLE_TRADES);
    assert.match(html, /Sharpe \*/);
    assert.match(html, /Win rate \*/);
    assert.match(
      textOf(html, "small-sample"),
      /fewer than 30: Sharpe and win rate rest on a small/,
    );
    const many = renderSummaryHtml(sampleReport(3000, { every: 40 }), "");
    assert.ok(!many.includes('id="small-sample"'));
    assert.ok(!many.includes("Sharpe *"));
  });
  await t.step("both intrabar bounds and their spread, said for what they are", () => {
    const table = tableOf(html, "bounds-table");
    assert.match(table, /Conservative.*Optimistic.*Spread/s);
    assert.match(
      table,
      /<td>Net P&amp;L \(USD\)<\/td><td>100\.00<\/td><td>175\.50<\/td><td>\+75\.50<\/td>/,
    );
    assert.match(table, /<td>Trades<\/td><td>10<\/td><td>12<\/td><td>\+2<\/td>/);
    assert.match(table, /<td>Win rate<\/td><td>40\.0%<\/td><td>50\.0%<\/td><td>\+10\.0 pp<\/td>/);
    assert.match(
      table,
      /<td>Max drawdown \(USD\)<\/td><td>300\.00<\/td><td>200\.00<\/td><td>-100\.00<\/td>/,
    );
    assert.match(table, /<td>Bars touching both<\/td><td>4<\/td><td>4<\/td><td>0<\/td>/);
    const text = textOf(html, "bounds-text");
    assert.doesNotMatch(html, /lies between/);
    assert.match(text, /Conservative: every such bar takes the stop/);
    assert.match(text, /Optimistic: every such bar takes the take-profit/);
    assert.match(text, /not a bracket around the real result/);
    assert.match(text, /the optimistic bound can come out below the conservative one/);
    assert.match(html, /--detail-csv FILE/);
  });
  await t.step("monthly and yearly returns as a heatmap", () => {
    const heat = tableOf(html, "monthly-returns");
    assert.match(
      heat,
      /<th>2024<\/th><td style="background:rgba\(22,163,74,[\d.]+\)">\+1\.5<\/td>/,
    );
    assert.match(heat, /<td style="background:rgba\(220,38,38,[\d.]+\)">-0\.7<\/td>/);
    assert.equal((heat.match(/class="empty"/g) ?? []).length, 10);
    assert.match(heat, /\+0\.8<\/td><\/tr>/); // the year
  });
  await t.step("exit reasons, long and short, best and worst, gross vs fees", () => {
    const reasons = tableOf(html, "exit-reasons");
    const share = fmtNumber(2 / report.stats.trades * 100, 1);
    assert.ok(
      reasons.includes(`<td>Take-profit</td><td>2</td><td>${share}%</td><td>100.0%</td>`),
      reasons,
    );
    assert.match(reasons, /<td>Stop<\/td><td>1<\/td>/);
    const sides = tableOf(html, "long-short");
    assert.match(sides, /<td>Long<\/td><td>2<\/td><td>50\.0%<\/td>/);
    assert.match(sides, /<td>Short<\/td><td>1<\/td><td>100\.0%<\/td>/);
    assert.match(html, /#2 short, \+80\.00 USD \(\+0\.80%\), take-profit, 2024-01-02 03:05/);
    assert.match(html, /#3 long, -36\.55 USD \(-0\.37%\), stop/);
    assert.match(textOf(html, "fees-note"), /Gross \+135\.79 USD before fees, 12\.34 USD of fees/);
  });
  await t.step("the risk gate's refusals and why", () => {
    const risk = textOf(html, "risk-gate");
    assert.match(risk, /Entries refused by the risk gate: 3\./);
    assert.match(risk, /Worst UTC day: 2024-01-02, -45\.50 USD/);
    assert.match(risk, /past the daily limit: 0/);
    assert.match(tableOf(html, "refusals"), /daily-limit<\/td><td class="text">daily loss limit/);
  });
  await t.step("every trade row, all trades.csv columns under human headers", () => {
    assert.equal(tradeRows(html), report.trades.length);
    const head = tableOf(html, "trades-table").split("</thead>")[0];
    const headers = [...head.matchAll(/<th [^>]*>([^<]*)<\/th>/g)].map((m) => m[1]);
    assert.deepEqual(headers, [
      "#",
      "Side",
      "Entry (UTC)",
      "Entry price",
      "Exit (UTC)",
      "Exit price",
      "Qty",
      "Notional",
      "Stop",
      "Take-profit",
      "Reason",
      "Gross",
      "Fees",
      "P&amp;L",
      "Equity after",
    ]);
    for (const csv of ["entry_ts", "exit_reason", "gross_pnl", "equity_after", "tp_price"]) {
      assert.ok(head.includes(`title="${csv} in trades.csv`), csv);
    }
    const t0 = report.trades[0];
    assert.ok(html.includes(`<td>${fmtNumber(t0.equityAfter)}</td>`));
    // prices rounded: ~42,000 -> one decimal, grouped
    assert.ok(html.includes(`<td>${fmtNumber(t0.entryPrice, 1)}</td>`), "rounded entry price");
    assert.match(html, /data-page-size="50"/);
    assert.match(html, /id="trades-pager"/);
  });
  await t.step("chart.js inlined, nothing loaded from the network", () => {
    assert.ok(html.includes(CHART_JS.slice(0, 200)));
    assert.doesNotMatch(html, /<script[^>]+src=/i);
    assert.doesNotMatch(html, /<link[^>]+href=["']?https?:/i);
    assert.doesNotMatch(html, /src=["']?https?:/i);
    assert.equal((html.match(/<script/g) ?? []).length, 3);
  });
  await t.step("credit line only for CSV data", () => {
    assert.ok(!html.includes(BINANCE_CREDIT));
    const csv = renderSummaryHtml(
      sampleReport(200, { config: { symbol: "BTCUSDT", source: "csv" } }),
      "",
    );
    assert.ok(csv.includes(BINANCE_CREDIT));
  });
  await t.step("chart data: both bounds, buy and hold, underwater %, markers, histogram", () => {
    const d = dataBlock(html);
    assert.deepEqual(d.equity.map((l) => [l.key, l.main]), [
      ["conservative", true],
      ["optimistic", false],
      ["benchmark", false],
    ]);
    const [cons, optimistic, bh] = d.equity;
    assert.equal(cons.x[0], report.candles.ts[0]);
    assert.equal(cons.y.at(-1), Math.round(report.equity[2999] * 100) / 100);
    assert.equal(optimistic.y.at(-1), Math.round(report.boundEquity!.optimistic[2999] * 100) / 100);
    const wantBh = 10_000 * report.candles.close[2999] / report.candles.open[0];
    assert.ok(Math.abs(bh.y.at(-1)! - wantBh) < 0.006);
    assert.ok(d.underwater.y.every((v) => v <= 0));
    assert.ok(Math.min(...d.underwater.y) < 0);
    assert.equal(d.price.y.at(-1), Math.round(report.candles.close[2999] * 100) / 100);
    assert.equal(d.trades.length, report.trades.length);
    assert.equal(d.totalTrades, report.trades.length);
    const [e0, p0, x0, xp0, f0] = d.trades[0];
    const t0 = report.trades[0];
    assert.deepEqual([e0, x0], [t0.entryTs, t0.exitTs]);
    assert.ok(Math.abs(p0 - t0.entryPrice) < 0.006 && Math.abs(xp0 - t0.exitPrice) < 0.006);
    assert.equal(f0, (t0.side === "short" ? 1 : 0) | (t0.pnl > 0 ? 2 : 0));
    assert.equal(d.histogram.count.reduce((a, b) => a + b, 0), report.trades.length);
    assert.equal(d.logPrice, false, "10 days of 5m candles: linear");
    assert.equal(d.xMin, report.candles.ts[0]);
    assert.equal(d.xMax, report.candles.ts[2999]);
  });
});

Deno.test("renderSummaryHtml with the detail pass and for a session", async (t) => {
  const report = sampleReport(2000, { every: 100 });
  await t.step("the exact result beside the bounds, with how its bars were resolved", () => {
    const detail: RunReport["detail"] = {
      source: "data/btc-1m.csv",
      interval: "1m",
      stats: sampleStats({ net_pnl: 140, trades: 11, ambiguous_bars: 5 }),
      equity: report.equity.map((v) => v + 1),
      resolution: {
        ambiguous_bars: 5,
        with_detail: 4,
        without_detail: 1,
        stop_first: 2,
        tp_first: 1,
        both_in_one_candle: 1,
        untouched: 0,
      },
      coverage: { bars: 2000, covered_bars: 1990, first_ts: 0, last_ts: 1 },
    };
    const html = renderSummaryHtml({ ...report, detail }, "");
    const table = tableOf(html, "bounds-table");
    assert.match(table, /<th>Spread \(opt − cons\)<\/th><th>Exact \(1m detail\)<\/th>/);
    assert.match(
      table,
      /<td>Net P&amp;L \(USD\)<\/td><td>100\.00<\/td><td>175\.50<\/td><td>\+75\.50<\/td><td>140\.00<\/td>/,
    );
    const text = textOf(html, "detail-text");
    assert.match(text, /resolved from the 1m candles in data\/btc-1m\.csv/);
    assert.match(text, /5 bars touched both: 2 reached the stop first, 1 the take-profit/);
    assert.match(
      text,
      /1 had a 1m candle touching both, 1 had no 1m candles \(these took the stop\)/,
    );
    assert.match(text, /1,990 of 2,000 bars have all their 1m candles/);
    assert.match(html, /Intrabar <b>conservative, exact from 1m<\/b>/);
    const keys = dataBlock(html).equity.map((l) => l.key);
    assert.deepEqual(keys, ["conservative", "optimistic", "detail", "benchmark"]);
  });
  await t.step("a session: one fill path, no bounds table, times on the x axis", () => {
    const stats = sampleStats({ trades: 2 });
    const session: RunReport = {
      ...report,
      config: {
        mode: "live-session",
        symbol: "BTCUSDT",
        interval: "1m",
        params: { intrabar: "conservative" },
      },
      stats,
      bounds: { conservative: stats, optimistic: stats },
      boundEquity: undefined,
    };
    const html = renderSummaryHtml(session, "");
    assert.match(textOf(html, "bounds-text"), /one fill path \(a session\)/);
    assert.ok(!html.includes('id="bounds-table"'));
    assert.deepEqual(dataBlock(html).equity.map((l) => l.key), ["run", "benchmark"]);
    assert.match(html, /Period <b>2024-01-01 00:00 → 2024-01-07 22:35 UTC<\/b>/);
  });
});

Deno.test("renderSummaryHtml escaping", async (t) => {
  const evil = `</script><script>alert("x")</script><img src=x onerror=alert(1)>&`;
  const report = sampleReport(500, {
    config: {
      symbol: evil,
      interval: "5m",
      strategy: { name: evil },
      strategy_params: { [evil]: 1 },
      source: "mock",
      [evil]: 1,
    },
  });
  const html = renderSummaryHtml(
    { ...report, runId: `run<"'>` },
    CHART_JS + `\nvar s = "</script><!--";`,
  );
  await t.step("hostile config strings appear only escaped", () => {
    assert.ok(!html.includes(evil));
    assert.ok(!html.includes("<img src=x"));
    assert.ok(html.includes(escapeHtml(evil)));
    assert.ok(html.includes("Run run&lt;&quot;&#39;&gt;"));
    assert.equal((html.match(/<script/g) ?? []).length, 3);
  });
  await t.step("inlined code cannot close its script element", () => {
    assert.equal((html.match(/<\/script/gi) ?? []).length, 3);
    assert.equal(inlineScriptSource(`a="</SCRIPT>";b="<!--"`), `a="<\\/SCRIPT>";b="<\\!--"`);
  });
  await t.step("JSON block escapes < and still parses", () => {
    const j = jsonForScript({ s: "</script><!--" });
    assert.ok(!j.includes("<"));
    assert.deepEqual(JSON.parse(j), { s: "</script><!--" });
  });
});

Deno.test("downsampleMinMax", async (t) => {
  await t.step("short series unchanged", () => {
    assert.deepEqual(downsampleMinMax([1, 2, 3], [4, 5, 6], 10), { x: [1, 2, 3], y: [4, 5, 6] });
  });
  await t.step("bounded size, first/last kept, extremes kept, x ordered", () => {
    const n = 1_000_003;
    const x = new Float64Array(n), y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      x[i] = i * 10;
      y[i] = Math.sin(i / 5000) * 100;
    }
    y[123_457] = 1e6;
    y[765_431] = -1e6;
    const d = downsampleMinMax(x, y, 4000);
    assert.ok(d.x.length <= 4000 && d.x.length > 3000, `${d.x.length}`);
    assert.equal(d.x.length, d.y.length);
    assert.equal(d.x[0], 0);
    assert.equal(d.x.at(-1), (n - 1) * 10);
    assert.equal(d.y.at(-1), y[n - 1]);
    assert.ok(d.y.includes(1e6) && d.y.includes(-1e6));
    for (let i = 1; i < d.x.length; i++) assert.ok(d.x[i] > d.x[i - 1]);
  });
  await t.step("equity and drawdown % in one pass: the same as two separate ones", () => {
    const n = 200_003;
    const x = new Float64Array(n), e = new Float64Array(n);
    let v = 10_000;
    for (let i = 0; i < n; i++) {
      x[i] = i * 60_000;
      v *= 1 + Math.sin(i * 0.37) * Math.cos(i / 900) * 0.002;
      e[i] = v;
    }
    const dd = drawdownSeries(10_000, e);
    const pct = new Float64Array(n);
    for (let i = 0; i < n; i++) pct[i] = dd[i] === 0 ? 0 : -dd[i] / (e[i] + dd[i]) * 100;
    const both = downsampleEquityAndDrawdownPct(x, e, dd, 4000);
    assert.deepEqual(both.equity, downsampleMinMax(x, e, 4000));
    const want = downsampleMinMax(x, pct, 4000);
    assert.deepEqual(both.drawdownPct.x, want.x);
    both.drawdownPct.y.forEach((y, i) => assert.ok(Math.abs(y - want.y[i]) < 1e-9, `${i}`));
    const short = downsampleEquityAndDrawdownPct([1, 2], [100, 90], [0, 10], 10);
    assert.deepEqual(short.drawdownPct, { x: [1, 2], y: [0, -10] });
  });
});

Deno.test("pnl histogram and formats", async (t) => {
  await t.step("round bins that hold every trade", () => {
    const pnls = [-41.7, -30, -2.5, -0.1, 0, 0.4, 12, 32.6];
    const h = pnlHistogram(pnls);
    assert.equal(h.count.reduce((a, b) => a + b, 0), pnls.length);
    const width = h.to[0] - h.from[0];
    const mantissa = width / Math.pow(10, Math.floor(Math.log10(width)));
    assert.ok([1, 2, 2.5, 5].some((m) => Math.abs(mantissa - m) < 1e-9), `${width}`);
    assert.ok(h.from[0] <= -41.7 && h.to.at(-1)! > 32.6);
    for (let k = 1; k < h.from.length; k++) assert.equal(h.from[k], h.to[k - 1]);
    assert.deepEqual(pnlHistogram([]), { from: [], to: [], count: [] });
    assert.equal(pnlHistogram([5, 5, 5]).count.reduce((a, b) => a + b, 0), 3);
  });
  await t.step("holding times and price decimals", () => {
    assert.equal(fmtMinutes(45), "45 min");
    assert.equal(fmtMinutes(125), "2 h 5 min");
    assert.equal(fmtMinutes(180), "3 h");
    assert.equal(fmtMinutes(1_500), "1 d 1 h");
    assert.equal(fmtMinutes(null), "n/a");
    assert.equal(priceDecimals(61_234.5), 1);
    assert.equal(priceDecimals(4_279), 2);
    assert.equal(priceDecimals(0.5), 6);
  });
});

Deno.test("1M-candle report stays small", () => {
  const report = sampleReport(1_000_000, { every: 200 });
  assert.ok(report.trades.length > 4000);
  const t0 = performance.now();
  const html = renderSummaryHtml(report, CHART_JS);
  const ms = performance.now() - t0;
  const d = dataBlock(html);
  for (const s of [...d.equity, d.underwater]) assert.ok(s.x.length <= MAX_CHART_POINTS);
  assert.ok(d.price.x.length <= MAX_PRICE_POINTS);
  assert.equal(d.trades.length, report.trades.length);
  assert.equal(d.logPrice, true, "10 years of candles: log scale");
  assert.equal(tradeRows(html), 2000);
  assert.ok(
    html.includes(`<tr><td>1</td>`) && html.includes(`<tr><td>${report.trades.length}</td>`),
  );
  assert.ok(!html.includes(`<tr><td>1001</td>`));
  assert.ok(
    html.includes(`holds the first and last 1,000 of ${fmtNumber(report.trades.length, 0)} trades`),
  );
  const bytes = new TextEncoder().encode(html).length;
  assert.ok(bytes < 3_000_000, `summary.html is ${bytes} bytes`);
  assert.ok(ms < 5000, `render took ${ms} ms`);
});
