import { z } from "zod";
import { InputError } from "../core/errors.ts";

/** How one flag is read from argv. */
export interface FlagDef {
  /** zod schema applied to the raw string (or `true` for a bare boolean flag). */
  readonly schema: z.ZodType;
  /** True for a flag that takes no value (`--async`). */
  readonly boolean?: boolean;
  /**
   * True for a flag that may be given more than once (`--grid a=1,2 --grid b=3,4`): the
   * schema then gets every value in order as an array (undefined when never given).
   */
  readonly repeatable?: boolean;
  /** Other spellings that mean the same flag, e.g. `max_leverage`. */
  readonly aliases?: readonly string[];
  /** One line for `--help`. */
  readonly help: string;
}

/** Flag definitions keyed by canonical name (without dashes). */
export type FlagSpec = Record<string, FlagDef>;

/** Parsed values keyed by canonical flag name; absent flags get their schema default. */
export type ParsedFlags = Record<string, unknown>;

/** Options of {@link parseFlags}. */
export interface ParseFlagsOptions {
  /**
   * Where argument `i` came from when not the command line, e.g. `config file c.json`:
   * errors about it then name that place and the key instead of the flag.
   */
  readonly originOf?: (i: number) => string | undefined;
}

/**
 * Edit distance between `a` and `b` (insertions, deletions, substitutions and swaps of
 * two neighbours each count 1).
 */
export function editDistance(a: string, b: string): number {
  const d: number[][] = [];
  for (let i = 0; i <= a.length; i++) {
    d.push([i]);
    for (let j = 1; j <= b.length; j++) {
      if (i === 0) {
        d[0].push(j);
        continue;
      }
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        v = Math.min(v, d[i - 2][j - 2] + 1);
      }
      d[i].push(v);
    }
  }
  return d[a.length][b.length];
}

/**
 * The known name nearest to `given` (case, `_` for `-`, a few typos, or the start of a
 * longer name), or undefined when none is near enough, or two are equally near.
 */
export function nearestName(given: string, names: Iterable<string>): string | undefined {
  const norm = (x: string) => x.toLowerCase().replaceAll("_", "-");
  const g = norm(given);
  let best: string[] = [];
  let bestScore = Infinity;
  for (const name of names) {
    const n = norm(name);
    const dist = editDistance(g, n);
    const limit = Math.max(1, Math.floor(Math.min(g.length, n.length) / 3));
    // the start of a longer name (e.g. --strat for --strategy) counts as near too
    const score = dist <= limit ? dist : g.length >= 3 && n.startsWith(g) ? limit + 0.5 : Infinity;
    if (score === Infinity) continue;
    if (score < bestScore) {
      bestScore = score;
      best = [name];
    } else if (score === bestScore) best.push(name);
  }
  return best.length === 1 ? best[0] : undefined;
}

/**
 * Parses `--name value`, `--name=value` and bare boolean flags against `spec`. Unknown
 * flags (with the nearest known one suggested), missing values and values the schema
 * rejects raise an InputError naming the flag, or the config file and key it came from,
 * and what was expected. Arguments after `--` are returned untouched in `rest`.
 */
export function parseFlags(
  argv: readonly string[],
  spec: FlagSpec,
  options: ParseFlagsOptions = {},
): { flags: ParsedFlags; rest: string[] } {
  const originOf = options.originOf ?? (() => undefined);
  /** How an error names argument `i`'s flag: `--name`, or `config file c.json key name`. */
  const where = (i: number, name: string) => {
    const origin = originOf(i);
    return origin === undefined ? `--${name}` : `${origin} key ${name}`;
  };
  const byName = new Map<string, string>();
  for (const [name, def] of Object.entries(spec)) {
    byName.set(name, name);
    for (const a of def.aliases ?? []) byName.set(a, name);
  }
  const raw = new Map<string, string | true | string[]>();
  /** Index of the argument each raw value came from. */
  const rawAt = new Map<string, number>();
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
      const near = nearestName(given, Object.keys(spec));
      const origin = originOf(i);
      const what = origin === undefined ? `flag --${given}` : `${origin} key ${given}`;
      if (near !== undefined) {
        throw new InputError(
          what,
          `unknown flag; did you mean --${near}? (--help lists every flag)`,
        );
      }
      const known = [...Object.keys(spec)].map((k) => `--${k}`).join(", ");
      throw new InputError(what, `unknown flag; known flags: ${known}`);
    }
    const def = spec[name];
    if (def.boolean) {
      if (eq !== -1) {
        const v = arg.slice(eq + 1).toLowerCase();
        if (v !== "true" && v !== "false") throw new InputError(where(i, given), "true or false");
        if (v === "true") raw.set(name, true);
        else raw.delete(name);
      } else raw.set(name, true);
      rawAt.set(name, i);
      continue;
    }
    let value: string;
    rawAt.set(name, i);
    if (eq !== -1) value = arg.slice(eq + 1);
    else {
      const next = argv[i + 1];
      if (next === undefined || (next.startsWith("--") && !/^--?\d/.test(next))) {
        throw new InputError(where(i, given), "a value after the flag");
      }
      value = next;
      i++;
    }
    if (def.repeatable) {
      const seen = raw.get(name);
      raw.set(name, Array.isArray(seen) ? [...seen, value] : [value]);
    } else raw.set(name, value);
  }
  const flags: ParsedFlags = {};
  for (const [name, def] of Object.entries(spec)) {
    const value = raw.has(name) ? raw.get(name) : (def.boolean ? false : undefined);
    const result = def.schema.safeParse(value);
    if (!result.success) {
      const issue = result.error.issues[0];
      const shown = value === undefined ? "" : ` (got '${String(value)}')`;
      const at = rawAt.get(name);
      throw new InputError(
        `${at === undefined ? `--${name}` : where(at, name)}${shown}`,
        issue?.message ?? "a valid value",
      );
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
