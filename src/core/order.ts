import type { Side } from "./trade.ts";

/** Buy or sell, as sent to a venue. */
export type OrderSide = "buy" | "sell";

/** What an order is for; part of its deterministic client id. */
export type OrderIntent = "entry" | "exit" | "flatten";

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
  /** Stop distance in basis points from the entry fill (entries only). */
  readonly stopBps?: number;
  /** Take-profit distance as a multiple of the stop distance (entries only). */
  readonly tpR?: number;
}

/** The venue's answer to an order. */
export interface OrderAck {
  readonly clientId: string;
  readonly orderId: string;
  /** True when the venue already knew this client id (a restart re-sent it). */
  readonly duplicate: boolean;
}

/** Why a fill happened. */
export type FillReason = "entry" | "stop" | "tp" | "signal" | "end" | "flatten";

/** A confirmed execution reported by a venue. */
export interface Fill {
  readonly clientId: string;
  readonly orderId: string;
  readonly symbol: string;
  readonly side: OrderSide;
  readonly qty: number;
  readonly price: number;
  readonly fee: number;
  /** Execution time, Unix ms. */
  readonly ts: number;
  readonly reason: FillReason;
}

/** A position as a venue reports it. */
export interface VenuePosition {
  readonly symbol: string;
  readonly side: Side;
  readonly qty: number;
  readonly entryPrice: number;
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
