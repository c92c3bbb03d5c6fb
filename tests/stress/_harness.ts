/**
 * The high-load harness behind `deno task stress` and its short test: a paper session
 * (source bitunix, the real BitunixKlineFeed) fed by the fake Bitunix WebSocket at a
 * high message rate, with 1-minute candles compressed in wall time (the pushed `ts`
 * jumps one bucket every `bucketMs`), and the dashboard open to `clients` SSE streams.
 *
 * Everything runs on 127.0.0.1, the push loop and the SSE readers are bounded in time,
 * and every socket, server and timer is closed before `runStress` returns.
 */
import { startDashboardServer } from "../../src/app/supervise/dashboard.ts";
import { runSession, type SessionFeed } from "../../src/app/session/session_runner.ts";
import { INTERVAL_MS } from "../../src/core/candle.ts";
import type { FeedCandle } from "../../src/core/ports.ts";
import type { LiveReadModel, LiveUpdate } from "../../src/dashboard/live/read_model.ts";
import { BitunixKlineFeed, BitunixRestClient } from "../../src/exchange/bitunix/mod.ts";
import { defaultKline, startFakeBitunix } from "../fakes/fake_bitunix.ts";
import { sessionConfig, tempWorkspace } from "../app/_session_helpers.ts";

/** Knobs of one stress run. */
export interface StressOptions {
  /** Wall seconds of pushing. */
  readonly seconds: number;
  /** Kline updates pushed per second. */
  readonly rate: number;
  /** SSE clients on `/api/events`. */
  readonly clients: number;
  /** Wall ms per 1-minute bucket (default 150). */
  readonly bucketMs?: number;
  /** Fail when heapUsed (after GC) grows by more than this many MB; omit to only report. */
  readonly heapBoundMb?: number;
  /** Fail when the median latency of the last third exceeds this factor of the first's. */
  readonly lagFactor?: number;
  /** Extra ms allowed on top of the factor (noise on tiny latencies), default 50. */
  readonly lagSlackMs?: number;
  /** Progress lines (default: none). */
  readonly print?: (line: string) => void;
}

/** Memory sample, bytes. */
export interface MemSample {
  readonly rss: number;
  readonly heapUsed: number;
}

/** Figures and verdict of one stress run. */
export interface StressResult {
  readonly seconds: number;
  readonly pushed: number;
  readonly received: number;
  readonly pushedPerSec: number;
  readonly receivedPerSec: number;
  readonly candlesExpected: number;
  readonly candlesProcessed: number;
  /** Closed buckets missing from the pipeline, duplicated, or out of order. */
  readonly candleErrors: string[];
  readonly latencyMs: {
    readonly p50: number;
    readonly p99: number;
    readonly max: number;
    readonly firstThirdP50: number;
    readonly lastThirdP50: number;
  };
  readonly memStart: MemSample;
  readonly memEnd: MemSample;
  readonly gcAvailable: boolean;
  readonly sseUpdates: number[];
  readonly sseResyncs: number;
  readonly modelUpdates: number;
  readonly sessionExitCode: number;
  readonly failures: string[];
}

const SYMBOL = "BTCUSDT";
const CH = "market_kline_1min";
/** Open time of the first live bucket: 2024-03-01T00:00:00Z. */
const T0 = Date.UTC(2024, 2, 1);
const IV = INTERVAL_MS["1m"];

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Resolves with `p`, or rejects when it takes longer than `ms`. */
async function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
  });
  try {
    return await Promise.race([p, late]);
  } finally {
    clearTimeout(timer);
  }
}

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

function median(xs: number[]): number {
  return quantile([...xs].sort((a, b) => a - b), 0.5);
}

/** Runs `gc()` when the runtime exposes it (`--v8-flags=--expose-gc`). */
function collectGarbage(): boolean {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (typeof gc !== "function") return false;
  gc();
  gc();
  return true;
}

function memory(): MemSample {
  const m = Deno.memoryUsage();
  return { rss: m.rss, heapUsed: m.heapUsed };
}

/** Counts messages on the client sockets to `/public/` (the feed's) while installed. */
function countPublicMessages(): { count: () => number; restore: () => void } {
  const Original = globalThis.WebSocket;
  let n = 0;
  class Counting extends Original {
    constructor(url: string | URL, protocols?: string | string[] | WebSocketOptions) {
      super(url, protocols);
      if (String(url).endsWith("/public/")) this.addEventListener("message", () => n++);
    }
  }
  globalThis.WebSocket = Counting;
  return { count: () => n, restore: () => void (globalThis.WebSocket = Original) };
}

