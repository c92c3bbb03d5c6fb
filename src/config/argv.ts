import { z } from "zod";
import { InputError } from "../core/errors.ts";

/** How one flag is read from argv. */
export interface FlagDef {
  /** zod schema applied to the raw string (or `true` for a bare boolean flag). */
  readonly schema: z.ZodType;
  /** True for a flag that takes no value (`--async`). */
  readonly boolean?: boolean;
  /** Other spellings that mean the same flag, e.g. `max_leverage`. */
  readonly aliases?: readonly string[];
  /** One line for `--help`. */
  readonly help: string;
}

/** Flag definitions keyed by canonical name (without dashes). */
export type FlagSpec = Record<string, FlagDef>;

/** Parsed values keyed by canonical flag name; absent flags get their schema default. */
export type ParsedFlags = Record<string, unknown>;

/**
 * Parses `--name value`, `--name=value` and bare boolean flags against `spec`. Unknown
 * flags, missing values and values the schema rejects raise an InputError naming the
 * flag and what was expected. Arguments after `--` are returned untouched in `rest`.
 */
export function parseFlags(
  argv: readonly string[],
  spec: FlagSpec,
): { flags: ParsedFlags; rest: string[] } {
  const byName = new Map<string, string>();
  for (const [name, def] of Object.entries(spec)) {
    byName.set(name, name);
    for (const a of def.aliases ?? []) byName.set(a, name);
  }
  const raw = new Map<string, string | true>();
  let rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--") {
      rest = argv.slice(i + 1);
      break;
    }
    if (!arg.startsWith("--")) {
      throw new InputError(`argument '${arg}'`, "flags of the form --name value");
    }
    const eq = arg.indexOf("=");
    const given = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
    const name = byName.get(given);
    if (name === undefined) {
      const known = [...Object.keys(spec)].map((k) => `--${k}`).join(", ");
      throw new InputError(`flag --${given}`, `unknown flag; known flags: ${known}`);
    }
    const def = spec[name];
    if (def.boolean) {
      if (eq !== -1) {
        const v = arg.slice(eq + 1).toLowerCase();
        if (v !== "true" && v !== "false") throw new InputError(`--${given}`, "true or false");
        if (v === "true") raw.set(name, true);
        else raw.delete(name);
      } else raw.set(name, true);
      continue;
    }
    let value: string;
    if (eq !== -1) value = arg.slice(eq + 1);
    else {
      const next = argv[i + 1];
      if (next === undefined || (next.startsWith("--") && !/^--?\d/.test(next))) {
        throw new InputError(`--${given}`, "a value after the flag");
      }
      value = next;
      i++;
    }
    raw.set(name, value);
  }
  const flags: ParsedFlags = {};
  for (const [name, def] of Object.entries(spec)) {
    const value = raw.has(name) ? raw.get(name) : (def.boolean ? false : undefined);
    const result = def.schema.safeParse(value);
    if (!result.success) {
      const issue = result.error.issues[0];
      const shown = value === undefined ? "" : ` (got '${String(value)}')`;
      throw new InputError(`--${name}${shown}`, issue?.message ?? "a valid value");
    }
    flags[name] = result.data;
  }
  return { flags, rest };
}

/** Renders the flag list for `--help`. */
export function formatFlagHelp(spec: FlagSpec): string {
  const rows = Object.entries(spec).map(([name, def]) => {
    const names = [`--${name}`, ...(def.aliases ?? []).map((a) => `--${a}`)].join(", ");
    return `  ${names.padEnd(34)} ${def.help}`;
  });
  return rows.join("\n");
}

/** A finite number parsed from a flag string, with a readable error. */
export function numberFlag(opts: { min?: number; max?: number; int?: boolean } = {}) {
  let s = z.coerce.number({ error: "a number" }).refine(Number.isFinite, "a finite number");
  if (opts.int) s = s.refine(Number.isInteger, "a whole number");
  if (opts.min !== undefined) {
    const min = opts.min;
    s = s.refine((v) => v >= min, `a number >= ${min}`);
  }
  if (opts.max !== undefined) {
    const max = opts.max;
    s = s.refine((v) => v <= max, `a number <= ${max}`);
  }
  return s;
}
