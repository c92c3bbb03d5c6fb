/**
 * The names the engine and the app use for a running strategy (see api.ts for the API).
 *
 * @module
 */
import type { StrategyDefinition, StrategyInstance } from "./api.ts";

export type { Bias } from "./api.ts";

/** A running strategy, optionally naming itself (for messages). */
export type Strategy = StrategyInstance & { readonly name?: string };

/** A strategy definition (built-in or from a file). */
export type StrategyDef = StrategyDefinition;
