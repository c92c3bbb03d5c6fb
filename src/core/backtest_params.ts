import type { RiskLimits } from "./risk_limits.ts";
import { HARD_LIMITS } from "./hard_limits.ts";

/** How a backtest trades: sizing, bracket, costs and fill assumptions. */
export interface BacktestParams {
  readonly startEquity: number;
  /** Percent of equity risked per trade at the stop. */
  readonly riskPct: number;
  /** Stop distance from entry in basis points. */
  readonly stopBps: number;
  /** Take-profit distance as a multiple of the stop distance. */
  readonly tpR: number;
  readonly maxLeverage: number;
  /** Taker fee per side in basis points. */
  readonly feeBps: number;
  /** Adverse slippage per fill in basis points. */
  readonly slippageBps: number;
  /** Which bracket level a bar touching both is assumed to hit first. */
  readonly intrabar: "conservative" | "optimistic";
  /** position: hold until stop/TP/signal; bar: one trade per bar, open to close. */
  readonly mode: "position" | "bar";
  /** Limits stricter than the hard limits (daily loss, position size). */
  readonly limits?: Partial<RiskLimits>;
  /**
   * The venue's minimum order quantity in base coin: an entry that fits the day's loss
   * budget only below it is refused (default 0; the CLI uses BTCUSDT's 0.0001).
   */
  readonly minQty?: number;
}

/** Bitunix's minimum BTCUSDT order quantity (trading_pairs `minTradeVolume`). */
export const BTCUSDT_MIN_QTY = 0.0001;

/** The defaults of the trading flags (`--start-equity 10000 --risk-pct 1 ...`). */
export const DEFAULT_BACKTEST_PARAMS: BacktestParams = Object.freeze({
  startEquity: 10_000,
  riskPct: 1,
  stopBps: 30,
  tpR: 1.5,
  maxLeverage: 1,
  feeBps: 6,
  slippageBps: 0,
  intrabar: "conservative",
  mode: "position",
  minQty: BTCUSDT_MIN_QTY,
});

/**
 * The backtest parameters as a run's config.json records them (snake case, the daily
 * loss limit resolved to the hard limit when none was asked for).
 */
export function backtestParamsRecord(p: BacktestParams): Record<string, string | number> {
  return {
    backtest_mode: p.mode,
    intrabar_mode: p.intrabar,
    start_equity: p.startEquity,
    risk_pct: p.riskPct,
    stop_bps: p.stopBps,
    tp_r: p.tpR,
    max_leverage: p.maxLeverage,
    fee_bps: p.feeBps,
    slippage_bps: p.slippageBps,
    max_daily_loss: p.limits?.maxDailyLossUsd ?? HARD_LIMITS.maxDailyLossUsd,
  };
}
