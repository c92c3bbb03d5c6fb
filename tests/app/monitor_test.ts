import assert from "node:assert/strict";
import { createMonitorCommand, type MonitorDeps } from "../../src/app/supervise/monitor.ts";
import type { NotifyEnv } from "../../src/config/notify_env.ts";
import { isInputError } from "../../src/core/errors.ts";
import { HeartbeatWriter } from "../../src/ops/heartbeat.ts";
import { startFakeHook } from "../fakes/fake_notify.ts";
import { withEnv } from "./_session_helpers.ts";

/** The monitor command without notification channels unless a test gives some. */
function monitor(deps: MonitorDeps = {}) {
  return createMonitorCommand({ notifyEnv: () => ({}), ...deps });
}

const NOW = Date.UTC(2025, 0, 1, 12, 0, 0);

function writeBeat(path: string, ts: number, stop?: { reason: string; clean: boolean }) {
  const w = new HeartbeatWriter({ path, intervalMs: 0, now: () => ts, pid: 4321 });
  w.beat({
    runId: "run-7",
    mode: "live-session",
    executionMode: "paper",
    symbol: "BTCUSDT",
    lastCandleTs: Date.UTC(2025, 0, 1, 11, 55),
    position: { side: "short", qty: 0.02, entryPrice: 95_000 },
    equity: 10_123.456,
    riskState: "halted",
  });
  w.close(stop);
}

