/** Builds plausible RunReports from mock candles for the summary.html tests. */
import type { RunReport, RunStats } from "../../../src/engine/report_model.ts";
import type { Trade } from "../../../src/core/trade.ts";
import { generateMockCandles } from "../../../src/data/mock_candles.ts";
import { buyAndHoldStats } from "../../../src/engine/stats.ts";

/** Stats with every field set; `over` replaces some. */
export function sampleStats(over: Partial<RunStats> = {}): RunStats {
  return {
    start_equity: 10_000,
    end_equity: 10_123.45,
    net_pnl: 123.45,
    return_pct: 1.2345,
    trades: 3,
    win_rate: 0.6667,
    profit_factor: 1.87,
    expectancy: 41.15,
    max_drawdown: 250.5,
    max_drawdown_pct: 2.44,
    sharpe: 1.23,
    sortino: 1.98,
    exposure_pct: 37.5,
    fees: 12.34,
    trades_hash: "ab12cd34",
    worst_day: { date: "2024-01-02", pnl: -45.5, max_loss: 48 },
    days_over_daily_limit: [],
    refused_entries: { total: 3, by_reason: { "daily-limit": 2, "daily-budget": 1 } },
    gross_pnl: 135.79,
    cagr_pct: 12.5,
    calmar: 5.12,
    longest_drawdown: {
      start: "2024-01-01T10:00:00.000Z",
      end: "2024-01-13T22:00:00.000Z",
      days: 12.5,
      recovered: true,
    },
    monthly_returns: [
      { period: "2024-01", return_pct: 1.5, pnl: 150 },
      { period: "2024-02", return_pct: -0.7, pnl: -71.05 },
    ],
    yearly_returns: [{ period: "2024", return_pct: 0.79, pnl: 78.95 }],
    by_exit_reason: {
      tp: { trades: 2, win_rate: 1, net_pnl: 160, gross_pnl: 168, fees: 8, avg_pnl: 80 },
      stop: {
        trades: 1,
        win_rate: 0,
        net_pnl: -36.55,
        gross_pnl: -32.21,
        fees: 4.34,
        avg_pnl: -36.55,
      },
    },
    by_side: {
      long: { trades: 2, win_rate: 0.5, net_pnl: 43.45, gross_pnl: 51, fees: 7.55, avg_pnl: 21.73 },
      short: { trades: 1, win_rate: 1, net_pnl: 80, gross_pnl: 84.79, fees: 4.79, avg_pnl: 80 },
    },
    avg_holding_minutes: 125,
    max_holding_minutes: 1_500,
    best_trade: {
      id: 2,
      side: "short",
      pnl: 80,
      return_pct: 0.8,
      exit_reason: "tp",
      entry_ts: Date.UTC(2024, 0, 2, 3, 5),
      exit_ts: Date.UTC(2024, 0, 2, 5, 0),
    },
    worst_trade: {
      id: 3,
      side: "long",
      pnl: -36.55,
      return_pct: -0.37,
      exit_reason: "stop",
      entry_ts: Date.UTC(2024, 0, 3, 0, 0),
      exit_ts: Date.UTC(2024, 0, 3, 1, 0),
    },
    ambiguous_bars: 4,
    ...over,
  };
}

/** A report over `count` mock candles with a trade every `every` candles. */
export function sampleReport(
  count: number,
  opts: {
    every?: number;
    config?: Record<string, unknown>;
    seed?: number;
    stats?: Partial<RunStats>;
  } = {},
): RunReport {
  const candles = generateMockCandles({ count, interval: "5m", seed: opts.seed ?? 1 });
  const every = opts.every ?? 50;
  const trades: Trade[] = [];
  const equity = new Float64Array(count);
  const drawdown = new Float64Array(count);
  let eq = 10_000;
  let id = 1;
  for (let i = 0; i + every / 2 < count; i += every) {
    const j = i + Math.floor(every / 2);
    const side = id % 3 === 0 ? "short" : "long";
    const entry = candles.close[i], exit = candles.close[j];
    const qty = 0.01;
    const gross = (side === "long" ? exit - entry : entry - exit) * qty;
    const fees = entry * qty * 0.0008;
    eq += gross - fees;
    trades.push({
      id: id++,
      side,
      entryTs: candles.ts[i],
      entryPrice: entry,
      exitTs: candles.ts[j],
      exitPrice: exit,
      qty,
      notional: entry * qty,
      stopPrice: side === "long" ? entry * 0.99 : entry * 1.01,
      tpPrice: side === "long" ? entry * 1.02 : entry * 0.98,
      exitReason: gross > 0 ? "tp" : "stop",
      grossPnl: gross,
      fees,
      pnl: gross - fees,
      equityAfter: eq,
    });
  }
  let e = 10_000, peak = 10_000, t = 0;
  for (let i = 0; i < count; i++) {
    while (t < trades.length && trades[t].exitTs <= candles.ts[i]) e = trades[t++].equityAfter;
    equity[i] = e;
    peak = Math.max(peak, e);
    drawdown[i] = peak - e;
  }
  const stats = sampleStats({ trades: trades.length, ...opts.stats });
  const optimistic = equity.map((v, i) => v + i * 0.01);
  return {
    runId: "20240101-000000-test",
    config: opts.config ??
      {
        symbol: "BTCUSDT",
        interval: "5m",
        strategy: "ema_cross",
        strategy_params: { fast: 12, slow: 26 },
        source: "mock",
        intrabar_mode: "conservative",
      },
    stats,
    bounds: {
      conservative: sampleStats({
        net_pnl: 100,
        return_pct: 1,
        trades: 10,
        win_rate: 0.4,
        max_drawdown: 300,
        max_drawdown_pct: 3,
      }),
      optimistic: sampleStats({
        net_pnl: 175.5,
        return_pct: 1.755,
        trades: 12,
        win_rate: 0.5,
        max_drawdown: 200,
        max_drawdown_pct: 2,
      }),
    },
    candles,
    trades,
    equity,
    drawdown,
    boundEquity: { conservative: equity, optimistic },
    benchmark: buyAndHoldStats(candles, 10_000, 300_000),
  };
}
