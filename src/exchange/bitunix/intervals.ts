import { InputError } from "../../core/errors.ts";
import { type Interval, INTERVAL_MS } from "../../core/candle.ts";

/** REST `interval` names; ours match Bitunix's for the supported set. */
export const REST_INTERVAL: Readonly<Record<Interval, string>> = {
  "1m": "1m",
  "5m": "5m",
  "15m": "15m",
  "30m": "30m",
  "1h": "1h",
  "4h": "4h",
  "1d": "1d",
};

/** WebSocket kline channel suffixes (`market_kline_<name>`). */
export const WS_INTERVAL: Readonly<Record<Interval, string>> = {
  "1m": "1min",
  "5m": "5min",
  "15m": "15min",
  "30m": "30min",
  "1h": "60min",
  "4h": "4h",
  "1d": "1day",
};

/** Checks an interval name; anything outside the supported set is an InputError. */
export function parseInterval(value: string, input = "--interval"): Interval {
  if (Object.hasOwn(INTERVAL_MS, value)) return value as Interval;
  throw new InputError(
    `${input} '${value}'`,
    `one of ${Object.keys(INTERVAL_MS).join(", ")} (Bitunix)`,
  );
}

/** The public WS kline channel for an interval, e.g. `market_kline_60min`. */
export function klineChannel(interval: Interval): string {
  return `market_kline_${WS_INTERVAL[interval]}`;
}
