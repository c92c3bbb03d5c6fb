import { type Candle, seriesFromCandles } from "../../src/core/candle.ts";
import type { BacktestParams } from "../../src/core/backtest_params.ts";
import type { Bias, Strategy } from "../../src/strategy/api.ts";

/** A strategy that returns a fixed bias per candle index (0 beyond the script). */
export function scripted(biases: readonly Bias[]): Strategy {
  return { name: "scripted", warmup: 0, onCandle: (ctx) => biases[ctx.bars.index] ?? 0 };
}

/** Candles from [open, high, low, close] rows, one minute apart. */
export function bars(rows: readonly [number, number, number, number][], start = 1_700_000_000_000) {
  const candles: Candle[] = rows.map(([open, high, low, close], i) => ({
    ts: start + i * 60_000,
    open,
    high,
    low,
    close,
    volume: 1,
  }));
  return seriesFromCandles(candles);
}

/**
 * Inputs of the hand-computed tests: no slippage, 6 bps fee, leverage 1. Explicit rather
 * than DEFAULT_BACKTEST_PARAMS because the expected values depend on these exact numbers.
 */
export const PARAMS: BacktestParams = {
  startEquity: 10_000,
  riskPct: 1,
  stopBps: 30,
  tpR: 1.5,
  maxLeverage: 1,
  feeBps: 6,
  slippageBps: 0,
  intrabar: "conservative",
  mode: "position",
};
