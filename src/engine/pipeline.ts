import type { Candle } from "../core/candle.ts";
import type { EventSink } from "../core/events.ts";
import { positionQty, stopPriceFor, tpPriceFor } from "../core/fill_rules.ts";
import type { Fill, OrderRequest } from "../core/order.ts";
import type { Exchange, FeedCandle } from "../core/ports.ts";
import type { ExitReason, Trade } from "../core/trade.ts";
import type { Strategy } from "../strategy/strategy.ts";
import type { BacktestParams } from "../core/backtest_params.ts";
import { clientIdFor } from "./client_id.ts";
import { GrowableSeries } from "../core/growable_series.ts";
import type { RiskGate } from "./risk_gate.ts";
import { type OpenPosition, TradeLedger } from "./trade_ledger.ts";

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
  /** Called right before an order is sent, so a journal can record it in flight. */
  readonly onOrderSending?: (order: OrderRequest) => void;
  /** Called when sending an order failed; the venue may or may not have it. */
  readonly onOrderFailed?: (order: OrderRequest, error: unknown) => void;
  /** Called right after a fill is applied and reported, so a journal can drop it from flight. */
  readonly onFill?: (fill: Fill) => void;
  /** Re-checks the kill switch right before an entry is sent (live: reads the file). */
  readonly checkKillSwitchNow?: () => boolean;
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
  };
}

/** What happened on one candle. */
export interface CandleOutcome {
  readonly accepted: boolean;
  readonly bias: number;
  readonly orders: readonly OrderRequest[];
  readonly denials: readonly string[];
}

const EXIT_REASON: Record<Fill["reason"], ExitReason> = {
  entry: "signal",
  stop: "stop",
  tp: "tp",
  signal: "signal",
  end: "end",
  flatten: "end",
};

/**
 * The agent pipeline every session mode runs: for each closed candle the market,
 * journal (fills), signal, risk and execution agents act in order. It makes the same
 * decisions with the same arithmetic as the backtest fast path; orders are only ever
 * sent for live candles, never for warm-up history.
 */
export class AgentPipeline {
  readonly ledger: TradeLedger;
  readonly series = new GrowableSeries();
  /** Marked-to-market equity at each accepted candle. */
  readonly equity: number[] = [];
  exposedCandles = 0;
  denials = 0;
  #prevBias = 0;
  #lastTs = -Infinity;
  /** When each order was sent (timer ms), for the signal-to-fill latency. */
  readonly #sentAt = new Map<string, number>();

