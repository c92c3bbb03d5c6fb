import type { EventSink } from "../core/events.ts";
import { NULL_SINK } from "../core/events.ts";
import { parentDir, writeTextFileAtomicSync as writeAtomicSync } from "./atomic_write.ts";

/** Default location of the kill switch file, relative to the working directory. */
export const DEFAULT_KILL_SWITCH_PATH = "config/KILL_SWITCH.txt";

/** Why the kill switch is (or is not) tripped. */
export type KillSwitchReason =
  /** The file says TRUE. */
  | "true"
  /** No file: not tripped. */
  | "missing"
  /** The file says something other than TRUE: not tripped. */
  | "not-true"
  /** The file exists but cannot be read: tripped (fail closed). */
  | "unreadable"
  /** The file system watcher failed: tripped (fail closed). */
  | "watcher-error";

/** Result of reading the kill switch. */
export interface KillSwitchState {
  readonly tripped: boolean;
  readonly reason: KillSwitchReason;
  /** Error text for `unreadable` / `watcher-error`. */
  readonly error?: string;
}

/** True when the file content means "tripped": `TRUE`, case-insensitive, trimmed. */
export function isTrippedContent(text: string): boolean {
  return text.trim().toUpperCase() === "TRUE";
}

function stateFromError(e: unknown): KillSwitchState {
  if (e instanceof Deno.errors.NotFound) return { tripped: false, reason: "missing" };
  return { tripped: true, reason: "unreadable", error: e instanceof Error ? e.message : String(e) };
}

function stateFromText(text: string): KillSwitchState {
  return isTrippedContent(text)
    ? { tripped: true, reason: "true" }
    : { tripped: false, reason: "not-true" };
}

/**
 * Reads the kill switch (stat + read). Missing file or any content other than `TRUE` =
 * not tripped; a file that exists but cannot be read (permissions, a folder in its place)
 * = tripped, so a broken switch halts trading instead of ignoring it.
 */
export async function readKillSwitch(path: string): Promise<KillSwitchState> {
  try {
    const info = await Deno.stat(path);
    if (!info.isFile) {
      return { tripped: true, reason: "unreadable", error: `${path} is not a regular file` };
    }
    return stateFromText(await Deno.readTextFile(path));
  } catch (e) {
    return stateFromError(e);
  }
}

/**
 * Synchronous twin of {@link readKillSwitch}, for the order path which checks the switch
 * right before every live order.
 */
export function readKillSwitchSync(path: string): KillSwitchState {
  try {
    const info = Deno.statSync(path);
    if (!info.isFile) {
      return { tripped: true, reason: "unreadable", error: `${path} is not a regular file` };
    }
    return stateFromText(Deno.readTextFileSync(path));
  } catch (e) {
    return stateFromError(e);
  }
}

/** Trips the kill switch: writes `TRUE` atomically (temp file + rename). */
export function tripKillSwitch(path: string = DEFAULT_KILL_SWITCH_PATH): void {
  writeAtomicSync(path, "TRUE\n");
}

/** Resets the kill switch: writes `FALSE` atomically. */
export function resetKillSwitch(path: string = DEFAULT_KILL_SWITCH_PATH): void {
  writeAtomicSync(path, "FALSE\n");
}

/** The part of `Deno.FsWatcher` the kill switch watcher uses (injectable in tests). */
export interface FsWatch extends AsyncIterable<Deno.FsEvent> {
  close(): void;
}

/** Options of a {@link KillSwitchWatcher}. */
export interface KillSwitchWatcherOptions {
  /** Kill switch file; its folder is watched (and created if missing). */
  readonly path?: string;
  /** Called once per trip (not again until the switch has been reset). */
  readonly onTrip: (state: KillSwitchState) => void;
  /** Where `killswitch.tripped` is logged (message `KILL SWITCH DETECTED!`). */
  readonly sink?: EventSink;
  /** Backstop poll period in ms (default 500). */
  readonly pollMs?: number;
  /** Creates the folder watcher (default `Deno.watchFs`). */
  readonly watch?: (dir: string) => FsWatch;
}

/**
 * Watches the kill switch file with `Deno.watchFs` on its folder and, as a backstop, polls
 * it every ~500 ms. Calls `onTrip` and logs `KILL SWITCH DETECTED!` once per trip. A
 * watcher failure counts as tripped (fail closed). Call {@link close} to release it.
 */
export class KillSwitchWatcher {
  readonly #path: string;
  readonly #onTrip: (state: KillSwitchState) => void;
  readonly #sink: EventSink;
  readonly #timer: ReturnType<typeof setInterval>;
  #watcher: FsWatch | undefined;
  #loop: Promise<void> = Promise.resolve();
  #checking: Promise<void> | undefined;
  #tripped = false;
  #watchFailed: KillSwitchState | undefined;
  #closed = false;

  constructor(options: KillSwitchWatcherOptions) {
    this.#path = options.path ?? DEFAULT_KILL_SWITCH_PATH;
    this.#onTrip = options.onTrip;
    this.#sink = options.sink ?? NULL_SINK;
    const watch = options.watch ?? ((dir: string) => Deno.watchFs(dir, { recursive: false }));
    try {
      const dir = parentDir(this.#path);
      Deno.mkdirSync(dir, { recursive: true });
      this.#watcher = watch(dir);
      this.#loop = this.#consume(this.#watcher);
    } catch (e) {
      this.#failWatch(e);
    }
    this.#timer = setInterval(() => void this.check(), options.pollMs ?? 500);
    void this.check();
  }

  /** True while the switch is tripped (as last seen). */
  get tripped(): boolean {
    return this.#tripped;
  }

  async #consume(watcher: FsWatch): Promise<void> {
    try {
      for await (const _event of watcher) {
        if (this.#closed) break;
        await this.check();
      }
    } catch (e) {
      if (!this.#closed) this.#failWatch(e);
    }
  }

  #failWatch(e: unknown): void {
    this.#watchFailed = {
      tripped: true,
      reason: "watcher-error",
      error: e instanceof Error ? e.message : String(e),
    };
    this.#apply(this.#watchFailed);
  }

  /** Reads the file now and fires the listener on a new trip; resolves when done. */
  check(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    if (this.#checking) return this.#checking;
    this.#checking = readKillSwitch(this.#path).then((state) => {
      this.#checking = undefined;
      if (!this.#closed) this.#apply(this.#watchFailed ?? state);
    });
    return this.#checking;
  }

  #apply(state: KillSwitchState): void {
    if (!state.tripped) {
      this.#tripped = false;
      return;
    }
    if (this.#tripped) return;
    this.#tripped = true;
    this.#sink.emit("error", "killswitch", "killswitch.tripped", {
      message: "KILL SWITCH DETECTED!",
      path: this.#path,
      reason: state.reason,
      ...(state.error ? { error: state.error } : {}),
    });
    try {
      this.#onTrip(state);
    } catch (e) {
      this.#sink.emit("error", "killswitch", "killswitch.listener_failed", {
        error: e instanceof Error ? e.message : String(e),
      });
    }
  }

  /** Stops watching and polling; resolves when every pending read has finished. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#timer);
    try {
      this.#watcher?.close();
    } catch {
      // already closed
    }
    await this.#loop;
    await this.#checking;
  }
}
