import type { OrderIntent } from "../core/order.ts";

/**
 * Deterministic order client id from the run, the decision candle and the intent: the
 * same decision after a restart produces the same id, so the venue refuses a repeat.
 * Short and alphanumeric with dashes (venues limit client ids).
 */
export function clientIdFor(runKey: string, candleTs: number, intent: OrderIntent): string {
  const tag = intent === "entry" ? "e" : intent === "exit" ? "x" : "f";
  return `la${runKey}-${candleTs.toString(36)}-${tag}`;
}

/** A short stable key (8 hex chars, FNV-1a) for a run or session name. */
export function runKeyFor(name: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, "0");
}

/** The intent encoded in one of our client ids, or null for an id that is not ours. */
export function intentOfClientId(clientId: string): OrderIntent | null {
  const tag = clientId.slice(clientId.lastIndexOf("-") + 1);
  return tag === "e" ? "entry" : tag === "x" ? "exit" : tag === "f" ? "flatten" : null;
}
