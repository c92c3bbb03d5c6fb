import type { Candle } from "../core/candle.ts";
import { isOrderRefused } from "../core/errors.ts";
import type { EventSink } from "../core/events.ts";
import type { Fill, OrderRequest, VenuePosition } from "../core/order.ts";
import type { Exchange, FeedCandle } from "../core/ports.ts";
import type { Trade } from "../core/trade.ts";
import type { Strategy } from "../strategy/api.ts";
import {
  isStrategyError,
  type RunnerTiming,
  type StrategyError,
  StrategyRunner,
} from "../strategy/runner.ts";
import { type CoreOrder, type DecideFlags, TradingCore } from "./core.ts";
import type { BacktestParams } from "../core/backtest_params.ts";
import { clientIdFor } from "./client_id.ts";
import { GrowableSeries } from "../core/growable_series.ts";
import type { Denial, DenialCode, RiskGate } from "./risk_gate.ts";
import type { OpenPosition, TradeLedger } from "./trade_ledger.ts";

/** What the pipeline needs; `app/` picks every implementation. */
export interface PipelineDeps {
  readonly runId: string;
  /** Short key that prefixes client ids (see clientIdFor). */
  readonly runKey: string;
  readonly symbol: string;
  readonly intervalMs: number;
  readonly strategy: Strategy;
  /** Sizing, bracket and costs (the `mode` field must be `position`). */
  readonly params: BacktestParams;
  readonly exchange: Exchange;
  readonly gate: RiskGate;
  /** Run journal (events.jsonl / system.jsonl). */
  readonly sink: EventSink;
  /** Record every agent step (orchestrated mode). */
  readonly recordSteps: boolean;
  /** Monotonic timer for step durations, in ms. */
  readonly timer: () => number;
  /** Called after every candle with the journal's view (heartbeat, dashboard). */
  readonly onJournal?: (view: JournalView) => void;
  /**
   * Poll fills on history candles while a position is open (default true): right for the
   * simulated venue, which fills per candle; a live venue reports fills by time, so its
   * first live candle's poll returns them all.
   */
  readonly pollFillsOnHistory?: boolean;
  /**
   * A venue that fills at once (live): after sending orders on a candle, read their fills
   * back in the same step, check the entry against its caps and its stop on the venue,
   * and compare the position with the venue's on every live candle.
   */
  readonly immediateFills?: boolean;
  /** Called right before an order is sent, so a journal can record it in flight. */
  readonly onOrderSending?: (order: OrderRequest) => void;
  /** Called when sending an order failed; the venue may or may not have it. */
  readonly onOrderFailed?: (order: OrderRequest, error: unknown) => void;
  /** Called right after a fill is applied and reported, so a journal can drop it from flight. */
  readonly onFill?: (fill: Fill) => void;
  /** Re-checks the kill switch right before an entry leaves (live: reads the file). */
  readonly checkKillSwitchNow?: () => boolean;
  /**
   * Sessions: a strategy that fails halts trading instead of ending the run (a backtest
   * or replay fails with the strategy's error).
   */
  readonly haltOnStrategyError?: boolean;
  /** How the strategy's answers are timed (tests inject a clock and a limit). */
  readonly strategyTiming?: RunnerTiming;
}

/** The journal's view after a candle. */
export interface JournalView {
  readonly candle: Candle;
  readonly equity: number;
  readonly position: OpenPosition | null;
  readonly fills: readonly Fill[];
  readonly trades: readonly Trade[];
  readonly riskState: string;
}

/** The fields of an `order.filled` event for a fill. */
export function fillEventFields(f: Fill): Record<string, unknown> {
  return {
    clientId: f.clientId,
    orderId: f.orderId,
    side: f.side,
    qty: f.qty,
    price: f.price,
    fee: f.fee,
    reason: f.reason,
    fillTs: f.ts,
    ...(f.tradeIds ? { tradeIds: f.tradeIds } : {}),
  };
}

/** What happened on one candle. */
export interface CandleOutcome {
  readonly accepted: boolean;
  readonly bias: number;
  readonly orders: readonly OrderRequest[];
  readonly denials: readonly string[];
}

/** Quantities within this fraction count as the same position (venue rounding). */
const SAME_QTY = 1e-6;

const sideOf = (p: { side: string; qty: number } | null) => p === null ? "flat" : p.side;
const posText = (p: { side: string; qty: number } | null) =>
  p === null ? "flat" : `${p.side.toUpperCase()} ${p.qty}`;

