import type { CandleSeries } from "../core/candle.ts";
import type {
  Bars,
  Decision,
  Intent,
  Level,
  PositionView,
  StrategyContext,
  StrategyInstance,
} from "./api.ts";

/** A strategy failed on a candle: it threw, answered something invalid, or took too long. */
export class StrategyError extends Error {
  constructor(
    readonly strategy: string,
    readonly candleTs: number,
    readonly problem: string,
  ) {
    super(
      `Strategy ${strategy} failed on the candle of ${
        Number.isFinite(candleTs) ? new Date(candleTs).toISOString() : "?"
      }: ${problem}`,
    );
    this.name = "StrategyError";
  }
}

/** True when `e` is a StrategyError (works across module copies in bundles). */
export function isStrategyError(e: unknown): e is StrategyError {
  return e instanceof Error && e.name === "StrategyError";
}

/**
 * Read-only, look-back-only access to a series at one index (the engine moves `index`).
 * Reading a later candle than the current one throws.
 */
export class SeriesBars implements Bars {
  index = -1;
  declare series: CandleSeries;

  constructor(series: CandleSeries) {
    this.series = series;
  }

  get count(): number {
    return this.index + 1;
  }

  // each reader repeats the check: a shared helper is not inlined as reliably, and these
  // run for every candle of a backtest
  time(ago = 0): number {
    const k = this.index - ago;
    if (k > this.index) lookAhead(ago);
    return k >= 0 ? this.series.ts[k] : Number.NaN;
  }
  open(ago = 0): number {
    const k = this.index - ago;
    if (k > this.index) lookAhead(ago);
    return k >= 0 ? this.series.open[k] : Number.NaN;
  }
  high(ago = 0): number {
    const k = this.index - ago;
    if (k > this.index) lookAhead(ago);
    return k >= 0 ? this.series.high[k] : Number.NaN;
  }
  low(ago = 0): number {
    const k = this.index - ago;
    if (k > this.index) lookAhead(ago);
    return k >= 0 ? this.series.low[k] : Number.NaN;
  }
  close(ago = 0): number {
    const k = this.index - ago;
    if (k > this.index) lookAhead(ago);
    return k >= 0 ? this.series.close[k] : Number.NaN;
  }
  volume(ago = 0): number {
    const k = this.index - ago;
    if (k > this.index) lookAhead(ago);
    return k >= 0 ? this.series.volume[k] : Number.NaN;
  }
}

function lookAhead(ago: number): never {
  throw new RangeError(
    `cannot read a candle after the current one (ago ${ago}): decisions use closed candles only`,
  );
}

/** The position as a strategy sees it (one mutable object, reused candle after candle). */
export class MutablePosition implements PositionView {
  side: "long" | "short" = "long";
  qty = 0;
  entryPrice = 0;
  entryTime = 0;
  stopPrice = 0;
  tpPrice = Number.NaN;
  /** Candles since the entry filled: counted from the index, so nothing ticks per candle. */
  declare readonly barsHeld: number;
  readonly #bars: SeriesBars;
  #heldFrom = 0;

  constructor(bars: SeriesBars) {
    this.#bars = bars;
    // an own, enumerable property after the others, as a plain field was: a copy of the
    // view (spread, JSON, structuredClone) keeps its value
    Object.defineProperty(this, "barsHeld", {
      get: () => this.#bars.index - this.#heldFrom,
      enumerable: true,
    });
  }

  /** The position was first seen on candle `i`: `barsHeld` counts from there. */
  heldSince(i: number): void {
    this.#heldFrom = i;
  }
}

/** The context object handed to the strategy (reused; fields updated per candle). */
export class MutableContext implements StrategyContext {
  position: PositionView | null = null;
  equity = 0;
  // an explicit field, not a constructor parameter property: with one, V8 (as Deno
  // builds it) boxes every double stored into this object anew (`equity`, per candle)
  declare readonly bars: SeriesBars;
  constructor(bars: SeriesBars) {
    this.bars = bars;
  }
}

/** What a decision asks the engine for, normalised (no objects on a plain candle). */
export class NormalizedDecision {
  /**
   * Target side of intents: 1, -1, 0 (flat), or NaN when the strategy did not ask to change
   * it. A Bias answer (`fromBias`) leaves it NaN: its target is `bias`, acted on at its edges.
   */
  target = Number.NaN;
  /** True when the answer was a Bias (the shorthand, acted on at its edges; `bias` holds it). */
  fromBias = false;
  /** The bias given (NaN: none), for the shorthand's edges. */
  bias = Number.NaN;
  stop: Level | undefined = undefined;
  takeProfit: Level | null | undefined = undefined;
  size = 1;
  /** New stop price (NaN: none). */
  moveStop = Number.NaN;
  /** Fraction to close now (0: none). */
  takePartial = 0;

