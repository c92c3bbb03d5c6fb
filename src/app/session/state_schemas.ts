/**
 * Schemas of what sessions persist between runs (paper state, live journal): the day's
 * loss accounting, the open position, closed trades and the run record they belong to.
 *
 * @module
 */
import { z } from "zod";
import { EXIT_REASONS } from "../../core/trade.ts";

const side = z.enum(["long", "short"]);
const num = z.number().finite();
/** JSON has no Infinity: a take-profit that is not there (+-Infinity) is written as null. */
const tpPrice = num.nullable();
function noTpIsInfinity<T extends { side: "long" | "short"; tpPrice: number | null }>(
  o: T,
): T & { tpPrice: number } {
  return { ...o, tpPrice: o.tpPrice ?? (o.side === "long" ? Infinity : -Infinity) };
}

/** The persisted day's loss accounting of the RiskGate (see RiskDayState). */
export const riskDaySchema = z.object({
  day: z.number().int(),
  dayStartEquity: num,
  lastEquity: num,
  latched: z.boolean(),
});

/** A closed trade (see Trade). */
export const tradeSchema = z.object({
  id: z.number().int(),
  side,
  entryTs: num,
  entryPrice: num,
  exitTs: num,
  exitPrice: num,
  qty: num,
  notional: num,
  stopPrice: num,
  tpPrice,
  exitReason: z.enum(EXIT_REASONS),
  grossPnl: num,
  fees: num,
  pnl: num,
  equityAfter: num,
}).transform(noTpIsInfinity);

/** The ledger's open position (see OpenPosition). */
export const openPositionSchema = z.object({
  side,
  qty: num,
  entryTs: num,
  entryPrice: num,
  stopPrice: num,
  tpPrice,
  entryFee: num,
  closedQty: num.optional(),
  closedValue: num.optional(),
  closedGross: num.optional(),
  closedFees: num.optional(),
}).transform(noTpIsInfinity);

/**
 * The run record a session writes to: one folder from its start until it stops cleanly,
 * however often it is killed and restarted in between.
 */
export const sessionRunSchema = z.object({
  runId: z.string().regex(/^[\w.-]+$/),
  startedAt: num,
  /** Equity the record started from (its first drawdown peak). */
  startEquity: num,
  /** True once the session stopped cleanly: the next start begins a new record. */
  ended: z.boolean(),
  /** Entries the RiskGate refused so far, by reason. */
  refused: z.record(z.string(), z.number().int().nonnegative()).optional(),
});

/** See sessionRunSchema. */
export type SessionRun = z.infer<typeof sessionRunSchema>;
