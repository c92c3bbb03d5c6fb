import type { CandleSeries } from "../core/candle.ts";
import {
  bracketHit,
  HIT_NONE,
  hitPrice,
  isStopHit,
  positionQty,
  slipped,
  stopPriceFor,
  tpPriceFor,
} from "../core/fill_rules.ts";
import type { Trade } from "../core/trade.ts";
import type { Strategy } from "../strategy/strategy.ts";
import type { BacktestParams } from "../core/backtest_params.ts";
import { RiskGate } from "./risk_gate.ts";
import { TradeLedger } from "./trade_ledger.ts";

/** What one backtest pass produced. */
export interface BacktestResult {
  readonly trades: Trade[];
  /** Marked-to-market equity at each candle close. */
  readonly equity: Float64Array;
  /** Candles during which a position was open. */
  readonly exposedCandles: number;
  /** Entries the RiskGate refused (daily loss, limits). */
  readonly denials: number;
}

/**
 * The backtest fast path: the same market -> signal -> risk -> execution -> journal
 * steps as the agent pipeline, run over typed arrays with step records off. Decisions
 * are taken on a closed candle and filled at the next candle's open; brackets are
 * checked against every bar with the shared fill rules.
 */
export function runBacktestFast(
  series: CandleSeries,
  strategy: Strategy,
  p: BacktestParams,
): BacktestResult {
  const n = series.length;
  const { ts, open, high, low, close } = series;
  const ledger = new TradeLedger(p.startEquity, p.feeBps);
  const gate = new RiskGate({ maxLeverage: p.maxLeverage, ...p.limits });
  const equity = new Float64Array(n);
  const optimistic = p.intrabar === "optimistic";
  const barMode = p.mode === "bar";
  const slip = p.slippageBps;
  let pendingDir = 0;
  let pendingQty = 0;
  let pendingExit = false;
  let prevBias = 0;
  let exposed = 0;
  let denials = 0;

  for (let i = 0; i < n; i++) {
    const o = open[i];
    // execution: orders decided on the previous close fill at this open
    if (pendingExit) {
      ledger.close(ts[i], slipped(o, ledger.position!.side === "short", slip), "signal");
      pendingExit = false;
    }
    if (pendingDir !== 0) {
      const isLong = pendingDir > 0;
      const entry = slipped(o, isLong, slip);
      ledger.open(
        isLong ? "long" : "short",
        pendingQty,
        ts[i],
        entry,
        stopPriceFor(isLong, entry, p.stopBps),
        tpPriceFor(isLong, entry, p.stopBps, p.tpR),
      );
      pendingDir = 0;
    }
    const pos = ledger.position;
    if (pos !== null) {
      exposed++;
      const isLong = pos.side === "long";
      const hit = bracketHit(isLong, o, high[i], low[i], pos.stopPrice, pos.tpPrice, optimistic);
      if (hit !== HIT_NONE) {
        const level = hitPrice(hit, o, pos.stopPrice, pos.tpPrice);
        ledger.close(ts[i], slipped(level, !isLong, slip), isStopHit(hit) ? "stop" : "tp");
      } else if (barMode) {
        ledger.close(ts[i], slipped(close[i], !isLong, slip), "end");
      }
    }
    // journal: mark to market at the close
    const c = close[i];
    const eq = ledger.equityAt(c);
    equity[i] = eq;
    gate.markEquity(ts[i], eq);
    // signal + risk
    const bias = strategy.next(series, i);
    if (i < n - 1 && (barMode ? bias !== 0 : bias !== prevBias)) {
      const cur = ledger.position;
      const curDir = cur === null ? 0 : cur.side === "long" ? 1 : -1;
      if (curDir !== 0 && bias !== curDir) pendingExit = true;
      if (bias !== 0 && bias !== curDir) {
        const qty = positionQty(eq, c, p.riskPct, p.stopBps, p.maxLeverage);
        if (gate.checkEntry(qty * c, eq) === null) {
          pendingDir = bias;
          pendingQty = qty;
        } else denials++;
      }
    }
    prevBias = bias;
  }
  if (ledger.position !== null && n > 0) {
    const isLong = ledger.position.side === "long";
    ledger.close(ts[n - 1], slipped(close[n - 1], !isLong, slip), "end");
    equity[n - 1] = ledger.cash;
  }
  return { trades: ledger.trades, equity, exposedCandles: exposed, denials };
}
