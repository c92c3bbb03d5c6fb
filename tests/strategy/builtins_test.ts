import assert from "node:assert/strict";
import { allocSeries, type CandleSeries, sliceSeries } from "../../src/core/candle.ts";
import type { Trade } from "../../src/core/trade.ts";
import { readCandleCsv } from "../../src/data/csv_candles.ts";
import { type BacktestResult, runBacktestFast } from "../../src/engine/backtest_fast.ts";
import { Atr, BollingerBands, Rsi } from "../../src/indicators/mod.ts";
import type { Decision, StrategyContext } from "../../src/strategy/api.ts";
import {
  createStrategy,
  resolveStrategyParams,
  STRATEGIES,
  strategyDef,
  strategyParams,
} from "../../src/strategy/mod.ts";
import { REAL_5M, realDataPath, realDataTest } from "../_real_data.ts";
import { synthetic5m } from "../_synthetic_data.ts";
import { checkGolden, type Golden, GOLDEN_PARAMS } from "../engine/_golden.ts";

const NEW = ["donchian-atr", "rsi-reversion", "bollinger-reversion", "atr-trend"] as const;

/** The defaults each new strategy documents (STRATEGIES.md, `## Built-in strategies`). */
const DEFAULTS: Record<(typeof NEW)[number], Record<string, number>> = {
  "donchian-atr": { period: 20, atrPeriod: 14, atrMult: 2, targetR: 2 },
  "rsi-reversion": {
    period: 14,
    oversold: 30,
    overbought: 70,
    middle: 50,
    atrPeriod: 14,
    atrMult: 2,
  },
  "bollinger-reversion": { period: 20, deviations: 2, atrPeriod: 14, atrMult: 2 },
  "atr-trend": { fast: 20, slow: 50, atrPeriod: 14, atrMult: 3, partialR: 2, partialSize: 0.5 },
};

/**
 * Pinned trades of the new strategies on the generated 5m stand-in with the golden
 * settings (`GOLDEN_PARAMS`). A changed hash means changed trades: re-pin only for a
 * deliberate, explained change of a strategy, never for a refactor or a speed-up. Their
 * ATR stops are wide enough that no bar of these candles touches both levels, so both
 * bounds agree here (on the real data bollinger-reversion's differ).
 */
const GOLDEN_SYNTHETIC: Golden[] = [
  {
    strategy: "donchian-atr",
    params: DEFAULTS["donchian-atr"],
    trades: 938,
    conservative: "a920c1e69f377e70aa051f8cc8f73e340d75a8a0c998600506495cbc7512ffe5",
    optimistic: "a920c1e69f377e70aa051f8cc8f73e340d75a8a0c998600506495cbc7512ffe5",
  },
  {
    strategy: "rsi-reversion",
    params: DEFAULTS["rsi-reversion"],
    trades: 560,
    conservative: "af4b975d1e419c98fd4a06b702d9582e1603548d6e0a52be189d2559e5e1569e",
    optimistic: "af4b975d1e419c98fd4a06b702d9582e1603548d6e0a52be189d2559e5e1569e",
  },
  {
    strategy: "bollinger-reversion",
    params: DEFAULTS["bollinger-reversion"],
    trades: 1038,
    conservative: "665626af9dd73981c09eca57527a75c5aa260ea71342c8dd7ec45e45227604fc",
    optimistic: "665626af9dd73981c09eca57527a75c5aa260ea71342c8dd7ec45e45227604fc",
  },
  {
    strategy: "atr-trend",
    params: DEFAULTS["atr-trend"],
    trades: 878,
    conservative: "11dd5544a97353c364fca60c64ddb732d7b4f8e7442919102ef990effd213095",
    optimistic: "11dd5544a97353c364fca60c64ddb732d7b4f8e7442919102ef990effd213095",
  },
];

