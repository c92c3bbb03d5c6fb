/**
 * Builds the JSON bodies of `GET /api/state` and the SSE `status` event from the read
 * model and the injected ports.
 *
 * @module
 */
import { type Heartbeat, heartbeatLiveness, type HeartbeatStop } from "../../core/heartbeat.ts";
import type { DashboardDeps } from "./deps.ts";
import type { LiveSnapshot } from "./read_model.ts";

/**
 * A heartbeat up to this old (and not marked stopped) means an agent is running: the
 * watchdog's default for a frozen agent.
 */
const AGENT_ALIVE_MS = 30_000;

/**
 * Is an agent running? From the last heartbeat (this process's session or the file):
 * `running`, `stopped` (its last heartbeat says so, with how), `stale` (silent past
 * {@link AGENT_ALIVE_MS}: frozen, killed or crashed) or `none` (no heartbeat at all).
 */
export interface AgentStatus {
  readonly state: "running" | "stopped" | "stale" | "none";
  /** How it stopped, for `stopped`. */
  readonly stop?: HeartbeatStop;
}

/** What the heartbeat (or its absence) says about the agent at `now`. */
function agentStatus(
  heartbeat: Heartbeat | null,
  sessionActive: boolean,
  now: number,
): AgentStatus {
  if (heartbeat === null) return { state: sessionActive ? "running" : "none" };
  const live = heartbeatLiveness(heartbeat, now, AGENT_ALIVE_MS);
  return live.state === "stopped" ? { state: "stopped", stop: live.stop } : { state: live.state };
}

/** Kill switch and liveness, cheap to compute; pushed over SSE every few seconds. */
export interface DashboardStatus {
  /** Server time, Unix ms. */
  readonly now: number;
  /** True when the kill switch is tripped; null when it could not be read. */
  readonly killSwitch: boolean | null;
  readonly heartbeat: Heartbeat | null;
  /** now - heartbeat.ts in ms, or null without a heartbeat. */
  readonly heartbeatAgeMs: number | null;
  /** True while a session feeds the read model in this process. */
  readonly sessionActive: boolean;
  /** Whether an agent runs (here or in another process) and, if it stopped, how. */
  readonly agent: AgentStatus;
}

/** Body of `GET /api/state`: the read model snapshot (minus logs) plus the status. */
export interface DashboardState extends DashboardStatus {
  readonly session: LiveSnapshot["session"];
  readonly candles: LiveSnapshot["candles"];
  readonly equity: LiveSnapshot["equity"];
  readonly fills: LiveSnapshot["fills"];
  readonly position: LiveSnapshot["position"];
  readonly orders: LiveSnapshot["orders"];
  readonly riskState: LiveSnapshot["riskState"];
  /** Latest drawdown in USD, or null without equity samples. */
  readonly drawdown: number | null;
  /** Largest drawdown seen in the kept equity samples, USD. */
  readonly maxDrawdown: number | null;
  readonly version: number;
}

async function safe<T>(f: () => Promise<T>, fallback: T): Promise<T> {
  try {
    return await f();
  } catch {
    return fallback;
  }
}

/** Reads the kill switch and heartbeat (never throws). */
export async function readStatus(
  deps: DashboardDeps,
  snapshot: LiveSnapshot = deps.readModel.snapshot(),
): Promise<DashboardStatus> {
  const [killSwitch, fileHeartbeat] = await Promise.all([
    safe<boolean | null>(() => deps.killSwitch.read(), null),
    snapshot.heartbeat ? Promise.resolve(null) : safe(() => deps.heartbeat(), null),
  ]);
  const heartbeat = snapshot.heartbeat ?? fileHeartbeat;
  const now = deps.now();
  const sessionActive = snapshot.session !== null;
  return {
    now,
    killSwitch,
    heartbeat,
    heartbeatAgeMs: heartbeat ? Math.max(0, now - heartbeat.ts) : null,
    sessionActive,
    agent: agentStatus(heartbeat, sessionActive, now),
  };
}

/** Builds the full state body. */
export async function buildState(deps: DashboardDeps): Promise<DashboardState> {
  const snap = deps.readModel.snapshot();
  const status = await readStatus(deps, snap);
  let maxDrawdown: number | null = null;
  for (const p of snap.equity) maxDrawdown = Math.max(maxDrawdown ?? 0, p.drawdown);
  return {
    ...status,
    session: snap.session,
    candles: snap.candles,
    equity: snap.equity,
    fills: snap.fills,
    position: snap.position,
    orders: snap.orders,
    // a heartbeat's risk state only while its agent runs (a stop halts the gate)
    riskState: snap.riskState ??
      (status.agent.state === "running" ? status.heartbeat?.riskState : null) ?? null,
    drawdown: snap.equity.at(-1)?.drawdown ?? null,
    maxDrawdown,
    version: snap.version,
  };
}
