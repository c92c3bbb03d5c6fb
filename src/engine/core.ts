import type { BacktestParams } from "../core/backtest_params.ts";
import {
  bracketAt,
  bracketSideProblem,
  cleanQty,
  exitCostAt,
  LEVEL_BPS,
  LEVEL_DISTANCE,
  LEVEL_NONE,
  LEVEL_PRICE,
  lossPerNotionalAtStop,
  positionQty,
  venueBracket,
} from "../core/fill_rules.ts";
import type { Fill, FillReason } from "../core/order.ts";
import type { ExitReason, Trade } from "../core/trade.ts";
import type { NormalizedDecision, StrategyRunner } from "../strategy/runner.ts";
import { type Denial, type DenialCode, isDenial, type RiskGate } from "./risk_gate.ts";
import type { SimEntry, SimFillSink } from "../core/sim_venue.ts";
import { TradeLedger } from "./trade_ledger.ts";

const DAY_MS = 86_400_000;

/** An order the rules decided on a candle (the caller sends it: sim venue or live). */
export type CoreOrder =
  | { readonly kind: "exit"; readonly qty: number }
  | { readonly kind: "reduce"; readonly qty: number }
  | {
    readonly kind: "move-stop";
    readonly price: number;
    /** The stop before (the ledger goes back to it if the venue refuses the move). */
    readonly from: number;
  }
  | ({ readonly kind: "entry"; readonly refPrice: number } & SimEntry);

/** How a candle is being decided. */
export interface DecideFlags {
  /** Orders may go out for this candle (false for history, and a backtest's last candle). */
  readonly orders: boolean;
  /**
   * Act on the strategy's state rather than its edges (the first live candle after
   * history, or after an exit that did not go through).
   */
  readonly sync: boolean;
  /** A live candle of a session: a position held against the strategy is exited. */
  readonly live: boolean;
  /** A reason new entries are held back right now (e.g. the venue's position differs). */
  readonly hold?: Denial | null;
}

const EXIT_REASON: Record<FillReason, ExitReason> = {
  entry: "signal",
  stop: "stop",
  tp: "tp",
  signal: "signal",
  end: "end",
  flatten: "end",
  external: "external",
};

/**
 * The trading rules, one implementation for every mode: the backtest loop drives it
 * synchronously with the simulated venue, sessions drive it with the async venue. It
 * marks equity and keeps the RiskGate's day, turns the strategy's decision into orders
 * (the Bias shorthand on its edges, intents as given; entries sized by the risk settings
 * at their stop, never above what the RiskGate allows, held to that notional at the fill),
 * and books fills in the ledger.
 */
export class TradingCore implements SimFillSink {
  declare readonly ledger: TradeLedger;
  readonly orders: CoreOrder[] = [];
  readonly denialsByCode: Partial<Record<DenialCode, number>> = {};
  denials = 0;
  /** The last refusal (for the caller's log), cleared at each decision. */
  lastDenial: Denial | null = null;
  /**
   * Orders or a refusal since the last decision: the next one clears them first. One flag,
   * though `orders` and `lastDenial` say it too: testing both on every candle cost the
   * loop its place in V8's inlining budget.
   */
  private issued = false;
  // plain fields, not #private: these are read on every candle of a backtest
  private prevBias = 0;
  private dayEnd = -Infinity;
  private dayStart = Infinity;
  private prevTs = Number.NaN;
  private prevEq = Number.NaN;
  private readonly dailyLimit: number = 0;
  private readonly lpnDefault: number = 0;
  private readonly barMode: boolean = false;

  // explicit fields, not constructor parameter properties: with parameter properties
  // V8 (as Deno builds it) boxes every double stored into this object's fields anew
  declare readonly params: BacktestParams;
  declare readonly gate: RiskGate;
  declare readonly runner: StrategyRunner;

  constructor(
    params: BacktestParams,
    gate: RiskGate,
    runner: StrategyRunner,
    startEquity = params.startEquity,
  ) {
    this.params = params;
    this.gate = gate;
    this.runner = runner;
    this.ledger = new TradeLedger(startEquity, params.feeBps);
    this.dailyLimit = gate.limits.maxDailyLossUsd;
    this.lpnDefault = lossPerNotionalAtStop(params.stopBps, params.feeBps, params.slippageBps);
    this.barMode = params.mode === "bar";
  }

