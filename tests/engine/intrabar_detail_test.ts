import assert from "node:assert/strict";
import { allocSeries, type CandleSeries } from "../../src/core/candle.ts";
import {
  firstTouchInDetail,
  HIT_BOTH,
  HIT_NONE,
  HIT_STOP,
  HIT_TP,
  HIT_TP_GAP,
  slipped,
} from "../../src/core/fill_rules.ts";
import { aggregateCandles } from "../_aggregate_candles.ts";
import { generateMockCandles } from "../../src/data/mock_candles.ts";
import { runBacktestFast } from "../../src/engine/backtest_fast.ts";
import { runDetailPass } from "../../src/engine/backtest_report.ts";
import {
  detailCoverage,
  DetailResolver,
  type IntrabarDetail,
} from "../../src/engine/intrabar_detail.ts";
import { tradesHash } from "../../src/engine/trades_hash.ts";
import { createStrategy } from "../../src/strategy/mod.ts";
import { PARAMS as HAND_PARAMS, scripted } from "./_scripted.ts";

const MIN = 60_000;
const BAR = 5 * MIN;
const T0 = Date.UTC(2024, 0, 1);
const close = (a: number, b: number) => Math.abs(a - b) < 1e-9;

type Row = [number, number, number, number];
const FLAT: Row = [100, 100.05, 99.95, 100];

/** 1m candles from [open, high, low, close] rows, from T0 on. */
function minutes(rows: readonly Row[]): CandleSeries {
  const s = allocSeries(rows.length);
  rows.forEach(([o, h, l, c], i) => {
    s.ts[i] = T0 + i * MIN;
    s.open[i] = o;
    s.high[i] = h;
    s.low[i] = l;
    s.close[i] = c;
    s.volume[i] = 1;
  });
  return s;
}

/** `s` without the candles whose open time is in [from, to). */
function without(s: CandleSeries, from: number, to: number): CandleSeries {
  const keep: number[] = [];
  for (let i = 0; i < s.length; i++) if (s.ts[i] < from || s.ts[i] >= to) keep.push(i);
  const out = allocSeries(keep.length);
  keep.forEach((k, j) => {
    for (const col of ["ts", "open", "high", "low", "close", "volume"] as const) {
      out[col][j] = s[col][k];
    }
  });
  return out;
}

/**
 * Twelve 5m bars, four of them touching both the stop and the take-profit of the position
 * opened at their open (entry 100: long stop 99.7 / TP 100.45, short stop 100.3 / TP 99.55):
 * bar 1 (long): the 1m candles reach the TP at minute 2, the stop only at minute 3;
 * bar 4 (short): the stop at minute 1, the TP at minute 2;
 * bar 7 (long): the first 1m candle touches both;
 * bar 10 (long): its 1m candles are missing from the detail file.
 */
function handCase() {
  const rows: Row[] = [];
  const bar = (...r: Row[]) => rows.push(...r, ...Array(5 - r.length).fill(FLAT));
  bar(FLAT); // 0
  bar([100, 100.1, 99.9, 100], [100, 100.5, 100, 100.4], [100.4, 100.4, 99.6, 100]); // 1
  bar(FLAT);
  bar(FLAT);
  bar([100, 100.35, 99.95, 100.3], [100.3, 100.3, 99.5, 99.6], [99.6, 100, 99.6, 100]); // 4
  bar(FLAT);
  bar(FLAT);
  bar([100, 100.5, 99.6, 100]); // 7
  bar(FLAT);
  bar(FLAT);
  bar([100, 100.5, 99.9, 100.4], [100.4, 100.4, 99.6, 100]); // 10
  bar(FLAT);
  const fine = minutes(rows);
  const bars = aggregateCandles(fine, BAR);
  const detail: IntrabarDetail = {
    series: without(fine, T0 + 10 * BAR, T0 + 11 * BAR),
    intervalMs: MIN,
    barMs: BAR,
  };
  // enter long at bar 1, short at bar 4, long at bars 7 and 10 (flat in between)
  const biases = [1, 1, 0, -1, -1, 0, 1, 1, 0, 1, 1, 0] as const;
  return { fine, bars, detail, strategy: () => scripted(biases) };
}

Deno.test("firstTouchInDetail: the first finer candle that reaches a level decides", () => {
  const s = minutes([FLAT, [100, 100.5, 100, 100.4], [100, 100, 99, 99]]);
  const at = (from: number, to: number, long = true) =>
    firstTouchInDetail(
      long,
      s.open,
      s.high,
      s.low,
      from,
      to,
      long ? 99.7 : 100.3,
      long ? 100.45 : 99.55,
    );
  assert.equal(at(0, 3), HIT_TP);
  assert.equal(at(2, 3), HIT_STOP);
  assert.equal(at(0, 1), HIT_NONE);
  assert.equal(at(0, 3, false), HIT_STOP); // short: 100.5 >= stop 100.3 first
  const both = minutes([[100, 100.5, 99.6, 100]]);
  assert.equal(
    firstTouchInDetail(true, both.open, both.high, both.low, 0, 1, 99.7, 100.45),
    HIT_BOTH,
  );
  const gap = minutes([FLAT, [100.5, 100.6, 99, 99]]);
  const at_ = { price: Number.NaN };
  assert.equal(
    firstTouchInDetail(true, gap.open, gap.high, gap.low, 0, 2, 99.7, 100.45, at_),
    HIT_TP_GAP,
    "a finer candle opening through the TP reached it first",
  );
  assert.equal(at_.price, 100.5, "and fills at its open, not at the level");
});

