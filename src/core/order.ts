import type { Side } from "./trade.ts";
import type { BracketSpec } from "./fill_rules.ts";

/** Buy or sell, as sent to a venue. */
export type OrderSide = "buy" | "sell";

/**
 * What an order is for; part of its deterministic client id. `reduce` takes back the part
 * of an entry that filled beyond a limit; `flatten` closes everything (emergency stop, or
 * a position the venue would not protect).
 */
export type OrderIntent = "entry" | "exit" | "flatten" | "reduce";

/**
 * A market order as the engine asks for it. Entries carry their protective stop and
 * take-profit so the venue holds them (exchange-side on Bitunix).
 */
export interface OrderRequest {
  /** Deterministic id: run, candle time and intent; a venue refuses a repeat. */
  readonly clientId: string;
  readonly symbol: string;
  readonly side: OrderSide;
  /** Quantity in base coin (BTC). */
  readonly qty: number;
  readonly intent: OrderIntent;
  readonly reduceOnly: boolean;
  /** Price the order was sized at (the decision candle's close). */
  readonly refPrice: number;
  /**
   * Entries: the largest notional the position may reach at the fill price (RiskGate
   * limits and the day's loss budget). The venue sizes the entry down to it at the fill.
   */
  readonly maxNotional?: number;
  /**
   * Entries: where the stop and take-profit go from the fill. A venue refuses an entry
   * without one rather than leave it unprotected.
   */
  readonly bracket?: BracketSpec;
}

/** Options of one order submission. */
export interface PlaceOptions {
  /**
   * Asked right before the order leaves for the venue, after any rate-limit wait and
   * again before every retry; a non-null answer (the reason) refuses the order there.
   */
  readonly refuse?: () => string | null;
}

/** The venue's answer to an order. */
export interface OrderAck {
  readonly clientId: string;
  readonly orderId: string;
  /** True when the venue already knew this client id (a restart re-sent it). */
  readonly duplicate: boolean;
}

/** Why a fill happened (`external`: not this agent's order; see ExitReason). */
export type FillReason = typeof FILL_REASONS[number];

/** Every fill reason (for schemas). */
export const FILL_REASONS = [
  "entry",
  "stop",
  "tp",
  "signal",
  "end",
  "flatten",
  "external",
] as const;

/** A confirmed execution reported by a venue. */
export interface Fill {
  readonly clientId: string;
  readonly orderId: string;
  readonly symbol: string;
  readonly side: OrderSide;
  readonly qty: number;
  readonly price: number;
  readonly fee: number;
  /** Execution time, Unix ms (the last execution when several are aggregated). */
  readonly ts: number;
  readonly reason: FillReason;
  /** True for a reduce-only order: it can close a position, never open or flip one. */
  readonly reduceOnly?: boolean;
  /**
   * Not this agent's order (a manual trade, another bot, the venue's own stop): it counts
   * only when it closes the agent's position, and never opens or adds to one.
   */
  readonly external?: boolean;
  /** Entries on a live venue: the stop the venue holds for the position. */
  readonly stopPrice?: number;
  /** Entries on a live venue: the take-profit the venue holds for the position. */
  readonly tpPrice?: number;
  /** The venue's execution (trade) ids this fill aggregates. */
  readonly tradeIds?: readonly string[];
}

/** A position as a venue reports it. */
export interface VenuePosition {
  readonly symbol: string;
  readonly side: Side;
  readonly qty: number;
  readonly entryPrice: number;
  readonly stopPrice?: number;
  readonly tpPrice?: number;
  /** Unrealised pnl as the venue reports it (live venues; already in account equity). */
  readonly unrealizedPnl?: number;
}

/** The protective orders a venue holds for a position. */
export interface Protection {
  readonly stopPrice?: number;
  readonly tpPrice?: number;
}

/** A working (not yet filled or cancelled) order at a venue. */
export interface OpenOrder {
  readonly clientId: string;
  readonly orderId: string;
  readonly symbol: string;
  readonly side: OrderSide;
  readonly qty: number;
  readonly reduceOnly: boolean;
}
