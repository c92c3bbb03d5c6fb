/**
 * The backtest CLI's third result (`--detail-csv`: bars touching both stop and
 * take-profit resolved from 1m candles) and the other bound's equity from the worker, on
 * generated candles written to a temp folder.
 */
import assert from "node:assert/strict";
import { runCli } from "./_session_helpers.ts";
import { DEFAULT_BACKTEST_PARAMS } from "../../src/core/backtest_params.ts";
import type { CandleSeries } from "../../src/core/candle.ts";
import { aggregateCandles } from "../_aggregate_candles.ts";
import { generateMockCandles } from "../../src/data/mock_candles.ts";
import { tileSeries } from "../../src/data/tile_series.ts";
import { runBacktestFast } from "../../src/engine/backtest_fast.ts";
import { tradesHash } from "../../src/engine/trades_hash.ts";
import { createStrategy } from "../../src/strategy/mod.ts";
import { synthetic5m, writeCandleFile } from "../_synthetic_data.ts";

const MIN = 60_000;

/** Runs the CLI in `cwd` (no exchange keys in its environment). */
function cli(cwd: string, ...args: string[]) {
  return runCli(args, { cwd });
}

/** The JSON data block of a summary.html. */
function dataBlock(html: string) {
  const m = html.match(/<script type="application\/json" id="report-data">([^<]*)<\/script>/);
  assert.ok(m, "data block");
  return JSON.parse(m[1]);
}

/** 10 days of generated 1m candles and the 5m bars they make. */
function candles(): { fine: CandleSeries; bars: CandleSeries } {
  const fine = generateMockCandles({ count: 60 * 24 * 10, interval: "1m", seed: 11 });
  return { fine, bars: aggregateCandles(fine, 5 * MIN) };
}

const TIGHT = ["--stop-bps", "10", "--tp-r", "1.5", "--start-equity", "1000"];

