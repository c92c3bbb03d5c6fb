import { z } from "zod";
import { type FlagSpec, formatFlagHelp, parseFlags } from "../config/argv.ts";
import {
  DEFAULT_KILL_SWITCH_PATH,
  readKillSwitch,
  resetKillSwitch,
  tripKillSwitch,
} from "../ops/kill_switch.ts";
import type { Command } from "./command.ts";

const SPEC: FlagSpec = {
  "kill-switch": {
    schema: z.string().min(1).default(DEFAULT_KILL_SWITCH_PATH),
    help: `kill switch file (default ${DEFAULT_KILL_SWITCH_PATH})`,
  },
  reset: { schema: z.boolean(), boolean: true, help: "write FALSE instead (re-arm trading)" },
};

function help(): string {
  return [
    "kill: trip the kill switch (write TRUE to the kill switch file). Running agents stop",
    "placing new orders at once; cancels and reduce-only exits still pass. The switch is off",
    "only while the file is absent or says FALSE; any other content trips it.",
    "",
    "Usage: laptop-agents kill [--kill-switch PATH] [--reset]",
    "",
    formatFlagHelp(SPEC),
  ].join("\n");
}

/** Builds the `kill` command with injectable output. */
export function createKillCommand(deps: { out?: (line: string) => void } = {}): Command {
  const out = deps.out ?? ((line: string) => console.log(line));
  return {
    name: "kill",
    summary: "trip the kill switch: block all new orders",
    help,
    async run(argv) {
      const { flags } = parseFlags(argv, SPEC);
      const path = flags["kill-switch"] as string;
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
        return after.tripped ? 1 : 0;
      }
      out(
        `KILL SWITCH TRIPPED: wrote TRUE to ${path} (${was}). Running agents block new ` +
          `orders; cancels and reduce-only exits still pass. Undo with: kill --reset`,
      );
      return after.tripped ? 0 : 1;
    },
  };
}

/** The `kill` command. */
export const command: Command = createKillCommand();
