import { StrategyRunner } from "../../src/strategy/runner.ts";
import assert from "node:assert/strict";
import { VWAP } from "trading-signals";
import type { CandleSeries } from "../../src/core/candle.ts";
import { generateMockCandles } from "../../src/data/mock_candles.ts";
import {
  Adx,
  Atr,
  BollingerBands,
  Donchian,
  Ema,
  type Indicator,
  Macd,
  Rsi,
  Sma,
  Vwap,
} from "../../src/indicators/mod.ts";
import { emaCross } from "../../src/strategy/ema_cross.ts";

const N = Number.NaN;

/** Asserts two number lists are equal within 1e-12 (N equals N). */
function assertValues(actual: readonly number[], expected: readonly number[]): void {
  assert.equal(actual.length, expected.length);
  actual.forEach((a, i) => {
    const e = expected[i];
    if (Number.isNaN(e)) assert.ok(Number.isNaN(a), `[${i}]: ${a}, expected NaN`);
    else assert.ok(Math.abs(a - e) <= 1e-12 * Math.max(1, Math.abs(e)), `[${i}]: ${a} vs ${e}`);
  });
}

Deno.test("hand-computed values", async (t) => {
  await t.step("SMA(3)", () => {
    const sma = new Sma(3);
    assertValues([1, 2, 3, 4, 5].map((x) => sma.update(x)), [N, N, 2, 3, 4]);
  });
  await t.step("EMA(3): seeded with the SMA of the first 3, then k = 0.5", () => {
    const ema = new Ema(3);
    assertValues([2, 4, 6, 8, 12].map((x) => ema.update(x)), [N, N, 4, 6, 9]);
  });
  await t.step("EMA(3, first): seeded with the first input", () => {
    const ema = new Ema(3, { seed: "first" });
    assertValues([2, 4, 6].map((x) => ema.update(x)), [2, 3, 4.5]);
  });
  await t.step("RSI(2): plain averages of two changes, then Wilder's smoothing", () => {
    const rsi = new Rsi(2);
    // changes +1, -1 -> gain 0.5, loss 0.5 -> 50; then +2 -> gain 1.25, loss 0.25
    assertValues([1, 2, 1, 3].map((x) => rsi.update(x)), [N, N, 50, 100 * 1.25 / 1.5]);
  });
  await t.step("ATR(2): mean of two true ranges, then Wilder's smoothing", () => {
    const atr = new Atr(2);
    const candles = [[10, 8, 9], [11, 9, 10], [12, 10, 11], [15, 11, 14], [14, 13, 13.5]];
    // TR: none, 2, 2, 4 (high - previous close), 1 (high - low = previous close - low)
    // ATR: (2 + 2) / 2 = 2, (2 * 1 + 4) / 2 = 3, (3 * 1 + 1) / 2 = 2
    assertValues(candles.map(([h, l, c]) => atr.update(h, l, c)), [N, N, 2, 3, 2]);
  });
  await t.step("Bollinger(3, 2): population sd", () => {
    const bb = new BollingerBands(3, 2);
    const out = [1, 2, 3, 5].map((x) => {
      bb.update(x);
      return [bb.lower, bb.middle, bb.upper, bb.sd];
    });
    const sd1 = Math.sqrt(2 / 3);
    const sd2 = Math.sqrt(((2 - 10 / 3) ** 2 + (3 - 10 / 3) ** 2 + (5 - 10 / 3) ** 2) / 3);
    assertValues(out.slice(2).flat(), [
      2 - 2 * sd1,
      2,
      2 + 2 * sd1,
      sd1,
      10 / 3 - 2 * sd2,
      10 / 3,
      10 / 3 + 2 * sd2,
      sd2,
    ]);
    assertValues(out[1], [N, N, N, N]);
  });
  await t.step("MACD(2, 3, 2): both EMAs start at the 3rd input", () => {
    const macd = new Macd(2, 3, 2);
    const out = [1, 2, 3, 4, 8].map((x) => {
      macd.update(x);
      return [macd.macd, macd.signal, macd.histogram];
    });
    // input 3: slow = (1+2+3)/3 = 2, fast = (2+3)/2 = 2.5 -> 0.5; input 4: 3.5 - 3 = 0.5,
    // signal = 0.5; input 8: fast 6.5, slow 5.5 -> 1, signal 0.5 + (1 - 0.5) * 2/3
    assertValues(out.flat(), [
      N,
      N,
      N,
      N,
      N,
      N,
      N,
      N,
      N,
      0.5,
      0.5,
      0,
      1,
      0.5 + 1 / 3,
      1 - (0.5 + 1 / 3),
    ]);
  });
  await t.step("Donchian(3): the current candle included", () => {
    const dc = new Donchian(3);
    const hl = [[5, 1], [7, 2], [6, 3], [4, 2], [3, 2.5]];
    const out = hl.map(([h, l]) => {
      dc.update(h, l);
      return [dc.upper, dc.lower, dc.middle];
    });
    assertValues(out.slice(2).flat(), [7, 1, 4, 7, 2, 4.5, 6, 2, 4]);
  });
  await t.step("VWAP(2): typical price; a window without volume keeps the last value", () => {
    const vwap = new Vwap(2);
    const candles = [[3, 1, 2, 1], [6, 4, 5, 3], [9, 7, 8, 0], [9, 7, 8, 0], [12, 10, 11, 2]];
    assertValues(
      candles.map(([h, l, c, v]) => vwap.update(h, l, c, v)),
      [N, 17 / 4, 5, 5, 11],
    );
  });
  await t.step("ADX(2): a flat market has +DI = -DI = 0 and ADX 0", () => {
    const adx = new Adx(2);
    const out = [0, 1, 2, 3, 4].map(() => {
      adx.update(10, 10, 10);
      return [adx.value, adx.plusDi, adx.minusDi];
    });
    assertValues(out.flat(), [N, N, N, N, N, N, N, 0, 0, 0, 0, 0, 0, 0, 0]);
  });
  await t.step("ADX(2): a steady rise is all +DI", () => {
    const adx = new Adx(2);
    for (let i = 0; i < 10; i++) adx.update(11 + i, 10 + i, 10.5 + i);
    assert.equal(adx.minusDi, 0);
    assert.ok(Math.abs(adx.plusDi - 100 * (1 / 1.5)) < 1e-9, String(adx.plusDi));
    assert.ok(Math.abs(adx.value - 100) < 1e-9, String(adx.value));
  });
});

