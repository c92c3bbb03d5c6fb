import type { CandleSeries } from "../core/candle.ts";
import type { Trade } from "../core/trade.ts";

/** Headline statistics of one run; the keys are those of `stats.json` (snake_case). */
export interface RunStats {
  readonly start_equity: number;
  readonly end_equity: number;
  readonly net_pnl: number;
  readonly return_pct: number;
  readonly trades: number;
  /** Fraction of trades with pnl > 0, 0..1. */
  readonly win_rate: number;
  /** Gross wins / gross losses; null when there is no losing trade. */
  readonly profit_factor: number | null;
  /** Mean pnl per trade. */
  readonly expectancy: number;
  /** Largest peak-to-trough fall of equity, in USD. */
  readonly max_drawdown: number;
  /** Same, as a percentage of the peak. */
  readonly max_drawdown_pct: number;
  /** Annualised, from per-candle equity returns. */
  readonly sharpe: number;
  readonly sortino: number;
  /** Percentage of candles with an open position. */
  readonly exposure_pct: number;
  readonly fees: number;
  /** SHA-256 hex of the canonical trades list; equal hashes mean identical trades. */
  readonly trades_hash: string;
  /** The UTC day with the lowest close-to-close pnl (null without candles). */
  readonly worst_day?: DayResult | null;
  /**
   * Days whose loss from the day's start (marked at candle closes) went past the daily
   * loss limit: only gaps and slippage beyond the configured slippage can cause one.
   */
  readonly days_over_daily_limit?: readonly DayResult[];
  /** Entries the RiskGate refused, by reason. */
  readonly refused_entries?: {
    readonly total: number;
    readonly by_reason: Readonly<Record<string, number>>;
  };
}

/** One UTC day of a run. */
export interface DayResult {
  /** `YYYY-MM-DD` (UTC). */
  readonly date: string;
  /** Equity at the day's last close minus equity at the previous day's last close. */
  readonly pnl: number;
  /** Largest loss from the day's start equity to a close within the day (>= 0). */
  readonly max_loss: number;
}

/** Everything one run produced, as the artifact writers and `summary.html` read it. */
export interface RunReport {
  readonly runId: string;
  /** Resolved configuration shown in the report header (already redacted). */
  readonly config: Readonly<Record<string, unknown>>;
  /** Stats of the run as configured (its intrabar mode). */
  readonly stats: RunStats;
  /** Both intrabar bounds, always computed. */
  readonly bounds: { readonly conservative: RunStats; readonly optimistic: RunStats };
  readonly candles: CandleSeries;
  readonly trades: readonly Trade[];
  /** Equity at each candle close (marked to market), same length as candles. */
  readonly equity: Float64Array;
  /** Drawdown from the running peak at each candle, in USD (>= 0). */
  readonly drawdown: Float64Array;
}
