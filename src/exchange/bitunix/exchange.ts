import { InputError, OrderRefusedError } from "../../core/errors.ts";
import { bracketAt, bracketSideProblem } from "../../core/fill_rules.ts";
import type {
  Fill,
  FillReason,
  OpenOrder,
  OrderAck,
  OrderIntent,
  OrderRequest,
  PlaceOptions,
  Protection,
  VenuePosition,
} from "../../core/order.ts";
import type { Exchange } from "../../core/ports.ts";
import { BitunixError, DUPLICATE_CLIENT_ID_CODE, isBitunixError } from "./errors.ts";
import type { BitunixRestClient } from "./rest_client.ts";
import { untradableReason } from "./symbols.ts";
import type { BitunixTrade, PlaceOrderParams, SymbolInfo } from "./types.ts";

/** Bitunix "order not found" (get_order_detail for an id the venue never booked). */
const ORDER_NOT_FOUND_CODE = 20007;

/** A fired stop or take-profit is executed within this long of its trigger time. */
const TRIGGER_TO_FILL_MS = 10_000;

/** Quantities this close are equal (float noise of summed decimal parts). */
const QTY_EPSILON = 1e-9;

/** Our client ids: `la` + an 8-hex session key + `-` (see clientIdFor). */
const OUR_CLIENT_ID = /^la[0-9a-f]{8}-/;

/** Options of BitunixExchange. */
export interface BitunixExchangeOptions {
  /** Only fills at or after this time (Unix ms) are reported; default: construction time. */
  readonly fillsSince?: number;
  /**
   * Where reading went on from in an earlier process of the same session (see `cursor`):
   * executions since then that are not among its seen ids are reported (a restart catches
   * up on what happened while it was down). Overrides `fillsSince`.
   */
  readonly resumeFrom?: FillCursor;
  readonly now?: () => number;
  /**
   * The prefix of this agent's client ids (e.g. `la1a2b3c4d-`). Executions of orders with
   * another client id are not this agent's. Default: any id in this agent's format.
   */
  readonly clientIdPrefix?: string;
  /** The symbol whose executions are read (default BTCUSDT). */
  readonly symbol?: string;
  /**
   * How far back each trade-history query reaches before the newest execution already
   * seen: trades indexed late with an earlier time are still found (default 5 minutes).
   */
  readonly overlapMs?: number;
  /**
   * Headroom for slippage when an entry is capped at the latest price (default 20 bps):
   * the entry's notional at the latest price plus this must fit its `maxNotional`.
   */
  readonly capHeadroomBps?: number;
  /**
   * How long an order whose executions do not yet add up to its filled quantity is held
   * back before what is visible is reported anyway (default 30 s).
   */
  readonly holdMs?: number;
}

/** How far an exchange has read the venue's trade history (persisted across restarts). */
export interface FillCursor {
  /** Time of the newest execution read, Unix ms. */
  readonly since: number;
  /** Ids of the executions read recently, with their times (the overlap window's). */
  readonly seen: readonly (readonly [string, number])[];
}

/** Rounds `qty` down to a multiple of `step` (tolerating float noise), as a fixed string. */
export function roundQtyDown(qty: number, step: number, precision: number): string {
  const units = Math.floor(qty / step + 1e-9);
  return (units * step).toFixed(precision);
}

/**
 * The stop and take-profit an entry sends, from the latest price: its bracket spec (stop
 * and take-profit as bps, distance or price). An entry without a stop, or with one that
 * is not a positive price on the loss side of the latest price, is refused: an entry never
 * leaves unprotected or with a stop that fires at once.
 */
export function entryBracket(
  order: OrderRequest,
  latest: number,
): { stopPrice: number; tpPrice?: number } {
  const isLong = order.side === "buy";
  if (order.bracket === undefined) {
    throw new InputError(`entry ${order.clientId}`, "a bracket (its stop and take-profit)");
  }
  const b = bracketAt(isLong, latest, order.bracket);
  const problem = bracketSideProblem(isLong, latest, b.stop, b.tp, "the latest price");
  if (problem !== null) throw new InputError(`entry ${order.clientId}`, problem);
  return { stopPrice: b.stop, ...(Number.isFinite(b.tp) ? { tpPrice: b.tp } : {}) };
}

