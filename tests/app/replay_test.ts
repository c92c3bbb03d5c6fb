import assert from "node:assert/strict";
import { createReplayCommand } from "../../src/app/backtest/replay.ts";
import { runSimPipeline } from "../../src/app/backtest/sim_pipeline.ts";
import { isInputError } from "../../src/core/errors.ts";
import type { BacktestParams } from "../../src/core/backtest_params.ts";
import { generateMockCandles } from "../../src/data/mock_candles.ts";
import { JsonlLogger } from "../../src/ops/jsonl_logger.ts";
import { createStrategy } from "../../src/strategy/mod.ts";

const PARAMS: BacktestParams = {
  startEquity: 1_000,
  riskPct: 0.5,
  stopBps: 30,
  tpR: 1.5,
  maxLeverage: 5,
  feeBps: 6,
  slippageBps: 0,
  intrabar: "conservative",
  mode: "position",
};

/** Writes a recorded run (run.started + step records) with the JSONL logger. */
async function writeRun(path: string): Promise<void> {
  const log = new JsonlLogger({ path, runId: "paper-abc", now: () => Date.UTC(2024, 0, 2) });
  try {
    log.emit("info", "engine", "run.started", {
      config: {
        symbol: "BTCUSDT",
        interval_ms: 300_000,
        strategy: "breakout",
        strategy_params: { lookback: 10 },
        params: PARAMS,
        execution_mode: "paper",
      },
    });
    await runSimPipeline(generateMockCandles({ count: 120, interval: "5m", seed: 3 }), {
      runId: "paper-abc",
      symbol: "BTCUSDT",
      intervalMs: 300_000,
      strategy: createStrategy("breakout", { lookback: 10 }),
      params: PARAMS,
      sink: log,
      recordSteps: true,
    });
  } finally {
    log.close();
  }
}

async function runCmd(argv: string[]): Promise<{ code: number; out: string[] }> {
  const out: string[] = [];
  const code = await createReplayCommand({ out: (l) => out.push(l) }).run(argv);
  return { code, out };
}

Deno.test("replay command", async (t) => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/events.jsonl`;
  await writeRun(path);

  await t.step("a recorded run replays with all decisions matching: exit 0", async () => {
    const { code, out } = await runCmd(["--replay", path]);
    assert.equal(code, 0);
    assert.equal(out[0], `Replay ${path}: 120 candles, 240 decisions, all match`);
    assert.match(out[1], /^Backtest of the same candles: \d+ trades, trades_hash [0-9a-f]{64}$/);
  });

  await t.step("--json prints the report", async () => {
    const { code, out } = await runCmd(["--replay", path, "--json"]);
    assert.equal(code, 0);
    const r = JSON.parse(out[0]);
    assert.equal(r.matched, true);
    assert.equal(r.candles, 120);
    assert.equal(r.runId, "paper-abc");
  });

  await t.step("a tampered bias: first difference at that candle, exit 1", async () => {
    const lines = (await Deno.readTextFile(path)).split("\n");
    const idx = lines.findIndex((l, i) => i > 200 && /"agent":"signal".*"bias":(1|-1)\}/.test(l));
    assert.ok(idx > 0, "a non-zero bias to tamper with");
    const rec = JSON.parse(lines[idx]);
    const flipped = -rec.decision.bias;
    rec.decision.bias = flipped;
    lines[idx] = JSON.stringify(rec);
    const bad = `${dir}/tampered.jsonl`;
    await Deno.writeTextFile(bad, lines.join("\n"));
    const { code, out } = await runCmd(["--replay", bad]);
    assert.equal(code, 1);
    const iso = new Date(rec.candleTs).toISOString().replace(".000Z", "Z");
    assert.equal(
      out[0],
      `Replay ${bad}: 120 candles, 240 decisions, first difference at candle ${iso} ` +
        `(${rec.candleTs}), agent signal: recorded {"bias":${flipped}} replayed {"bias":${-flipped}}`,
    );
  });

  await t.step("bad files are InputErrors (exit code 2 at the CLI)", async () => {
    const cases: [string, string, RegExp][] = [
      [
        "missing.jsonl",
        "",
        /^Invalid replay file .*missing\.jsonl: expected a readable events\.jsonl \(not found\)$/,
      ],
      [
        "badline.jsonl",
        '{"event":"x"}\n{"event":"y"}\n[1,2\n',
        /badline\.jsonl line 3: expected a JSON object with event$/,
      ],
      ["nostart.jsonl", '{"event":"agent.step"}\n', /nostart\.jsonl: expected a run\.started line/],
      [
        "backtest.jsonl",
        JSON.stringify({
          event: "run.started",
          runId: "b1",
          config: { mode: "backtest", symbol: "BTCUSDT", interval: "5m" },
        }) + "\n" + JSON.stringify({ event: "order.filled", runId: "b1" }) + "\n",
        /^Invalid replay file .*backtest\.jsonl line 1: expected a run with agent step records, but this is a backtest's journal \(run start, fills and run end only\); replay accepts the events\.jsonl of an orchestrated run \(--mode orchestrated\) or of a paper or live session/,
      ],
      [
        "nosteps.jsonl",
        (await Deno.readTextFile(path)).split("\n")[0] + "\n",
        /nosteps\.jsonl: expected agent\.step records after run\.started, found none; replay accepts/,
      ],
    ];
    for (const [name, text, re] of cases) {
      const p = `${dir}/${name}`;
      if (text) await Deno.writeTextFile(p, text);
      await assert.rejects(() => runCmd(["--replay", p]), (e: unknown) => {
        assert.ok(isInputError(e));
        assert.match((e as Error).message, re);
        return true;
      });
    }
    await assert.rejects(() => runCmd([]), /Invalid --replay/);
  });

  await Deno.remove(dir, { recursive: true });
});
