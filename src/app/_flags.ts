import { type FlagSpec, type ParsedFlags, parseFlags } from "../config/argv.ts";
import { configTextToArgv } from "../config/config_file.ts";
import { InputError } from "../core/errors.ts";

/**
 * Parses a command's flags; a `--config FILE` (JSON of flag values) is read first and its
 * values placed before the command line so flags given on the command line win.
 */
export async function parseCommandFlags(
  argv: string[],
  spec: FlagSpec,
): Promise<{ flags: ParsedFlags; rest: string[] }> {
  const at = argv.findIndex((a) => a === "--config" || a.startsWith("--config="));
  if (at === -1 || !("config" in spec)) return parseFlags(argv, spec);
  const path = argv[at].includes("=") ? argv[at].slice("--config=".length) : argv[at + 1];
  if (!path) throw new InputError("--config", "a path to a JSON config file");
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch {
    throw new InputError(`--config ${path}`, "a readable JSON file (not found or unreadable)");
  }
  const fromFile = configTextToArgv(text, path);
  return parseFlags([...fromFile, ...argv], spec, {
    originOf: (i) => (i < fromFile.length ? `config file ${path}` : undefined),
  });
}

/** Prints a notice line to stderr. */
export function notice(msg: string): void {
  console.error(msg);
}
