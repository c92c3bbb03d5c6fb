/** The refusal reason when nobody can confirm live trading. */
export const NO_TERMINAL_REASON =
  "Live trading needs confirmation: run in a terminal and type LIVE, or set SKIP_LIVE_CONFIRM=TRUE";

/** The word the user must type, exactly. */
export const CONFIRM_WORD = "LIVE";

/** Inputs of {@link confirmLiveTrading}; everything is injected so tests need no TTY. */
export interface LiveConfirmOptions {
  /** Environment (only `SKIP_LIVE_CONFIRM` is read). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** True when stdin is an interactive terminal. */
  readonly isTerminal: boolean;
  /** Asks one question; resolves to the typed answer or null (end of input). */
  readonly prompt: (question: string) => Promise<string | null>;
  /** What is about to happen, printed before asking (omit when the caller printed it). */
  readonly summary?: string;
  /** Where the summary is printed (default stderr). */
  readonly out?: (line: string) => void;
}

/** Outcome of a confirmation. */
export interface LiveConfirmResult {
  readonly ok: boolean;
  readonly reason: string;
}

/**
 * Confirms that real money may be traded. `SKIP_LIVE_CONFIRM=TRUE` (case-insensitive)
 * confirms without asking; without a terminal and without the override it refuses; in a
 * terminal it prints the summary and requires the exact word `LIVE` (surrounding
 * whitespace ignored). Anything else, including end of input, refuses.
 */
export async function confirmLiveTrading(o: LiveConfirmOptions): Promise<LiveConfirmResult> {
  const skip = o.env.SKIP_LIVE_CONFIRM;
  if (skip !== undefined && skip.trim().toUpperCase() === "TRUE") {
    return { ok: true, reason: "SKIP_LIVE_CONFIRM=TRUE: live trading confirmed without asking" };
  }
  if (!o.isTerminal) return { ok: false, reason: NO_TERMINAL_REASON };
  const out = o.out ?? ((line: string) => console.error(line));
  if (o.summary !== undefined) out(o.summary);
  const answer = await o.prompt(`Type ${CONFIRM_WORD} to trade real money (anything else aborts):`);
  if (answer !== null && answer.trim() === CONFIRM_WORD) {
    return { ok: true, reason: `confirmed: ${CONFIRM_WORD} typed` };
  }
  const got = answer === null ? "no answer (end of input)" : `'${answer.trim().slice(0, 20)}'`;
  return { ok: false, reason: `Live trading not confirmed: expected ${CONFIRM_WORD}, got ${got}` };
}
