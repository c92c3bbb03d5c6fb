/** Direction of a position. */
export type Side = "long" | "short";

/**
 * Why a position was closed: its stop or take-profit, the strategy's signal, the end of
 * the data or session (`end`), or a close this agent did not make (`external`: a manual
 * trade, another bot, a liquidation) found in the venue's trade history.
 */
export type ExitReason = typeof EXIT_REASONS[number];

/** Every exit reason (for schemas). */
export const EXIT_REASONS = ["stop", "tp", "signal", "end", "external"] as const;

/** One closed round trip, as written to `trades.csv`. Times are Unix ms. */
export interface Trade {
  readonly id: number;
  readonly side: Side;
  readonly entryTs: number;
  readonly entryPrice: number;
  readonly exitTs: number;
  readonly exitPrice: number;
  readonly qty: number;
  /** Entry notional: qty x entry price. */
  readonly notional: number;
  readonly stopPrice: number;
  readonly tpPrice: number;
  readonly exitReason: ExitReason;
  readonly grossPnl: number;
  readonly fees: number;
  /** grossPnl - fees. */
  readonly pnl: number;
  readonly equityAfter: number;
}

/** Column order of `trades.csv` (an interface other tools read). */
export const TRADE_CSV_COLUMNS = [
  "id",
  "side",
  "entry_ts",
  "entry_price",
  "exit_ts",
  "exit_price",
  "qty",
  "notional",
  "stop_price",
  "tp_price",
  "exit_reason",
  "gross_pnl",
  "fees",
  "pnl",
  "equity_after",
] as const;

/** One trade as a `trades.csv` row, in `TRADE_CSV_COLUMNS` order. */
export function tradeToCsvRow(t: Trade): string {
  return [
    t.id,
    t.side,
    t.entryTs,
    t.entryPrice,
    t.exitTs,
    t.exitPrice,
    t.qty,
    t.notional,
    t.stopPrice,
    Number.isFinite(t.tpPrice) ? t.tpPrice : "", // no take-profit
    t.exitReason,
    t.grossPnl,
    t.fees,
    t.pnl,
    t.equityAfter,
  ].join(",");
}
