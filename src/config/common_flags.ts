import { z } from "zod";
import { INTERVALS } from "../core/candle.ts";
import { HARD_LIMITS } from "../core/hard_limits.ts";
import { type BacktestParams, DEFAULT_BACKTEST_PARAMS as D } from "../core/backtest_params.ts";
import { InputError } from "../core/errors.ts";
import {
  loadedStrategies,
  paramFlagName,
  resolveStrategyParams,
  STRATEGIES,
  strategyDef,
  type StrategyDefinition,
  strategyFileOf,
  strategyParams,
} from "../strategy/mod.ts";
import { type FlagSpec, numberFlag, type ParsedFlags } from "./argv.ts";

/** Accepts BTCUSDT-style futures symbols; `BTCUSD` is mapped to BTCUSDT by `resolveSymbol`. */
export const symbolSchema = z.string().regex(
  /^[A-Z0-9]{2,20}$/,
  "an uppercase symbol like BTCUSDT",
);

/** The venue symbol for a requested one; BTCUSD (the prototype's name) means BTCUSDT. */
export function resolveSymbol(symbol: string, notice: (msg: string) => void): string {
  if (symbol === "BTCUSD") {
    notice(
      "Notice: --symbol BTCUSD is an alias; using BTCUSDT (Bitunix futures are USDT-margined).",
    );
    return "BTCUSDT";
  }
  return symbol;
}

/** The one symbol the mock candles (a synthetic BTCUSDT walk) stand for. */
export const MOCK_SYMBOL = "BTCUSDT";

/**
 * Refuses another symbol on mock candles: they are synthetic BTCUSDT prices, and a run
 * labelled ETHUSDT on them would pass BTC prices off as ETH.
 * @throws InputError naming the symbol and what mock candles accept
 */
export function checkMockSymbol(source: string, symbol: string): void {
  if (source === "mock" && symbol !== MOCK_SYMBOL) {
    throw new InputError(
      `--symbol ${symbol} with --source mock`,
      `${MOCK_SYMBOL}: the mock candles are synthetic ${MOCK_SYMBOL} prices ` +
        "(use --source bitunix, or --source csv with that symbol's candles)",
    );
  }
}

/** Flags shared by every trading mode: sizing, bracket, costs, limits (strategy params below). */
const BASE_TRADING_FLAGS: FlagSpec = {
  symbol: { schema: symbolSchema.default("BTCUSDT"), help: "symbol (default BTCUSDT)" },
  interval: {
    schema: z.enum(INTERVALS as [string, ...string[]], {
      error: `one of ${INTERVALS.join(" ")}`,
    }).optional(),
    help: `candle interval: ${INTERVALS.join(" ")} (backtest 5m, sessions 1m; CSV: detected)`,
  },
  "risk-pct": {
    schema: numberFlag({ min: 0.0001, max: 100 }).default(D.riskPct),
    help: "percent of equity risked per trade at the stop (default 1.0)",
  },
  "stop-bps": {
    schema: numberFlag({ min: 0.1, max: 5000 }).default(D.stopBps),
    help: "stop distance from entry in basis points (default 30)",
  },
  "tp-r": {
    schema: numberFlag({ min: 0.01, max: 100 }).default(D.tpR),
    help: "take-profit as a multiple of the stop distance (default 1.5)",
  },
  "max-leverage": {
    schema: z.coerce.number({ error: "a number" })
      .refine((v) => Number.isFinite(v) && v > 0, "a number above 0")
      .refine(
        (v) => v <= HARD_LIMITS.maxLeverage,
        `at most ${HARD_LIMITS.maxLeverage} (hard limit; never raised or clamped)`,
      )
      .default(D.maxLeverage),
    aliases: ["max_leverage"],
    help: `maximum leverage, at most ${HARD_LIMITS.maxLeverage} (default 1.0)`,
  },
  "max-daily-loss": {
    schema: z.coerce.number({ error: "a number" })
      .refine((v) => Number.isFinite(v) && v > 0, "a number above 0")
      .refine(
        (v) => v <= HARD_LIMITS.maxDailyLossUsd,
        `at most ${HARD_LIMITS.maxDailyLossUsd} USD (hard limit; config may only be stricter)`,
      )
      .optional(),
    help:
      `stop entering for the UTC day after this loss in USD (default and max ${HARD_LIMITS.maxDailyLossUsd})`,
  },
  "fee-bps": {
    schema: numberFlag({ min: 0, max: 100 }).default(D.feeBps),
    help: "taker fee per side in basis points (default 6, Bitunix taker)",
  },
  "slippage-bps": {
    schema: numberFlag({ min: 0, max: 1000 }).default(D.slippageBps),
    help: "adverse slippage per fill in basis points (default 0)",
  },
  "start-equity": {
    schema: numberFlag({ min: 1, max: 1e12 }).default(D.startEquity),
    help: "starting equity in USDT (default 10000)",
  },
  "intrabar-mode": {
    schema: z.enum(["conservative", "optimistic"], { error: "conservative or optimistic" })
      .default(D.intrabar),
    help: "bar touching stop and TP: conservative = stop first, optimistic = TP first",
  },
  strategy: {
    schema: z.string().min(1).default("ema-cross"),
    help: "a built-in strategy's name (default ema-cross) or a strategy file (./strategies/x.ts)",
  },
  config: {
    schema: z.string().min(1).optional(),
    help: "JSON config file with flag values (flags win)",
  },
  "runs-dir": {
    schema: z.string().min(1).default("runs"),
    help: "where run folders go (default runs)",
  },
  "logs-dir": { schema: z.string().min(1).default("logs"), help: "where logs go (default logs)" },
};

