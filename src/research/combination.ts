/**
 * What a sweep may vary and how one combination becomes a backtest: the strategy's
 * declared parameters (checked by its own zod schema, cross-field rules included) and
 * the risk flags `risk-pct`, `stop-bps`, `tp-r`, `max-leverage` (checked by the flags'
 * schemas, hard limits included).
 *
 * @module
 */
import type { BacktestParams } from "../core/backtest_params.ts";
import { TRADING_FLAGS } from "../config/common_flags.ts";
import { InputError } from "../core/errors.ts";
import { paramFlagName, type StrategyDefinition, strategyParams } from "../strategy/mod.ts";
import { type Axis, type ParamInfo, parseAxes, type SearchSpace } from "./param_space.ts";

/** The risk flags a sweep may vary, and the backtest parameter each sets. */
export const RISK_PARAMS = {
  "risk-pct": "riskPct",
  "stop-bps": "stopBps",
  "tp-r": "tpR",
  "max-leverage": "maxLeverage",
} as const satisfies Record<string, keyof BacktestParams>;

/** Name of a risk flag a sweep may vary. */
export type RiskParamName = keyof typeof RISK_PARAMS;

/** The backtest parameters a combination sets (the rest are the sweep's fixed ones). */
export type RiskOverrides = Partial<Pick<BacktestParams, (typeof RISK_PARAMS)[RiskParamName]>>;

/** One combination, ready to run. */
export interface Combination {
  /** The strategy's parameters, resolved by its schema (defaults filled in). */
  readonly strategyParams: Readonly<Record<string, number>>;
  readonly risk: RiskOverrides;
}

/** A combination the strategy's schema refused, with its first reason. */
export interface InvalidCombination {
  readonly invalid: string;
}

/** Why `value` is not allowed for the risk flag `name` (its flag's schema), or null. */
function riskCheck(name: RiskParamName): (value: number) => string | null {
  const schema = TRADING_FLAGS[name].schema;
  return (value) => {
    const r = schema.safeParse(String(value));
    return r.success ? null : r.error.issues[0]?.message ?? "a valid value";
  };
}

/** The parameters a sweep of `def` may vary: its declared ones, then the risk flags. */
export function sweepableParams(def: StrategyDefinition): ParamInfo[] {
  const own: ParamInfo[] = strategyParams(def).map((p) => ({
    name: p.name,
    kind: "strategy",
    int: p.int,
  }));
  const risk: ParamInfo[] = (Object.keys(RISK_PARAMS) as RiskParamName[])
    .filter((name) => !own.some((p) => p.name === name))
    .map((name) => ({ name, kind: "risk", int: false, check: riskCheck(name) }));
  return [...own, ...risk];
}

/**
 * Combination `values` (in `axes` order) over the fixed strategy parameters `fixed`:
 * the strategy's parameters resolved by its schema, or the first reason it refuses them.
 */
export function resolveCombination(
  def: StrategyDefinition,
  fixed: Readonly<Record<string, number>>,
  axes: readonly Axis[],
  values: readonly number[],
): Combination | InvalidCombination {
  const given: Record<string, number> = { ...fixed };
  const risk: Record<string, number> = {};
  for (let j = 0; j < axes.length; j++) {
    const a = axes[j];
    if (a.kind === "strategy") given[a.name] = values[j];
    else risk[RISK_PARAMS[a.name as RiskParamName]] = values[j];
  }
  const r = def.params.safeParse(given);
  if (!r.success) {
    const issue = r.error.issues[0];
    const at = issue?.path.length ? `${issue.path.join(".")}: ` : "";
    return { invalid: `${at}${issue?.message ?? "not valid"}` };
  }
  return { strategyParams: r.data as Record<string, number>, risk };
}

/** The backtest parameters of a combination: `base` with its risk overrides. */
export function paramsOf(base: BacktestParams, risk: RiskOverrides): BacktestParams {
  return { ...base, ...risk };
}

/**
 * The axes of `grid` (the `--grid` values) for strategy `def` with the strategy
 * parameters `fixed` (given as flags): every fixed one must be the strategy's, and none
 * may be both fixed and swept. No `--grid` is an input error unless `opts.optional`
 * (then there are no axes: the one combination of the fixed parameters and defaults).
 * @throws InputError as `parseAxes`, or naming the fixed parameter at fault
 */
export function sweepAxes(
  def: StrategyDefinition,
  fixed: Readonly<Record<string, number>>,
  grid: readonly string[],
  opts: { readonly random: boolean; readonly optional?: boolean },
): Axis[] {
  const declared = strategyParams(def).map((p) => p.name);
  for (const k of Object.keys(fixed)) {
    if (!declared.includes(k)) {
      throw new InputError(
        `--${paramFlagName(k)}`,
        `not a parameter of strategy ${def.name} (its parameters: ${
          declared.map((p) => `--${paramFlagName(p)}`).join(", ") || "none"
        })`,
      );
    }
  }
  if (grid.length === 0 && opts.optional) return [];
  const axes = parseAxes(grid, sweepableParams(def), { random: opts.random, strategy: def.name });
  for (const a of axes) {
    if (a.name in fixed) {
      const flag = paramFlagName(a.name);
      throw new InputError(`--${flag}`, `either fixed (--${flag}) or swept (--grid), not both`);
    }
  }
  return axes;
}

/** Every combination of a search space, resolved: the valid ones and the refused ones. */
export interface ResolvedSpace {
  /** The valid combinations, in index order. */
  readonly combinations: readonly Combination[];
  /** How many the strategy refused, and the first reason. */
  readonly invalid: { readonly count: number; readonly reason: string };
}

/**
 * Resolves every combination of `space` (see `resolveCombination`); refused ones are
 * skipped and counted, as a sweep does.
 * @throws InputError when the strategy refuses every one
 */
export function resolveSpace(
  def: StrategyDefinition,
  fixed: Readonly<Record<string, number>>,
  space: SearchSpace,
): ResolvedSpace {
  const combinations: Combination[] = [];
  let count = 0;
  let reason = "";
  for (let i = 0; i < space.size; i++) {
    const c = resolveCombination(def, fixed, space.axes, space.combination(i));
    if ("invalid" in c) {
      if (count++ === 0) reason = c.invalid;
      continue;
    }
    combinations.push(c);
  }
  if (combinations.length === 0) {
    throw new InputError(
      "--grid",
      `at least one combination strategy ${def.name} accepts (all ${space.size} refused: ${reason})`,
    );
  }
  return { combinations, invalid: { count, reason } };
}
