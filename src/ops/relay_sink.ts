import type { EventSink, LogLevel } from "../core/events.ts";

/**
 * An event sink to hand out before the real one exists (a client built before the
 * session's logs are open): events are kept (up to `keep`, the oldest dropped first) and
 * passed on once `connect` is called, then forwarded as they come.
 */
export class RelaySink implements EventSink {
  #target: EventSink | null = null;
  #kept: [LogLevel, string, string, Record<string, unknown> | undefined][] = [];

  constructor(readonly keep = 200) {}

  emit(level: LogLevel, component: string, event: string, fields?: Record<string, unknown>): void {
    if (this.#target) return this.#target.emit(level, component, event, fields);
    this.#kept.push([level, component, event, fields]);
    if (this.#kept.length > this.keep) this.#kept.shift();
  }

  /** From now on events go to `target`; the kept ones first. */
  connect(target: EventSink): void {
    this.#target = target;
    for (const [l, c, e, f] of this.#kept) target.emit(l, c, e, f);
    this.#kept = [];
  }
}