/**
 * Flags for the parameters of `defs` (every built-in, and a strategy file when one is
 * chosen): `--name` in kebab case (`atrMult` -> `--atr-mult`, the camel spelling works
 * too). Values are checked here as numbers and then by the chosen strategy's own schema.
 * @throws InputError when a parameter would shadow one of the command's own flags
 */
export function strategyParamFlags(
  defs: readonly StrategyDefinition[],
  commandFlags: FlagSpec,
): FlagSpec {
  const out: FlagSpec = {};
  for (const def of defs) {
    for (const p of strategyParams(def)) {
      const flag = paramFlagName(p.name);
      const shared = builtinParamFlags !== undefined && Object.hasOwn(builtinParamFlags, flag);
      if (Object.hasOwn(commandFlags, flag) && !shared) {
        throw new InputError(
          `strategy ${def.name} parameter ${p.name}`,
          `a name that is not one of the command's own flags (--${flag} is)`,
        );
      }
      const known = out[flag] ?? (shared ? commandFlags[flag] : undefined);
      const of = known
        ? `${known.help.replace(/ \(see Strategies\)$/, "")}, ${def.name}`
        : `parameter of ${def.name}`;
      out[flag] = {
        schema: numberFlag(p.int ? { int: true } : {}).optional(),
        ...(flag !== p.name ? { aliases: [p.name] } : {}),
        help: `${of} (see Strategies)`,
      };
    }
  }
  return out;
}

/** The built-in strategies' parameter flags (a file's strategy may declare the same names). */
// declared before it is assigned: strategyParamFlags reads it (undefined while the
// built-ins' own flags are being made), which a const would not allow
// deno-lint-ignore prefer-const
let builtinParamFlags: FlagSpec | undefined;
builtinParamFlags = strategyParamFlags(STRATEGIES, BASE_TRADING_FLAGS);

/** Flags shared by every trading mode: sizing, bracket, costs, limits, built-in parameters. */
export const TRADING_FLAGS: FlagSpec = { ...BASE_TRADING_FLAGS, ...builtinParamFlags };

/**
 * The strategy parameters given as flags, by parameter name (`--atr-mult 2` -> atrMult),
 * for every strategy known (built-ins and files loaded); not checked against one strategy.
 */
export function givenStrategyParams(f: ParsedFlags): Record<string, number> {
  const out: Record<string, number> = {};
  for (const def of [...STRATEGIES, ...loadedStrategies()]) {
    for (const p of strategyParams(def)) {
      const v = f[paramFlagName(p.name)];
      if (typeof v === "number") out[p.name] = v;
    }
  }
  return out;
}

/** The strategy a command's flags chose, with its validated parameters. */
export interface ChosenStrategy {
  readonly def: StrategyDefinition;
  readonly params: Readonly<Record<string, number>>;
  /** The strategy file's absolute URL, when the strategy came from a file. */
  readonly file?: string;
}

/**
 * Resolves `--strategy` and its parameter flags (a strategy file must have been loaded
 * first: `parseCommandFlags` does it); a parameter flag of another strategy is an input
 * error naming the chosen strategy's parameters.
 */
export function strategyFromFlags(f: ParsedFlags): ChosenStrategy {
  const def = strategyDef(f.strategy as string);
  const declared = new Map(strategyParams(def).map((p) => [paramFlagName(p.name), p.name]));
  const given: Record<string, number | undefined> = {};
  const others = [...STRATEGIES, ...loadedStrategies()].filter((d) => d !== def);
  for (const other of others) {
    for (const p of strategyParams(other)) {
      const flag = paramFlagName(p.name);
      if (f[flag] === undefined || declared.has(flag)) continue;
      throw new InputError(
        `--${flag}`,
        `not a parameter of strategy ${def.name} (its parameters: ${
          [...declared.keys()].map((k) => `--${k}`).join(", ") || "none"
        })`,
      );
    }
  }
  for (const [flag, name] of declared) given[name] = f[flag] as number | undefined;
  const file = strategyFileOf(def.name);
  return {
    def,
    params: Object.freeze(resolveStrategyParams(def, given)),
    ...(file ? { file } : {}),
  };
}

/** Sizing, bracket, costs and limits from the trading flags. */
export function tradingParamsFromFlags(
  f: ParsedFlags,
  mode: BacktestParams["mode"],
): BacktestParams {
  return Object.freeze({
    startEquity: f["start-equity"] as number,
    riskPct: f["risk-pct"] as number,
    stopBps: f["stop-bps"] as number,
    tpR: f["tp-r"] as number,
    maxLeverage: f["max-leverage"] as number,
    feeBps: f["fee-bps"] as number,
    slippageBps: f["slippage-bps"] as number,
    intrabar: f["intrabar-mode"] as BacktestParams["intrabar"],
    mode,
    limits: f["max-daily-loss"] === undefined
      ? undefined
      : Object.freeze({ maxDailyLossUsd: f["max-daily-loss"] as number }),
    minQty: D.minQty,
  });
}
