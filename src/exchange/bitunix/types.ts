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
  /**
   * False when the venue takes no API orders on this symbol (`isApiSupported: false`).
   * Tradable = status OPEN and apiSupported (see `untradableReason`).
   */
  readonly apiSupported: boolean;
}

/** Last and mark price of one symbol. */
export interface Ticker {
  readonly symbol: string;
  readonly lastPrice?: number;
  readonly markPrice?: number;
  readonly high?: number;
  readonly low?: number;
  /** 24 h volume in base coin (told apart from the notional by price; see volume.ts). */
  readonly baseVolume?: number;
  /** 24 h volume in quote coin (USDT). */
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
  /** ONE_WAY or HEDGE. */
  readonly positionMode?: string;
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

/** Which price a TP/SL trigger watches. */
export type TpslStopType = "MARK_PRICE" | "LAST_PRICE";

/** An order of the venue's TP/SL book (pending or history). */
export interface BitunixTpslOrder {
  /** TP/SL order id (the venue calls it `id`). */
  readonly orderId: string;
  readonly positionId: string;
  readonly symbol: string;
  readonly tpPrice?: number;
  readonly tpStopType?: string;
  readonly tpOrderType?: string;
  readonly tpOrderPrice?: number;
  /** Quantity the take-profit closes; absent for a whole-position TP/SL. */
  readonly tpQty?: number;
  readonly slPrice?: number;
  readonly slStopType?: string;
  readonly slOrderType?: string;
  readonly slOrderPrice?: number;
  /** Quantity the stop closes; absent for a whole-position TP/SL. */
  readonly slQty?: number;
  /** Venue status, upper case (pending: NEW; history e.g. CANCELED or the triggered state). */
  readonly status?: string;
  /** Unix ms. */
  readonly ctime?: number;
  /** Unix ms of its last change (for a fired one: when it fired). */
  readonly mtime?: number;
  /**
   * Unix ms when it fired (history only). Not in the documented field list: may be absent.
   */
  readonly triggerTime?: number;
}

/** Body of a tpsl/place_order call: a TP/SL with quantities on an open position. */
export interface PlaceTpslParams {
  readonly symbol: string;
  readonly positionId: string;
  /** Decimal strings; at least one of tpPrice and slPrice. */
  readonly tpPrice?: string;
  readonly tpStopType?: TpslStopType;
  readonly tpOrderType?: "MARKET" | "LIMIT";
  readonly tpOrderPrice?: string;
  /** Base-coin quantity; at least one of tpQty and slQty. */
  readonly tpQty?: string;
  readonly slPrice?: string;
  readonly slStopType?: TpslStopType;
  readonly slOrderType?: "MARKET" | "LIMIT";
  readonly slOrderPrice?: string;
  readonly slQty?: string;
}

/**
 * Body of a tpsl/position/place_order or tpsl/position/modify_order call: a TP/SL that
 * closes the whole position at market when it fires (one per position).
 */
export interface PositionTpslParams {
  readonly symbol: string;
  readonly positionId: string;
  /** Decimal strings; at least one of tpPrice and slPrice. */
  readonly tpPrice?: string;
  readonly tpStopType?: TpslStopType;
  readonly slPrice?: string;
  readonly slStopType?: TpslStopType;
}

/** Body of a tpsl/modify_order call: new triggers or quantities of one TP/SL order. */
export interface ModifyTpslParams extends Omit<PlaceTpslParams, "symbol" | "positionId"> {
  readonly orderId: string;
}

/** Result of a cancel_orders call. */
export interface CancelResult {
  readonly cancelled: { orderId?: string; clientId?: string }[];
  readonly failed: { orderId?: string; clientId?: string; code?: number; msg?: string }[];
}
