import { MAX_FIXED_BYTES, writeFixed, writePadded } from "./write_fixed.ts";
import { tradesCsvBytes } from "./trades_hash.ts";
import type { RunReport } from "./report_model.ts";

const EQUITY_CSV_HEADER = "ts,equity,drawdown\n";

/** `trades.csv` content: header plus one row per trade (shared with the trades hash). */
export function tradesCsv(report: Pick<RunReport, "trades">): Uint8Array {
  return tradesCsvBytes(report.trades);
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
  return equityCsvRows(ts, equity, drawdown, 0, ts.length);
}

/** How many pieces of `rows` candles equity.csv of `candles` candles has (one at least). */
export function equityCsvPieceCount(candles: number, rows: number): number {
  return Math.max(1, Math.ceil(candles / rows));
}

/**
 * Piece `k` of `equity.csv` cut into pieces of `rows` candles (the header in the first),
 * built on its own: pieces 0 .. equityCsvPieceCount - 1 joined are the bytes of
 * {@link equityCsvBytes}, so two threads can build them and a writer write one while the
 * next is built.
 */
export function equityCsvPiece(
  ts: Float64Array,
  equity: Float64Array,
  drawdown: Float64Array,
  k: number,
  rows: number,
): Uint8Array {
  const from = k * rows;
  return equityCsvRows(ts, equity, drawdown, from, Math.min(ts.length, from + rows));
}

/** Rows `[from, to)` of equity.csv (with the header when `from` is 0). */
function equityCsvRows(
  ts: Float64Array,
  equity: Float64Array,
  drawdown: Float64Array,
  from: number,
  to: number,
): Uint8Array {
  const ROW_MAX = 3 * MAX_FIXED_BYTES + 3;
  let buf = new Uint8Array((to - from) * 36 + 64);
  let pos = 0;
  if (from === 0) { for (const c of EQUITY_CSV_HEADER) buf[pos++] = c.charCodeAt(0); }
  // While flat, equity and drawdown repeat row after row: their bytes (from the comma to
  // the newline) are copied from the row before instead of being formatted again.
  let tailAt = 0;
  let tailLen = 0;
  let lastEq = Number.NaN;
  let lastDd = Number.NaN;
  // Candle times keep their leading digits for a day and more (10^8 ms): those are copied
  // from the row before and only the last 8 digits written, as writeFixed writes them.
  let hi = Number.NaN;
  let hiAt = 0;
  let hiLen = 0;
  for (let i = from; i < to; i++) {
    if (pos + ROW_MAX > buf.length) {
      const next = new Uint8Array(buf.length * 2);
      next.set(buf.subarray(0, pos));
      buf = next;
      hi = Number.NaN;
    }
    const t = ts[i];
    const th = Math.floor(t / 1e8);
    if (th === hi && Number.isInteger(t)) {
      for (let k = 0; k < hiLen; k++) buf[pos + k] = buf[hiAt + k];
      pos = writePadded(buf, pos + hiLen, t - th * 1e8, 8);
    } else {
      const at = pos;
      pos = writeFixed(buf, pos, t, 0);
      // an integer time of 9 to 16 digits: its leading digits, then 8 more
      hi = Number.isInteger(t) && t >= 1e8 && t < 1e16 ? th : Number.NaN;
      hiAt = at;
      hiLen = pos - at - 8;
    }
    const eq = equity[i];
    const dd = drawdown[i];
    if (eq === lastEq && dd === lastDd) {
      for (let k = 0; k < tailLen; k++) buf[pos + k] = buf[tailAt + k];
      pos += tailLen;
      continue;
    }
    tailAt = pos;
    buf[pos++] = 44;
    pos = writeFixed(buf, pos, eq, 6);
    buf[pos++] = 44;
    pos = writeFixed(buf, pos, dd, 6);
    buf[pos++] = 10;
    tailLen = pos - tailAt;
    lastEq = eq;
    lastDd = dd;
  }
  return buf.subarray(0, pos);
}

/**
 * `stats.json` content: the run's stats, the buy-and-hold benchmark and the excess return
 * over it, both intrabar bounds and their spread, and the detail pass when there is one.
 */
export function statsJson(report: RunReport, extra: Record<string, unknown> = {}): string {
  const { conservative, optimistic } = report.bounds;
  const benchmark = report.benchmark;
  const d = report.detail;
  return JSON.stringify(
    {
      ...report.stats,
      benchmark,
      excess_return_pct: report.stats.return_pct - benchmark.return_pct,
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
      ...(d !== undefined
        ? {
          detail: {
            source: d.source,
            interval: d.interval,
            resolution: d.resolution,
            coverage: d.coverage,
            ...d.stats,
          },
        }
        : {}),
      ...extra,
    },
    null,
    2,
  ) + "\n";
}
