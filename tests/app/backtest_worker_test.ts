import assert from "node:assert/strict";
import {
  BacktestWorker,
  readCandleCsvParallel,
} from "../../src/app/backtest/backtest_worker_client.ts";
import { allocSeries, type CandleSeries } from "../../src/core/candle.ts";
import { readCandleCsv } from "../../src/data/csv_candles.ts";
import { seriesToCsv, tileSeries } from "../../src/data/tile_series.ts";
import { gzipSync } from "node:zlib";
import { REAL_5M, realDataPath, realDataTest } from "../_real_data.ts";
import { synthetic5m } from "../_synthetic_data.ts";
import { DEFAULT_BACKTEST_PARAMS } from "../../src/core/backtest_params.ts";
import { equityCsv } from "../../src/engine/artifacts.ts";
import {
  buildTrailingPieces,
  equityPieces,
  shareEquityFile,
  writeTrailingPieces,
} from "../../src/app/backtest/equity_pieces.ts";
import { assembleReport, runBoundPass } from "../../src/engine/backtest_report.ts";
import { createStrategy } from "../../src/strategy/mod.ts";
const COLUMNS = ["ts", "open", "high", "low", "close", "volume"] as const;

async function outcome(
  read: () => Promise<CandleSeries>,
): Promise<{ series: CandleSeries } | { error: string }> {
  try {
    return { series: await read() };
  } catch (e) {
    return { error: (e as Error).message };
  }
}

/**
 * Tiles `source` to 100,000 candles, writes variants of its CSV (line endings, gzip, bad
 * rows in either half, rows out of order where the halves meet) into a temp folder and
 * parses each on one core and on two: the same candles or the same error every time.
 */
