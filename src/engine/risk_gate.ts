import { HARD_LIMITS } from "../core/hard_limits.ts";
import type { RiskLimits } from "../core/risk_limits.ts";

/** RiskGate states: active trades normally, reducing only lets exits through, halted blocks entries. */
export type RiskState = "active" | "reducing" | "halted";

export type { RiskLimits };

const DAY_MS = 86_400_000;

/** Why an entry was refused; `stats.json` counts refusals by these codes. */
export type DenialCode =
  | "kill-switch"
  | "halted"
  | "daily-limit"
  | "daily-budget"
  | "size-zero"
  | "exit-failed";

/** A refused entry: a code for counting and a sentence for people. */
export interface Denial {
  readonly code: DenialCode;
  readonly message: string;
}

/** An allowed entry: its quantity and the largest notional it may reach at its fill. */
export interface EntrySize {
  readonly qty: number;
  /**
   * The smallest of the position limit, leverage x equity and the notional whose loss at
   * the stop (plus fees and slippage) fits the rest of the day's loss budget. The venue
   * must hold the entry to this at the fill price, wherever the price has gone meanwhile.
   */
  readonly maxNotional: number;
}

/** What an entry asks the gate for. */
export interface EntryRequest {
  /** Quantity the sizing rule wants (risk % of equity at the stop). */
  readonly qty: number;
  /** Price the quantity was sized at. */
  readonly refPrice: number;
  /** Account equity, marked to market. */
  readonly equity: number;
  /**
   * Loss if the stop is hit, per unit of entry notional, fees and slippage included
   * (see `lossPerNotionalAtStop`).
   */
  readonly lossPerNotional: number;
  /**
   * Losses already committed that the marks do not show yet (the exit costs of a position
   * closed on the same candle); they come out of the day's budget first.
   */
  readonly committedLoss?: number;
}

/** The day's loss accounting, persisted so a restart on the same UTC day remembers it. */
export interface RiskDayState {
  /** UTC day number (Unix ms / 86,400,000, floored). */
  readonly day: number;
  /** Equity the day started with. */
  readonly dayStartEquity: number;
  /** Equity at the last mark. */
  readonly lastEquity: number;
  /** True once the day's loss reached the limit: no entries until the next UTC day. */
  readonly latched: boolean;
}

// The two refusals a backtest meets by the thousand build their text only when it is read:
// formatting numbers for a message nobody reads cost more than the rest of the loop.

/** Today's loss reached the limit. */
class DailyLimitDenial implements Denial {
  readonly code = "daily-limit";
  constructor(readonly limit: number, readonly loss: number) {}
  get message(): string {
    return `Cannot place order: today's loss reached the ${this.limit} USD daily limit (now ${
      this.loss.toFixed(2)
    }); no entries until the next UTC day`;
  }
}

/** What is left of today's loss budget fits less than the venue's minimum size. */
class DailyBudgetDenial implements Denial {
  readonly code = "daily-budget";
  constructor(readonly remaining: number, readonly qty: number, readonly minQty: number) {}
  get message(): string {
    return `Cannot place order: the ${
      this.remaining.toFixed(2)
    } USD left of today's loss limit fits only ${
      this.qty > 0 ? this.qty.toPrecision(3) : 0
    } at the stop, below the venue minimum ${this.minQty}`;
  }
}

/** True when a sizing answer is a refusal. */
export function isDenial(r: EntrySize | Denial): r is Denial {
  return "code" in r;
}

/**
 * The check every order passes. Exits and cancels always pass (they only reduce risk).
 * Entries are refused when the kill switch is on, the gate is halted (stale data, exchange
 * errors, a venue position it cannot account for) or the day's loss limit has been
 * reached (latched until the next UTC day, even if marked equity recovers). An allowed
 * entry is sized down to fit the position limit, the leverage limit and the rest of the
 * day's loss budget (its loss at the stop plus fees must fit), or refused when what fits
 * is below the venue's minimum quantity. A refusal is a value, never an exception.
 */
export class RiskGate {
  #halted: string | null = null;
  #day = Number.NaN;
  #dayStartEquity = Number.NaN;
  #lastEquity = Number.NaN;
  #latched = false;
  #pending: { state: RiskDayState; basis: "same" | "rebase" } | null = null;
  readonly limits: RiskLimits;

  /**
   * @param limits stricter limits from config (hard limits apply regardless)
   * @param killSwitch returns true when the kill switch is tripped (checked per entry)
   * @param minQty the venue's minimum order quantity (an entry that fits only below it is refused)
   */
  constructor(
    limits: Partial<RiskLimits> = {},
    readonly killSwitch: () => boolean = () => false,
    readonly minQty = 0,
  ) {
    this.limits = {
      maxPositionUsd: Math.min(limits.maxPositionUsd ?? Infinity, HARD_LIMITS.maxPositionUsd),
      maxDailyLossUsd: Math.min(limits.maxDailyLossUsd ?? Infinity, HARD_LIMITS.maxDailyLossUsd),
      maxLeverage: Math.min(limits.maxLeverage ?? Infinity, HARD_LIMITS.maxLeverage),
    };
  }

