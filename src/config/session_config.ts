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

/** Flags of `--mode live-session` (and the legacy `--mode live`). */
export const SESSION_FLAGS: FlagSpec = {
  source: {
    schema: z.enum(["bitunix", "mock"], { error: "bitunix or mock" }).default("mock"),
    help: "live candles from bitunix or the built-in synthetic feed (mock, default)",
  },
  "execution-mode": {
    schema: z.enum(["paper", "live"], { error: "paper or live" }).default("paper"),
    help: "paper (simulated fills, no keys; default) or live (REAL MONEY on Bitunix)",
  },
  duration: {
    schema: numberFlag({ min: 0.01, max: 525_600 }).default(10),
    help: "minutes to run before a clean stop (default 10)",
  },
  async: {
    schema: z.boolean(),
    boolean: true,
    help: "use the WebSocket stream (REST polling otherwise)",
  },
  dashboard: { schema: z.boolean(), boolean: true, help: "serve the live dashboard while running" },
  port: {
    schema: numberFlag({ int: true, min: 0, max: 65_535 }).default(5000),
    help: "dashboard port (default 5000)",
  },
  preflight: {
    schema: z.boolean(),
    boolean: true,
    help: "run the preflight checks first; stop if any fails",
  },
  "stale-timeout": {
    schema: numberFlag({ min: 1, max: 86_400 }).default(60),
    help: "seconds without market data before a safety shutdown (default 60)",
  },
  warmup: {
    schema: numberFlag({ int: true, min: 0, max: 10_000 }).optional(),
    help: "history candles loaded before trading (default: strategy warm-up + 50)",
  },
  speed: {
    schema: numberFlag({ min: 0.001, max: 1_000_000 }).default(60),
    help: "mock feed only: times faster than real time (default 60: a 1m candle per second)",
  },
  seed: {
    schema: numberFlag({ int: true, min: 0, max: 2 ** 32 - 1 }).default(42),
    help: "mock feed seed (default 42)",
  },
  state: {
    schema: z.string().min(1).optional(),
    help: "paper state file (default paper/session-state.json)",
  },
  fresh: {
    schema: z.boolean(),
    boolean: true,
    help: "paper: start a new paper account (the state file is ignored, then replaced)",
  },
  "kill-switch": {
    schema: z.string().min(1).default("config/KILL_SWITCH.txt"),
    help: "kill switch file (default config/KILL_SWITCH.txt)",
  },
  "heartbeat-interval": {
    schema: numberFlag({ min: 0.05, max: 60 }).default(1),
    help: "seconds between heartbeats (default 1)",
  },
  ...TRADING_FLAGS,
};

/** A resolved, frozen session configuration. */
export interface SessionConfig {
  readonly mode: "live-session" | "live";
  readonly source: "bitunix" | "mock";
  readonly executionMode: "paper" | "live";
  readonly durationMs: number;
  readonly useWebSocket: boolean;
  readonly dashboard: boolean;
  readonly port: number;
  readonly preflight: boolean;
  readonly staleTimeoutMs: number;
  readonly warmup: number;
  readonly speed: number;
  readonly seed: number;
  readonly symbol: string;
  readonly interval: Interval;
  readonly strategy: string;
  readonly strategyParams: Readonly<Record<string, number>>;
  /** The strategy file's absolute URL, when the strategy came from a file. */
  readonly strategyFile?: string;
  readonly params: BacktestParams;
  readonly statePath: string;
  /** Paper: ignore the state file and start a new account (`--fresh`). */
  readonly fresh: boolean;
  readonly killSwitchPath: string;
  readonly heartbeatMs: number;
  readonly runsDir: string;
  readonly logsDir: string;
  /** Folder of the legacy paper loop's files (mode `live`). */
  readonly paperDir: string;
}

/** Cross-field rules and defaults for a session; returns a frozen config. */
export function resolveSessionConfig(
  f: ParsedFlags,
  mode: SessionConfig["mode"],
  notice: (msg: string) => void,
): SessionConfig {
  const { def, params: strategyParams, file: strategyFile } = strategyFromFlags(f);
  const warmup = (f.warmup as number | undefined) ?? def.create(strategyParams).warmup + 50;
  const executionMode = f["execution-mode"] as SessionConfig["executionMode"];
  if (mode === "live" && executionMode === "live") {
    throw new InputError(
      "--execution-mode live",
      "paper with --mode live (the legacy paper loop); use --mode live-session for live trading",
    );
  }
  if (executionMode === "live" && f.source !== "bitunix") {
    throw new InputError(
      `--source ${f.source} with --execution-mode live`,
      "--source bitunix: real orders are sized and bracketed from the venue's own candles, never from synthetic ones",
    );
  }
  if (f.fresh && executionMode === "live") {
    throw new InputError(
      "--fresh with --execution-mode live",
      "--execution-mode paper: a live session's record follows the venue's account",
    );
  }
  const symbol = resolveSymbol(f.symbol as string, notice);
  checkMockSymbol(f.source as string, symbol);
  return Object.freeze({
    mode,
    source: f.source as SessionConfig["source"],
    executionMode,
    durationMs: (f.duration as number) * 60_000,
    useWebSocket: f.async as boolean,
    dashboard: f.dashboard as boolean,
    port: f.port as number,
    preflight: f.preflight as boolean,
    staleTimeoutMs: (f["stale-timeout"] as number) * 1000,
    warmup,
    speed: f.speed as number,
    seed: f.seed as number,
    symbol,
    interval: (f.interval as Interval | undefined) ?? "1m",
    strategy: def.name,
    strategyParams,
    ...(strategyFile ? { strategyFile } : {}),
    params: tradingParamsFromFlags(f, "position"),
    statePath: (f.state as string | undefined) ??
      (mode === "live" ? "paper/state.json" : "paper/session-state.json"),
    fresh: f.fresh as boolean,
    killSwitchPath: f["kill-switch"] as string,
    heartbeatMs: (f["heartbeat-interval"] as number) * 1000,
    runsDir: f["runs-dir"] as string,
    logsDir: f["logs-dir"] as string,
    paperDir: "paper",
  });
}
