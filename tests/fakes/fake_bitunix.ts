/**
 * A fake Bitunix futures venue for tests: one `Deno.serve` on 127.0.0.1 (random port)
 * answering the REST endpoints the adapter uses and the `/public/` and `/private/`
 * WebSockets, in the documented wire format (string numbers, newest-first klines,
 * errors as HTTP 200 with a non-zero code). It checks signatures and timestamps, keeps
 * orders, positions and a balance, and has fault injection for chaos tests.
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
}

/** An order the fake keeps. */
export interface FakeOrder {
  orderId: string;
  clientId?: string;
  symbol: string;
  side: "BUY" | "SELL";
  orderType: "MARKET" | "LIMIT";
  qty: number;
  price?: number;
  avgPrice?: number;
  tradeQty: number;
  reduceOnly: boolean;
  status: "NEW" | "FILLED" | "CANCELED";
  tpPrice?: string;
  slPrice?: string;
  tpStopType?: string;
  slStopType?: string;
  ctime: number;
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
}

/** Mutable venue state; tests may read and change it directly. */
export interface FakeState {
  /** Fill price of market orders, last/mark price of tickers. */
  price: number;
  available: number;
  leverage: number;
  marginMode: "CROSS" | "ISOLATION";
  symbols: FakeSymbol[];
  orders: FakeOrder[];
  positions: FakePosition[];
  trades: FakeTrade[];
  /** Server clock offset added to `now()` (Date header, timestamp checks, WS ping). */
  clockSkewMs: number;
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

/** Fault injectors; each affects the next N matching HTTP requests (optionally one path). */
export interface FakeInject {
  /** Next `n` requests answer HTTP `status` (default 503). */
  serverError(n?: number, opts?: { status?: number; path?: string }): void;
  /** Next `n` requests never answer (until the client gives up or the fake closes). */
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
  /** Closes every open WebSocket (clients see a drop). */
  dropWebSockets(): void;
  /** Shifts the server clock by `ms`. */
  clockSkew(ms: number): void;
  /** Removes all pending faults. */
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
  close(): Promise<void>;
}

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

interface Sock {
  ws: WebSocket;
  kind: "public" | "private";
  subs: Set<string>;
  loggedIn: boolean;
}

/** Starts the fake on 127.0.0.1 at a random port. */
export function startFakeBitunix(opts: FakeBitunixOptions = {}): FakeBitunix {
  const apiKey = opts.apiKey ?? "fake-api-key-0123456789";
  const apiSecret = opts.apiSecret ?? "fake-api-secret-SHOULD-NEVER-LEAK-9876";
  const baseNow = opts.now ?? Date.now;
  const windowMs = opts.timestampWindowMs ?? 30_000;
  const wsSnapshot = opts.wsSnapshot ?? true;
  const state: FakeState = {
    price: opts.price ?? 60_000,
    available: 1_000,
    leverage: 10,
    marginMode: "CROSS",
    symbols: [
      {
        symbol: "BTCUSDT",
        minTradeVolume: "0.0001",
        basePrecision: 4,
        quotePrecision: 1,
        maxLeverage: 125,
        symbolStatus: "OPEN",
      },
      {
        symbol: "ETHUSDT",
        minTradeVolume: "0.01",
        basePrecision: 2,
        quotePrecision: 2,
        maxLeverage: 100,
        symbolStatus: "OPEN",
      },
    ],
    orders: [],
    positions: [],
    trades: [],
    clockSkewMs: 0,
    klineFn: (ts, iv) => defaultKline(ts, iv),
    ignorePings: false,
  };
  const now = () => baseNow() + state.clockSkewMs;
  const requests: FakeRequest[] = [];
  const wsMessages: FakeWsMessage[] = [];
  let faults: Fault[] = [];
  const hanging = new Set<() => void>();
  const sockets = new Set<Sock>();
  let seq = 1000;
  const nextId = () => String(++seq);

  const ok = (data: unknown) => json({ code: 0, msg: "Success", data });
  const fail = (code: number, msg: string) => json({ code, msg, data: null });
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

  function checkAuth(req: Request, url: URL, body: string): Response | null {
    const key = req.headers.get("api-key");
    const nonce = req.headers.get("nonce");
    const ts = req.headers.get("timestamp");
    const sign = req.headers.get("sign");
    if (!key) return fail(10003, "Api-key can't be empty");
    if (!nonce || !ts || !sign) return fail(10002, "Parameter error: nonce/timestamp/sign missing");
    if (Math.abs(Number(ts) - now()) > windowMs) {
      return fail(10002, "Parameter error: timestamp outside the accepted window");
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
    const t = now();
    const hi = Math.min(end ?? t + 1, t + 1); // bars that have started
    let lastStart = Math.floor((hi - 1) / ivMs) * ivMs;
    const out: Candle[] = [];
    while (out.length < limit && lastStart >= (start ?? -Infinity) && lastStart >= 0) {
      const c = state.klineFn(lastStart, ivMs, symbol);
      if (c) out.push(c);
      lastStart -= ivMs;
    }
    return out; // newest first, like the venue
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
      positionMode: "ONE_WAY",
      marginMode: state.marginMode,
      leverage: state.leverage,
      fee: "0",
      tpPrice: o.tpPrice ?? null,
      tpStopType: o.tpStopType ?? null,
      slPrice: o.slPrice ?? null,
      slStopType: o.slStopType ?? null,
      ctime: o.ctime,
      mtime: o.ctime,
    };
  }

  function pushPrivate(ch: string, data: unknown) {
    for (const s of sockets) {
      if (s.kind === "private" && s.loggedIn && s.subs.has(ch)) {
        safeSend(s.ws, { ch, ts: now(), data });
      }
    }
  }

  function fill(o: FakeOrder) {
    const price = state.price;
    o.status = "FILLED";
    o.tradeQty = o.qty;
    o.avgPrice = price;
    const t: FakeTrade = {
      tradeId: nextId(),
      orderId: o.orderId,
      clientId: o.clientId,
      symbol: o.symbol,
      side: o.side,
      qty: o.qty,
      price,
      fee: round8(o.qty * price * 0.0006),
      reduceOnly: o.reduceOnly,
      ctime: now(),
    };
    state.trades.push(t);
    const signed = o.side === "BUY" ? o.qty : -o.qty;
    const pos = state.positions.find((p) => p.symbol === o.symbol);
    if (!pos) {
      state.positions.push({
        positionId: nextId(),
        symbol: o.symbol,
        side: signed > 0 ? "LONG" : "SHORT",
        qty: Math.abs(signed),
        avgOpenPrice: price,
        tpPrice: o.tpPrice,
        slPrice: o.slPrice,
      });
    } else {
      const cur = pos.side === "LONG" ? pos.qty : -pos.qty;
      const next = round8(cur + signed);
      if (next === 0) state.positions = state.positions.filter((p) => p !== pos);
      else if (Math.sign(next) === Math.sign(cur)) {
        if (Math.abs(next) > Math.abs(cur)) {
          pos.avgOpenPrice = (pos.avgOpenPrice * Math.abs(cur) + price * Math.abs(signed)) /
            Math.abs(next);
        }
        pos.qty = Math.abs(next);
      } else {
        pos.side = next > 0 ? "LONG" : "SHORT";
        pos.qty = Math.abs(next);
        pos.avgOpenPrice = price;
      }
    }
    pushPrivate("order", {
      event: "CLOSE",
      orderId: o.orderId,
      clientId: o.clientId,
      symbol: o.symbol,
      side: o.side,
      type: o.orderType,
      qty: String(o.qty),
      price: String(price),
      averagePrice: String(price),
      dealAmount: String(o.qty),
      orderStatus: "FILLED",
      reductionOnly: o.reduceOnly,
      fee: String(t.fee),
      ctime: o.ctime,
      mtime: now(),
    });
  }

  function route(method: string, url: URL, body: Record<string, unknown> | undefined): Response {
    const p = url.pathname;
    const q = url.searchParams;
    const sym = (s: unknown) => state.symbols.find((x) => x.symbol === s);
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
          klinesFor(symbol, ivMs, start, end, limit).map((c) => ({
            open: String(c.open),
            high: String(c.high),
            low: String(c.low),
            close: String(c.close),
            time: c.ts,
            quoteVol: String(round8(c.volume * c.close)),
            baseVol: String(c.volume),
            type: "LAST_PRICE",
          })),
        );
      }
      case "GET /api/v1/futures/market/tickers": {
        const want = q.get("symbols")?.split(",");
        return ok(
          state.symbols.filter((s) => !want || want.includes(s.symbol)).map((s) => ({
            symbol: s.symbol,
            markPrice: String(state.price),
            lastPrice: String(state.price),
            open: String(state.price),
            last: String(state.price),
            quoteVol: "1000000",
            baseVol: "20",
            high: String(state.price + 100),
            low: String(state.price - 100),
          })),
        );
      }
      case "GET /api/v1/futures/market/depth":
        return ok({
          asks: [[String(state.price + 0.1), "1.5"], [String(state.price + 0.2), "2"]],
          bids: [[state.price - 0.1, 1.2], [state.price - 0.2, 3]],
        });
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
          positionMode: "ONE_WAY",
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
        if (state.positions.length || state.orders.some((o) => o.status === "NEW")) {
          return fail(20006, "Can't change with open orders or positions");
        }
        const m = body?.marginMode;
        if (m !== "CROSS" && m !== "ISOLATION") return fail(10002, "Parameter error");
        state.marginMode = m;
        return ok(null);
      }
      case "GET /api/v1/futures/position/get_pending_positions":
        return ok(
          state.positions.filter((x) => !q.get("symbol") || x.symbol === q.get("symbol")).map((
            x,
          ) => ({
            positionId: x.positionId,
            symbol: x.symbol,
            qty: String(x.qty),
            entryValue: String(round8(x.qty * x.avgOpenPrice)),
            side: x.side,
            marginMode: state.marginMode,
            positionMode: "ONE_WAY",
            leverage: state.leverage,
            fee: "0",
            funding: "0",
            realizedPNL: "0",
            margin: "10",
            unrealizedPNL: String(
              round8((state.price - x.avgOpenPrice) * x.qty * (x.side === "LONG" ? 1 : -1)),
            ),
            liqPrice: "0",
            marginRate: "0.01",
            avgOpenPrice: String(x.avgOpenPrice),
            ctime: now(),
            mtime: now(),
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
        }
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
          tpPrice: b.tpPrice as string | undefined,
          slPrice: b.slPrice as string | undefined,
          tpStopType: b.tpStopType as string | undefined,
          slStopType: b.slStopType as string | undefined,
          ctime: now(),
        };
        state.orders.push(o);
        if (type === "MARKET") fill(o);
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
          if (o && o.status === "NEW") {
            o.status = "CANCELED";
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
          if (o.status === "NEW" && (!body?.symbol || o.symbol === body.symbol)) {
            o.status = "CANCELED";
          }
        }
        return ok(null);
      case "GET /api/v1/futures/trade/get_pending_orders":
      case "GET /api/v1/futures/trade/get_history_orders": {
        const pending = p.endsWith("get_pending_orders");
        const list = state.orders.filter((o) =>
          (pending ? o.status === "NEW" : o.status !== "NEW") &&
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
        const list = state.trades.filter((t) =>
          (!q.get("symbol") || t.symbol === q.get("symbol")) &&
          (!q.get("orderId") || t.orderId === q.get("orderId")) &&
          t.ctime >= start && t.ctime <= end
        ).reverse();
        const skip = Number(q.get("skip") ?? 0);
        const limit = Math.min(100, Number(q.get("limit") ?? 10));
        return ok({
          tradeList: list.slice(skip, skip + limit).map((t) => ({
            tradeId: t.tradeId,
            orderId: t.orderId,
            symbol: t.symbol,
            qty: String(t.qty),
            positionMode: "ONE_WAY",
            marginMode: state.marginMode,
            leverage: state.leverage,
            price: String(t.price),
            side: t.side,
            orderType: "MARKET",
            effect: "GTC",
            clientId: t.clientId ?? "",
            reduceOnly: t.reduceOnly,
            fee: String(t.fee),
            realizedPNL: "0",
            ctime: t.ctime,
            roleType: "TAKER",
          })),
          total: list.length,
        });
      }
    }
    return json({ code: 10002, msg: `Unknown path ${p}`, data: null });
  }

  function safeSend(ws: WebSocket, msg: unknown) {
    if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(msg));
  }

  function klinePush(ch: string, symbol: string, ts: number, candle?: Candle) {
    const iv = WS_IV_MS[ch.replace(/^(market|mark)_kline_/, "")];
    if (!iv) return;
    const c = candle ?? state.klineFn(Math.floor(ts / iv) * iv, iv, symbol);
    if (!c) return;
    const msg = {
      ch,
      symbol,
      ts,
      data: {
        o: String(c.open),
        h: String(c.high),
        l: String(c.low),
        c: String(c.close),
        b: String(c.volume),
        q: String(round8(c.volume * c.close)),
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
      const params = Object.fromEntries(url.searchParams.entries());
      const cid = body?.clientId ?? params.clientId;
      requests.push({
        method: req.method,
        path: url.pathname,
        params,
        body,
        clientId: typeof cid === "string" ? cid : undefined,
        ts: now(),
      });
      const fault = takeFault(url.pathname);
      if (fault) {
        switch (fault.kind) {
          case "5xx":
            return new Response("upstream unavailable", { status: fault.status ?? 503 });
          case "hang":
            await new Promise<void>((resolve) => {
              const done = () => {
                hanging.delete(done);
                resolve();
              };
              // Released by close(); the client's own timeout is what the test exercises.
              hanging.add(done);
            });
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
      return route(req.method, url, body);
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

function round8(x: number): number {
  return Math.round(x * 1e8) / 1e8;
}
