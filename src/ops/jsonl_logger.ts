import type { EventSink, LogLevel, LogRecord } from "../core/events.ts";

/** Options of a JSONL logger. */
export interface JsonlLoggerOptions {
  /** File to append to, e.g. `logs/system.jsonl`; parent folders are created. */
  readonly path: string;
  readonly runId: string;
  /** Time source (injected in tests). */
  readonly now?: () => number;
  /** Also write each line to stderr at or above this level. */
  readonly echoLevel?: LogLevel;
}

const LEVEL_RANK: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

/**
 * Appends one `JSON.stringify` per line with the envelope
 * `{ts, level, component, event, runId, ...fields}`. Writes are synchronous so a crash
 * right after an event still leaves it on disk.
 */
export class JsonlLogger implements EventSink {
  readonly #file: Deno.FsFile;
  readonly #encoder = new TextEncoder();
  readonly #now: () => number;

  constructor(readonly options: JsonlLoggerOptions) {
    const dir = options.path.replace(/[\\/][^\\/]*$/, "");
    if (dir && dir !== options.path) Deno.mkdirSync(dir, { recursive: true });
    this.#file = Deno.openSync(options.path, { append: true, create: true });
    this.#now = options.now ?? Date.now;
  }

  /** Writes one event line. */
  emit(level: LogLevel, component: string, event: string, fields: Record<string, unknown> = {}) {
    const record: LogRecord = {
      ts: new Date(this.#now()).toISOString(),
      level,
      component,
      event,
      runId: this.options.runId,
      ...fields,
    };
    const line = JSON.stringify(record) + "\n";
    this.#file.writeSync(this.#encoder.encode(line));
    const echo = this.options.echoLevel;
    if (echo !== undefined && LEVEL_RANK[level] >= LEVEL_RANK[echo]) {
      Deno.stderr.writeSync(
        this.#encoder.encode(`${level.toUpperCase()} ${event} ${JSON.stringify(fields)}\n`),
      );
    }
  }

  /** Closes the file. */
  close(): void {
    try {
      this.#file.close();
    } catch {
      // already closed
    }
  }
}

/** Fans one event out to several sinks (e.g. the run's events.jsonl and system.jsonl). */
export function teeSink(...sinks: EventSink[]): EventSink {
  return {
    emit(level, component, event, fields) {
      for (const s of sinks) s.emit(level, component, event, fields);
    },
  };
}
