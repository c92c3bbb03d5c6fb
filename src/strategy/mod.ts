import { z } from "zod";
import { InputError } from "../core/errors.ts";
import type { StrategyDefinition, StrategyInstance } from "./api.ts";
import { atrTrend } from "./atr_trend.ts";
import { bollingerReversion } from "./bollinger_reversion.ts";
import { breakout } from "./breakout.ts";
import { donchianAtr } from "./donchian_atr.ts";
import { emaCross } from "./ema_cross.ts";
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
}

/** Looks up a built-in strategy definition; unknown names are an input error. */
export function strategyDef(name: string): StrategyDefinition {
  const def = STRATEGIES.find((s) => s.name === name);
  if (!def) {
    throw new InputError(
      `--strategy '${name}'`,
      `one of ${STRATEGIES.map((s) => s.name).join(", ")}`,
    );
  }
  return def;
}

/** The object schema under a definition's params (refinements and pipes unwrapped). */
function shapeOf(def: StrategyDefinition): Record<string, z.ZodType> {
  let s: z.ZodType = def.params;
  for (let k = 0; k < 5; k++) {
    if (s instanceof z.ZodObject) return s.shape as Record<string, z.ZodType>;
    const inner = (s as unknown as { _zod: { def: { in?: z.ZodType; innerType?: z.ZodType } } })
      ._zod.def;
    const next = inner.in ?? inner.innerType;
    if (!next) break;
    s = next;
  }
  throw new InputError(`strategy ${def.name} parameters`, "a zod object of numbers");
}

/** The declared parameters of a strategy: names, help, defaults. */
export function strategyParams(def: StrategyDefinition): StrategyParamInfo[] {
  const out: StrategyParamInfo[] = [];
  for (const [name, field] of Object.entries(shapeOf(def))) {
    let f = field as z.ZodType;
    let dflt: number | undefined;
    let help = f.description ?? "";
    for (let k = 0; k < 5; k++) {
      const d = (f as unknown as { _zod: { def: Record<string, unknown> } })._zod.def;
      if (d.type === "default" && typeof d.defaultValue === "number") dflt = d.defaultValue;
      const inner = (d.innerType ?? d.in) as z.ZodType | undefined;
      if (!inner) break;
      f = inner;
      help ||= f.description ?? "";
    }
    const int = (f as unknown as { isInt?: boolean }).isInt === true;
    out.push({ name, help, default: dflt, int });
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
    const where = issue?.path.length ? ` --${issue.path.join(".")}` : "";
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
