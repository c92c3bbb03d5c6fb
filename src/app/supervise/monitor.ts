import { z } from "zod";
import { type FlagSpec, formatFlagHelp, numberFlag, parseFlags } from "../../config/argv.ts";
import { type Heartbeat, heartbeatLiveness, type HeartbeatStop } from "../../core/heartbeat.ts";
import { DEFAULT_HEARTBEAT_PATH, heartbeatAge, readHeartbeat } from "../../ops/heartbeat.ts";
import type { Command } from "../command.ts";
import { loadNotifyEnv, type NotifyEnv } from "../../config/notify_env.ts";
import type { EventSink } from "../../core/events.ts";
import { abortableSleep, type Sleep } from "../../core/sleep.ts";
import type { FetchFn } from "../../notify/mod.ts";
import { readConfigFile } from "../_flags.ts";
import { createNotifier, describeChannels, type NotifySetup } from "../notify/notifications.ts";

/** How long the monitor waits for its last notification before exiting. */
const NOTIFY_FLUSH_MS = 5_000;

const SPEC: FlagSpec = {
  heartbeat: {
    schema: z.string().min(1).default(DEFAULT_HEARTBEAT_PATH),
    help: `heartbeat file to read (default ${DEFAULT_HEARTBEAT_PATH})`,
  },
  "max-age": {
    schema: numberFlag({ min: 0 }).default(5),
    help: "alert when the heartbeat is older than this many seconds (default 5)",
  },
  once: {
    schema: z.boolean(),
    boolean: true,
    help: "print once; exit 0 healthy or stopped cleanly, 1 otherwise",
  },
  interval: {
    schema: numberFlag({ min: 0.05 }).default(1),
    help: "seconds between checks without --once (default 1)",
  },
  config: {
    schema: z.string().min(1).optional(),
    help: "JSON config file whose notify section picks the notifications",
  },
};

const STOP_REASONS: Record<string, string> = {
  duration: "its --duration ended",
  signal: "it was asked to stop (Ctrl+C or a signal)",
  "feed-ended": "the market feed ended",
  stale: "no market data came (stale-data safety shutdown)",
  error: "an error (see logs/system.jsonl)",
};

/**
 * How a stopped agent stopped, e.g. `stopped cleanly at 2025-01-01T12:00:00.000Z (its
 * --duration ended)` or `stopped at ... after no market data came (...)`.
 */
export function describeStop(stop: HeartbeatStop): string {
  const why = STOP_REASONS[stop.reason] ?? stop.reason;
  const at = new Date(stop.at).toISOString();
  return stop.clean ? `stopped cleanly at ${at} (${why})` : `stopped at ${at} after ${why}`;
}

/**
 * One line describing a heartbeat: age, mode, last candle, position, equity, risk state
 * (not for a stopped agent: its risk gate was halted by the stop).
 */
export function describeHeartbeat(hb: Heartbeat, now: number): string {
  const age = (heartbeatAge(hb, now) / 1000).toFixed(1);
  const mode = hb.executionMode ? `${hb.mode} (${hb.executionMode})` : hb.mode;
  const candle = hb.lastCandleTs === null ? "none yet" : new Date(hb.lastCandleTs).toISOString();
  const pos = hb.position
    ? `${hb.position.side} ${hb.position.qty} @ ${hb.position.entryPrice}`
    : "flat";
  return `age ${age}s | pid ${hb.pid} | mode ${mode} | ${hb.symbol} | run ${hb.runId} | ` +
    `last candle ${candle} | position ${pos} | equity ${hb.equity.toFixed(2)}` +
    (hb.stopped ? "" : ` | risk ${hb.riskState}`);
}

/** Result of one heartbeat check. */
export interface HeartbeatCheck {
  readonly healthy: boolean;
  readonly line: string;
}

/**
 * Reads the heartbeat once and renders an OK, STOPPED (a clean stop: nothing to alert
 * about) or ALERT line (missing, corrupt, stale, or stopped after a fault).
 */
export async function checkHeartbeat(
  path: string,
  maxAgeMs: number,
  now: number,
): Promise<HeartbeatCheck> {
  const read = await readHeartbeat(path);
  if (read.status === "missing") {
    return { healthy: false, line: `ALERT no heartbeat at ${path} (is the agent running?)` };
  }
  if (read.status === "corrupt") return { healthy: false, line: `ALERT ${read.message}` };
  const hb = read.heartbeat;
  const live = heartbeatLiveness(hb, now, maxAgeMs);
  if (live.state === "stopped") {
    const ago = `${(heartbeatAge({ ts: live.stop.at }, now) / 1000).toFixed(1)}s ago`;
    const line = `the agent ${describeStop(live.stop)}, ${ago} | ${describeHeartbeat(hb, now)}`;
    return live.stop.clean
      ? { healthy: true, line: `STOPPED ${line}` }
      : { healthy: false, line: `ALERT ${line}` };
  }
  const age = live.ageMs;
  if (live.state === "stale") {
    return {
      healthy: false,
      line: `ALERT heartbeat is stale (${(age / 1000).toFixed(1)}s old, max ${
        maxAgeMs / 1000
      }s): agent may be frozen | ${describeHeartbeat(hb, now)}`,
    };
  }
  return { healthy: true, line: `OK ${describeHeartbeat(hb, now)}` };
}

