import type { z } from "zod";
import type { Candle, Interval } from "../../core/candle.ts";
import type { EventSink } from "../../core/events.ts";
import { backoffDelay, DEFAULT_RETRY, type RetryPolicy } from "./backoff.ts";
import {
  BitunixError,
  isBitunixError,
  isClockRefusal,
  isRetryableCode,
  isRetryableStatus,
  RATE_LIMIT_CODES,
} from "./errors.ts";
import { REST_INTERVAL } from "./intervals.ts";
import {
  type BucketName,
  createBitunixLimiters,
  type LimiterTime,
  type TokenBucket,
} from "./rate_limiter.ts";
import * as S from "./schemas.ts";
import { baseVolume, quoteVolume } from "./volume.ts";
import { cleanQuery, newNonce, type QueryValue, signRest, sortedQueryString } from "./sign.ts";
import type {
  AccountInfo,
  BitunixOrder,
  BitunixPosition,
  BitunixTpslOrder,
  BitunixTrade,
  CancelResult,
  Depth,
  LeverageMarginMode,
  ModifyTpslParams,
  PlaceOrderParams,
  PlaceTpslParams,
  PositionTpslParams,
  SymbolInfo,
  Ticker,
} from "./types.ts";

/** Default REST base URL. */
export const DEFAULT_BASE_URL = "https://fapi.bitunix.com";

/** `component` of the events the Bitunix clients emit. */
export const BITUNIX_COMPONENT = "bitunix";

/** Counts of what went wrong so far, for a session's stats. */
export interface BitunixRestCounters {
  /** Attempts repeated after a retryable failure or a clock refusal. */
  readonly retries: number;
  /** Replies whose envelope or data failed its schema. */
  readonly schemaFailures: number;
  /** Times the clock offset moved by 0.5 s or more. */
  readonly clockCorrections: number;
}

/** Options of the REST client; everything time- or chance-related is injectable. */
export interface BitunixRestOptions {
  readonly baseUrl?: string;
  readonly apiKey?: string;
  readonly apiSecret?: string;
  /** Per-attempt timeout (default 10 s). */
  readonly timeoutMs?: number;
  readonly retry?: Partial<RetryPolicy>;
  /** Unix ms; used for the `timestamp` header and the rate limiter. */
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
  readonly nonce?: () => string;
  readonly fetch?: typeof fetch;
  /** Set false to disable the client-side rate limiter (tests of raw behaviour). */
  readonly rateLimit?: boolean;
  /** Clock and sleeper of the rate limiter (default: real time; independent of `sleep`). */
  readonly limiterTime?: LimiterTime;
  /** Called before each retry (for logging); never receives credentials. */
  readonly onRetry?: (
    info: { endpoint: string; attempt: number; delayMs: number; error: string },
  ) => void;
  /**
   * Keep an offset from the venue's clock, learnt from the HTTP `Date` header of every
   * response, and sign `timestamp` with local time (`now`) + offset; a timestamp refusal
   * is measured again and retried once. Default true. With false the offset is still
   * measured (error messages say how far off the clock is) but never applied.
   */
  readonly clockSync?: boolean;
  /**
   * Where `rest.retried`, `rest.schema_failed` and `rest.clock_corrected` go (component
   * `bitunix`). Fields name endpoints, reasons and issue paths, never a payload or a
   * credential.
   */
  readonly events?: EventSink;
}

/** What one call needs to know. */
interface CallSpec<T extends z.ZodType> {
  readonly endpoint: string;
  readonly method: "GET" | "POST";
  readonly path: string;
  readonly query?: Record<string, QueryValue>;
  readonly body?: Record<string, unknown>;
  readonly auth: boolean;
  readonly bucket: BucketName;
  readonly schema: T;
  /**
   * Builds the body right before each attempt leaves, after the rate-limit wait (latest
   * prices, a last safety check). What it throws ends the call without a retry.
   */
  readonly prepare?: () => Promise<Record<string, unknown>>;
}

/** Hooks of one place_order call. */
export interface PlaceOrderHooks {
  /**
   * Builds the order right before each attempt leaves (after the rate-limit wait, before
   * every retry), e.g. from the latest price; it may throw to stop the order there.
   */
  readonly prepare?: () => Promise<PlaceOrderParams>;
}

