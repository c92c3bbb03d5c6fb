import type { BacktestParams } from "../core/backtest_params.ts";
import type { CandleSeries } from "../core/candle.ts";
import type { Trade } from "../core/trade.ts";
import type { RiskLimits } from "../core/risk_limits.ts";
import type { Strategy } from "../strategy/api.ts";
import { type RunnerTiming, SAMPLE_EVERY, StrategyRunner } from "../strategy/runner.ts";
import { type CoreOrder, type DecideFlags, TradingCore } from "./core.ts";
import type { DenialCode } from "./risk_gate.ts";
import { RiskGate } from "./risk_gate.ts";
import { SimVenue } from "../core/sim_venue.ts";
import { type DetailResolution, DetailResolver, type IntrabarDetail } from "./intrabar_detail.ts";

/** What one backtest pass produced. */
export interface BacktestResult {
  readonly trades: Trade[];
  /** Marked-to-market equity at each candle close (in shared memory when the candles are). */
  readonly equity: Float64Array;
  /** Candles during which a position was open. */
  readonly exposedCandles: number;
  /** Entries the RiskGate refused (daily loss, limits). */
  readonly denials: number;
  /** The refusals by reason. */
  readonly denialsByCode: Readonly<Partial<Record<DenialCode, number>>>;
  /** Bars that touched both stop and take-profit of the open position (no gap). */
  readonly ambiguousBars: number;
  /** With finer candles: how the ambiguous bars were resolved. */
  readonly detail?: DetailResolution;
  /** The limits the RiskGate applied (the configured ones capped by the hard limits). */
  readonly limits: RiskLimits;
}

const DECIDE: DecideFlags = { orders: true, sync: false, live: false };
const LAST: DecideFlags = { orders: false, sync: false, live: false };

/** Sends one of the core's orders to the simulated venue (a backtest's orders carry no id). */
function submitToSim(venue: SimVenue, o: CoreOrder): void {
  switch (o.kind) {
    case "exit":
    case "reduce":
      venue.exit(o.qty, "");
      return;
    case "move-stop":
      venue.moveStop(o.price);
      return;
    case "entry":
      venue.enter(o, "");
  }
}

/**
 * A backtest pass: the one engine (TradingCore) driven over typed arrays with the
 * simulated venue, synchronously. Each candle: orders decided on the previous close fill
 * at its open, the bracket is checked over it, equity is marked at its close, then the
 * strategy decides on it. A position open after the last candle closes at its close
 * (`end`). With `detail` (finer candles under the bars), a bar that touches both stop and
 * take-profit is resolved from them instead of by `p.intrabar` (see `DetailResolver`);
 * only such bars look at the finer candles. `timing` sets how the strategy's answers are
 * timed (default: sampled, see `RunnerTiming`). The equity curve is in shared memory when
 * the candles are (another thread reads it without a copy).
 */
export function runBacktest(
  series: CandleSeries,
  strategy: Strategy,
  p: BacktestParams,
  detail?: IntrabarDetail,
  timing?: RunnerTiming,
): BacktestResult {
  const n = series.length;
  const { ts, open, high, low, close } = series;
  const gate = new RiskGate({ maxLeverage: p.maxLeverage, ...p.limits }, undefined, p.minQty);
  const runner = new StrategyRunner(strategy.name ?? "strategy", strategy, series, timing);
  const core = new TradingCore(p, gate, runner);
  const venue = new SimVenue(p.feeBps, p.slippageBps, p.intrabar, core);
  const resolver = detail === undefined ? null : new DetailResolver(detail);
  venue.resolver = resolver;
  const ledger = core.ledger;
  // candles in shared memory are shared with another thread: so is their equity curve
  const equity = ts.buffer instanceof SharedArrayBuffer
    ? new Float64Array(new SharedArrayBuffer(n * 8))
    : new Float64Array(n);
  const barMode = p.mode === "bar";
  const orders = core.orders;
  let exposed = 0;
  const lastOfSample = SAMPLE_EVERY - 1; // a power of two less one
  for (let i = 0; i < n; i++) {
    const t = ts[i];
    if (venue.bar(t, open[i], high[i], low[i])) {
      exposed++;
      if (barMode) venue.closeAt(close[i], t, "end");
    }
    const c = close[i];
    const eq = ledger.equityAt(c);
    equity[i] = eq;
    core.mark(t, eq);
    const k = core.decide(i, i < n - 1 ? DECIDE : LAST);
    for (let j = 0; j < k; j++) submitToSim(venue, orders[j]);
    // the strategy's clock, every SAMPLE_EVERY candles (one loop: chunks of an inner loop
    // leave V8's on-stack-replaced code at every chunk's end)
    if ((i & lastOfSample) === lastOfSample) runner.sample();
  }
  if (n > 0 && venue.dir !== 0) {
    venue.closeAt(close[n - 1], ts[n - 1], "end");
    equity[n - 1] = ledger.cash;
  }
  return {
    trades: ledger.trades,
    equity,
    exposedCandles: exposed,
    denials: core.denials,
    denialsByCode: core.denialsByCode,
    ambiguousBars: venue.ambiguousBars,
    limits: gate.limits,
    ...(resolver !== null ? { detail: resolver.resolution() } : {}),
  };
}
