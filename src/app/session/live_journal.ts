import { z } from "zod";
import type { SessionConfig } from "../../config/session_config.ts";
import { InputError } from "../../core/errors.ts";
import { runKeyFor } from "../../engine/client_id.ts";
import { writeTextFileAtomicSync } from "../../ops/atomic_write.ts";
import {
  openPositionSchema,
  riskDaySchema,
  sessionRunSchema,
  tradeSchema,
} from "./state_schemas.ts";

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
  /**
   * The session's trading record, so a restart after a kill goes on with it: the run,
   * the ledger (cash, the open position with its bracket, closed trades) and how far the
   * venue's trade history was read.
   */
  session: z.object({
    run: sessionRunSchema,
    cash: z.number().finite(),
    position: openPositionSchema.nullable(),
    trades: z.array(tradeSchema),
    fills: z.object({
      since: z.number().finite(),
      seen: z.array(z.tuple([z.string(), z.number().finite()])),
    }),
  }).optional(),
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
  const sessionKey = sessionKeyOf(config);
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

/** A live session's key: what must match for a restart to be the same session. */
export function sessionKeyOf(config: SessionConfig): string {
  return `${config.executionMode}:${config.symbol}:${config.interval}:${config.strategy}`;
}

/** The trading record a live journal holds for a session to go on with. */
export type LiveSessionRecord = NonNullable<LiveJournal["session"]>;

/**
 * The session a restart goes on with: the journal's, when it is this session's (same
 * client-id prefix) and it did not stop cleanly (it was killed, crashed or stopped on
 * stale data); else null (a new record starts).
 */
export function unfinishedSession(
  journal: LiveJournal,
  config: SessionConfig,
): LiveSessionRecord | null {
  const s = journal.session;
  if (!s || s.run.ended) return null;
  return journal.clientIdPrefix === sessionClientIdPrefix(sessionKeyOf(config)) ? s : null;
}

/** Saves the live journal atomically. */
export function saveLiveJournal(path: string, journal: LiveJournal): void {
  writeTextFileAtomicSync(path, JSON.stringify(journal) + "\n");
}
