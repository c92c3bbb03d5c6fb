/**
 * Where a sweep's strategy definition comes from. One function, so the sweep command and
 * its workers (which get the spec string and resolve it themselves) agree on it.
 *
 * @module
 */
import { strategyDef, type StrategyDefinition } from "../strategy/mod.ts";

/**
 * The strategy definition `spec` names (today a built-in strategy's name).
 * @throws InputError for an unknown strategy
 */
export function definitionFor(spec: string): Promise<StrategyDefinition> {
  return Promise.resolve().then(() => strategyDef(spec));
}
