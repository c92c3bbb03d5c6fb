/**
 * The venue side of the crash chaos test: a compressed market clock that the fake
 * Bitunix's kline WebSocket follows, and a loopback REST proxy in front of the fake
 * that answers klines from that clock and can hold a place_order answer (the order is
 * booked and filled at the fake, the agent has not heard back yet).
 *
 * Why a proxy: the fake's REST auth, trade times and order times must stay on the real
 * clock (the agent signs with `Date.now()` and reads fills "since start"), while the
 * agent's candles must close every fraction of a second. The WebSocket kline feed closes
 * a bar when a push for a newer bucket arrives, and the bucket comes from the push's
 * `ts`, so the pushes carry market time; REST klines (warm-up, gap fill after a restart)
 * come from the same market clock through this proxy. Everything else goes to the fake.
 */
import { bucketStart, type Candle } from "../../src/core/candle.ts";
import { type FakeBitunix, type FakeBitunixOptions, startFakeBitunix } from "./fake_bitunix.ts";

const MIN = 60_000;

/** Deterministic 1m candles: a wave plus seeded per-bar noise, so EMA crosses happen often. */
export function chaosKline(seed: number): (ts: number) => Candle {
  const noise = (i: number) => {
    let h = (Math.imul(i, 0x9e3779b1) ^ seed) >>> 0;
    h = Math.imul(h ^ (h >>> 15), 0x85ebca6b) >>> 0;
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
    return ((h ^ (h >>> 16)) >>> 0) / 4294967296 - 0.5;
  };
  const level = (i: number) => 60_000 + 100 * Math.sin(i / 3) + 400 * noise(i);
  return (ts) => {
    const i = Math.floor(ts / MIN);
    const open = level(i);
    const close = level(i + 1);
    const r2 = (x: number) => Math.round(x * 10) / 10;
    return {
      ts,
      open: r2(open),
      high: r2(Math.max(open, close) + 15),
      low: r2(Math.min(open, close) - 15),
      close: r2(close),
      volume: 1 + (i % 11),
    };
  };
}

/** Market time that runs only while not frozen, pushed to the fake's WS subscribers. */
export interface MarketClock {
  /** Current market time, Unix ms. */
  now(): number;
  /** Open time of the newest closed 1m bar. */
  lastClosed(): number;
  /** Stops market time (pushes go on for the same bar, so no bar closes). */
  freeze(): void;
  resume(): void;
  /** While frozen: moves market time to the next bar boundary (closes one bar). */
  stepBar(): void;
  close(): void;
}

/**
 * Starts the market clock at `start` (a bar boundary) advancing one 1m bar every
 * `msPerBar` of wall time in `ticksPerBar` steps; each tick pushes the current bar on
 * `market_kline_1min` and sets the fake's fill price to the newest closed bar's close.
 */
export function startMarketClock(
  fake: FakeBitunix,
  kline: (ts: number) => Candle,
  o: { start: number; msPerBar: number; ticksPerBar: number },
): MarketClock {
  let t = o.start;
  let frozen = false;
  const step = MIN / o.ticksPerBar;
  const push = () => {
    const bar = bucketStart(t, MIN);
    fake.state.price = kline(bar - MIN).close;
    fake.pushKline({ ts: t, candle: kline(bar) });
  };
  const timer = setInterval(() => {
    if (!frozen) t += step;
    push();
  }, o.msPerBar / o.ticksPerBar);
  return {
    now: () => t,
    lastClosed: () => bucketStart(t, MIN) - MIN,
    freeze: () => {
      frozen = true;
    },
    resume: () => {
      frozen = false;
    },
    stepBar: () => {
      t = bucketStart(t, MIN) + MIN + step / 2;
      push();
    },
    close: () => clearInterval(timer),
  };
}

/** A place_order whose answer the proxy holds back. */
export interface HeldOrder {
  readonly clientId: string;
  /** The fake's answer (the order is already booked and filled there). */
  readonly answer: string;
}

/** The REST proxy the agent talks to (BITUNIX_BASE_URL). */
export interface ChaosProxy {
  readonly baseUrl: string;
  /** Holds the answers of the next `n` place_order requests for `ms` each. */
  holdNextOrders(n: number, ms: number): void;
  /** Orders whose answer is being held right now. */
  readonly held: ReadonlySet<HeldOrder>;
  /** How many answers were held in total. */
  heldCount(): number;
  close(): Promise<void>;
}