/** The same on the real 5m data (2024-01-01..06-30). */
const GOLDEN_REAL: Golden[] = [
  {
    strategy: "donchian-atr",
    params: DEFAULTS["donchian-atr"],
    trades: 1115,
    conservative: "806cc27b1e57de323849a9e98f984c74a87d39f03c279fd6250fde2e56267cac",
    optimistic: "806cc27b1e57de323849a9e98f984c74a87d39f03c279fd6250fde2e56267cac",
  },
  {
    strategy: "rsi-reversion",
    params: DEFAULTS["rsi-reversion"],
    trades: 658,
    conservative: "442861a0458a689fac058eaf7af92cfe5e8322a7b1bd7fba6ea13a665b4f9688",
    optimistic: "442861a0458a689fac058eaf7af92cfe5e8322a7b1bd7fba6ea13a665b4f9688",
  },
  {
    strategy: "bollinger-reversion",
    params: DEFAULTS["bollinger-reversion"],
    trades: 1310,
    conservative: "576c159131f50f05c03d542eefe77c8b4e23f30c7b8b6064525e882594140615",
    optimistic: "e63bfd172f99e7ee3f440291c141e1a34f5af8f67567bd7ff31b905b98e55acf",
  },
  {
    strategy: "atr-trend",
    params: DEFAULTS["atr-trend"],
    trades: 921,
    conservative: "f06858bc94bdde8f54f3d352c4a9bf31a73696a9d0ade8c39c1be875f93fae67",
    optimistic: "f06858bc94bdde8f54f3d352c4a9bf31a73696a9d0ade8c39c1be875f93fae67",
  },
];

/** What a strategy saw and answered on one candle. */
interface Seen {
  readonly answer: string;
  /** 1 long, -1 short, 0 flat. */
  readonly side: number;
  readonly entryTime: number;
  readonly stop: number;
  readonly qty: number;
  readonly decision: Decision;
}

/** A backtest of a built-in whose every answer, and the position it was given, is kept. */
function recordedRun(
  name: string,
  params: Record<string, number>,
  series: CandleSeries,
): { result: BacktestResult; seen: Seen[]; warmup: number } {
  const inner = createStrategy(name, params);
  const seen: Seen[] = [];
  const result = runBacktestFast(series, {
    name,
    warmup: inner.warmup,
    onCandle(ctx: StrategyContext): Decision {
      const d = inner.onCandle(ctx);
      const p = ctx.position;
      seen.push({
        answer: JSON.stringify(d) ?? "undefined",
        side: p === null ? 0 : p.side === "long" ? 1 : -1,
        entryTime: p === null ? Number.NaN : p.entryTime,
        stop: p === null ? Number.NaN : p.stopPrice,
        qty: p === null ? 0 : p.qty,
        decision: d,
      });
      return d;
    },
  }, GOLDEN_PARAMS);
  return { result, seen, warmup: inner.warmup };
}

/** Candle index of each open time. */
function indexOfTs(series: CandleSeries): Map<number, number> {
  const m = new Map<number, number>();
  for (let i = 0; i < series.length; i++) m.set(series.ts[i], i);
  return m;
}

/** An indicator's value after each candle of the series (NaN during its warm-up). */
function atrSeries(series: CandleSeries, period: number): Float64Array {
  const atr = new Atr(period);
  const out = new Float64Array(series.length);
  for (let i = 0; i < series.length; i++) {
    out[i] = atr.update(series.high[i], series.low[i], series.close[i]);
  }
  return out;
}

function assertNear(actual: number, expected: number, what: string): void {
  assert.ok(
    Math.abs(actual - expected) <= 1e-9 * Math.abs(expected),
    `${what}: ${actual}, expected ${expected}`,
  );
}

/** The index of each trade's entry candle, checked to fill at that candle's open. */
function entryIndex(t: Trade, at: Map<number, number>, series: CandleSeries): number {
  const k = at.get(t.entryTs)!;
  assert.equal(t.entryPrice, series.open[k], `trade ${t.id} fills at the open (no slippage)`);
  return k;
}

Deno.test("the built-ins are listed after ema-cross (the default) and breakout", () => {
  assert.deepEqual(STRATEGIES.map((s) => s.name), ["ema-cross", "breakout", ...NEW]);
});

