/**
 * A fake Bitunix futures venue for tests: one `Deno.serve` on 127.0.0.1 (random port)
 * answering the REST endpoints the adapter uses and the `/public/` and `/private/`
 * WebSockets, in the documented wire format (string numbers, newest-first lists, errors
 * as HTTP 200 with a non-zero code). It checks signatures and timestamps, keeps orders,
 * positions (one-way, one per symbol), trades, a TP/SL book and a balance, and has fault
 * injection for chaos tests.
 *
 * By default it is kind: a market order fills as one trade at `state.price` and nobody
 * else trades. The injectors make it as unkind as the real venue: split and partial
 * fills, trades indexed late, other people's trades on the account, positions closed
 * behind the agent's back, TP/SL orders that trigger, vanish or are refused, and replies
 * lost after the venue already acted.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { type Candle, INTERVAL_MS } from "../../src/core/candle.ts";

/** A contract the fake lists in trading_pairs. */
export interface FakeSymbol {
  symbol: string;
  minTradeVolume: string;
  basePrecision: number;
  quotePrecision: number;
  maxLeverage: number;
  symbolStatus: string;
  /** Whether orders may be placed through the API (false: web/app only); left out when unset. */
  isApiSupported?: boolean;
}

/** Order states the venue reports (`PART_FILLED_CANCELED`: partly filled, rest cancelled). */
export type FakeOrderStatus =
  | "NEW"
  | "PART_FILLED"
  | "FILLED"
  | "CANCELED"
  | "PART_FILLED_CANCELED";

/** An order the fake keeps. */
export interface FakeOrder {
  orderId: string;
  clientId?: string;
  symbol: string;
  side: "BUY" | "SELL";
  orderType: "MARKET" | "LIMIT";
  qty: number;
  price?: number;
  /** Quantity-weighted price of the booked trades. */
  avgPrice?: number;
  tradeQty: number;
  reduceOnly: boolean;
  status: FakeOrderStatus;
  tpPrice?: string;
  slPrice?: string;
  tpStopType?: string;
  slStopType?: string;
  tpOrderType?: string;
  slOrderType?: string;
  /** Sum of the fees of the booked trades. */
  fee?: number;
  ctime: number;
  /** Time of the last change (fill, cancel); ctime when absent. */
  mtime?: number;
  /** Who booked it: our API call (default), a manual/web trade, or a TP/SL trigger. */
  source?: "api" | "manual" | "tpsl";
}

/** A one-way position the fake keeps (qty > 0). */
export interface FakePosition {
  positionId: string;
  symbol: string;
  side: "LONG" | "SHORT";
  qty: number;
  avgOpenPrice: number;
  tpPrice?: string;
  slPrice?: string;
  /** Open time; the reply shows the request time when absent. */
  ctime?: number;
}

/** An execution the fake keeps. */
export interface FakeTrade {
  tradeId: string;
  orderId: string;
  clientId?: string;
  symbol: string;
  side: "BUY" | "SELL";
  qty: number;
  price: number;
  fee: number;
  reduceOnly: boolean;
  ctime: number;
  /** PnL this trade realised by reducing a position (0 when it opened or added). */
  realizedPNL?: number;
  /** Hidden from this many more get_history_trades answers (indexed late). */
  hiddenForQueries?: number;
  /** Hidden from get_history_trades until this fake time (indexed late). */
  visibleAt?: number;
}

/**
 * How the fake writes a time: ms as a JSON number, ms as a string, ISO-8601 in UTC
 * (`...Z`), or RFC 3339 with a +08:00 offset (as one client's recorded pushes show).
 */
export type FakeTimeFormat = "number" | "string" | "iso" | "rfc3339";

/** States of a TP/SL order: pending, triggered (it booked a close) or cancelled. */
export type FakeTpslStatus = "NEW" | "TRIGGERED" | "CANCELED";

/** An order of the venue's TP/SL book (pending while `status` is NEW). */
export interface FakeTpslOrder {
  id: string;
  positionId: string;
  symbol: string;
  /** `position`: whole-position TP/SL (closes the whole position, one per position); `order`: with quantities. */
  kind: "position" | "order";
  tpPrice?: number;
  tpStopType?: string;
  tpOrderType?: string;
  tpOrderPrice?: number;
  tpQty?: number;
  slPrice?: number;
  slStopType?: string;
  slOrderType?: string;
  slOrderPrice?: number;
  slQty?: number;
  status: FakeTpslStatus;
  ctime: number;
  mtime: number;
  triggerTime?: number;
  /** Which leg fired. */
  triggered?: "tp" | "sl";
  /** The close order a trigger booked (unset while a delayed close is pending). */
  closeOrderId?: string;
  /** The entry whose attached slPrice/tpPrice created it. */
  sourceOrderId?: string;
}

/** Mutable venue state; tests may read and change it directly. */
export interface FakeState {
  /** Fill price of market orders, last/mark price of tickers (symbols without a `prices` entry). */
  price: number;
  /** Per-symbol price overriding `price` (e.g. `{ ETHUSDT: 3000 }`). */
  prices: Record<string, number>;
  available: number;
  leverage: number;
  marginMode: "CROSS" | "ISOLATION";
  /** The account's position mode, as the account, positions and orders report it. */
  positionMode: "ONE_WAY" | "HEDGE";
  symbols: FakeSymbol[];
  orders: FakeOrder[];
  positions: FakePosition[];
  trades: FakeTrade[];
  /** The TP/SL book: pending (NEW) and finished orders. */
  tpsl: FakeTpslOrder[];
  /** Next numeric id the venue hands out (orders, positions, TP/SL orders; trades too unless `nextTradeId` is set). */
  nextId: number;
  /** When set, the next trade id (then incremented); e.g. 998 to cross from 999 to 1000. */
  nextTradeId?: number;
  /**
   * Order of history trades sharing one millisecond: `scrambled` (the venue's: neither
   * ascending nor descending by id) or `id` (highest id first).
   */
  sameMsTradeOrder: "scrambled" | "id";
  /** Reply of tpsl/get_pending_orders: a bare array, or `{orderList, total}` (the docs show both). */
  tpslPendingShape: "array" | "object";
  /** How TP/SL lists send ctime/triggerTime: ms number, ms as a string, or ISO-8601. */
  tpslTimeFormat: FakeTimeFormat;
  /** How private WebSocket pushes (order, tpsl) send ctime/mtime and the like. */
  pushTimeFormat: FakeTimeFormat;
  /** How REST orders, trades, positions and klines send their times. */
  restTimeFormat: FakeTimeFormat;
  /** Price of the close a TP/SL trigger books: the market price when it fired, or the trigger price. */
  tpslFillPrice: "market" | "trigger";
  /**
   * Whether TP/SL lists and pushes carry `triggerTime` (`sent`, the default) or leave it
   * out (`omitted`: bitunix-api.md does not list the field; `mtime` still moves on a fire).
   */
  tpslTriggerTime: "sent" | "omitted";
  /**
   * Whether get_order_detail reports an order's attached `slPrice`/`tpPrice` (`sent`, the
   * default) or leaves them null (`omitted`: nothing documents that the venue echoes them).
   */
  orderDetailBracket: "sent" | "omitted";
  /**
   * How long (fake time) after a TP/SL fires its close is booked (default 0: the same ms).
   * Until then the order is TRIGGERED and the position still open; the close is booked by
   * the first request or `setPrice` at or after that time (with that request's time).
   */
  tpslFillDelayMs: number;
  /**
   * How volumes are named in klines (REST `baseVol`/`quoteVol`, WS `b`/`q`) and tickers:
   * `swapped` (what the live REST API sends: the base-coin amount in `quoteVol`/`q`, the USDT
   * notional in `baseVol`/`b`) or `named` (as the docs name them).
   */
  volumeFields: "swapped" | "named";
  /** Server clock offset added to `now()` (Date header, timestamp checks, WS ping). */
  clockSkewMs: number;
  /**
   * The answer to a signed request whose `timestamp` is outside the accepted window
   * (default 10002 "Parameter error: timestamp outside the accepted window"; other sources
   * list 10004 "Timestamp expired").
   */
  timestampRefusal: { code: number; msg: string };
  /**
   * Whether kline `startTime` / `endTime` take a bar opening exactly there (the docs do not
   * say). Default: start inclusive, end exclusive.
   */
  klineWindow: { start: "inclusive" | "exclusive"; end: "inclusive" | "exclusive" };
  /**
   * Which bars a kline reply keeps when its window holds more than `limit` (at most 200):
   * the newest (default) or the oldest.
   */
  klineOverflow: "newest" | "oldest";
  /** Candle of the bar starting at `ts`, or null for a bar the venue does not have. */
  klineFn: (ts: number, intervalMs: number, symbol: string) => Candle | null;
  /** When true, the WS server stops answering pings. */
  ignorePings: boolean;
}

/** One HTTP request the fake received. */
export interface FakeRequest {
  readonly method: string;
  readonly path: string;
  /** Query parameters. */
  readonly params: Record<string, string>;
  /** Parsed JSON body (POST), else undefined. */
  readonly body?: Record<string, unknown>;
  /** clientId from the body or query, if any. */
  readonly clientId?: string;
  /** The `timestamp` header (signed requests). */
  readonly timestamp?: string;
  /** Fake server time of arrival. */
  readonly ts: number;
}

/** A WS message the fake received. */
export interface FakeWsMessage {
  readonly kind: "public" | "private";
  readonly message: Record<string, unknown>;
}

