/**
 * One past run as the run history lists it: read from `runs/<id>/stats.json` and
 * `config.json` by ops, shown by the dashboard.
 *
 * @module
 */

/** Headline stats of one past run, as listed in the run history table. */
export interface RunSummaryStats {
  readonly start_equity: number;
  readonly end_equity: number;
  readonly net_pnl: number;
  readonly return_pct: number;
  readonly trades: number;
  readonly win_rate: number;
  readonly max_drawdown_pct: number;
  readonly profit_factor?: number | null;
  readonly sharpe?: number;
  readonly fees?: number;
}

/** A parameter value as the history shows it. */
export type RunParamValue = number | string | boolean;

/**
 * The trading settings that tell runs of one strategy apart (from `config.json`; each
 * only when the run recorded it).
 */
export interface RunSettings {
  /** Candle interval, e.g. `5m`. */
  readonly interval?: string;
  readonly risk_pct?: number;
  readonly stop_bps?: number;
  readonly tp_r?: number;
  readonly max_leverage?: number;
  /** `conservative` or `optimistic`. */
  readonly intrabar?: string;
}

/** One row of the run history (from `runs/<id>/stats.json` + `config.json`). */
export interface RunSummary {
  /** Folder name under `runs/`. */
  readonly id: string;
  /** Start time, Unix ms: `config.json` `startedAt`, else the run id stamp, else stats mtime. */
  readonly time: number;
  readonly mode: string | null;
  readonly symbol: string | null;
  /** The strategy traded, e.g. `ema-cross` (null when not recorded). */
  readonly strategy: string | null;
  /** The strategy's parameters, e.g. `{fast: 12, slow: 26}` (empty when not recorded). */
  readonly strategyParams: Readonly<Record<string, RunParamValue>>;
  readonly settings: RunSettings;
  readonly stats: RunSummaryStats;
  /** True when the folder holds a `summary.html`. */
  readonly hasSummary: boolean;
}