async function parallelParseCases(t: Deno.TestContext, source: CandleSeries): Promise<void> {
  const dir = await Deno.makeTempDir();
  const worker = BacktestWorker.start();
  assert.ok(worker, "workers are available under deno test");
  try {
    const series = tileSeries(source, 100_000);
    const text = seriesToCsv(series);
    const lines = text.split("\n");
    assert.ok(text.length > 5 << 20, "big enough to be split between the threads");
    let files = 0;

    /** Parses `content` on one core and on two; both must give the same candles or error. */
    const same = async (content: string | Uint8Array, twoCores = true) => {
      const path = `${dir}/f${files++}.csv`;
      if (typeof content === "string") await Deno.writeTextFile(path, content);
      else await Deno.writeFile(path, content);
      const one = await outcome(() => readCandleCsv(path));
      const two = await outcome(() => readCandleCsvParallel(path, worker));
      if ("error" in one) {
        assert.equal("error" in two ? two.error : "a series", one.error);
        return one.error.replace(path, "<csv>");
      }
      assert.ok("series" in two, `two cores failed: ${"error" in two ? two.error : ""}`);
      assert.equal(two.series.length, one.series.length);
      for (const k of COLUMNS) {
        const a: Float64Array = one.series[k];
        const b: Float64Array = two.series[k];
        const i = a.findIndex((x, j) => !Object.is(x, b[j]));
        assert.equal(i, -1, `${k}[${i}]: ${a[i]} on one core, ${b[i]} on two`);
      }
      // the shared-memory result shows the file was split between the threads
      assert.equal(two.series.ts.buffer instanceof SharedArrayBuffer, twoCores);
      return "";
    };
    /** Index of the line holding the file's middle byte (where the halves meet). */
    const middleLine = (() => {
      let bytes = 0;
      for (let i = 0; i < lines.length; i++) {
        bytes += lines[i].length + 1;
        if (bytes > text.length / 2) return i;
      }
      return lines.length - 1;
    })();

    await t.step("identical columns: plain, CRLF, no final newline, trailing blanks", async () => {
      await same(text);
      await same(text.replaceAll("\n", "\r\n"));
      await same(text.trimEnd());
      await same(text + "\n \n\n");
    });
    await t.step("gzip: decompressed, then split in memory", async () => {
      await same(gzipSync(new TextEncoder().encode(text)));
    });

    const withLines = (edit: (copy: string[]) => void) => {
      const copy = [...lines];
      edit(copy);
      return copy.join("\n");
    };
    for (const line of [500, 60_001]) {
      await t.step(`high below low at line ${line}`, async () => {
        const error = await same(withLines((copy) => {
          const f = copy[line - 1].split(",");
          copy[line - 1] = [f[0], f[1], "1", "999999999", f[4], f[5]].join(",");
        }));
        assert.match(error, new RegExp(`line ${line}: high 1 is below low`));
      });
    }
    await t.step("rows out of order or a blank line where the halves meet", async () => {
      // plain files are split by the threads reading them, gzip ones once decompressed
      const both = async (content: string) => {
        const plain = await same(content);
        assert.equal(await same(gzipSync(new TextEncoder().encode(content))), plain);
        return plain;
      };
      for (let at = middleLine - 2; at <= middleLine + 2; at++) {
        const swapped = await both(withLines((copy) => {
          [copy[at], copy[at + 1]] = [copy[at + 1], copy[at]];
        }));
        assert.match(swapped, new RegExp(`line ${at + 2}: ts .* is before the previous row`));
        const blank = await both(withLines((copy) => copy.splice(at, 0, "")));
        assert.match(blank, new RegExp(`line ${at + 1}: empty line`));
        const duplicate = await both(withLines((copy) => copy.splice(at, 0, copy[at])));
        assert.match(duplicate, new RegExp(`line ${at + 2}: ts .* duplicates the previous row`));
      }
    });
    await t.step(
      "more rows than the room guessed from the first rows: still the same",
      async () => {
        // the first 3000 rows padded with leading zeros look four times as long as the rest
        const padded = withLines((copy) => {
          for (let i = 1; i <= 3000; i++) {
            copy[i] = copy[i].split(",").map((f) => f.padStart(40, "0")).join(",");
          }
        });
        await same(padded, false);
      },
    );
    await t.step("other layouts and time units: the same candles on two cores", async () => {
      const rows = lines.slice(1).filter((l) => l !== "").map((l) => l.split(","));
      const variants: Record<string, string> = {
        // no header, 12 columns, times in µs
        binance: rows.map(([ts, ...v]) =>
          [Number(ts) * 1000, ...v, Number(ts) * 1000 + 299_999_999, 1.5, 7, 0.5, 0.25, 0]
            .join(",")
        ).join("\n") + "\n",
        iso: "Date,Open,High,Low,Close,Volume\n" +
          rows.map(([ts, ...v]) =>
            [new Date(Number(ts)).toISOString(), ...v].join(",")
          )
            .join("\n") +
          "\n",
        seconds: lines[0] + "\n" +
          rows.map(([ts, ...v]) => [Number(ts) / 1000, ...v].join(",")).join("\n") + "\n",
        // quoted times: a row starts with a quote, and the halves still split at one
        quoted: '"Date","Open","High","Low","Close","Volume"\n' +
          rows.map(([ts, ...v]) => [`"${new Date(Number(ts)).toISOString()}"`, ...v].join(","))
            .join("\n") +
          "\n",
      };
      for (const [name, content] of Object.entries(variants)) {
        assert.ok(content.length > 5 << 20, name);
        assert.equal(await same(content), "", name);
        const path = `${dir}/${name}.csv`;
        await Deno.writeTextFile(path, content);
        const parsed = await readCandleCsvParallel(path, worker);
        assert.deepEqual(parsed.ts, series.ts, name);
        assert.deepEqual(parsed.volume, series.volume, name);
      }
      const bad = variants.binance.split("\n");
      bad[60_000] = bad[60_000].split(",").slice(0, 11).join(",");
      assert.match(await same(bad.join("\n")), /line 60001: expected 12 columns, got 11$/);
    });
    await t.step("a small file is parsed on one core", async () => {
      await same(lines.slice(0, 2000).join("\n"), false);
    });
  } finally {
    worker?.close();
    await Deno.remove(dir, { recursive: true });
  }
}

realDataTest(
  "parallel CSV parse: same candles as one core, exact error lines in either half",
  async (t) => {
    await parallelParseCases(t, await readCandleCsv(realDataPath(REAL_5M)));
  },
);

Deno.test("parallel CSV parse of generated 5m data: same candles as one core, same errors", async (t) => {
  await parallelParseCases(t, synthetic5m());
});

