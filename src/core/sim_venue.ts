import {
  bracketAt,
  bracketHit,
  type BracketSpec,
  cleanQty,
  feeFor,
  HIT_NONE,
  HIT_STOP,
  HIT_STOP_GAP,
  HIT_TP,
  HIT_TP_GAP,
  hitPrice,
  isStopHit,
  qtyWithinNotional,
  slipped,
  touchesBoth,
} from "./fill_rules.ts";
import type { FillReason } from "./order.ts";

/** An entry waiting for the next open. */
export interface SimEntry extends BracketSpec {
  /** 1 long, -1 short. */
  readonly dir: number;
  readonly qty: number;
  /** The notional the fill may reach (caps at the fill price). */
  readonly maxNotional: number;
}

/**
 * Decides a bar that touched both levels (see DetailResolver): HIT_STOP or HIT_TP, or
 * HIT_STOP_GAP / HIT_TP_GAP when a finer candle opened through the level, which then
 * fills at that candle's open, `gapPrice`.
 */
export interface AmbiguousBarResolver {
  resolve(ts: number, isLong: boolean, stop: number, tp: number): number;
  readonly gapPrice: number;
}

/** Receives the simulated venue's fills (the engine's ledger, or a paper venue's queue). */
export interface SimFillSink {
  /** An entry filled: the position opens with this bracket. */
  entryFilled(
    dir: number,
    qty: number,
    price: number,
    fee: number,
    ts: number,
    stop: number,
    tp: number,
    id: string,
  ): void;
  /** `qty` of the position (side `dir`) closed: all of it unless a partial take. */
  exitFilled(
    dir: number,
    qty: number,
    price: number,
    fee: number,
    ts: number,
    reason: FillReason,
    id: string,
  ): void;
}

/**
 * The simulated venue of backtests and paper sessions: market orders fill at the next
 * candle's open plus adverse slippage, an entry sized down at its fill price to its
 * notional cap; the position's stop and take-profit are checked against every bar with
 * the shared fill rules (a bar touching both: stop first when conservative, take-profit
 * first when optimistic; a bar opening through a level exits at the open). Everything is
 * kept in fields, not objects, because it runs once per candle in the backtest loop.
 */
export class SimVenue {
  /** 1 long, -1 short, 0 flat. */
  dir = 0;
  qty = 0;
  entry = 0;
  private stopLevel = 0;
  private tpLevel = 0;
  /**
   * The open position's levels below and above (long: stop and take-profit; short: the
   * other way round): a bar that opens and stays strictly between them hits neither.
   * Kept by `setBracket` rather than worked out per bar, to keep `bar` short.
   */
  private bandLo = Number.NaN;
  private bandHi = Number.NaN;
  /** An exit to fill at the next open (NaN: none; Infinity: the whole position). */
  exitQty = Number.NaN;
  exitId = "";
  exitReason: FillReason = "signal";
  pendingEntry: SimEntry | null = null;
  pendingEntryId = "";
  /** Bars that touched both stop and take-profit of the open position (no gap). */
  ambiguousBars = 0;
  /**
   * Resolves a bar touching both levels from finer candles instead of the intrabar mode
   * (a backtest's detail pass); null: the mode decides.
   */
  resolver: AmbiguousBarResolver | null = null;
  /** Something waits for the next open (checked on every bar). */
  private waiting = false;
  private readonly optimistic: boolean = false;

  // explicit fields, not constructor parameter properties (see TradingCore)
  readonly feeBps: number = 0;
  readonly slippageBps: number = 0;
  declare readonly sink: SimFillSink;

  constructor(
    feeBps: number,
    slippageBps: number,
    intrabar: "conservative" | "optimistic",
    sink: SimFillSink,
  ) {
    this.feeBps = feeBps;
    this.slippageBps = slippageBps;
    this.sink = sink;
    this.optimistic = intrabar === "optimistic";
  }

  /** Queues an exit of `qty` (Infinity: all) for the next open. */
  exit(qty: number, id: string, reason: FillReason = "signal"): void {
    this.exitQty = qty;
    this.exitId = id;
    this.exitReason = reason;
    this.waiting = true;
  }

  /**
   * Queues an entry for the next open (one at a time); `id` (the caller's client id) comes
   * back with its fill.
   */
  enter(e: SimEntry, id = ""): void {
    this.pendingEntry = e;
    this.pendingEntryId = id;
    this.waiting = true;
  }

  /** The open position's stop price. */
  get stop(): number {
    return this.stopLevel;
  }

  /** The open position's take-profit price (±Infinity: none). */
  get tp(): number {
    return this.tpLevel;
  }