type Feed = (s: CandleSeries, i: number) => number;

/** Every indicator with the way it reads a candle. */
function allIndicators(): [Indicator, Feed][] {
  const sma = new Sma(20);
  const ema = new Ema(20);
  const emaFirst = new Ema(20, { seed: "first" });
  const rsi = new Rsi(14);
  const atr = new Atr(14);
  const bb = new BollingerBands(20, 2);
  const macd = new Macd(12, 26, 9);
  const dc = new Donchian(20);
  const vwap = new Vwap(20);
  const vwapCum = new Vwap(Infinity);
  const adx = new Adx(14);
  return [
    [sma, (s, i) => sma.update(s.close[i])],
    [ema, (s, i) => ema.update(s.close[i])],
    [emaFirst, (s, i) => emaFirst.update(s.close[i])],
    [rsi, (s, i) => rsi.update(s.close[i])],
    [atr, (s, i) => atr.update(s.high[i], s.low[i], s.close[i])],
    [bb, (s, i) => bb.update(s.close[i])],
    [macd, (s, i) => macd.update(s.close[i])],
    [dc, (s, i) => dc.update(s.high[i], s.low[i])],
    [vwap, (s, i) => vwap.update(s.high[i], s.low[i], s.close[i], s.volume[i])],
    [vwapCum, (s, i) => vwapCum.update(s.high[i], s.low[i], s.close[i], s.volume[i])],
    [adx, (s, i) => adx.update(s.high[i], s.low[i], s.close[i])],
  ];
}

