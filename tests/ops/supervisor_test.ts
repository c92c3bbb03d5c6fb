import assert from "node:assert/strict";
import type { LogLevel } from "../../src/core/events.ts";
import { Supervisor, type SupervisorOptions } from "../../src/ops/supervisor.ts";
import { RestartPolicy } from "../../src/ops/supervisor_policy.ts";
import { type ChildExit, type ChildHandle, createSpawn } from "../../src/ops/supervisor_process.ts";

const FIXTURE = new URL("../fixtures/child_agent.ts", import.meta.url).pathname;
const CHILD = [Deno.execPath(), "run", "--allow-read", "--allow-write", FIXTURE];

interface Seen {
  level: LogLevel;
  event: string;
  message: string;
  fields: Record<string, unknown>;
  at: number;
}

function recorder() {
  const seen: Seen[] = [];
  return {
    seen,
    report: (level: LogLevel, event: string, message: string, fields: Record<string, unknown>) =>
      seen.push({ level, event, message, fields, at: Date.now() }),
    events: () => seen.map((s) => s.event),
    first: (event: string) => seen.find((s) => s.event === event),
  };
}

/** Fast settings for real children. */
function fast(dir: string, args: string[], extra: Partial<SupervisorOptions> = {}) {
  const rec = recorder();
  const sup = new Supervisor({
    command: [...CHILD, ...args],
    heartbeatPath: `${dir}/heartbeat.json`,
    restartDelayMs: 100,
    maxBackoffMs: 10_000,
    staleAfterMs: 400,
    startupGraceMs: 5_000,
    killGraceMs: 200,
    checkIntervalMs: 50,
    maxRestarts: 5,
    windowMs: 60_000,
    spawn: createSpawn({ stdio: "null" }),
    report: rec.report,
    ...extra,
  });
  return { sup, rec };
}

Deno.test("restart policy: backoff and crash-loop cap (pure)", async (t) => {
  await t.step("delay doubles per restart in the window and is capped", () => {
    const p = new RestartPolicy({
      baseDelayMs: 10,
      maxDelayMs: 35,
      maxRestarts: 10,
      windowMs: 1000,
    });
    const delays = [0, 1, 2, 3].map((i) => p.onFailure(i));
    assert.deepEqual(delays.map((d) => d.action === "restart" && d.delayMs), [10, 20, 35, 35]);
  });
  await t.step("gives up on the failure after maxRestarts within the window", () => {
    const p = new RestartPolicy({ baseDelayMs: 1, maxDelayMs: 1, maxRestarts: 2, windowMs: 100 });
    assert.equal(p.onFailure(0).action, "restart");
    assert.equal(p.onFailure(10).action, "restart");
    assert.deepEqual(p.onFailure(20), { action: "give-up", restartsInWindow: 2 });
  });
  await t.step("restarts older than the window are forgotten", () => {
    const p = new RestartPolicy({ baseDelayMs: 5, maxDelayMs: 100, maxRestarts: 2, windowMs: 100 });
    p.onFailure(0);
    p.onFailure(10);
    assert.deepEqual(p.onFailure(150), { action: "restart", delayMs: 5, restartsInWindow: 1 });
  });
});

