/**
 * The live dashboard: read model, Hono app and SSE.
 *
 * @module
 */
export { createDashboard } from "./app.ts";
export type {
  DashboardDeps,
  KillSwitchPort,
  LogsPort,
  RunsPort,
  RunSummary,
  RunSummaryStats,
} from "./deps.ts";
export {
  DEFAULT_LIVE_LIMITS,
  type EquityPoint,
  type LiveListener,
  type LivePosition,
  LiveReadModel,
  type LiveReadModelLimits,
  type LiveSnapshot,
  type LiveUpdate,
  type RiskState,
  type SessionInfo,
} from "./read_model.ts";
export type { AgentStatus, DashboardState, DashboardStatus } from "./state.ts";
