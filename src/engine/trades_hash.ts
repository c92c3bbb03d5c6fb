import { createHash } from "node:crypto";
import { type Trade, TRADE_CSV_COLUMNS, tradeToCsvRow } from "../core/trade.ts";

/** Trade lists are append-only, so text made for a list stays valid while its length does. */
const csvCache = new WeakMap<readonly Trade[], { length: number; text: string }>();
const bytesCache = new WeakMap<readonly Trade[], { length: number; bytes: Uint8Array }>();

/**
 * The canonical `trades.csv` text of a trades list: header plus one row per trade, numbers
 * in JavaScript's shortest round-trip form. Formatting floats is the costly part of a big
 * run, so the text is made once per list and shared by the hash and the artifact.
 */
export function tradesCsvText(trades: readonly Trade[]): string {
  const hit = csvCache.get(trades);
  if (hit !== undefined && hit.length === trades.length) return hit.text;
  const rows = new Array<string>(trades.length + 1);
  rows[0] = TRADE_CSV_COLUMNS.join(",");
  for (let i = 0; i < trades.length; i++) rows[i + 1] = tradeToCsvRow(trades[i]);
  const text = rows.join("\n") + "\n";
  csvCache.set(trades, { length: trades.length, text });
  return text;
}

/** `tradesCsvText` as (ASCII) bytes, encoded once per list: what is written and hashed. */
export function tradesCsvBytes(trades: readonly Trade[]): Uint8Array {
  const hit = bytesCache.get(trades);
  if (hit !== undefined && hit.length === trades.length) return hit.bytes;
  const bytes = new TextEncoder().encode(tradesCsvText(trades));
  bytesCache.set(trades, { length: trades.length, bytes });
  return bytes;
}

/**
 * SHA-256 (hex) of the canonical trades list: exactly `sha256sum trades.csv`. Equal
 * hashes mean bit-identical trades: the gate every performance change must pass.
 */
export function tradesHash(trades: readonly Trade[]): string {
  return createHash("sha256").update(tradesCsvBytes(trades)).digest("hex");
}