  /**
   * Records marked-to-market equity at a candle close. The first mark of a new UTC day
   * fixes that day's reference at the previous mark, so the daily loss counts from the
   * equity the day started with. Marks of an earlier day than the current one (history
   * replayed after a restart) are ignored. Reaching the limit latches it for the day.
   */
  markEquity(ts: number, equity: number): void {
    const day = Math.floor(ts / DAY_MS);
    if (day < this.#day) return;
    // the new day in a method of its own keeps this small enough for V8 to inline it,
    // and sizeEntry after it, into the engine's entry: its request object is then never
    // allocated (37,000 entries of the 1M-candle bench)
    if (day !== this.#day) this.#startDay(day, equity);
    this.#lastEquity = equity;
    if (this.dailyLoss >= this.limits.maxDailyLossUsd) this.#latched = true;
  }

  #startDay(day: number, equity: number): void {
    this.#day = day;
    this.#dayStartEquity = Number.isNaN(this.#lastEquity) ? equity : this.#lastEquity;
    this.#latched = false;
    const pending = this.#pending;
    if (pending !== null && day >= pending.state.day) {
      this.#pending = null;
      if (day === pending.state.day) {
        const { dayStartEquity, lastEquity, latched } = pending.state;
        this.#dayStartEquity = pending.basis === "same"
          ? dayStartEquity
          : equity + (dayStartEquity - lastEquity);
        this.#latched = latched;
      }
    }
  }

  /** Equity the current UTC day started with (NaN before the first mark). */
  get dayStartEquity(): number {
    return this.#dayStartEquity;
  }

  /** Loss so far today on marked-to-market equity (>= 0). */
  get dailyLoss(): number {
    const loss = this.#dayStartEquity - this.#lastEquity;
    return loss > 0 ? loss : 0;
  }

  /** True once today's loss reached the limit (until the next UTC day). */
  get latched(): boolean {
    return this.#latched;
  }

  /** Current state. */
  get state(): RiskState {
    if (this.#halted !== null) return "halted";
    if (this.#latched) return "reducing";
    return "active";
  }

  /** Why the gate is halted, or null. */
  get haltReason(): string | null {
    return this.#halted;
  }

  /** Halts entries (stale data, exchange errors, invariant breaks) until resumed. */
  halt(reason: string): void {
    this.#halted ??= reason;
  }

  /** Clears a halt. */
  resume(): void {
    this.#halted = null;
  }

  /**
   * The day's accounting, for persistence; null before the first mark. A restored day not
   * yet reached by the marks (history of earlier days replays first) is what is saved:
   * saving the earlier day's would forget it if the process stopped before reaching it.
   */
  snapshot(): RiskDayState | null {
    const pending = this.#pending;
    if (pending !== null && !(pending.state.day <= this.#day)) return pending.state;
    if (Number.isNaN(this.#day)) return null;
    return {
      day: this.#day,
      dayStartEquity: this.#dayStartEquity,
      lastEquity: this.#lastEquity,
      latched: this.#latched,
    };
  }

  /**
   * Restores a persisted day. It takes effect at the first mark of that same UTC day (the
   * candles' clock); a first mark of a later day drops it, as a new day starts from
   * scratch. `basis` says how equity compares: `same` when the ledger resumes the same
   * cash (paper), `rebase` when the equity was re-read (a live restart sizes from the
   * account): then the loss so far is carried over onto the new equity.
   */
  restore(state: RiskDayState | null | undefined, basis: "same" | "rebase"): void {
    this.#pending = state ? { state, basis } : null;
  }

  /**
   * Sizes a new entry, or refuses it. Exits never come here: they always pass.
   * @returns the allowed size, or the reason it is refused
   */
  sizeEntry(req: EntryRequest): EntrySize | Denial {
    if (this.killSwitch()) {
      return { code: "kill-switch", message: "Cannot place order: kill switch is active" };
    }
    if (this.#halted !== null) {
      return { code: "halted", message: `Cannot place order: trading halted (${this.#halted})` };
    }
    const limit = this.limits.maxDailyLossUsd;
    if (this.#latched || this.dailyLoss >= limit) {
      this.#latched = true;
      return new DailyLimitDenial(limit, this.dailyLoss);
    }
    if (!(req.equity > 0) || !(req.qty > 0) || !(req.refPrice > 0)) {
      return { code: "size-zero", message: "Cannot place order: size is zero" };
    }
    const remaining = limit - this.dailyLoss - (req.committedLoss ?? 0);
    const budgetNotional = req.lossPerNotional > 0 ? remaining / req.lossPerNotional : Infinity;
    const maxNotional = Math.min(
      this.limits.maxPositionUsd,
      req.equity * this.limits.maxLeverage,
      budgetNotional,
    );
    const qty = req.qty * req.refPrice > maxNotional ? maxNotional / req.refPrice : req.qty;
    if (!(qty > 0) || qty < this.minQty) {
      return new DailyBudgetDenial(remaining, qty, this.minQty);
    }
    return { qty, maxNotional };
  }
}
