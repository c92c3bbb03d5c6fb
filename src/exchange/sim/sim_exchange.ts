import type { Candle } from "../../core/candle.ts";
import { type BracketSpec, LEVEL_NONE, LEVEL_PRICE } from "../../core/fill_rules.ts";
import type {
  Fill,
  FillReason,
  OpenOrder,
  OrderAck,
  OrderRequest,
  PlaceOptions,
  Protection,
  VenuePosition,
} from "../../core/order.ts";
import type { CandleDrivenExchange } from "../../core/ports.ts";
import { OrderRefusedError } from "../../core/errors.ts";
import { type SimEntry, type SimFillSink, SimVenue } from "../../core/sim_venue.ts";

/** Costs and fill assumptions of the simulated venue. */
export interface SimExchangeOptions {
  readonly feeBps: number;
  readonly slippageBps: number;
  readonly intrabar: "conservative" | "optimistic";
}

/** Serializable state of the simulated venue, for paper sessions that resume. */
export interface SimExchangeState {
  readonly position: VenuePosition | null;
  readonly pending: readonly OrderRequest[];
  readonly knownClientIds: readonly string[];
  readonly fills: readonly Fill[];
  readonly nextOrderId: number;
}

/**
 * The simulated venue of paper sessions behind the Exchange port: the backtest's own
 * SimVenue (the same fill rules, the same numbers), with orders as requests and fills as
 * a queue to drain. A repeated client id is acknowledged as a duplicate and never fills
 * twice.
 */
export class SimExchange implements CandleDrivenExchange, SimFillSink {
  readonly #venue: SimVenue;
  #pending: OrderRequest[] = [];
  #fills: Fill[] = [];
  #known = new Map<string, string>();
  #nextId = 1;
  #lastClose: Candle | null = null;
  #symbol = "BTCUSDT";

  constructor(readonly options: SimExchangeOptions, state?: SimExchangeState) {
    this.#venue = new SimVenue(options.feeBps, options.slippageBps, options.intrabar, this);
    if (state) {
      const p = state.position;
      if (p !== null) {
        const v = this.#venue;
        v.dir = p.side === "long" ? 1 : -1;
        v.qty = p.qty;
        v.entry = p.entryPrice;
        v.setBracket(
          p.stopPrice ?? (p.side === "long" ? -Infinity : Infinity),
          p.tpPrice ?? (p.side === "long" ? Infinity : -Infinity),
        );
        this.#symbol = p.symbol;
      }
      this.#pending = [...state.pending];
      this.#fills = [...state.fills];
      this.#nextId = state.nextOrderId;
      for (const id of state.knownClientIds) this.#known.set(id, id);
    }
  }

  placeOrder(order: OrderRequest, opts: PlaceOptions = {}): Promise<OrderAck> {
    const known = this.#known.get(order.clientId);
    if (known !== undefined) {
      return Promise.resolve({ clientId: order.clientId, orderId: known, duplicate: true });
    }
    const refused = opts.refuse?.();
    if (refused) return Promise.reject(new OrderRefusedError(refused));
    const orderId = `sim-${this.#nextId++}`;
    this.#known.set(order.clientId, orderId);
    this.#symbol = order.symbol;
    this.#pending.push(order);
    return Promise.resolve({ clientId: order.clientId, orderId, duplicate: false });
  }

  cancelAll(_symbol: string): Promise<number> {
    const n = this.#pending.length;
    this.#pending = [];
    return Promise.resolve(n);
  }

  drainFills(): Promise<Fill[]> {
    const out = this.#fills;
    this.#fills = [];
    return Promise.resolve(out);
  }

