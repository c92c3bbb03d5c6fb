import { z } from "zod";
import { InputError } from "../../core/errors.ts";
import type { Trade } from "../../core/trade.ts";
import { FILL_REASONS } from "../../core/order.ts";
import type { RiskDayState } from "../../engine/risk_gate.ts";
import type { SessionRun } from "./state_schemas.ts";
import {
  openPositionSchema as positionSchema,
  riskDaySchema,
  sessionRunSchema,
  tradeSchema,
} from "./state_schemas.ts";
import type { SimExchangeState } from "../../exchange/sim/sim_exchange.ts";
import type { OpenPosition } from "../../engine/trade_ledger.ts";
import { writeTextFileAtomicSync } from "../../ops/atomic_write.ts";
import { defaultBracket, LEVEL_NONE } from "../../core/fill_rules.ts";

const side = z.enum(["long", "short"]);
const num = z.number().finite();
const orderSchema = z.object({
  clientId: z.string(),
  symbol: z.string(),
  side: z.enum(["buy", "sell"]),
  qty: num,
  intent: z.enum(["entry", "exit", "flatten", "reduce"]),
  reduceOnly: z.boolean(),
  refPrice: num,
  maxNotional: num.optional(),
  bracket: z.object({
    stopKind: z.number().int().min(0).max(3),
    stopValue: num,
    tpKind: z.number().int().min(0).max(3),
    tpValue: num,
    tpR: num,
  }).optional(),
  // files of older versions: the bracket as a stop in bps and a take-profit in R
  stopBps: num.optional(),
  tpR: num.optional(),
}).transform(({ stopBps, tpR, ...o }) =>
  o.bracket !== undefined || stopBps === undefined || !(stopBps > 0) ? o : {
    ...o,
    bracket: tpR
      ? defaultBracket(stopBps, tpR)
      : { ...defaultBracket(stopBps, 0), tpKind: LEVEL_NONE },
  }
);
const fillSchema = z.object({
  clientId: z.string(),
  orderId: z.string(),
  symbol: z.string(),
  side: z.enum(["buy", "sell"]),
  qty: num,
  price: num,
  fee: num,
  ts: num,
  reason: z.enum(FILL_REASONS),
  reduceOnly: z.boolean().optional(),
});
const stateSchema = z.object({
  version: z.literal(1),
  sessionKey: z.string(),
  savedAt: num,
  lastCandleTs: num.nullable(),
  cash: num,
  position: positionSchema.nullable(),
  trades: z.array(tradeSchema),
  sim: z.object({
    position: z.object({
      symbol: z.string(),
      side,
      qty: num,
      entryPrice: num,
      stopPrice: num.optional(),
      tpPrice: num.optional(),
    }).nullable(),
    pending: z.array(orderSchema),
    knownClientIds: z.array(z.string()),
    fills: z.array(fillSchema),
    nextOrderId: z.number().int(),
  }),
  risk: riskDaySchema.optional(),
  run: sessionRunSchema.optional(),
});

/** What a paper session persists after every candle so a restart resumes it. */
export interface PaperState {
  readonly version: 1;
  /** Session identity (execution mode, symbol, interval, strategy); must match to resume. */
  readonly sessionKey: string;
  readonly savedAt: number;
  readonly lastCandleTs: number | null;
  readonly cash: number;
  readonly position: OpenPosition | null;
  readonly trades: readonly Trade[];
  readonly sim: SimExchangeState;
  /** The day's loss accounting (absent in files of older versions). */
  readonly risk?: RiskDayState;
  /** The run record this state belongs to (absent in files of older versions). */
  readonly run?: SessionRun;
}

/** Reads a paper state file; null when there is none. A corrupt file is an input error. */
export function loadPaperState(path: string): PaperState | null {
  let text: string;
  try {
    text = Deno.readTextFileSync(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return null;
    throw new InputError(`paper state ${path}`, `a readable file (${(e as Error).message})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new InputError(
      `paper state ${path}`,
      "valid JSON (or pass --fresh to start a new paper account)",
    );
  }
  const r = stateSchema.safeParse(json);
  if (!r.success) {
    const i = r.error.issues[0];
    throw new InputError(
      `paper state ${path}`,
      `${
        i?.path.join(".") || "file"
      }: ${i?.message} (or pass --fresh to start a new paper account)`,
    );
  }
  return r.data as PaperState;
}

/** One line on what a state file holds, e.g. `equity 10012.50, 3 trades, saved 2025-...Z`. */
export function describePaperState(state: PaperState): string {
  return `equity ${state.cash.toFixed(2)}, ${state.trades.length} trades, position ${
    state.position?.side ?? "flat"
  }, saved ${new Date(state.savedAt).toISOString()}`;
}

/**
 * `--fresh`: a new paper account. Says what the state file at `path` held (if anything)
 * and that it is replaced from the first candle; never reads it for the session, so a
 * corrupt file is no obstacle. Returns null: the state to resume.
 */
export function freshPaperStart(path: string, print: (line: string) => void): null {
  let held: string;
  try {
    const old = loadPaperState(path);
    held = old ? `ignoring ${path} (${describePaperState(old)})` : `no earlier state at ${path}`;
  } catch {
    held = `ignoring ${path} (unreadable)`;
  }
  print(
    `Fresh paper account (--fresh): ${held}; it is replaced from the first candle.`,
  );
  return null;
}

/** Writes the state atomically (temp file + rename). */
export function savePaperState(path: string, state: PaperState): void {
  writeTextFileAtomicSync(path, JSON.stringify(state) + "\n");
}
