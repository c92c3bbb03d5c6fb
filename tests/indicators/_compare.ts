/**
 * Runs each indicator over a candle series next to TA-Lib and compares every output.
 * Shared by the generated-data and the real-data tests.
 */
import assert from "node:assert/strict";
import type { CandleSeries } from "../../src/core/candle.ts";
import {
  Adx,
  Atr,
  BollingerBands,
  Donchian,
  Ema,
  Macd,
  Rsi,
  Sma,
} from "../../src/indicators/mod.ts";
import { MA_SMA, talib } from "./_talib.ts";

/** Largest relative difference allowed: |a - b| <= REL * max(|a|, |b|). */
export const REL = 1e-9;

/**
 * What a comparison found: outputs compared, how many were bit-equal, the largest
 * relative gap, and how many TA-Lib outputs were themselves off the exact value by more
 * than `REL` (only counted when an exact reference is given).
 */
export interface Agreement {
  compared: number;
  exact: number;
  maxRel: number;
  taLibOff: number;
}

function relDiff(a: number, b: number): number {
  return a === b ? 0 : Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b));
}

/**
 * Asserts `mine` and `ref` (TA-Lib) are NaN at the same indices (the warm-up) and within
 * `REL` elsewhere; returns the agreement. With `exact` (a two-pass reference), an index
 * where TA-Lib itself is more than `REL` off the exact value is instead checked against
 * `exact`: ours must be within `REL` of it and closer than TA-Lib.
 */
export function assertAgrees(
  label: string,
  mine: Float64Array,
  ref: Float64Array,
  exact?: Float64Array,
): Agreement {
  assert.equal(mine.length, ref.length, `${label}: length`);
  let compared = 0, same = 0, maxRel = 0, taLibOff = 0;
  for (let i = 0; i < ref.length; i++) {
    const a = mine[i];
    const b = ref[i];
    if (Number.isNaN(b) || Number.isNaN(a)) {
      assert.ok(Number.isNaN(a) && Number.isNaN(b), `${label}[${i}]: mine ${a}, TA-Lib ${b}`);
      continue;
    }
    compared++;
    if (exact) {
      const e = exact[i];
      const mineOff = relDiff(a, e);
      assert.ok(mineOff <= REL, `${label}[${i}]: mine ${a}, exact ${e} (relative ${mineOff})`);
      const refOff = relDiff(b, e);
      if (refOff > REL) {
        assert.ok(mineOff < refOff, `${label}[${i}]: mine ${a}, TA-Lib ${b}, exact ${e}`);
        taLibOff++;
        continue;
      }
    }
    if (a === b) {
      same++;
      continue;
    }
    const rel = relDiff(a, b);
    if (rel > maxRel) maxRel = rel;
    assert.ok(rel <= REL, `${label}[${i}]: mine ${a}, TA-Lib ${b} (relative ${rel})`);
  }
  return { compared, exact: same, maxRel, taLibOff };
}

/** Bollinger Bands computed the textbook way, two passes over every window. */
export function exactBands(x: ArrayLike<number>, period: number, k: number): Float64Array[] {
  const n = x.length;
  const out = [0, 1, 2].map(() => new Float64Array(n).fill(Number.NaN));
  for (let i = period - 1; i < n; i++) {
    let m = 0;
    for (let j = i - period + 1; j <= i; j++) m += x[j];
    m /= period;
    let v = 0;
    for (let j = i - period + 1; j <= i; j++) v += (x[j] - m) ** 2;
    const sd = Math.sqrt(v / period);
    out[0][i] = m + k * sd;
    out[1][i] = m;
    out[2][i] = m - k * sd;
  }
  return out;
}

/** Leading NaNs of an output: TA-Lib's lookback. */
export function leadingNaNs(a: Float64Array): number {
  let i = 0;
  while (i < a.length && Number.isNaN(a[i])) i++;
  return i;
}

/** Feeds `n` inputs to `step`, which returns the outputs of input i. */
function collect(n: number, outputs: number, step: (i: number) => number[]): Float64Array[] {
  const out = Array.from({ length: outputs }, () => new Float64Array(n));
  for (let i = 0; i < n; i++) {
    const v = step(i);
    for (let k = 0; k < outputs; k++) out[k][i] = v[k];
  }
  return out;
}

