import { bucketStart, type Candle, type Interval, INTERVAL_MS } from "../../core/candle.ts";
import type { EventSink, LogLevel } from "../../core/events.ts";
import type { FeedCandle, MarketFeed } from "../../core/ports.ts";
import { klineChannel } from "./intervals.ts";
import { fetchKlineRange } from "./kline_pager.ts";
import type { BitunixRestClient } from "./rest_client.ts";
import { mainIssue, wsKlineSchema } from "./schemas.ts";
import { baseVolume } from "./volume.ts";
import { BitunixWsClient, type BitunixWsOptions, type WsPush } from "./ws_client.ts";

/** Diagnostic events of a feed (for the event log); fields never carry credentials. */
export type FeedEventHandler = (event: string, fields: Record<string, unknown>) => void;

/** What a feed went through so far, for a session's stats. */
export interface BitunixFeedCounters {
  /** WebSocket connections lost (0 for the polling feed). */
  readonly disconnects: number;
  /** WebSocket connections ready again after a loss. */
  readonly reconnects: number;
  /** Closed bars emitted by REST catch-ups after a gap (drop, missed polls, a hole). */
  readonly replayedCandles: number;
  /** REST catch-ups that emitted bars (`feed.gap_filled` events). */
  readonly gapFills: number;
  /** WebSocket pushes that failed their schema. */
  readonly schemaFailures: number;
  /** Failed REST reads: warm-up, catch-up, polls. */
  readonly restFailures: number;
  /** Closed WebSocket bars whose REST bar differed (the REST values were used). */
  readonly barsCorrected: number;
  /** Closed WebSocket bars REST could not confirm in time (the pushed values were used). */
  readonly barsUnconfirmed: number;
}

/** Unbounded single-consumer queue behind `candles()`. */
class CandleQueue {
  #items: FeedCandle[] = [];
  #wake?: () => void;
  #ended = false;

  push(c: FeedCandle): void {
    this.#items.push(c);
    this.#wake?.();
  }

  end(): void {
    this.#ended = true;
    this.#wake?.();
  }

