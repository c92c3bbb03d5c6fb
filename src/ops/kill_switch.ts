import type { EventSink } from "../core/events.ts";
import { NULL_SINK } from "../core/events.ts";
import { resolve } from "node:path";
import { parentDir, writeTextFileAtomicSync as writeAtomicSync } from "./atomic_write.ts";

/** Default location of the kill switch file, relative to the working directory (agent home). */
export const DEFAULT_KILL_SWITCH_PATH = "config/KILL_SWITCH.txt";

/** Files bigger than this are not read: they cannot say `FALSE`, so they trip. */
const MAX_READ_BYTES = 64 * 1024;
/** Characters of the file kept in {@link KillSwitchState.content}. */
const CONTENT_CHARS = 60;

/** Why the kill switch is (or is not) tripped. */
export type KillSwitchReason =
  /** The file says TRUE: tripped. */
  | "true"
  /** No file: off. */
  | "missing"
  /** The file says FALSE: off. */
  | "false"
  /** The file says anything else (empty, `1`, `yes`, garbage, binary): tripped (fail closed). */
  | "not-false"
  /** The file exists but cannot be read: tripped (fail closed). */
  | "unreadable"
  /** The file system watcher failed: tripped (fail closed). */
  | "watcher-error";

/** Result of reading the kill switch. */
export interface KillSwitchState {
  readonly tripped: boolean;
  readonly reason: KillSwitchReason;
  /**
   * What the file holds (decoded, control characters escaped, cut to 60 characters);
   * absent when there is no file or it cannot be read.
   */
  readonly content?: string;
  /** Error text for `unreadable` / `watcher-error`. */
  readonly error?: string;
}

/** The kill switch file as an absolute path, resolved against the working directory. */
export function absoluteKillSwitchPath(path: string = DEFAULT_KILL_SWITCH_PATH): string {
  return resolve(Deno.cwd(), path);
}

function decoder(label: "utf-8" | "utf-16le" | "utf-16be"): TextDecoder {
  return new TextDecoder(label); // not fatal: bad bytes become U+FFFD; strips a BOM
}

/** The encoding of BOM-less UTF-16: NUL bytes on one side of every byte pair only. */
function nulPattern(bytes: Uint8Array): "utf-16le" | "utf-16be" | undefined {
  if (bytes.length < 2 || bytes.length % 2 !== 0) return undefined;
  let even = 0;
  let odd = 0;
  for (let i = 0; i < bytes.length; i += 2) {
    if (bytes[i] === 0) even++;
    if (bytes[i + 1] === 0) odd++;
  }
  const half = bytes.length / 4;
  if (even === 0 && odd >= half) return "utf-16le";
  if (odd === 0 && even >= half) return "utf-16be";
  return undefined;
}

/**
 * Decodes the kill switch file: UTF-8 with or without BOM, UTF-16LE / UTF-16BE with BOM
 * (Windows PowerShell 5 writes `echo TRUE > file` as UTF-16LE with BOM), and UTF-16
 * without BOM, told apart by where its NUL bytes are. Undecodable bytes become U+FFFD.
 */
export function decodeKillSwitchBytes(bytes: Uint8Array): string {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return decoder("utf-16le").decode(bytes);
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return decoder("utf-16be").decode(bytes);
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
    return decoder("utf-8").decode(bytes);
  }
  return decoder(nulPattern(bytes) ?? "utf-8").decode(bytes);
}

/**
 * True when the decoded file text means "tripped": anything except `FALSE` (trimmed,
 * ASCII case-insensitive). Empty text, `1`, `yes`, `FALSE # note` all trip (fail closed).
 */
export function isTrippedContent(text: string): boolean {
  // no `u` flag: only ASCII letters match case-insensitively (not the long s of `FALſE`)
  return !/^false$/i.test(text.trim());
}

const ESCAPES: Record<string, string> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };

/** File text for logs: control and format characters escaped, cut to `max` characters. */
function printable(text: string, max = CONTENT_CHARS): string {
  let out = "";
  let count = 0;
  for (const ch of text) {
    const shown = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u.test(ch)
      ? ESCAPES[ch] ?? `\\u${ch.codePointAt(0)!.toString(16).padStart(4, "0")}`
      : ch;
    if (count + shown.length > max) return `${out}…`;
    out += shown;
    count += shown.length;
  }
  return out;
}

function stateFromError(e: unknown): KillSwitchState {
  if (e instanceof Deno.errors.NotFound) return { tripped: false, reason: "missing" };
  return { tripped: true, reason: "unreadable", error: e instanceof Error ? e.message : String(e) };
}