/** Timing facts of the last response (for preflight latency and clock checks). */
export interface ResponseInfo {
  readonly endpoint: string;
  readonly latencyMs: number;
  /** Server time from the HTTP `Date` header, Unix ms (1 s resolution), if present. */
  readonly serverDate?: number;
  /** Local time when the response arrived. */
  readonly receivedAt: number;
}

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Bitunix USDT-M futures REST client: signing, `{code,msg,data}` envelope, zod-checked
 * payloads, retry with backoff for retryable failures, client-side rate limiting and a
 * timeout per attempt. Errors are BitunixError with messages like
 * `Bitunix place_order failed: 10007 Signature Error (fatal)`.
 */
export class BitunixRestClient {
  readonly baseUrl: string;
  readonly #apiKey?: string;
  readonly #apiSecret?: string;
  readonly #timeoutMs: number;
  readonly #retry: RetryPolicy;
  readonly #now: () => number;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #random: () => number;
  readonly #nonce: () => string;
  readonly #fetch: typeof fetch;
  readonly #limiters?: Record<BucketName, TokenBucket>;
  readonly #onRetry?: BitunixRestOptions["onRetry"];
  readonly #clockSync: boolean;
  readonly #events?: EventSink;
  #last?: ResponseInfo;
  /** Applied offset (venue - local), ms. */
  #offsetMs = 0;
  /** The venue-minus-local offsets consistent with every Date header since the last reset. */
  #bounds?: { lo: number; hi: number };
  /** Last single measurement (midpoint), ms. */
  #measuredMs?: number;
  #counters = { retries: 0, schemaFailures: 0, clockCorrections: 0 };

