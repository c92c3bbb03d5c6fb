import assert from "node:assert/strict";
import {
  isValidRunId,
  listRuns,
  readRunSummaryHtml,
  timeFromRunId,
} from "../../src/ops/run_history.ts";

const stats = (net: number) => ({
  start_equity: 10_000,
  end_equity: 10_000 + net,
  net_pnl: net,
  return_pct: net / 100,
  trades: 3,
  win_rate: 0.5,
  profit_factor: null,
  expectancy: 1,
  max_drawdown: 10,
  max_drawdown_pct: 0.1,
  sharpe: 1.2,
  sortino: 1.5,
  exposure_pct: 40,
  fees: 2,
  trades_hash: "ab",
  intrabar_bounds: {},
});

async function writeRun(root: string, id: string, files: Record<string, unknown>) {
  await Deno.mkdir(`${root}/${id}`, { recursive: true });
  for (const [name, content] of Object.entries(files)) {
    await Deno.writeTextFile(
      `${root}/${id}/${name}`,
      typeof content === "string" ? content : JSON.stringify(content),
    );
  }
}

Deno.test("run history", async (t) => {
  const root = await Deno.makeTempDir({ prefix: "run_history_" });
  try {
    await t.step("a missing runs folder is an empty history", async () => {
      assert.deepEqual(await listRuns(`${root}/none`), { runs: [], skipped: [] });
    });

    await t.step("lists runs newest first with mode, symbol and stats", async () => {
      await writeRun(root, "20260101-100000-backtest-aaaa", {
        "stats.json": stats(100),
        "config.json": {
          mode: "backtest",
          symbol: "BTCUSDT",
          interval: "5m",
          strategy: "ema-cross",
          strategy_params: { fast: 12, slow: 26 },
          risk_pct: 1,
          stop_bps: 30,
          tp_r: 1.5,
          max_leverage: 1,
          intrabar_mode: "optimistic",
        },
        "summary.html": "<html>A</html>",
      });
      await writeRun(root, "20260102-100000-orchestrated-bbbb", {
        "stats.json": stats(-50),
        "config.json": {
          mode: "orchestrated",
          symbol: "ETHUSDT",
          interval: "1h",
          strategy: "breakout",
          strategy_params: { lookback: 48 },
          params: { riskPct: 0.5, stopBps: 40, tpR: 2, maxLeverage: 3, intrabar: "conservative" },
        },
      });
      await writeRun(root, "custom-run", {
        "stats.json": stats(5),
        "config.json": {
          mode: "backtest",
          startedAt: "2026-01-03T00:00:00Z",
          // display-only fields of the wrong shape are left out, the run still listed
          strategy: 42,
          strategy_params: "fast=1",
          params: [],
        },
      });
      await writeRun(root, "no-config", { "stats.json": stats(1) });
      // skipped folders
      await writeRun(root, "broken-json", { "stats.json": "{oops" });
      await writeRun(root, "wrong-shape", { "stats.json": { net_pnl: "lots" } });
      await writeRun(root, "bad-config", { "stats.json": stats(1), "config.json": "[" });
      await writeRun(root, "empty", {});
      await writeRun(root, ".tmp-20260104-000000-x-cccc", { "stats.json": stats(1) });
      await writeRun(root, "latest", { "stats.json": stats(1) });
      await Deno.writeTextFile(`${root}/stray.txt`, "not a run");

      const { runs, skipped } = await listRuns(root);
      const named = runs.filter((r) => r.id !== "no-config");
      assert.deepEqual(named.map((r) => r.id), [
        "custom-run",
        "20260102-100000-orchestrated-bbbb",
        "20260101-100000-backtest-aaaa",
      ]);
      const a = runs.find((r) => r.id === "20260101-100000-backtest-aaaa")!;
      assert.equal(a.time, Date.UTC(2026, 0, 1, 10, 0, 0));
      assert.equal(a.mode, "backtest");
      assert.equal(a.symbol, "BTCUSDT");
      assert.equal(a.stats.net_pnl, 100);
      assert.equal(a.strategy, "ema-cross");
      assert.deepEqual(a.strategyParams, { fast: 12, slow: 26 });
      assert.deepEqual(a.settings, {
        interval: "5m",
        risk_pct: 1,
        stop_bps: 30,
        tp_r: 1.5,
        max_leverage: 1,
        intrabar: "optimistic",
      });
      assert.equal(a.hasSummary, true);
      const b = runs.find((r) => r.id === "20260102-100000-orchestrated-bbbb")!;
      assert.equal(b.hasSummary, false);
      assert.equal(b.symbol, "ETHUSDT");
      assert.equal(b.strategy, "breakout");
      assert.deepEqual(b.strategyParams, { lookback: 48 });
      assert.deepEqual(b.settings, {
        interval: "1h",
        risk_pct: 0.5,
        stop_bps: 40,
        tp_r: 2,
        max_leverage: 3,
        intrabar: "conservative",
      });
      const c = runs.find((r) => r.id === "custom-run")!;
      assert.equal(c.strategy, null);
      assert.deepEqual(c.strategyParams, {});
      assert.deepEqual(c.settings, {});
      const n = runs.find((r) => r.id === "no-config")!;
      assert.equal(n.mode, null);
      assert.equal(n.strategy, null);
      assert.ok(n.time > 0, "falls back to the stats file time");
      assert.equal(runs.length, 4);
      for (let i = 1; i < runs.length; i++) assert.ok(runs[i - 1].time >= runs[i].time);
      assert.deepEqual(skipped.map((s) => s.id), [
        "bad-config",
        "broken-json",
        "empty",
        "wrong-shape",
      ]);
      assert.ok(skipped.every((s) => s.note.length > 0 && !s.note.includes("\n")));
      assert.match(skipped.find((s) => s.id === "wrong-shape")!.note, /stats\.json/);
    });

    await t.step("reads summary.html only for safe ids", async () => {
      assert.equal(
        await readRunSummaryHtml(root, "20260101-100000-backtest-aaaa"),
        "<html>A</html>",
      );
      assert.equal(await readRunSummaryHtml(root, "20260102-100000-orchestrated-bbbb"), null);
      await Deno.writeTextFile(`${root}/summary.html`, "outside");
      for (const id of ["..", "../x", "a/../..", ".", "", "a\\b", "x/.."]) {
        assert.equal(await readRunSummaryHtml(`${root}/20260101-100000-backtest-aaaa`, id), null);
      }
    });

    await t.step("run id helpers", () => {
      assert.equal(isValidRunId("20260101-100000-backtest-aaaa"), true);
      assert.equal(isValidRunId("a..b"), false);
      assert.equal(isValidRunId("a/b"), false);
      assert.equal(timeFromRunId("20261124-091500-backtest-3f9a"), Date.UTC(2026, 10, 24, 9, 15));
      assert.equal(timeFromRunId("custom"), null);
    });
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
