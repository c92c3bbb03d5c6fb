/**
 * End to end: `summary.html` of real backtest runs (the CLI on a CSV file) opened from disk
 * in headless Chromium at 1400 x 900, driven over CDP: no page errors, every chart drawn,
 * the trade table fits the window, sorting and paging work, the bounds are said for what
 * they are, zooming shows the trade markers, and the time axis labels suit the span.
 * SKIP_BROWSER_TESTS=1 skips; SUMMARY_SCREENSHOTS=<folder> keeps screenshots there
 * (`report-<name>-<k>.png`).
 */
import assert from "node:assert/strict";
import { INTERVAL_MS } from "../../src/core/candle.ts";
import { generateMockCandles } from "../../src/data/mock_candles.ts";
import { REAL_1H, REAL_5M, realDataPath, realDataTest } from "../_real_data.ts";
import { synthetic1hWithGaps, synthetic5m, writeCandleFile } from "../_synthetic_data.ts";
import { type BrowserPage, openPage, waitFor } from "./_cdp.ts";

const SKIP = Deno.env.get("SKIP_BROWSER_TESTS") === "1";
const SHOTS = Deno.env.get("SUMMARY_SCREENSHOTS");
const MAIN = new URL("../../main.ts", import.meta.url).pathname;
const WIDTH = 1400;
const HEIGHT = 900;

/** Runs the backtest CLI in `dir` and returns the path of the run's summary.html. */
async function backtest(dir: string, ...args: string[]): Promise<string> {
  await Deno.mkdir(dir, { recursive: true });
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", MAIN, "--mode", "backtest", ...args],
    cwd: dir,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  return await Deno.realPath(`${dir}/runs/latest/summary.html`);
}

const json = async <T>(page: BrowserPage, expr: string): Promise<T> =>
  JSON.parse(String(await page.evaluate(`JSON.stringify(${expr})`))) as T;

/** Opens a summary.html and waits until its script ran. */
async function open(page: BrowserPage, file: string): Promise<void> {
  page.cdp.exceptions.length = 0;
  page.cdp.errors.length = 0;
  await page.goto(`file://${file}`);
  await waitFor("the page script", async () => {
    const ready = await page.evaluate(
      "document.body.dataset.tableReady ?? document.body.dataset.chartsReady",
    );
    return ready !== undefined && ready !== "0" ? ready : undefined;
  });
}

/** Screenshots of the page from the top, one viewport at a time, when SUMMARY_SCREENSHOTS is set. */
async function screenshots(page: BrowserPage, name: string, at: string[]): Promise<void> {
  if (!SHOTS) return;
  await Deno.mkdir(SHOTS, { recursive: true });
  for (const [k, selector] of at.entries()) {
    await page.evaluate(
      selector === "top"
        ? "window.scrollTo(0, 0)"
        : `document.querySelector(${
          JSON.stringify(selector)
        }).scrollIntoView({block: "start"}); window.scrollBy(0, -50)`,
    );
    await new Promise((r) => setTimeout(r, 250));
    await Deno.writeFile(`${SHOTS}/report-${name}-${k + 1}.png`, await page.screenshot());
  }
}

/** The checks every report passes. */
async function commonChecks(t: Deno.TestContext, page: BrowserPage, name: string) {
  await t.step(`${name}: opens from disk with every chart and no page error`, async () => {
    assert.equal(await page.evaluate("document.body.dataset.chartsReady"), "4");
    assert.equal(await page.evaluate("document.getElementById('chart-error').hidden"), true);
    assert.deepEqual(page.cdp.exceptions, [], "no uncaught errors in the page");
    assert.deepEqual(page.cdp.errors, [], "no console errors");
  });
  await t.step(
    `${name}: the page and the trade table fit 1,400 px without scrolling sideways`,
    async () => {
      const w = await json<
        { doc: number; win: number; wrap: number; wrapClient: number; table: number }
      >(
        page,
        `{doc: document.documentElement.scrollWidth, win: window.innerWidth,
        wrap: document.getElementById("trades-wrap").scrollWidth,
        wrapClient: document.getElementById("trades-wrap").clientWidth,
        table: document.getElementById("trades-table").getBoundingClientRect().right}`,
      );
      assert.equal(w.win, WIDTH);
      assert.ok(w.doc <= w.win, `page is ${w.doc} px wide`);
      assert.ok(w.wrap <= w.wrapClient, `trade table needs ${w.wrap} px in ${w.wrapClient}`);
      assert.ok(w.table <= WIDTH, `table ends at ${w.table}`);
    },
  );
  await t.step(`${name}: the bounds are said for what they are`, async () => {
    const text = String(await page.evaluate("document.getElementById('bounds-text').textContent"));
    assert.match(text, /not a bracket around the real result/);
    assert.match(text, /Conservative: every such bar takes the stop/);
    assert.doesNotMatch(
      String(await page.evaluate("document.body.textContent")),
      /real result lies between/,
    );
  });
}

/** Tick labels of a chart's x axis. */
function ticks(page: BrowserPage, id: string): Promise<string[]> {
  return json(page, `Chart.getChart(${JSON.stringify(id)}).scales.x.ticks.map((t) => t.label)`);
}

