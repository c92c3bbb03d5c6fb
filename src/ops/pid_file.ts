import { z } from "zod";
import { parentDir } from "./atomic_write.ts";

/** Pid file of the running agent. */
export const DEFAULT_AGENT_PID_PATH = "logs/agent.pid";
/** Pid file of the watchdog (supervisor). */
export const DEFAULT_WATCHDOG_PID_PATH = "logs/watchdog.pid";

const PidSchema = z.string().trim().regex(/^\d+$/, "a process id").transform(Number)
  .pipe(z.number().int().positive());

/** Raised when a pid file names a process that is still alive. */
export class PidFileBusyError extends Error {
  /** @param path the pid file @param pid the live process holding it */
  constructor(readonly path: string, readonly pid: number) {
    super(
      `Cannot start: ${path} says process ${pid} is running; stop it first ` +
        `(or delete ${path} if that process is not ours)`,
    );
    this.name = "PidFileBusyError";
  }
}

/** What a pid file says. */
export type PidFileState =
  | { readonly status: "missing" }
  | { readonly status: "corrupt"; readonly message: string }
  | { readonly status: "ok"; readonly pid: number };

/** Reads a pid file; never throws. */
export function readPidFile(path: string): PidFileState {
  let text: string;
  try {
    text = Deno.readTextFileSync(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return { status: "missing" };
    return { status: "corrupt", message: `cannot read ${path}: ${(e as Error).message}` };
  }
  const parsed = PidSchema.safeParse(text);
  if (!parsed.success) {
    return { status: "corrupt", message: `${path} does not hold a process id` };
  }
  return { status: "ok", pid: parsed.data };
}

/**
 * Whether a process with this pid exists.
 *
 * Linux: reads `/proc/<pid>/stat` (no signal is sent; a zombie counts as dead). Deno
 * only allows that read under --allow-all, so with narrower grants it falls back to the
 * signal probe below.
 * Windows: asks `tasklist`. Other Unix (macOS): sends SIGCONT, the harmless probe `Deno.kill`
 * allows (signal 0 is not available); "not found" means dead, "permission denied" means a
 * live process of another user. A recycled pid reads as alive; the refusal message names
 * the file so the user can delete it.
 */
export function isProcessAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  if (Deno.build.os === "linux") {
    try {
      const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
      const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
      return state !== "Z" && state !== "X";
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return false;
      // Deno refuses /proc reads without --allow-all: fall through to the signal probe
    }
  }
  if (Deno.build.os === "windows") {
    try {
      const out = new Deno.Command("tasklist", {
        args: ["/FI", `PID eq ${pid}`, "/NH", "/FO", "CSV"],
        stdout: "piped",
        stderr: "null",
      }).outputSync();
      return new TextDecoder().decode(out.stdout).includes(`"${pid}"`);
    } catch {
      return true; // cannot tell: assume alive (refuse rather than run twice)
    }
  }
  try {
    Deno.kill(pid, "SIGCONT");
    return true;
  } catch (e) {
    return !(e instanceof Deno.errors.NotFound);
  }
}

/** A held pid file; {@link release} removes it. */
export interface PidFileLock {
  readonly path: string;
  readonly pid: number;
  /** Removes the file if it still holds our pid. Safe to call twice. */
  release(): void;
}

/** Options of {@link acquirePidFile}. */
export interface AcquirePidFileOptions {
  /** pid to write (default `Deno.pid`). */
  readonly pid?: number;
  /** Liveness probe (default {@link isProcessAlive}). */
  readonly isAlive?: (pid: number) => boolean;
  /** Also remove the file on the `unload` event (default true). */
  readonly removeOnUnload?: boolean;
}

/**
 * Creates `path` exclusively and writes our pid. If it exists and names a live process,
 * throws {@link PidFileBusyError}; a stale (dead pid) or corrupt file is replaced. Used
 * for `logs/agent.pid`, `logs/watchdog.pid` and `paper/mvp.pid`.
 */
export function acquirePidFile(path: string, options: AcquirePidFileOptions = {}): PidFileLock {
  const pid = options.pid ?? Deno.pid;
  const isAlive = options.isAlive ?? isProcessAlive;
  Deno.mkdirSync(parentDir(path), { recursive: true });
  for (let attempt = 0;; attempt++) {
    try {
      const file = Deno.openSync(path, { write: true, createNew: true });
      try {
        file.writeSync(new TextEncoder().encode(`${pid}\n`));
      } finally {
        file.close();
      }
      break;
    } catch (e) {
      if (!(e instanceof Deno.errors.AlreadyExists) || attempt >= 2) throw e;
      const held = readPidFile(path);
      if (held.status === "ok" && held.pid !== pid && isAlive(held.pid)) {
        throw new PidFileBusyError(path, held.pid);
      }
      try {
        Deno.removeSync(path); // stale, corrupt, or our own pid from an earlier run
      } catch (err) {
        if (!(err instanceof Deno.errors.NotFound)) throw err;
      }
    }
  }
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    globalThis.removeEventListener("unload", release);
    const now = readPidFile(path);
    if (now.status === "ok" && now.pid === pid) {
      try {
        Deno.removeSync(path);
      } catch {
        // already gone
      }
    }
  };
  if (options.removeOnUnload ?? true) globalThis.addEventListener("unload", release);
  return { path, pid, release };
}
