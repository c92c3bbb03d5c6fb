/**
 * Fields of two session events made for notifications: `risk.state_changed` (the RiskGate
 * went active / reducing / halted between candles) and `session.daily_summary` (a UTC day
 * of live candles ended).
 */
import type { LogLevel } from "../../core/events.ts";
import type { Trade } from "../../core/trade.ts";
import type { RiskGate, RiskState } from "../../engine/risk_gate.ts";

const DAY_MS = 86_400_000;

/**
 * Level and fields of a `risk.state_changed` event from `from` to the gate's state now;
 * `shutdown` marks a change made by the session's stop (logged, and not notified: the
 * stop's own message says it).
 */
export function riskStateChange(
  from: RiskState,
  gate: RiskGate,
  candleTs: number,
  shutdown = false,
): { level: LogLevel; fields: Record<string, unknown> } {
  const to = gate.state;
  return {
    level: shutdown ? "info" : to === "halted" ? "error" : to === "reducing" ? "warn" : "info",
    fields: {
      from,
      to,
      reason: gate.haltReason ?? (gate.latched ? "daily loss limit reached" : null),
      daily_loss: gate.dailyLoss,
      limit: gate.limits.maxDailyLossUsd,
      candleTs,
      ...(shutdown ? { shutdown: true } : {}),
    },
  };
}

/**
 * Fields of a `session.daily_summary` event for UTC day number `day`: the trades closed
 * that day, their pnl, and the equity at the day's last mark.
 */
export function dailySummary(
  day: number,
  trades: readonly Trade[],
  equity: number,
): Record<string, unknown> {
  const start = day * DAY_MS;
  const closed = trades.filter((t) => t.exitTs >= start && t.exitTs < start + DAY_MS);
  const pnl = closed.reduce((s, t) => s + t.pnl, 0);
  return {
    day: new Date(start).toISOString().slice(0, 10),
    trades: closed.length,
    pnl: Math.round(pnl * 1e8) / 1e8,
    wins: closed.filter((t) => t.pnl > 0).length,
    equity,
  };
}

/** The UTC day number of a Unix ms time. */
export function utcDay(ts: number): number {
  return Math.floor(ts / DAY_MS);
}
