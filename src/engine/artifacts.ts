import { FixedCsvWriter } from "./fixed_csv_writer.ts";
import { tradesCsvText } from "./trades_hash.ts";
import type { RunReport } from "./report_model.ts";

/** `trades.csv` content: header plus one row per trade (shared with the trades hash). */
export function tradesCsv(report: Pick<RunReport, "trades">): string {
  return tradesCsvText(report.trades);
}

/**
 * `equity.csv` content: `ts,equity,drawdown`, one row per candle; equity and drawdown in
 * USDT to 1e-6.
 */
export function equityCsv(report: RunReport): Uint8Array {
  return equityCsvBytes(report.candles.ts, report.equity, report.drawdown);
}

/** `equity.csv` from its three columns (what a worker gets, without the whole report). */
export function equityCsvBytes(
  ts: Float64Array,
  equity: Float64Array,
  drawdown: Float64Array,
): Uint8Array {
  const w = new FixedCsvWriter(ts.length * 40 + 64);
  w.text("ts,equity,drawdown\n");
  // While flat, equity and drawdown repeat row after row: copy their bytes instead of
  // formatting them again.
  let tail = new Uint8Array(0);
  let lastEq = Number.NaN;
  let lastDd = Number.NaN;
  for (let i = 0; i < ts.length; i++) {
    w.fixed(ts[i], 0);
    if (equity[i] === lastEq && drawdown[i] === lastDd) {
      w.raw(tail);
      continue;
    }
    const from = w.length;
    w.byte(44);
    w.fixed(equity[i], 6);
    w.byte(44);
    w.fixed(drawdown[i], 6);
    w.byte(10);
    tail = w.bytes().slice(from);
    lastEq = equity[i];
    lastDd = drawdown[i];
  }
  return w.bytes();
}

/** `stats.json` content: the run's stats plus both intrabar bounds and their spread. */
export function statsJson(report: RunReport, extra: Record<string, unknown> = {}): string {
  const { conservative, optimistic } = report.bounds;
  return JSON.stringify(
    {
      ...report.stats,
      intrabar_bounds: {
        conservative,
        optimistic,
        spread: {
          net_pnl: optimistic.net_pnl - conservative.net_pnl,
          return_pct: optimistic.return_pct - conservative.return_pct,
          trades: optimistic.trades - conservative.trades,
          win_rate: optimistic.win_rate - conservative.win_rate,
          max_drawdown: optimistic.max_drawdown - conservative.max_drawdown,
        },
      },
      ...extra,
    },
    null,
    2,
  ) + "\n";
}
