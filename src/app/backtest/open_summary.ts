import { z } from "zod";
import { type FlagSpec, formatFlagHelp, parseFlags } from "../../config/argv.ts";
import type { Command } from "../command.ts";

const FLAGS: FlagSpec = {
  "runs-dir": { schema: z.string().min(1).default("runs"), help: "runs folder (default runs)" },
  print: { schema: z.boolean(), boolean: true, help: "only print the path, do not open a browser" },
};

/** Opener program of this OS for a file. */
function opener(): string[] {
  if (Deno.build.os === "darwin") return ["open"];
  if (Deno.build.os === "windows") return ["cmd", "/c", "start", ""];
  return ["xdg-open"];
}

/** `open`: prints and (on a desktop) opens runs/latest/summary.html (the seed's mvp_open). */
export const command: Command = {
  name: "open",
  summary: "print and open runs/latest/summary.html in the browser",
  help: () =>
    ["Usage: laptop-agents open [--print] [--runs-dir runs]", "", formatFlagHelp(FLAGS)].join("\n"),
  async run(argv) {
    const { flags } = parseFlags(argv, FLAGS);
    const path = `${flags["runs-dir"]}/latest/summary.html`;
    let real: string;
    try {
      real = await Deno.realPath(path);
    } catch {
      console.error(`No report yet: ${path} not found. Run a backtest first (deno task demo).`);
      return 1;
    }
    console.log(real);
    if (flags.print || !Deno.stdout.isTerminal()) return 0;
    const [cmd, ...args] = opener();
    try {
      const child = new Deno.Command(cmd, {
        args: [...args, real],
        stdout: "null",
        stderr: "null",
      }).spawn();
      await child.status;
    } catch {
      console.error("Could not start a browser; open the path above yourself.");
    }
    return 0;
  },
};
