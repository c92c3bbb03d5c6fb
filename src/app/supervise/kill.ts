import { z } from "zod";
import { type FlagSpec, formatFlagHelp, parseFlags } from "../../config/argv.ts";
import {
  absoluteKillSwitchPath,
  DEFAULT_KILL_SWITCH_PATH,
  readKillSwitch,
  resetKillSwitch,
  tripKillSwitch,
} from "../../ops/kill_switch.ts";
import { DEFAULT_AGENT_PID_PATH, isProcessAlive, readPidFile } from "../../ops/pid_file.ts";
import type { Command } from "../command.ts";

const SPEC: FlagSpec = {
  "kill-switch": {
    schema: z.string().min(1).default(DEFAULT_KILL_SWITCH_PATH),
    help: `kill switch file (default ${DEFAULT_KILL_SWITCH_PATH})`,
  },
  reset: { schema: z.boolean(), boolean: true, help: "write FALSE instead (re-arm trading)" },
  "pid-file": {
    schema: z.string().min(1).default(DEFAULT_AGENT_PID_PATH),
    help:
      `pid file of this home's agent, to warn when none runs (default ${DEFAULT_AGENT_PID_PATH})`,
  },
};

/** What the kill command needs from the outside (injected in tests). */
export interface KillDeps {
  /** Console output (default stdout). */
  readonly out?: (line: string) => void;
  /** Liveness probe of the agent named in the pid file (default {@link isProcessAlive}). */
  readonly isAlive?: (pid: number) => boolean;
}

function help(): string {
  return [
    "kill: trip the kill switch (write TRUE to the kill switch file). Running agents stop",
    "placing new orders at once; cancels and reduce-only exits still pass. The switch is off",
    "only while the file is absent or says FALSE; any other content trips it.",
    "",
    "The file is the agent home's (--home DIR or LAPTOP_AGENTS_HOME, else the current",
    "folder); a warning says so when no agent of this home is running.",
    "",
    "Usage: laptop-agents [--home DIR] kill [--kill-switch PATH] [--reset]",
    "",
    formatFlagHelp(SPEC),
  ].join("\n");
}

/** Builds the `kill` command with injectable output and liveness probe. */
export function createKillCommand(deps: KillDeps = {}): Command {
  const out = deps.out ?? ((line: string) => console.log(line));
  const isAlive = deps.isAlive ?? isProcessAlive;
  return {
    name: "kill",
    summary: "trip the kill switch: block all new orders",
    help,
    async run(argv) {
      const { flags } = parseFlags(argv, SPEC);
      const path = absoluteKillSwitchPath(flags["kill-switch"] as string);
      const pidFile = flags["pid-file"] as string;
      const agent = readPidFile(pidFile);
      const warning = agent.status === "ok" && isAlive(agent.pid)
        ? undefined
        : `Warning: no running agent found under ${Deno.cwd()} (${pidFile}); an agent ` +
          "started from another folder will not see this file.";
      const before = await readKillSwitch(path);
      const was = before.tripped ? "already tripped" : "was off";
      try {
        if (flags.reset) resetKillSwitch(path);
        else tripKillSwitch(path);
      } catch (e) {
        out(`Cannot write kill switch ${path}: ${e instanceof Error ? e.message : e}`);
        return 1;
      }
      const after = await readKillSwitch(path);
      if (flags.reset) {
        out(`Kill switch reset: wrote FALSE to ${path} (${was}). New orders are allowed again.`);
        if (warning) out(warning);
        return after.tripped ? 1 : 0;
      }
      out(
        `KILL SWITCH TRIPPED: wrote TRUE to ${path} (${was}). Running agents block new ` +
          `orders; cancels and reduce-only exits still pass. Undo with: kill --reset`,
      );
      if (warning) out(warning);
      return after.tripped ? 0 : 1;
    },
  };
}

/** The `kill` command. */
export const command: Command = createKillCommand();
