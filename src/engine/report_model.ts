import type { CandleSeries } from "../core/candle.ts";
import type { ExitReason, Side, Trade } from "../core/trade.ts";
import type { DetailCoverage, DetailResolution } from "./intrabar_detail.ts";

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
  // The tearsheet figures below are there when the candle times are known.
  /** Sum of the trades' pnl before fees (`gross_pnl - fees` = the trades' net pnl). */
  readonly gross_pnl?: number;
  /** Compound annual growth rate in %; null for runs shorter than 30 days. */
  readonly cagr_pct?: number | null;
  /** CAGR % / max drawdown %; null without CAGR or without drawdown. */
  readonly calmar?: number | null;
  /** The longest time below a previous equity peak; null when equity never fell. */
  readonly longest_drawdown?: DrawdownSpan | null;
  /** Return of each UTC calendar month, oldest first. */
  readonly monthly_returns?: readonly PeriodReturn[];
  /** Return of each UTC calendar year, oldest first. */
  readonly yearly_returns?: readonly PeriodReturn[];
  /** The trades grouped by how they were closed (only reasons that occur). */
  readonly by_exit_reason?: Readonly<Partial<Record<ExitReason, TradeGroup>>>;
  /** Long and short trades apart. */
  readonly by_side?: Readonly<Record<Side, TradeGroup>>;
  /** Mean time from entry to exit, in minutes (null without trades). */
  readonly avg_holding_minutes?: number | null;
  /** Longest time from entry to exit, in minutes (null without trades). */
  readonly max_holding_minutes?: number | null;
  /** The trade with the highest pnl (null without trades). */
  readonly best_trade?: TradeBrief | null;
  /** The trade with the lowest pnl (null without trades). */
  readonly worst_trade?: TradeBrief | null;
  /** Bars that touched both stop and take-profit of an open position (no gap). */
  readonly ambiguous_bars?: number;
}

/** A time under water: from an equity peak until equity is back at it (or the run ends). */
export interface DrawdownSpan {
  /** ISO time of the candle that set the peak. */
  readonly start: string;
  /** ISO time of the candle back at the peak, or of the last candle. */
  readonly end: string;
  readonly days: number;
  /** False when the run ended below the peak. */
  readonly recovered: boolean;
}

/** The return of one calendar period. */
export interface PeriodReturn {
  /** `YYYY-MM` for a month, `YYYY` for a year (UTC). */
  readonly period: string;
  /** Equity at the period's last close over equity at the previous period's last close. */
  readonly return_pct: number;
  readonly pnl: number;
}

/** Figures of a group of trades. */
export interface TradeGroup {
  readonly trades: number;
  /** Fraction with pnl > 0, 0..1. */
  readonly win_rate: number;
  readonly net_pnl: number;
  readonly gross_pnl: number;
  readonly fees: number;
  /** Mean pnl per trade (0 without trades). */
  readonly avg_pnl: number;
}

/** One trade in a line of stats. */
export interface TradeBrief {
  readonly id: number;
  readonly side: Side;
  readonly pnl: number;
  /** pnl / entry notional, in %. */
  readonly return_pct: number;
  readonly exit_reason: ExitReason;
  /** Unix ms, as in `trades.csv`. */
  readonly entry_ts: number;
  readonly exit_ts: number;
}

/** Buying at the first candle's open and holding to the last close, no fees, no leverage. */
export interface BenchmarkStats {
  readonly kind: "buy_and_hold";
  readonly entry_price: number;
  readonly exit_price: number;
  /** With the run's start equity. */
  readonly net_pnl: number;
  readonly return_pct: number;
  /** Largest fall from a peak of the closes, in %. */
  readonly max_drawdown_pct: number;
  /** null for spans shorter than 30 days. */
  readonly cagr_pct: number | null;
}

/** The third result of a backtest: ambiguous bars resolved from finer candles. */
export interface DetailRun {
  /** The finer candles' file. */
  readonly source: string;
  /** Their interval, e.g. `1m`. */
  readonly interval: string;
  readonly stats: RunStats;
  /** Equity at each candle close of the detail pass (same length as candles). */
  readonly equity: Float64Array;
  readonly resolution: DetailResolution;
  readonly coverage: DetailCoverage;
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
  /**
   * Both intrabar bounds, always computed. A run with one fill path (a session) holds the
   * same object in both.
   */
  readonly bounds: { readonly conservative: RunStats; readonly optimistic: RunStats };
  readonly candles: CandleSeries;
  readonly trades: readonly Trade[];
  /** Equity at each candle close (marked to market), same length as candles. */
  readonly equity: Float64Array;
  /** Drawdown from the running peak at each candle, in USD (>= 0). */
  readonly drawdown: Float64Array;
  /** Equity of both intrabar passes (for the chart); one of them is `equity`. */
  readonly boundEquity?: {
    readonly conservative: Float64Array;
    readonly optimistic: Float64Array;
  };
  /** Buy-and-hold of the same candles. */
  readonly benchmark: BenchmarkStats;
  /** The run with ambiguous bars resolved from finer candles (`--detail-csv`). */
  readonly detail?: DetailRun;
}
