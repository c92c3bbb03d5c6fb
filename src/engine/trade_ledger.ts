import { feeFor, grossPnlFor } from "../core/fill_rules.ts";
import type { ExitReason, Side, Trade } from "../core/trade.ts";

/** An open position as the ledger tracks it. */
export interface OpenPosition {
  readonly side: Side;
  readonly qty: number;
  readonly entryTs: number;
  readonly entryPrice: number;
  readonly stopPrice: number;
  readonly tpPrice: number;
  readonly entryFee: number;
}

/**
 * Cash and trade accounting shared by the backtest fast path and the agent pipeline, so
 * both compute every number with the same operations in the same order (identical
 * trades hash). Entry fees leave cash at entry; pnl and exit fees at exit.
 */
export class TradeLedger {
  cash: number;
  readonly trades: Trade[] = [];
  position: OpenPosition | null = null;

  constructor(startEquity: number, readonly feeBps: number) {
    this.cash = startEquity;
  }

  /** Opens a position from an entry fill. */
  open(
    side: Side,
    qty: number,
    ts: number,
    price: number,
    stopPrice: number,
    tpPrice: number,
  ): OpenPosition {
    const entryFee = feeFor(qty, price, this.feeBps);
    this.cash -= entryFee;
    this.position = { side, qty, entryTs: ts, entryPrice: price, stopPrice, tpPrice, entryFee };
    return this.position;
  }

  /** Closes the open position at `price`, records and returns the trade. */
  close(ts: number, price: number, reason: ExitReason): Trade {
    const p = this.position;
    if (p === null) throw new Error("Cannot close: no open position");
    const exitFee = feeFor(p.qty, price, this.feeBps);
    const gross = grossPnlFor(p.side === "long", p.qty, p.entryPrice, price);
    this.cash = this.cash + gross - exitFee;
    const fees = p.entryFee + exitFee;
    const trade: Trade = {
      id: this.trades.length + 1,
      side: p.side,
      entryTs: p.entryTs,
      entryPrice: p.entryPrice,
      exitTs: ts,
      exitPrice: price,
      qty: p.qty,
      notional: p.qty * p.entryPrice,
      stopPrice: p.stopPrice,
      tpPrice: p.tpPrice,
      exitReason: reason,
      grossPnl: gross,
      fees,
      pnl: gross - fees,
      equityAfter: this.cash,
    };
    this.trades.push(trade);
    this.position = null;
    return trade;
  }

  /** Equity marked to market at `price`. */
  equityAt(price: number): number {
    const p = this.position;
    return p === null
      ? this.cash
      : this.cash + grossPnlFor(p.side === "long", p.qty, p.entryPrice, price);
  }
}