Deno.test({
  name: "summary.html in headless Chromium (generated candles)",
  ignore: SKIP,
  async fn(t) {
    const dir = await Deno.makeTempDir({ prefix: "summary-browser-" });
    let page: BrowserPage | undefined;
    try {
      const csv5 = await writeCandleFile(`${dir}/gen-5m.csv`, synthetic5m());
      const csv1h = await writeCandleFile(`${dir}/gen-1h.csv`, synthetic1hWithGaps());
      const few = generateMockCandles({ count: 300, interval: "1m", seed: 3 });
      const csvFew = await writeCandleFile(`${dir}/gen-1m.csv`, few);
      const file5 = await backtest(`${dir}/a`, "--source", "csv", "--csv", csv5);
      const file1h = await backtest(`${dir}/b`, "--source", "csv", "--csv", csv1h);
      const fileFew = await backtest(`${dir}/c`, "--source", "csv", "--csv", csvFew);
      page = await openPage(WIDTH, HEIGHT);
      const p = page;

      await open(p, file5);
      await commonChecks(t, p, "5m");
      const rows = Number(
        await p.evaluate("document.querySelectorAll('#trades-table tbody tr').length"),
      );
      await t.step("5m: the trade table pages by 50 rows", async () => {
        const visible = () =>
          p.evaluate(
            "[...document.querySelectorAll('#trades-table tbody tr')].filter((r) => !r.hidden).length",
          );
        assert.ok(rows > 100, `${rows} rows`);
        assert.equal(await visible(), 50);
        assert.match(
          String(await p.evaluate("document.getElementById('trades-page').textContent")),
          /^Rows 1–50 of [\d,]+ · page 1 of \d+$/,
        );
        await p.evaluate("document.querySelector('#trades-pager [data-page=next]').click()");
        assert.match(
          String(await p.evaluate("document.getElementById('trades-page').textContent")),
          /^Rows 51–100 of /,
        );
        assert.equal(
          await p.evaluate(
            "[...document.querySelectorAll('#trades-table tbody tr')].find((r) => !r.hidden).cells[0].textContent",
          ),
          "51",
        );
        await p.evaluate("document.querySelector('#trades-pager [data-page=last]').click()");
        const pages = Math.ceil(rows / 50);
        assert.equal(await p.evaluate("document.body.dataset.tradePage"), String(pages));
        assert.equal(await visible(), rows - (pages - 1) * 50);
        await p.evaluate("document.getElementById('trades-page-size').value = '100'");
        await p.evaluate(
          "document.getElementById('trades-page-size').dispatchEvent(new Event('change'))",
        );
        assert.equal(await visible(), 100);
      });
      await t.step("5m: a header click sorts the table, a second click reverses it", async () => {
        const pnl = await json<number[]>(
          p,
          "[...document.querySelectorAll('#trades-table tbody tr')].map((r) => Number(r.cells[13].textContent.replace(/,/g, '')))",
        );
        const firstPnl = () =>
          p.evaluate(
            "Number(document.querySelector('#trades-table tbody tr:not([hidden])').cells[13].textContent.replace(/,/g, ''))",
          );
        await p.evaluate("document.querySelector('#trades-table th[data-col=\"13\"]').click()");
        assert.equal(await p.evaluate("document.body.dataset.tradeSort"), "13:asc");
        assert.equal(await firstPnl(), Math.min(...pnl));
        assert.equal(await p.evaluate("document.body.dataset.tradePage"), "1");
        await p.evaluate("document.querySelector('#trades-table th[data-col=\"13\"]').click()");
        assert.equal(await firstPnl(), Math.max(...pnl));
        // text columns too: the entry times sort as dates
        await p.evaluate("document.querySelector('#trades-table th[data-col=\"2\"]').click()");
        const times = await json<string[]>(
          p,
          "[...document.querySelectorAll('#trades-table tbody tr')].map((r) => r.cells[2].textContent)",
        );
        assert.deepEqual(times, [...times].sort());
        assert.equal(
          await p.evaluate(
            "document.querySelector('#trades-table th[data-col=\"2\"]').getAttribute('aria-sort')",
          ),
          "ascending",
        );
      });
      await t.step(
        "5m: zooming in shows the trade markers; reset shows the whole run",
        async () => {
          assert.equal(await p.evaluate("document.body.dataset.markersShown"), "0");
          assert.match(
            String(await p.evaluate("document.getElementById('marker-state').textContent")),
            /trades in view: zoom in/,
          );
          const full = Number(await p.evaluate("document.body.dataset.viewMax")) -
            Number(await p.evaluate("document.body.dataset.viewMin"));
          // the wheel over the price chart zooms around the pointer
          await p.evaluate(
            "document.getElementById('price-chart').scrollIntoView({block: 'center'})",
          );
          const box = await json<{ x: number; y: number; width: number; height: number }>(
            p,
            "document.getElementById('price-chart').getBoundingClientRect()",
          );
          for (let k = 0; k < 14; k++) {
            await p.send("Input.dispatchMouseEvent", {
              type: "mouseWheel",
              x: box.x + box.width / 2,
              y: box.y + box.height / 2,
              deltaX: 0,
              deltaY: -120,
            });
          }
          const shown = await waitFor("markers", async () => {
            const n = Number(await p.evaluate("document.body.dataset.markersShown"));
            return n > 0 ? n : undefined;
          });
          assert.ok(shown <= 150);
          const span = Number(await p.evaluate("document.body.dataset.viewMax")) -
            Number(await p.evaluate("document.body.dataset.viewMin"));
          assert.ok(span < full / 20, `span ${span} of ${full}`);
          // all time charts follow the price chart
          const eq = await json<{ min: number; max: number }>(
            p,
            "{min: Chart.getChart('equity-chart').scales.x.min, max: Chart.getChart('equity-chart').scales.x.max}",
          );
          assert.ok(Math.abs(eq.max - eq.min - span) < 1);
          // a drag pans: the view moves, its span stays
          const before = Number(await p.evaluate("document.body.dataset.viewMin"));
          const y = box.y + box.height / 2;
          await p.send("Input.dispatchMouseEvent", {
            type: "mousePressed",
            x: 700,
            y,
            button: "left",
            clickCount: 1,
          });
          await p.send("Input.dispatchMouseEvent", {
            type: "mouseMoved",
            x: 500,
            y,
            button: "left",
            buttons: 1,
          });
          await p.send("Input.dispatchMouseEvent", {
            type: "mouseReleased",
            x: 500,
            y,
            button: "left",
            clickCount: 1,
          });
          const after = await waitFor("the pan", async () => {
            const v = Number(await p.evaluate("document.body.dataset.viewMin"));
            return v !== before ? v : undefined;
          });
          assert.ok(after > before, "dragging left shows later candles");
          await screenshots(p, "generated-5m-zoomed", ["#price-chart"]);
          await p.evaluate("document.getElementById('zoom-reset').click()");
          await waitFor("the whole run", async () => {
            const s = Number(await p.evaluate("document.body.dataset.viewMax")) -
              Number(await p.evaluate("document.body.dataset.viewMin"));
            return s === full ? s : undefined;
          });
          assert.deepEqual(p.cdp.exceptions, []);
        },
      );
      await t.step("5m: half a year of 5m candles: month ticks, linear prices", async () => {
        const labels = await ticks(p, "price-chart");
        assert.ok(labels.includes("Feb") && labels.includes("Jun"), labels.join(" "));
        assert.equal(await p.evaluate("Chart.getChart('price-chart').scales.y.type"), "linear");
      });

      await open(p, file1h);
      await commonChecks(t, p, "1h");
      await t.step("1h: a log price scale and year ticks over years of candles", async () => {
        assert.equal(
          await p.evaluate("Chart.getChart('price-chart').scales.y.type"),
          "logarithmic",
        );
        const labels = await ticks(p, "price-chart");
        assert.ok(labels.some((l) => /^20\d\d$/.test(l)), labels.join(" "));
        await p.evaluate("document.getElementById('price-log').click()");
        assert.equal(await p.evaluate("Chart.getChart('price-chart').scales.y.type"), "linear");
      });

      await open(p, fileFew);
      await t.step("300 1m candles: times on the axis, the small-sample note", async () => {
        const labels = await ticks(p, "price-chart");
        assert.ok(labels.some((l) => /^\d\d:\d\d$/.test(l)), labels.join(" "));
        assert.match(
          String(await p.evaluate("document.getElementById('small-sample').textContent")),
          /fewer than 30/,
        );
        assert.deepEqual(p.cdp.exceptions, []);
        assert.equal(INTERVAL_MS["1m"], few.ts[1] - few.ts[0]);
      });
    } finally {
      await page?.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

realDataTest("summary.html of the real 5m and multi-year 1h backtests in Chromium", async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "summary-browser-real-" });
  let page: BrowserPage | undefined;
  try {
    const file5 = await backtest(`${dir}/a`, "--source", "csv", "--csv", realDataPath(REAL_5M));
    const file1h = await backtest(`${dir}/b`, "--source", "csv", "--csv", realDataPath(REAL_1H));
    page = await openPage(WIDTH, HEIGHT);
    const sections = ["top", "#drawdown-chart", "#bounds-text", "#exit-reasons", "#trades-note"];
    await open(page, file5);
    await commonChecks(t, page, "real 5m");
    await screenshots(page, "5m", sections);
    await open(page, file1h);
    await commonChecks(t, page, "real 1h");
    await screenshots(page, "1h", sections);
    await t.step("real 1h: the optimistic bound's curve is drawn beside the run's", async () => {
      const keys = await json<string[]>(
        page!,
        "Chart.getChart('equity-chart').data.datasets.map((d) => d.label)",
      );
      assert.deepEqual(keys, ["Conservative (this run)", "Optimistic", "Buy and hold"]);
    });
  } finally {
    await page?.close();
    await Deno.remove(dir, { recursive: true });
  }
}, { ignore: SKIP });
