/**
 * Synthetic BTCUSDT candles for demos and tests: a seeded random walk with volatility
 * regimes (calm, normal, violent), short-term volatility clustering, small drift and
 * occasional jumps. Same options, same candles.
 */
import { allocSeries, type CandleSeries, type Interval, INTERVAL_MS } from "../core/candle.ts";
import { InputError } from "../core/errors.ts";
import { createRng } from "./rng.ts";

/** Options of `generateMockCandles`. */
export interface MockCandleOptions {
  /** Number of candles (>= 1). */
  readonly count: number;
  /** Candle interval, e.g. `5m`. */
  readonly interval: Interval;
  /** Seed of the random source; equal seeds give identical candles. */
  readonly seed: number;
  /** Open time of the first candle, Unix ms on the interval grid; default 2024-01-01T00:00Z. */
  readonly startTs?: number;
  /** First open price in USDT; default 42,000. */
  readonly startPrice?: number;
}

/** Default first candle time: 2024-01-01T00:00:00Z. */
export const MOCK_DEFAULT_START_TS = Date.UTC(2024, 0, 1);
/** Default first open price. */
export const MOCK_DEFAULT_START_PRICE = 42_000;

const YEAR_MS = 365 * 86_400_000;
const HOUR_MS = 3_600_000;
/** Base annualised volatility before regime and clustering multipliers (~68% overall). */
const BASE_VOL = 0.65;
/** Annual drift of the log price. */
const DRIFT = 0.1;
/**
 * Pull of the log price back toward the start price (per year; half-life ~2.3 years):
 * invisible over weeks, but keeps million-candle daily series in a plausible range.
 */
const REVERSION = 0.3;
/** Jumps per year and their typical size (log return standard deviation). */
const JUMPS_PER_YEAR = 12;
const JUMP_SIZE = 0.025;
/** Sub-steps simulated inside each candle to form high and low. */
const SUB_STEPS = 4;
/** Volatility multiplier and mean duration (hours) of each regime: calm, normal, violent. */
const REGIME_MULT = [0.55, 1, 2.2];
const REGIME_HOURS = [72, 96, 18];
/** Short-term log-volatility clustering: half-life and stationary standard deviation. */
const CLUSTER_HALF_LIFE_MS = 6 * HOUR_MS;
const CLUSTER_SD = 0.35;
/** Typical BTC volume per hour on a large venue. */
const VOLUME_PER_HOUR = 1_000;

function check(ok: boolean, input: string, expected: string): void {
  if (!ok) throw new InputError(input, expected);
}

/**
 * Generates `count` synthetic candles on the `interval` grid. Per-candle volatility is the
 * annual figure scaled by sqrt(interval), so every interval has realistic moves.
 * Guarantees: open = previous close, high >= max(open, close), low <= min(open, close),
 * prices > 0 (rounded to 0.01), volume > 0 and higher in violent stretches.
 *
 * @throws InputError for a bad count, interval, seed, start time or start price.
 */
export function generateMockCandles(options: MockCandleOptions): CandleSeries {
  const { count, interval, seed } = options;
  const startTs = options.startTs ?? MOCK_DEFAULT_START_TS;
  const startPrice = options.startPrice ?? MOCK_DEFAULT_START_PRICE;
  check(
    Number.isSafeInteger(count) && count >= 1,
    "mock candle count",
    `expected a positive integer, got ${count}`,
  );
  check(
    Object.hasOwn(INTERVAL_MS, interval),
    "mock candle interval",
    `expected one of ${Object.keys(INTERVAL_MS).join(", ")}, got ${String(interval)}`,
  );
  const intervalMs = INTERVAL_MS[interval];
  check(Number.isFinite(seed), "mock seed", `expected a finite number, got ${seed}`);
  check(
    Number.isSafeInteger(startTs) && startTs >= 0 && startTs % intervalMs === 0,
    "mock start time",
    `expected Unix ms on the ${interval} grid, got ${startTs}`,
  );
  check(
    Number.isFinite(startPrice) && startPrice >= 1,
    "mock start price",
    `expected a number >= 1, got ${startPrice}`,
  );

  const rng = createRng(seed);
  const out = allocSeries(count);
  const dt = intervalMs / YEAR_MS;
  const subDt = dt / SUB_STEPS;
  const sqrtSubDt = Math.sqrt(subDt);
  const switchProb = REGIME_HOURS.map((h) => 1 - Math.exp(-intervalMs / (h * HOUR_MS)));
  const phi = Math.exp((-Math.LN2 * intervalMs) / CLUSTER_HALF_LIFE_MS);
  const clusterShock = CLUSTER_SD * Math.sqrt(1 - phi * phi);
  const jumpProb = 1 - Math.exp(-JUMPS_PER_YEAR * dt);
  const baseVolume = (VOLUME_PER_HOUR * intervalMs) / HOUR_MS;

  let regime = 1;
  let cluster = rng.normal() * CLUSTER_SD;
  let price = Math.round(startPrice * 100) / 100;
  const anchor = Math.log(price);
  let logP = anchor;

  for (let i = 0; i < count; i++) {
    // Regime switch: calm and violent always return to normal; normal goes either way.
    if (rng.next() < switchProb[regime]) {
      regime = regime === 1 ? (rng.next() < 0.7 ? 0 : 2) : 1;
    }
    cluster = phi * cluster + clusterShock * rng.normal();
    const mult = REGIME_MULT[regime] * Math.exp(cluster - (CLUSTER_SD * CLUSTER_SD) / 2);
    const sigma = BASE_VOL * mult;
    const stepDrift = (DRIFT - (sigma * sigma) / 2 + REVERSION * (anchor - logP)) * subDt;
    const stepSd = sigma * sqrtSubDt;
    const jumpAt = rng.next() < jumpProb ? rng.int(SUB_STEPS) : -1;

    const open = price;
    let hi = logP;
    let lo = logP;
    let absMove = 0;
    for (let s = 0; s < SUB_STEPS; s++) {
      let r = stepDrift + stepSd * rng.normal();
      if (s === jumpAt) r += JUMP_SIZE * Math.sqrt(mult) * rng.normal();
      absMove += Math.abs(r);
      logP += r;
      if (logP > hi) hi = logP;
      if (logP < lo) lo = logP;
    }
    // Wicks: the path between sub-steps reaches a little further than the sampled points.
    hi += rng.next() * stepSd * 0.8;
    lo -= rng.next() * stepSd * 0.8;

    let close = Math.round(Math.exp(logP) * 100) / 100;
    if (close < 0.01) close = 0.01;
    let high = Math.round(Math.exp(hi) * 100) / 100;
    let low = Math.round(Math.exp(lo) * 100) / 100;
    const top = open > close ? open : close;
    const bottom = open < close ? open : close;
    if (high < top) high = top;
    if (low > bottom) low = bottom;
    if (low < 0.01) low = 0.01;

    // Volume follows volatility and the size of the move, with lognormal noise.
    const activity = mult * (0.6 + (0.4 * absMove) / (stepSd * SUB_STEPS * 0.8));
    const volume = Math.max(
      0.00001,
      Math.round(baseVolume * activity * Math.exp(0.35 * rng.normal() - 0.06) * 1e5) / 1e5,
    );

    out.ts[i] = startTs + i * intervalMs;
    out.open[i] = open;
    out.high[i] = high;
    out.low[i] = low;
    out.close[i] = close;
    out.volume[i] = volume;
    price = close;
  }
  return out;
}
