/**
 * The agent home: the one folder whose config/, runs/, logs/ and paper/ every command
 * uses, so `kill` run from another folder still trips the switch the agent watches. Chosen
 * by the global `--home DIR` flag, else the `LAPTOP_AGENTS_HOME` variable, else the
 * working directory; main changes into it before any command runs.
 */
import { isAbsolute, resolve } from "node:path";
import { z } from "zod";
import { InputError } from "../core/errors.ts";

/** Environment variable naming the agent home (the `--home` flag wins over it). */
export const HOME_ENV = "LAPTOP_AGENTS_HOME";

/** Where a home came from: the flag or the environment variable. */
export type HomeSource = "--home" | typeof HOME_ENV;

const HomeValue = z.string().min(1, "a folder after --home, e.g. --home ~/laptop-agents");

/**
 * Takes `--home DIR` / `--home=DIR` out of the program's own arguments (those before
 * `--`; what follows belongs to the watchdog's child). Throws an InputError for a missing
 * or empty value or a repeated flag.
 */
export function extractHomeFlag(argv: readonly string[]): { home?: string; args: string[] } {
  const args: string[] = [];
  let home: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--") {
      args.push(...argv.slice(i));
      break;
    }
    if (arg !== "--home" && !arg.startsWith("--home=")) {
      args.push(arg);
      continue;
    }
    let raw: string | undefined = arg.slice("--home=".length);
    if (arg === "--home") {
      const next = argv[i + 1];
      raw = next === undefined || next.startsWith("--") ? undefined : next;
      if (raw !== undefined) i++;
    }
    if (home !== undefined) throw new InputError("--home", "given once");
    const parsed = HomeValue.safeParse(raw);
    if (!parsed.success) throw new InputError("--home", "a value after the flag (a folder)");
    home = parsed.data;
  }
  return { home, args };
}

/**
 * Resolves a home against `base` (default the working directory) and checks it is an
 * existing folder; returns the absolute path. Throws an InputError naming `source`.
 */
export function resolveAgentHome(
  value: string,
  source: HomeSource,
  base: string = Deno.cwd(),
): string {
  const result = z.string().min(1, "a folder path").transform((v) =>
    isAbsolute(v) ? resolve(v) : resolve(base, v)
  ).superRefine((path, ctx) => {
    let problem: string | undefined;
    try {
      if (!Deno.statSync(path).isDirectory) problem = `${path} is not a folder`;
    } catch (e) {
      problem = e instanceof Deno.errors.NotFound
        ? `${path} does not exist`
        : `${path} cannot be read: ${e instanceof Error ? e.message : e}`;
    }
    if (problem) ctx.addIssue({ code: "custom", message: `an existing folder (${problem})` });
  }).safeParse(value);
  if (!result.success) {
    throw new InputError(source, result.error.issues[0]?.message ?? "an existing folder");
  }
  return result.data;
}

/** `LAPTOP_AGENTS_HOME` when set, non-empty and readable without a permission prompt. */
function homeFromEnv(): string | undefined {
  try {
    if (Deno.permissions.querySync({ name: "env", variable: HOME_ENV }).state !== "granted") {
      return undefined;
    }
    return Deno.env.get(HOME_ENV) || undefined;
  } catch {
    return undefined;
  }
}

/** Options of {@link enterAgentHome}. */
export interface EnterAgentHomeOptions {
  /** Reads `LAPTOP_AGENTS_HOME` (default: the environment, when env access is granted). */
  readonly getEnv?: () => string | undefined;
}

/**
 * Picks the home (`--home`, else `LAPTOP_AGENTS_HOME`, else the working directory),
 * changes into it and returns the arguments without `--home`. The working directory then
 * is the home, so every relative path resolves against it and child processes inherit it.
 */
export function enterAgentHome(
  argv: readonly string[],
  options: EnterAgentHomeOptions = {},
): { args: string[]; home: string | undefined } {
  const { home: flag, args } = extractHomeFlag(argv);
  const fromEnv = flag === undefined ? (options.getEnv ?? homeFromEnv)() : undefined;
  const given = flag ?? fromEnv;
  if (given === undefined) return { args, home: undefined };
  const source: HomeSource = flag !== undefined ? "--home" : HOME_ENV;
  const home = resolveAgentHome(given, source);
  try {
    Deno.chdir(home);
  } catch (e) {
    throw new InputError(
      source,
      `a folder this process may enter (${home}: ${(e as Error).message})`,
    );
  }
  return { args, home };
}