/**
 * The agent pipeline every session mode runs: for each closed candle the market,
 * journal (fills), signal, risk and execution agents act in order. It makes the same
 * decisions with the same arithmetic as the backtest fast path; orders are only ever
 * sent for live candles, never for warm-up history.
 *
 * Decisions follow the strategy's bias changes (edges). The first live candle after
 * history (a start, a resume, a reconnect whose missed bars were replayed) instead brings
 * the position to what the strategy says now (state), so a signal that changed on a
 * replayed bar is still acted on. Fills change the position by the venue's netting:
 * several fills of one order add up, an exit closes what it filled. With a live venue
 * the position is compared with the venue's on every live candle (a difference halts
 * entries until they agree again) and a position's stop is checked on the venue (re-placed
 * when missing; when that fails the position is closed and trading halts).
 */
/** A stop move the core decided (the ledger holds it already; the venue is told next). */
type StopMove = Extract<CoreOrder, { kind: "move-stop" }>;

export class AgentPipeline {
  /** The trading rules (the same core the backtest loop drives). */
  readonly core: TradingCore;
  readonly ledger: TradeLedger;
  readonly series = new GrowableSeries();
  /** Marked-to-market equity at each accepted candle. */
  readonly equity: number[] = [];
  #lastTs = -Infinity;
  #prevLive = false;
  /** The last live candle's exit failed: the next one acts on the strategy's state. */
  #retry = false;
  #mismatch: string | null = null;
  /** The strategy failed: it is not asked again, and no entries are made. */
  #strategyFailed: StrategyError | null = null;
  /** When each order was sent (timer ms), for the signal-to-fill latency. */
  readonly #sentAt = new Map<string, number>();
  /** The notional cap of each entry sent (client id -> maxNotional). */
  readonly #entryCaps = new Map<string, number>();

  constructor(readonly deps: PipelineDeps, startEquity = deps.params.startEquity) {
    // the pipeline times every answer: in a session a late one delays this candle's orders
    const runner = new StrategyRunner(
      deps.strategy.name ?? "strategy",
      deps.strategy,
      this.series,
      { mode: "each", ...deps.strategyTiming },
    );
    this.core = new TradingCore(deps.params, deps.gate, runner, startEquity);
    this.ledger = this.core.ledger;
  }

  /** Entries refused so far. */
  get denials(): number {
    return this.core.denials;
  }

  /** Refused entries by reason. */
  get denialsByCode(): Readonly<Partial<Record<DenialCode, number>>> {
    return this.core.denialsByCode;
  }