/**
 * One indicator run: its outputs and TA-Lib's, with the indicator's declared warm-up(s)
 * and, where TA-Lib's own rounding can exceed the tolerance, exact reference outputs.
 */
export interface Run {
  label: string;
  mine: Float64Array[];
  ref: Float64Array[];
  warmup: number[];
  exact?: Float64Array[];
}

/** Every indicator with TA-Lib's counterpart, for `period` (MACD: its usual 12/26/9). */
export function runAll(s: CandleSeries, period: number): Run[] {
  const n = s.length;
  const { high, low, close } = s;
  const runs: Run[] = [];

  const sma = new Sma(period);
  runs.push({
    label: `SMA(${period})`,
    mine: collect(n, 1, (i) => [sma.update(close[i])]),
    ref: talib("SMA", [close], [period], 1),
    warmup: [sma.warmup],
  });

  const ema = new Ema(period);
  runs.push({
    label: `EMA(${period})`,
    mine: collect(n, 1, (i) => [ema.update(close[i])]),
    ref: talib("EMA", [close], [period], 1),
    warmup: [ema.warmup],
  });

  const rsi = new Rsi(period);
  runs.push({
    label: `RSI(${period})`,
    mine: collect(n, 1, (i) => [rsi.update(close[i])]),
    ref: talib("RSI", [close], [period], 1),
    warmup: [rsi.warmup],
  });

  const atr = new Atr(period);
  runs.push({
    label: `ATR(${period})`,
    mine: collect(n, 1, (i) => [atr.update(high[i], low[i], close[i])]),
    ref: talib("ATR", [high, low, close], [period], 1),
    warmup: [atr.warmup],
  });

  for (const k of [2, 1, 2.5]) {
    const bb = new BollingerBands(period, k);
    runs.push({
      label: `BBANDS(${period}, ${k})`,
      mine: collect(n, 3, (i) => {
        bb.update(close[i]);
        return [bb.upper, bb.middle, bb.lower];
      }),
      ref: talib("BBANDS", [close], [period, k, k, MA_SMA], 3),
      warmup: [bb.warmup, bb.warmup, bb.warmup],
      exact: exactBands(close, period, k),
    });
  }

  const fast = Math.max(2, Math.floor(period / 2));
  const macdPeriods: [number, number, number][] = [[12, 26, 9], [fast, period + 1, period]];
  for (const [f, sl, sg] of macdPeriods) {
    const macd = new Macd(f, sl, sg);
    runs.push({
      label: `MACD(${f}, ${sl}, ${sg})`,
      mine: collect(n, 3, (i) => {
        macd.update(close[i]);
        return [macd.macd, macd.signal, macd.histogram];
      }),
      ref: talib("MACD", [close], [f, sl, sg], 3),
      warmup: [macd.warmup, macd.warmup, macd.warmup],
    });
  }

  const dc = new Donchian(period);
  runs.push({
    label: `Donchian(${period}) vs MAX/MIN`,
    mine: collect(n, 2, (i) => {
      dc.update(high[i], low[i]);
      return [dc.upper, dc.lower];
    }),
    ref: [talib("MAX", [high], [period], 1)[0], talib("MIN", [low], [period], 1)[0]],
    warmup: [dc.warmup, dc.warmup],
  });

  const adx = new Adx(period);
  runs.push({
    label: `ADX(${period}) with +DI/-DI`,
    mine: collect(n, 3, (i) => {
      adx.update(high[i], low[i], close[i]);
      return [adx.value, adx.plusDi, adx.minusDi];
    }),
    ref: [
      talib("ADX", [high, low, close], [period], 1)[0],
      talib("PLUS_DI", [high, low, close], [period], 1)[0],
      talib("MINUS_DI", [high, low, close], [period], 1)[0],
    ],
    warmup: [adx.warmup, adx.diWarmup, adx.diWarmup],
  });
  return runs;
}

/** Runs `runAll` and asserts every output and warm-up; returns the agreements by label. */
export function checkAll(s: CandleSeries, period: number): Map<string, Agreement> {
  const found = new Map<string, Agreement>();
  for (const run of runAll(s, period)) {
    run.ref.forEach((ref, k) => {
      const label = `${run.label} output ${k}`;
      assert.equal(run.warmup[k], leadingNaNs(ref), `${label}: warm-up vs TA-Lib's lookback`);
      found.set(label, assertAgrees(label, run.mine[k], ref, run.exact?.[k]));
    });
  }
  return found;
}
