/**
 * The backtest's entry point under its historical name: the one engine's loop.
 *
 * @module
 */
export { type BacktestResult, runBacktest as runBacktestFast } from "./backtest_loop.ts";
