/**
 * laptop-agents: the command-line entry. Parses argv, dispatches to one command in
 * src/app/, and turns errors into exit codes: 2 with one line for bad input, 1 with one
 * line (the stack goes to logs/system.jsonl) for anything else. The only Deno.exit.
 */
import { nearestName } from "./src/config/argv.ts";
import { isInputError } from "./src/core/errors.ts";
import { COMMANDS } from "./src/app/commands.ts";
import { enterAgentHome, HOME_ENV } from "./src/ops/agent_home.ts";

function programHelp(): string {
  const rows = Object.entries(COMMANDS).map(([name, c]) =>
    `  ${(c.mode ? `--mode ${name}` : name).padEnd(24)} ${c.summary}`
  );
  return [
    "laptop-agents: a BTCUSDT perpetual-futures trading agent for one laptop.",
    "",
    "Usage: laptop-agents [--home DIR] --mode MODE [flags]   or   laptop-agents [--home DIR] COMMAND [flags]",
    "",
    "Modes and commands:",
    ...rows,
    "",
    "Each takes --help, e.g. laptop-agents --mode backtest --help",
    "",
    "Global flag, with every mode and command:",
    `  --home DIR               the agent home: config/, runs/, logs/ and paper/ are there`,
    `                           (default: $${HOME_ENV}, else the current folder)`,
  ].join("\n");
}

/** Splits argv into the command name and the command's own arguments. */
export function route(argv: string[]): { name: string | null; args: string[] } {
  if (argv.length === 0) return { name: null, args: [] };
  if (!argv[0].startsWith("-")) return { name: argv[0], args: argv.slice(1) };
  const i = argv.findIndex((a) => a === "--mode" || a.startsWith("--mode="));
  if (i !== -1) {
    const inline = argv[i].startsWith("--mode=");
    const name = inline ? argv[i].slice(7) : argv[i + 1] ?? "";
    const args = [...argv.slice(0, i), ...argv.slice(i + (inline ? 1 : 2))];
    return { name, args };
  }
  if (argv.some((a) => a === "--replay" || a.startsWith("--replay=")) && COMMANDS.replay) {
    return { name: "replay", args: argv };
  }
  return { name: null, args: argv };
}

async function main(argv: string[]): Promise<number> {
  // first of all: every relative path (config/, runs/, logs/, paper/) is the home's
  const { name, args } = route(enterAgentHome(argv).args);
  if (name === null) {
    const asked = args.includes("--help") || args.includes("-h") || args.length === 0;
    if (asked) {
      console.log(programHelp());
      return 0;
    }
    console.error("Invalid arguments: expected --mode MODE or a command; see --help");
    return 2;
  }
  const entry = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!entry) {
    const near = nearestName(name, Object.keys(COMMANDS));
    console.error(
      `Invalid command '${name}': ${near ? `did you mean '${near}'? ` : ""}expected one of ${
        Object.keys(COMMANDS).join(", ")
      }`,
    );
    return 2;
  }
  // only the command's own flags: what follows `--` belongs to a child (watchdog)
  const dashdash = args.indexOf("--");
  const own = dashdash === -1 ? args : args.slice(0, dashdash);
  const help = own.includes("--help") || own.includes("-h");
  if (!help) entry.prestart?.(own);
  const command = await entry.load();
  if (help) {
    console.log(await command.help(own));
    return 0;
  }
  return await command.run(args);
}

if (import.meta.main) {
  let code: number;
  try {
    code = await main(Deno.args);
  } catch (e) {
    if (isInputError(e)) {
      console.error(e.message);
      code = 2;
    } else {
      const err = e instanceof Error ? e : new Error(String(e));
      console.error(`Error: ${err.message}`);
      try {
        await Deno.mkdir("logs", { recursive: true });
        await Deno.writeTextFile(
          "logs/system.jsonl",
          JSON.stringify({
            ts: new Date().toISOString(),
            level: "error",
            component: "main",
            event: "process.crashed",
            runId: "",
            error: err.message,
            stack: err.stack,
          }) + "\n",
          { append: true },
        );
      } catch {
        // logging must never mask the original failure
      }
      code = 1;
    }
  }
  Deno.exit(code);
}
