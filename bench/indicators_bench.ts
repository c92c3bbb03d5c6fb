/**
 * `deno bench bench/indicators_bench.ts`: each indicator over the same 1,000,000 generated
 * 5m candles, ours against the streaming indicators of `trading-signals` (its `add`, one
 * input at a time; the candle objects it needs are built before timing). One bench
 * iteration is 1,000,000 updates, so updates per second = iter/s × 1,000,000.
 *
 * Before timing, the module prints how far trading-signals' values are from ours (the
 * largest relative difference where both have a value, and the first input where both
 * have one): ours equal TA-Lib's (tests/indicators/), so this is how far it is from TA-Lib.
 */
import {
  ADX,
  ATR,
  BollingerBands as TsBollingerBands,
  DonchianChannels,
  EMA,
  MACD,
  RSI,
  SMA,
  VWAP,
} from "trading-signals";
import { generateMockCandles } from "../src/data/mock_candles.ts";
import {
  Adx,
  Atr,
  BollingerBands,
  Donchian,
  Ema,
  Macd,
  Rsi,
  Sma,
  Vwap,
} from "../src/indicators/mod.ts";

const N = 1_000_000;
const s = generateMockCandles({ count: N, interval: "5m", seed: 1 });
const { high, low, close, volume } = s;
const candles = Array.from({ length: N }, (_, i) => ({
  high: high[i],
  low: low[i],
  close: close[i],
  volume: volume[i],
}));

/**
 * Keeps every result alive so no loop can be optimised away. Each loop adds into a local
 * and writes here once: a module-level double written per update would be boxed.
 */
let sink = 0;

/** Largest relative difference of two output series where both have a value. */
function compare(label: string, ours: Float64Array, theirs: Float64Array): void {
  let maxRel = 0, firstOurs = -1, firstTheirs = -1;
  for (let i = 0; i < N; i++) {
    const a = ours[i], b = theirs[i];
    if (firstOurs < 0 && !Number.isNaN(a)) firstOurs = i;
    if (firstTheirs < 0 && !Number.isNaN(b)) firstTheirs = i;
    if (Number.isNaN(a) || Number.isNaN(b) || a === b) continue;
    const rel = Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b));
    if (rel > maxRel) maxRel = rel;
  }
  console.log(
    `${label.padEnd(26)} max relative difference ${maxRel.toExponential(2)}` +
      `, first value at input ${firstOurs} (ours) / ${firstTheirs} (trading-signals)`,
  );
}

function series(f: (i: number) => number): Float64Array {
  const out = new Float64Array(N);
  for (let i = 0; i < N; i++) out[i] = f(i);
  return out;
}

const nan = (v: number | null | undefined) => v ?? Number.NaN;
{
  const a = new Sma(20), b = new SMA(20);
  compare("SMA(20)", series((i) => a.update(close[i])), series((i) => nan(b.add(close[i]))));
}
{
  const a = new Ema(20), b = new EMA(20);
  const mine = series((i) => a.update(close[i]));
  const theirs = series((i) => {
    b.add(close[i]);
    return b.isStable ? b.getResultOrThrow() : Number.NaN;
  });
  compare("EMA(20)", mine, theirs);
}
{
  const a = new Rsi(14), b = new RSI(14);
  compare("RSI(14)", series((i) => a.update(close[i])), series((i) => nan(b.add(close[i]))));
}
{
  const a = new Atr(14), b = new ATR(14);
  compare(
    "ATR(14)",
    series((i) => a.update(high[i], low[i], close[i])),
    series((i) => nan(b.add(candles[i]))),
  );
}
{
  const a = new BollingerBands(20, 2), b = new TsBollingerBands(20, 2);
  compare(
    "Bollinger(20, 2) upper",
    series((i) => (a.update(close[i]), a.upper)),
    series((i) => nan(b.add(close[i])?.upper)),
  );
}
{
  const a = new Macd(12, 26, 9), b = new MACD(new EMA(12), new EMA(26), new EMA(9));
  compare(
    "MACD(12, 26, 9) signal",
    series((i) => (a.update(close[i]), a.signal)),
    series((i) => nan(b.add(close[i])?.signal)),
  );
}
{
  const a = new Donchian(20), b = new DonchianChannels(20);
  compare(
    "Donchian(20) upper",
    series((i) => (a.update(high[i], low[i]), a.upper)),
    series((i) => nan(b.add(candles[i])?.upper)),
  );
}
{
  const a = new Vwap(Infinity), b = new VWAP();
  compare(
    "VWAP cumulative",
    series((i) => a.update(high[i], low[i], close[i], volume[i])),
    series((i) => nan(b.add(candles[i]))),
  );
}
{
  const a = new Adx(14), b = new ADX(14);
  compare(
    "ADX(14)",
    series((i) => a.update(high[i], low[i], close[i])),
    series((i) => nan(b.add(candles[i]))),
  );
}

const OURS = { n: 30, warmup: 5 };
const THEIRS = { n: 5, warmup: 1 };

Deno.bench({
  name: "SMA(20) ours",
  group: "SMA",
  baseline: true,
  ...OURS,
  fn() {
    const x = new Sma(20);
    let acc = 0;
    for (let i = 0; i < N; i++) acc += x.update(close[i]);
    sink += acc;
  },
});
Deno.bench({
  name: "SMA(20) trading-signals",
  group: "SMA",
  ...THEIRS,
  fn() {
    const x = new SMA(20);
    for (let i = 0; i < N; i++) x.add(close[i]);
    sink += x.getResultOrThrow();
  },
});

