import { InputError } from "../../core/errors.ts";
import type {
  Fill,
  FillReason,
  OpenOrder,
  OrderAck,
  OrderIntent,
  OrderRequest,
  VenuePosition,
} from "../../core/order.ts";
import type { Exchange } from "../../core/ports.ts";
import { BitunixError, DUPLICATE_CLIENT_ID_CODE, isBitunixError } from "./errors.ts";
import type { BitunixRestClient } from "./rest_client.ts";
import type { BitunixTrade, SymbolInfo } from "./types.ts";

/** Bitunix "order not found" (get_order_detail for an id the venue never booked). */
const ORDER_NOT_FOUND_CODE = 20007;

/** Options of BitunixExchange. */
export interface BitunixExchangeOptions {
  /** Only fills at or after this time (Unix ms) are reported; default: construction time. */
  readonly fillsSince?: number;
  readonly now?: () => number;
}

interface Bracket {
  readonly stopPrice?: number;
  readonly tpPrice?: number;
}

/** Rounds `qty` down to a multiple of `step` (tolerating float noise), as a fixed string. */
export function roundQtyDown(qty: number, step: number, precision: number): string {
  const units = Math.floor(qty / step + 1e-9);
  return (units * step).toFixed(precision);
}

/** Stop and take-profit prices of an entry from its reference price (long: stop below). */
export function bracketPrices(
  side: "buy" | "sell",
  refPrice: number,
  stopBps: number,
  tpR?: number,
): { stopPrice: number; tpPrice?: number } {
  const d = stopBps / 1e4;
  const dir = side === "buy" ? 1 : -1;
  return {
    stopPrice: refPrice * (1 - dir * d),
    tpPrice: tpR !== undefined && tpR > 0 ? refPrice * (1 + dir * tpR * d) : undefined,
  };
}

/**
 * The core Exchange port on Bitunix USDT-M futures. Assumes ONE-WAY position mode (one
 * net position per symbol; no `tradeSide`/`positionId` on orders): check it with preflight.
 * Entries are market orders carrying exchange-side stop and take-profit (mark-price
 * triggered, market execution). Client ids make re-sends idempotent: a duplicate (30042)
 * resolves to the existing order with `duplicate: true`. Fills come from the trade
 * history (the authoritative record with trade ids and fees), de-duplicated by trade id.
 */
export class BitunixExchange implements Exchange {
  readonly #client: BitunixRestClient;
  readonly #symbols = new Map<string, SymbolInfo>();
  readonly #intents = new Map<string, OrderIntent>();
  readonly #brackets = new Map<string, Bracket>();
  /** Trade id -> trade time of everything reported at or after `#fillsSince`. */
  readonly #seenTrades = new Map<string, number>();
  #fillsSince: number;

  constructor(client: BitunixRestClient, opts: BitunixExchangeOptions = {}) {
    this.#client = client;
    this.#fillsSince = opts.fillsSince ?? (opts.now ?? Date.now)();
  }

  /** Contract rules of a symbol (fetched once, then cached). */
  async symbolInfo(symbol: string): Promise<SymbolInfo> {
    const cached = this.#symbols.get(symbol);
    if (cached) return cached;
    const list = await this.#client.tradingPairs([symbol]);
    const info = list.find((s) => s.symbol === symbol);
    if (!info) {
      throw new InputError(`symbol '${symbol}'`, "a symbol Bitunix lists in trading_pairs");
    }
    this.#symbols.set(symbol, info);
    return info;
  }

