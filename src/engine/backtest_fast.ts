import type { CandleSeries } from "../core/candle.ts";
import {
  bracketHit,
  exitCostAt,
  grossPnlFor,
  HIT_NONE,
  HIT_STOP,
  HIT_TP,
  hitPrice,
  isStopHit,
  lossPerNotionalAtStop,
  positionQty,
  qtyWithinNotional,
  slipped,
  stopPriceFor,
  touchesBoth,
  tpPriceFor,
} from "../core/fill_rules.ts";
import type { Trade } from "../core/trade.ts";
import type { Strategy } from "../strategy/strategy.ts";
import type { BacktestParams } from "../core/backtest_params.ts";
import { type DenialCode, isDenial, RiskGate } from "./risk_gate.ts";
import { TradeLedger } from "./trade_ledger.ts";
import { type DetailResolution, DetailResolver, type IntrabarDetail } from "./intrabar_detail.ts";

const DAY_MS = 86_400_000;

/** What one backtest pass produced. */
export interface BacktestResult {
  readonly trades: Trade[];
  /** Marked-to-market equity at each candle close. */
  readonly equity: Float64Array;
  /** Candles during which a position was open. */
  readonly exposedCandles: number;
  /** Entries the RiskGate refused (daily loss, limits). */
  readonly denials: number;
  /** The refusals by reason. */
  readonly denialsByCode: Readonly<Partial<Record<DenialCode, number>>>;
  /** Bars that touched both stop and take-profit of the open position (no gap). */
  readonly ambiguousBars: number;
  /** With finer candles: how the ambiguous bars were resolved. */
  readonly detail?: DetailResolution;
}

/**
 * The backtest fast path: the same market -> signal -> risk -> execution -> journal
 * steps as the agent pipeline, run over typed arrays with step records off. Decisions
 * are taken on a closed candle and filled at the next candle's open, sized down there to
 * the RiskGate's notional cap at the fill price; brackets are checked against every bar
 * with the shared fill rules. With `detail` (finer candles under the bars), a bar that
 * touches both stop and take-profit is resolved from them instead of by `p.intrabar`
 * (see `DetailResolver`); only such bars look at the finer candles.
 */