/**
 * Orders venue trade ids: numerically (they are decimal strings of 64-bit numbers, so
 * "1000" sorts after "999"), falling back to text for ids that are not numbers.
 */
export function compareTradeIds(a: string, b: string): number {
  const na = /^\d+$/.test(a);
  const nb = /^\d+$/.test(b);
  if (na && nb) {
    const x = a.replace(/^0+(?=\d)/, "");
    const y = b.replace(/^0+(?=\d)/, "");
    return x.length - y.length || (x < y ? -1 : x > y ? 1 : 0);
  }
  return a < b ? -1 : a > b ? 1 : 0;
}

/** What an entry sent: the bracket the venue was asked to hold. */
interface SentBracket {
  readonly stopPrice?: number;
  readonly tpPrice?: number;
}

/**
 * The core Exchange port on Bitunix USDT-M futures. Assumes ONE-WAY position mode (one
 * net position per symbol; no `tradeSide`/`positionId` on orders): every live start
 * checks it. Entries are market orders carrying exchange-side stop and take-profit
 * (mark-price triggered, market execution), priced from the latest price read right
 * before the order leaves (after any wait, on every retry), and sized there so the
 * notional with some headroom for slippage fits the entry's `maxNotional`. Exits close
 * exactly what the venue holds. Client ids make re-sends idempotent: a duplicate (30042)
 * resolves to the existing order with `duplicate: true`.
 *
 * Fills come from the trade history of the symbol: only executions of this agent's own
 * orders (its client-id prefix or an order id it placed) are its fills, aggregated per
 * order (quantity-weighted price, summed fees). Executions of anybody else on the symbol
 * come back marked `external` (reason `stop`/`tp` when the venue's TP/SL history shows a
 * stop or take-profit triggered for the position, else `external`); the engine books them
 * only when they close its position. Other symbols are never read. Trade ids are ordered
 * numerically, de-duplicated across polls, and each query overlaps the previous one.
 */
export class BitunixExchange implements Exchange {
  readonly #client: BitunixRestClient;
  readonly #symbols = new Map<string, SymbolInfo>();
  readonly #intents = new Map<string, OrderIntent>();
  readonly #sentBrackets = new Map<string, SentBracket>();
  /** Client id -> the quantity the order asked for (the largest attempt, or the one adopted). */
  readonly #sentQty = new Map<string, number>();
  /** Venue order ids of the orders this exchange placed. */
  readonly #orderIds = new Map<string, string>();
  /** Trade id -> trade time of everything already read. */
  readonly #seenTrades = new Map<string, number>();
  /** Trades read but not reported yet (their order's executions are not all visible). */
  #held: BitunixTrade[] = [];
  /** Order id -> when its executions were first held back. */
  readonly #heldSince = new Map<string, number>();
  /**
   * Order id -> quantity already reported of an order reported before all its executions
   * showed (the hold expired), and the time of its newest execution then.
   */
  readonly #reportedPart = new Map<string, { qty: number; ts: number }>();
  readonly #holdMs: number;
  readonly #isOurs: (clientId: string | undefined) => boolean;
  readonly #symbol: string;
  readonly #overlapMs: number;
  readonly #headroom: number;
  readonly #now: () => number;
  #fillsSince: number;
  /** Nothing before this is reported (a start adopts the venue's position as it is). */
  readonly #reportFrom: number;
  /** The venue's id of the symbol's current position (from position reads). */
  #positionId: string | undefined;

