import type { z } from "zod";
import { mainIssue, wsBalanceSchema, wsOrderSchema, wsPositionSchema } from "./schemas.ts";
import {
  BitunixWsClient,
  type BitunixWsCounters,
  type BitunixWsOptions,
  displayUrl,
  type WsStatus,
} from "./ws_client.ts";

/** What the private stream went through so far, for a session's stats. */
export interface BitunixPrivateStreamCounters {
  readonly disconnects: number;
  readonly reconnects: number;
  /** Pushes that failed their schema (`feed.schema_failed`). */
  readonly schemaFailures: number;
}

/** An order update from the private `order` channel. */
export interface OrderUpdate {
  readonly event?: string;
  readonly orderId: string;
  readonly clientId?: string;
  readonly symbol: string;
  readonly side: "buy" | "sell";
  readonly qty: number;
  readonly filledQty: number;
  readonly avgPrice?: number;
  readonly status?: string;
  readonly fee?: number;
  readonly ts?: number;
}

/** A position update from the private `position` channel. */
export interface PositionUpdate {
  readonly event?: string;
  readonly positionId: string;
  readonly symbol: string;
  readonly side: "long" | "short";
  readonly qty: number;
  readonly entryValue?: number;
}

/** A balance update from the private `balance` channel. */
export interface BalanceUpdate {
  readonly coin: string;
  readonly available: number;
  readonly frozen?: number;
  readonly margin?: number;
}

/** Options of BitunixPrivateStream. */
export interface BitunixPrivateStreamOptions
  extends Omit<BitunixWsOptions, "kind" | "onPush" | "onStatus"> {
  readonly onOrder?: (u: OrderUpdate) => void;
  readonly onPosition?: (u: PositionUpdate) => void;
  readonly onBalance?: (u: BalanceUpdate) => void;
  readonly onStatus?: (status: WsStatus, info: { reconnect: boolean; reason?: string }) => void;
  /** A push that failed its schema (channel name only). */
  readonly onBadPayload?: (ch: string) => void;
  // `events` (from BitunixWsOptions) also gets `feed.schema_failed` (`ch`, `path`, `issue`).
}

/**
 * The private WebSocket: logs in (unix-seconds timestamp), subscribes to `order`,
 * `position` and `balance`, and delivers zod-checked updates. Re-logs in and
 * re-subscribes after each reconnect.
 */
export class BitunixPrivateStream {
  readonly #ws: BitunixWsClient;
  #schemaFailures = 0;

  constructor(opts: BitunixPrivateStreamOptions) {
    const bad = (ch: string, error: z.ZodError) => {
      this.#schemaFailures++;
      const issue = mainIssue(error);
      opts.events?.emit("warn", "bitunix", "feed.schema_failed", {
        url: displayUrl(this.#ws.url),
        kind: "private",
        ch,
        path: issue.path,
        issue: issue.message,
      });
      opts.onBadPayload?.(ch);
    };
    this.#ws = new BitunixWsClient({
      ...opts,
      kind: "private",
      onStatus: opts.onStatus,
      onPush: (p) => {
        if (p.ch === "order") {
          const r = wsOrderSchema.safeParse(p.data);
          if (!r.success) return bad(p.ch, r.error);
          for (const o of r.data) {
            opts.onOrder?.({
              event: o.event,
              orderId: o.orderId,
              clientId: o.clientId,
              symbol: o.symbol,
              side: o.side === "BUY" ? "buy" : "sell",
              qty: o.qty,
              filledQty: o.dealAmount ?? 0,
              avgPrice: o.averagePrice,
              status: o.orderStatus,
              fee: o.fee,
              ts: o.mtime ?? o.ctime ?? p.ts,
            });
          }
        } else if (p.ch === "position") {
          const r = wsPositionSchema.safeParse(p.data);
          if (!r.success) return bad(p.ch, r.error);
          for (const x of r.data) {
            opts.onPosition?.({
              event: x.event,
              positionId: x.positionId,
              symbol: x.symbol,
              side: x.side === "LONG" || x.side === "BUY" ? "long" : "short",
              qty: Math.abs(x.qty),
              entryValue: x.entryValue,
            });
          }
        } else if (p.ch === "balance") {
          const r = wsBalanceSchema.safeParse(p.data);
          if (!r.success) return bad(p.ch, r.error);
          for (const b of r.data) opts.onBalance?.(b);
        }
      },
    });
    this.#ws.subscribe([{ ch: "order" }, { ch: "position" }, { ch: "balance" }]);
  }

  /** Local time of the last message, Unix ms. */
  get lastMessageAt(): number | undefined {
    return this.#ws.lastMessageAt;
  }

  /** Connects and logs in; resolves true when logged in, false on login failure. */
  start(): Promise<boolean> {
    this.#ws.start();
    return this.#ws.waitReady();
  }

  /** Last connection or login problem, if any. */
  get lastError(): string | undefined {
    return this.#ws.lastError;
  }

  /** Disconnects, reconnects and bad pushes so far (a copy). */
  get counters(): BitunixPrivateStreamCounters {
    const { disconnects, reconnects }: BitunixWsCounters = this.#ws.counters;
    return { disconnects, reconnects, schemaFailures: this.#schemaFailures };
  }

  /** Closes the connection. */
  close(): Promise<void> {
    return this.#ws.close();
  }
}
