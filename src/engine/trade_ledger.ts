import { cleanQty, feeFor, grossPnlFor } from "../core/fill_rules.ts";
import type { ExitReason, Side, Trade } from "../core/trade.ts";

/** An open position as the ledger tracks it. */
export interface OpenPosition {
  readonly side: Side;
  /** Quantity still open. */
  readonly qty: number;
  readonly entryTs: number;
  /** Quantity-weighted price of every entry fill. */
  readonly entryPrice: number;
  readonly stopPrice: number;
  readonly tpPrice: number;
  /** Fees of every entry fill. */
  readonly entryFee: number;
  /** Quantity already closed by partial exits (absent: none). */
  readonly closedQty?: number;
  /** Sum of qty x price of the partial exits. */
  readonly closedValue?: number;
  /** Gross pnl realised by the partial exits. */
  readonly closedGross?: number;
  /** Fees of the partial exits. */
  readonly closedFees?: number;
}

/** Quantities closer than this fraction of the position count as equal (float noise). */
const QTY_EPS = 1e-9;

/**
 * Cash and trade accounting shared by the backtest fast path and the agent pipeline, so
 * both compute every number with the same operations in the same order (identical
 * trades hash). Entry fees leave cash at entry; pnl and exit fees at each exit. A
 * position may be built by several entry fills (quantity-weighted price, summed fees) and
 * closed by several exit fills; one trade is recorded when it is fully closed, with the
 * real quantities, the weighted exit price and every fee.
 */
export class TradeLedger {
  cash = 0;
  readonly trades: Trade[] = [];
  position: OpenPosition | null = null;

  readonly feeBps: number = 0;

  constructor(startEquity: number, feeBps: number) {
    this.cash = startEquity;
    this.feeBps = feeBps;
  }

  /** Opens a position from an entry fill (`fee` defaults to the configured rate). */
  open(
    side: Side,
    qty: number,
    ts: number,
    price: number,
    stopPrice: number,
    tpPrice: number,
    fee = feeFor(qty, price, this.feeBps),
  ): OpenPosition {
    this.cash -= fee;
    this.position = {
      side,
      qty,
      entryTs: ts,
      entryPrice: price,
      stopPrice,
      tpPrice,
      entryFee: fee,
    };
    return this.position;
  }

  /** Adds a further entry fill to the open position (same side). */
  addToPosition(qty: number, price: number, fee = feeFor(qty, price, this.feeBps)): void {
    const p = this.position;
    if (p === null) throw new Error("Cannot add to a position: none is open");
    const total = cleanQty(p.qty + qty);
    this.cash -= fee;
    this.position = {
      ...p,
      qty: total,
      entryPrice: (p.entryPrice * p.qty + price * qty) / total,
      entryFee: p.entryFee + fee,
    };
  }

  /** Moves the position's stop and take-profit (e.g. to what the venue holds). */
  setBracket(stopPrice: number, tpPrice: number): void {
    if (this.position !== null) this.position = { ...this.position, stopPrice, tpPrice };
  }

  /**
   * Closes `qty` of the open position at `price`. Returns the trade when this closes the
   * position, else null (a partial exit: pnl and fee are booked, the rest stays open).
   */
  reduce(
    ts: number,
    qty: number,
    price: number,
    reason: ExitReason,
    fee = feeFor(qty, price, this.feeBps),
  ): Trade | null {
    const p = this.position;
    if (p === null) throw new Error("Cannot close: no open position");
    const gross = grossPnlFor(p.side === "long", qty, p.entryPrice, price);
    this.cash = this.cash + gross - fee;
    const left = cleanQty(p.qty - qty);
    if (left > p.qty * QTY_EPS) {
      this.position = {
        ...p,
        qty: left,
        closedQty: (p.closedQty ?? 0) + qty,
        closedValue: (p.closedValue ?? 0) + qty * price,
        closedGross: (p.closedGross ?? 0) + gross,
        closedFees: (p.closedFees ?? 0) + fee,
      };
      return null;
    }
    const partial = p.closedQty !== undefined;
    const totalQty = partial ? p.closedQty! + p.qty : p.qty;
    const totalGross = partial ? p.closedGross! + gross : gross;
    const fees = p.entryFee + (partial ? p.closedFees! + fee : fee);
    const trade: Trade = {
      id: this.trades.length + 1,
      side: p.side,
      entryTs: p.entryTs,
      entryPrice: p.entryPrice,
      exitTs: ts,
      exitPrice: partial ? (p.closedValue! + p.qty * price) / totalQty : price,
      qty: totalQty,
      notional: totalQty * p.entryPrice,
      stopPrice: p.stopPrice,
      tpPrice: p.tpPrice,
      exitReason: reason,
      grossPnl: totalGross,
      fees,
      pnl: totalGross - fees,
      equityAfter: this.cash,
    };
    this.trades.push(trade);
    this.position = null;
    return trade;
  }

  /** Closes the whole open position at `price`, records and returns the trade. */
  close(ts: number, price: number, reason: ExitReason, fee?: number): Trade {
    const p = this.position;
    if (p === null) throw new Error("Cannot close: no open position");
    return this.reduce(ts, p.qty, price, reason, fee ?? feeFor(p.qty, price, this.feeBps))!;
  }

  /** Equity marked to market at `price`. */
  equityAt(price: number): number {
    const p = this.position;
    return p === null
      ? this.cash
      : this.cash + grossPnlFor(p.side === "long", p.qty, p.entryPrice, price);
  }
}
