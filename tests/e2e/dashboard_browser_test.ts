/**
 * End to end: the dashboard in headless Chromium, driven over the Chrome DevTools
 * Protocol with the built-in WebSocket. A real mock paper session (fast MockLiveFeed)
 * feeds the dashboard it starts; the kill switch clicked in the page reaches the session.
 * The browser is the system Chromium, or else the headless build of the npm package
 * `@sparticuz/chromium` (see `_chromium.ts`; `CHROMIUM_PATH=npm` forces it). Set
 * SKIP_BROWSER_TESTS=1 to skip browser tests; set DASHBOARD_SCREENSHOT=<file.png> to keep a
 * screenshot.
 */
import assert from "node:assert/strict";
import { startDashboardServer } from "../../src/app/supervise/dashboard.ts";
import { runSession, type SessionResult } from "../../src/app/session/session_runner.ts";
import { MockLiveFeed } from "../../src/data/mock_live_feed.ts";
import { LiveReadModel as Model } from "../../src/dashboard/live/read_model.ts";
import { HeartbeatWriter } from "../../src/ops/heartbeat.ts";
import { readJsonl, sessionConfig, tempWorkspace } from "../app/_session_helpers.ts";
import { type BrowserPage, openPage, waitFor } from "./_cdp.ts";

const SKIP = Deno.env.get("SKIP_BROWSER_TESTS") === "1";

