import { z } from "zod";
import type { Heartbeat, HeartbeatStop } from "../core/heartbeat.ts";
import { writeTextFileAtomicSync } from "./atomic_write.ts";

/** Default heartbeat file, relative to the working directory. */
export const DEFAULT_HEARTBEAT_PATH = "logs/heartbeat.json";

/** zod schema of the heartbeat file (`logs/heartbeat.json`). */
export const HeartbeatSchema = z.object({
  ts: z.number().finite(),
  pid: z.number().int(),
  runId: z.string(),
  mode: z.string(),
  executionMode: z.string().optional(),
  symbol: z.string(),
  lastCandleTs: z.number().finite().nullable(),
  position: z.object({
    side: z.enum(["long", "short"]),
    qty: z.number().finite(),
    entryPrice: z.number().finite(),
  }).nullable(),
  equity: z.number().finite(),
  riskState: z.enum(["active", "reducing", "halted"]),
  stopped: z.object({
    at: z.number().finite(),
    reason: z.string(),
    clean: z.boolean(),
  }).optional(),
});

/** What the agent passes to {@link HeartbeatWriter.beat}; `ts` and `pid` are filled in. */
export type HeartbeatState = Omit<Heartbeat, "ts" | "pid" | "stopped">;

/** Options of a {@link HeartbeatWriter}. */
export interface HeartbeatWriterOptions {
  /** File to replace (default `logs/heartbeat.json`); parent folders are created. */
  readonly path?: string;
  /** Rewrite the last state with a fresh `ts` this often, ms (default 1000; 0 = off). */
  readonly intervalMs?: number;
  /** Time source (injected in tests). */
  readonly now?: () => number;
  /** pid written in the record (default `Deno.pid`). */
  readonly pid?: number;
  /** Called when a write fails (default: ignored; the next beat retries). */
  readonly onError?: (e: unknown) => void;
}

/**
 * Writes the agent's Heartbeat record atomically on every {@link beat} and again on an
 * interval (~1 s) with a fresh timestamp, so readers see a frozen event loop as a stale
 * file. Writes are synchronous; {@link close} stops the interval.
 */
export class HeartbeatWriter {
  readonly #path: string;
  readonly #now: () => number;
  readonly #pid: number;
  readonly #onError: (e: unknown) => void;
  readonly #timer: ReturnType<typeof setInterval> | undefined;
  #last: HeartbeatState | undefined;
  #closed = false;

  constructor(options: HeartbeatWriterOptions = {}) {
    this.#path = options.path ?? DEFAULT_HEARTBEAT_PATH;
    this.#now = options.now ?? Date.now;
    this.#pid = options.pid ?? Deno.pid;
    this.#onError = options.onError ?? (() => {});
    const every = options.intervalMs ?? 1000;
    if (every > 0) {
      this.#timer = setInterval(() => {
        if (this.#last) this.#write(this.#last);
      }, every);
    }
  }

  /** File being written. */
  get path(): string {
    return this.#path;
  }

  /** Records `state` and writes it now. Returns the record written. */
  beat(state: HeartbeatState): Heartbeat {
    this.#last = state;
    if (this.#closed) return { ...state, ts: this.#now(), pid: this.#pid };
    return this.#write(state);
  }

  #write(state: Omit<Heartbeat, "ts" | "pid">, ts = this.#now()): Heartbeat {
    const record: Heartbeat = { ...state, ts, pid: this.#pid };
    try {
      writeTextFileAtomicSync(this.#path, JSON.stringify(record) + "\n");
    } catch (e) {
      this.#onError(e);
    }
    return record;
  }

  /**
   * Stops the interval (the file is left in place for post-mortems). With `stopped`, first
   * writes the last state once more marked with how the agent stopped and when (now), so
   * readers tell a stopped agent from a frozen one. Later beats are not written.
   */
  close(stopped?: Omit<HeartbeatStop, "at">): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    if (this.#closed) return;
    this.#closed = true;
    if (stopped && this.#last) {
      const at = this.#now();
      this.#write({ ...this.#last, stopped: { ...stopped, at } }, at);
    }
  }
}

/** Result of reading a heartbeat file: the record, or why there is none. */
export type HeartbeatReadResult =
  | { readonly status: "ok"; readonly heartbeat: Heartbeat }
  | { readonly status: "missing"; readonly message: string }
  | { readonly status: "corrupt"; readonly message: string };

/**
 * Reads and validates a heartbeat file. Never throws: a missing file, unreadable file,
 * bad JSON or a record that fails the schema come back as `missing` / `corrupt` with a
 * one-line message naming the path.
 */
export async function readHeartbeat(path: string = DEFAULT_HEARTBEAT_PATH): Promise<
  HeartbeatReadResult
> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      return { status: "missing", message: `no heartbeat file at ${path}` };
    }
    return {
      status: "corrupt",
      message: `cannot read heartbeat file ${path}: ${e instanceof Error ? e.message : e}`,
    };
  }
  return parseHeartbeat(text, path);
}

/** Validates heartbeat JSON text (see {@link readHeartbeat}). */
export function parseHeartbeat(text: string, path = "heartbeat"): HeartbeatReadResult {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { status: "corrupt", message: `heartbeat file ${path} is not valid JSON` };
  }
  const parsed = HeartbeatSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? issue.path.join(".") : "record";
    return {
      status: "corrupt",
      message: `heartbeat file ${path} is corrupt: ${where}: ${issue?.message ?? "invalid"}`,
    };
  }
  return { status: "ok", heartbeat: parsed.data };
}

/** Age of a heartbeat in ms at `now` (never negative). */
export function heartbeatAge(hb: Pick<Heartbeat, "ts">, now: number): number {
  return Math.max(0, now - hb.ts);
}
