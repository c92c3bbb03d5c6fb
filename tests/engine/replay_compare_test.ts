import assert from "node:assert/strict";
import { runSimPipeline } from "../../src/app/backtest/sim_pipeline.ts";
import type { EventSink } from "../../src/core/events.ts";
import { isInputError } from "../../src/core/errors.ts";
import { runBacktestFast } from "../../src/engine/backtest_fast.ts";
import type { BacktestParams } from "../../src/core/backtest_params.ts";
import {
  formatReplayReport,
  parseRecordedRun,
  replayRecordedRun,
} from "../../src/engine/replay_compare.ts";
import { tradesHash } from "../../src/engine/trades_hash.ts";
import { generateMockCandles } from "../../src/data/mock_candles.ts";
import { SimExchange } from "../../src/exchange/sim/sim_exchange.ts";
import { createStrategy } from "../../src/strategy/mod.ts";

const PARAMS: BacktestParams = {
  startEquity: 1_000,
  riskPct: 0.5,
  stopBps: 30,
  tpR: 1.5,
  maxLeverage: 5,
  feeBps: 6,
  slippageBps: 1,
  intrabar: "conservative",
  mode: "position",
};
const STRATEGY_PARAMS = { fast: 5, slow: 20 };
const sim = (p: BacktestParams) =>
  new SimExchange({ feeBps: p.feeBps, slippageBps: p.slippageBps, intrabar: p.intrabar });

/** Records a run as events.jsonl lines: run.started, then every step of runSimPipeline. */
async function recordRun(count = 300, params: BacktestParams = PARAMS): Promise<string[]> {
  const series = generateMockCandles({ count, interval: "5m", seed: 7 });
  const lines: string[] = [];
  const line = (event: string, fields: Record<string, unknown>, component = "engine") =>
    lines.push(JSON.stringify({
      ts: "2024-01-01T00:00:00.000Z",
      level: "info",
      component,
      event,
      runId: "rec-1",
      ...fields,
    }));
  line("run.started", {
    config: {
      symbol: "BTCUSDT",
      interval_ms: 300_000,
      strategy: "ema-cross",
      strategy_params: STRATEGY_PARAMS,
      params,
      execution_mode: "paper",
    },
  });
  const sink: EventSink = { emit: (_l, c, e, f) => line(e, f ?? {}, c) };
  await runSimPipeline(series, {
    runId: "rec-1",
    symbol: "BTCUSDT",
    intervalMs: 300_000,
    strategy: createStrategy("ema-cross", STRATEGY_PARAMS),
    params,
    sink,
    recordSteps: true,
  });
  return lines;
}

function expectInputError(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(isInputError(e), `expected InputError, got ${e}`);
    assert.match((e as Error).message, pattern);
    return true;
  });
}

