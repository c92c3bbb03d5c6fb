import { InputError } from "../core/errors.ts";
import { breakout } from "./breakout.ts";
import { emaCross } from "./ema_cross.ts";
import type { Strategy, StrategyDef } from "./strategy.ts";

export type { Bias, Strategy, StrategyDef } from "./strategy.ts";

/** Built-in strategies by name. The first is the default. */
export const STRATEGIES: readonly StrategyDef[] = [
  emaCross as unknown as StrategyDef,
  breakout as unknown as StrategyDef,
];

/** Name of the default strategy. */
export const DEFAULT_STRATEGY = STRATEGIES[0].name;

/** Looks up a strategy definition; unknown names are an input error. */
export function strategyDef(name: string): StrategyDef {
  const def = STRATEGIES.find((s) => s.name === name);
  if (!def) {
    throw new InputError(
      `--strategy '${name}'`,
      `one of ${STRATEGIES.map((s) => s.name).join(", ")}`,
    );
  }
  return def;
}

/**
 * Resolves a strategy's parameters (defaults for those not given) and validates them.
 * `given` maps parameter names to values from flags or config.
 */
export function resolveStrategyParams(
  def: StrategyDef,
  given: Readonly<Record<string, number | undefined>>,
): Record<string, number> {
  const params: Record<string, number> = {};
  for (const [k, v] of Object.entries(def.params)) params[k] = given[k] ?? v.default;
  const r = def.schema.safeParse(params);
  if (!r.success) {
    throw new InputError(`${def.name} parameters`, r.error.issues[0]?.message ?? "valid values");
  }
  return r.data;
}

/** Creates a fresh strategy instance with resolved parameters. */
export function createStrategy(name: string, params: Record<string, number>): Strategy {
  return strategyDef(name).create(params);
}