Deno.test("each new strategy declares its parameters with defaults, help and int lengths", () => {
  for (const name of NEW) {
    const def = strategyDef(name);
    assert.deepEqual(resolveStrategyParams(def, {}), DEFAULTS[name], name);
    const info = strategyParams(def);
    assert.deepEqual(info.map((p) => p.name), Object.keys(DEFAULTS[name]), name);
    for (const p of info) {
      assert.equal(p.default, DEFAULTS[name][p.name], `${name} ${p.name}`);
      assert.ok(p.help.length > 10, `${name} ${p.name} has help`);
      const length = /period$|^fast$|^slow$/i.test(p.name);
      assert.equal(p.int, length, `${name} ${p.name} int`);
    }
  }
});

Deno.test("the parameter schemas refuse bad values, naming the parameter", async (t) => {
  const bad: [string, Record<string, number>, RegExp][] = [
    ["donchian-atr", { period: 1 }, /--period/],
    ["donchian-atr", { period: 20.5 }, /--period/],
    ["donchian-atr", { atrPeriod: 0 }, /--atr-period/],
    ["donchian-atr", { atrMult: 0 }, /--atr-mult/],
    ["donchian-atr", { targetR: -1 }, /--target-r/],
    ["rsi-reversion", { period: 1 }, /--period/],
    ["rsi-reversion", { oversold: 60 }, /--oversold: oversold must be below middle/],
    ["rsi-reversion", { overbought: 40 }, /--overbought: overbought must be above middle/],
    ["rsi-reversion", { middle: 101 }, /--middle/],
    ["rsi-reversion", { atrMult: Number.NaN }, /--atr-mult/],
    ["bollinger-reversion", { period: 3.5 }, /--period/],
    ["bollinger-reversion", { deviations: 0 }, /--deviations/],
    // the close is one of the window's values: it can never be sqrt(period - 1) sd away
    ["bollinger-reversion", { period: 5 }, /--deviations: below sqrt\(period - 1\)/],
    ["bollinger-reversion", { period: 20, deviations: Math.sqrt(19) }, /--deviations/],
    ["bollinger-reversion", { atrPeriod: 1e9 }, /--atr-period/],
    ["atr-trend", { fast: 60 }, /--fast: fast must be shorter than slow/],
    ["atr-trend", { slow: 1 }, /--slow/],
    ["atr-trend", { atrMult: 0 }, /--atr-mult/],
    ["atr-trend", { partialSize: 1 }, /--partial-size/],
    ["atr-trend", { partialR: 0 }, /--partial-r/],
  ];
  for (const [name, given, message] of bad) {
    await t.step(`${name} ${JSON.stringify(given)}`, () => {
      assert.throws(
        () => resolveStrategyParams(strategyDef(name), given),
        (e: Error) => {
          assert.equal(e.name, "InputError");
          assert.match(e.message, new RegExp(`^Invalid ${name} parameters `));
          assert.match(e.message, message);
          return true;
        },
      );
    });
  }
  // the boundary values themselves are accepted
  resolveStrategyParams(strategyDef("atr-trend"), { fast: 49, partialSize: 0 });
  resolveStrategyParams(strategyDef("rsi-reversion"), { oversold: 49, overbought: 51 });
  resolveStrategyParams(strategyDef("bollinger-reversion"), { period: 6 });
});

Deno.test("the warm-up is the longest any indicator needs, and nothing is answered before it", () => {
  const cases: [string, Record<string, number>, number][] = [
    ["donchian-atr", {}, 20], // the channel of the 20 candles before: from candle 20 on
    ["donchian-atr", { period: 5, atrPeriod: 30 }, 30], // ATR(30) has its first value there
    ["rsi-reversion", {}, 15], // a cross needs RSI(14) of the candle before (first at 14)
    ["rsi-reversion", { period: 5, atrPeriod: 30 }, 30],
    ["bollinger-reversion", {}, 20], // bands first at candle 19, so leaving them at 20
    ["bollinger-reversion", { period: 10, atrPeriod: 30 }, 30],
    ["atr-trend", {}, 50], // EMA(50) first at 49, so a cross from 50 on
    ["atr-trend", { fast: 2, slow: 3, atrPeriod: 30 }, 30],
  ];
  const series = sliceSeries(synthetic5m(), 0, 5_000);
  for (const [name, given, warmup] of cases) {
    const params = resolveStrategyParams(strategyDef(name), given);
    const { seen, warmup: w, result } = recordedRun(name, params, series);
    assert.equal(w, warmup, `${name} ${JSON.stringify(given)}`);
    assert.ok(seen.slice(0, w).every((s) => s.answer === "undefined"), name);
    assert.ok(result.trades.length > 10, `${name} ${JSON.stringify(given)} trades`);
  }
});

