/**
 * The notifier: an event sink that turns the events worth telling into notices and sends
 * them in the background, never in the way of trading. `emit` only maps and queues (it
 * never waits and never throws); each channel has its own bounded queue (the oldest
 * notice is dropped when full) and one sender that retries with exponential backoff,
 * keeps to what a 429 asked (`retry_after`) and gives each request a timeout. `close`
 * flushes for a bounded time and then abandons what is left.
 */
import type { NotifyChannelName, NotifyKind } from "../config/notify_config.ts";
import type { EventSink, LogLevel } from "../core/events.ts";
import { abortableSleep, type Sleep } from "../core/sleep.ts";
import type { NotifyChannel, SendResult } from "./channels.ts";
import { type Notice, noticeOf } from "./messages.ts";

/** Options of a {@link Notifier}. Durations are ms. */
export interface NotifierOptions {
  readonly channels: readonly NotifyChannel[];
  /** Which kinds each channel sends (default: every kind). */
  readonly kinds?: Readonly<Partial<Record<NotifyChannelName, ReadonlySet<NotifyKind>>>>;
  /**
   * Where the notifier's own events go (`notify.sent`, `notify.retrying`,
   * `notify.failed`, `notify.dropped`, `notify.abandoned`); never a token or URL.
   */
  readonly log?: EventSink;
  /** Notices waiting per channel before the oldest is dropped (default 100). */
  readonly queueSize?: number;
  /** Time one request may take (default 10 s). */
  readonly timeoutMs?: number;
  /** Tries per notice, the first included (default 4). */
  readonly maxAttempts?: number;
  /** Wait before the first retry; doubles per retry (default 1 s). */
  readonly backoffMs?: number;
  /** Cap of the doubled wait (default 30 s). */
  readonly maxBackoffMs?: number;
  /** How long `close` waits for the queues by default (default 3 s). */
  readonly flushMs?: number;
  /** Clock, Unix ms (for 429 waits). */
  readonly now?: () => number;
  /** Sleep for backoff and 429 waits (default a timer). */
  readonly sleep?: Sleep;
}

/** What one channel did. */
export interface ChannelStats {
  /** Notices delivered. */
  sent: number;
  /** Notices given up after their tries, or refused for good (4xx). */
  failed: number;
  /** Notices dropped from a full queue. */
  dropped: number;
  /** Notices left unsent by `close` (queued or in flight when the flush time ran out). */
  abandoned: number;
  /** Notices queued or in flight now. */
  pending: number;
}

interface Lane {
  readonly channel: NotifyChannel;
  readonly kinds: ReadonlySet<NotifyKind> | undefined;
  readonly queue: Notice[];
  readonly stats: Omit<ChannelStats, "pending">;
  inFlight: Notice | null;
  /** No request before this time (a 429's retry_after). */
  notBefore: number;
  wake: (() => void) | undefined;
  worker: Promise<void>;
}

/** Sends notices for events; see the module comment. Implements EventSink. */
export class Notifier implements EventSink {
  readonly #lanes: Lane[];
  readonly #log: EventSink | undefined;
  readonly #o: Required<Omit<NotifierOptions, "channels" | "kinds" | "log">>;
  readonly #abort = new AbortController();
  #closing = false;
  #closed: Promise<Record<string, ChannelStats>> | undefined;

