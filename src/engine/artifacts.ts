import { TRADE_CSV_COLUMNS, tradeToCsvRow } from "../core/trade.ts";
import type { RunReport } from "./report_model.ts";

/** `trades.csv` content: header plus one row per trade. */
export function tradesCsv(report: RunReport): string {
  const rows = [TRADE_CSV_COLUMNS.join(",")];
  for (const t of report.trades) rows.push(tradeToCsvRow(t));
  return rows.join("\n") + "\n";
}

/** `equity.csv` content: `ts,equity,drawdown`, one row per candle. */
export function equityCsv(report: RunReport): string {
  const { candles, equity, drawdown } = report;
  const parts: string[] = ["ts,equity,drawdown\n"];
  let chunk = "";
  for (let i = 0; i < candles.length; i++) {
    chunk += `${candles.ts[i]},${equity[i]},${drawdown[i]}\n`;
    if (chunk.length > 65_536) {
      parts.push(chunk);
      chunk = "";
    }
  }
  parts.push(chunk);
  return parts.join("");
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