  constructor(readonly deps: PipelineDeps, startEquity = deps.params.startEquity) {
    this.ledger = new TradeLedger(startEquity, deps.params.feeBps);
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
      return { accepted: false, bias: this.#prevBias, orders: [], denials: [] };
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
    let fills: readonly Fill[] = [];
    if (fc.live || (this.ledger.position !== null && d.pollFillsOnHistory !== false)) {
      try {
        fills = await d.exchange.drainFills();
      } catch (e) {
        // The venue keeps the fills; the next successful poll picks them up. Until then
        // the journal may lag the venue, so no new entries.
        const msg = e instanceof Error ? e.message : String(e);
        d.sink.emit("error", "journal", "fills.failed", { candleTs: c.ts, error: msg });
        d.gate.halt(`exchange error: ${msg}`);
      }
    }
    for (const f of fills) this.#applyFill(f);
    if (this.ledger.position !== null) this.exposedCandles++;
    const eq = this.ledger.equityAt(c.close);
    this.equity.push(eq);
    d.gate.markEquity(c.ts, eq);
    this.#step("journal", t0, { fills: fills.length }, {
      equity: eq,
      position: this.ledger.position?.side ?? null,
    });
    // 3. signal
    t0 = d.timer();
    const bias = d.strategy.next(this.series, i);
    this.#step("signal", t0, { close: c.close }, { bias });
    // 4. risk
    t0 = d.timer();
    const orders: OrderRequest[] = [];
    const denials: string[] = [];
    if (bias !== this.#prevBias) {
      const pos = this.ledger.position;
      const curDir = pos === null ? 0 : pos.side === "long" ? 1 : -1;
      if (curDir !== 0 && bias !== curDir) {
        orders.push({
          clientId: clientIdFor(d.runKey, c.ts, "exit"),
          symbol: d.symbol,
          side: curDir > 0 ? "sell" : "buy",
          qty: pos!.qty,
          intent: "exit",
          reduceOnly: true,
          refPrice: c.close,
        });
      }
      if (bias !== 0 && bias !== curDir) {
        const p = d.params;
        const qty = positionQty(eq, c.close, p.riskPct, p.stopBps, p.maxLeverage);
        const denial = d.gate.checkEntry(qty * c.close, eq);
        if (denial === null) {
          orders.push({
            clientId: clientIdFor(d.runKey, c.ts, "entry"),
            symbol: d.symbol,
            side: bias > 0 ? "buy" : "sell",
            qty,
            intent: "entry",
            reduceOnly: false,
            refPrice: c.close,
            stopBps: p.stopBps,
            tpR: p.tpR,
          });
        } else {
          denials.push(denial);
          this.denials++;
          if (fc.live) {
            d.sink.emit("warn", "risk", "risk.denied", { candleTs: c.ts, reason: denial, bias });
          }
        }
      }
    }
    this.#prevBias = bias;
    this.#step("risk", t0, { bias, equity: eq }, {
      orders: orders.map((o) => o.clientId),
      denials,
    });
    // 5. execution: only live candles may send orders
    t0 = d.timer();
    const sent: string[] = [];
    if (fc.live) {
      let exitFailed = false;
      for (const o of orders) {
        // a reversal's entry assumes its exit closed the position; if the position were
        // still open, this order would net against it on a one-way account
        const refused = o.intent !== "entry"
          ? null
          : exitFailed
          ? "Cannot place order: the exit before it failed"
          : d.checkKillSwitchNow?.()
          ? "Cannot place order: kill switch is active"
          : null;
        if (refused !== null) {
          denials.push(refused);
          d.sink.emit("warn", "risk", "risk.denied", {
            candleTs: c.ts,
            reason: refused,
            clientId: o.clientId,
          });
          continue;
        }
        try {
          d.onOrderSending?.(o);
          this.#sentAt.set(o.clientId, d.timer());
          const ack = await d.exchange.placeOrder(o);
          sent.push(o.clientId);
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
              candleTs: c.ts,
            },
          );
        } catch (e) {
          const msg = e instanceof Error ? e.message : String(e);
          d.sink.emit("error", "execution", "order.failed", {
            clientId: o.clientId,
            intent: o.intent,
            error: msg,
          });
          // A refused entry halts new entries. A refused exit does not: reduce-only orders
          // cannot add risk, and the common cause is a race with the exchange-side stop or
          // take-profit that already closed the position (its fill arrives with the next poll).
          if (o.intent === "entry") d.gate.halt(`exchange error: ${msg}`);
          else exitFailed = true;
          d.onOrderFailed?.(o, e);
        }
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
    return { accepted: true, bias, orders: fc.live ? orders : [], denials };
  }

  /** Applies fills that arrived outside a candle (e.g. a final settlement). */
  async applyPendingFills(): Promise<Fill[]> {
    const fills = await this.deps.exchange.drainFills();
    for (const f of fills) this.#applyFill(f);
    return fills;
  }

  #applyFill(f: Fill): void {
    const d = this.deps;
    const pos = this.ledger.position;
    if (f.reason === "entry") {
      if (pos !== null) {
        d.sink.emit("error", "journal", "fill.unexpected", {
          clientId: f.clientId,
          reason: "entry while positioned",
        });
        return;
      }
      const isLong = f.side === "buy";
      const p = d.params;
      this.ledger.open(
        isLong ? "long" : "short",
        f.qty,
        f.ts,
        f.price,
        stopPriceFor(isLong, f.price, p.stopBps),
        tpPriceFor(isLong, f.price, p.stopBps, p.tpR),
      );
      d.sink.emit("info", "execution", "order.filled", {
        ...fillEventFields(f),
        ...this.#latency(f),
      });
      d.onFill?.(f);
      return;
    }
    if (pos === null) {
      d.sink.emit("error", "journal", "fill.unexpected", {
        clientId: f.clientId,
        reason: "exit while flat",
      });
      return;
    }
    const trade = this.ledger.close(f.ts, f.price, EXIT_REASON[f.reason]);
    d.sink.emit("info", "execution", "order.filled", {
      ...fillEventFields(f),
      ...this.#latency(f),
      trade: trade.id,
      pnl: trade.pnl,
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
