import type { Candle } from "./candle.ts";
import type {
  Fill,
  OpenOrder,
  OrderAck,
  OrderRequest,
  PlaceOptions,
  Protection,
  VenuePosition,
} from "./order.ts";

/** Source of the current time; tests and backtests inject a simulated one. */
export interface Clock {
  /** Unix milliseconds. */
  now(): number;
}

/** A closed candle delivered by a feed. */
export interface FeedCandle {
  readonly candle: Candle;
  /**
   * False for warm-up history, true for a candle that just closed in real time. Orders
   * are only ever sent on live candles (never on the history batch).
   */
  readonly live: boolean;
}

/** Delivers closed candles in time order: history, mock, WebSocket or a replay file. */
export interface MarketFeed {
  /** Closed candles, oldest first; ends when the feed is exhausted or closed. */
  candles(): AsyncIterable<FeedCandle>;
  /** Stops the feed; pending iteration ends. */
  close(): Promise<void>;
}

/**
 * A trading venue: the simulated one (backtest and paper) or Bitunix (live). Kept to a
 * handful of methods; everything venue-specific stays behind it.
 */
export interface Exchange {
  /**
   * Sends a market order; resolves when the venue accepted (or already knew) it. An entry
   * is held to `order.maxNotional` at its fill; `opts.refuse` is asked right before the
   * request leaves (after any wait, on every retry).
   */
  placeOrder(order: OrderRequest, opts?: PlaceOptions): Promise<OrderAck>;
  /** Cancels every working order for the symbol; resolves to how many were cancelled. */
  cancelAll(symbol: string): Promise<number>;
  /**
   * Fills of this agent's own orders (and of the protective orders it placed) confirmed
   * since the previous call, oldest first, aggregated per order. Executions of anybody
   * else on the account are not fills of ours; they come back as `external` fills only
   * when they closed the agent's position behind its back.
   */
  drainFills(): Promise<Fill[]>;
  /** The open position for the symbol, or null when flat. */
  position(symbol: string): Promise<VenuePosition | null>;
  /** Working orders for the symbol. */
  openOrders(symbol: string): Promise<OpenOrder[]>;
  /** The stop and take-profit the venue holds for the symbol's position; null when none. */
  protection(symbol: string): Promise<Protection | null>;
  /** Places a stop (and take-profit) on the symbol's whole position at the venue. */
  protect(symbol: string, bracket: { stopPrice: number; tpPrice?: number }): Promise<void>;
}

/** A venue that fills against candles it is shown (the simulated venue). */
export interface CandleDrivenExchange extends Exchange {
  /** Shows the venue a closed candle so it can fill pending orders and brackets. */
  onCandle(candle: Candle): void;
}