Deno.test("the new strategies trade on the generated 5m data and keep their pinned trades hashes", async (t) => {
  const series = synthetic5m();
  for (const g of GOLDEN_SYNTHETIC) assert.ok(g.trades >= 500, `${g.strategy} trades`);
  await checkGolden(t, series, 300_000, GOLDEN_SYNTHETIC);
});

realDataTest("the new strategies keep their pinned trades hashes on real 5m data", async (t) => {
  const series = await readCandleCsv(realDataPath(REAL_5M));
  assert.equal(series.length, 52_416);
  await checkGolden(t, series, 300_000, GOLDEN_REAL);
});

Deno.test("donchian-atr enters on a close beyond the prior channel, stop k x ATR, take-profit R x stop", () => {
  const series = synthetic5m();
  const p = DEFAULTS["donchian-atr"];
  const { result } = recordedRun("donchian-atr", p, series);
  const at = indexOfTs(series);
  const atr = atrSeries(series, p.atrPeriod);
  const trades = result.trades;
  assert.ok(trades.length > 500);
  /** Whether the close of candle `d` broke the channel of the `period` candles before it. */
  const broke = (d: number, side: "long" | "short") => {
    let hi = -Infinity;
    let lo = Infinity;
    for (let j = d - p.period; j < d; j++) {
      hi = Math.max(hi, series.high[j]);
      lo = Math.min(lo, series.low[j]);
    }
    return side === "long" ? series.close[d] > hi : series.close[d] < lo;
  };
  for (const t of trades) {
    const k = entryIndex(t, at, series);
    const d = k - 1; // the decision candle
    assert.ok(broke(d, t.side), `trade ${t.id} entered on a breakout`);
    const risk = Math.abs(t.entryPrice - t.stopPrice);
    assertNear(risk, p.atrMult * atr[d], `trade ${t.id} stop distance`);
    assertNear(Math.abs(t.tpPrice - t.entryPrice), p.targetR * risk, `trade ${t.id} tp distance`);
    assert.ok(t.side === "long" ? t.stopPrice < t.entryPrice : t.stopPrice > t.entryPrice);
  }
  const reasons = new Set(trades.map((t) => t.exitReason));
  assert.ok(reasons.has("tp") && reasons.has("stop"), [...reasons].join());
  // a signal exit is an opposite breakout (a reversal, unless the RiskGate refused the entry)
  const signals = trades.filter((t) => t.exitReason === "signal");
  assert.ok(signals.length > 50);
  for (const t of signals) {
    const x = at.get(t.exitTs)!;
    assert.equal(t.exitPrice, series.open[x]);
    assert.ok(broke(x - 1, t.side === "long" ? "short" : "long"), `trade ${t.id} exit`);
  }
});

Deno.test("rsi-reversion enters on RSI crosses and exits when the RSI is back at the middle", () => {
  const series = synthetic5m();
  const p = DEFAULTS["rsi-reversion"];
  const { result } = recordedRun("rsi-reversion", p, series);
  const at = indexOfTs(series);
  const rsiIn = new Rsi(p.period);
  const rsi = Float64Array.from(series.close, (c) => rsiIn.update(c));
  const atr = atrSeries(series, p.atrPeriod);
  const trades = result.trades;
  assert.ok(trades.length > 300);
  let signalExits = 0;
  for (const t of trades) {
    const k = entryIndex(t, at, series);
    const long = t.side === "long";
    const [now, before] = [rsi[k - 1], rsi[k - 2]];
    assert.ok(
      long
        ? now < p.oversold && before >= p.oversold
        : now > p.overbought && before <= p.overbought,
      `trade ${t.id} entered on RSI ${before} -> ${now}`,
    );
    assertNear(Math.abs(t.entryPrice - t.stopPrice), p.atrMult * atr[k - 1], `trade ${t.id} stop`);
    assert.equal(Number.isFinite(t.tpPrice), false, `trade ${t.id} has no take-profit`);
    assert.notEqual(t.exitReason, "tp");
    const x = at.get(t.exitTs)!;
    // held while the RSI stayed on the entry's side of the middle; a signal exit is
    // decided on the first candle it is back (and fills at the next open)
    const away = (r: number) => long ? r < p.middle : r > p.middle;
    const lastHeld = t.exitReason === "signal" ? x - 2 : x - 1;
    for (let j = k; j <= lastHeld; j++) assert.ok(away(rsi[j]), `trade ${t.id} candle ${j}`);
    if (t.exitReason === "signal") {
      signalExits++;
      assert.equal(t.exitPrice, series.open[x]);
      assert.ok(!away(rsi[x - 1]), `trade ${t.id} exit on RSI ${rsi[x - 1]}`);
    }
  }
  assert.ok(signalExits > 100, `${signalExits} exits at the middle`);
});

