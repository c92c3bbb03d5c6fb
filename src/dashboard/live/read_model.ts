/**
 * The live read model: an in-process store that a running session feeds and the
 * dashboard reads. It keeps a bounded history (so a long session cannot grow memory
 * without limit) and publishes every change to subscribers (the SSE route).
 *
 * Free of `Deno.*`: time comes from the records themselves.
 *
 * @module
 */
import type { Candle } from "../../core/candle.ts";
import type { LogRecord } from "../../core/events.ts";
import type { Heartbeat } from "../../core/heartbeat.ts";
import type { Fill, OpenOrder } from "../../core/order.ts";
import type { Side } from "../../core/trade.ts";

/** RiskGate state as the dashboard shows it. */
export type RiskState = Heartbeat["riskState"];

/** One equity sample: marked-to-market equity and drawdown from the running peak (USD). */
export interface EquityPoint {
  /** Unix ms. */
  readonly ts: number;
  readonly equity: number;
  /** Drawdown from the running peak in USD (>= 0). */
  readonly drawdown: number;
}

/** The open position as shown on the dashboard (a `VenuePosition` fits). */
export interface LivePosition {
  readonly side: Side;
  readonly qty: number;
  readonly entryPrice: number;
  readonly symbol?: string;
  readonly stopPrice?: number;
  readonly tpPrice?: number;
  readonly unrealizedPnl?: number;
}

/** What the running session is (shown in the page header). */
export interface SessionInfo {
  readonly runId: string;
  /** e.g. `live-session`. */
  readonly mode: string;
  readonly symbol: string;
  /** `paper` or `live`. */
  readonly executionMode?: string;
  /** Unix ms. */
  readonly startedAt: number;
}

/** One change, as published to subscribers and pushed over SSE. */
export type LiveUpdate =
  | { readonly type: "session"; readonly session: SessionInfo | null }
  | { readonly type: "candle"; readonly candle: Candle }
  | { readonly type: "equity"; readonly point: EquityPoint }
  | { readonly type: "fill"; readonly fill: Fill }
  | { readonly type: "position"; readonly position: LivePosition | null }
  | { readonly type: "orders"; readonly orders: readonly OpenOrder[] }
  | { readonly type: "log"; readonly record: LogRecord }
  | { readonly type: "heartbeat"; readonly heartbeat: Heartbeat }
  | { readonly type: "risk"; readonly riskState: RiskState }
  | { readonly type: "reset" };

/** Everything the read model holds, copied (safe to serialise or keep). */
export interface LiveSnapshot {
  readonly session: SessionInfo | null;
  /** Closed candles, oldest first. */
  readonly candles: Candle[];
  /** Equity samples, oldest first. */
  readonly equity: EquityPoint[];
  /** Fills, oldest first. */
  readonly fills: Fill[];
  readonly position: LivePosition | null;
  readonly orders: OpenOrder[];
  /** Recent log records, oldest first. */
  readonly logs: LogRecord[];
  readonly heartbeat: Heartbeat | null;
  readonly riskState: RiskState | null;
  /** Count of changes so far; grows by one per published update. */
  readonly version: number;
}

/** Called with each change; an exception thrown here is swallowed. */
export type LiveListener = (update: LiveUpdate) => void;

/** History bounds of a read model. */
export interface LiveReadModelLimits {
  /** Candles kept (default 2000). */
  readonly candles?: number;
  /** Equity samples kept (default 2000). */
  readonly equity?: number;
  /** Fills kept (default 500). */
  readonly fills?: number;
  /** Log records kept (default 500). */
  readonly logs?: number;
}

/** Default history bounds. */
export const DEFAULT_LIVE_LIMITS: Required<LiveReadModelLimits> = Object.freeze({
  candles: 2000,
  equity: 2000,
  fills: 500,
  logs: 500,
});

function pushBounded<T>(list: T[], item: T, max: number): void {
  list.push(item);
  if (list.length > max) list.splice(0, list.length - max);
}

/**
 * In-process store + publisher between a running session and the dashboard.
 *
 * A session calls the feeding methods (`candleClosed`, `equity`, `fill`, `position`,
 * `orders`, `log`, `heartbeat`, `riskState`, `session`); the dashboard calls
 * `snapshot()` and `subscribe()`. Every feeding method publishes one `LiveUpdate`.
 *
 * @example
 * ```ts
 * const model = new LiveReadModel();
 * const stop = model.subscribe((u) => console.log(u.type));
 * model.candleClosed({ ts: 0, open: 1, high: 2, low: 0.5, close: 1.5, volume: 3 });
 * stop();
 * ```
 */
