import type { Candle } from "../../core/candle.ts";
import {
  bracketHit,
  feeFor,
  HIT_NONE,
  hitPrice,
  isStopHit,
  qtyWithinNotional,
  slipped,
  stopPriceFor,
  tpPriceFor,
} from "../../core/fill_rules.ts";
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
 * The simulated venue used by backtests and paper trading. Market orders fill at the
 * next candle's open (plus adverse slippage); entries get a stop and take-profit at the
 * configured distances from the fill; each candle is checked against the bracket with
 * the shared fill rules, so paper fills follow the backtest's model exactly. An entry is
 * sized down at its fill price to its `maxNotional` (the RiskGate's limits hold where the
 * money moves, not at the decision price). A repeated client id is acknowledged as a
 * duplicate and never fills twice.
 */
export class SimExchange implements CandleDrivenExchange {
  #position: VenuePosition | null = null;
  #pending: OrderRequest[] = [];
  #fills: Fill[] = [];
  #known = new Map<string, string>();
  #nextId = 1;
  #lastClose: Candle | null = null;

  constructor(readonly options: SimExchangeOptions, state?: SimExchangeState) {
    if (state) {
      this.#position = state.position;
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
    return Promise.resolve(this.#position);
  }

  protection(_symbol: string): Promise<Protection | null> {
    const p = this.#position;
    if (p === null || p.stopPrice === undefined) return Promise.resolve(null);
    return Promise.resolve({ stopPrice: p.stopPrice, tpPrice: p.tpPrice });
  }

  protect(_symbol: string, bracket: { stopPrice: number; tpPrice?: number }): Promise<void> {
    const p = this.#position;
    if (p === null) return Promise.reject(new Error("Cannot protect: no open position"));
    this.#position = { ...p, stopPrice: bracket.stopPrice, tpPrice: bracket.tpPrice };
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
    const pending = this.#pending;
    this.#pending = [];
    for (const o of pending) this.#fillMarket(o, c.open, c.ts);
    const p = this.#position;
    if (p !== null && p.stopPrice !== undefined && p.tpPrice !== undefined) {
      const isLong = p.side === "long";
      const hit = bracketHit(
        isLong,
        c.open,
        c.high,
        c.low,
        p.stopPrice,
        p.tpPrice,
        this.options.intrabar === "optimistic",
      );
      if (hit !== HIT_NONE) {
        const level = hitPrice(hit, c.open, p.stopPrice, p.tpPrice);
        this.#exit(
          c.ts,
          slipped(level, !isLong, this.options.slippageBps),
          isStopHit(hit) ? "stop" : "tp",
          `${p.symbol}-bracket-${c.ts}`,
        );
      }
    }
    this.#lastClose = c;
  }

  /**
   * Fills every pending order at the last candle's close (a backtest's final settlement,
   * where no next candle exists).
   */
  settleAtLastClose(): void {
    const c = this.#lastClose;
    if (c === null) return;
    const pending = this.#pending;
    this.#pending = [];
    for (const o of pending) this.#fillMarket(o, c.close, c.ts);
  }

  /** Snapshot for persistence (paper sessions). */
  snapshot(): SimExchangeState {
    return {
      position: this.#position,
      pending: [...this.#pending],
      knownClientIds: [...this.#known.keys()],
      fills: [...this.#fills],
      nextOrderId: this.#nextId,
    };
  }

  #fillMarket(o: OrderRequest, price: number, ts: number): void {
    const buy = o.side === "buy";
    const p = this.#position;
    if (o.reduceOnly || o.intent !== "entry") {
      if (p === null || (p.side === "long") === buy) return; // nothing to reduce
      const reason: FillReason = o.intent === "exit"
        ? "signal"
        : o.intent === "flatten"
        ? "end"
        : "signal";
      const qty = o.intent === "reduce" ? Math.min(o.qty, p.qty) : p.qty;
      this.#exit(ts, slipped(price, buy, this.options.slippageBps), reason, o.clientId, qty);
      return;
    }
    if (p !== null) return; // one position at a time: an entry while positioned is ignored
    const isLong = buy;
    const entry = slipped(price, isLong, this.options.slippageBps);
    const stopBps = o.stopBps ?? 0;
    const qty = o.maxNotional === undefined
      ? o.qty
      : qtyWithinNotional(o.qty, entry, o.maxNotional);
    this.#position = {
      symbol: o.symbol,
      side: isLong ? "long" : "short",
      qty,
      entryPrice: entry,
      stopPrice: stopBps > 0 ? stopPriceFor(isLong, entry, stopBps) : undefined,
      tpPrice: stopBps > 0 && o.tpR ? tpPriceFor(isLong, entry, stopBps, o.tpR) : undefined,
    };
    this.#fills.push({
      clientId: o.clientId,
      orderId: this.#known.get(o.clientId) ?? o.clientId,
      symbol: o.symbol,
      side: o.side,
      qty,
      price: entry,
      fee: feeFor(qty, entry, this.options.feeBps),
      ts,
      reason: "entry",
    });
  }

  #exit(ts: number, price: number, reason: FillReason, clientId: string, qty?: number): void {
    const p = this.#position!;
    const closed = qty ?? p.qty;
    this.#position = closed < p.qty ? { ...p, qty: p.qty - closed } : null;
    this.#fills.push({
      clientId,
      orderId: this.#known.get(clientId) ?? clientId,
      symbol: p.symbol,
      side: p.side === "long" ? "sell" : "buy",
      qty: closed,
      price,
      fee: feeFor(closed, price, this.options.feeBps),
      ts,
      reason,
      reduceOnly: true,
    });
  }
}