  position(_symbol: string): Promise<VenuePosition | null> {
    return Promise.resolve(this.#position());
  }

  protection(_symbol: string): Promise<Protection | null> {
    const v = this.#venue;
    if (v.dir === 0 || !Number.isFinite(v.stop)) return Promise.resolve(null);
    return Promise.resolve({
      stopPrice: v.stop,
      ...(Number.isFinite(v.tp) ? { tpPrice: v.tp } : {}),
    });
  }

  protect(_symbol: string, bracket: { stopPrice: number; tpPrice?: number }): Promise<void> {
    const v = this.#venue;
    if (v.dir === 0) return Promise.reject(new Error("Cannot protect: no open position"));
    v.setBracket(bracket.stopPrice, bracket.tpPrice ?? v.tp);
    return Promise.resolve();
  }

  openOrders(_symbol: string): Promise<OpenOrder[]> {
    return Promise.resolve(this.#pending.map((o) => ({
      clientId: o.clientId,
      orderId: this.#known.get(o.clientId)!,
      symbol: o.symbol,
      side: o.side,
      qty: o.qty,
      reduceOnly: o.reduceOnly,
    })));
  }

  /** Fills pending orders at this candle's open, then checks the bracket over the bar. */
  onCandle(c: Candle): void {
    this.#queue();
    this.#venue.bar(c.ts, c.open, c.high, c.low);
    this.#lastClose = c;
  }

  /**
   * Fills every pending exit at the last candle's close under its own client id (a
   * backtest's final settlement, where no next candle exists); a pending entry is dropped.
   */
  settleAtLastClose(): void {
    const c = this.#lastClose;
    if (c === null) return;
    const pending = this.#pending;
    this.#pending = [];
    for (const o of pending) {
      if (o.intent === "entry") continue; // nothing follows the last candle to hold it
      const qty = o.intent === "reduce" ? o.qty : Infinity;
      this.#venue.closeAt(c.close, c.ts, reasonOf(o), qty, o.clientId);
    }
  }

  /** Snapshot for persistence (paper sessions). */
  snapshot(): SimExchangeState {
    return {
      position: this.#position(),
      pending: [...this.#pending],
      knownClientIds: [...this.#known.keys()],
      fills: [...this.#fills],
      nextOrderId: this.#nextId,
    };
  }

  /** Hands the pending requests to the venue for the next open. */
  #queue(): void {
    const pending = this.#pending;
    this.#pending = [];
    const v = this.#venue;
    for (const o of pending) {
      if (o.intent === "entry" && !o.reduceOnly) {
        const b = o.bracket ?? NO_BRACKET[o.side];
        const e: SimEntry = {
          dir: o.side === "buy" ? 1 : -1,
          qty: o.qty,
          maxNotional: o.maxNotional ?? Infinity,
          stopKind: b.stopKind,
          stopValue: b.stopValue,
          tpKind: b.tpKind,
          tpValue: b.tpValue,
          tpR: b.tpR,
        };
        v.enter(e, o.clientId);
      } else {
        // reduce-only: closes what is open (a partial take closes its part only)
        const reduces = v.dir !== 0 && (v.dir > 0) === (o.side === "sell");
        if (reduces) v.exit(o.intent === "reduce" ? o.qty : Infinity, o.clientId, reasonOf(o));
      }
    }
  }

  #position(): VenuePosition | null {
    const v = this.#venue;
    if (v.dir === 0) return null;
    return {
      symbol: this.#symbol,
      side: v.dir > 0 ? "long" : "short",
      qty: v.qty,
      entryPrice: v.entry,
      ...(Number.isFinite(v.stop) ? { stopPrice: v.stop } : {}),
      ...(Number.isFinite(v.tp) ? { tpPrice: v.tp } : {}),
    };
  }

  /** SimFillSink: an entry filled. */
  entryFilled(
    dir: number,
    qty: number,
    price: number,
    fee: number,
    ts: number,
    stop: number,
    tp: number,
    id: string,
  ): void {
    this.#fills.push({
      clientId: id,
      orderId: this.#known.get(id) ?? id,
      symbol: this.#symbol,
      side: dir > 0 ? "buy" : "sell",
      qty,
      price,
      fee,
      ts,
      reason: "entry",
      ...(Number.isFinite(stop) ? { stopPrice: stop } : {}),
      ...(Number.isFinite(tp) ? { tpPrice: tp } : {}),
    });
  }

  /** SimFillSink: part or all of the position closed. */
  exitFilled(
    dir: number,
    qty: number,
    price: number,
    fee: number,
    ts: number,
    reason: FillReason,
    id: string,
  ): void {
    const closingLong = dir > 0;
    const clientId = id || `${this.#symbol}-bracket-${ts}`;
    this.#fills.push({
      clientId,
      orderId: this.#known.get(clientId) ?? clientId,
      symbol: this.#symbol,
      side: closingLong ? "sell" : "buy",
      qty,
      price,
      fee,
      ts,
      reason,
      reduceOnly: true,
    });
  }
}

/** An entry without a bracket (only in paper states of older versions): no stop or take-profit. */
const NO_BRACKET: Record<"buy" | "sell", BracketSpec> = {
  buy: { stopKind: LEVEL_PRICE, stopValue: -Infinity, tpKind: LEVEL_NONE, tpValue: 0, tpR: 0 },
  sell: { stopKind: LEVEL_PRICE, stopValue: Infinity, tpKind: LEVEL_NONE, tpValue: 0, tpR: 0 },
};

function reasonOf(o: OrderRequest): FillReason {
  return o.intent === "flatten" ? "end" : "signal";
}