  reset(): void {
    this.target = Number.NaN;
    this.fromBias = false;
    this.bias = Number.NaN;
    this.stop = undefined;
    this.takeProfit = undefined;
    this.size = 1;
    this.moveStop = Number.NaN;
    this.takePartial = 0;
  }
}

/** How long one candle's answer may take (ms) before the strategy is stopped. */
const STRATEGY_TIME_LIMIT_MS = 1000;

/** Candles between two clock reads when answers are timed by sample (backtests); a power of two. */
export const SAMPLE_EVERY = 1024;

/** How a runner times the strategy's answers. */
export interface RunnerTiming {
  /**
   * `each`: every answer is timed (sessions, where a late answer delays orders);
   * `sampled` (default): the backtest loop calls `sample()` every 1,024 candles, and only
   * when those took longer than the limit are answers timed one by one, so a fast
   * strategy's backtest never pays for the clock.
   */
  readonly mode?: "each" | "sampled";
  /** The limit per answer, ms (default {@link STRATEGY_TIME_LIMIT_MS}). */
  readonly limitMs?: number;
  /** The clock, ms (default `performance.now`); tests inject one. */
  readonly clock?: () => number;
}

/** What the runner calls for an answer: the strategy, or the strategy through a timer. */
type Answering = Pick<StrategyInstance, "onCandle">;

/** An answer that took longer than the limit (the runner names the candle). */
class SlowAnswer {
  constructor(readonly took: number) {}
}

/** The strategy's answers, each timed: one over the limit is thrown as a SlowAnswer. */
class TimedAnswers implements Answering {
  constructor(
    private readonly strategy: StrategyInstance,
    private readonly clock: () => number,
    private readonly limitMs: number,
  ) {}

  onCandle(ctx: StrategyContext): Decision {
    const t0 = this.clock();
    const d = this.strategy.onCandle(ctx);
    const took = this.clock() - t0;
    if (took > this.limitMs) throw new SlowAnswer(took);
    return d;
  }
}

/**
 * Calls a strategy once per candle with a reused context and turns its answer into a
 * NormalizedDecision. Anything thrown or answered that is not a Decision becomes a
 * StrategyError naming the strategy and the candle; the engine's state is never touched
 * by the strategy itself.
 */
export class StrategyRunner {
  declare readonly bars: SeriesBars;
  declare readonly ctx: MutableContext;
  declare readonly pos: MutablePosition;
  readonly out = new NormalizedDecision();
  /** The last answer set more than the Bias fields (reset them all next time). */
  dirty = false;

  declare readonly name: string;
  declare readonly strategy: StrategyInstance;

  declare private readonly clock: () => number;
  private readonly limitMs: number = STRATEGY_TIME_LIMIT_MS;
  /**
   * Who answers: the strategy itself, or (sessions, or a backtest whose last sample was
   * slow) the same strategy through a timer. Swapping the callee instead of testing a flag
   * keeps the per-candle call short.
   */
  declare private answering: Answering;
  declare private readonly timedAnswers: Answering;
  private readonly alwaysTimed: boolean = false;
  /** The clock at the last sample. */
  private sampledAt: number = 0;

  constructor(
    name: string,
    strategy: StrategyInstance,
    series: CandleSeries,
    timing: RunnerTiming = {},
  ) {
    this.name = name;
    this.strategy = strategy;
    this.bars = new SeriesBars(series);
    this.pos = new MutablePosition(this.bars);
    this.ctx = new MutableContext(this.bars);
    this.warmup = strategy.warmup;
    this.clock = timing.clock ?? (() => performance.now());
    this.limitMs = timing.limitMs ?? STRATEGY_TIME_LIMIT_MS;
    this.alwaysTimed = timing.mode === "each";
    this.timedAnswers = new TimedAnswers(strategy, this.clock, this.limitMs);
    this.answering = this.alwaysTimed ? this.timedAnswers : strategy;
    this.sampledAt = this.clock();
  }

  /**
   * Asks the strategy about candle `i` and normalises the answer into `out` (the position
   * it sees is the one `showPosition` last set).
   */
  decide(i: number, equity: number): NormalizedDecision {
    const out = this.out;
    if (this.dirty) this.clean();
    this.bars.index = i;
    this.ctx.equity = equity;
    const d = this.call(i);
    // the common answer, a Bias after the warm-up, in a few lines V8 inlines
    if ((d === 1 || d === -1 || d === 0) && i >= this.warmup) {
      out.bias = d;
      out.fromBias = true;
      return out;
    }
    return this.other(i, d);
  }