  /** Processes one closed candle through every agent. */
  async onCandle(fc: FeedCandle): Promise<CandleOutcome> {
    const d = this.deps;
    const c = fc.candle;
    // 1. market
    let t0 = d.timer();
    if (!(c.ts > this.#lastTs)) {
      d.sink.emit("warn", "market", "candle.rejected", {
        candleTs: c.ts,
        reason: "not after the previous candle",
      });
      return { accepted: false, bias: 0, orders: [], denials: [] };
    }
    if (this.#lastTs !== -Infinity && c.ts - this.#lastTs > d.intervalMs) {
      d.sink.emit("warn", "market", "candle.gap", {
        from: this.#lastTs,
        to: c.ts,
        missing: (c.ts - this.#lastTs) / d.intervalMs - 1,
      });
    }
    this.#lastTs = c.ts;
    const i = this.series.push(c);
    this.#step("market", t0, { candle: c, live: fc.live }, { index: i });
    // 2. journal: fills the venue confirmed since the last candle
    t0 = d.timer();
    // History candles can only bring fills of ours when a position is open (a resume), and
    // only from a venue that fills per candle; a live venue is polled on live candles.
    const fills: Fill[] = [];
    if (fc.live || (this.ledger.position !== null && d.pollFillsOnHistory !== false)) {
      fills.push(...await this.#drain(c.ts));
    }
    if (fc.live && d.immediateFills) await this.#checkWithVenue(c.ts, c.close);
    const eq = this.ledger.equityAt(c.close);
    this.equity.push(eq);
    this.core.mark(c.ts, eq);
    // a session keeps the gate current on every candle: its day is saved after each one,
    // and a restart restores the loss from it (a backtest marks it only when it matters)
    this.core.flushMarks();
    this.#step("journal", t0, { fills: fills.length }, {
      equity: eq,
      position: this.ledger.position?.side ?? null,
    });
    // 3. signal and 4. risk: the core's rules decide the orders
    t0 = d.timer();
    // state, not edge, on the first live candle after history and after a candle whose
    // exit did not go through; a live position against the strategy is always exited
    const sync = fc.live && (!this.#prevLive || this.#retry);
    this.#retry = false;
    this.#prevLive = fc.live;
    const denials: string[] = [];
    const k = this.#decide(i, c.ts, {
      orders: fc.live,
      sync,
      live: fc.live,
      hold: this.#mismatch !== null
        ? { code: "halted", message: `Cannot place order: ${this.#mismatch}` }
        : null,
    });
    const decision = this.core.runner.out;
    this.#step("signal", t0, { close: c.close }, {
      bias: Number.isNaN(decision.bias) ? null : decision.bias,
    });
    t0 = d.timer();
    const refused = this.core.lastDenial;
    if (refused !== null) {
      denials.push(refused.message);
      if (fc.live) {
        d.sink.emit("warn", "risk", "risk.denied", {
          candleTs: c.ts,
          reason: refused.message,
          code: refused.code,
          bias: Number.isNaN(decision.bias) ? null : decision.bias,
        });
      }
    }
    const orders: OrderRequest[] = [];
    const moves: StopMove[] = [];
    for (let j = 0; j < k; j++) {
      const o = this.#request(this.core.orders[j], c.ts);
      if ("kind" in o) moves.push(o);
      else orders.push(o);
    }
    this.#step("risk", t0, { bias: decision.bias, equity: eq }, {
      orders: orders.map((o) => o.clientId),
      denials,
    });
    // 5. execution: only live candles may send orders
    t0 = d.timer();
    const sent: string[] = [];
    if (fc.live) {
      for (const move of moves) await this.#moveStop(move);
      let exitFailed = false;
      for (const o of orders) {
        // a reversal's entry assumes its exit closed the position; if the position were
        // still open, this order would net against it on a one-way account
        if (o.intent === "entry" && exitFailed) {
          this.#deny(
            { code: "exit-failed", message: "Cannot place order: the exit before it failed" },
            denials,
            { candleTs: c.ts, clientId: o.clientId },
          );
          continue;
        }
        const ok = await this.#send(o, c.ts, denials);
        if (ok) sent.push(o.clientId);
        else if (o.intent !== "entry") exitFailed = true;
      }
      // the reversal's entry held back above goes out with the retried exit
      if (exitFailed) this.#retry = true;
      // a live venue fills market orders at once: book them now, hold the entry to its
      // caps at the real fill price and make sure the venue protects it
      if (sent.length > 0 && d.immediateFills) {
        fills.push(...await this.#drain(c.ts));
        await this.#checkWithVenue(c.ts, c.close, true);
      }
    }
    this.#step("execution", t0, { orders: orders.length, live: fc.live }, { sent });
    d.onJournal?.({
      candle: c,
      equity: eq,
      position: this.ledger.position,
      fills,
      trades: this.ledger.trades,
      riskState: d.gate.state,
    });
    return {
      accepted: true,
      bias: Number.isNaN(decision.bias) ? 0 : decision.bias,
      orders: fc.live ? orders : [],
      denials,
    };
  }

  /**
   * The core's decision, unless the strategy failed: a strategy that throws or answers
   * garbage is not asked again; trading halts (no entries; the position keeps its stop on
   * the venue) and the failure is logged naming the strategy and the candle.
   */
  #decide(i: number, ts: number, flags: DecideFlags): number {
    if (this.#strategyFailed !== null) return 0;
    try {
      return this.core.decide(i, flags);
    } catch (e) {
      if (!isStrategyError(e) || this.deps.haltOnStrategyError !== true) throw e;
      this.#strategyFailed = e;
      const d = this.deps;
      d.sink.emit("error", "signal", "strategy.failed", {
        candleTs: ts,
        strategy: e.strategy,
        problem: e.problem,
        message: e.message,
      });
      d.gate.halt(`strategy failed: ${e.message}`);
      return 0;
    }
  }

  /** An order of the core as the venue gets it (a stop move as itself). */
  #request(o: CoreOrder, ts: number): OrderRequest | StopMove {
    const d = this.deps;
    const pos = this.ledger.position;
    const closing = pos !== null && pos.side === "long" ? "sell" : "buy";
    switch (o.kind) {
      case "move-stop":
        return o;
      case "exit":
        return {
          clientId: clientIdFor(d.runKey, ts, "exit"),
          symbol: d.symbol,
          side: closing,
          qty: pos!.qty,
          intent: "exit",
          reduceOnly: true,
          refPrice: this.series.close[this.series.length - 1],
        };
      case "reduce":
        return {
          clientId: clientIdFor(d.runKey, ts, "reduce"),
          symbol: d.symbol,
          side: closing,
          qty: o.qty,
          intent: "reduce",
          reduceOnly: true,
          refPrice: this.series.close[this.series.length - 1],
        };
      case "entry":
        return {
          clientId: clientIdFor(d.runKey, ts, "entry"),
          symbol: d.symbol,
          side: o.dir > 0 ? "buy" : "sell",
          qty: o.qty,
          intent: "entry",
          reduceOnly: false,
          refPrice: o.refPrice,
          maxNotional: o.maxNotional,
          bracket: {
            stopKind: o.stopKind,
            stopValue: o.stopValue,
            tpKind: o.tpKind,
            tpValue: o.tpValue,
            tpR: o.tpR,
          },
        };
    }
  }

  /** Moves the venue's stop (the core already moved the position's). */
  async #moveStop({ price, from }: StopMove): Promise<void> {
    const d = this.deps;
    const pos = this.ledger.position;
    if (pos === null) return;
    try {
      await d.exchange.protect(d.symbol, {
        stopPrice: price,
        ...(Number.isFinite(pos.tpPrice) ? { tpPrice: pos.tpPrice } : {}),
      });
      d.sink.emit("info", "execution", "protection.moved", { stopPrice: price });
    } catch (e) {
      // the venue still holds the stop before: so does the ledger (and what the strategy
      // sees), or the position would look safer than it is
      this.ledger.setBracket(from, pos.tpPrice);
      d.sink.emit("error", "execution", "protection.move_failed", {
        stopPrice: price,
        kept: from,
        error: errorText(e),
      });
    }
  }

  /**
   * Books what the venue filled while the agent was down (a restart of the same session:
   * the ledger was restored), each `order.filled` marked `recovered`; then, with a live
   * venue, compares the position with the venue's and checks its stop.
   */
  async catchUp(ts: number): Promise<Fill[]> {
    const fills = await this.#drain(ts, { recovered: true });
    if (this.deps.immediateFills) await this.#checkWithVenue(ts, Number.NaN);
    return fills;
  }

  /** Applies fills that arrived outside a candle (e.g. a final settlement). */
  async applyPendingFills(): Promise<Fill[]> {
    const fills = await this.deps.exchange.drainFills();
    for (const f of fills) this.#applyFill(f);
    return fills;
  }

  /**
   * Checks that the venue holds a stop for the open position; re-places the position's
   * stop and take-profit when it does not; closes the position and halts trading when the
   * venue refuses (or the stop would already be on the wrong side of the market).
   * A position must never stay unprotected. Does nothing when flat.
   * @param ts candle time (for client ids)
   * @param price the latest price known
   */
  async verifyProtection(ts: number, price: number): Promise<void> {
    const d = this.deps;
    const pos = this.ledger.position;
    if (pos === null) return;
    let held;
    try {
      held = await d.exchange.protection(d.symbol);
    } catch (e) {
      d.sink.emit("error", "execution", "protection.check_failed", { error: errorText(e) });
      return;
    }
    if (held?.stopPrice !== undefined) return;
    const isLong = pos.side === "long";
    const wrongSide = isLong ? price <= pos.stopPrice : price >= pos.stopPrice;
    d.sink.emit("warn", "execution", "protection.missing", {
      side: pos.side,
      qty: pos.qty,
      stopPrice: pos.stopPrice,
      tpPrice: pos.tpPrice,
      price,
    });
    if (!wrongSide) {
      try {
        await d.exchange.protect(d.symbol, {
          stopPrice: pos.stopPrice,
          ...(Number.isFinite(pos.tpPrice) ? { tpPrice: pos.tpPrice } : {}),
        });
        d.sink.emit("warn", "execution", "protection.replaced", {
          stopPrice: pos.stopPrice,
          tpPrice: pos.tpPrice,
        });
        return;
      } catch (e) {
        d.sink.emit("error", "execution", "protection.failed", { error: errorText(e) });
      }
    }
    const why = wrongSide
      ? `the stop ${pos.stopPrice} is already crossed at ${price}`
      : "the venue refused the stop";
    d.gate.halt(`unprotected position: ${why}`);
    const ok = await this.#send({
      clientId: clientIdFor(d.runKey, ts, "flatten"),
      symbol: d.symbol,
      side: isLong ? "sell" : "buy",
      qty: pos.qty,
      intent: "flatten",
      reduceOnly: true,
      refPrice: price,
    }, ts);
    if (ok && d.immediateFills) await this.#drain(ts);
  }

  /**
   * With a live venue: compares the position with the venue's. When they agree (the
   * agent's view is then the venue's) a new entry is held to its cap. The venue's stop is
   * checked whenever the venue holds a position on the agent's side, agreeing or not (a
   * manual add, a fill not yet seen): its stop is one for the whole position, and it must
   * not wait for the two to agree. When the venue holds nothing on that side, or could not
   * be read, nothing is done on the agent's view; entries are held back meanwhile.
   */
  async #checkWithVenue(ts: number, price: number, afterEntry = false): Promise<void> {
    const seen = await this.#compareWithVenue(ts);
    if (seen === "agree" && afterEntry) await this.#enforceCaps(ts);
    if (seen === "agree" || seen === "same-side") await this.verifyProtection(ts, price);
  }

  async #drain(ts: number, mark: Record<string, unknown> = {}): Promise<Fill[]> {
    const d = this.deps;
    let fills: readonly Fill[] = [];
    try {
      fills = await d.exchange.drainFills();
    } catch (e) {
      // The venue keeps the fills; the next successful poll picks them up. Until then
      // the journal may lag the venue, so no new entries.
      const msg = errorText(e);
      d.sink.emit("error", "journal", "fills.failed", { candleTs: ts, error: msg });
      d.gate.halt(`exchange error: ${msg}`);
    }
    for (const f of fills) this.#applyFill(f, mark);
    return [...fills];
  }

  /**
   * Compares the agent's position with the venue's. A difference (a manual trade, another
   * bot, a fill not yet seen) halts entries and says what was found, until the two agree.
   * @returns `agree`; `same-side` when both hold the same side in other quantities;
   *   `differ`; `unknown` when the venue could not be read
   */
  async #compareWithVenue(ts: number): Promise<"agree" | "same-side" | "differ" | "unknown"> {
    const d = this.deps;
    let venue: VenuePosition | null;
    try {
      venue = await d.exchange.position(d.symbol);
    } catch (e) {
      d.sink.emit("error", "journal", "position.check_failed", { error: errorText(e) });
      return "unknown";
    }
    const own = this.ledger.position;
    const same = sideOf(own) === sideOf(venue) &&
      (own === null || Math.abs(own.qty - venue!.qty) <= SAME_QTY * own.qty);
    if (same) {
      if (this.#mismatch !== null) {
        d.sink.emit("info", "journal", "position.matched", {
          candleTs: ts,
          position: posText(own),
        });
        this.#mismatch = null;
      }
      return "agree";
    }
    const found = `the venue holds ${posText(venue)} ${d.symbol} but this agent's orders ` +
      `account for ${posText(own)}: a trade not made by this agent (manual, another bot) or ` +
      `a fill not yet reported; entries halted until they agree`;
    if (found !== this.#mismatch) {
      d.sink.emit("error", "journal", "position.mismatch", {
        candleTs: ts,
        venue: venue === null ? null : { side: venue.side, qty: venue.qty },
        agent: own === null ? null : { side: own.side, qty: own.qty },
        message: found,
      });
    }
    this.#mismatch = found;
    return own !== null && sideOf(own) === sideOf(venue) ? "same-side" : "differ";
  }

  /** Takes back the part of an entry that filled beyond its notional cap. */
  async #enforceCaps(ts: number): Promise<void> {
    const d = this.deps;
    const pos = this.ledger.position;
    const cap = this.#entryCaps.get(clientIdFor(d.runKey, ts, "entry"));
    if (pos === null || cap === undefined) return;
    const notional = pos.qty * pos.entryPrice;
    if (notional <= cap * (1 + 1e-6)) return;
    const excess = pos.qty - cap / pos.entryPrice;
    d.sink.emit("error", "risk", "risk.breached", {
      candleTs: ts,
      notional,
      maxNotional: cap,
      excessQty: excess,
    });
    const ok = await this.#send({
      clientId: clientIdFor(d.runKey, ts, "reduce"),
      symbol: d.symbol,
      side: pos.side === "long" ? "sell" : "buy",
      qty: excess,
      intent: "reduce",
      reduceOnly: true,
      refPrice: pos.entryPrice,
    }, ts);
    if (ok) await this.#drain(ts);
  }

  /** Sends one order; false when it failed (reported, and an entry failure halts). */
  async #send(o: OrderRequest, ts: number, denials: string[] = []): Promise<boolean> {
    const d = this.deps;
    // an entry's last check, right before it leaves (after any wait, on every retry)
    let refusal: Denial | null = null;
    const refuse = o.intent !== "entry" ? undefined : () => {
      refusal = d.checkKillSwitchNow?.()
        ? { code: "kill-switch", message: "Cannot place order: kill switch is active" }
        : d.gate.state === "halted"
        ? { code: "halted", message: `Cannot place order: trading halted (${d.gate.haltReason})` }
        : null;
      return refusal?.message ?? null;
    };
    try {
      d.onOrderSending?.(o);
      this.#sentAt.set(o.clientId, d.timer());
      if (o.maxNotional !== undefined) this.#entryCaps.set(o.clientId, o.maxNotional);
      const ack = await d.exchange.placeOrder(o, { refuse });
      d.sink.emit(
        "info",
        "execution",
        ack.duplicate ? "order.duplicate_ignored" : "order.placed",
        {
          clientId: o.clientId,
          orderId: ack.orderId,
          side: o.side,
          qty: o.qty,
          intent: o.intent,
          refPrice: o.refPrice,
          candleTs: ts,
        },
      );
      return true;
    } catch (e) {
      if (isOrderRefused(e) && refusal !== null) {
        // nothing left for the venue: a refusal, not a venue error
        this.#deny(refusal, denials, { candleTs: ts, clientId: o.clientId });
        d.onOrderFailed?.(o, e);
        return false;
      }
      const msg = errorText(e);
      d.sink.emit("error", "execution", "order.failed", {
        clientId: o.clientId,
        intent: o.intent,
        error: msg,
      });
      // A refused entry halts new entries. A refused exit does not: reduce-only orders
      // cannot add risk, and the common cause is a race with the exchange-side stop or
      // take-profit that already closed the position (its fill arrives with the next poll).
      if (o.intent === "entry") d.gate.halt(`exchange error: ${msg}`);
      d.onOrderFailed?.(o, e);
      return false;
    }
  }

  #deny(
    denial: Denial,
    denials: string[],
    logFields: Record<string, unknown> | null,
  ): void {
    denials.push(denial.message);
    this.core.recordDenial(denial);
    if (logFields !== null) {
      this.deps.sink.emit("warn", "risk", "risk.denied", {
        ...logFields,
        reason: denial.message,
        code: denial.code,
      });
    }
  }

  /** Books a venue fill in the core and reports it. */
  #applyFill(f: Fill, mark: Record<string, unknown> = {}): void {
    const d = this.deps;
    const pos = this.ledger.position;
    const r = this.core.applyFill(f);
    if (r.kind === "foreign") {
      // somebody else's trade on our symbol: not ours to book; the comparison with the
      // venue's position says what it did
      d.sink.emit("warn", "journal", "fill.foreign", {
        ...fillEventFields(f),
        position: posText(pos),
      });
      return;
    }
    if (r.kind === "unexpected") {
      d.sink.emit("error", "journal", "fill.unexpected", {
        clientId: f.clientId,
        orderId: f.orderId,
        reason: r.reason,
      });
      return;
    }
    if (r.extra) {
      d.sink.emit("warn", "journal", "fill.foreign", { ...fillEventFields(f), reason: r.extra });
    }
    d.sink.emit("info", "execution", "order.filled", {
      ...fillEventFields(f),
      ...this.#latency(f),
      ...(r.trade ? { trade: r.trade.id, pnl: r.trade.pnl } : {}),
      ...mark,
    });
    d.onFill?.(f);
  }

  /** Signal-to-fill-confirmation latency of an order this pipeline sent. */
  #latency(f: Fill): { latency_sec?: number } {
    const sent = this.#sentAt.get(f.clientId);
    if (sent === undefined) return {};
    this.#sentAt.delete(f.clientId);
    return { latency_sec: (this.deps.timer() - sent) / 1000 };
  }

  #step(agent: string, t0: number, input: unknown, decision: unknown): void {
    if (!this.deps.recordSteps) return;
    this.deps.sink.emit("debug", agent, "agent.step", {
      agent,
      candleTs: this.#lastTs,
      input,
      decision,
      duration_ms: this.deps.timer() - t0,
    });
  }
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
