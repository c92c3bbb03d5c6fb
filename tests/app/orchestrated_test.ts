import assert from "node:assert/strict";
import { exists, readJsonl, runCli, tempWorkspace } from "./_session_helpers.ts";

const AGENTS = ["market", "journal", "signal", "risk", "execution"];

Deno.test("--mode orchestrated --source mock records every agent step; replay matches", async (t) => {
  const ws = await tempWorkspace();
  try {
    await t.step("events.jsonl has a step per agent per candle", async () => {
      const r = await runCli(
        ["--mode", "orchestrated", "--source", "mock", "--backtest", "300"],
        { cwd: ws.dir },
      );
      assert.equal(r.code, 0, r.stderr);
      for (const f of ["events.jsonl", "summary.html", "trades.csv", "stats.json"]) {
        assert.ok(exists(`${ws.dir}/runs/latest/${f}`), f);
      }
      const events = readJsonl(`${ws.dir}/runs/latest/events.jsonl`);
      const steps = events.filter((e) => e.event === "agent.step");
      const candles = new Set(steps.map((s) => s.candleTs));
      assert.equal(candles.size, 300);
      for (const a of AGENTS) {
        const mine = steps.filter((s) => s.agent === a);
        assert.equal(mine.length, 300, `${a} steps`);
        for (const s of mine) {
          assert.ok("input" in s && "decision" in s, `${a} step has input and decision`);
          assert.equal(typeof s.duration_ms, "number");
          assert.ok(s.duration_ms >= 0);
        }
      }
      // agents act in the documented order on each candle
      const first = steps.filter((s) => s.candleTs === steps[0].candleTs).map((s) => s.agent);
      assert.deepEqual(first, ["market", "journal", "signal", "risk", "execution"]);
      assert.ok(
        steps.some((s) => s.agent === "execution" && s.decision.sent.length > 0),
        "the run traded",
      );
    });

    await t.step("--replay runs/latest/events.jsonl reproduces every decision", async () => {
      const r = await runCli(["--replay", "runs/latest/events.jsonl"], { cwd: ws.dir });
      assert.equal(r.code, 0, r.stdout + r.stderr);
    });

    await t.step("a tampered decision is caught by the replay", async () => {
      const path = `${ws.dir}/runs/latest/events.jsonl`;
      const lines = (await Deno.readTextFile(path)).trim().split("\n");
      const i = lines.findIndex((l) => {
        const e = JSON.parse(l);
        return e.event === "agent.step" && e.agent === "signal" && e.decision.bias !== 0;
      });
      assert.ok(i !== -1);
      const e = JSON.parse(lines[i]);
      e.decision.bias = -e.decision.bias;
      lines[i] = JSON.stringify(e);
      await Deno.writeTextFile(`${ws.dir}/tampered.jsonl`, lines.join("\n") + "\n");
      const r = await runCli(["--replay", "tampered.jsonl"], { cwd: ws.dir });
      assert.equal(r.code, 1, r.stdout + r.stderr);
    });
  } finally {
    await ws.cleanup();
  }
});