  /** Sends a market order (entries with stop and take-profit attached). */
  async placeOrder(order: OrderRequest): Promise<OrderAck> {
    const info = await this.symbolInfo(order.symbol);
    if (info.status !== "OPEN") {
      throw new InputError(`symbol '${order.symbol}'`, `a tradable symbol (status ${info.status})`);
    }
    if (!(order.qty > 0) || !Number.isFinite(order.qty)) {
      throw new InputError(`order qty ${order.qty}`, "a positive number");
    }
    const qty = roundQtyDown(order.qty, info.qtyStep, info.qtyPrecision);
    if (Number(qty) < info.minQty - 1e-12) {
      throw new InputError(
        `order qty ${order.qty} ${order.symbol}`,
        `at least the venue minimum ${info.minQty} (step ${info.qtyStep})`,
      );
    }
    let tpPrice: string | undefined;
    let slPrice: string | undefined;
    if (order.intent === "entry" && order.stopBps !== undefined) {
      if (!(order.stopBps > 0) || !(order.refPrice > 0)) {
        throw new InputError(`entry ${order.clientId}`, "positive stopBps and refPrice");
      }
      const b = bracketPrices(order.side, order.refPrice, order.stopBps, order.tpR);
      slPrice = b.stopPrice.toFixed(info.pricePrecision);
      tpPrice = b.tpPrice?.toFixed(info.pricePrecision);
      this.#brackets.set(order.symbol, {
        stopPrice: Number(slPrice),
        tpPrice: tpPrice === undefined ? undefined : Number(tpPrice),
      });
    }
    this.#intents.set(order.clientId, order.intent);
    try {
      const r = await this.#client.placeOrder({
        symbol: order.symbol,
        side: order.side === "buy" ? "BUY" : "SELL",
        orderType: "MARKET",
        qty,
        clientId: order.clientId,
        reduceOnly: order.reduceOnly || undefined,
        slPrice,
        slStopType: slPrice ? "MARK_PRICE" : undefined,
        slOrderType: slPrice ? "MARKET" : undefined,
        tpPrice,
        tpStopType: tpPrice ? "MARK_PRICE" : undefined,
        tpOrderType: tpPrice ? "MARKET" : undefined,
      });
      return { clientId: order.clientId, orderId: r.orderId, duplicate: false };
    } catch (e) {
      if (isBitunixError(e) && e.code === DUPLICATE_CLIENT_ID_CODE) {
        const existing = await this.#client.orderDetail({ clientId: order.clientId });
        return { clientId: order.clientId, orderId: existing.orderId, duplicate: true };
      }
      throw e;
    }
  }

  /** Cancels every working order of the symbol; resolves to how many were working. */
  async cancelAll(symbol: string): Promise<number> {
    const open = await this.openOrders(symbol);
    if (open.length === 0) return 0;
    await this.#client.cancelAllOrders(symbol);
    return open.length;
  }

  /** Fills since the previous call (oldest first), from the venue's trade history. */
  async drainFills(): Promise<Fill[]> {
    const fresh: BitunixTrade[] = [];
    const limit = 100;
    for (let skip = 0;; skip += limit) {
      const page = await this.#client.historyTrades({
        startTime: this.#fillsSince,
        skip,
        limit,
      });
      for (const t of page.trades) if (!this.#seenTrades.has(t.tradeId)) fresh.push(t);
      if (page.trades.length < limit) break;
      if (skip > 10_000) {
        throw new BitunixError("get_history_trades", "schema", "pagination did not end", false);
      }
    }
    fresh.sort((a, b) => a.ts - b.ts || (a.tradeId < b.tradeId ? -1 : 1));
    const fills = fresh.map((t) => {
      this.#seenTrades.set(t.tradeId, t.ts);
      return this.#toFill(t);
    });
    if (fresh.length) {
      // The next query starts at the newest trade time (inclusive); ids older than that
      // can no longer come back, so they are forgotten.
      this.#fillsSince = Math.max(this.#fillsSince, fresh[fresh.length - 1].ts);
      for (const [id, ts] of this.#seenTrades) {
        if (ts < this.#fillsSince) this.#seenTrades.delete(id);
      }
    }
    return fills;
  }

  /**
   * Executions of one of our orders, found by client id, oldest first (empty when the venue
   * never booked it). A restart uses this to report fills a crashed process never read back.
   */
  async fillsOfOrder(symbol: string, clientId: string, intent: OrderIntent): Promise<Fill[]> {
    let orderId: string;
    try {
      orderId = (await this.#client.orderDetail({ clientId })).orderId;
    } catch (e) {
      if (isBitunixError(e) && e.code === ORDER_NOT_FOUND_CODE) return [];
      throw e;
    }
    const { trades } = await this.#client.historyTrades({ symbol, orderId, limit: 100 });
    const reason: FillReason = intent === "entry"
      ? "entry"
      : intent === "exit"
      ? "signal"
      : "flatten";
    return [...trades].sort((a, b) => a.ts - b.ts).map((t) => ({
      ...this.#toFill(t),
      clientId,
      reason,
    }));
  }

  /** The open position for the symbol (one-way mode), or null when flat. */
  async position(symbol: string): Promise<VenuePosition | null> {
    const list = await this.#client.pendingPositions(symbol);
    const p = list.find((x) => x.symbol === symbol && x.qty > 0);
    if (!p) return null;
    const b = this.#brackets.get(symbol);
    return {
      symbol,
      side: p.side,
      qty: p.qty,
      entryPrice: p.entryPrice,
      ...(b?.stopPrice !== undefined ? { stopPrice: b.stopPrice } : {}),
      ...(b?.tpPrice !== undefined ? { tpPrice: b.tpPrice } : {}),
    };
  }

  /** Working orders of the symbol (all pages). */
  async openOrders(symbol: string): Promise<OpenOrder[]> {
    const out: OpenOrder[] = [];
    const limit = 100;
    for (let skip = 0;; skip += limit) {
      const page = await this.#client.pendingOrders({ symbol, skip, limit });
      for (const o of page.orders) {
        out.push({
          clientId: o.clientId ?? "",
          orderId: o.orderId,
          symbol: o.symbol,
          side: o.side,
          qty: o.qty - o.filledQty,
          reduceOnly: o.reduceOnly,
        });
      }
      if (page.orders.length < limit || out.length >= page.total) break;
    }
    return out;
  }

  #toFill(t: BitunixTrade): Fill {
    return {
      clientId: t.clientId ?? "",
      orderId: t.orderId,
      symbol: t.symbol,
      side: t.side,
      qty: t.qty,
      price: t.price,
      fee: t.fee,
      ts: t.ts,
      reason: this.#reason(t),
    };
  }

  #reason(t: BitunixTrade): FillReason {
    const intent = t.clientId ? this.#intents.get(t.clientId) : undefined;
    if (intent === "entry") return "entry";
    if (intent === "flatten") return "flatten";
    if (intent === "exit") return "signal";
    // Not ours: a venue-triggered stop or take-profit; pick the nearer bracket price.
    const b = this.#brackets.get(t.symbol);
    if (b?.stopPrice !== undefined && b.tpPrice !== undefined) {
      return Math.abs(t.price - b.stopPrice) <= Math.abs(t.price - b.tpPrice) ? "stop" : "tp";
    }
    if (b?.tpPrice !== undefined && b.stopPrice === undefined) return "tp";
    return t.reduceOnly || b ? "stop" : "signal";
  }
}