/** Options of `startFakeBitunix`. */
export interface FakeBitunixOptions {
  apiKey?: string;
  apiSecret?: string;
  /** Fake server clock (before skew); defaults to Date.now. */
  now?: () => number;
  /** Accepted |server time - request timestamp|, default 30 s. */
  timestampWindowMs?: number;
  price?: number;
  /** Push kline updates to WS subscribers every N ms (0 = only on `pushKline`). */
  wsPushMs?: number;
  /** Send a kline snapshot right after a subscribe (default true, like the venue). */
  wsSnapshot?: boolean;
}

/** A trade someone else makes on the account (web, app, another bot). */
export interface FakeManualTrade {
  symbol: string;
  side: "BUY" | "SELL";
  qty: number;
  /** Fill price; default the symbol's current price. */
  price?: number;
  reduceOnly?: boolean;
  /** A foreign client id (e.g. a web order id); default none. */
  clientId?: string;
  /** Split into this many equal trades, or by these weights (same ms, one tick apart). */
  parts?: number | number[];
}

/** Options of `inject.splitFills`. */
export interface FakeSplitOptions {
  /** Price step between successive parts, worse for the taker; default one tick. */
  priceStep?: number;
  /**
   * The last `held` parts are not booked until `releaseHeldFills()`: meanwhile the order
   * is PART_FILLED (working) and the position holds only the booked parts.
   */
  held?: number;
}

/** Options of `inject.lateTrade`: when the late trade shows up in get_history_trades. */
export interface FakeLateOptions {
  /** Hidden from this many get_history_trades answers (default 1 when `delayMs` is unset). */
  queries?: number;
  /** Hidden until this many ms of fake time after booking. */
  delayMs?: number;
  /** Which trade of a split order is late (default the last). */
  part?: "first" | "last";
  /** How many orders (with trades) get one late trade; default 1. */
  n?: number;
}

/**
 * Fault injectors. The HTTP ones affect the next N matching requests (optionally one
 * path); the venue ones affect what the venue does with the next N orders.
 */
export interface FakeInject {
  /** Next `n` requests answer HTTP `status` (default 503). */
  serverError(n?: number, opts?: { status?: number; path?: string }): void;
  /** Next `n` requests never answer (until the client gives up or the fake closes); not processed. */
  hang(n?: number, opts?: { path?: string }): void;
  /** Next `n` requests answer code 10006 "Request too frequently". */
  rateLimit(n?: number, opts?: { path?: string; code?: number }): void;
  /** Next `n` requests answer a truncated JSON body. */
  malformed(n?: number, opts?: { path?: string }): void;
  /** Next `n` requests answer code 0 with a `data` that violates the documented shape. */
  schemaViolation(n?: number, opts?: { path?: string }): void;
  /** Next `n` requests answer the given venue error code. */
  errorCode(code: number, msg: string, n?: number, opts?: { path?: string }): void;
  /** The next place_order answers `code` (default 30001). */
  rejectNextOrder(code?: number, msg?: string): void;
  /**
   * Next `n` requests (that pass the signature check) ARE processed (an order is booked
   * and filled) but the reply is lost: `hang` (default) never answers until the client
   * times out; `drop` cuts the connection in the middle of the reply.
   */
  loseReply(n?: number, opts?: { path?: string; mode?: "hang" | "drop" }): void;
  /**
   * The next `n` market orders placed through place_order fill in several trades with
   * the same ctime: `parts` equal trades, or one trade per weight (e.g. [1, 1, 2]).
   */
  splitFills(parts: number | number[], n?: number, opts?: FakeSplitOptions): void;
  /**
   * The next `n` market orders placed through place_order fill only `fraction` of their
   * qty (rounded down to the step); the rest is cancelled (PART_FILLED_CANCELED, or
   * CANCELED when nothing filled).
   */
  partialFill(fraction: number, n?: number): void;
  /** One trade of each of the next orders the venue fills is indexed late. */
  lateTrade(opts?: FakeLateOptions): void;
  /** Books and fills a market order that is not ours; returns it. */
  manualTrade(t: FakeManualTrade): FakeOrder;
  /** Closes the symbol's position with a market order without our client id; returns it. */
  closePosition(symbol: string, opts?: { price?: number }): FakeOrder;
  /** Silently removes the pending TP/SL orders of a symbol (no history); returns how many. */
  dropTpsl(symbol: string): number;
  /**
   * Next `n` TP/SL placements (tpsl/place_order, tpsl/position/place_order) fail with
   * `code` (default 30029 "SL price must be less than mark price").
   */
  rejectTpsl(code?: number, n?: number, opts?: { msg?: string }): void;
  /** Closes every open WebSocket (clients see a drop). */
  dropWebSockets(): void;
  /** Shifts the server clock by `ms`. */
  clockSkew(ms: number): void;
  /** Removes all pending faults and venue injections (held fills stay held). */
  clear(): void;
}

/** A running fake; `close()` it at test end. */
export interface FakeBitunix {
  readonly baseUrl: string;
  /** WS base without the `/public/` suffix (the client appends it). */
  readonly wsUrl: string;
  readonly apiKey: string;
  readonly apiSecret: string;
  readonly state: FakeState;
  readonly inject: FakeInject;
  /** Every HTTP request received, in order. */
  readonly requests: FakeRequest[];
  /** Every WS client message received, in order. */
  readonly wsMessages: FakeWsMessage[];
  /** Server time (with skew). */
  now(): number;
  /** Requests whose path ends with `suffix`, e.g. `/market/kline`. */
  requestsTo(suffix: string): FakeRequest[];
  /** Number of sockets subscribed to a channel (e.g. `market_kline_1min`, `order`). */
  subscribers(ch: string): number;
  /** Open WebSocket count. */
  openSockets(): number;
  /**
   * Pushes one kline update on `market_kline_<iv>` to subscribers. The candle defaults to
   * `klineFn` at the bar containing `ts` (default: now).
   */
  pushKline(opts: { ch?: string; symbol?: string; ts?: number; candle?: Candle }): void;
  /**
   * Moves the mark/last price (`state.price`, or `state.prices[symbol]` when a symbol is
   * given) and fires every pending TP/SL order whose trigger is crossed (long: sl when
   * price <= slPrice, tp when price >= tpPrice; short mirrored). A fired order books a
   * reduce-only market close without client id (after `tpslFillDelayMs`) and moves to
   * history as TRIGGERED. Returns the TP/SL orders that fired.
   */
  setPrice(price: number, opts?: { symbol?: string }): FakeTpslOrder[];
  /** The symbol's current price (`state.prices[symbol]` or `state.price`). */
  priceOf(symbol: string): number;
  /**
   * Sends `{ch, ts, data}` as it is to the logged-in subscribers of a private channel
   * (e.g. a push that violates the documented shape).
   */
  pushPrivate(ch: string, data: unknown): void;
  /** Books the held parts of split fills (all, or one order's), at the current time; returns the trades. */
  releaseHeldFills(orderId?: string): FakeTrade[];
  /** Pending (NEW) TP/SL orders, optionally of one symbol. */
  pendingTpsl(symbol?: string): FakeTpslOrder[];
  close(): Promise<void>;
}

/** Every reading of the venue's kline bounds and of its 200-row cap, for tests to loop over. */
export const KLINE_CONVENTIONS: readonly {
  readonly window: FakeState["klineWindow"];
  readonly overflow: FakeState["klineOverflow"];
}[] = (["inclusive", "exclusive"] as const).flatMap((start) =>
  (["inclusive", "exclusive"] as const).flatMap((end) =>
    (["newest", "oldest"] as const).map((overflow) => ({ window: { start, end }, overflow }))
  )
);

const WS_IV_MS: Record<string, number> = {
  "1min": 60_000,
  "5min": 300_000,
  "15min": 900_000,
  "30min": 1_800_000,
  "60min": 3_600_000,
  "4h": 14_400_000,
  "1day": 86_400_000,
};

const sha = (s: string) => createHash("sha256").update(s, "utf8").digest("hex");

