import assert from "node:assert/strict";
import {
  exists,
  listFiles,
  readJsonl,
  runCli,
  spawnCli,
  tempWorkspace,
  waitFor,
} from "./_session_helpers.ts";

const MARKER = "marker-secret-7f3a9c1e-never-read";
const AGENTS = ["market", "journal", "signal", "risk", "execution"];

Deno.test("paper session through the CLI (mock feed)", async (t) => {
  const ws = await tempWorkspace();
  const args = [
    "--mode",
    "live-session",
    "--source",
    "mock",
    "--execution-mode",
    "paper",
    "--speed",
    "6000",
    "--kill-switch",
    "config/KILL_SWITCH.txt",
  ];
  const env = { BITUNIX_API_SECRET: MARKER, BITUNIX_API_KEY: "marker-key-never-read" };
  try {
    let firstState: { cash: number; trades: { id: number }[] } | undefined;

    await t.step("writes the run artifacts, order logs and agent steps; exit 0", async () => {
      const r = await runCli([...args, "--duration", "0.05"], { cwd: ws.dir, env });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /stopped \(duration\)/);
      // the absolute kill switch path, so the owner knows which file stops it
      const ks = await Deno.realPath(`${ws.dir}/config/KILL_SWITCH.txt`);
      assert.ok(r.stderr.includes(`Kill switch: ${ks} (off;`), r.stderr);
      for (
        const f of [
          "trades.csv",
          "equity.csv",
          "stats.json",
          "events.jsonl",
          "summary.html",
          "config.json",
        ]
      ) {
        assert.ok(exists(`${ws.dir}/runs/latest/${f}`), `runs/latest/${f}`);
      }
      const system = readJsonl(`${ws.dir}/logs/system.jsonl`);
      const placed = system.filter((e) => e.event === "order.placed");
      const filled = system.filter((e) => e.event === "order.filled");
      assert.ok(placed.length > 0, "order.placed in logs/system.jsonl");
      assert.ok(filled.length > 0, "order.filled in logs/system.jsonl");
      assert.ok(placed.some((e) => e.intent === "entry"));
      // every fill of an order this session sent carries its latency
      const ours = filled.filter((e) => placed.some((p) => p.clientId === e.clientId));
      assert.ok(ours.length > 0);
      for (const f of ours) assert.equal(typeof f.latency_sec, "number");
      assert.equal(system.filter((e) => e.event === "agent.step").length, 0);

      const events = readJsonl(`${ws.dir}/runs/latest/events.jsonl`);
      const steps = events.filter((e) => e.event === "agent.step");
      const candles = new Set(steps.map((s) => s.candleTs));
      for (const a of AGENTS) {
        const mine = steps.filter((s) => s.agent === a);
        assert.equal(mine.length, candles.size, `one ${a} step per candle`);
      }
      const stats = JSON.parse(await Deno.readTextFile(`${ws.dir}/runs/latest/stats.json`));
      const csvRows = (await Deno.readTextFile(`${ws.dir}/runs/latest/trades.csv`)).trim()
        .split("\n").length - 1;
      assert.equal(stats.trades, csvRows);
      const config = JSON.parse(await Deno.readTextFile(`${ws.dir}/runs/latest/config.json`));
      assert.equal(config.execution_mode, "paper");

      assert.equal(config.resumed_from, null, "a new paper account");

      firstState = JSON.parse(await Deno.readTextFile(`${ws.dir}/paper/session-state.json`));
      assert.equal(firstState!.trades.length, csvRows);
    });

    await t.step("after the clean stop, monitor and status say it stopped cleanly", async () => {
      const hb = JSON.parse(await Deno.readTextFile(`${ws.dir}/logs/heartbeat.json`));
      assert.equal(hb.stopped.reason, "duration");
      assert.equal(hb.stopped.clean, true);
      const at = new Date(hb.stopped.at).toISOString();
      const monitor = await runCli(["monitor", "--once"], { cwd: ws.dir, env });
      assert.equal(monitor.code, 0, monitor.stdout);
      assert.match(
        monitor.stdout,
        new RegExp(`^STOPPED the agent stopped cleanly at ${at} \\(its --duration ended\\)`),
      );
      assert.doesNotMatch(monitor.stdout, /ALERT|frozen/);
      const status = await runCli(["status"], { cwd: ws.dir, env });
      assert.equal(status.code, 1);
      assert.match(status.stdout, new RegExp(`NOT RUNNING \\(the agent stopped cleanly at ${at}`));
    });

    await t.step("paper never reads credentials: the secret is in no file", async () => {
      const files = await listFiles(ws.dir);
      assert.ok(files.length > 5);
      for (const f of files) {
        const text = await Deno.readTextFile(f);
        assert.ok(!text.includes(MARKER), `secret found in ${f}`);
        assert.ok(!text.includes("marker-key-never-read"), `key found in ${f}`);
      }
    });

    await t.step("a restarted paper session resumes equity and trades", async () => {
      assert.ok(firstState);
      const r = await runCli([...args, "--duration", "0.02"], { cwd: ws.dir, env });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /Resumed/);
      assert.match(
        r.stderr,
        new RegExp(`equity ${firstState.cash.toFixed(2)}, ${firstState.trades.length} trades`),
      );
      const second = JSON.parse(await Deno.readTextFile(`${ws.dir}/paper/session-state.json`));
      assert.ok(second.trades.length >= firstState.trades.length);
      assert.deepEqual(second.trades.slice(0, firstState.trades.length), firstState.trades);
      const started = readJsonl(`${ws.dir}/runs/latest/events.jsonl`)
        .find((e) => e.event === "run.started");
      assert.equal(started?.config.resumed, true);
      const config = JSON.parse(await Deno.readTextFile(`${ws.dir}/runs/latest/config.json`));
      assert.match(
        config.resumed_from,
        new RegExp(
          `^paper/session-state\\.json \\(equity ${
            firstState.cash.toFixed(2)
          }, ${firstState.trades.length} trades, position (flat|long|short), saved \\d{4}-\\d\\d-\\d\\dT`,
        ),
      );
    });

    await t.step("--fresh starts a new paper account and says what it set aside", async () => {
      const before = JSON.parse(await Deno.readTextFile(`${ws.dir}/paper/session-state.json`));
      const r = await runCli([...args, "--duration", "0.02", "--fresh"], { cwd: ws.dir, env });
      assert.equal(r.code, 0, r.stderr);
      assert.match(
        r.stderr,
        new RegExp(
          `Fresh paper account \\(--fresh\\): ignoring paper/session-state\\.json \\(equity ${
            before.cash.toFixed(2)
          }, ${before.trades.length} trades, .*\\); it is replaced from the first candle\\.`,
        ),
      );
      assert.doesNotMatch(r.stderr, /Resumed/);
      const after = JSON.parse(await Deno.readTextFile(`${ws.dir}/paper/session-state.json`));
      assert.notEqual(after.run.runId, before.run.runId);
      const started = readJsonl(`${ws.dir}/runs/latest/events.jsonl`)
        .find((e) => e.event === "run.started");
      assert.equal(started?.config.resumed, false);
      const config = JSON.parse(await Deno.readTextFile(`${ws.dir}/runs/latest/config.json`));
      assert.equal(config.resumed_from, null);
      const stats = JSON.parse(await Deno.readTextFile(`${ws.dir}/runs/latest/stats.json`));
      assert.equal(stats.start_equity, 10_000, "the default --start-equity again");
    });

    await t.step("flatten --execution-mode paper reads the state file sessions use", async () => {
      const r = await runCli(["flatten", "--execution-mode", "paper"], { cwd: ws.dir, env });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^KILL SWITCH TRIPPED/);
      assert.match(
        r.stdout,
        /Paper state at paper\/session-state\.json \(equity [\d.]+, \d+ trades, position (flat|long|short), saved .*\): kill switch tripped/,
      );
    });
  } finally {
    await ws.cleanup();
  }
});

