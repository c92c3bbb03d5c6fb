import type { LogLevel } from "../core/events.ts";
import { abortableSleep, type Sleep } from "../core/sleep.ts";
import { heartbeatAge, type HeartbeatReadResult, readHeartbeat } from "./heartbeat.ts";
import { RestartPolicy } from "./supervisor_policy.ts";
import {
  type ChildExit,
  type ChildHandle,
  createSpawn,
  type SpawnFn,
} from "./supervisor_process.ts";

/** Receives every supervisor event: a human message plus structured fields. */
export type SupervisorReporter = (
  level: LogLevel,
  event: string,
  message: string,
  fields: Record<string, unknown>,
) => void;

/** Options of a {@link Supervisor}. Durations are ms. */
export interface SupervisorOptions {
  /** Full child argv, e.g. `[...selfCommand(), "--mode", "live-session", ...]`. */
  readonly command: readonly string[];
  /** Heartbeat file the child writes. */
  readonly heartbeatPath: string;
  /** Delay before the first restart (doubles per restart in the window). Default 10 s. */
  readonly restartDelayMs?: number;
  /** Cap of the doubled delay. Default 60 s. */
  readonly maxBackoffMs?: number;
  /** Heartbeat older than this = frozen child; 0 turns the check off. Default 30 s. */
  readonly staleAfterMs?: number;
  /** Time a new child has to write its first heartbeat. Default 60 s. */
  readonly startupGraceMs?: number;
  /** Wait between SIGTERM and SIGKILL. Default 10 s. */
  readonly killGraceMs?: number;
  /** How often the heartbeat is read. Default 1 s. */
  readonly checkIntervalMs?: number;
  /** Restarts allowed within `windowMs` before giving up. Default 5. */
  readonly maxRestarts?: number;
  /** Crash-loop window. Default 300 s. */
  readonly windowMs?: number;
  /** Starts the child (default: `Deno.Command`, inherited stdio). */
  readonly spawn?: SpawnFn;
  /** Clock. */
  readonly now?: () => number;
  /** Sleep (default a timer). */
  readonly sleep?: Sleep;
  /** Heartbeat reader. */
  readonly readHeartbeat?: (path: string) => Promise<HeartbeatReadResult>;
  /** Event output (watchdog.log line + system.jsonl event in the app). */
  readonly report?: SupervisorReporter;
}

interface Outcome extends ChildExit {
  readonly stale?: string;
}

const secs = (ms: number, digits = ms % 1000 === 0 ? 0 : 1) => `${(ms / 1000).toFixed(digits)}s`;

/**
 * A second stop signal sooner than this after the first is a duplicate delivery of the
 * same Ctrl+C, not a request to kill the child.
 */
export const DUPLICATE_SIGNAL_MS = 1_000;

/**
 * Runs the agent as a child process and keeps it alive: restarts it after a crash or
 * non-zero exit (with exponential backoff), kills and restarts it when its heartbeat goes
 * stale, gives up after too many restarts in a window (exit 1), forwards SIGINT/SIGTERM
 * for a graceful shutdown and then exits with the child's code; a clean exit 0 ends it.
 */
export class Supervisor {
  readonly #o: Required<Omit<SupervisorOptions, "report">>;
  readonly #report: SupervisorReporter;
  readonly #stop = new AbortController();
  #child: ChildHandle | undefined;
  #stopSignal: Deno.Signal | undefined;
  #stopAt = 0;

