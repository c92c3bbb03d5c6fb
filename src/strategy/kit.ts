/**
 * What a strategy file receives when its default export is a function: zod for its
 * parameters, `defineStrategy` for the types, and the indicators. A file written this way
 * imports nothing at run time (only `import type`), so it loads the same from a checkout,
 * a bundle or the compiled binary.
 *
 * @module
 */
import { z } from "zod";
import * as indicators from "../indicators/mod.ts";
import { defineStrategy } from "./api.ts";

/** The kit handed to `export default (kit) => defineStrategy({...})`. */
export const STRATEGY_KIT = Object.freeze({ z, defineStrategy, ...indicators });

/** The type of {@link STRATEGY_KIT}: `import type { StrategyKit } from ".../strategy/mod.ts"`. */
export type StrategyKit = typeof STRATEGY_KIT;
