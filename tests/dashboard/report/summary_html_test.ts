import assert from "node:assert/strict";
import {
  BINANCE_CREDIT,
  buildChartData,
  MAX_CHART_POINTS,
  renderSummaryHtml,
} from "../../../src/dashboard/report/summary_html.ts";
import { downsampleMinMax } from "../../../src/dashboard/report/downsample.ts";
import {
  escapeHtml,
  inlineScriptSource,
  jsonForScript,
} from "../../../src/dashboard/report/html_escape.ts";
import { fmtNumber } from "../../../src/dashboard/report/format.ts";
import { sampleReport } from "./sample_report.ts";

const CHART_JS = await Deno.readTextFile(
  new URL("../../../src/dashboard/static/vendor/chart.umd.min.js", import.meta.url),
);
const CHROMIUM = "/usr/bin/chromium";

/** Data rows (`<tr>` without class) of the trades table. */
function tradeRows(html: string): number {
  const from = html.indexOf('id="trades-table"');
  assert.ok(from > 0, "trades table present");
  const table = html.slice(from, html.indexOf("</table>", from));
  return (table.match(/<tr>/g) ?? []).length - 1;
}

function dataBlock(html: string): ReturnType<typeof buildChartData> {
  const m = html.match(/<script type="application\/json" id="report-data">([^<]*)<\/script>/);
  assert.ok(m, "JSON data block present");
  return JSON.parse(m[1]);
}

Deno.test("renderSummaryHtml structure", async (t) => {
  const report = sampleReport(3000, { every: 100 });
  const html = renderSummaryHtml(report, CHART_JS);

  await t.step("title, run id and config fields", () => {
    assert.match(html, /<title>Run 20240101-000000-test: backtest report<\/title>/);
    for (const s of ["BTCUSDT", "5m", "ema_cross", "mock"]) {
      assert.ok(html.includes(`<b>${s}</b>`), s);
    }
  });
  await t.step("headline stats", () => {
    for (
      const s of [
        "123.45 USD",
        "1.23%",
        "66.7%",
        "1.87",
        "41.15 USD",
        "250.50 USD",
        "2.44%",
        "1.98",
        "37.5%",
        "12.34 USD",
      ]
    ) {
      assert.ok(html.includes(s), `missing ${s}`);
    }
  });
  await t.step("both intrabar bounds and their spread", () => {
    const table = html.slice(
      html.indexOf('id="bounds-table"'),
      html.indexOf("</table>", html.indexOf('id="bounds-table"')),
    );
    assert.match(table, /Conservative.*Optimistic.*Spread/s);
    assert.match(
      table,
      /<td>Net PnL \(USD\)<\/td><td>100\.00<\/td><td>175\.50<\/td><td>\+75\.50<\/td>/,
    );
    assert.match(table, /<td>Trades<\/td><td>10<\/td><td>12<\/td><td>\+2<\/td>/);
    assert.match(table, /<td>Win rate<\/td><td>40\.0%<\/td><td>50\.0%<\/td><td>\+10\.0 pp<\/td>/);
    assert.match(
      table,
      /<td>Max drawdown \(USD\)<\/td><td>300\.00<\/td><td>200\.00<\/td><td>-100\.00<\/td>/,
    );
  });
  await t.step("every trade row with all trades.csv columns", () => {
    assert.equal(tradeRows(html), report.trades.length);
    for (
      const c of ["entry_ts", "exit_reason", "gross_pnl", "equity_after", "stop_price", "tp_price"]
    ) {
      assert.ok(html.includes(`<th>${c}</th>`), c);
    }
    const t0 = report.trades[0];
    assert.ok(html.includes(`<td>${fmtNumber(t0.equityAfter)}</td>`));
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
  await t.step("chart data matches the report", () => {
    const d = dataBlock(html);
    assert.equal(d.equity.x[0], report.candles.ts[0]);
    assert.equal(d.price.y.at(-1), report.candles.close[2999]);
    assert.equal(d.markers.longEntry.length + d.markers.shortEntry.length, report.trades.length);
    assert.equal(d.markers.winExit.length + d.markers.lossExit.length, report.trades.length);
  });
});

Deno.test("renderSummaryHtml escaping", async (t) => {
  const evil = `</script><script>alert("x")</script><img src=x onerror=alert(1)>&`;
  const report = sampleReport(500, {
    config: { symbol: evil, interval: "5m", strategy: { name: evil }, source: "mock", [evil]: 1 },
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
});

Deno.test("1M-candle report stays small", () => {
  const report = sampleReport(1_000_000, { every: 200 });
  assert.ok(report.trades.length > 4000);
  const t0 = performance.now();
  const html = renderSummaryHtml(report, CHART_JS);
  const ms = performance.now() - t0;
  const d = dataBlock(html);
  for (const s of [d.equity, d.drawdown, d.price]) assert.ok(s.x.length <= MAX_CHART_POINTS);
  assert.ok(d.markers.longEntry.length + d.markers.shortEntry.length <= 2001);
  assert.equal(tradeRows(html), 2000);
  assert.ok(
    html.includes(`<tr><td>1</td>`) && html.includes(`<tr><td>${report.trades.length}</td>`),
  );
  assert.ok(!html.includes(`<tr><td>1001</td>`));
  assert.match(html, /trades not shown; see trades\.csv/);
  const bytes = new TextEncoder().encode(html).length;
  assert.ok(bytes < 3_000_000, `summary.html is ${bytes} bytes`);
  assert.ok(ms < 5000, `render took ${ms} ms`);
});

Deno.test({
  name: "summary.html renders its charts in headless Chromium",
  ignore: (() => {
    try {
      Deno.statSync(CHROMIUM);
      return false;
    } catch {
      console.warn(`skipped: ${CHROMIUM} not found (install chromium to run the browser check)`);
      return true;
    }
  })(),
  async fn() {
    const dir = await Deno.makeTempDir();
    try {
      const file = `${dir}/summary.html`;
      await Deno.writeTextFile(
        file,
        renderSummaryHtml(sampleReport(20_000, { every: 300 }), CHART_JS),
      );
      const out = await new Deno.Command(CHROMIUM, {
        args: [
          "--headless",
          "--no-sandbox",
          "--disable-gpu",
          "--no-first-run",
          "--disable-background-networking",
          `--user-data-dir=${dir}/profile`,
          "--dump-dom",
          `file://${file}`,
        ],
        stdout: "piped",
        stderr: "piped",
      }).output();
      const dom = new TextDecoder().decode(out.stdout);
      assert.match(dom, /<body data-charts-ready="3"/, "charts were not all created");
      assert.match(dom, /<p id="chart-error" hidden=""><\/p>/, "chart error shown");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
