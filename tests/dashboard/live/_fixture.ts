/** Builds a dashboard with fake ports for the route tests. */
import type { LogLevel, LogRecord } from "../../../src/core/events.ts";
import type { Heartbeat } from "../../../src/core/heartbeat.ts";
import { createDashboard } from "../../../src/dashboard/live/app.ts";
import type { DashboardDeps, RunSummary } from "../../../src/dashboard/live/deps.ts";
import { LiveReadModel } from "../../../src/dashboard/live/read_model.ts";

/** The token every fixture uses. */
export const TOKEN = "ab".repeat(32);
/** The host every request should carry. */
export const HOST = "127.0.0.1:5000";

/** Log records the fake log port serves. */
export const FILE_LOGS: LogRecord[] = [
  {
    ts: "2026-01-01T00:00:01.000Z",
    level: "debug",
    component: "feed",
    event: "candle.received",
    runId: "r1",
  },
  {
    ts: "2026-01-01T00:00:02.000Z",
    level: "info",
    component: "engine",
    event: "order.filled",
    runId: "r1",
  },
  {
    ts: "2026-01-01T00:00:03.000Z",
    level: "warn",
    component: "risk",
    event: "risk.denied",
    runId: "r1",
  },
  {
    ts: "2026-01-01T00:00:04.000Z",
    level: "error",
    component: "feed",
    event: "feed.failed",
    runId: "r1",
  },
];

/** Runs the fake run port lists. */
export const RUNS: RunSummary[] = [{
  id: "20260101-000000-backtest-abcd",
  time: Date.UTC(2026, 0, 1),
  mode: "backtest",
  symbol: "BTCUSDT",
  stats: {
    start_equity: 10_000,
    end_equity: 10_100,
    net_pnl: 100,
    return_pct: 1,
    trades: 4,
    win_rate: 0.5,
    max_drawdown_pct: 0.7,
  },
  strategy: "ema-cross",
  strategyParams: { fast: 12, slow: 26 },
  settings: { interval: "5m", risk_pct: 1, stop_bps: 30, tp_r: 1.5, intrabar: "conservative" },
  hasSummary: true,
}];

/** The heartbeat the fixture's agent last wrote: 1 s before the fixture's clock, risk active. */
export const HEARTBEAT: Heartbeat = Object.freeze({
  ts: 9_000,
  pid: 1,
  runId: "r1",
  mode: "live-session",
  symbol: "BTCUSDT",
  lastCandleTs: null,
  position: null,
  equity: 10_000,
  riskState: "active",
});

const RANK = { debug: 0, info: 1, warn: 2, error: 3 };

/** A dashboard with in-memory ports; `calls` records what the app asked for. */
export function fixture(over: Partial<DashboardDeps> = {}) {
  const readModel = new LiveReadModel();
  let tripped = false;
  const calls = { trips: 0, summaryIds: [] as string[], tails: [] as [number, LogLevel][] };
  const deps: DashboardDeps = {
    readModel,
    killSwitch: {
      read: () => Promise.resolve(tripped),
      trip: () => {
        calls.trips++;
        tripped = true;
        return Promise.resolve();
      },
    },
    runs: {
      list: () => Promise.resolve(RUNS),
      summaryHtml: (id) => {
        calls.summaryIds.push(id);
        return Promise.resolve(
          id === RUNS[0].id ? "<html><body>summary of run</body></html>" : null,
        );
      },
    },
    logs: {
      tail: (limit, level) => {
        calls.tails.push([limit, level]);
        return Promise.resolve(
          FILE_LOGS.filter((r) => RANK[r.level] >= RANK[level]).slice(-limit),
        );
      },
    },
    heartbeat: () => Promise.resolve(HEARTBEAT),
    now: () => 10_000,
    token: TOKEN,
    allowedHosts: [HOST, "localhost:5000"],
    ...over,
  };
  return { app: createDashboard(deps), readModel, calls, deps };
}

/** GET/POST with the allowed Host header. */
export function req(path: string, init: RequestInit = {}): [string, RequestInit] {
  const headers = new Headers(init.headers);
  if (!headers.has("host")) headers.set("host", HOST);
  return [`http://${HOST}${path}`, { ...init, headers }];
}