Deno.test("bollinger-reversion enters against a close leaving the bands, take-profit at the middle band", () => {
  const series = synthetic5m();
  const p = DEFAULTS["bollinger-reversion"];
  const { result } = recordedRun("bollinger-reversion", p, series);
  const at = indexOfTs(series);
  const bb = new BollingerBands(p.period, p.deviations);
  const n = series.length;
  const [mid, up, lo] = [new Float64Array(n), new Float64Array(n), new Float64Array(n)];
  for (let i = 0; i < n; i++) {
    mid[i] = bb.update(series.close[i]);
    up[i] = bb.upper;
    lo[i] = bb.lower;
  }
  const atr = atrSeries(series, p.atrPeriod);
  const trades = result.trades;
  assert.ok(trades.length > 500);
  for (const t of trades) {
    const k = entryIndex(t, at, series);
    const d = k - 1;
    const c = series.close;
    if (t.side === "long") assert.ok(c[d] < lo[d] && !(c[d - 1] < lo[d - 1]), `trade ${t.id}`);
    else assert.ok(c[d] > up[d] && !(c[d - 1] > up[d - 1]), `trade ${t.id}`);
    // the middle band of the decision candle, as a price, to the bit
    assert.equal(t.tpPrice, mid[d], `trade ${t.id} take-profit`);
    assertNear(Math.abs(t.entryPrice - t.stopPrice), p.atrMult * atr[d], `trade ${t.id} stop`);
    if (t.exitReason === "tp") {
      const x = at.get(t.exitTs)!;
      // at the band, or at the open when the bar opened through it
      assert.ok(t.exitPrice === t.tpPrice || t.exitPrice === series.open[x], `trade ${t.id}`);
    }
  }
  assert.ok(trades.filter((t) => t.exitReason === "tp").length > 300);
});