  constructor(opts: BitunixRestOptions = {}) {
    this.baseUrl = (opts.baseUrl ?? DEFAULT_BASE_URL).replace(/\/+$/, "");
    this.#apiKey = opts.apiKey || undefined;
    this.#apiSecret = opts.apiSecret || undefined;
    this.#timeoutMs = opts.timeoutMs ?? 10_000;
    this.#retry = { ...DEFAULT_RETRY, ...opts.retry };
    this.#now = opts.now ?? Date.now;
    this.#sleep = opts.sleep ?? defaultSleep;
    this.#random = opts.random ?? Math.random;
    this.#nonce = opts.nonce ?? newNonce;
    this.#fetch = opts.fetch ?? fetch;
    this.#onRetry = opts.onRetry;
    this.#clockSync = opts.clockSync ?? true;
    this.#events = opts.events;
    if (opts.rateLimit !== false) {
      this.#limiters = createBitunixLimiters(
        opts.limiterTime ?? { now: () => performance.now(), sleep: defaultSleep },
      );
    }
  }

  /** True when both API key and secret are configured. */
  get hasCredentials(): boolean {
    return this.#apiKey !== undefined && this.#apiSecret !== undefined;
  }

  /** Latency and server date of the last successful HTTP exchange. */
  get lastResponse(): ResponseInfo | undefined {
    return this.#last;
  }

  /** The offset (venue - local, ms) signed requests carry; 0 with `clockSync: false`. */
  get clockOffsetMs(): number {
    return this.#offsetMs;
  }

  /**
   * The venue's clock minus the local one, the middle of what the `Date` headers so far
   * allow (1 s resolution each, narrowed reply by reply), or undefined before any reply.
   */
  get measuredClockOffsetMs(): number | undefined {
    return this.#measuredMs;
  }

  /** The venue's time as this client reckons it (local `now` + applied offset), Unix ms. */
  serverNow(): number {
    return this.#now() + this.#offsetMs;
  }

  /** Retries, schema failures and clock corrections so far (a copy). */
  get counters(): BitunixRestCounters {
    return { ...this.#counters };
  }

  // ---- market (public) ----

  /**
   * Candles, ascending by time (the venue sends newest first), at most 200 per call. Whether
   * `startTime`/`endTime` take a bar opening exactly there is not documented: page with
   * `fetchKlineRange`, whose overlapping windows leave no hole either way.
   */
  async klines(p: {
    symbol: string;
    interval: Interval;
    startTime?: number;
    endTime?: number;
    limit?: number;
    priceType?: "LAST_PRICE" | "MARK_PRICE";
  }): Promise<Candle[]> {
    const rows = await this.#call({
      endpoint: "klines",
      method: "GET",
      path: "/api/v1/futures/market/kline",
      query: {
        symbol: p.symbol,
        interval: REST_INTERVAL[p.interval],
        startTime: p.startTime,
        endTime: p.endTime,
        limit: Math.min(200, p.limit ?? 200),
        type: p.priceType,
      },
      auth: false,
      bucket: "market",
      schema: S.klinesSchema,
    });
    // The live API swaps the two volume fields; baseVolume tells them apart by price.
    return rows
      .map((k) => ({
        ts: k.time,
        open: k.open,
        high: k.high,
        low: k.low,
        close: k.close,
        volume: baseVolume({ base: k.baseVol, quote: k.quoteVol }, k.close),
      }))
      .sort((a, b) => a.ts - b.ts);
  }

  /** Tickers for the given symbols (all when omitted). */
  async tickers(symbols?: string[]): Promise<Ticker[]> {
    const rows = await this.#call({
      endpoint: "tickers",
      method: "GET",
      path: "/api/v1/futures/market/tickers",
      query: { symbols: symbols?.join(",") },
      auth: false,
      bucket: "market",
      schema: S.tickersSchema,
    });
    return rows.map((t) => {
      const lastPrice = t.lastPrice ?? t.last;
      const vol = { base: t.baseVol, quote: t.quoteVol };
      const price = lastPrice ?? t.markPrice ?? Number.NaN;
      const known = t.baseVol !== undefined || t.quoteVol !== undefined;
      return {
        symbol: t.symbol,
        lastPrice,
        markPrice: t.markPrice,
        high: t.high,
        low: t.low,
        baseVolume: known ? baseVolume(vol, price) : undefined,
        quoteVolume: known ? quoteVolume(vol, price) : undefined,
      };
    });
  }

  /** Order book. */
  async depth(symbol: string, limit: 1 | 5 | 15 | 50 | "max" = 15): Promise<Depth> {
    const d = await this.#call({
      endpoint: "depth",
      method: "GET",
      path: "/api/v1/futures/market/depth",
      query: { symbol, limit },
      auth: false,
      bucket: "market",
      schema: S.depthSchema,
    });
    return {
      asks: d.asks.map((l) => [l[0], l[1]] as [number, number]),
      bids: d.bids.map((l) => [l[0], l[1]] as [number, number]),
    };
  }

  /**
   * Contract rules; tick and step are derived from the precisions (no explicit field).
   * `untradableReason` (symbols.ts) tells whether a contract takes API orders.
   */
  async tradingPairs(symbols?: string[]): Promise<SymbolInfo[]> {
    const rows = await this.#call({
      endpoint: "trading_pairs",
      method: "GET",
      path: "/api/v1/futures/market/trading_pairs",
      query: { symbols: symbols?.join(",") },
      auth: false,
      bucket: "market",
      schema: S.tradingPairsSchema,
    });
    return rows.map((r) => ({
      symbol: r.symbol,
      minQty: r.minTradeVolume,
      qtyPrecision: r.basePrecision,
      pricePrecision: r.quotePrecision,
      qtyStep: 10 ** -r.basePrecision,
      tickSize: 10 ** -r.quotePrecision,
      maxLeverage: r.maxLeverage,
      status: r.symbolStatus.toUpperCase(),
      apiSupported: r.isApiSupported,
    }));
  }

  // ---- account / positions (private) ----

  /** Futures balance in `marginCoin`. */
  async account(marginCoin = "USDT"): Promise<AccountInfo> {
    const a = await this.#call({
      endpoint: "account",
      method: "GET",
      path: "/api/v1/futures/account",
      query: { marginCoin },
      auth: true,
      bucket: "private",
      schema: S.accountSchema,
    });
    return {
      marginCoin: a.marginCoin,
      available: a.available,
      frozen: a.frozen ?? 0,
      margin: a.margin ?? 0,
      unrealizedPnl: (a.crossUnrealizedPNL ?? 0) + (a.isolationUnrealizedPNL ?? 0),
      positionMode: a.positionMode,
    };
  }

  /** Open positions (all symbols when omitted). */
  async pendingPositions(symbol?: string): Promise<BitunixPosition[]> {
    const rows = await this.#call({
      endpoint: "get_pending_positions",
      method: "GET",
      path: "/api/v1/futures/position/get_pending_positions",
      query: { symbol },
      auth: true,
      bucket: "private",
      schema: S.positionsSchema,
    });
    return rows.map((p) => ({
      positionId: p.positionId,
      symbol: p.symbol,
      side: p.side === "LONG" || p.side === "BUY" ? "long" : "short",
      qty: Math.abs(p.qty),
      entryPrice: p.avgOpenPrice ??
        (p.entryValue !== undefined && p.qty !== 0 ? p.entryValue / Math.abs(p.qty) : 0),
      leverage: p.leverage,
      marginMode: p.marginMode,
      positionMode: p.positionMode,
      unrealizedPnl: p.unrealizedPNL,
      liqPrice: p.liqPrice !== undefined && p.liqPrice > 0 ? p.liqPrice : undefined,
    }));
  }

  /** Leverage and margin mode for a symbol. */
  async getLeverageMarginMode(symbol: string, marginCoin = "USDT"): Promise<LeverageMarginMode> {
    const r = await this.#call({
      endpoint: "get_leverage_margin_mode",
      method: "GET",
      path: "/api/v1/futures/account/get_leverage_margin_mode",
      query: { symbol, marginCoin },
      auth: true,
      bucket: "private",
      schema: S.leverageMarginSchema,
    });
    return {
      symbol: r.symbol,
      leverage: r.leverage,
      marginMode: r.marginMode,
      marginCoin: r.marginCoin,
    };
  }

  /** Sets the leverage of a symbol. */
  async changeLeverage(
    symbol: string,
    leverage: number,
    marginCoin = "USDT",
  ): Promise<LeverageMarginMode> {
    const r = await this.#call({
      endpoint: "change_leverage",
      method: "POST",
      path: "/api/v1/futures/account/change_leverage",
      body: { symbol, leverage, marginCoin },
      auth: true,
      bucket: "private",
      schema: S.leverageMarginSchema,
    });
    return {
      symbol: r.symbol,
      leverage: r.leverage,
      marginMode: r.marginMode,
      marginCoin: r.marginCoin,
    };
  }

  /** Sets the margin mode of a symbol (fails with open orders or positions: 20006). */
  async changeMarginMode(
    symbol: string,
    marginMode: "ISOLATION" | "CROSS",
    marginCoin = "USDT",
  ): Promise<void> {
    await this.#call({
      endpoint: "change_margin_mode",
      method: "POST",
      path: "/api/v1/futures/account/change_margin_mode",
      body: { symbol, marginMode, marginCoin },
      auth: true,
      bucket: "private",
      schema: S.anyDataSchema,
    });
  }

  // ---- trading (private) ----

  /**
   * Places an order; resolves to the venue ids. A reused clientId fails with code 30042.
   * With `hooks.prepare`, the order is rebuilt right before each attempt leaves.
   */
  async placeOrder(
    p: PlaceOrderParams,
    hooks: PlaceOrderHooks = {},
  ): Promise<{ orderId: string; clientId?: string }> {
    const build = hooks.prepare;
    const r = await this.#call({
      endpoint: "place_order",
      method: "POST",
      path: "/api/v1/futures/trade/place_order",
      body: definedFields(p),
      prepare: build && (async () => definedFields(await build())),
      auth: true,
      bucket: "private",
      schema: S.placeOrderSchema,
    });
    return { orderId: r.orderId, clientId: r.clientId ?? p.clientId };
  }

  /** Cancels orders by orderId or clientId. */
  async cancelOrders(
    symbol: string,
    orders: { orderId?: string; clientId?: string }[],
  ): Promise<CancelResult> {
    const r = await this.#call({
      endpoint: "cancel_orders",
      method: "POST",
      path: "/api/v1/futures/trade/cancel_orders",
      body: {
        symbol,
        orderList: orders.map((
          o,
        ) => (o.orderId ? { orderId: o.orderId } : { clientId: o.clientId })),
      },
      auth: true,
      bucket: "cancel",
      schema: S.cancelOrdersSchema,
    });
    return {
      cancelled: r.successList.map((s) => ({ orderId: s.orderId, clientId: s.clientId })),
      failed: r.failureList.map((f) => ({
        orderId: f.orderId,
        clientId: f.clientId,
        code: f.errorCode,
        msg: f.errorMsg,
      })),
    };
  }

  /** Cancels every working order of a symbol. */
  async cancelAllOrders(symbol: string): Promise<void> {
    await this.#call({
      endpoint: "cancel_all_orders",
      method: "POST",
      path: "/api/v1/futures/trade/cancel_all_orders",
      body: { symbol },
      auth: true,
      bucket: "cancel",
      schema: S.anyDataSchema,
    });
  }

  /** Working orders; one page (limit <= 100). */
  async pendingOrders(
    p: { symbol?: string; orderId?: string; clientId?: string; skip?: number; limit?: number } = {},
  ): Promise<{ orders: BitunixOrder[]; total: number }> {
    const r = await this.#call({
      endpoint: "get_pending_orders",
      method: "GET",
      path: "/api/v1/futures/trade/get_pending_orders",
      query: { ...p, limit: Math.min(100, p.limit ?? 100) },
      auth: true,
      bucket: "private",
      schema: S.orderListSchema,
    });
    return { orders: r.orders.map(mapOrder), total: r.total };
  }

  /** One order by orderId or clientId. */
  async orderDetail(p: { orderId?: string; clientId?: string }): Promise<BitunixOrder> {
    const r = await this.#call({
      endpoint: "get_order_detail",
      method: "GET",
      path: "/api/v1/futures/trade/get_order_detail",
      query: { orderId: p.orderId, clientId: p.clientId },
      auth: true,
      bucket: "private",
      schema: S.orderDetailSchema,
    });
    return mapOrder(r);
  }

  /** Finished orders, newest first; one page (limit <= 100). */
  async historyOrders(
    p: { symbol?: string; startTime?: number; endTime?: number; skip?: number; limit?: number } =
      {},
  ): Promise<{ orders: BitunixOrder[]; total: number }> {
    const r = await this.#call({
      endpoint: "get_history_orders",
      method: "GET",
      path: "/api/v1/futures/trade/get_history_orders",
      query: { ...p, limit: Math.min(100, p.limit ?? 100) },
      auth: true,
      bucket: "private",
      schema: S.orderListSchema,
    });
    return { orders: r.orders.map(mapOrder), total: r.total };
  }

  /** Executions; one page (limit <= 100), newest first as the venue sends them. */
  async historyTrades(
    p: {
      symbol?: string;
      orderId?: string;
      startTime?: number;
      endTime?: number;
      skip?: number;
      limit?: number;
    } = {},
  ): Promise<{ trades: BitunixTrade[]; total: number }> {
    const r = await this.#call({
      endpoint: "get_history_trades",
      method: "GET",
      path: "/api/v1/futures/trade/get_history_trades",
      query: { ...p, limit: Math.min(100, p.limit ?? 100) },
      auth: true,
      bucket: "private",
      schema: S.tradeListSchema,
    });
    return {
      total: r.total,
      trades: r.trades.map((t) => ({
        tradeId: t.tradeId,
        orderId: t.orderId,
        clientId: t.clientId,
        symbol: t.symbol,
        side: t.side === "BUY" ? "buy" : "sell",
        qty: t.qty,
        price: t.price,
        fee: t.fee ?? 0,
        reduceOnly: t.reduceOnly,
        realizedPnl: t.realizedPNL,
        ts: t.ctime,
      })),
    };
  }

  // ---- TP/SL book (private) ----

  /**
   * Pending TP/SL orders (one page, limit <= 100). The venue answers a bare array or
   * `{orderList, total}` depending on the docs copy; both are accepted.
   */
  async pendingTpsl(
    p: { symbol?: string; positionId?: string; skip?: number; limit?: number } = {},
  ): Promise<BitunixTpslOrder[]> {
    const r = await this.#call({
      endpoint: "tpsl/get_pending_orders",
      method: "GET",
      path: "/api/v1/futures/tpsl/get_pending_orders",
      query: { ...p, limit: Math.min(100, p.limit ?? 100) },
      auth: true,
      bucket: "private",
      schema: S.tpslListSchema,
    });
    return r.orders.map(mapTpsl);
  }

  /** Finished TP/SL orders (triggered or cancelled), newest first; one page (limit <= 100). */
  async tpslHistory(
    p: {
      symbol?: string;
      positionId?: string;
      startTime?: number;
      endTime?: number;
      skip?: number;
      limit?: number;
    } = {},
  ): Promise<{ orders: BitunixTpslOrder[]; total: number }> {
    const r = await this.#call({
      endpoint: "tpsl/get_history_orders",
      method: "GET",
      path: "/api/v1/futures/tpsl/get_history_orders",
      query: { ...p, limit: Math.min(100, p.limit ?? 100) },
      auth: true,
      bucket: "private",
      schema: S.tpslListSchema,
    });
    return { orders: r.orders.map(mapTpsl), total: r.total };
  }

  /** Places a TP/SL with quantities on an open position; resolves to its order id. */
  placeTpsl(p: PlaceTpslParams): Promise<{ orderId: string }> {
    return this.#tpslWrite("tpsl/place_order", "/api/v1/futures/tpsl/place_order", p);
  }

  /**
   * Places the whole-position TP/SL of a position (closes the whole position at market when
   * it fires; one per position); resolves to its order id.
   */
  placePositionTpsl(p: PositionTpslParams): Promise<{ orderId: string }> {
    return this.#tpslWrite(
      "tpsl/position/place_order",
      "/api/v1/futures/tpsl/position/place_order",
      p,
    );
  }

  /** Changes the triggers or quantities of one TP/SL order. */
  modifyTpsl(p: ModifyTpslParams): Promise<{ orderId: string }> {
    return this.#tpslWrite("tpsl/modify_order", "/api/v1/futures/tpsl/modify_order", p);
  }

  /** Changes the triggers of a position's whole-position TP/SL. */
  modifyPositionTpsl(p: PositionTpslParams): Promise<{ orderId: string }> {
    return this.#tpslWrite(
      "tpsl/position/modify_order",
      "/api/v1/futures/tpsl/position/modify_order",
      p,
    );
  }

  /** Cancels one TP/SL order (the venue's reply is not proof: re-read the pending list). */
  async cancelTpsl(symbol: string, orderId: string): Promise<{ orderId: string }> {
    const r = await this.#call({
      endpoint: "tpsl/cancel_order",
      method: "POST",
      path: "/api/v1/futures/tpsl/cancel_order",
      body: { symbol, orderId },
      auth: true,
      bucket: "private",
      schema: S.tpslCancelSchema,
    });
    return { orderId: r ?? orderId };
  }

  async #tpslWrite(
    endpoint: string,
    path: string,
    p: PlaceTpslParams | PositionTpslParams | ModifyTpslParams,
  ): Promise<{ orderId: string }> {
    const r = await this.#call({
      endpoint,
      method: "POST",
      path,
      body: definedFields(p),
      auth: true,
      bucket: "private",
      schema: S.tpslIdSchema,
    });
    return { orderId: r.orderId };
  }

  // ---- transport ----

  async #call<T extends z.ZodType>(spec: CallSpec<T>): Promise<z.output<T>> {
    const max = Math.max(1, this.#retry.maxAttempts);
    let clockRetried = false;
    for (let attempt = 1;; attempt++) {
      try {
        return await this.#once(spec);
      } catch (e) {
        if (e instanceof PrepareError) throw e.cause;
        const err = isBitunixError(e)
          ? e
          : new BitunixError(spec.endpoint, "network", describe(e), true);
        if (
          this.#clockSync && !clockRetried && spec.auth && isClockRefusal(err.code, err.cause_)
        ) {
          // The refusal's own Date header has just corrected the offset: one more try.
          clockRetried = true;
          this.#retried(spec.endpoint, attempt, 0, err);
          continue;
        }
        const budget = clockRetried ? attempt - 1 : attempt;
        if (!err.retryable || budget >= max) throw attempt > 1 ? err.withAttempts(attempt) : err;
        const rateLimited = err.status === 429 ||
          (err.code !== undefined && RATE_LIMIT_CODES.has(err.code));
        const delayMs = backoffDelay(this.#retry, budget, this.#random, rateLimited);
        this.#retried(spec.endpoint, attempt, delayMs, err);
        await this.#sleep(delayMs);
      }
    }
  }

  #retried(endpoint: string, attempt: number, delayMs: number, err: BitunixError): void {
    this.#counters.retries++;
    this.#onRetry?.({ endpoint, attempt, delayMs, error: err.message });
    this.#events?.emit("warn", BITUNIX_COMPONENT, "rest.retried", {
      endpoint,
      attempt,
      reason: err.cause_,
      kind: err.kind,
      ...(err.code !== undefined ? { code: err.code } : {}),
      ...(err.status !== undefined ? { status: err.status } : {}),
      delayMs,
    });
  }

  /**
   * Narrows the offsets consistent with a `Date` header (server time in [date, date + 1 s)
   * at some moment between sending and receiving) and moves the applied offset only when
   * it falls outside them, to their midpoint.
   */
  #learnClock(dateHeader: string | null, sentAt: number, receivedAt: number, endpoint: string) {
    const date = dateHeader ? Date.parse(dateHeader) : Number.NaN;
    if (!Number.isFinite(date)) return;
    const lo = date - receivedAt;
    const hi = date + 1_000 - sentAt;
    const b = this.#bounds;
    // Still consistent with what was learnt before: narrow; else the clock jumped: restart.
    this.#bounds = b && lo <= b.hi && hi >= b.lo
      ? { lo: Math.max(lo, b.lo), hi: Math.min(hi, b.hi) }
      : { lo, hi };
    const { lo: l, hi: h } = this.#bounds;
    this.#measuredMs = (l + h) / 2;
    if (!this.#clockSync) return;
    if (this.#offsetMs >= l && this.#offsetMs <= h) return;
    const previousMs = this.#offsetMs;
    this.#offsetMs = Math.round((l + h) / 2);
    if (Math.abs(this.#offsetMs - previousMs) >= 500) {
      this.#counters.clockCorrections++;
      this.#events?.emit("warn", BITUNIX_COMPONENT, "rest.clock_corrected", {
        endpoint,
        offsetMs: this.#offsetMs,
        previousMs,
      });
    }
  }

  /** `(the local clock is 62.3 s behind the venue's)`, from the last measurement. */
  #clockNote(): string {
    const m = this.#measuredMs;
    if (m === undefined) return "(the venue's time is unknown: no Date header)";
    if (Math.abs(m) < 1_000) return "(the local clock agrees with the venue's to within 1 s)";
    const s = (Math.abs(m) / 1_000).toFixed(1);
    return m > 0
      ? `(the local clock is ${s} s behind the venue's)`
      : `(the local clock is ${s} s ahead of the venue's)`;
  }

  async #once<T extends z.ZodType>(spec: CallSpec<T>): Promise<z.output<T>> {
    const { endpoint } = spec;
    if (spec.auth && !this.hasCredentials) {
      throw new BitunixError(
        endpoint,
        "config",
        "no API credentials (set BITUNIX_API_KEY and BITUNIX_API_SECRET)",
        false,
      );
    }
    await this.#limiters?.[spec.bucket].acquire();
    let bodyObject = spec.body;
    if (spec.prepare) {
      try {
        bodyObject = await spec.prepare();
      } catch (e) {
        throw new PrepareError(e);
      }
    }
    const pairs = cleanQuery(spec.query);
    const search = new URLSearchParams(pairs).toString();
    const url = `${this.baseUrl}${spec.path}${search ? `?${search}` : ""}`;
    const body = spec.method === "POST" ? JSON.stringify(bodyObject ?? {}) : "";
    const headers: Record<string, string> = { "language": "en-US" };
    if (spec.method === "POST") headers["content-type"] = "application/json";
    if (spec.auth) {
      const nonce = this.#nonce();
      const timestamp = String(Math.round(this.#now() + this.#offsetMs));
      headers["api-key"] = this.#apiKey!;
      headers["nonce"] = nonce;
      headers["timestamp"] = timestamp;
      headers["sign"] = signRest({
        apiKey: this.#apiKey!,
        apiSecret: this.#apiSecret!,
        nonce,
        timestamp,
        queryString: sortedQueryString(pairs),
        body,
      });
    }
    const ctrl = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      ctrl.abort();
    }, this.#timeoutMs);
    const started = performance.now();
    const sentAt = this.#now();
    let text: string;
    let res: Response;
    try {
      res = await this.#fetch(url, {
        method: spec.method,
        headers,
        body: spec.method === "POST" ? body : undefined,
        signal: ctrl.signal,
      });
      text = await res.text();
    } catch (e) {
      if (timedOut) {
        throw new BitunixError(endpoint, "timeout", `timed out after ${this.#timeoutMs} ms`, true);
      }
      throw new BitunixError(endpoint, "network", `network error: ${describe(e)}`, true);
    } finally {
      clearTimeout(timer);
    }
    const latencyMs = performance.now() - started;
    const receivedAt = this.#now();
    const dateHeader = res.headers.get("date");
    const serverDate = dateHeader ? Date.parse(dateHeader) : Number.NaN;
    this.#last = {
      endpoint,
      latencyMs,
      serverDate: Number.isFinite(serverDate) ? serverDate : undefined,
      receivedAt,
    };
    // A reply served from a cache (Age > 0) carries the Date of when it was made.
    const cached = Number(res.headers.get("age") ?? 0) > 0;
    if (!cached) this.#learnClock(dateHeader, sentAt, receivedAt, endpoint);
    if (!res.ok) {
      throw new BitunixError(
        endpoint,
        "http",
        `HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ""}`,
        isRetryableStatus(res.status),
        undefined,
        res.status,
      );
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      const issue = `malformed JSON response (${text.length} bytes)`;
      this.#schemaFailed(endpoint, "json", { path: "", message: issue });
      throw new BitunixError(endpoint, "malformed", issue, false);
    }
    const env = S.envelopeSchema.safeParse(json);
    if (!env.success) {
      const issue = S.mainIssue(env.error);
      this.#schemaFailed(endpoint, "envelope", issue);
      throw new BitunixError(
        endpoint,
        "schema",
        `unexpected response shape: ${issueText(issue)}`,
        false,
      );
    }
    const code = env.data.code;
    if (code !== 0) {
      const msg = (env.data.msg ?? env.data.message ?? "").slice(0, 200);
      const cause = `${code} ${msg}`.trim();
      const clock = spec.auth && isClockRefusal(code, msg);
      throw new BitunixError(
        endpoint,
        "api",
        clock ? `${cause} ${this.#clockNote()}` : cause,
        isRetryableCode(code),
        code,
      );
    }
    const data = spec.schema.safeParse(env.data.data ?? null);
    if (!data.success) {
      const issue = S.mainIssue(data.error);
      this.#schemaFailed(endpoint, "data", issue);
      throw new BitunixError(endpoint, "schema", `unexpected data: ${issueText(issue)}`, false);
    }
    return data.data;
  }

  #schemaFailed(endpoint: string, part: "json" | "envelope" | "data", issue: S.SchemaIssue): void {
    this.#counters.schemaFailures++;
    this.#events?.emit("warn", BITUNIX_COMPONENT, "rest.schema_failed", {
      endpoint,
      part,
      path: issue.path,
      issue: issue.message,
    });
  }
}

