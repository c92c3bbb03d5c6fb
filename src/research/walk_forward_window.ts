/**
 * Window lengths of a walk-forward (`--train`, `--test`, `--step`): a number of candles
 * (`8640`) or a duration (`90m`, `12h`, `30d`, `2w`) that is turned into candles once the
 * candle interval is known.
 *
 * @module
 */
import { z } from "zod";
import { InputError } from "../core/errors.ts";

/** A window length as given: candles, or a duration in ms with its text. */
export type WindowLength =
  | { readonly candles: number; readonly text: string }
  | { readonly ms: number; readonly text: string };

const UNIT_MS: Readonly<Record<string, number>> = {
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 7 * 86_400_000,
};

/** The zod schema of a window flag's value. */
export const windowLengthSchema = z.string().regex(
  /^[1-9]\d{0,8}[mhdw]?$/,
  "a number of candles (8640) or a duration: 90m, 12h, 30d, 2w",
).transform((text): WindowLength => {
  const unit = text.at(-1)!;
  return unit in UNIT_MS
    ? { ms: Number(text.slice(0, -1)) * UNIT_MS[unit], text }
    : { candles: Number(text), text };
});

/**
 * The length in candles of `w` for candles of `intervalMs`.
 * @throws InputError naming `flag` when a duration is not a whole number of candles
 */
export function windowCandles(w: WindowLength, intervalMs: number, flag: string): number {
  if ("candles" in w) return w.candles;
  const n = w.ms / intervalMs;
  if (!Number.isInteger(n)) {
    throw new InputError(
      `${flag} ${w.text}`,
      `a whole number of candles of the data's interval (${intervalMs / 60_000} minutes)`,
    );
  }
  return n;
}
