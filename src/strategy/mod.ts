import type { z } from "zod";
import { InputError } from "../core/errors.ts";
import type { StrategyDefinition, StrategyInstance } from "./api.ts";
import { atrTrend } from "./atr_trend.ts";
import { bollingerReversion } from "./bollinger_reversion.ts";
import { breakout } from "./breakout.ts";
import { donchianAtr } from "./donchian_atr.ts";
import { emaCross } from "./ema_cross.ts";
import { isStrategyFile, loadedStrategy, loadStrategyFile, strategyFileOf } from "./load.ts";
import { rsiReversion } from "./rsi_reversion.ts";

export type {
  Bars,
  Bias,
  Decision,
  Intent,
  Level,
  PositionView,
  Strategy,
  StrategyContext,
  StrategyDefinition,
  StrategyInstance,
} from "./api.ts";
export { defineStrategy } from "./api.ts";
export type { StrategyKit } from "./kit.ts";
export { isStrategyFile, loadedStrategies, strategyFileOf } from "./load.ts";

/** A strategy instance that knows its name (for messages). */
export type NamedStrategy = StrategyInstance & { readonly name: string };

/** Built-in strategies by name. The first is the default. */
export const STRATEGIES: readonly StrategyDefinition[] = [
  emaCross as unknown as StrategyDefinition,
  breakout as unknown as StrategyDefinition,
  donchianAtr as unknown as StrategyDefinition,
  rsiReversion as unknown as StrategyDefinition,
  bollingerReversion as unknown as StrategyDefinition,
  atrTrend as unknown as StrategyDefinition,
];

/** One declared parameter of a strategy, as flags and help show it. */
export interface StrategyParamInfo {
  readonly name: string;
  readonly help: string;
  readonly default?: number;
  readonly int: boolean;
  /** False when the field is not a zod number (a file's declaration is then refused). */
  readonly number: boolean;
}

/**
 * Looks up a strategy: a built-in by name, or one loaded from a file (by its name or
 * path; see {@link loadStrategy}). Unknown names are an input error.
 */
export function strategyDef(name: string): StrategyDefinition {
  const def = STRATEGIES.find((s) => s.name === name) ?? loadedStrategy(name);
  if (!def) {
    throw new InputError(
      `--strategy '${name}'`,
      `one of ${STRATEGIES.map((s) => s.name).join(", ")}, or a strategy file (./strategies/x.ts)`,
    );
  }
  return def;
}

/**
 * Loads a strategy file (or finds a built-in by name), checks its parameter declaration
 * and makes it known to {@link strategyDef} for the rest of the process.
 * @param spec a built-in name, or a file path (relative to `baseDir`) or file URL
 * @returns the definition, and the file's absolute URL when it came from a file
 * @throws InputError naming the file and what was wrong with it
 */
export async function loadStrategy(
  spec: string,
  baseDir: string,
): Promise<{ def: StrategyDefinition; file?: string }> {
  const builtin = STRATEGIES.find((s) => s.name === spec);
  if (builtin) return { def: builtin };
  if (!isStrategyFile(spec)) {
    const def = strategyDef(spec); // a file's strategy loaded before, by name; else the error
    const file = strategyFileOf(def.name);
    return file ? { def, file } : { def };
  }
  const { def, url } = await loadStrategyFile(spec, baseDir, STRATEGIES.map((s) => s.name));
  checkParamDeclaration(def, `--strategy ${spec}`);
  return { def, file: url };
}

type ZodInternals = { _zod: { def: Record<string, unknown> } };

/** The object schema under a definition's params (refinements and pipes unwrapped). */
function shapeOf(def: StrategyDefinition): Record<string, z.ZodType> {
  let s: unknown = def.params;
  for (let k = 0; k < 5; k++) {
    const d = (s as ZodInternals)._zod.def;
    if (d.type === "object") return d.shape as Record<string, z.ZodType>;
    const next = d.in ?? d.innerType;
    if (!next) break;
    s = next;
  }
  throw new InputError(`strategy ${def.name} parameters`, "a zod object of numbers");
}

/** Flag names of strategy parameters: `atrMult` becomes `--atr-mult`. */
export function paramFlagName(param: string): string {
  return param.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/**
 * Checks what a strategy file declares: every parameter a number with a default (so the
 * strategy runs with no flags), a name that can be a flag, and defaults its own schema
 * accepts.
 */
function checkParamDeclaration(def: StrategyDefinition, what: string): void {
  for (const p of strategyParams(def)) {
    if (!/^[a-z][a-zA-Z0-9]{0,39}$/.test(p.name)) {
      throw new InputError(what, `parameter names like atrPeriod (got '${p.name}')`);
    }
    if (!p.number) throw new InputError(what, `parameter ${p.name}: z.number()`);
    if (p.default === undefined) {
      throw new InputError(what, `parameter ${p.name}: a default (z.number().default(14))`);
    }
  }
  const r = def.params.safeParse({});
  if (!r.success) {
    throw new InputError(
      what,
      `defaults its own schema accepts (${r.error.issues[0]?.message ?? "refused"})`,
    );
  }
}

/** The declared parameters of a strategy: names, help, defaults. */
export function strategyParams(def: StrategyDefinition): StrategyParamInfo[] {
  const out: StrategyParamInfo[] = [];
  for (const [name, field] of Object.entries(shapeOf(def))) {
    let f = field as z.ZodType;
    let dflt: number | undefined;
    let help = f.description ?? "";
    for (let k = 0; k < 5; k++) {
      const d = (f as unknown as ZodInternals)._zod.def;
      if (d.type === "default" && typeof d.defaultValue === "number") dflt = d.defaultValue;
      const inner = (d.innerType ?? d.in) as z.ZodType | undefined;
      if (!inner) break;
      f = inner;
      help ||= f.description ?? "";
    }
    const int = (f as unknown as { isInt?: boolean }).isInt === true;
    const number = (f as unknown as ZodInternals)._zod.def.type === "number";
    out.push({ name, help, default: dflt, int, number });
  }
  return out;
}

/**
 * Resolves a strategy's parameters: defaults for those not given, then the strategy's own
 * schema (ranges, refinements). `given` maps parameter names to values from flags or config.
 */
export function resolveStrategyParams(
  def: StrategyDefinition,
  given: Readonly<Record<string, number | undefined>>,
): Record<string, number> {
  const params: Record<string, number> = {};
  for (const [k, v] of Object.entries(given)) if (v !== undefined) params[k] = v;
  const r = def.params.safeParse(params);
  if (!r.success) {
    const issue = r.error.issues[0];
    const where = issue?.path.length ? ` --${paramFlagName(issue.path.join("."))}` : "";
    throw new InputError(`${def.name} parameters${where}`, issue?.message ?? "valid values");
  }
  return r.data as Record<string, number>;
}

/** Creates a fresh instance of a definition (each backtest pass and session needs its own). */
function createFromDefinition(
  def: StrategyDefinition,
  params: Record<string, number>,
): NamedStrategy {
  const inst = def.create(params) as StrategyInstance & { name?: string };
  if (typeof inst?.onCandle !== "function" || !(inst.warmup >= 0)) {
    throw new InputError(
      `strategy ${def.name}`,
      "create() returning { warmup: number, onCandle(ctx) }",
    );
  }
  return inst.name === def.name ? inst as NamedStrategy : Object.assign(inst, { name: def.name });
}

/** Creates a fresh built-in strategy instance with resolved parameters. */
export function createStrategy(name: string, params: Record<string, number>): NamedStrategy {
  return createFromDefinition(strategyDef(name), params);
}