Deno.bench({
  name: "EMA(20) ours",
  group: "EMA",
  baseline: true,
  ...OURS,
  fn() {
    const x = new Ema(20);
    let acc = 0;
    for (let i = 0; i < N; i++) acc += x.update(close[i]);
    sink += acc;
  },
});
Deno.bench({
  name: "EMA(20) trading-signals",
  group: "EMA",
  ...THEIRS,
  fn() {
    const x = new EMA(20);
    for (let i = 0; i < N; i++) x.add(close[i]);
    sink += x.getResultOrThrow();
  },
});

Deno.bench({
  name: "RSI(14) ours",
  group: "RSI",
  baseline: true,
  ...OURS,
  fn() {
    const x = new Rsi(14);
    let acc = 0;
    for (let i = 0; i < N; i++) acc += x.update(close[i]);
    sink += acc;
  },
});
Deno.bench({
  name: "RSI(14) trading-signals",
  group: "RSI",
  ...THEIRS,
  fn() {
    const x = new RSI(14);
    for (let i = 0; i < N; i++) x.add(close[i]);
    sink += x.getResultOrThrow();
  },
});

Deno.bench({
  name: "ATR(14) ours",
  group: "ATR",
  baseline: true,
  ...OURS,
  fn() {
    const x = new Atr(14);
    let acc = 0;
    for (let i = 0; i < N; i++) acc += x.update(high[i], low[i], close[i]);
    sink += acc;
  },
});
Deno.bench({
  name: "ATR(14) trading-signals",
  group: "ATR",
  ...THEIRS,
  fn() {
    const x = new ATR(14);
    for (let i = 0; i < N; i++) x.add(candles[i]);
    sink += x.getResultOrThrow();
  },
});

Deno.bench({
  name: "Bollinger(20, 2) ours",
  group: "Bollinger",
  baseline: true,
  ...OURS,
  fn() {
    const x = new BollingerBands(20, 2);
    let acc = 0;
    for (let i = 0; i < N; i++) {
      x.update(close[i]);
      acc += x.upper;
    }
    sink += acc;
  },
});
Deno.bench({
  name: "Bollinger(20, 2) trading-signals",
  group: "Bollinger",
  ...THEIRS,
  fn() {
    const x = new TsBollingerBands(20, 2);
    for (let i = 0; i < N; i++) x.add(close[i]);
    sink += x.getResultOrThrow().upper;
  },
});

Deno.bench({
  name: "MACD(12, 26, 9) ours",
  group: "MACD",
  baseline: true,
  ...OURS,
  fn() {
    const x = new Macd(12, 26, 9);
    let acc = 0;
    for (let i = 0; i < N; i++) {
      x.update(close[i]);
      acc += x.histogram;
    }
    sink += acc;
  },
});
Deno.bench({
  name: "MACD(12, 26, 9) trading-signals",
  group: "MACD",
  ...THEIRS,
  fn() {
    const x = new MACD(new EMA(12), new EMA(26), new EMA(9));
    for (let i = 0; i < N; i++) x.add(close[i]);
    sink += x.getResultOrThrow().histogram;
  },
});

Deno.bench({
  name: "Donchian(20) ours",
  group: "Donchian",
  baseline: true,
  ...OURS,
  fn() {
    const x = new Donchian(20);
    let acc = 0;
    for (let i = 0; i < N; i++) {
      x.update(high[i], low[i]);
      acc += x.upper;
    }
    sink += acc;
  },
});
Deno.bench({
  name: "Donchian(20) trading-signals",
  group: "Donchian",
  ...THEIRS,
  fn() {
    const x = new DonchianChannels(20);
    for (let i = 0; i < N; i++) x.add(candles[i]);
    sink += x.getResultOrThrow().upper;
  },
});

Deno.bench({
  name: "VWAP(20) rolling ours",
  group: "VWAP",
  ...OURS,
  fn() {
    const x = new Vwap(20);
    let acc = 0;
    for (let i = 0; i < N; i++) acc += x.update(high[i], low[i], close[i], volume[i]);
    sink += acc;
  },
});
Deno.bench({
  name: "VWAP cumulative ours",
  group: "VWAP",
  baseline: true,
  ...OURS,
  fn() {
    const x = new Vwap(Infinity);
    let acc = 0;
    for (let i = 0; i < N; i++) acc += x.update(high[i], low[i], close[i], volume[i]);
    sink += acc;
  },
});
Deno.bench({
  name: "VWAP cumulative trading-signals",
  group: "VWAP",
  ...THEIRS,
  fn() {
    const x = new VWAP();
    for (let i = 0; i < N; i++) x.add(candles[i]);
    sink += x.getResultOrThrow();
  },
});

Deno.bench({
  name: "ADX(14) ours",
  group: "ADX",
  baseline: true,
  ...OURS,
  fn() {
    const x = new Adx(14);
    let acc = 0;
    for (let i = 0; i < N; i++) acc += x.update(high[i], low[i], close[i]);
    sink += acc;
  },
});
Deno.bench({
  name: "ADX(14) trading-signals",
  group: "ADX",
  ...THEIRS,
  fn() {
    const x = new ADX(14);
    for (let i = 0; i < N; i++) x.add(candles[i]);
    sink += x.getResultOrThrow();
  },
});

globalThis.addEventListener("unload", () => {
  if (sink === 1.2345) console.log(sink);
});
