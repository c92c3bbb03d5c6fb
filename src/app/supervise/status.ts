import { z } from "zod";
import { type FlagSpec, formatFlagHelp, numberFlag, parseFlags } from "../../config/argv.ts";
import { heartbeatLiveness } from "../../core/heartbeat.ts";
import { DEFAULT_HEARTBEAT_PATH, readHeartbeat } from "../../ops/heartbeat.ts";
import {
  absoluteKillSwitchPath,
  DEFAULT_KILL_SWITCH_PATH,
  type KillSwitchState,
  readKillSwitch,
} from "../../ops/kill_switch.ts";
import {
  DEFAULT_AGENT_PID_PATH,
  DEFAULT_WATCHDOG_PID_PATH,
  isProcessAlive,
  readPidFile,
} from "../../ops/pid_file.ts";
import type { Command } from "../command.ts";
import { describeHeartbeat, describeStop } from "./monitor.ts";

const path = (def: string, what: string) => ({
  schema: z.string().min(1).default(def),
  help: `${what} (default ${def})`,
});

const SPEC: FlagSpec = {
  "pid-file": path(DEFAULT_AGENT_PID_PATH, "agent pid file"),
  "watchdog-pid-file": path(DEFAULT_WATCHDOG_PID_PATH, "watchdog pid file"),
  heartbeat: path(DEFAULT_HEARTBEAT_PATH, "heartbeat file"),
  "kill-switch": path(DEFAULT_KILL_SWITCH_PATH, "kill switch file"),
  "max-age": {
    schema: numberFlag({ min: 0 }).default(5),
    help: "heartbeat older than this many seconds = unhealthy (default 5)",
  },
};

/** What the status command needs from the outside (injected in tests). */
export interface StatusDeps {
  readonly now?: () => number;
  readonly out?: (line: string) => void;
  readonly isAlive?: (pid: number) => boolean;
}

function help(): string {
  return [
    "status: is an agent running and healthy? Shows pid, heartbeat age, mode, position,",
    "equity and the kill switch. Exit 0 when running and healthy, 1 otherwise.",
    "",
    "Relative paths are the agent home's (--home DIR or LAPTOP_AGENTS_HOME, else the current",
    "folder).",
    "",
    "Usage: laptop-agents [--home DIR] status [--pid-file PATH] [--heartbeat PATH]",
    "       [--kill-switch PATH]",
    "",
    formatFlagHelp(SPEC),
  ].join("\n");
}

function processLine(file: string, isAlive: (pid: number) => boolean): [string, boolean] {
  const state = readPidFile(file);
  if (state.status === "missing") return [`not running (no ${file})`, false];
  if (state.status === "corrupt") return [`unknown: ${state.message}`, false];
  return isAlive(state.pid)
    ? [`running (pid ${state.pid}, ${file})`, true]
    : [`not running (stale ${file} names pid ${state.pid}, which has exited)`, false];
}

/** One line about the kill switch: off or TRIPPED, why, and what the file says. */
export function describeKillSwitch(ks: KillSwitchState): string {
  if (!ks.tripped) return `off (${ks.reason === "missing" ? "no file" : "file says FALSE"})`;
  const said = ks.content !== undefined ? `: file says "${ks.content}"` : "";
  const hint = ks.reason === "not-false" ? "; only FALSE is off" : "";
  return `TRIPPED (${ks.reason}${said}${ks.error ? `: ${ks.error}` : ""}${hint}): ` +
    "new orders blocked";
}

/** Builds the `status` command with injectable clock, output and liveness probe. */
export function createStatusCommand(deps: StatusDeps = {}): Command {
  const now = deps.now ?? Date.now;
  const out = deps.out ?? ((line: string) => console.log(line));
  const isAlive = deps.isAlive ?? isProcessAlive;
  return {
    name: "status",
    summary: "show whether an agent is running and healthy",
    help,
    async run(argv) {
      const { flags } = parseFlags(argv, SPEC);
      const [agentLine, running] = processLine(flags["pid-file"] as string, isAlive);
      const [watchdogLine] = processLine(flags["watchdog-pid-file"] as string, isAlive);
      const hbPath = flags.heartbeat as string;
      const maxAgeMs = (flags["max-age"] as number) * 1000;
      const t = now();
      const read = await readHeartbeat(hbPath);
      let healthy = false;
      let hbLine: string;
      let stopped = "";
      if (read.status === "ok") {
        const live = heartbeatLiveness(read.heartbeat, t, maxAgeMs);
        healthy = live.state === "running";
        if (live.state === "stopped") stopped = describeStop(live.stop);
        hbLine = `${
          live.state === "stopped" ? stopped : healthy ? "fresh" : `STALE (max ${maxAgeMs / 1000}s)`
        } | ${describeHeartbeat(read.heartbeat, t)}`;
      } else {
        hbLine = read.message;
      }
      const ks = await readKillSwitch(flags["kill-switch"] as string);
      out(`home:        ${Deno.cwd()}`);
      out(`agent:       ${agentLine}`);
      out(`watchdog:    ${watchdogLine}`);
      out(`heartbeat:   ${hbLine}`);
      const ksPath = absoluteKillSwitchPath(flags["kill-switch"] as string);
      out(`kill switch: ${describeKillSwitch(ks)} [${ksPath}]`);
      const ok = running && healthy;
      out(
        `status:      ${
          ok
            ? "RUNNING, healthy"
            : running
            ? "RUNNING, unhealthy"
            : `NOT RUNNING${stopped ? ` (the agent ${stopped})` : ""}`
        }`,
      );
      return ok ? 0 : 1;
    },
  };
}

/** The `status` command. */
export const command: Command = createStatusCommand();
