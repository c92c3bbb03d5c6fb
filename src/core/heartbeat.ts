import type { Side } from "./trade.ts";

/**
 * What a running agent writes about itself about once a second (to
 * `logs/heartbeat.json`, replaced atomically). The monitor, supervisor, `status`
 * command and dashboard read it.
 */
export interface Heartbeat {
  /** When it was written, Unix ms. */
  readonly ts: number;
  readonly pid: number;
  readonly runId: string;
  /** e.g. `live-session`, `orchestrated`, `live`. */
  readonly mode: string;
  /** `paper` or `live` for sessions; absent otherwise. */
  readonly executionMode?: string;
  readonly symbol: string;
  /** Open time of the last closed candle seen, Unix ms; null before the first. */
  readonly lastCandleTs: number | null;
  readonly position:
    | { readonly side: Side; readonly qty: number; readonly entryPrice: number }
    | null;
  readonly equity: number;
  /** RiskGate state. */
  readonly riskState: "active" | "reducing" | "halted";
  /** Only in the last heartbeat of a process that stopped: how and when. */
  readonly stopped?: HeartbeatStop;
}

/** How an agent stopped, written into its last heartbeat. */
export interface HeartbeatStop {
  /** When, Unix ms. */
  readonly at: number;
  /** Why, e.g. `duration`, `signal`, `feed-ended`, `stale`, `error`. */
  readonly reason: string;
  /** True for a planned stop (exit code 0); false after a fault (stale data, an error). */
  readonly clean: boolean;
}

/** What a heartbeat says about its agent at a given time. */
export type AgentLiveness =
  /** Fresh heartbeat, no stop marker. */
  | { readonly state: "running"; readonly ageMs: number }
  /** No stop marker but older than allowed: frozen, killed or crashed. */
  | { readonly state: "stale"; readonly ageMs: number }
  /** The process wrote its last heartbeat as it stopped. */
  | { readonly state: "stopped"; readonly ageMs: number; readonly stop: HeartbeatStop };

/**
 * Reads a heartbeat at `now`: `stopped` when it carries a stop marker, else `running` up
 * to `maxAgeMs` old and `stale` beyond. The monitor, `status` and the dashboard agree
 * because they all ask this.
 */
export function heartbeatLiveness(
  hb: Pick<Heartbeat, "ts" | "stopped">,
  now: number,
  maxAgeMs: number,
): AgentLiveness {
  const ageMs = Math.max(0, now - hb.ts);
  if (hb.stopped) return { state: "stopped", ageMs, stop: hb.stopped };
  return ageMs > maxAgeMs ? { state: "stale", ageMs } : { state: "running", ageMs };
}
