/** Builds plausible RunReports from mock candles for the summary.html tests. */
import type { RunReport, RunStats } from "../../../src/engine/report_model.ts";
import type { Trade } from "../../../src/core/trade.ts";
import { generateMockCandles } from "../../../src/data/mock_candles.ts";

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
    ...over,
  };
}

/** A report over `count` mock candles with a trade every `every` candles. */
export function sampleReport(
  count: number,
  opts: { every?: number; config?: Record<string, unknown>; seed?: number } = {},
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
  const stats = sampleStats({ trades: trades.length });
  return {
    runId: "20240101-000000-test",
    config: opts.config ??
      { symbol: "BTCUSDT", interval: "5m", strategy: "ema_cross", source: "mock" },
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
  };
}
