import { type FlagSpec, type ParsedFlags, parseFlags } from "../config/argv.ts";
import { strategyParamFlags } from "../config/common_flags.ts";
import {
  isStrategyFile,
  loadStrategy,
  paramFlagName,
  STRATEGIES,
  type StrategyDefinition,
  strategyParams,
} from "../strategy/mod.ts";
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

/** The last `--strategy` value in argv (before any `--`): the one that wins. */
function strategyFlagOf(argv: readonly string[]): string | undefined {
  const dash = argv.indexOf("--");
  const own = dash === -1 ? argv : argv.slice(0, dash);
  let value: string | undefined;
  for (let i = 0; i < own.length; i++) {
    if (own[i] === "--strategy") value = own[i + 1];
    else if (own[i].startsWith("--strategy=")) value = own[i].slice("--strategy=".length);
  }
  return value;
}

/**
 * The chosen strategy (a file is loaded here, once per process) and the flag spec with
 * every strategy parameter as a flag: the built-ins' and the file's.
 */
async function withStrategyFlags(
  argv: readonly string[],
  spec: FlagSpec,
): Promise<{ spec: FlagSpec; chosen?: StrategyDefinition }> {
  if (!("strategy" in spec)) return { spec };
  const given = strategyFlagOf(argv);
  const chosen = given === undefined ? undefined : (await strategyOf(given))?.def;
  // the built-ins' parameters are in the spec already; a file's are added to it
  if (!chosen || STRATEGIES.includes(chosen)) return { spec, chosen };
  return { spec: { ...spec, ...strategyParamFlags([chosen], spec) }, chosen };
}

/** A built-in by name or a file loaded from the working folder; unknown names: undefined. */
async function strategyOf(given: string) {
  const known = STRATEGIES.some((s) => s.name === given) || isStrategyFile(given);
  return known ? await loadStrategy(given, Deno.cwd()) : undefined;
}

/**
 * Parses a command's flags; a `--config FILE` (JSON of flag values) is read first and its
 * values placed before the command line so flags given on the command line win. The
 * file's `notify` section comes back as `notify`. A `--strategy FILE` is loaded first and
 * its declared parameters become flags (and config keys).
 */
export async function parseCommandFlags(
  argv: string[],
  spec: FlagSpec,
): Promise<{ flags: ParsedFlags; rest: string[]; notify?: NotifySection }> {
  const path = "config" in spec ? configFlagOf(argv) : undefined;
  if (path === undefined) {
    return parseFlags(argv, (await withStrategyFlags(argv, spec)).spec);
  }
  const file = await readConfigFile(path);
  const fromFile = file.argv;
  const all = [...fromFile, ...argv];
  const parsed = parseFlags(all, (await withStrategyFlags(all, spec)).spec, {
    originOf: (i) => (i < fromFile.length ? `config file ${path}` : undefined),
  });
  return { ...parsed, notify: file.notify };
}

/** Prints a notice line to stderr. */
export function notice(msg: string): void {
  console.error(msg);
}

/**
 * The `Strategies:` part of a trading command's help: each built-in and, with
 * `--strategy FILE` in argv, that file's strategy, with their parameter flags and defaults.
 */
export async function strategiesHelp(argv: readonly string[] = []): Promise<string[]> {
  const given = strategyFlagOf(argv);
  const chosen = given === undefined ? undefined : (await strategyOf(given))?.def;
  const defs = chosen && !STRATEGIES.includes(chosen) ? [...STRATEGIES, chosen] : STRATEGIES;
  const lines = ["Strategies (--strategy NAME or --strategy FILE; parameters as flags):"];
  for (const def of defs) {
    lines.push(
      `  ${def.name}${def === chosen && given !== def.name ? ` (${given})` : ""}: ${def.summary}`,
    );
    for (const p of strategyParams(def)) {
      const flag = `--${paramFlagName(p.name)}`;
      lines.push(
        `    ${flag.padEnd(20)} ${p.help || p.name}${
          p.default === undefined ? "" : ` (default ${p.default})`
        }`,
      );
    }
  }
  return lines;
}