export function runBacktestFast(
  series: CandleSeries,
  strategy: Strategy,
  p: BacktestParams,
  detail?: IntrabarDetail,
): BacktestResult {
  const n = series.length;
  const { ts, open, high, low, close } = series;
  const ledger = new TradeLedger(p.startEquity, p.feeBps);
  const gate = new RiskGate({ maxLeverage: p.maxLeverage, ...p.limits }, undefined, p.minQty);
  const equity = new Float64Array(n);
  const optimistic = p.intrabar === "optimistic";
  const barMode = p.mode === "bar";
  const slip = p.slippageBps;
  let pendingDir = 0;
  let pendingQty = 0;
  let pendingCap = Infinity;
  let pendingExit = false;
  let prevBias = 0;
  let exposed = 0;
  let denials = 0;
  let ambiguous = 0;
  const resolver = detail === undefined ? null : new DetailResolver(detail);
  const denialsByCode: Partial<Record<DenialCode, number>> = {};
  const lossPerNotional = lossPerNotionalAtStop(p.stopBps, p.feeBps, p.slippageBps);
  const dailyLimit = gate.limits.maxDailyLossUsd;
  let dayStartEquity = Infinity;

  // The open position and cash mirror the ledger in locals: the ledger and the gate are
  // only called on the rare entries, exits, decisions and day changes, not per candle.
  let dir = 0;
  let qty = 0;
  let entryPx = 0;
  let stopPx = 0;
  let tpPx = 0;
  let cash = ledger.cash;
  let dayEnd = -Infinity;

  for (let i = 0; i < n; i++) {
    const o = open[i];
    // execution: orders decided on the previous close fill at this open
    if (pendingExit) {
      ledger.close(ts[i], slipped(o, dir < 0, slip), "signal");
      dir = 0;
      cash = ledger.cash;
      pendingExit = false;
    }
    if (pendingDir !== 0) {
      const isLong = pendingDir > 0;
      entryPx = slipped(o, isLong, slip);
      stopPx = stopPriceFor(isLong, entryPx, p.stopBps);
      tpPx = tpPriceFor(isLong, entryPx, p.stopBps, p.tpR);
      qty = qtyWithinNotional(pendingQty, entryPx, pendingCap);
      ledger.open(isLong ? "long" : "short", qty, ts[i], entryPx, stopPx, tpPx);
      dir = pendingDir;
      cash = ledger.cash;
      pendingDir = 0;
    }
    if (dir !== 0) {
      exposed++;
      const isLong = dir > 0;
      let hit = bracketHit(isLong, o, high[i], low[i], stopPx, tpPx, optimistic);
      if (hit !== HIT_NONE) {
        // only bars that exit get here: the ambiguity check costs nothing per candle
        if (
          (hit === HIT_STOP || hit === HIT_TP) && touchesBoth(isLong, high[i], low[i], stopPx, tpPx)
        ) {
          ambiguous++;
          if (resolver !== null) hit = resolver.resolve(ts[i], isLong, stopPx, tpPx);
        }
        const level = hitPrice(hit, o, stopPx, tpPx);
        ledger.close(ts[i], slipped(level, !isLong, slip), isStopHit(hit) ? "stop" : "tp");
        dir = 0;
        cash = ledger.cash;
      } else if (barMode) {
        ledger.close(ts[i], slipped(close[i], !isLong, slip), "end");
        dir = 0;
        cash = ledger.cash;
      }
    }
    // journal: mark to market at the close (the ledger's equityAt, on the locals)
    const c = close[i];
    const eq = dir === 0 ? cash : cash + grossPnlFor(dir > 0, qty, entryPx, c);
    equity[i] = eq;
    if (ts[i] >= dayEnd) {
      // a new UTC day: the gate takes the previous close as the day's starting equity
      if (i > 0) gate.markEquity(ts[i - 1], equity[i - 1]);
      gate.markEquity(ts[i], eq);
      dayEnd = (Math.floor(ts[i] / DAY_MS) + 1) * DAY_MS;
      dayStartEquity = gate.dayStartEquity;
    } else if (dayStartEquity - eq >= dailyLimit) {
      // the mark that reaches the day's limit latches it (the gate is told only then)
      gate.markEquity(ts[i], eq);
    }
    // signal + risk
    const bias = strategy.next(series, i);
    if (i < n - 1 && (barMode ? bias !== 0 : bias !== prevBias)) {
      if (dir !== 0 && bias !== dir) pendingExit = true;
      if (bias !== 0 && bias !== dir) {
        gate.markEquity(ts[i], eq);
        const q = positionQty(eq, c, p.riskPct, p.stopBps, p.maxLeverage);
        const r = gate.sizeEntry({
          qty: q,
          refPrice: c,
          equity: eq,
          lossPerNotional,
          committedLoss: dir === 0 ? 0 : exitCostAt(qty, c, p.feeBps, slip),
        });
        if (!isDenial(r)) {
          pendingDir = bias;
          pendingQty = r.qty;
          pendingCap = r.maxNotional;
        } else {
          denials++;
          denialsByCode[r.code] = (denialsByCode[r.code] ?? 0) + 1;
        }
      }
    }
    prevBias = bias;
  }
  if (dir !== 0 && n > 0) {
    ledger.close(ts[n - 1], slipped(close[n - 1], dir < 0, slip), "end");
    equity[n - 1] = ledger.cash;
  }
  return {
    trades: ledger.trades,
    equity,
    exposedCandles: exposed,
    denials,
    denialsByCode,
    ambiguousBars: ambiguous,
    ...(resolver !== null ? { detail: resolver.resolution() } : {}),
  };
}
