import type { CandleSeries } from "../core/candle.ts";
import type { Side, Trade } from "../core/trade.ts";
import type {
  BenchmarkStats,
  DayResult,
  DrawdownSpan,
  PeriodReturn,
  RunStats,
  TradeBrief,
  TradeGroup,
} from "./report_model.ts";
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
  /**
   * Candle open times (same length as equity): enables the per-day figures and the
   * tearsheet (calendar returns, CAGR, drawdown duration, trade breakdowns).
   */
  readonly ts?: ArrayLike<number>;
  /** The daily loss limit the days are checked against. */
  readonly dailyLossLimit?: number;
  /** Entries the RiskGate refused, by reason. */
  readonly refusals?: Readonly<Partial<Record<string, number>>>;
  /** Bars that touched both stop and take-profit (reported as `ambiguous_bars`). */
  readonly ambiguousBars?: number;
}

/** Runs shorter than this have no CAGR (annualising a few days says nothing). */
const MIN_CAGR_SPAN_MS = 30 * 86_400_000;
const CALENDAR_YEAR_MS = 365.25 * 86_400_000;

const DAY_MS = 86_400_000;

/**
 * Drawdown from the running peak (start equity counts as the first peak), in USD; in shared
 * memory when `equity` is.
 */
export function drawdownSeries(startEquity: number, equity: Float64Array): Float64Array {
  const dd = equity.buffer instanceof SharedArrayBuffer
    ? new Float64Array(new SharedArrayBuffer(equity.length * 8))
    : new Float64Array(equity.length);
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
  // the longest time under water (with candle times): from the candle that set the peak
  // (the start equity's peak sits at the first candle) to the one back at it
  const ts = input.ts;
  let peakAt = 0;
  let under = false;
  let ddFrom = -1, ddTo = -1, ddRecovered = false;
  // the UTC days (with candle times): close-to-close pnl and the worst loss from the day's
  // start equity (the previous day's last close); a candle past [dayFrom, dayTo) starts one
  const days: DayResult[] | undefined = ts !== undefined ? [] : undefined;
  let dayFrom = Infinity, dayTo = -Infinity;
  let dayStart = startEquity;
  let dayWorst = 0;
  for (let i = 0; i < n; i++) {
    const e = equity[i];
    if (ts !== undefined) {
      const t = ts[i];
      if (t >= dayTo || t < dayFrom) {
        if (i > 0) days!.push(dayResult(dayFrom, prev - dayStart, dayWorst));
        dayFrom = Math.floor(t / DAY_MS) * DAY_MS;
        dayTo = dayFrom + DAY_MS;
        dayStart = prev;
        dayWorst = 0;
      }
      if (dayStart - e > dayWorst) dayWorst = dayStart - e;
      if (e >= peak) {
        if (under && (ddFrom < 0 || ts[i] - ts[peakAt] > ts[ddTo] - ts[ddFrom])) {
          ddFrom = peakAt;
          ddTo = i;
          ddRecovered = true;
        }
        under = false;
        peakAt = i;
      } else under = true;
    }
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
  if (ts !== undefined && n > 0) days!.push(dayResult(dayFrom, prev - dayStart, dayWorst));
  if (
    ts !== undefined && under &&
    (ddFrom < 0 || ts[n - 1] - ts[peakAt] > ts[ddTo] - ts[ddFrom])
  ) {
    ddFrom = peakAt;
    ddTo = n - 1;
    ddRecovered = false;
  }
  const longest = (t: ArrayLike<number>): DrawdownSpan | null =>
    ddFrom < 0 ? null : {
      start: iso(t[ddFrom]),
      end: iso(t[ddTo]),
      days: (t[ddTo] - t[ddFrom]) / DAY_MS,
      recovered: ddRecovered,
    };
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
    ...dayFigures(input, days),
    ...(ts !== undefined ? tearsheetFigures(input, ts, days!, maxDdPct, longest(ts)) : {}),
    ...(input.ambiguousBars !== undefined ? { ambiguous_bars: input.ambiguousBars } : {}),
  };
}

/** Compound annual growth in % from `start` to `end` over `spanMs`; null when too short. */
export function cagrPct(start: number, end: number, spanMs: number): number | null {
  if (!(spanMs >= MIN_CAGR_SPAN_MS) || !(start > 0)) return null;
  if (end <= 0) return -100;
  return (Math.pow(end / start, CALENDAR_YEAR_MS / spanMs) - 1) * 100;
}

/** Time the candles span: first open to last close. */
function spanOf(ts: ArrayLike<number>, n: number, intervalMs: number): number {
  return n > 0 ? ts[n - 1] - ts[0] + intervalMs : 0;
}

