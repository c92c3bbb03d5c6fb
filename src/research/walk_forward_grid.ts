/**
 * The parameter grid of a walk-forward from `--grid` flags: `name=lo..hi:step`,
 * `name=a,b,c` or `name=v`, one or more per flag (separated by spaces), repeatable. The
 * product of the axes, in flag order (the first axis varies slowest), is the list of
 * combinations the optimiser tries on each train window.
 *
 * @module
 */
import { z } from "zod";
import { InputError } from "../core/errors.ts";
import type { StrategyDefinition } from "../strategy/api.ts";
import { resolveStrategyParams, strategyParams } from "../strategy/mod.ts";
import type { ParamCombo } from "./walk_forward.ts";
import type { GridRange } from "./walk_forward_analysis.ts";

/** Most combinations a grid may have. */
export const MAX_COMBOS = 10_000;

/** One parameter's values in the grid. */
export interface GridAxis {
  readonly name: string;
  readonly values: readonly number[];
}

/** The grid's combinations and what went into them. */
export interface ParamGrid {
  readonly axes: readonly GridAxis[];
  /** Valid combinations, each with every strategy parameter resolved. */
  readonly combos: readonly ParamCombo[];
  /** Combinations the strategy's schema refused (e.g. fast >= slow), with the first reason. */
  readonly skipped: { readonly count: number; readonly reason: string };
  /** Range of each axis with more than one value (for the stability figures). */
  readonly ranges: readonly GridRange[];
}

const number = z.coerce.number().refine(Number.isFinite);
const SPEC = /^([a-z][a-z0-9_-]*)=(.+)$/i;
const RANGE = /^(-?[\d.]+)\.\.(-?[\d.]+)(?::([\d.]+))?$/;

function num(text: string, spec: string): number {
  const r = number.safeParse(text);
  if (!r.success || text.trim() === "") {
    throw new InputError(`--grid ${spec}`, `numbers, but '${text}' is not one`);
  }
  return r.data;
}

/** Parses one spec (`fast=5..30:5`, `fast=5,10,20`, `fast=7`) into its axis. */
export function parseGridSpec(spec: string): GridAxis {
  const m = SPEC.exec(spec);
  if (!m) {
    throw new InputError(
      `--grid ${spec}`,
      "name=lo..hi:step, name=a,b,c or name=value (e.g. fast=5..30:5)",
    );
  }
  const [, name, body] = m;
  const range = RANGE.exec(body);
  if (range) {
    const lo = num(range[1], spec);
    const hi = num(range[2], spec);
    const step = range[3] === undefined ? 1 : num(range[3], spec);
    if (!(step > 0)) throw new InputError(`--grid ${spec}`, "a step above 0");
    if (hi < lo) throw new InputError(`--grid ${spec}`, `hi (${hi}) >= lo (${lo})`);
    const count = Math.floor((hi - lo) / step + 1e-9) + 1;
    if (count > MAX_COMBOS) {
      throw new InputError(`--grid ${spec}`, `at most ${MAX_COMBOS} values; it has ${count}`);
    }
    // lo + k * step, rounded so 0.1 steps give 0.3 and not 0.30000000000000004
    const values = Array.from({ length: count }, (_, k) => Number((lo + k * step).toFixed(10)));
    return { name, values };
  }
  const values = body.split(",").map((v) => num(v.trim(), spec));
  if (new Set(values).size !== values.length) {
    throw new InputError(`--grid ${spec}`, "each value once");
  }
  return { name, values };
}

/**
 * The combinations of `grids` (the `--grid` values, each holding one or more specs) for
 * strategy `def`, with `fixed` (parameters given as plain flags) and the strategy's
 * defaults for the parameters not in the grid. No grid gives the one combination of the
 * fixed and default values. Combinations the strategy refuses (its schema's refinements)
 * are skipped and counted.
 * @throws InputError for a malformed spec, a parameter the strategy does not declare, one
 * given twice (in two specs, or in a spec and as a flag), a non-integer value of an
 * integer parameter, more than {@link MAX_COMBOS} combinations, or none valid
 */
export function combosFromFlags(
  grids: readonly string[],
  def: StrategyDefinition,
  fixed: Readonly<Record<string, number>> = {},
): ParamGrid {
  const declared = new Map(strategyParams(def).map((p) => [p.name, p]));
  const axes: GridAxis[] = [];
  for (const spec of grids.flatMap((g) => g.trim().split(/\s+/)).filter((s) => s !== "")) {
    const parsed = parseGridSpec(spec);
    // a parameter by its name (atrMult) or its flag's (atr-mult)
    const camel = parsed.name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
    const axis = declared.has(parsed.name) ? parsed : { ...parsed, name: camel };
    const p = declared.get(axis.name);
    if (p === undefined) {
      throw new InputError(
        `--grid ${spec}`,
        `a parameter of strategy ${def.name} (its parameters: ${[...declared.keys()].join(", ")})`,
      );
    }
    if (axes.some((a) => a.name === axis.name)) {
      throw new InputError(`--grid ${spec}`, `${axis.name} in one --grid only`);
    }
    if (fixed[axis.name] !== undefined) {
      throw new InputError(
        `--grid ${spec}`,
        `either --${axis.name} or a --grid of it, not both`,
      );
    }
    if (p.int && axis.values.some((v) => !Number.isInteger(v))) {
      throw new InputError(`--grid ${spec}`, `whole numbers (${axis.name} is an integer)`);
    }
    axes.push(axis);
  }
  let total = 1;
  for (const a of axes) total *= a.values.length;
  if (total > MAX_COMBOS) {
    throw new InputError(
      `--grid (${axes.map((a) => `${a.name}: ${a.values.length}`).join(" x ")})`,
      `at most ${MAX_COMBOS} combinations; it has ${total}`,
    );
  }
  const combos: ParamCombo[] = [];
  let skipped = 0;
  let reason = "";
  const current: Record<string, number> = { ...fixed };
  const walk = (k: number) => {
    if (k === axes.length) {
      try {
        combos.push(Object.freeze(resolveStrategyParams(def, current)));
      } catch (e) {
        if (!(e instanceof InputError)) throw e;
        if (skipped++ === 0) reason = e.expected;
      }
      return;
    }
    for (const v of axes[k].values) {
      current[axes[k].name] = v;
      walk(k + 1);
    }
  };
  walk(0);
  if (combos.length === 0) {
    throw new InputError(
      axes.length > 0 ? `--grid ${grids.join(" ")}` : `${def.name} parameters`,
      `at least one valid combination; all ${total} were refused (${reason})`,
    );
  }
  const ranges = axes.filter((a) => a.values.length > 1).map((a) => ({
    name: a.name,
    min: Math.min(...a.values),
    max: Math.max(...a.values),
  }));
  return { axes, combos, skipped: { count: skipped, reason }, ranges };
}
