import { candleAt, type CandleSeries, type Interval, INTERVAL_MS } from "../core/candle.ts";
import type { FeedCandle, MarketFeed } from "../core/ports.ts";
import { abortableSleep, type Sleep } from "../core/sleep.ts";
import { generateMockCandles } from "./mock_candles.ts";

/** Options of the synthetic live feed. */
export interface MockLiveFeedOptions {
  readonly interval: Interval;
  readonly seed: number;
  /** History candles emitted first with live: false. */
  readonly warmup: number;
  /** How many times faster than real time live candles close (1 = real time). */
  readonly speed: number;
  /** Live candles to produce at most (the session duration usually ends it first). */
  readonly maxLive?: number;
  /** Open time of the first live candle; default: the interval bucket after now. */
  readonly firstLiveTs?: number;
  /** Waits `ms` (injected so tests run on a simulated clock). */
  readonly sleep?: Sleep;
  readonly now?: () => number;
}

/**
 * A built-in synthetic live market: seeded mock candles, history first, then one closed
 * candle every interval / speed of wall time. Lets a session run with no network or keys.
 */
export class MockLiveFeed implements MarketFeed {
  readonly #series: CandleSeries;
  readonly #abort = new AbortController();
  #lastMessageAt: number | undefined;

  constructor(readonly options: MockLiveFeedOptions) {
    const iv = INTERVAL_MS[options.interval];
    const now = (options.now ?? Date.now)();
    const firstLive = options.firstLiveTs ?? Math.floor(now / iv) * iv;
    const total = options.warmup + (options.maxLive ?? 100_000);
    this.#series = generateMockCandles({
      count: total,
      interval: options.interval,
      seed: options.seed,
      startTs: firstLive - options.warmup * iv,
    });
  }

  /** When the feed last delivered a candle (for stale-data checks). */
  get lastMessageAt(): number | undefined {
    return this.#lastMessageAt;
  }

  async *candles(): AsyncIterable<FeedCandle> {
    const o = this.options;
    const sleep = o.sleep ?? abortableSleep;
    const now = o.now ?? Date.now;
    const stepMs = INTERVAL_MS[o.interval] / o.speed;
    const signal = this.#abort.signal;
    for (let i = 0; i < this.#series.length && !signal.aborted; i++) {
      const live = i >= o.warmup;
      if (live) await sleep(stepMs, signal);
      if (signal.aborted) return;
      this.#lastMessageAt = now();
      yield { candle: candleAt(this.#series, i), live };
    }
  }

  close(): Promise<void> {
    this.#abort.abort();
    return Promise.resolve();
  }
}
