import assert from "node:assert/strict";
import { generateMockCandles, MOCK_DEFAULT_START_TS } from "../../src/data/mock_candles.ts";
import { createRng } from "../../src/data/rng.ts";
import { INTERVAL_MS, INTERVALS } from "../../src/core/candle.ts";
import type { CandleSeries } from "../../src/core/candle.ts";
import { isInputError } from "../../src/core/errors.ts";

function bytesOf(s: CandleSeries): Uint8Array[] {
  return [s.ts, s.open, s.high, s.low, s.close, s.volume].map((a) =>
    new Uint8Array(a.buffer, a.byteOffset, a.byteLength)
  );
}

Deno.test("createRng", async (t) => {
  await t.step("same seed, same sequence; different seeds differ", () => {
    const a = createRng(7), b = createRng(7), c = createRng(8);
    const xs = Array.from({ length: 100 }, () => a.next());
    assert.deepEqual(xs, Array.from({ length: 100 }, () => b.next()));
    assert.notDeepEqual(xs, Array.from({ length: 100 }, () => c.next()));
  });
  await t.step("next is in [0, 1) with a uniform mean", () => {
    const r = createRng(1);
    let sum = 0;
    for (let i = 0; i < 100_000; i++) {
      const x = r.next();
      assert.ok(x >= 0 && x < 1);
      sum += x;
    }
    assert.ok(Math.abs(sum / 100_000 - 0.5) < 0.01);
  });
  await t.step("normal has mean 0 and sd 1", () => {
    const r = createRng(2);
    let s = 0, s2 = 0;
    const n = 200_000;
    for (let i = 0; i < n; i++) {
      const x = r.normal();
      s += x;
      s2 += x * x;
    }
    assert.ok(Math.abs(s / n) < 0.01);
    assert.ok(Math.abs(Math.sqrt(s2 / n) - 1) < 0.01);
  });
  await t.step("large seeds use their high bits", () => {
    assert.notEqual(createRng(2 ** 40).next(), createRng(2 ** 40 + 2 ** 33).next());
  });
});

Deno.test("generateMockCandles", async (t) => {
  await t.step("same seed gives byte-identical candles, another seed differs", () => {
    const a = generateMockCandles({ count: 5000, interval: "5m", seed: 42 });
    const b = generateMockCandles({ count: 5000, interval: "5m", seed: 42 });
    const c = generateMockCandles({ count: 5000, interval: "5m", seed: 43 });
    assert.deepEqual(bytesOf(a), bytesOf(b));
    assert.notDeepEqual(bytesOf(a).slice(1), bytesOf(c).slice(1));
  });

  for (const interval of INTERVALS) {
    await t.step(`${interval}: grid, OHLC consistency, positive prices and volume`, () => {
      const s = generateMockCandles({ count: 20_000, interval, seed: 3 });
      const step = INTERVAL_MS[interval];
      assert.equal(s.length, 20_000);
      assert.equal(s.ts[0], MOCK_DEFAULT_START_TS);
      assert.equal(s.open[0], 42_000);
      for (let i = 0; i < s.length; i++) {
        if (i > 0) {
          assert.equal(s.ts[i] - s.ts[i - 1], step);
          assert.equal(s.open[i], s.close[i - 1]);
        }
        assert.ok(s.high[i] >= Math.max(s.open[i], s.close[i]), `high at ${i}`);
        assert.ok(s.low[i] <= Math.min(s.open[i], s.close[i]), `low at ${i}`);
        assert.ok(s.low[i] > 0 && s.volume[i] > 0, `positive at ${i}`);
        assert.equal(Math.round(s.close[i] * 100) / 100, s.close[i]);
      }
    });
  }

  await t.step("annualised volatility is BTC-like and has calm and violent stretches", () => {
    for (const interval of ["5m", "1h"] as const) {
      const s = generateMockCandles({ count: 100_000, interval, seed: 11 });
      const per = Math.sqrt((365 * 86_400_000) / INTERVAL_MS[interval]);
      const rets: number[] = [];
      for (let i = 1; i < s.length; i++) rets.push(Math.log(s.close[i] / s.close[i - 1]));
      const sd = (xs: number[]) => Math.sqrt(xs.reduce((a, x) => a + x * x, 0) / xs.length);
      const annual = sd(rets) * per;
      assert.ok(annual > 0.45 && annual < 0.95, `${interval} annual vol ${annual}`);
      // Volatility of 2-day windows must vary a lot (regimes), not stay flat.
      const w = (2 * 86_400_000) / INTERVAL_MS[interval];
      const windows: number[] = [];
      for (let i = 0; i + w <= rets.length; i += w) windows.push(sd(rets.slice(i, i + w)) * per);
      windows.sort((a, b) => a - b);
      const p10 = windows[Math.floor(windows.length * 0.1)];
      const p90 = windows[Math.floor(windows.length * 0.9)];
      assert.ok(p90 / p10 > 2, `${interval} vol spread p90/p10 = ${p90 / p10}`);
    }
  });

  await t.step("volume is higher when volatility is higher", () => {
    const s = generateMockCandles({ count: 50_000, interval: "5m", seed: 5 });
    const pairs: [number, number][] = [];
    for (let i = 0; i < s.length; i++) {
      pairs.push([(s.high[i] - s.low[i]) / s.open[i], s.volume[i]]);
    }
    pairs.sort((a, b) => a[0] - b[0]);
    const mean = (xs: [number, number][]) => xs.reduce((a, p) => a + p[1], 0) / xs.length;
    const q = Math.floor(pairs.length / 4);
    assert.ok(mean(pairs.slice(-q)) > 1.5 * mean(pairs.slice(0, q)));
  });

  await t.step("custom start and 1M candles quickly", () => {
    const t0 = performance.now();
    const s = generateMockCandles({
      count: 1_000_000,
      interval: "1m",
      seed: 9,
      startTs: 1_600_000_020_000 - (1_600_000_020_000 % 60_000),
      startPrice: 10_000,
    });
    const ms = performance.now() - t0;
    assert.equal(s.open[0], 10_000);
    assert.ok(s.close.every((x) => x > 0));
    assert.ok(ms < 3000, `1M candles took ${ms} ms`);
  });

  await t.step("bad options are InputErrors", () => {
    const bad = [
      { count: 0, interval: "5m", seed: 1 },
      { count: 1.5, interval: "5m", seed: 1 },
      { count: 10, interval: "7m", seed: 1 },
      { count: 10, interval: "5m", seed: NaN },
      { count: 10, interval: "5m", seed: 1, startTs: 1000 },
      { count: 10, interval: "5m", seed: 1, startPrice: -1 },
    ];
    for (const o of bad) {
      assert.throws(
        // deno-lint-ignore no-explicit-any
        () => generateMockCandles(o as any),
        (e: unknown) => isInputError(e) && /^Invalid mock /.test((e as Error).message),
        JSON.stringify(o),
      );
    }
  });
});