/** The default deterministic series: a smooth wave around 60,000 with a per-bar range. */
export function defaultKline(ts: number, intervalMs: number): Candle {
  const i = Math.floor(ts / intervalMs);
  const open = 60_000 + 500 * Math.sin(i / 17) + 50 * Math.cos(i / 3);
  const close = 60_000 + 500 * Math.sin((i + 1) / 17) + 50 * Math.cos((i + 1) / 3);
  const high = Math.max(open, close) + 10 + (i % 7);
  const low = Math.min(open, close) - 10 - (i % 5);
  return {
    ts,
    open: round2(open),
    high: round2(high),
    low: round2(low),
    close: round2(close),
    volume: 1 + (i % 13),
  };
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

interface Fault {
  kind: "5xx" | "hang" | "code" | "malformed" | "schema";
  remaining: number;
  path?: string;
  status?: number;
  code?: number;
  msg?: string;
}

interface LostReply {
  remaining: number;
  path?: string;
  mode: "hang" | "drop";
}

/** How the venue executes one market order. */
interface ExecPlan {
  /** Relative sizes of the trades (default one trade). */
  weights?: number[];
  /** Price step between parts (default one tick). */
  priceStep?: number;
  /** Trailing parts held back. */
  held?: number;
  /** Share of the qty that fills (default 1). */
  fraction?: number;
  /** Base fill price (default the symbol's price). */
  price?: number;
}

interface Queued<T> {
  value: T;
  remaining: number;
}

interface HeldFill {
  order: FakeOrder;
  parts: { qty: number; price: number }[];
}

interface PendingClose {
  tpsl: FakeTpslOrder;
  /** Fake time at or after which it is booked. */
  due: number;
  /** Fill price fixed when it fired. */
  price: number;
}

interface Sock {
  ws: WebSocket;
  kind: "public" | "private";
  subs: Set<string>;
  loggedIn: boolean;
}

/** A `[code, msg]` refusal the venue answers. */
type Refusal = readonly [number, string];

/** Starts the fake on 127.0.0.1 at a random port. */
export function startFakeBitunix(opts: FakeBitunixOptions = {}): FakeBitunix {
  const apiKey = opts.apiKey ?? "fake-api-key-0123456789";
  const apiSecret = opts.apiSecret ?? "fake-api-secret-SHOULD-NEVER-LEAK-9876";
  const baseNow = opts.now ?? Date.now;
  const windowMs = opts.timestampWindowMs ?? 30_000;
  const wsSnapshot = opts.wsSnapshot ?? true;
  const state: FakeState = {
    price: opts.price ?? 60_000,
    prices: {},
    available: 1_000,
    leverage: 10,
    marginMode: "CROSS",
    positionMode: "ONE_WAY",
    symbols: [
      {
        symbol: "BTCUSDT",
        minTradeVolume: "0.0001",
        basePrecision: 4,
        quotePrecision: 1,
        maxLeverage: 125,
        symbolStatus: "OPEN",
        isApiSupported: true,
      },
      {
        symbol: "ETHUSDT",
        minTradeVolume: "0.01",
        basePrecision: 2,
        quotePrecision: 2,
        maxLeverage: 100,
        symbolStatus: "OPEN",
        isApiSupported: true,
      },
    ],
    orders: [],
    positions: [],
    trades: [],
    tpsl: [],
    nextId: 1001,
    sameMsTradeOrder: "scrambled",
    tpslPendingShape: "array",
    tpslTimeFormat: "number",
    pushTimeFormat: "number",
    restTimeFormat: "number",
    tpslFillPrice: "market",
    tpslTriggerTime: "sent",
    orderDetailBracket: "sent",
    tpslFillDelayMs: 0,
    volumeFields: "swapped",
    clockSkewMs: 0,
    timestampRefusal: {
      code: 10002,
      msg: "Parameter error: timestamp outside the accepted window",
    },
    klineFn: (ts, iv) => defaultKline(ts, iv),
    klineWindow: { start: "inclusive", end: "exclusive" },
    klineOverflow: "newest",
    ignorePings: false,
  };
  const now = () => baseNow() + state.clockSkewMs;
  const requests: FakeRequest[] = [];
  const wsMessages: FakeWsMessage[] = [];
  let faults: Fault[] = [];
  let lostReplies: LostReply[] = [];
  let splitQueue: Queued<{ weights: number[]; priceStep?: number; held: number }>[] = [];
  let partialQueue: Queued<number>[] = [];
  let lateQueue: Queued<FakeLateOptions>[] = [];
  let tpslRejects: Queued<Refusal>[] = [];
  const heldFills: HeldFill[] = [];
  /** Closes of fired TP/SL orders not booked yet (`tpslFillDelayMs`). */
  const pendingCloses: PendingClose[] = [];
  const hanging = new Set<() => void>();
  const sockets = new Set<Sock>();
  const nextId = () => String(state.nextId++);
  const nextTradeId = () =>
    state.nextTradeId !== undefined ? String(state.nextTradeId++) : nextId();
  const priceOf = (symbol: string) => state.prices[symbol] ?? state.price;
  const sym = (s: unknown) => state.symbols.find((x) => x.symbol === s);
  const working = (o: FakeOrder) => o.status === "NEW" || o.status === "PART_FILLED";

  const ok = (data: unknown) => json({ code: 0, msg: "Success", data });
  const fail = (code: number, msg: string) => json({ code, msg, data: null });
  const refuse = ([code, msg]: Refusal) => fail(code, msg);
  function json(body: unknown, status = 200): Response {
    return new Response(JSON.stringify(body), {
      status,
      headers: { "content-type": "application/json", "date": new Date(now()).toUTCString() },
    });
  }

  function takeFault(path: string): Fault | undefined {
    const f = faults.find((x) => x.remaining > 0 && (!x.path || path.endsWith(x.path)));
    if (f) f.remaining--;
    faults = faults.filter((x) => x.remaining > 0);
    return f;
  }

  function takeLost(path: string): LostReply | undefined {
    const f = lostReplies.find((x) => x.remaining > 0 && (!x.path || path.endsWith(x.path)));
    if (f) f.remaining--;
    lostReplies = lostReplies.filter((x) => x.remaining > 0);
    return f;
  }

  /** Takes one use of the first queued injection, if any. */
  function take<T>(queue: Queued<T>[]): T | undefined {
    const q = queue.find((x) => x.remaining > 0);
    if (!q) return undefined;
    q.remaining--;
    return q.value;
  }

  function checkAuth(req: Request, url: URL, body: string): Response | null {
    const key = req.headers.get("api-key");
    const nonce = req.headers.get("nonce");
    const ts = req.headers.get("timestamp");
    const sign = req.headers.get("sign");
    if (!key) return fail(10003, "Api-key can't be empty");
    if (!nonce || !ts || !sign) return fail(10002, "Parameter error: nonce/timestamp/sign missing");
    if (Math.abs(Number(ts) - now()) > windowMs) {
      return fail(state.timestampRefusal.code, state.timestampRefusal.msg);
    }
    const pairs = [...url.searchParams.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const qs = pairs.map(([k, v]) => k + v).join("");
    const expected = sha(sha(nonce + ts + apiKey + qs + body) + apiSecret);
    if (key !== apiKey || sign !== expected) return fail(10007, "Signature Error");
    return null;
  }

  function klinesFor(
    symbol: string,
    ivMs: number,
    start: number | undefined,
    end: number | undefined,
    limit: number,
  ) {
    const w = state.klineWindow;
    const started = Math.floor(now() / ivMs) * ivMs; // the newest bar that has opened
    const last = end === undefined ? started : Math.min(
      started,
      w.end === "inclusive" ? Math.floor(end / ivMs) * ivMs : Math.ceil(end / ivMs) * ivMs - ivMs,
    );
    const first = Math.max(
      0,
      start === undefined
        ? -Infinity
        : w.start === "inclusive"
        ? Math.ceil(start / ivMs) * ivMs
        : Math.floor(start / ivMs) * ivMs + ivMs,
    );
    const out: Candle[] = [];
    if (state.klineOverflow === "oldest" && start !== undefined) {
      for (let ts = first; ts <= last && out.length < limit; ts += ivMs) {
        const c = state.klineFn(ts, ivMs, symbol);
        if (c) out.push(c);
      }
      return out.reverse(); // newest first, like the venue
    }
    for (let ts = last; ts >= first && out.length < limit; ts -= ivMs) {
      const c = state.klineFn(ts, ivMs, symbol);
      if (c) out.push(c);
    }
    return out; // newest first, like the venue
  }

  /** The two volume fields as the venue names them (`base` = baseVol/b, `quote` = quoteVol/q). */
  function volumeJson(amount: number, price: number): { base: string; quote: string } {
    const notional = String(round8(amount * price));
    return state.volumeFields === "named"
      ? { base: String(amount), quote: notional }
      : { base: notional, quote: String(amount) };
  }

  function orderJson(o: FakeOrder) {
    return {
      orderId: o.orderId,
      clientId: o.clientId ?? "",
      symbol: o.symbol,
      qty: String(o.qty),
      tradeQty: String(o.tradeQty),
      price: o.price !== undefined ? String(o.price) : "",
      avgPrice: o.avgPrice !== undefined ? String(o.avgPrice) : "",
      side: o.side,
      orderType: o.orderType,
      effect: "GTC",
      reduceOnly: o.reduceOnly,
      status: o.status,
      positionMode: state.positionMode,
      marginMode: state.marginMode,
      leverage: state.leverage,
      fee: String(o.fee ?? 0),
      tpPrice: state.orderDetailBracket === "sent" ? o.tpPrice ?? null : null,
      tpStopType: o.tpStopType ?? null,
      slPrice: state.orderDetailBracket === "sent" ? o.slPrice ?? null : null,
      slStopType: o.slStopType ?? null,
      ctime: timeJson(o.ctime, state.restTimeFormat),
      mtime: timeJson(o.mtime ?? o.ctime, state.restTimeFormat),
    };
  }

  function pushPrivate(ch: string, data: unknown) {
    for (const s of sockets) {
      if (s.kind === "private" && s.loggedIn && s.subs.has(ch)) {
        safeSend(s.ws, { ch, ts: now(), data });
      }
    }
  }

  // ---- positions, trades, order execution ----

  function openPosition(symbol: string, signed: number, price: number, o: FakeOrder, t: number) {
    state.positions.push({
      positionId: nextId(),
      symbol,
      side: signed > 0 ? "LONG" : "SHORT",
      qty: Math.abs(signed),
      avgOpenPrice: price,
      tpPrice: o.tpPrice,
      slPrice: o.slPrice,
      ctime: t,
    });
  }

  /** A position closed for any reason: it leaves the list and its TP/SL orders are cancelled. */
  function closePos(pos: FakePosition) {
    state.positions = state.positions.filter((p) => p !== pos);
    for (const t of state.tpsl) {
      if (t.status === "NEW" && t.positionId === pos.positionId) cancelTpsl(t);
    }
  }

  /** Applies one trade to the symbol's position; returns the PnL it realised. */
  function applyTrade(o: FakeOrder, qty: number, price: number, t: number): number {
    const signed = o.side === "BUY" ? qty : -qty;
    const pos = state.positions.find((p) => p.symbol === o.symbol);
    if (!pos) {
      openPosition(o.symbol, signed, price, o, t);
      return 0;
    }
    const cur = pos.side === "LONG" ? pos.qty : -pos.qty;
    const next = round8(cur + signed);
    if (Math.sign(signed) === Math.sign(cur)) {
      pos.avgOpenPrice = round8((pos.avgOpenPrice * Math.abs(cur) + price * qty) / Math.abs(next));
      pos.qty = Math.abs(next);
      return 0;
    }
    const closed = Math.min(qty, Math.abs(cur));
    const realized = round8((price - pos.avgOpenPrice) * closed * Math.sign(cur));
    if (next === 0) closePos(pos);
    else if (Math.sign(next) === Math.sign(cur)) pos.qty = Math.abs(next);
    else {
      // A flip closes the old position and opens a new one (new id, fresh TP/SL book).
      closePos(pos);
      openPosition(o.symbol, next, price, o, t);
    }
    return realized;
  }

  function bookTrade(o: FakeOrder, qty: number, price: number, t: number, late?: FakeLateOptions) {
    const trade: FakeTrade = {
      tradeId: nextTradeId(),
      orderId: o.orderId,
      clientId: o.clientId,
      symbol: o.symbol,
      side: o.side,
      qty,
      price,
      fee: round8(qty * price * 0.0006),
      reduceOnly: o.reduceOnly,
      ctime: t,
    };
    if (late) {
      if (late.delayMs !== undefined) trade.visibleAt = t + late.delayMs;
      if (late.queries !== undefined || late.delayMs === undefined) {
        trade.hiddenForQueries = late.queries ?? 1;
      }
    }
    state.trades.push(trade);
    trade.realizedPNL = applyTrade(o, qty, price, t);
    const before = o.tradeQty;
    o.tradeQty = round8(before + qty);
    o.avgPrice = round8(((o.avgPrice ?? 0) * before + price * qty) / o.tradeQty);
    o.fee = round8((o.fee ?? 0) + trade.fee);
    o.mtime = t;
    return trade;
  }

  /** The status an order has once its booked trades (and nothing else) count. */
  function finalStatus(o: FakeOrder): FakeOrderStatus {
    if (o.tradeQty >= o.qty - 1e-12) return "FILLED";
    return o.tradeQty > 0 ? "PART_FILLED_CANCELED" : "CANCELED";
  }

  function pushOrder(o: FakeOrder, lastPrice: number) {
    pushPrivate("order", {
      event: working(o) ? "UPDATE" : "CLOSE",
      orderId: o.orderId,
      clientId: o.clientId,
      symbol: o.symbol,
      side: o.side,
      type: o.orderType,
      qty: String(o.qty),
      price: String(lastPrice),
      averagePrice: String(o.avgPrice ?? lastPrice),
      dealAmount: String(o.tradeQty),
      orderStatus: o.status,
      reductionOnly: o.reduceOnly,
      fee: String(o.fee ?? 0),
      ctime: timeJson(o.ctime, state.pushTimeFormat),
      mtime: timeJson(now(), state.pushTimeFormat),
    });
  }

  /** Books the parts of an order at time `t`; `more` = parts still held after these. */
  function bookParts(
    o: FakeOrder,
    parts: { qty: number; price: number }[],
    t: number,
    more: boolean,
  ): FakeTrade[] {
    const late = parts.length ? take(lateQueue) : undefined;
    const lateIndex = late?.part === "first" ? 0 : parts.length - 1;
    const out: FakeTrade[] = [];
    parts.forEach((p, i) => {
      out.push(bookTrade(o, p.qty, p.price, t, i === lateIndex ? late : undefined));
      o.status = i < parts.length - 1 || more ? "PART_FILLED" : finalStatus(o);
      pushOrder(o, p.price);
    });
    if (!parts.length && !more) {
      o.status = finalStatus(o);
      o.mtime = t;
      pushOrder(o, o.price ?? priceOf(o.symbol));
    }
    if (!working(o)) attachBracket(o);
    return out;
  }

  /** Executes a market order now (split, partial or held as the plan says). */
  function execute(o: FakeOrder, plan: ExecPlan = {}) {
    const info = sym(o.symbol);
    const step = 10 ** -(info?.basePrecision ?? 8);
    const tick = 10 ** -(info?.quotePrecision ?? 8);
    const fraction = plan.fraction ?? 1;
    const fillQty = fraction >= 1 ? o.qty : floorStep(o.qty * fraction, step);
    const qtys = fillQty > 0 ? splitQty(fillQty, plan.weights ?? [1], step) : [];
    const base = plan.price ?? priceOf(o.symbol);
    const dir = o.side === "BUY" ? 1 : -1;
    const priceStep = plan.priceStep ?? tick;
    const parts = qtys.map((qty, i) => ({ qty, price: round8(base + dir * i * priceStep) }));
    const held = Math.max(0, Math.min(plan.held ?? 0, parts.length - 1));
    const now_ = parts.slice(0, parts.length - held);
    const later = parts.slice(parts.length - held);
    if (later.length) heldFills.push({ order: o, parts: later });
    bookParts(o, now_, now(), later.length > 0);
  }

  /** Books and fills an order of the venue's own making (manual trade, TP/SL trigger). */
  function foreignOrder(
    f: {
      symbol: string;
      side: "BUY" | "SELL";
      qty: number;
      clientId?: string;
      reduceOnly?: boolean;
      source: "manual" | "tpsl";
    },
    plan: ExecPlan,
  ): FakeOrder {
    const o: FakeOrder = {
      orderId: nextId(),
      clientId: f.clientId,
      symbol: f.symbol,
      side: f.side,
      orderType: "MARKET",
      qty: f.qty,
      tradeQty: 0,
      reduceOnly: f.reduceOnly === true,
      status: "NEW",
      ctime: now(),
      source: f.source,
    };
    state.orders.push(o);
    execute(o, plan);
    return o;
  }

  // ---- the TP/SL book ----

  function tpslPush(t: FakeTpslOrder, event: "CREATE" | "UPDATE" | "CLOSE") {
    pushPrivate("tpsl", { event, orderId: t.id, ...tpslJson(t, state.pushTimeFormat) });
  }

  function cancelTpsl(t: FakeTpslOrder) {
    t.status = "CANCELED";
    t.mtime = now();
    tpslPush(t, "CLOSE");
  }

  /** Pending TP/SL orders whose position is gone (closed, or removed by a test) are cancelled. */
  function sweepOrphans() {
    for (const t of state.tpsl) {
      if (t.status === "NEW" && !state.positions.some((p) => p.positionId === t.positionId)) {
        cancelTpsl(t);
      }
    }
  }

  function addTpsl(t: Omit<FakeTpslOrder, "id" | "status" | "ctime" | "mtime">): FakeTpslOrder {
    const at = now();
    const order: FakeTpslOrder = { id: nextId(), status: "NEW", ctime: at, mtime: at, ...t };
    state.tpsl.push(order);
    tpslPush(order, "CREATE");
    return order;
  }

  /** The TP/SL order an entry's attached slPrice/tpPrice creates once it stops filling. */
  function attachBracket(o: FakeOrder) {
    if (o.reduceOnly || o.tradeQty <= 0 || (!o.tpPrice && !o.slPrice)) return;
    const pos = state.positions.find((p) => p.symbol === o.symbol);
    if (!pos || (pos.side === "LONG") !== (o.side === "BUY")) return;
    const tp = optNum(o.tpPrice);
    const sl = optNum(o.slPrice);
    addTpsl({
      positionId: pos.positionId,
      symbol: o.symbol,
      kind: "order",
      ...(tp !== undefined
        ? {
          tpPrice: tp,
          tpStopType: o.tpStopType ?? "LAST_PRICE",
          tpOrderType: o.tpOrderType ?? "MARKET",
          tpQty: o.tradeQty,
        }
        : {}),
      ...(sl !== undefined
        ? {
          slPrice: sl,
          slStopType: o.slStopType ?? "LAST_PRICE",
          slOrderType: o.slOrderType ?? "MARKET",
          slQty: o.tradeQty,
        }
        : {}),
      sourceOrderId: o.orderId,
    });
  }

  /** Fires the crossed TP/SL orders of a symbol at its current price. */
  function fireTriggers(symbol: string): FakeTpslOrder[] {
    bookDueCloses();
    sweepOrphans();
    const price = priceOf(symbol);
    const fired: FakeTpslOrder[] = [];
    for (const t of [...state.tpsl]) {
      if (t.symbol !== symbol || t.status !== "NEW") continue;
      const pos = state.positions.find((p) => p.positionId === t.positionId);
      if (!pos) continue;
      const long = pos.side === "LONG";
      const slHit = t.slPrice !== undefined && (long ? price <= t.slPrice : price >= t.slPrice);
      const tpHit = t.tpPrice !== undefined && (long ? price >= t.tpPrice : price <= t.tpPrice);
      if (!slHit && !tpHit) continue;
      const leg = slHit ? "sl" : "tp";
      const trigger = (leg === "sl" ? t.slPrice : t.tpPrice)!;
      t.status = "TRIGGERED";
      t.triggered = leg;
      t.triggerTime = now();
      t.mtime = t.triggerTime;
      const close = {
        tpsl: t,
        due: t.triggerTime + state.tpslFillDelayMs,
        price: state.tpslFillPrice === "trigger" ? trigger : price,
      };
      if (state.tpslFillDelayMs > 0) pendingCloses.push(close);
      else bookClose(close);
      tpslPush(t, "CLOSE");
      fired.push(t);
    }
    return fired;
  }

  /** Books the close of a fired TP/SL on what its position holds then (nothing if it is gone). */
  function bookClose(c: PendingClose) {
    const t = c.tpsl;
    const pos = state.positions.find((p) => p.positionId === t.positionId);
    if (!pos) return;
    const legQty = t.kind === "position" ? pos.qty : (t.triggered === "sl" ? t.slQty : t.tpQty);
    const qty = Math.min(legQty ?? pos.qty, pos.qty);
    const close = foreignOrder(
      {
        symbol: t.symbol,
        side: pos.side === "LONG" ? "SELL" : "BUY",
        qty,
        reduceOnly: true,
        source: "tpsl",
      },
      { price: c.price },
    );
    t.closeOrderId = close.orderId;
  }

  /** Books the delayed TP/SL closes that are due. */
  function bookDueCloses() {
    const at = now();
    for (const c of [...pendingCloses]) {
      if (c.due > at) continue;
      pendingCloses.splice(pendingCloses.indexOf(c), 1);
      bookClose(c);
    }
  }

  function tpslJson(t: FakeTpslOrder, format = state.tpslTimeFormat) {
    const s = (x: number | undefined) => (x === undefined ? null : String(x));
    return {
      id: t.id,
      positionId: t.positionId,
      symbol: t.symbol,
      base: t.symbol.replace(/USDT$/, ""),
      quote: "USDT",
      tpPrice: s(t.tpPrice),
      tpStopType: t.tpStopType ?? null,
      tpOrderType: t.tpOrderType ?? null,
      tpOrderPrice: s(t.tpOrderPrice),
      tpQty: s(t.tpQty),
      slPrice: s(t.slPrice),
      slStopType: t.slStopType ?? null,
      slOrderType: t.slOrderType ?? null,
      slOrderPrice: s(t.slOrderPrice),
      slQty: s(t.slQty),
      status: t.status,
      ctime: timeJson(t.ctime, format),
      mtime: timeJson(t.mtime, format),
      ...(state.tpslTriggerTime === "sent" ? { triggerTime: timeJson(t.triggerTime, format) } : {}),
    };
  }

  /** The TP/SL fields of a request body, as numbers. */
  function tpslLegs(b: Record<string, unknown>) {
    return {
      tpPrice: optNum(b.tpPrice),
      tpStopType: optStr(b.tpStopType),
      tpOrderType: optStr(b.tpOrderType),
      tpOrderPrice: optNum(b.tpOrderPrice),
      tpQty: optNum(b.tpQty),
      slPrice: optNum(b.slPrice),
      slStopType: optStr(b.slStopType),
      slOrderType: optStr(b.slOrderType),
      slOrderPrice: optNum(b.slOrderPrice),
      slQty: optNum(b.slQty),
    };
  }

  /** The venue's trigger-price validation for a position side at the current price. */
  function legsRefusal(
    side: "LONG" | "SHORT",
    legs: { tpPrice?: number; tpStopType?: string; slPrice?: number; slStopType?: string },
    price: number,
  ): Refusal | null {
    if (legs.slPrice !== undefined) {
      const r = triggerRefusal(side, "sl", legs.slPrice, price, legs.slStopType);
      if (r) return r;
    }
    if (legs.tpPrice !== undefined) {
      return triggerRefusal(side, "tp", legs.tpPrice, price, legs.tpStopType);
    }
    return null;
  }

  function qtyRefusal(legs: { tpQty?: number; slQty?: number }, pos: FakePosition) {
    for (const q of [legs.tpQty, legs.slQty]) {
      if (q === undefined) continue;
      if (!(q > 0)) return [10002, "Parameter error: tpQty/slQty must be positive"] as const;
      if (q > pos.qty + 1e-12) {
        return [30038, "TP/SL amount must be less than the size of the position."] as const;
      }
    }
    return null;
  }

  function tpslRoute(p: string, b: Record<string, unknown>, q: URLSearchParams): Response {
    const paging = (list: FakeTpslOrder[]) => {
      const skip = Number(q.get("skip") ?? 0);
      const limit = Math.min(100, Number(q.get("limit") ?? 10));
      return list.slice(skip, skip + limit).map((t) => tpslJson(t));
    };
    const matches = (t: FakeTpslOrder) =>
      (!q.get("symbol") || t.symbol === q.get("symbol")) &&
      (!q.get("positionId") || t.positionId === q.get("positionId"));
    switch (p) {
      case "GET get_pending_orders": {
        sweepOrphans();
        const list = state.tpsl.filter((t) => t.status === "NEW" && matches(t)).reverse();
        return state.tpslPendingShape === "array"
          ? ok(paging(list))
          : ok({ orderList: paging(list), total: String(list.length) });
      }
      case "GET get_history_orders": {
        sweepOrphans();
        const start = q.has("startTime") ? Number(q.get("startTime")) : -Infinity;
        const end = q.has("endTime") ? Number(q.get("endTime")) : Infinity;
        const list = state.tpsl
          .map((t, i) => ({ t, i }))
          .filter(({ t }) => t.status !== "NEW" && matches(t) && t.ctime >= start && t.ctime <= end)
          .sort((a, b) => b.t.mtime - a.t.mtime || b.i - a.i)
          .map(({ t }) => t);
        return ok({ orderList: paging(list), total: String(list.length) });
      }
      case "POST place_order":
      case "POST position/place_order": {
        const whole = p.startsWith("POST position/");
        const rejected = take(tpslRejects);
        if (rejected) return refuse(rejected);
        const s = sym(b.symbol);
        if (!s) return fail(20001, "Market not exists");
        const pos = state.positions.find((x) =>
          x.symbol === s.symbol && x.positionId === String(b.positionId ?? "")
        );
        if (!pos) return fail(30004, "Position not exist");
        const legs = tpslLegs(b);
        if (legs.tpPrice === undefined && legs.slPrice === undefined) {
          return fail(30006, "Please select TP or SL");
        }
        const bad = legsRefusal(pos.side, legs, priceOf(s.symbol));
        if (bad) return refuse(bad);
        if (whole) {
          const existing = state.tpsl.find((t) =>
            t.status === "NEW" && t.kind === "position" && t.positionId === pos.positionId
          );
          if (existing) {
            return fail(10002, "Parameter error: the position already has a position TP/SL order");
          }
          const t = addTpsl({
            positionId: pos.positionId,
            symbol: s.symbol,
            kind: "position",
            ...(legs.tpPrice !== undefined
              ? { tpPrice: legs.tpPrice, tpStopType: legs.tpStopType ?? "LAST_PRICE" }
              : {}),
            ...(legs.slPrice !== undefined
              ? { slPrice: legs.slPrice, slStopType: legs.slStopType ?? "LAST_PRICE" }
              : {}),
          });
          return ok({ orderId: t.id });
        }
        if (legs.tpQty === undefined && legs.slQty === undefined) {
          return fail(10002, "Parameter error: tpQty or slQty is required");
        }
        const tpQty = legs.tpPrice !== undefined ? legs.tpQty ?? legs.slQty : undefined;
        const slQty = legs.slPrice !== undefined ? legs.slQty ?? legs.tpQty : undefined;
        const badQty = qtyRefusal({ tpQty, slQty }, pos);
        if (badQty) return refuse(badQty);
        const t = addTpsl({
          positionId: pos.positionId,
          symbol: s.symbol,
          kind: "order",
          ...(legs.tpPrice !== undefined
            ? {
              tpPrice: legs.tpPrice,
              tpStopType: legs.tpStopType ?? "LAST_PRICE",
              tpOrderType: legs.tpOrderType ?? "MARKET",
              tpOrderPrice: legs.tpOrderPrice,
              tpQty,
            }
            : {}),
          ...(legs.slPrice !== undefined
            ? {
              slPrice: legs.slPrice,
              slStopType: legs.slStopType ?? "LAST_PRICE",
              slOrderType: legs.slOrderType ?? "MARKET",
              slOrderPrice: legs.slOrderPrice,
              slQty,
            }
            : {}),
        });
        return ok({ orderId: t.id });
      }
      case "POST modify_order":
      case "POST position/modify_order": {
        sweepOrphans();
        const whole = p.startsWith("POST position/");
        const pid = String(b.positionId ?? "");
        if (whole) {
          if (!sym(b.symbol)) return fail(20001, "Market not exists");
          if (!state.positions.some((x) => x.positionId === pid && x.symbol === b.symbol)) {
            return fail(30004, "Position not exist");
          }
        }
        const t = whole
          ? state.tpsl.find((x) =>
            x.status === "NEW" && x.kind === "position" && x.positionId === pid
          )
          : state.tpsl.find((x) => x.id === String(b.orderId ?? ""));
        if (!t) return fail(20007, "Order not found, please try it later");
        if (t.status !== "NEW") return fail(30011, "Abnormal order status");
        const legs = tpslLegs(b);
        if (legs.tpPrice === undefined && legs.slPrice === undefined) {
          return fail(30006, "Please select TP or SL");
        }
        const pos = state.positions.find((x) => x.positionId === t.positionId)!;
        const bad = legsRefusal(pos.side, legs, priceOf(t.symbol));
        if (bad) return refuse(bad);
        if (!whole) {
          const badQty = qtyRefusal(legs, pos);
          if (badQty) return refuse(badQty);
        }
        for (const [k, v] of Object.entries(legs)) {
          if (v === undefined) continue;
          if (whole && (k.endsWith("Qty") || k.endsWith("OrderPrice") || k.endsWith("OrderType"))) {
            continue;
          }
          (t as unknown as Record<string, unknown>)[k] = v;
        }
        t.mtime = now();
        tpslPush(t, "UPDATE");
        return ok({ orderId: t.id });
      }
      case "POST cancel_order": {
        const t = state.tpsl.find((x) =>
          x.id === String(b.orderId ?? "") && x.symbol === b.symbol && x.status === "NEW"
        );
        if (!t) return fail(20007, "Order not found, please try it later");
        cancelTpsl(t);
        return ok({ orderId: t.id });
      }
    }
    return json({ code: 10002, msg: `Unknown path /api/v1/futures/tpsl/${p}`, data: null });
  }

  // ---- REST routes ----

  function route(method: string, url: URL, body: Record<string, unknown> | undefined): Response {
    const p = url.pathname;
    const q = url.searchParams;
    const tpslPath = p.match(/^\/api\/v1\/futures\/tpsl\/(.+)$/);
    if (tpslPath) return tpslRoute(`${method} ${tpslPath[1]}`, body ?? {}, q);
    switch (`${method} ${p}`) {
      case "GET /api/v1/futures/market/kline": {
        const symbol = q.get("symbol") ?? "";
        const ivName = q.get("interval") ?? "";
        const ivMs = (INTERVAL_MS as Record<string, number>)[ivName];
        if (!sym(symbol)) return fail(20001, "Market not exists");
        if (!ivMs) return ok([]);
        const limit = Math.min(200, Number(q.get("limit") ?? 100));
        const start = q.has("startTime") ? Number(q.get("startTime")) : undefined;
        const end = q.has("endTime") ? Number(q.get("endTime")) : undefined;
        return ok(
          klinesFor(symbol, ivMs, start, end, limit).map((c) => {
            const v = volumeJson(c.volume, c.close);
            return {
              open: String(c.open),
              high: String(c.high),
              low: String(c.low),
              close: String(c.close),
              time: timeJson(c.ts, state.restTimeFormat),
              quoteVol: v.quote,
              baseVol: v.base,
              type: "LAST_PRICE",
            };
          }),
        );
      }
      case "GET /api/v1/futures/market/tickers": {
        const want = q.get("symbols")?.split(",");
        return ok(
          state.symbols.filter((s) => !want || want.includes(s.symbol)).map((s) => {
            const px = priceOf(s.symbol);
            const v = volumeJson(20, px);
            return {
              symbol: s.symbol,
              markPrice: String(px),
              lastPrice: String(px),
              open: String(px),
              last: String(px),
              quoteVol: v.quote,
              baseVol: v.base,
              high: String(px + 100),
              low: String(px - 100),
            };
          }),
        );
      }
      case "GET /api/v1/futures/market/depth": {
        const px = priceOf(q.get("symbol") ?? "");
        return ok({
          asks: [[String(px + 0.1), "1.5"], [String(px + 0.2), "2"]],
          bids: [[px - 0.1, 1.2], [px - 0.2, 3]],
        });
      }
      case "GET /api/v1/futures/market/trading_pairs": {
        const want = q.get("symbols")?.split(",");
        return ok(
          state.symbols.filter((s) => !want || want.includes(s.symbol)).map((s) => ({
            ...s,
            base: s.symbol.replace(/USDT$/, ""),
            quote: "USDT",
            minLeverage: 1,
            defaultLeverage: 20,
            defaultMarginMode: 1,
            priceProtectScope: "0.02",
          })),
        );
      }
      case "GET /api/v1/futures/account":
        return ok([{
          marginCoin: q.get("marginCoin") ?? "USDT",
          available: String(state.available),
          frozen: "0",
          margin: "0",
          transfer: String(state.available),
          positionMode: state.positionMode,
          crossUnrealizedPNL: "0",
          isolationUnrealizedPNL: "0",
          bonus: "0",
        }]);
      case "GET /api/v1/futures/account/get_leverage_margin_mode":
        if (!sym(q.get("symbol"))) return fail(20001, "Market not exists");
        return ok({
          symbol: q.get("symbol"),
          marginCoin: q.get("marginCoin") ?? "USDT",
          leverage: state.leverage,
          marginMode: state.marginMode,
        });
      case "POST /api/v1/futures/account/change_leverage": {
        const lev = Number(body?.leverage);
        if (!Number.isInteger(lev) || lev < 1 || lev > 125) return fail(20005, "Invalid leverage");
        state.leverage = lev;
        return ok([{ symbol: body?.symbol, leverage: lev, marginCoin: body?.marginCoin }]);
      }
      case "POST /api/v1/futures/account/change_margin_mode": {
        if (state.positions.length || state.orders.some(working)) {
          return fail(20006, "Can't change with open orders or positions");
        }
        const m = body?.marginMode;
        if (m !== "CROSS" && m !== "ISOLATION") return fail(10002, "Parameter error");
        state.marginMode = m;
        return ok(null);
      }
      case "GET /api/v1/futures/position/get_pending_positions":
        return ok(
          state.positions.filter((x) =>
            (!q.get("symbol") || x.symbol === q.get("symbol")) &&
            (!q.get("positionId") || x.positionId === q.get("positionId"))
          ).map((x) => ({
            positionId: x.positionId,
            symbol: x.symbol,
            qty: String(x.qty),
            entryValue: String(round8(x.qty * x.avgOpenPrice)),
            side: x.side,
            marginMode: state.marginMode,
            positionMode: state.positionMode,
            leverage: state.leverage,
            fee: "0",
            funding: "0",
            realizedPNL: "0",
            margin: "10",
            unrealizedPNL: String(
              round8((priceOf(x.symbol) - x.avgOpenPrice) * x.qty * (x.side === "LONG" ? 1 : -1)),
            ),
            liqPrice: "0",
            marginRate: "0.01",
            avgOpenPrice: String(x.avgOpenPrice),
            ctime: timeJson(x.ctime ?? now(), state.restTimeFormat),
            mtime: timeJson(now(), state.restTimeFormat),
          })),
        );
      case "POST /api/v1/futures/trade/place_order": {
        const b = body ?? {};
        const s = sym(b.symbol);
        if (!s) return fail(20001, "Market not exists");
        const clientId = typeof b.clientId === "string" ? b.clientId : undefined;
        if (clientId && state.orders.some((o) => o.clientId === clientId)) {
          return fail(30042, "Client ID duplicate");
        }
        const qty = Number(b.qty);
        const side = b.side;
        const type = b.orderType;
        if (
          !(qty > 0) || (side !== "BUY" && side !== "SELL") ||
          (type !== "MARKET" && type !== "LIMIT") || typeof b.qty !== "string"
        ) return fail(10002, "Parameter error");
        if (qty < Number(s.minTradeVolume)) return fail(30017, "Quantity below minimum");
        if (b.reduceOnly === true) {
          const pos = state.positions.find((x) => x.symbol === s.symbol);
          if (!pos) return fail(30018, "Reduce-only order without position");
          if ((pos.side === "LONG") === (side === "BUY")) {
            return fail(30019, "Reduce-only order in the position's direction");
          }
        }
        // attached TP/SL: the venue validates the triggers against the current price
        const bad = legsRefusal(side === "BUY" ? "LONG" : "SHORT", tpslLegs(b), priceOf(s.symbol));
        if (bad) return refuse(bad);
        const o: FakeOrder = {
          orderId: nextId(),
          clientId,
          symbol: s.symbol,
          side,
          orderType: type,
          qty,
          price: b.price !== undefined ? Number(b.price) : undefined,
          tradeQty: 0,
          reduceOnly: b.reduceOnly === true,
          status: "NEW",
          tpPrice: optStr(b.tpPrice),
          slPrice: optStr(b.slPrice),
          tpStopType: optStr(b.tpStopType),
          slStopType: optStr(b.slStopType),
          tpOrderType: optStr(b.tpOrderType),
          slOrderType: optStr(b.slOrderType),
          ctime: now(),
          source: "api",
        };
        state.orders.push(o);
        if (type === "MARKET") {
          const split = take(splitQueue);
          execute(o, { ...split, fraction: take(partialQueue) });
        }
        return ok({ orderId: o.orderId, clientId: clientId ?? "" });
      }
      case "POST /api/v1/futures/trade/cancel_orders": {
        const list = Array.isArray(body?.orderList)
          ? body.orderList as Record<string, string>[]
          : [];
        const successList: unknown[] = [];
        const failureList: unknown[] = [];
        for (const item of list) {
          const o = state.orders.find((x) =>
            item.orderId ? x.orderId === item.orderId : x.clientId === item.clientId
          );
          if (o && working(o)) {
            cancelOrder(o);
            successList.push({ orderId: o.orderId, clientId: o.clientId ?? "" });
          } else {
            failureList.push({
              orderId: item.orderId ?? "",
              clientId: item.clientId ?? "",
              errorMsg: "Order status error",
              errorCode: "10013",
            });
          }
        }
        return ok({ successList, failureList });
      }
      case "POST /api/v1/futures/trade/cancel_all_orders":
        for (const o of state.orders) {
          if (working(o) && (!body?.symbol || o.symbol === body.symbol)) cancelOrder(o);
        }
        return ok(null);
      case "GET /api/v1/futures/trade/get_pending_orders":
      case "GET /api/v1/futures/trade/get_history_orders": {
        const pending = p.endsWith("get_pending_orders");
        const list = state.orders.filter((o) =>
          (pending ? working(o) : !working(o)) &&
          (!q.get("symbol") || o.symbol === q.get("symbol")) &&
          (!q.get("orderId") || o.orderId === q.get("orderId")) &&
          (!q.get("clientId") || o.clientId === q.get("clientId"))
        ).reverse();
        const skip = Number(q.get("skip") ?? 0);
        const limit = Math.min(100, Number(q.get("limit") ?? 10));
        return ok({
          orderList: list.slice(skip, skip + limit).map(orderJson),
          total: String(list.length),
        });
      }
      case "GET /api/v1/futures/trade/get_order_detail": {
        const id = q.get("orderId");
        const cid = q.get("clientId");
        if (!id && !cid) return fail(10002, "Parameter error");
        const o = state.orders.find((x) => (id ? x.orderId === id : x.clientId === cid));
        return o ? ok(orderJson(o)) : fail(20007, "Order not found");
      }
      case "GET /api/v1/futures/trade/get_history_trades": {
        const start = q.has("startTime") ? Number(q.get("startTime")) : -Infinity;
        const end = q.has("endTime") ? Number(q.get("endTime")) : Infinity;
        const at = now();
        const visible = (t: FakeTrade) =>
          (t.hiddenForQueries ?? 0) <= 0 && (t.visibleAt === undefined || t.visibleAt <= at);
        const list = newestFirst(
          state.trades.filter((t) =>
            (!q.get("symbol") || t.symbol === q.get("symbol")) &&
            (!q.get("orderId") || t.orderId === q.get("orderId")) &&
            t.ctime >= start && t.ctime <= end && visible(t)
          ),
          state.sameMsTradeOrder,
        );
        // every answer brings late trades one query closer to being indexed
        for (const t of state.trades) {
          if (t.hiddenForQueries !== undefined && t.hiddenForQueries > 0) t.hiddenForQueries--;
        }
        const skip = Number(q.get("skip") ?? 0);
        const limit = Math.min(100, Number(q.get("limit") ?? 10));
        return ok({
          tradeList: list.slice(skip, skip + limit).map((t) => ({
            tradeId: t.tradeId,
            orderId: t.orderId,
            symbol: t.symbol,
            qty: String(t.qty),
            positionMode: state.positionMode,
            marginMode: state.marginMode,
            leverage: state.leverage,
            price: String(t.price),
            side: t.side,
            orderType: "MARKET",
            effect: "GTC",
            clientId: t.clientId ?? "",
            reduceOnly: t.reduceOnly,
            fee: String(t.fee),
            realizedPNL: String(t.realizedPNL ?? 0),
            ctime: timeJson(t.ctime, state.restTimeFormat),
            roleType: "TAKER",
          })),
          total: list.length,
        });
      }
    }
    return json({ code: 10002, msg: `Unknown path ${p}`, data: null });
  }

  function cancelOrder(o: FakeOrder) {
    const h = heldFills.findIndex((x) => x.order === o);
    if (h >= 0) heldFills.splice(h, 1);
    o.status = o.tradeQty > 0 ? "PART_FILLED_CANCELED" : "CANCELED";
    o.mtime = now();
    if (o.tradeQty > 0) attachBracket(o);
  }

  // ---- WebSocket ----

  function safeSend(ws: WebSocket, msg: unknown) {
    if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(msg));
  }

  function klinePush(ch: string, symbol: string, ts: number, candle?: Candle) {
    const iv = WS_IV_MS[ch.replace(/^(market|mark)_kline_/, "")];
    if (!iv) return;
    const c = candle ?? state.klineFn(Math.floor(ts / iv) * iv, iv, symbol);
    if (!c) return;
    const v = volumeJson(c.volume, c.close);
    const msg = {
      ch,
      symbol,
      ts,
      data: {
        o: String(c.open),
        h: String(c.high),
        l: String(c.low),
        c: String(c.close),
        b: v.base,
        q: v.quote,
      },
    };
    for (const s of sockets) {
      if (s.kind === "public" && s.subs.has(`${symbol}|${ch}`)) safeSend(s.ws, msg);
    }
  }

  function onWsMessage(s: Sock, raw: string) {
    let m: Record<string, unknown>;
    try {
      m = JSON.parse(raw);
    } catch {
      return;
    }
    wsMessages.push({ kind: s.kind, message: m });
    const args = Array.isArray(m.args) ? m.args as Record<string, unknown>[] : [];
    switch (m.op) {
      case "ping":
        if (!state.ignorePings) {
          safeSend(s.ws, { op: "ping", pong: m.ping, ping: Math.floor(now() / 1000) });
        }
        return;
      case "login": {
        const a = args[0] ?? {};
        const ts = Number(a.timestamp);
        const good = a.apiKey === apiKey && Number.isInteger(ts) &&
          Math.abs(ts * 1000 - now()) <= windowMs &&
          a.sign === sha(sha(String(a.nonce) + String(a.timestamp) + apiKey) + apiSecret);
        s.loggedIn = good;
        safeSend(
          s.ws,
          good
            ? { op: "login", data: { result: true } }
            : { op: "login", code: 10007, msg: "Signature Error", data: { result: false } },
        );
        return;
      }
      case "subscribe":
      case "unsubscribe":
        for (const a of args) {
          const ch = String(a.ch ?? "");
          const key = s.kind === "public" ? `${a.symbol}|${ch}` : ch;
          if (m.op === "subscribe") {
            if (s.kind === "private" && !s.loggedIn) continue;
            s.subs.add(key);
            if (s.kind === "public" && wsSnapshot && ch.includes("_kline_")) {
              klinePush(ch, String(a.symbol), now());
            }
          } else s.subs.delete(key);
        }
        safeSend(s.ws, { op: m.op, data: { result: true } });
    }
  }

  /** Waits until close() (a request the client must give up on). */
  function hangUntilClosed(): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = () => {
        hanging.delete(done);
        resolve();
      };
      hanging.add(done);
    });
  }

  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    async (req) => {
      const url = new URL(req.url);
      if (url.pathname === "/public/" || url.pathname === "/private/") {
        if (req.headers.get("upgrade")?.toLowerCase() !== "websocket") {
          return new Response("expected websocket", { status: 400 });
        }
        const { socket, response } = Deno.upgradeWebSocket(req);
        const s: Sock = {
          ws: socket,
          kind: url.pathname === "/public/" ? "public" : "private",
          subs: new Set(),
          loggedIn: false,
        };
        socket.onopen = () => {
          sockets.add(s);
          safeSend(socket, { op: "connect", data: { result: true } });
        };
        socket.onmessage = (e) => onWsMessage(s, String(e.data));
        socket.onclose = () => sockets.delete(s);
        socket.onerror = () => sockets.delete(s);
        return response;
      }
      const bodyText = req.method === "POST" ? await req.text() : "";
      let body: Record<string, unknown> | undefined;
      if (bodyText) {
        try {
          body = JSON.parse(bodyText);
        } catch {
          body = undefined;
        }
      }
      bookDueCloses();
      const params = Object.fromEntries(url.searchParams.entries());
      const cid = body?.clientId ?? params.clientId;
      requests.push({
        method: req.method,
        path: url.pathname,
        params,
        body,
        clientId: typeof cid === "string" ? cid : undefined,
        timestamp: req.headers.get("timestamp") ?? undefined,
        ts: now(),
      });
      const fault = takeFault(url.pathname);
      if (fault) {
        switch (fault.kind) {
          case "5xx":
            return new Response("upstream unavailable", { status: fault.status ?? 503 });
          case "hang":
            // Released by close(); the client's own timeout is what the test exercises.
            await hangUntilClosed();
            return new Response("gave up", { status: 504 });
          case "code":
            return fail(fault.code ?? 10006, fault.msg ?? "Request too frequently");
          case "malformed":
            return new Response('{"code":0,"msg":"Success","data":[{"open":', {
              headers: { "content-type": "application/json" },
            });
          case "schema":
            return ok([{ bogus: "x" }]);
        }
      }
      const isPrivate = /^\/api\/v1\/futures\/(account|position|trade|tpsl)/.test(url.pathname);
      if (isPrivate) {
        const denied = checkAuth(req, url, bodyText);
        if (denied) return denied;
      }
      if (req.method === "POST" && bodyText && body === undefined) {
        return fail(10002, "Parameter error: body is not JSON");
      }
      const res = route(req.method, url, body);
      const lost = takeLost(url.pathname);
      if (!lost) return res;
      if (lost.mode === "drop") return droppedReply();
      await hangUntilClosed();
      return new Response("gave up", { status: 504 });
    },
  );

  let pushTimer: ReturnType<typeof setInterval> | undefined;
  if (opts.wsPushMs && opts.wsPushMs > 0) {
    pushTimer = setInterval(() => {
      for (const s of sockets) {
        for (const key of s.subs) {
          if (s.kind !== "public" || !key.includes("_kline_")) continue;
          const [symbol, ch] = key.split("|");
          klinePush(ch, symbol, now());
        }
      }
    }, opts.wsPushMs);
  }

  const addr = server.addr as Deno.NetAddr;
  const host = `127.0.0.1:${addr.port}`;
  const add = (f: Fault) => faults.push(f);

  function manualTrade(t: FakeManualTrade): FakeOrder {
    const s = sym(t.symbol);
    if (!s) throw new Error(`Cannot book a manual trade: unknown symbol ${t.symbol}`);
    if (!(t.qty > 0)) throw new Error(`Cannot book a manual trade: qty ${t.qty}`);
    if (t.reduceOnly) {
      const pos = state.positions.find((p) => p.symbol === s.symbol);
      if (!pos || (pos.side === "LONG") === (t.side === "BUY")) {
        throw new Error(`Cannot book a reduce-only manual trade: no opposite ${s.symbol} position`);
      }
    }
    const weights = t.parts === undefined
      ? undefined
      : typeof t.parts === "number"
      ? new Array(Math.max(1, Math.floor(t.parts))).fill(1)
      : t.parts;
    return foreignOrder(
      { ...t, symbol: s.symbol, source: "manual" },
      { price: t.price, weights },
    );
  }

  return {
    baseUrl: `http://${host}`,
    wsUrl: `ws://${host}`,
    apiKey,
    apiSecret,
    state,
    requests,
    wsMessages,
    now,
    requestsTo: (suffix) => requests.filter((r) => r.path.endsWith(suffix)),
    subscribers(ch) {
      let n = 0;
      for (const s of sockets) for (const k of s.subs) if (k === ch || k.endsWith(`|${ch}`)) n++;
      return n;
    },
    openSockets: () => sockets.size,
    pushKline({ ch = "market_kline_1min", symbol = "BTCUSDT", ts, candle }) {
      klinePush(ch, symbol, ts ?? now(), candle);
    },
    setPrice(price, o = {}) {
      if (o.symbol !== undefined) {
        state.prices[o.symbol] = price;
        return fireTriggers(o.symbol);
      }
      state.price = price;
      return state.symbols
        .filter((s) => state.prices[s.symbol] === undefined)
        .flatMap((s) => fireTriggers(s.symbol));
    },
    priceOf,
    pushPrivate,
    releaseHeldFills(orderId) {
      const out: FakeTrade[] = [];
      for (const h of [...heldFills]) {
        if (orderId !== undefined && h.order.orderId !== orderId) continue;
        heldFills.splice(heldFills.indexOf(h), 1);
        out.push(...bookParts(h.order, h.parts, now(), false));
      }
      return out;
    },
    pendingTpsl(symbol) {
      sweepOrphans();
      return state.tpsl.filter((t) => t.status === "NEW" && (!symbol || t.symbol === symbol));
    },
    inject: {
      serverError: (n = 1, o = {}) => add({ kind: "5xx", remaining: n, ...o }),
      hang: (n = 1, o = {}) => add({ kind: "hang", remaining: n, ...o }),
      rateLimit: (n = 1, o = {}) =>
        add({
          kind: "code",
          remaining: n,
          path: o.path,
          code: o.code ?? 10006,
          msg: "Request too frequently",
        }),
      malformed: (n = 1, o = {}) => add({ kind: "malformed", remaining: n, ...o }),
      schemaViolation: (n = 1, o = {}) => add({ kind: "schema", remaining: n, ...o }),
      errorCode: (code, msg, n = 1, o = {}) => add({ kind: "code", remaining: n, code, msg, ...o }),
      rejectNextOrder: (code = 30001, msg = "Order would liquidate immediately") =>
        add({ kind: "code", remaining: 1, code, msg, path: "/trade/place_order" }),
      loseReply: (n = 1, o = {}) =>
        lostReplies.push({ remaining: n, path: o.path, mode: o.mode ?? "hang" }),
      splitFills(parts, n = 1, o = {}) {
        const weights = typeof parts === "number"
          ? new Array(Math.max(1, Math.floor(parts))).fill(1)
          : parts;
        if (!weights.length || weights.some((w) => !(w > 0))) {
          throw new Error(`splitFills: parts must be positive, got ${JSON.stringify(parts)}`);
        }
        splitQueue.push({
          value: { weights, priceStep: o.priceStep, held: o.held ?? 0 },
          remaining: n,
        });
      },
      partialFill(fraction, n = 1) {
        if (!(fraction >= 0 && fraction < 1)) {
          throw new Error(`partialFill: fraction must be in [0, 1), got ${fraction}`);
        }
        partialQueue.push({ value: fraction, remaining: n });
      },
      lateTrade(o = {}) {
        lateQueue.push({ value: o, remaining: o.n ?? 1 });
      },
      manualTrade,
      closePosition(symbol, o = {}) {
        const pos = state.positions.find((p) => p.symbol === symbol);
        if (!pos) throw new Error(`Cannot close: no ${symbol} position at the venue`);
        return manualTrade({
          symbol,
          side: pos.side === "LONG" ? "SELL" : "BUY",
          qty: pos.qty,
          price: o.price,
          reduceOnly: true,
        });
      },
      dropTpsl(symbol) {
        const before = state.tpsl.length;
        state.tpsl = state.tpsl.filter((t) => !(t.symbol === symbol && t.status === "NEW"));
        return before - state.tpsl.length;
      },
      rejectTpsl(code = 30029, n = 1, o = {}) {
        tpslRejects.push({
          value: [code, o.msg ?? "SL price must be less than mark price"],
          remaining: n,
        });
      },
      dropWebSockets() {
        for (const s of [...sockets]) {
          sockets.delete(s);
          try {
            s.ws.close(1012, "fake drop");
          } catch { /* already closing */ }
        }
      },
      clockSkew(ms) {
        state.clockSkewMs = ms;
      },
      clear() {
        faults = [];
        lostReplies = [];
        splitQueue = [];
        partialQueue = [];
        lateQueue = [];
        tpslRejects = [];
      },
    },
    async close() {
      if (pushTimer !== undefined) clearInterval(pushTimer);
      for (const done of [...hanging]) done();
      for (const s of [...sockets]) {
        try {
          s.ws.close(1001, "fake closing");
        } catch { /* ignore */ }
      }
      sockets.clear();
      await server.shutdown();
    },
  };
}