Deno.test("backtest --detail-csv: the third result beside the two bounds", async (t) => {
  const dir = await Deno.makeTempDir();
  try {
    const { fine, bars } = candles();
    const barsCsv = await writeCandleFile(`${dir}/bars-5m.csv`, bars);
    const fineCsv = await writeCandleFile(`${dir}/fine-1m.csv.gz`, fine, true);
    const r = await cli(
      dir,
      "--mode",
      "backtest",
      "--source",
      "csv",
      "--csv",
      barsCsv,
      "--detail-csv",
      fineCsv,
      ...TIGHT,
    );
    assert.equal(r.code, 0, r.stderr);
    const stats = JSON.parse(await Deno.readTextFile(`${dir}/runs/latest/stats.json`));
    const p = { ...DEFAULT_BACKTEST_PARAMS, stopBps: 10, tpR: 1.5, startEquity: 1000 };
    const exact = runBacktestFast(bars, createStrategy("ema-cross", { fast: 12, slow: 26 }), p, {
      series: fine,
      intervalMs: MIN,
      barMs: 5 * MIN,
    });

    await t.step("stats.json: detail next to intrabar_bounds, same trades as in process", () => {
      const d = stats.detail;
      assert.equal(d.source, fineCsv);
      assert.equal(d.interval, "1m");
      assert.equal(d.trades_hash, tradesHash(exact.trades));
      assert.deepEqual(d.resolution, exact.detail);
      assert.ok(d.resolution.ambiguous_bars > 5, JSON.stringify(d.resolution));
      assert.equal(d.resolution.without_detail, 0);
      assert.deepEqual(d.coverage, {
        bars: bars.length,
        covered_bars: bars.length,
        first_ts: fine.ts[0],
        last_ts: fine.ts[fine.length - 1],
      });
      // the configured run is still the conservative bound
      assert.equal(stats.trades_hash, stats.intrabar_bounds.conservative.trades_hash);
      assert.notEqual(d.trades_hash, stats.trades_hash);
      assert.equal(typeof stats.ambiguous_bars, "number");
    });
    await t.step("the console line", () => {
      assert.match(
        r.stdout,
        /exact intrabar \(1m detail\): [+-][\d,.]+ USDT \([+-][\d.]+%\), \d+ trades; \d+ bars touched both: \d+ stop first, \d+ TP first/,
      );
    });
    await t.step("summary.html: the detail column, its equity curve and its counts", async () => {
      const html = await Deno.readTextFile(`${dir}/runs/latest/summary.html`);
      assert.match(html, /<th>Exact \(1m detail\)<\/th>/);
      const data = dataBlock(html);
      assert.ok(data.equity.some((s: { key: string }) => s.key === "detail"));
      assert.match(html, /resolved from the 1m candles/);
    });
    await t.step("config.json names the detail file", async () => {
      const cfg = JSON.parse(await Deno.readTextFile(`${dir}/runs/latest/config.json`));
      assert.equal(cfg.detail_csv, fineCsv);
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("backtest --detail-csv: a part covered is said, wrong files refused", async (t) => {
  const dir = await Deno.makeTempDir();
  try {
    const { fine, bars } = candles();
    const barsCsv = await writeCandleFile(`${dir}/bars-5m.csv`, bars);
    const half = { ...fine, length: fine.length / 2 };
    const halfCsv = await writeCandleFile(`${dir}/half-1m.csv`, {
      ...half,
      ts: fine.ts.subarray(0, half.length),
      open: fine.open.subarray(0, half.length),
      high: fine.high.subarray(0, half.length),
      low: fine.low.subarray(0, half.length),
      close: fine.close.subarray(0, half.length),
      volume: fine.volume.subarray(0, half.length),
    });
    const base = ["--mode", "backtest", "--source", "csv", "--csv", barsCsv, ...TIGHT];

    await t.step("half the bars covered: a notice, the rest resolved conservatively", async () => {
      const r = await cli(dir, ...base, "--detail-csv", halfCsv);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /--detail-csv: 1,440 of 2,880 bars have all their 1m candles/);
      const d = JSON.parse(await Deno.readTextFile(`${dir}/runs/latest/stats.json`)).detail;
      assert.equal(d.coverage.covered_bars, 1440);
      assert.ok(d.resolution.without_detail > 0);
    });
    const later = generateMockCandles({
      count: 100,
      interval: "1m",
      seed: 1,
      startTs: Date.UTC(2025, 0, 1),
    });
    const cases: [string, string, RegExp][] = [
      ["a missing file", `${dir}/nope.csv`, /^Invalid --detail-csv .*nope\.csv: file not found$/],
      [
        "the bars' own interval",
        barsCsv,
        /--detail-csv .* \(5m candles\): candles of an interval that divides the backtest's 5m bars/,
      ],
      [
        "no candle inside the bars",
        await writeCandleFile(`${dir}/later.csv`, later),
        /1m candles inside the backtest's bars \(2024-01-01 00:00 \.\. 2024-01-10 23:55 UTC\); the file holds 2025-01-01/,
      ],
    ];
    for (const [name, file, expected] of cases) {
      await t.step(name, async () => {
        const r = await cli(dir, ...base, "--detail-csv", file);
        assert.equal(r.code, 2, r.stderr);
        assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
        assert.match(r.stderr.trim(), expected);
      });
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a worker run's summary.html draws both bounds' equity curves", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const csv = await writeCandleFile(`${dir}/big.csv`, tileSeries(synthetic5m(), 120_000));
    const r = await cli(dir, "--mode", "backtest", "--source", "csv", "--csv", csv);
    assert.equal(r.code, 0, r.stderr);
    const stats = JSON.parse(await Deno.readTextFile(`${dir}/runs/latest/stats.json`));
    const data = dataBlock(await Deno.readTextFile(`${dir}/runs/latest/summary.html`));
    const byKey = new Map(
      data.equity.map((s: { key: string; y: number[] }) => [s.key, s.y] as const),
    );
    const last = (k: string) => (byKey.get(k) as number[]).at(-1)!;
    const b = stats.intrabar_bounds;
    assert.ok(Math.abs(last("conservative") - b.conservative.end_equity) < 0.01);
    assert.ok(Math.abs(last("optimistic") - b.optimistic.end_equity) < 0.01);
    assert.notEqual(b.conservative.end_equity, b.optimistic.end_equity);
    assert.ok(byKey.has("benchmark"));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
