import type { BacktestParams } from "../../core/backtest_params.ts";
import { stopPriceFor, tpPriceFor } from "../../core/fill_rules.ts";
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
 * Makes a venue position the ledger's own. Its bracket is the one the venue holds (else
 * the configured distances from its entry). The ledger's cash was set from the account's
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
  ledger.position = {
    side: adopted.side,
    qty: adopted.qty,
    entryTs: now,
    entryPrice: adopted.entryPrice,
    stopPrice: held?.stopPrice ?? stopPriceFor(isLong, adopted.entryPrice, params.stopBps),
    tpPrice: held?.tpPrice ??
      tpPriceFor(isLong, adopted.entryPrice, params.stopBps, params.tpR),
    entryFee: 0,
  };
  ledger.cash -= adopted.unrealizedPnl ?? 0;
}