Deno.test("equity.csv shared by the worker and the main thread: the same bytes as the report's", async (t) => {
  const series = tileSeries(synthetic5m(), 120_000);
  const params = DEFAULT_BACKTEST_PARAMS;
  const main = runBoundPass(
    series,
    createStrategy("ema-cross", { fast: 12, slow: 26 }),
    params,
    params.intrabar,
    300_000,
  );
  assert.ok(main.result.trades.length > 100, "a run with trades, so equity and drawdown move");
  const report = assembleReport({
    runId: "r",
    config: {},
    series,
    params,
    main,
    other: main.stats,
    intervalMs: 300_000,
  });
  const want = equityCsv(report);
  const worker = BacktestWorker.start();
  assert.ok(worker, "workers are available under deno test");
  const dir = await Deno.makeTempDir();
  /** Writes equity.csv the way a run does: the worker's pieces, then this thread's after them. */
  async function shared(
    name: string,
    order: "worker first" | "main first" | "split",
  ): Promise<{ bytes: Uint8Array; mine: number }> {
    const path = `${dir}/${name}.csv`;
    const pieces = equityPieces(series.ts, main.result.equity, report.drawdown, 10_000);
    assert.equal(pieces.claims.length, 12);
    let mine: Uint8Array[] = [];
    if (order === "main first") mine = buildTrailingPieces(pieces);
    // the split case: the last five pieces held back until the worker has stopped
    if (order === "split") { for (let k = 7; k < 12; k++) pieces.claims[k] = 9; }
    const written = await worker!.writeEquityCsv(path, pieces);
    if (order === "split") { for (let k = 7; k < 12; k++) pieces.claims[k] = 0; }
    if (order !== "main first") mine = buildTrailingPieces(pieces);
    await writeTrailingPieces(path, written, mine);
    const bytes = await Deno.readFile(path);
    return { bytes, mine: mine.length };
  }
  try {
    await t.step("the worker builds it all", async () => {
      const r = await shared("worker", "worker first");
      assert.equal(r.mine, 0);
      assert.deepEqual(r.bytes, want);
    });
    await t.step("the main thread builds it all (the worker came too late)", async () => {
      const r = await shared("main", "main first");
      assert.equal(r.mine, 12);
      assert.deepEqual(r.bytes, want);
    });
    await t.step("seven pieces from the worker, five from the main thread", async () => {
      const r = await shared("split", "split");
      assert.equal(r.mine, 5);
      assert.deepEqual(r.bytes, want);
    });
    await t.step(
      "as a run shares it: whole, or left to the caller when the worker fails",
      async () => {
        const columns = { ts: series.ts, equity: main.result.equity, drawdown: report.drawdown };
        const ok = shareEquityFile(worker, `${dir}/run`, columns);
        assert.equal(await ok.finish(), true);
        assert.deepEqual(await Deno.readFile(`${dir}/run/equity.csv`), want);
        const failing = { writeEquityCsv: () => Promise.reject(new Error("worker gone")) };
        assert.equal(await shareEquityFile(failing, `${dir}/failed`, columns).finish(), false);
      },
    );
  } finally {
    worker.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the other bound of shared candles comes from the worker, its equity without a copy", async () => {
  const plain = tileSeries(synthetic5m(), 120_000);
  // candles in shared memory, as the two-core CSV parse leaves them
  const series = allocSeries(plain.length, true);
  for (const k of ["ts", "open", "high", "low", "close", "volume"] as const) {
    series[k].set(plain[k]);
  }
  const params = DEFAULT_BACKTEST_PARAMS;
  const worker = BacktestWorker.start();
  assert.ok(worker, "workers are available under deno test");
  try {
    // the worker's own answer: a failed answer rejects here (a run would fall back quietly)
    const other = await worker.bound({
      series,
      strategy: "ema-cross",
      strategyParams: { fast: 12, slow: 26 },
      params,
      mode: "optimistic",
      intervalMs: 300_000,
    });
    const here = runBoundPass(
      plain,
      createStrategy("ema-cross", { fast: 12, slow: 26 }),
      params,
      "optimistic",
      300_000,
    );
    assert.ok(here.stats.trades > 100);
    assert.equal(other.stats.trades_hash, here.stats.trades_hash);
    assert.deepEqual(other.equity, here.result.equity);
    assert.ok(other.equity.buffer instanceof SharedArrayBuffer, "shared, not copied");
  } finally {
    worker.close();
  }
});
