import assert from "node:assert/strict";
import { findGaps, loadBitunixCandles } from "../../src/data/bitunix_history.ts";
import { BitunixRestClient } from "../../src/exchange/bitunix/rest_client.ts";
import { chunkPath } from "../../src/data/bitunix_cache.ts";
import { defaultKline, KLINE_CONVENTIONS, startFakeBitunix } from "../fakes/fake_bitunix.ts";

const T = Date.UTC(2026, 0, 15, 12, 3, 20); // mid-bar
const M5 = 300_000;

Deno.test("Bitunix history download", async (t) => {
  const fake = startFakeBitunix({ now: () => T });
  const client = new BitunixRestClient({ baseUrl: fake.baseUrl, sleep: () => Promise.resolve() });
  const cacheDir = await Deno.makeTempDir({ prefix: "bitunix_cache_" });
  let firstRequests = 0;
  const klineCalls = () => fake.requestsTo("/market/kline").length;
  const base = {
    client,
    symbol: "BTCUSDT",
    interval: "5m",
    now: () => T,
    cacheDir,
    progress: false,
  };
  try {
    await t.step("last 1000 closed 5m candles: paginated, ascending, complete", async () => {
      const r = await loadBitunixCandles({ ...base, count: 1000 });
      const s = r.series;
      assert.equal(s.length, 1000);
      const lastClosed = Math.floor(T / M5) * M5 - M5;
      assert.equal(s.ts[999], lastClosed);
      assert.equal(s.ts[0], lastClosed - 999 * M5);
      for (let i = 1; i < s.length; i++) assert.equal(s.ts[i] - s.ts[i - 1], M5);
      assert.ok(r.requests >= 5, `${r.requests} calls`);
      firstRequests = r.requests;
      assert.equal(klineCalls(), r.requests);
      for (const q of fake.requestsTo("/market/kline")) {
        assert.ok(Number(q.params.endTime) - Number(q.params.startTime) <= 200 * M5);
        assert.equal(q.params.limit, "200");
      }
      const c = defaultKline(s.ts[500], M5);
      assert.deepEqual(
        [s.open[500], s.high[500], s.low[500], s.close[500], s.volume[500]],
        [c.open, c.high, c.low, c.close, c.volume],
      );
      assert.deepEqual(r.gaps, []);
    });

    await t.step("second request for the same range makes no request", async () => {
      const before = klineCalls();
      const r = await loadBitunixCandles({ ...base, count: 1000 });
      assert.equal(r.requests, 0);
      assert.equal(klineCalls(), before);
      assert.equal(r.series.length, 1000);
    });

    await t.step("an interrupted download resumes from the cached chunks", async () => {
      const dir2 = `${cacheDir}/second`;
      const flaky = new BitunixRestClient({
        baseUrl: fake.baseUrl,
        sleep: () => Promise.resolve(),
        retry: { maxAttempts: 1 },
      });
      let calls = 0;
      // Let two chunks succeed, then fail the rest.
      const failing = new Proxy(flaky, {
        get(target, prop, recv) {
          if (prop === "klines") {
            return (p: Parameters<BitunixRestClient["klines"]>[0]) => {
              if (++calls > 2) fake.inject.serverError(1, { path: "/market/kline" });
              return target.klines(p);
            };
          }
          return Reflect.get(target, prop, recv);
        },
      });
      await assert.rejects(
        loadBitunixCandles({ ...base, client: failing, cacheDir: dir2, count: 1000 }),
        /Bitunix klines failed: HTTP 503/,
      );
      const files = [...Deno.readDirSync(`${dir2}/BTCUSDT/5m`)].map((e) => e.name);
      assert.equal(files.filter((f) => f.endsWith(".json")).length, 2);
      assert.equal(files.filter((f) => f.endsWith(".tmp")).length, 0);
      const r = await loadBitunixCandles({ ...base, cacheDir: dir2, count: 1000 });
      assert.equal(r.series.length, 1000);
      assert.equal(r.requests, firstRequests - 2, "only the missing chunks are fetched");
    });

    await t.step("gaps are reported as missing ranges", async () => {
      const holeStart = Math.floor(T / M5) * M5 - 50 * M5;
      fake.state.klineFn = (ts, iv) =>
        ts >= holeStart && ts < holeStart + 3 * M5 ? null : defaultKline(ts, iv);
      const r = await loadBitunixCandles({ ...base, cacheDir: null, count: 100 });
      assert.equal(r.series.length, 97);
      assert.deepEqual(r.gaps, [{ start: holeStart, end: holeStart + 3 * M5, bars: 3 }]);
      fake.state.klineFn = (ts, iv) => defaultKline(ts, iv);
    });

    await t.step("explicit [start, end) range", async () => {
      const end = Math.floor(T / M5) * M5 - 10 * M5;
      const r = await loadBitunixCandles({ ...base, start: end - 250 * M5, end, cacheDir: null });
      assert.equal(r.series.length, 250);
      assert.equal(r.series.ts[249], end - M5);
    });

    await t.step("no hole whichever way the venue reads its kline bounds", async () => {
      const quick = new BitunixRestClient({ baseUrl: fake.baseUrl, rateLimit: false });
      for (const { window, overflow } of KLINE_CONVENTIONS) {
        fake.state.klineWindow = window;
        fake.state.klineOverflow = overflow;
        const what = `start ${window.start}, end ${window.end}, keeps ${overflow}`;
        const r = await loadBitunixCandles({ ...base, client: quick, cacheDir: null, count: 1000 });
        assert.deepEqual(r.gaps, [], what);
        assert.equal(r.series.length, 1000, what);
        const end = Math.floor(T / M5) * M5;
        const e = await loadBitunixCandles({
          ...base,
          client: quick,
          cacheDir: null,
          start: end - 450 * M5,
          end: end - 50 * M5,
        });
        assert.deepEqual([e.series.length, e.gaps.length], [400, 0], what);
      }
      fake.state.klineWindow = { start: "inclusive", end: "exclusive" };
      fake.state.klineOverflow = "newest";
    });

    await t.step("chunks cached by an older version are fetched again", async () => {
      const dir3 = `${cacheDir}/old`;
      const end = Math.floor(T / M5) * M5;
      const last = end - M5;
      await Deno.mkdir(`${dir3}/BTCUSDT/5m`, { recursive: true });
      // chunks as the previous version wrote them (200-bar alignment, the venue's swapped
      // volume read as BTC), at either alignment
      for (const bars of [198, 200]) {
        const cs = Math.floor(last / (bars * M5)) * bars * M5;
        await Deno.writeTextFile(
          chunkPath(`${dir3}/BTCUSDT/5m`, cs),
          JSON.stringify({
            v: 1,
            start: cs,
            coveredUntil: end,
            candles: [[last, 1, 1, 1, 1, 6e4]],
          }),
        );
      }
      const r = await loadBitunixCandles({ ...base, cacheDir: dir3, count: 1 });
      assert.equal(r.requests, 1);
      assert.deepEqual([r.series.ts[0], r.series.volume[0]], [last, defaultKline(last, M5).volume]);
    });

    await t.step("unsupported interval is an InputError", async () => {
      await assert.rejects(
        loadBitunixCandles({ ...base, interval: "3m", count: 10 }),
        (e: Error) => e.name === "InputError" && /--interval '3m'/.test(e.message),
      );
    });

    await t.step("findGaps covers leading, inner and trailing holes", () => {
      const c = (ts: number) => ({ ts, open: 1, high: 1, low: 1, close: 1, volume: 0 });
      assert.deepEqual(findGaps([c(20), c(30), c(60)], 0, 90, 10), [
        { start: 0, end: 20, bars: 2 },
        { start: 40, end: 60, bars: 2 },
        { start: 70, end: 90, bars: 2 },
      ]);
    });
  } finally {
    await fake.close();
    await Deno.remove(cacheDir, { recursive: true });
  }
});
