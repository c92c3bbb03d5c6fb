import type { Trade } from "../core/trade.ts";
import type { DayResult, RunStats } from "./report_model.ts";
import { tradesHash } from "./trades_hash.ts";

const YEAR_MS = 365 * 86_400_000;

/** Inputs of the stats computation. */
export interface StatsInput {
  readonly startEquity: number;
  readonly trades: readonly Trade[];
  /** Equity at each candle close. */
  readonly equity: Float64Array;
  readonly exposedCandles: number;
  /** Candle length, for annualising Sharpe and Sortino. */
  readonly intervalMs: number;
  /** Candle open times (same length as equity): enables the per-day figures. */
  readonly ts?: ArrayLike<number>;
  /** The daily loss limit the days are checked against. */
  readonly dailyLossLimit?: number;
  /** Entries the RiskGate refused, by reason. */
  readonly refusals?: Readonly<Partial<Record<string, number>>>;
}

const DAY_MS = 86_400_000;

/** Close-to-close pnl and the worst intraday loss of every UTC day of an equity curve. */
export function dailyResults(
  startEquity: number,
  ts: ArrayLike<number>,
  equity: ArrayLike<number>,
): DayResult[] {
  const out: DayResult[] = [];
  let dayStart = startEquity;
  let day = Number.NaN;
  let worst = 0;
  let last = startEquity;
  const flush = () => {
    out.push({
      date: new Date(day * DAY_MS).toISOString().slice(0, 10),
      pnl: last - dayStart,
      max_loss: worst,
    });
  };
  for (let i = 0; i < equity.length; i++) {
    const d = Math.floor(ts[i] / DAY_MS);
    if (d !== day) {
      if (!Number.isNaN(day)) flush();
      day = d;
      dayStart = last;
      worst = 0;
    }
    last = equity[i];
    if (dayStart - last > worst) worst = dayStart - last;
  }
  if (!Number.isNaN(day)) flush();
  return out;
}

/** Drawdown from the running peak (start equity counts as the first peak), in USD. */
export function drawdownSeries(startEquity: number, equity: Float64Array): Float64Array {
  const dd = new Float64Array(equity.length);
  let peak = startEquity;
  for (let i = 0; i < equity.length; i++) {
    if (equity[i] > peak) peak = equity[i];
    dd[i] = peak - equity[i];
  }
  return dd;
}

/**
 * Headline statistics of a run. Sharpe and Sortino are annualised from per-candle
 * returns (risk-free rate 0; Sortino's downside deviation is the root mean square of the
 * negative returns over all candles). Profit factor is null when no trade lost.
 */
export function computeStats(input: StatsInput): RunStats {
  const { startEquity, trades, equity } = input;
  const n = equity.length;
  const endEquity = n > 0 ? equity[n - 1] : startEquity;
  let wins = 0;
  let grossWin = 0;
  let grossLoss = 0;
  let fees = 0;
  let pnlSum = 0;
  for (const t of trades) {
    pnlSum += t.pnl;
    fees += t.fees;
    if (t.pnl > 0) {
      wins++;
      grossWin += t.pnl;
    } else grossLoss -= t.pnl;
  }
  let peak = startEquity;
  let maxDd = 0;
  let maxDdPct = 0;
  let prev = startEquity;
  let sum = 0;
  let sumSq = 0;
  let downSq = 0;
  for (let i = 0; i < n; i++) {
    const e = equity[i];
    if (e > peak) peak = e;
    const dd = peak - e;
    if (dd > maxDd) maxDd = dd;
    const ddPct = peak > 0 ? dd / peak * 100 : 0;
    if (ddPct > maxDdPct) maxDdPct = ddPct;
    const r = prev !== 0 ? e / prev - 1 : 0;
    sum += r;
    sumSq += r * r;
    if (r < 0) downSq += r * r;
    prev = e;
  }
  const periodsPerYear = YEAR_MS / input.intervalMs;
  const mean = n > 0 ? sum / n : 0;
  const variance = n > 1 ? (sumSq - n * mean * mean) / (n - 1) : 0;
  const std = variance > 0 ? Math.sqrt(variance) : 0;
  const downDev = n > 0 ? Math.sqrt(downSq / n) : 0;
  const count = trades.length;
  return {
    start_equity: startEquity,
    end_equity: endEquity,
    net_pnl: endEquity - startEquity,
    return_pct: (endEquity / startEquity - 1) * 100,
    trades: count,
    win_rate: count > 0 ? wins / count : 0,
    profit_factor: grossLoss > 0 ? grossWin / grossLoss : null,
    expectancy: count > 0 ? pnlSum / count : 0,
    max_drawdown: maxDd,
    max_drawdown_pct: maxDdPct,
    sharpe: std > 0 ? mean / std * Math.sqrt(periodsPerYear) : 0,
    sortino: downDev > 0 ? mean / downDev * Math.sqrt(periodsPerYear) : 0,
    exposure_pct: n > 0 ? input.exposedCandles / n * 100 : 0,
    fees,
    trades_hash: tradesHash(trades),
    ...dayFigures(input),
  };
}

function dayFigures(input: StatsInput): Partial<RunStats> {
  const out: { -readonly [K in keyof RunStats]?: RunStats[K] } = {};
  if (input.ts !== undefined) {
    const days = dailyResults(input.startEquity, input.ts, input.equity);
    let worst: DayResult | null = null;
    for (const d of days) if (worst === null || d.pnl < worst.pnl) worst = d;
    out.worst_day = worst;
    const limit = input.dailyLossLimit;
    if (limit !== undefined) {
      out.days_over_daily_limit = days.filter((d) => d.max_loss > limit + 1e-9);
    }
  }
  if (input.refusals !== undefined) {
    const by: Record<string, number> = {};
    let total = 0;
    for (const [k, v] of Object.entries(input.refusals)) {
      if (!v) continue;
      by[k] = v;
      total += v;
    }
    out.refused_entries = { total, by_reason: by };
  }
  return out;
}