/** Wraps a feed to record each candle handed to the session. */
function recordingFeed(inner: BitunixKlineFeed, seen: FeedCandle[]): SessionFeed {
  return {
    get lastMessageAt() {
      return inner.lastMessageAt;
    },
    async *candles() {
      for await (const fc of inner.candles()) {
        seen.push(fc);
        yield fc;
      }
    },
    close: () => inner.close(),
  };
}

/** One SSE reader: counts `update` and `resync` events until aborted. */
async function sseClient(
  url: string,
  signal: AbortSignal,
  counts: { updates: number; resyncs: number },
): Promise<void> {
  const u = new URL("api/events", url);
  const res = await fetch(u, { headers: { host: u.host, accept: "text/event-stream" }, signal });
  if (!res.ok || !res.body) {
    await res.body?.cancel();
    throw new Error(`SSE ${u} answered ${res.status}`);
  }
  const reader = res.body.getReader();
  const onAbort = () => void reader.cancel().catch(() => {});
  signal.addEventListener("abort", onAbort, { once: true });
  const dec = new TextDecoder();
  let tail = "";
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      const lines = (tail + dec.decode(value, { stream: true })).split("\n");
      tail = lines.pop()!;
      for (const l of lines) {
        if (l === "event: update") counts.updates++;
        else if (l === "event: resync") counts.resyncs++;
      }
    }
  } catch (e) {
    if (!signal.aborted) throw e;
  } finally {
    signal.removeEventListener("abort", onAbort);
    reader.releaseLock();
  }
}

