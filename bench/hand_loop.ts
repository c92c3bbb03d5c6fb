import type { CandleSeries } from "../src/core/candle.ts";
import type { BacktestParams } from "../src/core/backtest_params.ts";

/**
 * The reference for the engine's speed: EMA cross in position mode written as one flat
 * typed-array loop with everything inlined (no strategy object, no ledger, no gate
 * object), producing what the engine must produce (trades, the equity curve, exposure).
 * Same rules as the engine, so it must give the same results; the benchmark checks that
 * before comparing speed.
 */
export function handLoopEmaCross(
  s: CandleSeries,
  fast: number,
  slow: number,
  p: BacktestParams,
): { count: number; pnl: Float64Array; equityEnd: number; equity: Float64Array; exposed: number } {
  const n = s.length;
  const { ts, open, high, low, close } = s;
  const kf = 2 / (fast + 1);
  const ks = 2 / (slow + 1);
  const opt = p.intrabar === "optimistic";
  const feeBps = p.feeBps;
  const slip = p.slippageBps / 10_000;
  const pnl = new Float64Array(n);
  const equity = new Float64Array(n);
  let count = 0;
  let exposed = 0;
  let ef = 0, es = 0, bias = 0, prevBias = 0;
  let cash = p.startEquity;
  let dir = 0, qty = 0, entry = 0, stop = 0, tp = 0, entryFee = 0;
  let pendDir = 0, pendQty = 0, pendCap = Infinity, pendExit = false;
  let day = -1, dayStart = 0, lastEq = Number.NaN, latched = false;
  const maxLoss = Math.min(p.limits?.maxDailyLossUsd ?? 50, 50);
  const maxLev = Math.min(p.maxLeverage, 20);
  const minQty = p.minQty ?? 0;
  // loss per unit of notional at the stop, fees and slippage included (the RiskGate's rule)
  const exitFactor = (1 + p.stopBps / 10_000) * (1 + slip);
  const lossPerNotional = exitFactor - 1 + feeBps / 10_000 * (1 + exitFactor);
  for (let i = 0; i < n; i++) {
    const o = open[i];
    if (pendExit) {
      const px = dir > 0 ? o * (1 - slip) : o * (1 + slip);
      const ef2 = qty * px * feeBps / 10_000;
      const g = dir > 0 ? (px - entry) * qty : (entry - px) * qty;
      cash = cash + g - ef2;
      pnl[count++] = g - (entryFee + ef2);
      dir = 0;
      pendExit = false;
    }
    if (pendDir !== 0) {
      dir = pendDir;
      entry = dir > 0 ? o * (1 + slip) : o * (1 - slip);
      // the caps hold at the fill price
      qty = pendQty * entry > pendCap ? pendCap / entry : pendQty;
      entryFee = qty * entry * feeBps / 10_000;
      cash -= entryFee;
      stop = dir > 0 ? entry * (1 - p.stopBps / 10_000) : entry * (1 + p.stopBps / 10_000);
      const d = entry * p.stopBps / 10_000 * p.tpR;
      tp = dir > 0 ? entry + d : entry - d;
      pendDir = 0;
    }
    if (dir !== 0) {
      exposed++;
      let px = -1;
      if (dir > 0) {
        if (o <= stop || o >= tp) px = o;
        else {
          const hs = low[i] <= stop, ht = high[i] >= tp;
          if (hs && ht) px = opt ? tp : stop;
          else if (hs) px = stop;
          else if (ht) px = tp;
        }
        if (px >= 0) px = px * (1 - slip);
      } else {
        if (o >= stop || o <= tp) px = o;
        else {
          const hs = high[i] >= stop, ht = low[i] <= tp;
          if (hs && ht) px = opt ? tp : stop;
          else if (hs) px = stop;
          else if (ht) px = tp;
        }
        if (px >= 0) px = px * (1 + slip);
      }
      if (px >= 0) {
        const ef2 = qty * px * feeBps / 10_000;
        const g = dir > 0 ? (px - entry) * qty : (entry - px) * qty;
        cash = cash + g - ef2;
        pnl[count++] = g - (entryFee + ef2);
        dir = 0;
      }
    }
    const c = close[i];
    const eq = dir === 0 ? cash : cash + (dir > 0 ? (c - entry) * qty : (entry - c) * qty);
    equity[i] = eq;
    const dk = Math.floor(ts[i] / 86_400_000);
    if (dk !== day) {
      day = dk;
      dayStart = Number.isNaN(lastEq) ? eq : lastEq;
      latched = false;
    }
    lastEq = eq;
    if (dayStart - eq >= maxLoss) latched = true;
    if (i === 0) {
      ef = c;
      es = c;
    } else {
      ef += (c - ef) * kf;
      es += (c - es) * ks;
      if (i >= slow) bias = ef > es ? 1 : ef < es ? -1 : bias;
    }
    if (i < n - 1 && bias !== prevBias) {
      if (dir !== 0 && bias !== dir) pendExit = true;
      if (bias !== 0 && bias !== dir) {
        let q = eq * p.riskPct / 100 / (c * p.stopBps / 10_000);
        const cap = Math.min(eq * p.maxLeverage, 200_000);
        if (q * c > cap) q = cap / c;
        const loss = dayStart - eq > 0 ? dayStart - eq : 0;
        if (!latched && loss < maxLoss && eq > 0 && q > 0) {
          // the entry fits the rest of the day's budget (a reversal pays its exit first)
          const committed = dir === 0 ? 0 : qty * c * (feeBps + p.slippageBps) / 10_000;
          const budget = (maxLoss - loss - committed) / lossPerNotional;
          const most = Math.min(200_000, eq * maxLev, budget);
          const sized = q * c > most ? most / c : q;
          if (sized > 0 && sized >= minQty) {
            pendDir = bias;
            pendQty = sized;
            pendCap = most;
          }
        } else if (loss >= maxLoss) latched = true;
      }
    }
    prevBias = bias;
  }
  if (dir !== 0 && n > 0) {
    const px = dir > 0 ? close[n - 1] * (1 - slip) : close[n - 1] * (1 + slip);
    const ef2 = qty * px * feeBps / 10_000;
    const g = dir > 0 ? (px - entry) * qty : (entry - px) * qty;
    cash = cash + g - ef2;
    pnl[count++] = g - (entryFee + ef2);
    equity[n - 1] = cash;
  }
  return { count, pnl, equityEnd: cash, equity, exposed };
}
