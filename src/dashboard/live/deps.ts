/**
 * What the live dashboard needs from the outside world. Everything is injected so the
 * dashboard never touches files, the clock or the kill switch itself.
 *
 * @module
 */
import type { LogLevel, LogRecord } from "../../core/events.ts";
import type { Heartbeat } from "../../core/heartbeat.ts";
import type { LiveReadModel } from "./read_model.ts";
import type { RunSummary } from "../../core/run_summary.ts";

export type { RunSummary, RunSummaryStats } from "../../core/run_summary.ts";

/** The kill switch file, behind a port. */
export interface KillSwitchPort {
  /** True when tripped. */
  read(): Promise<boolean>;
  /** Trips it (idempotent). */
  trip(): Promise<void>;
}

/** Past runs, behind a port. */
export interface RunsPort {
  /** Runs, newest first. */
  list(): Promise<RunSummary[]>;
  /** The run's `summary.html`, or null when there is none. `runId` is already validated. */
  summaryHtml(runId: string): Promise<string | null>;
}

/** The system log, behind a port. */
export interface LogsPort {
  /** The last `limit` records at or above `minLevel`, oldest first. */
  tail(limit: number, minLevel: LogLevel): Promise<LogRecord[]>;
}

/** Everything `createDashboard` needs. */
export interface DashboardDeps {
  readonly readModel: LiveReadModel;
  readonly killSwitch: KillSwitchPort;
  readonly runs: RunsPort;
  readonly logs: LogsPort;
  /** The last heartbeat written to disk, or null. Used when the read model has none. */
  readonly heartbeat: () => Promise<Heartbeat | null>;
  /** Unix ms. */
  readonly now: () => number;
  /** Per-process random token; state-changing requests must send it. */
  readonly token: string;
  /** `host:port` values accepted in the Host header, e.g. `127.0.0.1:5000`. */
  readonly allowedHosts: readonly string[];
  /** Aborting ends every open SSE stream (so a server can shut down). */
  readonly signal?: AbortSignal;
  /** SSE keep-alive comment period in ms (default 15000). */
  readonly sseKeepAliveMs?: number;
  /** SSE status event period (kill switch, heartbeat age) in ms (default 2000). */
  readonly sseStatusMs?: number;
  /** Largest queue of unsent SSE updates before a `resync` is sent instead (default 1000). */
  readonly sseMaxQueue?: number;
}