/** Runs one stress session; never throws for a failed criterion (see `failures`). */
export async function runStress(opts: StressOptions): Promise<StressResult> {
  const print = opts.print ?? (() => {});
  const bucketMs = opts.bucketMs ?? 150;
  const lagFactor = opts.lagFactor ?? 2;
  const lagSlackMs = opts.lagSlackMs ?? 50;
  const failures: string[] = [];

  const gcAvailable = collectGarbage();
  const memStart = memory();

  const ws = await tempWorkspace();
  let vnow = T0; // the fake venue's (compressed) clock: the ts of the latest push
  const fake = startFakeBitunix({ now: () => vnow, wsSnapshot: false });
  const counter = countPublicMessages();
  const stop = new AbortController();
  const sseStop = new AbortController();
  let session: Promise<{ exitCode: number }> | undefined;
  const sseTasks: Promise<void>[] = [];
  try {
    const config = sessionConfig(ws, [
      "--source",
      "bitunix",
      "--execution-mode",
      "paper",
      "--async",
      "--dashboard",
      "--port",
      "0",
      "--duration",
      String(Math.ceil(opts.seconds / 60) + 5),
    ]);
    const client = new BitunixRestClient({ baseUrl: fake.baseUrl, rateLimit: false });
    const inner = new BitunixKlineFeed({
      client,
      symbol: SYMBOL,
      interval: "1m",
      wsUrl: fake.wsUrl,
      warmup: config.warmup,
      now: () => vnow,
      ws: { now: Date.now },
    });
    const handed: FeedCandle[] = [];
    const feed = recordingFeed(inner, handed);

    // decisions: the risk agent's step record per candle; closed candles in pipeline order
    const decidedAt = new Map<number, number>();
    const processed: number[] = [];
    let modelUpdates = 0;
    const onUpdate = (u: LiveUpdate) => {
      modelUpdates++;
      if (u.type === "candle") processed.push(u.candle.ts);
      else if (
        u.type === "log" && u.record.event === "agent.step" &&
        (u.record as Record<string, unknown>).agent === "risk"
      ) {
        decidedAt.set(Number((u.record as Record<string, unknown>).candleTs), performance.now());
      }
    };
    let dashboardUrl: string | undefined;
    session = runSession(config, {
      feed,
      stop: stop.signal,
      print: () => {},
      onDashboard: (url) => (dashboardUrl = url),
      startDashboard: (model: LiveReadModel) => {
        model.subscribe(onUpdate);
        return startDashboardServer({
          port: 0,
          host: "127.0.0.1",
          readModel: model,
          runsDir: config.runsDir,
          logsDir: config.logsDir,
          killSwitchPath: config.killSwitchPath,
          print: () => {},
        });
      },
    });
    session.catch(() => {}); // awaited below; keep an early failure from going unhandled

    // ready: dashboard up, feed subscribed, warm-up through the pipeline
    const readyBy = performance.now() + 15_000;
    while (
      dashboardUrl === undefined || fake.subscribers(CH) < 1 ||
      processed.length < Math.min(config.warmup, handed.length) ||
      handed.length < config.warmup
    ) {
      if (performance.now() > readyBy) throw new Error("session did not get ready within 15 s");
      await sleep(10);
    }
    const url = dashboardUrl;
    const sse = Array.from({ length: opts.clients }, () => ({ updates: 0, resyncs: 0 }));
    for (const c of sse) sseTasks.push(sseClient(url, sseStop.signal, c));
    await sleep(200); // let the streams connect
    print(
      `ready: warm-up ${config.warmup} candles, dashboard ${url}, ${opts.clients} SSE clients`,
    );

    // push loop: `rate` updates/s; the bucket advances at most one per tick, so every
    // bucket gets updates and closes by roll-over (never by a REST gap fill)
    const pushAt = new Map<number, number>(); // closed bucket ts -> first push of the next
    let pushed = 0;
    let bucket = 0;
    let inBucket = 0;
    const received0 = counter.count();
    const t0 = performance.now();
    const endAt = t0 + opts.seconds * 1000;
    const maxBatch = Math.max(1, Math.ceil(opts.rate / 20));
    for (;;) {
      const now = performance.now();
      if (now >= endAt) break;
      const elapsed = now - t0;
      const wantBucket = Math.min(bucket + 1, Math.floor(elapsed / bucketMs));
      const due = Math.min(maxBatch, Math.floor((opts.rate * elapsed) / 1000) - pushed);
      for (let i = 0; i < Math.max(due, wantBucket > bucket ? 1 : 0); i++) {
        if (i === 0 && wantBucket > bucket) {
          pushAt.set(T0 + bucket * IV, performance.now());
          bucket = wantBucket;
          inBucket = 0;
        }
        const bts = T0 + bucket * IV;
        const base = defaultKline(bts, IV);
        const wiggle = ((inBucket % 11) - 5) * 0.5;
        const close = Math.round((base.close + wiggle) * 100) / 100;
        vnow = bts + Math.min(IV - 1, inBucket * 10);
        fake.pushKline({
          ch: CH,
          symbol: SYMBOL,
          ts: vnow,
          candle: {
            ...base,
            high: Math.max(base.high, close),
            low: Math.min(base.low, close),
            close,
            volume: base.volume + inBucket * 0.001,
          },
        });
        inBucket++;
        pushed++;
      }
      await sleep(due >= maxBatch ? 0 : 2);
    }
    const pushSeconds = (performance.now() - t0) / 1000;
    const candlesExpected = bucket; // buckets 0..bucket-1 rolled over; `bucket` is open
    print(`pushed ${pushed} updates over ${pushSeconds.toFixed(1)} s, ${bucket} buckets closed`);

    // drain: every closed bucket decided (bounded wait)
    const lastTs = T0 + (candlesExpected - 1) * IV;
    const drainBy = performance.now() + 10_000;
    while (candlesExpected > 0 && !decidedAt.has(lastTs) && performance.now() < drainBy) {
      await sleep(10);
    }
    await sleep(100);
    const received = counter.count() - received0;
    print(`drained: ${processed.filter((ts) => ts >= T0).length} live candles decided`);

    // candles: each closed bucket reached the pipeline once, in order, live
    const live = processed.filter((ts) => ts >= T0);
    const candleErrors: string[] = [];
    for (let i = 0; i < Math.max(live.length, candlesExpected); i++) {
      const want = T0 + i * IV;
      if (live[i] !== want) {
        candleErrors.push(
          `position ${i}: expected bucket ${new Date(want).toISOString()}, got ${
            live[i] === undefined ? "nothing" : new Date(live[i]).toISOString()
          }`,
        );
        if (candleErrors.length >= 5) break;
      }
    }
    const notLive = handed.filter((fc) => fc.candle.ts >= T0 && !fc.live).length;
    if (notLive > 0) candleErrors.push(`${notLive} bucket(s) reached the session as not live`);

    // latency: first push of the next bucket -> risk decision on the closed one
    const lat: number[] = [];
    for (let i = 0; i < candlesExpected; i++) {
      const ts = T0 + i * IV;
      const a = pushAt.get(ts);
      const b = decidedAt.get(ts);
      if (a !== undefined && b !== undefined) lat.push(b - a);
    }
    const sorted = [...lat].sort((a, b) => a - b);
    const third = Math.floor(lat.length / 3);
    const latencyMs = {
      p50: quantile(sorted, 0.5),
      p99: quantile(sorted, 0.99),
      max: sorted.at(-1) ?? NaN,
      firstThirdP50: median(lat.slice(0, third)),
      lastThirdP50: median(lat.slice(lat.length - third)),
    };

    collectGarbage();
    const memEnd = memory();

    // stop: readers first, then the session (closes the dashboard and the feed)
    sseStop.abort();
    await within(Promise.allSettled(sseTasks), 5_000, "SSE readers to stop");
    print("SSE clients closed");
    stop.abort();
    const result = await within(session, 15_000, "the session to stop");
    print("session stopped");

    // verdict
    if (candleErrors.length > 0) {
      failures.push(`lost, duplicated or reordered candles: ${candleErrors.join("; ")}`);
    }
    if (live.length !== candlesExpected) {
      failures.push(`candles: expected ${candlesExpected}, pipeline processed ${live.length}`);
    }
    if (third > 0 && latencyMs.lastThirdP50 > lagFactor * latencyMs.firstThirdP50 + lagSlackMs) {
      failures.push(
        `lag keeps growing: last-third p50 ${latencyMs.lastThirdP50.toFixed(1)} ms > ` +
          `${lagFactor} x first-third p50 ${
            latencyMs.firstThirdP50.toFixed(1)
          } ms + ${lagSlackMs} ms`,
      );
    }
    const heapGrowthMb = (memEnd.heapUsed - memStart.heapUsed) / 2 ** 20;
    if (opts.heapBoundMb !== undefined && heapGrowthMb > opts.heapBoundMb) {
      failures.push(
        `heapUsed grew ${heapGrowthMb.toFixed(1)} MB (bound ${opts.heapBoundMb} MB after GC)`,
      );
    }
    const silent = sse.filter((c) => c.updates === 0).length;
    if (silent > 0) failures.push(`${silent} SSE client(s) received no update`);
    if (result.exitCode !== 0) failures.push(`session exit code ${result.exitCode}`);

    return {
      seconds: pushSeconds,
      pushed,
      received,
      pushedPerSec: pushed / pushSeconds,
      receivedPerSec: received / pushSeconds,
      candlesExpected,
      candlesProcessed: live.length,
      candleErrors,
      latencyMs,
      memStart,
      memEnd,
      gcAvailable,
      sseUpdates: sse.map((c) => c.updates),
      sseResyncs: sse.reduce((s, c) => s + c.resyncs, 0),
      modelUpdates,
      sessionExitCode: result.exitCode,
      failures,
    };
  } finally {
    sseStop.abort();
    await Promise.allSettled(sseTasks);
    stop.abort();
    await session?.catch(() => {});
    counter.restore();
    await fake.close();
    await ws.cleanup();
  }
}

