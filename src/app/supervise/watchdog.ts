import { z } from "zod";
import { type FlagSpec, formatFlagHelp, numberFlag, parseFlags } from "../../config/argv.ts";
import { InputError } from "../../core/errors.ts";
import type { LogLevel } from "../../core/events.ts";
import { extractHomeFlag, HOME_ENV } from "../../ops/agent_home.ts";
import { DEFAULT_HEARTBEAT_PATH } from "../../ops/heartbeat.ts";
import { JsonlLogger } from "../../ops/jsonl_logger.ts";
import { acquirePidFile, DEFAULT_WATCHDOG_PID_PATH, PidFileBusyError } from "../../ops/pid_file.ts";
import { selfCommand } from "../../ops/self_command.ts";
import { Supervisor } from "../../ops/supervisor.ts";
import { createSpawn, type SpawnFn } from "../../ops/supervisor_process.ts";
import type { Command } from "../command.ts";
import { loadNotifyEnv, type NotifyEnv } from "../../config/notify_env.ts";
import type { FetchFn } from "../../notify/mod.ts";
import { configFlagOf, readConfigFile } from "../_flags.ts";
import { createNotifier, describeChannels, type NotifySetup } from "../notify/notifications.ts";

const seconds = (def: number, min: number, help: string) => ({
  schema: numberFlag({ min }).default(def),
  help,
});
const path = (def: string, what: string) => ({
  schema: z.string().min(1).default(def),
  help: `${what} (default ${def})`,
});

const SPEC: FlagSpec = {
  "restart-delay": seconds(10, 0, "seconds before restarting a failed child (default 10)"),
  "stale-after": seconds(
    30,
    0,
    "heartbeat older than this = frozen, restart (default 30; 0 = off)",
  ),
  "startup-grace": seconds(
    60,
    0,
    "seconds a new child has to write its first heartbeat (default 60)",
  ),
  "kill-grace": seconds(10, 0, "seconds between SIGTERM and SIGKILL (default 10)"),
  "max-restarts": {
    schema: numberFlag({ min: 0, int: true }).default(5),
    help: "restarts allowed within --window before giving up (default 5)",
  },
  window: seconds(300, 1, "crash-loop window in seconds (default 300)"),
  heartbeat: path(DEFAULT_HEARTBEAT_PATH, "heartbeat file the child writes"),
  "pid-file": path(DEFAULT_WATCHDOG_PID_PATH, "the watchdog's own pid file"),
  log: path("logs/watchdog.log", "human-readable watchdog log"),
  "system-log": path("logs/system.jsonl", "JSONL event log"),
  config: {
    schema: z.string().min(1).optional(),
    help: "JSON config file whose notify section picks the notifications (default: the " +
      "agent's --config, if any)",
  },
};

/** How long the watchdog waits for its last notifications (a give-up) before exiting. */
const NOTIFY_FLUSH_MS = 5_000;

/** What the watchdog command needs from the outside (injected in tests). */
export interface WatchdogDeps {
  /** argv prefix that starts this program (default {@link selfCommand}). */
  readonly selfCommand?: () => string[];
  /**
   * Child starter (default `Deno.Command` with inherited stdio, run in this process's
   * working directory, the agent home, with `LAPTOP_AGENTS_HOME` set to it).
   */
  readonly spawn?: SpawnFn;
  /** Subscribes to SIGINT/SIGTERM; returns an unsubscribe function. */
  readonly onSignal?: (handler: (signal: "SIGINT" | "SIGTERM") => void) => () => void;
  /** Console output (default stderr). */
  readonly out?: (line: string) => void;
  /** Notification channels (default from the environment and `.env`). */
  readonly notifyEnv?: () => NotifyEnv;
  /** fetch for the notification channels. */
  readonly fetch?: FetchFn;
  /** Notifier timings (tests). */
  readonly notifyOptions?: NotifySetup["options"];
}

function defaultOnSignal(handler: (signal: "SIGINT" | "SIGTERM") => void): () => void {
  const removers: (() => void)[] = [];
  for (const sig of ["SIGINT", "SIGTERM"] as const) {
    const fn = () => handler(sig);
    try {
      Deno.addSignalListener(sig, fn);
      removers.push(() => Deno.removeSignalListener(sig, fn));
    } catch {
      // SIGTERM cannot be listened to on Windows
    }
  }
  return () => removers.forEach((r) => r());
}