  constructor(client: BitunixRestClient, opts: BitunixExchangeOptions = {}) {
    this.#client = client;
    this.#now = opts.now ?? Date.now;
    this.#fillsSince = opts.resumeFrom?.since ?? opts.fillsSince ?? this.#now();
    this.#reportFrom = this.#fillsSince;
    const prefix = opts.clientIdPrefix;
    this.#isOurs = (id) =>
      id !== undefined && id !== "" &&
      (prefix === undefined ? OUR_CLIENT_ID.test(id) : id.startsWith(prefix));
    this.#symbol = opts.symbol ?? "BTCUSDT";
    this.#overlapMs = opts.overlapMs ?? 300_000;
    this.#headroom = (opts.capHeadroomBps ?? 20) / 1e4;
    this.#holdMs = opts.holdMs ?? 30_000;
    if (opts.resumeFrom) {
      // a trade indexed late, from before the last one read, is still this session's
      this.#reportFrom = Math.max(0, this.#fillsSince - this.#overlapMs);
      for (const [id, ts] of opts.resumeFrom.seen) this.#seenTrades.set(id, ts);
    }
  }

  /**
   * How far the trade history has been read: what a restart of the same session resumes
   * from. Executions still held back (their order not complete) are not counted as read.
   */
  cursor(): FillCursor {
    const held = new Set(this.#held.map((t) => t.tradeId));
    const seen = [...this.#seenTrades].filter(([id]) => !held.has(id));
    const since = this.#held.length
      ? Math.min(this.#fillsSince, this.#held[0].ts)
      : this.#fillsSince;
    return { since, seen };
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
  async placeOrder(order: OrderRequest, opts: PlaceOptions = {}): Promise<OrderAck> {
    const info = await this.symbolInfo(order.symbol);
    const untradable = untradableReason(info);
    if (untradable) {
      throw new InputError(`symbol '${order.symbol}'`, `a tradable symbol (${untradable})`);
    }
    if (!(order.qty > 0) || !Number.isFinite(order.qty)) {
      throw new InputError(`order qty ${order.qty}`, "a positive number");
    }
    const side = order.side === "buy" ? "BUY" : "SELL";
    let base: PlaceOrderParams;
    let prepare: (() => Promise<PlaceOrderParams>) | undefined;
    if (order.intent === "entry") {
      base = {
        symbol: order.symbol,
        side,
        orderType: "MARKET",
        qty: "0",
        clientId: order.clientId,
      };
      prepare = () => this.#entryBody(order, info, opts);
    } else {
      const qty = order.reduceOnly && order.intent !== "reduce"
        ? await this.#heldQty(order)
        : order.qty;
      base = {
        symbol: order.symbol,
        side,
        orderType: "MARKET",
        qty: this.#qtyText(qty, info, order),
        clientId: order.clientId,
        reduceOnly: order.reduceOnly || undefined,
      };
      this.#sentQty.set(order.clientId, Number(base.qty));
      if (opts.refuse) prepare = () => Promise.resolve(this.#lastCheck(base, opts));
    }
    this.#intents.set(order.clientId, order.intent);
    try {
      const r = await this.#client.placeOrder(base, { prepare });
      this.#orderIds.set(r.orderId, order.clientId);
      return { clientId: order.clientId, orderId: r.orderId, duplicate: false };
    } catch (e) {
      if (isBitunixError(e) && e.code === DUPLICATE_CLIENT_ID_CODE) {
        const existing = await this.#client.orderDetail({ clientId: order.clientId });
        this.#orderIds.set(existing.orderId, order.clientId);
        this.#sentQty.set(order.clientId, existing.qty);
        if (order.intent === "entry") {
          // the order that stands is an earlier attempt's, priced before this retry: its
          // bracket as the venue holds it, else (a detail without it) the one sent last
          const sent = this.#sentBrackets.get(order.clientId);
          this.#sentBrackets.set(order.clientId, {
            stopPrice: existing.slPrice ?? sent?.stopPrice,
            tpPrice: existing.tpPrice ?? sent?.tpPrice,
          });
        }
        return { clientId: order.clientId, orderId: existing.orderId, duplicate: true };
      }
      throw e;
    }
  }

  /**
   * An entry as it leaves: bracket and size from the latest price, then the caller's last
   * check. Runs again before every retry.
   */
  async #entryBody(
    order: OrderRequest,
    info: SymbolInfo,
    opts: PlaceOptions,
  ): Promise<PlaceOrderParams> {
    const latest = await this.#latestPrice(order.symbol);
    let qty = order.qty;
    if (order.maxNotional !== undefined) {
      const fits = order.maxNotional / (latest * (1 + this.#headroom));
      if (qty > fits) qty = fits;
    }
    const qtyText = this.#qtyText(qty, info, order);
    const b = entryBracket(order, latest);
    const slPrice = b.stopPrice.toFixed(info.pricePrecision);
    const tpPrice = b.tpPrice?.toFixed(info.pricePrecision);
    // the largest of the attempts: any one of them may be the one the venue booked
    const sentBefore = this.#sentQty.get(order.clientId) ?? 0;
    this.#sentQty.set(order.clientId, Math.max(sentBefore, Number(qtyText)));
    this.#sentBrackets.set(order.clientId, {
      stopPrice: Number(slPrice),
      tpPrice: tpPrice === undefined ? undefined : Number(tpPrice),
    });
    return this.#lastCheck({
      symbol: order.symbol,
      side: order.side === "buy" ? "BUY" : "SELL",
      orderType: "MARKET",
      qty: qtyText,
      clientId: order.clientId,
      slPrice,
      slStopType: "MARK_PRICE",
      slOrderType: "MARKET",
      tpPrice,
      tpStopType: tpPrice ? "MARK_PRICE" : undefined,
      tpOrderType: tpPrice ? "MARKET" : undefined,
    }, opts);
  }