  private readonly warmup: number = 0;

  private clean(): void {
    this.out.reset();
    this.dirty = false;
  }

  /** Whether the strategy sees a position (the `pos` fields) or none, from now on. */
  showPosition(positioned: boolean): void {
    this.ctx.position = positioned ? this.pos : null;
  }

  /**
   * Called by the backtest loop every {@link SAMPLE_EVERY} candles (not counted here: a
   * counter on every answer costs the fast path more than the loop's chunks do): when
   * they took longer than one answer may, answers are timed one by one (until a sample is
   * fast again), so a slow candle is caught and named.
   */
  sample(): void {
    const now = this.clock();
    const slow = now - this.sampledAt > this.limitMs;
    this.sampledAt = now;
    if (!this.alwaysTimed) this.answering = slow ? this.timedAnswers : this.strategy;
  }

  /**
   * The strategy's answer; what it throws becomes a StrategyError naming the candle (an
   * answer over the time limit too).
   */
  private call(i: number): Decision {
    // the error is built elsewhere: a short body here lets V8 inline this call, and the
    // strategy's own onCandle into it, on every candle
    try {
      return this.answering.onCandle(this.ctx);
    } catch (e) {
      throw this.threw(i, e);
    }
  }

  private threw(i: number, e: unknown): StrategyError {
    const problem = e instanceof SlowAnswer
      ? `it took ${Math.round(e.took)} ms to answer; the limit is ${this.limitMs} ms per candle`
      : `it threw ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`.slice(0, 300);
    return new StrategyError(this.name, this.bars.series.ts[i], problem);
  }

  /** Everything but a Bias after the warm-up. */
  private other(i: number, d: Decision): NormalizedDecision {
    const out = this.out;
    out.target = Number.NaN;
    out.fromBias = false;
    out.bias = Number.NaN;
    if (i < this.warmup) {
      if (typeof d === "number") out.bias = d; // shown in step records, not acted on
      return out;
    }
    if (typeof d === "number") this.#garbage(i, d);
    if (d === undefined || d === null) return out;
    if (Array.isArray(d)) {
      for (const x of d) this.#intent(i, x);
      return out;
    }
    this.#intent(i, d as Intent);
    return out;
  }

  #intent(i: number, x: unknown): void {
    const out = this.out;
    this.dirty = true;
    if (typeof x !== "object" || x === null) return this.#garbage(i, x);
    const o = x as Record<string, unknown>;
    if (o.enter === "long" || o.enter === "short") {
      out.target = o.enter === "long" ? 1 : -1;
      out.stop = o.stop === undefined ? undefined : this.#level(i, o.stop, "stop");
      out.takeProfit = o.takeProfit === undefined || o.takeProfit === null
        ? o.takeProfit as null | undefined
        : this.#level(i, o.takeProfit, "takeProfit");
      if (o.size !== undefined) {
        const s = o.size as number;
        if (!(typeof s === "number" && s > 0 && s <= 1)) this.#garbage(i, x, "size in (0, 1]");
        out.size = s;
      }
    } else if (o.exit === true) out.target = 0;
    else if (typeof o.moveStop === "number" && Number.isFinite(o.moveStop) && o.moveStop > 0) {
      out.moveStop = o.moveStop;
    } else if (
      typeof o.takePartial === "number" && o.takePartial > 0 && o.takePartial <= 1
    ) out.takePartial = o.takePartial;
    else this.#garbage(i, x);
  }

  #level(i: number, x: unknown, what: string): Level {
    if (typeof x === "object" && x !== null) {
      const o = x as Record<string, unknown>;
      for (const k of ["price", "distance", "bps"] as const) {
        const v = o[k];
        if (typeof v === "number" && Number.isFinite(v) && v > 0) return { [k]: v } as Level;
      }
    }
    return this.#garbage(i, x, `${what} as {price}, {distance} or {bps}, a positive number`);
  }

  #garbage(i: number, x: unknown, expected = "a Bias (-1, 0, 1), an intent or nothing"): never {
    let shown: string;
    try {
      shown = JSON.stringify(x) ?? String(x);
    } catch {
      shown = String(x);
    }
    throw new StrategyError(
      this.name,
      this.bars.series.ts[i],
      `it answered ${shown.slice(0, 120)}; expected ${expected}`,
    );
  }
}
