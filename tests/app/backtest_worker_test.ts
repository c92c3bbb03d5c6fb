import assert from "node:assert/strict";
import { BacktestWorker, readCandleCsvParallel } from "../../src/app/backtest_worker_client.ts";
import { readCandleCsv } from "../../src/data/csv_candles.ts";
import { seriesToCsv, tileSeries } from "../../src/data/tile_series.ts";

const DATA =
  new URL("../../../shared/data/BTCUSDT-5m-2024-01-01_2024-06-30.csv.gz", import.meta.url).pathname;

Deno.test("parallel CSV parse: same candles as one core, exact error lines in either half", async (t) => {
  const dir = await Deno.makeTempDir();
  const worker = BacktestWorker.start();
  assert.ok(worker, "workers are available under deno test");
  try {
    const series = tileSeries(await readCandleCsv(DATA), 120_000);
    const text = seriesToCsv(series);
    const path = `${dir}/big.csv`;
    await Deno.writeTextFile(path, text);

    await t.step("identical columns", async () => {
      const one = await readCandleCsv(path);
      const two = await readCandleCsvParallel(path, worker);
      assert.equal(two.length, one.length);
      for (const k of ["ts", "open", "high", "low", "close", "volume"] as const) {
        assert.deepEqual(two[k], one[k], k);
      }
    });

    const lines = text.split("\n");
    const breakLine = async (line: number) => {
      const copy = [...lines];
      const f = copy[line - 1].split(",");
      copy[line - 1] = [f[0], f[1], "1", "999999999", f[4], f[5]].join(",");
      const p = `${dir}/bad-${line}.csv`;
      await Deno.writeTextFile(p, copy.join("\n"));
      return p;
    };
    for (const line of [500, 100_001]) {
      await t.step(`high below low at line ${line}`, async () => {
        const p = await breakLine(line);
        await assert.rejects(
          () => readCandleCsvParallel(p, worker),
          new RegExp(`line ${line}: high 1 is below low`),
        );
      });
    }
  } finally {
    worker?.close();
    await Deno.remove(dir, { recursive: true });
  }
});