Deno.test("replay compare", async (t) => {
  const lines = await recordRun();

  await t.step("a faithful recording replays with every decision matching", async () => {
    const run = parseRecordedRun(lines, "run.jsonl");
    assert.equal(run.candles.length, 300);
    assert.equal(run.runId, "rec-1");
    const r = await replayRecordedRun(run, sim);
    assert.equal(r.matched, true);
    assert.equal(r.candles, 300);
    assert.equal(r.decisions, 600);
    assert.equal(r.firstDifference, undefined);
    const orders = run.candles.flatMap((c) => (c.decisions.risk as { orders: string[] }).orders);
    assert.ok(orders.length > 4, `the recording should trade, got ${orders.length} orders`);
    assert.match(formatReplayReport("run.jsonl", r), /300 candles, 600 decisions, all match$/);
  });

  await t.step("the backtest hash equals a fast backtest over the same candles", async () => {
    const r = await replayRecordedRun(parseRecordedRun(lines, "run.jsonl"), sim);
    const series = generateMockCandles({ count: 300, interval: "5m", seed: 7 });
    const bt = runBacktestFast(series, createStrategy("ema-cross", STRATEGY_PARAMS), PARAMS);
    assert.equal(r.backtestTradesHash, tradesHash(bt.trades));
    assert.ok(bt.trades.length > 0);
    assert.equal(r.backtestTrades, bt.trades.length);
  });

  await t.step("a tampered bias is reported at its candle", async () => {
    const idx = lines.findIndex((l, i) =>
      i > 400 && l.includes('"agent":"signal"') && l.includes('"bias":1')
    );
    assert.ok(idx > 0);
    const tampered = [...lines];
    tampered[idx] = tampered[idx].replace('"bias":1', '"bias":-1');
    const ts = JSON.parse(tampered[idx]).candleTs as number;
    const r = await replayRecordedRun(parseRecordedRun(tampered, "t.jsonl"), sim);
    assert.equal(r.matched, false);
    assert.deepEqual(r.firstDifference, {
      candleTs: ts,
      agent: "signal",
      recorded: { bias: -1 },
      replayed: { bias: 1 },
    });
    const text = formatReplayReport("t.jsonl", r);
    assert.ok(
      text.includes(
        `first difference at candle ${
          new Date(ts).toISOString().replace(".000Z", "Z")
        } (${ts}), agent signal`,
      ),
    );
  });

  await t.step("a signal step without a bias (null) replays and is compared", async () => {
    // a step whose strategy gave no bias (an intent, or nothing) is recorded as null
    const idx = lines.findIndex((l, i) =>
      i > 400 && l.includes('"agent":"signal"') && l.includes('"bias":1')
    );
    const tampered = [...lines];
    tampered[idx] = tampered[idx].replace('"bias":1', '"bias":null');
    const ts = JSON.parse(tampered[idx]).candleTs as number;
    const run = parseRecordedRun(tampered, "t.jsonl");
    assert.equal(run.candles.length, 300);
    const r = await replayRecordedRun(run, sim);
    assert.equal(r.decisions, 600);
    assert.deepEqual(r.firstDifference, {
      candleTs: ts,
      agent: "signal",
      recorded: { bias: null },
      replayed: { bias: 1 },
    });
  });

  await t.step("a run recorded with a venue minimum replays with it", async () => {
    // entries of about 0.039-0.040 BTC: the 0.0395 minimum refuses some of them
    const withMin = await recordRun(300, { ...PARAMS, minQty: 0.0395 });
    const run = parseRecordedRun(withMin, "min.jsonl");
    const risk = run.candles.map((c) =>
      c.decisions.risk as { orders: string[]; denials: string[] }
    );
    const refused = risk.filter((d) => d.denials.some((m) => /minimum/.test(m))).length;
    assert.ok(refused > 0, "the minimum should refuse an entry of the recording");
    assert.ok(risk.some((d) => d.orders.length > 0), "the recording should still trade");
    const r = await replayRecordedRun(run, sim);
    assert.equal(r.firstDifference, undefined);
    assert.equal(r.matched, true);
  });

  await t.step("a tampered risk decision is reported with both sides", async () => {
    const idx = lines.findIndex((l) => l.includes('"agent":"risk"') && /"orders":\["la/.test(l));
    const tampered = [...lines];
    tampered[idx] = tampered[idx].replace(/"orders":\[[^\]]*\]/, '"orders":[]');
    const r = await replayRecordedRun(parseRecordedRun(tampered, "t.jsonl"), sim);
    assert.equal(r.firstDifference?.agent, "risk");
    assert.deepEqual(r.firstDifference?.recorded, { orders: [], denials: [] });
    assert.equal((r.firstDifference?.replayed as { orders: string[] }).orders.length > 0, true);
  });

  await t.step("a changed candle changes the decisions after it", async () => {
    const idx = lines.findIndex((l, i) => i > 50 && l.includes('"agent":"market"'));
    const rec = JSON.parse(lines[idx]);
    rec.input.candle.close *= 1.2;
    rec.input.candle.high = Math.max(rec.input.candle.high, rec.input.candle.close);
    const tampered = [...lines];
    tampered[idx] = JSON.stringify(rec);
    const r = await replayRecordedRun(parseRecordedRun(tampered, "t.jsonl"), sim);
    assert.equal(r.matched, false);
    assert.ok(r.firstDifference!.candleTs >= rec.candleTs);
  });

  await t.step("bad files are input errors naming file and line", async () => {
    expectInputError(
      () => parseRecordedRun([lines[0], "{not json"], "run.jsonl"),
      /^Invalid replay file run\.jsonl line 2: expected a JSON object with event$/,
    );
    expectInputError(
      () => parseRecordedRun([lines[0], '{"level":"info"}'], "run.jsonl"),
      /line 2: expected a JSON object with event/,
    );
    expectInputError(
      () => parseRecordedRun(lines.slice(1), "run.jsonl"),
      /^Invalid replay file run\.jsonl: expected a run\.started line/,
    );
    const badCfg = lines[0].replace('"interval_ms":300000', '"interval_ms":"5m"');
    expectInputError(() => parseRecordedRun([badCfg], "r.jsonl"), /line 1: .*interval_ms/);
    const badBias = lines.findIndex((l) => l.includes('"agent":"signal"'));
    const copy = [...lines];
    copy[badBias] = copy[badBias].replace(/"bias":-?\d/, '"bias":7');
    expectInputError(
      () => parseRecordedRun(copy, "r.jsonl"),
      new RegExp(`line ${badBias + 1}: expected a signal decision`),
    );
    expectInputError(
      () => parseRecordedRun([...lines, lines[0]], "r.jsonl"),
      /expected one run per file/,
    );
    const unknown = lines[0].replace('"strategy":"ema-cross"', '"strategy":"nope"');
    await assert.rejects(
      () => replayRecordedRun(parseRecordedRun([unknown, ...lines.slice(1)], "r.jsonl"), sim),
      /Invalid replay file r\.jsonl run\.started config: expected a known strategy/,
    );
  });
});