  constructor(options: SupervisorOptions) {
    this.#o = {
      command: options.command,
      heartbeatPath: options.heartbeatPath,
      restartDelayMs: options.restartDelayMs ?? 10_000,
      maxBackoffMs: options.maxBackoffMs ?? 60_000,
      staleAfterMs: options.staleAfterMs ?? 30_000,
      startupGraceMs: options.startupGraceMs ?? 60_000,
      killGraceMs: options.killGraceMs ?? 10_000,
      checkIntervalMs: options.checkIntervalMs ?? 1_000,
      maxRestarts: options.maxRestarts ?? 5,
      windowMs: options.windowMs ?? 300_000,
      spawn: options.spawn ?? createSpawn(),
      now: options.now ?? Date.now,
      sleep: options.sleep ?? abortableSleep,
      readHeartbeat: options.readHeartbeat ?? readHeartbeat,
    };
    this.#report = options.report ?? (() => {});
  }

  /** pid of the running child, if any. */
  get childPid(): number | undefined {
    return this.#child?.pid;
  }

  /**
   * Asks the supervisor to stop: forwards `signal` to the child for its graceful shutdown
   * and does not restart it. A second call less than {@link DUPLICATE_SIGNAL_MS} after the
   * first is the same Ctrl+C delivered twice (the terminal signals the whole process group
   * and `deno task` forwards it again) and is ignored; a later one kills the child with
   * SIGKILL.
   */
  stop(signal: "SIGINT" | "SIGTERM" = "SIGTERM"): void {
    const child = this.#child;
    if (this.#stopSignal !== undefined) {
      const since = this.#o.now() - this.#stopAt;
      if (since < DUPLICATE_SIGNAL_MS) {
        this.#report(
          "info",
          "supervisor.signal_ignored",
          `received ${signal} again ${since} ms after the first: a duplicate delivery of the ` +
            `same stop request (a terminal signals the whole process group and a task runner ` +
            `may forward it again), ignored; send it again after ` +
            `${secs(DUPLICATE_SIGNAL_MS)} to kill the child`,
          { signal, pid: child?.pid ?? null, sinceFirstMs: since },
        );
        return;
      }
      if (child) {
        this.#report(
          "warn",
          "supervisor.child_killed",
          `second ${signal} ${secs(since, 1)} after the first: killing child pid ${child.pid} ` +
            "with SIGKILL",
          { pid: child.pid, signal: "SIGKILL", sinceFirstMs: since },
        );
        child.kill("SIGKILL");
      }
      return;
    }
    this.#stopSignal = signal;
    this.#stopAt = this.#o.now();
    this.#stop.abort();
    this.#report(
      "info",
      "supervisor.stopping",
      child
        ? `received ${signal}: forwarding it to child pid ${child.pid} and waiting for it to exit`
        : `received ${signal}: stopping`,
      { signal, pid: child?.pid ?? null },
    );
    child?.kill(signal);
  }

  /** Supervises until a clean exit, a stop request or giving up; resolves to the exit code. */
  async run(): Promise<number> {
    const o = this.#o;
    const policy = new RestartPolicy({
      baseDelayMs: o.restartDelayMs,
      maxDelayMs: o.maxBackoffMs,
      maxRestarts: o.maxRestarts,
      windowMs: o.windowMs,
    });
    this.#report("info", "supervisor.started", `watchdog started: ${o.command.join(" ")}`, {
      command: o.command,
      restartDelayMs: o.restartDelayMs,
      staleAfterMs: o.staleAfterMs,
      maxRestarts: o.maxRestarts,
      windowMs: o.windowMs,
      heartbeatPath: o.heartbeatPath,
    });
    let restart: { attempt: number; reason: string; delayMs: number } | undefined;
    for (let attempt = 1;; attempt++) {
      if (this.#stopSignal) return this.#stopped(0, "before starting a child");
      let child: ChildHandle;
      try {
        child = o.spawn(o.command);
      } catch (e) {
        const msg = e instanceof Error ? e.message : String(e);
        this.#report("error", "supervisor.gave_up", `giving up: cannot start child: ${msg}`, {
          error: msg,
          command: o.command,
        });
        return 1;
      }
      this.#child = child;
      const startedAt = o.now();
      if (restart) {
        this.#report(
          "warn",
          "supervisor.restarted",
          `restarted child (attempt ${attempt}, pid ${child.pid}) after ${restart.reason}`,
          { pid: child.pid, attempt, reason: restart.reason, delayMs: restart.delayMs },
        );
      } else {
        this.#report("info", "supervisor.child_started", `started child pid ${child.pid}`, {
          pid: child.pid,
          attempt,
        });
      }
      const outcome = await this.#watch(child, startedAt);
      this.#child = undefined;
      if (this.#stopSignal) {
        return this.#stopped(outcome.code, `child exited with code ${outcome.code}`);
      }
      if (!outcome.stale && outcome.code === 0) {
        this.#report("info", "supervisor.child_exited", "child exited cleanly (code 0); done", {
          pid: child.pid,
          code: 0,
        });
        return 0;
      }
      const reason = outcome.stale ??
        `exit with code ${outcome.code}${outcome.signal ? ` (${outcome.signal})` : ""}`;
      this.#report("warn", "supervisor.child_failed", `child pid ${child.pid} failed: ${reason}`, {
        pid: child.pid,
        code: outcome.code,
        signal: outcome.signal,
        stale: outcome.stale !== undefined,
        reason,
      });
      const decision = policy.onFailure(o.now());
      if (decision.action === "give-up") {
        this.#report(
          "error",
          "supervisor.gave_up",
          `giving up: child failed after ${decision.restartsInWindow} restarts within ` +
            `${secs(o.windowMs)} (crash loop; last failure: ${reason}). Fix the cause and start ` +
            `the watchdog again.`,
          { restarts: decision.restartsInWindow, windowMs: o.windowMs, reason },
        );
        return 1;
      }
      this.#report(
        "info",
        "supervisor.restart_scheduled",
        `restarting in ${secs(decision.delayMs)}`,
        {
          delayMs: decision.delayMs,
          restartsInWindow: decision.restartsInWindow,
        },
      );
      await o.sleep(decision.delayMs, this.#stop.signal);
      restart = { attempt: attempt + 1, reason, delayMs: decision.delayMs };
    }
  }

  #stopped(code: number, what: string): number {
    this.#report("info", "supervisor.stopped", `watchdog stopped (${what}); exit ${code}`, {
      code,
      signal: this.#stopSignal ?? null,
    });
    return code;
  }

  async #watch(child: ChildHandle, startedAt: number): Promise<Outcome> {
    const o = this.#o;
    const exited = new AbortController();
    let status: ChildExit | undefined;
    const done = child.status.then((s) => {
      status = s;
      exited.abort();
      return s;
    });
    let lastBeat: number | undefined;
    while (status === undefined) {
      await o.sleep(o.checkIntervalMs, exited.signal);
      if (status !== undefined || this.#stopSignal || o.staleAfterMs <= 0) continue;
      const read = await o.readHeartbeat(o.heartbeatPath);
      if (read.status === "ok" && read.heartbeat.ts >= startedAt) {
        lastBeat = Math.max(lastBeat ?? 0, read.heartbeat.ts);
      }
      const now = o.now();
      let stale: string | undefined;
      if (lastBeat !== undefined) {
        const age = heartbeatAge({ ts: lastBeat }, now);
        if (age > o.staleAfterMs) {
          stale = `heartbeat stale (${secs(age)} old, limit ${secs(o.staleAfterMs)})`;
        }
      } else if (now - startedAt > o.startupGraceMs) {
        stale = `no heartbeat within the ${secs(o.startupGraceMs)} startup grace at ` +
          o.heartbeatPath;
      }
      if (stale && status === undefined && !this.#stopSignal) {
        this.#report(
          "warn",
          "supervisor.child_stale",
          `child pid ${child.pid}: ${stale}; stopping it`,
          {
            pid: child.pid,
            reason: stale,
          },
        );
        await this.#terminate(child, exited.signal, () => status !== undefined);
        return { ...(await done), stale };
      }
    }
    return status;
  }

  async #terminate(child: ChildHandle, exited: AbortSignal, hasExited: () => boolean) {
    child.kill("SIGTERM");
    await this.#o.sleep(this.#o.killGraceMs, exited);
    if (hasExited()) return;
    this.#report(
      "warn",
      "supervisor.child_killed",
      `child pid ${child.pid} ignored SIGTERM for ${secs(this.#o.killGraceMs)}: sending SIGKILL`,
      { pid: child.pid, signal: "SIGKILL" },
    );
    child.kill("SIGKILL");
  }
}
