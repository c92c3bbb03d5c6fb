/** Severity of a log line. */
export type LogLevel = "debug" | "info" | "warn" | "error";

/**
 * One JSONL line of `logs/system.jsonl` or `events.jsonl`:
 * `{ts, level, component, event, runId, ...fields}`. Event names are dotted, lowercase
 * and past tense (`order.filled`, `risk.denied`, `killswitch.tripped`).
 */
export interface LogRecord {
  readonly ts: string;
  readonly level: LogLevel;
  readonly component: string;
  readonly event: string;
  readonly runId: string;
  readonly [field: string]: unknown;
}

/** Writes structured events; implemented by the JSONL logger in ops/. */
export interface EventSink {
  emit(level: LogLevel, component: string, event: string, fields?: Record<string, unknown>): void;
}

/** An event sink that drops everything (fast backtest path, tests). */
export const NULL_SINK: EventSink = { emit() {} };