  constructor(options: NotifierOptions) {
    this.#log = options.log;
    this.#o = {
      queueSize: options.queueSize ?? 100,
      timeoutMs: options.timeoutMs ?? 10_000,
      maxAttempts: options.maxAttempts ?? 4,
      backoffMs: options.backoffMs ?? 1_000,
      maxBackoffMs: options.maxBackoffMs ?? 30_000,
      flushMs: options.flushMs ?? 3_000,
      now: options.now ?? Date.now,
      sleep: options.sleep ?? abortableSleep,
    };
    this.#lanes = options.channels.map((channel) => {
      const lane: Lane = {
        channel,
        kinds: options.kinds?.[channel.name],
        queue: [],
        stats: { sent: 0, failed: 0, dropped: 0, abandoned: 0 },
        inFlight: null,
        notBefore: 0,
        wake: undefined,
        worker: Promise.resolve(),
      };
      lane.worker = this.#work(lane);
      return lane;
    });
  }

  /** Names of the channels this notifier sends to. */
  get channels(): NotifyChannelName[] {
    return this.#lanes.map((l) => l.channel.name);
  }

  /** Per channel: sent, failed, dropped, abandoned and pending notices. */
  stats(): Record<string, ChannelStats> {
    const out: Record<string, ChannelStats> = {};
    for (const l of this.#lanes) {
      out[l.channel.name] = { ...l.stats, pending: l.queue.length + (l.inFlight ? 1 : 0) };
    }
    return out;
  }

  /**
   * Takes an event: queues its notice (if it makes one) for every channel that sends its
   * kind. Returns at once; never throws.
   */
  emit(level: LogLevel, component: string, event: string, fields?: Record<string, unknown>) {
    if (this.#closing) return;
    try {
      const notice = noticeOf(level, component, event, fields);
      if (notice) this.notify(notice);
    } catch {
      // a notification must never break what emitted the event
    }
  }

  /**
   * Queues a notice for the channels that send its kind; `reply` goes to Telegram only,
   * `test` to every channel. Returns at once.
   */
  notify(notice: Notice): void {
    if (this.#closing) return;
    for (const lane of this.#lanes) {
      if (!this.#wants(lane, notice)) continue;
      if (lane.queue.length >= this.#o.queueSize) {
        const old = lane.queue.shift()!;
        lane.stats.dropped++;
        if (lane.stats.dropped === 1 || lane.stats.dropped % 100 === 0) {
          this.#say("warn", "notify.dropped", {
            channel: lane.channel.name,
            kind: old.kind,
            from_event: old.event,
            dropped: lane.stats.dropped,
            queue: this.#o.queueSize,
          });
        }
      }
      lane.queue.push(notice);
      this.#wakeLater(lane);
    }
  }

  /**
   * Wakes a waiting sender on a later task (a timer), not as a microtask of the caller:
   * the request's JSON and fetch never run inside the work that emitted the event (a
   * session's candle).
   */
  #wakeLater(lane: Lane): void {
    const wake = lane.wake;
    if (wake === undefined) return;
    lane.wake = undefined;
    setTimeout(wake, 0);
  }

  #wants(lane: Lane, n: Notice): boolean {
    if (n.kind === "test") return true;
    if (n.kind === "reply") return lane.channel.name === "telegram";
    return lane.kinds === undefined || lane.kinds.has(n.kind);
  }

  async #work(lane: Lane): Promise<void> {
    while (!this.#abort.signal.aborted) {
      const n = lane.queue.shift();
      if (n === undefined) {
        if (this.#closing) return;
        await new Promise<void>((r) => lane.wake = r);
        lane.wake = undefined;
        continue;
      }
      lane.inFlight = n;
      try {
        await this.#deliver(lane, n);
      } finally {
        lane.inFlight = null;
      }
    }
  }

  async #deliver(lane: Lane, n: Notice): Promise<void> {
    const o = this.#o;
    const signal = this.#abort.signal;
    const name = lane.channel.name;
    for (let attempt = 1;; attempt++) {
      const wait = lane.notBefore - o.now();
      if (wait > 0) await o.sleep(wait, signal);
      const r = signal.aborted ? null : await this.#attempt(lane.channel, n);
      if (r === null || signal.aborted) {
        lane.queue.unshift(n); // abandoned by close: counted with the queue
        return;
      }
      if (r.ok) {
        lane.stats.sent++;
        this.#say("debug", "notify.sent", {
          channel: name,
          kind: n.kind,
          from_event: n.event,
          attempt,
        });
        return;
      }
      if (r.retryAfterMs !== undefined) {
        lane.notBefore = Math.max(lane.notBefore, o.now() + r.retryAfterMs);
      }
      const last = !r.retry || attempt >= o.maxAttempts;
      const fields = {
        channel: name,
        kind: n.kind,
        from_event: n.event,
        attempt,
        error: r.error,
        ...(r.retryAfterMs !== undefined ? { retry_after_s: r.retryAfterMs / 1000 } : {}),
      };
      if (last) {
        lane.stats.failed++;
        this.#say("error", "notify.failed", { ...fields, gave_up: r.retry });
        return;
      }
      // after a 429 the wait is what it asked for (at the top of the loop), else a backoff
      const backoff = Math.min(o.backoffMs * 2 ** (attempt - 1), o.maxBackoffMs);
      this.#say("warn", "notify.retrying", {
        ...fields,
        delay_ms: r.retryAfterMs ?? backoff,
      });
      if (r.retryAfterMs === undefined) await o.sleep(backoff, signal);
    }
  }

  /**
   * One request with its timeout; a channel that hangs past it (or past `close`'s abort)
   * is abandoned: the result is decided when the signal aborts, whatever the channel does.
   */
  #attempt(channel: NotifyChannel, n: Notice): Promise<SendResult> {
    return sendWithin(channel, n, this.#o.timeoutMs, this.#abort.signal);
  }

  #say(level: LogLevel, event: string, fields: Record<string, unknown>): void {
    if (!this.#log) return;
    try {
      this.#log.emit(level, "notify", event, fields);
    } catch {
      // the log may be closed already at shutdown
    }
  }

  /**
   * Stops taking notices, waits up to `flushMs` (default the option's) for the queues to
   * empty, then abandons what is left (aborting requests in flight) and logs
   * `notify.abandoned` per channel that left some. Resolves to the final stats; calling it
   * again returns the same.
   */
  close(flushMs: number = this.#o.flushMs): Promise<Record<string, ChannelStats>> {
    this.#closed ??= this.#close(flushMs);
    return this.#closed;
  }

  async #close(flushMs: number): Promise<Record<string, ChannelStats>> {
    this.#closing = true;
    for (const l of this.#lanes) l.wake?.();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const drained = Promise.all(this.#lanes.map((l) => l.worker)).then(() => true);
    const late = new Promise<false>((r) => timer = setTimeout(() => r(false), flushMs));
    const done = await Promise.race([drained, late]);
    clearTimeout(timer);
    if (!done) {
      this.#abort.abort();
      await Promise.all(this.#lanes.map((l) => l.worker));
    }
    for (const l of this.#lanes) {
      const left = l.queue.length;
      l.queue.length = 0;
      if (left === 0) continue;
      l.stats.abandoned += left;
      this.#say("warn", "notify.abandoned", {
        channel: l.channel.name,
        abandoned: left,
        flush_ms: flushMs,
      });
    }
    return this.stats();
  }
}

/**
 * One send of `n` on `channel`, given up after `timeoutMs` (or when `stop` aborts) even
 * when the channel ignores the signal: the answer is then "no reply within ..." (or
 * "aborted"), and a send that throws is a failed send, retryable.
 */
export function sendWithin(
  channel: Pick<NotifyChannel, "send">,
  n: Notice,
  timeoutMs: number,
  stop?: AbortSignal,
): Promise<SendResult> {
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = stop ? AbortSignal.any([stop, timeout]) : timeout;
  const abandoned = new Promise<SendResult>((resolve) => {
    signal.addEventListener("abort", () =>
      resolve({
        ok: false,
        retry: true,
        error: (signal.reason as Error | undefined)?.name === "TimeoutError"
          ? `no reply within ${timeoutMs / 1000} s`
          : "aborted",
      }), { once: true });
  });
  const sent = channel.send(n, signal).catch((e): SendResult => ({
    ok: false,
    retry: true,
    error: e instanceof Error ? e.name : "send failed",
  }));
  return Promise.race([abandoned, sent]);
}