  /**
   * Marks equity at a candle's close for the RiskGate: a new UTC day starts from the
   * previous close, and a mark that reaches the day's limit latches it. The gate is told
   * only then (and before each entry), not on every candle.
   */
  mark(ts: number, eq: number): void {
    // the new day and the limit in methods of their own keep this small enough for V8 to
    // inline (named, not #private: a #private call takes twice the bytecode)
    if (ts >= this.dayEnd) this.newDay(ts, eq);
    else if (this.dayStart - eq >= this.dailyLimit) this.atLimit(ts, eq);
    this.prevTs = ts;
    this.prevEq = eq;
  }

  private atLimit(ts: number, eq: number): void {
    // once latched the day stays latched: later marks of the day change nothing it acts on
    if (!this.gate.latched) this.gate.markEquity(ts, eq);
  }

  private newDay(ts: number, eq: number): void {
    if (!Number.isNaN(this.prevTs)) this.gate.markEquity(this.prevTs, this.prevEq);
    this.gate.markEquity(ts, eq);
    this.dayEnd = (Math.floor(ts / DAY_MS) + 1) * DAY_MS;
    this.dayStart = this.gate.dayStartEquity;
  }

  /** Brings the gate up to the last mark (before its state is saved or shown). */
  flushMarks(): void {
    if (!Number.isNaN(this.prevTs)) this.gate.markEquity(this.prevTs, this.prevEq);
  }

  /**
   * Asks the strategy about candle `i` (the one just marked: its time and equity come
   * from `mark`, its close from the strategy's series) and decides the orders for it into
   * `orders` (emptied first). Returns how many.
   */
  decide(i: number, f: DecideFlags): number {
    // only small integers cross this call: doubles passed to a call V8 does not inline
    // are boxed, one allocation each, on every candle; the marks are read from fields.
    // What runs on every candle is kept this short so V8 inlines it into the loop; the
    // rest (orders, sizing) is in methods called when there is something to do
    if (this.issued) this.clearOrders();
    const pos = this.ledger.position;
    if (pos !== this.viewed) this.viewChanged(pos, i);
    const d = this.runner.decide(i, this.prevEq);
    if (!d.fromBias) return this.actOnIntents(d, i, f);
    // the shorthand acts on its edges (bar mode: on every bar with a view); on a sync
    // candle on its state; a live position held against it is exited until flat.
    // Most candles: the bias has not changed, nothing to do
    if (d.bias === this.prevBias && !this.barMode && !f.sync && !f.live) return 0;
    return this.biasOrders(d, i, f);
  }

  /** The orders of the Bias shorthand on a candle where it may act. */
  private biasOrders(d: NormalizedDecision, i: number, f: DecideFlags): number {
    const bias = d.bias;
    const prev = this.prevBias;
    this.prevBias = bias;
    const pos = this.ledger.position;
    const curDir = pos === null ? 0 : pos.side === "long" ? 1 : -1;
    if (bias === curDir || !f.orders) return 0;
    const edge = this.barMode ? bias !== 0 : bias !== prev;
    if (!edge && !f.sync && !(f.live && curDir !== 0)) return 0;
    if (curDir !== 0) this.#order({ kind: "exit", qty: Infinity });
    if (bias !== 0 && (edge || f.sync)) this.#entry(d, bias, i, f.hold ?? null);
    return this.orders.length;
  }

  private clearOrders(): void {
    // pop, not `length = 0`: V8 sets an array's length through a slow runtime call
    const orders = this.orders;
    while (orders.length !== 0) orders.pop();
    this.lastDenial = null;
    this.issued = false;
  }

  private actOnIntents(d: NormalizedDecision, i: number, f: DecideFlags): number {
    if (!f.orders) return 0;
    const pos = this.ledger.position;
    const orders = this.orders;
    const curDir = pos === null ? 0 : pos.side === "long" ? 1 : -1;
    if (!Number.isNaN(d.moveStop) && pos !== null) this.#moveStop(d.moveStop);
    const target = d.target;
    if (d.takePartial > 0 && pos !== null && (Number.isNaN(target) || target === curDir)) {
      this.#partial(pos.qty, d.takePartial);
    }
    if (Number.isNaN(target) || target === curDir) return orders.length;
    if (curDir !== 0) this.#order({ kind: "exit", qty: Infinity });
    if (target !== 0) this.#entry(d, target, i, f.hold ?? null);
    return orders.length;
  }

