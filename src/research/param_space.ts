/**
 * The parameter space of a sweep: axes parsed from `--grid name=spec` and the
 * combinations of a grid or of a seeded random search. A combination is a pure function
 * of its index (and the seed), so shards, resumed runs and workers agree on it without
 * holding a list of all combinations.
 *
 * @module
 */
import { InputError } from "../core/errors.ts";
import { createRng } from "../data/rng.ts";
import { indexPermutation } from "./permutation.ts";
import { paramFlagName } from "../strategy/mod.ts";

/** What a sweep may vary: one of the strategy's declared parameters or a risk flag. */
export interface ParamInfo {
  readonly name: string;
  readonly kind: "strategy" | "risk";
  /** Whole numbers only. */
  readonly int: boolean;
  /** Why `value` is not allowed (a hard limit, a flag range), or null when it is. */
  check?(value: number): string | null;
}

/** One swept parameter. */
export interface Axis {
  readonly name: string;
  readonly kind: "strategy" | "risk";
  readonly int: boolean;
  /** The values, in order (a list or a stepped range); null for a continuous range. */
  readonly values: readonly number[] | null;
  /** Smallest and largest value (of the range, or of the list). */
  readonly lo: number;
  readonly hi: number;
}

/** Most values one axis may hold. */
export const MAX_AXIS_VALUES = 100_000;
/** Most combinations of one sweep (grid size, or `--random N`). */
export const MAX_COMBINATIONS = 2_000_000;

const SYNTAX = "name=lo..hi:step, name=a,b,c or name=lo..hi";

/** Rounds away float noise of stepped values (0.1 * 3 = 0.30000000000000004 -> 0.3). */
function clean(v: number): number {
  return Number(v.toPrecision(12));
}

function parseNumber(text: string, where: string): number {
  const t = text.trim();
  const v = t === "" ? Number.NaN : Number(t);
  if (!Number.isFinite(v)) throw new InputError(where, `a number, got '${text}' (${SYNTAX})`);
  return v;
}

/**
 * Parses one `--grid` value against the parameters a sweep may vary. Accepts a stepped
 * range `lo..hi:step` (hi included when on the step), a list `a,b,c`, one value, or a
 * range `lo..hi` (whole numbers for an integer parameter; for others only with
 * `--random`, which draws from it).
 * @throws InputError naming the value, for bad syntax, an unknown name (listing the known
 *   ones), values outside a parameter's limits or non-integers for an integer parameter
 */
export function parseAxis(
  text: string,
  params: readonly ParamInfo[],
  opts: { readonly random: boolean; readonly strategy: string },
): Axis {
  const where = `--grid ${text}`;
  const eq = text.indexOf("=");
  if (eq <= 0) throw new InputError(where, SYNTAX);
  const name = text.slice(0, eq).trim();
  const spec = text.slice(eq + 1).trim();
  // a parameter by its name (atrMult) or its flag's (atr-mult), as the flags spell it
  const info = params.find((p) => p.name === name || paramFlagName(p.name) === name);
  if (info === undefined) {
    const list = (kind: ParamInfo["kind"]) =>
      params.filter((p) => p.kind === kind).map((p) => p.name).join(", ");
    throw new InputError(
      `--grid ${name}`,
      `not a parameter of strategy ${opts.strategy} (its parameters: ${
        list("strategy") || "none"
      }; risk parameters: ${list("risk")})`,
    );
  }
  let values: number[] | null;
  let lo: number;
  let hi: number;
  const dots = spec.indexOf("..");
  if (dots !== -1) {
    const colon = spec.indexOf(":", dots);
    lo = parseNumber(spec.slice(0, dots), where);
    hi = parseNumber(spec.slice(dots + 2, colon === -1 ? undefined : colon), where);
    if (lo > hi) throw new InputError(where, `lo <= hi in lo..hi (got ${lo} > ${hi})`);
    if (colon !== -1) {
      const step = parseNumber(spec.slice(colon + 1), where);
      if (!(step > 0)) throw new InputError(where, `a step above 0 (got ${step})`);
      const n = Math.floor((hi - lo) / step + 1e-9) + 1;
      if (n > MAX_AXIS_VALUES) {
        throw new InputError(where, `at most ${MAX_AXIS_VALUES} values (this is ${n})`);
      }
      values = Array.from({ length: n }, (_, i) => clean(lo + i * step));
    } else if (info.int) {
      const n = hi - lo + 1;
      if (!opts.random && n > MAX_AXIS_VALUES) {
        throw new InputError(where, `at most ${MAX_AXIS_VALUES} values (this is ${n})`);
      }
      // every integer: a grid axis, so random draws are distinct points; too many for a
      // list (random only): drawn as a range
      values = n <= MAX_AXIS_VALUES ? Array.from({ length: n }, (_, i) => lo + i) : null;
    } else if (opts.random) values = null;
    else {
      throw new InputError(
        where,
        `a step for a grid over ${name} (lo..hi:step), or --random to draw from lo..hi`,
      );
    }
  } else {
    values = spec.split(",").map((t) => parseNumber(t, where));
    if (new Set(values).size !== values.length) {
      throw new InputError(where, "each value once");
    }
    if (values.length > MAX_AXIS_VALUES) {
      throw new InputError(where, `at most ${MAX_AXIS_VALUES} values`);
    }
    lo = Math.min(...values);
    hi = Math.max(...values);
  }
  for (const v of values ?? [lo, hi]) {
    if (info.int && !Number.isInteger(v)) {
      throw new InputError(where, `whole numbers for ${name} (got ${v})`);
    }
    const why = info.check?.(v) ?? null;
    if (why !== null) throw new InputError(`${where} value ${v}`, why);
  }
  return { name: info.name, kind: info.kind, int: info.int, values, lo, hi };
}