  async *drain(): AsyncGenerator<FeedCandle> {
    for (;;) {
      if (this.#items.length) {
        yield this.#items.shift()!;
        continue;
      }
      if (this.#ended) return;
      await new Promise<void>((r) => (this.#wake = r));
      this.#wake = undefined;
    }
  }
}

/** What every closed-bar feed is given. */
interface ClosedBarFeedOptions {
  readonly client: BitunixRestClient;
  readonly symbol: string;
  readonly interval: Interval;
  /** History bars emitted first with live: false (default 0). */
  readonly warmup?: number;
  readonly now?: () => number;
  /** Called with every event below as well (name and fields). */
  readonly onEvent?: FeedEventHandler;
  /**
   * Where the feed's events go (component `bitunix`, fields with `symbol` and `interval`):
   * `feed.disconnected`, `feed.reconnected`, `feed.connect_failed` (WebSocket: `url`
   * without query, `kind`, `reason`, `attempt`, `delayMs`), `feed.gap_filled` (`reason`,
   * `from`, `to` = open times [from, to), `expected`, `count` = bars replayed),
   * `feed.schema_failed` (`ch`, `path`, `issue`), `feed.warmup_failed`,
   * `feed.gap_fill_failed`, `feed.poll_failed`, `feed.error` (`error`).
   */
  readonly events?: EventSink;
}

/** Shared bookkeeping: emit closed bars in order, never twice. */
abstract class ClosedBarFeed implements MarketFeed {
  protected readonly queue = new CandleQueue();
  protected lastEmittedTs?: number;
  protected readonly client: BitunixRestClient;
  protected readonly symbol: string;
  protected readonly interval: Interval;
  protected readonly now: () => number;
  protected readonly warmup: number;
  protected readonly iv: number;
  protected readonly tally = {
    replayedCandles: 0,
    gapFills: 0,
    schemaFailures: 0,
    restFailures: 0,
    barsCorrected: 0,
    barsUnconfirmed: 0,
  };
  readonly #onEvent?: FeedEventHandler;
  readonly #events?: EventSink;
  #iterating = false;

  constructor(opts: ClosedBarFeedOptions) {
    this.client = opts.client;
    this.symbol = opts.symbol;
    this.interval = opts.interval;
    this.now = opts.now ?? Date.now;
    this.warmup = opts.warmup ?? 0;
    this.#onEvent = opts.onEvent;
    this.#events = opts.events;
    this.iv = INTERVAL_MS[opts.interval];
  }

  /** Disconnects, reconnects, replayed candles, gap fills and failures so far (a copy). */
  get counters(): BitunixFeedCounters {
    return { ...this.connection(), ...this.tally };
  }

  /** Disconnects and reconnects of the feed's connection (a feed without one has none). */
  protected connection(): { disconnects: number; reconnects: number } {
    return { disconnects: 0, reconnects: 0 };
  }

  /** Sends an event to the sink (with symbol and interval) and to `onEvent`. */
  protected report(level: LogLevel, event: string, fields: Record<string, unknown>): void {
    const all = { ...fields, symbol: this.symbol, interval: this.interval };
    this.#events?.emit(level, "bitunix", event, all);
    this.#onEvent?.(event, all);
  }

  /** Reports a failed REST read under `event`. */
  protected failed(event: string, e: unknown): void {
    this.tally.restFailures++;
    this.report("warn", event, { error: String((e as Error)?.message ?? e).slice(0, 300) });
  }

  /** Closed candles, oldest first: warm-up history (live: false), then live bars. */
  candles(): AsyncIterable<FeedCandle> {
    if (this.#iterating) throw new Error("candles() may be iterated only once");
    this.#iterating = true;
    this.begin();
    return this.queue.drain();
  }

  abstract close(): Promise<void>;

  /** Starts producing (called once by `candles()`). */
  protected abstract begin(): void;

  /** Emits a bar unless it is not newer than the last one; true when emitted. */
  protected emit(candle: Candle, live: boolean): boolean {
    if (this.lastEmittedTs !== undefined && candle.ts <= this.lastEmittedTs) return false;
    this.lastEmittedTs = candle.ts;
    this.queue.push({ candle, live });
    return true;
  }

  /** Emits warm-up history: the last `warmup` closed bars before `now`. */
  protected async emitWarmup(): Promise<void> {
    if (this.warmup <= 0) return;
    const end = bucketStart(this.now(), this.iv);
    const bars = await fetchKlineRange(this.client, {
      symbol: this.symbol,
      interval: this.interval,
      start: end - this.warmup * this.iv,
      end,
    });
    for (const c of bars) this.emit(c, false);
    if (this.lastEmittedTs === undefined) this.lastEmittedTs = end - this.iv;
  }

  /**
   * Fills closed bars in (lastEmitted, upTo) from REST. Only the bar just before `upTo`
   * counts as live; older ones (missed while disconnected) are emitted with live: false
   * so no order is ever sent on a stale bar.
   */
  protected async fillFromRest(upTo: number, reason: string): Promise<void> {
    if (this.lastEmittedTs === undefined) return;
    const start = this.lastEmittedTs + this.iv;
    if (start >= upTo) return;
    const bars = await fetchKlineRange(this.client, {
      symbol: this.symbol,
      interval: this.interval,
      start,
      end: upTo,
    });
    const expected = Math.round((upTo - start) / this.iv);
    let count = 0;
    for (const c of bars) if (this.emit(c, c.ts === upTo - this.iv)) count++;
    // An ordinary poll brings the one bar that just closed: no gap.
    if (count === 0 || (reason === "poll" && expected === 1)) return;
    this.tally.gapFills++;
    this.tally.replayedCandles += count;
    this.report("info", "feed.gap_filled", { reason, from: start, to: upTo, expected, count });
  }
}

/** Options of BitunixKlineFeed. */
export interface BitunixKlineFeedOptions extends ClosedBarFeedOptions {
  /** WS base URL (BITUNIX_WS_URL); `/public/` is appended. */
  readonly wsUrl?: string;
  /** Heartbeat/reconnect timings and randomness for the WS connection. */
  readonly ws?: Omit<BitunixWsOptions, "kind" | "baseUrl" | "onPush" | "onStatus" | "events">;
  /**
   * How long a closed bar waits for REST to confirm it before it is decided on as pushed
   * (default 2,000 ms of wall time; 0 = never ask).
   */
  readonly confirmMs?: number;
  /** Waits between confirmation attempts (default real timers). */
  readonly sleep?: (ms: number) => Promise<void>;
}

/**
 * Live closed bars from the public `market_kline_<iv>` WebSocket channel. The venue sends
 * no bar-open time and no "closed" flag, so a bar is closed when a push for a newer bucket
 * (floor(ts / interval)) arrives. Its last push misses the bar's last moments (the close,
 * high and low can still move), so before a live bar is emitted the venue's own closed bar
 * is read from REST, within `confirmMs`: a difference is reported (`feed.bar_corrected`)
 * and the REST values are used; when REST cannot confirm in time the pushed values are
 * used and that is reported (`feed.bar_unconfirmed`). After a reconnect (and after
 * warm-up) missed bars are fetched from REST before live ones.
 */
export class BitunixKlineFeed extends ClosedBarFeed {
  readonly #ws: BitunixWsClient;
  #current?: Candle;
  #needSync = true;
  #work: Promise<void> = Promise.resolve();
  #closed = false;
  readonly #confirmMs: number;
  readonly #sleep: (ms: number) => Promise<void>;

  constructor(opts: BitunixKlineFeedOptions) {
    super(opts);
    this.#confirmMs = opts.confirmMs ?? 2_000;
    this.#sleep = opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    this.#ws = new BitunixWsClient({
      ...opts.ws,
      now: opts.ws?.now ?? opts.now,
      baseUrl: opts.wsUrl,
      kind: "public",
      onPush: (p) => this.#enqueue(p),
      onStatus: (status, info) => {
        if (status === "ready" && info.reconnect) {
          // The bar in progress at the drop may have missed updates: drop it and let
          // REST supply every bar that closed meanwhile.
          this.#work = this.#work.then(() => {
            this.#current = undefined;
            this.#needSync = true;
          });
        }
      },
      events: {
        emit: (level, _component, event, fields = {}) => this.report(level, event, fields),
      },
    });
  }