function dayResult(dayFrom: number, pnl: number, maxLoss: number): DayResult {
  return { date: iso(dayFrom).slice(0, 10), pnl, max_loss: maxLoss };
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function group(trades: readonly Trade[]): TradeGroup {
  let wins = 0, net = 0, gross = 0, fees = 0;
  for (const t of trades) {
    if (t.pnl > 0) wins++;
    net += t.pnl;
    gross += t.grossPnl;
    fees += t.fees;
  }
  const n = trades.length;
  return {
    trades: n,
    win_rate: n > 0 ? wins / n : 0,
    net_pnl: net,
    gross_pnl: gross,
    fees,
    avg_pnl: n > 0 ? net / n : 0,
  };
}

function brief(t: Trade | undefined): TradeBrief | null {
  if (t === undefined) return null;
  return {
    id: t.id,
    side: t.side,
    pnl: t.pnl,
    return_pct: t.notional > 0 ? t.pnl / t.notional * 100 : 0,
    exit_reason: t.exitReason,
    entry_ts: t.entryTs,
    exit_ts: t.exitTs,
  };
}

/**
 * Calendar returns from a run's UTC days (as `computeStats` counts them): each month's (and year's)
 * last close over the previous one's, the start equity before the first. Per day, not per
 * candle.
 */
export function calendarReturns(
  startEquity: number,
  days: readonly DayResult[],
): { monthly: PeriodReturn[]; yearly: PeriodReturn[] } {
  const monthly: PeriodReturn[] = [];
  const yearly: PeriodReturn[] = [];
  const ret = (period: string, from: number, to: number): PeriodReturn => ({
    period,
    return_pct: from !== 0 ? (to / from - 1) * 100 : 0,
    pnl: to - from,
  });
  let eq = startEquity;
  let monthStart = startEquity;
  let yearStart = startEquity;
  for (let k = 0; k < days.length; k++) {
    eq += days[k].pnl;
    const date = days[k].date;
    const next = days[k + 1]?.date;
    if (next === undefined || next.slice(0, 7) !== date.slice(0, 7)) {
      monthly.push(ret(date.slice(0, 7), monthStart, eq));
      monthStart = eq;
    }
    if (next === undefined || next.slice(0, 4) !== date.slice(0, 4)) {
      yearly.push(ret(date.slice(0, 4), yearStart, eq));
      yearStart = eq;
    }
  }
  return { monthly, yearly };
}

function tearsheetFigures(
  input: StatsInput,
  ts: ArrayLike<number>,
  days: readonly DayResult[],
  maxDdPct: number,
  longestDd: DrawdownSpan | null,
): Partial<RunStats> {
  const { startEquity, trades, equity, intervalMs } = input;
  const n = equity.length;
  const end = n > 0 ? equity[n - 1] : startEquity;
  const cagr = cagrPct(startEquity, end, spanOf(ts, n, intervalMs));
  const calendar = calendarReturns(startEquity, days);
  const bySide: Record<Side, Trade[]> = { long: [], short: [] };
  const byReason = new Map<Trade["exitReason"], Trade[]>();
  let gross = 0;
  let held = 0;
  let maxHeld = 0;
  let best: Trade | undefined;
  let worst: Trade | undefined;
  for (const t of trades) {
    gross += t.grossPnl;
    bySide[t.side].push(t);
    const list = byReason.get(t.exitReason);
    if (list) list.push(t);
    else byReason.set(t.exitReason, [t]);
    const h = t.exitTs - t.entryTs;
    held += h;
    if (h > maxHeld) maxHeld = h;
    if (best === undefined || t.pnl > best.pnl) best = t;
    if (worst === undefined || t.pnl < worst.pnl) worst = t;
  }
  const reasons: Partial<Record<Trade["exitReason"], TradeGroup>> = {};
  for (const [reason, list] of byReason) reasons[reason] = group(list);
  const count = trades.length;
  return {
    gross_pnl: gross,
    cagr_pct: cagr,
    calmar: cagr !== null && maxDdPct > 0 ? cagr / maxDdPct : null,
    longest_drawdown: longestDd,
    monthly_returns: calendar.monthly,
    yearly_returns: calendar.yearly,
    by_exit_reason: reasons,
    by_side: { long: group(bySide.long), short: group(bySide.short) },
    avg_holding_minutes: count > 0 ? held / count / 60_000 : null,
    max_holding_minutes: count > 0 ? maxHeld / 60_000 : null,
    best_trade: brief(best),
    worst_trade: brief(worst),
  };
}

/**
 * Buy-and-hold of the same candles with the same start equity: bought at the first open,
 * marked at every close, no fees, no leverage. The market a strategy is measured against.
 */
export function buyAndHoldStats(
  candles: CandleSeries,
  startEquity: number,
  intervalMs: number,
): BenchmarkStats {
  const n = candles.length;
  const entry = n > 0 ? candles.open[0] : Number.NaN;
  const exit = n > 0 ? candles.close[n - 1] : Number.NaN;
  const close = candles.close;
  let peak = entry;
  let maxDd = 0;
  for (let i = 0; i < n; i++) {
    const c = close[i];
    if (c > peak) peak = c;
    // (peak - c) / peak > maxDd, without a division per candle
    else if (peak - c > maxDd * peak) maxDd = (peak - c) / peak;
  }
  const ratio = n > 0 && entry > 0 ? exit / entry : 1;
  return {
    kind: "buy_and_hold",
    entry_price: entry,
    exit_price: exit,
    net_pnl: startEquity * (ratio - 1),
    return_pct: (ratio - 1) * 100,
    max_drawdown_pct: maxDd * 100,
    cagr_pct: cagrPct(startEquity, startEquity * ratio, spanOf(candles.ts, n, intervalMs)),
  };
}

function dayFigures(input: StatsInput, days: readonly DayResult[] | undefined): Partial<RunStats> {
  const out: { -readonly [K in keyof RunStats]?: RunStats[K] } = {};
  if (days !== undefined) {
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