/**
 * Parses every `--grid` value; the same parameter twice is an input error.
 * @throws InputError as `parseAxis`, or for a repeated name or no axis at all
 */
export function parseAxes(
  texts: readonly string[],
  params: readonly ParamInfo[],
  opts: { readonly random: boolean; readonly strategy: string },
): Axis[] {
  if (texts.length === 0) {
    throw new InputError("--grid", `at least one parameter to sweep (${SYNTAX})`);
  }
  const axes = texts.map((t) => parseAxis(t, params, opts));
  const seen = new Set<string>();
  for (const a of axes) {
    if (seen.has(a.name)) throw new InputError(`--grid ${a.name}`, "each parameter once");
    seen.add(a.name);
  }
  return axes;
}

/** How the combinations are chosen: all of them, or `count` drawn with `seed`. */
export type Search =
  | { readonly kind: "grid" }
  | { readonly kind: "random"; readonly count: number; readonly seed: number };

/** The combinations of a sweep: `size` of them, each computed from its index. */
export interface SearchSpace {
  readonly axes: readonly Axis[];
  readonly search: Search;
  /** Number of combinations (indexes 0..size-1). */
  readonly size: number;
  /** The axis values of combination `index`, in axis order. */
  combination(index: number): number[];
}

/** Number of grid points of discrete axes (Infinity when one is continuous). */
function gridSize(axes: readonly Axis[]): number {
  let n = 1;
  for (const a of axes) n *= a.values === null ? Infinity : a.values.length;
  return n;
}

/** Grid point `k` of `axes` (the last axis changes fastest, like nested loops). */
function gridPoint(axes: readonly Axis[], k: number): number[] {
  const out = new Array<number>(axes.length);
  for (let j = axes.length - 1; j >= 0; j--) {
    const vs = axes[j].values!;
    out[j] = vs[k % vs.length];
    k = Math.floor(k / vs.length);
  }
  return out;
}

/** Seeds of the per-combination generators: `seed * 2^21 + index` stays below 2^53. */
const INDEX_SPAN = 2 ** 21;

/**
 * The search space of `axes`. A grid holds every point (the last axis changes fastest).
 * A random search over discrete axes draws `count` distinct grid points (a seeded
 * permutation of the grid, so the whole grid when `count` is not smaller); with a
 * continuous axis each combination draws each value on its own (uniform over the list or
 * the range; whole numbers for an integer parameter; others rounded to 6 significant
 * digits).
 * @throws InputError when there would be more than MAX_COMBINATIONS combinations
 */
export function searchSpace(axes: readonly Axis[], search: Search): SearchSpace {
  const grid = gridSize(axes);
  if (search.kind === "grid") {
    if (grid > MAX_COMBINATIONS) {
      throw new InputError(
        "--grid",
        `at most ${MAX_COMBINATIONS.toLocaleString("en-US")} combinations (this grid has ${
          grid.toLocaleString("en-US")
        }); sample it with --random N`,
      );
    }
    return { axes, search, size: grid, combination: (i) => gridPoint(axes, i) };
  }
  if (search.count > MAX_COMBINATIONS) {
    throw new InputError("--random", `at most ${MAX_COMBINATIONS} combinations`);
  }
  // 2^52: the permutation's domain stays in exact integers
  if (grid <= 2 ** 52) {
    const perm = indexPermutation(grid, search.seed);
    return {
      axes,
      search,
      size: Math.min(search.count, grid),
      combination: (i) => gridPoint(axes, perm(i)),
    };
  }
  return {
    axes,
    search,
    size: search.count,
    combination: (i) => {
      const rng = createRng(search.seed * INDEX_SPAN + i);
      return axes.map((a) => {
        if (a.values !== null) return a.values[rng.int(a.values.length)];
        if (a.int) return a.lo + rng.int(a.hi - a.lo + 1);
        const v = Number((a.lo + rng.next() * (a.hi - a.lo)).toPrecision(6));
        return Math.min(a.hi, Math.max(a.lo, v));
      });
    },
  };
}
