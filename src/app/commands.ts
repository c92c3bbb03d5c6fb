import type { Command } from "./command.ts";
import { namesCsv, prestartBacktestWorker } from "./backtest/worker_prestart.ts";

/** A command the CLI knows, loaded on first use so start-up stays fast. */
export interface CommandEntry {
  readonly summary: string;
  /** True for `--mode NAME` commands (the prototype's modes). */
  readonly mode?: boolean;
  load(): Promise<Command>;
  /**
   * Work to start before the command's modules load, once it is known the command will
   * run (not for `--help`), given its arguments: a backtest on a CSV starts its worker.
   */
  prestart?(args: readonly string[]): void;
}

/** Every command and mode, in the order `--help` lists them. */
export const COMMANDS: Readonly<Record<string, CommandEntry>> = {
  backtest: {
    mode: true,
    summary: "backtest a strategy on mock, CSV or Bitunix candles; writes runs/<id>/",
    load: () => import("./backtest/backtest.ts").then((m) => m.command),
    prestart: (args) => {
      if (namesCsv(args)) prestartBacktestWorker();
    },
  },
  "live-session": {
    mode: true,
    summary: "paper or live trading on mock or Bitunix candles (--execution-mode paper|live)",
    load: () => import("./session/live_session.ts").then((m) => m.command),
  },
  orchestrated: {
    mode: true,
    summary: "the agent pipeline on mock candles with every step in runs/<id>/events.jsonl",
    load: () => import("./backtest/orchestrated.ts").then((m) => m.command),
  },
  live: {
    mode: true,
    summary: "legacy paper loop writing paper/ (events, trades, state, mvp.pid)",
    load: () => import("./session/live_session.ts").then((m) => m.legacyCommand),
  },
  optimize: {
    summary: "parameter sweep (grid or seeded random) on every core; shards; optimize merge",
    load: () => import("./research/optimize.ts").then((m) => m.command),
  },
  sweep: {
    summary: "the same as optimize",
    load: () => import("./research/optimize.ts").then((m) => m.command),
  },
  "walk-forward": {
    summary: "walk-forward analysis: optimise on train windows, test on the next; overfit check",
    load: () => import("./research/walk_forward.ts").then((m) => m.command),
  },
  replay: {
    summary: "--replay PATH: re-run a recorded events.jsonl and check every decision",
    load: () => import("./backtest/replay.ts").then((m) => m.command),
  },
  preflight: {
    summary: "check Bitunix: reachability, clock, keys, symbol, leverage, open positions",
    load: () => import("./session/preflight.ts").then((m) => m.command),
  },
  open: {
    summary: "print and open runs/latest/summary.html (the prototype's mvp_open)",
    load: () => import("./backtest/open_summary.ts").then((m) => m.command),
  },
  watchdog: {
    summary: "run the agent under a supervisor: watchdog -- --mode live-session ...",
    load: () => import("./supervise/watchdog.ts").then((m) => m.command),
  },
  monitor: {
    summary: "print the agent's heartbeat and alert when it is stale (monitor_heartbeat)",
    load: () => import("./supervise/monitor.ts").then((m) => m.command),
  },
  status: {
    summary: "is an agent running: pid, heartbeat age, mode, position, kill switch",
    load: () => import("./supervise/status.ts").then((m) => m.command),
  },
  kill: {
    summary: "trip the kill switch (config/KILL_SWITCH.txt = TRUE): blocks new orders",
    load: () => import("./supervise/kill.ts").then((m) => m.command),
  },
  flatten: {
    summary: "emergency stop: trip the kill switch, cancel all orders, close the position",
    load: () => import("./supervise/flatten.ts").then((m) => m.command),
  },
  dashboard: {
    summary: "serve the live dashboard on http://127.0.0.1:5000",
    load: () => import("./supervise/dashboard.ts").then((m) => m.command),
  },
  notify: {
    summary:
      "notify test: send a test message to each notification channel (Telegram, webhook, Discord)",
    load: () => import("./notify/notify_command.ts").then((m) => m.command),
  },
};