/** What a `prepare` hook threw: passed on as it is, never retried. */
class PrepareError extends Error {
  constructor(override readonly cause: unknown) {
    super("prepare failed");
  }
}

/** The fields of `o` that are set (JSON bodies leave undefined ones out anyway). */
function definedFields(o: object): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = v;
  return out;
}

function mapOrder(o: z.output<typeof S.orderSchema>): BitunixOrder {
  return {
    orderId: o.orderId,
    clientId: o.clientId,
    symbol: o.symbol,
    side: o.side === "BUY" ? "buy" : "sell",
    qty: o.qty,
    filledQty: o.tradeQty ?? 0,
    price: o.price,
    avgPrice: o.avgPrice,
    orderType: o.orderType,
    status: o.status,
    reduceOnly: o.reduceOnly,
    tpPrice: o.tpPrice,
    slPrice: o.slPrice,
    ctime: o.ctime,
  };
}

function mapTpsl(o: z.output<typeof S.tpslOrderSchema>): BitunixTpslOrder {
  return {
    orderId: (o.id ?? o.orderId)!,
    positionId: o.positionId,
    symbol: o.symbol,
    tpPrice: o.tpPrice,
    tpStopType: o.tpStopType?.toUpperCase(),
    tpOrderType: o.tpOrderType?.toUpperCase(),
    tpOrderPrice: o.tpOrderPrice,
    tpQty: o.tpQty,
    slPrice: o.slPrice,
    slStopType: o.slStopType?.toUpperCase(),
    slOrderType: o.slOrderType?.toUpperCase(),
    slOrderPrice: o.slOrderPrice,
    slQty: o.slQty,
    status: o.status?.toUpperCase(),
    ctime: o.ctime,
    mtime: o.mtime,
    triggerTime: o.triggerTime,
  };
}

function issueText(i: S.SchemaIssue): string {
  return `${i.path || "data"}: ${i.message}`;
}

function describe(e: unknown): string {
  if (e instanceof Error) return e.message.slice(0, 200);
  return String(e).slice(0, 200);
}