/** Starts the proxy on 127.0.0.1 in front of `fake`, serving klines from `clock`. */
export function startChaosProxy(
  fake: FakeBitunix,
  clock: MarketClock,
  kline: (ts: number) => Candle,
): ChaosProxy {
  let toHold = 0;
  let holdMs = 0;
  let total = 0;
  const held = new Set<HeldOrder>();
  const timers = new Set<{ id?: ReturnType<typeof setTimeout>; done: () => void }>();
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const url = new URL(req.url);
    if (url.pathname === "/api/v1/futures/market/kline") return klines(url);
    const body = req.method === "POST" ? await req.text() : undefined;
    const headers = new Headers(req.headers);
    headers.delete("host");
    const res = await fetch(`${fake.baseUrl}${url.pathname}${url.search}`, {
      method: req.method,
      headers,
      body,
    });
    const text = await res.text();
    const answer = () =>
      new Response(text, {
        status: res.status,
        headers: {
          "content-type": res.headers.get("content-type") ?? "application/json",
          ...(res.headers.has("date") ? { date: res.headers.get("date")! } : {}),
        },
      });
    if (!url.pathname.endsWith("/trade/place_order") || toHold <= 0) return answer();
    toHold--;
    total++;
    const h: HeldOrder = {
      clientId: String(JSON.parse(body ?? "{}").clientId ?? ""),
      answer: text,
    };
    held.add(h);
    await new Promise<void>((resolve) => {
      const t: { id?: ReturnType<typeof setTimeout>; done: () => void } = {
        done: () => {
          clearTimeout(t.id);
          timers.delete(t);
          resolve();
        },
      };
      t.id = setTimeout(t.done, holdMs);
      timers.add(t);
    });
    held.delete(h);
    return answer();
  });

  function klines(url: URL): Response {
    const q = url.searchParams;
    const limit = Math.min(200, Number(q.get("limit") ?? 100));
    const start = q.has("startTime") ? Number(q.get("startTime")) : -Infinity;
    const end = q.has("endTime") ? Number(q.get("endTime")) : Infinity;
    const hi = Math.min(end, clock.now() + 1);
    const out = [];
    for (let ts = bucketStart(hi - 1, MIN); out.length < limit && ts >= start; ts -= MIN) {
      const c = kline(ts);
      out.push({
        open: String(c.open),
        high: String(c.high),
        low: String(c.low),
        close: String(c.close),
        time: c.ts,
        quoteVol: String(c.volume * c.close),
        baseVol: String(c.volume),
        type: "LAST_PRICE",
      });
    }
    // like every venue answer, it carries the venue's clock (skew included)
    return Response.json({ code: 0, msg: "Success", data: out }, {
      headers: { date: new Date(fake.now()).toUTCString() },
    });
  }

  return {
    baseUrl: `http://127.0.0.1:${(server.addr as Deno.NetAddr).port}`,
    holdNextOrders(n, ms) {
      toHold = n;
      holdMs = ms;
    },
    held,
    heldCount: () => total,
    async close() {
      for (const t of [...timers]) t.done();
      await server.shutdown();
    },
  };
}

/** A fake venue whose 1m bars close every `msPerBar` of wall time, for CLI live sessions. */
export interface FastMarket {
  readonly fake: FakeBitunix;
  readonly clock: MarketClock;
  readonly proxy: ChaosProxy;
  /** What a CLI run needs to trade there (URLs and keys). */
  readonly env: Record<string, string>;
  close(): Promise<void>;
}

/**
 * Starts the fake Bitunix with a compressed market clock and the kline proxy in front of
 * it: `--source bitunix --async --interval 1m` sessions see a bar close every `msPerBar`.
 */
export function startFastMarket(
  o: { seed?: number; msPerBar?: number; fake?: FakeBitunixOptions } = {},
): FastMarket {
  const seed = o.seed ?? 20240301;
  // no real-time snapshot on subscribe: every push carries market time
  const fake = startFakeBitunix({ ...o.fake, wsSnapshot: false });
  const kline = chaosKline(seed);
  fake.state.klineFn = (ts) => kline(ts);
  const clock = startMarketClock(fake, kline, {
    start: bucketStart(Date.now(), MIN),
    msPerBar: o.msPerBar ?? 200,
    ticksPerBar: 8,
  });
  const proxy = startChaosProxy(fake, clock, kline);
  return {
    fake,
    clock,
    proxy,
    env: {
      BITUNIX_BASE_URL: proxy.baseUrl,
      BITUNIX_WS_URL: fake.wsUrl,
      BITUNIX_API_KEY: fake.apiKey,
      BITUNIX_API_SECRET: fake.apiSecret,
    },
    async close() {
      clock.close();
      await proxy.close();
      await fake.close();
    },
  };
}