Deno.test("atr-trend trails its stop only tighter, has no take-profit and takes one partial", () => {
  const series = synthetic5m();
  const p = DEFAULTS["atr-trend"];
  const { result, seen } = recordedRun("atr-trend", p, series);
  const at = indexOfTs(series);
  const atr = atrSeries(series, p.atrPeriod);
  // every stop it asks for is tighter than the one held: no answer the engine refuses
  let moves = 0;
  let partials = 0;
  for (const s of seen) {
    const intents = Array.isArray(s.decision) ? s.decision : [s.decision];
    for (const d of intents) {
      if (d !== null && typeof d === "object" && "moveStop" in d) {
        moves++;
        assert.ok(s.side * (d.moveStop - s.stop) > 0, `move to ${d.moveStop} from ${s.stop}`);
      }
      if (d !== null && typeof d === "object" && "takePartial" in d) {
        partials++;
        assert.equal(d.takePartial, p.partialSize);
      }
    }
  }
  assert.ok(moves > 2_000, `${moves} stop moves`);
  // the stop each position started with, and the quantities it was held at
  const first = new Map<number, number>();
  const qtys = new Map<number, number[]>();
  for (const s of seen) {
    if (s.side === 0) continue;
    if (!first.has(s.entryTime)) first.set(s.entryTime, s.stop);
    const q = qtys.get(s.entryTime) ?? [];
    if (q.at(-1) !== s.qty) q.push(s.qty);
    qtys.set(s.entryTime, q);
  }
  const trades = result.trades;
  assert.ok(trades.length > 500);
  let trailed = 0;
  let partlyTaken = 0;
  for (const t of trades) {
    const k = entryIndex(t, at, series);
    assert.equal(Number.isFinite(t.tpPrice), false, `trade ${t.id} has no take-profit`);
    assert.notEqual(t.exitReason, "tp");
    const entryStop = first.get(t.entryTs);
    if (entryStop === undefined) continue; // stopped out on its entry bar: never seen
    assertNear(Math.abs(t.entryPrice - entryStop), p.atrMult * atr[k - 1], `trade ${t.id}`);
    const long = t.side === "long";
    // the exit's stop is never looser than the entry's
    assert.ok(long ? t.stopPrice >= entryStop : t.stopPrice <= entryStop, `trade ${t.id}`);
    if (t.stopPrice !== entryStop) trailed++;
    const q = qtys.get(t.entryTs)!;
    assert.ok(q.length <= 2, `trade ${t.id}: at most one partial (${q})`);
    if (q.length === 2) {
      partlyTaken++;
      // quantities are rounded to 1e-12 BTC when split
      assert.ok(Math.abs(q[1] - q[0] * (1 - p.partialSize)) <= 2e-12, `trade ${t.id}: ${q}`);
      assert.ok(Math.abs(t.qty - q[0]) <= 2e-12, `trade ${t.id} qty ${t.qty}`);
    }
  }
  assert.ok(trailed > trades.length / 2, `${trailed} of ${trades.length} trailed`);
  assert.ok(partlyTaken > 20, `${partlyTaken} partials`);
  assert.ok(partials >= partlyTaken);
  // a trailed stop exit can be a win: the stop followed the trend past the entry
  assert.ok(trades.some((t) => t.exitReason === "stop" && t.grossPnl > 0));
});

Deno.test("no built-in reads ahead: on a cut series each answers as on the whole one", () => {
  // the runner throws on a read of a later candle; this also catches a strategy that reached
  // the series some other way: cut there, the candle before the cut would be answered
  // otherwise. Every answer of one long cut is compared, then the last answer of many cuts.
  const series = sliceSeries(synthetic5m(), 0, 12_000);
  for (const def of STRATEGIES) {
    const params = resolveStrategyParams(def, {});
    const whole = recordedRun(def.name, params, series).seen.map((s) => s.answer);
    const head = recordedRun(def.name, params, sliceSeries(series, 0, 10_000)).seen;
    assert.deepEqual(head.map((s) => s.answer), whole.slice(0, 10_000), def.name);
    for (let cut = 100; cut < series.length; cut += 23) {
      const last = lastAnswer(def.name, params, sliceSeries(series, 0, cut));
      assert.equal(last, whole[cut - 1], `${def.name} at candle ${cut - 1}`);
    }
  }
});

/** A backtest of a built-in that keeps only its last answer. */
function lastAnswer(name: string, params: Record<string, number>, series: CandleSeries): string {
  const inner = createStrategy(name, params);
  let last: Decision = undefined;
  runBacktestFast(series, {
    name,
    warmup: inner.warmup,
    onCandle: (ctx) => (last = inner.onCandle(ctx)),
  }, GOLDEN_PARAMS);
  return JSON.stringify(last) ?? "undefined";
}

// A halt: RSI 0, Bollinger width 0, the close on its channel, the EMAs equal. A rule that
// entered on a level rather than a crossing (RSI below oversold) would trade here.
Deno.test("on flat candles (a halt) the new strategies answer nothing and do not trade", () => {
  const n = 500;
  const s = allocSeries(n);
  for (let i = 0; i < n; i++) {
    s.ts[i] = Date.UTC(2024, 0, 1) + i * 300_000;
    s.open[i] =
      s.high[i] =
      s.low[i] =
      s.close[i] =
        42_000;
    s.volume[i] = 0;
  }
  for (const name of NEW) {
    const { result, seen } = recordedRun(name, DEFAULTS[name], s);
    assert.equal(result.trades.length, 0, name);
    assert.ok(seen.every((x) => x.answer === "undefined"), name);
  }
});
