/**
 * A paper or live trading session, in three phases: `session_open.ts` (resume and
 * reconcile), `session_feed.ts` (feed -> engine) and `session_close.ts` (shutdown and
 * artifacts); `session_types.ts` holds what they share.
 *
 * @module
 */
import type { SessionConfig } from "../../config/session_config.ts";
import { closeSession } from "./session_close.ts";
import { runFeed } from "./session_feed.ts";
import { openSession } from "./session_open.ts";
import type { SessionDeps, SessionResult } from "./session_types.ts";

export type {
  AdoptedPosition,
  SessionDeps,
  SessionFeed,
  SessionResult,
  StopReason,
} from "./session_types.ts";

/**
 * Runs a paper or live trading session: warm-up history, then live candles through the
 * agent pipeline until the duration ends, a signal arrives or data goes stale. In three
 * phases: open (locks, logs, the venue, the risk gate, resume the record, reconcile),
 * run (feed -> engine, with the record kept current on disk) and close (the one safety
 * path of every stop: block new orders, cancel working orders, persist state, write the
 * run artifacts).
 *
 * A session is one trading record from its start until it stops cleanly: a restart after
 * a kill, a crash or a stale-data stop goes on writing the same run folder from the same
 * ledger (paper state or live journal), and a live one first books what the venue filled
 * while it was down (`recovered: true`).
 */
export async function runSession(config: SessionConfig, deps: SessionDeps): Promise<SessionResult> {
  const s = await openSession(config, deps);
  try {
    const reason = await runFeed(s);
    return await closeSession(s, reason);
  } finally {
    await s.cleanup();
  }
}
