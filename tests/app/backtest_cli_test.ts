import assert from "node:assert/strict";
import { runCli } from "./_session_helpers.ts";
import type { CandleSeries } from "../../src/core/candle.ts";
import { REAL_5M, realDataPath, realDataTest } from "../_real_data.ts";
import { synthetic5m, writeCandleFile } from "../_synthetic_data.ts";

const DATA = realDataPath(REAL_5M);

/** Runs the CLI in `cwd` (no exchange keys in its environment). */
function cli(cwd: string, ...args: string[]) {
  return runCli(args, { cwd });
}

/** A seeded mock backtest, run twice to show that the same seed gives the same trades. */
const MOCK_RUN = ["--mode", "backtest", "--source", "mock", "--backtest", "3000", "--seed", "7"];

async function exists(path: string): Promise<boolean> {
  return await Deno.stat(path).then(() => true, () => false);
}

Deno.test("backtest CLI writes every artifact", async (t) => {
  const dir = await Deno.makeTempDir();
  try {
    const r = await cli(dir, ...MOCK_RUN);
    assert.equal(r.code, 0, r.stderr);
    await t.step("prints headline stats, both bounds and the summary path", () => {
      assert.match(r.stdout, /net pnl [+-][\d,.]+ USDT/);
      assert.match(r.stdout, /intrabar bounds: conservative .* optimistic .*spread/);
      assert.match(r.stdout, /Summary: .*runs\/.*\/summary\.html/);
      // what the risk gate did: the worst day and the days past the daily limit
      assert.match(
        r.stdout,
        /worst day \d{4}-\d\d-\d\d [+-][\d,.]+ USDT; days past the daily loss limit: \d+/,
      );
    });
    await t.step("run folder and runs/latest", async () => {
      for (
        const f of [
          "summary.html",
          "trades.csv",
          "equity.csv",
          "stats.json",
          "events.jsonl",
          "config.json",
        ]
      ) {
        assert.ok(await exists(`${dir}/runs/latest/${f}`), f);
      }
      const link = await Deno.lstat(`${dir}/runs/latest`);
      assert.ok(link.isSymlink);
    });
    await t.step("stats.json has every field and both bounds", async () => {
      const s = JSON.parse(await Deno.readTextFile(`${dir}/runs/latest/stats.json`));
      assert.match(s.worst_day.date, /^\d{4}-\d\d-\d\d$/);
      assert.ok(Array.isArray(s.days_over_daily_limit));
      assert.equal(typeof s.refused_entries.total, "number");
      for (
        const k of [
          "start_equity",
          "end_equity",
          "net_pnl",
          "return_pct",
          "trades",
          "win_rate",
          "profit_factor",
          "expectancy",
          "max_drawdown",
          "max_drawdown_pct",
          "sharpe",
          "sortino",
          "exposure_pct",
          "fees",
          "trades_hash",
        ]
      ) assert.ok(k in s, k);
      assert.ok(s.intrabar_bounds.conservative.trades_hash);
      assert.ok(s.intrabar_bounds.optimistic.trades_hash);
      assert.equal(s.trades_hash, s.intrabar_bounds.conservative.trades_hash);
    });
    await t.step("trades.csv and equity.csv shapes", async () => {
      const trades = (await Deno.readTextFile(`${dir}/runs/latest/trades.csv`)).trim().split("\n");
      assert.equal(
        trades[0],
        "id,side,entry_ts,entry_price,exit_ts,exit_price,qty,notional,stop_price,tp_price,exit_reason,gross_pnl,fees,pnl,equity_after",
      );
      const stats = JSON.parse(await Deno.readTextFile(`${dir}/runs/latest/stats.json`));
      assert.equal(trades.length - 1, stats.trades);
      for (const row of trades.slice(1)) {
        const c = row.split(",");
        assert.match(c[1], /^(long|short)$/);
        assert.match(c[10], /^(stop|tp|signal|end)$/);
      }
      const equity = (await Deno.readTextFile(`${dir}/runs/latest/equity.csv`)).trim().split("\n");
      assert.equal(equity[0], "ts,equity,drawdown");
      assert.equal(equity.length - 1, 3000);
    });
    await t.step("summary.html is self-contained", async () => {
      const html = await Deno.readTextFile(`${dir}/runs/latest/summary.html`);
      assert.match(html, /Chart\.js v4/);
      assert.match(html, /Intrabar <b>conservative<\/b>/);
      assert.match(html, /Interval <b>5m<\/b>/);
      assert.doesNotMatch(html, /<script[^>]+src=["']https?:/);
    });
    await t.step("events.jsonl and logs/system.jsonl use the JSONL envelope", async () => {
      const lines = (await Deno.readTextFile(`${dir}/runs/latest/events.jsonl`)).trim().split("\n");
      const first = JSON.parse(lines[0]);
      for (const k of ["ts", "level", "component", "event", "runId"]) assert.ok(k in first, k);
      assert.equal(first.event, "run.started");
      assert.ok(lines.some((l) => JSON.parse(l).event === "order.filled"));
      const sys = (await Deno.readTextFile(`${dir}/logs/system.jsonl`)).trim().split("\n").map((
        l,
      ) => JSON.parse(l));
      assert.ok(sys.some((e) => e.event === "run.finished"));
    });
    await t.step("same seed, same trades", async () => {
      const again = await cli(dir, ...MOCK_RUN);
      const h1 = r.stdout.match(/trades_hash (\w+)/)![1];
      const h2 = again.stdout.match(/trades_hash (\w+)/)![1];
      assert.equal(h1, h2);
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** A breakout backtest of the last 5,000 candles of the 5m CSV at `csv`, then `open --print`. */
async function csvRunAndOpen(csv: string): Promise<void> {
  const dir = await Deno.makeTempDir();
  try {
    const r = await cli(
      dir,
      "--mode",
      "backtest",
      "--source",
      "csv",
      "--csv",
      csv,
      "--backtest",
      "5000",
      "--strategy",
      "breakout",
      "--symbol",
      "BTCUSD",
    );
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /BTCUSD is an alias; using BTCUSDT/);
    assert.match(r.stdout, /5,000 candles/);
    const cfg = JSON.parse(await Deno.readTextFile(`${dir}/runs/latest/config.json`));
    assert.equal(cfg.interval, "5m");
    assert.equal(cfg.symbol, "BTCUSDT");
    const open = await cli(dir, "open", "--print");
    assert.equal(open.code, 0);
    assert.match(open.stdout, /summary\.html/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

realDataTest("backtest CLI on the real CSV and the open command", async () => {
  await csvRunAndOpen(DATA);
});

Deno.test("backtest CLI on a generated gzipped 5m CSV and the open command", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await csvRunAndOpen(await writeCandleFile(`${dir}/5m.csv.gz`, synthetic5m(), true));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("backtest CLI: a CSV in seconds runs as 5m candles; gaps are warned of", async () => {
  const dir = await Deno.makeTempDir();
  try {
    // 400 5m candles in Unix seconds with the candles 100..102 missing
    const t0 = 1_704_067_200;
    const rows = Array.from({ length: 400 }, (_, i) => i)
      .filter((i) => i < 100 || i > 102)
      .map((i) => {
        const p = 42_000 + 50 * Math.sin(i / 7) + i;
        return `${t0 + i * 300},${p},${p + 30},${p - 30},${p + 5},1.5`;
      });
    await Deno.writeTextFile(`${dir}/s.csv`, "time,open,high,low,close,volume\n" + rows.join("\n"));
    const r = await cli(dir, "--mode", "backtest", "--source", "csv", "--csv", "s.csv");
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /BTCUSDT 5m, 397 candles/);
    assert.equal(
      r.stderr.trim(),
      "Warning: s.csv has 1 gap in its 5m candles (3 missing; the longest, 3, after " +
        "2024-01-01T08:15:00.000Z); they are not filled: strategies see the candles either " +
        "side of a gap as consecutive.",
    );
    const config = JSON.parse(await Deno.readTextFile(`${dir}/runs/latest/config.json`));
    assert.equal(config.interval, "5m");
    assert.equal(config.first_ts, t0 * 1000);
    assert.equal(config.gaps.count, 1);
    assert.equal(config.gaps.missing_candles, 3);
    // the orchestrated run's config.json records them too
    const o = await cli(dir, "--mode", "orchestrated", "--source", "csv", "--csv", "s.csv");
    assert.equal(o.code, 0, o.stderr);
    assert.match(o.stderr, /^Warning: s\.csv has 1 gap/);
    const oc = JSON.parse(await Deno.readTextFile(`${dir}/runs/latest/config.json`));
    assert.deepEqual(oc.gaps, {
      count: 1,
      missing_candles: 3,
      largest: {
        after: "2024-01-01T08:15:00.000Z",
        before: "2024-01-01T08:35:00.000Z",
        missing: 3,
      },
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("bad input: one line on stderr, exit 2, no run folder", async (t) => {
  const dir = await Deno.makeTempDir();
  const csvDir = await Deno.makeTempDir();
  const write = (name: string, text: string) =>
    Deno.writeTextFile(`${csvDir}/${name}`, text).then(() => `${csvDir}/${name}`);
  const header = "ts,open,high,low,close,volume\n";
  const cases: [string, () => Promise<string[]>, RegExp][] = [
    [
      "unknown flag",
      () => Promise.resolve(["--mode", "backtest", "--bogus", "1"]),
      /--bogus.*unknown flag/,
    ],
    [
      "bad value",
      () => Promise.resolve(["--mode", "backtest", "--risk-pct", "abc"]),
      /--risk-pct.*number/,
    ],
    [
      "beyond a hard limit",
      () => Promise.resolve(["--mode", "backtest", "--max-leverage", "50"]),
      /at most 20 \(hard limit/,
    ],
    [
      "daily loss above the hard limit",
      () => Promise.resolve(["--mode", "backtest", "--max-daily-loss", "60"]),
      /at most 50/,
    ],
    [
      "bad interval",
      () => Promise.resolve(["--mode", "backtest", "--interval", "3m"]),
      /--interval/,
    ],
    [
      "unknown strategy",
      () => Promise.resolve(["--mode", "backtest", "--strategy", "magic"]),
      /ema-cross, breakout/,
    ],
    [
      "param of another strategy",
      () => Promise.resolve(["--mode", "backtest", "--lookback", "5"]),
      /not a parameter of strategy ema-cross/,
    ],
    [
      "missing CSV",
      () =>
        Promise.resolve(["--mode", "backtest", "--source", "csv", "--csv", `${csvDir}/nope.csv`]),
      /not found/,
    ],
    [
      "csv source without a file",
      () => Promise.resolve(["--mode", "backtest", "--source", "csv"]),
      /--csv PATH/,
    ],
    [
      "unsorted ts",
      async () => [
        "--mode",
        "backtest",
        "--source",
        "csv",
        "--csv",
        await write("u.csv", header + "2000,1,2,0.5,1,1\n1000,1,2,0.5,1,1\n"),
      ],
      /line 3/,
    ],
    [
      "high below low",
      async () => [
        "--mode",
        "backtest",
        "--source",
        "csv",
        "--csv",
        await write("h.csv", header + "1000,1,0.4,0.5,0.45,1\n"),
      ],
      /line 2/,
    ],
    [
      "non-numeric",
      async () => [
        "--mode",
        "backtest",
        "--source",
        "csv",
        "--csv",
        await write("n.csv", header + "1000,1,2,x,1,1\n"),
      ],
      /line 2/,
    ],
    [
      "too few candles",
      () => Promise.resolve(["--mode", "backtest", "--backtest", "10"]),
      /at least 28/,
    ],
    ["unknown mode", () => Promise.resolve(["--mode", "nonsense"]), /Invalid command 'nonsense'/],
  ];
  try {
    for (const [name, args, expected] of cases) {
      await t.step(name, async () => {
        const r = await cli(dir, ...(await args()));
        assert.equal(r.code, 2, `${name}: exit ${r.code}\n${r.stderr}`);
        const lines = r.stderr.trim().split("\n");
        assert.equal(lines.length, 1, r.stderr);
        assert.match(lines[0], expected);
        assert.doesNotMatch(r.stderr, /\bat .*\.ts:\d+/);
      });
    }
    const runs = await Array.fromAsync(Deno.readDir(dir));
    assert.deepEqual(runs.filter((e) => e.name === "runs"), []);
  } finally {
    await Deno.remove(dir, { recursive: true });
    await Deno.remove(csvDir, { recursive: true });
  }
});

/**
 * `source` tiled to 120,000 candles as a CSV file: the CLI computes the second bound on the
 * worker, and its stats equal an in-process run's.
 */
async function bigCsvRun(source: () => Promise<CandleSeries>): Promise<void> {
  const { readCandleCsv } = await import("../../src/data/csv_candles.ts");
  const { seriesToCsv, tileSeries } = await import("../../src/data/tile_series.ts");
  const { runBoundedBacktest } = await import("../../src/engine/backtest_report.ts");
  const { createStrategy } = await import("../../src/strategy/mod.ts");
  const { DEFAULT_BACKTEST_PARAMS } = await import("../../src/core/backtest_params.ts");
  const dir = await Deno.makeTempDir();
  try {
    const series = tileSeries(await source(), 120_000);
    await Deno.writeTextFile(`${dir}/big.csv`, seriesToCsv(series));
    const r = await cli(
      dir,
      "--mode",
      "backtest",
      "--source",
      "csv",
      "--csv",
      `${dir}/big.csv`,
      "--intrabar-mode",
      "optimistic",
    );
    assert.equal(r.code, 0, r.stderr);
    const stats = JSON.parse(await Deno.readTextFile(`${dir}/runs/latest/stats.json`));
    const parsed = await readCandleCsv(`${dir}/big.csv`);
    const { report } = runBoundedBacktest({
      runId: "x",
      series: parsed,
      makeStrategy: () => createStrategy("ema-cross", { fast: 12, slow: 26 }),
      params: { ...DEFAULT_BACKTEST_PARAMS, intrabar: "optimistic" },
      intervalMs: 300_000,
      config: {},
    });
    assert.equal(stats.trades_hash, report.bounds.optimistic.trades_hash);
    assert.equal(
      stats.intrabar_bounds.conservative.trades_hash,
      report.bounds.conservative.trades_hash,
    );
    assert.equal(stats.intrabar_bounds.conservative.net_pnl, report.bounds.conservative.net_pnl);
    assert.notEqual(report.bounds.conservative.trades_hash, report.bounds.optimistic.trades_hash);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

realDataTest(
  "a big CSV run computes the second bound on a worker with the same results",
  async () => {
    const { readCandleCsv } = await import("../../src/data/csv_candles.ts");
    await bigCsvRun(() => readCandleCsv(DATA));
  },
);

Deno.test("a big CSV run of generated 5m data computes the second bound on a worker, same results", async () => {
  await bigCsvRun(() => Promise.resolve(synthetic5m()));
});

Deno.test("--help answers for the command itself, not for a child's arguments after --", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const own = await cli(dir, "kill", "--help");
    assert.equal(own.code, 0);
    assert.match(own.stdout, /Usage: laptop-agents (\[--home DIR\] )?kill/);
    const child = await cli(
      dir,
      "watchdog",
      "--restart-delay",
      "0.1",
      "--",
      "--mode",
      "backtest",
      "--help",
    );
    assert.equal(child.code, 0, child.stderr);
    assert.match(child.stdout, /Usage: laptop-agents --mode backtest/);
    assert.doesNotMatch(child.stdout, /watchdog \[flags\]/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
