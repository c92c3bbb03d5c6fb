import type { BacktestParams } from "../../core/backtest_params.ts";
import { venueBracket } from "../../core/fill_rules.ts";
import type { Protection } from "../../core/order.ts";
import type { TradeLedger } from "../../engine/trade_ledger.ts";

/** A venue position a live session takes over at start. */
export interface AdoptedPosition {
  readonly side: "long" | "short";
  readonly qty: number;
  readonly entryPrice: number;
  /** Unrealised pnl the venue reports (already part of the account equity sized from). */
  readonly unrealizedPnl?: number;
}

/**
 * Makes a venue position the ledger's own. Its bracket is the one the venue holds (a stop
 * without a take-profit: none), else the configured distances from its entry. The ledger's cash was set from the account's
 * equity, which already includes the position's unrealised pnl: that part is taken out of
 * cash, so marking the position to market does not count it twice.
 */
export function adoptVenuePosition(
  ledger: TradeLedger,
  adopted: AdoptedPosition,
  held: Protection | null,
  params: BacktestParams,
  now: number,
): void {
  const isLong = adopted.side === "long";
  const { stop, tp } = venueBracket(isLong, adopted.entryPrice, held, params.stopBps, params.tpR);
  ledger.position = {
    side: adopted.side,
    qty: adopted.qty,
    entryTs: now,
    entryPrice: adopted.entryPrice,
    stopPrice: stop,
    tpPrice: tp,
    entryFee: 0,
  };
  ledger.cash -= adopted.unrealizedPnl ?? 0;
}
