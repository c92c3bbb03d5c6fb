import { z } from "zod";
import type { Interval } from "../core/candle.ts";
import { InputError } from "../core/errors.ts";
import type { BacktestParams } from "../core/backtest_params.ts";
import { type FlagSpec, numberFlag, type ParsedFlags } from "./argv.ts";
import {
  checkMockSymbol,
  resolveSymbol,
  strategyFromFlags,
  TRADING_FLAGS,
  tradingParamsFromFlags,
} from "./common_flags.ts";

/** Flags of `--mode backtest`. */
export const BACKTEST_FLAGS: FlagSpec = {
  backtest: {
    schema: numberFlag({ int: true, min: 2, max: 100_000_000 }).optional(),
    help: "number of candles to test (default 500; CSV: the whole file)",
  },
  "backtest-mode": {
    schema: z.enum(["position", "bar"], { error: "position or bar" }).default("position"),
    help: "position (stop/TP/signal exits, default) or bar (one trade per bar, open to close)",
  },
  source: {
    schema: z.enum(["mock", "csv", "bitunix"], { error: "mock, csv or bitunix" }).default("mock"),
    help: "candles from mock (synthetic, default), csv (--csv PATH) or bitunix (history download)",
  },
  csv: {
    schema: z.string().min(1).optional(),
    help:
      "CSV file (plain or .gz): ts,open,high,low,close,volume; also Binance klines, s/µs/ISO times",
  },
  "detail-csv": {
    schema: z.string().min(1).optional(),
    help: "finer candles (e.g. 1m under 5m or 1h bars) that resolve bars touching both stop and TP",
  },
  seed: {
    schema: numberFlag({ int: true, min: 0, max: 2 ** 32 - 1 }).default(42),
    help: "seed of the mock candles (default 42)",
  },
  "cache-dir": {
    schema: z.string().min(1).default(".cache/bitunix"),
    help: "Bitunix history cache folder (default .cache/bitunix)",
  },
  ...TRADING_FLAGS,
};

/** A fully resolved, frozen backtest configuration. */
export interface BacktestConfig {
  readonly source: "mock" | "csv" | "bitunix";
  readonly csv?: string;
  /** Finer candles resolving bars that touch both stop and take-profit (a third result). */
  readonly detailCsv?: string;
  /** Candles to test; undefined = all the CSV holds. */
  readonly candles?: number;
  readonly seed: number;
  readonly symbol: string;
  /** Requested interval; undefined for CSV = detected from the data. */
  readonly interval?: Interval;
  readonly strategy: string;
  readonly strategyParams: Readonly<Record<string, number>>;
  /** The strategy file's absolute URL, when the strategy came from a file. */
  readonly strategyFile?: string;
  readonly params: BacktestParams;
  readonly runsDir: string;
  readonly logsDir: string;
  readonly cacheDir: string;
}

/** Where a run's candles come from: what the backtest, the sweep and the walk-forward load. */
export interface CandleChoice {
  readonly source: "mock" | "csv" | "bitunix";
  readonly csv?: string;
  /** Candles to load; undefined = all the CSV holds. */
  readonly candles?: number;
  /** Seed of the mock candles. */
  readonly seed: number;
  readonly symbol: string;
  /** Requested interval; undefined for CSV = detected from the data. */
  readonly interval?: Interval;
  readonly cacheDir: string;
}

/**
 * The candle flags' cross-field rules (`--csv` with `--source csv` only), the symbol, and
 * the defaults (500 candles and 5m unless from a CSV).
 * @param seedFlag the flag that seeds the mock candles (`seed`, or `mock-seed` where `--seed`
 *   seeds a search)
 */
export function candleChoiceFromFlags(
  f: ParsedFlags,
  notice: (msg: string) => void,
  seedFlag = "seed",
): CandleChoice {
  const source = f.source as CandleChoice["source"];
  if (source === "csv" && f.csv === undefined) {
    throw new InputError("--source csv", "a --csv PATH with the candles");
  }
  if (source !== "csv" && f.csv !== undefined) {
    throw new InputError("--csv", "only together with --source csv");
  }
  const symbol = resolveSymbol(f.symbol as string, notice);
  checkMockSymbol(source, symbol);
  return {
    source,
    csv: f.csv as string | undefined,
    candles: f.backtest as number | undefined ?? (source === "csv" ? undefined : 500),
    seed: f[seedFlag] as number,
    symbol,
    interval: (f.interval as Interval | undefined) ?? (source === "csv" ? undefined : "5m"),
    cacheDir: f["cache-dir"] as string,
  };
}

/**
 * Second validation stage: cross-field rules on parsed flags, then a frozen config.
 * @param notice receives non-fatal notices (e.g. the BTCUSD alias)
 */
export function resolveBacktestConfig(
  f: ParsedFlags,
  notice: (msg: string) => void,
): BacktestConfig {
  const candles = candleChoiceFromFlags(f, notice);
  const strategy = strategyFromFlags(f);
  const config: BacktestConfig = {
    ...candles,
    ...(f["detail-csv"] !== undefined ? { detailCsv: f["detail-csv"] as string } : {}),
    strategy: strategy.def.name,
    strategyParams: strategy.params,
    ...(strategy.file ? { strategyFile: strategy.file } : {}),
    params: tradingParamsFromFlags(f, f["backtest-mode"] as BacktestParams["mode"]),
    runsDir: f["runs-dir"] as string,
    logsDir: f["logs-dir"] as string,
  };
  return Object.freeze(config);
}
