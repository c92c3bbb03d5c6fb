import { HARD_LIMITS } from "../core/hard_limits.ts";
import type { RiskLimits } from "../core/risk_limits.ts";

/** RiskGate states: active trades normally, reducing only lets exits through, halted blocks entries. */
export type RiskState = "active" | "reducing" | "halted";

export type { RiskLimits };

const DAY_MS = 86_400_000;

/**
 * The check every order passes. Exits and cancels always pass (they only reduce risk);
 * entries are denied when the kill switch is on, the gate is halted (stale data, exchange
 * errors), the day's marked-to-market loss reached the daily limit, or the order would
 * break a position or leverage limit. A denial is a reason string, never an exception.
 */
export class RiskGate {
  #halted: string | null = null;
  #day = Number.NaN;
  #dayStartEquity = Number.NaN;
  #lastEquity = Number.NaN;
  readonly limits: RiskLimits;

  /**
   * @param limits stricter limits from config (hard limits apply regardless)
   * @param killSwitch returns true when the kill switch is tripped (checked per entry)
   */
  constructor(limits: Partial<RiskLimits> = {}, readonly killSwitch: () => boolean = () => false) {
    this.limits = {
      maxPositionUsd: Math.min(limits.maxPositionUsd ?? Infinity, HARD_LIMITS.maxPositionUsd),
      maxDailyLossUsd: Math.min(limits.maxDailyLossUsd ?? Infinity, HARD_LIMITS.maxDailyLossUsd),
      maxLeverage: Math.min(limits.maxLeverage ?? Infinity, HARD_LIMITS.maxLeverage),
    };
  }

  /**
   * Records marked-to-market equity at a candle close. The first mark of a UTC day
   * fixes that day's reference at the previous mark, so the daily loss counts from the
   * equity the day started with.
   */
  markEquity(ts: number, equity: number): void {
    const day = Math.floor(ts / DAY_MS);
    if (day !== this.#day) {
      this.#day = day;
      this.#dayStartEquity = Number.isNaN(this.#lastEquity) ? equity : this.#lastEquity;
    }
    this.#lastEquity = equity;
  }

  /** Loss so far today on marked-to-market equity (>= 0). */
  get dailyLoss(): number {
    const loss = this.#dayStartEquity - this.#lastEquity;
    return loss > 0 ? loss : 0;
  }

  /** Current state. */
  get state(): RiskState {
    if (this.#halted !== null) return "halted";
    if (this.dailyLoss >= this.limits.maxDailyLossUsd) return "reducing";
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
   * Checks a new entry of `notional` USD with account `equity`.
   * @returns null when allowed, else the denial reason
   */
  checkEntry(notional: number, equity: number): string | null {
    if (this.killSwitch()) return "Cannot place order: kill switch is active";
    if (this.#halted !== null) return `Cannot place order: trading halted (${this.#halted})`;
    if (this.dailyLoss >= this.limits.maxDailyLossUsd) {
      return `Cannot place order: daily loss ${
        this.dailyLoss.toFixed(2)
      } reached limit ${this.limits.maxDailyLossUsd}`;
    }
    if (!(notional > 0)) return "Cannot place order: size is zero";
    if (notional > this.limits.maxPositionUsd * (1 + 1e-9)) {
      return `Cannot place order: notional ${
        notional.toFixed(2)
      } above limit ${this.limits.maxPositionUsd}`;
    }
    if (!(equity > 0) || notional > equity * this.limits.maxLeverage * (1 + 1e-9)) {
      return `Cannot place order: leverage above limit ${this.limits.maxLeverage}x`;
    }
    return null;
  }
}
