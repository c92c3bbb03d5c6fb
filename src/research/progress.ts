/**
 * The progress line of a sweep: done out of total, rate, ETA and the best objective so
 * far. Pure: the caller passes the clock's readings and decides where the line goes (one
 * rewritten line on a terminal, a plain line now and then otherwise).
 *
 * @module
 */

/** What the progress line reports. */
export interface ProgressState {
  /** Rows written, the earlier run's included. */
  readonly done: number;
  readonly total: number;
  /** Rows this run started with (resumed from an earlier run). */
  readonly resumed: number;
  /** Milliseconds since this run started evaluating. */
  readonly elapsedMs: number;
  readonly objective: string;
  /** The best eligible objective so far, or null. */
  readonly best: number | null;
}

/** `h:mm:ss` or `m:ss`. */
export function clock(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${ss}` : `${m}:${ss}`;
}

/** Milliseconds left at this run's rate so far; null before any row of this run. */
export function etaMs(p: ProgressState): number | null {
  const ran = p.done - p.resumed;
  if (ran <= 0 || p.elapsedMs <= 0) return null;
  return (p.total - p.done) * (p.elapsedMs / ran);
}

/** One progress line (no newline), e.g. `sweep 40/100 (40%) 12.5/s ETA 0:05 best net_pnl 81.2`. */
export function progressLine(p: ProgressState): string {
  const pct = p.total > 0 ? Math.floor((p.done / p.total) * 100) : 100;
  const ran = p.done - p.resumed;
  const rate = p.elapsedMs > 0 ? ran / (p.elapsedMs / 1000) : 0;
  const eta = etaMs(p);
  const parts = [
    `sweep ${p.done}/${p.total} (${pct}%)`,
    `${rate >= 10 ? rate.toFixed(0) : rate.toFixed(1)}/s`,
    `ETA ${eta === null ? "?" : clock(eta)}`,
    `elapsed ${clock(p.elapsedMs)}`,
    `best ${p.objective} ${p.best === null ? "n/a" : Number(p.best.toPrecision(6))}`,
  ];
  return parts.join("  ");
}

/**
 * Decides when a plain (non-terminal) progress line is due: at every tenth of the total,
 * and at least every `everyMs` while rows come in.
 */
export class PlainProgress {
  #lastTenth = -1;
  #lastAt = 0;
  readonly #everyMs: number;

  constructor(everyMs = 30_000) {
    this.#everyMs = everyMs;
  }

  /** True when a line should be printed for `done` of `total` at `nowMs`. */
  due(done: number, total: number, nowMs: number): boolean {
    const tenth = total > 0 ? Math.floor((done * 10) / total) : 10;
    if (tenth > this.#lastTenth || nowMs - this.#lastAt >= this.#everyMs) {
      this.#lastTenth = tenth;
      this.#lastAt = nowMs;
      return true;
    }
    return false;
  }
}