Deno.test("warm-up, ready, value and reset", () => {
  const s = generateMockCandles({ count: 2_000, interval: "5m", seed: 3 });
  const expectedWarmup = [19, 19, 0, 14, 14, 19, 33, 19, 19, 0, 27];
  allIndicators().forEach(([ind, feed], k) => {
    const name = ind.constructor.name;
    assert.equal(ind.warmup, expectedWarmup[k], `${name} warmup`);
    const first: number[] = [];
    for (let i = 0; i < s.length; i++) {
      assert.equal(ind.ready, i > ind.warmup, `${name} ready before input ${i}`);
      const v = feed(s, i);
      assert.equal(ind.ready, i >= ind.warmup, `${name} ready after input ${i}`);
      assert.ok(Object.is(v, ind.value), `${name}: update returns value`);
      assert.equal(Number.isNaN(v), i < ind.warmup, `${name}[${i}] = ${v}`);
      first.push(v);
    }
    ind.reset();
    assert.equal(ind.ready, false);
    assert.ok(Number.isNaN(ind.value));
    for (let i = 0; i < s.length; i++) {
      assert.ok(Object.is(feed(s, i), first[i]), `${name}[${i}] after reset`);
    }
  });
});

Deno.test("EMA with seed 'first' reproduces the ema-cross strategy's averages bit for bit", () => {
  const s = generateMockCandles({ count: 5_000, interval: "1h", seed: 11 });
  const instance = emaCross.create({ fast: 12, slow: 26 });
  const strategy = instance as unknown as { ef: number; es: number };
  const runner = new StrategyRunner("ema-cross", instance, s);
  const fast = new Ema(12, { seed: "first" });
  const slow = new Ema(26, { seed: "first" });
  for (let i = 0; i < s.length; i++) {
    runner.decide(i, 10_000);
    assert.ok(Object.is(fast.update(s.close[i]), strategy.ef), `fast EMA at ${i}`);
    assert.ok(Object.is(slow.update(s.close[i]), strategy.es), `slow EMA at ${i}`);
  }
});

Deno.test("cumulative VWAP equals trading-signals' VWAP bit for bit", () => {
  const s = generateMockCandles({ count: 20_000, interval: "5m", seed: 21 });
  // a halt with no volume
  for (let i = 5_000; i < 5_050; i++) s.volume[i] = 0;
  const mine = new Vwap(Infinity);
  const ref = new VWAP();
  for (let i = 0; i < s.length; i++) {
    const c = { high: s.high[i], low: s.low[i], close: s.close[i], volume: s.volume[i] };
    const a = mine.update(c.high, c.low, c.close, c.volume);
    ref.add(c);
    assert.ok(Object.is(a, ref.getResultOrThrow()), `VWAP at ${i}`);
  }
});

Deno.test("rolling VWAP equals a two-pass reference to 1e-9", () => {
  const s = generateMockCandles({ count: 20_000, interval: "1h", seed: 22 });
  // a halt longer than the window, then trading again
  for (let i = 7_000; i < 7_080; i++) s.volume[i] = 0;
  for (const period of [1, 2, 24, 200]) {
    const vwap = new Vwap(period);
    let last = N;
    for (let i = 0; i < s.length; i++) {
      const v = vwap.update(s.high[i], s.low[i], s.close[i], s.volume[i]);
      if (i < period - 1) {
        assert.ok(Number.isNaN(v));
        continue;
      }
      let pv = 0, vol = 0;
      for (let j = i - period + 1; j <= i; j++) {
        pv += (s.high[j] + s.low[j] + s.close[j]) / 3 * s.volume[j];
        vol += s.volume[j];
      }
      const expected = vol > 0 ? pv / vol : last;
      last = expected;
      assert.ok(Math.abs(v - expected) <= 1e-9 * expected, `VWAP(${period})[${i}]`);
    }
  }
});

Deno.test("constructors refuse bad parameters", () => {
  for (const bad of [0, -1, 1.5, N, Infinity]) {
    assert.throws(() => new Sma(bad), RangeError);
    assert.throws(() => new Ema(bad), RangeError);
    assert.throws(() => new Rsi(bad), RangeError);
    assert.throws(() => new Atr(bad), RangeError);
    assert.throws(() => new BollingerBands(bad), RangeError);
    assert.throws(() => new Donchian(bad), RangeError);
    assert.throws(() => new Adx(bad), RangeError);
    assert.throws(() => new Macd(bad, 26, 9), RangeError);
    assert.throws(() => new Macd(12, 26, bad), RangeError);
  }
  assert.throws(() => new Vwap(0), /Cannot create VWAP: period must be an integer >= 1/);
  assert.throws(() => new Macd(26, 12, 9), /fast period must be shorter than slow/);
  assert.throws(() => new BollingerBands(20, N), RangeError);
  assert.throws(() => new Ema(5, { seed: "last" as "sma" }), RangeError);
});
