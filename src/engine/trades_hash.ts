import { createHash } from "node:crypto";
import { type Trade, TRADE_CSV_COLUMNS, tradeToCsvRow } from "../core/trade.ts";

/**
 * SHA-256 (hex) of the trades list in its canonical `trades.csv` form. Numbers are
 * written in JavaScript's shortest round-trip form, so equal hashes mean bit-identical
 * trades: the gate every performance change must pass.
 */
export function tradesHash(trades: readonly Trade[]): string {
  const h = createHash("sha256");
  h.update(TRADE_CSV_COLUMNS.join(",") + "\n");
  for (const t of trades) h.update(tradeToCsvRow(t) + "\n");
  return h.digest("hex");
}
