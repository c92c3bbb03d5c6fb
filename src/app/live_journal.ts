import { z } from "zod";
import type { SessionConfig } from "../config/session_config.ts";
import { InputError } from "../core/errors.ts";
import { runKeyFor } from "../engine/client_id.ts";
import { writeTextFileAtomicSync } from "../ops/atomic_write.ts";
import type { RiskDayState } from "../engine/risk_gate.ts";
import { riskDaySchema } from "./risk_day_schema.ts";

const journalSchema = z.object({
  version: z.literal(1),
  savedAt: z.number(),
  position: z.object({
    side: z.enum(["long", "short"]),
    qty: z.number().positive(),
    entryPrice: z.number(),
  })
    .nullable(),
  openClientIds: z.array(z.string()),
  clientIdPrefix: z.string(),
  /** The day's loss accounting, so a restart on the same UTC day remembers it. */
  risk: riskDaySchema.optional(),
});

/** What a live session remembers between runs, to reconcile with the exchange on start. */
export type LiveJournal = z.infer<typeof journalSchema>;

/** Path of the live journal of a session config. */
export function liveJournalPath(config: SessionConfig): string {
  return `${config.logsDir}/live-journal-${config.symbol}.json`;
}

/** The client id prefix a live session's orders carry (see clientIdFor). */
export function sessionClientIdPrefix(sessionKey: string): string {
  return `la${runKeyFor(sessionKey)}-`;
}

/** Reads the live journal; a first start (no file) is an empty, flat journal. */
export function liveJournal(config: SessionConfig): LiveJournal {
  const sessionKey =
    `${config.executionMode}:${config.symbol}:${config.interval}:${config.strategy}`;
  const path = liveJournalPath(config);
  let text: string;
  try {
    text = Deno.readTextFileSync(path);
  } catch {
    return {
      version: 1,
      savedAt: 0,
      position: null,
      openClientIds: [],
      clientIdPrefix: sessionClientIdPrefix(sessionKey),
    };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new InputError(`live journal ${path}`, "valid JSON");
  }
  const r = journalSchema.safeParse(json);
  if (!r.success) {
    throw new InputError(`live journal ${path}`, r.error.issues[0]?.message ?? "a journal");
  }
  return r.data;
}

/** The day's loss accounting the live journal holds, if any (an unreadable journal: none). */
export function liveJournalRisk(config: SessionConfig): RiskDayState | undefined {
  try {
    return liveJournal(config).risk;
  } catch {
    return undefined;
  }
}

/** Saves the live journal atomically. */
export function saveLiveJournal(path: string, journal: LiveJournal): void {
  writeTextFileAtomicSync(path, JSON.stringify(journal) + "\n");
}