Deno.test("monitor command", async (t) => {
  const dir = await Deno.makeTempDir();
  const hb = `${dir}/heartbeat.json`;
  const lines: string[] = [];
  const cmd = monitor({ now: () => NOW, out: (l) => lines.push(l) });
  try {
    await t.step("--once with a fresh heartbeat: OK line with details, exit 0", async () => {
      writeBeat(hb, NOW - 1_200);
      lines.length = 0;
      assert.equal(await cmd.run(["--once", "--heartbeat", hb]), 0);
      assert.equal(lines.length, 1);
      assert.match(lines[0], /^OK age 1\.2s/);
      assert.match(lines[0], /mode live-session \(paper\)/);
      assert.match(lines[0], /last candle 2025-01-01T11:55:00\.000Z/);
      assert.match(lines[0], /position short 0\.02 @ 95000/);
      assert.match(lines[0], /equity 10123\.46/);
    });

    await t.step("--once with a stale heartbeat: ALERT, exit 1", async () => {
      writeBeat(hb, NOW - 12_000);
      lines.length = 0;
      assert.equal(await cmd.run(["--once", "--heartbeat", hb]), 1);
      assert.match(lines[0], /^ALERT heartbeat is stale \(12\.0s old, max 5s\)/);
    });

    await t.step("after a clean stop: STOPPED with when and why, exit 0", async () => {
      writeBeat(hb, NOW - 3_600_000, { reason: "duration", clean: true });
      lines.length = 0;
      assert.equal(await cmd.run(["--once", "--heartbeat", hb]), 0);
      assert.match(
        lines[0],
        /^STOPPED the agent stopped cleanly at 2025-01-01T11:00:00\.000Z \(its --duration ended\), 3600\.0s ago \| age 3600\.0s/,
      );
      assert.doesNotMatch(lines[0], /stale|frozen|risk halted/);
    });

    await t.step("after a stop on a fault: ALERT with when and why, exit 1", async () => {
      writeBeat(hb, NOW - 60_000, { reason: "stale", clean: false });
      lines.length = 0;
      assert.equal(await cmd.run(["--once", "--heartbeat", hb]), 1);
      assert.match(
        lines[0],
        /^ALERT the agent stopped at 2025-01-01T11:59:00\.000Z after no market data came \(stale-data safety shutdown\), 60\.0s ago/,
      );
      writeBeat(hb, NOW - 12_000);
    });

    await t.step("--max-age raises the limit", async () => {
      lines.length = 0;
      assert.equal(await cmd.run(["--once", "--heartbeat", hb, "--max-age", "15"]), 0);
    });

    await t.step("missing and corrupt heartbeat: ALERT, exit 1, no throw", async () => {
      lines.length = 0;
      assert.equal(await cmd.run(["--once", "--heartbeat", `${dir}/none.json`]), 1);
      assert.match(lines[0], /^ALERT no heartbeat at .*none\.json/);
      await Deno.writeTextFile(`${dir}/bad.json`, '{"ts":"soon"}');
      assert.equal(await cmd.run(["--once", "--heartbeat", `${dir}/bad.json`]), 1);
      assert.match(lines[1], /^ALERT heartbeat file .*bad\.json is corrupt/);
    });

    await t.step("loop prints every interval, ALERT when stale, stops on Ctrl+C", async () => {
      writeBeat(hb, NOW - 1_000);
      let now = NOW;
      let interrupt!: () => void;
      const out: string[] = [];
      const loop = monitor({
        now: () => now,
        out: (l) => out.push(l),
        onInterrupt: (stop) => {
          interrupt = stop;
          return () => {};
        },
        sleep: () => {
          now += 3_000;
          if (now - NOW >= 9_000) interrupt();
          return Promise.resolve();
        },
      });
      assert.equal(await loop.run(["--heartbeat", hb]), 0);
      assert.equal(out.length, 3);
      assert.match(out[0], /^2025-01-01T12:00:00\.000Z OK age 1\.0s/);
      assert.match(out[1], /^2025-01-01T12:00:03\.000Z OK age 4\.0s/);
      assert.match(out[2], /^2025-01-01T12:00:06\.000Z ALERT heartbeat is stale \(7\.0s old/);
    });

    await t.step("bad flag value is an InputError", async () => {
      await assert.rejects(() => cmd.run(["--max-age", "soon"]), isInputError);
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the monitor of these tests ignores the channels in the environment", async () => {
  const hook = startFakeHook();
  const lines: string[] = [];
  try {
    const code = await withEnv(
      { WEBHOOK_URL: `${hook.url}/env` },
      () => monitor({ out: (l) => lines.push(l) }).run(["--once", "--heartbeat", "/nonexistent"]),
    );
    assert.equal(code, 1);
    assert.match(lines[0], /^ALERT no heartbeat/);
    assert.deepEqual(hook.received, []);
  } finally {
    await hook.close();
  }
});

Deno.test("monitor: a stale heartbeat is told once, and once more when it is back", async () => {
  const hook = startFakeHook();
  const dir = await Deno.makeTempDir();
  const hb = `${dir}/heartbeat.json`;
  const env: NotifyEnv = { webhookUrl: `${hook.url}/hook` };
  const lines: string[] = [];
  let stop = () => {};
  let sleeps = 0;
  writeBeat(hb, NOW - 12_000);
  const cmd = monitor({
    now: () => NOW,
    out: (l) => lines.push(l),
    notifyEnv: () => env,
    onInterrupt: (s) => {
      stop = s;
      return () => {};
    },
    sleep: async () => {
      sleeps++;
      if (sleeps === 3) writeBeat(hb, NOW - 500);
      if (sleeps === 5) stop();
      // let the notifier's sender run between checks
      await new Promise((r) => setTimeout(r, 20));
    },
  });
  try {
    assert.equal(await cmd.run(["--heartbeat", hb, "--interval", "1"]), 0);
    assert.equal(lines.filter((l) => / ALERT /.test(l)).length, 3, "three stale checks");
    const got = hook.delivered.map((r) => [r.body.event, r.body.title]);
    assert.deepEqual(got, [
      ["heartbeat.missed", "Heartbeat missed: the agent may be frozen or down"],
      ["heartbeat.recovered", "Heartbeat back"],
    ]);
    assert.match(hook.delivered[0].body.text, /^ALERT heartbeat is stale \(12\.0s old, max 5s\)/);
    assert.equal(hook.delivered[0].body.label, "monitor");
    assert.match(lines[0], /^Notifications: webhook \(http:\/\/127\.0\.0\.1:\d+\)\.$/);

    // --once: an unhealthy check is sent before the command returns
    hook.delivered.length = 0;
    writeBeat(hb, NOW - 30_000);
    assert.equal(await cmd.run(["--once", "--heartbeat", hb]), 1);
    assert.equal(hook.delivered.length, 1);
    assert.equal(hook.delivered[0].body.kind, "heartbeat_missed");
  } finally {
    await hook.close();
    await Deno.remove(dir, { recursive: true });
  }
});