/** What the monitor command needs from the outside (injected in tests). */
export interface MonitorDeps {
  readonly now?: () => number;
  readonly out?: (line: string) => void;
  /** Sleep between checks (default a timer). */
  readonly sleep?: Sleep;
  /** Subscribes to Ctrl+C; returns an unsubscribe function. */
  readonly onInterrupt?: (stop: () => void) => () => void;
  /** Notification channels (default from the environment and `.env`). */
  readonly notifyEnv?: () => NotifyEnv;
  /** fetch for the notification channels. */
  readonly fetch?: FetchFn;
  /** Notifier timings (tests). */
  readonly notifyOptions?: NotifySetup["options"];
}

function defaultOnInterrupt(stop: () => void): () => void {
  Deno.addSignalListener("SIGINT", stop);
  return () => Deno.removeSignalListener("SIGINT", stop);
}

function help(): string {
  return [
    "monitor: watch the agent's heartbeat and alert when it goes stale (frozen process).",
    "An agent that stopped cleanly says so (STOPPED, with when and why); one that stopped",
    "after a fault (stale data, an error) is an ALERT.",
    "",
    "Usage: laptop-agents monitor [--once] [--max-age SECONDS] [--heartbeat PATH]",
    "",
    "With notification channels set (README: Notifications) a heartbeat that goes stale is",
    "sent there once (heartbeat.missed), and once more when it is back (heartbeat.recovered);",
    "with --once, every unhealthy check is sent.",
    "",
    formatFlagHelp(SPEC),
  ].join("\n");
}

/** Builds the `monitor` command with injectable clock, output, sleep and Ctrl+C hook. */
export function createMonitorCommand(deps: MonitorDeps = {}): Command {
  const now = deps.now ?? Date.now;
  const out = deps.out ?? ((line: string) => console.log(line));
  const sleep = deps.sleep ?? abortableSleep;
  const onInterrupt = deps.onInterrupt ?? defaultOnInterrupt;
  return {
    name: "monitor",
    summary: "print the heartbeat and alert when the agent is frozen",
    help,
    async run(argv) {
      const { flags } = parseFlags(argv, SPEC);
      const path = flags.heartbeat as string;
      const maxAgeMs = (flags["max-age"] as number) * 1000;
      const section = flags.config
        ? (await readConfigFile(flags.config as string)).notify
        : undefined;
      const notifyEnv = (deps.notifyEnv ?? loadNotifyEnv)();
      // the notifier's own failures are printed (the monitor keeps no log file)
      const log: EventSink = {
        emit(level, _component, event, fields) {
          if (level !== "debug") out(`notify: ${event} ${JSON.stringify(fields ?? {})}`);
        },
      };
      const notifier = createNotifier({
        env: notifyEnv,
        section,
        label: "monitor",
        log,
        fetch: deps.fetch,
        options: deps.notifyOptions,
      });
      if (notifier && !flags.once) out(describeChannels(notifyEnv, section));
      let healthy = true;
      const tell = (check: HeartbeatCheck) => {
        if (check.healthy !== healthy) {
          notifier?.emit(
            check.healthy ? "info" : "error",
            "monitor",
            check.healthy ? "heartbeat.recovered" : "heartbeat.missed",
            { message: check.line, heartbeat: path, max_age_s: maxAgeMs / 1000 },
          );
        }
        healthy = check.healthy;
      };
      if (flags.once) {
        const check = await checkHeartbeat(path, maxAgeMs, now());
        out(check.line);
        tell(check);
        await notifier?.close(NOTIFY_FLUSH_MS);
        return check.healthy ? 0 : 1;
      }
      const stop = new AbortController();
      const unsubscribe = onInterrupt(() => stop.abort());
      try {
        while (!stop.signal.aborted) {
          const check = await checkHeartbeat(path, maxAgeMs, now());
          out(`${new Date(now()).toISOString()} ${check.line}`);
          tell(check);
          await sleep((flags.interval as number) * 1000, stop.signal);
        }
        return 0;
      } finally {
        unsubscribe();
        await notifier?.close(NOTIFY_FLUSH_MS);
      }
    },
  };
}

/** The `monitor` command. */
export const command: Command = createMonitorCommand();