  /** Sets the open position's stop and take-profit (after its direction is set). */
  setBracket(stop: number, tp: number): void {
    this.stopLevel = stop;
    this.tpLevel = tp;
    this.bandLo = this.dir > 0 ? stop : tp;
    this.bandHi = this.dir > 0 ? tp : stop;
  }

  /** Moves the stop now (it counts from the next bar). */
  moveStop(price: number): void {
    if (this.dir !== 0) this.setBracket(price, this.tpLevel);
  }

  /** Cancels what is waiting for the next open; returns how many orders that was. */
  cancelPending(): number {
    const n = (Number.isNaN(this.exitQty) ? 0 : 1) + (this.pendingEntry === null ? 0 : 1);
    this.exitQty = Number.NaN;
    this.pendingEntry = null;
    this.waiting = false;
    return n;
  }

  /**
   * One bar: fills what waits at its open (exit first, then entry), then checks the
   * bracket over the bar. Returns true when a position was open during the bar.
   */
  bar(ts: number, open: number, high: number, low: number): boolean {
    if (this.waiting) this.fillWaiting(ts, open);
    if (this.dir === 0) return false;
    // most bars open and stay strictly between the two levels: nothing to check further.
    // The rest go to the full rules in a method of their own, so this body stays short
    // enough for V8 to inline it into the backtest loop
    const lo = this.bandLo;
    const hi = this.bandHi;
    if (!(low > lo && high < hi && open > lo && open < hi)) this.checkBracket(ts, open, high, low);
    return true;
  }

  private checkBracket(ts: number, open: number, high: number, low: number): void {
    const hit = bracketHit(this.dir > 0, open, high, low, this.stop, this.tp, this.optimistic);
    if (hit !== HIT_NONE) this.#exitAt(hit, ts, open, high, low);
  }

  /** The bracket level `hit` (a HIT_* code) exits the position in this bar. */
  #exitAt(hit: number, ts: number, open: number, high: number, low: number): void {
    const isLong = this.dir > 0;
    // the ambiguity check costs nothing per candle: only bars that exit get here
    if (
      (hit === HIT_STOP || hit === HIT_TP) && touchesBoth(isLong, high, low, this.stop, this.tp)
    ) {
      this.ambiguousBars++;
      if (this.resolver !== null) {
        hit = this.resolver.resolve(ts, isLong, this.stop, this.tp);
        // a finer candle that opened through the level fills at its own open
        if (hit === HIT_STOP_GAP || hit === HIT_TP_GAP) open = this.resolver.gapPrice;
      }
    }
    const level = hitPrice(hit, open, this.stop, this.tp);
    this.#close(
      Infinity,
      slipped(level, !isLong, this.slippageBps),
      ts,
      isStopHit(hit) ? "stop" : "tp",
      "",
    );
  }

  private fillWaiting(ts: number, open: number): void {
    this.waiting = false;
    if (!Number.isNaN(this.exitQty)) {
      const q = this.exitQty;
      this.exitQty = Number.NaN;
      if (this.dir !== 0) {
        this.#close(
          q,
          slipped(open, this.dir < 0, this.slippageBps),
          ts,
          this.exitReason,
          this.exitId,
        );
      }
    }
    const e = this.pendingEntry;
    if (e !== null) {
      this.pendingEntry = null;
      if (this.dir === 0) this.#open(e, open, ts, this.pendingEntryId);
    }
  }

  /**
   * Closes `qty` (Infinity: all) of what is open at `price` now (a backtest's end, bar
   * mode's close); `id` is the order's client id, passed back with its fill.
   */
  closeAt(price: number, ts: number, reason: FillReason, qty = Infinity, id = ""): void {
    if (this.dir === 0) return;
    this.#close(qty, slipped(price, this.dir < 0, this.slippageBps), ts, reason, id);
  }

  #open(e: SimEntry, open: number, ts: number, id: string): void {
    const isLong = e.dir > 0;
    const price = slipped(open, isLong, this.slippageBps);
    const qty = qtyWithinNotional(e.qty, price, e.maxNotional);
    const { stop, tp } = bracketAt(isLong, price, e);
    this.dir = e.dir;
    this.qty = qty;
    this.entry = price;
    this.setBracket(stop, tp);
    this.sink.entryFilled(e.dir, qty, price, feeFor(qty, price, this.feeBps), ts, stop, tp, id);
  }

  #close(q: number, price: number, ts: number, reason: FillReason, id: string): void {
    const dir = this.dir;
    const qty = q >= this.qty ? this.qty : q;
    if (qty >= this.qty) this.dir = 0;
    else this.qty = cleanQty(this.qty - qty);
    this.sink.exitFilled(dir, qty, price, feeFor(qty, price, this.feeBps), ts, reason, id);
  }
}
