/**
 * Whether a contract takes new orders through the API. The venue says so in two fields of
 * `trading_pairs`: `symbolStatus` (OPEN, CANCEL_ONLY, STOP) and `isApiSupported` (false
 * for contracts traded only on the web and in the app).
 *
 * @module
 */
import type { SymbolInfo } from "./types.ts";

/**
 * Why `info` cannot take a new order through the API (`status CANCEL_ONLY`,
 * `API trading not supported (isApiSupported false)`), or undefined when it can.
 */
export function untradableReason(info: SymbolInfo): string | undefined {
  if (info.status !== "OPEN") return `status ${info.status}`;
  if (!info.apiSupported) return "API trading not supported (isApiSupported false)";
  return undefined;
}

/** True when `info` is OPEN and open to API trading. */
export function isTradable(info: SymbolInfo): boolean {
  return untradableReason(info) === undefined;
}