Deno.test("aggregateCandles builds 5m bars from 1m candles", () => {
  const { fine, bars } = handCase();
  assert.equal(bars.length, 12);
  assert.equal(bars.ts[1], T0 + BAR);
  assert.deepEqual(
    [bars.open[1], bars.high[1], bars.low[1], bars.close[1], bars.volume[1]],
    [100, 100.5, 99.6, 100, 5],
  );
  const partial = without(fine, T0 + 3 * MIN, T0 + 4 * MIN);
  assert.equal(aggregateCandles(partial, BAR).length, 12);
});

Deno.test("detail resolves each ambiguous bar of the hand-made case", async (t) => {
  const { bars, detail, strategy } = handCase();
  // small positions: four stops stay within the day's loss limit
  const PARAMS = { ...HAND_PARAMS, startEquity: 1_000 };
  const cons = runBacktestFast(bars, strategy(), PARAMS);
  const opt = runBacktestFast(bars, strategy(), { ...PARAMS, intrabar: "optimistic" });
  const exact = runBacktestFast(bars, strategy(), PARAMS, detail);

  await t.step("the bounds take the stop, or the TP, on all four bars", () => {
    assert.deepEqual(cons.trades.map((x) => x.exitReason), ["stop", "stop", "stop", "stop"]);
    assert.deepEqual(opt.trades.map((x) => x.exitReason), ["tp", "tp", "tp", "tp"]);
    assert.equal(cons.ambiguousBars, 4);
    assert.equal(opt.ambiguousBars, 4);
    assert.equal(cons.detail, undefined);
  });
  await t.step("the 1m candles: TP first, stop first, both in one candle, no 1m candles", () => {
    const tr = exact.trades;
    assert.deepEqual(tr.map((x) => [x.side, x.entryTs, x.exitTs, x.exitReason]), [
      ["long", T0 + BAR, T0 + BAR, "tp"],
      ["short", T0 + 4 * BAR, T0 + 4 * BAR, "stop"],
      ["long", T0 + 7 * BAR, T0 + 7 * BAR, "stop"],
      ["long", T0 + 10 * BAR, T0 + 10 * BAR, "stop"],
    ]);
    assert.ok(close(tr[0].exitPrice, 100.45));
    assert.ok(close(tr[1].exitPrice, 100.3));
    assert.ok(close(tr[2].exitPrice, 99.7));
    assert.deepEqual(exact.detail, {
      ambiguous_bars: 4,
      with_detail: 3,
      without_detail: 1,
      stop_first: 1,
      tp_first: 1,
      both_in_one_candle: 1,
      untouched: 0,
    });
  });
  await t.step("the detail pass reports the same, with the coverage", () => {
    const run = runDetailPass({
      series: bars,
      strategy: strategy(),
      params: PARAMS,
      intervalMs: BAR,
      detail,
      coverage: detailCoverage(bars, detail),
      source: "hand.csv",
      interval: "1m",
    });
    assert.equal(run.stats.trades_hash, tradesHash(exact.trades));
    assert.equal(run.stats.ambiguous_bars, 4);
    assert.deepEqual(run.coverage, {
      bars: 12,
      covered_bars: 11,
      first_ts: T0,
      last_ts: T0 + 60 * MIN - MIN,
    });
    assert.equal(run.resolution.tp_first, 1);
    assert.equal(run.equity.length, 12);
  });
  await t.step("finer candles that miss both levels: counted, stop taken", () => {
    const flat = allocSeries(5);
    for (let i = 0; i < 5; i++) {
      flat.ts[i] = T0 + BAR + i * MIN;
      flat.open[i] =
        flat.high[i] =
        flat.low[i] =
        flat.close[i] =
          100;
    }
    const r = new DetailResolver({ series: flat, intervalMs: MIN, barMs: BAR });
    assert.equal(r.resolve(T0 + BAR, true, 99.7, 100.45), HIT_STOP);
    assert.equal(r.resolution().untouched, 1);
    assert.throws(
      () => new DetailResolver({ series: flat, intervalMs: 2 * MIN, barMs: BAR }),
      /does not divide/,
    );
  });
});

