/**
 * An in-memory live venue for pipeline tests: market orders fill at once, but the test
 * decides how (split into parts, partly, not at all), what the venue's position and TP/SL
 * book say, and may add fills of other people. Orders it receives are kept in `sent`.
 */
import { OrderRefusedError } from "../../src/core/errors.ts";
import type {
  Fill,
  OpenOrder,
  OrderAck,
  OrderRequest,
  PlaceOptions,
  Protection,
  VenuePosition,
} from "../../src/core/order.ts";
import type { Exchange } from "../../src/core/ports.ts";

/** How the venue answers one order: the fills it books (may be empty). */
export type FillPlan = (o: OrderRequest) => Omit<Fill, "clientId" | "orderId" | "symbol">[];

/** A scriptable venue; every field may be changed by the test between candles. */
export class LiveVenue implements Exchange {
  readonly sent: OrderRequest[] = [];
  readonly protects: { stopPrice: number; tpPrice?: number }[] = [];
  /** Fills waiting to be drained. */
  queue: Fill[] = [];
  /** What `position()` answers; by default it follows the fills of our orders. */
  venue: VenuePosition | null = null;
  /** What `protection()` answers (set on entry fills with a stop, cleared on close). */
  held: Protection | null = null;
  /** When true, `protect()` fails. */
  refuseProtect = false;
  /** Price market orders fill at. */
  price = 100;
  /** How an order fills (default: one fill of the whole order at `price`). */
  plan: FillPlan = (o) => [{
    side: o.side,
    qty: o.qty,
    price: this.price,
    fee: 0,
    ts: 0,
    reason: o.intent === "entry" ? "entry" : "signal",
    reduceOnly: o.reduceOnly || undefined,
  }];

  placeOrder(o: OrderRequest, opts: PlaceOptions = {}): Promise<OrderAck> {
    const refused = opts.refuse?.();
    if (refused) return Promise.reject(new OrderRefusedError(refused));
    this.sent.push(o);
    for (const part of this.plan(o)) {
      const f: Fill = {
        ...part,
        clientId: o.clientId,
        orderId: `v-${o.clientId}`,
        symbol: o.symbol,
      };
      this.queue.push(f);
      this.book(f);
    }
    return Promise.resolve({ clientId: o.clientId, orderId: `v-${o.clientId}`, duplicate: false });
  }

  /** Changes the venue's position as a fill does (one-way netting). */
  book(f: Fill): void {
    const signed = (f.side === "buy" ? 1 : -1) * f.qty;
    const cur = this.venue === null ? 0 : (this.venue.side === "long" ? 1 : -1) * this.venue.qty;
    const next = Math.round((cur + signed) * 1e9) / 1e9;
    if (next === 0) {
      this.venue = null;
      this.held = null;
      return;
    }
    this.venue = {
      symbol: f.symbol,
      side: next > 0 ? "long" : "short",
      qty: Math.abs(next),
      entryPrice: this.venue?.entryPrice ?? f.price,
    };
    if (f.reason === "entry" && this.held === null) {
      this.held = { stopPrice: f.price * (f.side === "buy" ? 0.997 : 1.003) };
    }
  }

  cancelAll(): Promise<number> {
    return Promise.resolve(0);
  }

  drainFills(): Promise<Fill[]> {
    const out = this.queue;
    this.queue = [];
    return Promise.resolve(out);
  }

  position(): Promise<VenuePosition | null> {
    return Promise.resolve(this.venue);
  }

  openOrders(): Promise<OpenOrder[]> {
    return Promise.resolve([]);
  }

  protection(): Promise<Protection | null> {
    return Promise.resolve(this.held);
  }

  protect(_symbol: string, bracket: { stopPrice: number; tpPrice?: number }): Promise<void> {
    this.protects.push(bracket);
    if (this.refuseProtect) return Promise.reject(new Error("30029 trigger price invalid"));
    this.held = { ...bracket };
    return Promise.resolve();
  }
}
