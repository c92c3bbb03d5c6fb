/**
 * The types a session's phases share: what the composition root hands a session, why it
 * stopped, and what an open session holds between its phases.
 *
 * @module
 */
import type { SessionConfig } from "../../config/session_config.ts";
import type { EventSink } from "../../core/events.ts";
import type { Exchange, MarketFeed } from "../../core/ports.ts";
import type { LiveReadModel } from "../../dashboard/live/read_model.ts";
import type { AgentPipeline } from "../../engine/pipeline.ts";
import type { RiskGate } from "../../engine/risk_gate.ts";
import type { FillCursor } from "../../exchange/bitunix/exchange.ts";
import type { SimExchange } from "../../exchange/sim/sim_exchange.ts";
import type { AdoptedPosition } from "./adopt_position.ts";
import type { SessionRecord } from "./session_record.ts";
import type { SessionRun } from "./state_schemas.ts";

/** Why a session stopped, and the exit code that goes with it. */
export type StopReason = "duration" | "signal" | "stale" | "feed-ended" | "error";

/** The process exit code of each stop reason. */
export const EXIT_CODES: Record<StopReason, number> = {
  duration: 0,
  signal: 0,
  "feed-ended": 0,
  stale: 3,
  error: 1,
};

/** A live market feed, optionally telling when it last heard from the market. */
export type SessionFeed = MarketFeed & { readonly lastMessageAt?: number };

/** What the composition root hands a session (tests inject their own). */
export interface SessionDeps {
  /** Builds the market feed (mock or Bitunix). */
  readonly feed: SessionFeed;
  /** The venue for live execution; paper sessions use the simulated venue instead. */
  readonly liveExchange?: Exchange;
  /** Wall clock, Unix ms. */
  readonly now?: () => number;
  /** Monotonic ms for latencies. */
  readonly timer?: () => number;
  /** Ends the session gracefully when aborted (tests); signals are wired by the caller. */
  readonly stop?: AbortSignal;
  /** Where status lines go (default stderr). */
  readonly print?: (line: string) => void;
  /** Called once the dashboard is up, with its URL. */
  readonly onDashboard?: (url: string) => void;
  /** Starts the dashboard server (injected so sessions do not depend on the server module). */
  readonly startDashboard?: (
    model: LiveReadModel,
  ) => Promise<{ url: string; close(): Promise<void> }>;
  /**
   * Safety check before the first live order (reconciliation). Throws to refuse; may
   * return the venue's position, which the agent then adopts as its own.
   */
  readonly beforeTrading?: (sink: EventSink) => Promise<AdoptedPosition | null | void>;
  /** Equity to size from instead of --start-equity (live: from the exchange account). */
  readonly startEquity?: number;
  /** The venue's minimum order quantity (live: from trading_pairs; default the params'). */
  readonly minQty?: number;
  /** How often the stale-data check runs, ms (default 1000). */
  readonly staleCheckMs?: number;
  /** How far the live venue's trade history has been read (saved for a restart). */
  readonly fillCursor?: () => FillCursor;
  /** Receives the session's event sink once it exists (for clients built before it). */
  readonly connectEvents?: (sink: EventSink) => void;
  /** Counts of what the venue connection went through (retries, drops...), for the stats. */
  readonly venueCounters?: () => Readonly<Record<string, number>>;
  /**
   * Notifications: gets every event after the logs (its `emit` must return at once) and is
   * closed last when the session ends (a bounded flush). `connectLog` receives the system
   * log, the one place the notifier's own events go (not the run's events.jsonl or the
   * dashboard).
   */
  readonly notifier?: EventSink & {
    close(): Promise<unknown>;
    connectLog?(log: EventSink): void;
  };
}

export type { AdoptedPosition };

/** Result of a session. */
export interface SessionResult {
  readonly exitCode: number;
  readonly reason: StopReason;
  readonly runId: string;
  readonly runDir: string | null;
  readonly trades: number;
}

/** Everything an open session holds. */
export interface OpenSession {
  readonly config: SessionConfig;
  readonly deps: SessionDeps;
  readonly now: () => number;
  readonly print: (line: string) => void;
  readonly runId: string;
  readonly runDir: string;
  readonly legacy: boolean;
  readonly sink: EventSink;
  readonly model: LiveReadModel;
  readonly exchange: Exchange;
  readonly sim: SimExchange | null;
  readonly gate: RiskGate;
  readonly pipeline: AgentPipeline;
  readonly record: SessionRecord | null;
  readonly run: SessionRun;
  /** Paper: candles up to this time were traded by an earlier process. */
  readonly resumedThrough: number | null;
  /** The state file or journal this process resumed, and from when; null for a new one. */
  readonly resumedFrom: string | null;
  readonly persist: (ended?: boolean) => void;
  readonly beat: () => void;
  /**
   * Halts the risk gate for a stop (the first reason given is kept): a state change from
   * then on is logged with `shutdown: true`, which is not a risk-state notification.
   */
  readonly haltForStop: (reason: StopReason) => void;
  readonly cleanup: () => Promise<void>;
  lastCandleTs: number | null;
  /** Why the session stopped, once closed; null before (or when closing failed). */
  stopReason: StopReason | null;
}