function help(): string {
  return [
    "watchdog: run the agent as a supervised child process of this same program.",
    "Restarts it after a crash or non-zero exit (exponential backoff), kills and restarts",
    "it when its heartbeat goes stale, gives up (exit 1) after --max-restarts restarts",
    "within --window. Ctrl+C / SIGTERM are forwarded to the child for a graceful shutdown;",
    "a second one at least 1 s later kills it (a second copy within 1 s, as `deno task`",
    "forwards Ctrl+C again, is ignored). A clean exit 0 of the child ends the watchdog.",
    "",
    "Usage: laptop-agents watchdog [flags] -- <agent arguments>",
    "  e.g. laptop-agents watchdog -- --mode live-session --source mock --execution-mode paper",
    "Unattended live restarts need SKIP_LIVE_CONFIRM=TRUE in the environment. Pass the same",
    "heartbeat path to the agent if you change --heartbeat. With notification channels set",
    "(README: Notifications) restarts, a give-up and a frozen child are sent there.",
    "",
    formatFlagHelp(SPEC),
  ].join("\n");
}

/**
 * Starts children in the agent home (our working directory, which main entered), with
 * `LAPTOP_AGENTS_HOME` set to its absolute path: a relative variable, or one that names
 * another folder than `--home` did, cannot send the child elsewhere.
 */
function homeSpawn(): SpawnFn {
  const home = Deno.cwd();
  return createSpawn({ cwd: home, env: { [HOME_ENV]: home } });
}

/** Opens an append-only plain log: one `ISO-timestamp LEVEL message` line per call. */
function openLineLog(file: string): { write(level: LogLevel, msg: string): void; close(): void } {
  const dir = file.replace(/[\\/][^\\/]*$/, "");
  if (dir && dir !== file) Deno.mkdirSync(dir, { recursive: true });
  const handle = Deno.openSync(file, { append: true, create: true });
  const enc = new TextEncoder();
  return {
    write(level, msg) {
      handle.writeSync(enc.encode(`${new Date().toISOString()} ${level.toUpperCase()} ${msg}\n`));
    },
    close: () => handle.close(),
  };
}

/** Builds the `watchdog` command with injectable self command, spawn, signals and output. */
export function createWatchdogCommand(deps: WatchdogDeps = {}): Command {
  const out = deps.out ?? ((line: string) => console.error(line));
  return {
    name: "watchdog",
    summary: "run the agent under a supervisor that restarts it on crash or freeze",
    help,
    async run(argv) {
      const dash = argv.indexOf("--");
      const own = dash === -1 ? argv : argv.slice(0, dash);
      if (own.includes("--help") || own.includes("-h")) {
        out(help());
        return 0;
      }
      const { flags, rest } = parseFlags(argv, SPEC);
      if (rest.length === 0) {
        throw new InputError(
          "watchdog arguments",
          "the agent's arguments after --, e.g. watchdog -- --mode live-session --source mock",
        );
      }
      if (extractHomeFlag(rest).home !== undefined) {
        throw new InputError(
          "watchdog arguments",
          "--home goes before the command (laptop-agents --home DIR watchdog -- ...); the " +
            "agent runs in the watchdog's home",
        );
      }
      const ms = (name: string) => (flags[name] as number) * 1000;
      const configPath = (flags.config as string | undefined) ?? configFlagOf(rest);
      const section = configPath ? (await readConfigFile(configPath)).notify : undefined;
      const notifyEnv = (deps.notifyEnv ?? loadNotifyEnv)();
      let lock;
      try {
        lock = acquirePidFile(flags["pid-file"] as string);
      } catch (e) {
        if (e instanceof PidFileBusyError) {
          out(e.message);
          return 1;
        }
        throw e;
      }
      const lines = openLineLog(flags.log as string);
      const logger = new JsonlLogger({
        path: flags["system-log"] as string,
        runId: `watchdog-${Deno.pid}`,
      });
      // restarts, a give-up and a frozen child are told (the child tells its own events)
      const notifier = createNotifier({
        env: notifyEnv,
        section,
        label: "watchdog",
        log: logger,
        fetch: deps.fetch,
        options: deps.notifyOptions,
      });
      if (notifier) out(`[watchdog] ${describeChannels(notifyEnv, section)}`);
      const command = [...(deps.selfCommand ?? selfCommand)(), ...rest];
      const supervisor = new Supervisor({
        command,
        heartbeatPath: flags.heartbeat as string,
        restartDelayMs: ms("restart-delay"),
        staleAfterMs: ms("stale-after"),
        startupGraceMs: ms("startup-grace"),
        killGraceMs: ms("kill-grace"),
        maxRestarts: flags["max-restarts"] as number,
        windowMs: ms("window"),
        spawn: deps.spawn ?? homeSpawn(),
        report(level, event, message, fields) {
          lines.write(level, message);
          logger.emit(level, "supervisor", event, { message, ...fields });
          notifier?.emit(level, "supervisor", event, { message, ...fields });
          out(`[watchdog] ${message}`);
        },
      });
      const unsubscribe = (deps.onSignal ?? defaultOnSignal)((sig) => supervisor.stop(sig));
      try {
        return await supervisor.run();
      } finally {
        await notifier?.close(NOTIFY_FLUSH_MS);
        unsubscribe();
        lines.close();
        logger.close();
        lock.release();
      }
    },
  };
}

/** The `watchdog` command. */
export const command: Command = createWatchdogCommand();