Deno.test("supervisor with a real child process", async (t) => {
  const dir = await Deno.makeTempDir();
  try {
    await t.step("crashed child is restarted after the delay, with backoff", async () => {
      const counter = `${dir}/crash.count`;
      const { sup, rec } = fast(dir, ["--counter", counter, "--crashes", "2"]);
      const code = await sup.run();
      assert.equal(code, 0, "third run exits 0 and ends the supervisor");
      assert.equal(await Deno.readTextFile(counter), "3");
      const failed = rec.seen.filter((s) => s.event === "supervisor.child_failed");
      const restarted = rec.seen.filter((s) => s.event === "supervisor.restarted");
      assert.equal(failed.length, 2);
      assert.equal(restarted.length, 2);
      assert.equal(failed[0].fields.code, 3);
      assert.ok(restarted[0].at - failed[0].at >= 100, "waited the restart delay");
      assert.ok(restarted[1].at - failed[1].at >= 200, "second restart waits twice as long");
      assert.deepEqual(restarted.map((r) => r.fields.delayMs), [100, 200]);
      assert.equal(rec.events().at(-1), "supervisor.child_exited");
    });

    await t.step("clean exit 0 ends the supervisor without restarts", async () => {
      const { sup, rec } = fast(dir, ["--exit", "0"]);
      assert.equal(await sup.run(), 0);
      assert.deepEqual(rec.events(), [
        "supervisor.started",
        "supervisor.child_started",
        "supervisor.child_exited",
      ]);
    });

    await t.step("stale heartbeat: SIGTERM, then SIGKILL, then restart", async () => {
      const counter = `${dir}/stale.count`;
      const { sup, rec } = fast(dir, [
        "--counter",
        counter,
        "--heartbeat",
        `${dir}/heartbeat.json`,
        "--freeze-runs",
        "1",
        "--beats",
        "2",
        "--ignore-sigterm",
      ]);
      const code = await sup.run();
      assert.equal(code, 0);
      assert.equal(await Deno.readTextFile(counter), "2");
      const stale = rec.first("supervisor.child_stale");
      assert.ok(stale, rec.events().join(","));
      assert.match(stale.message, /heartbeat stale/);
      assert.ok(rec.first("supervisor.child_killed"), "escalated to SIGKILL");
      const failed = rec.first("supervisor.child_failed");
      assert.equal(failed?.fields.stale, true);
      assert.ok(rec.first("supervisor.restarted"));
    });

    await t.step("crash loop: gives up with a clear message and exit 1", async () => {
      const counter = `${dir}/loop.count`;
      const { sup, rec } = fast(dir, ["--counter", counter, "--crashes", "1000"], {
        restartDelayMs: 20,
        maxRestarts: 2,
      });
      assert.equal(await sup.run(), 1);
      assert.equal(await Deno.readTextFile(counter), "3", "first run + 2 restarts");
      const gaveUp = rec.first("supervisor.gave_up");
      assert.equal(gaveUp?.level, "error");
      assert.match(gaveUp?.message ?? "", /giving up: child failed after 2 restarts within 60s/);
      assert.match(gaveUp?.message ?? "", /exit with code 3/);
    });

    await t.step(
      "SIGTERM is forwarded; the child shuts down and its code is returned",
      async () => {
        const marker = `${dir}/marker.txt`;
        const hb = `${dir}/hb-term.json`;
        const { sup, rec } = fast(dir, ["--heartbeat", hb, "--marker", marker], {
          heartbeatPath: hb,
        });
        const running = sup.run();
        const start = Date.now();
        while (true) {
          try {
            await Deno.stat(hb);
            break;
          } catch {
            if (Date.now() - start > 5000) throw new Error("child never started");
            await new Promise((r) => setTimeout(r, 20));
          }
        }
        sup.stop("SIGTERM");
        assert.equal(await running, 0);
        assert.equal(await Deno.readTextFile(marker), "SIGTERM");
        assert.ok(!rec.first("supervisor.restarted"), "no restart after a requested stop");
        assert.equal(rec.events().at(-1), "supervisor.stopped");
      },
    );

    await t.step("cannot spawn: gives up at once", async () => {
      const { sup, rec } = fast(dir, [], {
        command: [`${dir}/no-such-program`],
      });
      assert.equal(await sup.run(), 1);
      assert.match(rec.first("supervisor.gave_up")?.message ?? "", /cannot start child/);
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** A child under test control, for clock-driven cases. */
function fakeChild(pid: number) {
  let resolve!: (e: ChildExit) => void;
  const status = new Promise<ChildExit>((r) => resolve = r);
  const signals: string[] = [];
  const handle: ChildHandle = {
    pid,
    status,
    kill(sig) {
      signals.push(sig);
      if (sig === "SIGTERM") resolve({ code: 143, signal: "SIGTERM" });
    },
  };
  return { handle, signals, exit: (code: number) => resolve({ code, signal: null }) };
}

Deno.test("supervisor with an injected clock", async (t) => {
  await t.step("no heartbeat within the startup grace = stale; old file is ignored", async () => {
    let now = 1_000_000;
    const children: ReturnType<typeof fakeChild>[] = [];
    const rec = recorder();
    const sup = new Supervisor({
      command: ["agent"],
      heartbeatPath: "hb.json",
      staleAfterMs: 30_000,
      startupGraceMs: 60_000,
      checkIntervalMs: 1_000,
      restartDelayMs: 10_000,
      maxRestarts: 1,
      now: () => now,
      // Each sleep advances the fake clock instead of waiting.
      sleep: (ms) => {
        now += ms;
        return Promise.resolve();
      },
      // A heartbeat left over from before the child started.
      readHeartbeat: () =>
        Promise.resolve({
          status: "ok",
          heartbeat: {
            ts: 999_000,
            pid: 1,
            runId: "old",
            mode: "live-session",
            symbol: "BTCUSDT",
            lastCandleTs: null,
            position: null,
            equity: 1,
            riskState: "active",
          },
        }),
      spawn: () => {
        const c = fakeChild(100 + children.length);
        children.push(c);
        return c.handle;
      },
      report: rec.report,
    });
    const code = await sup.run();
    assert.equal(code, 1, "second stale child exceeds maxRestarts=1");
    assert.equal(children.length, 2);
    assert.deepEqual(children[0].signals, ["SIGTERM"]);
    const stale = rec.first("supervisor.child_stale");
    assert.match(stale?.message ?? "", /no heartbeat within the 60s startup grace at hb\.json/);
    assert.equal(rec.first("supervisor.restarted")?.fields.delayMs, 10_000);
  });

  /** A supervisor on one fake child whose clock the test sets; SIGKILL ends the child. */
  function stoppable() {
    const c = fakeChild(7);
    const signals: string[] = [];
    const rec = recorder();
    const clock = { now: 5_000_000 };
    const sup = new Supervisor({
      command: ["agent"],
      heartbeatPath: "hb.json",
      staleAfterMs: 0,
      checkIntervalMs: 10,
      now: () => clock.now,
      report: rec.report,
      spawn: () => ({
        pid: 7,
        status: c.handle.status,
        kill: (s) => {
          signals.push(s);
          if (s === "SIGKILL") c.exit(137);
        },
      }),
    });
    return { sup, c, signals, rec, clock };
  }

  await t.step("a second stop signal within 1 s is a duplicate delivery: ignored", async () => {
    const { sup, c, signals, rec, clock } = stoppable();
    const running = sup.run();
    await new Promise((r) => setTimeout(r, 20));
    sup.stop("SIGINT");
    sup.stop("SIGINT"); // same millisecond: the terminal's and the task runner's copy
    clock.now += 999;
    sup.stop("SIGTERM");
    assert.deepEqual(signals, ["SIGINT"], "forwarded once, never killed");
    const ignored = rec.seen.filter((s) => s.event === "supervisor.signal_ignored");
    assert.equal(ignored.length, 2);
    assert.equal(ignored[0].level, "info");
    assert.match(ignored[0].message, /^received SIGINT again 0 ms after the first: /);
    assert.match(ignored[0].message, /duplicate delivery/);
    assert.match(ignored[1].message, /^received SIGTERM again 999 ms after the first: /);
    assert.deepEqual(ignored[1].fields, { signal: "SIGTERM", pid: 7, sinceFirstMs: 999 });
    c.exit(0); // the child's graceful shutdown completes
    assert.equal(await running, 0);
    assert.ok(!rec.first("supervisor.child_killed"));
    assert.equal(rec.events().at(-1), "supervisor.stopped");
  });

  await t.step("a second stop signal 1 s or more after the first kills the child", async () => {
    const { sup, signals, rec, clock } = stoppable();
    const running = sup.run();
    await new Promise((r) => setTimeout(r, 20));
    sup.stop("SIGINT");
    clock.now += 300;
    sup.stop("SIGINT"); // duplicate
    clock.now += 700; // 1 s after the first
    sup.stop("SIGINT");
    assert.equal(await running, 137);
    assert.deepEqual(signals, ["SIGINT", "SIGKILL"]);
    const killed = rec.first("supervisor.child_killed");
    assert.equal(killed?.level, "warn");
    assert.match(killed?.message ?? "", /second SIGINT 1\.0s after the first: killing child pid 7/);
  });
});