Deno.test({
  name: "dashboard in headless Chromium",
  ignore: SKIP,
  async fn(t) {
    const ws = await tempWorkspace();
    const root = ws.dir;
    const pastRun = `${root}/runs/20260101-000000-backtest-e2e1`;
    await Deno.mkdir(pastRun, { recursive: true });
    await Deno.writeTextFile(
      `${pastRun}/stats.json`,
      JSON.stringify({
        start_equity: 10_000,
        end_equity: 10_123.4,
        net_pnl: 123.4,
        return_pct: 1.234,
        trades: 12,
        win_rate: 0.58,
        max_drawdown_pct: 0.8,
      }),
    );
    await Deno.writeTextFile(
      `${pastRun}/config.json`,
      JSON.stringify({
        mode: "backtest",
        symbol: "BTCUSDT",
        interval: "5m",
        strategy: "ema-cross",
        strategy_params: { fast: 12, slow: 26 },
        stop_bps: 30,
      }),
    );
    await Deno.writeTextFile(`${pastRun}/summary.html`, "<p>r</p>");
    const killSwitchPath = ws.killSwitch;

    // a real paper session on the mock feed: a 1m candle every 50 ms, dashboard on port 0
    const config = sessionConfig(ws, [
      "--source",
      "mock",
      "--execution-mode",
      "paper",
      "--dashboard",
      "--port",
      "0",
      "--speed",
      "1200",
      "--duration",
      "5",
    ]);
    const stop = new AbortController();
    const printed: string[] = [];
    let dashboardUrl: string | undefined;
    const session: Promise<SessionResult> = runSession(config, {
      feed: new MockLiveFeed({
        interval: config.interval,
        seed: config.seed,
        warmup: config.warmup,
        speed: config.speed,
      }),
      stop: stop.signal,
      print: (line) => printed.push(line),
      onDashboard: (url) => (dashboardUrl = url),
      startDashboard: (readModel) =>
        startDashboardServer({
          port: 0,
          host: "127.0.0.1",
          readModel,
          runsDir: config.runsDir,
          logsDir: config.logsDir,
          killSwitchPath: config.killSwitchPath,
          print: () => {},
        }),
    });
    session.catch(() => {}); // awaited in finally; keeps an early failure from going unhandled
    let sessionAwaited = false;
    let page: BrowserPage | undefined;
    try {
      page = await openPage(1280, 1900);
      const { cdp: browser, evaluate, goto, screenshot } = page;

      const url = await waitFor("the session's dashboard URL", () => Promise.resolve(dashboardUrl));

      await t.step("with no agent running the page says so and shows history only", async () => {
        // the last heartbeat of an agent that stopped cleanly an hour ago, its gate halted
        const idleLogs = `${root}/idle-logs`;
        const stoppedAt = Date.now() - 3_600_000;
        const hb = new HeartbeatWriter({
          path: `${idleLogs}/heartbeat.json`,
          intervalMs: 0,
          now: () => stoppedAt,
        });
        hb.beat({
          runId: "20260101-000000-live-session-old1",
          mode: "live-session",
          executionMode: "paper",
          symbol: "BTCUSDT",
          lastCandleTs: null,
          position: null,
          equity: 10_000,
          riskState: "halted",
        });
        hb.close({ reason: "duration", clean: true });
        const idle = await startDashboardServer({
          port: 0,
          host: "127.0.0.1",
          readModel: new Model(),
          runsDir: `${root}/runs`,
          logsDir: idleLogs,
          killSwitchPath,
          print: () => {},
        });
        try {
          await goto(idle.url);
          await waitFor("run history", async () => {
            const runs = String(await evaluate("document.getElementById('runs').textContent"));
            return runs.includes("20260101-000000-backtest-e2e1") ? runs : undefined;
          });
          await waitFor("first render", async () => {
            const v = await evaluate("document.body.dataset.equityPoints");
            return v === "0" ? v : undefined;
          });
          const text = (id: string) => evaluate(`document.getElementById('${id}').textContent`);
          assert.match(
            String(await text("session-label")),
            /no session running: history only · the last agent stopped cleanly/,
          );
          await waitFor("the connection pill", async () => {
            const conn = await text("conn");
            return conn === "no agent running" ? conn : undefined;
          });
          assert.equal(await evaluate("document.getElementById('conn').className"), "pill ");
          assert.equal(await text("risk-state"), "risk: –");
          assert.match(String(await text("heartbeat")), /^stopped cleanly .* \(duration\)$/);
          // no empty 0..1 axes: each chart says why it is empty
          assert.deepEqual(
            await evaluate(
              "[...document.querySelectorAll('.chart-empty')].map((e) => !e.hidden && " +
                "/no live session/.test(e.textContent))",
            ),
            [true, true, true],
          );
          assert.deepEqual(browser.exceptions, [], "no uncaught errors in the page");
          await goto("about:blank");
        } finally {
          await idle.close();
        }
      });

      await t.step("the page loads and fills charts and logs live", async () => {
        await goto(url);
        const counts = await waitFor("equity points and log rows", async () => {
          const v = await evaluate(
            "JSON.stringify({e: Number(document.body.dataset.equityPoints ?? 0), " +
              "l: Number(document.body.dataset.logRows ?? 0)})",
          );
          const c = JSON.parse(String(v)) as { e: number; l: number };
          return c.e > 0 && c.l > 0 ? c : undefined;
        });
        assert.ok(counts.e > 0 && counts.l > 0);
        assert.deepEqual(browser.exceptions, [], "no uncaught errors in the page");
        // more points arrive without a reload (SSE)
        await waitFor("live updates", async () => {
          const e = Number(await evaluate("document.body.dataset.equityPoints"));
          return e > counts.e ? e : undefined;
        });
        assert.equal(await evaluate("document.getElementById('conn').textContent"), "live");
        // log fields are key=value text, nested keys dotted, not JSON
        const fields = await waitFor("a run.started row with its config", async () => {
          const cells = await evaluate(
            "[...document.querySelectorAll('#logs tr')].map((r) => r.cells[3].textContent + " +
              "' ' + r.cells[4].textContent)",
          ) as string[];
          return cells.find((c) => c.startsWith("run.started "));
        });
        assert.match(fields, /config\.mode=live-session /);
        assert.match(fields, /config\.symbol=BTCUSDT /);
        assert.doesNotMatch(fields, /[{}]/);
        assert.equal(
          await evaluate("[...document.querySelectorAll('.chart-empty')].every((e) => e.hidden)"),
          true,
          "charts with data show no empty note",
        );
        const runs = String(await evaluate("document.getElementById('runs').textContent"));
        assert.match(runs, /20260101-000000-backtest-e2e1/);
        // strategy and parameters columns tell runs apart
        assert.match(runs, /ema-crossfast 12, slow 265m · stop 30 bps/);
        assert.equal(
          await evaluate(
            "[...document.querySelectorAll('#runs a')].some((a) => a.getAttribute('href') === " +
              "'/runs/20260101-000000-backtest-e2e1/summary.html')",
          ),
          true,
        );
      });

      await t.step("screenshot", async () => {
        await new Promise((r) => setTimeout(r, 400));
        const bytes = await screenshot();
        assert.ok(bytes.length > 10_000, "screenshot has content");
        assert.deepEqual(browser.exceptions, [], "no uncaught errors in the page");
        const out = Deno.env.get("DASHBOARD_SCREENSHOT") ?? `${root}/dashboard.png`;
        await Deno.writeFile(out, bytes);
      });

      await t.step("the kill switch button trips the kill switch file", async () => {
        assert.equal((await Deno.readTextFile(killSwitchPath)).trim(), "FALSE");
        // two-click confirm: first click arms, second posts
        await evaluate("document.getElementById('kill-btn').click()");
        assert.equal((await Deno.readTextFile(killSwitchPath)).trim(), "FALSE", "one click arms");
        await evaluate("document.getElementById('kill-btn').click()");
        await waitFor("kill switch file says TRUE", async () => {
          const text = (await Deno.readTextFile(killSwitchPath)).trim();
          return text === "TRUE" ? text : undefined;
        });
        await waitFor("page shows the tripped state", async () => {
          const s = String(await evaluate("document.getElementById('kill-state').textContent"));
          return s.includes("TRIPPED") ? s : undefined;
        });
      });

      await t.step("the session detects the kill switch and stops on the signal", async () => {
        const tripped = await waitFor("killswitch.tripped in logs/system.jsonl", () => {
          const recs = readJsonl(`${config.logsDir}/system.jsonl`);
          return Promise.resolve(recs.find((r) => r.event === "killswitch.tripped"));
        });
        assert.equal(tripped.message, "KILL SWITCH DETECTED!");
        assert.ok(printed.some((l) => l.startsWith("KILL SWITCH DETECTED!")), printed.join("\n"));
        stop.abort();
        const result = await session;
        sessionAwaited = true;
        assert.equal(result.reason, "signal");
        assert.equal(result.exitCode, 0);
        const stopped = readJsonl(`${config.logsDir}/system.jsonl`).find((r) =>
          r.event === "run.stopped"
        );
        assert.equal(stopped?.reason, "signal");
      });
    } finally {
      stop.abort();
      if (!sessionAwaited) await session.catch(() => {});
      await page?.close();
      await ws.cleanup().catch(() => {});
    }
  },
});