  private viewed: unknown = null;
  private viewEntry = Number.NaN;

  /**
   * Copies a changed position into the one the strategy sees (the ledger replaces its
   * position object on every change, so an unchanged object needs nothing per candle).
   */
  private viewChanged(pos: TradeLedger["position"], i: number): void {
    this.viewed = pos;
    this.runner.showPosition(pos !== null);
    if (pos === null) return;
    const v = this.runner.pos;
    if (this.viewEntry !== pos.entryTs) {
      this.viewEntry = pos.entryTs;
      v.heldSince(i);
    }
    v.side = pos.side;
    v.qty = pos.qty;
    v.entryPrice = pos.entryPrice;
    v.entryTime = pos.entryTs;
    v.stopPrice = pos.stopPrice;
    v.tpPrice = Number.isFinite(pos.tpPrice) ? pos.tpPrice : Number.NaN;
  }

  /**
   * Takes part of the position: an order below the venue's minimum is not sent (counted
   * as refused), and a rest below it goes with the part (the whole position is closed),
   * so neither a refused order nor an unsellable remainder is left behind.
   */
  #partial(held: number, fraction: number): void {
    const min = this.gate.minQty;
    const qty = cleanQty(held * fraction);
    if (held - qty < min) {
      this.#order({ kind: "exit", qty: Infinity });
      return;
    }
    if (!(qty > 0) || qty < min) {
      this.#deny({
        code: "size-zero",
        message:
          `Cannot take part of the position: ${qty} is below the venue minimum ${min} (held ${held})`,
      });
      return;
    }
    this.#order({ kind: "reduce", qty });
  }

  #moveStop(price: number): void {
    const pos = this.ledger.position!;
    const tighter = pos.side === "long" ? price > pos.stopPrice : price < pos.stopPrice;
    if (!tighter) return; // a move that loosens the stop is not taken
    this.ledger.setBracket(price, pos.tpPrice);
    this.#order({ kind: "move-stop", price, from: pos.stopPrice });
  }

  /** An entry of candle `i` (marked last) in direction `dir`, sized, or its refusal. */
  #entry(d: NormalizedDecision, dir: number, i: number, hold: Denial | null): void {
    const p = this.params;
    const ts = this.prevTs;
    const eq = this.prevEq;
    const price = this.runner.bars.series.close[i];
    // where the stop is, as a distance from the price sized at
    let stopKind = LEVEL_BPS;
    let stopValue = p.stopBps;
    let distance = Number.NaN;
    const s = d.stop;
    if (s !== undefined) {
      if ("bps" in s) stopValue = s.bps;
      else if ("distance" in s) {
        stopKind = LEVEL_DISTANCE;
        stopValue = s.distance;
        distance = s.distance;
      } else {
        stopKind = LEVEL_PRICE;
        stopValue = s.price;
        distance = Math.abs(price - s.price);
      }
    }
    const tp = d.takeProfit;
    const [tpKind, tpValue] = tp === null
      ? [LEVEL_NONE, 0]
      : tp === undefined
      ? [LEVEL_BPS, 0]
      : "price" in tp
      ? [LEVEL_PRICE, tp.price]
      : "distance" in tp
      ? [LEVEL_DISTANCE, tp.distance]
      : [LEVEL_DISTANCE, tp.bps / 10_000 * price];
    // a level given as a price can be on the wrong side (the others are positive distances
    // from the price): refused here, as the venue would
    if (stopKind === LEVEL_PRICE || tpKind === LEVEL_PRICE) {
      const spec = { stopKind, stopValue, tpKind, tpValue, tpR: p.tpR };
      const levels = bracketAt(dir > 0, price, spec);
      const wrong = bracketSideProblem(dir > 0, price, levels.stop, levels.tp, "the close");
      if (wrong !== null) {
        this.#deny({ code: "size-zero", message: `Cannot place order: ${wrong}` });
        return;
      }
    }
    const bps = Number.isNaN(distance) ? stopValue : distance / price * 10_000;
    let want = positionQty(eq, price, p.riskPct, bps, p.maxLeverage);
    if (d.size < 1) want *= d.size;
    this.gate.markEquity(ts, eq);
    const pos = this.ledger.position;
    const sized = hold ?? this.gate.sizeEntry({
      qty: want,
      refPrice: price,
      equity: eq,
      lossPerNotional: stopKind === LEVEL_BPS && stopValue === p.stopBps
        ? this.lpnDefault
        : lossPerNotionalAtStop(bps, p.feeBps, p.slippageBps),
      committedLoss: pos === null ? 0 : exitCostAt(pos.qty, price, p.feeBps, p.slippageBps),
    });
    if (isDenial(sized)) {
      this.#deny(sized);
      return;
    }
    this.#order({
      kind: "entry",
      dir,
      qty: sized.qty,
      maxNotional: sized.maxNotional,
      stopKind,
      stopValue,
      tpKind,
      tpValue,
      tpR: p.tpR,
      refPrice: price,
    });
  }

  /** Adds an order of this candle. */
  #order(o: CoreOrder): void {
    this.orders.push(o);
    this.issued = true;
  }

  #deny(d: Denial): void {
    this.issued = true;
    this.lastDenial = d;
    this.denials++;
    this.denialsByCode[d.code] = (this.denialsByCode[d.code] ?? 0) + 1;
  }

  /** Records a refusal made outside `decide` (e.g. the last check before an order leaves). */
  recordDenial(d: Denial): void {
    this.#deny(d);
  }

  /** SimFillSink: an entry filled (the simulated venue's own numbers). */
  entryFilled(
    dir: number,
    qty: number,
    price: number,
    fee: number,
    ts: number,
    stop: number,
    tp: number,
  ): void {
    this.ledger.open(dir > 0 ? "long" : "short", qty, ts, price, stop, tp, fee);
  }

  /** SimFillSink: `qty` of the position closed. */
  exitFilled(
    _dir: number,
    qty: number,
    price: number,
    fee: number,
    ts: number,
    reason: FillReason,
  ): void {
    this.ledger.reduce(ts, qty, price, EXIT_REASON[reason], fee);
  }

  /**
   * Books a venue's fill the way a one-way venue nets it: it opens, adds to, reduces,
   * closes or (unless reduce-only) flips the position, with the venue's price and fee.
   * Somebody else's execution (`external`) counts only when it closes the position.
   */
  applyFill(f: Fill): FillOutcome {
    const led = this.ledger;
    const pos = led.position;
    const buy = f.side === "buy";
    if (pos === null || (pos.side === "long") === buy) {
      if (f.external) return { kind: "foreign", trade: null };
      if (f.reduceOnly) {
        return {
          kind: "unexpected",
          trade: null,
          reason: pos === null ? "exit while flat" : "reduce-only fill in the position's direction",
        };
      }
      if (pos === null) this.#openFrom(f, f.qty, f.fee);
      else led.addToPosition(f.qty, f.price, f.fee);
      return { kind: "applied", trade: null };
    }
    const closeQty = Math.min(f.qty, pos.qty);
    const rest = cleanQty(f.qty - closeQty);
    const closeFee = rest > 0 ? f.fee * closeQty / f.qty : f.fee;
    const trade = led.reduce(f.ts, closeQty, f.price, EXIT_REASON[f.reason], closeFee);
    if (rest > f.qty * 1e-9) {
      // an exit closes what the venue holds: a part someone else added goes with it
      if (f.reduceOnly) {
        return {
          kind: "applied",
          trade,
          extra: `closed ${rest} more than this agent held (${pos.qty}): not its own`,
        };
      }
      this.#openFrom(f, rest, f.fee - closeFee);
    }
    return { kind: "applied", trade };
  }

  #openFrom(f: Fill, qty: number, fee: number): void {
    const isLong = f.side === "buy";
    const p = this.params;
    const { stop, tp } = venueBracket(isLong, f.price, f, p.stopBps, p.tpR);
    this.ledger.open(isLong ? "long" : "short", qty, f.ts, f.price, stop, tp, fee);
  }
}

/** What booking a venue fill did. */
export interface FillOutcome {
  /** applied: booked; foreign: somebody else's, not booked; unexpected: could not be booked. */
  readonly kind: "applied" | "foreign" | "unexpected";
  /** The trade it closed, if any. */
  readonly trade: Trade | null;
  /** Why it could not be booked. */
  readonly reason?: string;
  /** Booked, with a part beyond the position that was not the agent's. */
  readonly extra?: string;
}