const mb = (b: number) => `${(b / 2 ** 20).toFixed(1)} MB`;

/** The summary block printed by `deno task stress`. */
export function formatSummary(r: StressResult, opts: StressOptions): string {
  const s = [...r.sseUpdates].sort((a, b) => a - b);
  const lines = [
    "==================== STRESS SUMMARY ====================",
    `duration          ${r.seconds.toFixed(1)} s pushing, ${opts.clients} SSE clients, ` +
    `bucket every ${opts.bucketMs ?? 150} ms`,
    `kline updates     pushed ${r.pushed} (${r.pushedPerSec.toFixed(0)}/s), ` +
    `feed socket received ${r.received} (incl. pongs) (${r.receivedPerSec.toFixed(0)}/s)`,
    `candles           expected ${r.candlesExpected}, processed ${r.candlesProcessed}, ` +
    `errors ${r.candleErrors.length}`,
    `close->decision   p50 ${r.latencyMs.p50.toFixed(1)} ms, p99 ${
      r.latencyMs.p99.toFixed(1)
    } ms, max ${r.latencyMs.max.toFixed(1)} ms`,
    `lag trend         first-third p50 ${r.latencyMs.firstThirdP50.toFixed(1)} ms, ` +
    `last-third p50 ${r.latencyMs.lastThirdP50.toFixed(1)} ms (fail if last > ` +
    `${opts.lagFactor ?? 2} x first + ${opts.lagSlackMs ?? 50} ms)`,
    `memory start      rss ${mb(r.memStart.rss)}, heapUsed ${mb(r.memStart.heapUsed)}`,
    `memory end        rss ${mb(r.memEnd.rss)}, heapUsed ${mb(r.memEnd.heapUsed)} ` +
    `(growth ${mb(r.memEnd.heapUsed - r.memStart.heapUsed)}; bound ${
      opts.heapBoundMb ?? "none"
    } MB${r.gcAvailable ? " after GC" : ", GC not exposed"})`,
    `SSE updates       per client min ${s[0] ?? 0}, median ${s[Math.floor(s.length / 2)] ?? 0}, ` +
    `max ${s.at(-1) ?? 0}; model published ${r.modelUpdates}; resyncs ${r.sseResyncs}`,
    `session exit      ${r.sessionExitCode}`,
    ...r.failures.map((f) => `FAIL: ${f}`),
    r.failures.length === 0 ? "STRESS: PASS" : "STRESS: FAIL",
    "========================================================",
  ];
  return lines.join("\n");
}