/**
 * A reply cut off after its first bytes: the headers promise more than the body holds, so
 * the client sees the connection end mid-body (a network error, not an answer).
 */
function droppedReply(): Response {
  const head = new TextEncoder().encode('{"code":0,"msg":"Success","data":');
  const body = new ReadableStream<Uint8Array>({
    start(c) {
      c.enqueue(head);
      c.close();
    },
  });
  return new Response(body, {
    headers: { "content-type": "application/json", "content-length": String(head.length + 64) },
  });
}

/** The venue's refusal of a trigger price on the wrong side of the current price, or null. */
function triggerRefusal(
  side: "LONG" | "SHORT",
  leg: "tp" | "sl",
  trigger: number,
  price: number,
  stopType: string | undefined,
): Refusal | null {
  if (!(trigger > 0)) return [30041, "Trigger price must be greater than 0"];
  const last = stopType === "LAST_PRICE";
  const ref = `${last ? "last" : "mark"} price: ${price}`;
  if (side === "LONG") {
    if (leg === "sl" && !(trigger < price)) {
      return [last ? 30028 : 30029, `SL price must be less than ${ref}`];
    }
    if (leg === "tp" && !(trigger > price)) {
      return [last ? 30026 : 30027, `TP price must be greater than ${ref}`];
    }
  } else {
    if (leg === "sl" && !(trigger > price)) {
      return [last ? 30030 : 30031, `SL price must be greater than ${ref}`];
    }
    if (leg === "tp" && !(trigger < price)) {
      return [last ? 30032 : 30033, `TP price must be less than ${ref}`];
    }
  }
  return null;
}

