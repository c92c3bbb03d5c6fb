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

/** One row of the run history (from `runs/<id>/stats.json` + `config.json`). */
export interface RunSummary {
  /** Folder name under `runs/`. */
  readonly id: string;
  /** Start time, Unix ms: `config.json` `startedAt`, else the run id stamp, else stats mtime. */
  readonly time: number;
  readonly mode: string | null;
  readonly symbol: string | null;
  readonly stats: RunSummaryStats;
  /** True when the folder holds a `summary.html`. */
  readonly hasSummary: boolean;
}