export class LiveReadModel {
  readonly #limits: Required<LiveReadModelLimits>;
  readonly #listeners = new Set<LiveListener>();
  #session: SessionInfo | null = null;
  #candles: Candle[] = [];
  #equity: EquityPoint[] = [];
  #fills: Fill[] = [];
  #position: LivePosition | null = null;
  #orders: OpenOrder[] = [];
  #logs: LogRecord[] = [];
  #heartbeat: Heartbeat | null = null;
  #riskState: RiskState | null = null;
  #version = 0;

  /** @param limits history bounds; missing ones take `DEFAULT_LIVE_LIMITS`. */
  constructor(limits: LiveReadModelLimits = {}) {
    this.#limits = { ...DEFAULT_LIVE_LIMITS, ...limits };
  }

  /** Sets (or clears, with null) what the running session is. */
  session(info: SessionInfo | null): void {
    this.#session = info === null ? null : { ...info };
    this.#publish({ type: "session", session: this.#session });
  }

  /** Records a closed candle; a candle with the same `ts` as the last one replaces it. */
  candleClosed(candle: Candle): void {
    const c = { ...candle };
    const last = this.#candles.at(-1);
    if (last !== undefined && last.ts === c.ts) this.#candles[this.#candles.length - 1] = c;
    else pushBounded(this.#candles, c, this.#limits.candles);
    this.#publish({ type: "candle", candle: c });
  }

  /** Records an equity sample (USD) and the drawdown from the running peak (USD, >= 0). */
  equity(ts: number, equity: number, drawdown: number): void {
    const point: EquityPoint = { ts, equity, drawdown };
    pushBounded(this.#equity, point, this.#limits.equity);
    this.#publish({ type: "equity", point });
  }

  /** Records a fill (shown as a marker on the price chart). */
  fill(fill: Fill): void {
    const f = { ...fill };
    pushBounded(this.#fills, f, this.#limits.fills);
    this.#publish({ type: "fill", fill: f });
  }

  /** Sets the open position, or null when flat. */
  position(pos: LivePosition | null): void {
    this.#position = pos === null ? null : { ...pos };
    this.#publish({ type: "position", position: this.#position });
  }

  /** Replaces the list of working orders. */
  orders(openOrders: readonly OpenOrder[]): void {
    this.#orders = openOrders.map((o) => ({ ...o }));
    this.#publish({ type: "orders", orders: [...this.#orders] });
  }

  /** Records a log record (the same envelope as `logs/system.jsonl`). */
  log(record: LogRecord): void {
    pushBounded(this.#logs, record, this.#limits.logs);
    this.#publish({ type: "log", record });
  }

  /** Records the session's latest heartbeat. */
  heartbeat(hb: Heartbeat): void {
    this.#heartbeat = hb;
    this.#publish({ type: "heartbeat", heartbeat: hb });
  }

  /** Records the RiskGate state. */
  riskState(state: RiskState): void {
    this.#riskState = state;
    this.#publish({ type: "risk", riskState: state });
  }

  /** Forgets everything (e.g. before a new session starts feeding the same model). */
  reset(): void {
    this.#session = null;
    this.#candles = [];
    this.#equity = [];
    this.#fills = [];
    this.#position = null;
    this.#orders = [];
    this.#logs = [];
    this.#heartbeat = null;
    this.#riskState = null;
    this.#publish({ type: "reset" });
  }

  /** A copy of everything held, oldest first in each list. */
  snapshot(): LiveSnapshot {
    return {
      session: this.#session,
      candles: [...this.#candles],
      equity: [...this.#equity],
      fills: [...this.#fills],
      position: this.#position,
      orders: [...this.#orders],
      logs: [...this.#logs],
      heartbeat: this.#heartbeat,
      riskState: this.#riskState,
      version: this.#version,
    };
  }

  /** Number of current subscribers. */
  get subscriberCount(): number {
    return this.#listeners.size;
  }

  /**
   * Calls `listener` with every later change until the returned function is called.
   * A listener that throws is ignored so the dashboard can never break the session.
   */
  subscribe(listener: LiveListener): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  #publish(update: LiveUpdate): void {
    this.#version++;
    for (const listener of [...this.#listeners]) {
      try {
        listener(update);
      } catch {
        // a dashboard listener must never disturb the session
      }
    }
  }
}