  #lastCheck(body: PlaceOrderParams, opts: PlaceOptions): PlaceOrderParams {
    const refused = opts.refuse?.();
    if (refused) throw new OrderRefusedError(refused);
    return body;
  }

  /** The order's quantity on the venue's step; below the venue minimum is an error. */
  #qtyText(qty: number, info: SymbolInfo, order: OrderRequest): string {
    const text = roundQtyDown(qty, info.qtyStep, info.qtyPrecision);
    if (Number(text) < info.minQty - 1e-12) {
      throw new InputError(
        `order qty ${qty} ${order.symbol}`,
        `at least the venue minimum ${info.minQty} (step ${info.qtyStep})`,
      );
    }
    return text;
  }

  /** Last traded price (mark price when the ticker has no last price). */
  async #latestPrice(symbol: string): Promise<number> {
    const list = await this.#client.tickers([symbol]);
    const t = list.find((x) => x.symbol === symbol);
    const price = t?.lastPrice ?? t?.markPrice;
    if (price === undefined || !(price > 0)) {
      throw new BitunixError("tickers", "schema", `no price for ${symbol}`, true);
    }
    return price;
  }

  /**
   * What an exit must close: the venue's position on the side the order reduces (the
   * venue is the truth, a partial fill or a missed one included). A venue that holds
   * nothing on that side makes the exit fail, sending nothing.
   */
  async #heldQty(order: OrderRequest): Promise<number> {
    const p = await this.position(order.symbol);
    const reduces = p !== null && (p.side === "long") === (order.side === "sell");
    if (!reduces) {
      throw new BitunixError(
        "place_order",
        "api",
        `nothing to close: the venue holds ${
          p === null ? "no position" : `a ${p.side}`
        } on ${order.symbol}`,
        false,
      );
    }
    return p.qty;
  }

  /** Cancels every working order of the symbol; resolves to how many were working. */
  async cancelAll(symbol: string): Promise<number> {
    const open = await this.openOrders(symbol);
    if (open.length === 0) return 0;
    await this.#client.cancelAllOrders(symbol);
    return open.length;
  }

  /**
   * Fills since the previous call (oldest first, one per order), from the trade history.
   * An order is reported once its visible executions add up to what the venue says it
   * filled (one of ours: to what it sent, else the venue is asked); until then it and every
   * later order wait (a trade indexed late must not be booked after a later one, or the
   * position would net wrongly). After `holdMs` what is visible is reported anyway, and
   * the rest of that order when it shows.
   */
  async drainFills(): Promise<Fill[]> {
    for (const t of await this.#freshTrades()) {
      this.#seenTrades.set(t.tradeId, t.ts);
      this.#held.push(t);
      this.#fillsSince = Math.max(this.#fillsSince, t.ts);
    }
    // ids older than the query window can no longer come back
    for (const [id, ts] of this.#seenTrades) {
      if (ts < this.#fillsSince - 2 * this.#overlapMs) this.#seenTrades.delete(id);
    }
    for (const [id, part] of this.#reportedPart) {
      if (part.ts < this.#fillsSince - 2 * this.#overlapMs) this.#reportedPart.delete(id);
    }
    if (this.#held.length === 0) return [];
    this.#held.sort((a, b) => a.ts - b.ts || compareTradeIds(a.tradeId, b.tradeId));
    const groups = new Map<string, BitunixTrade[]>();
    for (const t of this.#held) {
      const list = groups.get(t.orderId);
      if (list) list.push(t);
      else groups.set(t.orderId, [t]);
    }
    const ready: BitunixTrade[][] = [];
    for (const [orderId, list] of groups) {
      const since = this.#heldSince.get(orderId) ?? this.#now();
      this.#heldSince.set(orderId, since);
      const before = this.#reportedPart.get(orderId)?.qty ?? 0;
      const complete = await this.#complete(orderId, list[0], before + sumQty(list));
      if (!complete && this.#now() - since < this.#holdMs) break;
      ready.push(list);
      this.#heldSince.delete(orderId);
      if (complete) this.#reportedPart.delete(orderId);
      else {
        // the rest, when it shows, completes the order with what is reported here
        this.#reportedPart.set(orderId, {
          qty: before + sumQty(list),
          ts: list[list.length - 1].ts,
        });
      }
    }
    if (ready.length === 0) return [];
    const reported = new Set(ready.flat().map((t) => t.tradeId));
    this.#held = this.#held.filter((t) => !reported.has(t.tradeId));
    const external = ready.flat().filter((t) => !this.#ownTrade(t));
    const bracket = external.length ? await this.#bracketReasons(external) : new Map();
    return ready.map((list) => this.#toFill(list, bracket));
  }

  /** Trades of the symbol not seen before, in the overlapping query window. */
  async #freshTrades(): Promise<BitunixTrade[]> {
    const fresh = new Map<string, BitunixTrade>();
    const limit = 100;
    const startTime = Math.max(0, this.#fillsSince - this.#overlapMs);
    for (let skip = 0;; skip += limit) {
      const page = await this.#client.historyTrades({
        symbol: this.#symbol,
        startTime,
        skip,
        limit,
      });
      for (const t of page.trades) {
        if (
          t.symbol === this.#symbol && t.ts >= this.#reportFrom && !this.#seenTrades.has(t.tradeId)
        ) fresh.set(t.tradeId, t); // a page boundary can repeat a trade within one drain
      }
      if (page.trades.length < limit) break;
      if (skip > 10_000) {
        throw new BitunixError("get_history_trades", "schema", "pagination did not end", false);
      }
    }
    return [...fresh.values()];
  }

  /**
   * True when `qty` (the executions of an order reported before and those visible now)
   * adds up to what the venue says it filled. One of this agent's orders that reached the
   * quantity it sent is complete without asking (a market order fills no more than that).
   * A failed detail read is not complete: the order waits (the caller reports what is
   * visible once the hold expires).
   */
  async #complete(orderId: string, first: BitunixTrade, qty: number): Promise<boolean> {
    const sent = this.#ownTrade(first) ? this.#sentQty.get(this.#clientIdOf(first)) : undefined;
    if (sent !== undefined && qty >= sent - QTY_EPSILON) return true;
    let filled: number;
    try {
      filled = (await this.#client.orderDetail({ orderId })).filledQty;
    } catch {
      return false;
    }
    return qty >= filled - QTY_EPSILON;
  }

  #ownTrade(t: BitunixTrade): boolean {
    return this.#isOurs(t.clientId) || this.#orderIds.has(t.orderId);
  }

  /** The client id of one of our executions (the venue's, else the one we placed it with). */
  #clientIdOf(t: BitunixTrade): string {
    return t.clientId || this.#orderIds.get(t.orderId) || "";
  }

  #toFill(list: BitunixTrade[], bracket: Map<string, FillReason>): Fill {
    const first = list[0];
    let qty = 0;
    let value = 0;
    let fee = 0;
    for (const t of list) {
      qty += t.qty;
      value += t.qty * t.price;
      fee += t.fee;
    }
    const own = this.#ownTrade(first);
    const clientId = own ? this.#clientIdOf(first) : "";
    const intent = own ? this.#intents.get(clientId) : undefined;
    const sent = own ? this.#sentBrackets.get(clientId) : undefined;
    return {
      clientId,
      orderId: first.orderId,
      symbol: first.symbol,
      side: first.side,
      qty,
      price: list.length === 1 ? first.price : value / qty,
      fee,
      ts: list[list.length - 1].ts,
      reason: own ? reasonOf(intent, first) : bracket.get(first.orderId) ?? "external",
      reduceOnly: first.reduceOnly || !own || (intent !== undefined && intent !== "entry")
        ? true
        : undefined,
      ...(own ? {} : { external: true }),
      ...(sent?.stopPrice !== undefined ? { stopPrice: sent.stopPrice } : {}),
      ...(sent?.tpPrice !== undefined ? { tpPrice: sent.tpPrice } : {}),
      tradeIds: list.map((t) => t.tradeId),
    };
  }

  /**
   * Which executions of others were the venue's own stop or take-profit of this agent's
   * position: a TP/SL order of the symbol that triggered around the execution's time.
   * Everything else stays `external` (a manual close, another bot, a liquidation).
   */
  async #bracketReasons(trades: BitunixTrade[]): Promise<Map<string, FillReason>> {
    const out = new Map<string, FillReason>();
    let history;
    try {
      // the newest rows, with no start time: the venue's start time may filter on when a
      // TP/SL was placed, which for a stop that fires hours after its entry is long before
      history = (await this.#client.tpslHistory({ symbol: this.#symbol, limit: 100 })).orders;
    } catch {
      return out; // unknown: labelled external, never passed off as our stop
    }
    // each fired TP/SL explains one order, the one executed right after it fired; one that
    // explained an order before (this process or an earlier one of the session) is spent.
    // When it fired: its triggerTime (not in the documented fields), else its last change
    // (mtime), else its creation; a row with no time at all explains nothing.
    const used = new Set<string>();
    for (const t of trades) {
      if (used.has(t.orderId)) continue;
      const hit = history.find((h) => {
        const fired = h.triggerTime ?? h.mtime ?? h.ctime;
        return isTriggered(h.status, h.triggerTime) &&
          !this.#seenTrades.has(`tpsl:${h.orderId}`) &&
          (this.#positionId === undefined || h.positionId === undefined ||
            h.positionId === this.#positionId) &&
          fired !== undefined && t.ts >= fired - 1_000 && t.ts - fired <= TRIGGER_TO_FILL_MS;
      });
      if (!hit) continue;
      this.#seenTrades.set(`tpsl:${hit.orderId}`, t.ts);
      used.add(t.orderId);
      const toStop = hit.slPrice === undefined ? Infinity : Math.abs(t.price - hit.slPrice);
      const toTp = hit.tpPrice === undefined ? Infinity : Math.abs(t.price - hit.tpPrice);
      out.set(t.orderId, toTp < toStop ? "tp" : "stop");
    }
    return out;
  }

  /**
   * Executions of one of our orders, found by client id, oldest first and aggregated
   * (empty when the venue never booked it). A restart uses this to report fills a crashed
   * process never read back.
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
    if (trades.length === 0) return [];
    this.#orderIds.set(orderId, clientId);
    this.#intents.set(clientId, intent);
    const sorted = [...trades].sort((a, b) => a.ts - b.ts || compareTradeIds(a.tradeId, b.tradeId));
    for (const t of sorted) this.#seenTrades.set(t.tradeId, t.ts);
    return [this.#toFill(sorted.map((t) => ({ ...t, clientId })), new Map())];
  }

  /** The open position for the symbol (one-way mode), or null when flat. */
  async position(symbol: string): Promise<VenuePosition | null> {
    const list = await this.#client.pendingPositions(symbol);
    const p = list.find((x) => x.symbol === symbol && x.qty > 0);
    if (!p) return null;
    this.#positionId = p.positionId;
    return {
      symbol,
      side: p.side,
      qty: p.qty,
      entryPrice: p.entryPrice,
      ...(p.unrealizedPnl !== undefined ? { unrealizedPnl: p.unrealizedPnl } : {}),
    };
  }

  /** The stop and take-profit in the venue's TP/SL book for the symbol; null when none. */
  async protection(symbol: string): Promise<Protection | null> {
    const list = await this.#client.pendingTpsl({ symbol });
    const mine = list.filter((o) => o.symbol === symbol);
    const stop = mine.find((o) => o.slPrice !== undefined && o.slPrice > 0);
    const tp = mine.find((o) => o.tpPrice !== undefined && o.tpPrice > 0);
    if (!stop && !tp) return null;
    return {
      ...(stop ? { stopPrice: stop.slPrice } : {}),
      ...(tp ? { tpPrice: tp.tpPrice } : {}),
    };
  }

  /** Places a whole-position stop (and take-profit) in the venue's TP/SL book. */
  async protect(symbol: string, bracket: { stopPrice: number; tpPrice?: number }): Promise<void> {
    const info = await this.symbolInfo(symbol);
    const list = await this.#client.pendingPositions(symbol);
    const p = list.find((x) => x.symbol === symbol && x.qty > 0);
    if (!p) throw new BitunixError("tpsl_position_place_order", "api", "no position", false);
    this.#positionId = p.positionId;
    const params = {
      symbol,
      positionId: p.positionId,
      slPrice: bracket.stopPrice.toFixed(info.pricePrecision),
      slStopType: "MARK_PRICE" as const,
      ...(bracket.tpPrice !== undefined
        ? {
          tpPrice: bracket.tpPrice.toFixed(info.pricePrecision),
          tpStopType: "MARK_PRICE" as const,
        }
        : {}),
    };
    // one whole-position TP/SL per position: one already there (a take-profit only) is
    // modified to carry the stop, else a new one is placed
    const pending = await this.#client.pendingTpsl({ symbol, positionId: p.positionId });
    const whole = pending.find((o) =>
      o.positionId === p.positionId && o.slQty === undefined && o.tpQty === undefined
    );
    if (whole) await this.#client.modifyPositionTpsl(params);
    else await this.#client.placePositionTpsl(params);
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
}

function sumQty(list: readonly BitunixTrade[]): number {
  let qty = 0;
  for (const t of list) qty += t.qty;
  return qty;
}

function reasonOf(intent: OrderIntent | undefined, t: BitunixTrade): FillReason {
  if (intent === "entry") return "entry";
  if (intent === "flatten") return "flatten";
  if (intent === "exit" || intent === "reduce") return "signal";
  // one of our client ids that this process did not send (a restart): by direction
  return t.reduceOnly ? "signal" : "entry";
}

/** A TP/SL history row that fired (any status but cancelled, or a trigger time). */
function isTriggered(status: string | undefined, triggerTime: number | undefined): boolean {
  if (triggerTime !== undefined && triggerTime > 0) return true;
  const s = (status ?? "").toUpperCase();
  return s !== "" && !s.startsWith("CANCEL") && s !== "NEW" && s !== "PENDING";
}
