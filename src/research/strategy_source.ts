/**
 * Where a sweep's strategy definition comes from. One function, so the sweep command and
 * its workers (which get the spec string and resolve it themselves) agree on it.
 *
 * @module
 */
import { loadStrategy, type StrategyDefinition } from "../strategy/mod.ts";

/**
 * The strategy definition `spec` names: a built-in's name, or a strategy file's absolute
 * URL (the sweep's config records that; a worker loads the file itself).
 * @throws InputError for an unknown strategy or a file that does not load
 */
export async function definitionFor(spec: string): Promise<StrategyDefinition> {
  return (await loadStrategy(spec, "/")).def;
}