function stateFromBytes(bytes: Uint8Array): KillSwitchState {
  const text = decodeKillSwitchBytes(bytes);
  const content = printable(text);
  if (!isTrippedContent(text)) return { tripped: false, reason: "false", content };
  const reason = /^true$/i.test(text.trim()) ? "true" : "not-false";
  return { tripped: true, reason, content };
}

function notAFile(path: string): KillSwitchState {
  return { tripped: true, reason: "unreadable", error: `${path} is not a regular file` };
}

function tooBig(size: number): KillSwitchState {
  return { tripped: true, reason: "not-false", content: `(${size} bytes, not read)` };
}

/**
 * Reads the kill switch (stat + read). It is off only when the file is missing or its
 * text, trimmed, is `FALSE` (case-insensitive); any other content trips it, and so does a
 * file that exists but cannot be read (permissions, a folder in its place), so a broken
 * or mistyped switch halts trading instead of being ignored.
 */
export async function readKillSwitch(path: string): Promise<KillSwitchState> {
  try {
    const info = await Deno.stat(path);
    if (!info.isFile) return notAFile(path);
    if (info.size > MAX_READ_BYTES) return tooBig(info.size);
    return stateFromBytes(await Deno.readFile(path));
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
    if (!info.isFile) return notAFile(path);
    if (info.size > MAX_READ_BYTES) return tooBig(info.size);
    return stateFromBytes(Deno.readFileSync(path));
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
  /**
   * Kill switch file (default {@link DEFAULT_KILL_SWITCH_PATH}); its folder is watched (and
   * created if missing). A relative path is resolved against the working directory once.
   */
  readonly path?: string;
  /** Called once per trip (not again until the switch has been reset). */
  readonly onTrip: (state: KillSwitchState) => void;
  /**
   * Called once when a tripped switch is off again (the file says FALSE or is gone); also
   * logged as `killswitch.reset` (`path`, `reason`).
   */
  readonly onReset?: (state: KillSwitchState) => void;
  /**
   * Where `killswitch.tripped` is logged (message `KILL SWITCH DETECTED!`, the absolute
   * `path`, `reason`, and `content` (what was read) or `error`).
   */
  readonly sink?: EventSink;
  /** Backstop poll period in ms (default 500). */
  readonly pollMs?: number;
  /** Creates the folder watcher (default `Deno.watchFs`). */
  readonly watch?: (dir: string) => FsWatch;
}

/**
 * Watches the kill switch file with `Deno.watchFs` on its folder and, as a backstop, polls
 * it every ~500 ms. Calls `onTrip` and logs `KILL SWITCH DETECTED!` once per trip, and
 * `onReset` / `killswitch.reset` once when a trip ends. A watcher failure counts as tripped
 * (fail closed) and never resets. Call {@link close} to release it.
 */
export class KillSwitchWatcher {
  readonly #path: string;
  readonly #onTrip: (state: KillSwitchState) => void;
  readonly #onReset: ((state: KillSwitchState) => void) | undefined;
  readonly #sink: EventSink;
  readonly #timer: ReturnType<typeof setInterval>;
  #watcher: FsWatch | undefined;
  #loop: Promise<void> = Promise.resolve();
  #checking: Promise<void> | undefined;
  #tripped = false;
  #watchFailed: KillSwitchState | undefined;
  #closed = false;

  constructor(options: KillSwitchWatcherOptions) {
    this.#path = absoluteKillSwitchPath(options.path);
    this.#onTrip = options.onTrip;
    this.#onReset = options.onReset;
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
      if (!this.#tripped) return;
      this.#tripped = false;
      this.#sink.emit("info", "killswitch", "killswitch.reset", {
        message: "Kill switch reset: new orders are allowed again",
        path: this.#path,
        reason: state.reason,
      });
      this.#listen(this.#onReset, state);
      return;
    }
    if (this.#tripped) return;
    this.#tripped = true;
    this.#sink.emit("error", "killswitch", "killswitch.tripped", {
      message: "KILL SWITCH DETECTED!",
      path: this.#path,
      reason: state.reason,
      ...(state.content !== undefined ? { content: state.content } : {}),
      ...(state.error ? { error: state.error } : {}),
    });
    this.#listen(this.#onTrip, state);
  }

  #listen(listener: ((state: KillSwitchState) => void) | undefined, state: KillSwitchState) {
    try {
      listener?.(state);
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