Deno.test("legacy --mode live writes paper/ and holds paper/mvp.pid while running", async () => {
  const ws = await tempWorkspace();
  try {
    const child = spawnCli([
      "--mode",
      "live",
      "--speed",
      "3000",
      "--duration",
      "0.04",
      "--kill-switch",
      "config/KILL_SWITCH.txt",
    ], { cwd: ws.dir });
    let sawPid = false;
    const status = child.status;
    let done = false;
    status.then(() => done = true);
    await waitFor(
      () => {
        if (exists(`${ws.dir}/paper/mvp.pid`)) sawPid = true;
        return sawPid || done;
      },
      10_000,
      "paper/mvp.pid",
    );
    assert.ok(sawPid, "paper/mvp.pid exists while the loop runs");
    const pid = Number((await Deno.readTextFile(`${ws.dir}/paper/mvp.pid`)).trim());
    assert.equal(pid, child.pid);
    const out = await child.output();
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    assert.ok(!exists(`${ws.dir}/paper/mvp.pid`), "mvp.pid removed on exit");
    assert.ok(!exists(`${ws.dir}/logs/agent.pid`), "agent.pid removed on exit");
    const events = readJsonl(`${ws.dir}/paper/events.jsonl`);
    assert.ok(events.some((e) => e.event === "agent.step"));
    assert.ok(events.some((e) => e.event === "run.stopped" && e.reason === "duration"));
    assert.match(await Deno.readTextFile(`${ws.dir}/paper/trades.csv`), /^[a-z_]+,/);
    const state = JSON.parse(await Deno.readTextFile(`${ws.dir}/paper/state.json`));
    assert.equal(state.version, 1);
    assert.equal(typeof state.cash, "number");
    assert.ok(!exists(`${ws.dir}/runs`), "the legacy loop writes no run folder");
  } finally {
    await ws.cleanup();
  }
});