  /** The WebSocket client's own counts. */
  protected override connection(): { disconnects: number; reconnects: number } {
    const { disconnects, reconnects } = this.#ws.counters;
    return { disconnects, reconnects };
  }

  /** Local time of the last WebSocket message (any kind, pongs included), Unix ms. */
  get lastMessageAt(): number | undefined {
    return this.#ws.lastMessageAt;
  }

  /** Stops the feed; pending iteration ends. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#ws.close();
    await this.#work.catch(() => {});
    this.queue.end();
  }

  protected begin(): void {
    this.#work = this.emitWarmup()
      .catch((e) => this.failed("feed.warmup_failed", e))
      .then(() => {
        if (this.#closed) return;
        this.#ws.subscribe([{ symbol: this.symbol, ch: klineChannel(this.interval) }]);
        this.#ws.start();
      });
  }

  #enqueue(p: WsPush): void {
    if (p.ch !== klineChannel(this.interval) || (p.symbol && p.symbol !== this.symbol)) return;
    const parsed = wsKlineSchema.safeParse(p.data);
    if (!parsed.success) {
      const issue = mainIssue(parsed.error);
      this.tally.schemaFailures++;
      this.report("warn", "feed.schema_failed", {
        ch: p.ch,
        path: issue.path,
        issue: issue.message,
      });
      return;
    }
    const k = parsed.data;
    const bar: Candle = {
      ts: bucketStart(p.ts, this.iv),
      open: k.o,
      high: k.h,
      low: k.l,
      close: k.c,
      volume: baseVolume({ base: k.b, quote: k.q }, k.c),
    };
    this.#work = this.#work.then(() => this.#onBar(bar)).catch((e) =>
      this.report("error", "feed.error", { error: String(e?.message ?? e).slice(0, 300) })
    );
  }

  async #onBar(bar: Candle): Promise<void> {
    if (this.#closed) return;
    if (this.#needSync) {
      this.#needSync = false;
      await this.fillFromRest(bar.ts, "sync").catch((e) => this.failed("feed.gap_fill_failed", e));
    }
    const cur = this.#current;
    if (!cur || bar.ts === cur.ts) {
      if (!cur || bar.ts >= cur.ts) this.#current = bar;
      return;
    }
    if (bar.ts < cur.ts) return; // late push for an older bucket
    // Bucket roll-over: `cur` is closed.
    if (this.lastEmittedTs !== undefined && cur.ts > this.lastEmittedTs + this.iv) {
      await this.fillFromRest(cur.ts, "gap").catch((e) => this.failed("feed.gap_fill_failed", e));
    }
    this.emit(await this.#confirmed(cur), true);
    this.#current = bar;
  }

  /** The venue's REST bar for a bar the WebSocket just closed, or the pushed one in time. */
  async #confirmed(pushed: Candle): Promise<Candle> {
    if (this.#confirmMs <= 0) return pushed;
    const started = performance.now();
    for (let attempt = 0;; attempt++) {
      try {
        const bars = await fetchKlineRange(this.client, {
          symbol: this.symbol,
          interval: this.interval,
          start: pushed.ts,
          end: pushed.ts + this.iv,
        });
        const rest = bars.find((b) => b.ts === pushed.ts);
        if (rest) {
          const diff = {
            open: rest.open - pushed.open,
            high: rest.high - pushed.high,
            low: rest.low - pushed.low,
            close: rest.close - pushed.close,
          };
          if (diff.open || diff.high || diff.low || diff.close) {
            this.tally.barsCorrected++;
            this.report("info", "feed.bar_corrected", {
              ts: pushed.ts,
              pushed: {
                open: pushed.open,
                high: pushed.high,
                low: pushed.low,
                close: pushed.close,
              },
              rest: { open: rest.open, high: rest.high, low: rest.low, close: rest.close },
              diff,
            });
          }
          return rest;
        }
      } catch {
        // retried below, within the wait
      }
      const left = this.#confirmMs - (performance.now() - started);
      if (left <= 0 || this.#closed) break;
      await this.#sleep(Math.min(left, 100 * 2 ** attempt));
    }
    this.tally.barsUnconfirmed++;
    this.report("warn", "feed.bar_unconfirmed", {
      ts: pushed.ts,
      waitedMs: Math.round(performance.now() - started),
      message: "REST did not confirm the closed bar in time; deciding on the pushed values",
    });
    return pushed;
  }
}

/** Options of BitunixPollingFeed. */
export interface BitunixPollingFeedOptions extends ClosedBarFeedOptions {
  /** Poll period (default 5 s). */
  readonly pollMs?: number;
}

/**
 * Closed bars by polling REST klines: each poll fetches the bars closed since the last
 * one emitted. A fallback when the WebSocket is unavailable.
 */
export class BitunixPollingFeed extends ClosedBarFeed {
  readonly #pollMs: number;
  #closed = false;
  #timer?: ReturnType<typeof setTimeout>;
  #wake?: () => void;
  #loop?: Promise<void>;
  #lastPollAt?: number;

  constructor(opts: BitunixPollingFeedOptions) {
    super(opts);
    this.#pollMs = opts.pollMs ?? 5_000;
  }

  /** Local time of the last successful poll, Unix ms. */
  get lastMessageAt(): number | undefined {
    return this.#lastPollAt;
  }

  /** Stops polling; pending iteration ends. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#wake?.();
    await this.#loop?.catch(() => {});
    this.queue.end();
  }

  protected begin(): void {
    this.#loop = this.#run();
  }

  async #run(): Promise<void> {
    await this.emitWarmup().catch((e) => this.failed("feed.warmup_failed", e));
    if (this.lastEmittedTs === undefined) {
      this.lastEmittedTs = bucketStart(this.now(), this.iv) - this.iv;
    }
    while (!this.#closed) {
      try {
        await this.fillFromRest(bucketStart(this.now(), this.iv), "poll");
        this.#lastPollAt = this.now();
      } catch (e) {
        this.failed("feed.poll_failed", e);
      }
      if (this.#closed) break;
      await new Promise<void>((r) => {
        this.#wake = r;
        this.#timer = setTimeout(r, this.#pollMs);
      });
    }
  }
}
