/**
 * Incremental technical indicators: one `update` per input in O(1) (Donchian: amortized),
 * no allocation after construction, NaN during an explicit warm-up. The numbers are
 * TA-Lib's (see each class, and `## Indicators` in STRATEGIES.md).
 *
 * @example
 * ```ts
 * import { Atr, Ema } from "./mod.ts";
 * const ema = new Ema(20);
 * const atr = new Atr(14);
 * for (let i = 0; i < s.length; i++) {
 *   ema.update(s.close[i]);
 *   atr.update(s.high[i], s.low[i], s.close[i]);
 *   if (ema.ready && atr.ready) {
 *     // ema.value, atr.value
 *   }
 * }
 * ```
 *
 * @module
 */
export type { Indicator } from "./indicator.ts";
export { Sma } from "./sma.ts";
export { Ema, type EmaOptions } from "./ema.ts";
export { Rsi } from "./rsi.ts";
export { Atr } from "./atr.ts";
export { BollingerBands } from "./bollinger.ts";
export { Macd } from "./macd.ts";
export { Donchian } from "./donchian.ts";
export { Vwap } from "./vwap.ts";
export { Adx } from "./adx.ts";
