/** Venue-neutral shapes the Bitunix client returns (no raw venue JSON leaves this folder). */

/** Contract rules of one symbol. */
export interface SymbolInfo {
  readonly symbol: string;
  /** Smallest order quantity in base coin. */
  readonly minQty: number;
  /** Quantity increment (10^-qtyPrecision; derived, the venue gives no step field). */
  readonly qtyStep: number;
  /** Price increment (10^-pricePrecision; derived). */
  readonly tickSize: number;
  readonly qtyPrecision: number;
  readonly pricePrecision: number;
  readonly maxLeverage: number;
  /** `OPEN`, `CANCEL_ONLY` or `STOP`. */
  readonly status: string;
}

/** Last and mark price of one symbol. */
export interface Ticker {
  readonly symbol: string;
  readonly lastPrice?: number;
  readonly markPrice?: number;
  readonly high?: number;
  readonly low?: number;
  readonly baseVolume?: number;
  readonly quoteVolume?: number;
}

/** Order book levels as [price, qty], best first. */
export interface Depth {
  readonly asks: readonly [number, number][];
  readonly bids: readonly [number, number][];
}

/** Futures account balance in the margin coin. */
export interface AccountInfo {
  readonly marginCoin: string;
  readonly available: number;
  readonly frozen: number;
  readonly margin: number;
  readonly unrealizedPnl: number;
  readonly positionMode?: string;
}

/** An open position as the venue reports it. */
export interface BitunixPosition {
  readonly positionId: string;
  readonly symbol: string;
  readonly side: "long" | "short";
  readonly qty: number;
  readonly entryPrice: number;
  readonly leverage?: number;
  readonly marginMode?: string;
  readonly unrealizedPnl?: number;
  readonly liqPrice?: number;
}

/** An order (pending, history or detail). */
export interface BitunixOrder {
  readonly orderId: string;
  readonly clientId?: string;
  readonly symbol: string;
  readonly side: "buy" | "sell";
  readonly qty: number;
  readonly filledQty: number;
  readonly price?: number;
  readonly avgPrice?: number;
  readonly orderType?: string;
  readonly status?: string;
  readonly reduceOnly: boolean;
  readonly tpPrice?: number;
  readonly slPrice?: number;
  readonly ctime?: number;
}

/** One execution. */
export interface BitunixTrade {
  readonly tradeId: string;
  readonly orderId: string;
  readonly clientId?: string;
  readonly symbol: string;
  readonly side: "buy" | "sell";
  readonly qty: number;
  readonly price: number;
  readonly fee: number;
  readonly reduceOnly: boolean;
  readonly realizedPnl?: number;
  readonly ts: number;
}

/** Leverage and margin mode of one symbol. */
export interface LeverageMarginMode {
  readonly symbol: string;
  readonly leverage: number;
  readonly marginMode?: string;
  readonly marginCoin?: string;
}

/** Body of a place_order call (venue fields, already formatted). */
export interface PlaceOrderParams {
  readonly symbol: string;
  readonly side: "BUY" | "SELL";
  readonly orderType: "MARKET" | "LIMIT";
  /** Decimal string in base coin. */
  readonly qty: string;
  readonly price?: string;
  readonly clientId?: string;
  readonly reduceOnly?: boolean;
  readonly effect?: "GTC" | "IOC" | "FOK" | "POST_ONLY";
  readonly tradeSide?: "OPEN" | "CLOSE";
  readonly positionId?: string;
  readonly tpPrice?: string;
  readonly tpStopType?: "MARK_PRICE" | "LAST_PRICE";
  readonly tpOrderType?: "MARKET" | "LIMIT";
  readonly slPrice?: string;
  readonly slStopType?: "MARK_PRICE" | "LAST_PRICE";
  readonly slOrderType?: "MARKET" | "LIMIT";
}

/** Result of a cancel_orders call. */
export interface CancelResult {
  readonly cancelled: { orderId?: string; clientId?: string }[];
  readonly failed: { orderId?: string; clientId?: string; code?: number; msg?: string }[];
}
