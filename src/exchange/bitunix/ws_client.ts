import { isInputError } from "../../core/errors.ts";
import type { EventSink } from "../../core/events.ts";
import { wsMessageSchema } from "./schemas.ts";
import { newNonce, signWsLogin } from "./sign.ts";

/** Default WebSocket base; the client appends `/public/` or `/private/`. */
export const DEFAULT_WS_URL = "wss://fapi.bitunix.com";

/** `component` of the WebSocket events (the same as the REST client's). */
const COMPONENT = "bitunix";

/** Connection counts so far, for a session's stats. */
export interface BitunixWsCounters {
  /** An open connection was lost (dropped by the venue, the network, or no pong). */
  readonly disconnects: number;
  /** A connection was ready again after a loss. */
  readonly reconnects: number;
  /** A connection attempt failed before it opened. */
  readonly connectFailures: number;
}

/** A URL fit for a log: no query, no fragment, no user or password. */
export function displayUrl(url: string): string {
  try {
    const u = new URL(url);
    u.search = "";
    u.hash = "";
    u.username = "";
    u.password = "";
    return u.toString();
  } catch {
    return url.replace(/[?#].*$/, "");
  }
}

/** A channel push, parsed only as far as the envelope. */
export interface WsPush {
  readonly ch: string;
  readonly symbol?: string;
  /** Envelope time, Unix ms (local receive time when the venue sent none). */
  readonly ts: number;
  readonly data: unknown;
}

/** One subscription argument. */
export interface WsSubscription {
  readonly ch: string;
  readonly symbol?: string;
}

/** Connection state changes reported to `onStatus`. */
export type WsStatus = "connecting" | "ready" | "closed" | "login_failed";

/** Options of BitunixWsClient; timings and randomness are injectable for tests. */
export interface BitunixWsOptions {
  /** WS base URL (e.g. `wss://fapi.bitunix.com`). */
  readonly baseUrl?: string;
  readonly kind: "public" | "private";
  readonly apiKey?: string;
  readonly apiSecret?: string;
  /** JSON ping period (default 10 s). */
  readonly pingIntervalMs?: number;
  /** Reconnect when a ping gets no pong within this (default 10 s). */
  readonly pongTimeoutMs?: number;
  /** First reconnect delay (default 1 s), doubling up to `reconnectMaxMs` (default 30 s). */
  readonly reconnectBaseMs?: number;
  readonly reconnectMaxMs?: number;
  readonly now?: () => number;
  readonly random?: () => number;
  readonly nonce?: () => string;
  readonly onPush?: (push: WsPush) => void;
  /** Called with each state change; `reconnect` is true for a ready after a drop. */
  readonly onStatus?: (status: WsStatus, info: { reconnect: boolean; reason?: string }) => void;
  /**
   * Where `feed.disconnected`, `feed.reconnected`, `feed.connect_failed` and
   * `feed.login_failed` go (component `bitunix`; fields `url` without query, `kind`,
   * `reason`, `attempt`, `delayMs`, `downMs`), never credentials.
   */
  readonly events?: EventSink;
}

/** Joins a WS base URL and the path of a connection kind. */
export function wsEndpoint(baseUrl: string, kind: "public" | "private"): string {
  return `${baseUrl.replace(/\/+$/, "")}/${kind}/`;
}

/**
 * One Bitunix WebSocket connection with JSON ping/pong heartbeat, reconnect with
 * exponential backoff and jitter, re-login (private) and re-subscribe after each
 * reconnect. Never logs credentials or the login signature.
 */
export class BitunixWsClient {
  readonly url: string;
  readonly #o: BitunixWsOptions;
  readonly #now: () => number;
  readonly #subs: WsSubscription[] = [];
  #ws?: WebSocket;
  #closed = false;
  #started = false;
  #everReady = false;
  #attempt = 0;
  #pingTimer?: ReturnType<typeof setInterval>;
  #pongTimer?: ReturnType<typeof setTimeout>;
  #reconnectTimer?: ReturnType<typeof setTimeout>;
  #pingWaiters: ((ok: boolean) => void)[] = [];
  #readyWaiters: ((ok: boolean) => void)[] = [];
  #ready = false;
  #lastMessageAt?: number;
  #lastError?: string;
  /** When the last open connection was lost (performance.now ms). */
  #lostAt?: number;
  #counters = { disconnects: 0, reconnects: 0, connectFailures: 0 };

  constructor(opts: BitunixWsOptions) {
    this.#o = opts;
    this.#now = opts.now ?? Date.now;
    this.url = wsEndpoint(opts.baseUrl ?? DEFAULT_WS_URL, opts.kind);
    if (opts.kind === "private" && (!opts.apiKey || !opts.apiSecret)) {
      throw new Error("Bitunix private WebSocket needs BITUNIX_API_KEY and BITUNIX_API_SECRET");
    }
  }

  /** Local time of the last message received (any kind), Unix ms. */
  get lastMessageAt(): number | undefined {
    return this.#lastMessageAt;
  }

  /** True while connected (and logged in, for private). */
  get ready(): boolean {
    return this.#ready;
  }

  /** Last connection or login problem, if any (never contains credentials). */
  get lastError(): string | undefined {
    return this.#lastError;
  }

  /** Disconnects, reconnects and failed connection attempts so far (a copy). */
  get counters(): BitunixWsCounters {
    return { ...this.#counters };
  }

  #emit(level: "info" | "warn" | "error", event: string, fields: Record<string, unknown>): void {
    this.#o.events?.emit(level, COMPONENT, event, {
      url: displayUrl(this.url),
      kind: this.#o.kind,
      ...fields,
    });
  }

  /** Opens the connection (idempotent). */
  start(): void {
    if (this.#started || this.#closed) return;
    this.#started = true;
    this.#connect();
  }

  /** Resolves true once ready, false if closed or login failed first. */
  waitReady(): Promise<boolean> {
    if (this.#ready) return Promise.resolve(true);
    if (this.#closed) return Promise.resolve(false);
    return new Promise((r) => this.#readyWaiters.push(r));
  }

  /** Subscribes now (when ready) and after every reconnect. */
  subscribe(subs: WsSubscription[]): void {
    this.#subs.push(...subs);
    if (this.#ready) this.#send({ op: "subscribe", args: subs });
  }

  /** Sends a JSON ping and resolves to the round-trip time in ms (rejects after the pong timeout). */
  async ping(): Promise<number> {
    const started = performance.now();
    const ok = await this.#sendPing();
    if (!ok) throw new Error(`no pong within ${this.#o.pongTimeoutMs ?? 10_000} ms`);
    return performance.now() - started;
  }

  /** Closes for good and waits for the socket to finish closing. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#clearTimers();
    clearTimeout(this.#reconnectTimer);
    this.#resolvePings(false);
    this.#settleReady(false);
    const ws = this.#ws;
    this.#ws = undefined;
    if (ws && ws.readyState !== WebSocket.CLOSED) {
      const done = new Promise<void>((r) =>
        ws.addEventListener("close", () => r(), { once: true })
      );
      try {
        ws.close(1000, "client closing");
      } catch { /* already closing */ }
      await done;
    }
    this.#o.onStatus?.("closed", { reconnect: false, reason: "closed by client" });
  }

  #connect(): void {
    if (this.#closed) return;
    this.#o.onStatus?.("connecting", { reconnect: this.#everReady });
    let ws: WebSocket;
    try {
      ws = new WebSocket(this.url);
    } catch (e) {
      this.#lastError = e instanceof Error ? e.message : String(e);
      this.#counters.connectFailures++;
      const next = this.#scheduleReconnect();
      this.#emit("warn", "feed.connect_failed", { reason: this.#lastError, ...next });
      return;
    }
    this.#ws = ws;
    let opened = false;
    ws.onopen = () => {
      opened = true;
      if (this.#o.kind === "private") this.#login();
      else this.#becomeReady();
    };
    ws.onmessage = (e) => this.#onMessage(typeof e.data === "string" ? e.data : "");
    ws.onerror = (e) => {
      this.#lastError = (e as ErrorEvent).message || "WebSocket error";
    };
    ws.onclose = (e) => {
      if (this.#ws !== ws) return;
      this.#ws = undefined;
      this.#ready = false;
      this.#clearTimers();
      this.#resolvePings(false);
      if (this.#closed) return;
      this.#o.onStatus?.("closed", { reconnect: false, reason: `code ${e.code}` });
      if (this.#lastError === "login failed") {
        this.#settleReady(false);
        return;
      }
      const reason = `code ${e.code}${e.reason ? ` ${e.reason}` : ""}`;
      if (opened) {
        this.#counters.disconnects++;
        this.#lostAt ??= performance.now();
        const next = this.#scheduleReconnect();
        this.#emit("warn", "feed.disconnected", { reason, ...next });
      } else {
        this.#counters.connectFailures++;
        const next = this.#scheduleReconnect();
        this.#emit("warn", "feed.connect_failed", {
          reason: this.#lastError ? `${reason} (${this.#lastError})` : reason,
          ...next,
        });
      }
    };
  }

  #login(): void {
    const timestamp = Math.floor(this.#now() / 1000);
    const nonce = (this.#o.nonce ?? newNonce)();
    const sign = signWsLogin(this.#o.apiKey!, this.#o.apiSecret!, nonce, timestamp);
    this.#send({ op: "login", args: [{ apiKey: this.#o.apiKey, timestamp, nonce, sign }] });
  }

  #becomeReady(): void {
    const reconnect = this.#everReady;
    const attempts = this.#attempt;
    this.#ready = true;
    this.#everReady = true;
    this.#attempt = 0;
    if (reconnect) {
      this.#counters.reconnects++;
      const downMs = this.#lostAt === undefined
        ? undefined
        : Math.round(performance.now() - this.#lostAt);
      this.#lostAt = undefined;
      this.#emit("info", "feed.reconnected", {
        attempt: attempts,
        ...(downMs !== undefined ? { downMs } : {}),
      });
    }
    this.#lastError = undefined;
    if (this.#subs.length) this.#send({ op: "subscribe", args: this.#subs });
    const period = this.#o.pingIntervalMs ?? 10_000;
    this.#pingTimer = setInterval(() => {
      this.#sendPing().then((ok) => {
        if (!ok && !this.#closed && this.#ready) this.#drop("no pong");
      });
    }, period);
    this.#settleReady(true);
    this.#o.onStatus?.("ready", { reconnect });
  }

  #sendPing(): Promise<boolean> {
    if (!this.#ws || this.#ws.readyState !== WebSocket.OPEN) return Promise.resolve(false);
    const p = new Promise<boolean>((r) => this.#pingWaiters.push(r));
    if (this.#pongTimer === undefined) {
      this.#pongTimer = setTimeout(() => {
        this.#pongTimer = undefined;
        this.#resolvePings(false);
      }, this.#o.pongTimeoutMs ?? 10_000);
    }
    this.#send({ op: "ping", ping: Math.floor(this.#now() / 1000) });
    return p;
  }

  #resolvePings(ok: boolean): void {
    clearTimeout(this.#pongTimer);
    this.#pongTimer = undefined;
    const w = this.#pingWaiters;
    this.#pingWaiters = [];
    for (const r of w) r(ok);
  }

  #settleReady(ok: boolean): void {
    const w = this.#readyWaiters;
    this.#readyWaiters = [];
    for (const r of w) r(ok);
  }

  #drop(reason: string): void {
    this.#lastError = reason;
    try {
      this.#ws?.close(4000, reason);
    } catch { /* ignore */ }
  }

  /** Schedules the next attempt; returns its number and delay. */
  #scheduleReconnect(): { attempt: number; delayMs: number } {
    this.#attempt++;
    const base = this.#o.reconnectBaseMs ?? 1_000;
    const max = this.#o.reconnectMaxMs ?? 30_000;
    const exp = Math.min(max, base * 2 ** (this.#attempt - 1));
    const delayMs = Math.round(exp / 2 + (exp / 2) * (this.#o.random ?? Math.random)());
    if (!this.#closed) this.#reconnectTimer = setTimeout(() => this.#connect(), delayMs);
    return { attempt: this.#attempt, delayMs };
  }

  #clearTimers(): void {
    clearInterval(this.#pingTimer);
    this.#pingTimer = undefined;
    clearTimeout(this.#pongTimer);
    this.#pongTimer = undefined;
  }

  #send(msg: unknown): void {
    if (this.#ws?.readyState === WebSocket.OPEN) this.#ws.send(JSON.stringify(msg));
  }

  #onMessage(raw: string): void {
    this.#lastMessageAt = this.#now();
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      this.#lastError = "malformed WebSocket message";
      return;
    }
    const m = wsMessageSchema.safeParse(json);
    if (!m.success) return;
    const msg = m.data;
    if (msg.op) {
      if (msg.op === "ping" && msg.pong !== undefined) this.#resolvePings(true);
      else if (msg.op === "login") {
        const data = msg.data as { result?: unknown } | undefined;
        const good = data?.result === true || (msg.code === 0 && data?.result !== false);
        if (good) this.#becomeReady();
        else {
          this.#lastError = "login failed";
          const reason = `${msg.code ?? ""} ${msg.msg ?? ""}`.trim();
          this.#o.onStatus?.("login_failed", { reconnect: false, reason });
          this.#emit("error", "feed.login_failed", { reason: reason.slice(0, 200) });
          this.#drop("login failed");
        }
      }
      return;
    }
    if (msg.ch) {
      try {
        this.#o.onPush?.({
          ch: msg.ch,
          symbol: msg.symbol,
          ts: msg.ts ?? this.#now(),
          data: msg.data,
        });
      } catch (e) {
        if (!isInputError(e)) this.#lastError = e instanceof Error ? e.message : String(e);
      }
    }
  }
}
