import assert from "node:assert/strict";
import { tailLog } from "../../src/ops/log_tail.ts";

const line = (i: number, level: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    ts: new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString(),
    level,
    component: "test",
    event: "thing.happened",
    runId: "r1",
    i,
    ...extra,
  });

const LEVELS = ["debug", "info", "warn", "error"];

Deno.test("tailLog", async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "log_tail_" });
  const path = `${dir}/system.jsonl`;
  try {
    await t.step("a missing file is an empty tail", async () => {
      assert.deepEqual(await tailLog(`${dir}/nope.jsonl`, 10), []);
    });

    await t.step("returns the last N records oldest first, across chunk edges", async () => {
      const lines = Array.from({ length: 500 }, (_, i) => line(i, LEVELS[i % 4]));
      await Deno.writeTextFile(path, lines.join("\n") + "\n");
      for (const chunkBytes of [7, 100, 4096, 1 << 20]) {
        const got = await tailLog(path, 5, "debug", { chunkBytes });
        assert.deepEqual(got.map((r) => r.i), [495, 496, 497, 498, 499], `chunk ${chunkBytes}`);
      }
      const all = await tailLog(path, 10_000, "debug", { chunkBytes: 33 });
      assert.equal(all.length, 500);
      assert.equal(all[0].i, 0);
    });

    await t.step("filters by minimum level", async () => {
      const got = await tailLog(path, 3, "warn", { chunkBytes: 50 });
      assert.deepEqual(got.map((r) => [r.i, r.level]), [[495, "error"], [498, "warn"], [
        499,
        "error",
      ]]);
      const errors = await tailLog(path, 1000, "error");
      assert.equal(errors.length, 125);
      assert.ok(errors.every((r) => r.level === "error"));
    });

    await t.step("ignores a partial last line and junk lines", async () => {
      await Deno.writeTextFile(
        path,
        [line(1, "info"), "not json", '{"level":"info"}', line(2, "warn"), ""].join("\n") +
          line(3, "error").slice(0, 30),
      );
      for (const chunkBytes of [5, 64, 65_536]) {
        const got = await tailLog(path, 10, "debug", { chunkBytes });
        assert.deepEqual(got.map((r) => r.i), [1, 2], `chunk ${chunkBytes}`);
      }
    });

    await t.step("a last line without its newline is not read yet, even if it parses", async () => {
      await Deno.writeTextFile(path, line(1, "info") + "\n" + line(2, "info"));
      for (const chunkBytes of [5, 64, 65_536]) {
        const got = await tailLog(path, 10, "debug", { chunkBytes });
        assert.deepEqual(got.map((r) => r.i), [1], `chunk ${chunkBytes}`);
      }
    });

    await t.step("a file that is one partial line is empty", async () => {
      await Deno.writeTextFile(path, line(1, "info"));
      assert.deepEqual(await tailLog(path, 10, "debug", { chunkBytes: 8 }), []);
    });

    await t.step("keeps multibyte text intact across chunk edges", async () => {
      await Deno.writeTextFile(
        path,
        [line(1, "info", { msg: "€€€ ünïcödé 🚀" }), line(2, "info", { msg: "日本語" })].join(
          "\n",
        ) +
          "\n",
      );
      const got = await tailLog(path, 10, "debug", { chunkBytes: 3 });
      assert.deepEqual(got.map((r) => r.msg), ["€€€ ünïcödé 🚀", "日本語"]);
    });

    await t.step("reads only the end of a big file", async () => {
      const big = Array.from({ length: 20_000 }, (_, i) => line(i, "debug")).join("\n") + "\n";
      await Deno.writeTextFile(path, big + line(20_000, "info") + "\n");
      const got = await tailLog(path, 1, "info", { chunkBytes: 4096, maxScanBytes: 8192 });
      assert.deepEqual(got.map((r) => r.i), [20_000]);
      // an info line beyond the scan budget is not found
      await Deno.writeTextFile(path, line(0, "info") + "\n" + big);
      assert.deepEqual(
        await tailLog(path, 1, "info", { chunkBytes: 4096, maxScanBytes: 8192 }),
        [],
      );
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