Deno.test("detail: a 1m candle that opens through the stop fills at its open, not at the stop", () => {
  // bar 1 (long from 100, stop 99.7 / TP 100.45): minute 0 quiet, minute 1 opens at 99.5
  // (below the stop), then the price runs up to the TP
  const rows: Row[] = [];
  const bar = (...r: Row[]) => rows.push(...r, ...Array(5 - r.length).fill(FLAT));
  bar(FLAT);
  bar(FLAT, [99.5, 99.6, 99.4, 99.5], [99.5, 100.5, 99.5, 100.4]);
  bar(FLAT);
  const fine = minutes(rows);
  const bars = aggregateCandles(fine, BAR);
  const detail: IntrabarDetail = { series: fine, intervalMs: MIN, barMs: BAR };
  const params = { ...HAND_PARAMS, startEquity: 1_000 };
  const exact = runBacktestFast(bars, scripted([1, 1, 0]), params, detail);
  assert.equal(exact.trades.length, 1);
  const [tr] = exact.trades;
  assert.equal(tr.exitReason, "stop");
  assert.equal(tr.exitTs, T0 + BAR);
  assert.equal(tr.exitPrice, slipped(99.5, false, params.slippageBps), "the gap's open");
  assert.equal(exact.detail?.stop_first, 1);
});

Deno.test("detail on generated data: every resolved exit matches a scan of the 1m candles", () => {
  const fine = generateMockCandles({ count: 60 * 24 * 20, interval: "1m", seed: 5 });
  // some minutes inside a bar open away from the close before them, so that a finer candle
  // can open through a level (the generated ones open at the close before)
  for (let k = 1; k < fine.length; k++) {
    if (k % 5 === 0 || k % 7 !== 3) continue;
    fine.open[k] = fine.close[k - 1] * (k % 2 ? 1.0015 : 0.9985);
    fine.high[k] = Math.max(fine.high[k], fine.open[k]);
    fine.low[k] = Math.min(fine.low[k], fine.open[k]);
  }
  const bars = aggregateCandles(fine, BAR);
  const detail: IntrabarDetail = { series: fine, intervalMs: MIN, barMs: BAR };
  const params = { ...HAND_PARAMS, startEquity: 1_000, stopBps: 8, tpR: 1.5 }; // tight brackets: many ambiguous bars
  const strategy = () => createStrategy("ema-cross", { fast: 5, slow: 20 });
  const cons = runBacktestFast(bars, strategy(), params);
  const exact = runBacktestFast(bars, strategy(), params, detail);
  const x = exact.detail!;
  assert.ok(x.ambiguous_bars >= 20, `only ${x.ambiguous_bars} ambiguous bars`);
  assert.equal(x.without_detail, 0);
  assert.equal(x.untouched, 0, "1m candles aggregate exactly into the bars");
  assert.equal(x.with_detail, x.stop_first + x.tp_first + x.both_in_one_candle);
  assert.ok(x.tp_first > 0 && x.stop_first > 0);
  assert.notEqual(tradesHash(exact.trades), tradesHash(cons.trades));
  assert.equal(detailCoverage(bars, detail).covered_bars, bars.length);

  let checked = 0;
  let gaps = 0;
  for (const tr of exact.trades) {
    if (tr.exitReason !== "stop" && tr.exitReason !== "tp") continue;
    const i = (tr.exitTs - bars.ts[0]) / BAR;
    const isLong = tr.side === "long";
    const [stop, tp] = [tr.stopPrice, tr.tpPrice];
    const both = isLong
      ? bars.low[i] <= stop && bars.high[i] >= tp
      : bars.high[i] >= stop && bars.low[i] <= tp;
    const opensThrough = isLong
      ? bars.open[i] <= stop || bars.open[i] >= tp
      : bars.open[i] >= stop || bars.open[i] <= tp;
    if (!both || opensThrough) continue;
    // the reference: walk the bar's minutes by hand; a minute that opens through a level
    // fills at that open, a touch at the level
    let want = "stop";
    let at = stop;
    for (let k = i * 5; k < i * 5 + 5; k++) {
      const s = isLong ? fine.low[k] <= stop : fine.high[k] >= stop;
      const p = isLong ? fine.high[k] >= tp : fine.low[k] <= tp;
      const o = fine.open[k];
      if (isLong ? o >= tp : o <= tp) [want, at] = ["tp", o];
      else if (isLong ? o <= stop : o >= stop) [want, at] = ["stop", o];
      else if (s && p) [want, at] = ["stop", stop];
      else if (s) [want, at] = ["stop", stop];
      else if (p) [want, at] = ["tp", tp];
      else continue;
      break;
    }
    assert.equal(tr.exitReason, want, `trade ${tr.id}`);
    assert.equal(tr.exitPrice, slipped(at, !isLong, params.slippageBps), `trade ${tr.id} price`);
    if (at !== stop && at !== tp) gaps++;
    checked++;
  }
  assert.equal(checked, x.ambiguous_bars);
  assert.ok(gaps > 0, "some exits were at a finer candle's open");
});
