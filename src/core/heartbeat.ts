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
}