/**
 * Newest first; trades of the same millisecond either by id (highest first) or in the
 * venue's scrambled order: two as oldest first, three or more rotated so that the list
 * is neither ascending nor descending.
 */
function newestFirst(trades: FakeTrade[], order: "scrambled" | "id"): FakeTrade[] {
  const groups = new Map<number, FakeTrade[]>();
  for (const t of trades) {
    const g = groups.get(t.ctime);
    if (g) g.push(t);
    else groups.set(t.ctime, [t]);
  }
  const out: FakeTrade[] = [];
  for (const ts of [...groups.keys()].sort((a, b) => b - a)) {
    const g = groups.get(ts)!; // booking order = ascending id
    if (order === "id" || g.length === 1) out.push(...[...g].reverse());
    else if (g.length === 2) out.push(...g);
    else out.push(...g.slice(1), g[0]);
  }
  return out;
}

/** `total` split by `weights`, each part a multiple of `step` (the last takes the rest). */
function splitQty(total: number, weights: number[], step: number): number[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  const parts: number[] = [];
  let used = 0;
  for (const w of weights.slice(0, -1)) {
    const q = floorStep((total * w) / sum, step);
    if (q <= 0) continue;
    parts.push(q);
    used = round8(used + q);
  }
  const rest = round8(total - used);
  if (rest > 0) parts.push(rest);
  return parts.length ? parts : [total];
}

function floorStep(x: number, step: number): number {
  return round8(Math.floor(x / step + 1e-9) * step);
}

function optNum(v: unknown): number | undefined {
  if (v === undefined || v === null || v === "") return undefined;
  return Number(v);
}

function optStr(v: unknown): string | undefined {
  return v === undefined || v === null || v === "" ? undefined : String(v);
}

function round8(x: number): number {
  return Math.round(x * 1e8) / 1e8;
}

/** A time in the given wire format (null when unknown). */
function timeJson(ms: number | undefined, format: FakeTimeFormat): number | string | null {
  if (ms === undefined) return null;
  if (format === "string") return String(ms);
  if (format === "iso") return new Date(ms).toISOString();
  if (format === "rfc3339") {
    return new Date(ms + 8 * 3_600_000).toISOString().replace(/Z$/, "+08:00");
  }
  return ms;
}
