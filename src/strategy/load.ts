/**
 * Strategies from files: `--strategy ./strategies/my_rsi.ts`. A file's default export is a
 * definition (`defineStrategy({...})`) or a function of the kit that returns one; it is
 * checked with zod, then known by its name and its path for the rest of the process
 * (workers and replays load it again from the absolute path the run records).
 *
 * @module
 */
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { z } from "zod";
import { InputError } from "../core/errors.ts";
import type { StrategyDefinition } from "./api.ts";
import { STRATEGY_KIT } from "./kit.ts";

/** True when `spec` names a file rather than a built-in (a path, or a .ts/.js name). */
export function isStrategyFile(spec: string): boolean {
  return /[\\/]/.test(spec) || /\.(m?[jt]s|tsx?)$/i.test(spec);
}

const isFunction = (v: unknown) => typeof v === "function";
/** A zod object schema, told by shape rather than class (a file may bring its own zod copy). */
const isZodObject = (v: unknown) => {
  const def = (v as { _zod?: { def?: { type?: string } } } | null)?._zod?.def;
  return def !== undefined && typeof (v as { safeParse?: unknown }).safeParse === "function";
};

const definitionSchema = z.object({
  name: z.string({ error: "a name" }).regex(
    /^[a-z][a-z0-9-]{0,39}$/,
    "name: 1-40 lowercase letters, digits and dashes, starting with a letter",
  ),
  summary: z.string({ error: "summary: one line for --help" }).min(1).max(200),
  params: z.custom<z.ZodType>(isZodObject, "params: a zod object of numbers (z.object({...}))"),
  create: z.custom<StrategyDefinition["create"]>(
    isFunction,
    "create: a function (params) => { warmup, onCandle(ctx) }",
  ),
});

/** Loaded files by absolute URL and by the spelling they were loaded with, and by name. */
const byUrl = new Map<string, StrategyDefinition>();
const byName = new Map<string, { def: StrategyDefinition; url: string }>();

/** The file a loaded strategy came from (absolute file URL), if it came from a file. */
export function strategyFileOf(name: string): string | undefined {
  return byName.get(name)?.url;
}

function byNameUrl(def: StrategyDefinition): string | undefined {
  return byName.get(def.name)?.url;
}

/** A strategy loaded from a file, by its name or its absolute URL or path. */
export function loadedStrategy(spec: string): StrategyDefinition | undefined {
  return byName.get(spec)?.def ?? byUrl.get(spec) ?? byUrl.get(toUrl(spec, "/"));
}

/** Every strategy loaded from a file so far. */
export function loadedStrategies(): StrategyDefinition[] {
  return [...byName.values()].map((e) => e.def);
}

function toUrl(spec: string, baseDir: string): string {
  if (/^file:/.test(spec)) return new URL(spec).href;
  // a path, not a URL: a `#` or `?` in a folder or file name is part of the name
  return pathToFileURL(resolve(baseDir, spec.replaceAll("\\", "/"))).href;
}

/** The program's own folder: a compiled binary holds its `strategies/` there. */
const PROGRAM_ROOT = new URL("../../", import.meta.url);

function isNotFound(msg: string, url: string): boolean {
  return /Module not found|No such file|not found/i.test(msg) && msg.includes(url);
}

/**
 * Imports a strategy file. A relative path not found in the working folder is looked up
 * in the program's own folder too: a compiled binary cannot import files from disk, only
 * those compiled into it (`deno task compile` includes `strategies/`).
 */
async function importFile(
  url: string,
  spec: string,
): Promise<{ mod: Record<string, unknown>; url: string }> {
  try {
    return { mod: await import(url), url };
  } catch (e) {
    const relative = !/^(file:|\/|[A-Za-z]:[\\/])/.test(spec);
    const msg = e instanceof Error ? e.message : String(e);
    if (!relative || !isNotFound(msg, url)) throw e;
    const own = new URL(spec.replaceAll("\\", "/"), PROGRAM_ROOT).href;
    if (own === url) throw e;
    try {
      return { mod: await import(own), url: own };
    } catch {
      throw e;
    }
  }
}

/**
 * Loads a strategy file (once per process) and checks what it exports.
 * @param spec the path as given (relative to `baseDir`), an absolute path or a file URL
 * @param baseDir the folder relative paths start from (the process's working folder)
 * @param builtinNames names a file strategy may not take
 * @throws InputError naming the file and what was expected
 */
export async function loadStrategyFile(
  spec: string,
  baseDir: string,
  builtinNames: readonly string[],
): Promise<{ def: StrategyDefinition; url: string }> {
  const asked = toUrl(spec, baseDir);
  const known = byUrl.get(asked);
  if (known) {
    byUrl.set(spec, known);
    return { def: known, url: byNameUrl(known) ?? asked };
  }
  const what = `--strategy ${spec}`;
  let mod: Record<string, unknown>;
  let url: string;
  try {
    ({ mod, url } = await importFile(asked, spec));
  } catch (e) {
    const msg = e instanceof Error ? e.message.split("\n")[0] : String(e);
    throw new InputError(
      what,
      isNotFound(msg, asked)
        ? "a strategy file that exists (not found; paths are relative to the working folder)"
        : `a strategy module that loads (${msg.slice(0, 200)})`,
    );
  }
  let exported = mod.default;
  if (exported === undefined) {
    throw new InputError(what, "a default export: defineStrategy({...}) or (kit) => ({...})");
  }
  if (typeof exported === "function") {
    try {
      exported = (exported as (kit: unknown) => unknown)(STRATEGY_KIT);
    } catch (e) {
      throw new InputError(
        what,
        `a default export function that returns a definition (it threw ${
          e instanceof Error ? e.message : String(e)
        })`,
      );
    }
  }
  const r = definitionSchema.safeParse(exported);
  if (!r.success) {
    const issue = r.error.issues[0];
    const field = issue?.path.length ? `${issue.path.join(".")}: ` : "";
    const msg = issue?.message ?? "a strategy definition";
    throw new InputError(what, msg.includes(":") ? msg : `${field}${msg}`);
  }
  const def = exported as StrategyDefinition;
  if (builtinNames.includes(def.name)) {
    throw new InputError(what, `a name of its own (${def.name} is a built-in strategy's)`);
  }
  const other = byName.get(def.name);
  if (other && other.url !== url) {
    throw new InputError(what, `a name of its own (${def.name} is also the name of ${other.url})`);
  }
  byUrl.set(url, def);
  byUrl.set(asked, def);
  byUrl.set(spec, def);
  byName.set(def.name, { def, url });
  return { def, url };
}
