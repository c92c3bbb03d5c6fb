import { type FlagSpec, type ParsedFlags, parseFlags } from "../config/argv.ts";
import { type ConfigFile, parseConfigFile } from "../config/config_file.ts";
import type { NotifySection } from "../config/notify_config.ts";
import { InputError } from "../core/errors.ts";

/** Reads and checks a JSON config file (flag values and its `notify` section). */
export async function readConfigFile(path: string): Promise<ConfigFile> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch {
    throw new InputError(`--config ${path}`, "a readable JSON file (not found or unreadable)");
  }
  return parseConfigFile(text, path);
}

/** The value of `--config` in argv (before any `--`), if given. */
export function configFlagOf(argv: readonly string[]): string | undefined {
  const dash = argv.indexOf("--");
  const own = dash === -1 ? argv : argv.slice(0, dash);
  const at = own.findIndex((a) => a === "--config" || a.startsWith("--config="));
  if (at === -1) return undefined;
  const path = own[at].includes("=") ? own[at].slice("--config=".length) : own[at + 1];
  if (!path) throw new InputError("--config", "a path to a JSON config file");
  return path;
}

/**
 * Parses a command's flags; a `--config FILE` (JSON of flag values) is read first and its
 * values placed before the command line so flags given on the command line win. The
 * file's `notify` section comes back as `notify`.
 */
export async function parseCommandFlags(
  argv: string[],
  spec: FlagSpec,
): Promise<{ flags: ParsedFlags; rest: string[]; notify?: NotifySection }> {
  const path = "config" in spec ? configFlagOf(argv) : undefined;
  if (path === undefined) return parseFlags(argv, spec);
  const file = await readConfigFile(path);
  const fromFile = file.argv;
  const parsed = parseFlags([...fromFile, ...argv], spec, {
    originOf: (i) => (i < fromFile.length ? `config file ${path}` : undefined),
  });
  return { ...parsed, notify: file.notify };
}

/** Prints a notice line to stderr. */
export function notice(msg: string): void {
  console.error(msg);
}
