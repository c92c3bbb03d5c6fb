import assert from "node:assert/strict";
import { createStatusCommand } from "../../src/app/supervise/status.ts";
import { HeartbeatWriter } from "../../src/ops/heartbeat.ts";
import { tripKillSwitch } from "../../src/ops/kill_switch.ts";

const NOW = Date.UTC(2025, 0, 1);

Deno.test("status command", async (t) => {
  const dir = await Deno.makeTempDir();
  const paths = [
    "--pid-file",
    `${dir}/agent.pid`,
    "--watchdog-pid-file",
    `${dir}/watchdog.pid`,
    "--heartbeat",
    `${dir}/heartbeat.json`,
    "--kill-switch",
    `${dir}/KILL_SWITCH.txt`,
  ];
  const alive = new Set<number>();
  const lines: string[] = [];
  const cmd = createStatusCommand({
    now: () => NOW,
    out: (l) => lines.push(l),
    isAlive: (pid) => alive.has(pid),
  });
  const run = async () => {
    lines.length = 0;
    const code = await cmd.run(paths);
    return { code, text: lines.join("\n") };
  };
  try {
    await t.step("nothing there: not running, exit 1", async () => {
      const { code, text } = await run();
      assert.equal(code, 1);
      assert.match(text, /agent: +not running \(no .*agent\.pid\)/);
      assert.match(text, /heartbeat: +no heartbeat file/);
      assert.match(text, /kill switch: off \(no file\)/);
      assert.match(text, /status: +NOT RUNNING/);
    });

    await t.step("running with a fresh heartbeat: exit 0 with details", async () => {
      await Deno.writeTextFile(`${dir}/agent.pid`, "4321\n");
      alive.add(4321);
      const w = new HeartbeatWriter({
        path: `${dir}/heartbeat.json`,
        intervalMs: 0,
        now: () => NOW - 2_000,
        pid: 4321,
      });
      w.beat({
        runId: "run-9",
        mode: "live-session",
        executionMode: "paper",
        symbol: "BTCUSDT",
        lastCandleTs: null,
        position: null,
        equity: 9_876.5,
        riskState: "active",
      });
      w.close();
      const { code, text } = await run();
      assert.equal(code, 0, text);
      assert.match(text, /agent: +running \(pid 4321/);
      assert.match(text, /heartbeat: +fresh \| age 2\.0s .*position flat \| equity 9876\.50/);
      assert.match(text, /status: +RUNNING, healthy/);
    });

    await t.step("kill switch state is shown", async () => {
      tripKillSwitch(`${dir}/KILL_SWITCH.txt`);
      const { text } = await run();
      assert.match(text, /kill switch: TRIPPED \(true: file says "TRUE\\n"\)/);
    });

    await t.step("anything but FALSE is shown as tripped, with what the file says", async () => {
      await Deno.writeTextFile(`${dir}/KILL_SWITCH.txt`, "yes\n");
      const { text } = await run();
      assert.match(
        text,
        /kill switch: TRIPPED \(not-false: file says "yes\\n"; only FALSE is off\)/,
      );
      await Deno.writeTextFile(`${dir}/KILL_SWITCH.txt`, "FALSE\n");
      assert.match((await run()).text, /kill switch: off \(file says FALSE\)/);
      tripKillSwitch(`${dir}/KILL_SWITCH.txt`);
    });

    await t.step("stale heartbeat: running but unhealthy, exit 1", async () => {
      lines.length = 0;
      const code = await cmd.run([...paths, "--max-age", "1"]);
      const text = lines.join("\n");
      assert.equal(code, 1);
      assert.match(text, /STALE \(max 1s\)/);
      assert.match(text, /RUNNING, unhealthy/);
    });

    await t.step("pid file of an exited process: not running", async () => {
      alive.clear();
      const { code, text } = await run();
      assert.equal(code, 1);
      assert.match(text, /stale .*agent\.pid names pid 4321, which has exited/);
    });

    await t.step(
      "after a clean stop: not running, stopped cleanly at (when), as monitor says",
      async () => {
        await Deno.remove(`${dir}/agent.pid`);
        const w = new HeartbeatWriter({
          path: `${dir}/heartbeat.json`,
          intervalMs: 0,
          now: () => NOW - 600_000,
          pid: 4321,
        });
        w.beat({
          runId: "run-9",
          mode: "live-session",
          executionMode: "paper",
          symbol: "BTCUSDT",
          lastCandleTs: null,
          position: null,
          equity: 9_876.5,
          riskState: "halted",
        });
        w.close({ reason: "signal", clean: true });
        const { code, text } = await run();
        assert.equal(code, 1);
        assert.match(
          text,
          /heartbeat: +stopped cleanly at 2024-12-31T23:50:00\.000Z \(it was asked to stop \(Ctrl\+C or a signal\)\) \| age 600\.0s/,
        );
        assert.doesNotMatch(text, /STALE|risk halted/);
        assert.match(
          text,
          /status: +NOT RUNNING \(the agent stopped cleanly at 2024-12-31T23:50:00\.000Z/,
        );
      },
    );

    await t.step("corrupt pid file is reported, not thrown", async () => {
      await Deno.writeTextFile(`${dir}/agent.pid`, "hello");
      const { code, text } = await run();
      assert.equal(code, 1);
      assert.match(text, /agent: +unknown: .*does not hold a process id/);
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
