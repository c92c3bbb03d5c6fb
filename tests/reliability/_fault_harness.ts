/**
 * Runs one live session in process against the fake Bitunix with a fault injected at a
 * chosen live candle, and collects what the tests check: the session result, the system
 * log, the retries the REST client made, the live journal and the venue's state.
 */
import type { FeedCandle, MarketFeed } from "../../src/core/ports.ts";
import { liveJournalPath } from "../../src/app/session/live_journal.ts";
import { runSession, type SessionResult } from "../../src/app/session/session_runner.ts";
import {
  BitunixExchange,
  BitunixRestClient,
  type BitunixRestOptions,
} from "../../src/exchange/bitunix/mod.ts";
import { type FakeBitunix, startFakeBitunix } from "../fakes/fake_bitunix.ts";
import {
  fastMockFeed,
  QUICK_TRADES,
  readJsonl,
  type Rec,
  sessionConfig,
  tapFeed,
  tempWorkspace,
  type Workspace,
} from "../app/_session_helpers.ts";

/** Live session flags that trade often on few candles. */
export const FAST_LIVE_ARGS = ["--source", "bitunix", "--execution-mode", "live", ...QUICK_TRADES];

/** One retry the REST client reported. */
export interface RetryInfo {
  endpoint: string;
  attempt: number;
  delayMs: number;
  error: string;
}

/** What a faulted session left behind. */
export interface FaultRun {
  readonly result: SessionResult;
  readonly system: Rec[];
  readonly retries: RetryInfo[];
  readonly sleeps: number[];
  readonly journal: Rec;
  readonly fake: FakeBitunix;
  readonly ws: Workspace;
  readonly lines: string[];
  readonly elapsedMs: number;
}

/** Options of `runFaultSession`. */
export interface FaultSessionOptions {
  /** Called before each candle reaches the session (liveIndex -1 for warm-up). */
  before?: (fake: FakeBitunix, liveIndex: number, fc: FeedCandle, stop: () => void) => void;
  /** Live candles of the mock feed (default 60). */
  maxLive?: number;
  /** REST client overrides (timeouts, retry policy). */
  client?: Partial<BitunixRestOptions>;
  /** Wraps the (tapped) mock feed, e.g. to duplicate candles. */
  wrapFeed?: (feed: MarketFeed) => MarketFeed;
}

/**
 * Runs the session; the fake and the workspace stay open for the caller's assertions and
 * are closed by `dispose()`.
 */
export async function runFaultSession(
  opts: FaultSessionOptions = {},
): Promise<FaultRun & { dispose(): Promise<void> }> {
  const ws = await tempWorkspace();
  const fake = startFakeBitunix({ price: 60_000 });
  const retries: RetryInfo[] = [];
  const sleeps: number[] = [];
  const lines: string[] = [];
  const dispose = async () => {
    await fake.close();
    await ws.cleanup();
  };
  try {
    const client = new BitunixRestClient({
      baseUrl: fake.baseUrl,
      apiKey: fake.apiKey,
      apiSecret: fake.apiSecret,
      rateLimit: false,
      sleep: (ms) => {
        sleeps.push(ms);
        return Promise.resolve();
      },
      onRetry: (i) => retries.push(i),
      ...opts.client,
    });
    const config = sessionConfig(ws, FAST_LIVE_ARGS);
    const stop = new AbortController();
    let feed: MarketFeed = tapFeed(
      fastMockFeed(config, { maxLive: opts.maxLive ?? 60 }),
      (fc, i) => {
        fake.state.price = fc.candle.close;
        opts.before?.(fake, i, fc, () => stop.abort());
      },
    );
    if (opts.wrapFeed) feed = opts.wrapFeed(feed);
    const t0 = performance.now();
    const result = await runSession(config, {
      feed,
      liveExchange: new BitunixExchange(client),
      print: (l) => lines.push(l),
      stop: stop.signal,
    });
    const elapsedMs = performance.now() - t0;
    const system = readJsonl(`${ws.dir}/logs/system.jsonl`);
    const journal = JSON.parse(await Deno.readTextFile(liveJournalPath(config)));
    return {
      result,
      system,
      retries,
      sleeps,
      journal,
      fake,
      ws,
      lines,
      elapsedMs,
      dispose,
    };
  } catch (e) {
    await dispose();
    throw e;
  }
}

/** Events of one name. */
export function eventsOf(system: Rec[], name: string): Rec[] {
  return system.filter((e) => e.event === name);
}

/** Throws unless every order booked at the fake has its own clientId. */
export function bookedClientIds(fake: FakeBitunix): string[] {
  return fake.state.orders.map((o) => o.clientId ?? "");
}

/** The venue's net position as the journal writes it (side, qty) or null. */
export function venuePosition(fake: FakeBitunix): { side: string; qty: number } | null {
  const p = fake.state.positions.find((x) => x.symbol === "BTCUSDT");
  return p ? { side: p.side.toLowerCase(), qty: p.qty } : null;
}
